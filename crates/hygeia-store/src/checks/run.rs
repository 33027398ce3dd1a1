//! One run of the checks, in one transaction: every check read for every entity, the open
//! observations brought in line (opened, refreshed, closed, each change audited), and result
//! changes proposed where a failing check informs a requirement of an assessment under way.
//! Runs wait for each other (an advisory lock on PostgreSQL, the single writer on SQLite).

use std::collections::BTreeMap;

use hygeia_catalog::checks::CheckRule;
use hygeia_domain::checks::observations::{OpenObservation, Reading, Step, plan, proposes_on};
use serde::Serialize;

use super::signals::read_signal;
use crate::audit::{Change, append};
use crate::database::{Backend, WriteTx};
use crate::error::Result;
use crate::{Actor, Store, new_id};

/// The lock that keeps runs one at a time across hub instances on PostgreSQL.
const RUN_LOCK: i64 = 0x4879_6765_6961_1601;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckRun {
    pub id: String,
    pub started_at: String,
    pub finished_at: String,
    /// How many checks were read (for every entity).
    pub checks: i64,
    pub opened: i64,
    pub refreshed: i64,
    pub closed: i64,
    /// Result changes proposed.
    pub proposed: i64,
    /// Observations open after the run.
    pub open_total: i64,
    /// `schedule`, `change` or the person who asked.
    pub started_by: String,
}

fn audit_observation<'a>(
    action: &'static str,
    id: &'a str,
    entity_id: &'a str,
    after: serde_json::Value,
) -> Change<'a> {
    Change {
        action,
        object_type: "observation",
        object_id: id,
        entity_id: Some(entity_id),
        before: None,
        after: Some(after),
    }
}

impl Store {
    /// Runs `rules` over every entity; `started_by` says why (`schedule`, `change`, or the
    /// e-mail of who asked).
    pub async fn run_checks(&self, rules: &[CheckRule], started_by: &str) -> Result<CheckRun> {
        let actor = Actor::system();
        let mut tx = self.begin().await?;
        if self.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(RUN_LOCK)
                .execute(&mut *tx)
                .await?;
        }
        let instant = self.clock().now();
        let now = self.now();
        let entities: Vec<String> = sqlx::query_scalar("SELECT id FROM entities ORDER BY id")
            .fetch_all(&mut *tx)
            .await?;
        let mut readings = Vec::new();
        for rule in rules {
            let mut found = read_signal(&mut tx, rule.signal, rule.days, instant).await?;
            for entity_id in &entities {
                let (count, records) = found.remove(entity_id).unwrap_or_default();
                readings.push(Reading {
                    entity_id: entity_id.clone(),
                    check_id: rule.id.clone(),
                    count,
                    records,
                });
            }
        }
        let open: Vec<OpenObservation> = sqlx::query_as::<_, (String, String, String)>(
            "SELECT id, entity_id, check_id FROM observations WHERE state = 'open'",
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|(id, entity_id, check_id)| OpenObservation {
            id,
            entity_id,
            check_id,
        })
        .collect();
        let severity: BTreeMap<&str, &str> = rules
            .iter()
            .map(|r| (r.id.as_str(), r.severity.as_str()))
            .collect();
        let mut run = CheckRun {
            id: new_id(),
            started_at: now.clone(),
            checks: i64::try_from(rules.len()).unwrap_or(i64::MAX),
            started_by: started_by.to_owned(),
            ..CheckRun::default()
        };
        for step in plan(&open, readings) {
            match step {
                Step::Open(reading) => {
                    let level = severity
                        .get(reading.check_id.as_str())
                        .copied()
                        .unwrap_or("medium");
                    open_observation(&mut tx, &actor, &now, &reading, level).await?;
                    run.opened += 1;
                }
                Step::Refresh { id, reading } => {
                    let level = severity
                        .get(reading.check_id.as_str())
                        .copied()
                        .unwrap_or("medium");
                    refresh_observation(&mut tx, &actor, &now, &id, &reading, level).await?;
                    run.refreshed += 1;
                }
                Step::Close { id } => {
                    close_observation(&mut tx, &actor, &now, &id).await?;
                    run.closed += 1;
                }
            }
        }
        run.proposed = propose(&mut tx, &actor, &now, rules).await?;
        run.open_total =
            sqlx::query_scalar("SELECT COUNT(*) FROM observations WHERE state = 'open'")
                .fetch_one(&mut *tx)
                .await?;
        run.finished_at = self.now();
        sqlx::query(
            "INSERT INTO check_runs (id, started_at, finished_at, checks, opened, refreshed, \
             closed, proposed, open_total, started_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&run.id)
        .bind(&run.started_at)
        .bind(&run.finished_at)
        .bind(run.checks)
        .bind(run.opened)
        .bind(run.refreshed)
        .bind(run.closed)
        .bind(run.proposed)
        .bind(run.open_total)
        .bind(&run.started_by)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(run)
    }

