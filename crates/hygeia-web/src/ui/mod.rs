//! The server-rendered pages: askama templates (`templates/`), English and French from
//! `i18n/*.toml`, assets embedded in the binary. Forms work without JavaScript (POST, then a
//! redirect); every form carries the session's CSRF token and its handler checks it. Values
//! are HTML-escaped by the templates; the CSP forbids inline scripts and styles, so there are
//! none.

mod accept_all;
mod account;
mod admin;
mod assessments;
mod asset_findings;
mod asset_map;
mod asset_sentences;
mod assets;
pub(crate) mod audit;
mod checks;
mod compliance;
#[cfg(test)]
mod contrast;
mod controls;
mod crosswalks;
pub(crate) mod dashboard;
mod delta_confirmations;
mod entities;
mod entity_group;
mod entity_list;
mod evidence;
mod forms;
mod gaps;
mod governance;
pub mod i18n;
mod incident_reports;
mod incidents;
mod jobs;
mod own_gaps;
pub mod page_check;
pub mod portal;
mod registration;
mod result_detail;
mod reuse;
mod reuse_source;
mod risks;
mod search;
mod second_factor;
mod security_keys;
mod sso;
mod suppliers;
mod transposition;
mod validation;
mod vulnerabilities;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Query, Request, State};
use axum::http::header::{self, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{AppendHeaders, Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, extract::RawForm};
use hygeia_domain::access::Permission;
use hygeia_store::{EntityFilter, PageRequest, UserUpdate};
use serde::Deserialize;

use crate::AppState;
use crate::api::session;
use crate::auth::{self, Auth};
use crate::error::ApiError;
use forms::Fields;
use i18n::{Lang, Tr};

const STYLE: &str = include_str!("../../assets/hygeia.css");
const SCRIPT: &str = include_str!("../../assets/hygeia.js");

pub fn router() -> Router<AppState> {
    Router::new()
        .fallback(no_such_page)
        .route("/", get(dashboard::home))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout_submit))
        .route("/login/sso/callback", get(sso::callback))
        .route("/login/sso/{id}", get(sso::start))
        .route(
            "/settings/sso",
            get(sso::providers_page).post(sso::create_provider),
        )
        .route(
            "/settings/sso/{id}",
            get(sso::provider_page).post(sso::update_provider),
        )
        .route("/settings/sso/{id}/delete", post(sso::delete_provider))
        .route("/entities", get(entity_list::entities_page))
        .route("/entities/{id}", get(dashboard::entity_page))
        .route(
            "/entities/new",
            get(entities::new_entity_form).post(entities::create_entity),
        )
        .route(
            "/entities/{id}/edit",
            get(entities::edit_entity_form).post(entities::update_entity),
        )
        .route(
            "/entities/{id}/group",
            get(entity_group::group_page).post(entity_group::save_group),
        )
        .route(
            "/entities/{id}/sites",
            get(entities::sites_page).post(entities::create_site),
        )
        .route(
            "/entities/{id}/sites/{site}",
            get(entities::edit_site_form).post(entities::update_site),
        )
        .route(
            "/entities/{id}/sites/{site}/delete",
            get(entities::delete_site_form).post(entities::delete_site),
        )
        .route("/switch", get(switch_entity))
        .route("/compliance", get(compliance::frameworks_page))
        .route("/search", get(search::search_all_page))
        .route("/compliance/search", get(compliance::search_page))
        .route("/compliance/checks", get(checks::checks_page))
        .route("/compliance/checks/run", post(checks::run_now))
        .route(
            "/compliance/checks/proposals/{id}/confirm",
            post(checks::confirm),
        )
        .route(
            "/compliance/checks/proposals/{id}/dismiss",
            post(checks::dismiss),
        )
        .route("/compliance/crosswalks", get(crosswalks::list_page))
        .route("/compliance/crosswalks/{id}", get(crosswalks::set_page))
        .route(
            "/compliance/evidence",
            get(evidence::evidence_page).post(evidence::upload_evidence),
        )
        .route(
            "/compliance/frameworks/{id}",
            get(compliance::framework_page),
        )
        .route(
            "/compliance/frameworks/{id}/requirements/{requirement}",
            get(compliance::requirement_page),
        )
        .route(
            "/compliance/assessments",
            get(assessments::assessments_page).post(assessments::create_assessment),
        )
        .route(
            "/compliance/assessments/{id}",
            get(assessments::assessment_page),
        )
        .route(
            "/compliance/assessments/{id}/results",
            post(assessments::set_results),
        )
        .route(
            "/compliance/assessments/{id}/requirements/{requirement}",
            get(result_detail::result_page).post(result_detail::save_result),
        )
        .route(
            "/compliance/assessments/{id}/requirements/{requirement}/evidence",
            post(result_detail::upload_evidence),
        )
        .route("/compliance/assessments/{id}/reuse", get(reuse::reuse_page))
        .route(
            "/compliance/assessments/{id}/reuse/decide",
            post(reuse::decide),
        )
        .route(
            "/compliance/assessments/{id}/reuse/review",
            get(reuse::review_page).post(reuse::review_pair),
        )
        .route("/compliance/assessments/{id}/gaps", get(gaps::gaps_page))
        .route(
            "/compliance/assessments/{id}/deltas",
            post(delta_confirmations::submit),
        )
        .route(
            "/compliance/assessments/{id}/reuse/accept-all",
            post(accept_all::submit),
        )
        .route(
            "/compliance/assessments/{id}/reuse/attest",
            post(reuse_source::attest),
        )
        .route(
            "/compliance/controls",
            get(controls::controls_page).post(controls::create_control),
        )
        .route(
            "/compliance/controls/{id}",
            get(controls::control_page).post(controls::update_control),
        )
        .merge(risks::router())
        .route(
            "/entities/{id}/registration",
            get(registration::registration_page).post(registration::save_registration),
        )
        .merge(suppliers::router())
        .merge(governance::router())
        .route(
            "/portal/{token}",
            get(portal::portal_page).post(portal::portal_save),
        )
        .route("/portal/{token}/evidence", post(portal::portal_attach))
        .route(
            "/portal/{token}/workbook",
            get(portal::portal_workbook).post(portal::portal_import),
        )
        .route("/assets", get(assets::inventory_page))
        .route("/assets/map", get(asset_map::map_page))
        .route("/assets/findings", get(asset_findings::findings_page))
        .route(
            "/assets/findings/{id}/review",
            post(asset_findings::review_finding),
        )
        .route("/assets/{id}", get(assets::asset_page))
        .route("/vulnerabilities", get(vulnerabilities::list_page))
        .route(
            "/vulnerabilities/feeds",
            get(vulnerabilities::feeds::feeds_page).post(vulnerabilities::feeds::upload),
        )
        .route(
            "/vulnerabilities/windows",
            get(vulnerabilities::planning::windows_page).post(vulnerabilities::planning::create),
        )
        .route(
            "/vulnerabilities/windows/{id}/delete",
            post(vulnerabilities::planning::delete),
        )
        .route(
            "/vulnerabilities/advisories/{id}",
            get(vulnerabilities::advisory::advisory_page),
        )
        .route(
            "/vulnerabilities/{id}",
            get(vulnerabilities::detail::match_page),
        )
        .route(
            "/vulnerabilities/{id}/triage",
            post(vulnerabilities::detail::triage),
        )
        .route(
            "/vulnerabilities/{id}/plan",
            post(vulnerabilities::detail::set_plan),
        )
        .route(
            "/incidents",
            get(incidents::incidents_page).post(incidents::create_incident),
        )
        .route(
            "/incidents/{id}",
            get(incidents::incident_page).post(incidents::update_incident),
        )
        .route("/incidents/{id}/verdicts", post(incidents::set_verdict))
        .route(
            "/incidents/{id}/obligations/{obligation}/set-aside",
            post(incidents::set_aside),
        )
        .route("/incidents/{id}/timeline", post(incidents::add_timeline))
        .route("/incidents/{id}/actions", post(incidents::add_action))
        .route(
            "/incidents/{id}/actions/{action}/toggle",
            post(incidents::finish_action),
        )
        .route("/incidents/{id}/links", post(incidents::set_links))
        .route("/incidents/{id}/controls", post(incidents::create_control))
        .route(
            "/incidents/{id}/reports/{obligation}/{stage}",
            get(incident_reports::report_page).post(incident_reports::save_report),
        )
        .route(
            "/incidents/{id}/reports/{obligation}/{stage}/submission",
            post(incident_reports::record_submission),
        )
        .route("/audit", get(audit::audit_page))
        .route("/audit/verify", get(audit::verify_page))
        .route("/settings", get(account::settings_page))
        .route("/settings/jobs", get(jobs::jobs_page))
        .route("/settings/jobs/{id}/retry", post(jobs::retry))
        .route("/settings/locale", post(set_locale))
        .route("/settings/time-zone", post(account::set_time_zone))
        .route("/settings/password", post(account::change_password))
        .route(
            "/login/second-factor",
            get(second_factor::second_step_page).post(second_factor::second_step_submit),
        )
        .route(
            "/settings/second-factor/start",
            post(second_factor::start_setup),
        )
        .route(
            "/settings/second-factor/confirm",
            post(second_factor::confirm_setup),
        )
        .route(
            "/settings/second-factor/recovery-codes",
            post(second_factor::renew_codes),
        )
        .route(
            "/settings/second-factor/remove",
            post(second_factor::remove),
        )
        .route(
            "/settings/second-factor/security-keys/{id}/remove",
            post(security_keys::remove),
        )
        .route(
            "/settings/users/{id}/second-factor/reset",
            post(second_factor::reset_for_user),
        )
        .route(
            "/settings/sessions/end-all",
            post(account::end_all_sessions),
        )
        .route("/settings/sessions/{id}/end", post(account::end_session))
        .route(
            "/settings/users",
            get(admin::users_page).post(admin::create_user),
        )
        .route(
            "/settings/users/{id}",
            get(admin::user_page).post(admin::update_user),
        )
        .route(
            "/settings/tokens",
            get(admin::tokens_page).post(admin::create_token),
        )
        .route("/settings/tokens/{id}/revoke", post(admin::revoke_token))
        .route("/about", get(about_page))
        .route("/assets/hygeia.css", get(|| asset("text/css", STYLE)))
        .route(
            "/assets/hygeia.js",
            get(|| asset("text/javascript", SCRIPT)),
        )
        .route(
            "/assets/security-keys.js",
            get(|| asset("text/javascript", security_keys::SCRIPT)),
        )
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// A failure shown as an HTML page in the user's language (or a redirect to sign in).
#[derive(Debug)]
pub struct PageError {
    tr: Tr,
    error: ApiError,
    back: Option<String>,
}

