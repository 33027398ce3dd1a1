//! Supporting assets of a risk: inventory assets its scenario goes through, with the
//! vulnerabilities still to handle on them (the advisory matches it may exploit).

use hygeia_domain::access::EntityScope;
use hygeia_domain::validation::{FieldError, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::audit::{Change, append};
use crate::error::Result;
use crate::sql::Filter;
use crate::vulnerabilities::open_only;
use crate::{Actor, Store};

/// The zones of the entity's policy the assets sit in, by name, each once.
pub fn zones_of(assets: &[LinkedAsset]) -> Vec<String> {
    let mut zones: Vec<String> = assets
        .iter()
        .filter_map(|a| a.place.as_deref()?.strip_prefix("zone:").map(str::to_owned))
        .collect();
    zones.sort();
    zones.dedup();
    zones
}

/// Most supporting assets one risk may name.
pub const MAX_SUPPORTING_ASSETS: usize = 200;

/// An inventory asset a risk goes through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedAsset {
    pub id: String,
    pub asset_key: String,
    /// Its first known name.
    pub name: Option<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    /// Where discovery placed it: `zone:NAME` (a zone of the entity's policy) or `net:CIDR`.
    pub place: Option<String>,
    /// Advisory matches on it still to handle.
    pub open_vulnerabilities: i64,
    /// Of those, the ones with a CVE on CISA's KEV list.
    pub kev_vulnerabilities: i64,
}

#[derive(sqlx::FromRow)]
struct AssetRow {
    id: String,
    asset_key: String,
    names: String,
    vendor: Option<String>,
    model: Option<String>,
    place: Option<String>,
}

/// What assets are linked to: a risk, a process or a supplier, by their link table.
#[derive(Debug, Clone, Copy)]
pub(crate) enum AssetsOf {
    Risk,
    Process,
    Supplier,
}

impl AssetsOf {
    /// The link table and its column naming the owner.
    fn table(self) -> (&'static str, &'static str) {
        match self {
            AssetsOf::Risk => ("risk_assets", "risk_id"),
            AssetsOf::Process => ("process_assets", "process_id"),
            AssetsOf::Supplier => ("supplier_assets", "supplier_id"),
        }
    }

    fn open_matches(self) -> &'static str {
        match self {
            AssetsOf::Risk => {
                "m.asset_id IN (SELECT asset_id FROM risk_assets WHERE risk_id = {0})"
            }
            AssetsOf::Process => {
                "m.asset_id IN (SELECT asset_id FROM process_assets WHERE process_id = {0})"
            }
            AssetsOf::Supplier => {
                "m.asset_id IN (SELECT asset_id FROM supplier_assets WHERE supplier_id = {0})"
            }
        }
    }
}

/// The assets linked to a risk or a process, with their open vulnerabilities on `today`.
pub(crate) async fn linked_assets_in(
    conn: &mut AnyConnection,
    of: AssetsOf,
    owner_id: &str,
    today: &str,
) -> Result<Vec<LinkedAsset>> {
    let (table, column) = of.table();
    let sql = format!(
        "SELECT a.id, a.asset_key, a.names, a.vendor, a.model, a.place FROM {table} l \
         JOIN assets a ON a.id = l.asset_id WHERE l.{column} = $1 ORDER BY a.asset_key, a.id"
    );
    let rows: Vec<AssetRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(owner_id)
        .fetch_all(&mut *conn)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut f = Filter::new();
    f.with_values(of.open_matches(), &[owner_id]);
    open_only(&mut f, today);
    let sql = format!(
        "SELECT m.asset_id, COUNT(*) AS open, SUM(m.kev) AS kev \
         FROM vulnerability_matches m{} GROUP BY m.asset_id",
        f.where_clause()
    );
    let counts: Vec<(String, i64, i64)> = f
        .query(sql)
        .try_map(|row: sqlx::any::AnyRow| {
            use sqlx::Row;
            Ok((
                row.try_get("asset_id")?,
                row.try_get("open")?,
                row.try_get::<Option<i64>, _>("kev")?.unwrap_or(0),
            ))
        })
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let (open, kev) = counts
                .iter()
                .find(|(id, _, _)| *id == row.id)
                .map_or((0, 0), |(_, open, kev)| (*open, *kev));
            LinkedAsset {
                name: serde_json::from_str::<Vec<String>>(&row.names)
                    .ok()
                    .and_then(|names| names.into_iter().next()),
                id: row.id,
                asset_key: row.asset_key,
                vendor: row.vendor,
                model: row.model,
                place: row.place,
                open_vulnerabilities: open,
                kev_vulnerabilities: kev,
            }
        })
        .collect())
}

/// The rows of `table` a set of links names that are not of `entity_id` (or do not exist),
/// each named by its position in `field` (`asset_ids[1]`).
pub(crate) async fn not_of_entity(
    conn: &mut AnyConnection,
    table: &'static str,
    field: &str,
    ids: &[String],
    entity_id: &str,
) -> Result<Vec<FieldError>> {
    let sql = format!("SELECT entity_id FROM {table} WHERE id = $1");
    let mut errors = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let of_entity: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id.trim())
            .fetch_optional(&mut *conn)
            .await?;
        if of_entity.as_deref() != Some(entity_id) {
            errors.push(FieldError::not_found(&format!("{field}[{i}]"), id));
        }
    }
    Ok(errors)
}

