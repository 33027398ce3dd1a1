//! Assessments, their requirements with results and evidence counts, and setting results.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_compliance::ResultValue;
use hygeia_domain::access::Permission;
use hygeia_store::Page;
use hygeia_store::assessments::{
    Assessment, AssessmentInput, RequirementRow, ResultFilter, ResultInput, StoredResult,
};
use serde::Deserialize;

use super::{assessment_for, entity_in_scope};
use crate::AppState;
use crate::api::{ApiJson, ApiQuery, Paging};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use hygeia_domain::validation::FieldError;

/// The entity's assessments, newest first.
#[utoipa::path(get, path = "/api/v1/entities/{id}/assessments", tag = "compliance",
    responses((status = 200, body = Vec<Assessment>), (status = 404, description = "Unknown or not visible")),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_assessments(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Assessment>>> {
    entity_in_scope(&state, &auth, &id, Permission::ComplianceRead).await?;
    Ok(Json(state.store.list_assessments(&id).await?))
}

/// Start an assessment of one framework for the entity (compliance managers).
#[utoipa::path(post, path = "/api/v1/entities/{id}/assessments", tag = "compliance",
    request_body = AssessmentInput,
    responses((status = 201, body = Assessment), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_assessment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssessmentInput>,
) -> ApiResult<(StatusCode, Json<Assessment>)> {
    entity_in_scope(&state, &auth, &id, Permission::ComplianceManage).await?;
    let catalog = state.catalog.current(&state.store).await?;
    let assessment = state
        .store
        .create_assessment(&auth.actor, &id, &body, &catalog)
        .await?;
    Ok((StatusCode::CREATED, Json(assessment)))
}

/// One assessment.
#[utoipa::path(get, path = "/api/v1/assessments/{id}", tag = "compliance",
    responses((status = 200, body = Assessment), (status = 404, description = "Unknown or not visible")),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_assessment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Assessment>> {
    Ok(Json(
        assessment_for(&state, &auth, &id, Permission::ComplianceRead).await?,
    ))
}

/// Change an assessment's name, scope, dates and status (compliance managers).
#[utoipa::path(put, path = "/api/v1/assessments/{id}", tag = "compliance",
    request_body = AssessmentInput,
    responses((status = 200, body = Assessment), (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_assessment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssessmentInput>,
) -> ApiResult<Json<Assessment>> {
    assessment_for(&state, &auth, &id, Permission::ComplianceManage).await?;
    let catalog = state.catalog.current(&state.store).await?;
    Ok(Json(
        state
            .store
            .update_assessment(&auth.actor, &auth.principal.scope, &id, &body, &catalog)
            .await?,
    ))
}

/// Delete an assessment and its results (compliance managers; the audit trail keeps them).
#[utoipa::path(delete, path = "/api/v1/assessments/{id}", tag = "compliance",
    responses((status = 204, description = "Deleted")), security(("bearer" = []), ("session" = [])))]
