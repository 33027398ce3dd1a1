//! The organisation, its legal entities and their sites.

use hygeia_domain::access::EntityScope;
use hygeia_domain::org::{EntityInput, SiteInput};
use hygeia_domain::validation::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::paging::{Page, PageRequest};
use crate::sql::Filter;
use crate::{Actor, Store, new_id};

/// The group that runs Hygeia.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub created_at: String,
}

/// A legal entity of the group: the unit NIS2 applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entity {
    pub id: String,
    pub organisation_id: String,
    pub parent_entity_id: Option<String>,
    pub name: String,
    /// ISO 3166-1 alpha-2 country of establishment.
    pub country: String,
    /// NIS2 entity type code of the main activity.
    pub entity_type: String,
    /// Staff headcount in annual work units.
    pub employees: i64,
    /// `null` when unknown (never 0 for unknown).
    pub annual_turnover_eur: Option<i64>,
    /// `null` when unknown.
    pub balance_sheet_eur: Option<i64>,
    pub registration_number: Option<String>,
    /// Other NIS2 entity type codes (several activities).
    pub other_activities: Vec<String>,
    /// Member-State designation (NIS2 Art. 2(2)(b)–(e)): `none`, `essential` or `important`.
    pub designation: String,
    /// Critical entity under the CER Directive (Art. 2(3)).
    pub cer_critical_entity: bool,
    /// NIS1 operator of essential services kept essential (Art. 3(1)(g)).
    pub nis1_operator_of_essential_services: bool,
    /// Local public administration brought into scope (Art. 2(5)(a)).
    pub local_public_administration: bool,
    /// Owned or run by a public authority (Art. 34(7)).
    pub public_body: bool,
    /// Worldwide annual turnover of the undertaking (group), for the fine ceiling.
    pub group_worldwide_turnover_eur: Option<i64>,
    /// Consolidated accounts including the entity (see `/entities/{id}/group`).
    pub consolidated_employees: Option<i64>,
    pub consolidated_turnover_eur: Option<i64>,
    pub consolidated_balance_sheet_eur: Option<i64>,
    /// Why its network and information systems are independent of the group (NIS2 recital 16).
    pub independent_systems_justification: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Incremented on every change; send it back to update without overwriting others' work.
    pub version: i64,
}

/// An entity as stored (flags as 0/1, activities as space-separated codes).
#[derive(sqlx::FromRow)]
struct EntityRow {
    id: String,
    organisation_id: String,
    parent_entity_id: Option<String>,
    name: String,
    country: String,
    entity_type: String,
    employees: i64,
    annual_turnover_eur: Option<i64>,
    balance_sheet_eur: Option<i64>,
    registration_number: Option<String>,
    other_activities: String,
    designation: String,
    cer_critical_entity: i64,
    nis1_operator_of_essential_services: i64,
    local_public_administration: i64,
    public_body: i64,
    group_worldwide_turnover_eur: Option<i64>,
    consolidated_employees: Option<i64>,
    consolidated_turnover_eur: Option<i64>,
    consolidated_balance_sheet_eur: Option<i64>,
    independent_systems_justification: Option<String>,
    created_at: String,
    updated_at: String,
    version: i64,
}

impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for Entity {
    fn from_row(row: &'r sqlx::any::AnyRow) -> std::result::Result<Self, sqlx::Error> {
        let r = EntityRow::from_row(row)?;
        Ok(Entity {
            id: r.id,
            organisation_id: r.organisation_id,
            parent_entity_id: r.parent_entity_id,
            name: r.name,
            country: r.country,
            entity_type: r.entity_type,
            employees: r.employees,
            annual_turnover_eur: r.annual_turnover_eur,
            balance_sheet_eur: r.balance_sheet_eur,
            registration_number: r.registration_number,
            other_activities: r
                .other_activities
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            designation: r.designation,
            cer_critical_entity: r.cer_critical_entity != 0,
            nis1_operator_of_essential_services: r.nis1_operator_of_essential_services != 0,
            local_public_administration: r.local_public_administration != 0,
            public_body: r.public_body != 0,
            group_worldwide_turnover_eur: r.group_worldwide_turnover_eur,
            consolidated_employees: r.consolidated_employees,
            consolidated_turnover_eur: r.consolidated_turnover_eur,
            consolidated_balance_sheet_eur: r.consolidated_balance_sheet_eur,
            independent_systems_justification: r.independent_systems_justification,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

/// A physical site of an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Site {
    pub id: String,
    pub entity_id: String,
    pub name: String,
    pub kind: String,
    pub city: String,
    pub country: String,
    pub created_at: String,
    pub updated_at: String,
}

/// Filters for listing entities.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct EntityFilter {
    /// Text contained in the name or registration number.
    pub q: Option<String>,
    pub country: Option<String>,
    pub entity_type: Option<String>,
}

pub(crate) const ENTITY_COLUMNS: &str = "id, organisation_id, parent_entity_id, name, country, \
    entity_type, employees, annual_turnover_eur, balance_sheet_eur, registration_number, \
    other_activities, designation, cer_critical_entity, nis1_operator_of_essential_services, \
    local_public_administration, public_body, group_worldwide_turnover_eur, \
    consolidated_employees, consolidated_turnover_eur, consolidated_balance_sheet_eur, \
    independent_systems_justification, created_at, updated_at, version";
const SITE_COLUMNS: &str = "id, entity_id, name, kind, city, country, created_at, updated_at";

fn json<T: Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

impl Store {
    /// The organisation of this instance, if it has been set up.
    pub async fn organisation(&self) -> Result<Option<Organisation>> {
        Ok(sqlx::query_as(
            "SELECT id, name, created_at FROM organisations ORDER BY created_at LIMIT 1",
        )
        .fetch_optional(self.reader())
        .await?)
    }

    /// Returns the organisation, creating it with `name` on first use.
    pub async fn ensure_organisation(&self, actor: &Actor, name: &str) -> Result<Organisation> {
        if let Some(org) = self.organisation().await? {
            return Ok(org);
        }
        let org = Organisation {
            id: new_id(),
            name: name.trim().to_owned(),
            created_at: self.now(),
        };
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO organisations (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(&org.id)
            .bind(&org.name)
            .bind(&org.created_at)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: "organisation.create",
            object_type: "organisation",
            object_id: &org.id,
            entity_id: None,
            before: None,
            after: json(&org),
        };
        append(&mut tx, actor, &org.created_at, change).await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn list_entities(
        &self,
        organisation_id: &str,
        scope: &EntityScope,
        filter: &EntityFilter,
        page: PageRequest,
    ) -> Result<Page<Entity>> {
        let mut f = Filter::new();
        f.eq_opt("organisation_id", Some(organisation_id));
        f.search_opt(&["name", "registration_number"], filter.q.as_deref());
        f.eq_opt("country", filter.country.as_deref());
        f.eq_opt("entity_type", filter.entity_type.as_deref());
        f.scope("id", scope);
        f.page(self.reader(), "entities", ENTITY_COLUMNS, "name", page)
            .await
    }

    pub async fn entity(&self, id: &str) -> Result<Entity> {
        let sql = format!("SELECT {ENTITY_COLUMNS} FROM entities WHERE id = $1");
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or_else(|| StoreError::not_found("entity", id))
    }

    pub(crate) async fn entity_in(conn: &mut AnyConnection, id: &str) -> Result<Entity> {
        let sql = format!("SELECT {ENTITY_COLUMNS} FROM entities WHERE id = $1");
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("entity", id))
    }

    /// Checks that a parent exists in the same organisation and would not make a cycle.
    async fn check_parent(
        conn: &mut AnyConnection,
        organisation_id: &str,
        entity_id: &str,
        parent_id: Option<&str>,
    ) -> Result<()> {
        let field = "parent_entity_id";
        let refused = |error: FieldError| StoreError::Invalid(ValidationErrors(vec![error]));
        let mut next = parent_id.map(str::to_owned);
        let mut hops = 0;
        while let Some(id) = next {
            if id == entity_id {
                return Err(refused(FieldError::own_ancestor(field)));
            }
            // A parent of another organisation is reported like a missing one.
            let parent = match Self::entity_in(conn, &id).await {
                Ok(parent) if parent.organisation_id == organisation_id => parent,
                _ => return Err(refused(FieldError::not_found(field, &id))),
            };
            hops += 1;
            if hops > 64 {
                break;
            }
            next = parent.parent_entity_id;
        }
        Ok(())
    }

    /// Creates a legal entity. `known_entity_type` validates the NIS2 type code.
    pub async fn create_entity(
        &self,
        actor: &Actor,
        organisation_id: &str,
        input: &EntityInput,
        known_entity_type: impl Fn(&str) -> bool,
    ) -> Result<Entity> {
        input.validate(known_entity_type)?;
        let now = self.now();
        let id = new_id();
        let mut tx = self.begin().await?;
        Self::check_parent(
            &mut tx,
            organisation_id,
            &id,
            input.parent_entity_id.as_deref(),
        )
        .await?;
        sqlx::query(
            "INSERT INTO entities (id, organisation_id, parent_entity_id, name, country, \
             entity_type, employees, annual_turnover_eur, balance_sheet_eur, registration_number, \
             created_at, updated_at, version, other_activities, designation, cer_critical_entity, \
             nis1_operator_of_essential_services, local_public_administration, public_body, \
             group_worldwide_turnover_eur) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, 1, \
             $12, $13, $14, $15, $16, $17, $18)",
        )
        .bind(&id)
        .bind(organisation_id)
        .bind(&input.parent_entity_id)
        .bind(input.name.trim())
        .bind(&input.country)
        .bind(&input.entity_type)
        .bind(input.employees)
        .bind(input.annual_turnover_eur)
        .bind(input.balance_sheet_eur)
        .bind(&input.registration_number)
        .bind(&now)
        .bind(input.other_activities.join(" "))
        .bind(&input.designation)
        .bind(i64::from(input.cer_critical_entity))
        .bind(i64::from(input.nis1_operator_of_essential_services))
        .bind(i64::from(input.local_public_administration))
        .bind(i64::from(input.public_body))
        .bind(input.group_worldwide_turnover_eur)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::on_unique(
            "name",
            "an entity with this name already exists",
        ))?;
        let entity = Self::entity_in(&mut tx, &id).await?;
        let change = Change {
            action: "entity.create",
            object_type: "entity",
            object_id: &id,
            entity_id: Some(&id),
            before: None,
            after: json(&entity),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(entity)
    }

    /// Replaces an entity's profile. With `expected_version`, refuses to overwrite a newer one.
    pub async fn update_entity(
        &self,
        actor: &Actor,
        id: &str,
        input: &EntityInput,
        expected_version: Option<i64>,
        known_entity_type: impl Fn(&str) -> bool,
    ) -> Result<Entity> {
        input.validate(known_entity_type)?;
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
        Self::check_parent(
            &mut tx,
            &before.organisation_id,
            id,
            input.parent_entity_id.as_deref(),
        )
        .await?;
        sqlx::query(
            "UPDATE entities SET parent_entity_id = $2, name = $3, country = $4, entity_type = $5, \
             employees = $6, annual_turnover_eur = $7, balance_sheet_eur = $8, \
             registration_number = $9, updated_at = $10, version = version + 1, \
             other_activities = $11, designation = $12, cer_critical_entity = $13, \
             nis1_operator_of_essential_services = $14, local_public_administration = $15, \
             public_body = $16, group_worldwide_turnover_eur = $17 WHERE id = $1",
        )
        .bind(id)
        .bind(&input.parent_entity_id)
        .bind(input.name.trim())
        .bind(&input.country)
        .bind(&input.entity_type)
        .bind(input.employees)
        .bind(input.annual_turnover_eur)
        .bind(input.balance_sheet_eur)
        .bind(&input.registration_number)
        .bind(&now)
        .bind(input.other_activities.join(" "))
        .bind(&input.designation)
        .bind(i64::from(input.cer_critical_entity))
        .bind(i64::from(input.nis1_operator_of_essential_services))
        .bind(i64::from(input.local_public_administration))
        .bind(i64::from(input.public_body))
        .bind(input.group_worldwide_turnover_eur)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::on_unique(
            "name",
            "an entity with this name already exists",
        ))?;
        let after = Self::entity_in(&mut tx, id).await?;
        let change = Change {
            action: "entity.update",
            object_type: "entity",
            object_id: id,
            entity_id: Some(id),
            before: json(&before),
            after: json(&after),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes an entity with its sites. Refused while it has subsidiaries.
    pub async fn delete_entity(&self, actor: &Actor, id: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = Self::entity_in(&mut tx, id).await?;
        let children: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM entities WHERE parent_entity_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        if children > 0 {
            return Err(StoreError::Conflict {
                field: "id",
                message: format!(
                    "the entity has {children} subsidiaries: move or delete them first"
                ),
            });
        }
        sqlx::query("DELETE FROM entities WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: "entity.delete",
            object_type: "entity",
            object_id: id,
            entity_id: Some(id),
            before: json(&before),
            after: None,
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_sites(&self, entity_id: &str) -> Result<Vec<Site>> {
        let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE entity_id = $1 ORDER BY name");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(entity_id)
            .fetch_all(self.reader())
            .await?)
    }

    /// How many sites the entities of `scope` in the organisation have.
    pub async fn count_sites(&self, organisation_id: &str, scope: &EntityScope) -> Result<i64> {
        let mut f = Filter::new();
        f.eq_opt("e.organisation_id", Some(organisation_id));
        f.scope("s.entity_id", scope);
        let sql = format!(
            "SELECT COUNT(*) FROM sites s JOIN entities e ON e.id = s.entity_id{}",
            f.where_clause()
        );
        Ok(f.scalar(sql).fetch_one(self.reader()).await?)
    }

    async fn site_in(conn: &mut AnyConnection, id: &str) -> Result<Site> {
        let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE id = $1");
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("site", id))
    }

    pub async fn site(&self, id: &str) -> Result<Site> {
        let sql = format!("SELECT {SITE_COLUMNS} FROM sites WHERE id = $1");
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or_else(|| StoreError::not_found("site", id))
    }

    pub async fn create_site(
        &self,
        actor: &Actor,
        entity_id: &str,
        input: &SiteInput,
    ) -> Result<Site> {
        input.validate()?;
        let now = self.now();
        let site = Site {
            id: new_id(),
            entity_id: entity_id.to_owned(),
            name: input.name.trim().to_owned(),
            kind: input.kind.code().to_owned(),
            city: input.city.trim().to_owned(),
            country: input.country.clone(),
            created_at: now.clone(),
            updated_at: now.clone(),
        };
        let mut tx = self.begin().await?;
        Self::entity_in(&mut tx, entity_id).await?;
        sqlx::query(
            "INSERT INTO sites (id, entity_id, name, kind, city, country, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(&site.id)
        .bind(&site.entity_id)
        .bind(&site.name)
        .bind(&site.kind)
        .bind(&site.city)
        .bind(&site.country)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let change = Change {
            action: "site.create",
            object_type: "site",
            object_id: &site.id,
            entity_id: Some(entity_id),
            before: None,
            after: json(&site),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(site)
    }

    /// Replaces a site's name, kind, city and country.
    pub async fn update_site(&self, actor: &Actor, id: &str, input: &SiteInput) -> Result<Site> {
        input.validate()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = Self::site_in(&mut tx, id).await?;
        let after = Site {
            name: input.name.trim().to_owned(),
            kind: input.kind.code().to_owned(),
            city: input.city.trim().to_owned(),
            country: input.country.clone(),
            updated_at: now.clone(),
            ..before.clone()
        };
        sqlx::query(
            "UPDATE sites SET name = $2, kind = $3, city = $4, country = $5, updated_at = $6 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(&after.name)
        .bind(&after.kind)
        .bind(&after.city)
        .bind(&after.country)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let change = Change {
            action: "site.update",
            object_type: "site",
            object_id: id,
            entity_id: Some(&before.entity_id),
            before: json(&before),
            after: json(&after),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_site(&self, actor: &Actor, id: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = Self::site_in(&mut tx, id).await?;
        sqlx::query("DELETE FROM sites WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: "site.delete",
            object_type: "site",
            object_id: id,
            entity_id: Some(&before.entity_id),
            before: json(&before),
            after: None,
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(())
    }
}
