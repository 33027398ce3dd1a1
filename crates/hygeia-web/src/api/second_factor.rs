//! Second factors over the API: finishing a sign-in that waits for one (with the pending
//! cookie, before any session exists), and setting up, renewing and removing one's own. The
//! pages use the same functions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::response::{AppendHeaders, IntoResponse, Response};
use hygeia_domain::access::Permission;
use hygeia_domain::mfa;
use hygeia_domain::validation::FieldError;
use hygeia_store::{FactorUsed, PendingSignIn, SecondFactorStatus};
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::ApiJson;
use super::session::{self, LoginResponse, SignedIn};
use crate::AppState;
use crate::auth::{self, Auth};
use crate::error::{ApiError, ApiResult};

/// A code from the authenticator app, or a recovery code.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    pub code: String,
}

/// What an authenticator app needs to be set up.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    /// The secret in base32, to type into the app.
    pub secret: String,
    /// The same as an `otpauth://` address (what the QR code holds).
    pub otpauth_uri: String,
}

/// Recovery codes, shown this once: each signs in once when the phone is lost.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecoveryCodes {
    pub recovery_codes: Vec<String>,
}

/// A signed-in answer after the second factor, with recovery codes when it was just set up.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SecondFactorSignIn {
    #[serde(flatten)]
    pub signed_in: LoginResponse,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
}

/// A new set of recovery codes.
pub(crate) fn new_recovery_codes() -> Vec<String> {
    (0..mfa::RECOVERY_CODES)
        .map(|_| {
            let mut random = [0u8; 10];
            rand::rng().fill_bytes(&mut random);
            mfa::recovery_code(&random)
        })
        .collect()
}

/// The pending sign-in of this browser, and the hash naming it.
pub(crate) async fn pending(state: &AppState, parts: &Parts) -> ApiResult<(PendingSignIn, String)> {
    let hash = auth::cookie_hash(&parts.headers, state.config.pending_cookie_name())
        .ok_or(ApiError::Unauthenticated)?;
    let found = state
        .store
        .pending_sign_in(&hash)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    Ok((found, hash))
}

fn enrolment(state: &AppState, email: &str, secret: &[u8]) -> Enrolment {
    Enrolment {
        secret: mfa::base32_encode(secret),
        otpauth_uri: mfa::otpauth_uri(&state.config.mfa_issuer, email, secret),
    }
}

/// Starts (or shows again) the set-up of an authenticator app for `user_id`.
pub(crate) async fn start_enrolment(
    state: &AppState,
    user_id: &str,
    email: &str,
) -> ApiResult<Enrolment> {
    if let Some(secret) = state.store.pending_totp_secret(user_id).await? {
        return Ok(enrolment(state, email, &secret));
    }
    let mut secret = [0u8; 20];
    rand::rng().fill_bytes(&mut secret);
    state.store.begin_totp_enrolment(user_id, &secret).await?;
    Ok(enrolment(state, email, &secret))
}

/// How a second factor given at sign-in turned out.
pub(crate) enum Completed {
    /// Signed in; recovery codes to show once when the factor was just set up.
    SignedIn(Box<SignedIn>, Option<Vec<String>>),
    /// A wrong code; the pending sign-in is still open (or was dropped after too many).
    Wrong { still_open: bool },
}

/// Finishes a pending sign-in with `code`: confirms the enrolment it required, or checks the
/// user's factor; opens the session on success.
pub(crate) async fn complete(state: &AppState, parts: &Parts, code: &str) -> ApiResult<Completed> {
    let (pending, hash) = pending(state, parts).await?;
    let store = &state.store;
    let actor = auth::request_actor(parts, Some(&pending.user), &state.config);
    let (accepted, codes) = if pending.must_enrol {
        let codes = new_recovery_codes();
        let confirmed = store
            .confirm_totp_enrolment(&actor, &pending.user.id, code, &codes)
            .await
            .map_err(|e| match e {
                hygeia_store::StoreError::NotFound { .. } => ApiError::field_error(
                    FieldError::invalid("code", "set up the authenticator app first"),
                ),
                other => other.into(),
            })?;
        (confirmed.map(|()| FactorUsed::Totp), Some(codes))
    } else {
        (
            store.check_second_factor(&pending.user.id, code).await?,
            None,
        )
    };
    let Some(factor) = accepted else {
        let still_open = store
            .refuse_pending_code(&actor, &hash, &pending.user.id)
            .await?;
        return Ok(Completed::Wrong { still_open });
    };
    store
        .record_access(
            &actor,
            "auth.second_factor",
            ("user", &pending.user.id),
            None,
            serde_json::json!({ "factor": factor }),
        )
        .await?;
    store.delete_pending_sign_in(&hash).await?;
    let signed_in = session::open_session(state, parts, &pending.user, true).await?;
    Ok(Completed::SignedIn(Box::new(signed_in), codes))
}

fn wrong_code(still_open: bool) -> ApiError {
    if still_open {
        ApiError::field_error(FieldError::invalid("code", "the code is not right"))
    } else {
        ApiError::Unauthenticated
    }
}

/// Finish a sign-in that waits for its second factor (pending cookie from the login answer):
/// a code from the authenticator app, or a recovery code. After five wrong codes the password
/// must be given again.
#[utoipa::path(post, path = "/api/v1/auth/second-factor", tag = "session", request_body = CodeBody,
    responses((status = 200, body = SecondFactorSignIn), (status = 400, body = crate::error::Problem),
        (status = 401, description = "No pending sign-in (expired, or too many wrong codes)")))]
