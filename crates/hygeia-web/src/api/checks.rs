//! Automated checks over the API (issue 16): the shipped checks with their open observations,
//! the observations with their provenance, a run on request (administrators), and the result
//! changes failing checks propose — confirmed or dismissed with a reason, never applied alone.

use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use hygeia_domain::access::Permission;
use hygeia_domain::checks::observations::ProposalState;
use hygeia_domain::checks::{Severity, Signal};
use hygeia_domain::risks::matrix::Label;
use hygeia_store::assessments::StoredResult;
use hygeia_store::checks::{
    CheckRun, Observation, ObservationFilter, ProposalFilter, ResultProposal,
};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

#[derive(OpenApi)]
#[openapi(
    paths(list_checks, run_checks, list_observations, get_observation, list_result_proposals,
        confirm_result_proposal, dismiss_result_proposal),
    tags((name = "checks", description = "Automated checks: observations raised from what the hub observes, and the result changes they propose"))
)]
pub struct ChecksDoc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/checks", get(list_checks))
        .route("/checks/run", post(run_checks))
        .route("/observations", get(list_observations))
        .route("/observations/{id}", get(get_observation))
        .route("/result-proposals", get(list_result_proposals))
        .route(
            "/result-proposals/{id}/confirm",
            post(confirm_result_proposal),
        )
        .route(
            "/result-proposals/{id}/dismiss",
            post(dismiss_result_proposal),
        )
}

/// A requirement a check informs.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InformedRequirement {
    pub framework: String,
    pub id: String,
}

/// A shipped check, with how many of its observations are open in the caller's entities.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Check {
    pub id: String,
    pub signal: Signal,
    /// The window in days, for the signals that have one.
    pub days: Option<u32>,
    pub severity: Severity,
    pub title: Label,
    pub description: Label,
    pub informs: Vec<InformedRequirement>,
    pub open_observations: usize,
}

