//! Questionnaires in the browser: sent from the supplier's page (the link is shown once, with
//! a ready-made e-mail), reviewed on their own page — answers with their proposed scores,
//! the reviewer's scores and notes, the evidence given, follow-up actions — and revoked.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use hygeia_domain::access::Permission;
use hygeia_domain::suppliers::portal::SendInput;
use hygeia_domain::suppliers::questionnaire::REVIEW_SCORES;
use hygeia_store::suppliers::{FollowUpInput, Questionnaire, ReviewInput, ReviewScore};

use super::require;
use crate::AppState;
use crate::api::suppliers::questionnaires::send;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::Area;
use crate::ui::assessments::see_other;
use crate::ui::i18n::Tr;
use crate::ui::{
    Choice, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, render, tr_of, url_encode,
};

#[derive(Template)]
#[template(path = "questionnaire_sent.html")]
struct SentPage {
    shell: Shell,
    supplier_href: String,
    contact: String,
    link: String,
    mailto: String,
    expires: String,
}

/// An answer as the review page shows it.
pub struct ReviewLine {
    pub id: String,
    pub section: Option<String>,
    pub text: String,
    pub weight: u8,
    pub answer: String,
    pub comment: String,
    pub proposed: String,
    pub scores: Vec<Choice>,
    pub note: String,
    pub files: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "questionnaire.html")]
struct ReviewPage {
    shell: Shell,
    q: Questionnaire,
    title: String,
    status: String,
    supplier_href: String,
    lines: Vec<ReviewLine>,
    can_assess: bool,
    reviewable: bool,
    open: bool,
    questions: Vec<Choice>,
}

/// Sends a questionnaire from the supplier's page and shows its link once.
pub async fn send_questionnaire(
    State(state): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    require(&auth, Permission::SupplierAssess)?;
    let input = SendInput {
        template_id: fields.text("template_id"),
        contact_name: fields.text("contact_name"),
        contact_email: fields.text("contact_email"),
        language: Some(fields.text("language")).filter(|l| !l.is_empty()),
        expires_in_days: fields.text("expires_in_days").parse().ok(),
    };
    let sent = send(&state, &parts, &auth, &id, &input)
        .await
        .map_err(|e| PageError::new(tr, e))?;
    let supplier = state
        .store
        .supplier(&auth.principal.scope, &id)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    let subject = tr.tf(
        "questionnaires.mail_subject",
        &[("asked_by", &supplier.name)],
    );
    let body = tr.tf(
        "questionnaires.mail_body",
        &[
            ("contact", &sent.questionnaire.contact_name),
            ("link", &sent.link),
        ],
    );
    let title = tr.t("questionnaires.sent").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Suppliers,
        title.clone(),
        vec![
            Crumb::link(tr.t("suppliers.title"), "/suppliers"),
            Crumb::link(
                supplier.name.clone(),
                format!("/suppliers/{}", url_encode(&id)),
            ),
            Crumb::here(title),
        ],
        Some(&supplier.entity_id),
    )
    .await?;
    let page = SentPage {
        shell,
        supplier_href: format!("/suppliers/{}#questionnaires-h", url_encode(&id)),
        contact: format!(
            "{} <{}>",
            sent.questionnaire.contact_name, sent.questionnaire.contact_email
        ),
        mailto: format!(
            "mailto:{}?subject={}&body={}",
            url_encode(&sent.questionnaire.contact_email),
            url_encode(&subject),
            url_encode(&body)
        ),
        expires: sent
            .questionnaire
            .expires_at
            .get(..10)
            .unwrap_or_default()
            .to_owned(),
        link: sent.link,
    };
    render(tr, &page)
}

fn score_label(tr: Tr, score: Option<i64>) -> String {
    score.map_or_else(
        || tr.t("questionnaires.left_out").to_owned(),
        |s| format!("{s}"),
    )
}

async fn scoped(state: &AppState, auth: &Auth, id: &str) -> Result<Questionnaire, PageError> {
    state
        .store
        .questionnaire(&auth.principal.scope, id)
        .await
        .map_err(|e| PageError::new(tr_of(auth), e.into()))
}

