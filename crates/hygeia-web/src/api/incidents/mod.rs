//! Incidents over the API: the register (list, declare, read, update, export), verdicts,
//! obligations set aside, the timeline, actions and links, report drafts with their exports,
//! and submissions. The reporting-obligation templates are listed here too.
//!
//! Reading needs `IncidentRead`, documenting `IncidentWrite`, deciding on reporting
//! (verdicts, obligations set aside, submissions) `IncidentDecide`; an incident of an entity
//! outside the caller's scope answers 404.

pub(crate) mod register;
mod reporting;
pub(crate) mod reports;
pub(crate) mod significance;
mod story;
pub(crate) mod views;

use axum::Router;
use axum::routing::{get, post, put};
use hygeia_domain::access::Permission;
use hygeia_store::incidents::Incident;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;

pub use register::IncidentsDoc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/incidents", get(register::list_incidents))
        .route("/incidents/export", get(register::export_incidents))
        .route("/entities/{id}/incidents", post(register::create_incident))
        .route(
            "/incidents/{id}",
            get(register::get_incident).put(register::update_incident),
        )
        .route("/incidents/{id}/verdicts", post(reporting::set_verdict))
        .route(
            "/incidents/{id}/obligations/{obligation}/set-aside",
            put(reporting::set_aside).delete(reporting::restore),
        )
        .route("/incidents/{id}/timeline", post(story::add_timeline_entry))
        .route("/incidents/{id}/actions", post(story::add_action))
        .route(
            "/incidents/{id}/actions/{action}",
            put(story::update_action),
        )
        .route("/incidents/{id}/links", put(story::set_links))
        .route(
            "/incidents/{id}/controls",
            post(story::create_control_from_lesson),
        )
        .route(
            "/incidents/{id}/reports/{obligation}/{stage}",
            get(reports::get_report).post(reports::save_report),
        )
        .route(
            "/incidents/{id}/reports/{obligation}/{stage}/export",
            get(reports::export_report),
        )
        .route(
            "/incidents/{id}/reports/{obligation}/{stage}/submission",
            post(reporting::record_submission),
        )
        .route("/obligations", get(register::list_obligations))
}

/// The incident, when the caller holds `permission` and may see its entity (else 404).
pub(crate) async fn incident_for(
    state: &AppState,
    auth: &Auth,
    id: &str,
    permission: Permission,
) -> ApiResult<Incident> {
    auth.principal.require(permission)?;
    let incident = state.store.incident(&auth.principal.scope, id).await?;
    crate::api::entities::visible_entity(state, auth, &incident.entity_id, permission).await?;
    Ok(incident)
}
