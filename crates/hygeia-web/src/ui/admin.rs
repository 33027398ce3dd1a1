//! Users with their roles and entity grants (administrators), and personal API tokens.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use hygeia_domain::access::{Permission, Role};
use hygeia_store::{ApiToken, NewUser, PageRequest, User, UserUpdate};

use super::i18n::{Lang, Tr};
use super::{
    Area, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, no_store, redirect, render,
    tr_of,
};
use crate::AppState;
use crate::api::users;
use crate::auth::Auth;
use crate::error::ApiError;

pub struct RoleChoice {
    pub code: &'static str,
    pub label: String,
    pub selected: bool,
}

fn roles(tr: Tr, current: &str) -> Vec<RoleChoice> {
    Role::ALL
        .into_iter()
        .map(|r| RoleChoice {
            code: r.code(),
            label: tr.t(&format!("role.{}", r.code())).to_owned(),
            selected: r.code() == current,
        })
        .collect()
}

pub struct Grant {
    pub id: String,
    pub name: String,
    pub checked: bool,
}

pub struct UserRow {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub locale: String,
    pub grants: String,
    pub active: bool,
    pub last_login: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    shell: Shell,
    users: Vec<UserRow>,
    roles: Vec<RoleChoice>,
    grants: Vec<Grant>,
    can_manage: bool,
}

fn fail(tr: Tr) -> impl Fn(ApiError) -> PageError {
    move |e| PageError::new(tr, e)
}

pub async fn users_page(State(state): State<AppState>, PageAuth(auth): PageAuth) -> PageResult {
    let tr = tr_of(&auth);
    auth.principal
        .require(Permission::UserRead)
        .map_err(|e| fail(tr)(e.into()))?;
    let users = state
        .store
        .list_users(
            &auth.principal.organisation_id,
            PageRequest::new(Some(500), None),
        )
        .await
        .map_err(|e| fail(tr)(e.into()))?
        .items;
    let title = tr.t("users.title").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Settings,
        title.clone(),
        vec![
            Crumb::link(tr.t("nav.settings"), "/settings"),
            Crumb::here(title),
        ],
        None,
    )
    .await?;
    let name_of = |id: &str| {
        shell
            .entities
            .iter()
            .find(|e| e.id == id)
            .map_or_else(|| id.to_owned(), |e| e.name.clone())
    };
    let rows = users
        .iter()
        .map(|u| UserRow {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.display_name.clone(),
            role: tr.t(&format!("role.{}", u.role)).to_owned(),
            locale: u.locale.clone(),
            grants: if u.role == Role::Administrator.code() {
                tr.t("users.all_entities").to_owned()
            } else if u.entity_ids.is_empty() {
                tr.t("users.no_entities").to_owned()
            } else {
                u.entity_ids
                    .iter()
                    .map(|id| name_of(id))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            active: u.deactivated_at.is_none(),
            last_login: tr.opt_datetime(&u.last_login_at),
        })
        .collect();
    let grants = shell
        .entities
        .iter()
        .map(|e| Grant {
            id: e.id.clone(),
            name: e.name.clone(),
            checked: false,
        })
        .collect();
    let page = UsersPage {
        users: rows,
        roles: roles(tr, Role::Contributor.code()),
        grants,
        can_manage: auth.principal.require(Permission::UserManage).is_ok(),
        shell,
    };
    render(tr, &page)
}

