//! Users with their roles and entity grants, and personal API tokens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::{Permission, Role};
use hygeia_domain::clock::format_instant;
use hygeia_domain::validation::FieldError;
use hygeia_store::{ApiToken, NewUser, Page, User, UserUpdate};
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiQuery, Paging};
use crate::AppState;
use crate::auth::{self, Auth};
use crate::error::{ApiError, ApiResult};

fn parse_role(text: &str) -> ApiResult<Role> {
    text.parse()
        .map_err(|e: hygeia_domain::access::UnknownRole| ApiError::field("role", e.to_string()))
}

async fn user_in_org(state: &AppState, auth: &Auth, id: &str) -> ApiResult<User> {
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
        Some(password) => Some(hashed(password).await?),
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
    };
    Ok(Json(
        state.store.update_user(&auth.actor, &id, &update).await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
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
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub token: ApiToken,
    /// The secret, shown this once: send it as `Authorization: Bearer …`.
    pub secret: String,
}

/// Create a personal API token. Its secret appears only in this answer.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "tokens", request_body = CreateTokenBody,
    responses((status = 201, body = CreatedToken)), security(("bearer" = []), ("session" = [])))]
pub async fn create_token(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<CreateTokenBody>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    auth.principal.require(Permission::OwnTokens)?;
    let days = body.expires_in_days.unwrap_or(90);
    if !(1..=730).contains(&days) {
        return Err(ApiError::field_error(FieldError::out_of_range(
            "expires_in_days",
            1,
            730,
        )));
    }
    let expires_at = format_instant(state.store.clock().now() + chrono::Duration::days(days));
    let (secret, hash, prefix) = auth::new_api_token();
    let token = state
        .store
        .create_token(
            &auth.actor,
            &auth.user.id,
            &body.name,
            &hash,
            &prefix,
            Some(&expires_at),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, secret })))
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

async fn hashed(password: String) -> ApiResult<String> {
    auth::check_password_strength(&password)?;
    tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await
        .map_err(ApiError::internal)?
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
    user_in_org(&state, &auth, &id).await?;
    let hash = hashed(body.password).await?;
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
    ApiJson(body): ApiJson<ChangePasswordBody>,
) -> ApiResult<StatusCode> {
    change_password(&state, &auth, body.current_password, body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks the caller's current password, then stores the new one; every session of the caller
/// ends with the change. The API and the settings page both change passwords through here.
/// Wrong current passwords count as failed sign-ins of the account (and are throttled with
/// them), so a stolen session cannot be used to guess the password.
pub(crate) async fn change_password(
    state: &AppState,
    auth: &Auth,
    current: String,
    new: String,
) -> ApiResult<()> {
    super::session::refuse_password_guessing(state, &auth.user.email, &auth.actor.source).await?;
    let stored = state
        .store
        .user_by_email(&auth.user.email)
        .await?
        .and_then(|(_, hash)| hash);
    let verified = tokio::task::spawn_blocking(move || {
        stored.is_some_and(|hash| auth::verify_password(&current, &hash))
    })
    .await
    .map_err(ApiError::internal)?;
    if !verified {
        state
            .store
            .record_login(&auth.actor, &auth.user.email, Some(&auth.user.id), false)
            .await?;
        return Err(ApiError::field_error(FieldError::wrong_password(
            "current_password",
        )));
    }
    let hash = hashed(new).await?;
    state
        .store
        .set_password_hash(&auth.actor, &auth.user.id, &hash)
        .await?;
    Ok(())
}
