//! Vulnerabilities of the inventory over the API: importing advisory feeds as files (CSAF
//! documents and bundles, the KEV catalog), the prioritised list of matches, one match, its
//! triage, and one advisory with the assets it concerns.
//!
//! Reading needs `AssetRead` (matches of entities outside the caller's scope answer 404);
//! importing `AdvisoryImport` (administrators: a feed applies to every entity); triage
//! `VulnerabilityTriage`, and accepting a risk also `ComplianceManage`.

mod export;
pub(crate) mod planning;

use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::{Path, State};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use hygeia_advisories::Feed;
use hygeia_domain::access::Permission;
use hygeia_domain::vulnerabilities::{Triage, TriageInput};
use hygeia_store::Page;
use hygeia_store::vulnerabilities::{
    AdvisoryExposure, AdvisoryImport, FeedStatus, MatchRun, StoredAdvisory, VulnerabilityFilter,
    VulnerabilityMatch,
};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::{ApiJson, ApiQuery, Paging};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

#[derive(OpenApi)]
#[openapi(
    paths(
        import_advisory_feed, list_advisory_imports, list_vulnerabilities, get_vulnerability,
        triage_vulnerability, get_advisory, planning::list_maintenance_windows,
        planning::create_maintenance_window, planning::update_maintenance_window,
        planning::delete_maintenance_window, planning::set_remediation_plan,
        export::export_vulnerabilities,
    ),
    tags((name = "vulnerabilities", description = "Advisories (CSAF, KEV) imported from files and matched against the inventory; triage"))
)]
pub struct VulnerabilitiesDoc;

/// Largest feed file the API accepts (CISA's whole ICS bundle is about 4 MiB compressed).
pub const FEED_MAX_BYTES: usize = 32 * 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/advisories/imports",
            post(import_advisory_feed)
                .layer(DefaultBodyLimit::max(FEED_MAX_BYTES))
                .get(list_advisory_imports),
        )
        .route("/advisories/{id}", get(get_advisory))
        .route("/vulnerabilities", get(list_vulnerabilities))
        .route(
            "/vulnerabilities/export",
            get(export::export_vulnerabilities),
        )
        .route("/vulnerabilities/{id}", get(get_vulnerability))
        .route("/vulnerabilities/{id}/triage", put(triage_vulnerability))
        .route(
            "/vulnerabilities/{id}/plan",
            put(planning::set_remediation_plan),
        )
        .route(
            "/entities/{id}/maintenance-windows",
            get(planning::list_maintenance_windows).post(planning::create_maintenance_window),
        )
        .route(
            "/maintenance-windows/{id}",
            put(planning::update_maintenance_window).delete(planning::delete_maintenance_window),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The file's name, for the import record (default `upload`).
    pub name: Option<String>,
}

/// What an import stored, and the matching it caused.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    pub import: AdvisoryImport,
    /// Assets matched again because the feed changed, within the first 20 seconds (what is
    /// left, `assets_left`, goes on in the background); absent when the matching failed (the
    /// import is stored all the same and the hub's ten-minute sweep matches again).
    pub matching: Option<MatchRun>,
    /// Files of the upload left aside on purpose (provider index files…).
    pub skipped: Vec<String>,
    /// Older revisions in the upload dropped for a newer one in the same upload.
    pub superseded: Vec<String>,
}

/// Reads an upload: a `.tar.gz` bundle (recognised by its gzip signature) or one JSON
/// document (a CSAF advisory or the KEV catalog).
pub(crate) fn read_upload(name: &str, body: &[u8]) -> ApiResult<Feed> {
    if body.is_empty() {
        return Err(ApiError::field("body", "the upload is empty".to_owned()));
    }
    if body.starts_with(&[0x1f, 0x8b]) {
        Feed::from_tar_gz(body, name)
            .map_err(|e| ApiError::field("body", format!("not a readable bundle: {e}")))
    } else {
        Ok(Feed::from_documents([(name, body)]))
    }
}

