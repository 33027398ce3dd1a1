//! Background jobs kept in the database (issue 16), so that several hub instances on one
//! PostgreSQL never run the same job twice: a runner claims one due job for a lease
//! (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite's single writer serialises claims), then
//! marks it done or failed; a failed attempt is queued again after a back-off, and a job whose
//! runner's lease ended is taken over. At most one job per key waits or runs.

use hygeia_domain::clock::format_instant;
use hygeia_domain::jobs::{JobState, after_failure, kept_error, lease};
use serde::Serialize;

use crate::audit::{Change, append};
use crate::database::Backend;
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Job {
    pub id: String,
    pub kind: String,
    /// At most one job per key waits or runs (recurring work uses its kind).
    pub job_key: Option<String>,
    /// What the job works on, as JSON.
    pub payload: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    pub attempts: i64,
    /// Not before this instant.
    pub run_after: String,
    /// The runner holding it, and until when.
    pub locked_by: Option<String>,
    pub locked_until: Option<String>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// How many jobs are in each state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobCounts {
    pub queued: i64,
    pub running: i64,
    pub done: i64,
    pub failed: i64,
}

/// What came of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Queued again, not before the instant given.
    Retried,
    /// Failed for good.
    Failed,
    /// The runner no longer held the job (its lease ended and another took it over).
    LeaseLost,
}

const COLUMNS: &str = "id, kind, job_key, payload, state, attempts, run_after, locked_by, \
    locked_until, last_error, created_at, started_at, finished_at";

/// Due jobs, and running ones whose lease has ended; the first by due time.
const DUE: &str = "SELECT id FROM jobs WHERE (state = 'queued' AND run_after <= $3) \
    OR (state = 'running' AND locked_until < $3) ORDER BY run_after, id LIMIT 1";

impl Store {
    /// Queues a job of `kind`, due at `run_after` (RFC 3339); with a `key`, only when no job
    /// of that key already waits or runs (then `None`).
    pub async fn enqueue_job(
        &self,
        kind: &str,
        key: Option<&str>,
        payload: &serde_json::Value,
        run_after: &str,
    ) -> Result<Option<String>> {
        let id = new_id();
        let mut tx = self.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO jobs (id, kind, job_key, payload, state, attempts, run_after, \
             created_at) VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(kind)
        .bind(key)
        .bind(payload.to_string())
        .bind(run_after)
        .bind(self.now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok((inserted == 1).then_some(id))
    }

    /// Claims the first due job for `worker` (or takes over one whose lease ended): `None`
    /// when nothing is due. Two runners never hold the same job.
    pub async fn claim_job(&self, worker: &str) -> Result<Option<Job>> {
        let now = self.clock().now();
        let at = format_instant(now);
        let until = format_instant(now + lease());
        let pick = match self.backend() {
            Backend::Postgres => format!("{DUE} FOR UPDATE SKIP LOCKED"),
            Backend::Sqlite => DUE.to_owned(),
        };
        let sql = format!(
            "UPDATE jobs SET state = 'running', locked_by = $1, locked_until = $2, \
             attempts = attempts + 1, started_at = $3 WHERE id = ({pick}) RETURNING {COLUMNS}"
        );
        let mut tx = self.begin().await?;
        let job: Option<Job> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(worker)
            .bind(&until)
            .bind(&at)
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(job)
    }

    /// Marks a job done; `false` when `worker` no longer held it.
    pub async fn finish_job(&self, id: &str, worker: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE jobs SET state = 'done', finished_at = $1, locked_by = NULL, \
             locked_until = NULL WHERE id = $2 AND locked_by = $3 AND state = 'running'",
        )
        .bind(self.now())
        .bind(id)
        .bind(worker)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(done == 1)
    }

    /// Records a failed attempt: queued again after its back-off, or failed for good after
    /// the last attempt.
    pub async fn fail_job(&self, id: &str, worker: &str, error: &str) -> Result<AfterFailure> {
        let now = self.clock().now();
        let mut tx = self.begin().await?;
        let attempts: Option<i64> = sqlx::query_scalar(
            "SELECT attempts FROM jobs WHERE id = $1 AND locked_by = $2 AND state = 'running'",
        )
        .bind(id)
        .bind(worker)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(attempts) = attempts else {
            return Ok(AfterFailure::LeaseLost);
        };
        let (state, run_after, outcome) = match after_failure(attempts) {
            Some(delay) => (
                JobState::Queued,
                Some(format_instant(now + delay)),
                AfterFailure::Retried,
            ),
            None => (JobState::Failed, None, AfterFailure::Failed),
        };
        sqlx::query(
            "UPDATE jobs SET state = $1, run_after = COALESCE($2, run_after), last_error = $3, \
             locked_by = NULL, locked_until = NULL, finished_at = $4 WHERE id = $5",
        )
        .bind(state.as_str())
        .bind(run_after)
        .bind(kept_error(error))
        .bind((outcome == AfterFailure::Failed).then(|| format_instant(now)))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// The latest jobs (by creation), `limit` at most, of one state when given.
    pub async fn list_jobs(&self, state: Option<JobState>, limit: i64) -> Result<Vec<Job>> {
        let limit = limit.clamp(1, 500);
        let Some(state) = state else {
            let sql = format!("SELECT {COLUMNS} FROM jobs ORDER BY created_at DESC, id LIMIT $1");
            return Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(limit)
                .fetch_all(self.reader())
                .await?);
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM jobs WHERE state = $2 ORDER BY created_at DESC, id LIMIT $1"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(limit)
            .bind(state.as_str())
            .fetch_all(self.reader())
            .await?)
    }

    /// How many jobs are in each state.
    pub async fn job_counts(&self) -> Result<JobCounts> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, COUNT(*) FROM jobs GROUP BY state")
                .fetch_all(self.reader())
                .await?;
        let of = |state: JobState| {
            rows.iter()
                .find(|(s, _)| s == state.as_str())
                .map_or(0, |(_, n)| *n)
        };
        Ok(JobCounts {
            queued: of(JobState::Queued),
            running: of(JobState::Running),
            done: of(JobState::Done),
            failed: of(JobState::Failed),
        })
    }

    /// Queues a failed job again, attempts counted afresh; refused when it has not failed or
    /// when another job of its key already waits. Audited `job.retry`.
    pub async fn retry_job(&self, actor: &Actor, id: &str) -> Result<Job> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1");
        let before: Job = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::not_found("job", id))?;
        if before.state != JobState::Failed.as_str() {
            return Err(StoreError::Conflict {
                field: "state",
                message: format!("job '{id}' is {}, not failed", before.state),
            });
        }
        sqlx::query(
            "UPDATE jobs SET state = 'queued', attempts = 0, run_after = $1, finished_at = NULL \
             WHERE id = $2",
        )
        .bind(&now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::on_unique(
            "job_key",
            "another job of the same key is already waiting",
        ))?;
        let after: Job = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let change = Change {
            action: "job.retry",
            object_type: "job",
            object_id: id,
            entity_id: None,
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Removes jobs done (or failed) before `before`; how many.
    pub async fn purge_finished_jobs(&self, before: &str) -> Result<u64> {
        let mut tx = self.begin().await?;
        let purged =
            sqlx::query("DELETE FROM jobs WHERE state IN ('done', 'failed') AND finished_at < $1")
                .bind(before)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        tx.commit().await?;
        Ok(purged)
    }
}
