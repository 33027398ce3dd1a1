//! What is at stake, stored: an entity's business processes and information with their needs
//! and recovery objectives, the assets and sites supporting them, the risks threatening them.

use hygeia_domain::access::EntityScope;
use hygeia_domain::risks::processes::{CheckedProcess, ProcessInput};
use hygeia_domain::validation::ValidationErrors;
use serde::Serialize;
use sqlx::AnyConnection;

use super::supporting::{
    AssetsOf, LinkedAsset, RiskLinkSet, asset_keys, linked_assets_in, not_of_entity, relink_risk,
    replace_linked_assets, replace_links,
};
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::sql::Filter;
use crate::{Actor, Store, new_id};

/// Most processes an entity lists (far above what a mid-sized group names).
const MAX_LISTED: i64 = 2_000;

/// A site a process runs at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcessSite {
    pub id: String,
    pub name: String,
}

/// A risk threatening a process, as the process shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThreateningRisk {
    pub id: String,
    pub reference: String,
    pub title: String,
    /// Level of its current rating, else of its inherent one.
    pub level: Option<String>,
    pub severity: i64,
}

/// A supplier a process or an asset depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DependedSupplier {
    pub id: String,
    pub name: String,
    /// `critical`, `high`, `moderate` or `low`.
    pub tier: String,
}

/// The suppliers linked to a process or an asset through `link` (`supplier_processes`,
/// `supplier_assets`) and its column, most critical first.
async fn suppliers_through(
    conn: &mut AnyConnection,
    (link, column): (&str, &str),
    id: &str,
) -> Result<Vec<DependedSupplier>> {
    let sql = format!(
        "SELECT s.id, s.name, s.tier FROM {link} l JOIN suppliers s ON s.id = l.supplier_id \
         WHERE l.{column} = $1 ORDER BY s.priority DESC, s.name"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?)
}

/// A process or body of information of an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Process {
    pub id: String,
    pub entity_id: String,
    pub name: String,
    /// `process` or `information`.
    pub kind: String,
    pub description: String,
    pub owner: Option<String>,
    pub confidentiality: i64,
    pub integrity: i64,
    pub availability: i64,
    pub patient_safety: bool,
    pub product_quality: bool,
    /// 1–4: its highest need, critical when patients or GMP quality depend on it.
    pub criticality: i64,
    pub rto_hours: Option<i64>,
    pub rpo_hours: Option<i64>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub assets: Vec<LinkedAsset>,
    pub sites: Vec<ProcessSite>,
    /// Most severe first.
    pub risks: Vec<ThreateningRisk>,
    /// The suppliers it depends on, most critical first.
    pub suppliers: Vec<DependedSupplier>,
}

/// A process as a form offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ProcessChoice {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub criticality: i64,
}

/// A process as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcessSummary {
    pub id: String,
    pub entity_id: String,
    pub name: String,
    pub kind: String,
    pub owner: Option<String>,
    pub criticality: i64,
    pub rto_hours: Option<i64>,
    pub rpo_hours: Option<i64>,
    pub assets: i64,
    pub risks: i64,
    /// The level of its most severe risk (current rating, else inherent); none without a
    /// rated one.
    pub worst_level: Option<String>,
}

/// A process a risk threatens, as the risk shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedProcess {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub criticality: i64,
}

const COLUMNS: &str = "id, entity_id, name, kind, description, owner, confidentiality, \
    integrity, availability, patient_safety, product_quality, criticality, rto_hours, rpo_hours, \
    version, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct ProcessRow {
    id: String,
    entity_id: String,
    name: String,
    kind: String,
    description: String,
    owner: Option<String>,
    confidentiality: i64,
    integrity: i64,
    availability: i64,
    patient_safety: i64,
    product_quality: i64,
    criticality: i64,
    rto_hours: Option<i64>,
    rpo_hours: Option<i64>,
    version: i64,
    created_at: String,
    updated_at: String,
}

/// The processes a risk threatens, most critical first.
pub(super) async fn processes_of_risk(
    conn: &mut AnyConnection,
    risk_id: &str,
) -> Result<Vec<LinkedProcess>> {
    Ok(sqlx::query_as(
        "SELECT p.id, p.name, p.kind, p.criticality FROM risk_processes l \
         JOIN processes p ON p.id = l.process_id WHERE l.risk_id = $1 \
         ORDER BY p.criticality DESC, p.name",
    )
    .bind(risk_id)
    .fetch_all(&mut *conn)
    .await?)
}

