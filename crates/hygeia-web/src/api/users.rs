//! Users with their roles and entity grants, and personal API tokens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::{Permission, Role, TokenScope};
use hygeia_domain::clock::format_instant;
use hygeia_domain::validation::FieldError;
use hygeia_store::{ApiToken, NewToken, NewUser, Page, User, UserUpdate};
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiQuery, Paging};
use crate::AppState;
use crate::auth::{self, Auth};
use crate::error::{ApiError, ApiResult};

fn parse_role(text: &str) -> ApiResult<Role> {
    text.parse()
        .map_err(|e: hygeia_domain::access::UnknownRole| ApiError::field("role", e.to_string()))
}

pub(crate) async fn user_in_org(state: &AppState, auth: &Auth, id: &str) -> ApiResult<User> {
    let user = state.store.user(id).await?;
    if user.organisation_id != auth.principal.organisation_id {
        return Err(ApiError::NotFound(format!("user '{id}' was not found")));
    }
    Ok(user)
}

/// Users of the organisation (administrators).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(Paging),
    responses((status = 200, body = Page<User>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_users(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<Page<User>>> {
    auth.principal.require(Permission::UserRead)?;
    Ok(Json(
        state
            .store
            .list_users(&auth.principal.organisation_id, paging.request())
            .await?,
    ))
}

/// One user (administrators, or the user themself).
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users",
    responses((status = 200, body = User)), security(("bearer" = []), ("session" = [])))]
pub async fn get_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<User>> {
    if id != auth.user.id {
        auth.principal.require(Permission::UserRead)?;
    }
    Ok(Json(user_in_org(&state, &auth, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserBody {
    pub email: String,
    pub display_name: String,
    /// administrator, compliance_manager, contributor or auditor.
    pub role: String,
    /// `en` (default) or `fr`.
    #[serde(default)]
    pub locale: Option<String>,
    /// Entities the user may see (ignored for administrators, who see all).
    #[serde(default)]
    pub entity_ids: Vec<String>,
    /// Initial password (at least 12 characters); omit for SSO-only users.
    #[serde(default)]
    pub password: Option<String>,
}

/// Create a user (administrators).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = CreateUserBody,
    responses((status = 201, body = User), (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateUserBody>,
) -> ApiResult<(StatusCode, Json<User>)> {
    auth.principal.require(Permission::UserManage)?;
    let role = parse_role(&body.role)?;
    let password_hash = match body.password {
        Some(password) => {
            let personal = vec![body.email.clone(), body.display_name.clone()];
            Some(state.passwords.hash(password, personal).await?)
        }
        None => None,
    };
    let new = NewUser {
        email: body.email,
        display_name: body.display_name,
        role,
        locale: body.locale.unwrap_or_else(|| "en".into()),
        entity_ids: body.entity_ids,
        password_hash,
    };
    let user = state
        .store
        .create_user(&auth.actor, &auth.principal.organisation_id, &new)
        .await?;
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserBody {
    pub role: Option<String>,
    pub display_name: Option<String>,
    pub locale: Option<String>,
    pub entity_ids: Option<Vec<String>>,
    /// `false` deactivates the user and ends their sessions.
    pub active: Option<bool>,
}

/// Change a user's role, grants, name, language or active state. Users may change their own
/// name and language; everything else needs an administrator.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", request_body = UpdateUserBody,
    responses((status = 200, body = User)), security(("bearer" = []), ("session" = [])))]
pub async fn update_user(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateUserBody>,
) -> ApiResult<Json<User>> {
    let privileged = body.role.is_some() || body.entity_ids.is_some() || body.active.is_some();
    if privileged || id != auth.user.id {
        auth.principal.require(Permission::UserManage)?;
    }
    if id == auth.user.id
        && (body.active == Some(false) || body.role.as_deref().is_some_and(|r| r != auth.user.role))
    {
        return Err(ApiError::Conflict(
            "you cannot deactivate yourself or change your own role: ask another administrator"
                .into(),
        ));
    }
    user_in_org(&state, &auth, &id).await?;
    let update = UserUpdate {
        role: body.role.as_deref().map(parse_role).transpose()?,
        display_name: body.display_name,
        locale: body.locale,
        entity_ids: body.entity_ids,
        active: body.active,
        time_zone: None,
    };
    Ok(Json(
        state.store.update_user(&auth.actor, &id, &update).await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// `all` lists every user's tokens (administrators); default: your own.
    pub scope: Option<String>,
}

/// Your API tokens (or everybody's, for administrators with `scope=all`). Secrets are never shown.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens", params(TokenQuery),
    responses((status = 200, body = Vec<ApiToken>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_tokens(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<TokenQuery>,
) -> ApiResult<Json<Vec<ApiToken>>> {
    let user = if query.scope.as_deref() == Some("all") {
        auth.principal.require(Permission::AllTokens)?;
        None
    } else {
        auth.principal.require(Permission::OwnTokens)?;
        Some(auth.user.id.as_str())
    };
    Ok(Json(
        state
            .store
            .list_tokens(&auth.principal.organisation_id, user)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenBody {
    pub name: String,
    /// Days until the token expires (1–730, default 90).
    #[serde(default)]
    pub expires_in_days: Option<i64>,
    /// `full` (default), `read` (reads only) or `ingest` (sensor batches only).
    #[serde(default)]
    pub scope: Option<String>,
    /// Limit the token to one entity (needed for `ingest`).
    #[serde(default)]
    pub entity_id: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub token: ApiToken,
    /// The secret, shown this once: send it as `Authorization: Bearer …`.
    pub secret: String,
}

/// Issues a token to the signed-in user: the API and the settings page both come here. A token
/// cannot mint tokens (a stolen token must not outlive its own revocation), an ingest token
/// names its entity, and a token never reaches beyond its owner's rights.
pub(crate) async fn issue_token(
    state: &AppState,
    auth: &Auth,
    body: &CreateTokenBody,
) -> ApiResult<CreatedToken> {
    auth.principal.require(Permission::OwnTokens)?;
    let days = body.expires_in_days.unwrap_or(90);
    if !(1..=730).contains(&days) {
        return Err(ApiError::field_error(FieldError::out_of_range(
            "expires_in_days",
            1,
            730,
        )));
    }
    let scope: TokenScope = match body.scope.as_deref().map(str::trim) {
        None | Some("") => TokenScope::Full,
        Some(text) => text.parse().map_err(|_| {
            ApiError::field_error(FieldError::one_of(
                "scope",
                &TokenScope::ALL.map(TokenScope::code),
            ))
        })?,
    };
    let entity_id = body
        .entity_id
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty());
    if scope == TokenScope::Ingest && entity_id.is_none() {
        return Err(ApiError::field_error(FieldError::empty("entity_id")));
    }
    if matches!(auth.via, auth::Via::Token { .. }) {
        return Err(ApiError::Forbidden(
            "API tokens cannot create tokens: sign in with a browser session to create one".into(),
        ));
    }
    let expires_at = format_instant(state.store.clock().now() + chrono::Duration::days(days));
    let (secret, hash, prefix) = auth::new_api_token();
    let token = state
        .store
        .create_token(
            &auth.actor,
            &NewToken {
                user_id: &auth.user.id,
                name: &body.name,
                token_hash: &hash,
                prefix: &prefix,
                expires_at: Some(&expires_at),
                scope,
                entity_id,
            },
        )
        .await?;
    Ok(CreatedToken { token, secret })
}

/// Create a personal API token. Its secret appears only in this answer. Only a browser
/// session can create tokens.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = CreateTokenBody,
    responses((status = 201, body = CreatedToken), (status = 400, body = crate::error::Problem),
        (status = 403, description = "Called with a token, or not allowed")),
    security(("session" = [])))]
pub async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateTokenBody>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let created = issue_token(&state, &auth, &body).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revoke a token (your own, or anybody's for administrators).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    responses((status = 200, body = ApiToken)), security(("bearer" = []), ("session" = [])))]
pub async fn revoke_token(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<ApiToken>> {
    let token = state.store.token(&id).await?;
    if token.user_id == auth.user.id {
        auth.principal.require(Permission::OwnTokens)?;
    } else {
        auth.principal.require(Permission::AllTokens)?;
        user_in_org(&state, &auth, &token.user_id).await?;
    }
    Ok(Json(state.store.revoke_token(&auth.actor, &id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPasswordBody {
    /// The new password (at least 12 characters).
    pub password: String,
}

/// Set another user's password (administrators); their sessions end.
#[utoipa::path(put, path = "/api/v1/users/{id}/password", tag = "users", request_body = SetPasswordBody,
    responses((status = 204, description = "Password set")), security(("bearer" = []), ("session" = [])))]
pub async fn set_user_password(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SetPasswordBody>,
) -> ApiResult<StatusCode> {
    auth.principal.require(Permission::UserManage)?;
    let user = user_in_org(&state, &auth, &id).await?;
    let personal = vec![user.email, user.display_name];
    let hash = state.passwords.hash(body.password, personal).await?;
    state
        .store
        .set_password_hash(&auth.actor, &id, &hash)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordBody {
    pub current_password: String,
    pub new_password: String,
}

/// Change your own password (the current one is required); all your sessions end.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "session", request_body = ChangePasswordBody,
    responses((status = 204, description = "Password changed"), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn change_own_password(
    State(state): State<AppState>,
    auth: Auth,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<ChangePasswordBody>,
) -> ApiResult<StatusCode> {
    let device = super::session::device_hash(&state, &headers);
    let (current, new) = (body.current_password, body.new_password);
    change_password(&state, &auth, device.as_deref(), current, new).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the caller's current password, then stores the new one; every session of the caller
/// ends with the change. The API and the settings page both change passwords through here.
/// Wrong current passwords count as failed sign-ins of the account (and are throttled with
/// them), so a stolen session cannot be used to guess the password.
pub(crate) async fn change_password(
    state: &AppState,
    auth: &Auth,
    device: Option<&str>,
    current: String,
    new: String,
) -> ApiResult<()> {
    super::session::confirm_own_password(state, auth, &current, device).await?;
    let personal = vec![auth.user.email.clone(), auth.user.display_name.clone()];
    let hash = state.passwords.hash(new, personal).await?;
    state
        .store
        .set_password_hash(&auth.actor, &auth.user.id, &hash)
        .await?;
    Ok(())
}
