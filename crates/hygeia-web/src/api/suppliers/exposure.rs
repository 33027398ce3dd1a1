//! What depends on suppliers, over the API: one supplier's exposure, the register in figures
//! with what needs attention, who holds access to OT, and the suppliers involved in an
//! incident.

use axum::Json;
use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_store::risks::DependedSupplier;
use hygeia_store::suppliers::{RemoteAccessHolder, SupplierExposure, SupplierOverview};
use serde::Deserialize;

use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Auth;
use crate::error::ApiResult;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntityQuery {
    /// One entity; all those the caller sees when absent.
    pub entity_id: Option<String>,
}

/// What depends on a supplier: the processes (critical ones counted), assets, zones and sites
/// it touches, and the risks running through them.
#[utoipa::path(get, path = "/api/v1/suppliers/{id}/exposure", tag = "suppliers",
    responses((status = 200, body = SupplierExposure), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn supplier_exposure(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<SupplierExposure>> {
    auth.principal.require(Permission::SupplierRead)?;
    Ok(Json(
        state
            .store
            .supplier_exposure(&auth.principal.scope, &id)
            .await?,
    ))
}

/// The register in figures (suppliers by tier, OT and health-data access, danger zone,
/// reviews overdue, certificates ending, clause gaps) with why each supplier needs attention.
#[utoipa::path(get, path = "/api/v1/suppliers/overview", tag = "suppliers", params(EntityQuery),
    responses((status = 200, body = SupplierOverview)),
    security(("bearer" = []), ("session" = [])))]
pub async fn supplier_overview(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<EntityQuery>,
) -> ApiResult<Json<SupplierOverview>> {
    auth.principal.require(Permission::SupplierRead)?;
    Ok(Json(
        state
            .store
            .supplier_overview(&auth.principal.scope, query.entity_id.as_deref())
            .await?,
    ))
}

/// The suppliers holding access to OT systems, with the OT assets they reach and whether a
/// contract sets the rules of that access.
#[utoipa::path(get, path = "/api/v1/suppliers/ot-access", tag = "suppliers", params(EntityQuery),
    responses((status = 200, body = Vec<RemoteAccessHolder>)),
    security(("bearer" = []), ("session" = [])))]
pub async fn ot_access_holders(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<EntityQuery>,
) -> ApiResult<Json<Vec<RemoteAccessHolder>>> {
    auth.principal.require(Permission::SupplierRead)?;
    Ok(Json(
        state
            .store
            .ot_access_holders(&auth.principal.scope, query.entity_id.as_deref())
            .await?,
    ))
}

/// The suppliers involved in an incident, most critical first.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/suppliers", tag = "suppliers",
    responses((status = 200, body = Vec<DependedSupplier>), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn incident_suppliers(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<DependedSupplier>>> {
    auth.principal.require(Permission::SupplierRead)?;
    Ok(Json(
        state
            .store
            .incident_suppliers(&auth.principal.scope, &id)
            .await?,
    ))
}