fn flag(value: bool) -> i64 {
    i64::from(value)
}

/// The columns a process's input sets, in the order [`bind_fields`] binds them.
const FIELD_COLUMNS: [&str; 12] = [
    "name",
    "kind",
    "description",
    "owner",
    "confidentiality",
    "integrity",
    "availability",
    "patient_safety",
    "product_quality",
    "criticality",
    "rto_hours",
    "rpo_hours",
];

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// Binds the values of [`FIELD_COLUMNS`] from a checked process.
fn bind_fields<'q>(query: AnyQuery<'q>, p: &'q CheckedProcess) -> AnyQuery<'q> {
    query
        .bind(&p.name)
        .bind(p.kind.as_str())
        .bind(&p.description)
        .bind(&p.owner)
        .bind(i64::from(p.confidentiality))
        .bind(i64::from(p.integrity))
        .bind(i64::from(p.availability))
        .bind(flag(p.patient_safety))
        .bind(flag(p.product_quality))
        .bind(i64::from(p.criticality()))
        .bind(p.rto_hours.map(i64::from))
        .bind(p.rpo_hours.map(i64::from))
}

/// `$first, $first+1…` for the field columns.
fn placeholders(first: usize) -> Vec<String> {
    (first..first + FIELD_COLUMNS.len())
        .map(|n| format!("${n}"))
        .collect()
}

const NAME_TAKEN: &str = "the entity already has a process or information by this name";

