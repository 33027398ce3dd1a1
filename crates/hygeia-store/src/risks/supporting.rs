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
}

/// The supporting assets of a risk with their open vulnerabilities on `today`.
pub(super) async fn linked_assets_in(
    conn: &mut AnyConnection,
    risk_id: &str,
    today: &str,
) -> Result<Vec<LinkedAsset>> {
    let rows: Vec<AssetRow> = sqlx::query_as(
        "SELECT a.id, a.asset_key, a.names, a.vendor, a.model FROM risk_assets l \
         JOIN assets a ON a.id = l.asset_id WHERE l.risk_id = $1 ORDER BY a.asset_key, a.id",
    )
    .bind(risk_id)
    .fetch_all(&mut *conn)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut f = Filter::new();
    f.with_values(
        "m.asset_id IN (SELECT asset_id FROM risk_assets WHERE risk_id = {0})",
        &[risk_id],
    );
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
                open_vulnerabilities: open,
                kev_vulnerabilities: kev,
            }
        })
        .collect())
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
        let mut wanted: Vec<&str> = asset_ids.iter().map(|a| a.trim()).collect();
        if wanted.len() > MAX_SUPPORTING_ASSETS {
            return Err(ValidationErrors(vec![FieldError::out_of_range(
                "asset_ids",
                0,
                MAX_SUPPORTING_ASSETS,
            )])
            .into());
        }
        let today = self.today().format("%Y-%m-%d").to_string();
        let now = self.now();
        let mut tx = self.begin().await?;
        let entity_id = self.risk_entity_in(&mut tx, scope, risk_id).await?;
        let mut errors = Vec::new();
        for (i, asset_id) in wanted.iter().enumerate() {
            let of_entity: Option<String> =
                sqlx::query_scalar("SELECT entity_id FROM assets WHERE id = $1")
                    .bind(*asset_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if of_entity.as_deref() != Some(entity_id.as_str()) {
                errors.push(FieldError::not_found(&format!("asset_ids[{i}]"), asset_id));
            }
        }
        if !errors.is_empty() {
            return Err(ValidationErrors(errors).into());
        }
        wanted.sort_unstable();
        wanted.dedup();
        let before = linked_assets_in(&mut tx, risk_id, &today).await?;
        sqlx::query("DELETE FROM risk_assets WHERE risk_id = $1")
            .bind(risk_id)
            .execute(&mut *tx)
            .await?;
        for asset_id in &wanted {
            sqlx::query("INSERT INTO risk_assets (risk_id, asset_id) VALUES ($1, $2)")
                .bind(risk_id)
                .bind(*asset_id)
                .execute(&mut *tx)
                .await?;
        }
        let after = linked_assets_in(&mut tx, risk_id, &today).await?;
        let keys = |assets: &[LinkedAsset]| -> serde_json::Value {
            assets.iter().map(|a| a.asset_key.clone()).collect()
        };
        let change = Change {
            action: "risk.assets.set",
            object_type: "risk",
            object_id: risk_id,
            entity_id: Some(&entity_id),
            before: Some(keys(&before)),
            after: Some(keys(&after)),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}