/// Stores an uploaded feed and matches the inventory against it; the caller has checked the
/// permission. A feed with an unreadable document is refused whole.
pub(crate) async fn import_upload(
    state: &AppState,
    auth: &Auth,
    name: String,
    body: Bytes,
) -> ApiResult<ImportOutcome> {
    let reading_name = name.clone();
    let feed = tokio::task::spawn_blocking(move || read_upload(&reading_name, &body))
        .await
        .map_err(|e| ApiError::Internal(format!("reading the upload stopped: {e}")))??;
    let import = state
        .store
        .import_advisories(&auth.actor, std::slice::from_ref(&name), &feed)
        .await?;
    let matching = match crate::vulnerabilities::match_after_import(state).await {
        Ok(run) => Some(run),
        Err(error) => {
            tracing::warn!(%error, "the import is stored but matching the inventory failed");
            None
        }
    };
    Ok(ImportOutcome {
        import,
        matching,
        skipped: feed.skipped.iter().map(|s| s.path.clone()).collect(),
        superseded: feed.superseded.iter().map(|s| s.path.clone()).collect(),
    })
}

/// Import advisories from a file: the body is a `.tar.gz` bundle of CSAF documents (such as
/// CISA's), one CSAF JSON document, or the KEV catalog JSON. Nothing is fetched. The import is
/// all-or-nothing (a document that cannot be read is named in the refusal and nothing is
/// stored) and idempotent (an advisory is kept once per publisher and tracking id, its newest
/// revision). Every asset is then matched again when the feed changed.
#[utoipa::path(post, path = "/api/v1/advisories/imports", tag = "vulnerabilities",
    params(ImportQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream",
        description = "A .tar.gz bundle, a CSAF JSON document, or the KEV catalog JSON"),
    responses((status = 200, body = ImportOutcome), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn import_advisory_feed(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<ImportQuery>,
    body: Bytes,
) -> ApiResult<Json<ImportOutcome>> {
    auth.principal.require(Permission::AdvisoryImport)?;
    let name = query
        .name
        .map(|n| n.trim().chars().take(200).collect::<String>())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "upload".to_owned());
    Ok(Json(import_upload(&state, &auth, name, body).await?))
}

/// The stored feed and its imports.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FeedOverview {
    pub status: FeedStatus,
    /// The latest imports, newest first.
    pub imports: Vec<AdvisoryImport>,
    /// Whose data this is.
    pub credit: String,
}

/// What the hub holds of its advisory feeds, and the latest imports.
#[utoipa::path(get, path = "/api/v1/advisories/imports", tag = "vulnerabilities",
    responses((status = 200, body = FeedOverview)), security(("bearer" = []), ("session" = [])))]
