//! The first server-rendered pages: sign-in, a home page with the group's entities, and the
//! audit trail. Forms work without JavaScript; every value is HTML-escaped.

use axum::Form;
use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{self, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{AppendHeaders, Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use hygeia_domain::access::Permission;
use hygeia_store::{AuditFilter, EntityFilter, PageRequest};
use serde::Deserialize;

use crate::AppState;
use crate::api::session;
use crate::auth::{self, Auth};
use crate::error::ApiError;

const STYLE: &str = include_str!("../assets/hygeia.css");

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", axum::routing::post(logout_submit))
        .route("/audit", get(audit_page))
        .route("/about", get(about_page))
        .route(
            "/assets/hygeia.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css")], STYLE) }),
        )
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A whole page around `body` (already escaped by the caller).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · Hygeia</title><link rel=\"stylesheet\" href=\"/assets/hygeia.css\"></head>\
         <body><main>{body}</main></body></html>",
        escape(title)
    )
}

fn signed_in_page(auth: &Auth, title: &str, body: &str) -> String {
    let csrf = match &auth.via {
        auth::Via::Session { csrf_token, .. } => csrf_token.as_str(),
        auth::Via::Token { .. } => "",
    };
    let audit_link = if auth.principal.require(Permission::AuditRead).is_ok() {
        "<a href=\"/audit\">Audit trail</a>"
    } else {
        ""
    };
    page(
        title,
        &format!(
            "<nav><a href=\"/\">Hygeia</a> {audit_link} <a href=\"/api/v1/docs\">API</a>\
             <form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
             <span>{}</span> <button type=\"submit\">Sign out</button></form></nav>{body}",
            escape(csrf),
            escape(&auth.user.email)
        ),
    )
}

async fn optional_auth(state: &AppState, request: Request) -> Option<Auth> {
    let (mut parts, _) = request.into_parts();
    auth::authenticate(&mut parts, state, false).await.ok()
}

async fn home(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let Some(auth) = optional_auth(&state, request).await else {
        return Ok(Redirect::to("/login").into_response());
    };
    let org = state.store.organisation().await?;
    let entities = state
        .store
        .list_entities(
            &auth.principal.organisation_id,
            &auth.principal.scope,
            &EntityFilter::default(),
            PageRequest::new(Some(500), None),
        )
        .await?;
    let mut rows = String::new();
    for e in &entities.items {
        let class = e
            .entity_type
            .parse::<hygeia_domain::nis2::EntityType>()
            .map(|entity_type| {
                let profile = hygeia_domain::nis2::EntityProfile {
                    entity_type,
                    employees: u32::try_from(e.employees).unwrap_or(u32::MAX),
                    annual_turnover_eur: u64::try_from(e.annual_turnover_eur).ok(),
                    balance_sheet_eur: u64::try_from(e.balance_sheet_eur).ok(),
                    ..Default::default()
                };
                hygeia_domain::nis2::classify(&profile)
                    .classification
                    .label_en()
                    .to_owned()
            })
            .unwrap_or_default();
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&e.name),
            escape(&e.country),
            escape(&e.entity_type),
            e.employees,
            escape(&class)
        ));
    }
    let body = if entities.items.is_empty() {
        "<p>No legal entity is visible to you yet. An administrator can create entities \
         (<code>POST /api/v1/entities</code>) and grant you access.</p>"
            .to_owned()
    } else {
        format!(
            "<table><caption>Legal entities and their NIS2 classification</caption><thead><tr>\
             <th scope=\"col\">Entity</th><th scope=\"col\">Country</th><th scope=\"col\">NIS2 type</th>\
             <th scope=\"col\">Staff</th><th scope=\"col\">NIS2</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    };
    let name = org.map(|o| o.name).unwrap_or_default();
    Ok(Html(signed_in_page(
        &auth,
        &name,
        &format!("<h1>{}</h1>{body}", escape(&name)),
    ))
    .into_response())
}

fn login_page(error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    page(
        "Sign in",
        &format!(
            "<h1>Sign in to Hygeia</h1>{error}<form method=\"post\" action=\"/login\" class=\"stack\">\
             <label for=\"email\">E-mail</label><input id=\"email\" name=\"email\" type=\"email\" autocomplete=\"username\" required autofocus>\
             <label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
             <button type=\"submit\">Sign in</button></form>"
        ),
    )
}

async fn login_form() -> Html<String> {
    Html(login_page(None))
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

/// Refuses form posts from other sites (login CSRF): the browser's Origin must be ours.
fn same_origin(headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        host,
    ) {
        (None, _) => headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|s| s == "same-origin" || s == "none"),
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest == host),
        (Some(_), None) => false,
    }
}

