//! The shipped scenario library over the API, and a scenario taken as a risk of an entity
//! (still to rate, with the requirements it relates to).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_catalog::risks::scenarios::{Scenario, shipped_scenarios};
use hygeia_domain::access::Permission;
use hygeia_domain::risks::ImpactDimension;
use hygeia_domain::risks::matrix::Label;
use hygeia_domain::risks::register::RiskInput;
use hygeia_store::risks::{RequirementLink, Risk, RiskLinks};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::api::ApiJson;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

/// A scenario of the library.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RiskScenario {
    pub id: String,
    /// `event` or `asset`.
    pub kind: String,
    /// `hospital`, `laboratory`, `pharma`, `medical_devices`.
    pub sectors: Vec<String>,
    pub title: Label,
    pub description: Label,
    /// Who could cause it, and what they are after.
    pub origin: Label,
    pub objective: Label,
    pub impacts: Vec<ImpactDimension>,
    pub requirements: Vec<RequirementLink>,
    /// Measures that reduce it.
    pub measures: Vec<Label>,
}

impl From<&Scenario> for RiskScenario {
    fn from(s: &Scenario) -> Self {
        RiskScenario {
            id: s.id.clone(),
            kind: s.kind.as_str().to_owned(),
            sectors: s.sectors.iter().map(|x| x.as_str().to_owned()).collect(),
            title: s.title.clone(),
            description: s.description.clone(),
            origin: s.origin.clone(),
            objective: s.objective.clone(),
            impacts: s.impacts.clone(),
            requirements: RiskLinks::of_scenario(s).requirements,
            measures: s.measures.clone(),
        }
    }
}

/// The library, read against the catalog in force.
pub(crate) async fn library(state: &AppState) -> ApiResult<Vec<Scenario>> {
    let catalog = state.catalog.current(&state.store).await?;
    shipped_scenarios(&catalog).map_err(ApiError::internal)
}

/// The shipped scenarios for hospitals, laboratories, drug and device makers.
#[utoipa::path(get, path = "/api/v1/risk-scenarios", tag = "risks",
    responses((status = 200, body = Vec<RiskScenario>)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_risk_scenarios(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<RiskScenario>>> {
    auth.principal.require(Permission::RiskRead)?;
    Ok(Json(
        library(&state)
            .await?
            .iter()
            .map(RiskScenario::from)
            .collect(),
    ))
}

/// Which entity takes a scenario, and in which language its texts are written.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TakeScenario {
    pub entity_id: String,
    /// `en` (default) or `fr`.
    #[serde(default)]
    pub lang: Option<String>,
}

/// The risk a scenario becomes for an entity: its texts in `lang`, still to rate.
pub(crate) fn risk_of(scenario: &Scenario, lang: &str) -> (RiskInput, RiskLinks) {
    let input = RiskInput {
        title: scenario.title.get(lang).to_owned(),
        description: scenario.description.get(lang).to_owned(),
        kind: Some(scenario.kind.as_str().to_owned()),
        origin: Some(scenario.origin.get(lang).to_owned()),
        objective: Some(scenario.objective.get(lang).to_owned()),
        ..RiskInput::default()
    };
    (input, RiskLinks::of_scenario(scenario))
}

/// Takes a scenario of the library as a risk of an entity, still to rate, with the
/// requirements it relates to; audited.
#[utoipa::path(post, path = "/api/v1/risk-scenarios/{id}/risks", tag = "risks",
    request_body = TakeScenario,
    responses((status = 201, body = Risk), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn take_risk_scenario(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TakeScenario>,
) -> ApiResult<(StatusCode, Json<Risk>)> {
    auth.principal.require(Permission::RiskWrite)?;
    let scenarios = library(&state).await?;
    let scenario = scenarios.iter().find(|s| s.id == id).ok_or_else(|| {
        ApiError::from(hygeia_store::StoreError::NotFound {
            what: "risk scenario",
            id: id.clone(),
        })
    })?;
    let (input, links) = risk_of(scenario, body.lang.as_deref().unwrap_or("en"));
    let risk = super::add_risk(&state, &auth, &body.entity_id, &input, &links).await?;
    Ok((StatusCode::CREATED, Json(risk)))
}
