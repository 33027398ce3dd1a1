//! Reports as documents over the API (issue 16): the management body's report of an entity,
//! typeset as PDF in English or French. Each download is recorded in the audit trail.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use utoipa::OpenApi;

use super::ApiQuery;
use super::download::attachment;
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::ui::i18n::{Lang, Tr};

#[derive(OpenApi)]
#[openapi(
    paths(board_report),
    tags((name = "reports", description = "Documents for the management body and auditors, typeset as PDF"))
)]
pub struct ReportsDoc;

pub fn router() -> Router<AppState> {
    Router::new().route("/entities/{id}/reports/board", get(board_report))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// `en` (default) or `fr`.
    pub lang: Option<String>,
}

/// The language of a report: English unless `fr` is asked for; anything else is refused.
pub(crate) fn report_language(lang: Option<&str>) -> ApiResult<Lang> {
    match lang {
        None | Some("en") => Ok(Lang::En),
        Some("fr") => Ok(Lang::Fr),
        Some(other) => Err(ApiError::bad_request(format!(
            "lang: '{other}' is not a language of the reports (en or fr)"
        ))),
    }
}

/// The management body's report of an entity as PDF: NIS2 class and Art. 20 duties,
/// compliance per Art. 21(2) measure with its trend, open gaps and overdue actions, the
/// automated checks' observations, top risks and incidents (the parts the caller may read).
#[utoipa::path(get, path = "/api/v1/entities/{id}/reports/board", tag = "reports",
    params(("id" = String, Path, description = "The entity"), ReportQuery),
    responses((status = 200, description = "PDF file", content_type = "application/pdf"),
        (status = 400, body = crate::error::Problem), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn board_report(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Response> {
    let tr = Tr::new(report_language(query.lang.as_deref())?);
    let (file_name, pdf) =
        crate::reports::board_pdf(&state, &auth.principal, &id, tr.code()).await?;
    state
        .store
        .record_access(
            &auth.actor,
            "export.download",
            ("board_report", &id),
            Some(&id),
            serde_json::json!({ "format": "pdf", "lang": tr.code(), "bytes": pdf.len() }),
        )
        .await?;
    attachment(pdf, "application/pdf", &file_name)
}
