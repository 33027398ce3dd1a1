//! The register in figures, and one change applied to many risks at once.

use axum::Json;
use axum::extract::State;
use hygeia_domain::access::Permission;
use hygeia_store::risks::{BulkRiskChange, BulkRiskOutcome, RiskOverview};
use serde::Deserialize;

use crate::AppState;
use crate::api::{ApiJson, ApiQuery};
use crate::auth::Auth;
use crate::error::ApiResult;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// One entity; all those the caller sees when absent.
    pub entity_id: Option<String>,
}

/// Risks per level, to rate and undecided; reviews due; acceptances ending and expired;
/// treatment actions open, overdue and done.
#[utoipa::path(get, path = "/api/v1/risks/overview", tag = "risks", params(OverviewQuery),
    responses((status = 200, body = RiskOverview), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn risk_overview(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<OverviewQuery>,
) -> ApiResult<Json<RiskOverview>> {
    auth.principal.require(Permission::RiskRead)?;
    Ok(Json(
        state
            .store
            .risk_overview(&auth.principal.scope, query.entity_id.as_deref())
            .await?,
    ))
}

/// Gives many risks (500 at most) a new owner or review period, or records their periodic
/// review as held today — all of them or none: one unknown risk refuses the whole change,
/// naming it. Each risk's change is audited.
#[utoipa::path(post, path = "/api/v1/risks/bulk", tag = "risks", request_body = BulkRiskChange,
    responses((status = 200, body = BulkRiskOutcome), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn bulk_update_risks(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<BulkRiskChange>,
) -> ApiResult<Json<BulkRiskOutcome>> {
    auth.principal.require(Permission::RiskWrite)?;
    Ok(Json(
        state
            .store
            .bulk_update_risks(&auth.actor, &auth.principal.scope, &body)
            .await?,
    ))
}
