//! Medical device makers' MDS2 disclosures over the API: a filled form (XLSX) imported for a
//! supplier, all or nothing with each wrong row named by sheet and line; read back with the
//! answers per group and the findings that bear on the entity's duties. Importing and removing
//! need `SupplierAssess`; reading `SupplierRead`.

use std::sync::OnceLock;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::suppliers::mds2::{
    FindingState, Mds2Answer, Mds2Form, Mds2Guide, SheetRow, read_form,
};
use hygeia_domain::suppliers::portal::MAX_UPLOAD_BYTES;
use hygeia_store::suppliers::{DeviceDisclosure, DisclosureSummary};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

/// The shipped guide to MDS2 forms, read once.
pub fn guide() -> &'static Mds2Guide {
    static GUIDE: OnceLock<Mds2Guide> = OnceLock::new();
    GUIDE.get_or_init(|| {
        hygeia_catalog::suppliers::mds2_guide().unwrap_or_else(|error| {
            tracing::error!(%error, "the shipped MDS2 guide does not load");
            Mds2Guide {
                groups: Vec::new(),
                checks: Vec::new(),
            }
        })
    })
}

/// Reads a filled MDS2 workbook, every sheet.
pub fn read_workbook(bytes: &[u8]) -> ApiResult<Mds2Form> {
    let sheets = hygeia_report::read_sheets(bytes)
        .map_err(|e| ApiError::bad_request(format!("the MDS2 file: {e}")))?;
    let rows: Vec<SheetRow<'_>> = sheets
        .iter()
        .flat_map(|sheet| {
            sheet
                .rows
                .iter()
                .map(|(line, cells)| (sheet.name.as_str(), *line, cells.as_slice()))
        })
        .collect();
    read_form(&rows).map_err(|e| ApiError::bad_request(format!("the MDS2 file: {e}")))
}

/// How one group was answered.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GroupTally {
    pub code: String,
    /// Its title in English (the guide's), or its code when the guide lacks it.
    pub title: String,
    pub yes: usize,
    pub no: usize,
    pub not_applicable: usize,
    pub see_note: usize,
    pub unanswered: usize,
}

/// A question whose answer bears on the entity's duties, answered otherwise than expected
/// (`gap`) or left to a note or unanswered (`to_check`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Finding {
    pub question_id: String,
    pub question: String,
    pub answer: Option<Mds2Answer>,
    pub expected: Mds2Answer,
    pub state: FindingState,
    pub note: String,
    /// What it leaves to the entity, in English.
    pub concern: String,
    pub refs: Vec<String>,
}

/// A disclosure whole, read through the guide.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DisclosureView {
    #[serde(flatten)]
    pub disclosure: DeviceDisclosure,
    pub groups: Vec<GroupTally>,
    pub findings: Vec<Finding>,
}

/// The answers per group, in the guide's order, then groups it lacks.
pub fn tallies(form: &Mds2Form, lang: &str) -> Vec<GroupTally> {
    let counts = form.tally();
    let mut codes: Vec<&str> = guide()
        .groups
        .iter()
        .map(|g| g.code.as_str())
        .filter(|c| counts.contains_key(c))
        .collect();
    codes.extend(
        counts
            .keys()
            .filter(|c| !codes.contains(c))
            .copied()
            .collect::<Vec<_>>(),
    );
    codes
        .into_iter()
        .map(|code| {
            let of = |answer: Option<Mds2Answer>| {
                counts
                    .get(code)
                    .and_then(|c| c.get(&answer))
                    .copied()
                    .unwrap_or(0)
            };
            GroupTally {
                code: code.to_owned(),
                title: guide()
                    .groups
                    .iter()
                    .find(|g| g.code == code)
                    .map_or_else(|| code.to_owned(), |g| g.title.get(lang).to_owned()),
                yes: of(Some(Mds2Answer::Yes)),
                no: of(Some(Mds2Answer::No)),
                not_applicable: of(Some(Mds2Answer::NotApplicable)),
                see_note: of(Some(Mds2Answer::SeeNote)),
                unanswered: of(None),
            }
        })
        .collect()
}

/// The findings, concerns in `lang`.
pub fn findings(form: &Mds2Form, lang: &str) -> Vec<Finding> {
    guide()
        .findings(form)
        .into_iter()
        .map(|f| Finding {
            question_id: f.row.id.clone(),
            question: f.row.question.clone(),
            answer: f.row.answer,
            expected: f.check.expected,
            state: f.state,
            note: f.row.note.clone(),
            concern: f.check.concern.get(lang).to_owned(),
            refs: f.check.refs.clone(),
        })
        .collect()
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The file's name, kept with the disclosure.
    pub file_name: Option<String>,
}

/// Imports a maker's filled MDS2 form (the request body, XLSX) for a supplier: read whole,
/// refused whole when a row's answer is not Yes, No, N/A or See Note (each named by sheet and
/// line) or when the form names no device. Audited.
#[utoipa::path(post, path = "/api/v1/suppliers/{id}/device-disclosures", tag = "suppliers",
    params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The filled MDS2 workbook (XLSX)"),
    responses((status = 201, body = DisclosureView), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn import_device_disclosure(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> ApiResult<(StatusCode, Json<DisclosureView>)> {
    auth.principal.require(Permission::SupplierAssess)?;
    let scope = &auth.principal.scope;
    state.store.device_disclosures(scope, &id).await?;
    let bytes = crate::api::assessments::read_limited(&headers, body, MAX_UPLOAD_BYTES).await?;
    let form = read_workbook(&bytes)?;
    let file_name = query.file_name.unwrap_or_else(|| "mds2.xlsx".to_owned());
    let disclosure = state
        .store
        .import_device_disclosure(&auth.actor, scope, &id, &file_name, &form)
        .await?;
    Ok((StatusCode::CREATED, Json(view(disclosure))))
}

fn view(disclosure: DeviceDisclosure) -> DisclosureView {
    DisclosureView {
        groups: tallies(&disclosure.form, "en"),
        findings: findings(&disclosure.form, "en"),
        disclosure,
    }
}

/// A supplier's MDS2 disclosures, newest first.
#[utoipa::path(get, path = "/api/v1/suppliers/{id}/device-disclosures", tag = "suppliers",
    responses((status = 200, body = Vec<DisclosureSummary>), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_device_disclosures(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<DisclosureSummary>>> {
    auth.principal.require(Permission::SupplierRead)?;
    Ok(Json(
        state
            .store
            .device_disclosures(&auth.principal.scope, &id)
            .await?,
    ))
}

/// One disclosure with every answer, the answers per group and the findings.
#[utoipa::path(get, path = "/api/v1/device-disclosures/{id}", tag = "suppliers",
    responses((status = 200, body = DisclosureView), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_device_disclosure(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<DisclosureView>> {
    auth.principal.require(Permission::SupplierRead)?;
    let disclosure = state
        .store
        .device_disclosure(&auth.principal.scope, &id)
        .await?;
    Ok(Json(view(disclosure)))
}

/// Removes a disclosure. Audited with what it was.
#[utoipa::path(delete, path = "/api/v1/device-disclosures/{id}", tag = "suppliers",
    responses((status = 200, body = DisclosureSummary), (status = 403, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn remove_device_disclosure(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<DisclosureSummary>> {
    auth.principal.require(Permission::SupplierAssess)?;
    Ok(Json(
        state
            .store
            .remove_device_disclosure(&auth.actor, &auth.principal.scope, &id)
            .await?,
    ))
}
