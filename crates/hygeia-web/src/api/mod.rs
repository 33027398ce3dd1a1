//! The REST API, version 1. JSON in and out; errors are problem documents; lists paginate.

pub(crate) mod assessments;
mod audit;
mod catalog;
mod checks;
mod download;
pub(crate) mod entities;
mod entity_group;
mod governance;
pub(crate) mod incidents;
mod jobs;
mod monitor;
mod openapi;
pub(crate) mod portal;
mod registration;
pub(crate) mod reports;
pub(crate) mod risks;
pub(crate) mod second_factor;
pub(crate) mod security_keys;
pub(crate) mod session;
pub mod sso;
pub(crate) mod suppliers;
pub(crate) mod users;
pub mod vulnerabilities;

use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::routing::{delete, get, post};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ApiError;

pub use openapi::{ApiDoc, document};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi::openapi_json))
        .route("/docs", get(openapi::docs_page))
        .route("/auth/login", post(session::login))
        .route("/auth/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/me/password", post(users::change_own_password))
        .route(
            "/auth/second-factor",
            post(second_factor::submit_second_factor),
        )
        .route(
            "/auth/second-factor/enrol",
            post(second_factor::enrol_at_sign_in),
        )
        .route(
            "/me/second-factor",
            get(second_factor::my_second_factor).delete(second_factor::remove_my_second_factor),
        )
        .route(
            "/me/second-factor/totp",
            post(second_factor::start_my_enrolment),
        )
        .route(
            "/me/second-factor/totp/confirm",
            post(second_factor::confirm_my_enrolment),
        )
        .route(
            "/me/second-factor/recovery-codes",
            post(second_factor::renew_my_recovery_codes),
        )
        .route(
            "/me/second-factor/security-keys",
            get(security_keys::my_security_keys).post(security_keys::finish_my_registration),
        )
        .route(
            "/me/second-factor/security-keys/challenge",
            post(security_keys::start_my_registration),
        )
        .route(
            "/me/second-factor/security-keys/{id}",
            delete(security_keys::remove_my_security_key),
        )
        .route(
            "/auth/second-factor/security-key/challenge",
            post(security_keys::start_key_sign_in),
        )
        .route(
            "/auth/second-factor/security-key",
            post(security_keys::finish_key_sign_in),
        )
        .route(
            "/users/{id}/second-factor",
            delete(second_factor::reset_second_factor),
        )
        .route("/me/sessions", get(session::list_my_sessions))
        .route("/me/sessions/end-all", post(session::end_all_my_sessions))
        .route("/me/sessions/{id}", delete(session::end_my_session))
        .route("/organisation", get(entities::get_organisation))
        .route(
            "/entities",
            get(entities::list_entities).post(entities::create_entity),
        )
        .route(
            "/entities/{id}",
            get(entities::get_entity)
                .put(entities::update_entity)
                .delete(entities::delete_entity),
        )
        .route("/entities/{id}/nis2", get(entities::classify_entity))
        .route(
            "/entities/{id}/group",
            get(entity_group::get_group).put(entity_group::put_group),
        )
        .route(
            "/entities/{id}/sites",
            get(entities::list_sites).post(entities::create_site),
        )
        .route(
            "/sites/{id}",
            axum::routing::put(entities::update_site).delete(entities::delete_site),
        )
        .route("/users", get(users::list_users).post(users::create_user))
        .route(
            "/users/{id}",
            get(users::get_user).patch(users::update_user),
        )
        .route(
            "/users/{id}/password",
            axum::routing::put(users::set_user_password),
        )
        .route("/tokens", get(users::list_tokens).post(users::create_token))
        .route("/tokens/{id}", axum::routing::delete(users::revoke_token))
        .route("/frameworks", get(catalog::list_frameworks))
        .route("/frameworks/{id}", get(catalog::get_framework))
        .route(
            "/frameworks/{id}/requirements",
            get(catalog::list_requirements),
        )
        .route(
            "/frameworks/{id}/requirements/{requirement}",
            get(catalog::get_requirement),
        )
        .route("/frameworks/{id}/oscal", get(catalog::export_oscal))
        .route("/mappings", get(catalog::list_mappings))
        .route("/mappings/{id}", get(catalog::get_mapping))
        .route(
            "/catalog/imports",
            get(catalog::list_imports).post(catalog::create_import),
        )
        .route("/monitor/batches", post(monitor::ingest_batch))
        .route(
            "/entities/{id}/zones",
            get(monitor::get_zone_policy).put(monitor::set_zone_policy),
        )
        .route("/monitor/findings", get(monitor::list_findings))
        .route(
            "/monitor/findings/{id}/review",
            axum::routing::put(monitor::review_finding),
        )
        .route("/monitor/events", get(monitor::list_events))
        .route("/assets", get(monitor::list_assets))
        .route("/assets/{id}", get(monitor::get_asset))
        .route("/flows", get(monitor::list_flows))
        .route("/map", get(monitor::get_map))
        .route(
            "/sso/providers",
            get(sso::list_providers).post(sso::create_provider),
        )
        .route(
            "/sso/providers/{id}",
            get(sso::get_provider)
                .put(sso::update_provider)
                .delete(sso::delete_provider),
        )
        .route("/audit", get(audit::list_audit))
        .route("/audit/verify", get(audit::verify_audit))
        .route("/audit/export", get(audit::export_audit))
        .merge(assessments::router())
        .merge(incidents::router())
        .merge(vulnerabilities::router())
        .merge(risks::router())
        .merge(suppliers::router())
        .merge(portal::router())
        .merge(checks::router())
        .merge(reports::router())
        .merge(jobs::router())
        .merge(governance::router())
        .merge(registration::router())
        .fallback(|| async { ApiError::NotFound("no such API endpoint".into()) })
}

/// A JSON body whose every failure (wrong content type, syntax, missing field, wrong type) is
/// a 400 problem document that says what is wrong.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::PayloadTooLarge(format!(
                    "the request body is too large: {}",
                    rejection.body_text()
                )))
            }
            Err(rejection) => Err(ApiError::bad_request(format!(
                "invalid JSON body: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// Query parameters with the same treatment of errors.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiError::bad_request(format!(
                "invalid query parameters: {}",
                rejection.body_text()
            ))),
        }
    }
}

/// Pagination parameters shared by list endpoints.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Items per page (1–500, default 50).
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    pub offset: Option<i64>,
}

impl Paging {
    pub fn request(self) -> hygeia_store::PageRequest {
        hygeia_store::PageRequest::new(self.limit, self.offset)
    }
}