impl PageError {
    pub fn new(tr: Tr, error: ApiError) -> Self {
        Self {
            tr,
            error,
            back: None,
        }
    }

    /// Offers a link back to the page with the form.
    pub fn back(mut self, href: impl Into<String>) -> Self {
        self.back = Some(href.into());
        self
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        Self::new(Tr::default(), error)
    }
}

impl From<hygeia_store::StoreError> for PageError {
    fn from(error: hygeia_store::StoreError) -> Self {
        Self::new(Tr::default(), error.into())
    }
}

impl From<hygeia_domain::access::Denied> for PageError {
    fn from(denied: hygeia_domain::access::Denied) -> Self {
        Self::new(Tr::default(), denied.into())
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    tr: Tr,
    status: u16,
    title: &'a str,
    detail: String,
    back: Option<String>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.error, ApiError::Unauthenticated) {
            return redirect("/login").into_response();
        }
        let detail = match &self.error {
            ApiError::BadRequest { errors, .. } if !errors.is_empty() => {
                validation::summary(self.tr, errors)
            }
            other => other.to_string(),
        };
        // The API's answer decides the status (and logs internal failures); the page only
        // replaces its body.
        let status = self.error.into_response().status();
        let tr = self.tr;
        let title = match status {
            StatusCode::FORBIDDEN => tr.t("error.forbidden"),
            StatusCode::NOT_FOUND => tr.t("error.not_found"),
            StatusCode::BAD_REQUEST | StatusCode::CONFLICT => tr.t("error.bad_request"),
            _ => tr.t("error.internal"),
        };
        let page = ErrorPage {
            tr,
            status: status.as_u16(),
            title,
            detail,
            back: self.back,
        };
        match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => status.into_response(),
        }
    }
}

