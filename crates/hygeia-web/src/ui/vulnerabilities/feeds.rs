//! The advisory feeds (`/vulnerabilities/feeds`): what the hub holds (advisories, newest
//! release, KEV catalog version), the latest imports, and for administrators a form to import a
//! file (a `.tar.gz` bundle of CSAF documents, one CSAF document, or the KEV catalog). Nothing is
//! ever downloaded: plants are air-gapped, feeds arrive as files.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_store::vulnerabilities::FeedStatus;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::i18n::Tr;
use crate::ui::{Area, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of};

/// One import as listed.
pub struct ImportRow {
    pub seq: i64,
    pub at: String,
    pub by: String,
    pub files: String,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "advisory_feeds.html")]
struct FeedsPage {
    shell: Shell,
    status: String,
    kev: String,
    imports: Vec<ImportRow>,
    can_import: bool,
    /// The outcome of an import just made, or why it was refused.
    done: Option<String>,
    error: Option<String>,
}

fn status_line(tr: Tr, status: &FeedStatus) -> (String, String) {
    let advisories = tr.tf(
        "vulnerabilities.feed_status",
        &[
            ("count", &tr.num(status.advisories)),
            (
                "newest",
                &status
                    .newest_release
                    .as_deref()
                    .map(|d| tr.date(d))
                    .unwrap_or_else(|| "—".to_owned()),
            ),
        ],
    );
    let kev = match &status.kev_version {
        Some(version) => tr.tf(
            "vulnerabilities.kev_status",
            &[("version", version), ("count", &tr.num(status.kev_entries))],
        ),
        None => tr.t("vulnerabilities.no_kev").to_owned(),
    };
    (advisories, kev)
}

pub async fn feeds_page(State(state): State<AppState>, PageAuth(auth): PageAuth) -> PageResult {
    show(&state, &auth, None, None).await
}

async fn show(
    state: &AppState,
    auth: &Auth,
    done: Option<String>,
    error: Option<(String, StatusCode)>,
) -> PageResult {
    let tr = tr_of(auth);
    let fail = |e: hygeia_store::StoreError| PageError::new(tr, e.into());
    auth.principal
        .require(Permission::AssetRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let status = state.store.feed_status().await.map_err(fail)?;
    let imports = state.store.advisory_imports(50).await.map_err(fail)?;
    let title = tr.t("vulnerabilities.feeds").to_owned();
    let shell = Shell::new(
        state,
        auth,
        Area::Assets,
        title.clone(),
        vec![
            Crumb::link(tr.t("nav.assets"), "/assets"),
            Crumb::link(tr.t("vulnerabilities.title"), "/vulnerabilities"),
            Crumb::here(title),
        ],
        None,
    )
    .await?;
    let (status_text, kev) = status_line(tr, &status);
    let page = FeedsPage {
        status: status_text,
        kev,
        imports: imports
            .iter()
            .map(|i| ImportRow {
                seq: i.seq,
                at: tr.datetime(&i.created_at),
                by: i.created_by.clone(),
                files: i.file_names.join(", "),
                summary: import_summary(tr, i),
            })
            .collect(),
        can_import: auth.principal.require(Permission::AdvisoryImport).is_ok(),
        done,
        error: error.as_ref().map(|(message, _)| message.clone()),
        shell,
    };
    let mut response = render(tr, &page)?;
    if let Some((_, status)) = error {
        *response.status_mut() = status;
    }
    Ok(response)
}

fn import_summary(tr: Tr, i: &hygeia_store::vulnerabilities::AdvisoryImport) -> String {
    let mut text = tr.tf(
        "vulnerabilities.import_summary",
        &[
            ("new", &tr.num(i.advisories_new)),
            ("updated", &tr.num(i.advisories_updated)),
            ("unchanged", &tr.num(i.advisories_unchanged)),
            ("older", &tr.num(i.advisories_older)),
        ],
    );
    if let Some(version) = &i.kev_version {
        text.push_str(" · ");
        text.push_str(&tr.tf("vulnerabilities.import_kev", &[("version", version)]));
    }
    text
}

/// Imports an uploaded file (multipart: `csrf`, `file`), then shows the page with what the
/// import stored and the matching it caused, or why nothing was stored.
pub async fn upload(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> PageResult {
    use crate::ui::result_detail::{UploadError, read_upload, size};
    let tr = tr_of(&auth);
    auth.principal
        .require(Permission::AdvisoryImport)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let limit = crate::api::vulnerabilities::FEED_MAX_BYTES;
    let upload = match read_upload(&headers, body, limit).await {
        Ok(upload) => upload,
        Err(UploadError::TooLarge) => {
            let limit = size(tr, i64::try_from(limit).unwrap_or(i64::MAX));
            let message = tr.tf("evidence.too_large", &[("limit", &limit)]);
            return show(
                &state,
                &auth,
                None,
                Some((message, StatusCode::PAYLOAD_TOO_LARGE)),
            )
            .await;
        }
        Err(UploadError::Unreadable(detail)) => {
            let message = format!("{} {detail}", tr.t("evidence.unreadable"));
            return show(
                &state,
                &auth,
                None,
                Some((message, StatusCode::BAD_REQUEST)),
            )
            .await;
        }
    };
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
    let name = if upload.file_name.trim().is_empty() {
        "upload".to_owned()
    } else {
        upload.file_name.clone()
    };
    let body = axum::body::Bytes::from(upload.content);
    match crate::api::vulnerabilities::import_upload(&state, &auth, name, body).await {
        Ok(outcome) => {
            let mut done = import_summary(tr, &outcome.import);
            if let Some(matching) = &outcome.matching {
                done.push_str(" · ");
                done.push_str(&tr.tf(
                    "vulnerabilities.import_matched",
                    &[
                        ("assets", &tr.num(matching.assets)),
                        ("new", &tr.num(matching.matches_new)),
                        ("affected", &tr.num(matching.assets_newly_affected)),
                    ],
                ));
                if matching.assets_left > 0 {
                    done.push_str(" · ");
                    done.push_str(&tr.tf(
                        "vulnerabilities.import_matching_left",
                        &[("assets", &tr.num(matching.assets_left))],
                    ));
                }
            }
            show(&state, &auth, Some(done), None).await
        }
        Err(ApiError::BadRequest { errors, detail }) => {
            let listed = if errors.is_empty() {
                detail
            } else {
                errors
                    .iter()
                    .take(20)
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join(" · ")
            };
            let message = format!("{} {listed}", tr.t("vulnerabilities.import_refused"));
            show(
                &state,
                &auth,
                None,
                Some((message, StatusCode::BAD_REQUEST)),
            )
            .await
        }
        Err(other) => Err(PageError::new(tr, other)),
    }
}
