//! Single sign-on with OpenID Connect: providers managed by administrators (API), and the
//! sign-in itself (used by the pages in `ui/sso.rs`): start with state, nonce and PKCE kept
//! server-side; at the callback, the checked ID token finds the account by its (issuer,
//! subject) link, links an existing account by a verified e-mail address, or creates one just
//! in time from the mapping rules; then the usual second-factor policy applies.
//!
//! Local password accounts never depend on any of this: a provider that is misconfigured,
//! down or disabled cannot keep an administrator out (break-glass, `docs/sso.md`).

pub mod oidc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use hygeia_domain::access::{Permission, Role};
use hygeia_domain::clock::format_instant;
use hygeia_store::{NewUser, SsoFlow, SsoProvider, SsoProviderInput, SsoRule, User, UserUpdate};

use super::ApiJson;
use super::session::{self, SignInStep};
use crate::AppState;
use crate::auth::{self, Auth};
use crate::error::{ApiError, ApiResult};
use crate::security_log;

// ----- administration -------------------------------------------------------------------

async fn provider_in_org(state: &AppState, auth: &Auth, id: &str) -> ApiResult<SsoProvider> {
    let provider = state.store.sso_provider(id).await?;
    if provider.organisation_id != auth.principal.organisation_id {
        return Err(ApiError::NotFound(format!(
            "SSO provider '{id}' was not found"
        )));
    }
    Ok(provider)
}

/// The organisation's OpenID Connect providers (administrators). Client secrets are never
/// shown, only whether one is stored.
#[utoipa::path(get, path = "/api/v1/sso/providers", tag = "sso",
    responses((status = 200, body = [SsoProvider])), security(("bearer" = []), ("session" = [])))]
