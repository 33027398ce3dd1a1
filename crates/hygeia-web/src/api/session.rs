//! Signing in and out with a browser session, and who am I.

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::response::{AppendHeaders, IntoResponse};
use hygeia_domain::clock::format_instant;
use hygeia_store::User;
use serde::{Deserialize, Serialize};

use super::ApiJson;
use crate::AppState;
use crate::auth::{self, Auth, Via};
use crate::error::{ApiError, ApiResult};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub user: User,
    /// Send it back as the `X-CSRF-Token` header on every write made with the session cookie.
    pub csrf_token: String,
    pub expires_at: String,
}

/// Outcome of a successful sign-in: the session secret for the cookie, and what to answer.
pub(crate) struct SignedIn {
    pub session_secret: String,
    pub response: LoginResponse,
}

/// Refuses (429) a password check for `email` when too many recent checks of it, or from
/// `source`, failed. Signing in and changing one's password share these counts, so guessing
/// through either path is throttled alike.
pub(crate) async fn refuse_password_guessing(
    state: &AppState,
    email: &str,
    source: &str,
) -> ApiResult<()> {
    let now = state.store.clock().now();
    let window = chrono::Duration::from_std(state.config.login_window).unwrap_or_default();
    let since = format_instant(now - window);
    let (by_email, by_source) = state
        .store
        .recent_login_failures(email, source, &since)
        .await?;
    if by_email >= state.config.max_failed_logins || by_source >= state.config.max_failed_logins * 4
    {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: state.config.login_window.as_secs(),
        });
    }
    Ok(())
}

/// Checks credentials with throttling, records the attempt, and opens a session.
pub(crate) async fn sign_in(
    state: &AppState,
    parts: &Parts,
    email: &str,
    password: &str,
) -> ApiResult<SignedIn> {
    let store = &state.store;
    let actor = auth::request_actor(parts, None);
    let now = store.clock().now();
    refuse_password_guessing(state, email, &actor.source).await?;
    let found = store.user_by_email(email).await?;
    let password = password.to_owned();
    let hash = found.as_ref().and_then(|(_, h)| h.clone());
    // Verify even when the user is unknown, so timing does not reveal which addresses exist.
    let verified = tokio::task::spawn_blocking(move || match hash {
        Some(hash) => auth::verify_password(&password, &hash),
        None => {
            let _ = auth::verify_password(&password, dummy_hash());
            false
        }
    })
    .await
    .map_err(ApiError::internal)?;
    let user = match found {
        Some((user, _)) if verified && user.deactivated_at.is_none() => user,
        _ => {
            store.record_login(&actor, email, None, false).await?;
            return Err(ApiError::Unauthenticated);
        }
    };
    let mut actor = actor;
    actor.user_id = Some(user.id.clone());
    actor.label = user.email.clone();
    store
        .record_login(&actor, email, Some(&user.id), true)
        .await?;
    let session_secret = auth::random_secret();
    let csrf_token = auth::random_secret();
    let ttl = chrono::Duration::from_std(state.config.session_ttl).unwrap_or_default();
    let expires_at = format_instant(now + ttl);
    store
        .create_session(
            &user.id,
            &auth::secret_hash(&session_secret),
            &csrf_token,
            &expires_at,
        )
        .await?;
    Ok(SignedIn {
        session_secret,
        response: LoginResponse {
            user,
            csrf_token,
            expires_at,
        },
    })
}

/// An Argon2id hash of a random secret, verified against when the e-mail is unknown.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| auth::hash_password(&auth::random_secret()).unwrap_or_default())
}

/// The `Set-Cookie` value that opens (or, with an empty secret, closes) a session.
pub(crate) fn session_cookie(state: &AppState, secret: &str) -> String {
    let name = state.config.session_cookie_name();
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = if secret.is_empty() {
        0
    } else {
        state.config.session_ttl.as_secs()
    };
    format!("{name}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

/// Sign in with e-mail and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, description = "Wrong credentials"),
              (status = 429, description = "Too many failed attempts")))]
pub async fn login(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<impl IntoResponse> {
    let signed_in = sign_in(&state, &parts, &request.email, &request.password).await?;
    let cookie = session_cookie(&state, &signed_in.session_secret);
    Ok((
        AppendHeaders([(SET_COOKIE, cookie)]),
        Json(signed_in.response),
    ))
}

/// End the current browser session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "session",
    responses((status = 204, description = "Signed out")), security(("session" = [])))]
pub async fn logout(State(state): State<AppState>, auth: Auth) -> ApiResult<impl IntoResponse> {
    let Via::Session { id_hash, .. } = &auth.via else {
        return Err(ApiError::bad_request(
            "API tokens have no session: revoke the token instead",
        ));
    };
    state
        .store
        .delete_session(&auth.actor, id_hash, &auth.user.id)
        .await?;
    Ok((
        axum::http::StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, session_cookie(&state, ""))]),
    ))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = User), (status = 401, description = "Not signed in")),
    security(("bearer" = []), ("session" = [])))]
pub async fn me(auth: Auth) -> Json<User> {
    Json(auth.user)
}
