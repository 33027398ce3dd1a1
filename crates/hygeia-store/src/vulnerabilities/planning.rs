//! Patch planning stored: an entity's maintenance windows (the whole entity, a zone of its
//! policy or a site) and one remediation plan per match, due on its window's last day or on a
//! set date. Every change is audited and scoped to the entities the user may see.

use hygeia_domain::access::EntityScope;
use hygeia_domain::validation::{FieldError, ValidationErrors};
use hygeia_domain::vulnerabilities::planning::{Plan, PlanStatus, Window, WindowKind, is_overdue};
use serde::Serialize;

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::sql::Filter;
use crate::{Actor, Store, new_id};

/// A stored maintenance window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MaintenanceWindow {
    pub id: String,
    pub entity_id: String,
    pub name: String,
    /// `production_stop`, `validation_campaign` or `maintenance`.
    pub kind: String,
    /// `` (the whole entity), `zone:NAME` or `site:ID`.
    pub scope: String,
    pub starts_on: String,
    pub ends_on: String,
    pub notes: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
}

/// The remediation plan of a match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemediationPlan {
    pub action: String,
    pub window_id: Option<String>,
    pub owner: Option<String>,
    /// The day it must be done by (`YYYY-MM-DD`): its window's last day, or the date set.
    pub due_on: String,
    pub status: PlanStatus,
    pub done_at: Option<String>,
    pub updated_at: String,
    pub updated_by: String,
    /// Not done and past its due day.
    pub overdue: bool,
}

/// The plan columns as read with a match (`p` in the match list; all NULL when it has none).
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub(super) struct PlanColumns {
    pub plan_action: Option<String>,
    pub plan_window_id: Option<String>,
    pub plan_owner: Option<String>,
    pub plan_due_on: Option<String>,
    pub plan_status: Option<String>,
    pub plan_done_at: Option<String>,
    pub plan_updated_at: Option<String>,
    pub plan_updated_by: Option<String>,
}

impl PlanColumns {
    pub fn into_plan(self, today: &str) -> Option<RemediationPlan> {
        let status = PlanStatus::parse(self.plan_status.as_deref()?)?;
        let due_on = self.plan_due_on?;
        Some(RemediationPlan {
            overdue: is_overdue(status, &due_on, today),
            action: self.plan_action?,
            window_id: self.plan_window_id,
            owner: self.plan_owner,
            due_on,
            status,
            done_at: self.plan_done_at,
            updated_at: self.plan_updated_at.unwrap_or_default(),
            updated_by: self.plan_updated_by.unwrap_or_default(),
        })
    }
}

/// Overdue plans of one entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverduePlans {
    pub entity_id: String,
    pub plans: i64,
}

const WINDOW_COLUMNS: &str = "id, entity_id, name, kind, scope, starts_on, ends_on, notes, \
                              created_at, created_by, updated_at";

/// [`Store::window`] read on `conn`.
async fn window_in(
    conn: &mut sqlx::AnyConnection,
    scope: &EntityScope,
    id: &str,
) -> Result<MaintenanceWindow> {
    let sql = format!("SELECT {WINDOW_COLUMNS} FROM maintenance_windows WHERE id = $1");
    let found: Option<MaintenanceWindow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    found
        .filter(|w| scope.contains(&w.entity_id))
        .ok_or_else(|| StoreError::not_found("maintenance window", id))
}

impl Store {
    /// Refuses a window scope that names no zone of the entity's policy or none of its sites.
    async fn check_window_scope(&self, entity_id: &str, scope: &str) -> Result<()> {
        let known = if let Some(zone) = scope.strip_prefix("zone:") {
            match self.zone_policy(entity_id).await? {
                Some(record) => hygeia_monitor::ZonePolicy::from_toml(&record.policy, "policy")
                    .map(|p| p.zones.iter().any(|z| z.name == zone))
                    .unwrap_or(false),
                None => false,
            }
        } else if let Some(site) = scope.strip_prefix("site:") {
            self.site(site)
                .await
                .is_ok_and(|s| s.entity_id == entity_id)
        } else {
            true
        };
        if known {
            Ok(())
        } else {
            Err(ValidationErrors(vec![FieldError::not_found("scope", scope)]).into())
        }
    }

