//! An entity's controls.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_store::assessments::{Control, ControlInput};

use super::entity_in_scope;
use crate::AppState;
use crate::api::ApiJson;
use crate::auth::Auth;
use crate::error::ApiResult;

/// The entity's controls with the requirements they serve.
#[utoipa::path(get, path = "/api/v1/entities/{id}/controls", tag = "compliance",
    responses((status = 200, body = Vec<Control>), (status = 404, description = "Unknown or not visible")),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_controls(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Control>>> {
    entity_in_scope(&state, &auth, &id, Permission::ComplianceRead).await?;
    Ok(Json(state.store.list_controls(&id).await?))
}

/// Create a control of the entity.
#[utoipa::path(post, path = "/api/v1/entities/{id}/controls", tag = "compliance",
    request_body = ControlInput,
    responses((status = 201, body = Control), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_control(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ControlInput>,
) -> ApiResult<(StatusCode, Json<Control>)> {
    entity_in_scope(&state, &auth, &id, Permission::ComplianceEdit).await?;
    let catalog = state.catalog.current(&state.store).await?;
    let control = state
        .store
        .create_control(&auth.actor, &id, &body, &catalog)
        .await?;
    Ok((StatusCode::CREATED, Json(control)))
}

async fn control_for(
    state: &AppState,
    auth: &Auth,
    id: &str,
    permission: Permission,
) -> ApiResult<Control> {
    auth.principal.require(permission)?;
    let control = state.store.control(&auth.principal.scope, id).await?;
    entity_in_scope(state, auth, &control.entity_id, permission).await?;
    Ok(control)
}

/// One control.
#[utoipa::path(get, path = "/api/v1/controls/{id}", tag = "compliance",
    responses((status = 200, body = Control), (status = 404, description = "Unknown or not visible")),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_control(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Control>> {
    Ok(Json(
        control_for(&state, &auth, &id, Permission::ComplianceRead).await?,
    ))
}

/// Replace a control (send back `version` to refuse overwriting a newer change).
#[utoipa::path(put, path = "/api/v1/controls/{id}", tag = "compliance", request_body = ControlInput,
    responses((status = 200, body = Control), (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_control(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ControlInput>,
) -> ApiResult<Json<Control>> {
    control_for(&state, &auth, &id, Permission::ComplianceEdit).await?;
    let catalog = state.catalog.current(&state.store).await?;
    let control = state
        .store
        .update_control(&auth.actor, &auth.principal.scope, &id, &body, &catalog)
        .await?;
    Ok(Json(control))
}

/// Delete a control (compliance managers).
#[utoipa::path(delete, path = "/api/v1/controls/{id}", tag = "compliance",
    responses((status = 204, description = "Deleted")), security(("bearer" = []), ("session" = [])))]
pub async fn delete_control(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    control_for(&state, &auth, &id, Permission::ComplianceManage).await?;
    state
        .store
        .delete_control(&auth.actor, &auth.principal.scope, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
