//! Signing in and out with a browser session, and who am I.

use axum::Json;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::response::{AppendHeaders, IntoResponse};
use hygeia_domain::clock::format_instant;
use hygeia_domain::validation::FieldError;
use hygeia_store::{Actor, CheckReservation, NewSession, SessionInfo, User};
use serde::{Deserialize, Serialize};

use super::ApiJson;
use crate::AppState;
use crate::auth::{self, Auth, Via};
use crate::error::{ApiError, ApiResult};
use crate::security_log;

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

/// Outcome of a successful sign-in: the secrets for the cookies, and what to answer.
pub(crate) struct SignedIn {
    pub session_secret: String,
    /// A new known-device secret, when this browser had none for the account.
    pub device_secret: Option<String>,
    pub response: LoginResponse,
}

impl SignedIn {
    /// The `Set-Cookie` values to send: the session, the device cookie when new, and the end
    /// of any pending sign-in.
    pub fn cookies(&self, state: &AppState) -> Vec<(axum::http::HeaderName, String)> {
        let mut cookies = vec![
            (SET_COOKIE, session_cookie(state, &self.session_secret)),
            (SET_COOKIE, pending_cookie(state, "")),
        ];
        if let Some(device) = &self.device_secret {
            cookies.push((SET_COOKIE, device_cookie(state, device)));
        }
        cookies
    }
}

/// Longest e-mail address accepted (RFC 5321 path limit), checked before any work.
pub(crate) const MAX_EMAIL_BYTES: usize = 254;
/// Longest password accepted, checked before any work.
pub(crate) const MAX_PASSWORD_BYTES: usize = 1024;