pub type PageResult = Result<Response, PageError>;

/// Renders a template as an HTML response.
pub fn render<T: Template>(tr: Tr, template: &T) -> PageResult {
    template
        .render()
        .map(|html| Html(html).into_response())
        .map_err(|e| PageError::new(tr, ApiError::internal(e)))
}

/// The signed-in user of a page; anonymous visitors are sent to the sign-in page.
pub struct PageAuth(pub Auth);

impl FromRequestParts<AppState> for PageAuth {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        auth::authenticate(parts, state, false)
            .await
            .map(PageAuth)
            .map_err(|_| redirect("/login").into_response())
    }
}

/// A form posted by the signed-in user, its CSRF token checked before the handler runs:
/// anonymous visitors are sent to the sign-in page, a missing or wrong token is refused. Every
/// page that writes takes its input through this extractor.
pub struct PageForm(pub Auth, pub Fields);

impl FromRequest<AppState> for PageForm {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let PageAuth(auth) = PageAuth::from_request_parts(&mut parts, state).await?;
        let RawForm(bytes) = RawForm::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        let fields = Fields::parse(&bytes);
        check_csrf(&auth, &fields).map_err(IntoResponse::into_response)?;
        Ok(PageForm(auth, fields))
    }
}

pub fn tr_of(auth: &Auth) -> Tr {
    Tr::new(Lang::from_code(&auth.user.locale))
}

