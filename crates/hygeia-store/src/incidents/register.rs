//! The incident register: create, update, read and list incidents, and keep `next_due_at`.

use chrono::{DateTime, Datelike, Utc};
use hygeia_catalog::Catalog;
use hygeia_domain::access::EntityScope;
use hygeia_domain::clock::format_instant;
use hygeia_domain::incidents::IncidentStatus;
use serde::Deserialize;
use sqlx::{AnyConnection, FromRow};

use super::clocks::{EntityContext, next_due, reporting_clocks};
use super::{Incident, IncidentInput, SetAside, Submission, VerdictRecord};
use crate::audit::{Change, append};
use crate::entity_group::group_links_in;
use crate::error::{Result, StoreError};
use crate::paging::{Page, PageRequest};
use crate::sql::Filter;
use crate::{Actor, Store, new_id};

pub(super) const COLUMNS: &str = "id, entity_id, reference, title, description, detected_at, \
    aware_at, ended_at, status, severity, affected_services, impact, indicators, measures, \
    root_cause, contact, lessons_learned, next_due_at, created_at, created_by, updated_at, version";

/// The list order: a report still to send first, by its deadline; then by awareness, newest
/// first. The indexes `incidents_by_urgency` and `incidents_by_entity` hold these keys (the
/// same expression, word for word), so a page is read from an index instead of sorting every
/// matching incident.
const LIST_ORDER: &str =
    "CASE WHEN next_due_at IS NULL THEN 1 ELSE 0 END, next_due_at, aware_at DESC, id";

/// What the dashboard shows of incidents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentOverview {
    /// Open or contained.
    pub ongoing: i64,
    /// With a report past its deadline.
    pub overdue: i64,
    /// The incident whose next deadline comes first.
    pub next: Option<Incident>,
}

/// Criteria of the incident list. Empty criteria match every incident in scope.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct IncidentFilter {
    pub entity_id: Option<String>,
    /// `open`, `contained`, `resolved` or `closed`; `ongoing` for open or contained.
    pub status: Option<String>,
    /// Only incidents with a report past its deadline.
    #[serde(default)]
    pub overdue: bool,
    /// Text in the reference or title.
    pub q: Option<String>,
}

pub(super) fn json<T: serde::Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

/// Not found unless the incident's entity is in scope.
pub(super) fn check_scope(scope: &EntityScope, incident: &Incident) -> Result<()> {
    if scope.contains(&incident.entity_id) {
        Ok(())
    } else {
        Err(StoreError::not_found("incident", &incident.id))
    }
}