    /// The windows of one entity, by first day (outside `scope`: not found).
    pub async fn list_windows(
        &self,
        scope: &EntityScope,
        entity_id: &str,
    ) -> Result<Vec<MaintenanceWindow>> {
        if !scope.contains(entity_id) {
            return Err(StoreError::not_found("entity", entity_id));
        }
        let sql = format!(
            "SELECT {WINDOW_COLUMNS} FROM maintenance_windows WHERE entity_id = $1 \
             ORDER BY starts_on, id"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(entity_id)
            .fetch_all(self.reader())
            .await?)
    }

    /// How many remediation plans wait for each window of one entity (windows without any
    /// are left out), in one aggregate.
    pub async fn plans_per_window(
        &self,
        scope: &EntityScope,
        entity_id: &str,
    ) -> Result<std::collections::HashMap<String, i64>> {
        if !scope.contains(entity_id) {
            return Err(StoreError::not_found("entity", entity_id));
        }
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT window_id, COUNT(*) FROM remediation_plans \
             WHERE entity_id = $1 AND window_id IS NOT NULL GROUP BY window_id",
        )
        .bind(entity_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().collect())
    }

    /// One window (outside `scope`: not found).
    pub async fn window(&self, scope: &EntityScope, id: &str) -> Result<MaintenanceWindow> {
        let mut conn = self.reader().acquire().await?;
        window_in(&mut conn, scope, id).await
    }

    /// Adds a maintenance window to an entity; audited.
    pub async fn create_window(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        entity_id: &str,
        window: &Window,
    ) -> Result<MaintenanceWindow> {
        if !scope.contains(entity_id) {
            return Err(StoreError::not_found("entity", entity_id));
        }
        self.check_window_scope(entity_id, &window.scope).await?;
        let now = self.now();
        let stored = MaintenanceWindow {
            id: new_id(),
            entity_id: entity_id.to_owned(),
            name: window.name.clone(),
            kind: window.kind.as_str().to_owned(),
            scope: window.scope.clone(),
            starts_on: window.starts_on.clone(),
            ends_on: window.ends_on.clone(),
            notes: window.notes.clone(),
            created_at: now.clone(),
            created_by: actor.label.clone(),
            updated_at: now.clone(),
        };
        let mut tx = self.begin().await?;
        crate::monitoring::lock_entity(&mut tx, self.backend(), entity_id).await?;
        sqlx::query(
            "INSERT INTO maintenance_windows (id, entity_id, name, kind, scope, starts_on, ends_on, \
             notes, created_at, created_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9)",
        )
        .bind(&stored.id)
        .bind(entity_id)
        .bind(&stored.name)
        .bind(&stored.kind)
        .bind(&stored.scope)
        .bind(&stored.starts_on)
        .bind(&stored.ends_on)
        .bind(&stored.notes)
        .bind(&now)
        .bind(&actor.label)
        .execute(&mut *tx)
        .await?;
        let change = Change {
            action: "maintenance_window.create",
            object_type: "maintenance_window",
            object_id: &stored.id,
            entity_id: Some(entity_id),
            before: None,
            after: serde_json::to_value(&stored).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Changes a window; the plans waiting for it follow its new last day. Audited.
    pub async fn update_window(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        window: &Window,
    ) -> Result<MaintenanceWindow> {
        let entity_id = self.window(scope, id).await?.entity_id;
        self.check_window_scope(&entity_id, &window.scope).await?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = window_in(&mut tx, scope, id).await?;
        let after = MaintenanceWindow {
            name: window.name.clone(),
            kind: window.kind.as_str().to_owned(),
            scope: window.scope.clone(),
            starts_on: window.starts_on.clone(),
            ends_on: window.ends_on.clone(),
            notes: window.notes.clone(),
            updated_at: now.clone(),
            ..before.clone()
        };
        sqlx::query(
            "UPDATE maintenance_windows SET name = $2, kind = $3, scope = $4, starts_on = $5, \
             ends_on = $6, notes = $7, updated_at = $8 WHERE id = $1",
        )
        .bind(id)
        .bind(&after.name)
        .bind(&after.kind)
        .bind(&after.scope)
        .bind(&after.starts_on)
        .bind(&after.ends_on)
        .bind(&after.notes)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE remediation_plans SET due_on = $2 WHERE window_id = $1")
            .bind(id)
            .bind(&after.ends_on)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: "maintenance_window.update",
            object_type: "maintenance_window",
            object_id: id,
            entity_id: Some(&before.entity_id),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Removes a window no plan waits for (else a conflict saying how many do). Audited.
    pub async fn delete_window(&self, actor: &Actor, scope: &EntityScope, id: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = window_in(&mut tx, scope, id).await?;
        let waiting: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM remediation_plans WHERE window_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if waiting > 0 {
            return Err(StoreError::Conflict {
                field: "window",
                message: format!(
                    "{waiting} remediation plans wait for this window: move them to another window or date first"
                ),
            });
        }
        sqlx::query("DELETE FROM maintenance_windows WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: "maintenance_window.delete",
            object_type: "maintenance_window",
            object_id: id,
            entity_id: Some(&before.entity_id),
            before: serde_json::to_value(&before).ok(),
            after: None,
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the remediation plan of a match (replacing the previous one); with a window of the
    /// match's entity, due on the window's last day. Audited with the plan before and after.
    pub async fn set_plan(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        match_id: &str,
        plan: &Plan,
    ) -> Result<super::VulnerabilityMatch> {
        let mut tx = self.begin().await?;
        let before = self.vulnerability_in(&mut tx, scope, match_id).await?;
        let due_on = match (&plan.window_id, &plan.due_on) {
            (Some(window_id), _) => {
                let window = window_in(&mut tx, scope, window_id)
                    .await
                    .ok()
                    .filter(|w| w.entity_id == before.entity_id)
                    .ok_or_else(|| {
                        ValidationErrors(vec![FieldError::not_found("window_id", window_id)])
                    })?;
                window.ends_on
            }
            (None, Some(date)) => date.clone(),
            (None, None) => {
                return Err(ValidationErrors(vec![FieldError::empty("due_on")]).into());
            }
        };
        let now = self.now();
        let done_at = match (plan.status, &before.plan) {
            (PlanStatus::Done, Some(old)) if old.status == PlanStatus::Done => old.done_at.clone(),
            (PlanStatus::Done, _) => Some(now.clone()),
            (PlanStatus::Planned, _) => None,
        };
        sqlx::query(
            "INSERT INTO remediation_plans (match_id, entity_id, window_id, action, owner, due_on, \
             status, done_at, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (match_id) DO UPDATE SET window_id = excluded.window_id, \
             action = excluded.action, owner = excluded.owner, due_on = excluded.due_on, \
             status = excluded.status, done_at = excluded.done_at, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
        )
        .bind(match_id)
        .bind(&before.entity_id)
        .bind(&plan.window_id)
        .bind(&plan.action)
        .bind(&plan.owner)
        .bind(&due_on)
        .bind(plan.status.as_str())
        .bind(&done_at)
        .bind(&now)
        .bind(&actor.label)
        .execute(&mut *tx)
        .await?;
        let described = |p: Option<&RemediationPlan>| {
            p.map(|p| {
                serde_json::json!({
                    "asset": before.asset_key, "advisory": before.tracking_id,
                    "action": p.action, "window_id": p.window_id, "owner": p.owner,
                    "due_on": p.due_on, "status": p.status,
                })
            })
        };
        let after = RemediationPlan {
            action: plan.action.clone(),
            window_id: plan.window_id.clone(),
            owner: plan.owner.clone(),
            due_on,
            status: plan.status,
            done_at,
            updated_at: now.clone(),
            updated_by: actor.label.clone(),
            overdue: false,
        };
        let change = Change {
            action: "vulnerability.plan",
            object_type: "vulnerability_match",
            object_id: match_id,
            entity_id: Some(&before.entity_id),
            before: described(before.plan.as_ref()),
            after: described(Some(&after)),
        };
        append(&mut tx, actor, &now, change).await?;
        let after = self.vulnerability_in(&mut tx, scope, match_id).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Overdue plans per entity in `scope` (entities without any are left out).
    pub async fn overdue_plans(&self, scope: &EntityScope) -> Result<Vec<OverduePlans>> {
        let today = self.today().format("%Y-%m-%d").to_string();
        let mut f = Filter::new();
        f.condition("status = 'planned'");
        f.with_values("due_on < {0}", &[&today]);
        f.scope("entity_id", scope);
        let sql = format!(
            "SELECT entity_id, COUNT(*) AS plans FROM remediation_plans{} GROUP BY entity_id \
             ORDER BY entity_id",
            f.where_clause()
        );
        let rows = f
            .query(sql)
            .try_map(|row: sqlx::any::AnyRow| {
                use sqlx::Row;
                Ok(OverduePlans {
                    entity_id: row.try_get("entity_id")?,
                    plans: row.try_get("plans")?,
                })
            })
            .fetch_all(self.reader())
            .await?;
        Ok(rows)
    }
}

/// Window kinds by name, for checks and forms.
pub fn window_kinds() -> Vec<&'static str> {
    WindowKind::ALL.iter().map(|k| k.as_str()).collect()
}
