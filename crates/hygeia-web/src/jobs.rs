//! The job runner every hub instance starts (issue 16): it queues the recurring work once
//! across instances (one waiting job per kind), claims due jobs one at a time, runs them by
//! kind (the automated checks, advisory matching, upkeep), and records the outcome (done,
//! queued again after a back-off, or failed for an administrator to look at). A recurring
//! job queues its next run when it ends.

use chrono::Duration;
use hygeia_domain::clock::format_instant;
use hygeia_domain::jobs::Recurring;
use hygeia_store::StoreError;
use hygeia_store::jobs::{AfterFailure, Job};

use crate::AppState;

/// Assets no run has matched against the stored advisories (a run cut short).
pub const MATCH_STALE: &str = "advisories.match_stale";
/// The planner's statistics kept current as the inventory grows.
pub const STATISTICS: &str = "database.statistics";
/// Finished jobs removed after a month.
pub const PURGE: &str = "jobs.purge";

/// How long finished jobs are kept.
const KEPT_DAYS: i64 = 30;
/// How long a runner waits when nothing is due.
const IDLE_SECONDS: u64 = 5;

/// How often the automated checks run on their own (changes queue a run sooner).
const CHECKS_EVERY_MINUTES: i64 = 15;

/// The work repeated on a schedule.
pub fn recurring() -> [Recurring; 4] {
    [
        Recurring {
            kind: crate::checks::RUN,
            every: Duration::minutes(CHECKS_EVERY_MINUTES),
        },
        Recurring {
            kind: MATCH_STALE,
            every: Duration::minutes(10),
        },
        Recurring {
            kind: STATISTICS,
            every: Duration::hours(1),
        },
        Recurring {
            kind: PURGE,
            every: Duration::days(1),
        },
    ]
}

/// One instance's runner.
pub struct Runner {
    state: AppState,
    worker: String,
}

impl Runner {
    /// A runner named after its host and process, so the status page says who holds a job.
    pub fn new(state: AppState) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "hygeia".to_owned());
        let worker = format!(
            "{host}-{}-{}",
            std::process::id(),
            &crate::auth::random_secret()[..6]
        );
        Self { state, worker }
    }

    pub fn worker(&self) -> &str {
        &self.worker
    }

    /// Queues each recurring job that does not already wait, due now.
    pub async fn schedule(&self) -> Result<(), StoreError> {
        let now = format_instant(self.state.store.clock().now());
        for job in recurring() {
            self.state
                .store
                .enqueue_job(job.kind, Some(job.kind), &serde_json::json!({}), &now)
                .await?;
        }
        Ok(())
    }

    /// Runs one due job, if any; whether one was run.
    pub async fn run_one(&self) -> Result<bool, StoreError> {
        let store = &self.state.store;
        let Some(job) = store.claim_job(&self.worker).await? else {
            return Ok(false);
        };
        match self.execute(&job).await {
            Ok(()) => {
                if !store.finish_job(&job.id, &self.worker).await? {
                    tracing::warn!(job = %job.id, kind = %job.kind, "a job's lease ended before it was done");
                }
            }
            Err(error) => {
                let outcome = store.fail_job(&job.id, &self.worker, &error).await?;
                tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, %error,
                    retried = (outcome == AfterFailure::Retried), "a job failed");
            }
        }
        if let Some(next) = recurring().into_iter().find(|r| r.kind == job.kind) {
            let due = format_instant(store.clock().now() + next.every);
            store
                .enqueue_job(next.kind, Some(next.kind), &serde_json::json!({}), &due)
                .await?;
        }
        Ok(true)
    }

    async fn execute(&self, job: &Job) -> Result<(), String> {
        let store = &self.state.store;
        match job.kind.as_str() {
            MATCH_STALE => {
                let run = crate::vulnerabilities::match_stale(&self.state, None)
                    .await
                    .map_err(|e| e.to_string())?;
                if run.assets > 0 {
                    tracing::info!(
                        assets = run.assets,
                        new = run.matches_new,
                        changed = run.matches_changed,
                        removed = run.matches_removed,
                        "assets matched against the advisories"
                    );
                }
                Ok(())
            }
            crate::checks::RUN => {
                let started_by = serde_json::from_str::<serde_json::Value>(&job.payload)
                    .ok()
                    .and_then(|p| p["started_by"].as_str().map(str::to_owned))
                    .unwrap_or_else(|| "schedule".to_owned());
                crate::checks::run(&self.state, &started_by)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            STATISTICS => store.keep_statistics().await.map_err(|e| e.to_string()),
            PURGE => {
                let before = format_instant(store.clock().now() - Duration::days(KEPT_DAYS));
                store
                    .purge_finished_jobs(&before)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string())
            }
            other => Err(format!("no runner knows the job kind '{other}'")),
        }
    }

    /// Runs jobs until the task is stopped: the recurring ones queued first, then each due
    /// job as soon as a runner is free.
    pub async fn run(self) {
        if let Err(error) = self.schedule().await {
            tracing::warn!(%error, "could not queue the recurring jobs");
        }
        loop {
            match self.run_one().await {
                Ok(true) => {}
                Ok(false) => tokio::time::sleep(std::time::Duration::from_secs(IDLE_SECONDS)).await,
                Err(error) => {
                    tracing::warn!(%error, "the job runner could not reach the database");
                    tokio::time::sleep(std::time::Duration::from_secs(IDLE_SECONDS)).await;
                }
            }
        }
    }
}
