//! Single sign-on pages: "Sign in with …" (start and callback), and the providers' settings
//! (administrators). The protocol and the account rules are in `api/sso.rs`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::response::{AppendHeaders, Html, IntoResponse, Response};
use hygeia_domain::access::{Permission, Role};
use hygeia_store::{EntityFilter, PageRequest, SsoProvider, SsoProviderInput, SsoRule};
use serde::Deserialize;

use super::forms::Fields;
use super::i18n::Tr;
use super::{
    Area, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, redirect, render, tr_of,
    visitor_lang,
};
use crate::AppState;
use crate::api::session::{self, SignInStep};
use crate::api::sso::{self as flow, Callback, Refusal};
use crate::error::ApiError;

/// A "Sign in with …" link of the sign-in page.
pub struct ProviderLink {
    pub id: String,
    pub name: String,
}

/// The enabled providers, for the sign-in page (none when they cannot be read: the password
/// form stays).
pub(crate) async fn provider_links(state: &AppState) -> Vec<ProviderLink> {
    state
        .store
        .enabled_sso_providers()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(id, name)| ProviderLink { id, name })
        .collect()
}

#[derive(Template)]
#[template(path = "sso_refused.html")]
struct RefusedPage {
    tr: Tr,
    message: String,
}

#[derive(Template)]
#[template(path = "sso_done.html")]
struct DonePage {
    tr: Tr,
    next: String,
}

fn refused(tr: Tr, status: StatusCode, refusal: &Refusal) -> Response {
    let page = RefusedPage {
        tr,
        message: tr.t(refusal.key).to_owned(),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => status.into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct StartQuery {
    lang: Option<String>,
}

/// Sends the browser to the provider, with the flow cookie.
pub async fn start(
    State(state): State<AppState>,
    parts: Parts,
    Path(id): Path<String>,
    Query(query): Query<StartQuery>,
) -> Response {
    let tr = visitor_lang(&parts.headers, query.lang.as_deref());
    let Ok(_calling) = state.sso_calls.try_acquire() else {
        crate::security_log::note("single sign-on starts saturated", &id, None);
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(axum::http::header::RETRY_AFTER, "1")],
        )
            .into_response();
    };
    match flow::start(&state, &parts, &id, tr.code()).await {
        Ok((location, cookie)) => {
            let location = axum::http::HeaderValue::from_str(&location);
            match location {
                Ok(location) => (
                    StatusCode::SEE_OTHER,
                    AppendHeaders([(SET_COOKIE, cookie)]),
                    [(axum::http::header::LOCATION, location)],
                )
                    .into_response(),
                Err(_) => StatusCode::BAD_GATEWAY.into_response(),
            }
        }
        Err(refusal) => {
            flow::note_refusal(&parts, &state, &refusal);
            refused(tr, StatusCode::BAD_GATEWAY, &refusal)
        }
    }
}