/// Refuses credentials too long to be real before they reach the database, the hash or the
/// audit trail.
fn check_lengths(email: &str, password: &str) -> ApiResult<()> {
    if email.len() > MAX_EMAIL_BYTES {
        return Err(ApiError::field_error(FieldError::too_long(
            "email",
            MAX_EMAIL_BYTES,
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::field_error(FieldError::too_long(
            "password",
            MAX_PASSWORD_BYTES,
        )));
    }
    Ok(())
}

/// The hash of this browser's known-device cookie, if it sent one.
pub(crate) fn device_hash(state: &AppState, headers: &axum::http::HeaderMap) -> Option<String> {
    auth::cookie_hash(headers, state.config.device_cookie_name())
}

/// Checks a password of `email` under the throttle: reserves the attempt (429 when too many
/// recent failures), runs the check through the password gate (503 when saturated), records
/// the outcome in the audit trail. Signing in and changing one's password share the counts,
/// so guessing through either path is throttled alike.
pub(crate) async fn check_password(
    state: &AppState,
    actor: &Actor,
    email: &str,
    password: &str,
    device: Option<&str>,
    failure_action: Option<&str>,
) -> ApiResult<Option<User>> {
    check_lengths(email, password)?;
    let store = &state.store;
    let check = match store
        .reserve_password_check(email, &actor.source, device, &state.config.throttle)
        .await?
    {
        CheckReservation::Reserved(check) => check,
        CheckReservation::Refused { retry_after_secs } => {
            security_log::note(
                "sign-in throttled",
                &actor.source,
                actor.request_id.as_deref(),
            );
            return Err(ApiError::TooManyRequests {
                retry_after_secs: u64::try_from(retry_after_secs).unwrap_or(1),
            });
        }
    };
    let found = store.user_by_email(email).await?;
    let hash = found.as_ref().and_then(|(_, h)| h.clone());
    let verified = match state.passwords.verify(password.to_owned(), hash).await {
        Ok(verified) => verified,
        Err(error) => {
            // The check never ran: record it as a failure (it stays counted).
            store
                .finish_password_check(actor, &check, email, None, false, failure_action)
                .await?;
            return Err(error);
        }
    };
    let user = found
        .map(|(user, _)| user)
        .filter(|user| verified && user.deactivated_at.is_none());
    let mut actor = actor.clone();
    if let Some(user) = &user {
        actor.user_id = Some(user.id.clone());
        actor.label = user.email.clone();
    }
    let user_id = user.as_ref().map(|u| u.id.as_str());
    store
        .finish_password_check(
            &actor,
            &check,
            email,
            user_id,
            user.is_some(),
            failure_action,
        )
        .await?;
    Ok(user)
}

/// Where a sign-in stands after its first factor.
pub(crate) enum SignInStep {
    /// A session is open.
    Done(Box<SignedIn>),
    /// The password was right and a second factor is awaited (or must first be set up): a
    /// pending sign-in exists, named by the secret of the pending cookie. No session yet.
    SecondFactor {
        pending_secret: String,
        must_enrol: bool,
    },
}

/// Checks the signed-in caller's own current password (throttled with sign-ins, so a stolen
/// session cannot be used to guess it) before a change of their account: password, second
/// factors. A token with less than its owner's full rights may not change the account.
pub(crate) async fn confirm_own_password(
    state: &AppState,
    auth: &Auth,
    password: &str,
    device: Option<&str>,
) -> ApiResult<()> {
    auth.require_full_credential()?;
    let checked = check_password(
        state,
        &auth.actor,
        &auth.user.email,
        password,
        device,
        Some("auth.password_check_failed"),
    )
    .await?;
    if checked.is_none_or(|user| user.id != auth.user.id) {
        return Err(ApiError::field_error(FieldError::wrong_password(
            "current_password",
        )));
    }
    Ok(())
}

/// Checks credentials with throttling and records the attempt; then either opens a session or,
/// when the user has a second factor or their role requires one, waits for it.
pub(crate) async fn sign_in(
    state: &AppState,
    parts: &Parts,
    email: &str,
    password: &str,
) -> ApiResult<SignInStep> {
    let actor = auth::request_actor(parts, None, &state.config);
    let device = device_hash(state, &parts.headers);
    let user = check_password(state, &actor, email, password, device.as_deref(), None)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    after_first_factor(state, parts, &user, false).await
}

/// How long a sign-in may wait for its second factor.
const PENDING_MINUTES: i64 = 5;

/// After a first factor: opens a session when no second factor is needed (or the first
/// already was a strong one: `strong`), else records a pending sign-in.
pub(crate) async fn after_first_factor(
    state: &AppState,
    parts: &Parts,
    user: &User,
    strong: bool,
) -> ApiResult<SignInStep> {
    let store = &state.store;
    if strong {
        return Ok(SignInStep::Done(Box::new(
            open_session(state, parts, user, true).await?,
        )));
    }
    let status = store.second_factor_status(&user.id).await?;
    let role = hygeia_store::Store::principal(user)?.role;
    if !status.any() && !state.config.mfa_policy.required_for(role) {
        return Ok(SignInStep::Done(Box::new(
            open_session(state, parts, user, false).await?,
        )));
    }
    let secret = auth::random_secret();
    let expires = store.clock().now() + chrono::Duration::minutes(PENDING_MINUTES);
    let actor = auth::request_actor(parts, Some(user), &state.config);
    store
        .create_pending_sign_in(
            &user.id,
            &auth::secret_hash(&secret),
            &format_instant(expires),
            !status.any(),
            &actor.source,
        )
        .await?;
    Ok(SignInStep::SecondFactor {
        pending_secret: secret,
        must_enrol: !status.any(),
    })
}

/// Opens a session for `user` (ending the one the browser held before, so a session id fixed
/// before sign-in is worthless), and remembers the browser as a known device.
pub(crate) async fn open_session(
    state: &AppState,
    parts: &Parts,
    user: &User,
    mfa: bool,
) -> ApiResult<SignedIn> {
    let store = &state.store;
    let actor = auth::request_actor(parts, Some(user), &state.config);
    let now = store.clock().now();
    let session_secret = auth::random_secret();
    let csrf_token = auth::random_secret();
    let ttl = chrono::Duration::from_std(state.config.session_ttl).unwrap_or_default();
    let expires_at = format_instant(now + ttl);
    let previous = auth::cookie_hash(&parts.headers, state.config.session_cookie_name());
    let user_agent = parts
        .headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    store
        .create_session(&NewSession {
            user_id: &user.id,
            id_hash: &auth::secret_hash(&session_secret),
            csrf_token: &csrf_token,
            expires_at: &expires_at,
            source: &actor.source,
            user_agent,
            replaces: previous.as_deref(),
            mfa,
        })
        .await?;
    // A browser showing this user's device cookie stays known; any other gets a new one.
    let known = match device_hash(state, &parts.headers) {
        Some(hash) => store.refresh_device(&user.id, &hash).await?,
        None => false,
    };
    let device_secret = if known {
        None
    } else {
        let secret = auth::random_secret();
        store
            .remember_device(&user.id, &auth::secret_hash(&secret))
            .await?;
        Some(secret)
    };
    Ok(SignedIn {
        session_secret,
        device_secret,
        response: LoginResponse {
            user: user.clone(),
            csrf_token,
            expires_at,
        },
    })
}

/// The `Set-Cookie` value of a pending sign-in (or, with an empty secret, its removal).
pub(crate) fn pending_cookie(state: &AppState, secret: &str) -> String {
    let name = state.config.pending_cookie_name();
    let secure = secure_suffix(state);
    let max_age = if secret.is_empty() {
        0
    } else {
        PENDING_MINUTES * 60
    };
    format!("{name}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}")
}

fn secure_suffix(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    }
}

/// The `Set-Cookie` value that opens (or, with an empty secret, closes) a session. It is a
/// browser-session cookie (no lifetime): closing the browser ends it, and the server ends it
/// after the idle or absolute timeout whichever comes first.
pub(crate) fn session_cookie(state: &AppState, secret: &str) -> String {
    let name = state.config.session_cookie_name();
    let secure = secure_suffix(state);
    let max_age = if secret.is_empty() { "; Max-Age=0" } else { "" };
    format!("{name}={secret}; Path=/; HttpOnly; SameSite=Strict{max_age}{secure}")
}

/// The known-device cookie: lets its holder sign in while the account is under a distributed
/// guessing attack. It grants nothing by itself.
pub(crate) fn device_cookie(state: &AppState, secret: &str) -> String {
    let name = state.config.device_cookie_name();
    let secure = secure_suffix(state);
    let year = 365 * 24 * 3600;
    format!("{name}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={year}{secure}")
}

/// The answer to a right password when a second factor is needed.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SecondFactorNeeded {
    /// `code`: send a code from the authenticator app (or a recovery code) to
    /// `POST /api/v1/auth/second-factor`; `enrol`: the role requires a second factor and none is
    /// set up: start with `POST /api/v1/auth/second-factor/enrol`.
    pub second_factor: &'static str,
}

