//! Sensor batches merged into the inventory, and the monitoring counts.

use super::*;

fn observed(json: serde_json::Value) -> hygeia_store::monitoring::ObservedReport {
    serde_json::from_value(json).unwrap()
}

#[tokio::test]
async fn sensor_batches_merge_into_the_inventory_and_raise_events() {
    use hygeia_store::monitoring::AssetFilter;
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let plant = store
            .create_entity(&admin_actor(), &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        let other = store
            .create_entity(&admin_actor(), &org, &entity("Labo"), any_type)
            .await
            .unwrap();
        let first = observed(serde_json::json!({
            "assets": [
                {"id": "mac:00:1b:1b:01:02:03", "mac": "00:1b:1b:01:02:03", "ips": ["10.0.0.5"], "names": ["PLC-LINE1"],
                 "vendor": "Siemens AG", "model": "6ES7 315-2EH14-0AB0", "firmware": "V3.2.6", "roles": ["plc"],
                 "protocols": ["s7comm"], "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T08:10:00Z", "packets_sent": 40},
                {"id": "ip:10.0.1.20", "ips": ["10.0.1.20"], "roles": ["engineering_workstation"], "protocols": ["s7comm"],
                 "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T08:10:00Z", "packets_sent": 38}
            ],
            "flows": [{"src": "10.0.1.20", "dst": "10.0.0.5", "protocol": "s7comm", "packets": 78, "bytes": 9000,
                       "operations": ["read"], "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T08:10:00Z"}],
            "findings": [],
            "stats": {"packets": 78}
        }));
        let summary = store
            .ingest_observations(&admin_actor(), &plant.id, "sensor-line1", &first)
            .await
            .unwrap();
        assert_eq!(
            (summary.assets_new, summary.flows_new, summary.events),
            (2, 1, 3),
            "{}",
            db.name
        );

        // The next window: the PLC got new firmware, the workstation started writing, a finding.
        let second = observed(serde_json::json!({
            "assets": [{"id": "mac:00:1b:1b:01:02:03", "ips": ["10.0.0.5"], "firmware": "V3.3.0", "roles": ["plc"],
                        "protocols": ["s7comm"], "first_seen": "2026-03-01T09:00:00Z", "last_seen": "2026-03-01T09:05:00Z", "packets_sent": 10}],
            "flows": [{"src": "10.0.1.20", "dst": "10.0.0.5", "protocol": "s7comm", "packets": 20, "bytes": 3000,
                       "operations": ["read", "program"], "first_seen": "2026-03-01T09:00:00Z", "last_seen": "2026-03-01T09:05:00Z"}],
            "findings": [{"kind": "conduit_violation", "severity": "high", "summary": "IT workstation programs a PLC",
                          "src": "10.0.1.20", "dst": "10.0.0.5", "protocol": "s7comm", "operations": ["program"],
                          "references": [{"framework": "iso27001-2022", "id": "A.8.22"}],
                          "evidence": {"first_packet": 5, "first_seen": "2026-03-01T09:01:00Z", "packets": 3}}]
        }));
        let summary = store
            .ingest_observations(&admin_actor(), &plant.id, "sensor-line1", &second)
            .await
            .unwrap();
        assert_eq!(
            (
                summary.assets_new,
                summary.assets_updated,
                summary.flows_updated,
                summary.findings_new
            ),
            (0, 1, 1, 1)
        );
        let events = store
            .list_asset_events(
                &EntityScope::All,
                Some(&plant.id),
                None,
                PageRequest::default(),
            )
            .await
            .unwrap();
        let kinds: BTreeSet<&str> = events.items.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            BTreeSet::from([
                "new_asset",
                "new_flow",
                "firmware_changed",
                "new_operation",
                "new_finding"
            ])
        );
        let firmware = events
            .items
            .iter()
            .find(|e| e.kind == "firmware_changed")
            .unwrap();
        assert!(firmware.summary.contains("V3.2.6") && firmware.summary.contains("V3.3.0"));

        let plcs = store
            .list_assets(
                &EntityScope::All,
                &AssetFilter {
                    role: Some("plc".into()),
                    ..Default::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(plcs.total, 1);
        let plc = &plcs.items[0];
        assert_eq!(
            (plc.firmware.as_deref(), plc.model.as_deref(), plc.packets),
            (Some("V3.3.0"), Some("6ES7 315-2EH14-0AB0"), 50)
        );
        assert_eq!(
            (plc.first_seen.as_str(), plc.last_seen.as_str()),
            ("2026-03-01T08:00:00Z", "2026-03-01T09:05:00Z")
        );
        let flows = store
            .list_flows(
                &EntityScope::All,
                None,
                Some("10.0.0.5"),
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!((flows.total, flows.items[0].packets), (1, 98));
        assert_eq!(flows.items[0].operations, ["read", "program"]);
        let findings = store
            .list_monitor_findings(&EntityScope::All, None, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(findings.items[0].references[0]["id"], "A.8.22");

        // Need-to-know: someone granted only the other entity sees none of it.
        let scope = EntityScope::Only(BTreeSet::from([other.id.clone()]));
        assert_eq!(
            store
                .list_assets(&scope, &AssetFilter::default(), PageRequest::default())
                .await
                .unwrap()
                .total,
            0
        );
        // A batch for an unknown entity is refused whole.
        let refused = store
            .ingest_observations(&admin_actor(), "no-such-entity", "s", &first)
            .await;
        assert!(matches!(refused, Err(StoreError::NotFound { .. })));
        assert_eq!(
            store
                .list_assets(
                    &EntityScope::All,
                    &AssetFilter::default(),
                    PageRequest::default()
                )
                .await
                .unwrap()
                .total,
            2
        );
        assert_eq!(store.verify_audit_chain().await.unwrap().first_break, None);
    }
}

#[tokio::test]
async fn monitoring_counts_group_assets_by_protocols_and_follow_the_scope() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let plant = store
            .create_entity(&admin_actor(), &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        let batch = observed(serde_json::json!({
            "assets": [
                {"id": "ip:10.0.0.5", "ips": ["10.0.0.5"], "roles": ["plc"], "protocols": ["s7comm"],
                 "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T08:10:00Z", "packets_sent": 40},
                {"id": "ip:10.0.0.6", "ips": ["10.0.0.6"], "roles": ["plc"], "protocols": ["s7comm"],
                 "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T08:10:00Z", "packets_sent": 40},
                {"id": "ip:10.0.1.20", "ips": ["10.0.1.20"], "protocols": ["http", "dns"],
                 "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T08:10:00Z", "packets_sent": 38}
            ],
            "flows": [],
            "findings": [{"kind": "conduit_violation", "severity": "high", "summary": "IT workstation programs a PLC",
                          "src": "10.0.1.20", "dst": "10.0.0.5", "protocol": "s7comm", "operations": ["program"],
                          "references": [], "evidence": {"first_packet": 5, "first_seen": "2026-03-01T09:01:00Z", "packets": 3}}],
            "stats": {"packets": 78}
        }));
        store
            .ingest_observations(&admin_actor(), &plant.id, "sensor-1", &batch)
            .await
            .unwrap();
        let counts = store
            .monitoring_counts(&EntityScope::All, "2000-01-01T00:00:00Z")
            .await
            .unwrap();
        let mut groups = counts.assets_by_protocols.clone();
        groups.sort();
        assert_eq!(
            groups,
            vec![
                (vec!["http".to_owned(), "dns".to_owned()], 1),
                (vec!["s7comm".to_owned()], 2)
            ]
        );
        assert_eq!(counts.findings, 1);
        assert!(counts.events_since > 0, "{counts:?}");
        let later = store
            .monitoring_counts(&EntityScope::All, "2999-01-01T00:00:00Z")
            .await
            .unwrap();
        assert_eq!(later.events_since, 0);
        let narrow = EntityScope::Only(std::iter::once("elsewhere".to_owned()).collect());
        let none = store
            .monitoring_counts(&narrow, "2000-01-01T00:00:00Z")
            .await
            .unwrap();
        assert_eq!(none, hygeia_store::MonitoringCounts::default());
    }
}
