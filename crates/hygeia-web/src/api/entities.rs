//! The organisation, its legal entities (with their NIS2 classification) and sites.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::nis2::{self, Classification, EntityType};
use hygeia_domain::org::{EntityInput, SiteInput};
use hygeia_domain::validation::FieldError;
use hygeia_store::{Entity, EntityFilter, Organisation, Page, Site};
use serde::Deserialize;

use super::{ApiJson, ApiQuery, Paging};
use crate::AppState;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

/// Reads entity types given as a code or a readable name and stores their codes.
fn normalise_entity_type(input: &mut EntityInput) {
    let code = |text: &mut String| {
        if let Ok(kind) = text.parse::<EntityType>() {
            *text = kind.code().to_owned();
        }
    };
    code(&mut input.entity_type);
    input.other_activities.iter_mut().for_each(code);
}

/// The classification of a stored entity, reading its group links.
pub(crate) async fn classify_stored(
    state: &AppState,
    entity: &Entity,
) -> ApiResult<Option<Classification>> {
    let links = state.store.group_links(&entity.id).await?;
    Ok(hygeia_store::nis2_profile(entity, &links).map(|p| nis2::classify(&p)))
}

pub(crate) fn known_entity_type(code: &str) -> bool {
    code.parse::<EntityType>().is_ok()
}

/// The entity an authorised user may act on, or 404 when it is outside their need-to-know
/// (so that the existence of other entities is not revealed). The one need-to-know check of
/// an entity, for the API and the pages.
pub(crate) async fn visible_entity(
    state: &AppState,
    auth: &Auth,
    id: &str,
    permission: Permission,
) -> ApiResult<Entity> {
    auth.principal.require(permission)?;
    if !auth.principal.scope.contains(id) {
        return Err(ApiError::NotFound(format!("entity '{id}' was not found")));
    }
    let entity = state.store.entity(id).await?;
    if entity.organisation_id != auth.principal.organisation_id {
        return Err(ApiError::NotFound(format!("entity '{id}' was not found")));
    }
    Ok(entity)
}

/// The names of the entities the caller may see, by id: what exports print beside a row's
/// entity.
pub(crate) async fn entity_names(
    state: &AppState,
    auth: &Auth,
) -> ApiResult<std::collections::BTreeMap<String, String>> {
    Ok(state
        .store
        .list_entities(
            &auth.principal.organisation_id,
            &auth.principal.scope,
            &EntityFilter::default(),
            hygeia_store::PageRequest::new(Some(500), None),
        )
        .await?
        .items
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect())
}

/// The organisation (group) of the signed-in user.
#[utoipa::path(get, path = "/api/v1/organisation", tag = "organisation",
    responses((status = 200, body = Organisation)), security(("bearer" = []), ("session" = [])))]
