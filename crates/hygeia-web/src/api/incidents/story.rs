//! Documenting an incident over the API: timeline entries, actions and links.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_store::incidents::{
    ActionInput, IncidentAction, IncidentLink, LinksInput, TimelineEntry, TimelineInput,
};

use super::incident_for;
use crate::AppState;
use crate::api::ApiJson;
use crate::auth::Auth;
use crate::error::ApiResult;

/// Add a dated entry to the incident's timeline.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/timeline", tag = "incidents",
    params(("id" = String, Path, description = "The incident")),
    request_body = TimelineInput,
    responses((status = 201, body = TimelineEntry), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn add_timeline_entry(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<TimelineInput>,
) -> ApiResult<(StatusCode, Json<TimelineEntry>)> {
    incident_for(&state, &auth, &id, Permission::IncidentWrite).await?;
    let entry = state
        .store
        .add_timeline_entry(&auth.actor, &auth.principal.scope, &id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(entry)))
}

/// Add a follow-up action (an owner who may see the entity, a due date; `from_review` for
/// the lessons of the post-incident review).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/actions", tag = "incidents",
    params(("id" = String, Path, description = "The incident")),
    request_body = ActionInput,
    responses((status = 201, body = IncidentAction), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn add_action(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ActionInput>,
) -> ApiResult<(StatusCode, Json<IncidentAction>)> {
    incident_for(&state, &auth, &id, Permission::IncidentWrite).await?;
    let action = state
        .store
        .add_incident_action(&auth.actor, &auth.principal.scope, &id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(action)))
}

/// Change a follow-up action (mark it done with `status: done`).
#[utoipa::path(put, path = "/api/v1/incidents/{id}/actions/{action}", tag = "incidents",
    params(("id" = String, Path, description = "The incident"),
        ("action" = String, Path, description = "The action")),
    request_body = ActionInput,
    responses((status = 200, body = IncidentAction), (status = 400, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_action(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, action)): Path<(String, String)>,
    ApiJson(input): ApiJson<ActionInput>,
) -> ApiResult<Json<IncidentAction>> {
    incident_for(&state, &auth, &id, Permission::IncidentWrite).await?;
    Ok(Json(
        state
            .store
            .update_incident_action(&auth.actor, &auth.principal.scope, &id, &action, &input)
            .await?,
    ))
}

/// Replace what the incident is linked to: affected assets and sites, controls, evidence,
/// requirements (`framework/requirement`); all must belong to the incident's entity.
#[utoipa::path(put, path = "/api/v1/incidents/{id}/links", tag = "incidents",
    params(("id" = String, Path, description = "The incident")),
    request_body = LinksInput,
    responses((status = 200, body = Vec<IncidentLink>), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_links(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<LinksInput>,
) -> ApiResult<Json<Vec<IncidentLink>>> {
    incident_for(&state, &auth, &id, Permission::IncidentWrite).await?;
    let catalog = state.catalog.current(&state.store).await?;
    Ok(Json(
        state
            .store
            .set_incident_links(&auth.actor, &auth.principal.scope, &catalog, &id, &input)
            .await?,
    ))
}

/// Create a control from the incident's review (a lesson learned): the control belongs to the
/// incident's entity and is linked to the incident, in one transaction, both audited. Needs
/// the right to document incidents and to edit compliance.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/controls", tag = "incidents",
    params(("id" = String, Path, description = "The incident")),
    request_body = hygeia_store::assessments::ControlInput,
    responses((status = 201, body = hygeia_store::assessments::Control), (status = 400, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_control_from_lesson(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<hygeia_store::assessments::ControlInput>,
) -> ApiResult<(StatusCode, Json<hygeia_store::assessments::Control>)> {
    incident_for(&state, &auth, &id, Permission::IncidentWrite).await?;
    auth.principal.require(Permission::ComplianceEdit)?;
    let catalog = state.catalog.current(&state.store).await?;
    let control = state
        .store
        .create_control_from_incident(&auth.actor, &auth.principal.scope, &catalog, &id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(control)))
}
