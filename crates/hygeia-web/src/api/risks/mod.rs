//! The risk register over the API (issue 14): risks of an entity with their ratings on the
//! organisation's matrix, their treatment plans ([`plan`]) and supporting assets
//! ([`supporting`]), the heat map of a stage, the register in figures and bulk changes
//! ([`overview`]), its export ([`export`]), what is at stake ([`processes`]), how a risk comes about ([`paths`]), the matrix itself, and the shipped scenario library
//! a risk can be taken from ([`scenarios`]).
//!
//! Reading needs `RiskRead` (risks of entities outside the caller's scope answer 404);
//! adding, rating and treating `RiskWrite`; giving or changing an acceptance `RiskAccept`;
//! replacing the matrix `RiskMatrixManage` (administrators: it re-rates every entity's risks).

mod export;
mod overview;
mod paths;
mod plan;
mod processes;
pub(crate) mod scenarios;
mod supporting;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use hygeia_domain::access::Permission;
use hygeia_domain::risks::matrix::RiskMatrix;
use hygeia_domain::risks::register::RiskInput;
use hygeia_store::Page;
use hygeia_store::risks::{
    HeatCell, MatrixChange, RequirementLink, Risk, RiskFilter, RiskLinks, RiskStage, RiskSummary,
};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::{ApiJson, ApiQuery, Paging};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;

