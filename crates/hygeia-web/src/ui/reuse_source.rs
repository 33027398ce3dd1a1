//! The source assessment beside every derived result on the reuse and gap pages: its status
//! (loud when not completed), scope and date, and the attestation that its scope covers the
//! entity, with the form to give it.

use axum::extract::{Path, State};
use hygeia_compliance::SourceAssessment;
use hygeia_domain::access::Permission;
use hygeia_store::assessments::{Assessment, ScopeAttestation};

use super::assessments::{assessment_page_for, fail, refused, see_other};
use super::i18n::Tr;
use super::{PageForm, PageResult, tr_of};
use crate::AppState;
use crate::api::assessments::attestations::source_of;
use crate::auth::Auth;
use crate::error::ApiError;

/// What the page shows of the source assessment.
pub struct SourcePanel {
    pub id: String,
    pub name: String,
    pub status: String,
    pub completed: bool,
    pub scope: String,
    /// "completed on …" or "last changed on …".
    pub date: String,
    /// Who attested the scope, when, and their statement.
    pub attested: Option<String>,
    pub statement: String,
    /// The attestation form is offered (compliance managers, on the reuse page).
    pub can_attest: bool,
    /// Where the form returns (the reuse page's query).
    pub back: String,
}

impl SourcePanel {
    /// The panel of `source`, as derived (`info`) with its current attestation.
    pub fn new(
        tr: Tr,
        auth: &Auth,
        info: &SourceAssessment,
        attestation: Option<&ScopeAttestation>,
        back: String,
        with_form: bool,
    ) -> Self {
        let date_key = if info.completed() {
            "reuse.source_completed_on"
        } else {
            "reuse.source_changed_on"
        };
        Self {
            id: info.assessment_id.clone(),
            name: info.name.clone(),
            status: tr
                .t(&format!("assessment.status.{}", info.status))
                .to_owned(),
            completed: info.completed(),
            scope: if info.scope.trim().is_empty() {
                tr.t("reuse.scope_none").to_owned()
            } else {
                info.scope.clone()
            },
            date: tr.tf(date_key, &[("date", &tr.date(&info.date))]),
            attested: attestation.map(|a| {
                tr.tf(
                    "reuse.attested_by",
                    &[
                        ("who", &a.attested_by),
                        ("when", &tr.datetime(&a.attested_at)),
                    ],
                )
            }),
            statement: attestation.map(|a| a.statement.clone()).unwrap_or_default(),
            can_attest: with_form && auth.principal.require(Permission::ComplianceManage).is_ok(),
            back,
        }
    }
}

/// The panel of a source assessment as the page's caller sees it.
pub async fn source_panel(
    state: &AppState,
    auth: &Auth,
    source: &Assessment,
    back: String,
    with_form: bool,
) -> Result<SourcePanel, super::PageError> {
    let tr = tr_of(auth);
    let (info, attestation) = source_of(state, source).await.map_err(fail(tr))?;
    Ok(SourcePanel::new(
        tr,
        auth,
        &info,
        attestation.as_ref(),
        back,
        with_form,
    ))
}

/// Records the attestation that the source assessment's scope covers its entity (compliance
/// managers; audited), then returns to the reuse page.
pub async fn attest(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let back = fields.text("back");
    let query = super::reuse::query_from(&back);
    let source = assessment_page_for(&state, &auth, &id, Permission::ComplianceManage).await?;
    let statement = fields.text("statement");
    if statement.is_empty() {
        let message = tr.t("reuse.need_statement").to_owned();
        return super::reuse::show_reuse(&state, &auth, &id, query, Some(message)).await;
    }
    match state
        .store
        .attest_scope(&auth.actor, &auth.principal.scope, &source.id, &statement)
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/compliance/assessments/{}/reuse?{}#source",
            source.id,
            query.encode()
        ))),
        Err(e) => {
            let message = refused(tr, &ApiError::from(e));
            super::reuse::show_reuse(&state, &auth, &id, query, Some(message)).await
        }
    }
}
