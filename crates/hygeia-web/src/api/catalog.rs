//! Frameworks, requirements and crosswalks: browsing, OSCAL export, and imports.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use hygeia_catalog::{Art21Letter, Filter, Requirement, oscal};
use hygeia_domain::access::Permission;
use hygeia_domain::clock::format_instant;
use hygeia_store::CatalogImport;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::Auth;
use crate::catalog::{ImportFormat, ImportKind};
use crate::error::{ApiError, ApiResult};

/// Frameworks with their requirement counts.
#[utoipa::path(get, path = "/api/v1/frameworks", tag = "catalog",
    responses((status = 200, description = "Framework summaries", body = Vec<Object>)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_frameworks(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.principal.require(Permission::CatalogRead)?;
    let catalog = state.catalog.current(&state.store).await?;
    let summaries: Vec<_> = catalog.frameworks().iter().map(|f| f.summary()).collect();
    Ok(Json(
        serde_json::to_value(summaries).map_err(ApiError::internal)?,
    ))
}

fn unknown_framework(id: &str) -> ApiError {
    ApiError::NotFound(format!("framework '{id}' was not found"))
}

/// A framework with its whole requirement tree.
#[utoipa::path(get, path = "/api/v1/frameworks/{id}", tag = "catalog",
    responses((status = 200, description = "Summary and tree", body = Object), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_framework(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.principal.require(Permission::CatalogRead)?;
    let catalog = state.catalog.current(&state.store).await?;
    let framework = catalog
        .framework(&id)
        .ok_or_else(|| unknown_framework(&id))?;
    let body = serde_json::json!({ "framework": framework.summary(), "tree": framework.tree() });
    Ok(Json(body))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequirementQuery {
    /// Text searched in references, titles and descriptions, English and French, accents ignored.
    pub q: Option<String>,
    /// A tag such as `ot`, `governance`, `supplier`.
    pub tag: Option<String>,
    /// NIS2 Art. 21(2) letter, `a` to `j`.
    pub art21: Option<String>,
    /// Only assessable requirements.
    #[serde(default)]
    pub assessable: Option<bool>,
    /// Only what a system targeting this IEC 62443 security level (1 to 4) must meet.
    pub security_level: Option<u8>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RequirementList {
    pub total: usize,
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Requirement>,
}

/// Requirements of a framework, filtered by tag, Art. 21(2) letter and text.
#[utoipa::path(get, path = "/api/v1/frameworks/{id}/requirements", tag = "catalog", params(RequirementQuery),
    responses((status = 200, body = RequirementList)), security(("bearer" = []), ("session" = [])))]
pub async fn list_requirements(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<RequirementQuery>,
) -> ApiResult<Json<RequirementList>> {
    auth.principal.require(Permission::CatalogRead)?;
    let catalog = state.catalog.current(&state.store).await?;
    catalog
        .framework(&id)
        .ok_or_else(|| unknown_framework(&id))?;
    let art21_letter = match query.art21.as_deref() {
        None | Some("") => None,
        Some(text) => Some(
            text.chars()
                .next()
                .filter(|_| text.chars().count() == 1)
                .and_then(|c| Art21Letter::new(c.to_ascii_lowercase()))
                .ok_or_else(|| {
                    ApiError::field(
                        "art21",
                        format!("'{text}' is not an Art. 21(2) letter a to j"),
                    )
                })?,
        ),
    };
    if let Some(level) = query.security_level
        && !(1..=4).contains(&level)
    {
        return Err(ApiError::field(
            "security_level",
            format!("{level} is not a security level: use 1 to 4"),
        ));
    }
    let filter = Filter {
        framework: Some(id),
        tag: query.tag.filter(|t| !t.is_empty()),
        art21_letter,
        assessable_only: query.assessable.unwrap_or(false),
        security_level: query.security_level,
    };
    let hits = match query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(text) => catalog.search(text, &filter),
        None => catalog.filter(&filter),
    };
    let items: Vec<Requirement> = hits.iter().map(|hit| hit.requirement.clone()).collect();
    Ok(Json(RequirementList {
        total: items.len(),
        items,
    }))
}

/// A requirement with its place in the tree and its crosswalk neighbours in other frameworks.
#[utoipa::path(get, path = "/api/v1/frameworks/{id}/requirements/{requirement}", tag = "catalog",
    responses((status = 200, description = "Requirement, ancestors, children and neighbours", body = Object)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_requirement(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, requirement)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    auth.principal.require(Permission::CatalogRead)?;
    let catalog = state.catalog.current(&state.store).await?;
    let framework = catalog
        .framework(&id)
        .ok_or_else(|| unknown_framework(&id))?;
    let found = framework
        .requirement(&requirement)
        .or_else(|| framework.by_ref(&requirement))
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "framework '{id}' has no requirement '{requirement}'"
            ))
        })?;
    let children: Vec<&Requirement> = framework.children(&found.id).collect();
    let body = serde_json::json!({
        "framework": id,
        "requirement": found,
        "ancestors": framework.ancestors(&found.id),
        "children": children,
        "neighbours": catalog.neighbours(&id, &found.id),
    });
    Ok(Json(body))
}