#[derive(OpenApi)]
#[openapi(
    paths(
        list_risks, create_risk, get_risk, update_risk, risk_heat_map, get_risk_matrix,
        put_risk_matrix, scenarios::list_risk_scenarios, scenarios::take_risk_scenario,
        plan::list_risk_actions, plan::add_risk_action, plan::update_risk_action,
        supporting::set_risk_assets, supporting::set_risk_controls, overview::risk_overview, overview::bulk_update_risks,
        export::export_risks, processes::list_processes, processes::create_process,
        processes::get_process, processes::update_process, processes::set_process_links,
        processes::set_risk_processes, paths::set_risk_path,
    ),
    tags((name = "risks", description = "The risk register: risks rated on the organisation's matrix, treatment and acceptance, heat maps, the scenario library"))
)]
pub struct RisksDoc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/risks", get(list_risks).post(create_risk))
        .route("/risks/heat-map", get(risk_heat_map))
        .route("/risks/overview", get(overview::risk_overview))
        .route("/risks/export", get(export::export_risks))
        .route("/risks/bulk", post(overview::bulk_update_risks))
        .route("/risks/{id}", get(get_risk).put(update_risk))
        .route(
            "/risks/{id}/actions",
            get(plan::list_risk_actions).post(plan::add_risk_action),
        )
        .route(
            "/risks/{id}/actions/{action_id}",
            put(plan::update_risk_action),
        )
        .route("/risks/{id}/assets", put(supporting::set_risk_assets))
        .route("/risks/{id}/controls", put(supporting::set_risk_controls))
        .route("/risks/{id}/processes", put(processes::set_risk_processes))
        .route("/risks/{id}/path", put(paths::set_risk_path))
        .route(
            "/processes",
            get(processes::list_processes).post(processes::create_process),
        )
        .route(
            "/processes/{id}",
            get(processes::get_process).put(processes::update_process),
        )
        .route("/processes/{id}/links", put(processes::set_process_links))
        .route("/risk-matrix", get(get_risk_matrix).put(put_risk_matrix))
        .route("/risk-scenarios", get(scenarios::list_risk_scenarios))
        .route(
            "/risk-scenarios/{id}/risks",
            post(scenarios::take_risk_scenario),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RiskQuery {
    pub entity_id: Option<String>,
    /// `mitigate`, `accept`, `transfer`, `avoid`, or `none` (undecided).
    pub treatment: Option<String>,
    /// With `impact`: only the risks in this cell of the heat map of `stage`.
    pub likelihood: Option<i64>,
    pub impact: Option<i64>,
    /// `inherent`, `current` (default) or `residual`.
    pub stage: Option<RiskStage>,
    /// Only the risks threatening this process.
    pub process_id: Option<String>,
    /// Only the risks threatening a process run at this site.
    pub site_id: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// The `next` of the previous page.
    pub after: Option<String>,
}

/// The register, most severe first (by the level of the current rating, else the inherent
/// one); risks still to rate come last.
#[utoipa::path(get, path = "/api/v1/risks", tag = "risks", params(RiskQuery),
    responses((status = 200, body = Page<RiskSummary>), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_risks(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<RiskQuery>,
) -> ApiResult<Json<Page<RiskSummary>>> {
    auth.principal.require(Permission::RiskRead)?;
    let filter = RiskFilter {
        entity_id: query.entity_id,
        treatment: query.treatment,
        likelihood: query.likelihood,
        impact: query.impact,
        stage: query.stage,
        process_id: query.process_id,
        site_id: query.site_id,
        after: query.after,
    };
    let page = Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .request();
    Ok(Json(
        state
            .store
            .list_risks(&auth.principal.scope, &filter, page)
            .await?,
    ))
}

/// A new risk: the entity, what the risk is, its ratings and treatment.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct NewRisk {
    pub entity_id: String,
    #[serde(flatten)]
    pub risk: RiskInput,
    /// Requirements of the catalog it relates to.
    #[serde(default)]
    pub requirements: Vec<RequirementLink>,
}

/// Stores a new risk of `entity_id`, its links checked against the catalog in force: the one
/// way in for the API and the pages.
pub(crate) async fn add_risk(
    state: &AppState,
    auth: &Auth,
    entity_id: &str,
    input: &RiskInput,
    links: &RiskLinks,
) -> ApiResult<Risk> {
    let catalog = state.catalog.current(&state.store).await?;
    Ok(state
        .store
        .create_risk(
            &auth.actor,
            &auth.principal.scope,
            &catalog,
            entity_id,
            input,
            links,
            auth.principal.require(Permission::RiskAccept),
        )
        .await?)
}

/// Adds a risk to an entity's register, checked whole against the matrix in force (every
/// figure with its justification); audited.
#[utoipa::path(post, path = "/api/v1/risks", tag = "risks", request_body = NewRisk,
    responses((status = 201, body = Risk), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_risk(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<NewRisk>,
) -> ApiResult<(StatusCode, Json<Risk>)> {
    auth.principal.require(Permission::RiskWrite)?;
    let links = RiskLinks {
        scenario_id: None,
        requirements: body.requirements,
    };
    let risk = add_risk(&state, &auth, &body.entity_id, &body.risk, &links).await?;
    Ok((StatusCode::CREATED, Json(risk)))
}

/// One risk with its three ratings, treatment, acceptance and links.
#[utoipa::path(get, path = "/api/v1/risks/{id}", tag = "risks",
    responses((status = 200, body = Risk), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_risk(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Risk>> {
    auth.principal.require(Permission::RiskRead)?;
    Ok(Json(state.store.risk(&auth.principal.scope, &id).await?))
}

/// A risk as changed: the whole of it, with the version read (a newer change by someone
/// else is refused with 409).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RiskUpdate {
    pub version: Option<i64>,
    #[serde(flatten)]
    pub risk: RiskInput,
}

/// Rates, treats or rewrites a risk, checked whole against the matrix in force; audited with
/// before and after.
#[utoipa::path(put, path = "/api/v1/risks/{id}", tag = "risks", request_body = RiskUpdate,
    responses((status = 200, body = Risk), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_risk(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RiskUpdate>,
) -> ApiResult<Json<Risk>> {
    auth.principal.require(Permission::RiskWrite)?;
    Ok(Json(
        state
            .store
            .update_risk(
                &auth.actor,
                &auth.principal.scope,
                &id,
                &body.risk,
                body.version,
                auth.principal.require(Permission::RiskAccept),
            )
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HeatMapQuery {
    /// One entity; all those the caller sees when absent.
    pub entity_id: Option<String>,
    /// `inherent`, `current` (default) or `residual`.
    pub stage: Option<RiskStage>,
    /// The heat map of one process's risks.
    pub process_id: Option<String>,
    /// The heat map of the risks to the processes run at one site.
    pub site_id: Option<String>,
}

/// The heat map of a stage: the matrix in force and how many risks sit in each cell.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HeatMap {
    pub stage: RiskStage,
    pub matrix_version: i64,
    pub matrix: RiskMatrix,
    /// Cells holding at least one risk.
    pub cells: Vec<HeatCell>,
}

/// How many risks sit in each cell of the matrix, for one stage.
#[utoipa::path(get, path = "/api/v1/risks/heat-map", tag = "risks", params(HeatMapQuery),
    responses((status = 200, body = HeatMap), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn risk_heat_map(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<HeatMapQuery>,
) -> ApiResult<Json<HeatMap>> {
    auth.principal.require(Permission::RiskRead)?;
    let stage = query.stage.unwrap_or(RiskStage::Current);
    let (matrix_version, matrix) = state.store.risk_matrix().await?;
    let cells = state
        .store
        .risk_heat_map(
            &auth.principal.scope,
            &RiskFilter {
                entity_id: query.entity_id,
                process_id: query.process_id,
                site_id: query.site_id,
                ..RiskFilter::default()
            },
            stage,
        )
        .await?;
    Ok(Json(HeatMap {
        stage,
        matrix_version,
        matrix,
        cells,
    }))
}

/// The matrix in force and its version.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MatrixInForce {
    /// 0: the shipped 5×5 default.
    pub version: i64,
    pub matrix: RiskMatrix,
}

/// The organisation's risk matrix: scales, levels and the level of every cell.
#[utoipa::path(get, path = "/api/v1/risk-matrix", tag = "risks",
    responses((status = 200, body = MatrixInForce)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_risk_matrix(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<MatrixInForce>> {
    auth.principal.require(Permission::RiskRead)?;
    let (version, matrix) = state.store.risk_matrix().await?;
    Ok(Json(MatrixInForce { version, matrix }))
}

/// Puts a new matrix in force: every risk is given its new levels in the same transaction
/// (refused with 409, naming them, when ratings fall outside the new scales); audited.
#[utoipa::path(put, path = "/api/v1/risk-matrix", tag = "risks", request_body = RiskMatrix,
    responses((status = 200, body = MatrixChange), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn put_risk_matrix(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(matrix): ApiJson<RiskMatrix>,
) -> ApiResult<Json<MatrixChange>> {
    auth.principal.require(Permission::RiskMatrixManage)?;
    Ok(Json(
        state.store.set_risk_matrix(&auth.actor, &matrix).await?,
    ))
}
