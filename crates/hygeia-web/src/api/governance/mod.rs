//! Governance over the API (issue 16, NIS2 Art. 20): an entity's management body, its
//! approvals, training records, and policies with their versions and acknowledgements
//! ([`policies`]).
//!
//! Reading needs `GovernanceRead` (entities outside the caller's scope answer 404); recording
//! members, approvals, training and policy changes `GovernanceWrite`; acknowledging a policy
//! `PolicyAcknowledge`. Every change is audited.

mod policies;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use hygeia_domain::access::Permission;
use hygeia_domain::governance::approvals::ApprovalInput;
use hygeia_domain::governance::members::MemberInput;
use hygeia_domain::governance::training::TrainingInput;
use hygeia_store::governance::{Approval, BoardMember, Governance, TrainingRecord};
use utoipa::OpenApi;

use super::ApiJson;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;

#[derive(OpenApi)]
#[openapi(
    paths(
        get_governance, add_member, update_member, record_approval, add_training,
        update_training, remove_training,
        policies::list_policies, policies::create_policy, policies::get_policy,
        policies::update_policy, policies::draft_policy, policies::publish_policy,
        policies::acknowledge_policy,
    ),
    tags((name = "governance", description = "Art. 20: the management body, its approvals, training, and policies with their acknowledgements"))
)]
pub struct GovernanceDoc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/entities/{id}/governance", get(get_governance))
        .route("/entities/{id}/board-members", post(add_member))
        .route("/board-members/{id}", put(update_member))
        .route("/entities/{id}/approvals", post(record_approval))
        .route("/entities/{id}/training", post(add_training))
        .route(
            "/training/{id}",
            put(update_training).delete(remove_training),
        )
        .route(
            "/entities/{id}/policies",
            get(policies::list_policies).post(policies::create_policy),
        )
        .route(
            "/policies/{id}",
            get(policies::get_policy).put(policies::update_policy),
        )
        .route("/policies/{id}/drafts", post(policies::draft_policy))
        .route("/policies/{id}/publish", post(policies::publish_policy))
        .route(
            "/policies/{id}/acknowledge",
            post(policies::acknowledge_policy),
        )
}

/// An entity's governance: the management body's members (sitting or not), approvals latest
/// first, training records with their state, policies, and where it stands (members trained,
/// the measures' last approval and whether it is due again, trainings to renew, policies to
/// review, acknowledgements missing).
#[utoipa::path(get, path = "/api/v1/entities/{id}/governance", tag = "governance",
    params(("id" = String, Path, description = "The entity")),
    responses((status = 200, body = Governance), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_governance(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Governance>> {
    auth.principal.require(Permission::GovernanceRead)?;
    Ok(Json(
        state.store.governance(&auth.principal.scope, &id).await?,
    ))
}

/// Appoints a member to the entity's management body; audited.
#[utoipa::path(post, path = "/api/v1/entities/{id}/board-members", tag = "governance",
    params(("id" = String, Path, description = "The entity")),
    request_body = MemberInput,
    responses((status = 201, body = BoardMember), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn add_member(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MemberInput>,
) -> ApiResult<(StatusCode, Json<BoardMember>)> {
    auth.principal.require(Permission::GovernanceWrite)?;
    let member = state
        .store
        .add_board_member(&auth.actor, &auth.principal.scope, &id, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(member)))
}

/// Corrects a member's details or records their leaving (a member is never removed: what
/// they signed stays signed); audited with before and after.
#[utoipa::path(put, path = "/api/v1/board-members/{id}", tag = "governance",
    params(("id" = String, Path, description = "The member")),
    request_body = MemberInput,
    responses((status = 200, body = BoardMember), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_member(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MemberInput>,
) -> ApiResult<Json<BoardMember>> {
    auth.principal.require(Permission::GovernanceWrite)?;
    Ok(Json(
        state
            .store
            .update_board_member(&auth.actor, &auth.principal.scope, &id, &body)
            .await?,
    ))
}

/// Records an approval by the management body: of the risk-management measures (a version
/// the entity names), or of a policy's draft version, which becomes approved and can then be
/// published. The signatory must sit on the body that day; the day must not be in the future.
/// Recorded once, never changed; audited.
#[utoipa::path(post, path = "/api/v1/entities/{id}/approvals", tag = "governance",
    params(("id" = String, Path, description = "The entity")),
    request_body = ApprovalInput,
    responses((status = 201, body = Approval), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "The policy has no draft to approve")),
    security(("bearer" = []), ("session" = [])))]
pub async fn record_approval(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ApprovalInput>,
) -> ApiResult<(StatusCode, Json<Approval>)> {
    auth.principal.require(Permission::GovernanceWrite)?;
    let approval = state
        .store
        .record_approval(&auth.actor, &auth.principal.scope, &id, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(approval)))
}

/// Records a training followed by a member of the management body (Art. 20(2)) or by staff;
/// audited. A renewal is a new record: the history stays.
#[utoipa::path(post, path = "/api/v1/entities/{id}/training", tag = "governance",
    params(("id" = String, Path, description = "The entity")),
    request_body = TrainingInput,
    responses((status = 201, body = TrainingRecord), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn add_training(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TrainingInput>,
) -> ApiResult<(StatusCode, Json<TrainingRecord>)> {
    auth.principal.require(Permission::GovernanceWrite)?;
    let record = state
        .store
        .add_training(&auth.actor, &auth.principal.scope, &id, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// Corrects a training record; audited with before and after.
#[utoipa::path(put, path = "/api/v1/training/{id}", tag = "governance",
    params(("id" = String, Path, description = "The training record")),
    request_body = TrainingInput,
    responses((status = 200, body = TrainingRecord), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_training(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TrainingInput>,
) -> ApiResult<Json<TrainingRecord>> {
    auth.principal.require(Permission::GovernanceWrite)?;
    Ok(Json(
        state
            .store
            .update_training(&auth.actor, &auth.principal.scope, &id, &body)
            .await?,
    ))
}

/// Removes a training record entered by mistake; audited with what it said.
#[utoipa::path(delete, path = "/api/v1/training/{id}", tag = "governance",
    params(("id" = String, Path, description = "The training record")),
    responses((status = 204), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn remove_training(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.principal.require(Permission::GovernanceWrite)?;
    state
        .store
        .remove_training(&auth.actor, &auth.principal.scope, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
