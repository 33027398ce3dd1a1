//! A supplier's certifications and contracts over the API: certifications added, renewed or
//! removed; contracts added and changed; each clause of a contract's checklist recorded.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::suppliers::certifications::CertificationInput;
use hygeia_domain::suppliers::contracts::{ClauseInput, ContractInput};
use hygeia_store::suppliers::{Certification, Contract};

use crate::AppState;
use crate::api::ApiJson;
use crate::auth::Auth;
use crate::error::ApiResult;

/// Adds a certification (ISO/IEC 27001, HDS, SOC 2…) with its scope and validity; the
/// certificate file, when named, is evidence of the supplier's entity. Audited.
#[utoipa::path(post, path = "/api/v1/suppliers/{id}/certifications", tag = "suppliers",
    request_body = CertificationInput,
    responses((status = 201, body = Certification), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn add_certification(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CertificationInput>,
) -> ApiResult<(StatusCode, Json<Certification>)> {
    auth.principal.require(Permission::SupplierWrite)?;
    let certification = state
        .store
        .add_certification(&auth.actor, &auth.principal.scope, &id, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(certification)))
}

/// Rewrites a certification (a renewal, a corrected scope); audited.
#[utoipa::path(put, path = "/api/v1/suppliers/{id}/certifications/{certification_id}",
    tag = "suppliers", request_body = CertificationInput,
    responses((status = 200, body = Certification), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_certification(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, certification_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<CertificationInput>,
) -> ApiResult<Json<Certification>> {
    auth.principal.require(Permission::SupplierWrite)?;
    Ok(Json(
        state
            .store
            .update_certification(
                &auth.actor,
                &auth.principal.scope,
                &id,
                &certification_id,
                &body,
            )
            .await?,
    ))
}

/// Removes a certification entered by mistake; audited.
#[utoipa::path(delete, path = "/api/v1/suppliers/{id}/certifications/{certification_id}",
    tag = "suppliers",
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn remove_certification(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, certification_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    auth.principal.require(Permission::SupplierWrite)?;
    state
        .store
        .remove_certification(&auth.actor, &auth.principal.scope, &id, &certification_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a contract with the whole clause checklist, each clause missing until recorded;
/// audited.
#[utoipa::path(post, path = "/api/v1/suppliers/{id}/contracts", tag = "suppliers",
    request_body = ContractInput,
    responses((status = 201, body = Contract), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn add_contract(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ContractInput>,
) -> ApiResult<(StatusCode, Json<Contract>)> {
    auth.principal.require(Permission::SupplierWrite)?;
    let contract = state
        .store
        .add_contract(&auth.actor, &auth.principal.scope, &id, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(contract)))
}

/// Rewrites a contract's own fields (its clauses stay); audited.
#[utoipa::path(put, path = "/api/v1/suppliers/{id}/contracts/{contract_id}", tag = "suppliers",
    request_body = ContractInput,
    responses((status = 200, body = Contract), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_contract(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, contract_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<ContractInput>,
) -> ApiResult<Json<Contract>> {
    auth.principal.require(Permission::SupplierWrite)?;
    Ok(Json(
        state
            .store
            .update_contract(&auth.actor, &auth.principal.scope, &id, &contract_id, &body)
            .await?,
    ))
}

/// Records where one clause of a contract stands (`kind`: `security_requirements`,
/// `staff_training`, `background_checks`, `incident_notification`, `right_to_audit`,
/// `vulnerability_handling`, `subcontracting`, `exit_return_deletion`,
/// `health_data_in_eea`, `remote_access`); audited. Answers the contract with every
/// clause's gap.
#[utoipa::path(put, path = "/api/v1/suppliers/{id}/contracts/{contract_id}/clauses/{kind}",
    tag = "suppliers", request_body = ClauseInput,
    responses((status = 200, body = Contract), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_contract_clause(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, contract_id, kind)): Path<(String, String, String)>,
    ApiJson(body): ApiJson<ClauseInput>,
) -> ApiResult<Json<Contract>> {
    auth.principal.require(Permission::SupplierWrite)?;
    Ok(Json(
        state
            .store
            .set_contract_clause(
                &auth.actor,
                &auth.principal.scope,
                (&id, &contract_id),
                &kind,
                &body,
            )
            .await?,
    ))
}
