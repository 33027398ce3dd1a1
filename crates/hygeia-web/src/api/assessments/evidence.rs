//! Evidence: upload (raw body, description in the query), links, download, list with expiry
//! flags, attachment to controls and requirements.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use hygeia_domain::access::Permission;
use hygeia_store::assessments::{Attachment, Evidence, EvidenceLinkInput, EvidenceUpload, Expiry};
use hygeia_store::{Page, PageRequest};
use serde::Deserialize;

use super::entity_in_scope;
use crate::AppState;
use crate::api::{ApiJson, ApiQuery};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvidenceQuery {
    /// Only evidence in this state: `expired`, `expiring_soon`, `valid` or `no_end_date`.
    pub expiry: Option<String>,
    /// Items per page (1–500, default 50).
    pub limit: Option<i64>,
    /// Items to skip.
    pub offset: Option<i64>,
}

/// The entity's evidence with its expiry state (expired, or expiring within 30 days) and
/// what it is attached to.
#[utoipa::path(get, path = "/api/v1/entities/{id}/evidence", tag = "compliance",
    params(EvidenceQuery),
    responses((status = 200, body = Page<Evidence>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_evidence(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<EvidenceQuery>,
) -> ApiResult<Json<Page<Evidence>>> {
    entity_in_scope(&state, &auth, &id, Permission::ComplianceRead).await?;
    let wanted = match query.expiry.as_deref() {
        None => None,
        Some("expired") => Some(Expiry::Expired),
        Some("expiring_soon") => Some(Expiry::ExpiringSoon),
        Some("valid") => Some(Expiry::Valid),
        Some("no_end_date") => Some(Expiry::NoEndDate),
        Some(_) => {
            return Err(ApiError::field(
                "expiry",
                "must be expired, expiring_soon, valid or no_end_date",
            ));
        }
    };
    let page = PageRequest::new(query.limit, query.offset);
    Ok(Json(
        state.store.list_evidence_page(&id, wanted, page).await?,
    ))
}

/// Reads the body up to `limit` bytes, refusing as soon as it is exceeded.
pub(crate) async fn read_limited(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> ApiResult<Vec<u8>> {
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "content: the file exceeds the limit of {limit} bytes"
        ))
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut stream = body.into_data_stream();
    let mut content = Vec::with_capacity(announced.unwrap_or(0).min(limit));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::bad_request(format!("the upload could not be read: {e}")))?;
        if content.len() + chunk.len() > limit {
            return Err(too_large());
        }
        content.extend_from_slice(&chunk);
    }
    Ok(content)
}

/// Upload a file as evidence: the raw bytes as the body, its description in the query. The
/// size limit is enforced while reading (413, nothing stored); the SHA-256 and size are
/// recorded.
#[utoipa::path(post, path = "/api/v1/entities/{id}/evidence", tag = "compliance",
    params(EvidenceUpload),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Evidence), (status = 400, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn upload_evidence(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(mut upload): ApiQuery<EvidenceUpload>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Evidence>)> {
    entity_in_scope(&state, &auth, &id, Permission::ComplianceEdit).await?;
    let content = read_limited(&headers, body, state.config.evidence_max_bytes).await?;
    if upload.media_type.is_none() {
        upload.media_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
    }
    let evidence = state
        .store
        .add_evidence_file(&auth.actor, &id, &upload, &content)
        .await?;
    Ok((StatusCode::CREATED, Json(evidence)))
}

/// Record a link (a ticket, a document elsewhere) as evidence.
#[utoipa::path(post, path = "/api/v1/entities/{id}/evidence-links", tag = "compliance",
    request_body = EvidenceLinkInput,
    responses((status = 201, body = Evidence), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_evidence_link(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EvidenceLinkInput>,
) -> ApiResult<(StatusCode, Json<Evidence>)> {
    entity_in_scope(&state, &auth, &id, Permission::ComplianceEdit).await?;
    let evidence = state
        .store
        .add_evidence_link(&auth.actor, &id, &body)
        .await?;
    Ok((StatusCode::CREATED, Json(evidence)))
}

/// A file name safe inside a quoted header parameter.
fn ascii_file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Download an evidence file, with its SHA-256 in `X-Content-SHA256`.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/content", tag = "compliance",
    responses((status = 200, description = "The file's bytes"),
        (status = 404, description = "Unknown, not visible, or a link")),
    security(("bearer" = []), ("session" = [])))]
pub async fn download_evidence(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    auth.principal.require(Permission::ComplianceRead)?;
    let (evidence, content) = state
        .store
        .evidence_file(&auth.principal.scope, &id)
        .await?;
    entity_in_scope(
        &state,
        &auth,
        &evidence.entity_id,
        Permission::ComplianceRead,
    )
    .await?;
    state
        .store
        .record_access(
            &auth.actor,
            "evidence.download",
            ("evidence", &evidence.id),
            Some(&evidence.entity_id),
            serde_json::json!({ "file_name": evidence.file_name, "sha256": evidence.sha256 }),
        )
        .await?;
    let name = ascii_file_name(evidence.file_name.as_deref().unwrap_or("evidence"));
    let mut response = content.into_response();
    let headers = response.headers_mut();
    // Whatever the uploader declared (kept as data on the evidence record), the bytes are
    // served as an opaque download in a sandbox: an uploaded page or script never runs with
    // this site's origin.
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .map_err(ApiError::internal)?,
    );
    if let Some(sha) = evidence
        .sha256
        .as_deref()
        .and_then(|s| HeaderValue::from_str(s).ok())
    {
        headers.insert("x-content-sha256", sha);
    }
    Ok(response)
}

/// Attach evidence to a control of its entity, or to a requirement (for every assessment of
/// that framework; the reuse view carries it to mapped requirements).
#[utoipa::path(post, path = "/api/v1/evidence/{id}/attachments", tag = "compliance",
    request_body = Attachment,
    responses((status = 200, body = Evidence), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn attach_evidence(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Attachment>,
) -> ApiResult<Json<Evidence>> {
    auth.principal.require(Permission::ComplianceEdit)?;
    let evidence = state.store.evidence(&auth.principal.scope, &id).await?;
    entity_in_scope(
        &state,
        &auth,
        &evidence.entity_id,
        Permission::ComplianceEdit,
    )
    .await?;
    let catalog = state.catalog.current(&state.store).await?;
    Ok(Json(
        state
            .store
            .attach_evidence(&auth.actor, &auth.principal.scope, &id, &body, &catalog)
            .await?,
    ))
}
