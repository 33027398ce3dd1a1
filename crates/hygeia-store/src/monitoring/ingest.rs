//! Merging one sensor batch into an entity's inventory, all-or-nothing: assets (with their
//! search terms, protocol counts and places on the map), flows (with their places and the
//! links between places), zone findings, the events they raise, and the batch's summary in the
//! audit trail — one transaction, the entity's row locked so that a zone policy saved at the
//! same time waits (ADR 10).

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

use super::events::EventSink;
use super::{
    ASSET_COLUMNS, AssetRow, EventDetail, FLOW_COLUMNS, FindingZones, FlowRow, IngestSummary,
    ObservedAsset, ObservedReport, StoredAsset, StoredFlow, map, terms, text,
};

fn union(existing: &[String], new: &[String]) -> Vec<String> {
    let mut out = existing.to_vec();
    for item in new {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

fn earlier(a: &str, b: &str) -> String {
    if b < a { b.to_owned() } else { a.to_owned() }
}

fn later(a: &str, b: &str) -> String {
    if b > a { b.to_owned() } else { a.to_owned() }
}

/// Checks that the entity exists and, on PostgreSQL, locks its row until the transaction
/// ends: a sensor batch and a new zone policy of one entity then run one after the other, so
/// the map's places and counts never mix two policies (SQLite has a single writer anyway).
pub(crate) async fn lock_entity(
    conn: &mut sqlx::AnyConnection,
    backend: crate::Backend,
    entity_id: &str,
) -> Result<()> {
    // NO KEY UPDATE: batches and policy saves of one entity still wait for each other, but
    // the foreign-key checks of other writers (a matching run inserting matches and events)
    // do not wait for the batch, so the two cannot deadlock.
    let sql = match backend {
        crate::Backend::Postgres => "SELECT id FROM entities WHERE id = $1 FOR NO KEY UPDATE",
        crate::Backend::Sqlite => "SELECT id FROM entities WHERE id = $1",
    };
    let exists: Option<String> = sqlx::query_scalar(sql)
        .bind(entity_id)
        .fetch_optional(&mut *conn)
        .await?;
    match exists {
        Some(_) => Ok(()),
        None => Err(StoreError::not_found("entity", entity_id)),
    }
}

fn describe_asset(asset: &ObservedAsset) -> String {
    let mut parts = vec![asset.id.clone()];
    if let Some(name) = asset.names.first() {
        parts.push(name.clone());
    }
    if let Some(model) = &asset.model {
        parts.push(model.clone());
    }
    if !asset.roles.is_empty() {
        parts.push(format!("({})", asset.roles.join(", ")));
    }
    parts.join(" ")
}

impl Store {
    /// Merges one sensor batch for an entity, all-or-nothing.
    pub async fn ingest_observations(
        &self,
        actor: &Actor,
        entity_id: &str,
        sensor: &str,
        report: &ObservedReport,
    ) -> Result<IngestSummary> {
        let mut v = hygeia_domain::validation::Validator::new();
        v.text("sensor", sensor, 100);
        for (i, asset) in report.assets.iter().enumerate() {
            if asset.id.trim().is_empty() {
                v.empty(&format!("assets[{i}].id"));
            }
        }
        v.finish()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        lock_entity(&mut tx, self.backend(), entity_id).await?;
        let mut summary = IngestSummary::default();
        let mut events = EventSink {
            entity_id,
            sensor,
            at: &now,
            count: 0,
        };
        let sensors = vec![sensor.to_owned()];
        let placer = map::Placer::of_entity(&mut tx, entity_id).await?;
        let mut places = map::MapDelta::default();
        let mut macs = map::MacPlaces::default();
        for asset in &report.assets {
            let sql = format!(
                "SELECT {ASSET_COLUMNS} FROM assets WHERE entity_id = $1 AND asset_key = $2"
            );
            let found: Option<AssetRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(entity_id)
                .bind(&asset.id)
                .fetch_optional(&mut *tx)
                .await?;
            match found.map(StoredAsset::from) {
                None => {
                    let id = new_id();
                    let place = placer.asset(&asset.ips);
                    places.asset(&place, &asset.roles, 1);
                    if let Some(mac) = &asset.mac {
                        macs.learn(mac, &place);
                    }
                    sqlx::query(
                        "INSERT INTO assets (id, entity_id, asset_key, mac, ips, names, vendor, model, firmware, \
                         serial, roles, protocols, sensors, packets, first_seen, last_seen, updated_at, place, \
                         place_band, product_name) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
                         $13, $14, $15, $16, $17, $18, $19, $20)",
                    )
                    .bind(&id)
                    .bind(entity_id)
                    .bind(&asset.id)
                    .bind(&asset.mac)
                    .bind(text(&asset.ips))
                    .bind(text(&asset.names))
                    .bind(&asset.vendor)
                    .bind(&asset.model)
                    .bind(&asset.firmware)
                    .bind(&asset.serial)
                    .bind(text(&asset.roles))
                    .bind(text(&asset.protocols))
                    .bind(text(&sensors))
                    .bind(asset.packets_sent)
                    .bind(&asset.first_seen)
                    .bind(&asset.last_seen)
                    .bind(&now)
                    .bind(&place.key)
                    .bind(place.band)
                    .bind(asset.product_name())
                    .execute(&mut *tx)
                    .await?;
                    let searchable = terms::Searchable {
                        key: &asset.id,
                        mac: asset.mac.as_deref(),
                        ips: &asset.ips,
                        names: &asset.names,
                        vendor: asset.vendor.as_deref(),
                        model: asset.model.as_deref(),
                        firmware: asset.firmware.as_deref(),
                        serial: asset.serial.as_deref(),
                        roles: &asset.roles,
                        protocols: &asset.protocols,
                    };
                    terms::index(&mut tx, entity_id, &id, &searchable).await?;
                    terms::count_protocols(&mut tx, entity_id, &text(&asset.protocols), 1).await?;
                    summary.assets_new += 1;
                    events
                        .raise(
                            &mut tx,
                            &asset.id,
                            EventDetail::NewAsset {
                                asset: describe_asset(asset),
                                roles: asset.roles.clone(),
                            },
                        )
                        .await?;
                }
                Some(old) => {
                    let firmware = match (&old.firmware, &asset.firmware) {
                        (Some(before), Some(after)) if before != after => {
                            events
                                .raise(
                                    &mut tx,
                                    &asset.id,
                                    EventDetail::FirmwareChanged {
                                        asset: asset.id.clone(),
                                        before: before.clone(),
                                        after: after.clone(),
                                    },
                                )
                                .await?;
                            Some(after.clone())
                        }
                        (before, after) => after.clone().or_else(|| before.clone()),
                    };
                    let mac = asset.mac.clone().or(old.mac.clone());
                    let ips = union(&old.ips, &asset.ips);
                    let names = union(&old.names, &asset.names);
                    let vendor = old.vendor.clone().or(asset.vendor.clone());
                    let model = old.model.clone().or(asset.model.clone());
                    let product_name = old.product_name.clone().or(asset.product_name());
                    let serial = old.serial.clone().or(asset.serial.clone());
                    let roles = union(&old.roles, &asset.roles);
                    let protocols = union(&old.protocols, &asset.protocols);
                    let searchable = terms::Searchable {
                        key: &old.asset_key,
                        mac: mac.as_deref(),
                        ips: &ips,
                        names: &names,
                        vendor: vendor.as_deref(),
                        model: model.as_deref(),
                        firmware: firmware.as_deref(),
                        serial: serial.as_deref(),
                        roles: &roles,
                        protocols: &protocols,
                    };
                    // Terms change only when what they are drawn from does.
                    let changed = mac != old.mac
                        || ips != old.ips
                        || names != old.names
                        || vendor != old.vendor
                        || model != old.model
                        || firmware != old.firmware
                        || serial != old.serial
                        || roles != old.roles
                        || protocols != old.protocols;
                    // What advisories are matched on, and the role their priority depends on:
                    // the asset is matched again (ADR 11).
                    let identity_changed = vendor != old.vendor
                        || model != old.model
                        || product_name != old.product_name
                        || firmware != old.firmware
                        || roles != old.roles;
                    if changed {
                        terms::index(&mut tx, entity_id, &old.id, &searchable).await?;
                    }
                    if protocols != old.protocols {
                        terms::count_protocols(&mut tx, entity_id, &text(&old.protocols), -1)
                            .await?;
                        terms::count_protocols(&mut tx, entity_id, &text(&protocols), 1).await?;
                    }
                    let place = match &old.place {
                        Some(kept) if placer.is_broken() => placer.band_of(kept),
                        _ => placer.asset(&ips),
                    };
                    if old.place.as_deref() != Some(place.key.as_str()) || roles != old.roles {
                        if let Some(key) = &old.place {
                            let before = placer.band_of(key);
                            places.asset(&before, &old.roles, -1);
                        }
                        places.asset(&place, &roles, 1);
                    }
                    if let Some(mac) = &mac {
                        macs.learn(mac, &place);
                    }
                    sqlx::query(
                        "UPDATE assets SET mac = $2, ips = $3, names = $4, vendor = $5, model = $6, firmware = $7, \
                         serial = $8, roles = $9, protocols = $10, sensors = $11, packets = $12, first_seen = $13, \
                         last_seen = $14, updated_at = $15, place = $16, place_band = $17, \
                         vuln_generation = CASE WHEN $18 = 1 THEN 0 ELSE vuln_generation END, \
                         product_name = $19 WHERE id = $1",
                    )
                    .bind(&old.id)
                    .bind(&mac)
                    .bind(text(&ips))
                    .bind(text(&names))
                    .bind(&vendor)
                    .bind(&model)
                    .bind(&firmware)
                    .bind(&serial)
                    .bind(text(&roles))
                    .bind(text(&protocols))
                    .bind(text(&union(&old.sensors, &sensors)))
                    .bind(old.packets.saturating_add(asset.packets_sent))
                    .bind(earlier(&old.first_seen, &asset.first_seen))
                    .bind(later(&old.last_seen, &asset.last_seen))
                    .bind(&now)
                    .bind(&place.key)
                    .bind(place.band)
                    .bind(i64::from(identity_changed))
                    .bind(&product_name)
                    .execute(&mut *tx)
                    .await?;
                    summary.assets_updated += 1;
                }
            }
        }
        for flow in &report.flows {
            let key = format!("{}|{}|{}", flow.src, flow.dst, flow.protocol);
            let sql = format!(
                "SELECT {FLOW_COLUMNS} FROM asset_flows WHERE entity_id = $1 AND flow_key = $2"
            );
            let found: Option<FlowRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(entity_id)
                .bind(&key)
                .fetch_optional(&mut *tx)
                .await?;
            match found.map(StoredFlow::from) {
                None => {
                    let by_mac = macs.of(&mut tx, entity_id, &flow.src).await?;
                    let from = placer.endpoint(&flow.src, by_mac.as_ref());
                    let by_mac = macs.of(&mut tx, entity_id, &flow.dst).await?;
                    let to = placer.endpoint(&flow.dst, by_mac.as_ref());
                    let amounts = map::FlowAmounts {
                        protocol: &flow.protocol,
                        flows: 1,
                        packets: flow.packets,
                        operations: &flow.operations,
                    };
                    places.flow((&from, &to), &flow.dst, amounts);
                    sqlx::query(
                        "INSERT INTO asset_flows (id, entity_id, flow_key, src, dst, protocol, packets, bytes, \
                         operations, first_seen, last_seen, src_place, dst_place) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                    )
                    .bind(new_id())
                    .bind(entity_id)
                    .bind(&key)
                    .bind(&flow.src)
                    .bind(&flow.dst)
                    .bind(&flow.protocol)
                    .bind(flow.packets)
                    .bind(flow.bytes)
                    .bind(text(&flow.operations))
                    .bind(&flow.first_seen)
                    .bind(&flow.last_seen)
                    .bind(&from.key)
                    .bind(&to.key)
                    .execute(&mut *tx)
                    .await?;
                    summary.flows_new += 1;
                    events
                        .raise(
                            &mut tx,
                            &key,
                            EventDetail::NewFlow {
                                src: flow.src.clone(),
                                dst: flow.dst.clone(),
                                protocol: flow.protocol.clone(),
                                operations: flow.operations.clone(),
                            },
                        )
                        .await?;
                }
                Some(old) => {
                    if let (Some(from), Some(to)) = (&old.src_place, &old.dst_place) {
                        let amounts = map::FlowAmounts {
                            protocol: &flow.protocol,
                            flows: 0,
                            packets: flow.packets,
                            operations: &flow.operations,
                        };
                        let ends = (&placer.band_of(from), &placer.band_of(to));
                        places.flow(ends, &flow.dst, amounts);
                    }
                    let added: Vec<String> = flow
                        .operations
                        .iter()
                        .filter(|op| !old.operations.contains(op))
                        .cloned()
                        .collect();
                    if !added.is_empty() {
                        events
                            .raise(
                                &mut tx,
                                &key,
                                EventDetail::NewOperation {
                                    src: flow.src.clone(),
                                    dst: flow.dst.clone(),
                                    protocol: flow.protocol.clone(),
                                    operations: added,
                                },
                            )
                            .await?;
                    }
                    sqlx::query(
                        "UPDATE asset_flows SET packets = $2, bytes = $3, operations = $4, first_seen = $5, \
                         last_seen = $6 WHERE id = $1",
                    )
                    .bind(&old.id)
                    .bind(old.packets.saturating_add(flow.packets))
                    .bind(old.bytes.saturating_add(flow.bytes))
                    .bind(text(&union(&old.operations, &flow.operations)))
                    .bind(earlier(&old.first_seen, &flow.first_seen))
                    .bind(later(&old.last_seen, &flow.last_seen))
                    .execute(&mut *tx)
                    .await?;
                    summary.flows_updated += 1;
                }
            }
        }
        for finding in &report.findings {
            let key = format!(
                "{}|{}|{}|{}",
                finding.kind, finding.src, finding.dst, finding.protocol
            );
            let seen = finding
                .evidence
                .as_ref()
                .and_then(|e| e.get("first_seen"))
                .and_then(|v| v.as_str())
                .unwrap_or(&now)
                .to_owned();
            let existing: Option<String> = sqlx::query_scalar(
                "SELECT id FROM monitor_findings WHERE entity_id = $1 AND finding_key = $2",
            )
            .bind(entity_id)
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?;
            let zones = FindingZones {
                src: finding.src_zone.clone(),
                dst: finding.dst_zone.clone(),
            };
            match existing {
                None => {
                    sqlx::query(
                        "INSERT INTO monitor_findings (id, entity_id, finding_key, kind, severity, summary, src, dst, \
                         protocol, operations, refs, occurrences, first_seen, last_seen, zones) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12, $13)",
                    )
                    .bind(new_id())
                    .bind(entity_id)
                    .bind(&key)
                    .bind(&finding.kind)
                    .bind(&finding.severity)
                    .bind(&finding.summary)
                    .bind(&finding.src)
                    .bind(&finding.dst)
                    .bind(&finding.protocol)
                    .bind(text(&finding.operations))
                    .bind(serde_json::to_string(&finding.references).unwrap_or_else(|_| "[]".into()))
                    .bind(&seen)
                    .bind(serde_json::to_string(&zones).ok())
                    .execute(&mut *tx)
                    .await?;
                    summary.findings_new += 1;
                    events
                        .raise(
                            &mut tx,
                            &key,
                            EventDetail::NewFinding {
                                src: finding.src.clone(),
                                dst: finding.dst.clone(),
                                protocol: finding.protocol.clone(),
                                operations: finding.operations.clone(),
                                zones: zones.clone(),
                            },
                        )
                        .await?;
                }
                Some(id) => {
                    sqlx::query(
                        "UPDATE monitor_findings SET occurrences = occurrences + 1, operations = $2, last_seen = $3 \
                         WHERE id = $1",
                    )
                    .bind(&id)
                    .bind(text(&finding.operations))
                    .bind(&seen)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        places.apply(&mut tx, entity_id).await?;
        summary.events = events.count;
        let change = Change {
            action: "monitor.ingest",
            object_type: "sensor",
            object_id: sensor,
            entity_id: Some(entity_id),
            before: None,
            after: serde_json::to_value(&summary).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_merge_without_duplicates_and_times_widen() {
        let merged = union(&["a".into(), "b".into()], &["b".into(), "c".into()]);
        assert_eq!(merged, ["a", "b", "c"]);
        assert_eq!(earlier("2026-01-02", "2026-01-01"), "2026-01-01");
        assert_eq!(later("2026-01-02", "2026-01-01"), "2026-01-02");
    }
}
