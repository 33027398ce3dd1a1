//! Treatment plans: the actions of a risk, with their owner, due date and linked control.

use chrono::NaiveDate;
use hygeia_domain::access::EntityScope;
use hygeia_domain::risks::plan::{ActionInput, ActionStatus, PlanProgress, is_overdue};
use hygeia_domain::validation::{FieldError, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

/// An action of a risk's treatment plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskAction {
    pub id: String,
    pub risk_id: String,
    pub title: String,
    /// E-mail address of a user who may see the entity.
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_on: Option<String>,
    /// `open` or `done`.
    pub status: String,
    pub control_id: Option<String>,
    /// The linked control's name.
    pub control_name: Option<String>,
    /// Still open after its due day.
    pub overdue: bool,
    pub created_at: String,
    pub created_by: String,
    pub done_at: Option<String>,
}

const ACTION_COLUMNS: &str = "a.id, a.risk_id, a.title, a.owner, a.due_on, a.status, \
    a.control_id, c.name AS control_name, a.created_at, a.created_by, a.done_at";

#[derive(sqlx::FromRow)]
struct ActionRow {
    id: String,
    risk_id: String,
    title: String,
    owner: Option<String>,
    due_on: Option<String>,
    status: String,
    control_id: Option<String>,
    control_name: Option<String>,
    created_at: String,
    created_by: String,
    done_at: Option<String>,
}

impl ActionRow {
    fn into_action(self, today: NaiveDate) -> RiskAction {
        let due = self
            .due_on
            .as_deref()
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        let status = ActionStatus::parse(&self.status).unwrap_or(ActionStatus::Open);
        RiskAction {
            overdue: is_overdue(status, due, today),
            id: self.id,
            risk_id: self.risk_id,
            title: self.title,
            owner: self.owner,
            due_on: self.due_on,
            status: self.status,
            control_id: self.control_id,
            control_name: self.control_name,
            created_at: self.created_at,
            created_by: self.created_by,
            done_at: self.done_at,
        }
    }
}

/// The actions of a risk, open ones first by due date.
pub(super) async fn actions_in(
    conn: &mut AnyConnection,
    risk_id: &str,
    today: NaiveDate,
) -> Result<Vec<RiskAction>> {
    let sql = format!(
        "SELECT {ACTION_COLUMNS} FROM risk_actions a LEFT JOIN controls c ON c.id = a.control_id \
         WHERE a.risk_id = $1 \
         ORDER BY CASE WHEN a.status = 'open' THEN 0 ELSE 1 END, a.due_on, a.created_at, a.id"
    );
    let rows: Vec<ActionRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(risk_id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.into_action(today)).collect())
}

/// How far the plan of a risk has come.
pub(super) async fn progress_in(
    conn: &mut AnyConnection,
    risk_id: &str,
    today: &str,
) -> Result<PlanProgress> {
    let (actions, done, overdue): (i64, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), \
                SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END), \
                SUM(CASE WHEN status = 'open' AND due_on < $2 THEN 1 ELSE 0 END) \
         FROM risk_actions WHERE risk_id = $1",
    )
    .bind(risk_id)
    .bind(today)
    .fetch_one(&mut *conn)
    .await?;
    Ok(PlanProgress {
        actions,
        done: done.unwrap_or(0),
        overdue: overdue.unwrap_or(0),
    })
}

async fn action_in(
    conn: &mut AnyConnection,
    risk_id: &str,
    action_id: &str,
    today: NaiveDate,
) -> Result<RiskAction> {
    let sql = format!(
        "SELECT {ACTION_COLUMNS} FROM risk_actions a LEFT JOIN controls c ON c.id = a.control_id \
         WHERE a.id = $1 AND a.risk_id = $2"
    );
    let row: Option<ActionRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(action_id)
        .bind(risk_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| r.into_action(today))
        .ok_or_else(|| StoreError::not_found("risk action", action_id))
}

impl Store {
    /// The treatment plan of a risk, open actions first.
    pub async fn risk_actions(
        &self,
        scope: &EntityScope,
        risk_id: &str,
    ) -> Result<Vec<RiskAction>> {
        let mut conn = self.reader().acquire().await?;
        self.risk_entity_in(&mut conn, scope, risk_id).await?;
        actions_in(&mut conn, risk_id, self.today()).await
    }

    /// Adds an action to a risk's plan (audited `risk.action.add`).
    pub async fn add_risk_action(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        risk_id: &str,
        input: &ActionInput,
    ) -> Result<RiskAction> {
        self.write_risk_action(actor, scope, risk_id, None, input)
            .await
    }

    /// Changes an action of a risk's plan (audited `risk.action.update`).
    pub async fn update_risk_action(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        risk_id: &str,
        action_id: &str,
        input: &ActionInput,
    ) -> Result<RiskAction> {
        self.write_risk_action(actor, scope, risk_id, Some(action_id), input)
            .await
    }

