//! Security keys and passkeys (WebAuthn) as second factors: registering one's own keys
//! (current password required), listing and removing them, and finishing a sign-in that waits
//! for its second factor with one. The ceremonies are checked by webauthn-rs (challenge,
//! origin, relying-party hash, signature, counter); their state stays server-side, one per
//! user and kind, for five minutes, and is used once.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{AppendHeaders, IntoResponse, Response};
use hygeia_domain::validation::FieldError;
use hygeia_store::{Ceremony, FactorUsed, NewSecurityKey, SecurityKey, User};
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    PublicKeyCredential, RegisterPublicKeyCredential, SecurityKeyAuthentication,
    SecurityKeyRegistration, Url, Uuid, Webauthn, WebauthnBuilder,
};

use super::ApiJson;
use super::second_factor::{SecondFactorSignIn, new_recovery_codes, pending};
use super::session::{self, SignedIn};
use crate::AppState;
use crate::auth::{self, Auth};
use crate::error::{ApiError, ApiResult};
use crate::public_origin::public_origin;

/// How long a ceremony may wait for the browser's answer.
const CEREMONY_MINUTES: i64 = 5;
/// Longest name of a key.
const MAX_NAME_CHARS: usize = 80;

/// The relying party: this instance, at the address users reach it (a key answers only for
/// the site it was registered on).
fn relying_party(state: &AppState, parts: &Parts) -> ApiResult<Webauthn> {
    let origin = public_origin(state, parts);
    let url = Url::parse(&origin)
        .map_err(|_| ApiError::bad_request(format!("cannot read this site's address {origin}")))?;
    let host = url
        .host_str()
        .ok_or_else(|| ApiError::bad_request(format!("this site's address {origin} has no host")))?
        .to_owned();
    WebauthnBuilder::new(&host, &url)
        .and_then(|builder| builder.rp_name(&state.config.mfa_issuer).build())
        .map_err(|e| {
            ApiError::bad_request(format!(
                "security keys need a site name, not an IP address ({host}): {e}"
            ))
        })
}

/// The stable handle keys know the user by (their id when it is a UUID).
fn user_handle(user: &User) -> Uuid {
    Uuid::parse_str(&user.id).unwrap_or_else(|_| {
        let digest = <sha2::Sha256 as sha2::Digest>::digest(user.id.as_bytes());
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        Uuid::from_bytes(bytes)
    })
}

fn ceremony_expiry(state: &AppState) -> String {
    hygeia_domain::clock::format_instant(
        state.store.clock().now() + chrono::Duration::minutes(CEREMONY_MINUTES),
    )
}

/// A key's credential id in base64url, as the browser gives it.
fn credential_id(key: &webauthn_rs::prelude::SecurityKey) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.cred_id().as_slice())
}

fn serialised<T: Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(ApiError::internal)
}

fn refused(message: &str) -> ApiError {
    ApiError::field_error(FieldError::invalid("credential", message))
}

/// The keys' stored credentials of `user`, read back.
async fn credentials_of(
    state: &AppState,
    user_id: &str,
) -> ApiResult<Vec<(String, webauthn_rs::prelude::SecurityKey)>> {
    let stored = state.store.security_key_credentials(user_id).await?;
    stored
        .into_iter()
        .map(|c| {
            serde_json::from_slice(&c.credential)
                .map(|key| (c.id, key))
                .map_err(ApiError::internal)
        })
        .collect()
}

/// A name for a new key, and the current password confirming the change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKeyBody {
    pub name: String,
    pub current_password: String,
}

/// Options for `navigator.credentials.create()` or `.get()` (WebAuthn, JSON form: binary
/// values in base64url).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(value_type = Object)]
pub struct CeremonyOptions(serde_json::Value);

/// What the browser answered (`PublicKeyCredential` as JSON, binary values in base64url).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(value_type = Object)]
pub struct BrowserAnswer(serde_json::Value);

/// A key just registered, with recovery codes (shown once) when it is the first factor.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegisteredKey {
    #[serde(flatten)]
    pub key: SecurityKey,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
}

/// Checks the name of a new key.
fn key_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::field_error(FieldError::invalid(
            "name",
            "give the key a name you will recognise",
        )));
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::field_error(FieldError::invalid(
            "name",
            "at most 80 characters, no control characters",
        )));
    }
    Ok(name.to_owned())
}

