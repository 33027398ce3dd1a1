//! What an incident touched and its story: links to assets, sites, controls, evidence and
//! requirements; dated timeline entries; follow-up actions with owners and due dates.

use chrono::NaiveDate;
use hygeia_catalog::Catalog;
use hygeia_domain::access::EntityScope;
use hygeia_domain::clock::format_instant;
use hygeia_domain::validation::{FieldError, Validator};
use serde::Deserialize;
use sqlx::AnyConnection;

use super::register::{check_scope, incident_in, json};
use super::{IncidentAction, IncidentLink, TimelineEntry};
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

const MAX_ENTRY_CHARS: usize = 10_000;
const MAX_ACTION_CHARS: usize = 500;
const MAX_LINKS: usize = 1_000;

/// Everything an incident is linked to (replaces the previous links).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LinksInput {
    /// Asset ids of the entity's inventory.
    #[serde(default)]
    pub assets: Vec<String>,
    /// Site ids of the entity.
    #[serde(default)]
    pub sites: Vec<String>,
    /// Control ids of the entity.
    #[serde(default)]
    pub controls: Vec<String>,
    /// Evidence ids of the entity.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Requirements as `framework/requirement` (e.g. `nis2-2024-2690/3.2.1`).
    #[serde(default)]
    pub requirements: Vec<String>,
}

/// A timeline entry as a client sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TimelineInput {
    /// When it happened (RFC 3339 with offset); now when absent.
    #[serde(default)]
    pub at: Option<String>,
    pub text: String,
}

/// A follow-up action as a client sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    pub title: String,
    /// E-mail address of a user who may see the entity.
    #[serde(default)]
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due_date: Option<String>,
    /// `open` (default) or `done`.
    #[serde(default)]
    pub status: Option<String>,
    /// Raised by the post-incident review (lessons learned).
    #[serde(default)]
    pub from_review: bool,
}

