//! What is at stake over the API: business processes and information with their needs and
//! recovery objectives, the assets and sites supporting them, and the processes a risk
//! threatens. Read with `RiskRead`, written with `RiskWrite`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::risks::processes::ProcessInput;
use hygeia_store::risks::{LinkedProcess, Process, ProcessSummary};
use serde::Deserialize;

use crate::AppState;
use crate::api::{ApiJson, ApiQuery};
use crate::auth::Auth;
use crate::error::ApiResult;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProcessQuery {
    /// One entity; all those the caller sees when absent.
    pub entity_id: Option<String>,
    /// Only the processes run at this site.
    pub site_id: Option<String>,
}

/// The processes and information, most critical first, with their supporting assets and
/// threatening risks counted.
#[utoipa::path(get, path = "/api/v1/processes", tag = "risks", params(ProcessQuery),
    responses((status = 200, body = Vec<ProcessSummary>)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_processes(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<ProcessQuery>,
) -> ApiResult<Json<Vec<ProcessSummary>>> {
    auth.principal.require(Permission::RiskRead)?;
    Ok(Json(
        state
            .store
            .list_processes_at(
                &auth.principal.scope,
                query.entity_id.as_deref(),
                query.site_id.as_deref(),
            )
            .await?,
    ))
}

/// A new process or body of information of an entity.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewProcess {
    pub entity_id: String,
    #[serde(flatten)]
    pub process: ProcessInput,
}

/// Adds a process or body of information to an entity (its name unique there); audited.
#[utoipa::path(post, path = "/api/v1/processes", tag = "risks", request_body = NewProcess,
    responses((status = 201, body = Process), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_process(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewProcess>,
) -> ApiResult<(StatusCode, Json<Process>)> {
    auth.principal.require(Permission::RiskWrite)?;
    let process = state
        .store
        .create_process(
            &auth.actor,
            &auth.principal.scope,
            &body.entity_id,
            &body.process,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(process)))
}

/// One process with its needs, supporting assets and sites, and the risks threatening it.
#[utoipa::path(get, path = "/api/v1/processes/{id}", tag = "risks",
    responses((status = 200, body = Process), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_process(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Process>> {
    auth.principal.require(Permission::RiskRead)?;
    Ok(Json(state.store.process(&auth.principal.scope, &id).await?))
}

/// Rewrites a process (with the version read: a newer change is refused with 409); audited.
#[utoipa::path(put, path = "/api/v1/processes/{id}", tag = "risks", request_body = ProcessInput,
    responses((status = 200, body = Process), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_process(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ProcessInput>,
) -> ApiResult<Json<Process>> {
    auth.principal.require(Permission::RiskWrite)?;
    Ok(Json(
        state
            .store
            .update_process(&auth.actor, &auth.principal.scope, &id, &body)
            .await?,
    ))
}

/// The whole set of assets and sites supporting a process.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ProcessLinks {
    #[serde(default)]
    pub asset_ids: Vec<String>,
    #[serde(default)]
    pub site_ids: Vec<String>,
}

/// Replaces the assets and sites supporting a process, all or nothing; audited.
#[utoipa::path(put, path = "/api/v1/processes/{id}/links", tag = "risks", request_body = ProcessLinks,
    responses((status = 200, body = Process), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_process_links(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ProcessLinks>,
) -> ApiResult<Json<Process>> {
    auth.principal.require(Permission::RiskWrite)?;
    Ok(Json(
        state
            .store
            .set_process_links(
                &auth.actor,
                &auth.principal.scope,
                &id,
                &body.asset_ids,
                &body.site_ids,
            )
            .await?,
    ))
}

/// The whole set of processes a risk threatens.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ThreatenedProcesses {
    pub process_ids: Vec<String>,
}

/// Replaces the processes a risk threatens, all or nothing; audited.
#[utoipa::path(put, path = "/api/v1/risks/{id}/processes", tag = "risks",
    request_body = ThreatenedProcesses,
    responses((status = 200, body = Vec<LinkedProcess>), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_risk_processes(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ThreatenedProcesses>,
) -> ApiResult<Json<Vec<LinkedProcess>>> {
    auth.principal.require(Permission::RiskWrite)?;
    Ok(Json(
        state
            .store
            .set_risk_processes(&auth.actor, &auth.principal.scope, &id, &body.process_ids)
            .await?,
    ))
}