pub async fn list_providers(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<SsoProvider>>> {
    auth.principal.require(Permission::UserManage)?;
    Ok(Json(
        state
            .store
            .list_sso_providers(&auth.principal.organisation_id)
            .await?,
    ))
}

/// Add a provider (administrators).
#[utoipa::path(post, path = "/api/v1/sso/providers", tag = "sso", request_body = SsoProviderInput,
    responses((status = 201, body = SsoProvider), (status = 400, description = "Invalid settings")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_provider(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(input): ApiJson<SsoProviderInput>,
) -> ApiResult<(StatusCode, Json<SsoProvider>)> {
    auth.principal.require(Permission::UserManage)?;
    let created = state
        .store
        .create_sso_provider(&auth.actor, &auth.principal.organisation_id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// One provider (administrators).
#[utoipa::path(get, path = "/api/v1/sso/providers/{id}", tag = "sso",
    responses((status = 200, body = SsoProvider), (status = 404, description = "No such provider")),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_provider(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<SsoProvider>> {
    auth.principal.require(Permission::UserManage)?;
    Ok(Json(provider_in_org(&state, &auth, &id).await?))
}

/// Replace a provider's settings (administrators); an absent or empty `client_secret` keeps
/// the stored one.
#[utoipa::path(put, path = "/api/v1/sso/providers/{id}", tag = "sso", request_body = SsoProviderInput,
    responses((status = 200, body = SsoProvider), (status = 404, description = "No such provider")),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_provider(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SsoProviderInput>,
) -> ApiResult<Json<SsoProvider>> {
    auth.principal.require(Permission::UserManage)?;
    Ok(Json(
        state
            .store
            .update_sso_provider(&auth.actor, &auth.principal.organisation_id, &id, &input)
            .await?,
    ))
}

/// Remove a provider (administrators). Its accounts stay, without their link.
#[utoipa::path(delete, path = "/api/v1/sso/providers/{id}", tag = "sso",
    responses((status = 204, description = "Removed"), (status = 404, description = "No such provider")),
    security(("bearer" = []), ("session" = [])))]
pub async fn delete_provider(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    auth.principal.require(Permission::UserManage)?;
    state
        .store
        .delete_sso_provider(&auth.actor, &auth.principal.organisation_id, &id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ----- signing in -----------------------------------------------------------------------

/// Why a sign-in through a provider was refused: the message key shown to the user, and what
/// the security log records (never a secret, a code or a token).
#[derive(Debug)]
pub(crate) struct Refusal {
    pub key: &'static str,
    pub log: String,
}

fn refuse(key: &'static str, log: impl Into<String>) -> Refusal {
    Refusal {
        key,
        log: log.into(),
    }
}

impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        refuse("sso.refused.internal", error.to_string())
    }
}

impl From<hygeia_store::StoreError> for Refusal {
    fn from(error: hygeia_store::StoreError) -> Self {
        refuse("sso.refused.internal", error.to_string())
    }
}

impl From<oidc::OidcError> for Refusal {
    fn from(error: oidc::OidcError) -> Self {
        let key = match error {
            oidc::OidcError::IdToken(_) => "sso.refused.token",
            _ => "sso.refused.provider",
        };
        refuse(key, error.to_string())
    }
}

/// How long the browser may stay at the provider.
const FLOW_MINUTES: i64 = 10;

/// The flow cookie's name (`__Host-` with Secure cookies).
pub(crate) fn flow_cookie_name(state: &AppState) -> &'static str {
    if state.config.secure_cookies {
        "__Host-hygeia_sso"
    } else {
        "hygeia_sso"
    }
}

/// The flow cookie. `SameSite=Lax`, unlike the others: it must come back with the
/// provider's cross-site redirect to the callback.
pub(crate) fn flow_cookie(state: &AppState, secret: &str) -> String {
    let name = flow_cookie_name(state);
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let max_age = if secret.is_empty() {
        0
    } else {
        FLOW_MINUTES * 60
    };
    format!("{name}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

/// The address the provider sends the browser back to: the configured public address, or
/// this request's host.
pub(crate) fn redirect_uri(state: &AppState, parts: &Parts) -> String {
    let base = crate::public_origin::public_origin(state, parts);
    format!("{base}/login/sso/callback")
}

/// Starts a sign-in at provider `id`: the address to send the browser to, and the flow
/// cookie to set.
pub(crate) async fn start(
    state: &AppState,
    parts: &Parts,
    id: &str,
    lang: &str,
) -> Result<(String, String), Refusal> {
    let provider = state
        .store
        .sso_provider(id)
        .await
        .map_err(|_| refuse("sso.refused.unavailable", format!("unknown provider {id}")))?;
    if !provider.enabled {
        return Err(refuse(
            "sso.refused.unavailable",
            format!("provider {} is disabled", provider.name),
        ));
    }
    let endpoints = oidc::endpoints(&provider).await?;
    let redirect_uri = redirect_uri(state, parts);
    let request = oidc::authorisation(&provider, &endpoints, &redirect_uri, lang)?;
    let secret = auth::random_secret();
    let expires = state.store.clock().now() + chrono::Duration::minutes(FLOW_MINUTES);
    let flow = SsoFlow {
        provider_id: provider.id.clone(),
        state: request.state,
        nonce: request.nonce,
        pkce_verifier: request.pkce_verifier,
        redirect_uri,
        lang: lang.to_owned(),
    };
    state
        .store
        .create_sso_flow(&auth::secret_hash(&secret), &flow, &format_instant(expires))
        .await?;
    Ok((request.url, flow_cookie(state, &secret)))
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// The role (first matching rule that gives one) and entities (every matching rule) that
/// the rules give to members of `groups`.
pub(crate) fn mapped(rules: &[SsoRule], groups: &[String]) -> (Option<Role>, Vec<String>) {
    let matching: Vec<&SsoRule> = rules.iter().filter(|r| groups.contains(&r.group)).collect();
    let role = matching
        .iter()
        .find_map(|r| r.role.as_deref().and_then(|c| c.parse().ok()));
    let mut entities: Vec<String> = matching
        .iter()
        .filter_map(|r| r.entity_id.clone())
        .collect();
    entities.sort();
    entities.dedup();
    (role, entities)
}

fn domain_allowed(provider: &SsoProvider, email: Option<&str>) -> bool {
    provider.email_domains.is_empty()
        || email
            .and_then(|e| e.rsplit_once('@'))
            .is_some_and(|(_, d)| provider.email_domains.contains(&d.to_lowercase()))
}

/// Finishes a sign-in at its callback: the flow (single use) of this browser's cookie, the
/// state, the code exchange, the ID token; then the account, and the first-factor outcome.
/// Returns the language of the flow (empty without one) with the outcome, so refusals are
/// shown in it.
pub(crate) async fn finish(
    state: &AppState,
    parts: &Parts,
    callback: &Callback,
) -> (String, Result<SignInStep, Refusal>) {
    let secret = auth::cookie(&parts.headers, flow_cookie_name(state))
        .filter(|v| !v.is_empty() && v.len() <= 100);
    let flow = match secret {
        Some(secret) => state.store.take_sso_flow(&auth::secret_hash(secret)).await,
        None => Ok(None),
    };
    let flow = match flow {
        Ok(Some(flow)) => flow,
        Ok(None) => {
            return (
                "en".into(),
                Err(refuse(
                    "sso.refused.expired",
                    "no sign-in in progress for this browser",
                )),
            );
        }
        Err(error) => return ("en".into(), Err(error.into())),
    };
    let outcome = complete(state, parts, callback, &flow).await;
    (flow.lang, outcome)
}

async fn complete(
    state: &AppState,
    parts: &Parts,
    callback: &Callback,
    flow: &SsoFlow,
) -> Result<SignInStep, Refusal> {
    if let Some(error) = &callback.error {
        let code: String = error
            .chars()
            .filter(char::is_ascii_graphic)
            .take(40)
            .collect();
        return Err(refuse(
            "sso.refused.provider",
            format!("the provider answered {code}"),
        ));
    }
    let sent = callback.state.as_deref().unwrap_or_default();
    if auth::secret_hash(sent) != auth::secret_hash(&flow.state) {
        return Err(refuse("sso.refused.expired", "the state does not match"));
    }
    let code = callback
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 2048)
        .ok_or_else(|| refuse("sso.refused.provider", "no code"))?;
    let provider = state.store.sso_provider(&flow.provider_id).await?;
    if !provider.enabled {
        return Err(refuse(
            "sso.refused.unavailable",
            "the provider was disabled",
        ));
    }
    let secret = state.store.sso_client_secret(&provider.id).await?;
    let endpoints = oidc::endpoints(&provider).await?;
    let id_token = oidc::exchange(
        &provider,
        secret.as_deref(),
        &endpoints,
        code,
        &flow.redirect_uri,
        &flow.pkce_verifier,
    )
    .await?;
    let keys = oidc::keys(&endpoints).await?;
    let claims = oidc::check_id_token(
        &provider.issuer,
        &provider.client_id,
        secret.as_deref(),
        keys,
        &id_token,
        &flow.nonce,
    )?;
    let identity = oidc::identity(&claims, &provider.groups_claim);
    let user = account(state, parts, &provider, &identity, &flow.lang).await?;
    let pair = (identity.issuer.as_str(), identity.subject.as_str());
    let actor = auth::request_actor(parts, Some(&user), &state.config);
    state
        .store
        .record_sso_sign_in(&actor, &provider.id, pair, &user.id)
        .await?;
    let strong = provider.trust_mfa && oidc::multi_factor(&identity, provider.mfa_acr.as_deref());
    Ok(session::after_first_factor(state, parts, &user, strong).await?)
}

/// The account of a checked identity: linked, linked now by verified e-mail, or created.
async fn account(
    state: &AppState,
    parts: &Parts,
    provider: &SsoProvider,
    identity: &oidc::Identity,
    lang: &str,
) -> Result<User, Refusal> {
    let store = &state.store;
    let pair = (identity.issuer.as_str(), identity.subject.as_str());
    let who = identity.email.as_deref().unwrap_or(&identity.subject);
    if !domain_allowed(provider, identity.email.as_deref()) {
        return Err(refuse(
            "sso.refused.domain",
            format!("{who}: e-mail domain not allowed"),
        ));
    }
    let (role, entities) = mapped(&provider.rules, &identity.groups);
    let system = auth::request_actor(parts, None, &state.config);
    if let Some(linked) = store.sso_linked_user(pair.0, pair.1).await? {
        let user = linked.user;
        if user.deactivated_at.is_some() {
            return Err(refuse(
                "sso.refused.deactivated",
                format!("{who}: deactivated"),
            ));
        }
        if !linked.managed {
            return Ok(user);
        }
        // Created by this provider: its rules decide the role and grants at every sign-in.
        let Some(role) = role else {
            return Err(refuse(
                "sso.refused.no_role",
                format!("{who}: no rule gives a role"),
            ));
        };
        let entities = if role.sees_all_entities() {
            Vec::new()
        } else {
            entities
        };
        if role.code() == user.role && entities == user.entity_ids {
            return Ok(user);
        }
        let actor = auth::request_actor(parts, Some(&user), &state.config);
        let update = UserUpdate {
            role: Some(role),
            entity_ids: Some(entities),
            ..UserUpdate::default()
        };
        return Ok(store.update_user(&actor, &user.id, &update).await?);
    }
    let email = identity
        .email
        .as_deref()
        .ok_or_else(|| refuse("sso.refused.email", format!("{who}: no e-mail address")))?;
    let verified = identity
        .email_verified
        .unwrap_or(provider.assume_email_verified);
    if !verified {
        return Err(refuse(
            "sso.refused.email",
            format!("{who}: e-mail address not verified"),
        ));
    }
    if let Some((user, _)) = store.user_by_email(email).await? {
        if user.deactivated_at.is_some() {
            return Err(refuse(
                "sso.refused.deactivated",
                format!("{who}: deactivated"),
            ));
        }
        let actor = auth::request_actor(parts, Some(&user), &state.config);
        store
            .link_sso_account(&actor, &provider.id, pair, &user.id)
            .await?;
        return Ok(user);
    }
    if !provider.create_accounts {
        return Err(refuse(
            "sso.refused.no_account",
            format!("{who}: no account"),
        ));
    }
    let Some(role) = role else {
        return Err(refuse(
            "sso.refused.no_role",
            format!("{who}: no rule gives a role"),
        ));
    };
    let name = identity
        .name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(email);
    let new = NewUser {
        email: email.to_owned(),
        display_name: name.chars().take(120).collect(),
        role,
        locale: if lang == "fr" { "fr" } else { "en" }.to_owned(),
        entity_ids: if role.sees_all_entities() {
            Vec::new()
        } else {
            entities
        },
        password_hash: None,
    };
    let organisation = provider.organisation_id.clone();
    let actor = hygeia_store::Actor {
        label: format!("sso:{}", provider.name),
        ..system
    };
    Ok(store
        .create_sso_user(&actor, &organisation, &provider.id, pair, &new)
        .await?)
}

/// Notes a refused sign-in in the security log (rate-limited, never in the audit chain: the
/// callback is public).
pub(crate) fn note_refusal(parts: &Parts, state: &AppState, refusal: &Refusal) {
    let actor = auth::request_actor(parts, None, &state.config);
    security_log::note(
        &format!("SSO sign-in refused ({}): {}", refusal.key, refusal.log),
        &actor.source,
        actor.request_id.as_deref(),
    );
}
