//! What an asset is found by: its roles, protocols and the words of its names, addresses, vendor,
//! model, firmware and serial, kept in `asset_terms` (one row per term) so that filters and text
//! search read an index instead of every asset, with the same answers on both engines.
//!
//! A search is split on white space; each part must start some value of the asset or some word
//! of a value (words split on anything but letters and digits): `historian-012`, `10.0.1`,
//! `siemens 1500` and `012` all find `historian-012`, a Siemens S7-1500 at 10.0.1.5.

use std::collections::BTreeSet;

use sqlx::AnyConnection;

use crate::error::Result;
use crate::sql::Filter;

/// Terms of roles, protocols and text.
const ROLE: &str = "r:";
const PROTOCOL: &str = "p:";
const TEXT: &str = "t:";
/// Above every character a term can hold: the end of a prefix range.
const AFTER_ALL: char = '\u{10FFFF}';

/// The fields of an asset that terms are drawn from.
pub(super) struct Searchable<'a> {
    pub key: &'a str,
    pub mac: Option<&'a str>,
    pub ips: &'a [String],
    pub names: &'a [String],
    pub vendor: Option<&'a str>,
    pub model: Option<&'a str>,
    pub firmware: Option<&'a str>,
    pub serial: Option<&'a str>,
    pub roles: &'a [String],
    pub protocols: &'a [String],
}

/// Every term of an asset.
pub(super) fn terms(asset: &Searchable<'_>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let values = [asset.key]
        .into_iter()
        .chain(asset.mac)
        .chain(asset.ips.iter().map(String::as_str))
        .chain(asset.names.iter().map(String::as_str))
        .chain(asset.vendor)
        .chain(asset.model)
        .chain(asset.firmware)
        .chain(asset.serial);
    for value in values {
        let value = value.trim().to_lowercase();
        if value.is_empty() {
            continue;
        }
        for word in value.split(|c: char| !c.is_alphanumeric()) {
            if !word.is_empty() {
                out.insert(format!("{TEXT}{word}"));
            }
        }
        out.insert(format!("{TEXT}{value}"));
    }
    out.extend(asset.roles.iter().map(|r| format!("{ROLE}{r}")));
    out.extend(asset.protocols.iter().map(|p| format!("{PROTOCOL}{p}")));
    out
}

