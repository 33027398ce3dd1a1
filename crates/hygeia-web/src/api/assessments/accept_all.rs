//! Accepting many derived results at once: every derived result of an Art. 21(2) letter or a
//! section (or the whole view), with one justification, into the entity's assessment of the
//! target framework. Requirements that already have a result of their own keep it; those
//! without coverage have nothing to accept. Evidence attached to the source requirements that
//! counted is linked (not copied) to each accepted requirement. All or nothing, one audit
//! record per requirement.

use std::collections::{BTreeMap, HashSet};

use axum::Json;
use axum::extract::{Path, State};
use hygeia_compliance::{Derived, DerivedValue, ResultValue, accept_all_derived};
use hygeia_domain::validation::FieldError;
use hygeia_store::assessments::StoredResult;
use serde::{Deserialize, Serialize};

use super::reuse::decision_context;
use crate::AppState;
use crate::api::ApiJson;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

/// Which derived results to accept, and why they hold.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptAllBody {
    /// The assessment (of another framework, same entity) the results are derived from.
    pub source_assessment_id: String,
    /// Only the requirements of this NIS2 Art. 21(2) letter (`a` … `j`).
    #[serde(default)]
    pub art21: Option<String>,
    /// Only this requirement of the target framework and its parts (a section: `6.8`).
    #[serde(default)]
    pub section: Option<String>,
    /// Why the derived results hold (kept with each accepted result).
    pub justification: String,
}

/// What was accepted, and what was left as it was.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AcceptAllResponse {
    pub accepted: Vec<StoredResult>,
    /// Requirements with a result of their own, kept.
    pub kept: Vec<String>,
    /// Requirements the source does not cover: nothing to accept.
    pub no_coverage: Vec<String>,
}

/// Accepts the selected derived results into assessment `target_id`.
pub(crate) async fn accept_all(
    state: &AppState,
    auth: &Auth,
    target_id: &str,
    body: &AcceptAllBody,
) -> ApiResult<AcceptAllResponse> {
    if body.justification.trim().is_empty() {
        return Err(ApiError::field_error(FieldError::empty("justification")));
    }
    let (target, view, catalog) =
        decision_context(state, auth, target_id, &body.source_assessment_id).await?;
    let framework = catalog
        .framework(&view.target_framework)
        .ok_or_else(|| ApiError::internal("the target framework left the catalog"))?;
    let letter = match body
        .art21
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        None => None,
        Some(text) => Some(
            hygeia_catalog::Art21Letter::all()
                .find(|l| l.to_string() == text)
                .ok_or_else(|| {
                    ApiError::field_error(FieldError::one_of(
                        "art21",
                        &["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"],
                    ))
                })?,
        ),
    };
    let section = body
        .section
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(section) = section
        && framework.requirement(section).is_none()
    {
        return Err(ApiError::field_error(FieldError::unknown_requirement(
            "section",
            framework.id(),
            section,
        )));
    }
    let own: HashSet<String> = state
        .store
        .results(&target.id)
        .await?
        .into_iter()
        .filter(|r| r.value != ResultValue::NotAssessed)
        .map(|r| r.requirement_id)
        .collect();
    let selected: Vec<&Derived> = view
        .derived
        .iter()
        .filter(|d| {
            let requirement = framework.requirement(&d.requirement_id);
            letter.is_none_or(|l| requirement.is_some_and(|r| r.nis2_art21.contains(&l)))
                && section.is_none_or(|s| {
                    d.requirement_id == s
                        || framework
                            .ancestors(&d.requirement_id)
                            .iter()
                            .any(|a| a.id == s)
                })
        })
        .collect();
    let mut response = AcceptAllResponse {
        accepted: Vec::new(),
        kept: Vec::new(),
        no_coverage: Vec::new(),
    };
    let mut wanted = Vec::new();
    for d in &selected {
        if d.value == DerivedValue::NoCoverage {
            response.no_coverage.push(d.requirement_id.clone());
        } else if own.contains(&d.requirement_id) {
            response.kept.push(d.requirement_id.clone());
        } else {
            wanted.push(d.requirement_id.as_str());
        }
    }
    let accepting: HashSet<&str> = wanted.iter().copied().collect();
    let decided = accept_all_derived(&view, &wanted, &body.justification)
        .map_err(|e| ApiError::decision(&e))?;
    let source_evidence = state
        .store
        .evidence_by_requirement(&target.entity_id, &view.source_framework)
        .await?;
    let mut evidence: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in selected
        .iter()
        .filter(|d| accepting.contains(d.requirement_id.as_str()))
    {
        let mut ids: Vec<String> = Vec::new();
        for (source, _) in d.counted_sources() {
            for e in source_evidence.get(source).into_iter().flatten() {
                if !ids.contains(&e.id) {
                    ids.push(e.id.clone());
                }
            }
        }
        if !ids.is_empty() {
            evidence.insert(d.requirement_id.clone(), ids);
        }
    }
    response.accepted = state
        .store
        .record_decisions(
            &auth.actor,
            &auth.principal.scope,
            &target.id,
            &decided,
            &catalog,
            &evidence,
        )
        .await?;
    Ok(response)
}

/// Accept every derived result of an Art. 21(2) letter or a section (or all of them) with one
/// justification (compliance managers). Results of its own are kept; evidence of the source
/// requirements is linked to each accepted requirement. All or nothing.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/accept-all", tag = "compliance",
    params(("id" = String, Path, description = "The assessment receiving the results")),
    request_body = AcceptAllBody,
    responses((status = 200, body = AcceptAllResponse), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn accept_all_results(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AcceptAllBody>,
) -> ApiResult<Json<AcceptAllResponse>> {
    Ok(Json(accept_all(&state, &auth, &id, &body).await?))
}
