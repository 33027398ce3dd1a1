//! Suppliers written: whole, with their contacts and sub-contractors, the tier and next
//! review worked out from the answers, the clause gaps recounted; and a review recorded.

use chrono::NaiveDate;
use hygeia_domain::access::EntityScope;
use hygeia_domain::suppliers::criticality::Tier;
use hygeia_domain::suppliers::register::{CheckedSupplier, SupplierInput, next_review};
use sqlx::AnyConnection;

use super::Supplier;
use super::contracts::refresh_clause_gaps;
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

/// The columns a supplier's input sets, in the order [`bind_fields`] binds them.
const FIELD_COLUMNS: [&str; 22] = [
    "name",
    "category",
    "status",
    "services",
    "country",
    "owner",
    "notes",
    "ot_access",
    "health_data",
    "dependency",
    "substitutability",
    "concentration",
    "tier",
    "tier_points",
    "priority",
    "penetration",
    "maturity",
    "trust",
    "threat_zone",
    "last_review_on",
    "next_review_on",
    "updated_at",
];

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

fn flag(value: bool) -> i64 {
    i64::from(value)
}

fn day_text(day: Option<NaiveDate>) -> Option<String> {
    day.map(|d| d.format("%Y-%m-%d").to_string())
}

/// The register's sort key: the tier first (critical highest), then its points.
fn priority(tier: Tier, points: u8) -> i64 {
    (5 - i64::from(tier.rank())) * 100 + i64::from(points)
}

/// Binds the values of [`FIELD_COLUMNS`] from a checked supplier.
fn bind_fields<'q>(query: AnyQuery<'q>, s: &'q CheckedSupplier, now: &'q str) -> AnyQuery<'q> {
    let a = &s.criticality;
    let tier = s.assessment.tier;
    let next = next_review(s.last_review_on, tier.review_months());
    query
        .bind(&s.name)
        .bind(s.category.as_str())
        .bind(s.status.as_str())
        .bind(&s.services)
        .bind(&s.country)
        .bind(&s.owner)
        .bind(&s.notes)
        .bind(flag(a.ot_access))
        .bind(flag(a.health_data))
        .bind(i64::from(a.dependency))
        .bind(i64::from(a.substitutability))
        .bind(flag(a.concentration))
        .bind(tier.as_str())
        .bind(i64::from(s.assessment.points))
        .bind(priority(tier, s.assessment.points))
        .bind(s.ecosystem.map(|e| i64::from(e.penetration)))
        .bind(s.ecosystem.map(|e| i64::from(e.maturity)))
        .bind(s.ecosystem.map(|e| i64::from(e.trust)))
        .bind(s.ecosystem.map(|e| e.zone().as_str()))
        .bind(day_text(s.last_review_on))
        .bind(day_text(next))
        .bind(now)
}

fn placeholders(first: usize) -> Vec<String> {
    (first..first + FIELD_COLUMNS.len())
        .map(|n| format!("${n}"))
        .collect()
}

const NAME_TAKEN: &str = "the entity already has a supplier by this name";