pub(super) async fn incident_in(conn: &mut AnyConnection, id: &str) -> Result<Incident> {
    let sql = format!("SELECT {COLUMNS} FROM incidents WHERE id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("incident", id))
}

pub(super) async fn context_in(conn: &mut AnyConnection, entity_id: &str) -> Result<EntityContext> {
    let entity = Store::entity_in(conn, entity_id).await?;
    let links = group_links_in(conn, entity_id).await?;
    Ok(EntityContext::of(&entity, &links))
}

pub(super) async fn verdicts_in(
    conn: &mut AnyConnection,
    incident_id: &str,
) -> Result<Vec<VerdictRecord>> {
    Ok(sqlx::query_as(
        "SELECT question, verdict, reasoning, decided_by, decided_at FROM incident_verdicts \
         WHERE incident_id = $1 ORDER BY decided_at, id",
    )
    .bind(incident_id)
    .fetch_all(&mut *conn)
    .await?)
}

pub(super) async fn set_asides_in(
    conn: &mut AnyConnection,
    incident_id: &str,
) -> Result<Vec<SetAside>> {
    Ok(sqlx::query_as(
        "SELECT obligation_id, reason, decided_by, decided_at FROM incident_obligations_set_aside \
         WHERE incident_id = $1 ORDER BY obligation_id",
    )
    .bind(incident_id)
    .fetch_all(&mut *conn)
    .await?)
}

pub(super) async fn submissions_in(
    conn: &mut AnyConnection,
    incident_id: &str,
) -> Result<Vec<Submission>> {
    Ok(sqlx::query_as(
        "SELECT obligation_id, stage_key, submitted_at, channel, recipient_reference, \
         report_version, recorded_by, recorded_at FROM incident_submissions \
         WHERE incident_id = $1 ORDER BY submitted_at",
    )
    .bind(incident_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Recomputes and stores the incident's earliest open deadline (after any change that can
/// move it: times, status, verdicts, obligations set aside, submissions).
pub(super) async fn refresh_next_due(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    incident_id: &str,
) -> Result<Option<String>> {
    let incident = incident_in(conn, incident_id).await?;
    let context = context_in(conn, &incident.entity_id).await?;
    let verdicts = verdicts_in(conn, incident_id).await?;
    let set_aside = set_asides_in(conn, incident_id).await?;
    let submissions = submissions_in(conn, incident_id).await?;
    // Computed as of awareness, so a deadline that moves once passed (a final report after an
    // ongoing incident) still counts from its first due time, like the progress report then.
    let clocks = reporting_clocks(
        catalog,
        &context,
        &incident,
        &verdicts,
        &set_aside,
        &submissions,
        DateTime::<Utc>::MIN_UTC,
    );
    let due = next_due(&clocks).map(format_instant);
    sqlx::query("UPDATE incidents SET next_due_at = $2 WHERE id = $1")
        .bind(incident_id)
        .bind(&due)
        .execute(&mut *conn)
        .await?;
    Ok(due)
}

/// The next free `INC-<year>-<number>` of an entity.
async fn next_reference(conn: &mut AnyConnection, entity_id: &str, year: i32) -> Result<String> {
    let prefix = format!("INC-{year}-");
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM incidents WHERE entity_id = $1 AND reference LIKE $2",
    )
    .bind(entity_id)
    .bind(format!("{prefix}%"))
    .fetch_one(&mut *conn)
    .await?;
    Ok(format!("{prefix}{:04}", count + 1))
}

/// The end time to store: the one given, else kept, else now when it becomes resolved or
/// closed; none while ongoing.
fn ended_at(
    status: IncidentStatus,
    given: Option<DateTime<Utc>>,
    before: Option<&str>,
    now: &str,
) -> Option<String> {
    if !status.is_over() {
        return None;
    }
    given
        .map(format_instant)
        .or_else(|| before.map(str::to_owned))
        .or_else(|| Some(now.to_owned()))
}

impl Store {
    /// Declares an incident of an entity (audited `incident.create`).
    pub async fn create_incident(
        &self,
        actor: &Actor,
        catalog: &Catalog,
        entity_id: &str,
        input: &IncidentInput,
    ) -> Result<Incident> {
        let checked = input.check(self.clock().now())?;
        let now = self.now();
        let id = new_id();
        let mut tx = self.begin().await?;
        Store::entity_in(&mut tx, entity_id).await?;
        let year = checked.aware_at.year();
        let reference = next_reference(&mut tx, entity_id, year).await?;
        sqlx::query(
            "INSERT INTO incidents (id, entity_id, reference, title, description, detected_at, \
             aware_at, ended_at, status, severity, affected_services, impact, indicators, \
             measures, root_cause, contact, lessons_learned, created_at, created_by, updated_at, \
             version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, \
             $16, $17, $18, $19, $18, 1)",
        )
        .bind(&id)
        .bind(entity_id)
        .bind(&reference)
        .bind(input.title.trim())
        .bind(input.description.trim())
        .bind(format_instant(checked.detected_at))
        .bind(format_instant(checked.aware_at))
        .bind(ended_at(checked.status, checked.ended_at, None, &now))
        .bind(checked.status.code())
        .bind(checked.severity.code())
        .bind(input.affected_services.trim())
        .bind(input.impact.trim())
        .bind(input.indicators.trim())
        .bind(input.measures.trim())
        .bind(input.root_cause.trim())
        .bind(input.contact.trim())
        .bind(input.lessons_learned.trim())
        .bind(&now)
        .bind(&actor.label)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::on_unique(
            "reference",
            "another incident took this reference at the same moment: try again",
        ))?;
        refresh_next_due(&mut tx, catalog, &id).await?;
        let incident = incident_in(&mut tx, &id).await?;
        let change = Change {
            action: "incident.create",
            object_type: "incident",
            object_id: &id,
            entity_id: Some(entity_id),
            before: None,
            after: json(&incident),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(incident)
    }

    /// Updates an incident (audited `incident.update` with before and after). With
    /// `input.version`, refuses to overwrite someone else's newer change. A status change
    /// is written to the timeline.
    pub async fn update_incident(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        catalog: &Catalog,
        id: &str,
        input: &IncidentInput,
    ) -> Result<Incident> {
        let checked = input.check(self.clock().now())?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = incident_in(&mut tx, id).await?;
        check_scope(scope, &before)?;
        if let Some(expected) = input.version.filter(|v| *v != before.version) {
            return Err(StoreError::Conflict {
                field: "version",
                message: format!(
                    "the incident was changed by someone else (version {} now, {expected} expected): reload it",
                    before.version
                ),
            });
        }
        sqlx::query(
            "UPDATE incidents SET title = $2, description = $3, detected_at = $4, aware_at = $5, \
             ended_at = $6, status = $7, severity = $8, affected_services = $9, impact = $10, \
             indicators = $11, measures = $12, root_cause = $13, contact = $14, \
             lessons_learned = $15, updated_at = $16, version = version + 1 WHERE id = $1",
        )
        .bind(id)
        .bind(input.title.trim())
        .bind(input.description.trim())
        .bind(format_instant(checked.detected_at))
        .bind(format_instant(checked.aware_at))
        .bind(ended_at(
            checked.status,
            checked.ended_at,
            before.ended_at.as_deref(),
            &now,
        ))
        .bind(checked.status.code())
        .bind(checked.severity.code())
        .bind(input.affected_services.trim())
        .bind(input.impact.trim())
        .bind(input.indicators.trim())
        .bind(input.measures.trim())
        .bind(input.root_cause.trim())
        .bind(input.contact.trim())
        .bind(input.lessons_learned.trim())
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        if before.status != checked.status.code() {
            super::story::add_entry(
                &mut tx,
                id,
                &now,
                "status",
                &format!("{} → {}", before.status, checked.status.code()),
                &actor.label,
                &now,
            )
            .await?;
        }
        refresh_next_due(&mut tx, catalog, id).await?;
        let after = incident_in(&mut tx, id).await?;
        let change = Change {
            action: "incident.update",
            object_type: "incident",
            object_id: id,
            entity_id: Some(&after.entity_id),
            before: json(&before),
            after: json(&after),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// An incident in scope (not found otherwise).
    pub async fn incident(&self, scope: &EntityScope, id: &str) -> Result<Incident> {
        let mut conn = self.reader().acquire().await?;
        let incident = incident_in(&mut conn, id).await?;
        check_scope(scope, &incident)?;
        Ok(incident)
    }

    /// The context reporting duties depend on (entity, class, zone) for an incident's entity.
    pub async fn incident_context(&self, entity_id: &str) -> Result<EntityContext> {
        let mut conn = self.reader().acquire().await?;
        context_in(&mut conn, entity_id).await
    }

    /// One page of incidents in scope, the most urgent first: those with a report still to
    /// send by their next deadline, then the others by awareness, newest first.
    pub async fn incidents(
        &self,
        scope: &EntityScope,
        filter: &IncidentFilter,
        page: PageRequest,
    ) -> Result<Page<Incident>> {
        let f = self.list_filter(scope, filter);
        let matching = f.where_clause();
        // The page's ids are read in order from an index alone, then their rows by id; the
        // total is counted apart. (A window count over the whole list made both engines read
        // and sort every matching row, all columns, for each page.)
        let sql = format!(
            "SELECT {COLUMNS} FROM incidents WHERE id IN (SELECT id FROM incidents{matching} \
             ORDER BY {LIST_ORDER} LIMIT {} OFFSET {}) ORDER BY {LIST_ORDER}",
            page.limit, page.offset
        );
        let items = f
            .query(sql)
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(Incident::from_row)
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let shown = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let total = if page.offset == 0 && shown < page.limit {
            shown
        } else {
            f.scalar(format!("SELECT COUNT(*) FROM incidents{matching}"))
                .fetch_one(self.reader())
                .await?
        };
        Ok(Page::new(items, total, page))
    }

    /// The conditions of the incident list.
    fn list_filter(&self, scope: &EntityScope, filter: &IncidentFilter) -> Filter {
        let mut f = Filter::new();
        f.scope("entity_id", scope);
        f.eq_opt("entity_id", filter.entity_id.as_deref());
        match filter.status.as_deref().map(str::trim) {
            None | Some("") => {}
            Some("ongoing") => f.condition("status IN ('open', 'contained')"),
            Some(status) => f.eq_opt("status", Some(status)),
        }
        if filter.overdue {
            f.cmp_opt("next_due_at", "<", Some(&self.now()));
        }
        f.search_opt(&["reference", "title"], filter.q.as_deref());
        f
    }

    /// Ongoing incidents, those with a report past its deadline, and the incident whose next
    /// deadline comes first (not yet passed), in scope (and of one entity if given).
    pub async fn incident_overview(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
    ) -> Result<IncidentOverview> {
        let now = self.now();
        let base = || {
            let mut f = Filter::new();
            f.scope("entity_id", scope);
            f.eq_opt("entity_id", entity_id);
            f
        };
        let mut ongoing = base();
        ongoing.condition("status IN ('open', 'contained')");
        let ongoing = ongoing
            .scalar(format!(
                "SELECT COUNT(*) FROM incidents{}",
                ongoing.where_clause()
            ))
            .fetch_one(self.reader())
            .await?;
        let mut overdue = base();
        overdue.cmp_opt("next_due_at", "<", Some(&now));
        let overdue = overdue
            .scalar(format!(
                "SELECT COUNT(*) FROM incidents{}",
                overdue.where_clause()
            ))
            .fetch_one(self.reader())
            .await?;
        let mut next = base();
        next.cmp_opt("next_due_at", ">=", Some(&now));
        let next = next
            .page::<Incident>(
                self.reader(),
                "incidents",
                COLUMNS,
                "next_due_at, id",
                PageRequest::new(Some(1), None),
            )
            .await?
            .items
            .into_iter()
            .next();
        Ok(IncidentOverview {
            ongoing,
            overdue,
            next,
        })
    }

    /// Every incident in scope matching `filter`, for exports (the same order as the list).
    pub async fn all_incidents(
        &self,
        scope: &EntityScope,
        filter: &IncidentFilter,
    ) -> Result<Vec<Incident>> {
        let f = self.list_filter(scope, filter);
        let sql = format!(
            "SELECT {COLUMNS} FROM incidents{} ORDER BY {LIST_ORDER}",
            f.where_clause()
        );
        Ok(f.query(sql)
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(Incident::from_row)
            .collect::<std::result::Result<Vec<_>, _>>()?)
    }
}
