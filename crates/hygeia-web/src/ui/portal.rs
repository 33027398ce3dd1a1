//! The supplier portal's pages (`/portal/{token}`): the one questionnaire a link opens, in
//! the language it was sent in, with no account and nothing else of Hygeia. The supplier
//! saves drafts, attaches evidence to an answer and submits; a link that no longer opens
//! says why. Answers are refused whole with what was typed kept.

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hygeia_domain::suppliers::portal::{LinkRefusal, MAX_UPLOAD_BYTES};
use hygeia_domain::suppliers::questionnaire::{AnswerInput, AnswerKind, YES_NO};
use hygeia_store::assessments::EvidenceUpload;
use hygeia_store::suppliers::PortalQuestionnaire;

use crate::AppState;
use crate::api::portal::check_upload;
use crate::auth::{request_actor, secret_hash};
use crate::error::ApiError;
use crate::ui::forms::Fields;
use crate::ui::i18n::{Lang, Tr};
use crate::ui::{Choice, url_encode};

/// A question as the portal shows it.
pub struct PortalQuestion {
    pub id: String,
    pub text: String,
    pub refs: String,
    pub yes_no: bool,
    pub choices: Vec<Choice>,
    pub answer: String,
    pub comment: String,
    pub evidence: bool,
    pub files: Vec<String>,
}

