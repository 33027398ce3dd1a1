//! What a supplier touches: the processes it supports, the sites it works at, the inventory
//! assets it reaches (and through them the zones). Replaced whole, all or nothing.

use hygeia_domain::access::EntityScope;
use hygeia_domain::validation::ValidationErrors;
use serde::Serialize;
use sqlx::AnyConnection;

use crate::audit::{Change, append};
use crate::error::Result;
use crate::risks::DependedSupplier;
use crate::risks::supporting::{
    AssetsOf, asset_keys, not_of_entity, replace_linked_assets, replace_links,
};
use crate::{Actor, Store};

use super::Supplier;

/// A process a supplier supports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplyingProcess {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// 1–4, the process's.
    pub criticality: i64,
}

/// A site a supplier works at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedSite {
    pub id: String,
    pub name: String,
}

/// An incident a supplier was involved in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierIncident {
    pub id: String,
    pub reference: String,
    pub title: String,
    /// `open`, `contained`, `resolved` or `closed`.
    pub status: String,
    pub severity: String,
    pub aware_at: String,
}

/// The whole set of what a supplier touches.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierLinks {
    #[serde(default)]
    pub process_ids: Vec<String>,
    #[serde(default)]
    pub site_ids: Vec<String>,
    #[serde(default)]
    pub asset_ids: Vec<String>,
}

pub(super) async fn processes_of(
    conn: &mut AnyConnection,
    supplier_id: &str,
) -> Result<Vec<SupplyingProcess>> {
    Ok(sqlx::query_as(
        "SELECT p.id, p.name, p.kind, p.criticality FROM supplier_processes l \
         JOIN processes p ON p.id = l.process_id WHERE l.supplier_id = $1 \
         ORDER BY p.criticality DESC, p.name",
    )
    .bind(supplier_id)
    .fetch_all(&mut *conn)
    .await?)
}

pub(super) async fn sites_of(
    conn: &mut AnyConnection,
    supplier_id: &str,
) -> Result<Vec<LinkedSite>> {
    Ok(sqlx::query_as(
        "SELECT s.id, s.name FROM supplier_sites l JOIN sites s ON s.id = l.site_id \
         WHERE l.supplier_id = $1 ORDER BY s.name",
    )
    .bind(supplier_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The incidents a supplier was involved in, newest first.
pub(super) async fn incidents_of(
    conn: &mut AnyConnection,
    supplier_id: &str,
) -> Result<Vec<SupplierIncident>> {
    Ok(sqlx::query_as(
        "SELECT i.id, i.reference, i.title, i.status, i.severity, i.aware_at \
         FROM supplier_incidents l JOIN incidents i ON i.id = l.incident_id \
         WHERE l.supplier_id = $1 ORDER BY i.aware_at DESC, i.id",
    )
    .bind(supplier_id)
    .fetch_all(&mut *conn)
    .await?)
}

fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> serde_json::Value {
    items.iter().map(|i| name(i).to_owned()).collect()
}

impl Store {
    /// Replaces the processes, sites and assets a supplier touches, all or nothing (each
    /// must be of the supplier's entity, or is named by its position); audited
    /// `supplier.links.set` with the names before and after.
    pub async fn set_supplier_links(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        links: &SupplierLinks,
    ) -> Result<Supplier> {
        let today = self.today().format("%Y-%m-%d").to_string();
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = self.supplier_in(&mut tx, scope, id).await?;
        let entity_id = before.entity_id.clone();
        let mut errors = not_of_entity(
            &mut tx,
            "processes",
            "process_ids",
            &links.process_ids,
            &entity_id,
        )
        .await?;
        errors.extend(
            not_of_entity(&mut tx, "sites", "site_ids", &links.site_ids, &entity_id).await?,
        );
        if !errors.is_empty() {
            return Err(ValidationErrors(errors).into());
        }
        replace_linked_assets(
            &mut tx,
            AssetsOf::Supplier,
            id,
            &entity_id,
            &links.asset_ids,
            &today,
        )
        .await?;
        replace_links(
            &mut tx,
            ("supplier_processes", "supplier_id", "process_id"),
            id,
            &links.process_ids,
        )
        .await?;
        replace_links(
            &mut tx,
            ("supplier_sites", "supplier_id", "site_id"),
            id,
            &links.site_ids,
        )
        .await?;
        let after = self.supplier_in(&mut tx, scope, id).await?;
        let described = |s: &Supplier| {
            serde_json::json!({
                "processes": names(&s.processes, |p| &p.name),
                "sites": names(&s.sites, |p| &p.name),
                "assets": asset_keys(&s.assets),
            })
        };
        let change = Change {
            action: "supplier.links.set",
            object_type: "supplier",
            object_id: id,
            entity_id: Some(&entity_id),
            before: Some(described(&before)),
            after: Some(described(&after)),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Replaces the incidents a supplier was involved in, all or nothing (each must be an
    /// incident of the supplier's entity, or is named by its position); audited
    /// `supplier.incidents.set` with the references before and after.
    pub async fn set_supplier_incidents(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        incident_ids: &[String],
    ) -> Result<Vec<SupplierIncident>> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let entity_id = self.supplier_entity_in(&mut tx, scope, id).await?;
        let errors = not_of_entity(
            &mut tx,
            "incidents",
            "incident_ids",
            incident_ids,
            &entity_id,
        )
        .await?;
        if !errors.is_empty() {
            return Err(ValidationErrors(errors).into());
        }
        let before = incidents_of(&mut tx, id).await?;
        replace_links(
            &mut tx,
            ("supplier_incidents", "supplier_id", "incident_id"),
            id,
            incident_ids,
        )
        .await?;
        let after = incidents_of(&mut tx, id).await?;
        let change = Change {
            action: "supplier.incidents.set",
            object_type: "supplier",
            object_id: id,
            entity_id: Some(&entity_id),
            before: Some(names(&before, |i| &i.reference)),
            after: Some(names(&after, |i| &i.reference)),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The suppliers involved in an incident (those the caller may see), most critical first;
    /// outside `scope` the incident is not found.
    pub async fn incident_suppliers(
        &self,
        scope: &EntityScope,
        incident_id: &str,
    ) -> Result<Vec<DependedSupplier>> {
        let mut conn = self.reader().acquire().await?;
        let entity: Option<String> =
            sqlx::query_scalar("SELECT entity_id FROM incidents WHERE id = $1")
                .bind(incident_id)
                .fetch_optional(&mut *conn)
                .await?;
        if !entity.as_deref().is_some_and(|e| scope.contains(e)) {
            return Err(crate::error::StoreError::not_found("incident", incident_id));
        }
        Ok(sqlx::query_as(
            "SELECT s.id, s.name, s.tier FROM supplier_incidents l \
             JOIN suppliers s ON s.id = l.supplier_id WHERE l.incident_id = $1 \
             ORDER BY s.priority DESC, s.name",
        )
        .bind(incident_id)
        .fetch_all(&mut *conn)
        .await?)
    }
}
