//! Accepting every derived result shown on the reuse view (an Art. 21(2) letter, or all) with
//! one justification, through the API's function (`api::assessments::accept_all`).

use axum::extract::{Path, State};
use axum::response::IntoResponse;
use hygeia_domain::access::Permission;

use super::assessments::{assessment_page_for, refused, see_other};
use super::reuse::{query_from, show_reuse};
use super::{PageForm, PageResult, tr_of};
use crate::AppState;
use crate::api::assessments::accept_all::{AcceptAllBody, accept_all};

pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let back = fields.text("back");
    let query = query_from(&back);
    let source = assessment_page_for(&state, &auth, &id, Permission::ComplianceRead).await?;
    let body = AcceptAllBody {
        source_assessment_id: source.id.clone(),
        art21: Some(fields.text("art21")).filter(|l| !l.is_empty()),
        section: None,
        justification: fields.text("justification"),
    };
    match accept_all(&state, &auth, &fields.text("target_assessment"), &body).await {
        Ok(_) => Ok(see_other(&format!(
            "/compliance/assessments/{}/reuse?{back}",
            source.id
        ))
        .into_response()),
        Err(error) => {
            let message = refused(tr, &error);
            show_reuse(&state, &auth, &id, query, Some(message)).await
        }
    }
}