async fn login_submit(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<LoginForm>,
) -> Response {
    if !same_origin(&parts.headers) {
        return (
            StatusCode::FORBIDDEN,
            Html(login_page(Some("This form was posted from another site."))),
        )
            .into_response();
    }
    match session::sign_in(&state, &parts, &form.email, &form.password).await {
        Ok(signed_in) => {
            let cookie = session::session_cookie(&state, &signed_in.session_secret);
            (AppendHeaders([(SET_COOKIE, cookie)]), Redirect::to("/")).into_response()
        }
        Err(ApiError::TooManyRequests { .. }) => (
            StatusCode::TOO_MANY_REQUESTS,
            Html(login_page(Some(
                "Too many failed attempts. Wait 15 minutes and try again.",
            ))),
        )
            .into_response(),
        Err(ApiError::Unauthenticated) => (
            StatusCode::UNAUTHORIZED,
            Html(login_page(Some("Wrong e-mail address or password."))),
        )
            .into_response(),
        Err(other) => other.into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    csrf: String,
}

/// The signed-in user of an HTML form post; the form's hidden `csrf` field is checked by the
/// handler against the session.
struct FormAuth(Auth);

impl FromRequestParts<AppState> for FormAuth {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        auth::authenticate(parts, state, false)
            .await
            .map(FormAuth)
            .map_err(|_| Redirect::to("/login").into_response())
    }
}

async fn logout_submit(
    State(state): State<AppState>,
    FormAuth(auth): FormAuth,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    let auth::Via::Session {
        id_hash,
        csrf_token,
    } = &auth.via
    else {
        return Ok(Redirect::to("/login").into_response());
    };
    if &form.csrf != csrf_token {
        return Err(ApiError::Forbidden("missing or wrong CSRF token".into()));
    }
    state
        .store
        .delete_session(&auth.actor, id_hash, &auth.user.id)
        .await?;
    let cookie = session::session_cookie(&state, "");
    Ok((
        AppendHeaders([(SET_COOKIE, cookie)]),
        Redirect::to("/login"),
    )
        .into_response())
}

async fn audit_page(State(state): State<AppState>, request: Request) -> Result<Response, ApiError> {
    let Some(auth) = optional_auth(&state, request).await else {
        return Ok(Redirect::to("/login").into_response());
    };
    auth.principal.require(Permission::AuditRead)?;
    let trail = state
        .store
        .list_audit(
            &auth.principal.scope,
            &AuditFilter::default(),
            PageRequest::new(Some(100), None),
        )
        .await?;
    let rows: String = trail
        .items
        .iter()
        .map(|r| {
            format!(
                "<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td></tr>",
                r.seq,
                escape(&r.at),
                escape(&r.actor_label),
                escape(&r.action),
                escape(&r.object_type),
                escape(&r.object_id)
            )
        })
        .collect();
    Ok(Html(signed_in_page(
        &auth,
        "Audit trail",
        &format!(
            "<h1>Audit trail</h1><p>{} records. Filters and export: <code>GET /api/v1/audit</code>.</p>\
             <table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">When (UTC)</th><th scope=\"col\">Who</th>\
             <th scope=\"col\">Action</th><th scope=\"col\">Object</th></tr></thead><tbody>{rows}</tbody></table>",
            trail.total
        ),
    ))
    .into_response())
}

/// Credits and licences of the content Hygeia ships (public, like any colophon).
async fn about_page(State(state): State<AppState>) -> Result<Response, ApiError> {
    let catalog = state.catalog.current(&state.store).await?;
    let mut frameworks = String::new();
    for framework in catalog.frameworks() {
        let meta = &framework.meta;
        let notice = meta
            .notice
            .as_ref()
            .map(|n| escape(&n.en))
            .unwrap_or_default();
        frameworks.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{notice}</td></tr>",
            escape(&meta.name.en),
            escape(&meta.publisher),
            escape(&meta.licence),
        ));
    }
    let mut mappings = String::new();
    for set in catalog.mapping_sets() {
        let meta = &set.meta;
        mappings.push_str(&format!(
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&meta.title.en),
            set.pairs.len(),
            escape(&meta.source),
            escape(&meta.licence),
            escape(&meta.attribution),
        ));
    }
    let body = format!(
        "<h1>About Hygeia</h1><p>Hygeia {} — open-source NIS2 compliance hub, Apache License 2.0.</p>\
         <h2>Frameworks</h2><p>Requirement summaries are written in Hygeia's own words. ISO/IEC and IEC \
         standards are copyrighted by their publishers: only identifiers and short titles are shipped.</p>\
         <table><thead><tr><th scope=\"col\">Framework</th><th scope=\"col\">Publisher</th>\
         <th scope=\"col\">Licence</th><th scope=\"col\">Notice</th></tr></thead><tbody>{frameworks}</tbody></table>\
         <h2>Crosswalks</h2><table><thead><tr><th scope=\"col\">Mapping</th><th scope=\"col\">Pairs</th>\
         <th scope=\"col\">Source</th><th scope=\"col\">Licence</th><th scope=\"col\">Attribution</th></tr></thead>\
         <tbody>{mappings}</tbody></table>",
        env!("CARGO_PKG_VERSION")
    );
    Ok(Html(page("About", &body)).into_response())
}