    async fn write_risk_action(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        risk_id: &str,
        action_id: Option<&str>,
        input: &ActionInput,
    ) -> Result<RiskAction> {
        let checked = input.check()?;
        let today = self.today();
        let now = self.now();
        // A risk's entity never changes: owner and control are checked against it before
        // the transaction, as the incident actions are.
        let entity_id = {
            let mut conn = self.reader().acquire().await?;
            self.risk_entity_in(&mut conn, scope, risk_id).await?
        };
        let mut errors = Vec::new();
        if let Some(owner) = &checked.owner {
            let members = self.users_with_access(&entity_id).await?;
            if !members.iter().any(|m| m.email.eq_ignore_ascii_case(owner)) {
                errors.push(FieldError::not_found("owner", owner));
            }
        }
        if let Some(control_id) = &checked.control_id {
            let of_entity: Option<String> =
                sqlx::query_scalar("SELECT entity_id FROM controls WHERE id = $1")
                    .bind(control_id)
                    .fetch_optional(self.reader())
                    .await?;
            if of_entity.as_deref() != Some(entity_id.as_str()) {
                errors.push(FieldError::not_found("control_id", control_id));
            }
        }
        if !errors.is_empty() {
            return Err(ValidationErrors(errors).into());
        }
        let mut tx = self.begin().await?;
        let before = match action_id {
            Some(action_id) => Some(action_in(&mut tx, risk_id, action_id, today).await?),
            None => None,
        };
        let done_at = match (&before, checked.status) {
            (_, ActionStatus::Open) => None,
            (Some(b), ActionStatus::Done) if b.done_at.is_some() => b.done_at.clone(),
            (_, ActionStatus::Done) => Some(now.clone()),
        };
        let due_on = checked.due_on.map(|d| d.format("%Y-%m-%d").to_string());
        let action_id = match &before {
            Some(b) => {
                sqlx::query(
                    "UPDATE risk_actions SET title = $2, owner = $3, due_on = $4, status = $5, \
                     control_id = $6, done_at = $7 WHERE id = $1",
                )
                .bind(&b.id)
                .bind(&checked.title)
                .bind(&checked.owner)
                .bind(&due_on)
                .bind(checked.status.as_str())
                .bind(&checked.control_id)
                .bind(&done_at)
                .execute(&mut *tx)
                .await?;
                b.id.clone()
            }
            None => {
                let id = new_id();
                sqlx::query(
                    "INSERT INTO risk_actions (id, risk_id, entity_id, title, owner, due_on, \
                     status, control_id, created_at, created_by, done_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(&id)
                .bind(risk_id)
                .bind(&entity_id)
                .bind(&checked.title)
                .bind(&checked.owner)
                .bind(&due_on)
                .bind(checked.status.as_str())
                .bind(&checked.control_id)
                .bind(&now)
                .bind(&actor.label)
                .bind(&done_at)
                .execute(&mut *tx)
                .await?;
                id
            }
        };
        let after = action_in(&mut tx, risk_id, &action_id, today).await?;
        let change = Change {
            action: if before.is_some() {
                "risk.action.update"
            } else {
                "risk.action.add"
            },
            object_type: "risk_action",
            object_id: &action_id,
            entity_id: Some(&entity_id),
            before: before.as_ref().and_then(|b| serde_json::to_value(b).ok()),
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The entity of a risk in `scope` (not found outside it).
    pub(super) async fn risk_entity_in(
        &self,
        conn: &mut AnyConnection,
        scope: &EntityScope,
        risk_id: &str,
    ) -> Result<String> {
        sqlx::query_scalar::<_, String>("SELECT entity_id FROM risks WHERE id = $1")
            .bind(risk_id)
            .fetch_optional(&mut *conn)
            .await?
            .filter(|entity_id| scope.contains(entity_id))
            .ok_or_else(|| StoreError::not_found("risk", risk_id))
    }
}

impl Store {
    /// The plan progress of every risk of `entity_id` (or of `scope`) that has actions.
    pub async fn risk_plans(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
    ) -> Result<std::collections::HashMap<String, PlanProgress>> {
        let today = self.today().format("%Y-%m-%d").to_string();
        let mut f = crate::sql::Filter::new();
        let on_today = f.placeholder_for_text(&today);
        f.eq_opt("entity_id", entity_id);
        f.scope("entity_id", scope);
        let sql = format!(
            "SELECT risk_id, COUNT(*) AS actions, \
                SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS done, \
                SUM(CASE WHEN status = 'open' AND due_on < {on_today} THEN 1 ELSE 0 END) AS overdue \
             FROM risk_actions{} GROUP BY risk_id",
            f.where_clause()
        );
        let rows = f
            .query(sql)
            .try_map(|row: sqlx::any::AnyRow| {
                use sqlx::Row;
                Ok((
                    row.try_get::<String, _>("risk_id")?,
                    PlanProgress {
                        actions: row.try_get("actions")?,
                        done: row.try_get::<Option<i64>, _>("done")?.unwrap_or(0),
                        overdue: row.try_get::<Option<i64>, _>("overdue")?.unwrap_or(0),
                    },
                ))
            })
            .fetch_all(self.reader())
            .await?;
        Ok(rows.into_iter().collect())
    }
}