pub async fn delete_assessment(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    assessment_for(&state, &auth, &id, Permission::ComplianceManage).await?;
    state
        .store
        .delete_assessment(&auth.actor, &auth.principal.scope, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequirementQuery {
    /// Result value: `not_assessed`, `compliant`, `partially_compliant`, `non_compliant`,
    /// `not_applicable`.
    pub result: Option<String>,
    /// Result owner (exact).
    pub owner: Option<String>,
    /// NIS2 Art. 21(2) letter, `a` to `j`.
    pub art21: Option<String>,
    /// Catalog tag.
    pub tag: Option<String>,
    /// Open gaps (non-compliant or partially compliant) by due date: `overdue`, `week`
    /// (within 7 days), `month` (8 to 30 days), `later` or `none` (no due date).
    pub due: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The assessment's requirements in catalog order, each with its result, controls and
/// evidence counts (with expired / expiring-soon counts), filtered and paginated.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/requirements", tag = "compliance",
    params(RequirementQuery),
    responses((status = 200, body = Page<RequirementRow>), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_assessment_requirements(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<RequirementQuery>,
) -> ApiResult<Json<Page<RequirementRow>>> {
    let assessment = assessment_for(&state, &auth, &id, Permission::ComplianceRead).await?;
    let catalog = state.catalog.current(&state.store).await?;
    let filter = ResultFilter {
        result: query.result,
        owner: query.owner,
        art21: query.art21,
        tag: query.tag,
        due: query.due,
    };
    let page = Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .request();
    Ok(Json(
        state
            .store
            .requirements_of(&assessment, &catalog, &filter, page)
            .await?,
    ))
}

/// Checks the owners of `inputs`: each must be a user with access to the assessment's entity
/// (given by e-mail address, stored as that user's address), or the owner the result already
/// has (a free-text owner of older data, kept as it is). An empty owner means none. Anything
/// else is refused with a field error naming `owner`.
pub(crate) async fn check_owners(
    state: &AppState,
    assessment: &hygeia_store::assessments::Assessment,
    inputs: &mut [ResultInput],
) -> ApiResult<()> {
    if inputs
        .iter()
        .all(|i| i.owner.as_deref().is_none_or(|o| o.trim().is_empty()))
    {
        for input in inputs.iter_mut() {
            input.owner = None;
        }
        return Ok(());
    }
    let members = state.store.users_with_access(&assessment.entity_id).await?;
    let mut existing: Option<std::collections::HashMap<String, Option<String>>> = None;
    for input in inputs.iter_mut() {
        let Some(owner) = input.owner.as_deref().map(str::trim) else {
            continue;
        };
        if owner.is_empty() {
            input.owner = None;
            continue;
        }
        if let Some(member) = members.iter().find(|m| m.email.eq_ignore_ascii_case(owner)) {
            input.owner = Some(member.email.clone());
            continue;
        }
        if existing.is_none() {
            existing = Some(
                state
                    .store
                    .results(&assessment.id)
                    .await?
                    .into_iter()
                    .map(|r| (r.requirement_id, r.owner))
                    .collect(),
            );
        }
        let kept = existing
            .as_ref()
            .and_then(|e| e.get(&input.requirement_id))
            .and_then(|o| o.as_deref())
            == Some(owner);
        if !kept {
            return Err(ApiError::field_error(FieldError::not_an_owner(
                "owner", owner,
            )));
        }
        input.owner = Some(owner.to_owned());
    }
    Ok(())
}

/// Several results at once.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkResults {
    pub results: Vec<ResultInput>,
}

/// Set several results at once, all or nothing: one invalid result refuses them all.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/results", tag = "compliance",
    request_body = BulkResults,
    responses((status = 200, body = Vec<StoredResult>), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_results(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(mut body): ApiJson<BulkResults>,
) -> ApiResult<Json<Vec<StoredResult>>> {
    let assessment = assessment_for(&state, &auth, &id, Permission::ComplianceEdit).await?;
    check_owners(&state, &assessment, &mut body.results).await?;
    let catalog = state.catalog.current(&state.store).await?;
    Ok(Json(
        state
            .store
            .set_results(
                &auth.actor,
                &auth.principal.scope,
                &id,
                &body.results,
                &catalog,
            )
            .await?,
    ))
}

/// One result as sent to its own address.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultBody {
    #[schema(value_type = String, example = "partially_compliant")]
    pub value: ResultValue,
    #[serde(default)]
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due_on: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Mandatory for `not_applicable`.
    #[serde(default)]
    pub justification: Option<String>,
}

/// Set the result of one requirement (replaces its value, owner, due date, notes and
/// justification).
#[utoipa::path(put, path = "/api/v1/assessments/{id}/results/{requirement}", tag = "compliance",
    request_body = ResultBody,
    responses((status = 200, body = StoredResult), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_result(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, requirement)): Path<(String, String)>,
    ApiJson(body): ApiJson<ResultBody>,
) -> ApiResult<Json<StoredResult>> {
    let assessment = assessment_for(&state, &auth, &id, Permission::ComplianceEdit).await?;
    let catalog = state.catalog.current(&state.store).await?;
    let mut input = ResultInput {
        requirement_id: requirement,
        value: body.value,
        owner: body.owner,
        due_on: body.due_on,
        notes: body.notes,
        justification: body.justification,
    };
    check_owners(&state, &assessment, std::slice::from_mut(&mut input)).await?;
    let mut written = state
        .store
        .set_results(
            &auth.actor,
            &auth.principal.scope,
            &id,
            std::slice::from_ref(&input),
            &catalog,
        )
        .await?;
    written
        .pop()
        .map(Json)
        .ok_or_else(|| crate::error::ApiError::internal("no result written"))
}
