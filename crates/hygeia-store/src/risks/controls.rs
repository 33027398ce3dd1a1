//! Existing controls of a risk: the entity's controls already in place that its current
//! rating takes into account.

use hygeia_domain::access::EntityScope;
use hygeia_domain::validation::ValidationErrors;
use serde::Serialize;
use sqlx::AnyConnection;

use super::supporting::{not_of_entity, replace_links};
use crate::audit::{Change, append};
use crate::error::Result;
use crate::{Actor, Store};

/// A control of the entity a risk relies on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedControl {
    pub id: String,
    pub name: String,
    /// `planned`, `in_progress`, `implemented` or `retired`.
    pub status: String,
}

/// The existing controls of a risk, by name.
pub(super) async fn controls_of_risk(
    conn: &mut AnyConnection,
    risk_id: &str,
) -> Result<Vec<LinkedControl>> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.name, c.status FROM risk_controls l JOIN controls c ON c.id = l.control_id \
         WHERE l.risk_id = $1 ORDER BY c.name, c.id",
    )
    .bind(risk_id)
    .fetch_all(&mut *conn)
    .await?)
}

impl Store {
    /// Replaces the existing controls of a risk, all or nothing (each must be a control of
    /// the risk's entity, or is named by its position); audited `risk.controls.set`.
    pub async fn set_risk_controls(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        risk_id: &str,
        control_ids: &[String],
    ) -> Result<Vec<LinkedControl>> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let entity_id = self.risk_entity_in(&mut tx, scope, risk_id).await?;
        let errors =
            not_of_entity(&mut tx, "controls", "control_ids", control_ids, &entity_id).await?;
        if !errors.is_empty() {
            return Err(ValidationErrors(errors).into());
        }
        let before = controls_of_risk(&mut tx, risk_id).await?;
        replace_links(
            &mut tx,
            ("risk_controls", "risk_id", "control_id"),
            risk_id,
            control_ids,
        )
        .await?;
        let after = controls_of_risk(&mut tx, risk_id).await?;
        let names = |controls: &[LinkedControl]| -> serde_json::Value {
            controls.iter().map(|c| c.name.clone()).collect()
        };
        let change = Change {
            action: "risk.controls.set",
            object_type: "risk",
            object_id: risk_id,
            entity_id: Some(&entity_id),
            before: Some(names(&before)),
            after: Some(names(&after)),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}