/// A framework as an OSCAL catalog (JSON), for NIST tooling and other GRC products.
#[utoipa::path(get, path = "/api/v1/frameworks/{id}/oscal", tag = "catalog",
    responses((status = 200, description = "OSCAL catalog", body = Object)),
    security(("bearer" = []), ("session" = [])))]
pub async fn export_oscal(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    auth.principal.require(Permission::CatalogRead)?;
    let catalog = state.catalog.current(&state.store).await?;
    let framework = catalog
        .framework(&id)
        .ok_or_else(|| unknown_framework(&id))?;
    let json = oscal::export_json(framework, &format_instant(state.store.clock().now()));
    let disposition = format!("attachment; filename=\"{id}.oscal.json\"");
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        json,
    ))
}

/// Crosswalks between frameworks, with who produced them and under which licence.
#[utoipa::path(get, path = "/api/v1/mappings", tag = "catalog",
    responses((status = 200, description = "Mapping-set summaries with credits", body = Vec<Object>)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_mappings(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.principal.require(Permission::CatalogRead)?;
    let catalog = state.catalog.current(&state.store).await?;
    let summaries: Vec<_> = catalog.mapping_sets().iter().map(|m| m.summary()).collect();
    Ok(Json(
        serde_json::to_value(summaries).map_err(ApiError::internal)?,
    ))
}

/// One crosswalk: its credit, its pairs and, for a reviewed crosswalk, each point's verdict
/// (`covered`, `delta` with the delta in English and French, `not_covered`), the requirements
/// that meet it and the rationale.
#[utoipa::path(get, path = "/api/v1/mappings/{id}", tag = "catalog",
    params(("id" = String, Path, description = "The mapping set's id")),
    responses((status = 200, description = "The set with its pairs and reviewed coverage", body = Object),
        (status = 404, description = "No such crosswalk")),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_mapping(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    auth.principal.require(Permission::CatalogRead)?;
    let catalog = state.catalog.current(&state.store).await?;
    let set = catalog
        .mapping_set(&id)
        .ok_or_else(|| ApiError::NotFound(format!("no crosswalk '{id}'")))?;
    Ok(Json(serde_json::json!({
        "mapping": set.meta,
        "pairs": set.pairs,
        "coverage": set.coverage,
    })))
}

/// Files imported so far.
#[utoipa::path(get, path = "/api/v1/catalog/imports", tag = "catalog",
    responses((status = 200, body = Vec<CatalogImport>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_imports(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<CatalogImport>>> {
    auth.principal.require(Permission::CatalogRead)?;
    Ok(Json(state.store.catalog_imports().await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportBody {
    pub kind: ImportKind,
    pub format: ImportFormat,
    /// Named in error messages.
    pub file_name: String,
    /// The file's text: YAML in Hygeia's catalog format, or OSCAL catalog JSON.
    pub content: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Imported {
    pub id: String,
    pub kind: ImportKind,
}

/// Import a framework or crosswalk (administrators). All-or-nothing: any problem is reported
/// with file, entry and field, and nothing is stored.
#[utoipa::path(post, path = "/api/v1/catalog/imports", tag = "catalog", request_body = ImportBody,
    responses((status = 201, body = Imported), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_import(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<ImportBody>,
) -> ApiResult<(StatusCode, Json<Imported>)> {
    auth.principal.require(Permission::CatalogManage)?;
    if body.content.len() > 20 * 1024 * 1024 {
        return Err(ApiError::field("content", "is larger than 20 MiB"));
    }
    let (id, _) = state
        .catalog
        .import(
            &state.store,
            &auth.actor,
            body.kind,
            body.format,
            &body.file_name,
            &body.content,
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Imported {
            id,
            kind: body.kind,
        }),
    ))
}
