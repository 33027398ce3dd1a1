//! Sensor batches merged into the inventory, and the monitoring counts.

use super::*;

fn observed(json: serde_json::Value) -> hygeia_store::monitoring::ObservedReport {
    serde_json::from_value(json).unwrap()
}

#[tokio::test]
async fn sensor_batches_merge_into_the_inventory_and_raise_events() {
    use hygeia_store::monitoring::{AssetFilter, EventDetail, FindingZones};
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
                          "src_zone": "office", "dst_zone": null,
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
                None,
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
        // Each event keeps what it is about as fields, for pages in other languages.
        assert_eq!(
            firmware.detail,
            Some(EventDetail::FirmwareChanged {
                asset: "mac:00:1b:1b:01:02:03".into(),
                before: "V3.2.6".into(),
                after: "V3.3.0".into(),
            })
        );
        let added = events
            .items
            .iter()
            .find(|e| e.kind == "new_operation")
            .unwrap();
        assert!(
            matches!(&added.detail, Some(EventDetail::NewOperation { operations, .. }) if operations == &["program"]),
            "{added:?}"
        );
        let zones = FindingZones {
            src: Some("office".into()),
            dst: None,
        };
        let violation = events
            .items
            .iter()
            .find(|e| e.kind == "new_finding")
            .unwrap();
        assert!(
            matches!(&violation.detail, Some(EventDetail::NewFinding { zones: z, .. }) if z == &zones),
            "{violation:?}"
        );
        let findings = store
            .list_monitor_findings(&EntityScope::All, Some(&plant.id), PageRequest::default())
            .await
            .unwrap();
        assert_eq!(findings.items[0].zones, Some(zones));

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
                None,
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

#[tokio::test]
async fn findings_are_reviewed_with_a_reason_filtered_by_state_and_audited() {
    use hygeia_store::monitoring::FindingFilter;
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
        let batch = observed(serde_json::json!({
            "findings": [
                {"kind": "conduit_violation", "severity": "high", "summary": "IT workstation programs a PLC",
                 "src": "10.0.1.20", "dst": "10.0.0.5", "protocol": "s7comm", "operations": ["program"],
                 "evidence": {"first_packet": 5, "first_seen": "2026-03-01T09:01:00Z", "packets": 3}},
                {"kind": "unzoned_flow", "severity": "medium", "summary": "A laptop reads a PLC",
                 "src": "10.9.9.9", "dst": "10.0.0.5", "protocol": "modbus", "operations": ["read"],
                 "evidence": {"first_packet": 9, "first_seen": "2026-03-01T09:02:00Z", "packets": 1}}
            ]
        }));
        store
            .ingest_observations(&admin_actor(), &plant.id, "sensor-1", &batch)
            .await
            .unwrap();
        let all = store
            .list_monitor_findings(&EntityScope::All, None, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(all.total, 2);
        assert!(
            all.items
                .iter()
                .all(|f| f.state == "open" && f.review.is_none())
        );
        let program = all
            .items
            .iter()
            .find(|f| f.kind == "conduit_violation")
            .unwrap()
            .id
            .clone();
        let unzoned = all
            .items
            .iter()
            .find(|f| f.kind == "unzoned_flow")
            .unwrap()
            .id
            .clone();

        // A reason is required, the state must be one of three, and need-to-know applies.
        let everyone = EntityScope::All;
        for (state, reason) in [("acknowledged", "  "), ("ignored", "because")] {
            let refused = store
                .review_finding(&admin_actor(), &everyone, &program, state, reason)
                .await;
            assert!(
                matches!(refused, Err(StoreError::Invalid(_))),
                "{state:?} {reason:?}: {refused:?}"
            );
        }
        let outsider = EntityScope::Only(BTreeSet::from([other.id.clone()]));
        let refused = store
            .review_finding(&admin_actor(), &outsider, &program, "acknowledged", "x")
            .await;
        assert!(
            matches!(refused, Err(StoreError::NotFound { .. })),
            "{refused:?}"
        );

        let reviewed = store
            .review_finding(
                &admin_actor(),
                &everyone,
                &program,
                "acknowledged",
                " Engineering laptop moves to the cell zone: change CHG-1042 ",
            )
            .await
            .unwrap();
        assert_eq!(reviewed.state, "acknowledged");
        let review = reviewed.review.unwrap();
        assert_eq!(
            review.reason,
            "Engineering laptop moves to the cell zone: change CHG-1042"
        );
        assert_eq!(review.reviewed_by, "ciso@example.org");
        assert_eq!(review.occurrences_at_review, 1);
        store
            .review_finding(
                &admin_actor(),
                &everyone,
                &unzoned,
                "false_positive",
                "The laptop is the vendor's test bench, never on the plant network",
            )
            .await
            .unwrap();

        // The list filters by state (and severity), and shows who and why.
        let by = |state: &str| FindingFilter {
            state: Some(state.into()),
            ..FindingFilter::default()
        };
        for (state, expected) in [
            ("open", vec![]),
            ("acknowledged", vec!["conduit_violation"]),
            ("false_positive", vec!["unzoned_flow"]),
        ] {
            let page = store
                .list_findings(&everyone, &by(state), PageRequest::default())
                .await
                .unwrap();
            let kinds: Vec<&str> = page.items.iter().map(|f| f.kind.as_str()).collect();
            assert_eq!(kinds, expected, "{state} ({})", db.name);
        }
        let high = store
            .list_findings(
                &everyone,
                &FindingFilter {
                    severity: Some("high".into()),
                    ..FindingFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(high.total, 1);
        assert!(matches!(
            store
                .list_findings(&everyone, &by("closed"), PageRequest::default())
                .await,
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(
            store
                .list_findings(&outsider, &by("acknowledged"), PageRequest::default())
                .await
                .unwrap()
                .total,
            0
        );
        // The dashboard no longer counts the false positive.
        let counts = store
            .monitoring_counts(&everyone, "2000-01-01T00:00:00Z")
            .await
            .unwrap();
        assert_eq!(counts.findings, 1);

        // Seen again after the review: the occurrences move on, the review stays.
        store
            .ingest_observations(&admin_actor(), &plant.id, "sensor-1", &batch)
            .await
            .unwrap();
        let again = store.monitor_finding(&program).await.unwrap();
        assert_eq!(again.occurrences, 2);
        assert_eq!(again.review.as_ref().unwrap().occurrences_at_review, 1);
        // Reopened, with its reason.
        let reopened = store
            .review_finding(
                &admin_actor(),
                &everyone,
                &program,
                "open",
                "Seen again after the change",
            )
            .await
            .unwrap();
        assert_eq!(reopened.state, "open");
        assert_eq!(
            store
                .list_findings(&everyone, &by("open"), PageRequest::default())
                .await
                .unwrap()
                .total,
            1
        );

        // Every review is in the audit trail, with the state before and after.
        let trail = store
            .list_audit(
                &everyone,
                &AuditFilter {
                    action: Some("finding.review".into()),
                    object_id: Some(program.clone()),
                    ..AuditFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(trail.total, 2, "{}", db.name);
        let last = &trail.items[0];
        assert_eq!(last.object_type, "monitor_finding");
        assert_eq!(last.entity_id.as_deref(), Some(plant.id.as_str()));
        let before: serde_json::Value =
            serde_json::from_str(last.before.as_deref().unwrap()).unwrap();
        let after: serde_json::Value =
            serde_json::from_str(last.after.as_deref().unwrap()).unwrap();
        assert_eq!(before["state"], "acknowledged");
        assert_eq!(after["state"], "open");
        assert_eq!(after["reason"], "Seen again after the change");
        assert_eq!(after["finding"], "IT workstation programs a PLC");
        assert_eq!(store.verify_audit_chain().await.unwrap().first_break, None);
    }
}