pub struct PortalSection {
    pub title: String,
    pub questions: Vec<PortalQuestion>,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage {
    tr: Tr,
    action: String,
    title: String,
    description: String,
    asked_by: String,
    supplier: String,
    contact: String,
    expires: String,
    draft: bool,
    sections: Vec<PortalSection>,
    error: Option<String>,
    notice: Option<String>,
    max_mib: usize,
}

#[derive(Template)]
#[template(path = "portal_closed.html")]
struct ClosedPage {
    tr: Tr,
    heading: String,
    message: String,
}

/// The portal's headers: no referrer ever carries the link away, nothing is cached.
fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn html<T: Template>(status: StatusCode, page: &T) -> Response {
    match page.render() {
        Ok(body) => private((status, axum::response::Html(body)).into_response()),
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// Why a link does not open, as a page in `tr`'s language.
fn closed(tr: Tr, refusal: LinkRefusal) -> Response {
    let key = refusal.as_str();
    let status = match refusal {
        LinkRefusal::Unknown => StatusCode::NOT_FOUND,
        LinkRefusal::Throttled => StatusCode::TOO_MANY_REQUESTS,
        _ => StatusCode::GONE,
    };
    let page = ClosedPage {
        tr,
        heading: tr.t(&format!("portal.closed.{key}")).to_owned(),
        message: tr.t(&format!("portal.closed.{key}_help")).to_owned(),
    };
    html(status, &page)
}

fn failed(error: ApiError) -> Response {
    private(error.into_response())
}

/// Why a link does not open, in the questionnaire's language when the link is known, else in
/// the browser's.
async fn refused(
    state: &AppState,
    hash: &str,
    headers: &HeaderMap,
    refusal: LinkRefusal,
) -> Response {
    let known = match refusal {
        LinkRefusal::Unknown | LinkRefusal::Throttled => None,
        _ => state.store.portal_language(hash).await.ok().flatten(),
    };
    let tr = known.map_or_else(
        || browser_tr(headers),
        |code| Tr::new(Lang::from_code(&code)),
    );
    closed(tr, refusal)
}

/// The browser's language, for pages shown before the questionnaire's own is known.
fn browser_tr(headers: &HeaderMap) -> Tr {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    Tr::new(Lang::from_accept_language(accept))
}

fn field_name(kind: &str, question: &str) -> String {
    format!("{kind}.{question}")
}

fn page_of(
    token: &str,
    q: &PortalQuestionnaire,
    typed: Option<&[AnswerInput]>,
    error: Option<String>,
    notice: Option<String>,
) -> PortalPage {
    let tr = Tr::new(Lang::from_code(&q.language));
    let lang = tr.code();
    let answers = typed.unwrap_or(&q.answers);
    let sections = q
        .template
        .sections
        .iter()
        .map(|s| PortalSection {
            title: s.title.get(lang).to_owned(),
            questions: s
                .questions
                .iter()
                .map(|question| {
                    let given = answers.iter().find(|a| a.question_id == question.id);
                    let answer = given.map(|a| a.answer.clone()).unwrap_or_default();
                    PortalQuestion {
                        yes_no: question.kind == AnswerKind::YesNo,
                        choices: YES_NO
                            .iter()
                            .map(|code| Choice {
                                value: (*code).to_owned(),
                                label: tr.label("portal.answer", code),
                                selected: *code == answer,
                            })
                            .collect(),
                        id: question.id.clone(),
                        text: question.text.get(lang).to_owned(),
                        refs: question.refs.join(" · "),
                        comment: given.map(|a| a.comment.clone()).unwrap_or_default(),
                        answer,
                        evidence: question.evidence,
                        files: q
                            .evidence
                            .iter()
                            .filter(|e| e.question_id == question.id)
                            .filter_map(|e| e.file_name.clone())
                            .collect(),
                    }
                })
                .collect(),
        })
        .collect();
    PortalPage {
        action: format!("/portal/{}", url_encode(token)),
        title: q.template.title.get(lang).to_owned(),
        description: q.template.description.get(lang).to_owned(),
        asked_by: q.asked_by.clone(),
        supplier: q.supplier_name.clone(),
        contact: q.contact_name.clone(),
        expires: q.expires_at.get(..10).unwrap_or(&q.expires_at).to_owned(),
        draft: q.status == "draft",
        sections,
        error,
        notice,
        max_mib: MAX_UPLOAD_BYTES / (1024 * 1024),
        tr,
    }
}

pub async fn portal_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    parts: axum::http::request::Parts,
) -> Response {
    let source = request_actor(&parts, None, &state.config).source;
    match state
        .store
        .portal_questionnaire(&secret_hash(&token), &source)
        .await
    {
        Ok(Ok(q)) => html(StatusCode::OK, &page_of(&token, &q, None, None, None)),
        Ok(Err(refusal)) => refused(&state, &secret_hash(&token), &headers, refusal).await,
        Err(e) => failed(e.into()),
    }
}

/// Saves the answers typed (`action=save`) or submits them (`action=submit`).
pub async fn portal_save(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    parts: axum::http::request::Parts,
    body: Bytes,
) -> Response {
    let source = request_actor(&parts, None, &state.config).source;
    let hash = secret_hash(&token);
    let fields = Fields::parse(&body);
    let q = match state.store.portal_questionnaire(&hash, &source).await {
        Ok(Ok(q)) => q,
        Ok(Err(refusal)) => return refused(&state, &hash, &headers, refusal).await,
        Err(e) => return failed(e.into()),
    };
    let answers: Vec<AnswerInput> = q
        .template
        .questions()
        .map(|question| AnswerInput {
            question_id: question.id.clone(),
            answer: fields.text(&field_name("answer", &question.id)),
            comment: fields.text(&field_name("comment", &question.id)),
        })
        .filter(|a| !a.answer.is_empty() || !a.comment.is_empty())
        .collect();
    let submit = fields.get("action") == Some("submit");
    let tr = Tr::new(Lang::from_code(&q.language));
    match state
        .store
        .portal_save(&hash, &source, &answers, submit)
        .await
    {
        Ok(Ok(saved)) if submit => {
            let page = ClosedPage {
                tr,
                heading: tr.t("portal.submitted").to_owned(),
                message: tr.tf("portal.submitted_help", &[("asked_by", &saved.asked_by)]),
            };
            html(StatusCode::OK, &page)
        }
        Ok(Ok(saved)) => {
            let notice = Some(tr.t("portal.saved").to_owned());
            html(StatusCode::OK, &page_of(&token, &saved, None, None, notice))
        }
        Ok(Err(refusal)) => closed(tr, refusal),
        Err(e) => {
            let error = ApiError::from(e);
            let message = match &error {
                ApiError::BadRequest { errors, .. } if submit && !errors.is_empty() => {
                    tr.tf("portal.unanswered", &[("count", &errors.len().to_string())])
                }
                other => other.to_string(),
            };
            html(
                StatusCode::BAD_REQUEST,
                &page_of(&token, &q, Some(&answers), Some(message), None),
            )
        }
    }
}

/// A file sent through an open link, with the questionnaire it was sent to.
struct Uploaded {
    source: String,
    hash: String,
    q: PortalQuestionnaire,
    tr: Tr,
    upload: super::result_detail::Upload,
}

/// Opens the link and reads a multipart upload (within the portal's limit); a link that does
/// not open, or a file too large or unreadable, is answered at once.
async fn uploaded(
    state: &AppState,
    token: &str,
    headers: &HeaderMap,
    parts: &axum::http::request::Parts,
    body: Body,
) -> Result<Uploaded, Box<Response>> {
    use super::result_detail::{UploadError, read_upload};
    let source = request_actor(parts, None, &state.config).source;
    let hash = secret_hash(token);
    let q = match state.store.portal_questionnaire(&hash, &source).await {
        Ok(Ok(q)) => q,
        Ok(Err(refusal)) => return Err(Box::new(refused(state, &hash, headers, refusal).await)),
        Err(e) => return Err(Box::new(failed(e.into()))),
    };
    let tr = Tr::new(Lang::from_code(&q.language));
    let refuse = |message: String, status: StatusCode| {
        Box::new(html(status, &page_of(token, &q, None, Some(message), None)))
    };
    let upload = match read_upload(headers, body, MAX_UPLOAD_BYTES).await {
        Ok(upload) => upload,
        Err(UploadError::TooLarge) => {
            let limit = (MAX_UPLOAD_BYTES / (1024 * 1024)).to_string();
            return Err(refuse(
                tr.tf("portal.too_large", &[("mib", &limit)]),
                StatusCode::PAYLOAD_TOO_LARGE,
            ));
        }
        Err(UploadError::Unreadable(detail)) => {
            return Err(refuse(detail, StatusCode::BAD_REQUEST));
        }
    };
    Ok(Uploaded {
        source,
        hash,
        q,
        tr,
        upload,
    })
}

impl Uploaded {
    /// The questionnaire again, with why the upload was refused.
    fn refuse(&self, token: &str, message: String, status: StatusCode) -> Response {
        html(status, &page_of(token, &self.q, None, Some(message), None))
    }

    /// The page after the store's answer: the questionnaire with `notice`, why the link
    /// closed meanwhile, or why the upload was refused.
    fn answered(
        &self,
        token: &str,
        result: Result<
            hygeia_store::suppliers::PortalResult<PortalQuestionnaire>,
            hygeia_store::StoreError,
        >,
        notice: String,
    ) -> Response {
        match result {
            Ok(Ok(after)) => html(
                StatusCode::OK,
                &page_of(token, &after, None, None, Some(notice)),
            ),
            Ok(Err(refusal)) => closed(self.tr, refusal),
            Err(e) => self.refuse(
                token,
                ApiError::from(e).to_string(),
                StatusCode::BAD_REQUEST,
            ),
        }
    }
}

/// Attaches a file to one answer (multipart: `question_id`, `file`).
pub async fn portal_attach(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    parts: axum::http::request::Parts,
    body: Body,
) -> Response {
    let up = match uploaded(&state, &token, &headers, &parts, body).await {
        Ok(uploaded) => uploaded,
        Err(response) => return *response,
    };
    let file = &up.upload;
    if let Err(e) = check_upload(&file.file_name, file.content.len()) {
        return up.refuse(&token, e.to_string(), e.status());
    }
    let evidence = EvidenceUpload {
        title: file.file_name.clone(),
        file_name: file.file_name.clone(),
        valid_until: None,
        media_type: file.media_type.clone(),
    };
    let result = state
        .store
        .portal_attach(
            &up.hash,
            &up.source,
            &file.question,
            &evidence,
            &file.content,
        )
        .await;
    let notice = up.tr.tf("portal.attached", &[("file", &file.file_name)]);
    up.answered(&token, result, notice)
}

/// The questionnaire as a workbook to fill in.
pub async fn portal_workbook(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    parts: axum::http::request::Parts,
) -> Response {
    let source = request_actor(&parts, None, &state.config).source;
    match state
        .store
        .portal_questionnaire(&secret_hash(&token), &source)
        .await
    {
        Ok(Ok(q)) => match crate::api::portal::workbook_of(&q) {
            Ok(response) => private(response),
            Err(e) => failed(e),
        },
        Ok(Err(refusal)) => refused(&state, &secret_hash(&token), &headers, refusal).await,
        Err(e) => failed(e.into()),
    }
}

/// A filled workbook uploaded (multipart `file`): its answers saved as a draft, all or
/// nothing, or every problem listed by line.
pub async fn portal_import(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    parts: axum::http::request::Parts,
    body: Body,
) -> Response {
    let up = match uploaded(&state, &token, &headers, &parts, body).await {
        Ok(uploaded) => uploaded,
        Err(response) => return *response,
    };
    let answers = match crate::api::suppliers::workbook::read(&up.q.template, &up.upload.content) {
        Ok(answers) => answers,
        Err(e) => return up.refuse(&token, e.to_string(), StatusCode::BAD_REQUEST),
    };
    let result = state
        .store
        .portal_save(&up.hash, &up.source, &answers, false)
        .await;
    let notice = up
        .tr
        .tf("portal.imported", &[("count", &answers.len().to_string())]);
    up.answered(&token, result, notice)
}
