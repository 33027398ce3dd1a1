//! An entity's controls and the requirements they serve.

use std::collections::BTreeSet;

use hygeia_catalog::Catalog;
use hygeia_domain::access::EntityScope;
use hygeia_domain::validation::Validator;
use sqlx::{AnyConnection, Row};

use super::types::{Control, ControlInput, RequirementRef};
use super::{check_date, check_optional_text, check_requirement, clean, in_scope, json};
use crate::audit::{Change, append};
use crate::database::WriteTx;
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

pub(crate) const STATUSES: [&str; 4] = ["planned", "in_progress", "implemented", "retired"];

const COLUMNS: &str = "id, entity_id, name, description, owner, status, implemented_on, \
    next_review_on, created_at, updated_at, version";

fn validate(input: &ControlInput, catalog: &Catalog) -> Result<BTreeSet<RequirementRef>> {
    let mut v = Validator::new();
    v.text("name", &input.name, 200);
    check_optional_text(&mut v, "description", Some(&input.description), 4000);
    check_optional_text(&mut v, "owner", input.owner.as_deref(), 200);
    if !STATUSES.contains(&input.status.as_str()) {
        v.one_of("status", &STATUSES);
    }
    check_date(&mut v, "implemented_on", input.implemented_on.as_deref());
    check_date(&mut v, "next_review_on", input.next_review_on.as_deref());
    for r in &input.requirements {
        check_requirement(
            &mut v,
            catalog,
            "requirements",
            &r.framework_id,
            &r.requirement_id,
        );
    }
    v.finish()?;
    Ok(input.requirements.iter().cloned().collect())
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<Control> {
    Ok(Control {
        id: row.try_get("id")?,
        entity_id: row.try_get("entity_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        owner: row.try_get("owner")?,
        status: row.try_get("status")?,
        implemented_on: row.try_get("implemented_on")?,
        next_review_on: row.try_get("next_review_on")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
        requirements: Vec::new(),
    })
}

async fn requirements_of(conn: &mut AnyConnection, id: &str) -> Result<Vec<RequirementRef>> {
    let rows = sqlx::query(
        "SELECT framework_id, requirement_id FROM control_requirements WHERE control_id = $1 \
         ORDER BY framework_id, requirement_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RequirementRef {
                framework_id: r.try_get("framework_id")?,
                requirement_id: r.try_get("requirement_id")?,
            })
        })
        .collect()
}

/// Creates a control of `entity_id` in the caller's transaction, audited.
pub(crate) async fn insert_control(
    tx: &mut WriteTx,
    actor: &Actor,
    now: &str,
    entity_id: &str,
    input: &ControlInput,
    catalog: &Catalog,
) -> Result<Control> {
    let requirements = validate(input, catalog)?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO controls (id, entity_id, name, description, owner, status, \
         implemented_on, next_review_on, created_at, updated_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1)",
    )
    .bind(&id)
    .bind(entity_id)
    .bind(input.name.trim())
    .bind(input.description.trim())
    .bind(clean(&input.owner))
    .bind(&input.status)
    .bind(clean(&input.implemented_on))
    .bind(clean(&input.next_review_on))
    .bind(now)
    .execute(&mut **tx)
    .await
    .map_err(StoreError::on_unique(
        "name",
        "a control with this name already exists",
    ))?;
    write_requirements(tx, &id, &requirements).await?;
    let control = control_in(tx, &id).await?;
    let change = Change {
        action: "control.create",
        object_type: "control",
        object_id: &id,
        entity_id: Some(entity_id),
        before: None,
        after: json(&control),
    };
    append(tx, actor, now, change).await?;
    Ok(control)
}

