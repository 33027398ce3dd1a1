//! Two-step sign-in pages: the second step of a sign-in (a code, or setting up an
//! authenticator app when the role requires one), and one's own settings (set up, new recovery
//! codes, remove) — through the same functions as the API (`api::second_factor`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::http::request::Parts;
use axum::response::{AppendHeaders, IntoResponse, Response};
use base64::Engine;
use hygeia_domain::access::Permission;
use serde::Deserialize;

use super::i18n::Tr;
use super::{
    Area, Crumb, PageError, PageForm, PageResult, Shell, redirect, render, tr_of, visitor_lang,
};
use crate::AppState;
use crate::api::second_factor::{self as mfa_api, Completed, Enrolment};
use crate::api::session;
use crate::auth::Auth;
use crate::error::ApiError;

/// What the set-up steps show: the secret and its QR code.
pub struct TotpSetup {
    pub secret: String,
    /// A `data:` address of the QR code (SVG), so no script or outside service draws it.
    pub qr: String,
}

fn setup_view(enrolment: &Enrolment) -> TotpSetup {
    let svg = qrcode::QrCode::new(enrolment.otpauth_uri.as_bytes())
        .map(|code| {
            code.render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default();
    TotpSetup {
        secret: enrolment.secret.clone(),
        qr: format!(
            "data:image/svg+xml;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(svg)
        ),
    }
}

#[derive(Template)]
#[template(path = "second_factor.html")]
struct SignInStepPage {
    tr: Tr,
    error: Option<String>,
    enrolment: Option<TotpSetup>,
    recovery_codes: Option<Vec<String>>,
    /// The user can answer with a security key (the script offers it).
    has_security_keys: bool,
}

/// Whether `user_id` has a security key to sign in with.
async fn has_security_keys(state: &AppState, user_id: &str) -> bool {
    state
        .store
        .second_factor_status(user_id)
        .await
        .is_ok_and(|status| status.security_keys > 0)
}

fn page(status: StatusCode, page: &SignInStepPage) -> Response {
    match page.render() {
        Ok(html) => (status, axum::response::Html(html)).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// The second step of a sign-in: a code, or the set-up of an authenticator app first.
pub async fn second_step_page(
    State(state): State<AppState>,
    parts: Parts,
    Query(query): Query<LangQuery>,
) -> Response {
    let tr = visitor_lang(&parts.headers, query.lang.as_deref());
    let Ok((pending, _)) = mfa_api::pending(&state, &parts).await else {
        return redirect(&format!("/login?lang={}", tr.code()));
    };
    let enrolment = if pending.must_enrol {
        match mfa_api::start_enrolment(&state, &pending.user.id, &pending.user.email).await {
            Ok(enrolment) => Some(setup_view(&enrolment)),
            Err(error) => return PageError::new(tr, error).into_response(),
        }
    } else {
        None
    };
    let view = SignInStepPage {
        tr,
        error: None,
        enrolment,
        recovery_codes: None,
        has_security_keys: has_security_keys(&state, &pending.user.id).await,
    };
    page(StatusCode::OK, &view)
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    code: String,
    #[serde(default)]
    lang: Option<String>,
}

/// Checks the code of the second step; opens the session on success.
pub async fn second_step_submit(
    State(state): State<AppState>,
    parts: Parts,
    Form(form): Form<CodeForm>,
) -> Response {
    let tr = visitor_lang(&parts.headers, form.lang.as_deref());
    if !super::same_origin(&parts.headers) {
        return redirect(&format!("/login?lang={}", tr.code()));
    }
    match mfa_api::complete(&state, &parts, &form.code).await {
        Ok(Completed::SignedIn(signed_in, codes)) => {
            let cookies = signed_in.cookies(&state);
            match codes {
                // Just set up: the recovery codes are shown once, then on to the dashboard.
                Some(codes) => {
                    let view = SignInStepPage {
                        tr,
                        error: None,
                        enrolment: None,
                        recovery_codes: Some(codes),
                        has_security_keys: false,
                    };
                    (AppendHeaders(cookies), page(StatusCode::OK, &view)).into_response()
                }
                None => (AppendHeaders(cookies), redirect("/")).into_response(),
            }
        }
        Ok(Completed::Wrong { still_open: true }) => {
            let (enrolment, has_keys) = match mfa_api::pending(&state, &parts).await {
                Ok((pending, _)) if pending.must_enrol => (
                    mfa_api::start_enrolment(&state, &pending.user.id, &pending.user.email)
                        .await
                        .ok()
                        .map(|e| setup_view(&e)),
                    false,
                ),
                Ok((pending, _)) => (None, has_security_keys(&state, &pending.user.id).await),
                _ => (None, false),
            };
            let view = SignInStepPage {
                tr,
                error: Some(tr.t("mfa.wrong").to_owned()),
                enrolment,
                recovery_codes: None,
                has_security_keys: has_keys,
            };
            page(StatusCode::UNAUTHORIZED, &view)
        }
        Ok(Completed::Wrong { still_open: false }) | Err(ApiError::Unauthenticated) => {
            let cookie = session::pending_cookie(&state, "");
            let to = format!("/login?lang={}&expired=1", tr.code());
            (AppendHeaders([(SET_COOKIE, cookie)]), redirect(&to)).into_response()
        }
        Err(other) => PageError::new(tr, other).into_response(),
    }
}

// ----- one's own settings -----

#[derive(Template)]
#[template(path = "second_factor_settings.html")]
struct SettingsStepPage {
    shell: Shell,
    error: Option<String>,
    enrolment: Option<TotpSetup>,
    recovery_codes: Option<Vec<String>>,
}

async fn settings_step(
    state: &AppState,
    auth: &Auth,
    error: Option<String>,
    enrolment: Option<TotpSetup>,
    recovery_codes: Option<Vec<String>>,
) -> PageResult {
    let tr = tr_of(auth);
    let title = tr.t("mfa.settings_title").to_owned();
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
    render(
        tr,
        &SettingsStepPage {
            shell,
            error,
            enrolment,
            recovery_codes,
        },
    )
}

/// The message of a refused form field, in the user's language.
fn refusal(tr: Tr, error: &ApiError) -> String {
    super::assessments::refused(tr, error)
}

/// Starts setting up an authenticator app (the current password is asked first).
pub async fn start_setup(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let password = fields
        .get("current_password")
        .unwrap_or_default()
        .to_owned();
    if let Err(error) = session::confirm_own_password(&state, &auth, &password, None).await {
        let message = refusal(tr_of(&auth), &error);
        return settings_step(&state, &auth, Some(message), None, None).await;
    }
    let enrolment = mfa_api::start_enrolment(&state, &auth.user.id, &auth.user.email)
        .await
        .map_err(|e| PageError::new(tr_of(&auth), e).back("/settings"))?;
    settings_step(&state, &auth, None, Some(setup_view(&enrolment)), None).await
}

/// Confirms the app with a first code, then shows the recovery codes once.
pub async fn confirm_setup(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let code = fields.text("code");
    match mfa_api::confirm_enrolment(&state, &auth, &code).await {
        Ok(codes) => settings_step(&state, &auth, None, None, Some(codes)).await,
        Err(error) => {
            let message = refusal(tr_of(&auth), &error);
            let enrolment = mfa_api::start_enrolment(&state, &auth.user.id, &auth.user.email)
                .await
                .ok()
                .map(|e| setup_view(&e));
            settings_step(&state, &auth, Some(message), enrolment, None).await
        }
    }
}

/// New recovery codes, after a current code of the app.
pub async fn renew_codes(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    match mfa_api::renew_recovery_codes(&state, &auth, &fields.text("code")).await {
        Ok(codes) => settings_step(&state, &auth, None, None, Some(codes)).await,
        Err(error) => {
            let message = refusal(tr_of(&auth), &error);
            settings_step(&state, &auth, Some(message), None, None).await
        }
    }
}

/// Removes one's second factors (current password required); every session ends.
pub async fn remove(State(state): State<AppState>, PageForm(auth, fields): PageForm) -> PageResult {
    let tr = tr_of(&auth);
    let password = fields
        .get("current_password")
        .unwrap_or_default()
        .to_owned();
    if let Err(error) = session::confirm_own_password(&state, &auth, &password, None).await {
        let message = refusal(tr, &error);
        return settings_step(&state, &auth, Some(message), None, None).await;
    }
    state
        .store
        .remove_second_factors(&auth.actor, &auth.user.id)
        .await
        .map_err(|e| PageError::new(tr, e.into()).back("/settings"))?;
    let cookie = session::session_cookie(&state, "");
    let to = format!("/login?lang={}", tr.code());
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), redirect(&to)).into_response())
}

/// An administrator resets a user's second factors (a lost phone).
pub async fn reset_for_user(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, _): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let back = format!("/settings/users/{id}");
    let fail = |e: ApiError| PageError::new(tr, e).back(back.clone());
    auth.principal
        .require(Permission::UserManage)
        .map_err(|e| fail(e.into()))?;
    crate::api::users::user_in_org(&state, &auth, &id)
        .await
        .map_err(fail)?;
    state
        .store
        .remove_second_factors(&auth.actor, &id)
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(redirect(&back))
}