/// The session's CSRF token ("" for API-token callers, whose requests browsers cannot forge).
pub fn csrf_of(auth: &Auth) -> &str {
    match &auth.via {
        auth::Via::Session { csrf_token, .. } => csrf_token,
        auth::Via::Token { .. } => "",
    }
}

/// Checks a form's hidden `csrf` field against the session.
pub fn check_csrf(auth: &Auth, fields: &Fields) -> Result<(), PageError> {
    match &auth.via {
        auth::Via::Token { .. } => Ok(()),
        auth::Via::Session { csrf_token, .. } if fields.get("csrf") == Some(csrf_token) => Ok(()),
        auth::Via::Session { .. } => Err(PageError::new(
            tr_of(auth),
            ApiError::Forbidden(tr_of(auth).t("error.csrf").to_owned()),
        )),
    }
}

/// One link of the navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub active: bool,
}

/// One step of the breadcrumbs (the last one is the current page, without a link).
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

impl Crumb {
    pub fn link(label: impl Into<String>, href: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            href: Some(href.into()),
        }
    }

    pub fn here(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            href: None,
        }
    }
}

/// An option of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn choices(values: Vec<String>, current: &str) -> Vec<Choice> {
    values
        .into_iter()
        .map(|value| Choice {
            selected: value == current,
            label: value.clone(),
            value,
        })
        .collect()
}

/// An entity in the switcher.
pub struct EntityChoice {
    pub id: String,
    pub name: String,
    pub selected: bool,
}

/// Areas of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Dashboard,
    /// The legal entities: the list and each entity's pages.
    Entities,
    Compliance,
    Risks,
    Assets,
    Suppliers,
    Incidents,
    Governance,
    Audit,
    Settings,
    /// The search page, outside any one area.
    Search,
}