pub async fn create_user(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let back = |e: ApiError| PageError::new(tr, e).back("/settings/users");
    auth.principal
        .require(Permission::UserManage)
        .map_err(|e| back(e.into()))?;
    let role: Role =
        fields
            .text("role")
            .parse()
            .map_err(|e: hygeia_domain::access::UnknownRole| {
                back(ApiError::field("role", e.to_string()))
            })?;
    let password = fields.text("password");
    let password_hash = if password.is_empty() {
        None
    } else {
        let personal = vec![fields.text("email"), fields.text("display_name")];
        Some(
            state
                .passwords
                .hash(password, personal)
                .await
                .map_err(back)?,
        )
    };
    let new = NewUser {
        email: fields.text("email"),
        display_name: fields.text("display_name"),
        role,
        locale: Lang::from_code(&fields.text("locale")).code().to_owned(),
        entity_ids: fields.all("entity_ids"),
        password_hash,
    };
    let user = state
        .store
        .create_user(&auth.actor, &auth.principal.organisation_id, &new)
        .await
        .map_err(|e| back(e.into()))?;
    Ok(redirect(&format!("/settings/users/{}", user.id)).into_response())
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    shell: Shell,
    user: User,
    roles: Vec<RoleChoice>,
    grants: Vec<Grant>,
    is_self: bool,
    created: String,
    last_login: String,
    second_factor: hygeia_store::SecondFactorStatus,
}

async fn user_in_org(state: &AppState, auth: &Auth, id: &str) -> Result<User, ApiError> {
    match state.store.user(id).await {
        Ok(user) if user.organisation_id == auth.principal.organisation_id => Ok(user),
        _ => Err(ApiError::NotFound(
            tr_of(auth).t("error.no_user").to_owned(),
        )),
    }
}

pub async fn user_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    let tr = tr_of(&auth);
    auth.principal
        .require(Permission::UserManage)
        .map_err(|e| fail(tr)(e.into()))?;
    let user = user_in_org(&state, &auth, &id).await.map_err(fail(tr))?;
    let shell = Shell::new(
        &state,
        &auth,
        Area::Settings,
        user.display_name.clone(),
        vec![
            Crumb::link(tr.t("nav.settings"), "/settings"),
            Crumb::link(tr.t("users.title"), "/settings/users"),
            Crumb::here(user.email.clone()),
        ],
        None,
    )
    .await?;
    let grants = shell
        .entities
        .iter()
        .map(|e| Grant {
            id: e.id.clone(),
            name: e.name.clone(),
            checked: user.entity_ids.contains(&e.id),
        })
        .collect();
    let second_factor = state
        .store
        .second_factor_status(&user.id)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    let page = UserPage {
        roles: roles(tr, &user.role),
        grants,
        is_self: user.id == auth.user.id,
        created: tr.datetime(&user.created_at),
        last_login: tr.opt_datetime(&user.last_login_at),
        second_factor,
        user,
        shell,
    };
    render(tr, &page)
}

pub async fn update_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let here = format!("/settings/users/{id}");
    let back = |e: ApiError| PageError::new(tr, e).back(here.clone());
    auth.principal
        .require(Permission::UserManage)
        .map_err(|e| back(e.into()))?;
    let user = user_in_org(&state, &auth, &id).await.map_err(back)?;
    let role: Role =
        fields
            .text("role")
            .parse()
            .map_err(|e: hygeia_domain::access::UnknownRole| {
                back(ApiError::field("role", e.to_string()))
            })?;
    let active = fields.get("active").is_some();
    if user.id == auth.user.id && (!active || role.code() != user.role) {
        return Err(back(ApiError::Conflict(tr.t("users.not_self").to_owned())));
    }
    let update = UserUpdate {
        role: Some(role),
        display_name: Some(fields.text("display_name")),
        locale: Some(Lang::from_code(&fields.text("locale")).code().to_owned()),
        entity_ids: Some(fields.all("entity_ids")),
        active: Some(active),
        // The user's own choice of display, not the administrator's.
        time_zone: None,
    };
    state
        .store
        .update_user(&auth.actor, &id, &update)
        .await
        .map_err(|e| back(e.into()))?;
    Ok(redirect("/settings/users").into_response())
}

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub owner: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub revoked: bool,
    /// The scope, in the reader's language.
    pub scope: String,
    /// The entity it is limited to, by name, or empty.
    pub entity: String,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    shell: Shell,
    tokens: Vec<TokenRow>,
    all: bool,
    secret: Option<String>,
}

