//! Medical device makers' MDS2 disclosures in the browser: listed on the supplier's page with
//! an upload form, and one disclosure's page — the device's facts, the findings that bear on
//! the entity's duties, the answers per group, and every answer.

use askama::Template;
use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_domain::suppliers::mds2::{FindingState, Mds2Answer, Mds2Row};
use hygeia_store::StoreError;
use hygeia_store::suppliers::DeviceDisclosure;

use super::require;
use crate::AppState;
use crate::api::suppliers::disclosures::{Finding, GroupTally, findings, read_workbook, tallies};
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::assessments::see_other;
use crate::ui::i18n::Tr;
use crate::ui::result_detail::{Upload, UploadError, read_upload};
use crate::ui::{
    Area, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, render, tr_of, url_encode,
};

/// A disclosure as the supplier's page lists it.
pub struct DisclosureLine {
    pub href: String,
    pub device: String,
    pub manufacturer: String,
    pub released_on: String,
    pub imported_on: String,
    pub file_name: String,
}

/// The supplier's disclosures, newest first.
pub async fn disclosure_lines(
    state: &AppState,
    auth: &Auth,
    supplier_id: &str,
) -> Result<Vec<DisclosureLine>, StoreError> {
    Ok(state
        .store
        .device_disclosures(&auth.principal.scope, supplier_id)
        .await?
        .into_iter()
        .map(|d| DisclosureLine {
            href: format!("/suppliers/device-disclosures/{}", url_encode(&d.id)),
            device: d.device,
            manufacturer: d.manufacturer.unwrap_or_default(),
            released_on: d.released_on.unwrap_or_default(),
            imported_on: d.imported_at.chars().take(10).collect(),
            file_name: d.file_name,
        })
        .collect())
}

/// An upload form's content, once its size and its CSRF token are checked.
pub(super) async fn checked_upload(
    auth: &Auth,
    headers: &axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Upload, PageError> {
    let tr = tr_of(auth);
    let limit = hygeia_domain::suppliers::portal::MAX_UPLOAD_BYTES;
    let upload = read_upload(headers, body, limit).await.map_err(|e| {
        PageError::new(
            tr,
            match e {
                UploadError::TooLarge => ApiError::PayloadTooLarge(tr.tf(
                    "portal.too_large",
                    &[("mib", &(limit / (1024 * 1024)).to_string())],
                )),
                UploadError::Unreadable(detail) => ApiError::bad_request(detail),
            },
        )
    })?;
    let session_ok = match &auth.via {
        crate::auth::Via::Session { csrf_token, .. } => *csrf_token == upload.csrf,
        crate::auth::Via::Token { .. } => true,
    };
    if !session_ok {
        return Err(PageError::new(
            tr,
            ApiError::Forbidden(tr.t("error.csrf").to_owned()),
        ));
    }
    Ok(upload)
}

/// Imports the form uploaded (multipart `file`) for the supplier, all or nothing.
pub async fn import(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageAuth(auth): PageAuth,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> PageResult {
    let tr = tr_of(&auth);
    require(&auth, Permission::SupplierAssess)?;
    let upload = checked_upload(&auth, &headers, body).await?;
    let form = read_workbook(&upload.content).map_err(|e| PageError::new(tr, e))?;
    let file_name = if upload.file_name.is_empty() {
        "mds2.xlsx".to_owned()
    } else {
        upload.file_name
    };
    let stored = state
        .store
        .import_device_disclosure(&auth.actor, &auth.principal.scope, &id, &file_name, &form)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    Ok(see_other(&format!(
        "/suppliers/device-disclosures/{}",
        url_encode(&stored.summary.id)
    )))
}

/// One answer as shown.
pub struct AnswerLine {
    pub id: String,
    pub question: String,
    pub answer: String,
    pub note: String,
}

/// One group's answers.
pub struct GroupAnswers {
    pub tally: GroupTally,
    pub answers: Vec<AnswerLine>,
}

/// One finding as shown.
pub struct FindingLine {
    pub finding: Finding,
    pub answer: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "device_disclosure.html")]
struct DisclosurePage {
    shell: Shell,
    d: DeviceDisclosure,
    supplier_href: String,
    findings: Vec<FindingLine>,
    groups: Vec<GroupAnswers>,
    can_assess: bool,
}

fn answer_label(tr: Tr, answer: Option<Mds2Answer>) -> String {
    match answer {
        Some(a) => tr.label("disclosures.answer", a.as_str()),
        None => tr.t("disclosures.unanswered").to_owned(),
    }
}

fn answer_line(tr: Tr, row: &Mds2Row) -> AnswerLine {
    AnswerLine {
        id: row.id.clone(),
        question: row.question.clone(),
        answer: if row.answer.is_none() && row.group == "DOC" {
            String::new()
        } else {
            answer_label(tr, row.answer)
        },
        note: row.note.clone(),
    }
}

pub async fn disclosure_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    let tr = tr_of(&auth);
    require(&auth, Permission::SupplierRead)?;
    let d = state
        .store
        .device_disclosure(&auth.principal.scope, &id)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    let supplier = state
        .store
        .supplier(&auth.principal.scope, &d.summary.supplier_id)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    let supplier_href = format!("/suppliers/{}", url_encode(&supplier.id));
    let shell = Shell::new(
        &state,
        &auth,
        Area::Suppliers,
        d.summary.device.clone(),
        vec![
            Crumb::link(tr.t("suppliers.title"), "/suppliers"),
            Crumb::link(supplier.name.clone(), &supplier_href),
            Crumb::here(d.summary.device.clone()),
        ],
        Some(&d.summary.entity_id),
    )
    .await?;
    let lang = tr.code();
    let findings = findings(&d.form, lang)
        .into_iter()
        .map(|f| FindingLine {
            answer: answer_label(tr, f.answer),
            state: tr.label(
                "disclosures.state",
                match f.state {
                    FindingState::Gap => "gap",
                    FindingState::ToCheck => "to_check",
                },
            ),
            finding: f,
        })
        .collect();
    let groups = tallies(&d.form, lang)
        .into_iter()
        .map(|tally| GroupAnswers {
            answers: d
                .form
                .rows
                .iter()
                .filter(|r| r.group == tally.code)
                .map(|r| answer_line(tr, r))
                .collect(),
            tally,
        })
        .collect();
    let page = DisclosurePage {
        shell,
        supplier_href,
        findings,
        groups,
        can_assess: auth.principal.require(Permission::SupplierAssess).is_ok(),
        d,
    };
    render(tr, &page)
}

/// Removes a disclosure, back to its supplier.
pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, _fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    require(&auth, Permission::SupplierAssess)?;
    let removed = state
        .store
        .remove_device_disclosure(&auth.actor, &auth.principal.scope, &id)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    Ok(see_other(&format!(
        "/suppliers/{}#disclosures-h",
        url_encode(&removed.supplier_id)
    )))
}
