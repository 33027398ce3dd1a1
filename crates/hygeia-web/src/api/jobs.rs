//! Background jobs over the API (issue 16), for administrators (`JobManage`): how many jobs
//! wait, run, are done or failed across every hub instance, the latest ones with their
//! errors, and a failed job queued again.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use hygeia_domain::access::Permission;
use hygeia_domain::jobs::JobState;
use hygeia_store::jobs::{Job, JobCounts};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::ApiQuery;
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

#[derive(OpenApi)]
#[openapi(
    paths(list_jobs, retry_job),
    tags((name = "jobs", description = "Background work run once across hub instances: recurring matching and upkeep, retries, failures"))
)]
pub struct JobsDoc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/jobs", get(list_jobs))
        .route("/jobs/{id}/retry", post(retry_job))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobQuery {
    /// `queued`, `running`, `done` or `failed`; every state when absent.
    pub state: Option<String>,
    /// At most this many (1–500, 100 by default).
    pub limit: Option<i64>,
}

/// The jobs in figures and the latest ones.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct JobList {
    pub counts: JobCounts,
    /// Newest first.
    pub items: Vec<Job>,
}

/// How many jobs are in each state, and the latest jobs (of one state when asked).
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", params(JobQuery),
    responses((status = 200, body = JobList), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_jobs(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<JobQuery>,
) -> ApiResult<Json<JobList>> {
    auth.principal.require(Permission::JobManage)?;
    let wanted = match query.state.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(JobState::parse(text).ok_or_else(|| {
            ApiError::bad_request(format!(
                "state: '{text}' is not a job state (queued, running, done or failed)"
            ))
        })?),
    };
    Ok(Json(JobList {
        counts: state.store.job_counts().await?,
        items: state
            .store
            .list_jobs(wanted, query.limit.unwrap_or(100))
            .await?,
    }))
}

/// Queues a failed job again, its attempts counted afresh. Audited.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/retry", tag = "jobs",
    responses((status = 200, body = Job), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn retry_job(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Job>> {
    auth.principal.require(Permission::JobManage)?;
    Ok(Json(state.store.retry_job(&auth.actor, &id).await?))
}
