//! The OpenAPI 3 document, generated from the handlers' annotations, and a readable page of it.

use axum::Json;
use axum::response::Html;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    audit, catalog, entities, entity_group, monitor, second_factor, security_keys, session, sso,
    users,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Hygeia API", description = "NIS2 compliance hub for healthcare and pharma. \
        Authenticate with a personal API token (`Authorization: Bearer hyg_…`) or a browser \
        session (cookie plus `X-CSRF-Token` on writes). Errors are RFC 9457 problem documents."),
    paths(
        session::login, session::logout, session::me,
        session::list_my_sessions, session::end_my_session, session::end_all_my_sessions,
        second_factor::submit_second_factor, second_factor::enrol_at_sign_in,
        second_factor::my_second_factor, second_factor::start_my_enrolment,
        second_factor::confirm_my_enrolment, second_factor::renew_my_recovery_codes,
        second_factor::remove_my_second_factor, second_factor::reset_second_factor,
        security_keys::start_my_registration, security_keys::finish_my_registration,
        security_keys::my_security_keys, security_keys::remove_my_security_key,
        security_keys::start_key_sign_in, security_keys::finish_key_sign_in,
        entities::get_organisation, entities::list_entities, entities::create_entity,
        entities::get_entity, entities::update_entity, entities::delete_entity,
        entities::classify_entity, entity_group::get_group, entity_group::put_group,
        entities::list_sites, entities::create_site, entities::update_site, entities::delete_site,
        users::list_users, users::get_user, users::create_user, users::update_user,
        users::set_user_password, users::change_own_password,
        users::list_tokens, users::create_token, users::revoke_token,
        catalog::list_frameworks, catalog::get_framework, catalog::list_requirements,
        catalog::get_requirement, catalog::export_oscal, catalog::list_mappings,
        catalog::get_mapping,
        catalog::list_imports, catalog::create_import,
        monitor::ingest_batch, monitor::list_assets, monitor::get_asset, monitor::list_flows, monitor::get_map,
        monitor::list_findings, monitor::review_finding, monitor::list_events,
        monitor::get_zone_policy, monitor::set_zone_policy,
        audit::list_audit, audit::verify_audit, audit::export_audit,
        sso::list_providers, sso::create_provider, sso::get_provider, sso::update_provider,
        sso::delete_provider,
    ),
    modifiers(&Security),
    tags(
        (name = "session", description = "Signing in and out"),
        (name = "organisation", description = "The group, its legal entities and sites"),
        (name = "users", description = "Users, roles and need-to-know grants"),
        (name = "tokens", description = "Personal API tokens"),
        (name = "catalog", description = "Frameworks, requirements and crosswalks"),
        (name = "assets", description = "Passive asset discovery: inventory, communication map, zone findings"),
        (name = "audit", description = "The tamper-evident audit trail"),
        (name = "sso", description = "Single sign-on: OpenID Connect providers"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "questionnaire",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(
                super::portal::TOKEN_HEADER,
            ))),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

/// The whole API's document: the core paths merged with each resource module's own.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(super::assessments::AssessmentsDoc::openapi());
    doc.merge(super::incidents::IncidentsDoc::openapi());
    doc.merge(super::vulnerabilities::VulnerabilitiesDoc::openapi());
    doc.merge(super::risks::RisksDoc::openapi());
    doc.merge(super::suppliers::SuppliersDoc::openapi());
    doc.merge(super::portal::PortalDoc::openapi());
    doc.merge(super::checks::ChecksDoc::openapi());
    doc.merge(super::reports::ReportsDoc::openapi());
    doc.merge(super::jobs::JobsDoc::openapi());
    doc.merge(super::governance::GovernanceDoc::openapi());
    doc.merge(super::registration::RegistrationDoc::openapi());
    describe_responses(&mut doc);
    doc
}

/// OpenAPI requires a description on every response; the annotations often give only a
/// status and a body, so the status's own name stands in.
fn describe_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            for (status, response) in operation.responses.responses.iter_mut() {
                if let RefOr::T(response) = response
                    && response.description.is_empty()
                {
                    response.description = status
                        .parse::<u16>()
                        .ok()
                        .and_then(|code| axum::http::StatusCode::from_u16(code).ok())
                        .and_then(|code| code.canonical_reason())
                        .unwrap_or("Answer")
                        .to_owned();
                }
            }
        }
    }
}

/// The OpenAPI document (public, like any API reference).
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

/// A plain, self-contained page listing every operation (no external scripts or fonts).
pub async fn docs_page() -> Html<String> {
    let doc = document();
    let mut rows = String::new();
    for (path, item) in &doc.paths.paths {
        let operations = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ];
        for (method, operation) in operations {
            if let Some(op) = operation {
                rows.push_str(&format!(
                    "<tr><td><code>{method}</code></td><td><code>{}</code></td><td>{}</td></tr>",
                    crate::ui::escape(path),
                    crate::ui::escape(op.summary.as_deref().unwrap_or_default())
                ));
            }
        }
    }
    Html(crate::ui::page(
        "API reference",
        &format!(
            "<h1>Hygeia API v1</h1><p>Machine-readable document: \
             <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p>\
             <table><thead><tr><th>Method</th><th>Path</th><th>Summary</th></tr></thead>\
             <tbody>{rows}</tbody></table>"
        ),
    ))
}
