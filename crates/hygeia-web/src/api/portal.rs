//! The supplier portal over the API: reached with a questionnaire link's token in the
//! `X-Questionnaire-Token` header (never a user's credentials), it sees that questionnaire
//! only: read it, save answers as a draft or submit them, attach evidence to an answer.
//! Expired, revoked and submitted links answer 410; unknown ones 404, and an address that
//! guesses too often 429.

use axum::body::Body;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use hygeia_domain::suppliers::portal::{
    LinkRefusal, MAX_UPLOAD_BYTES, PORTAL_WINDOW_MINUTES, upload_accepted,
};
use hygeia_domain::suppliers::questionnaire::AnswerInput;
use hygeia_store::assessments::EvidenceUpload;
use hygeia_store::suppliers::{PortalQuestionnaire, PortalResult};
use serde::Deserialize;
use utoipa::OpenApi;

use super::ApiJson;
use crate::AppState;
use crate::auth::{request_actor, secret_hash};
use crate::error::{ApiError, ApiResult};

pub const TOKEN_HEADER: &str = "x-questionnaire-token";

#[derive(OpenApi)]
#[openapi(
    paths(portal_questionnaire, portal_answers, portal_evidence, portal_workbook, portal_import),
    tags((name = "portal", description = "The supplier portal: one questionnaire, reached with its link's token"))
)]
pub struct PortalDoc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/portal/questionnaire", get(portal_questionnaire))
        .route("/portal/answers", put(portal_answers))
        .route("/portal/evidence", post(portal_evidence))
        .route("/portal/workbook", get(portal_workbook).put(portal_import))
}

/// The caller of the portal: the hash of the link's token and the address it comes from.
pub struct PortalCaller {
    pub token_hash: String,
    pub source: String,
}

impl FromRequestParts<AppState> for PortalCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 200)
            .ok_or_else(|| {
                ApiError::NoLink(format!(
                    "the questionnaire link's token is missing: send it in the {TOKEN_HEADER} header"
                ))
            })?;
        Ok(PortalCaller {
            token_hash: secret_hash(token),
            source: request_actor(parts, None, &state.config).source,
        })
    }
}

/// The API's answer to a link that does not open.
pub fn refusal(refusal: LinkRefusal) -> ApiError {
    match refusal {
        LinkRefusal::Unknown => ApiError::NotFound("no questionnaire has this link".into()),
        LinkRefusal::Expired => ApiError::Gone(
            "this questionnaire link has expired: ask your contact for a new one".into(),
        ),
        LinkRefusal::Revoked => ApiError::Gone("this questionnaire was withdrawn".into()),
        LinkRefusal::Submitted => ApiError::Gone(
            "this questionnaire was already submitted: its answers can no longer change".into(),
        ),
        LinkRefusal::Throttled => ApiError::TooManyGuesses {
            retry_after_secs: (PORTAL_WINDOW_MINUTES * 60).unsigned_abs(),
        },
    }
}

fn opened<T>(result: PortalResult<T>) -> ApiResult<T> {
    result.map_err(refusal)
}

/// The questionnaire the link opens: its template, the answers and evidence saved so far.
#[utoipa::path(get, path = "/api/v1/portal/questionnaire", tag = "portal",
    responses((status = 200, body = PortalQuestionnaire), (status = 401, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 410, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem)),
    security(("questionnaire" = [])))]
pub async fn portal_questionnaire(
    State(state): State<AppState>,
    caller: PortalCaller,
) -> ApiResult<Json<PortalQuestionnaire>> {
    let result = state
        .store
        .portal_questionnaire(&caller.token_hash, &caller.source)
        .await?;
    Ok(Json(opened(result)?))
}

/// Answers to save: as a draft, or submitted (every question answered; the link then
/// closes).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PortalAnswers {
    pub answers: Vec<AnswerInput>,
    #[serde(default)]
    pub submit: bool,
}

/// Saves answers, all or nothing; with `submit`, every question must be answered and the
/// link closes.
#[utoipa::path(put, path = "/api/v1/portal/answers", tag = "portal", request_body = PortalAnswers,
    responses((status = 200, body = PortalQuestionnaire), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 410, body = crate::error::Problem), (status = 429, body = crate::error::Problem)),
    security(("questionnaire" = [])))]
