//! Questionnaires over the API: the templates, a questionnaire sent to a supplier contact
//! (the answer carries the link once: only its hash is kept), read with its answers,
//! revoked, reviewed, and its follow-up actions. Sending, revoking and reviewing need
//! `SupplierAssess`; reading `SupplierRead`.

use std::sync::OnceLock;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use hygeia_domain::access::Permission;
use hygeia_domain::suppliers::portal::{MAX_UPLOAD_BYTES, SendInput};
use hygeia_domain::suppliers::questionnaire::{AnswerInput, QuestionnaireTemplate};
use hygeia_store::suppliers::{
    FollowUp, FollowUpInput, Questionnaire, QuestionnaireSummary, ReviewInput,
};
use serde::Serialize;

use crate::AppState;
use crate::api::ApiJson;
use crate::api::download::attachment;
use crate::auth::{Auth, random_secret, secret_hash};
use crate::error::ApiResult;
use crate::ui::i18n::Lang;

/// The media type of a workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Marks a questionnaire link's token.
pub const LINK_PREFIX: &str = "hqs_";

/// The shipped templates, read once.
pub fn templates() -> &'static [QuestionnaireTemplate] {
    static TEMPLATES: OnceLock<Vec<QuestionnaireTemplate>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        hygeia_catalog::suppliers::shipped_questionnaires().unwrap_or_else(|error| {
            tracing::error!(%error, "the shipped questionnaire templates do not load");
            Vec::new()
        })
    })
}

pub fn template(id: &str) -> Option<&'static QuestionnaireTemplate> {
    templates().iter().find(|t| t.id == id.trim())
}

/// A template by id: a shipped one, else one of the organisation's own.
pub async fn find_template(state: &AppState, id: &str) -> ApiResult<Option<QuestionnaireTemplate>> {
    match template(id) {
        Some(shipped) => Ok(Some(shipped.clone())),
        None => Ok(state.store.questionnaire_template(id).await?),
    }
}

/// Every template: the shipped ones, then the organisation's own.
pub async fn all_templates(state: &AppState) -> ApiResult<Vec<(QuestionnaireTemplate, bool)>> {
    let mut all: Vec<(QuestionnaireTemplate, bool)> =
        templates().iter().map(|t| (t.clone(), false)).collect();
    all.extend(
        state
            .store
            .questionnaire_templates()
            .await?
            .into_iter()
            .map(|t| (t, true)),
    );
    Ok(all)
}

/// A template as listed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateSummary {
    pub id: String,
    pub version: u32,
    pub title: hygeia_domain::risks::matrix::Label,
    pub description: hygeia_domain::risks::matrix::Label,
    pub questions: usize,
    /// One of the organisation's own (else shipped with Hygeia).
    pub custom: bool,
}

