//! Deciding on reporting over the API: verdicts, obligations set aside, submissions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_store::incidents::{SetAside, Submission, SubmissionInput, VerdictInput, VerdictRecord};
use serde::Deserialize;

use super::incident_for;
use crate::AppState;
use crate::api::ApiJson;
use crate::auth::Auth;
use crate::error::ApiResult;

/// Give a verdict on one question (`yes`, `no` or `unknown`, with the reasoning for yes and
/// no); the earlier ones stay in the history and the clocks follow.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/verdicts", tag = "incidents",
    params(("id" = String, Path, description = "The incident")),
    request_body = VerdictInput,
    responses((status = 201, body = VerdictRecord), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_verdict(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<VerdictInput>,
) -> ApiResult<(StatusCode, Json<VerdictRecord>)> {
    incident_for(&state, &auth, &id, Permission::IncidentDecide).await?;
    let catalog = state.catalog.current(&state.store).await?;
    let record = state
        .store
        .set_incident_verdict(&auth.actor, &auth.principal.scope, &catalog, &id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(record)))
}

/// Why an obligation is not owed for this incident.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetAsideBody {
    pub reason: String,
}

/// Set an obligation aside for this incident (the entity decided it is not owed), with the
/// reason; its clocks stop counting.
#[utoipa::path(put, path = "/api/v1/incidents/{id}/obligations/{obligation}/set-aside", tag = "incidents",
    params(("id" = String, Path, description = "The incident"),
        ("obligation" = String, Path, description = "The obligation template")),
    request_body = SetAsideBody,
    responses((status = 200, body = SetAside), (status = 400, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_aside(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, obligation)): Path<(String, String)>,
    ApiJson(body): ApiJson<SetAsideBody>,
) -> ApiResult<Json<Option<SetAside>>> {
    incident_for(&state, &auth, &id, Permission::IncidentDecide).await?;
    let catalog = state.catalog.current(&state.store).await?;
    Ok(Json(
        state
            .store
            .set_obligation_aside(
                &auth.actor,
                &auth.principal.scope,
                &catalog,
                &id,
                &obligation,
                Some(&body.reason),
            )
            .await?,
    ))
}

/// Restore an obligation set aside: its clocks count again.
#[utoipa::path(delete, path = "/api/v1/incidents/{id}/obligations/{obligation}/set-aside", tag = "incidents",
    params(("id" = String, Path, description = "The incident"),
        ("obligation" = String, Path, description = "The obligation template")),
    responses((status = 204), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn restore(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, obligation)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    incident_for(&state, &auth, &id, Permission::IncidentDecide).await?;
    let catalog = state.catalog.current(&state.store).await?;
    state
        .store
        .set_obligation_aside(
            &auth.actor,
            &auth.principal.scope,
            &catalog,
            &id,
            &obligation,
            None,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record that a stage was sent (when, how, the recipient's reference, the report version):
/// the stages counted from it start their clocks.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/reports/{obligation}/{stage}/submission", tag = "incidents",
    params(("id" = String, Path, description = "The incident"),
        ("obligation" = String, Path, description = "The obligation template"),
        ("stage" = String, Path, description = "The stage key")),
    request_body = SubmissionInput,
    responses((status = 201, body = Submission), (status = 400, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn record_submission(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, obligation, stage)): Path<(String, String, String)>,
    ApiJson(input): ApiJson<SubmissionInput>,
) -> ApiResult<(StatusCode, Json<Submission>)> {
    incident_for(&state, &auth, &id, Permission::IncidentDecide).await?;
    let catalog = state.catalog.current(&state.store).await?;
    let submission = state
        .store
        .record_incident_submission(
            &auth.actor,
            &auth.principal.scope,
            &catalog,
            &id,
            &obligation,
            &stage,
            &input,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(submission)))
}
