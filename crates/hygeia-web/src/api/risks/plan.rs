//! Treatment plans over the API: the actions of a risk, added and changed (done, reassigned,
//! rescheduled) with `RiskWrite`; read with `RiskRead`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::risks::plan::ActionInput;
use hygeia_store::risks::RiskAction;

use crate::AppState;
use crate::api::ApiJson;
use crate::auth::Auth;
use crate::error::ApiResult;

/// The treatment plan of a risk, open actions first by due date.
#[utoipa::path(get, path = "/api/v1/risks/{id}/actions", tag = "risks",
    responses((status = 200, body = Vec<RiskAction>), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_risk_actions(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RiskAction>>> {
    auth.principal.require(Permission::RiskRead)?;
    Ok(Json(
        state.store.risk_actions(&auth.principal.scope, &id).await?,
    ))
}

/// Adds an action to a risk's treatment plan: its owner must be a user who may see the
/// entity, its control one of the entity's; audited.
#[utoipa::path(post, path = "/api/v1/risks/{id}/actions", tag = "risks", request_body = ActionInput,
    responses((status = 201, body = RiskAction), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn add_risk_action(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ActionInput>,
) -> ApiResult<(StatusCode, Json<RiskAction>)> {
    auth.principal.require(Permission::RiskWrite)?;
    let action = state
        .store
        .add_risk_action(&auth.actor, &auth.principal.scope, &id, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(action)))
}

/// Changes an action of a risk's treatment plan (the whole of it); audited with before and
/// after.
#[utoipa::path(put, path = "/api/v1/risks/{id}/actions/{action_id}", tag = "risks",
    request_body = ActionInput,
    responses((status = 200, body = RiskAction), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_risk_action(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, action_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<ActionInput>,
) -> ApiResult<Json<RiskAction>> {
    auth.principal.require(Permission::RiskWrite)?;
    Ok(Json(
        state
            .store
            .update_risk_action(&auth.actor, &auth.principal.scope, &id, &action_id, &body)
            .await?,
    ))
}
