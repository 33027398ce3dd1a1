//! The reuse view (one assessment's results carried to another framework, with provenance and
//! the evidence behind it), accepting or overriding a derived result, pair reviews and the
//! remaining-gap view.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::Json;
use axum::extract::{Path, State};
use hygeia_catalog::Catalog;
use hygeia_catalog::ids::NIS2_2024_2690;
use hygeia_compliance::{
    GapView, PairReview, ResultValue, Reuse, ReuseView, SourceResult, Suggestions, accept_derived,
    gap_view, override_derived,
};
use hygeia_domain::access::Permission;
use hygeia_store::assessments::{
    Assessment, EvidenceRef, MappingReview, ScopeAttestation, StoredResult,
};
use serde::{Deserialize, Serialize};

use super::{assessment_for, compliance_error};
use crate::AppState;
use crate::api::{ApiJson, ApiQuery};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetQuery {
    /// Framework to carry the results to (default `nis2-2024-2690`).
    pub target: Option<String>,
}

impl TargetQuery {
    pub(super) fn framework(&self) -> &str {
        self.target.as_deref().unwrap_or(NIS2_2024_2690)
    }
}

/// The stored results of an assessment as the compliance engine reads them (results naming
/// requirements the catalog no longer has are left out).
pub(crate) fn source_results(
    catalog: &Catalog,
    assessment: &Assessment,
    results: Vec<StoredResult>,
) -> Vec<SourceResult> {
    let framework = catalog.framework(&assessment.framework_id);
    results
        .into_iter()
        .filter(|r| {
            framework
                .and_then(|f| f.requirement(&r.requirement_id))
                .is_some_and(|q| q.assessable)
        })
        .map(|r| SourceResult {
            requirement_id: r.requirement_id,
            value: r.value,
            justification: r.justification,
        })
        .collect()
}

/// Derives the target framework's view from a source assessment with the organisation's
/// pair reviews and the entity's confirmed deltas, naming the source (status, scope, date, attestation) with its caveats.
pub(crate) async fn derive_view(
    state: &AppState,
    auth: &Auth,
    catalog: &Catalog,
    source: &Assessment,
    target_framework: &str,
) -> ApiResult<ReuseView> {
    let organisation = &auth.principal.organisation_id;
    derive_view_of(state, organisation, catalog, source, target_framework).await
}

/// [`derive_view`] with the pair reviews of `organisation_id`.
pub(crate) async fn derive_view_of(
    state: &AppState,
    organisation_id: &str,
    catalog: &Catalog,
    source: &Assessment,
    target_framework: &str,
) -> ApiResult<ReuseView> {
    let reuse =
        Reuse::new(catalog, &source.framework_id, target_framework).map_err(compliance_error)?;
    let results = source_results(catalog, source, state.store.results(&source.id).await?);
    let reviews = state.store.pair_reviews(organisation_id).await?;
    let confirmed = state
        .store
        .confirmed_deltas(catalog, &source.entity_id, target_framework)
        .await?;
    let view = reuse
        .derive_with_deltas(&results, &reviews, &confirmed)
        .map_err(compliance_error)?;
    let (info, _) = super::attestations::source_of(state, source).await?;
    Ok(view.with_source(info))
}

/// A reuse view with the evidence that reaches each target requirement.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReuseResponse {
    pub source_assessment_id: String,
    /// The derived results with provenance (see docs/reuse-rules.md); `view.source` names the
    /// source assessment (status, scope, date, whether its scope is attested) and
    /// `view.caveats` (also on every derived result) flags a source that is not completed
    /// (`source_not_completed`) or whose scope is not attested (`scope_not_attested`).
    #[schema(value_type = Object)]
    pub view: ReuseView,
    /// The attestation that the source's current scope covers the entity, if any.
    pub scope_attestation: Option<ScopeAttestation>,
    /// Per target requirement: evidence attached to the source requirements that counted in
    /// its derivation, and evidence attached to it directly.
    pub evidence: BTreeMap<String, Vec<EvidenceRef>>,
}

/// The reuse view: the assessment's results carried to another framework (by default NIS2,
/// Implementing Regulation 2024/2690), with each derived result's rule, provenance,
/// explanation and the evidence reused.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/reuse", tag = "compliance",
    params(TargetQuery),
    responses((status = 200, body = ReuseResponse), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_reuse(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<TargetQuery>,
) -> ApiResult<Json<ReuseResponse>> {
    let source = assessment_for(&state, &auth, &id, Permission::ComplianceRead).await?;
    let catalog = state.catalog.current(&state.store).await?;
    let view = derive_view(&state, &auth, &catalog, &source, query.framework()).await?;
    let source_evidence = state
        .store
        .evidence_by_requirement(&source.entity_id, &source.framework_id)
        .await?;
    let target_evidence = state
        .store
        .evidence_by_requirement(&source.entity_id, &view.target_framework)
        .await?;
    let mut evidence = BTreeMap::new();
    for derived in &view.derived {
        let mut found: Vec<EvidenceRef> = target_evidence
            .get(&derived.requirement_id)
            .cloned()
            .unwrap_or_default();
        for (source, _) in derived.counted_sources() {
            for e in source_evidence.get(source).into_iter().flatten() {
                if !found.iter().any(|f| f.id == e.id) {
                    found.push(e.clone());
                }
            }
        }
        if !found.is_empty() {
            evidence.insert(derived.requirement_id.clone(), found);
        }
    }
    let (_, scope_attestation) = super::attestations::source_of(&state, &source).await?;
    Ok(Json(ReuseResponse {
        source_assessment_id: source.id,
        view,
        scope_attestation,
        evidence,
    }))
}

/// Which derived result to accept.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptBody {
    /// The assessment (of another framework, same entity) the result is derived from.
    pub source_assessment_id: String,
    pub requirement_id: String,
}