/// The questionnaire templates a supplier can be sent: the shipped short one (moderate
/// suppliers) and full one (critical and high), then the organisation's own.
#[utoipa::path(get, path = "/api/v1/questionnaire-templates", tag = "suppliers",
    responses((status = 200, body = Vec<TemplateSummary>)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_templates(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<TemplateSummary>>> {
    auth.principal.require(Permission::SupplierRead)?;
    Ok(Json(
        all_templates(&state)
            .await?
            .into_iter()
            .map(|(t, custom)| TemplateSummary {
                questions: t.questions().count(),
                id: t.id,
                version: t.version,
                title: t.title,
                description: t.description,
                custom,
            })
            .collect(),
    ))
}

/// Adds one of the organisation's own templates, or its next version (the request body: the
/// template in YAML or JSON, in the shipped templates' format). It is checked whole; every
/// problem is named by its field. Questionnaires already sent keep their copy. Audited.
#[utoipa::path(post, path = "/api/v1/questionnaire-templates", tag = "suppliers",
    request_body(content = String, content_type = "text/plain", description = "The template, YAML or JSON"),
    responses((status = 201, body = TemplateSummary), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn save_template(
    State(state): State<AppState>,
    auth: Auth,
    body: String,
) -> ApiResult<(StatusCode, Json<TemplateSummary>)> {
    auth.principal.require(Permission::SupplierAssess)?;
    let saved = save(&state, &auth, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(TemplateSummary {
            questions: saved.questions().count(),
            id: saved.id,
            version: saved.version,
            title: saved.title,
            description: saved.description,
            custom: true,
        }),
    ))
}

/// Reads, checks and saves one of the organisation's own templates.
pub(crate) async fn save(
    state: &AppState,
    auth: &Auth,
    text: &str,
) -> ApiResult<QuestionnaireTemplate> {
    let template = hygeia_catalog::suppliers::parse_questionnaire("template", text)
        .map_err(crate::catalog::catalog_error)?;
    let reserved: Vec<&str> = templates().iter().map(|t| t.id.as_str()).collect();
    Ok(state
        .store
        .save_questionnaire_template(&auth.actor, &template, &reserved)
        .await?)
}

/// A questionnaire just sent, with its link: shown this once, never stored.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SentQuestionnaire {
    pub questionnaire: QuestionnaireSummary,
    /// The single-use address to give the contact.
    pub link: String,
}

/// Sends a questionnaire to a supplier contact; the answer carries the link once. Audited.
pub(crate) async fn send(
    state: &AppState,
    parts: &Parts,
    auth: &Auth,
    supplier_id: &str,
    input: &SendInput,
) -> ApiResult<SentQuestionnaire> {
    auth.principal.require(Permission::SupplierAssess)?;
    let token = format!("{LINK_PREFIX}{}", random_secret());
    let template = find_template(state, &input.template_id).await?;
    let questionnaire = state
        .store
        .send_questionnaire(
            &auth.actor,
            &auth.principal.scope,
            supplier_id,
            template.as_ref(),
            input,
            &secret_hash(&token),
        )
        .await?;
    let origin = crate::public_origin::public_origin(state, parts);
    Ok(SentQuestionnaire {
        questionnaire,
        link: format!("{origin}/portal/{token}"),
    })
}

/// Sends a questionnaire to a supplier contact as a single-use link with an end date (1 to
/// 90 days); the answer carries the link once. Audited.
#[utoipa::path(post, path = "/api/v1/suppliers/{id}/questionnaires", tag = "suppliers",
    request_body = SendInput,
    responses((status = 201, body = SentQuestionnaire), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn send_questionnaire(
    State(state): State<AppState>,
    parts: Parts,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SendInput>,
) -> ApiResult<(StatusCode, Json<SentQuestionnaire>)> {
    let sent = send(&state, &parts, &auth, &id, &body).await?;
    Ok((StatusCode::CREATED, Json(sent)))
}

/// One questionnaire with its template, answers (proposed and reviewed scores), evidence and
/// follow-up actions.
#[utoipa::path(get, path = "/api/v1/questionnaires/{id}", tag = "suppliers",
    responses((status = 200, body = Questionnaire), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_questionnaire(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Questionnaire>> {
    auth.principal.require(Permission::SupplierRead)?;
    Ok(Json(
        state
            .store
            .questionnaire(&auth.principal.scope, &id)
            .await?,
    ))
}

/// Withdraws a questionnaire still waiting for answers: its link no longer opens. Audited.
#[utoipa::path(post, path = "/api/v1/questionnaires/{id}/revoke", tag = "suppliers",
    responses((status = 200, body = QuestionnaireSummary), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn revoke_questionnaire(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<QuestionnaireSummary>> {
    auth.principal.require(Permission::SupplierAssess)?;
    Ok(Json(
        state
            .store
            .revoke_questionnaire(&auth.actor, &auth.principal.scope, &id)
            .await?,
    ))
}

/// Scores the answers of a submitted questionnaire (0, 50 or 100, or left out); with
/// `complete`, its weighted score sets the supplier's maturity and counts as its review.
/// Audited.
#[utoipa::path(put, path = "/api/v1/questionnaires/{id}/review", tag = "suppliers",
    request_body = ReviewInput,
    responses((status = 200, body = Questionnaire), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn review_questionnaire(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReviewInput>,
) -> ApiResult<Json<Questionnaire>> {
    auth.principal.require(Permission::SupplierAssess)?;
    Ok(Json(
        state
            .store
            .review_questionnaire(&auth.actor, &auth.principal.scope, &id, &body)
            .await?,
    ))
}

/// Raises a follow-up action on a questionnaire (from one of its questions, or whole).
/// Audited.
#[utoipa::path(post, path = "/api/v1/questionnaires/{id}/actions", tag = "suppliers",
    request_body = FollowUpInput,
    responses((status = 201, body = FollowUp), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn add_questionnaire_action(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FollowUpInput>,
) -> ApiResult<(StatusCode, Json<FollowUp>)> {
    auth.principal.require(Permission::SupplierAssess)?;
    let action = state
        .store
        .add_questionnaire_action(&auth.actor, &auth.principal.scope, &id, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(action)))
}

/// The new state of a follow-up action.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct FollowUpState {
    /// `open` or `done`.
    pub status: String,
}

/// Marks a follow-up action done, or open again. Audited with both states.
#[utoipa::path(put, path = "/api/v1/questionnaires/{id}/actions/{action_id}", tag = "suppliers",
    request_body = FollowUpState,
    responses((status = 200, body = FollowUp), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_questionnaire_action_status(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, action_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<FollowUpState>,
) -> ApiResult<Json<FollowUp>> {
    auth.principal.require(Permission::SupplierAssess)?;
    Ok(Json(
        state
            .store
            .set_questionnaire_action_status(
                &auth.actor,
                &auth.principal.scope,
                &id,
                &action_id,
                &body.status,
            )
            .await?,
    ))
}

/// The questionnaire as an XLSX workbook in its language, with the answers saved so far: for
/// suppliers who prefer to answer in a spreadsheet.
#[utoipa::path(get, path = "/api/v1/questionnaires/{id}/export", tag = "suppliers",
    responses((status = 200, description = "XLSX workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn export_questionnaire(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<axum::response::Response> {
    auth.principal.require(Permission::SupplierRead)?;
    let q = state
        .store
        .questionnaire(&auth.principal.scope, &id)
        .await?;
    let answers: Vec<AnswerInput> = q
        .answers
        .iter()
        .map(|a| AnswerInput {
            question_id: a.question_id.clone(),
            answer: a.answer.clone(),
            comment: a.comment.clone(),
        })
        .collect();
    let bytes = super::workbook::write(
        &q.template,
        &answers,
        Lang::from_code(&q.summary.language),
        vec![("Hygeia".to_owned(), q.supplier_name.clone())],
    )?;
    state
        .store
        .record_access(
            &auth.actor,
            "export.download",
            ("questionnaire", &id),
            Some(&q.entity_id),
            serde_json::json!({ "format": "xlsx", "rows": q.template.questions().count() }),
        )
        .await?;
    attachment(bytes, XLSX, &format!("{}.xlsx", q.template.id))
}

/// Records the answers of a workbook the supplier returned (the request body, XLSX), on its
/// behalf: all or nothing, each problem named by its line; every question must be answered.
/// The questionnaire is then submitted. Audited.
#[utoipa::path(post, path = "/api/v1/questionnaires/{id}/import", tag = "suppliers",
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The XLSX workbook"),
    responses((status = 200, body = Questionnaire), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 413, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn import_questionnaire(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> ApiResult<Json<Questionnaire>> {
    auth.principal.require(Permission::SupplierAssess)?;
    let q = state
        .store
        .questionnaire(&auth.principal.scope, &id)
        .await?;
    let bytes = crate::api::assessments::read_limited(&headers, body, MAX_UPLOAD_BYTES).await?;
    let answers = super::workbook::read(&q.template, &bytes)?;
    Ok(Json(
        state
            .store
            .import_answers(&auth.actor, &auth.principal.scope, &id, &answers)
            .await?,
    ))
}
