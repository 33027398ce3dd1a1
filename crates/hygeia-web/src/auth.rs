//! Authentication: password hashing, sessions (cookie), API tokens (bearer), CSRF, and the
//! [`Auth`] extractor that every protected handler takes.
//!
//! Secrets are only ever stored hashed: Argon2id for passwords, SHA-256 for session
//! identifiers and API tokens (both are 256-bit random values, so a fast hash is enough).

use std::net::SocketAddr;

use argon2::{Argon2, PasswordHash, PasswordHasher};
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
/// The cookie of a sign-in waiting for its second factor (no session yet).
pub const PENDING_COOKIE: &str = "__Host-hygeia_pending";
/// The same cookie when Secure cookies are turned off.
pub const PENDING_COOKIE_INSECURE: &str = "hygeia_pending";
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

/// The largest Argon2 memory a stored hash may ask for (256 MiB): a hash is ours, but a
/// corrupted one must not make the server allocate without bound.
const MAX_BLOCKS: usize = 256 * 1024;

thread_local! {
    /// Each password worker's Argon2 memory, allocated once and reused: allocating and freeing
    /// 19 MiB per check fragments the allocator's heaps, and resident memory then grows with
    /// every sign-in (measured: 19.5 MB more per check).
    static BLOCKS: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Checks a password against a stored Argon2 hash (PHC string), in constant time.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::{Algorithm, Params, Version};
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Ok(algorithm), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm.as_str()),
        parsed.salt.as_ref(),
        parsed.hash.as_ref(),
    ) else {
        return false;
    };
    let Ok(version) = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let blocks = params.block_count();
    if blocks > MAX_BLOCKS {
        return false;
    }
    let argon2 = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    let computed = BLOCKS.with(|cell| {
        let Ok(mut memory) = cell.try_borrow_mut() else {
            return false;
        };
        if memory.len() < blocks {
            memory.resize(blocks, argon2::Block::default());
        }
        let area = memory.get_mut(..blocks).unwrap_or_default();
        argon2
            .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, area)
            .is_ok()
    });
    computed
        && out.len() == expected.as_bytes().len()
        && out
            .iter()
            .zip(expected.as_bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The password policy's rules that need no list (`hygeia_domain::password_policy`), for the
/// command line; the server also checks its breached-password list.
pub fn check_password_strength(password: &str, personal: &[&str]) -> Result<(), ApiError> {
    hygeia_domain::password_policy::check(password, personal)
        .map_err(|w| ApiError::field_error(FieldError::weak_password("password", &w)))
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

/// The stored form (SHA-256) of a secret cookie the browser sent, if it sent a plausible one:
/// how sessions, pending sign-ins and known devices are looked up.
pub fn cookie_hash(headers: &HeaderMap, name: &str) -> Option<String> {
    cookie(headers, name)
        .filter(|v| !v.is_empty() && v.len() <= 100)
        .map(secret_hash)
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