pub async fn portal_answers(
    State(state): State<AppState>,
    caller: PortalCaller,
    ApiJson(body): ApiJson<PortalAnswers>,
) -> ApiResult<Json<PortalQuestionnaire>> {
    let result = state
        .store
        .portal_save(
            &caller.token_hash,
            &caller.source,
            &body.answers,
            body.submit,
        )
        .await?;
    Ok(Json(opened(result)?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    /// The question the file supports.
    pub question_id: String,
    /// The file's name (its extension decides whether it is accepted: pdf, png, jpg, jpeg,
    /// txt, csv, xlsx, docx, odt).
    pub file_name: String,
}

/// Checks an upload's kind and size, the same for the API and the portal's page.
pub fn check_upload(file_name: &str, size: usize) -> ApiResult<()> {
    if !upload_accepted(file_name) {
        return Err(ApiError::bad_request(format!(
            "'{file_name}' is not an accepted kind of file (pdf, png, jpg, jpeg, txt, csv, xlsx, docx, odt)"
        )));
    }
    if size > MAX_UPLOAD_BYTES {
        return Err(ApiError::PayloadTooLarge(format!(
            "the file is larger than {} MiB",
            MAX_UPLOAD_BYTES / (1024 * 1024)
        )));
    }
    Ok(())
}

/// Attaches a file (the request body, at most 10 MiB) to the answer of one question.
#[utoipa::path(post, path = "/api/v1/portal/evidence", tag = "portal", params(EvidenceQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = PortalQuestionnaire), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 410, body = crate::error::Problem), (status = 413, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem)),
    security(("questionnaire" = [])))]
pub async fn portal_evidence(
    State(state): State<AppState>,
    caller: PortalCaller,
    Query(query): Query<EvidenceQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<PortalQuestionnaire>)> {
    check_upload(&query.file_name, 0)?;
    let content = super::assessments::read_limited(&headers, body, MAX_UPLOAD_BYTES).await?;
    check_upload(&query.file_name, content.len())?;
    let upload = EvidenceUpload {
        title: query.file_name.clone(),
        file_name: query.file_name.clone(),
        valid_until: None,
        media_type: headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let result = state
        .store
        .portal_attach(
            &caller.token_hash,
            &caller.source,
            &query.question_id,
            &upload,
            &content,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(opened(result)?)))
}

/// The questionnaire as an XLSX workbook in its language, with the answers saved so far, to
/// answer in a spreadsheet.
#[utoipa::path(get, path = "/api/v1/portal/workbook", tag = "portal",
    responses((status = 200, description = "XLSX workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 410, body = crate::error::Problem), (status = 429, body = crate::error::Problem)),
    security(("questionnaire" = [])))]
pub async fn portal_workbook(
    State(state): State<AppState>,
    caller: PortalCaller,
) -> ApiResult<axum::response::Response> {
    let q = opened(
        state
            .store
            .portal_questionnaire(&caller.token_hash, &caller.source)
            .await?,
    )?;
    workbook_of(&q)
}

/// The workbook of a questionnaire opened through its link.
pub fn workbook_of(q: &PortalQuestionnaire) -> ApiResult<axum::response::Response> {
    let bytes = super::suppliers::workbook::write(
        &q.template,
        &q.answers,
        crate::ui::i18n::Lang::from_code(&q.language),
        vec![(q.asked_by.clone(), q.supplier_name.clone())],
    )?;
    super::download::attachment(
        bytes,
        super::suppliers::questionnaires::XLSX,
        &format!("{}.xlsx", q.template.id),
    )
}

/// Saves the answers of a filled workbook (the request body, XLSX) as a draft, all or
/// nothing, each problem named by its line; submit them with `PUT /api/v1/portal/answers`.
#[utoipa::path(put, path = "/api/v1/portal/workbook", tag = "portal",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The XLSX workbook"),
    responses((status = 200, body = PortalQuestionnaire), (status = 400, body = crate::error::Problem),
        (status = 401, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 410, body = crate::error::Problem), (status = 413, body = crate::error::Problem),
        (status = 429, body = crate::error::Problem)),
    security(("questionnaire" = [])))]
pub async fn portal_import(
    State(state): State<AppState>,
    caller: PortalCaller,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<PortalQuestionnaire>> {
    let q = opened(
        state
            .store
            .portal_questionnaire(&caller.token_hash, &caller.source)
            .await?,
    )?;
    let bytes = super::assessments::read_limited(&headers, body, MAX_UPLOAD_BYTES).await?;
    let answers = super::suppliers::workbook::read(&q.template, &bytes)?;
    let result = state
        .store
        .portal_save(&caller.token_hash, &caller.source, &answers, false)
        .await?;
    Ok(Json(opened(result)?))
}
