//! Deltas confirmed by an entity: where Hygeia's reviewed crosswalk credits a requirement
//! except a stated delta, the entity confirms the delta is in place (a note, optional
//! evidence), and later derivations count the requirement compliant. Listing needs read
//! access to the entity's compliance work; confirming and withdrawing, the right to record
//! results.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_catalog::ids::NIS2_2024_2690;
use hygeia_domain::access::Permission;
use hygeia_store::assessments::DeltaConfirmation;
use serde::Deserialize;

use super::entity_in_scope;
use crate::AppState;
use crate::api::{ApiJson, ApiQuery};
use crate::auth::Auth;
use crate::error::ApiResult;

/// Which framework's deltas.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FrameworkQuery {
    /// Framework of the requirements (default `nis2-2024-2690`).
    pub framework: Option<String>,
}

/// Deltas to confirm, with one note and optional evidence of the entity.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    /// Framework of the requirements (default `nis2-2024-2690`).
    #[serde(default)]
    pub framework_id: Option<String>,
    /// Requirements whose delta is in place.
    pub requirement_ids: Vec<String>,
    /// How it is in place (at most 2,000 characters).
    #[serde(default)]
    pub note: String,
    /// Evidence of the entity showing it; linked to each requirement.
    #[serde(default)]
    pub evidence_id: Option<String>,
}

/// The deltas the entity confirmed for a framework; `current` is false for a confirmation of
/// a delta text that has since changed (it no longer counts).
#[utoipa::path(get, path = "/api/v1/entities/{id}/delta-confirmations", tag = "compliance",
    params(("id" = String, Path, description = "The entity's id"), FrameworkQuery),
    responses((status = 200, body = Vec<DeltaConfirmation>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_delta_confirmations(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<FrameworkQuery>,
) -> ApiResult<Json<Vec<DeltaConfirmation>>> {
    entity_in_scope(&state, &auth, &id, Permission::ComplianceRead).await?;
    let catalog = state.catalog.current(&state.store).await?;
    let framework = query.framework.as_deref().unwrap_or(NIS2_2024_2690);
    Ok(Json(
        state
            .store
            .delta_confirmations(&catalog, &id, framework)
            .await?,
    ))
}

/// Confirms deltas for an entity (all or nothing; one audit record each).
pub(crate) async fn confirm(
    state: &AppState,
    auth: &Auth,
    entity_id: &str,
    body: &ConfirmBody,
) -> ApiResult<Vec<DeltaConfirmation>> {
    entity_in_scope(state, auth, entity_id, Permission::ComplianceEdit).await?;
    let catalog = state.catalog.current(&state.store).await?;
    Ok(state
        .store
        .confirm_deltas(
            &auth.actor,
            &auth.principal.scope,
            &catalog,
            entity_id,
            body.framework_id.as_deref().unwrap_or(NIS2_2024_2690),
            &body.requirement_ids,
            &body.note,
            body.evidence_id.as_deref().filter(|e| !e.trim().is_empty()),
        )
        .await?)
}

/// Confirm that what requirements ask beyond the reviewed crosswalk (their delta) is in
/// place: derivations then count them compliant. All or nothing.
#[utoipa::path(post, path = "/api/v1/entities/{id}/delta-confirmations", tag = "compliance",
    params(("id" = String, Path, description = "The entity's id")),
    request_body = ConfirmBody,
    responses((status = 200, body = Vec<DeltaConfirmation>), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn confirm_deltas(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConfirmBody>,
) -> ApiResult<Json<Vec<DeltaConfirmation>>> {
    Ok(Json(confirm(&state, &auth, &id, &body).await?))
}

/// Withdraws the confirmation of one requirement's delta.
pub(crate) async fn withdraw(
    state: &AppState,
    auth: &Auth,
    entity_id: &str,
    framework_id: &str,
    requirement_id: &str,
) -> ApiResult<()> {
    entity_in_scope(state, auth, entity_id, Permission::ComplianceEdit).await?;
    state
        .store
        .withdraw_delta(
            &auth.actor,
            &auth.principal.scope,
            entity_id,
            framework_id,
            requirement_id,
        )
        .await?;
    Ok(())
}

/// Withdraw the confirmation of a requirement's delta.
#[utoipa::path(delete, path = "/api/v1/entities/{id}/delta-confirmations/{framework}/{requirement}",
    tag = "compliance",
    params(("id" = String, Path, description = "The entity's id"),
        ("framework" = String, Path, description = "The requirement's framework"),
        ("requirement" = String, Path, description = "The requirement's id")),
    responses((status = 204, description = "Withdrawn"), (status = 404, description = "Not confirmed")),
    security(("bearer" = []), ("session" = [])))]
pub async fn withdraw_delta(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, framework, requirement)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    withdraw(&state, &auth, &id, &framework, &requirement).await?;
    Ok(StatusCode::NO_CONTENT)
}