/// Sign in with e-mail and password; sets the session cookie, or, when a second factor is
/// needed, answers 202 and sets a short-lived pending cookie instead (no session yet).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "session", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 202, body = SecondFactorNeeded),
              (status = 400, description = "E-mail or password too long"),
              (status = 401, description = "Wrong credentials"),
              (status = 429, description = "Too many failed attempts"),
              (status = 503, description = "Too many sign-ins being checked at once")))]
pub async fn login(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<axum::response::Response> {
    match sign_in(&state, &parts, &request.email, &request.password).await? {
        SignInStep::Done(signed_in) => {
            let cookies = signed_in.cookies(&state);
            Ok((AppendHeaders(cookies), Json(signed_in.response)).into_response())
        }
        SignInStep::SecondFactor {
            pending_secret,
            must_enrol,
        } => {
            let cookie = pending_cookie(&state, &pending_secret);
            let body = SecondFactorNeeded {
                second_factor: if must_enrol { "enrol" } else { "code" },
            };
            Ok((
                axum::http::StatusCode::ACCEPTED,
                AppendHeaders([(SET_COOKIE, cookie)]),
                Json(body),
            )
                .into_response())
        }
    }
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

/// One of the caller's sessions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MySession {
    #[serde(flatten)]
    pub session: SessionInfo,
    /// The session this request came with.
    pub current: bool,
}

/// The caller's open browser sessions, most recently used first.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "session",
    responses((status = 200, body = [MySession])), security(("bearer" = []), ("session" = [])))]
pub async fn list_my_sessions(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<MySession>>> {
    Ok(Json(my_sessions(&state, &auth).await?))
}

pub(crate) async fn my_sessions(state: &AppState, auth: &Auth) -> ApiResult<Vec<MySession>> {
    let current = match &auth.via {
        Via::Session { id_hash, .. } => Some(id_hash.as_str()),
        Via::Token { .. } => None,
    };
    Ok(state
        .store
        .list_sessions(&auth.user.id)
        .await?
        .into_iter()
        .map(|session| MySession {
            current: current == Some(session.id.as_str()),
            session,
        })
        .collect())
}

/// End one of your sessions (on another browser, say).
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "session",
    params(("id" = String, Path, description = "The session's id from the list")),
    responses((status = 204, description = "Ended"), (status = 404, description = "Not one of yours")),
    security(("bearer" = []), ("session" = [])))]
pub async fn end_my_session(
    State(state): State<AppState>,
    auth: Auth,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> ApiResult<axum::http::StatusCode> {
    auth.require_full_credential()?;
    state
        .store
        .delete_session(&auth.actor, &id, &auth.user.id)
        .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// Sign out everywhere: every session of yours ends, this one included.
#[utoipa::path(post, path = "/api/v1/me/sessions/end-all", tag = "session",
    responses((status = 204, description = "Every session ended")),
    security(("bearer" = []), ("session" = [])))]
pub async fn end_all_my_sessions(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<impl IntoResponse> {
    auth.require_full_credential()?;
    state
        .store
        .delete_sessions(&auth.actor, &auth.user.id, None)
        .await?;
    Ok((
        axum::http::StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, session_cookie(&state, ""))]),
    ))
}
