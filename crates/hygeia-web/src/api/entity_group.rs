//! An entity's group for its NIS2 size class: consolidated figures, linked and partner
//! enterprises with the share held, and the independence justification (NIS2 recital 16).

use axum::Json;
use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_domain::org::{GroupInput, GroupLinkInput};
use hygeia_store::{Entity, GroupLink};
use serde::{Deserialize, Serialize};

use super::ApiJson;
use super::entities::visible_entity;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;

/// An entity's group: consolidated figures, linked and partner enterprises, independence.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupBody {
    /// Staff (annual work units) of the consolidated accounts that include the entity; with it,
    /// the consolidated figures replace the entity's own and its linked enterprises'.
    #[serde(default)]
    pub consolidated_employees: Option<i64>,
    #[serde(default)]
    pub consolidated_turnover_eur: Option<i64>,
    #[serde(default)]
    pub consolidated_balance_sheet_eur: Option<i64>,
    /// Why the entity's network and information systems and services are independent of the
    /// group (NIS2 recital 16); when given, the entity is measured on its own figures.
    #[serde(default)]
    pub independent_systems_justification: Option<String>,
    #[serde(default)]
    pub links: Vec<GroupLinkBody>,
    /// On update: the entity version you read (returned on reading).
    #[serde(default)]
    pub version: Option<i64>,
}

/// A linked (counted in full) or partner (counted pro rata) enterprise.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupLinkBody {
    /// `linked` or `partner`.
    pub kind: String,
    pub name: String,
    /// Share of capital or voting rights, whichever is greater, in basis points (2500 = 25 %);
    /// partners 2500 to 5000.
    pub share_basis_points: i64,
    /// Staff in annual work units.
    pub employees: i64,
    #[serde(default)]
    pub annual_turnover_eur: Option<i64>,
    #[serde(default)]
    pub balance_sheet_eur: Option<i64>,
}

impl GroupBody {
    fn of(entity: &Entity, links: &[GroupLink]) -> Self {
        let g = hygeia_store::group_input(entity, links);
        Self {
            consolidated_employees: g.consolidated_employees,
            consolidated_turnover_eur: g.consolidated_turnover_eur,
            consolidated_balance_sheet_eur: g.consolidated_balance_sheet_eur,
            independent_systems_justification: g.independent_systems_justification,
            links: g
                .links
                .into_iter()
                .map(|l| GroupLinkBody {
                    kind: l.kind,
                    name: l.name,
                    share_basis_points: l.share_basis_points,
                    employees: l.employees,
                    annual_turnover_eur: l.annual_turnover_eur,
                    balance_sheet_eur: l.balance_sheet_eur,
                })
                .collect(),
            version: Some(entity.version),
        }
    }

    fn into_input(self) -> (GroupInput, Option<i64>) {
        let input = GroupInput {
            consolidated_employees: self.consolidated_employees,
            consolidated_turnover_eur: self.consolidated_turnover_eur,
            consolidated_balance_sheet_eur: self.consolidated_balance_sheet_eur,
            independent_systems_justification: self.independent_systems_justification,
            links: self
                .links
                .into_iter()
                .map(|l| GroupLinkInput {
                    kind: l.kind,
                    name: l.name,
                    share_basis_points: l.share_basis_points,
                    employees: l.employees,
                    annual_turnover_eur: l.annual_turnover_eur,
                    balance_sheet_eur: l.balance_sheet_eur,
                })
                .collect(),
        };
        (input, self.version)
    }
}

/// The entity's group figures and links, used for its size class (Recommendation
/// 2003/361/EC: linked enterprises in full, partners pro rata).
#[utoipa::path(get, path = "/api/v1/entities/{id}/group", tag = "organisation",
    responses((status = 200, body = GroupBody), (status = 404, description = "Unknown or not visible")),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_group(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<GroupBody>> {
    let entity = visible_entity(&state, &auth, &id, Permission::EntityRead).await?;
    let links = state.store.group_links(&id).await?;
    Ok(Json(GroupBody::of(&entity, &links)))
}

/// Replace the entity's group figures and links (audited as `entity.group.update`).
#[utoipa::path(put, path = "/api/v1/entities/{id}/group", tag = "organisation",
    request_body = GroupBody,
    responses((status = 200, body = GroupBody), (status = 400, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn put_group(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<GroupBody>,
) -> ApiResult<Json<GroupBody>> {
    visible_entity(&state, &auth, &id, Permission::EntityUpdate).await?;
    let (input, version) = body.into_input();
    let (entity, links) = state
        .store
        .set_entity_group(&auth.actor, &id, &input, version)
        .await?;
    Ok(Json(GroupBody::of(&entity, &links)))
}
