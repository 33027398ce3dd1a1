//! A risk's attack path stored (EBIOS RM's strategic and operational scenarios): the
//! suppliers of the entity it goes through, in order, and its elementary actions by phase.
//! Replaced whole, all or nothing, audited with both states.

use hygeia_domain::access::EntityScope;
use hygeia_domain::risks::paths::{CheckedPath, PathInput, chain_likelihood, check_path};
use hygeia_domain::validation::{FieldError, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

use super::supporting::not_of_entity;
use crate::audit::{Change, append};
use crate::error::Result;
use crate::suppliers::IntFlag;
use crate::{Actor, Store};

/// A supplier on a risk's strategic path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PathSupplier {
    pub id: String,
    pub name: String,
    /// `critical`, `high`, `moderate` or `low`.
    pub tier: String,
    /// The supplier holds remote access to OT.
    #[sqlx(try_from = "i64")]
    pub ot_access: IntFlag,
}

/// One elementary action of a risk's operational scenario.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PathStep {
    /// 1, 2, …: its order.
    pub position: i64,
    /// `know`, `enter`, `find` or `exploit`.
    pub phase: String,
    pub action: String,
    pub asset_id: Option<String>,
    /// The asset's key (its first name shows on pages when known).
    pub asset_key: Option<String>,
    pub supplier_id: Option<String>,
    pub supplier_name: Option<String>,
    /// Likelihood of success, 1–4.
    pub success: Option<i64>,
}

/// How a risk comes about.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskPath {
    /// The ecosystem stakeholders the attack goes through, in order.
    pub suppliers: Vec<PathSupplier>,
    /// The operational scenario, in order.
    pub steps: Vec<PathStep>,
    /// The chain's likelihood: its least likely rated step (1–4); none when no step is rated.
    pub chain_likelihood: Option<i64>,
}

/// The path of risk `risk_id`.
pub(super) async fn path_of_risk(conn: &mut AnyConnection, risk_id: &str) -> Result<RiskPath> {
    let suppliers: Vec<PathSupplier> = sqlx::query_as(
        "SELECT s.id, s.name, s.tier, s.ot_access FROM risk_path_suppliers l \
         JOIN suppliers s ON s.id = l.supplier_id WHERE l.risk_id = $1 ORDER BY l.position",
    )
    .bind(risk_id)
    .fetch_all(&mut *conn)
    .await?;
    let steps: Vec<PathStep> = sqlx::query_as(
        "SELECT p.position, p.phase, p.action, p.asset_id, a.asset_key, p.supplier_id, \
         s.name AS supplier_name, p.success FROM risk_path_steps p \
         LEFT JOIN assets a ON a.id = p.asset_id LEFT JOIN suppliers s ON s.id = p.supplier_id \
         WHERE p.risk_id = $1 ORDER BY p.position",
    )
    .bind(risk_id)
    .fetch_all(&mut *conn)
    .await?;
    let chain = chain_likelihood(
        steps
            .iter()
            .map(|s| s.success.and_then(|v| u8::try_from(v).ok())),
    );
    Ok(RiskPath {
        suppliers,
        steps,
        chain_likelihood: chain.map(i64::from),
    })
}

/// The steps' suppliers and assets that are not of `entity_id` (or do not exist), each named
/// by its step.
async fn steps_not_of_entity(
    conn: &mut AnyConnection,
    path: &CheckedPath,
    entity_id: &str,
) -> Result<Vec<FieldError>> {
    let mut errors = Vec::new();
    for (i, step) in path.steps.iter().enumerate() {
        for (table, field, id) in [
            ("suppliers", "supplier_id", &step.supplier_id),
            ("assets", "asset_id", &step.asset_id),
        ] {
            let Some(id) = id else { continue };
            let of_entity: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT entity_id FROM {table} WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
            if of_entity.as_deref() != Some(entity_id) {
                errors.push(FieldError::not_found(&format!("steps[{i}].{field}"), id));
            }
        }
    }
    Ok(errors)
}

impl Store {
    /// Replaces the attack path of a risk, all or nothing: the path is checked whole, and
    /// every supplier and asset it names must belong to the risk's entity. Audited
    /// `risk.path.set` with the path before and after.
    pub async fn set_risk_path(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        risk_id: &str,
        input: &PathInput,
    ) -> Result<RiskPath> {
        let path = check_path(input)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let entity_id = self.risk_entity_in(&mut tx, scope, risk_id).await?;
        let mut errors = not_of_entity(
            &mut tx,
            "suppliers",
            "supplier_ids",
            &path.supplier_ids,
            &entity_id,
        )
        .await?;
        errors.extend(steps_not_of_entity(&mut tx, &path, &entity_id).await?);
        if !errors.is_empty() {
            return Err(ValidationErrors(errors).into());
        }
        let before = path_of_risk(&mut tx, risk_id).await?;
        for table in ["risk_path_suppliers", "risk_path_steps"] {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE risk_id = $1"
            )))
            .bind(risk_id)
            .execute(&mut *tx)
            .await?;
        }
        for (position, supplier_id) in (1_i64..).zip(&path.supplier_ids) {
            sqlx::query(
                "INSERT INTO risk_path_suppliers (risk_id, supplier_id, position) \
                 VALUES ($1, $2, $3)",
            )
            .bind(risk_id)
            .bind(supplier_id)
            .bind(position)
            .execute(&mut *tx)
            .await?;
        }
        for (position, step) in (1_i64..).zip(&path.steps) {
            sqlx::query(
                "INSERT INTO risk_path_steps (risk_id, position, phase, action, asset_id, \
                 supplier_id, success) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(risk_id)
            .bind(position)
            .bind(step.phase.as_str())
            .bind(&step.action)
            .bind(step.asset_id.as_deref())
            .bind(step.supplier_id.as_deref())
            .bind(step.success.map(i64::from))
            .execute(&mut *tx)
            .await?;
        }
        let after = path_of_risk(&mut tx, risk_id).await?;
        let change = Change {
            action: "risk.path.set",
            object_type: "risk",
            object_id: risk_id,
            entity_id: Some(&entity_id),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}
