//! The query plans of the inventory's hot reads, built by the same code as the reads
//! themselves and explained by the engine in use: `hygeia db plans` prints them on the real
//! data (a documented check that an index serves every list, filter, search and deep page),
//! and a test asserts on both engines that none of them scans a whole table.

use hygeia_domain::access::EntityScope;
use serde::Serialize;
use sqlx::Row;

use super::{AssetFilter, FindingFilter, asset_list, events, finding_list, flow_list, map};
use crate::Store;
use crate::database::Backend;
use crate::error::Result;
use crate::keyset::{Keyset, encode};
use crate::paging::PageRequest;
use crate::sql::Filter;

/// How the engine runs one statement.
#[derive(Debug, Clone, Serialize)]
pub struct QueryPlan {
    /// What the statement reads, in words.
    pub label: String,
    pub statement: String,
    /// The engine's plan, one line per step.
    pub plan: Vec<String>,
}

/// A read of the inventory: its label, filter and order, and where the page starts.
struct Read {
    label: &'static str,
    list: (Filter, Keyset<'static>),
    page: PageRequest,
    after: Option<String>,
}

impl Store {
    /// The plans of the inventory's reads for entity `entity_id` (lists, filters, search,
    /// pages by cursor and by number, the busiest flows of an address and of a place, the
    /// change log, the findings). With `indexes_only`, PostgreSQL is asked to avoid
    /// sequential scans where an index can serve (on small tables it scans whatever the
    /// indexes): the plans then show whether an index *can* serve each read.
    pub async fn inventory_plans(
        &self,
        entity_id: &str,
        indexes_only: bool,
    ) -> Result<Vec<QueryPlan>> {
        // Values from the data at hand, so that the plans are those of real reads.
        let place: String = sqlx::query_scalar(
            "SELECT place FROM map_groups WHERE entity_id = $1 ORDER BY assets DESC, place LIMIT 1",
        )
        .bind(entity_id)
        .fetch_optional(self.reader())
        .await?
        .unwrap_or_else(|| "zone:none".to_owned());
        let endpoint: String =
            sqlx::query_scalar("SELECT src FROM asset_flows WHERE entity_id = $1 LIMIT 1")
                .bind(entity_id)
                .fetch_optional(self.reader())
                .await?
                .unwrap_or_else(|| "192.0.2.1".to_owned());
        let all = EntityScope::All;
        let first = PageRequest::new(Some(50), None);
        let assets = |filter: AssetFilter| asset_list(&all, &filter);
        let one = |f: AssetFilter| AssetFilter {
            entity_id: Some(entity_id.to_owned()),
            ..f
        };
        let reads = vec![
            Read {
                label: "assets, newest first",
                list: assets(AssetFilter::default()),
                page: first,
                after: None,
            },
            Read {
                label: "assets of one entity",
                list: assets(one(AssetFilter::default())),
                page: first,
                after: None,
            },
            Read {
                label: "assets after a cursor",
                list: assets(AssetFilter::default()),
                page: first,
                after: Some(encode("2026-02-15T00:00:00Z", "0")),
            },
            Read {
                label: "assets, numbered page 200",
                list: assets(AssetFilter::default()),
                page: PageRequest::new(Some(50), Some(10_000)),
                after: None,
            },
            Read {
                label: "assets with a role",
                list: assets(AssetFilter {
                    role: Some("plc".into()),
                    ..AssetFilter::default()
                }),
                page: first,
                after: None,
            },
            Read {
                label: "assets of one entity speaking a protocol",
                list: assets(one(AssetFilter {
                    protocol: Some("opcua".into()),
                    ..AssetFilter::default()
                })),
                page: first,
                after: None,
            },
            Read {
                label: "assets found by a word",
                list: assets(AssetFilter {
                    q: Some("historian-012".into()),
                    ..AssetFilter::default()
                }),
                page: first,
                after: None,
            },
            Read {
                label: "assets at one place of the map",
                list: assets(one(AssetFilter {
                    place: Some(place.clone()),
                    ..AssetFilter::default()
                })),
                page: PageRequest::new(Some(1_000), None),
                after: None,
            },
            Read {
                label: "flows, busiest first",
                list: flow_list(&all, None, None),
                page: first,
                after: None,
            },
            Read {
                label: "flows of one entity after a cursor",
                list: flow_list(&all, Some(entity_id), None),
                page: first,
                after: Some(encode("1000", "0")),
            },
            Read {
                label: "flows of one address",
                list: flow_list(&all, Some(entity_id), Some(&endpoint)),
                page: first,
                after: None,
            },
            Read {
                label: "flows at one place of the map",
                list: map::place_flow_list(&all, entity_id, &place),
                page: PageRequest::new(Some(120), None),
                after: None,
            },
            Read {
                label: "changes, newest first",
                list: events::event_list(&all, Some(entity_id), None),
                page: first,
                after: None,
            },
            Read {
                label: "open findings, newest first",
                list: finding_list(
                    &all,
                    &FindingFilter {
                        state: Some("open".into()),
                        ..FindingFilter::default()
                    },
                ),
                page: first,
                after: None,
            },
        ];
        let mut out = Vec::new();
        for read in reads {
            let (filter, keyset) = read.list;
            let counted = keyset.statements(filter.clone(), read.page, None)?;
            let rows = keyset.statements(filter, read.page, read.after.as_deref())?;
            for (label, statement, filter) in [
                (
                    format!("{} (count)", read.label),
                    counted.count,
                    counted.filter,
                ),
                (format!("{} (rows)", read.label), rows.rows, rows.filter),
            ] {
                let plan = self.explain(&statement, &filter, indexes_only).await?;
                out.push(QueryPlan {
                    label,
                    statement,
                    plan,
                });
            }
        }
        Ok(out)
    }

    /// The entity with the most assets (the one whose plans say most), if any.
    pub async fn largest_inventory(&self) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT entity_id FROM map_groups GROUP BY entity_id ORDER BY SUM(assets) DESC, entity_id LIMIT 1",
        )
        .fetch_optional(self.reader())
        .await?)
    }

    async fn explain(
        &self,
        statement: &str,
        filter: &Filter,
        indexes_only: bool,
    ) -> Result<Vec<String>> {
        let mut tx = self.reader().begin().await?;
        let rows = match self.backend() {
            Backend::Sqlite => filter
                .query(format!("EXPLAIN QUERY PLAN {statement}"))
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>("detail"))
                .collect::<std::result::Result<Vec<_>, _>>()?,
            Backend::Postgres => {
                if indexes_only {
                    sqlx::query("SET LOCAL enable_seqscan = off")
                        .execute(&mut *tx)
                        .await?;
                }
                filter
                    .query(format!("EXPLAIN {statement}"))
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<String, _>(0))
                    .collect::<std::result::Result<Vec<_>, _>>()?
            }
        };
        tx.rollback().await?;
        Ok(rows)
    }
}