/// A redirect target made safe: a path of this site, as a browser would resolve it, or nothing.
/// Refused: anything not starting with `/`, `//host`, `/\host`, control characters (browsers
/// drop tabs and newlines, so `/\t/evil.example` would become `//evil.example`), and whatever
/// resolves to another host. Non-ASCII characters come back percent-encoded.
pub(crate) fn local_target(target: &str) -> Option<String> {
    if !target.starts_with('/') || target.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let base = url::Url::parse("http://hygeia.invalid/").ok()?;
    let url = base.join(target).ok()?;
    let same_site = url.scheme() == "http"
        && url.host_str() == Some("hygeia.invalid")
        && url.port().is_none()
        && url.username().is_empty();
    let path = &url[url::Position::BeforePath..];
    // A path normalised to `//host` would read as another site once sent.
    (same_site && !path.starts_with("//")).then(|| path.to_owned())
}

/// Whether a redirect target stays on this site (see [`local_target`]).
pub(crate) fn is_local_path(target: &str) -> bool {
    local_target(target).is_some()
}

/// A "see other" redirect to a path of this site; an unsafe target becomes `/`, so no input
/// can produce an off-site redirect or an invalid header.
pub(crate) fn redirect(target: &str) -> Response {
    let location = local_target(target).unwrap_or_else(|| "/".to_owned());
    let value = HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response()
}

/// A text made safe for a query value or a path segment (form encoding: spaces as `+`).
pub(crate) fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The page number a list was asked for, from 1 to a bound that keeps offsets far from
/// overflowing (`?page=` comes from the address bar).
pub(crate) fn page_number(asked: Option<i64>) -> i64 {
    asked.unwrap_or(1).clamp(1, 1_000_000)
}

/// What the layout around every signed-in page needs.
pub struct Shell {
    pub tr: Tr,
    pub title: String,
    pub user_name: String,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub entities: Vec<EntityChoice>,
    pub crumbs: Vec<Crumb>,
    pub query: String,
    /// What the user may change, so pages offer only the forms that will be accepted.
    pub may: May,
}

/// Changes the signed-in user may make (the handlers check again; this only hides links).
#[derive(Debug, Clone, Copy, Default)]
pub struct May {
    /// Edit the profile of the entities they see (`EntityUpdate`).
    pub edit_entities: bool,
    /// Add, change and delete sites (`SiteWrite`).
    pub write_sites: bool,
    /// Create legal entities (`EntityCreate`).
    pub create_entities: bool,
}

