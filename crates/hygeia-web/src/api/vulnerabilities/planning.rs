//! Patch planning over the API: an entity's maintenance windows (production stops, validation
//! campaigns, maintenance slots of the whole entity, a zone or a site) and the remediation plan
//! of each match. Reading needs `AssetRead`; changing `VulnerabilityTriage`; outside the
//! caller's scope, 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::vulnerabilities::planning::{PlanInput, WindowInput};
use hygeia_store::StoreError;
use hygeia_store::vulnerabilities::{MaintenanceWindow, VulnerabilityMatch};

use crate::AppState;
use crate::api::ApiJson;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

fn invalid(errors: hygeia_domain::validation::ValidationErrors) -> ApiError {
    ApiError::from(StoreError::Invalid(errors))
}

/// The maintenance windows of an entity, by first day.
#[utoipa::path(get, path = "/api/v1/entities/{id}/maintenance-windows", tag = "vulnerabilities",
    responses((status = 200, body = Vec<MaintenanceWindow>), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_maintenance_windows(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<MaintenanceWindow>>> {
    auth.principal.require(Permission::AssetRead)?;
    Ok(Json(
        state.store.list_windows(&auth.principal.scope, &id).await?,
    ))
}

/// Adds a maintenance window to an entity: a production stop, a validation campaign or a
/// maintenance slot, of the whole entity (`scope` empty), a zone (`zone:NAME`) or a site
/// (`site:ID`), from its first to its last day. Audited.
#[utoipa::path(post, path = "/api/v1/entities/{id}/maintenance-windows", tag = "vulnerabilities",
    request_body = WindowInput,
    responses((status = 201, body = MaintenanceWindow), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_maintenance_window(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WindowInput>,
) -> ApiResult<(StatusCode, Json<MaintenanceWindow>)> {
    auth.principal.require(Permission::VulnerabilityTriage)?;
    let window = body.check().map_err(invalid)?;
    let created = state
        .store
        .create_window(&auth.actor, &auth.principal.scope, &id, &window)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Changes a maintenance window; the plans waiting for it follow its new last day. Audited.
#[utoipa::path(put, path = "/api/v1/maintenance-windows/{id}", tag = "vulnerabilities",
    request_body = WindowInput,
    responses((status = 200, body = MaintenanceWindow), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_maintenance_window(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WindowInput>,
) -> ApiResult<Json<MaintenanceWindow>> {
    auth.principal.require(Permission::VulnerabilityTriage)?;
    state.store.window(&auth.principal.scope, &id).await?;
    let window = body.check().map_err(invalid)?;
    Ok(Json(
        state
            .store
            .update_window(&auth.actor, &auth.principal.scope, &id, &window)
            .await?,
    ))
}

/// Removes a maintenance window no remediation plan waits for (else 400 saying how many do).
/// Audited.
#[utoipa::path(delete, path = "/api/v1/maintenance-windows/{id}", tag = "vulnerabilities",
    responses((status = 204), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn delete_maintenance_window(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.principal.require(Permission::VulnerabilityTriage)?;
    state
        .store
        .delete_window(&auth.actor, &auth.principal.scope, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the remediation plan of a match: the action, who does it, and the maintenance window
/// it waits for (due on the window's last day) or a due date; `status` `done` when it is done.
/// Replaces the previous plan; audited with it.
#[utoipa::path(put, path = "/api/v1/vulnerabilities/{id}/plan", tag = "vulnerabilities",
    request_body = PlanInput,
    responses((status = 200, body = VulnerabilityMatch), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_remediation_plan(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PlanInput>,
) -> ApiResult<Json<VulnerabilityMatch>> {
    Ok(Json(plan(&state, &auth, &id, &body).await?))
}

/// Checks and records a plan (the API and the page share it).
pub(crate) async fn plan(
    state: &AppState,
    auth: &Auth,
    id: &str,
    input: &PlanInput,
) -> ApiResult<VulnerabilityMatch> {
    auth.principal.require(Permission::AssetRead)?;
    auth.principal.require(Permission::VulnerabilityTriage)?;
    state.store.vulnerability(&auth.principal.scope, id).await?;
    let plan = input.check().map_err(invalid)?;
    Ok(state
        .store
        .set_plan(&auth.actor, &auth.principal.scope, id, &plan)
        .await?)
}