    /// The latest runs, newest first.
    pub async fn latest_check_runs(&self, limit: i64) -> Result<Vec<CheckRun>> {
        Ok(sqlx::query_as(
            "SELECT id, started_at, finished_at, checks, opened, refreshed, closed, proposed, \
             open_total, started_by FROM check_runs ORDER BY started_at DESC, id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.reader())
        .await?)
    }
}

fn records_json(reading: &Reading) -> String {
    serde_json::to_string(&reading.records).unwrap_or_else(|_| "[]".to_owned())
}

async fn open_observation(
    tx: &mut WriteTx,
    actor: &Actor,
    now: &str,
    reading: &Reading,
    severity: &str,
) -> Result<()> {
    let id = new_id();
    let count = i64::try_from(reading.count).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO observations (id, entity_id, check_id, severity, state, record_count, \
         records, opened_at, last_seen_at) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $7)",
    )
    .bind(&id)
    .bind(&reading.entity_id)
    .bind(&reading.check_id)
    .bind(severity)
    .bind(count)
    .bind(records_json(reading))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let after = serde_json::json!({
        "check_id": reading.check_id, "severity": severity, "record_count": count,
        "records": reading.records,
    });
    let change = audit_observation("observation.open", &id, &reading.entity_id, after);
    append(tx, actor, now, change).await?;
    Ok(())
}

/// Takes the latest records; audited when their number changed (a run every few minutes
/// finding the same would otherwise fill the trail).
async fn refresh_observation(
    tx: &mut WriteTx,
    actor: &Actor,
    now: &str,
    id: &str,
    reading: &Reading,
    severity: &str,
) -> Result<()> {
    let count = i64::try_from(reading.count).unwrap_or(i64::MAX);
    let before: i64 = sqlx::query_scalar("SELECT record_count FROM observations WHERE id = $1")
        .bind(id)
        .fetch_one(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE observations SET record_count = $1, records = $2, last_seen_at = $3, \
         severity = $4 WHERE id = $5",
    )
    .bind(count)
    .bind(records_json(reading))
    .bind(now)
    .bind(severity)
    .bind(id)
    .execute(&mut **tx)
    .await?;
    if before == count {
        return Ok(());
    }
    let after = serde_json::json!({
        "check_id": reading.check_id, "record_count": count, "records": reading.records,
    });
    let mut change = audit_observation("observation.update", id, &reading.entity_id, after);
    change.before = Some(serde_json::json!({ "record_count": before }));
    append(tx, actor, now, change).await?;
    Ok(())
}

