//! Automated checks at the hub (issue 16): the shipped rule file read against the catalog in
//! force, runs on a schedule (a recurring job) and soon after changes (a job queued by any
//! successful change, at most every half minute per instance), and run at once on request.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use chrono::Duration;
use hygeia_catalog::checks::{CheckRule, shipped_checks};
use hygeia_domain::clock::format_instant;
use hygeia_store::checks::CheckRun;

use crate::AppState;
use crate::error::{ApiError, ApiResult};

/// The job kind of a run.
pub const RUN: &str = "checks.run";
/// The key of the run queued after changes (the recurring one is keyed by its kind).
const AFTER_CHANGE: &str = "checks.run.after_change";
/// How long after a change its run starts, and how often one instance queues such a run.
const SETTLE_SECONDS: i64 = 30;

/// When this instance last queued a run after a change (seconds since the epoch).
#[derive(Debug, Default, Clone)]
pub struct ChangeMark(Arc<AtomicI64>);

/// The rule file as read against one generation of the catalog, so that pages showing
/// observations do not parse and check it on every request.
#[derive(Debug, Default, Clone)]
pub struct RulesCache(Arc<RwLock<Option<ReadRules>>>);

/// The rules read, with the catalog generation they were checked against.
type ReadRules = (i64, Arc<Vec<CheckRule>>);

/// The shipped checks, read against the catalog in force (once per catalog generation).
pub async fn rules(state: &AppState) -> ApiResult<Arc<Vec<CheckRule>>> {
    let (generation, catalog) = state.catalog.current_with_generation(&state.store).await?;
    let cached = match state.check_rules.0.read() {
        Ok(guard) => guard.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    if let Some((cached_generation, rules)) = cached
        && cached_generation == generation
    {
        return Ok(rules);
    }
    let rules = Arc::new(shipped_checks(&catalog).map_err(ApiError::internal)?);
    let mut guard = match state.check_rules.0.write() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    *guard = Some((generation, rules.clone()));
    Ok(rules)
}

/// Runs every check over every entity now; `started_by` says why.
pub async fn run(state: &AppState, started_by: &str) -> ApiResult<CheckRun> {
    let rules = rules(state).await?;
    let run = state.store.run_checks(&rules, started_by).await?;
    if run.opened + run.closed + run.proposed > 0 {
        tracing::info!(
            opened = run.opened,
            closed = run.closed,
            proposed = run.proposed,
            open = run.open_total,
            "automated checks changed observations"
        );
    }
    Ok(run)
}

fn changes(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// After a successful change (any write through the API, a page's form or a sensor), queues
/// a run of the checks half a minute later, so that what changed shows as observations
/// without waiting for the schedule. One run waits at a time across instances (its key).
pub async fn after_change(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let write = changes(request.method());
    let response = next.run(request).await;
    let status = response.status();
    if write && (status.is_success() || status.is_redirection()) {
        let now = state.store.clock().now();
        let last = state.checks_mark.0.load(Ordering::Relaxed);
        if now.timestamp() - last >= SETTLE_SECONDS
            && state
                .checks_mark
                .0
                .compare_exchange(last, now.timestamp(), Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let store = state.store.clone();
            let due = format_instant(now + Duration::seconds(SETTLE_SECONDS));
            tokio::spawn(async move {
                let payload = serde_json::json!({ "started_by": "change" });
                if let Err(error) = store
                    .enqueue_job(RUN, Some(AFTER_CHANGE), &payload, &due)
                    .await
                {
                    tracing::warn!(%error, "could not queue a run of the checks");
                }
            });
        }
    }
    response
}