/// Replaces the terms of asset `id` of entity `entity_id`.
pub(super) async fn index(
    conn: &mut AnyConnection,
    entity_id: &str,
    id: &str,
    asset: &Searchable<'_>,
) -> Result<()> {
    sqlx::query("DELETE FROM asset_terms WHERE asset_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let terms: Vec<String> = terms(asset).into_iter().collect();
    // A few statements of up to 100 rows each rather than one per term.
    for chunk in terms.chunks(100) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| format!("($1, $2, ${})", i + 3))
            .collect();
        let sql = format!(
            "INSERT INTO asset_terms (asset_id, entity_id, term) VALUES {} ON CONFLICT DO NOTHING",
            rows.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id.to_owned())
            .bind(entity_id.to_owned());
        for term in chunk {
            query = query.bind(term.clone());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Adds `delta` assets to the count of entity `entity_id` speaking `protocols` (the stored
/// JSON text), which the dashboard reads instead of counting the inventory.
pub(super) async fn count_protocols(
    conn: &mut AnyConnection,
    entity_id: &str,
    protocols: &str,
    delta: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO asset_protocol_counts (entity_id, protocols, assets) VALUES ($1, $2, $3) \
         ON CONFLICT (entity_id, protocols) DO UPDATE SET assets = asset_protocol_counts.assets + excluded.assets",
    )
    .bind(entity_id)
    .bind(protocols)
    .bind(delta)
    .execute(&mut *conn)
    .await?;
    if delta < 0 {
        sqlx::query(
            "DELETE FROM asset_protocol_counts WHERE entity_id = $1 AND protocols = $2 AND assets <= 0",
        )
        .bind(entity_id)
        .bind(protocols)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Only assets with this role (of one entity when given: its terms alone are read).
pub(super) fn with_role(filter: &mut Filter, entity_id: Option<&str>, role: &str) {
    exact(filter, entity_id, &format!("{ROLE}{}", role.trim()));
}

/// Only assets speaking this protocol (of one entity when given).
pub(super) fn with_protocol(filter: &mut Filter, entity_id: Option<&str>, protocol: &str) {
    exact(filter, entity_id, &format!("{PROTOCOL}{}", protocol.trim()));
}

fn exact(filter: &mut Filter, entity_id: Option<&str>, term: &str) {
    match entity_id {
        Some(entity_id) => filter.with_values(
            "id IN (SELECT asset_id FROM asset_terms WHERE entity_id = {0} AND term = {1})",
            &[entity_id, term],
        ),
        None => filter.with_values(
            "id IN (SELECT asset_id FROM asset_terms WHERE term = {0})",
            &[term],
        ),
    }
}

/// Only assets matching every white-space separated part of `q` (see the module), of one
/// entity when given.
pub(super) fn matching(filter: &mut Filter, entity_id: Option<&str>, q: &str) {
    for part in q.split_whitespace() {
        let part = part.to_lowercase();
        let low = format!("{TEXT}{part}");
        let high = format!("{low}{AFTER_ALL}");
        match entity_id {
            Some(entity_id) => filter.with_values(
                "id IN (SELECT asset_id FROM asset_terms \
                 WHERE entity_id = {0} AND term >= {1} AND term < {2})",
                &[entity_id, &low, &high],
            ),
            None => filter.with_values(
                "id IN (SELECT asset_id FROM asset_terms WHERE term >= {0} AND term < {1})",
                &[&low, &high],
            ),
        }
    }
}

/// The roles and protocols found in an inventory: the filter choices of the assets page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetFacets {
    pub roles: Vec<String>,
    pub protocols: Vec<String>,
}

/// The distinct terms of one kind (`r:`, `p:`), optionally of one entity: a loose index scan,
/// one step per distinct value, whatever the size of the inventory.
async fn distinct_terms(
    pool: &sqlx::AnyPool,
    kind: &str,
    entity_id: Option<&str>,
) -> Result<Vec<String>> {
    let end = format!("{kind}{AFTER_ALL}");
    let entity = if entity_id.is_some() {
        " AND entity_id = $3"
    } else {
        ""
    };
    let sql = format!(
        "WITH RECURSIVE found(term) AS ( \
           SELECT MIN(term) FROM asset_terms WHERE term >= $1 AND term < $2{entity} \
           UNION ALL \
           SELECT (SELECT MIN(term) FROM asset_terms WHERE term > found.term AND term < $2{entity}) \
           FROM found WHERE found.term IS NOT NULL \
         ) SELECT term FROM found WHERE term IS NOT NULL"
    );
    let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql))
        .bind(kind.to_owned())
        .bind(end);
    if let Some(entity_id) = entity_id {
        query = query.bind(entity_id.to_owned());
    }
    let terms = query.fetch_all(pool).await?;
    Ok(terms
        .into_iter()
        .filter_map(|t| t.strip_prefix(kind).map(str::to_owned))
        .collect())
}

impl crate::Store {
    /// The roles and protocols of the assets `scope` may see (of one entity when given).
    pub async fn asset_facets(
        &self,
        scope: &hygeia_domain::access::EntityScope,
        entity_id: Option<&str>,
    ) -> Result<AssetFacets> {
        use hygeia_domain::access::EntityScope;
        let entities: Vec<Option<&str>> = match (entity_id, scope) {
            (Some(id), scope) if scope.contains(id) => vec![Some(id)],
            (Some(_), _) => Vec::new(),
            (None, EntityScope::All) => vec![None],
            (None, EntityScope::Only(ids)) => ids.iter().map(|id| Some(id.as_str())).collect(),
        };
        let mut roles = BTreeSet::new();
        let mut protocols = BTreeSet::new();
        for entity in entities {
            roles.extend(distinct_terms(self.reader(), ROLE, entity).await?);
            protocols.extend(distinct_terms(self.reader(), PROTOCOL, entity).await?);
        }
        Ok(AssetFacets {
            roles: roles.into_iter().collect(),
            protocols: protocols.into_iter().collect(),
        })
    }

    /// Indexes the assets that have no terms yet (stored before the terms existed), a batch
    /// per transaction; returns how many. Run when the hub starts: on an indexed inventory it
    /// is one index lookup.
    pub async fn index_unindexed_assets(&self) -> Result<u64> {
        let mut done = 0;
        loop {
            let sql = format!(
                "SELECT {} FROM assets WHERE NOT EXISTS \
                 (SELECT 1 FROM asset_terms t WHERE t.asset_id = assets.id) LIMIT 500",
                super::ASSET_COLUMNS
            );
            let batch: Vec<super::AssetRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_all(self.reader())
                .await?;
            if batch.is_empty() {
                return Ok(done);
            }
            let mut tx = self.begin().await?;
            for row in batch {
                let a = super::StoredAsset::from(row);
                let searchable = Searchable {
                    key: &a.asset_key,
                    mac: a.mac.as_deref(),
                    ips: &a.ips,
                    names: &a.names,
                    vendor: a.vendor.as_deref(),
                    model: a.model.as_deref(),
                    firmware: a.firmware.as_deref(),
                    serial: a.serial.as_deref(),
                    roles: &a.roles,
                    protocols: &a.protocols,
                };
                index(&mut tx, &a.entity_id, &a.id, &searchable).await?;
                done += 1;
            }
            tx.commit().await?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_asset_is_found_by_whole_values_words_roles_and_protocols() {
        let ips = vec!["10.0.1.5".to_owned()];
        let names = vec!["Historian-012".to_owned()];
        let roles = vec!["historian".to_owned()];
        let protocols = vec!["opcua".to_owned()];
        let found = terms(&Searchable {
            key: "ip:10.0.1.5",
            mac: None,
            ips: &ips,
            names: &names,
            vendor: Some("Siemens"),
            model: Some("S7-1500"),
            firmware: Some("V2.9.4"),
            serial: None,
            roles: &roles,
            protocols: &protocols,
        });
        for term in [
            "t:historian-012",
            "t:historian",
            "t:012",
            "t:10.0.1.5",
            "t:siemens",
            "t:s7-1500",
            "t:1500",
            "t:v2.9.4",
            "r:historian",
            "p:opcua",
        ] {
            assert!(found.contains(term), "{term} in {found:?}");
        }
        assert!(!found.contains("t:"), "no empty word");
    }
}