impl Shell {
    pub async fn new(
        state: &AppState,
        auth: &Auth,
        area: Area,
        title: impl Into<String>,
        crumbs: Vec<Crumb>,
        current_entity: Option<&str>,
    ) -> Result<Shell, PageError> {
        let tr = tr_of(auth);
        let entities = state
            .store
            .list_entities(
                &auth.principal.organisation_id,
                &auth.principal.scope,
                &EntityFilter::default(),
                PageRequest::new(Some(500), None),
            )
            .await
            .map_err(|e| PageError::new(tr, e.into()))?
            .items
            .into_iter()
            .map(|e| EntityChoice {
                selected: current_entity == Some(e.id.as_str()),
                id: e.id,
                name: e.name,
            })
            .collect();
        let can_audit = auth.principal.require(Permission::AuditRead).is_ok();
        let mut nav = Vec::new();
        for (href, key, item_area) in [
            ("/", "nav.dashboard", Area::Dashboard),
            ("/entities", "nav.entities", Area::Entities),
            ("/compliance", "nav.compliance", Area::Compliance),
            ("/risks", "nav.risks", Area::Risks),
            ("/assets", "nav.assets", Area::Assets),
            ("/suppliers", "nav.suppliers", Area::Suppliers),
            ("/incidents", "nav.incidents", Area::Incidents),
            ("/governance", "nav.governance", Area::Governance),
            ("/audit", "nav.audit", Area::Audit),
            ("/settings", "nav.settings", Area::Settings),
        ] {
            if item_area == Area::Audit && !can_audit {
                continue;
            }
            nav.push(NavItem {
                href,
                label: tr.t(key).to_owned(),
                active: item_area == area,
            });
        }
        let mut all_crumbs = if crumbs.is_empty() {
            vec![Crumb::here(tr.t("nav.home"))]
        } else {
            vec![Crumb::link(tr.t("nav.home"), "/")]
        };
        all_crumbs.extend(crumbs);
        Ok(Shell {
            tr,
            title: title.into(),
            user_name: auth.user.display_name.clone(),
            csrf: csrf_of(auth).to_owned(),
            nav,
            entities,
            crumbs: all_crumbs,
            query: String::new(),
            may: May {
                edit_entities: auth.principal.require(Permission::EntityUpdate).is_ok(),
                write_sites: auth.principal.require(Permission::SiteWrite).is_ok(),
                create_entities: auth.principal.require(Permission::EntityCreate).is_ok(),
            },
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct SwitchQuery {
    entity: Option<String>,
}

/// The entity switcher (a GET form): the dashboard of the chosen entity, or of all the
/// caller's entities ("all entities", the default).
async fn switch_entity(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<SwitchQuery>,
) -> Response {
    // Entity ids are UUIDs: anything else (an empty choice, a forged value) shows them all.
    let id = query.entity.filter(|id| {
        !id.is_empty()
            && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && auth.principal.scope.contains(id)
    });
    // The choice is remembered (not a secret: an entity id) so that pages of one entity, such
    // as the evidence register, open on it.
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = match &id {
        Some(id) => format!("{ENTITY_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict{secure}"),
        None => format!("{ENTITY_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    let to = match &id {
        Some(id) => format!("/?entity={}", url_encode(id)),
        None => "/".to_owned(),
    };
    match HeaderValue::from_str(&cookie) {
        Ok(cookie) => (AppendHeaders([(SET_COOKIE, cookie)]), redirect(&to)).into_response(),
        Err(_) => redirect(&to).into_response(),
    }
}

/// The cookie holding the entity last chosen in the switcher.
const ENTITY_COOKIE: &str = "hygeia_entity";

/// The entity last chosen in the switcher, if it is still within the caller's scope; else
/// the first entity the user is granted (their own entity), if any.
pub(crate) fn current_entity(headers: &HeaderMap, auth: &Auth) -> Option<String> {
    chosen_entity(headers, auth).or_else(|| {
        auth.user
            .entity_ids
            .iter()
            .find(|id| auth.principal.scope.contains(id))
            .cloned()
    })
}

/// The entity last chosen in the switcher, if it is still within the caller's scope.
pub(crate) fn chosen_entity(headers: &HeaderMap, auth: &Auth) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == ENTITY_COOKIE)
        .map(|(_, value)| value.trim().to_owned())
        .filter(|id| !id.is_empty() && auth.principal.scope.contains(id))
}

/// Changes the signed-in user's language, then goes back to where the form was.
async fn set_locale(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let locale = Lang::from_code(fields.get("locale").unwrap_or("en"))
        .code()
        .to_owned();
    let update = UserUpdate {
        locale: Some(locale),
        ..UserUpdate::default()
    };
    state
        .store
        .update_user(&auth.actor, &auth.user.id, &update)
        .await
        .map_err(|e| PageError::new(tr_of(&auth), e.into()))?;
    let referer = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.split_once("://"))
        .and_then(|(_, rest)| rest.find('/').map(|i| rest.get(i..).unwrap_or("/")))
        .map(str::to_owned);
    let back = fields
        .get("back")
        .map(str::to_owned)
        .or(referer)
        .filter(|b| is_local_path(b))
        .unwrap_or_else(|| "/settings".to_owned());
    Ok(redirect(&back).into_response())
}

// ----- sign-in and sign-out -----

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    tr: Tr,
    error: Option<String>,
    /// A confirmation shown above the form (the password was changed).
    notice: Option<String>,
    other_lang: &'static str,
    /// "Sign in with …" links of the enabled single sign-on providers.
    providers: Vec<sso::ProviderLink>,
}

fn login_page(
    tr: Tr,
    status: StatusCode,
    error: Option<&str>,
    providers: Vec<sso::ProviderLink>,
) -> Response {
    login_page_with(tr, status, error, None, providers)
}

fn login_page_with(
    tr: Tr,
    status: StatusCode,
    error: Option<&str>,
    notice: Option<&str>,
    providers: Vec<sso::ProviderLink>,
) -> Response {
    let page = LoginPage {
        tr,
        error: error.map(|key| tr.t(key).to_owned()),
        notice: notice.map(|key| tr.t(key).to_owned()),
        other_lang: match tr.lang {
            Lang::En => "fr",
            Lang::Fr => "en",
        },
        providers,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// The language of an anonymous visitor: `?lang=` first, then `Accept-Language`.
pub(crate) fn visitor_lang(headers: &HeaderMap, asked: Option<&str>) -> Tr {
    Tr::new(match asked {
        Some(code) if !code.is_empty() => Lang::from_code(code),
        _ => headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .map_or(Lang::En, Lang::from_accept_language),
    })
}

#[derive(Debug, Deserialize)]
struct LangQuery {
    lang: Option<String>,
    /// Set after a password change, to confirm it above the sign-in form.
    #[serde(default)]
    changed: Option<String>,
    /// Set when a two-step sign-in expired or took too many wrong codes.
    #[serde(default)]
    expired: Option<String>,
}

async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LangQuery>,
) -> Response {
    login_page_with(
        visitor_lang(&headers, query.lang.as_deref()),
        StatusCode::OK,
        query.expired.is_some().then_some("mfa.expired"),
        query.changed.is_some().then_some("password.changed"),
        sso::provider_links(&state).await,
    )
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    lang: Option<String>,
}

/// Refuses form posts from other sites (login CSRF): the browser's Origin must be ours.
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
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
    let tr = visitor_lang(&parts.headers, form.lang.as_deref());
    let providers = sso::provider_links(&state).await;
    if !same_origin(&parts.headers) {
        return login_page(
            tr,
            StatusCode::FORBIDDEN,
            Some("login.cross_site"),
            providers,
        );
    }
    match session::sign_in(&state, &parts, &form.email, &form.password).await {
        Ok(session::SignInStep::Done(signed_in)) => {
            (AppendHeaders(signed_in.cookies(&state)), redirect("/")).into_response()
        }
        Ok(session::SignInStep::SecondFactor { pending_secret, .. }) => {
            let cookie = session::pending_cookie(&state, &pending_secret);
            let to = format!("/login/second-factor?lang={}", tr.code());
            (AppendHeaders([(SET_COOKIE, cookie)]), redirect(&to)).into_response()
        }
        Err(ApiError::TooManyRequests { .. }) => login_page(
            tr,
            StatusCode::TOO_MANY_REQUESTS,
            Some("login.throttled"),
            providers,
        ),
        Err(ApiError::Unauthenticated) => {
            login_page(tr, StatusCode::UNAUTHORIZED, Some("login.wrong"), providers)
        }
        Err(other) => PageError::new(tr, other).into_response(),
    }
}

async fn logout_submit(State(state): State<AppState>, PageForm(auth, _): PageForm) -> PageResult {
    let auth::Via::Session { id_hash, .. } = &auth.via else {
        return Ok(redirect("/login").into_response());
    };
    state
        .store
        .delete_session(&auth.actor, id_hash, &auth.user.id)
        .await
        .map_err(|e| PageError::new(tr_of(&auth), e.into()))?;
    let cookie = session::session_cookie(&state, "");
    let lang = format!("/login?lang={}", tr_of(&auth).code());
    Ok((AppendHeaders([(SET_COOKIE, cookie)]), redirect(&lang)).into_response())
}

/// Any other address: a styled "not found" page in the reader's language (their own when
/// signed in, the browser's otherwise), never the browser's bare error page.
async fn no_such_page(State(state): State<AppState>, mut parts: Parts) -> Response {
    let tr = match auth::authenticate(&mut parts, &state, false).await {
        Ok(auth) => tr_of(&auth),
        Err(_) => visitor_lang(&parts.headers, None),
    };
    PageError::new(tr, ApiError::NotFound(tr.t("error.no_page").to_owned())).into_response()
}

// ----- about -----

struct FrameworkCredit {
    name: String,
    publisher: String,
    licence: String,
    notice: String,
}

struct MappingCredit {
    title: String,
    pairs: usize,
    source: String,
    licence: String,
    attribution: String,
}

#[derive(Template)]
#[template(path = "about.html")]
struct AboutPage {
    tr: Tr,
    version: &'static str,
    frameworks: Vec<FrameworkCredit>,
    mappings: Vec<MappingCredit>,
}

/// Credits and licences of the content Hygeia ships (public, like any colophon).
async fn about_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<LangQuery>,
) -> PageResult {
    let tr = match auth_from_headers(&state, &headers).await {
        Some(auth) if query.lang.is_none() => tr_of(&auth),
        _ => visitor_lang(&headers, query.lang.as_deref()),
    };
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(|e| PageError::new(tr, e))?;
    let frameworks = catalog
        .frameworks()
        .iter()
        .map(|f| FrameworkCredit {
            name: tr.text(&f.meta.name).to_owned(),
            publisher: f.meta.publisher.clone(),
            licence: f.meta.licence.clone(),
            notice: f
                .meta
                .notice
                .as_ref()
                .map(|n| tr.text(n).to_owned())
                .unwrap_or_default(),
        })
        .collect();
    let mappings = catalog
        .mapping_sets()
        .iter()
        .map(|m| MappingCredit {
            title: tr.text(&m.meta.title).to_owned(),
            pairs: m.pairs.len(),
            source: m.meta.source.clone(),
            licence: m.meta.licence.clone(),
            attribution: m.meta.attribution.clone(),
        })
        .collect();
    let page = AboutPage {
        tr,
        version: env!("CARGO_PKG_VERSION"),
        frameworks,
        mappings,
    };
    render(tr, &page)
}

