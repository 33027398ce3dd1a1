//! Existing controls of a risk: the entity's controls already in place that its current
//! rating takes into account.

use hygeia_domain::access::EntityScope;
use serde::Serialize;
use sqlx::AnyConnection;

use super::supporting::{RiskLinkSet, relink_risk};
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
        let set = RiskLinkSet {
            link: ("risk_controls", "risk_id", "control_id"),
            targets: "controls",
            field: "control_ids",
            action: "risk.controls.set",
        };
        relink_risk(
            &mut tx,
            actor,
            &now,
            (risk_id, &entity_id),
            &set,
            control_ids,
        )
        .await?;
        let after = controls_of_risk(&mut tx, risk_id).await?;
        tx.commit().await?;
        Ok(after)
    }
}
