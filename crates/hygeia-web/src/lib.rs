//! Hygeia's web layer: the REST API under `/api/v1` with its OpenAPI document, health probes,
//! and the server-rendered pages.
//!
//! Handlers follow one path: authenticate (the [`auth::Auth`] extractor) → authorise (the
//! domain's permissions and entity scope) → call the store, which writes the change and its
//! audit record in one transaction. No SQL here, and no HTTP types below this crate.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod api;
pub mod auth;
pub mod breached;
pub mod catalog;
pub mod checks;
pub mod client_address;
pub mod error;
mod health;
pub mod jobs;
mod passwords;
mod public_origin;
pub mod reports;
mod security_log;
pub mod server;
mod ui;
pub mod vulnerabilities;

pub use ui::page_check;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use hygeia_store::Store;
use tower_http::LatencyUnit;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark the session cookie `Secure` (and use the `__Host-` prefix). Only turn this off for
    /// plain-HTTP test setups: browsers treat `http://localhost` as secure anyway.
    pub secure_cookies: bool,
    /// Longest life of a browser session, however active (absolute timeout).
    pub session_ttl: Duration,
    /// A session unused for this long ends (idle timeout).
    pub session_idle: Duration,
    /// When password checks are refused after failures.
    pub throttle: hygeia_domain::throttle::ThrottlePolicy,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: client_address::TrustedProxies,
    /// Which roles must sign in with a second factor.
    pub mfa_policy: hygeia_domain::mfa::MfaPolicy,
    /// The name authenticator apps show for this instance.
    pub mfa_issuer: String,
    /// An offline list of breached passwords that new passwords are checked against.
    pub breached_passwords: Option<breached::BreachedList>,
    /// Largest evidence file accepted, in bytes.
    pub evidence_max_bytes: usize,
    /// The address users reach Hygeia at (`https://hygeia.example.org`): the single sign-on
    /// redirect address and the site security keys answer for; without it, the request's host
    /// is used.
    pub public_url: Option<String>,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: true,
            session_ttl: Duration::from_secs(12 * 3600),
            session_idle: Duration::from_secs(30 * 60),
            throttle: hygeia_domain::throttle::ThrottlePolicy::default(),
            trusted_proxies: client_address::TrustedProxies::default(),
            mfa_policy: hygeia_domain::mfa::MfaPolicy::default(),
            mfa_issuer: "Hygeia".into(),
            breached_passwords: None,
            evidence_max_bytes: 25 * 1024 * 1024,
            public_url: None,
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

    pub fn pending_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            auth::PENDING_COOKIE
        } else {
            auth::PENDING_COOKIE_INSECURE
        }
    }

    pub fn device_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            auth::DEVICE_COOKIE
        } else {
            auth::DEVICE_COOKIE_INSECURE
        }
    }

    /// The largest request body any route accepts: an evidence file and its form fields, or
    /// an advisory feed file. Each route's own extractor bounds it further (2 MiB unless the
    /// route says otherwise).
    pub fn body_limit(&self) -> usize {
        self.evidence_max_bytes
            .saturating_add(1024 * 1024)
            .max(api::vulnerabilities::FEED_MAX_BYTES)
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
    /// The NIS2 results derived from other frameworks' assessments (same keys, plus the
    /// derivation marker: the latest pair review or delta confirmation).
    pub(crate) derived: ui::dashboard::DerivedCache,
    /// Each entity's NIS2 standing (own results merged with derived ones), under the stamps of
    /// the assessments it was computed from.
    pub(crate) merged: ui::dashboard::MergedCache,
    /// The dashboard's running tally of audit records per day (keyed by the chain head).
    pub(crate) activity: ui::dashboard::ActivityCache,
    /// Bounds how many password hashes run at once.
    pub(crate) passwords: Arc<passwords::PasswordGate>,
    /// Bounds how many single sign-on starts call out to providers at once (each fetches the
    /// provider's discovery document): a crowd of anonymous starts gets 503s, not a flood of
    /// outbound calls.
    pub(crate) sso_calls: Arc<tokio::sync::Semaphore>,
    /// The matching index of the stored advisory feed (rebuilt when an import changes it).
    pub advisories: vulnerabilities::FeedCache,
    /// When this instance last queued a run of the automated checks after a change.
    pub(crate) checks_mark: checks::ChangeMark,
    /// The automated checks' rule file, read once per catalog generation.
    pub(crate) check_rules: checks::RulesCache,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig, catalog: catalog::CatalogCache) -> Self {
        let breached = config.breached_passwords.clone();
        Self {
            store,
            config: Arc::new(config),
            catalog,
            summaries: ui::dashboard::SummaryCache::default(),
            derived: ui::dashboard::DerivedCache::default(),
            merged: ui::dashboard::MergedCache::default(),
            activity: ui::dashboard::ActivityCache::default(),
            passwords: Arc::new(passwords::PasswordGate::default().with_breached(breached)),
            sso_calls: Arc::new(tokio::sync::Semaphore::new(8)),
            advisories: vulnerabilities::FeedCache::default(),
            checks_mark: checks::ChangeMark::default(),
            check_rules: checks::RulesCache::default(),
        }
    }

    /// Records a session's activity at most once a minute, off the request path (the idle
    /// timeout is measured from it).
    pub(crate) fn note_session_use(&self, id_hash: &str, last_seen_at: &str) {
        let now = self.store.clock().now();
        let stale = hygeia_domain::clock::parse_instant(last_seen_at)
            .map_or(true, |t| now - t > chrono::Duration::minutes(1));
        if stale {
            let store = self.store.clone();
            let id = id_hash.to_owned();
            tokio::spawn(async move {
                if let Err(error) = store.touch_session(&id).await {
                    tracing::warn!(%error, "could not record session activity");
                }
            });
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

/// A request's path as the access log shows it: a questionnaire link's token (the
/// supplier's only credential) is replaced by `[link]`.
fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.strip_prefix("/portal/") {
        Some(rest) => {
            let after = rest.find('/').map_or("", |i| &rest[i..]);
            format!("/portal/[link]{after}").into()
        }
        None => path.into(),
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

/// How long one request may take, body included, before it is answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

fn header(name: &'static str, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(
        HeaderName::from_static(name),
        HeaderValue::from_static(value),
    )
}

/// The whole application: API, pages, probes, with request ids, logging, security headers and
/// bounds on every request's body and time.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let body_limit = state.config.body_limit();
    let after_change = axum::middleware::from_fn_with_state(state.clone(), checks::after_change);
    Router::new()
        .merge(health::router())
        .nest("/api/v1", api::router())
        .merge(ui::router())
        .with_state(state)
        // A change queues a run of the automated checks (inside the request id's span).
        .layer(after_change)
        // Pages and API answers hold confidential data: never kept by browsers or proxies.
        // Static assets set their own caching first, which this leaves alone.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(header(
            "permissions-policy",
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), \
             bluetooth=(), interest-cohort=()",
        ))
        .layer(header("cross-origin-opener-policy", "same-origin"))
        .layer(header("cross-origin-resource-policy", "same-origin"))
        .layer(header("x-frame-options", "DENY"))
        // A handler may set a stricter policy (evidence downloads are sandboxed).
        .layer(SetResponseHeaderLayer::if_not_present(
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
        // The supplier portal sets a stricter policy (its address carries the link).
        .layer(SetResponseHeaderLayer::if_not_present(
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
                tracing::info_span!("request", method = %request.method(), path = %loggable_path(request.uri().path()), request_id = %id)
            })
            // One access-log line per request (status and latency) at info level.
            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Micros))
            .on_request(()),
        )
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, NewRequestId))
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn questionnaire_links_never_reach_the_access_log() {
        assert_eq!(loggable_path("/portal/hqs_secret"), "/portal/[link]");
        assert_eq!(
            loggable_path("/portal/hqs_secret/evidence"),
            "/portal/[link]/evidence"
        );
        assert_eq!(loggable_path("/suppliers/abc"), "/suppliers/abc");
    }
}