/// The shipped checks (the rule file read against the catalog in force).
#[utoipa::path(get, path = "/api/v1/checks", tag = "checks",
    responses((status = 200, body = Vec<Check>), (status = 403, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_checks(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Vec<Check>>> {
    auth.principal.require(Permission::ComplianceRead)?;
    let rules = crate::checks::rules(&state).await?;
    let open = state
        .store
        .list_observations(
            &auth.principal.scope,
            &ObservationFilter {
                state: Some("open".into()),
                ..ObservationFilter::default()
            },
        )
        .await?;
    Ok(Json(
        rules
            .iter()
            .map(|r| Check {
                open_observations: open.iter().filter(|o| o.check_id == r.id).count(),
                informs: r
                    .informs
                    .iter()
                    .map(|i| InformedRequirement {
                        framework: i.framework.clone(),
                        id: i.id.clone(),
                    })
                    .collect(),
                id: r.id.clone(),
                signal: r.signal,
                days: r.days,
                severity: r.severity,
                title: r.title.clone(),
                description: r.description.clone(),
            })
            .collect(),
    ))
}

/// Runs every check over every entity now (they also run every 15 minutes and soon after
/// changes). Administrators; the run's changes are audited.
#[utoipa::path(post, path = "/api/v1/checks/run", tag = "checks",
    responses((status = 200, body = CheckRun), (status = 403, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn run_checks(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<CheckRun>> {
    auth.principal.require(Permission::JobManage)?;
    Ok(Json(crate::checks::run(&state, &auth.actor.label).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ObservationQuery {
    /// One entity; all those the caller sees when absent.
    pub entity_id: Option<String>,
    /// `open` or `closed`; both when absent.
    pub state: Option<String>,
    /// One check.
    pub check_id: Option<String>,
}

/// Observations with their provenance (the records found, the first 20), open ones first.
#[utoipa::path(get, path = "/api/v1/observations", tag = "checks", params(ObservationQuery),
    responses((status = 200, body = Vec<Observation>), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_observations(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<ObservationQuery>,
) -> ApiResult<Json<Vec<Observation>>> {
    auth.principal.require(Permission::ComplianceRead)?;
    let wanted = query.state.filter(|s| !s.is_empty());
    if let Some(text) = &wanted
        && !matches!(text.as_str(), "open" | "closed")
    {
        return Err(ApiError::bad_request(format!(
            "state: '{text}' is not an observation state (open or closed)"
        )));
    }
    let filter = ObservationFilter {
        entity_id: query.entity_id.filter(|s| !s.is_empty()),
        state: wanted,
        check_ids: query.check_id.filter(|s| !s.is_empty()).map(|c| vec![c]),
    };
    Ok(Json(
        state
            .store
            .list_observations(&auth.principal.scope, &filter)
            .await?,
    ))
}

/// One observation.
#[utoipa::path(get, path = "/api/v1/observations/{id}", tag = "checks",
    responses((status = 200, body = Observation), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_observation(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Observation>> {
    auth.principal.require(Permission::ComplianceRead)?;
    Ok(Json(
        state.store.observation(&auth.principal.scope, &id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    pub entity_id: Option<String>,
    /// `proposed`, `confirmed`, `dismissed` or `withdrawn`; all when absent.
    pub state: Option<String>,
    pub assessment_id: Option<String>,
    pub requirement_id: Option<String>,
}

/// Result changes proposed by failing checks, waiting ones first.
#[utoipa::path(get, path = "/api/v1/result-proposals", tag = "checks", params(ProposalQuery),
    responses((status = 200, body = Vec<ResultProposal>), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_result_proposals(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<ProposalQuery>,
) -> ApiResult<Json<Vec<ResultProposal>>> {
    auth.principal.require(Permission::ComplianceRead)?;
    let wanted = query.state.filter(|s| !s.is_empty());
    if let Some(text) = &wanted
        && ProposalState::parse(text).is_none()
    {
        return Err(ApiError::bad_request(format!(
            "state: '{text}' is not a proposal state (proposed, confirmed, dismissed or withdrawn)"
        )));
    }
    let filter = ProposalFilter {
        entity_id: query.entity_id.filter(|s| !s.is_empty()),
        state: wanted,
        assessment_id: query.assessment_id.filter(|s| !s.is_empty()),
        requirement_id: query.requirement_id.filter(|s| !s.is_empty()),
    };
    Ok(Json(
        state
            .store
            .list_result_proposals(&auth.principal.scope, &filter)
            .await?,
    ))
}

/// In which language the confirmed result's justification is written.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmProposal {
    /// `en` (default) or `fr`.
    #[serde(default)]
    pub lang: Option<String>,
}

/// Confirms a proposal: the requirement's result becomes non-compliant, its justification
/// citing the check and since when it fails. Audited; a decided proposal answers 409.
#[utoipa::path(post, path = "/api/v1/result-proposals/{id}/confirm", tag = "checks",
    request_body = ConfirmProposal,
    responses((status = 200, body = StoredResult), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn confirm_result_proposal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConfirmProposal>,
) -> ApiResult<Json<StoredResult>> {
    auth.principal.require(Permission::ComplianceEdit)?;
    let lang = match body.lang.as_deref() {
        None | Some("en") => "en",
        Some("fr") => "fr",
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "lang: '{other}' is not a language of the interface (en or fr)"
            )));
        }
    };
    let rules = crate::checks::rules(&state).await?;
    Ok(Json(
        state
            .store
            .confirm_result_proposal(&auth.actor, &auth.principal.scope, &id, &rules, lang)
            .await?,
    ))
}

/// Why a proposal is dismissed.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissProposal {
    /// Required, at most 2,000 characters.
    pub reason: String,
}

/// Dismisses a proposal with a reason; the result stays as it is. Audited; a decided
/// proposal answers 409.
#[utoipa::path(post, path = "/api/v1/result-proposals/{id}/dismiss", tag = "checks",
    request_body = DismissProposal,
    responses((status = 200, body = ResultProposal), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn dismiss_result_proposal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DismissProposal>,
) -> ApiResult<Json<ResultProposal>> {
    auth.principal.require(Permission::ComplianceEdit)?;
    Ok(Json(
        state
            .store
            .dismiss_result_proposal(&auth.actor, &auth.principal.scope, &id, &body.reason)
            .await?,
    ))
}