pub async fn review_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    let tr = tr_of(&auth);
    require(&auth, Permission::SupplierRead)?;
    let q = scoped(&state, &auth, &id).await?;
    let lang = tr.code();
    let mut lines = Vec::new();
    for section in &q.template.sections {
        for (i, question) in section.questions.iter().enumerate() {
            let given = q.answers.iter().find(|a| a.question_id == question.id);
            let current = given.and_then(|a| a.review_score.or(a.proposed_score.map(i64::from)));
            let mut scores = vec![Choice {
                value: String::new(),
                label: tr.t("questionnaires.left_out").to_owned(),
                selected: current.is_none(),
            }];
            scores.extend(REVIEW_SCORES.iter().map(|s| Choice {
                value: s.to_string(),
                label: s.to_string(),
                selected: current == Some(i64::from(*s)),
            }));
            lines.push(ReviewLine {
                id: question.id.clone(),
                section: (i == 0).then(|| section.title.get(lang).to_owned()),
                text: question.text.get(lang).to_owned(),
                weight: question.weight,
                answer: given
                    .map(|a| {
                        if question.kind
                            == hygeia_domain::suppliers::questionnaire::AnswerKind::YesNo
                            && !a.answer.is_empty()
                        {
                            tr.label("portal.answer", &a.answer)
                        } else {
                            a.answer.clone()
                        }
                    })
                    .unwrap_or_default(),
                comment: given.map(|a| a.comment.clone()).unwrap_or_default(),
                proposed: score_label(tr, given.and_then(|a| a.proposed_score.map(i64::from))),
                scores,
                note: given.map(|a| a.review_note.clone()).unwrap_or_default(),
                files: q
                    .evidence
                    .iter()
                    .filter(|e| e.question_id == question.id)
                    .map(|e| {
                        (
                            e.file_name.clone().unwrap_or_else(|| e.evidence_id.clone()),
                            format!("/api/v1/evidence/{}/content", url_encode(&e.evidence_id)),
                        )
                    })
                    .collect(),
            });
        }
    }
    let title = q.template.title.get(lang).to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Suppliers,
        title.clone(),
        vec![
            Crumb::link(tr.t("suppliers.title"), "/suppliers"),
            Crumb::link(
                q.supplier_name.clone(),
                format!("/suppliers/{}", url_encode(&q.summary.supplier_id)),
            ),
            Crumb::here(title.clone()),
        ],
        Some(&q.entity_id),
    )
    .await?;
    let page = ReviewPage {
        shell,
        title,
        status: if q.summary.expired {
            tr.t("questionnaires.expired").to_owned()
        } else {
            tr.label("questionnaires.status", &q.summary.status)
        },
        supplier_href: format!("/suppliers/{}", url_encode(&q.summary.supplier_id)),
        lines,
        can_assess: auth.principal.require(Permission::SupplierAssess).is_ok(),
        reviewable: matches!(q.summary.status.as_str(), "submitted" | "reviewed"),
        open: matches!(q.summary.status.as_str(), "sent" | "draft"),
        questions: std::iter::once(Choice {
            value: String::new(),
            label: tr.t("questionnaires.whole").to_owned(),
            selected: true,
        })
        .chain(q.template.questions().map(|question| Choice {
            value: question.id.clone(),
            label: question.id.clone(),
            selected: false,
        }))
        .collect(),
        q,
    };
    render(tr, &page)
}

/// Saves the scores and notes set on the review page; `complete` ends the review.
pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    require(&auth, Permission::SupplierAssess)?;
    let q = scoped(&state, &auth, &id).await?;
    let scores = q
        .answers
        .iter()
        .map(|a| ReviewScore {
            question_id: a.question_id.clone(),
            score: fields
                .text(&format!("score.{}", a.question_id))
                .parse()
                .ok(),
            note: fields.text(&format!("note.{}", a.question_id)),
        })
        .collect();
    let input = ReviewInput {
        scores,
        complete: fields.get("complete").is_some(),
    };
    state
        .store
        .review_questionnaire(&auth.actor, &auth.principal.scope, &id, &input)
        .await
        .map_err(|e| PageError::new(tr, ApiError::from(e)))?;
    Ok(see_other(&format!(
        "/suppliers/questionnaires/{}",
        url_encode(&id)
    )))
}

pub async fn revoke(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, _fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    require(&auth, Permission::SupplierAssess)?;
    state
        .store
        .revoke_questionnaire(&auth.actor, &auth.principal.scope, &id)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    Ok(see_other(&format!(
        "/suppliers/questionnaires/{}",
        url_encode(&id)
    )))
}

