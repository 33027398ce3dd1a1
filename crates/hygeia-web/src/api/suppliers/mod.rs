//! The supplier register over the API (issue 15): suppliers of an entity with their tier and
//! its reasoning, ecosystem threat, contacts and sub-contractors; what they touch and what
//! depends on them ([`exposure`]); their certifications and contracts with the clause
//! checklist ([`records`]); medical device makers' MDS2 disclosures ([`disclosures`]); the
//! register as CSV or XLSX ([`export`]).
//!
//! Reading needs `SupplierRead` (suppliers of entities outside the caller's scope answer
//! 404); every change `SupplierWrite`.

pub(crate) mod disclosures;
mod export;
mod exposure;
pub(crate) mod questionnaires;
mod records;
pub(crate) mod workbook;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use hygeia_domain::access::Permission;
use hygeia_domain::suppliers::register::SupplierInput;
use hygeia_store::Page;
use hygeia_store::suppliers::{
    Supplier, SupplierFilter, SupplierIncident, SupplierLinks, SupplierSummary,
};
use serde::Deserialize;
use utoipa::OpenApi;

use super::{ApiJson, ApiQuery, Paging};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;

#[derive(OpenApi)]
#[openapi(
    paths(
        list_suppliers, create_supplier, get_supplier, update_supplier, set_supplier_links,
        mark_supplier_reviewed, set_supplier_incidents,
        exposure::supplier_exposure, exposure::supplier_overview, exposure::ot_access_holders,
        exposure::incident_suppliers,
        records::add_certification, records::update_certification,
        records::remove_certification, records::add_contract, records::update_contract,
        records::set_contract_clause, export::export_suppliers,
        questionnaires::list_templates, questionnaires::save_template,
        questionnaires::send_questionnaire,
        questionnaires::get_questionnaire, questionnaires::revoke_questionnaire,
        questionnaires::review_questionnaire, questionnaires::add_questionnaire_action,
        questionnaires::set_questionnaire_action_status,
        questionnaires::export_questionnaire, questionnaires::import_questionnaire,
        disclosures::import_device_disclosure, disclosures::list_device_disclosures,
        disclosures::get_device_disclosure, disclosures::remove_device_disclosure,
    ),
    tags((name = "suppliers", description = "Supply-chain security: the supplier register, criticality tiers, certifications, contract clauses, exposure"))
)]
pub struct SuppliersDoc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/suppliers", get(list_suppliers).post(create_supplier))
        .route("/suppliers/overview", get(exposure::supplier_overview))
        .route("/suppliers/ot-access", get(exposure::ot_access_holders))
        .route("/suppliers/export", get(export::export_suppliers))
        .route("/suppliers/{id}", get(get_supplier).put(update_supplier))
        .route("/suppliers/{id}/links", put(set_supplier_links))
        .route("/suppliers/{id}/incidents", put(set_supplier_incidents))
        .route(
            "/suppliers/{id}/reviewed",
            axum::routing::post(mark_supplier_reviewed),
        )
        .route("/suppliers/{id}/exposure", get(exposure::supplier_exposure))
        .route(
            "/incidents/{id}/suppliers",
            get(exposure::incident_suppliers),
        )
        .route(
            "/suppliers/{id}/device-disclosures",
            get(disclosures::list_device_disclosures).post(disclosures::import_device_disclosure),
        )
        .route(
            "/device-disclosures/{id}",
            get(disclosures::get_device_disclosure).delete(disclosures::remove_device_disclosure),
        )
        .route(
            "/suppliers/{id}/certifications",
            axum::routing::post(records::add_certification),
        )
        .route(
            "/suppliers/{id}/certifications/{certification_id}",
            put(records::update_certification).delete(records::remove_certification),
        )
        .route(
            "/suppliers/{id}/contracts",
            axum::routing::post(records::add_contract),
        )
        .route(
            "/suppliers/{id}/contracts/{contract_id}",
            put(records::update_contract),
        )
        .route(
            "/suppliers/{id}/contracts/{contract_id}/clauses/{kind}",
            put(records::set_contract_clause),
        )
        .route(
            "/questionnaire-templates",
            get(questionnaires::list_templates).post(questionnaires::save_template),
        )
        .route(
            "/suppliers/{id}/questionnaires",
            axum::routing::post(questionnaires::send_questionnaire),
        )
        .route(
            "/questionnaires/{id}",
            get(questionnaires::get_questionnaire),
        )
        .route(
            "/questionnaires/{id}/revoke",
            axum::routing::post(questionnaires::revoke_questionnaire),
        )
        .route(
            "/questionnaires/{id}/review",
            put(questionnaires::review_questionnaire),
        )
        .route(
            "/questionnaires/{id}/actions",
            axum::routing::post(questionnaires::add_questionnaire_action),
        )
        .route(
            "/questionnaires/{id}/actions/{action_id}",
            put(questionnaires::set_questionnaire_action_status),
        )
        .route(
            "/questionnaires/{id}/export",
            get(questionnaires::export_questionnaire),
        )
        .route(
            "/questionnaires/{id}/import",
            axum::routing::post(questionnaires::import_questionnaire),
        )
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupplierQuery {
    /// One entity; all those the caller sees when absent.
    pub entity_id: Option<String>,
    /// `critical`, `high`, `moderate` or `low`.
    pub tier: Option<String>,
    /// `contract_manufacturer`, `laboratory`, `logistics`, `ot_integrator`,
    /// `medical_device`, `it_provider`, `cloud_provider` or `other`.
    pub category: Option<String>,
    /// `onboarding`, `active` or `ended`.
    pub status: Option<String>,
    /// Only those reaching OT systems (`true`) or not (`false`).
    pub ot_access: Option<bool>,
    /// Only those reaching health data (`true`) or not (`false`).
    pub health_data: Option<bool>,
    /// Words of the name or services.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// The `next` of the previous page.
    pub after: Option<String>,
}