pub(super) async fn add_entry(
    conn: &mut AnyConnection,
    incident_id: &str,
    at: &str,
    kind: &str,
    text: &str,
    author: &str,
    now: &str,
) -> Result<TimelineEntry> {
    let entry = TimelineEntry {
        id: new_id(),
        at: at.to_owned(),
        kind: kind.to_owned(),
        text: text.to_owned(),
        author: author.to_owned(),
        created_at: now.to_owned(),
    };
    sqlx::query(
        "INSERT INTO incident_timeline (id, incident_id, at, kind, text, author, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&entry.id)
    .bind(incident_id)
    .bind(&entry.at)
    .bind(&entry.kind)
    .bind(&entry.text)
    .bind(&entry.author)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(entry)
}

/// Checks that every id of `ids` is a row of `table` owned by `entity_id`.
async fn check_owned(
    conn: &mut AnyConnection,
    v: &mut Validator,
    table: &'static str,
    field: &str,
    entity_id: &str,
    ids: &[String],
) -> Result<()> {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE id = $1 AND entity_id = $2");
    for (i, id) in ids.iter().enumerate() {
        let found: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .bind(entity_id)
            .fetch_one(&mut *conn)
            .await?;
        if found == 0 {
            v.push(FieldError::not_found(&format!("{field}[{i}]"), id));
        }
        if ids[..i].contains(id) {
            v.push(FieldError::duplicate(&format!("{field}[{i}]"), id));
        }
    }
    Ok(())
}

impl Store {
    /// What an incident is linked to, by kind then target.
    pub async fn incident_links(&self, scope: &EntityScope, id: &str) -> Result<Vec<IncidentLink>> {
        let mut conn = self.reader().acquire().await?;
        check_scope(scope, &incident_in(&mut conn, id).await?)?;
        Ok(sqlx::query_as(
            "SELECT kind, target FROM incident_links WHERE incident_id = $1 ORDER BY kind, target",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?)
    }

    /// Replaces what an incident is linked to; every target must belong to the incident's
    /// entity (requirements must exist in the catalog). Audited `incident.links`.
    pub async fn set_incident_links(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        catalog: &Catalog,
        id: &str,
        input: &LinksInput,
    ) -> Result<Vec<IncidentLink>> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let incident = incident_in(&mut tx, id).await?;
        check_scope(scope, &incident)?;
        let mut v = Validator::new();
        let total = input.assets.len()
            + input.sites.len()
            + input.controls.len()
            + input.evidence.len()
            + input.requirements.len();
        if total > MAX_LINKS {
            v.push(FieldError::out_of_range("links", 0, MAX_LINKS));
        }
        let entity = incident.entity_id.as_str();
        check_owned(&mut tx, &mut v, "assets", "assets", entity, &input.assets).await?;
        check_owned(&mut tx, &mut v, "sites", "sites", entity, &input.sites).await?;
        check_owned(
            &mut tx,
            &mut v,
            "controls",
            "controls",
            entity,
            &input.controls,
        )
        .await?;
        check_owned(
            &mut tx,
            &mut v,
            "evidence",
            "evidence",
            entity,
            &input.evidence,
        )
        .await?;
        for (i, r) in input.requirements.iter().enumerate() {
            let field = format!("requirements[{i}]");
            match r.split_once('/') {
                Some((fw, req)) if catalog.requirement(fw, req).is_some() => {}
                Some((fw, req)) if catalog.framework(fw).is_some() => {
                    v.unknown_requirement(&field, fw, req)
                }
                Some((fw, _)) => v.unknown_framework(&field, fw),
                None => v.push(FieldError::invalid(
                    &field,
                    "write it framework/requirement",
                )),
            }
            if input.requirements[..i].contains(r) {
                v.push(FieldError::duplicate(&field, r));
            }
        }
        v.finish()?;
        let before = sqlx::query_as::<_, IncidentLink>(
            "SELECT kind, target FROM incident_links WHERE incident_id = $1 ORDER BY kind, target",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM incident_links WHERE incident_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (kind, targets) in [
            ("asset", &input.assets),
            ("site", &input.sites),
            ("control", &input.controls),
            ("evidence", &input.evidence),
            ("requirement", &input.requirements),
        ] {
            for target in targets {
                sqlx::query(
                    "INSERT INTO incident_links (incident_id, kind, target) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(kind)
                .bind(target)
                .execute(&mut *tx)
                .await?;
            }
        }
        let after = sqlx::query_as::<_, IncidentLink>(
            "SELECT kind, target FROM incident_links WHERE incident_id = $1 ORDER BY kind, target",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        let change = Change {
            action: "incident.links",
            object_type: "incident",
            object_id: id,
            entity_id: Some(entity),
            before: json(&before),
            after: json(&after),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A control born of the incident's review (a lesson learned): created for the incident's
    /// entity and linked to the incident in one transaction, both audited.
    pub async fn create_control_from_incident(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        catalog: &Catalog,
        id: &str,
        input: &crate::assessments::ControlInput,
    ) -> Result<crate::assessments::Control> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let incident = incident_in(&mut tx, id).await?;
        check_scope(scope, &incident)?;
        let before = sqlx::query_as::<_, IncidentLink>(
            "SELECT kind, target FROM incident_links WHERE incident_id = $1 ORDER BY kind, target",
        )
        .bind(id)
        .fetch_all(&mut *tx)
        .await?;
        if before.len() >= MAX_LINKS {
            let mut v = Validator::new();
            v.push(FieldError::out_of_range("links", 0, MAX_LINKS));
            v.finish()?;
        }
        let control = crate::assessments::controls::insert_control(
            &mut tx,
            actor,
            &now,
            &incident.entity_id,
            input,
            catalog,
        )
        .await?;
        sqlx::query(
            "INSERT INTO incident_links (incident_id, kind, target) VALUES ($1, 'control', $2)",
        )
        .bind(id)
        .bind(&control.id)
        .execute(&mut *tx)
        .await?;
        let mut after = before.clone();
        after.push(IncidentLink {
            kind: "control".into(),
            target: control.id.clone(),
        });
        let change = Change {
            action: "incident.links",
            object_type: "incident",
            object_id: id,
            entity_id: Some(&incident.entity_id),
            before: json(&before),
            after: json(&after),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(control)
    }

    /// The incident's timeline, in the order things happened.
    pub async fn incident_timeline(
        &self,
        scope: &EntityScope,
        id: &str,
    ) -> Result<Vec<TimelineEntry>> {
        let mut conn = self.reader().acquire().await?;
        check_scope(scope, &incident_in(&mut conn, id).await?)?;
        Ok(sqlx::query_as(
            "SELECT id, at, kind, text, author, created_at FROM incident_timeline \
             WHERE incident_id = $1 ORDER BY at, created_at, id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?)
    }

    /// Adds a dated note to the timeline (audited `incident.timeline.add`).
    pub async fn add_timeline_entry(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        input: &TimelineInput,
    ) -> Result<TimelineEntry> {
        let mut v = Validator::new();
        v.text("text", &input.text, MAX_ENTRY_CHARS);
        let at = match input.at.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Some(self.clock().now()),
            Some(text) => match chrono::DateTime::parse_from_rfc3339(text) {
                Ok(t) => Some(t.to_utc()),
                Err(_) => {
                    v.push(FieldError::bad_time("at"));
                    None
                }
            },
        };
        v.finish()?;
        let at = at.map(format_instant).unwrap_or_else(|| self.now());
        let now = self.now();
        let mut tx = self.begin().await?;
        let incident = incident_in(&mut tx, id).await?;
        check_scope(scope, &incident)?;
        let entry = add_entry(
            &mut tx,
            id,
            &at,
            "note",
            input.text.trim(),
            &actor.label,
            &now,
        )
        .await?;
        let change = Change {
            action: "incident.timeline.add",
            object_type: "incident",
            object_id: id,
            entity_id: Some(&incident.entity_id),
            before: None,
            after: json(&entry),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// The incident's follow-up actions, open ones first.
    pub async fn incident_actions(
        &self,
        scope: &EntityScope,
        id: &str,
    ) -> Result<Vec<IncidentAction>> {
        let mut conn = self.reader().acquire().await?;
        check_scope(scope, &incident_in(&mut conn, id).await?)?;
        actions_in(&mut conn, id).await
    }

    /// Adds a follow-up action (audited `incident.action.add`).
    pub async fn add_incident_action(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        input: &ActionInput,
    ) -> Result<IncidentAction> {
        self.write_action(actor, scope, id, None, input).await
    }

    /// Changes a follow-up action (audited `incident.action.update`).
    pub async fn update_incident_action(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        action_id: &str,
        input: &ActionInput,
    ) -> Result<IncidentAction> {
        self.write_action(actor, scope, id, Some(action_id), input)
            .await
    }

    async fn write_action(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        action_id: Option<&str>,
        input: &ActionInput,
    ) -> Result<IncidentAction> {
        let incident = self.incident(scope, id).await?;
        let mut v = Validator::new();
        v.text("title", &input.title, MAX_ACTION_CHARS);
        let due = input
            .due_date
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        if let Some(d) = due
            && NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err()
        {
            v.bad_date("due_date");
        }
        let status = input.status.as_deref().unwrap_or("open").trim();
        if !matches!(status, "open" | "done") {
            v.push(FieldError::one_of("status", &["open", "done"]));
        }
        let owner = input
            .owner
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty());
        if let Some(owner) = owner {
            let members = self.users_with_access(&incident.entity_id).await?;
            if !members.iter().any(|m| m.email.eq_ignore_ascii_case(owner)) {
                v.push(FieldError::not_found("owner", owner));
            }
        }
        v.finish()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = match action_id {
            Some(action_id) => Some(action_in(&mut tx, id, action_id).await?),
            None => None,
        };
        let done_at = match (&before, status) {
            (_, "open") => None,
            (Some(b), _) if b.done_at.is_some() => b.done_at.clone(),
            _ => Some(now.clone()),
        };
        let action_id = match &before {
            Some(b) => {
                sqlx::query(
                    "UPDATE incident_actions SET title = $2, owner = $3, due_date = $4, \
                     status = $5, from_review = $6, done_at = $7 WHERE id = $1",
                )
                .bind(&b.id)
                .bind(input.title.trim())
                .bind(owner)
                .bind(due)
                .bind(status)
                .bind(i64::from(input.from_review))
                .bind(&done_at)
                .execute(&mut *tx)
                .await?;
                b.id.clone()
            }
            None => {
                let new = new_id();
                sqlx::query(
                    "INSERT INTO incident_actions (id, incident_id, title, owner, due_date, \
                     status, from_review, created_at, done_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&new)
                .bind(id)
                .bind(input.title.trim())
                .bind(owner)
                .bind(due)
                .bind(status)
                .bind(i64::from(input.from_review))
                .bind(&now)
                .bind(&done_at)
                .execute(&mut *tx)
                .await?;
                new
            }
        };
        let after = action_in(&mut tx, id, &action_id).await?;
        let change = Change {
            action: if before.is_some() {
                "incident.action.update"
            } else {
                "incident.action.add"
            },
            object_type: "incident_action",
            object_id: &action_id,
            entity_id: Some(&incident.entity_id),
            before: before.as_ref().and_then(json),
            after: json(&after),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}

const ACTION_COLUMNS: &str =
    "id, incident_id, title, owner, due_date, status, from_review, created_at, done_at";

#[derive(sqlx::FromRow)]
struct ActionRow {
    id: String,
    incident_id: String,
    title: String,
    owner: Option<String>,
    due_date: Option<String>,
    status: String,
    from_review: i64,
    created_at: String,
    done_at: Option<String>,
}

impl From<ActionRow> for IncidentAction {
    fn from(r: ActionRow) -> Self {
        IncidentAction {
            id: r.id,
            incident_id: r.incident_id,
            title: r.title,
            owner: r.owner,
            due_date: r.due_date,
            status: r.status,
            from_review: r.from_review != 0,
            created_at: r.created_at,
            done_at: r.done_at,
        }
    }
}

async fn actions_in(conn: &mut AnyConnection, incident_id: &str) -> Result<Vec<IncidentAction>> {
    let sql = format!(
        "SELECT {ACTION_COLUMNS} FROM incident_actions WHERE incident_id = $1 \
         ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, due_date, created_at, id"
    );
    let rows: Vec<ActionRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(incident_id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(Into::into).collect())
}

async fn action_in(
    conn: &mut AnyConnection,
    incident_id: &str,
    action_id: &str,
) -> Result<IncidentAction> {
    let sql =
        format!("SELECT {ACTION_COLUMNS} FROM incident_actions WHERE id = $1 AND incident_id = $2");
    let row: Option<ActionRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(action_id)
        .bind(incident_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(Into::into)
        .ok_or_else(|| StoreError::not_found("incident action", action_id))
}
