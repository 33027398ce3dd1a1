//! Authentication: password hashing, sessions (cookie), API tokens (bearer), CSRF, and the
//! [`Auth`] extractor that every protected handler takes.
//!
//! Secrets are only ever stored hashed: Argon2id for passwords, SHA-256 for session
//! identifiers and API tokens (both are 256-bit random values, so a fast hash is enough).

use std::net::SocketAddr;

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use hygeia_domain::access::{Principal, TokenScope};
use hygeia_domain::validation::FieldError;
use hygeia_store::{Actor, Store, User};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::{AppState, WebConfig};

/// The session cookie's name. The `__Host-` prefix pins it to this host and path `/`.
pub const SESSION_COOKIE: &str = "__Host-hygeia_session";
/// The same cookie when Secure cookies are turned off (plain-HTTP test setups only).
pub const SESSION_COOKIE_INSECURE: &str = "hygeia_session";
/// The known-device cookie (see `hygeia_domain::throttle`).
pub const DEVICE_COOKIE: &str = "__Host-hygeia_device";
/// The same cookie when Secure cookies are turned off.
pub const DEVICE_COOKIE_INSECURE: &str = "hygeia_device";
/// Header carrying the CSRF token for cookie-authenticated API writes.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Prefix of API tokens, so they are recognisable in secret scanners.
pub const TOKEN_PREFIX: &str = "hyg_";

/// Hashes a password with Argon2id (run it off the async threads: it is slow on purpose).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// Checks a password against a stored Argon2id hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Minimum rules for a password chosen by a person.
pub fn check_password_strength(password: &str) -> Result<(), ApiError> {
    if password.chars().count() < 12 {
        return Err(ApiError::field_error(FieldError::too_short("password", 12)));
    }
    if password.len() > 1024 {
        return Err(ApiError::field("password", "must be at most 1024 bytes"));
    }
    Ok(())
}

/// A random secret: 32 bytes, URL-safe base64.
pub fn random_secret() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a secret, hex-encoded: what is stored for sessions and tokens.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A new API token: the secret to show once, its stored hash, and its display prefix.
pub fn new_api_token() -> (String, String, String) {
    let secret = format!("{TOKEN_PREFIX}{}", random_secret());
    let hash = secret_hash(&secret);
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    (secret, hash, prefix)
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Token { token_id: String, scope: TokenScope },
    Session { id_hash: String, csrf_token: String },
}

/// An authenticated caller: their user record, principal and request context.
#[derive(Debug, Clone)]
pub struct Auth {
    pub user: User,
    pub principal: Principal,
    pub via: Via,
    pub actor: Actor,
}

impl Auth {
    /// Refuses changes to the caller's own account (password, sessions) made with a token
    /// that does not carry the owner's full rights: a read-only or sensor token must not be
    /// able to lock its owner out or take the account over.
    pub fn require_full_credential(&self) -> Result<(), ApiError> {
        match &self.via {
            Via::Token { scope, .. } if *scope != TokenScope::Full => Err(ApiError::Forbidden(
                format!("this API token's scope ({scope}) does not allow changing the account"),
            )),
            _ => Ok(()),
        }
    }
}

/// Client address and request id, for the audit trail. The address is the peer's, or the
/// client's behind a trusted proxy.
pub fn request_actor(parts: &Parts, user: Option<&User>, config: &WebConfig) -> Actor {
    let source = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| {
            let forwarded = parts
                .headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok());
            config
                .trusted_proxies
                .client(ci.0.ip(), forwarded)
                .to_string()
        })
        .unwrap_or_else(|| "unknown".into());
    let request_id = parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Actor {
        user_id: user.map(|u| u.id.clone()),
        label: user.map_or_else(|| "anonymous".into(), |u| u.email.clone()),
        source,
        request_id,
    }
}

/// The value of a cookie in the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        authenticate(parts, state, true).await
    }
}

/// Identifies the caller. With `check_csrf`, a cookie-authenticated unsafe request must carry
/// the session's CSRF token in the `X-CSRF-Token` header (HTML forms check their hidden field
/// themselves and pass `false`).
pub async fn authenticate(
    parts: &mut Parts,
    state: &AppState,
    check_csrf: bool,
) -> Result<Auth, ApiError> {
    let store: &Store = &state.store;
    let (user, via, token_entity) = if let Some(token) = bearer(&parts.headers) {
        let owner = store
            .token_owner(&secret_hash(token))
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        state.note_token_use(&owner.token_id, owner.last_used_at.as_deref());
        let via = Via::Token {
            token_id: owner.token_id,
            scope: owner.scope,
        };
        (owner.user, via, owner.entity_id)
    } else if let Some(session) = cookie(&parts.headers, state.config.session_cookie_name()) {
        let id_hash = secret_hash(session);
        let idle = chrono::Duration::from_std(state.config.session_idle).unwrap_or_default();
        let record = store
            .session(&id_hash, idle)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        state.note_session_use(&id_hash, &record.last_seen_at);
        let via = Via::Session {
            id_hash,
            csrf_token: record.csrf_token,
        };
        (record.user, via, None)
    } else {
        return Err(ApiError::Unauthenticated);
    };
    if let Via::Session { csrf_token, .. } = &via {
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        if check_csrf && !safe && sent != Some(csrf_token.as_str()) {
            crate::security_log::note("CSRF token refused", &user.email, None);
            return Err(ApiError::Forbidden(
                "missing or wrong CSRF token: send the X-CSRF-Token header given at sign-in".into(),
            ));
        }
    }
    let mut principal = Store::principal(&user)?;
    if let Via::Token { scope, .. } = &via {
        principal = principal.through_token(*scope, token_entity.as_deref());
    }
    let actor = request_actor(parts, Some(&user), &state.config);
    let auth = Auth {
        user,
        principal,
        via,
        actor,
    };
    Ok(auth)
}