impl SupplierQuery {
    pub(crate) fn filter(&self) -> SupplierFilter {
        SupplierFilter {
            entity_id: self.entity_id.clone(),
            tier: self.tier.clone(),
            category: self.category.clone(),
            status: self.status.clone(),
            ot_access: self.ot_access,
            health_data: self.health_data,
            q: self.q.clone(),
            after: self.after.clone(),
        }
    }
}

/// The register, most critical first, with certificates ending, clause gaps and overdue
/// reviews per supplier.
#[utoipa::path(get, path = "/api/v1/suppliers", tag = "suppliers", params(SupplierQuery),
    responses((status = 200, body = Page<SupplierSummary>), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_suppliers(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<SupplierQuery>,
) -> ApiResult<Json<Page<SupplierSummary>>> {
    auth.principal.require(Permission::SupplierRead)?;
    let page = Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .request();
    Ok(Json(
        state
            .store
            .list_suppliers(&auth.principal.scope, &query.filter(), page)
            .await?,
    ))
}

/// A new supplier of an entity.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewSupplier {
    pub entity_id: String,
    #[serde(flatten)]
    pub supplier: SupplierInput,
}

/// Adds a supplier (its name unique in its entity); the tier is worked out from the
/// criticality answers. Audited.
#[utoipa::path(post, path = "/api/v1/suppliers", tag = "suppliers", request_body = NewSupplier,
    responses((status = 201, body = Supplier), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_supplier(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewSupplier>,
) -> ApiResult<(StatusCode, Json<Supplier>)> {
    auth.principal.require(Permission::SupplierWrite)?;
    let supplier = state
        .store
        .create_supplier(
            &auth.actor,
            &auth.principal.scope,
            &body.entity_id,
            &body.supplier,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(supplier)))
}

/// One supplier with its tier and reasoning, ecosystem threat, links, certifications and
/// contracts.
#[utoipa::path(get, path = "/api/v1/suppliers/{id}", tag = "suppliers",
    responses((status = 200, body = Supplier), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_supplier(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Supplier>> {
    auth.principal.require(Permission::SupplierRead)?;
    Ok(Json(
        state.store.supplier(&auth.principal.scope, &id).await?,
    ))
}

/// Rewrites a supplier whole, contacts and sub-contractors included (with the version read:
/// a newer change is refused with 409); audited.
#[utoipa::path(put, path = "/api/v1/suppliers/{id}", tag = "suppliers", request_body = SupplierInput,
    responses((status = 200, body = Supplier), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_supplier(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SupplierInput>,
) -> ApiResult<Json<Supplier>> {
    auth.principal.require(Permission::SupplierWrite)?;
    Ok(Json(
        state
            .store
            .update_supplier(&auth.actor, &auth.principal.scope, &id, &body)
            .await?,
    ))
}

/// Replaces the processes, sites and inventory assets a supplier touches, all or nothing;
/// audited.
#[utoipa::path(put, path = "/api/v1/suppliers/{id}/links", tag = "suppliers",
    request_body = SupplierLinks,
    responses((status = 200, body = Supplier), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_supplier_links(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SupplierLinks>,
) -> ApiResult<Json<Supplier>> {
    auth.principal.require(Permission::SupplierWrite)?;
    Ok(Json(
        state
            .store
            .set_supplier_links(&auth.actor, &auth.principal.scope, &id, &body)
            .await?,
    ))
}

/// Records a review of the supplier today; its next review falls due after its tier's
/// cadence. Audited.
#[utoipa::path(post, path = "/api/v1/suppliers/{id}/reviewed", tag = "suppliers",
    responses((status = 200, body = Supplier), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn mark_supplier_reviewed(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Supplier>> {
    auth.principal.require(Permission::SupplierWrite)?;
    Ok(Json(
        state
            .store
            .mark_supplier_reviewed(&auth.actor, &auth.principal.scope, &id)
            .await?,
    ))
}

/// The whole set of incidents a supplier was involved in.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct InvolvedIn {
    pub incident_ids: Vec<String>,
}

/// Replaces the incidents a supplier was involved in (incidents of its entity), all or
/// nothing; an open one puts the supplier on the attention list. Audited.
#[utoipa::path(put, path = "/api/v1/suppliers/{id}/incidents", tag = "suppliers",
    request_body = InvolvedIn,
    responses((status = 200, body = Vec<SupplierIncident>), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_supplier_incidents(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<InvolvedIn>,
) -> ApiResult<Json<Vec<SupplierIncident>>> {
    auth.principal.require(Permission::SupplierWrite)?;
    Ok(Json(
        state
            .store
            .set_supplier_incidents(&auth.actor, &auth.principal.scope, &id, &body.incident_ids)
            .await?,
    ))
}
