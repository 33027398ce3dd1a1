//! The signed-in user's settings: account, language, and changing their own password (the
//! same check and store function as `POST /api/v1/me/password`: the current password is
//! required, and every session of the user ends, this one included, so they sign in again).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse};
use hygeia_domain::access::Permission;

use super::assessments::render_status;
use super::forms::Problems;
use super::i18n::Lang;
use super::validation;
use super::{Area, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, redirect, tr_of};
use crate::AppState;
use crate::api::{session, users};
use crate::auth::Auth;
use crate::error::ApiError;

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    shell: Shell,
    email: String,
    role: String,
    locale: String,
    /// The user's own time zone; empty: each entity's.
    time_zone: String,
    zones: Vec<&'static str>,
    can_manage_users: bool,
    can_manage_jobs: bool,
    /// The user's open browser sessions, and the limits they live under.
    sessions: Vec<SessionRow>,
    sessions_intro: String,
    /// The user's second factors, and whether their role requires one.
    second_factor: hygeia_store::SecondFactorStatus,
    mfa_required: bool,
    /// The user's security keys and passkeys.
    security_keys: Vec<super::security_keys::KeyRow>,
    /// What was wrong with the password form (the passwords themselves are never shown again).
    problems: Problems,
}

/// One of the user's sessions as listed.
struct SessionRow {
    id: String,
    started: String,
    last_seen: String,
    source: String,
    browser: String,
    current: bool,
}

async fn show(state: &AppState, auth: &Auth, problems: Problems) -> PageResult {
    let tr = tr_of(auth);
    let sessions = session::my_sessions(state, auth)
        .await
        .map_err(|e| PageError::new(tr, e))?
        .into_iter()
        .map(|s| SessionRow {
            started: tr.datetime(&s.session.created_at),
            last_seen: tr.datetime(&s.session.last_seen_at),
            source: s.session.source,
            browser: s.session.user_agent.chars().take(80).collect(),
            current: s.current,
            id: s.session.id,
        })
        .collect();
    let title = tr.t("nav.settings").to_owned();
    let shell = Shell::new(
        state,
        auth,
        Area::Settings,
        title.clone(),
        vec![Crumb::here(title)],
        None,
    )
    .await?;
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = SettingsPage {
        email: auth.user.email.clone(),
        role: tr.t(&format!("role.{}", auth.user.role)).to_owned(),
        locale: Lang::from_code(&auth.user.locale).code().to_owned(),
        time_zone: auth.user.time_zone.clone().unwrap_or_default(),
        zones: super::incidents::offered_zones(),
        can_manage_users: auth.principal.require(Permission::UserRead).is_ok(),
        can_manage_jobs: auth.principal.require(Permission::JobManage).is_ok(),
        sessions,
        sessions_intro: tr.tf(
            "sessions.intro",
            &[
                ("idle", &tr.duration(state.config.session_idle)),
                ("absolute", &tr.duration(state.config.session_ttl)),
            ],
        ),
        second_factor: state
            .store
            .second_factor_status(&auth.user.id)
            .await
            .map_err(|e| PageError::new(tr, e.into()))?,
        mfa_required: state.config.mfa_policy.required_for(auth.principal.role),
        security_keys: super::security_keys::key_rows(state, auth).await?,
        problems,
        shell,
    };
    render_status(tr, status, &page)
}

pub async fn settings_page(State(state): State<AppState>, PageAuth(auth): PageAuth) -> PageResult {
    show(&state, &auth, Problems::default()).await
}

/// Changes the user's own password, then sends them to sign in again with it.
pub async fn change_password(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let label = |field: &str| match field {
        "current_password" => tr.t("password.current"),
        "confirm_password" => tr.t("password.confirm"),
        _ => tr.t("password.new"),
    };
    // Passwords are taken as typed: spaces are part of them.
    let current = fields
        .get("current_password")
        .unwrap_or_default()
        .to_owned();
    let new = fields.get("new_password").unwrap_or_default().to_owned();
    let mut problems = Problems::default();
    if current.is_empty() {
        problems.add(
            "current_password",
            label("current_password"),
            tr.t("password.required"),
        );
    }
    if fields.get("confirm_password").unwrap_or_default() != new {
        problems.add(
            "confirm_password",
            label("confirm_password"),
            tr.t("password.mismatch"),
        );
    }
    if !problems.is_empty() {
        return show(&state, &auth, problems).await;
    }
    let device = crate::api::session::device_hash(&state, &headers);
    match users::change_password(&state, &auth, device.as_deref(), current, new).await {
        Ok(()) => {
            // The store ended every session of the user, this one included.
            let cookie = session::session_cookie(&state, "");
            let to = format!("/login?lang={}&changed=1", tr.code());
            Ok((AppendHeaders([(SET_COOKIE, cookie)]), redirect(&to)).into_response())
        }
        Err(ApiError::BadRequest { errors, .. }) if !errors.is_empty() => {
            for e in errors {
                // The API names the new password `password`; the form `new_password`.
                let (field, message) = match e.field.as_str() {
                    "current_password" => (
                        "current_password",
                        tr.t("password.wrong_current").to_owned(),
                    ),
                    _ => ("new_password", validation::message(tr, &e)),
                };
                problems.add(field, label(field), message);
            }
            show(&state, &auth, problems).await
        }
        Err(other) => Err(PageError::new(tr, other).back("/settings")),
    }
}

/// Ends one of the user's other sessions, then shows the settings again.
pub async fn end_session(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    PageForm(auth, _): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    state
        .store
        .delete_session(&auth.actor, &id, &auth.user.id)
        .await
        .map_err(|e| PageError::new(tr, e.into()).back("/settings"))?;
    Ok(redirect("/settings#sessions").into_response())
}

/// Signs the user out of every browser, this one included.
pub async fn end_all_sessions(
    State(state): State<AppState>,
    PageForm(auth, _): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    state
        .store
        .delete_sessions(&auth.actor, &auth.user.id, None)
        .await
        .map_err(|e| PageError::new(tr, e.into()).back("/settings"))?;
    let cookie = session::session_cookie(&state, "");
    let to = format!("/login?lang={}", tr.code());
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), redirect(&to)).into_response())
}

/// Sets (or clears, with an empty choice) the time zone the pages show times in.
pub async fn set_time_zone(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let chosen = fields.text("time_zone");
    let update = hygeia_store::UserUpdate {
        time_zone: Some(Some(chosen).filter(|z| !z.is_empty())),
        ..hygeia_store::UserUpdate::default()
    };
    state
        .store
        .update_user(&auth.actor, &auth.user.id, &update)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    Ok(redirect("/settings").into_response())
}