/// Starts registering a key for the signed-in user (password checked by the caller).
pub(crate) async fn start_registration(
    state: &AppState,
    parts: &Parts,
    auth: &Auth,
    name: &str,
) -> ApiResult<serde_json::Value> {
    let name = key_name(name)?;
    let relying_party = relying_party(state, parts)?;
    let existing = credentials_of(state, &auth.user.id).await?;
    let exclude = existing
        .iter()
        .map(|(_, key)| key.cred_id().clone())
        .collect::<Vec<_>>();
    let (options, registration) = relying_party
        .start_securitykey_registration(
            user_handle(&auth.user),
            &auth.user.email,
            &auth.user.display_name,
            Some(exclude),
            None,
            None,
        )
        .map_err(ApiError::internal)?;
    state
        .store
        .begin_security_key_ceremony(
            &auth.user.id,
            Ceremony::Register,
            &serialised(&registration)?,
            &name,
            &ceremony_expiry(state),
        )
        .await?;
    let mut options = serde_json::to_value(options).map_err(ApiError::internal)?;
    // webauthn-rs asks keys to protect the credential with user verification (credProtect
    // "userVerificationRequired", not enforced) while user verification itself is only
    // preferred, so that keys without a PIN work as a second factor. Chromium refuses that
    // combination outright ("protection policy inconsistent"), so the hint is not sent: the
    // key then keeps its default policy, which webauthn-rs records as ignored.
    if let Some(extensions) = options
        .pointer_mut("/publicKey/extensions")
        .and_then(serde_json::Value::as_object_mut)
    {
        extensions.remove("credentialProtectionPolicy");
        extensions.remove("enforceCredentialProtectionPolicy");
    }
    Ok(options)
}

/// Checks the browser's answer to a registration and stores the key.
pub(crate) async fn finish_registration(
    state: &AppState,
    parts: &Parts,
    auth: &Auth,
    answer: serde_json::Value,
) -> ApiResult<RegisteredKey> {
    auth.require_full_credential()?;
    let answer: RegisterPublicKeyCredential = serde_json::from_value(answer)
        .map_err(|e| refused(&format!("not a WebAuthn registration: {e}")))?;
    let (stored, name) = state
        .store
        .take_security_key_ceremony(&auth.user.id, Ceremony::Register)
        .await?
        .ok_or_else(|| refused("no registration in progress (it expired): start again"))?;
    let registration: SecurityKeyRegistration =
        serde_json::from_str(&stored).map_err(ApiError::internal)?;
    let key = relying_party(state, parts)?
        .finish_securitykey_registration(&answer, &registration)
        .map_err(|e| refused(&format!("the key's answer was refused: {e}")))?;
    let credential_id = credential_id(&key);
    let codes = new_recovery_codes();
    let (added, issued) = state
        .store
        .add_security_key(
            &auth.actor,
            &auth.user.id,
            NewSecurityKey {
                name: &name,
                credential_id: &credential_id,
                credential: serialised(&key)?.as_bytes(),
            },
            &codes,
        )
        .await?;
    Ok(RegisteredKey {
        key: added,
        recovery_codes: issued.then_some(codes),
    })
}

/// Start registering a security key or passkey (your current password is required): answers
/// the options for `navigator.credentials.create()`; send its answer to
/// `POST /api/v1/me/second-factor/security-keys` within five minutes.
#[utoipa::path(post, path = "/api/v1/me/second-factor/security-keys/challenge", tag = "session",
    request_body = NewKeyBody,
    responses((status = 200, body = CeremonyOptions), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn start_my_registration(
    State(state): State<AppState>,
    parts: Parts,
    auth: Auth,
    ApiJson(body): ApiJson<NewKeyBody>,
) -> ApiResult<Json<CeremonyOptions>> {
    key_name(&body.name)?;
    session::confirm_own_password(&state, &auth, &body.current_password, None).await?;
    let options = start_registration(&state, &parts, &auth, &body.name).await?;
    Ok(Json(CeremonyOptions(options)))
}

/// Finish registering a security key with the browser's answer; recovery codes come with it
/// (shown once) when you had none.
#[utoipa::path(post, path = "/api/v1/me/second-factor/security-keys", tag = "session",
    request_body = BrowserAnswer,
    responses((status = 201, body = RegisteredKey), (status = 400, body = crate::error::Problem),
        (status = 409, description = "Already registered, or too many keys")),
    security(("bearer" = []), ("session" = [])))]
pub async fn finish_my_registration(
    State(state): State<AppState>,
    parts: Parts,
    auth: Auth,
    ApiJson(answer): ApiJson<BrowserAnswer>,
) -> ApiResult<(StatusCode, Json<RegisteredKey>)> {
    let registered = finish_registration(&state, &parts, &auth, answer.0).await?;
    Ok((StatusCode::CREATED, Json(registered)))
}

/// Your security keys and passkeys.
#[utoipa::path(get, path = "/api/v1/me/second-factor/security-keys", tag = "session",
    responses((status = 200, body = [SecurityKey])), security(("bearer" = []), ("session" = [])))]
pub async fn my_security_keys(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<SecurityKey>>> {
    Ok(Json(state.store.security_keys(&auth.user.id).await?))
}

/// Removes one's own key `key_id` after checking the current password.
pub(crate) async fn remove(
    state: &AppState,
    auth: &Auth,
    key_id: &str,
    current_password: &str,
) -> ApiResult<()> {
    session::confirm_own_password(state, auth, current_password, None).await?;
    state
        .store
        .remove_security_key(&auth.actor, &auth.user.id, key_id)
        .await?;
    Ok(())
}

/// Remove one of your security keys (your current password is required).
#[utoipa::path(delete, path = "/api/v1/me/second-factor/security-keys/{id}", tag = "session",
    params(("id" = String, Path, description = "The key's id")),
    request_body = super::second_factor::PasswordBody,
    responses((status = 204, description = "Removed"), (status = 404, description = "No such key of yours")),
    security(("bearer" = []), ("session" = [])))]
