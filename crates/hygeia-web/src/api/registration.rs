//! An entity's registration data over the API (NIS2 Art. 3(4); Art. 27(2) for digital
//! providers): the sheet as JSON, saved whole, and typeset as PDF. Reading needs `EntityRead`,
//! saving `EntityUpdate` (entities outside the caller's scope answer 404); each save and each
//! PDF download is audited.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use hygeia_domain::access::Permission;
use hygeia_domain::org::registration::RegistrationInput;
use utoipa::OpenApi;

use super::download::attachment;
use super::entities::visible_entity;
use super::reports::{ReportQuery, report_language};
use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;
use crate::reports::registration::{RegistrationSheet, sheet, sheet_pdf};
use crate::ui::i18n::Tr;

#[derive(OpenApi)]
#[openapi(
    paths(get_registration, save_registration, registration_pdf),
    components(schemas(RegistrationSheet))
)]
pub struct RegistrationDoc;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/entities/{id}/registration",
            get(get_registration).put(save_registration),
        )
        .route("/entities/{id}/registration/pdf", get(registration_pdf))
}

/// The entity's registration sheet: what its competent authority asks for (Art. 3(4), or
/// Art. 27(2) for DNS, cloud, data centre, CDN, managed (security) service providers and online
/// platforms), filled from its profile and its saved data, with what is still missing.
#[utoipa::path(get, path = "/api/v1/entities/{id}/registration", tag = "organisation",
    params(("id" = String, Path, description = "The entity")),
    responses((status = 200, body = RegistrationSheet), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_registration(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<RegistrationSheet>> {
    let entity = visible_entity(&state, &auth, &id, Permission::EntityRead).await?;
    Ok(Json(sheet(&state, &auth.principal, &entity).await?))
}

/// Saves the registration data whole: addresses, e-mail addresses, telephone numbers, Member
/// States served, public IP ranges (CIDR; private and reserved ranges are refused), the
/// representative in the Union. Every bad item is named (`ip_ranges[2]`) and nothing is saved;
/// it may be saved incomplete. Audited with before and after.
#[utoipa::path(put, path = "/api/v1/entities/{id}/registration", tag = "organisation",
    params(("id" = String, Path, description = "The entity")),
    request_body = RegistrationInput,
    responses((status = 200, body = RegistrationSheet), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn save_registration(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RegistrationInput>,
) -> ApiResult<Json<RegistrationSheet>> {
    let entity = visible_entity(&state, &auth, &id, Permission::EntityUpdate).await?;
    state
        .store
        .save_registration(&auth.actor, &auth.principal.scope, &id, &body)
        .await?;
    Ok(Json(sheet(&state, &auth.principal, &entity).await?))
}

/// The registration sheet typeset as PDF, in English or French; audited as a download.
#[utoipa::path(get, path = "/api/v1/entities/{id}/registration/pdf", tag = "organisation",
    params(("id" = String, Path, description = "The entity"), ReportQuery),
    responses((status = 200, description = "PDF file", content_type = "application/pdf"),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn registration_pdf(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    let tr = Tr::new(report_language(query.lang.as_deref())?);
    let entity = visible_entity(&state, &auth, &id, Permission::EntityRead).await?;
    let sheet = sheet(&state, &auth.principal, &entity).await?;
    let pdf = sheet_pdf(&state, &sheet, tr.code()).await?;
    state
        .store
        .record_access(
            &auth.actor,
            "export.download",
            ("registration", &id),
            Some(&id),
            serde_json::json!({ "format": "pdf", "lang": tr.code(), "bytes": pdf.len() }),
        )
        .await?;
    attachment(pdf, "application/pdf", &format!("registration-{id}.pdf"))
}