/// The provider's redirect back. Answers a page that moves on by itself (not a redirect): the
/// session cookie is `SameSite=Strict`, and a browser arriving from the provider's site would
/// not send it along an immediate redirect chain.
pub async fn callback(
    State(state): State<AppState>,
    parts: Parts,
    Query(callback): Query<Callback>,
) -> Response {
    let (lang, outcome) = flow::finish(&state, &parts, &callback).await;
    let tr = if lang.is_empty() {
        visitor_lang(&parts.headers, None)
    } else {
        Tr::new(super::i18n::Lang::from_code(&lang))
    };
    let end_flow = (SET_COOKIE, flow::flow_cookie(&state, ""));
    let (mut cookies, next) = match outcome {
        Ok(SignInStep::Done(signed_in)) => (signed_in.cookies(&state), "/".to_owned()),
        Ok(SignInStep::SecondFactor { pending_secret, .. }) => (
            vec![(SET_COOKIE, session::pending_cookie(&state, &pending_secret))],
            format!("/login/second-factor?lang={}", tr.code()),
        ),
        Err(refusal) => {
            flow::note_refusal(&parts, &state, &refusal);
            let status = if refusal.key == "sso.refused.internal" {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::FORBIDDEN
            };
            return (AppendHeaders([end_flow]), refused(tr, status, &refusal)).into_response();
        }
    };
    cookies.push(end_flow);
    match (DonePage { tr, next }).render() {
        Ok(html) => (AppendHeaders(cookies), Html(html)).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

// ----- settings -------------------------------------------------------------------------

/// A provider as the settings form shows it.
pub struct FormValues {
    pub name: String,
    pub issuer: String,
    pub discovery: bool,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    pub client_id: String,
    pub has_client_secret: bool,
    pub scopes: String,
    pub groups_claim: String,
    pub rules: String,
    pub email_domains: String,
    pub create_accounts: bool,
    pub trust_mfa: bool,
    pub mfa_acr: String,
    pub assume_email_verified: bool,
    pub enabled: bool,
}

impl FormValues {
    fn blank() -> Self {
        Self {
            name: String::new(),
            issuer: String::new(),
            discovery: true,
            authorization_endpoint: String::new(),
            token_endpoint: String::new(),
            jwks_uri: String::new(),
            client_id: String::new(),
            has_client_secret: false,
            scopes: "email profile".into(),
            groups_claim: "groups".into(),
            rules: String::new(),
            email_domains: String::new(),
            create_accounts: false,
            trust_mfa: false,
            mfa_acr: String::new(),
            assume_email_verified: false,
            enabled: true,
        }
    }

    fn of(p: &SsoProvider, entities: &[(String, String)]) -> Self {
        let entity_name = |id: &str| {
            entities
                .iter()
                .find(|(eid, _)| eid == id)
                .map_or_else(|| id.to_owned(), |(_, name)| name.clone())
        };
        let rules = p
            .rules
            .iter()
            .map(|r| {
                format!(
                    "{} | {} | {}",
                    r.group,
                    r.role.as_deref().unwrap_or_default(),
                    r.entity_id.as_deref().map(entity_name).unwrap_or_default()
                )
                .trim_end_matches([' ', '|'])
                .to_owned()
            })
            .collect::<Vec<_>>()
            .join("\n");
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            name: p.name.clone(),
            issuer: p.issuer.clone(),
            discovery: p.discovery,
            authorization_endpoint: text(&p.authorization_endpoint),
            token_endpoint: text(&p.token_endpoint),
            jwks_uri: text(&p.jwks_uri),
            client_id: p.client_id.clone(),
            has_client_secret: p.has_client_secret,
            scopes: p.scopes.join(" "),
            groups_claim: p.groups_claim.clone(),
            rules,
            email_domains: p.email_domains.join(" "),
            create_accounts: p.create_accounts,
            trust_mfa: p.trust_mfa,
            mfa_acr: text(&p.mfa_acr),
            assume_email_verified: p.assume_email_verified,
            enabled: p.enabled,
        }
    }
}

#[derive(Template)]
#[template(path = "sso_providers.html")]
struct ProvidersPage {
    shell: Shell,
    providers: Vec<SsoProvider>,
    form: FormValues,
    action: String,
    roles: String,
}

#[derive(Template)]
#[template(path = "sso_provider.html")]
struct ProviderPage {
    shell: Shell,
    id: String,
    form: FormValues,
    action: String,
    roles: String,
}

fn fail(tr: Tr) -> impl Fn(ApiError) -> PageError {
    move |e| PageError::new(tr, e)
}

/// The organisation's entities: (id, name).
async fn entities(
    state: &AppState,
    auth: &crate::auth::Auth,
) -> Result<Vec<(String, String)>, PageError> {
    Ok(state
        .store
        .list_entities(
            &auth.principal.organisation_id,
            &auth.principal.scope,
            &EntityFilter::default(),
            PageRequest::new(Some(500), None),
        )
        .await
        .map_err(|e| fail(tr_of(auth))(e.into()))?
        .items
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect())
}

fn role_codes() -> String {
    Role::ALL.map(|r| r.code()).join(", ")
}

async fn shell(
    state: &AppState,
    auth: &crate::auth::Auth,
    here: Option<String>,
) -> Result<Shell, PageError> {
    let tr = tr_of(auth);
    let title = tr.t("sso.title").to_owned();
    let mut crumbs = vec![Crumb::link(tr.t("nav.settings"), "/settings")];
    match here {
        Some(name) => {
            crumbs.push(Crumb::link(title.clone(), "/settings/sso"));
            crumbs.push(Crumb::here(name));
        }
        None => crumbs.push(Crumb::here(title.clone())),
    }
    Shell::new(state, auth, Area::Settings, title, crumbs, None).await
}

pub async fn providers_page(State(state): State<AppState>, PageAuth(auth): PageAuth) -> PageResult {
    let tr = tr_of(&auth);
    auth.principal
        .require(Permission::UserManage)
        .map_err(|e| fail(tr)(e.into()))?;
    let providers = state
        .store
        .list_sso_providers(&auth.principal.organisation_id)
        .await
        .map_err(|e| fail(tr)(e.into()))?;
    let page = ProvidersPage {
        shell: shell(&state, &auth, None).await?,
        providers,
        form: FormValues::blank(),
        action: "/settings/sso".into(),
        roles: role_codes(),
    };
    render(tr, &page)
}

/// Reads the form: rules are lines of `group | role | entity` (role or entity may be empty;
/// the entity by its name or id).
fn input_of(fields: &Fields, entities: &[(String, String)]) -> Result<SsoProviderInput, ApiError> {
    let list = |name: &str| -> Vec<String> {
        fields
            .text(name)
            .split([' ', ',', '\n', '\r', '\t'])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let optional = |name: &str| Some(fields.text(name)).filter(|t| !t.is_empty());
    let mut rules = Vec::new();
    for line in fields
        .text("rules")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let mut parts = line.split('|').map(str::trim);
        let group = parts.next().unwrap_or_default().to_owned();
        let role = parts.next().filter(|r| !r.is_empty()).map(str::to_owned);
        let entity = parts.next().filter(|e| !e.is_empty());
        let entity_id = match entity {
            Some(e) => Some(
                entities
                    .iter()
                    .find(|(id, name)| id == e || name == e)
                    .map(|(id, _)| id.clone())
                    .ok_or_else(|| ApiError::field("rules", format!("no entity named '{e}'")))?,
            ),
            None => None,
        };
        rules.push(SsoRule {
            group,
            role,
            entity_id,
        });
    }
    Ok(SsoProviderInput {
        name: fields.text("name"),
        issuer: fields.text("issuer"),
        discovery: fields.get("discovery").is_some(),
        authorization_endpoint: optional("authorization_endpoint"),
        token_endpoint: optional("token_endpoint"),
        jwks_uri: optional("jwks_uri"),
        client_id: fields.text("client_id"),
        client_secret: optional("client_secret"),
        scopes: list("scopes"),
        groups_claim: fields.text("groups_claim"),
        rules,
        email_domains: list("email_domains"),
        create_accounts: fields.get("create_accounts").is_some(),
        trust_mfa: fields.get("trust_mfa").is_some(),
        mfa_acr: optional("mfa_acr"),
        assume_email_verified: fields.get("assume_email_verified").is_some(),
        enabled: fields.get("enabled").is_some(),
    })
}

pub async fn create_provider(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    auth.principal
        .require(Permission::UserManage)
        .map_err(|e| fail(tr)(e.into()))?;
    let back = |e: ApiError| PageError::new(tr, e).back("/settings/sso");
    let input = input_of(&fields, &entities(&state, &auth).await?).map_err(back)?;
    state
        .store
        .create_sso_provider(&auth.actor, &auth.principal.organisation_id, &input)
        .await
        .map_err(|e| back(e.into()))?;
    Ok(redirect("/settings/sso"))
}

async fn provider_in_org(
    state: &AppState,
    auth: &crate::auth::Auth,
    id: &str,
) -> Result<SsoProvider, PageError> {
    let tr = tr_of(auth);
    auth.principal
        .require(Permission::UserManage)
        .map_err(|e| fail(tr)(e.into()))?;
    match state.store.sso_provider(id).await {
        Ok(p) if p.organisation_id == auth.principal.organisation_id => Ok(p),
        Ok(_) => Err(fail(tr)(ApiError::NotFound(format!(
            "SSO provider '{id}' was not found"
        )))),
        Err(e) => Err(fail(tr)(e.into())),
    }
}

pub async fn provider_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    let provider = provider_in_org(&state, &auth, &id).await?;
    let entities = entities(&state, &auth).await?;
    let page = ProviderPage {
        shell: shell(&state, &auth, Some(provider.name.clone())).await?,
        action: format!("/settings/sso/{id}"),
        form: FormValues::of(&provider, &entities),
        id,
        roles: role_codes(),
    };
    render(tr_of(&auth), &page)
}

pub async fn update_provider(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    provider_in_org(&state, &auth, &id).await?;
    let here = format!("/settings/sso/{id}");
    let back = |e: ApiError| PageError::new(tr, e).back(here.clone());
    let input = input_of(&fields, &entities(&state, &auth).await?).map_err(back)?;
    state
        .store
        .update_sso_provider(&auth.actor, &auth.principal.organisation_id, &id, &input)
        .await
        .map_err(|e| back(e.into()))?;
    Ok(redirect("/settings/sso"))
}

pub async fn delete_provider(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, _): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    provider_in_org(&state, &auth, &id).await?;
    state
        .store
        .delete_sso_provider(&auth.actor, &auth.principal.organisation_id, &id)
        .await
        .map_err(|e| fail(tr)(e.into()))?;
    Ok(redirect("/settings/sso"))
}
