//! Supporting assets of a risk over the API: the inventory assets its scenario goes through,
//! and the controls already in place, each replaced as a whole set (all or nothing) with
//! `RiskWrite`.

use axum::Json;
use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_store::risks::{LinkedAsset, LinkedControl};
use serde::Deserialize;

use crate::AppState;
use crate::api::ApiJson;
use crate::auth::Auth;
use crate::error::ApiResult;

/// The whole set of supporting assets of a risk.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SupportingAssets {
    /// Inventory asset ids, all of the risk's entity (200 at most).
    pub asset_ids: Vec<String>,
}

/// Replaces the supporting assets of a risk; an asset of another entity (or unknown)
/// refuses the whole set, naming it. Audited.
#[utoipa::path(put, path = "/api/v1/risks/{id}/assets", tag = "risks", request_body = SupportingAssets,
    responses((status = 200, body = Vec<LinkedAsset>), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_risk_assets(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SupportingAssets>,
) -> ApiResult<Json<Vec<LinkedAsset>>> {
    auth.principal.require(Permission::RiskWrite)?;
    Ok(Json(
        state
            .store
            .set_risk_assets(&auth.actor, &auth.principal.scope, &id, &body.asset_ids)
            .await?,
    ))
}

/// The whole set of controls already in place for a risk.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ExistingControls {
    /// Controls of the risk's entity.
    pub control_ids: Vec<String>,
}

/// Replaces the controls already in place that a risk's current rating counts on; a control
/// of another entity (or unknown) refuses the whole set, naming it. Audited.
#[utoipa::path(put, path = "/api/v1/risks/{id}/controls", tag = "risks", request_body = ExistingControls,
    responses((status = 200, body = Vec<LinkedControl>), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_risk_controls(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ExistingControls>,
) -> ApiResult<Json<Vec<LinkedControl>>> {
    auth.principal.require(Permission::RiskWrite)?;
    Ok(Json(
        state
            .store
            .set_risk_controls(&auth.actor, &auth.principal.scope, &id, &body.control_ids)
            .await?,
    ))
}
