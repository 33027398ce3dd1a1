//! Assessments: one framework, one entity, a scope and dates.

use hygeia_catalog::Catalog;
use hygeia_domain::access::EntityScope;
use hygeia_domain::validation::Validator;
use sqlx::AnyConnection;

use super::types::{Assessment, AssessmentInput};
use super::{check_date, check_optional_text, in_scope, json};
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

pub(crate) const STATUSES: [&str; 4] = ["planned", "in_progress", "completed", "archived"];

const COLUMNS: &str = "id, entity_id, framework_id, name, scope, starts_on, ends_on, status, \
    created_at, updated_at, version, results_version";

fn validate(input: &AssessmentInput, catalog: &Catalog) -> Result<()> {
    let mut v = Validator::new();
    v.text("name", &input.name, 200);
    check_optional_text(&mut v, "scope", Some(&input.scope), 4000);
    if catalog.framework(&input.framework_id).is_none() {
        v.unknown_framework("framework_id", &input.framework_id);
    }
    if !STATUSES.contains(&input.status.as_str()) {
        v.one_of("status", &STATUSES);
    }
    let start = check_date(&mut v, "starts_on", input.starts_on.as_deref());
    let end = check_date(&mut v, "ends_on", input.ends_on.as_deref());
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        v.date_order("ends_on", "starts_on");
    }
    Ok(v.finish()?)
}

pub(crate) async fn assessment_in(conn: &mut AnyConnection, id: &str) -> Result<Assessment> {
    let sql = format!("SELECT {COLUMNS} FROM assessments WHERE id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("assessment", id))
}

fn date(value: &Option<String>) -> Option<String> {
    super::clean(value)
}

impl Store {
    /// The entity's assessments, newest first.
    pub async fn list_assessments(&self, entity_id: &str) -> Result<Vec<Assessment>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM assessments WHERE entity_id = $1 ORDER BY created_at DESC, id DESC"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(entity_id)
            .fetch_all(self.reader())
            .await?)
    }

    /// One assessment, if its entity is in `scope`.
    pub async fn assessment(&self, scope: &EntityScope, id: &str) -> Result<Assessment> {
        let mut conn = self.reader().acquire().await?;
        let assessment = assessment_in(&mut conn, id).await?;
        in_scope(scope, &assessment.entity_id, "assessment", id)?;
        Ok(assessment)
    }

    pub async fn create_assessment(
        &self,
        actor: &Actor,
        entity_id: &str,
        input: &AssessmentInput,
        catalog: &Catalog,
    ) -> Result<Assessment> {
        validate(input, catalog)?;
        let now = self.now();
        let id = new_id();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO assessments (id, entity_id, framework_id, name, scope, starts_on, \
             ends_on, status, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1)",
        )
        .bind(&id)
        .bind(entity_id)
        .bind(&input.framework_id)
        .bind(input.name.trim())
        .bind(input.scope.trim())
        .bind(date(&input.starts_on))
        .bind(date(&input.ends_on))
        .bind(&input.status)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let assessment = assessment_in(&mut tx, &id).await?;
        let change = Change {
            action: "assessment.create",
            object_type: "assessment",
            object_id: &id,
            entity_id: Some(entity_id),
            before: None,
            after: json(&assessment),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(assessment)
    }

    /// Changes name, scope, dates and status; the framework of an assessment never changes.
    pub async fn update_assessment(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        input: &AssessmentInput,
        catalog: &Catalog,
    ) -> Result<Assessment> {
        validate(input, catalog)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = assessment_in(&mut tx, id).await?;
        in_scope(scope, &before.entity_id, "assessment", id)?;
        if input.framework_id != before.framework_id {
            return Err(StoreError::Conflict {
                field: "framework_id",
                message: "the framework of an assessment cannot change: create another one".into(),
            });
        }
        if let Some(expected) = input.version.filter(|v| *v != before.version) {
            return Err(StoreError::Conflict {
                field: "version",
                message: format!(
                    "the assessment was changed by someone else (version {} now, {expected} expected): reload it",
                    before.version
                ),
            });
        }
        sqlx::query(
            "UPDATE assessments SET name = $2, scope = $3, starts_on = $4, ends_on = $5, \
             status = $6, updated_at = $7, version = version + 1 WHERE id = $1",
        )
        .bind(id)
        .bind(input.name.trim())
        .bind(input.scope.trim())
        .bind(date(&input.starts_on))
        .bind(date(&input.ends_on))
        .bind(&input.status)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let after = assessment_in(&mut tx, id).await?;
        let change = Change {
            action: "assessment.update",
            object_type: "assessment",
            object_id: id,
            entity_id: Some(&after.entity_id),
            before: json(&before),
            after: json(&after),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes an assessment with its results and their history (the audit trail keeps them).
    pub async fn delete_assessment(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = assessment_in(&mut tx, id).await?;
        in_scope(scope, &before.entity_id, "assessment", id)?;
        sqlx::query("DELETE FROM assessments WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: "assessment.delete",
            object_type: "assessment",
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
