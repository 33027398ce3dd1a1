//! Confirming deltas from the pages: ticked on the remaining-gap view (several at once, one
//! note) or one at a time on the reuse view, and withdrawn there; through the same functions
//! as the API (`api::assessments::delta_confirmations`).

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use hygeia_catalog::ids::NIS2_2024_2690;
use hygeia_domain::access::Permission;

use super::assessments::{assessment_page_for, see_other};
use super::{PageError, PageForm, PageResult, tr_of};
use crate::AppState;
use crate::api::assessments::delta_confirmations::{ConfirmBody, confirm, withdraw};

/// Where to go back to: the gap view or the reuse view of the source assessment, on the same
/// target framework and letter.
fn back_to(source_id: &str, fields: &super::forms::Fields, target: &str) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("target", target);
    let art21 = fields.text("art21");
    if !art21.is_empty() {
        query.append_pair("art21", &art21);
    }
    let page = if fields.text("return") == "gaps" {
        "gaps"
    } else {
        "reuse"
    };
    let anchor = fields
        .all("req")
        .first()
        .filter(|_| page == "reuse")
        .map(|r| format!("#d-{}", super::assessments::anchor(r)))
        .unwrap_or_default();
    format!(
        "/compliance/assessments/{source_id}/{page}?{}{anchor}",
        query.finish()
    )
}

/// Confirms the ticked deltas (or withdraws one) for the source assessment's entity.
pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let source = assessment_page_for(&state, &auth, &id, Permission::ComplianceRead).await?;
    let target = Some(fields.text("target"))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| NIS2_2024_2690.to_owned());
    let back = back_to(&source.id, &fields, &target);
    let requirement_ids = fields.all("req");
    let outcome = if fields.get("withdraw").is_some() {
        match requirement_ids.first() {
            Some(requirement) => {
                withdraw(&state, &auth, &source.entity_id, &target, requirement).await
            }
            None => Ok(()),
        }
    } else {
        let body = ConfirmBody {
            framework_id: Some(target.clone()),
            requirement_ids,
            note: fields.text("note"),
            evidence_id: None,
        };
        confirm(&state, &auth, &source.entity_id, &body)
            .await
            .map(|_| ())
    };
    match outcome {
        Ok(()) => Ok(see_other(&back).into_response()),
        Err(error) => Err(PageError::new(tr, error).back(back)),
    }
}
