//! Compliance work over the API: controls, assessments and results, evidence, the ISO 27001 →
//! NIS2 reuse view with accept/override, pair reviews, the remaining-gap view, scores and
//! their trend, and the gap-analysis / Statement of Applicability exports.
//!
//! Every handler authorises with the compliance permissions and the caller's entity scope; an
//! object of an entity outside the scope answers 404.

pub(crate) mod accept_all;
pub(crate) mod attestations;
mod controls;
pub(crate) mod delta_confirmations;
mod evidence;

pub(crate) use evidence::read_limited;
mod exports;
pub(crate) mod results;
pub(crate) mod reuse;
pub(crate) mod scores;

use axum::Router;
use axum::routing::{delete, get, post, put};
use hygeia_compliance::ComplianceError;
use hygeia_domain::access::Permission;
use hygeia_domain::validation::FieldError;
use hygeia_store::assessments::Assessment;

use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/entities/{id}/controls",
            get(controls::list_controls).post(controls::create_control),
        )
        .route(
            "/controls/{id}",
            get(controls::get_control)
                .put(controls::update_control)
                .delete(controls::delete_control),
        )
        .route(
            "/entities/{id}/assessments",
            get(results::list_assessments).post(results::create_assessment),
        )
        .route(
            "/assessments/{id}",
            get(results::get_assessment)
                .put(results::update_assessment)
                .delete(results::delete_assessment),
        )
        .route(
            "/assessments/{id}/requirements",
            get(results::list_assessment_requirements),
        )
        .route("/assessments/{id}/results", post(results::set_results))
        .route(
            "/assessments/{id}/results/{requirement}",
            put(results::set_result),
        )
        .route("/assessments/{id}/reuse", get(reuse::get_reuse))
        .route("/assessments/{id}/accept", post(reuse::accept_result))
        .route(
            "/assessments/{id}/accept-all",
            post(accept_all::accept_all_results),
        )
        .route(
            "/entities/{id}/delta-confirmations",
            get(delta_confirmations::list_delta_confirmations)
                .post(delta_confirmations::confirm_deltas),
        )
        .route(
            "/entities/{id}/delta-confirmations/{framework}/{requirement}",
            delete(delta_confirmations::withdraw_delta),
        )
        .route("/assessments/{id}/override", post(reuse::override_result))
        .route("/assessments/{id}/gaps", get(reuse::get_gaps))
        .route(
            "/assessments/{id}/scope-attestations",
            post(attestations::attest_scope),
        )
        .route("/assessments/{id}/scores", get(scores::assessment_scores))
        .route("/entities/{id}/scores", get(scores::entity_scores))
        .route(
            "/assessments/{id}/exports/{kind}",
            get(exports::export_assessment),
        )
        .route(
            "/mapping-reviews",
            get(reuse::list_mapping_reviews).put(reuse::review_pair),
        )
        .route(
            "/entities/{id}/evidence",
            get(evidence::list_evidence).post(evidence::upload_evidence),
        )
        .route(
            "/entities/{id}/evidence-links",
            post(evidence::create_evidence_link),
        )
        .route("/evidence/{id}/content", get(evidence::download_evidence))
        .route(
            "/evidence/{id}/attachments",
            post(evidence::attach_evidence),
        )
}

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        controls::list_controls, controls::create_control, controls::get_control,
        controls::update_control, controls::delete_control,
        results::list_assessments, results::create_assessment, results::get_assessment,
        results::update_assessment, results::delete_assessment,
        results::list_assessment_requirements, results::set_results, results::set_result,
        reuse::get_reuse, reuse::accept_result, accept_all::accept_all_results,
        reuse::override_result, reuse::get_gaps,
        delta_confirmations::list_delta_confirmations, delta_confirmations::confirm_deltas,
        delta_confirmations::withdraw_delta,
        reuse::list_mapping_reviews, reuse::review_pair, attestations::attest_scope,
        scores::assessment_scores, scores::entity_scores,
        exports::export_assessment,
        evidence::list_evidence, evidence::upload_evidence, evidence::create_evidence_link,
        evidence::download_evidence, evidence::attach_evidence,
    ),
    tags((name = "compliance", description = "Controls, assessments, evidence, ISO 27001 → NIS2 reuse, gaps, scores and exports"))
)]
pub struct AssessmentsDoc;

/// Succeeds when the caller holds `permission` and may see the entity (else 404).
pub(crate) async fn entity_in_scope(
    state: &AppState,
    auth: &Auth,
    entity_id: &str,
    permission: Permission,
) -> ApiResult<()> {
    super::entities::visible_entity(state, auth, entity_id, permission)
        .await
        .map(|_| ())
}

/// The assessment, when the caller holds `permission` and may see its entity (else 404).
pub(crate) async fn assessment_for(
    state: &AppState,
    auth: &Auth,
    id: &str,
    permission: Permission,
) -> ApiResult<Assessment> {
    auth.principal.require(permission)?;
    let assessment = state.store.assessment(&auth.principal.scope, id).await?;
    entity_in_scope(state, auth, &assessment.entity_id, permission).await?;
    Ok(assessment)
}

/// A compliance engine error as a problem naming the field at fault.
pub(crate) fn compliance_error(error: ComplianceError) -> ApiError {
    match &error {
        ComplianceError::UnknownFramework { field, framework } => {
            ApiError::field_error(FieldError::unknown_framework(field, framework))
        }
        ComplianceError::NoMapping { .. } | ComplianceError::SameFramework(_) => {
            ApiError::field("target_framework", error.to_string())
        }
        ComplianceError::InvalidResults(errors) => match errors.first() {
            Some(first) => ApiError::field(first.field(), error.to_string()),
            None => ApiError::bad_request(error.to_string()),
        },
        ComplianceError::InvalidReviews(errors) => match errors.first() {
            Some(first) => ApiError::field(first.field(), error.to_string()),
            None => ApiError::bad_request(error.to_string()),
        },
    }
}