/// The signed-in user, if any, of a public page.
async fn auth_from_headers(state: &AppState, headers: &HeaderMap) -> Option<Auth> {
    let mut request = axum::http::Request::new(());
    *request.headers_mut() = headers.clone();
    let (mut parts, ()) = request.into_parts();
    auth::authenticate(&mut parts, state, false).await.ok()
}

/// `Cache-Control: no-store` for pages showing a secret.
pub fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Escapes text for HTML element content and attribute values (for the few pages built
/// outside the templates, such as the API documentation index).
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

/// A plain page around `body` (already escaped by the caller), in the site's style.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · Hygeia</title><link rel=\"stylesheet\" href=\"/assets/hygeia.css\"></head>\
         <body class=\"public\"><main id=\"main\" class=\"narrow\">{body}</main></body></html>",
        escape(title)
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn redirects_stay_on_this_site() {
        for local in ["/", "/settings", "/compliance/assessments?owner=a%2Fb"] {
            assert!(is_local_path(local), "{local}");
        }
        for away in [
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "evil",
            "",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/entities/\n",
            "/%09/evil.example/../..//evil.example",
        ] {
            assert!(!is_local_path(away), "{away:?}");
        }
        // Unsafe targets redirect home, never off-site and never to an invalid header.
        let sneaky = "/\t/evil.example";
        let response = redirect(sneaky);
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()[header::LOCATION], "/");
        let response = redirect("/entités/é");
        assert_eq!(response.headers()[header::LOCATION], "/entit%C3%A9s/%C3%A9");
    }

    #[test]
    fn page_numbers_stay_in_a_safe_range() {
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some(-3)), 1);
        assert_eq!(page_number(Some(7)), 7);
        assert_eq!(page_number(Some(i64::MAX)), 1_000_000);
    }
}
