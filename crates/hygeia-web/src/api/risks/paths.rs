//! A risk's attack path over the API (EBIOS RM's strategic and operational scenarios): the
//! suppliers it goes through and its elementary actions, replaced whole with `RiskWrite`.
//! Reading it comes with the risk.

use axum::Json;
use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_domain::risks::paths::PathInput;
use hygeia_store::risks::RiskPath;

use crate::AppState;
use crate::api::ApiJson;
use crate::auth::Auth;
use crate::error::ApiResult;

/// Replaces the attack path of a risk, all or nothing: a bad step, or a supplier or asset of
/// another entity, refuses the whole path, naming the field. Audited.
#[utoipa::path(put, path = "/api/v1/risks/{id}/path", tag = "risks", request_body = PathInput,
    responses((status = 200, body = RiskPath), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_risk_path(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PathInput>,
) -> ApiResult<Json<RiskPath>> {
    auth.principal.require(Permission::RiskWrite)?;
    Ok(Json(
        state
            .store
            .set_risk_path(&auth.actor, &auth.principal.scope, &id, &body)
            .await?,
    ))
}