async fn tokens_view(state: &AppState, auth: &Auth, secret: Option<String>) -> PageResult {
    let tr = tr_of(auth);
    auth.principal
        .require(Permission::OwnTokens)
        .map_err(|e| fail(tr)(e.into()))?;
    let all = auth.principal.require(Permission::AllTokens).is_ok();
    let owner = (!all).then_some(auth.user.id.as_str());
    let tokens: Vec<ApiToken> = state
        .store
        .list_tokens(&auth.principal.organisation_id, owner)
        .await
        .map_err(|e| fail(tr)(e.into()))?;
    let emails: Vec<(String, String)> = if all {
        state
            .store
            .list_users(
                &auth.principal.organisation_id,
                PageRequest::new(Some(500), None),
            )
            .await
            .map_err(|e| fail(tr)(e.into()))?
            .items
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect()
    } else {
        vec![(auth.user.id.clone(), auth.user.email.clone())]
    };
    let title = tr.t("tokens.title").to_owned();
    let shell = Shell::new(
        state,
        auth,
        Area::Settings,
        title.clone(),
        vec![
            Crumb::link(tr.t("nav.settings"), "/settings"),
            Crumb::here(title),
        ],
        None,
    )
    .await?;
    let shell_entities = &shell.entities;
    let rows = tokens
        .into_iter()
        .map(|t| TokenRow {
            owner: emails
                .iter()
                .find(|(id, _)| *id == t.user_id)
                .map_or_else(|| t.user_id.clone(), |(_, e)| e.clone()),
            created: tr.datetime(&t.created_at),
            expires: tr.opt_datetime(&t.expires_at),
            last_used: tr.opt_datetime(&t.last_used_at),
            revoked: t.revoked_at.is_some(),
            scope: tr.t(&format!("tokens.scope_{}", t.scope)).to_owned(),
            entity: t
                .entity_id
                .as_deref()
                .map(|id| {
                    shell_entities
                        .iter()
                        .find(|e| e.id == id)
                        .map_or_else(|| id.to_owned(), |e| e.name.clone())
                })
                .unwrap_or_default(),
            id: t.id,
            name: t.name,
            prefix: t.prefix,
        })
        .collect();
    let page = TokensPage {
        shell,
        tokens: rows,
        all,
        secret,
    };
    render(tr, &page).map(no_store)
}

pub async fn tokens_page(State(state): State<AppState>, PageAuth(auth): PageAuth) -> PageResult {
    tokens_view(&state, &auth, None).await
}

/// Creates a token and shows its secret once, in this answer only (never stored in clear).
pub async fn create_token(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let back = |e: ApiError| PageError::new(tr, e).back("/settings/tokens");
    let body = users::CreateTokenBody {
        name: fields.text("name"),
        expires_in_days: Some(fields.text("expires_in_days").parse().unwrap_or(90)),
        scope: Some(fields.text("scope")),
        entity_id: Some(fields.text("entity_id")),
    };
    let created = users::issue_token(&state, &auth, &body)
        .await
        .map_err(back)?;
    let secret = created.secret;
    tokens_view(&state, &auth, Some(secret)).await
}

pub async fn revoke_token(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, _): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let back = |e: ApiError| PageError::new(tr, e).back("/settings/tokens");
    let token = state.store.token(&id).await.map_err(|e| back(e.into()))?;
    if token.user_id == auth.user.id {
        auth.principal
            .require(Permission::OwnTokens)
            .map_err(|e| back(e.into()))?;
    } else {
        auth.principal
            .require(Permission::AllTokens)
            .map_err(|e| back(e.into()))?;
        user_in_org(&state, &auth, &token.user_id)
            .await
            .map_err(back)?;
    }
    state
        .store
        .revoke_token(&auth.actor, &id)
        .await
        .map_err(|e| back(e.into()))?;
    Ok(redirect("/settings/tokens").into_response())
}
