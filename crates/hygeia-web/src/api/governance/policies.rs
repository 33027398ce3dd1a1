//! Policies over the API: created with their first draft, drafted again or revised, published
//! once approved (the approval is recorded through `/entities/{id}/approvals`), and
//! acknowledged by the users they apply to.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::governance::policies::{DraftInput, PolicyInput, PublishInput};
use hygeia_store::governance::{Policy, PolicySummary};
use serde::Deserialize;

use crate::AppState;
use crate::api::ApiJson;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

/// A new policy: what it is, and its first draft.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewPolicy {
    #[serde(flatten)]
    pub policy: PolicyInput,
    #[serde(flatten)]
    pub draft: DraftInput,
}

/// The policies of an entity: latest version, the one in force, its review, and how many of
/// the people it applies to acknowledged it.
#[utoipa::path(get, path = "/api/v1/entities/{id}/policies", tag = "governance",
    params(("id" = String, Path, description = "The entity")),
    responses((status = 200, body = Vec<PolicySummary>), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_policies(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<PolicySummary>>> {
    auth.principal.require(Permission::GovernanceRead)?;
    Ok(Json(
        state.store.policies(&auth.principal.scope, &id).await?,
    ))
}

/// Creates a policy with its first draft (version 1); audited.
#[utoipa::path(post, path = "/api/v1/entities/{id}/policies", tag = "governance",
    params(("id" = String, Path, description = "The entity")),
    request_body = NewPolicy,
    responses((status = 201, body = Policy), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_policy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NewPolicy>,
) -> ApiResult<(StatusCode, Json<Policy>)> {
    auth.principal.require(Permission::GovernanceWrite)?;
    let policy = state
        .store
        .create_policy(
            &auth.actor,
            &auth.principal.scope,
            &id,
            &body.policy,
            &body.draft,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(policy)))
}

/// A policy with every version (approval and publication of each) and who has and has not
/// acknowledged the version in force.
#[utoipa::path(get, path = "/api/v1/policies/{id}", tag = "governance",
    params(("id" = String, Path, description = "The policy")),
    responses((status = 200, body = Policy), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_policy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Policy>> {
    auth.principal.require(Permission::GovernanceRead)?;
    Ok(Json(state.store.policy(&auth.principal.scope, &id).await?))
}

/// Changes a policy's title, owner, audience or review cadence; audited.
#[utoipa::path(put, path = "/api/v1/policies/{id}", tag = "governance",
    params(("id" = String, Path, description = "The policy")),
    request_body = PolicyInput,
    responses((status = 200, body = Policy), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_policy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PolicyInput>,
) -> ApiResult<Json<Policy>> {
    auth.principal.require(Permission::GovernanceWrite)?;
    Ok(Json(
        state
            .store
            .update_policy(&auth.actor, &auth.principal.scope, &id, &body)
            .await?,
    ))
}

/// Rewrites the current draft, or revises the published version (a new draft version; the
/// published one stays in force until the next is published). An approved version waiting
/// for publication cannot change (409). Audited.
#[utoipa::path(post, path = "/api/v1/policies/{id}/drafts", tag = "governance",
    params(("id" = String, Path, description = "The policy")),
    request_body = DraftInput,
    responses((status = 200, body = Policy), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn draft_policy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DraftInput>,
) -> ApiResult<Json<Policy>> {
    auth.principal.require(Permission::GovernanceWrite)?;
    Ok(Json(
        state
            .store
            .draft_policy(&auth.actor, &auth.principal.scope, &id, &body)
            .await?,
    ))
}

/// Publishes the approved version (409 when the latest version is not approved) on the day
/// given, today by default: the version published before is superseded, and the next review
/// falls after the policy's cadence. Audited.
#[utoipa::path(post, path = "/api/v1/policies/{id}/publish", tag = "governance",
    params(("id" = String, Path, description = "The policy")),
    request_body(content = PublishInput, description = "Optional: the day of publication (today when absent)"),
    responses((status = 200, body = Policy), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn publish_policy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Policy>> {
    auth.principal.require(Permission::GovernanceWrite)?;
    let input: PublishInput = if body.iter().all(u8::is_ascii_whitespace) {
        PublishInput::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))?
    };
    Ok(Json(
        state
            .store
            .publish_policy(&auth.actor, &auth.principal.scope, &id, &input)
            .await?,
    ))
}

/// The caller acknowledges the published version of a policy that applies to them (409 when
/// none is published or it does not apply to them); acknowledging again changes nothing.
/// Audited.
#[utoipa::path(post, path = "/api/v1/policies/{id}/acknowledge", tag = "governance",
    params(("id" = String, Path, description = "The policy")),
    responses((status = 200, body = Policy), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn acknowledge_policy(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Policy>> {
    auth.principal.require(Permission::PolicyAcknowledge)?;
    Ok(Json(
        state
            .store
            .acknowledge_policy(&auth.actor, &auth.principal.scope, &id)
            .await?,
    ))
}
