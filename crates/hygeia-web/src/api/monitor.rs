//! Passive monitoring on the hub: sensors push observations; users browse the inventory,
//! the communication map, zone findings and change events (need-to-know applies).

use axum::Json;
use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_store::Page;
use hygeia_store::monitoring::map::{MapGroup, MapLink};
use hygeia_store::monitoring::{
    AssetEvent, AssetFilter, FindingFilter, IngestSummary, ObservedReport, StoredAsset,
    StoredFinding, StoredFlow, ZonePolicyRecord,
};
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiQuery, Paging};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

/// A batch of observations from a sensor: the `hygeia-monitor` report of one capture window.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ObservationBatch {
    /// The sensor's name (for example its host name).
    pub sensor: String,
    /// The legal entity whose network the sensor watches.
    pub entity_id: String,
    /// The report (`assets`, `flows`, `findings`; other fields are ignored).
    pub report: ObservedReport,
}

fn in_scope(auth: &Auth, entity_id: &str) -> ApiResult<()> {
    if auth.principal.scope.contains(entity_id) {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!(
            "entity '{entity_id}' was not found"
        )))
    }
}

/// Merge a sensor batch into the inventory; new assets, flows, operations, firmware changes
/// and findings become events. New assets and assets whose vendor, model or firmware changed
/// are then matched against the imported advisories.
#[utoipa::path(post, path = "/api/v1/monitor/batches", tag = "assets", request_body = ObservationBatch,
    responses((status = 200, body = IngestSummary), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn ingest_batch(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(batch): ApiJson<ObservationBatch>,
) -> ApiResult<Json<IngestSummary>> {
    auth.principal.require(Permission::AssetIngest)?;
    in_scope(&auth, &batch.entity_id)?;
    let summary = state
        .store
        .ingest_observations(&auth.actor, &batch.entity_id, &batch.sensor, &batch.report)
        .await?;
    crate::vulnerabilities::match_after_ingest(&state, &batch.entity_id).await;
    Ok(Json(summary))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssetQuery {
    pub entity_id: Option<String>,
    /// Text in names, IP addresses, MAC, vendor or model.
    pub q: Option<String>,
    /// `plc`, `hmi`, `engineering_workstation`, `historian`, `pacs`, `dicom_modality`…
    pub role: Option<String>,
    /// `modbus`, `s7comm`, `enip`, `dnp3`, `bacnet`, `opcua`, `dicom`, `hl7`…
    pub protocol: Option<String>,
    pub limit: Option<i64>,
    /// Items to skip; prefer `after` beyond the first pages.
    pub offset: Option<i64>,
    /// The `next` of the previous page: continues after it (stable while assets are added).
    pub after: Option<String>,
    /// Only the assets at one place of the communication map: `zone:NAME` (a zone of the
    /// entity's policy) or `net:CIDR` (a network outside every zone).
    pub place: Option<String>,
}

/// The asset inventory, most recently seen first. `q` holds words separated by spaces, each
/// the start of a name, address, MAC, vendor, model, firmware or serial (or of a word in one).
/// Page with `after` (the `next` of the previous page); `total` counts up to 10,000 and
/// `total_exceeds` says when there are more.
#[utoipa::path(get, path = "/api/v1/assets", tag = "assets", params(AssetQuery),
    responses((status = 200, body = Page<StoredAsset>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_assets(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<AssetQuery>,
) -> ApiResult<Json<Page<StoredAsset>>> {
    auth.principal.require(Permission::AssetRead)?;
    if query.place.is_some() && query.entity_id.is_none() {
        return Err(ApiError::field(
            "entity_id",
            "required with `place`: a place is named within one entity".to_owned(),
        ));
    }
    let filter = AssetFilter {
        entity_id: query.entity_id,
        q: query.q,
        role: query.role,
        protocol: query.protocol,
        place: query.place,
        after: query.after,
    };
    let page = Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .request();
    Ok(Json(
        state
            .store
            .list_assets(&auth.principal.scope, &filter, page)
            .await?,
    ))
}

/// One asset.
#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "assets",
    responses((status = 200, body = StoredAsset)), security(("bearer" = []), ("session" = [])))]
pub async fn get_asset(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<StoredAsset>> {
    auth.principal.require(Permission::AssetRead)?;
    let asset = state.store.asset(&id).await?;
    in_scope(&auth, &asset.entity_id)
        .map_err(|_| ApiError::NotFound(format!("asset '{id}' was not found")))?;
    Ok(Json(asset))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FlowQuery {
    pub entity_id: Option<String>,
    /// Only flows from or to this address.
    pub endpoint: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// The `next` of the previous page: continues after it (stable while rows are added).
    pub after: Option<String>,
}

/// The communication map.
#[utoipa::path(get, path = "/api/v1/flows", tag = "assets", params(FlowQuery),
    responses((status = 200, body = Page<StoredFlow>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_flows(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<FlowQuery>,
) -> ApiResult<Json<Page<StoredFlow>>> {
    auth.principal.require(Permission::AssetRead)?;
    let page = Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .request();
    let flows = state
        .store
        .list_flows(
            &auth.principal.scope,
            query.entity_id.as_deref(),
            query.endpoint.as_deref(),
            page,
            query.after.as_deref(),
        )
        .await?;
    Ok(Json(flows))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MapQuery {
    pub entity_id: Option<String>,
    /// Only the links from or to this place (`zone:NAME` or `net:CIDR`); needs `entity_id`.
    pub place: Option<String>,
}

/// The communication map summed by place.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MapSummary {
    /// Zones of each entity's policy and networks outside every zone, with their assets
    /// counted by role.
    pub groups: Vec<MapGroup>,
    /// Flows from one place to another per protocol, busiest first.
    pub links: Vec<MapLink>,
}

/// The communication map by zone and network: the places with their assets counted and the
/// flows between places summed (kept as the inventory changes, so its cost does not grow
/// with the inventory). List one place's assets with `GET /api/v1/assets?place=…`.
#[utoipa::path(get, path = "/api/v1/map", tag = "assets", params(MapQuery),
    responses((status = 200, body = MapSummary)), security(("bearer" = []), ("session" = [])))]
pub async fn get_map(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<MapQuery>,
) -> ApiResult<Json<MapSummary>> {
    auth.principal.require(Permission::AssetRead)?;
    let scope = &auth.principal.scope;
    let entity = query.entity_id.as_deref();
    if query.place.is_some() && entity.is_none() {
        return Err(ApiError::field(
            "entity_id",
            "required with `place`: a place is named within one entity".to_owned(),
        ));
    }
    let groups = state.store.map_groups(scope, entity).await?;
    let links = state
        .store
        .map_links(scope, entity, query.place.as_deref())
        .await?;
    Ok(Json(MapSummary { groups, links }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntityPageQuery {
    pub entity_id: Option<String>,
    /// Event kind: `new_asset`, `new_flow`, `new_operation`, `firmware_changed`, `new_finding`.
    pub kind: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// The `next` of the previous page: continues after it (stable while rows are added).
    pub after: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingQuery {
    pub entity_id: Option<String>,
    /// Review state: `open` (never reviewed, or reopened), `acknowledged`, `false_positive`.
    pub state: Option<String>,
    /// `high` or `medium`.
    pub severity: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// The `next` of the previous page: continues after it (stable while rows are added).
    pub after: Option<String>,
}

/// Zone and conduit violations seen by sensors, with the requirements they breach and their
/// review (state, who, when, why), newest first.
#[utoipa::path(get, path = "/api/v1/monitor/findings", tag = "assets", params(FindingQuery),
    responses((status = 200, body = Page<StoredFinding>), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_findings(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<FindingQuery>,
) -> ApiResult<Json<Page<StoredFinding>>> {
    auth.principal.require(Permission::AssetRead)?;
    let page = Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .request();
    let filter = FindingFilter {
        entity_id: query.entity_id,
        state: query.state,
        severity: query.severity,
        after: query.after,
    };
    Ok(Json(
        state
            .store
            .list_findings(&auth.principal.scope, &filter, page)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingReviewBody {
    /// `acknowledged` (a real violation, known and handled), `false_positive`, or `open` to
    /// reopen it.
    pub state: String,
    /// Why (at most 1,000 characters): the change ticket, the accepted risk, what makes it a
    /// false positive.
    pub reason: String,
}

/// Acknowledge a finding, mark it as a false positive, or reopen it, with a reason; the review
/// replaces the previous one and is recorded in the audit trail. Those who manage zone
/// policies may (sensor tokens may not: they would hide their own findings).
#[utoipa::path(put, path = "/api/v1/monitor/findings/{id}/review", tag = "assets",
    request_body = FindingReviewBody,
    responses((status = 200, body = StoredFinding), (status = 400, body = crate::error::Problem),
        (status = 404, description = "No such finding, or not visible")),
    security(("bearer" = []), ("session" = [])))]
pub async fn review_finding(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FindingReviewBody>,
) -> ApiResult<Json<StoredFinding>> {
    // Reviewing is a monitoring write (as a zone policy is) by someone who reads the findings:
    // an ingest-only token holds the first right without the second.
    auth.principal.require(Permission::AssetRead)?;
    auth.principal.require(Permission::AssetIngest)?;
    Ok(Json(
        state
            .store
            .review_finding(
                &auth.actor,
                &auth.principal.scope,
                &id,
                &body.state,
                &body.reason,
            )
            .await?,
    ))
}

/// Changes noticed while merging observations, newest first.
#[utoipa::path(get, path = "/api/v1/monitor/events", tag = "assets", params(EntityPageQuery),
    responses((status = 200, body = Page<AssetEvent>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_events(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<EntityPageQuery>,
) -> ApiResult<Json<Page<AssetEvent>>> {
    auth.principal.require(Permission::AssetRead)?;
    let page = Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .request();
    let events = state
        .store
        .list_asset_events(
            &auth.principal.scope,
            query.entity_id.as_deref(),
            query.kind.as_deref(),
            page,
            query.after.as_deref(),
        )
        .await?;
    Ok(Json(events))
}

/// An entity's zones and allowed conduits (TOML), as sensors fetch it.
#[utoipa::path(get, path = "/api/v1/entities/{id}/zones", tag = "assets",
    responses((status = 200, body = ZonePolicyRecord), (status = 404, description = "No policy, or entity not visible")),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_zone_policy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ZonePolicyRecord>> {
    // Readers of the inventory, and sensors (ingest tokens), which check traffic against it.
    auth.principal
        .require(Permission::AssetRead)
        .or_else(|_| auth.principal.require(Permission::AssetIngest))?;
    in_scope(&auth, &id)?;
    let policy = state
        .store
        .zone_policy(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("entity '{id}' has no zone policy yet")))?;
    Ok(Json(policy))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ZonePolicyBody {
    /// Zones (CIDR, VLAN, Purdue level, target security level) and allowed conduits, in TOML.
    pub policy: String,
}

/// Replace an entity's zone policy; it is checked first and refused with the reason if invalid.
#[utoipa::path(put, path = "/api/v1/entities/{id}/zones", tag = "assets", request_body = ZonePolicyBody,
    responses((status = 200, body = ZonePolicyRecord), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_zone_policy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ZonePolicyBody>,
) -> ApiResult<Json<ZonePolicyRecord>> {
    auth.principal.require(Permission::AssetIngest)?;
    in_scope(&auth, &id)?;
    hygeia_monitor::ZonePolicy::from_toml(&body.policy, "policy")
        .map_err(|e| ApiError::field("policy", e.to_string()))?;
    Ok(Json(
        state
            .store
            .set_zone_policy(&auth.actor, &id, &body.policy)
            .await?,
    ))
}