pub(crate) async fn control_in(conn: &mut AnyConnection, id: &str) -> Result<Control> {
    let sql = format!("SELECT {COLUMNS} FROM controls WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("control", id))?;
    let mut control = from_row(&row)?;
    control.requirements = requirements_of(conn, id).await?;
    Ok(control)
}

async fn write_requirements(
    conn: &mut AnyConnection,
    id: &str,
    requirements: &BTreeSet<RequirementRef>,
) -> Result<()> {
    sqlx::query("DELETE FROM control_requirements WHERE control_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    for r in requirements {
        sqlx::query(
            "INSERT INTO control_requirements (control_id, framework_id, requirement_id) \
             VALUES ($1, $2, $3)",
        )
        .bind(id)
        .bind(&r.framework_id)
        .bind(&r.requirement_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Store {
    /// The entity's controls, by name, with the requirements they serve.
    pub async fn list_controls(&self, entity_id: &str) -> Result<Vec<Control>> {
        let mut conn = self.reader().acquire().await?;
        let sql = format!("SELECT {COLUMNS} FROM controls WHERE entity_id = $1 ORDER BY name");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(entity_id)
            .fetch_all(&mut *conn)
            .await?;
        let mut controls = rows.iter().map(from_row).collect::<Result<Vec<_>>>()?;
        let links = sqlx::query(
            "SELECT r.control_id, r.framework_id, r.requirement_id FROM control_requirements r \
             JOIN controls c ON c.id = r.control_id WHERE c.entity_id = $1 \
             ORDER BY r.framework_id, r.requirement_id",
        )
        .bind(entity_id)
        .fetch_all(&mut *conn)
        .await?;
        for link in &links {
            let control_id: String = link.try_get("control_id")?;
            if let Some(c) = controls.iter_mut().find(|c| c.id == control_id) {
                c.requirements.push(RequirementRef {
                    framework_id: link.try_get("framework_id")?,
                    requirement_id: link.try_get("requirement_id")?,
                });
            }
        }
        Ok(controls)
    }

    /// One control, if its entity is in `scope`.
    pub async fn control(&self, scope: &EntityScope, id: &str) -> Result<Control> {
        let mut conn = self.reader().acquire().await?;
        let control = control_in(&mut conn, id).await?;
        in_scope(scope, &control.entity_id, "control", id)?;
        Ok(control)
    }

    pub async fn create_control(
        &self,
        actor: &Actor,
        entity_id: &str,
        input: &ControlInput,
        catalog: &Catalog,
    ) -> Result<Control> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let control = insert_control(&mut tx, actor, &now, entity_id, input, catalog).await?;
        tx.commit().await?;
        Ok(control)
    }

    pub async fn update_control(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        input: &ControlInput,
        catalog: &Catalog,
    ) -> Result<Control> {
        let requirements = validate(input, catalog)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = control_in(&mut tx, id).await?;
        in_scope(scope, &before.entity_id, "control", id)?;
        if let Some(expected) = input.version.filter(|v| *v != before.version) {
            return Err(StoreError::Conflict {
                field: "version",
                message: format!(
                    "the control was changed by someone else (version {} now, {expected} expected): reload it",
                    before.version
                ),
            });
        }
        sqlx::query(
            "UPDATE controls SET name = $2, description = $3, owner = $4, status = $5, \
             implemented_on = $6, next_review_on = $7, updated_at = $8, version = version + 1 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(input.name.trim())
        .bind(input.description.trim())
        .bind(clean(&input.owner))
        .bind(&input.status)
        .bind(clean(&input.implemented_on))
        .bind(clean(&input.next_review_on))
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::on_unique(
            "name",
            "a control with this name already exists",
        ))?;
        write_requirements(&mut tx, id, &requirements).await?;
        let after = control_in(&mut tx, id).await?;
        let change = Change {
            action: "control.update",
            object_type: "control",
            object_id: id,
            entity_id: Some(&after.entity_id),
            before: json(&before),
            after: json(&after),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a control; its evidence stays, attached to whatever else it supports.
    pub async fn delete_control(&self, actor: &Actor, scope: &EntityScope, id: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = control_in(&mut tx, id).await?;
        in_scope(scope, &before.entity_id, "control", id)?;
        sqlx::query("DELETE FROM controls WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: "control.delete",
            object_type: "control",
            object_id: id,
            entity_id: Some(&before.entity_id),
            before: json(&before),
            after: None,
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(())
    }
}