pub async fn get_organisation(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Organisation>> {
    auth.principal.require(Permission::OrganisationRead)?;
    let org = state
        .store
        .organisation()
        .await?
        .filter(|o| o.id == auth.principal.organisation_id)
        .ok_or_else(|| ApiError::NotFound("no organisation".into()))?;
    Ok(Json(org))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntityQuery {
    /// Text in the name or registration number.
    pub q: Option<String>,
    /// ISO 3166-1 alpha-2 country.
    pub country: Option<String>,
    /// NIS2 entity type code.
    pub entity_type: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Legal entities the user may see (need-to-know), filtered and paginated.
#[utoipa::path(get, path = "/api/v1/entities", tag = "organisation", params(EntityQuery),
    responses((status = 200, body = Page<Entity>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_entities(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<EntityQuery>,
) -> ApiResult<Json<Page<Entity>>> {
    auth.principal.require(Permission::EntityRead)?;
    let filter = EntityFilter {
        q: query.q,
        country: query.country,
        entity_type: query.entity_type,
    };
    let page = Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .request();
    let entities = state
        .store
        .list_entities(
            &auth.principal.organisation_id,
            &auth.principal.scope,
            &filter,
            page,
        )
        .await?;
    Ok(Json(entities))
}

/// One legal entity.
#[utoipa::path(get, path = "/api/v1/entities/{id}", tag = "organisation",
    responses((status = 200, body = Entity), (status = 404, description = "Unknown or not visible")),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_entity(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Entity>> {
    Ok(Json(
        visible_entity(&state, &auth, &id, Permission::EntityRead).await?,
    ))
}

/// An entity's profile as sent by clients.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntityBody {
    pub name: String,
    /// ISO 3166-1 alpha-2 country of establishment.
    pub country: String,
    /// NIS2 entity type: a code such as `healthcare_provider` or a readable name.
    pub entity_type: String,
    /// Staff headcount in annual work units.
    pub employees: i64,
    /// Annual turnover in euros; `null` or absent when unknown (not 0).
    #[serde(default)]
    pub annual_turnover_eur: Option<i64>,
    /// Annual balance-sheet total in euros; `null` or absent when unknown.
    #[serde(default)]
    pub balance_sheet_eur: Option<i64>,
    #[serde(default)]
    pub parent_entity_id: Option<String>,
    #[serde(default)]
    pub registration_number: Option<String>,
    /// Other NIS2 entity types of the entity (several activities), codes or readable names.
    #[serde(default)]
    pub other_activities: Vec<String>,
    /// Member-State designation under NIS2 Art. 2(2)(b)–(e): `none` (default), `essential`
    /// or `important`.
    #[serde(default)]
    pub designation: Option<String>,
    /// Critical entity under the CER Directive (Art. 2(3)).
    #[serde(default)]
    pub cer_critical_entity: bool,
    /// NIS1 operator of essential services kept essential (Art. 3(1)(g)).
    #[serde(default)]
    pub nis1_operator_of_essential_services: bool,
    /// Local public administration brought into scope by the Member State (Art. 2(5)(a)).
    #[serde(default)]
    pub local_public_administration: bool,
    /// Owned or run by a public authority (Art. 34(7)).
    #[serde(default)]
    pub public_body: bool,
    /// Worldwide annual turnover of the undertaking (the group), for the fine ceiling.
    #[serde(default)]
    pub group_worldwide_turnover_eur: Option<i64>,
    /// On update: the version you read, to refuse overwriting a newer change.
    #[serde(default)]
    pub version: Option<i64>,
}

impl EntityBody {
    fn into_input(self) -> (EntityInput, Option<i64>) {
        let mut input = EntityInput {
            name: self.name,
            country: self.country,
            entity_type: self.entity_type,
            employees: self.employees,
            annual_turnover_eur: self.annual_turnover_eur,
            balance_sheet_eur: self.balance_sheet_eur,
            parent_entity_id: self.parent_entity_id,
            registration_number: self.registration_number,
            other_activities: self.other_activities,
            designation: self.designation.unwrap_or_else(|| "none".to_owned()),
            cer_critical_entity: self.cer_critical_entity,
            nis1_operator_of_essential_services: self.nis1_operator_of_essential_services,
            local_public_administration: self.local_public_administration,
            public_body: self.public_body,
            group_worldwide_turnover_eur: self.group_worldwide_turnover_eur,
        };
        normalise_entity_type(&mut input);
        (input, self.version)
    }
}

/// Create a legal entity (administrators).
#[utoipa::path(post, path = "/api/v1/entities", tag = "organisation", request_body = EntityBody,
    responses((status = 201, body = Entity), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_entity(
    State(state): State<AppState>,
    auth: Auth,
    ApiJson(body): ApiJson<EntityBody>,
) -> ApiResult<(StatusCode, Json<Entity>)> {
    auth.principal.require(Permission::EntityCreate)?;
    let (input, _) = body.into_input();
    let entity = state
        .store
        .create_entity(
            &auth.actor,
            &auth.principal.organisation_id,
            &input,
            known_entity_type,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(entity)))
}

/// Replace an entity's profile.
#[utoipa::path(put, path = "/api/v1/entities/{id}", tag = "organisation", request_body = EntityBody,
    responses((status = 200, body = Entity), (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_entity(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EntityBody>,
) -> ApiResult<Json<Entity>> {
    visible_entity(&state, &auth, &id, Permission::EntityUpdate).await?;
    let (input, version) = body.into_input();
    if let Some(parent) = &input.parent_entity_id
        && !auth.principal.scope.contains(parent)
    {
        return Err(ApiError::field_error(FieldError::not_found(
            "parent_entity_id",
            parent,
        )));
    }
    let entity = state
        .store
        .update_entity(&auth.actor, &id, &input, version, known_entity_type)
        .await?;
    Ok(Json(entity))
}

/// Delete an entity and its sites (administrators).
#[utoipa::path(delete, path = "/api/v1/entities/{id}", tag = "organisation",
    responses((status = 204, description = "Deleted")), security(("bearer" = []), ("session" = [])))]
pub async fn delete_entity(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    visible_entity(&state, &auth, &id, Permission::EntityDelete).await?;
    state.store.delete_entity(&auth.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The entity's NIS2 classification with its reasoning, computed from its stored profile.
#[utoipa::path(get, path = "/api/v1/entities/{id}/nis2", tag = "organisation",
    responses((status = 200, description = "Classification with reasoning steps", body = Object)),
    security(("bearer" = []), ("session" = [])))]
pub async fn classify_entity(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Classification>> {
    let entity = visible_entity(&state, &auth, &id, Permission::EntityRead).await?;
    let classification = classify_stored(&state, &entity).await?.ok_or_else(|| {
        ApiError::internal(nis2::UnknownEntityType {
            input: entity.entity_type.clone(),
        })
    })?;
    Ok(Json(classification))
}

/// Sites of an entity.
#[utoipa::path(get, path = "/api/v1/entities/{id}/sites", tag = "organisation",
    responses((status = 200, body = Vec<Site>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_sites(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Site>>> {
    visible_entity(&state, &auth, &id, Permission::EntityRead).await?;
    Ok(Json(state.store.list_sites(&id).await?))
}

/// A site as sent by clients.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteBody {
    pub name: String,
    /// hospital, clinic, plant, laboratory, warehouse, office, data_centre or other.
    #[schema(value_type = String)]
    pub kind: hygeia_domain::org::SiteKind,
    pub city: String,
    pub country: String,
}

/// Add a site to an entity.
#[utoipa::path(post, path = "/api/v1/entities/{id}/sites", tag = "organisation", request_body = SiteBody,
    responses((status = 201, body = Site)), security(("bearer" = []), ("session" = [])))]
pub async fn create_site(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SiteBody>,
) -> ApiResult<(StatusCode, Json<Site>)> {
    visible_entity(&state, &auth, &id, Permission::SiteWrite).await?;
    let input = SiteInput {
        name: body.name,
        kind: body.kind,
        city: body.city,
        country: body.country,
    };
    let site = state.store.create_site(&auth.actor, &id, &input).await?;
    Ok((StatusCode::CREATED, Json(site)))
}

/// Change a site.
#[utoipa::path(put, path = "/api/v1/sites/{id}", tag = "organisation", request_body = SiteBody,
    responses((status = 200, body = Site)), security(("bearer" = []), ("session" = [])))]
pub async fn update_site(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SiteBody>,
) -> ApiResult<Json<Site>> {
    let site = state.store.site(&id).await?;
    visible_entity(&state, &auth, &site.entity_id, Permission::SiteWrite).await?;
    let input = SiteInput {
        name: body.name,
        kind: body.kind,
        city: body.city,
        country: body.country,
    };
    Ok(Json(
        state.store.update_site(&auth.actor, &id, &input).await?,
    ))
}

/// Remove a site.
#[utoipa::path(delete, path = "/api/v1/sites/{id}", tag = "organisation",
    responses((status = 204, description = "Deleted")), security(("bearer" = []), ("session" = [])))]
pub async fn delete_site(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    let site = state.store.site(&id).await?;
    visible_entity(&state, &auth, &site.entity_id, Permission::SiteWrite).await?;
    state.store.delete_site(&auth.actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
