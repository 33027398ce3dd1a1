//! Automated checks at the hub (issue 16): a run reads every shipped check for every entity,
//! opens, refreshes and closes observations with their provenance, and proposes result
//! changes on the requirements the failing checks inform; people confirm or dismiss them.

mod proposals;
mod run;
mod signals;

use hygeia_domain::access::EntityScope;
use hygeia_domain::checks::observations::RecordRef;
use serde::Serialize;
use sqlx::Row;

use crate::Store;
use crate::error::{Result, StoreError};
use crate::sql::Filter;

pub use proposals::{ProposalFilter, ResultProposal};
pub use run::CheckRun;

/// An observation: what a check found for an entity, from when it opened to when it closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Observation {
    pub id: String,
    pub entity_id: String,
    pub check_id: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    /// `open` or `closed`.
    pub state: String,
    /// How many records failed the check when last read.
    pub record_count: i64,
    /// The first of them (at most 20): the provenance.
    pub records: Vec<RecordRef>,
    pub opened_at: String,
    /// When the check last found them.
    pub last_seen_at: String,
    pub closed_at: Option<String>,
}

/// The checks in figures, for the dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckOverview {
    /// Observations open, and those of critical or high severity among them.
    pub open: i64,
    pub open_severe: i64,
    /// Result changes waiting for a decision.
    pub proposals_waiting: i64,
}

/// Which observations to list.
#[derive(Debug, Clone, Default)]
pub struct ObservationFilter {
    pub entity_id: Option<String>,
    /// `open` or `closed`; both when absent.
    pub state: Option<String>,
    /// Only these checks (e.g. those informing one requirement); any when absent.
    pub check_ids: Option<Vec<String>>,
}

/// At most this many observations per list (a hub has a few per entity and check).
pub const OBSERVATIONS_LISTED: i64 = 500;

const COLUMNS: &str = "id, entity_id, check_id, severity, state, record_count, records, \
    opened_at, last_seen_at, closed_at";

fn from_row(row: &sqlx::any::AnyRow) -> Result<Observation> {
    let records: String = row.try_get("records")?;
    Ok(Observation {
        id: row.try_get("id")?,
        entity_id: row.try_get("entity_id")?,
        check_id: row.try_get("check_id")?,
        severity: row.try_get("severity")?,
        state: row.try_get("state")?,
        record_count: row.try_get("record_count")?,
        records: serde_json::from_str(&records)
            .map_err(|e| StoreError::Corrupt(format!("an observation's records: {e}")))?,
        opened_at: row.try_get("opened_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        closed_at: row.try_get("closed_at")?,
    })
}

impl Store {
    /// Observations of the entities in scope, open ones first, newest first.
    pub async fn list_observations(
        &self,
        scope: &EntityScope,
        filter: &ObservationFilter,
    ) -> Result<Vec<Observation>> {
        let mut f = Filter::new();
        f.eq_opt("entity_id", filter.entity_id.as_deref());
        f.eq_opt("state", filter.state.as_deref());
        if let Some(ids) = &filter.check_ids {
            f.in_set("check_id", ids.iter().map(String::as_str));
        }
        f.scope("entity_id", scope);
        let sql = format!(
            "SELECT {COLUMNS} FROM observations{} ORDER BY CASE WHEN state = 'open' THEN 0 \
             ELSE 1 END, opened_at DESC, id LIMIT {OBSERVATIONS_LISTED}",
            f.where_clause()
        );
        let rows = f.query(sql).fetch_all(self.reader()).await?;
        rows.iter().map(from_row).collect()
    }

    /// Open observations (all, and critical or high) and proposals waiting, for the entities
    /// in scope or one of them.
    pub async fn check_overview(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
    ) -> Result<CheckOverview> {
        let mut f = Filter::new();
        f.eq_opt("entity_id", entity_id);
        f.scope("entity_id", scope);
        f.condition("state = 'open'");
        let sql = format!(
            "SELECT COUNT(*) AS open, COALESCE(SUM(CASE WHEN severity IN ('critical', 'high') \
             THEN 1 ELSE 0 END), 0) AS severe FROM observations{}",
            f.where_clause()
        );
        let row = f.query(sql).fetch_one(self.reader()).await?;
        let (open, open_severe): (i64, i64) = (row.try_get("open")?, row.try_get("severe")?);
        let mut f = Filter::new();
        f.eq_opt("entity_id", entity_id);
        f.scope("entity_id", scope);
        f.condition("state = 'proposed'");
        let sql = format!("SELECT COUNT(*) FROM result_proposals{}", f.where_clause());
        let proposals_waiting = f.scalar(sql).fetch_one(self.reader()).await?;
        Ok(CheckOverview {
            open,
            open_severe,
            proposals_waiting,
        })
    }

    /// One observation, if its entity is in scope.
    pub async fn observation(&self, scope: &EntityScope, id: &str) -> Result<Observation> {
        let sql = format!("SELECT {COLUMNS} FROM observations WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or_else(|| StoreError::not_found("observation", id))?;
        let observation = from_row(&row)?;
        if !scope.contains(&observation.entity_id) {
            return Err(StoreError::not_found("observation", id));
        }
        Ok(observation)
    }

    /// How many observations were open at each instant given (RFC 3339), for the entities
    /// in scope: the automated part of the compliance trend. One read of the observations'
    /// opening and closing instants, counted here for every instant.
    pub async fn open_observations_at(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
        instants: &[String],
    ) -> Result<Vec<i64>> {
        if instants.is_empty() {
            return Ok(Vec::new());
        }
        let mut f = Filter::new();
        f.eq_opt("entity_id", entity_id);
        f.scope("entity_id", scope);
        let sql = format!(
            "SELECT opened_at, closed_at FROM observations{}",
            f.where_clause()
        );
        let spans: Vec<(String, Option<String>)> = f
            .query(sql)
            .try_map(|row: sqlx::any::AnyRow| Ok((row.try_get(0)?, row.try_get(1)?)))
            .fetch_all(self.reader())
            .await?;
        Ok(instants
            .iter()
            .map(|at| {
                let open = spans.iter().filter(|(opened, closed)| {
                    opened.as_str() <= at.as_str()
                        && closed.as_deref().is_none_or(|c| c > at.as_str())
                });
                i64::try_from(open.count()).unwrap_or(i64::MAX)
            })
            .collect())
    }
}