/// Another value in place of a derived result, with the reason.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideBody {
    pub source_assessment_id: String,
    pub requirement_id: String,
    #[schema(value_type = String, example = "compliant")]
    pub value: ResultValue,
    pub reason: String,
    /// Mandatory for `not_applicable`.
    #[serde(default)]
    pub justification: Option<String>,
}

/// The target assessment and the view derived for it from the source assessment.
pub(super) async fn decision_context(
    state: &AppState,
    auth: &Auth,
    target_id: &str,
    source_id: &str,
) -> ApiResult<(Assessment, ReuseView, std::sync::Arc<Catalog>)> {
    let target = assessment_for(state, auth, target_id, Permission::ComplianceManage).await?;
    let source = match state
        .store
        .assessment(&auth.principal.scope, source_id)
        .await
    {
        Ok(source) if source.entity_id == target.entity_id => source,
        Ok(_) | Err(hygeia_store::StoreError::NotFound { .. }) => {
            return Err(ApiError::field(
                "source_assessment_id",
                format!("no assessment '{source_id}' of the same entity"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let catalog = state.catalog.current(&state.store).await?;
    let view = derive_view(state, auth, &catalog, &source, &target.framework_id).await?;
    Ok((target, view, catalog))
}

/// Accept a derived result: it becomes the assessment's result and cites its source
/// framework, rule and source requirements (compliance managers).
#[utoipa::path(post, path = "/api/v1/assessments/{id}/accept", tag = "compliance",
    request_body = AcceptBody,
    responses((status = 200, body = StoredResult), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn accept_result(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AcceptBody>,
) -> ApiResult<Json<StoredResult>> {
    let (target, view, catalog) =
        decision_context(&state, &auth, &id, &body.source_assessment_id).await?;
    let decided =
        accept_derived(&view, &body.requirement_id).map_err(|e| ApiError::decision(&e))?;
    Ok(Json(
        state
            .store
            .record_decision(
                &auth.actor,
                &auth.principal.scope,
                &target.id,
                &decided,
                &catalog,
            )
            .await?,
    ))
}

/// Override a derived result with another value and a reason (compliance managers).
#[utoipa::path(post, path = "/api/v1/assessments/{id}/override", tag = "compliance",
    request_body = OverrideBody,
    responses((status = 200, body = StoredResult), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn override_result(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OverrideBody>,
) -> ApiResult<Json<StoredResult>> {
    let (target, view, catalog) =
        decision_context(&state, &auth, &id, &body.source_assessment_id).await?;
    let decided = override_derived(
        &view,
        &body.requirement_id,
        body.value,
        &body.reason,
        body.justification.as_deref(),
    )
    .map_err(|e| ApiError::decision(&e))?;
    Ok(Json(
        state
            .store
            .record_decision(
                &auth.actor,
                &auth.principal.scope,
                &target.id,
                &decided,
                &catalog,
            )
            .await?,
    ))
}

/// The suggested controls, parsed once.
pub(crate) fn suggestions() -> ApiResult<&'static Suggestions> {
    static SUGGESTIONS: OnceLock<Result<Suggestions, String>> = OnceLock::new();
    SUGGESTIONS
        .get_or_init(|| Suggestions::embedded().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(ApiError::internal)
}

/// The remaining-gap view: every target requirement the source assessment does not make
/// compliant, grouped by Art. 21(2) letter, with its kind (`no_coverage` is the NIS2-specific
/// work) and a suggested control.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/gaps", tag = "compliance",
    params(TargetQuery),
    responses((status = 200, description = "Gaps by Art. 21(2) letter", body = Object)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_gaps(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<TargetQuery>,
) -> ApiResult<Json<GapView>> {
    let source = assessment_for(&state, &auth, &id, Permission::ComplianceRead).await?;
    let catalog = state.catalog.current(&state.store).await?;
    let view = derive_view(&state, &auth, &catalog, &source, query.framework()).await?;
    Ok(Json(
        gap_view(&catalog, &view, suggestions()?).map_err(compliance_error)?,
    ))
}

/// The organisation's reviews of crosswalk pairs.
#[utoipa::path(get, path = "/api/v1/mapping-reviews", tag = "compliance",
    responses((status = 200, body = Vec<MappingReview>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_mapping_reviews(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<MappingReview>>> {
    auth.principal.require(Permission::ComplianceRead)?;
    Ok(Json(
        state
            .store
            .list_mapping_reviews(&auth.principal.organisation_id)
            .await?,
    ))
}

/// Review one pair of a mapping set, named as the set states it: `confirmed`, `refined`
/// (another relationship, with a rationale) or `rejected`. Later derivations in every entity
/// use it (administrators).
#[utoipa::path(put, path = "/api/v1/mapping-reviews", tag = "compliance",
    request_body(content = Object, description = "`{mapping_set, source, target, decision: {kind: confirmed | refined | rejected, relationship?, rationale?}}`"),
    responses((status = 200, body = MappingReview), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn review_pair(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<PairReview>,
) -> ApiResult<Json<MappingReview>> {
    auth.principal.require(Permission::MappingReview)?;
    let catalog = state.catalog.current(&state.store).await?;
    Ok(Json(
        state
            .store
            .review_pair(
                &auth.actor,
                &auth.principal.organisation_id,
                &body,
                &catalog,
            )
            .await?,
    ))
}
