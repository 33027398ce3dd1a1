//! The signed-in user's settings: account, language, and changing their own password (the
//! same check and store function as `POST /api/v1/me/password`: the current password is
//! required, and every session of the user ends, this one included, so they sign in again).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse, Redirect};
use hygeia_domain::access::Permission;

use super::assessments::render_status;
use super::forms::Problems;
use super::i18n::Lang;
use super::validation;
use super::{Area, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, tr_of};
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
    can_manage_users: bool,
    /// What was wrong with the password form (the passwords themselves are never shown again).
    problems: Problems,
}

async fn show(state: &AppState, auth: &Auth, problems: Problems) -> PageResult {
    let tr = tr_of(auth);
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
        can_manage_users: auth.principal.require(Permission::UserRead).is_ok(),
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
    match users::change_password(&state, &auth, current, new).await {
        Ok(()) => {
            // The store ended every session of the user, this one included.
            let cookie = session::session_cookie(&state, "");
            let to = format!("/login?lang={}&changed=1", tr.code());
            Ok((AppendHeaders([(SET_COOKIE, cookie)]), Redirect::to(&to)).into_response())
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