pub async fn list_advisory_imports(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<FeedOverview>> {
    auth.principal.require(Permission::AssetRead)?;
    Ok(Json(FeedOverview {
        status: state.store.feed_status().await?,
        imports: state.store.advisory_imports(50).await?,
        credit: hygeia_advisories::CREDIT.to_owned(),
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VulnerabilityQuery {
    pub entity_id: Option<String>,
    pub asset_id: Option<String>,
    pub advisory_id: Option<String>,
    /// `affected`, `possibly_affected`, `unknown` or `fixed`.
    pub status: Option<String>,
    /// `new`, `confirmed`, `false_positive`, `accepted_risk` or `mitigated`.
    pub triage: Option<String>,
    /// Only matches with a CVE in CISA's KEV catalog.
    pub kev: Option<bool>,
    /// Only matches that still ask for work: exposed, and not closed by their triage (a
    /// false positive, a mitigation, an acceptance that has not expired).
    pub open: Option<bool>,
    /// `overdue` (a remediation plan not done past its due day), `planned`, `done`, or `none`
    /// (no plan yet).
    pub plan: Option<String>,
    /// Only matches whose plan waits for this maintenance window.
    pub window_id: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// The `next` of the previous page.
    pub after: Option<String>,
}

/// The vulnerabilities of the inventory in the order to handle them: exploited in the wild
/// (KEV) and used by ransomware first, then by CVSS base score, then by the asset's role (a
/// controller before an office computer), then by how sure the match is.
#[utoipa::path(get, path = "/api/v1/vulnerabilities", tag = "vulnerabilities",
    params(VulnerabilityQuery),
    responses((status = 200, body = Page<VulnerabilityMatch>), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_vulnerabilities(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<VulnerabilityQuery>,
) -> ApiResult<Json<Page<VulnerabilityMatch>>> {
    auth.principal.require(Permission::AssetRead)?;
    let filter = VulnerabilityFilter {
        entity_id: query.entity_id,
        asset_id: query.asset_id,
        advisory_id: query.advisory_id,
        status: query.status,
        triage: query.triage,
        kev: query.kev,
        open: query.open,
        plan: query.plan,
        window_id: query.window_id,
        after: query.after,
    };
    let page = Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .request();
    Ok(Json(
        state
            .store
            .list_vulnerabilities(&auth.principal.scope, &filter, page)
            .await?,
    ))
}

/// One match: the asset, the advisory, the status and its reason, CVEs, KEV, remediations and
/// the triage.
#[utoipa::path(get, path = "/api/v1/vulnerabilities/{id}", tag = "vulnerabilities",
    responses((status = 200, body = VulnerabilityMatch), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_vulnerability(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<VulnerabilityMatch>> {
    auth.principal.require(Permission::AssetRead)?;
    Ok(Json(
        state
            .store
            .vulnerability(&auth.principal.scope, &id)
            .await?,
    ))
}

/// Records the triage of a match: `confirmed`, `false_positive` (with the reason),
/// `accepted_risk` (with the justification and an end date; compliance managers and
/// administrators only), `mitigated` (naming the compensating control), or `new` to reopen
/// it. Recorded in the audit trail with the triage it replaces.
#[utoipa::path(put, path = "/api/v1/vulnerabilities/{id}/triage", tag = "vulnerabilities",
    request_body = TriageInput,
    responses((status = 200, body = VulnerabilityMatch), (status = 400, body = crate::error::Problem),
        (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn triage_vulnerability(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TriageInput>,
) -> ApiResult<Json<VulnerabilityMatch>> {
    Ok(Json(triage(&state, &auth, &id, &body).await?))
}

/// Checks and records a triage (the API and the page share it).
pub(crate) async fn triage(
    state: &AppState,
    auth: &Auth,
    id: &str,
    input: &TriageInput,
) -> ApiResult<VulnerabilityMatch> {
    auth.principal.require(Permission::AssetRead)?;
    auth.principal.require(Permission::VulnerabilityTriage)?;
    // Not found before refused: a match outside the scope is not disclosed.
    state.store.vulnerability(&auth.principal.scope, id).await?;
    let today = state.store.clock().now().date_naive();
    let decision = input
        .check(today)
        .map_err(|errors| ApiError::from(hygeia_store::StoreError::Invalid(errors)))?;
    if decision.triage == Triage::AcceptedRisk {
        auth.principal.require(Permission::ComplianceManage)?;
    }
    Ok(state
        .store
        .triage_vulnerability(&auth.actor, &auth.principal.scope, id, &decision)
        .await?)
}

/// One advisory with the assets it concerns.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdvisoryDetail {
    pub advisory: StoredAdvisory,
    /// Assets concerned per entity (in the caller's scope) and status.
    pub exposure: Vec<AdvisoryExposure>,
    pub credit: String,
}

/// One stored advisory (summary, digest of the imported document) and how many assets of
/// each visible entity it concerns; list them with `GET /api/v1/vulnerabilities?advisory_id=`.
#[utoipa::path(get, path = "/api/v1/advisories/{id}", tag = "vulnerabilities",
    responses((status = 200, body = AdvisoryDetail), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_advisory(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<AdvisoryDetail>> {
    auth.principal.require(Permission::AssetRead)?;
    Ok(Json(AdvisoryDetail {
        advisory: state.store.advisory(&id).await?,
        exposure: state
            .store
            .advisory_exposure(&auth.principal.scope, &id)
            .await?,
        credit: hygeia_advisories::CREDIT.to_owned(),
    }))
}
