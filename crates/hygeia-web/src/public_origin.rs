//! The address users reach this instance at: the configured public address, or else the
//! scheme and host of the request. Single sign-on builds its redirect address on it, and
//! security keys their relying-party identity (a key answers only for the site it was
//! registered on).

use axum::http::request::Parts;

use crate::AppState;

/// `https://hygeia.example.org` (no trailing slash, no path).
pub(crate) fn public_origin(state: &AppState, parts: &Parts) -> String {
    if let Some(url) = &state.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| !h.is_empty() && !h.contains(['/', '\\', '@', ' ']))
        .unwrap_or("localhost");
    let scheme = if state.config.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}