/// Closes an observation; its proposals still waiting are withdrawn.
async fn close_observation(tx: &mut WriteTx, actor: &Actor, now: &str, id: &str) -> Result<()> {
    let (entity_id, check_id): (String, String) =
        sqlx::query_as("SELECT entity_id, check_id FROM observations WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?;
    sqlx::query("UPDATE observations SET state = 'closed', closed_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let after = serde_json::json!({ "check_id": check_id, "state": "closed" });
    let change = audit_observation("observation.close", id, &entity_id, after);
    append(tx, actor, now, change).await?;
    let waiting: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM result_proposals WHERE observation_id = $1 AND state = 'proposed' \
         ORDER BY id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    for proposal in waiting {
        withdraw(tx, actor, now, &proposal, &entity_id).await?;
    }
    Ok(())
}

/// A proposal to consider: an open observation, a requirement it informs, and an
/// assessment under way of that requirement's framework with the result it has now.
#[derive(sqlx::FromRow)]
struct Candidate {
    observation_id: String,
    entity_id: String,
    check_id: String,
    assessment_id: String,
    framework_id: String,
    value: Option<String>,
    pending: Option<String>,
    proposed_before: i64,
}

/// Proposes "non-compliant" where an open observation informs a requirement whose result
/// does not already say so, and withdraws waiting proposals whose result came to say so (or
/// not applicable) by other means. Returns how many were proposed.
async fn propose(tx: &mut WriteTx, actor: &Actor, now: &str, rules: &[CheckRule]) -> Result<i64> {
    let mut proposed = 0;
    for rule in rules {
        for informs in &rule.informs {
            let candidates: Vec<Candidate> = sqlx::query_as(
                "SELECT o.id AS observation_id, o.entity_id, o.check_id, a.id AS assessment_id, \
                 a.framework_id, r.value, \
                 (SELECT p.id FROM result_proposals p WHERE p.observation_id = o.id \
                    AND p.assessment_id = a.id AND p.requirement_id = $3 \
                    AND p.state = 'proposed') AS pending, \
                 (SELECT COUNT(*) FROM result_proposals p WHERE p.observation_id = o.id \
                    AND p.assessment_id = a.id AND p.requirement_id = $3) AS proposed_before \
                 FROM observations o JOIN assessments a ON a.entity_id = o.entity_id \
                 LEFT JOIN assessment_results r ON r.assessment_id = a.id \
                    AND r.requirement_id = $3 \
                 WHERE o.state = 'open' AND o.check_id = $1 AND a.framework_id = $2 \
                 AND a.status IN ('planned', 'in_progress')",
            )
            .bind(&rule.id)
            .bind(&informs.framework)
            .bind(&informs.id)
            .fetch_all(&mut **tx)
            .await?;
            for c in candidates {
                let wanted = proposes_on(c.value.as_deref());
                match (&c.pending, wanted) {
                    (None, true) if c.proposed_before == 0 => {
                        insert_proposal(tx, actor, now, &c, &informs.id).await?;
                        proposed += 1;
                    }
                    (Some(pending), false) => {
                        withdraw(tx, actor, now, pending, &c.entity_id).await?;
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(proposed)
}

async fn insert_proposal(
    tx: &mut WriteTx,
    actor: &Actor,
    now: &str,
    c: &Candidate,
    requirement_id: &str,
) -> Result<()> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO result_proposals (id, observation_id, entity_id, assessment_id, \
         framework_id, requirement_id, value_before, state, proposed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'proposed', $8)",
    )
    .bind(&id)
    .bind(&c.observation_id)
    .bind(&c.entity_id)
    .bind(&c.assessment_id)
    .bind(&c.framework_id)
    .bind(requirement_id)
    .bind(&c.value)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let change = Change {
        action: "result_proposal.propose",
        object_type: "result_proposal",
        object_id: &id,
        entity_id: Some(&c.entity_id),
        before: None,
        after: Some(serde_json::json!({
            "check_id": c.check_id, "observation_id": c.observation_id,
            "assessment_id": c.assessment_id, "requirement_id": requirement_id,
            "value_before": c.value, "proposed": "non_compliant",
        })),
    };
    append(tx, actor, now, change).await?;
    Ok(())
}

async fn withdraw(
    tx: &mut WriteTx,
    actor: &Actor,
    now: &str,
    id: &str,
    entity_id: &str,
) -> Result<()> {
    // The audit head first (the lock every writer takes), then the proposal, only if nobody
    // decided it meanwhile.
    let change = Change {
        action: "result_proposal.withdraw",
        object_type: "result_proposal",
        object_id: id,
        entity_id: Some(entity_id),
        before: Some(serde_json::json!({ "state": "proposed" })),
        after: Some(serde_json::json!({ "state": "withdrawn" })),
    };
    let withdrawn = sqlx::query(
        "UPDATE result_proposals SET state = 'withdrawn', decided_at = $1, decided_by = 'system' \
         WHERE id = $2 AND state = 'proposed'",
    )
    .bind(now)
    .bind(id)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if withdrawn == 1 {
        append(tx, actor, now, change).await?;
    }
    Ok(())
}
