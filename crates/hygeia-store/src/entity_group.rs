//! An entity's links to its group: consolidated figures, linked and partner enterprises and
//! the independence justification, replaced as a whole in one audited transaction.

use std::collections::HashMap;

use hygeia_domain::nis2::EntityProfile;
use hygeia_domain::org::{GroupInput, GroupLinkInput};
use serde::Serialize;

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::orgs::Entity;
use crate::sql::Filter;
use crate::{Actor, Store};

/// A linked or partner enterprise of an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupLink {
    #[serde(skip)]
    pub entity_id: String,
    /// `linked` (counted in full) or `partner` (counted pro rata).
    pub kind: String,
    pub name: String,
    /// Share of capital or voting rights, whichever is greater, in basis points.
    pub share_basis_points: i64,
    /// Staff in annual work units.
    pub employees: i64,
    pub annual_turnover_eur: Option<i64>,
    pub balance_sheet_eur: Option<i64>,
}

impl GroupLink {
    /// The link as a client would send it back.
    pub fn input(&self) -> GroupLinkInput {
        GroupLinkInput {
            kind: self.kind.clone(),
            name: self.name.clone(),
            share_basis_points: self.share_basis_points,
            employees: self.employees,
            annual_turnover_eur: self.annual_turnover_eur,
            balance_sheet_eur: self.balance_sheet_eur,
        }
    }
}

/// The group of an entity as stored, in the shape clients send it.
pub fn group_input(entity: &Entity, links: &[GroupLink]) -> GroupInput {
    GroupInput {
        consolidated_employees: entity.consolidated_employees,
        consolidated_turnover_eur: entity.consolidated_turnover_eur,
        consolidated_balance_sheet_eur: entity.consolidated_balance_sheet_eur,
        independent_systems_justification: entity.independent_systems_justification.clone(),
        links: links.iter().map(GroupLink::input).collect(),
    }
}

const LINK_COLUMNS: &str = "entity_id, kind, name, share_basis_points, employees, \
    annual_turnover_eur, balance_sheet_eur";

/// The links of an entity read inside a transaction.
pub(crate) async fn group_links_in(
    conn: &mut sqlx::AnyConnection,
    entity_id: &str,
) -> Result<Vec<GroupLink>> {
    let sql = format!(
        "SELECT {LINK_COLUMNS} FROM entity_group_links WHERE entity_id = $1 ORDER BY position"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(entity_id)
        .fetch_all(&mut *conn)
        .await?)
}