/// Replaces the contacts and sub-contractors of a supplier with those of `checked`.
async fn replace_people(
    conn: &mut AnyConnection,
    id: &str,
    checked: &CheckedSupplier,
) -> Result<()> {
    for table in ["supplier_contacts", "supplier_subcontractors"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE supplier_id = $1"
        )))
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    for (position, c) in checked.contacts.iter().enumerate() {
        sqlx::query(
            "INSERT INTO supplier_contacts (supplier_id, position, name, email, role, phone) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(&c.name)
        .bind(&c.email)
        .bind(&c.role)
        .bind(&c.phone)
        .execute(&mut *conn)
        .await?;
    }
    for (position, s) in checked.subcontractors.iter().enumerate() {
        sqlx::query(
            "INSERT INTO supplier_subcontractors (supplier_id, position, name, service, country) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(position as i64)
        .bind(&s.name)
        .bind(&s.service)
        .bind(&s.country)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Adds a supplier to an entity, its name unique there, with its contacts and
    /// sub-contractors; its tier and next review are worked out from the answers. Audited.
    pub async fn create_supplier(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        entity_id: &str,
        input: &SupplierInput,
    ) -> Result<Supplier> {
        if !scope.contains(entity_id) {
            return Err(StoreError::not_found("entity", entity_id));
        }
        let checked = input.check()?;
        let now = self.now();
        let id = new_id();
        let mut tx = self.begin().await?;
        let sql = format!(
            "INSERT INTO suppliers (id, entity_id, version, created_at, {}) \
             VALUES ($1, $2, 1, $3, {})",
            FIELD_COLUMNS.join(", "),
            placeholders(4).join(", ")
        );
        let insert = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&id)
            .bind(entity_id)
            .bind(&now);
        bind_fields(insert, &checked, &now)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::on_unique("name", NAME_TAKEN))?;
        replace_people(&mut tx, &id, &checked).await?;
        refresh_clause_gaps(&mut tx, &id, &checked.criticality).await?;
        let supplier = self.supplier_in(&mut tx, scope, &id).await?;
        let change = Change {
            action: "supplier.create",
            object_type: "supplier",
            object_id: &id,
            entity_id: Some(entity_id),
            before: None,
            after: serde_json::to_value(&supplier).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(supplier)
    }

    /// Rewrites a supplier whole (refused when someone else changed it since
    /// `input.version`); audited with before and after.
    pub async fn update_supplier(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        input: &SupplierInput,
    ) -> Result<Supplier> {
        let checked = input.check()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = self.supplier_in(&mut tx, scope, id).await?;
        if let Some(expected) = input.version.filter(|v| *v != before.version) {
            return Err(StoreError::Conflict {
                field: "version",
                message: format!(
                    "the supplier was changed by someone else (version {} now, {expected} expected): reload it",
                    before.version
                ),
            });
        }
        let sets: Vec<String> = FIELD_COLUMNS
            .iter()
            .zip(placeholders(2))
            .map(|(column, p)| format!("{column} = {p}"))
            .collect();
        let sql = format!(
            "UPDATE suppliers SET version = version + 1, {} WHERE id = $1",
            sets.join(", ")
        );
        let update = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
        bind_fields(update, &checked, &now)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::on_unique("name", NAME_TAKEN))?;
        replace_people(&mut tx, id, &checked).await?;
        refresh_clause_gaps(&mut tx, id, &checked.criticality).await?;
        let after = self.supplier_in(&mut tx, scope, id).await?;
        let change = Change {
            action: "supplier.update",
            object_type: "supplier",
            object_id: id,
            entity_id: Some(&before.entity_id),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}

impl Store {
    /// Records a review of the supplier today: its next review falls due after its tier's
    /// cadence. Audited `supplier.reviewed`.
    pub async fn mark_supplier_reviewed(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
    ) -> Result<Supplier> {
        let now = self.now();
        let today = self.today();
        let mut tx = self.begin().await?;
        let before = self.supplier_in(&mut tx, scope, id).await?;
        let next = next_review(Some(today), before.review_months);
        sqlx::query(
            "UPDATE suppliers SET last_review_on = $2, next_review_on = $3, \
             version = version + 1, updated_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(day_text(Some(today)))
        .bind(day_text(next))
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let after = self.supplier_in(&mut tx, scope, id).await?;
        let change = Change {
            action: "supplier.reviewed",
            object_type: "supplier",
            object_id: id,
            entity_id: Some(&before.entity_id),
            before: Some(
                serde_json::json!({"last_review_on": before.last_review_on, "next_review_on": before.next_review_on}),
            ),
            after: Some(
                serde_json::json!({"last_review_on": after.last_review_on, "next_review_on": after.next_review_on}),
            ),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}