/// A link table: its name, the column naming the owner and the column naming what is linked.
pub(crate) type LinkTable = (&'static str, &'static str, &'static str);

/// Replaces the rows of `link` for `owner_id` with one per distinct id of `ids`.
pub(crate) async fn replace_links(
    conn: &mut AnyConnection,
    (table, owner, target): LinkTable,
    owner_id: &str,
    ids: &[String],
) -> Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE {owner} = $1"
    )))
    .bind(owner_id)
    .execute(&mut *conn)
    .await?;
    let mut wanted: Vec<&str> = ids.iter().map(|id| id.trim()).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let insert = format!("INSERT INTO {table} ({owner}, {target}) VALUES ($1, $2)");
    for id in wanted {
        sqlx::query(sqlx::AssertSqlSafe(insert.clone()))
            .bind(owner_id)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Replaces the assets linked to a risk or a process of `entity_id` within `conn`'s
/// transaction, all or nothing: an asset of another entity (or unknown) is named by its
/// position. Returns the links before and after.
pub(crate) async fn replace_linked_assets(
    conn: &mut AnyConnection,
    of: AssetsOf,
    owner_id: &str,
    entity_id: &str,
    asset_ids: &[String],
    today: &str,
) -> Result<(Vec<LinkedAsset>, Vec<LinkedAsset>)> {
    if asset_ids.len() > MAX_SUPPORTING_ASSETS {
        return Err(ValidationErrors(vec![FieldError::out_of_range(
            "asset_ids",
            0,
            MAX_SUPPORTING_ASSETS,
        )])
        .into());
    }
    let errors = not_of_entity(conn, "assets", "asset_ids", asset_ids, entity_id).await?;
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    let before = linked_assets_in(conn, of, owner_id, today).await?;
    let (table, column) = of.table();
    replace_links(conn, (table, column, "asset_id"), owner_id, asset_ids).await?;
    let after = linked_assets_in(conn, of, owner_id, today).await?;
    Ok((before, after))
}

/// Asset keys, as the audit trail records a set of links.
pub(crate) fn asset_keys(assets: &[LinkedAsset]) -> serde_json::Value {
    assets.iter().map(|a| a.asset_key.clone()).collect()
}

impl Store {
    /// Replaces the supporting assets of a risk, all or nothing: every asset must belong to
    /// the risk's entity (those that do not are named by their position). Audited
    /// `risk.assets.set` with the lists before and after.
    pub async fn set_risk_assets(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        risk_id: &str,
        asset_ids: &[String],
    ) -> Result<Vec<LinkedAsset>> {
        let today = self.today().format("%Y-%m-%d").to_string();
        let now = self.now();
        let mut tx = self.begin().await?;
        let entity_id = self.risk_entity_in(&mut tx, scope, risk_id).await?;
        let (before, after) = replace_linked_assets(
            &mut tx,
            AssetsOf::Risk,
            risk_id,
            &entity_id,
            asset_ids,
            &today,
        )
        .await?;
        let change = Change {
            action: "risk.assets.set",
            object_type: "risk",
            object_id: risk_id,
            entity_id: Some(&entity_id),
            before: Some(asset_keys(&before)),
            after: Some(asset_keys(&after)),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// A set of records of the risk's entity a risk links to (controls, processes): the link
/// table, the table the ids name, the input field, and the audit action.
pub(super) struct RiskLinkSet {
    pub link: LinkTable,
    pub targets: &'static str,
    pub field: &'static str,
    pub action: &'static str,
}

/// The names of what a risk links to through `set`, for the audit trail.
async fn linked_names(
    conn: &mut AnyConnection,
    set: &RiskLinkSet,
    risk_id: &str,
) -> Result<serde_json::Value> {
    let (table, owner, target) = set.link;
    let targets = set.targets;
    let names: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT t.name FROM {table} l JOIN {targets} t ON t.id = l.{target} \
         WHERE l.{owner} = $1 ORDER BY t.name"
    )))
    .bind(risk_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(names.into())
}

/// Replaces, within `tx`, what a risk of `entity_id` links to through `set`:
/// all or nothing (an id of another entity is named by its position), audited with the
/// names before and after.
pub(super) async fn relink_risk(
    tx: &mut crate::database::WriteTx,
    actor: &Actor,
    now: &str,
    (risk_id, entity_id): (&str, &str),
    set: &RiskLinkSet,
    ids: &[String],
) -> Result<()> {
    let errors = not_of_entity(tx, set.targets, set.field, ids, entity_id).await?;
    if !errors.is_empty() {
        return Err(ValidationErrors(errors).into());
    }
    let before = linked_names(tx, set, risk_id).await?;
    replace_links(tx, set.link, risk_id, ids).await?;
    let after = linked_names(tx, set, risk_id).await?;
    let change = Change {
        action: set.action,
        object_type: "risk",
        object_id: risk_id,
        entity_id: Some(entity_id),
        before: Some(before),
        after: Some(after),
    };
    append(tx, actor, now, change).await?;
    Ok(())
}
