//! The source assessment of a reuse, as every derived result shows it (status, scope, date),
//! and the user's attestation that its scope covers the entity.

use axum::Json;
use axum::extract::{Path, State};
use hygeia_compliance::SourceAssessment;
use hygeia_domain::access::Permission;
use hygeia_store::assessments::{Assessment, ScopeAttestation};
use serde::Deserialize;

use super::assessment_for;
use crate::AppState;
use crate::api::ApiJson;
use crate::auth::Auth;
use crate::error::ApiResult;

/// The date a source assessment is shown with: its end date once completed (when set), else
/// the day of its last change.
fn source_date(source: &Assessment) -> String {
    let changed = source.updated_at.get(..10).unwrap_or(&source.updated_at);
    match &source.ends_on {
        Some(end) if source.status == "completed" => end.clone(),
        _ => changed.to_owned(),
    }
}

/// The source assessment as a reuse view names it, and its attestation when it still covers
/// the assessment's current scope.
pub(crate) async fn source_of(
    state: &AppState,
    source: &Assessment,
) -> ApiResult<(SourceAssessment, Option<ScopeAttestation>)> {
    let attestation = state
        .store
        .scope_attestation(&source.id)
        .await?
        .filter(|a| a.covers(&source.scope));
    let info = SourceAssessment {
        assessment_id: source.id.clone(),
        name: source.name.clone(),
        status: source.status.clone(),
        scope: source.scope.clone(),
        date: source_date(source),
        scope_attested: attestation.is_some(),
    };
    Ok((info, attestation))
}

/// The user's statement that the assessment's scope covers its whole entity.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestBody {
    /// Why the scope covers the entity (e.g. "The certificate covers every site and activity").
    pub statement: String,
}

/// Attest that the assessment's current scope covers its whole entity, before its results
/// are reused for another framework (compliance managers). A later change of the scope text
/// voids the attestation; attesting again renews it. Audited as `reuse.attest_scope`.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/scope-attestations", tag = "compliance",
    request_body = AttestBody,
    responses((status = 200, body = ScopeAttestation), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn attest_scope(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AttestBody>,
) -> ApiResult<Json<ScopeAttestation>> {
    let source = assessment_for(&state, &auth, &id, Permission::ComplianceManage).await?;
    Ok(Json(
        state
            .store
            .attest_scope(
                &auth.actor,
                &auth.principal.scope,
                &source.id,
                &body.statement,
            )
            .await?,
    ))
}