pub async fn submit_second_factor(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(body): ApiJson<CodeBody>,
) -> ApiResult<Response> {
    match complete(&state, &parts, &body.code).await? {
        Completed::SignedIn(signed_in, recovery_codes) => {
            let cookies = signed_in.cookies(&state);
            let body = SecondFactorSignIn {
                signed_in: signed_in.response,
                recovery_codes,
            };
            Ok((AppendHeaders(cookies), Json(body)).into_response())
        }
        Completed::Wrong { still_open } => Err(wrong_code(still_open)),
    }
}

/// Start setting up an authenticator app during a sign-in whose role requires one.
#[utoipa::path(post, path = "/api/v1/auth/second-factor/enrol", tag = "session",
    responses((status = 200, body = Enrolment), (status = 401, description = "No pending sign-in")))]
pub async fn enrol_at_sign_in(
    State(state): State<AppState>,
    parts: Parts,
) -> ApiResult<Json<Enrolment>> {
    let (pending, _) = pending(&state, &parts).await?;
    if !pending.must_enrol {
        return Err(ApiError::bad_request(
            "a second factor is already set up: send its code to /api/v1/auth/second-factor",
        ));
    }
    Ok(Json(
        start_enrolment(&state, &pending.user.id, &pending.user.email).await?,
    ))
}

/// Your second factors.
#[utoipa::path(get, path = "/api/v1/me/second-factor", tag = "session",
    responses((status = 200, body = SecondFactorStatus)), security(("bearer" = []), ("session" = [])))]
pub async fn my_second_factor(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<SecondFactorStatus>> {
    Ok(Json(state.store.second_factor_status(&auth.user.id).await?))
}

/// Your current password, to confirm a change of your sign-in methods.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    pub current_password: String,
}

/// Start setting up an authenticator app (your current password is required).
#[utoipa::path(post, path = "/api/v1/me/second-factor/totp", tag = "session", request_body = PasswordBody,
    responses((status = 200, body = Enrolment), (status = 409, description = "Already set up")),
    security(("bearer" = []), ("session" = [])))]
pub async fn start_my_enrolment(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult<Json<Enrolment>> {
    session::confirm_own_password(&state, &auth, &body.current_password, None).await?;
    Ok(Json(
        start_enrolment(&state, &auth.user.id, &auth.user.email).await?,
    ))
}

/// Confirms one's own enrolment with a first code; returns the recovery codes to show.
pub(crate) async fn confirm_enrolment(
    state: &AppState,
    auth: &Auth,
    code: &str,
) -> ApiResult<Vec<String>> {
    auth.require_full_credential()?;
    let codes = new_recovery_codes();
    let confirmed = state
        .store
        .confirm_totp_enrolment(&auth.actor, &auth.user.id, code, &codes)
        .await?;
    confirmed
        .map(|()| codes)
        .ok_or_else(|| ApiError::field_error(FieldError::invalid("code", "the code is not right")))
}

/// Confirm the authenticator app with a first code; answers the recovery codes (shown once).
#[utoipa::path(post, path = "/api/v1/me/second-factor/totp/confirm", tag = "session", request_body = CodeBody,
    responses((status = 200, body = RecoveryCodes), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn confirm_my_enrolment(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CodeBody>,
) -> ApiResult<Json<RecoveryCodes>> {
    let recovery_codes = confirm_enrolment(&state, &auth, &body.code).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// Replaces one's recovery codes after checking a current code of the app.
pub(crate) async fn renew_recovery_codes(
    state: &AppState,
    auth: &Auth,
    code: &str,
) -> ApiResult<Vec<String>> {
    auth.require_full_credential()?;
    match state.store.check_second_factor(&auth.user.id, code).await? {
        Some(FactorUsed::Totp) => {
            let codes = new_recovery_codes();
            state
                .store
                .replace_recovery_codes(&auth.actor, &auth.user.id, &codes)
                .await?;
            Ok(codes)
        }
        _ => Err(ApiError::field_error(FieldError::invalid(
            "code",
            "give a current code of the authenticator app",
        ))),
    }
}

/// New recovery codes (a current code of the app is required); the old ones stop working.
#[utoipa::path(post, path = "/api/v1/me/second-factor/recovery-codes", tag = "session", request_body = CodeBody,
    responses((status = 200, body = RecoveryCodes), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn renew_my_recovery_codes(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CodeBody>,
) -> ApiResult<Json<RecoveryCodes>> {
    let recovery_codes = renew_recovery_codes(&state, &auth, &body.code).await?;
    Ok(Json(RecoveryCodes { recovery_codes }))
}

/// Remove your second factors (your current password is required); your sessions end. If your
/// role requires a second factor, you will set one up again at your next sign-in.
#[utoipa::path(delete, path = "/api/v1/me/second-factor", tag = "session", request_body = PasswordBody,
    responses((status = 204, description = "Removed")), security(("bearer" = []), ("session" = [])))]
pub async fn remove_my_second_factor(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<PasswordBody>,
) -> ApiResult<impl IntoResponse> {
    session::confirm_own_password(&state, &auth, &body.current_password, None).await?;
    state
        .store
        .remove_second_factors(&auth.actor, &auth.user.id)
        .await?;
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, session::session_cookie(&state, ""))]),
    ))
}

/// Reset a user's second factors (administrators: a lost phone); their sessions end and they
/// set one up again at their next sign-in if their role requires it.
#[utoipa::path(delete, path = "/api/v1/users/{id}/second-factor", tag = "users",
    params(("id" = String, Path, description = "The user's id")),
    responses((status = 204, description = "Reset")), security(("bearer" = []), ("session" = [])))]
pub async fn reset_second_factor(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.principal.require(Permission::UserManage)?;
    super::users::user_in_org(&state, &auth, &id).await?;
    state.store.remove_second_factors(&auth.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
