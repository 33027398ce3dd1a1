//! Hygeia's web layer: the REST API under `/api/v1` with its OpenAPI document, health probes,
//! and the server-rendered pages.
//!
//! Handlers follow one path: authenticate (the [`auth::Auth`] extractor) → authorise (the
//! domain's permissions and entity scope) → call the store, which writes the change and its
//! audit record in one transaction. No SQL here, and no HTTP types below this crate.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod api;
pub mod auth;
pub mod catalog;
pub mod error;
mod health;
mod ui;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, header};
use hygeia_store::Store;
use tower_http::LatencyUnit;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark the session cookie `Secure` (and use the `__Host-` prefix). Only turn this off for
    /// plain-HTTP test setups: browsers treat `http://localhost` as secure anyway.
    pub secure_cookies: bool,
    /// How long a browser session lasts without signing in again.
    pub session_ttl: Duration,
    /// Failed sign-ins allowed per e-mail address within the throttle window.
    pub max_failed_logins: i64,
    /// The throttle window.
    pub login_window: Duration,
    /// Largest evidence file accepted, in bytes.
    pub evidence_max_bytes: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: true,
            session_ttl: Duration::from_secs(8 * 3600),
            max_failed_logins: 5,
            login_window: Duration::from_secs(15 * 60),
            evidence_max_bytes: 25 * 1024 * 1024,
        }
    }
}

impl WebConfig {
    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            auth::SESSION_COOKIE
        } else {
            auth::SESSION_COOKIE_INSECURE
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub catalog: catalog::CatalogCache,
    /// The dashboard's per-assessment summaries (keyed by versions read from the database).
    pub(crate) summaries: ui::dashboard::SummaryCache,
    /// The Art. 21(2) scores derived for NIS2 from other frameworks' assessments (same keys,
    /// plus the latest pair review).
    pub(crate) derived_letters: ui::dashboard::DerivedLetterCache,
    /// The dashboard's running tally of audit records per day (keyed by the chain head).
    pub(crate) activity: ui::dashboard::ActivityCache,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig, catalog: catalog::CatalogCache) -> Self {
        Self {
            store,
            config: Arc::new(config),
            catalog,
            summaries: ui::dashboard::SummaryCache::default(),
            derived_letters: ui::dashboard::DerivedLetterCache::default(),
            activity: ui::dashboard::ActivityCache::default(),
        }
    }

    /// Records a token's use at most every five minutes, off the request path.
    pub(crate) fn note_token_use(&self, token_id: &str, last_used_at: Option<&str>) {
        let now = self.store.clock().now();
        let stale = last_used_at
            .and_then(|t| hygeia_domain::clock::parse_instant(t).ok())
            .is_none_or(|t| now - t > chrono::Duration::minutes(5));
        if stale {
            let store = self.store.clone();
            let id = token_id.to_owned();
            tokio::spawn(async move {
                if let Err(error) = store.touch_token(&id).await {
                    tracing::warn!(%error, "could not record token use");
                }
            });
        }
    }
}

#[derive(Clone, Copy)]
struct NewRequestId;

impl MakeRequestId for NewRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&uuid::Uuid::now_v7().to_string())
            .ok()
            .map(RequestId::new)
    }
}

/// The whole application: API, pages, probes, with request ids, logging and security headers.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(health::router())
        .nest("/api/v1", api::router())
        .merge(ui::router())
        .with_state(state)
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
            ),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                // Method and path only: headers (cookies, tokens) and bodies are never logged.
                tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
            })
            // One access-log line per request (status and latency) at info level.
            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Micros))
            .on_request(()),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, NewRequestId))
}