impl Store {
    /// The linked and partner enterprises of an entity, in the order given.
    pub async fn group_links(&self, entity_id: &str) -> Result<Vec<GroupLink>> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM entity_group_links WHERE entity_id = $1 ORDER BY position"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(entity_id)
            .fetch_all(self.reader())
            .await?)
    }

    /// The links of several entities at once (for lists and the dashboard).
    pub async fn group_links_of(
        &self,
        entity_ids: &[&str],
    ) -> Result<HashMap<String, Vec<GroupLink>>> {
        let mut by_entity: HashMap<String, Vec<GroupLink>> = HashMap::new();
        if entity_ids.is_empty() {
            return Ok(by_entity);
        }
        let mut f = Filter::new();
        f.in_set("entity_id", entity_ids.iter().copied());
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM entity_group_links{} ORDER BY entity_id, position",
            f.where_clause()
        );
        let rows = f.query(sql).fetch_all(self.reader()).await?;
        for row in &rows {
            let link: GroupLink = sqlx::FromRow::from_row(row)?;
            by_entity
                .entry(link.entity_id.clone())
                .or_default()
                .push(link);
        }
        Ok(by_entity)
    }

    /// Replaces the entity's group figures and links. With `expected_version`, refuses to
    /// overwrite a newer change of the entity. Audited as `entity.group.update`.
    pub async fn set_entity_group(
        &self,
        actor: &Actor,
        id: &str,
        input: &GroupInput,
        expected_version: Option<i64>,
    ) -> Result<(Entity, Vec<GroupLink>)> {
        input.validate()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = Self::entity_in(&mut tx, id).await?;
        if let Some(expected) = expected_version.filter(|v| *v != before.version) {
            return Err(StoreError::Conflict {
                field: "version",
                message: format!(
                    "the entity was changed by someone else (version {} now, {expected} expected): reload it",
                    before.version
                ),
            });
        }
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM entity_group_links WHERE entity_id = $1 ORDER BY position"
        );
        let links_before: Vec<GroupLink> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_all(&mut *tx)
            .await?;
        let justification = input
            .independent_systems_justification
            .as_deref()
            .map(str::trim)
            .filter(|j| !j.is_empty());
        sqlx::query(
            "UPDATE entities SET consolidated_employees = $2, consolidated_turnover_eur = $3, \
             consolidated_balance_sheet_eur = $4, independent_systems_justification = $5, \
             updated_at = $6, version = version + 1 WHERE id = $1",
        )
        .bind(id)
        .bind(input.consolidated_employees)
        .bind(input.consolidated_turnover_eur)
        .bind(input.consolidated_balance_sheet_eur)
        .bind(justification)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM entity_group_links WHERE entity_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let mut links = Vec::with_capacity(input.links.len());
        for (position, link) in input.links.iter().enumerate() {
            let stored = GroupLink {
                entity_id: id.to_owned(),
                kind: link.kind.clone(),
                name: link.name.trim().to_owned(),
                share_basis_points: link.share_basis_points,
                employees: link.employees,
                annual_turnover_eur: link.annual_turnover_eur,
                balance_sheet_eur: link.balance_sheet_eur,
            };
            sqlx::query(
                "INSERT INTO entity_group_links (entity_id, position, kind, name, \
                 share_basis_points, employees, annual_turnover_eur, balance_sheet_eur) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(&stored.kind)
            .bind(&stored.name)
            .bind(stored.share_basis_points)
            .bind(stored.employees)
            .bind(stored.annual_turnover_eur)
            .bind(stored.balance_sheet_eur)
            .execute(&mut *tx)
            .await?;
            links.push(stored);
        }
        let after = Self::entity_in(&mut tx, id).await?;
        let change = Change {
            action: "entity.group.update",
            object_type: "entity",
            object_id: id,
            entity_id: Some(id),
            before: serde_json::to_value(group_input(&before, &links_before)).ok(),
            after: serde_json::to_value(group_input(&after, &links)).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok((after, links))
    }
}

fn figure(v: Option<i64>) -> Option<u64> {
    v.and_then(|v| u64::try_from(v).ok())
}

/// What the NIS2 classifier needs from a stored entity and its group links (`None` if its
/// type code is unknown). Unknown figures stay unknown.
pub fn nis2_profile(entity: &Entity, links: &[GroupLink]) -> Option<EntityProfile> {
    let group = group_input(entity, links);
    Some(EntityProfile {
        entity_type: entity.entity_type.parse().ok()?,
        employees: u32::try_from(entity.employees).unwrap_or(u32::MAX),
        annual_turnover_eur: figure(entity.annual_turnover_eur),
        balance_sheet_eur: figure(entity.balance_sheet_eur),
        designated_by_member_state: entity.designation != "none",
        designated_as_important: entity.designation == "important",
        cer_critical_entity: entity.cer_critical_entity,
        nis1_operator_of_essential_services: entity.nis1_operator_of_essential_services,
        other_activities: entity
            .other_activities
            .iter()
            .filter_map(|c| c.parse().ok())
            .collect(),
        local_public_administration: entity.local_public_administration,
        public_body: entity.public_body,
        member_state: entity.country.clone(),
        group: group.to_group_info(entity.parent_entity_id.is_some()),
        group_worldwide_turnover_eur: figure(entity.group_worldwide_turnover_eur),
    })
}