impl Store {
    async fn process_in(
        &self,
        conn: &mut AnyConnection,
        scope: &EntityScope,
        id: &str,
    ) -> Result<Process> {
        let sql = format!("SELECT {COLUMNS} FROM processes WHERE id = $1");
        let row: ProcessRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .filter(|r: &ProcessRow| scope.contains(&r.entity_id))
            .ok_or_else(|| StoreError::not_found("process", id))?;
        let today = self.today().format("%Y-%m-%d").to_string();
        let assets = linked_assets_in(conn, AssetsOf::Process, id, &today).await?;
        let sites: Vec<ProcessSite> = sqlx::query_as(
            "SELECT s.id, s.name FROM process_sites l JOIN sites s ON s.id = l.site_id \
             WHERE l.process_id = $1 ORDER BY s.name",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let risks: Vec<ThreateningRisk> = sqlx::query_as(
            "SELECT r.id, r.reference, r.title, COALESCE(c.level, i.level) AS level, r.severity \
             FROM risk_processes l JOIN risks r ON r.id = l.risk_id \
             LEFT JOIN risk_ratings i ON i.risk_id = r.id AND i.stage = 'inherent' \
             LEFT JOIN risk_ratings c ON c.risk_id = r.id AND c.stage = 'current' \
             WHERE l.process_id = $1 ORDER BY r.severity DESC, r.reference",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let suppliers = suppliers_through(conn, ("supplier_processes", "process_id"), id).await?;
        Ok(Process {
            id: row.id,
            entity_id: row.entity_id,
            name: row.name,
            kind: row.kind,
            description: row.description,
            owner: row.owner,
            confidentiality: row.confidentiality,
            integrity: row.integrity,
            availability: row.availability,
            patient_safety: row.patient_safety != 0,
            product_quality: row.product_quality != 0,
            criticality: row.criticality,
            rto_hours: row.rto_hours,
            rpo_hours: row.rpo_hours,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            assets,
            sites,
            risks,
            suppliers,
        })
    }

    /// One process; outside `scope` it is not found.
    pub async fn process(&self, scope: &EntityScope, id: &str) -> Result<Process> {
        let mut conn = self.reader().acquire().await?;
        self.process_in(&mut conn, scope, id).await
    }

    /// The processes of `entity_id` (or of every entity in `scope`), most critical first,
    /// with how many assets support them and how many risks threaten them.
    pub async fn list_processes(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
    ) -> Result<Vec<ProcessSummary>> {
        self.list_processes_at(scope, entity_id, None).await
    }

    /// The processes of an entity to pick from (name, kind, criticality), without the figures
    /// [`Store::list_processes`] gathers: the forms that link a risk or a supplier to them.
    pub async fn process_choices(
        &self,
        scope: &EntityScope,
        entity_id: &str,
    ) -> Result<Vec<ProcessChoice>> {
        if !scope.contains(entity_id) {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, name, kind, criticality FROM processes WHERE entity_id = $1 \
             ORDER BY criticality DESC, name, id LIMIT {MAX_LISTED}"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(entity_id)
            .fetch_all(self.reader())
            .await?)
    }

    /// Like [`Store::list_processes`], only the processes run at `site_id` when given.
    pub async fn list_processes_at(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
        site_id: Option<&str>,
    ) -> Result<Vec<ProcessSummary>> {
        let mut f = Filter::new();
        f.eq_opt("p.entity_id", entity_id);
        if let Some(site_id) = site_id {
            f.with_values(
                "p.id IN (SELECT s.process_id FROM process_sites s WHERE s.site_id = {0})",
                &[site_id],
            );
        }
        f.scope("p.entity_id", scope);
        // The worst level: the process's risks gathered first (the offset fence keeps the
        // planner from walking every risk in severity order to find the process's first one).
        let fence = match self.backend() {
            crate::Backend::Postgres => "OFFSET 0",
            crate::Backend::Sqlite => "LIMIT -1 OFFSET 0",
        };
        let sql = format!(
            "SELECT p.id, p.entity_id, p.name, p.kind, p.owner, p.criticality, p.rto_hours, \
                p.rpo_hours, \
                (SELECT COUNT(*) FROM process_assets a WHERE a.process_id = p.id) AS assets, \
                (SELECT COUNT(*) FROM risk_processes l WHERE l.process_id = p.id) AS risks, \
                (SELECT w.level FROM (SELECT COALESCE(c.level, i.level) AS level, \
                    r.severity, r.id FROM risk_processes l \
                    JOIN risks r ON r.id = l.risk_id \
                    LEFT JOIN risk_ratings i ON i.risk_id = r.id AND i.stage = 'inherent' \
                    LEFT JOIN risk_ratings c ON c.risk_id = r.id AND c.stage = 'current' \
                    WHERE l.process_id = p.id AND r.severity >= 0 {fence}) w \
                    ORDER BY w.severity DESC, w.id LIMIT 1) AS worst_level \
             FROM processes p{} ORDER BY p.criticality DESC, p.name, p.id LIMIT {MAX_LISTED}",
            f.where_clause()
        );
        Ok(f.query(sql)
            .try_map(|row: sqlx::any::AnyRow| <ProcessSummary as sqlx::FromRow<_>>::from_row(&row))
            .fetch_all(self.reader())
            .await?)
    }

    /// Adds a process to an entity, its name unique within it; audited.
    pub async fn create_process(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        entity_id: &str,
        input: &ProcessInput,
    ) -> Result<Process> {
        if !scope.contains(entity_id) {
            return Err(StoreError::not_found("entity", entity_id));
        }
        let checked = input.check()?;
        let now = self.now();
        let id = new_id();
        let mut tx = self.begin().await?;
        let sql = format!(
            "INSERT INTO processes (id, entity_id, version, created_at, updated_at, {}) \
             VALUES ($1, $2, 1, $3, $3, {})",
            FIELD_COLUMNS.join(", "),
            placeholders(4).join(", ")
        );
        let insert = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&id)
            .bind(entity_id)
            .bind(&now);
        bind_fields(insert, &checked)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::on_unique("name", NAME_TAKEN))?;
        let process = self.process_in(&mut tx, scope, &id).await?;
        let change = Change {
            action: "process.create",
            object_type: "process",
            object_id: &id,
            entity_id: Some(entity_id),
            before: None,
            after: serde_json::to_value(&process).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(process)
    }

    /// Rewrites a process (refused when someone else changed it since `input.version`);
    /// audited with before and after.
    pub async fn update_process(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        input: &ProcessInput,
    ) -> Result<Process> {
        let checked: CheckedProcess = input.check()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = self.process_in(&mut tx, scope, id).await?;
        if let Some(expected) = input.version.filter(|v| *v != before.version) {
            return Err(StoreError::Conflict {
                field: "version",
                message: format!(
                    "the process was changed by someone else (version {} now, {expected} expected): reload it",
                    before.version
                ),
            });
        }
        let sets: Vec<String> = FIELD_COLUMNS
            .iter()
            .zip(placeholders(3))
            .map(|(column, p)| format!("{column} = {p}"))
            .collect();
        let sql = format!(
            "UPDATE processes SET version = version + 1, updated_at = $2, {} WHERE id = $1",
            sets.join(", ")
        );
        let update = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(&now);
        bind_fields(update, &checked)
            .execute(&mut *tx)
            .await
            .map_err(StoreError::on_unique("name", NAME_TAKEN))?;
        let after = self.process_in(&mut tx, scope, id).await?;
        let change = Change {
            action: "process.update",
            object_type: "process",
            object_id: id,
            entity_id: Some(&before.entity_id),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Replaces the assets and sites supporting a process, all or nothing (each must be of
    /// its entity, or is named by its position); audited `process.links.set`.
    pub async fn set_process_links(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        asset_ids: &[String],
        site_ids: &[String],
    ) -> Result<Process> {
        let today = self.today().format("%Y-%m-%d").to_string();
        let now = self.now();
        let mut tx = self.begin().await?;
        let process = self.process_in(&mut tx, scope, id).await?;
        let errors =
            not_of_entity(&mut tx, "sites", "site_ids", site_ids, &process.entity_id).await?;
        if !errors.is_empty() {
            return Err(ValidationErrors(errors).into());
        }
        let (before, after) = replace_linked_assets(
            &mut tx,
            AssetsOf::Process,
            id,
            &process.entity_id,
            asset_ids,
            &today,
        )
        .await?;
        replace_links(
            &mut tx,
            ("process_sites", "process_id", "site_id"),
            id,
            site_ids,
        )
        .await?;
        let updated = self.process_in(&mut tx, scope, id).await?;
        let site_names = |sites: &[ProcessSite]| -> serde_json::Value {
            sites.iter().map(|s| s.name.clone()).collect()
        };
        let change = Change {
            action: "process.links.set",
            object_type: "process",
            object_id: id,
            entity_id: Some(&process.entity_id),
            before: Some(serde_json::json!({
                "assets": asset_keys(&before), "sites": site_names(&process.sites)})),
            after: Some(serde_json::json!({
                "assets": asset_keys(&after), "sites": site_names(&updated.sites)})),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(updated)
    }

    /// Replaces the processes a risk threatens, all or nothing (each must be of the risk's
    /// entity, or is named by its position); audited `risk.processes.set`.
    pub async fn set_risk_processes(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        risk_id: &str,
        process_ids: &[String],
    ) -> Result<Vec<LinkedProcess>> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let entity_id = self.risk_entity_in(&mut tx, scope, risk_id).await?;
        let set = RiskLinkSet {
            link: ("risk_processes", "risk_id", "process_id"),
            targets: "processes",
            field: "process_ids",
            action: "risk.processes.set",
        };
        relink_risk(
            &mut tx,
            actor,
            &now,
            (risk_id, &entity_id),
            &set,
            process_ids,
        )
        .await?;
        let after = processes_of_risk(&mut tx, risk_id).await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// What an inventory asset supports: the processes relying on it and the risks going
/// through it (most severe first), for the asset's page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetStakes {
    pub processes: Vec<LinkedProcess>,
    pub risks: Vec<ThreateningRisk>,
    /// The suppliers that reach it (remote maintenance, support), most critical first.
    pub suppliers: Vec<DependedSupplier>,
}

impl Store {
    /// The processes and risks tied to an asset (the caller has already checked the asset's
    /// entity is in scope).
    pub async fn asset_stakes(&self, asset_id: &str) -> Result<AssetStakes> {
        let mut conn = self.reader().acquire().await?;
        let processes: Vec<LinkedProcess> = sqlx::query_as(
            "SELECT p.id, p.name, p.kind, p.criticality FROM process_assets l \
             JOIN processes p ON p.id = l.process_id WHERE l.asset_id = $1 \
             ORDER BY p.criticality DESC, p.name",
        )
        .bind(asset_id)
        .fetch_all(&mut *conn)
        .await?;
        let risks: Vec<ThreateningRisk> = sqlx::query_as(
            "SELECT r.id, r.reference, r.title, COALESCE(c.level, i.level) AS level, r.severity \
             FROM risk_assets l JOIN risks r ON r.id = l.risk_id \
             LEFT JOIN risk_ratings i ON i.risk_id = r.id AND i.stage = 'inherent' \
             LEFT JOIN risk_ratings c ON c.risk_id = r.id AND c.stage = 'current' \
             WHERE l.asset_id = $1 ORDER BY r.severity DESC, r.reference",
        )
        .bind(asset_id)
        .fetch_all(&mut *conn)
        .await?;
        let suppliers =
            suppliers_through(&mut conn, ("supplier_assets", "asset_id"), asset_id).await?;
        Ok(AssetStakes {
            processes,
            risks,
            suppliers,
        })
    }
}