pub async fn add_action(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    require(&auth, Permission::SupplierAssess)?;
    let input = FollowUpInput {
        title: fields.text("title"),
        question_id: Some(fields.text("question_id")).filter(|q| !q.is_empty()),
        due_on: Some(fields.text("due_on")).filter(|d| !d.is_empty()),
    };
    state
        .store
        .add_questionnaire_action(&auth.actor, &auth.principal.scope, &id, &input)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    Ok(see_other(&format!(
        "/suppliers/questionnaires/{}#actions",
        url_encode(&id)
    )))
}

/// Marks a follow-up action done or open again (form field `status`).
pub async fn set_action_status(
    State(state): State<AppState>,
    Path((id, action_id)): Path<(String, String)>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    require(&auth, Permission::SupplierAssess)?;
    state
        .store
        .set_questionnaire_action_status(
            &auth.actor,
            &auth.principal.scope,
            &id,
            &action_id,
            &fields.text("status"),
        )
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    Ok(see_other(&format!(
        "/suppliers/questionnaires/{}#actions",
        url_encode(&id)
    )))
}

/// Records the answers of a workbook the supplier returned by e-mail (multipart `file`):
/// all or nothing, every problem named by its line; the questionnaire is then submitted.
pub async fn import(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageAuth(auth): PageAuth,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> PageResult {
    let tr = tr_of(&auth);
    require(&auth, Permission::SupplierAssess)?;
    let upload = super::disclosures::checked_upload(&auth, &headers, body).await?;
    let q = scoped(&state, &auth, &id).await?;
    let answers = crate::api::suppliers::workbook::read(&q.template, &upload.content)
        .map_err(|e| PageError::new(tr, e))?;
    state
        .store
        .import_answers(&auth.actor, &auth.principal.scope, &id, &answers)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    Ok(see_other(&format!(
        "/suppliers/questionnaires/{}",
        url_encode(&id)
    )))
}

/// A template as the templates page lists it.
pub struct TemplateLine {
    pub id: String,
    pub title: String,
    pub version: u32,
    pub questions: usize,
    pub custom: bool,
}

#[derive(Template)]
#[template(path = "questionnaire_templates.html")]
struct TemplatesPage {
    shell: Shell,
    lines: Vec<TemplateLine>,
    can_assess: bool,
    text: String,
    error: Option<String>,
}

async fn templates_page_with(
    state: &AppState,
    auth: &Auth,
    text: String,
    error: Option<String>,
) -> PageResult {
    let tr = tr_of(auth);
    require(auth, Permission::SupplierRead)?;
    let lines = crate::api::suppliers::questionnaires::all_templates(state)
        .await
        .map_err(|e| PageError::new(tr, e))?
        .into_iter()
        .map(|(t, custom)| TemplateLine {
            questions: t.questions().count(),
            title: t.title.get(tr.code()).to_owned(),
            id: t.id,
            version: t.version,
            custom,
        })
        .collect();
    let title = tr.t("questionnaires.templates").to_owned();
    let shell = Shell::new(
        state,
        auth,
        Area::Suppliers,
        title.clone(),
        vec![
            Crumb::link(tr.t("suppliers.title"), "/suppliers"),
            Crumb::here(title),
        ],
        None,
    )
    .await?;
    let status = if error.is_some() {
        axum::http::StatusCode::BAD_REQUEST
    } else {
        axum::http::StatusCode::OK
    };
    let page = TemplatesPage {
        shell,
        lines,
        can_assess: auth.principal.require(Permission::SupplierAssess).is_ok(),
        text,
        error,
    };
    crate::ui::assessments::render_status(tr, status, &page)
}

pub async fn templates_page(State(state): State<AppState>, PageAuth(auth): PageAuth) -> PageResult {
    templates_page_with(&state, &auth, String::new(), None).await
}

/// Saves one of the organisation's own templates from the YAML pasted in the form; a refused
/// one is shown again with what is wrong.
pub async fn save_template(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    require(&auth, Permission::SupplierAssess)?;
    let text = fields.text("template");
    match crate::api::suppliers::questionnaires::save(&state, &auth, &text).await {
        Ok(_) => Ok(see_other("/suppliers/templates")),
        Err(e) => {
            let message = crate::ui::assessments::refused(tr, &e);
            templates_page_with(&state, &auth, text, Some(message)).await
        }
    }
}