pub async fn remove_my_security_key(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<super::second_factor::PasswordBody>,
) -> ApiResult<StatusCode> {
    remove(&state, &auth, &id, &body.current_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---- at sign-in ---------------------------------------------------------------------------

/// Options for `navigator.credentials.get()` for the pending sign-in of this browser.
pub(crate) async fn start_sign_in(state: &AppState, parts: &Parts) -> ApiResult<serde_json::Value> {
    let (pending, _) = pending(state, parts).await?;
    let keys = credentials_of(state, &pending.user.id).await?;
    if keys.is_empty() {
        return Err(refused("no security key is registered for this account"));
    }
    let credentials = keys.into_iter().map(|(_, key)| key).collect::<Vec<_>>();
    let (options, authentication) = relying_party(state, parts)?
        .start_securitykey_authentication(&credentials)
        .map_err(ApiError::internal)?;
    state
        .store
        .begin_security_key_ceremony(
            &pending.user.id,
            Ceremony::SignIn,
            &serialised(&authentication)?,
            "",
            &ceremony_expiry(state),
        )
        .await?;
    serde_json::to_value(options).map_err(ApiError::internal)
}

/// Checks the browser's answer for the pending sign-in; opens the session on success. A
/// refused answer counts as a wrong code.
pub(crate) async fn finish_sign_in(
    state: &AppState,
    parts: &Parts,
    answer: serde_json::Value,
) -> ApiResult<SignedIn> {
    let (pending, hash) = pending(state, parts).await?;
    let store = &state.store;
    let actor = auth::request_actor(parts, Some(&pending.user), &state.config);
    let user_id = pending.user.id.clone();
    let checked = async {
        let answer: PublicKeyCredential = serde_json::from_value(answer).ok()?;
        let (stored, _) = store
            .take_security_key_ceremony(&user_id, Ceremony::SignIn)
            .await
            .ok()??;
        let authentication: SecurityKeyAuthentication = serde_json::from_str(&stored).ok()?;
        let result = relying_party(state, parts)
            .ok()?
            .finish_securitykey_authentication(&answer, &authentication)
            .ok()?;
        let keys = credentials_of(state, &user_id).await.ok()?;
        let (key_id, mut key) = keys
            .into_iter()
            .find(|(_, key)| key.cred_id() == result.cred_id())?;
        key.update_credential(&result);
        Some((key_id, key))
    }
    .await;
    let Some((key_id, key)) = checked else {
        let still_open = store.refuse_pending_code(&actor, &hash, &user_id).await?;
        return Err(if still_open {
            refused("the security key's answer was refused: try again")
        } else {
            ApiError::Unauthenticated
        });
    };
    store
        .security_key_used(
            &user_id,
            &key_id,
            &credential_id(&key),
            serialised(&key)?.as_bytes(),
        )
        .await?;
    store
        .record_access(
            &actor,
            "auth.second_factor",
            ("user", &user_id),
            None,
            serde_json::json!({ "factor": FactorUsed::SecurityKey, "security_key": key_id }),
        )
        .await?;
    store.delete_pending_sign_in(&hash).await?;
    session::open_session(state, parts, &pending.user, true).await
}

/// Start the second step of a sign-in with a security key (pending cookie from the login
/// answer): answers the options for `navigator.credentials.get()`.
#[utoipa::path(post, path = "/api/v1/auth/second-factor/security-key/challenge", tag = "session",
    responses((status = 200, body = CeremonyOptions), (status = 400, body = crate::error::Problem),
        (status = 401, description = "No pending sign-in")))]
pub async fn start_key_sign_in(
    State(state): State<AppState>,
    parts: Parts,
) -> ApiResult<Json<CeremonyOptions>> {
    Ok(Json(CeremonyOptions(start_sign_in(&state, &parts).await?)))
}

/// Finish a sign-in with the security key's answer; opens the session (cookies) as a code
/// would. A refused answer counts as a wrong code.
#[utoipa::path(post, path = "/api/v1/auth/second-factor/security-key", tag = "session",
    request_body = BrowserAnswer,
    responses((status = 200, body = SecondFactorSignIn), (status = 400, body = crate::error::Problem),
        (status = 401, description = "No pending sign-in (expired, or too many refusals)")))]
pub async fn finish_key_sign_in(
    State(state): State<AppState>,
    parts: Parts,
    ApiJson(answer): ApiJson<BrowserAnswer>,
) -> ApiResult<Response> {
    let signed_in = finish_sign_in(&state, &parts, answer.0).await?;
    let cookies = signed_in.cookies(&state);
    let body = SecondFactorSignIn {
        signed_in: signed_in.response,
        recovery_codes: None,
    };
    Ok((AppendHeaders(cookies), Json(body)).into_response())
}
