//! Checks on the registers' dates: overdue incident reports, ended evidence and supplier
//! certificates, ended risk acceptances, KEV-listed vulnerabilities left open.

use super::*;

/// Ransomware the entity became aware of on 20 February 2026: its early warning was due on
/// the 21st, before the test clock (2 March 2026).
fn ransomware() -> hygeia_store::incidents::IncidentInput {
    hygeia_store::incidents::IncidentInput {
        title: "Ransomware on filling line 2".into(),
        description: "Encrypted HMI and batch-record server".into(),
        detected_at: "2026-02-20T10:40:00+01:00".into(),
        aware_at: Some("2026-02-20T11:00:00+01:00".into()),
        status: "open".into(),
        severity: "critical".into(),
        ..Default::default()
    }
}

/// Significant, no personal data; early warning (late) and notification submitted: the
/// final report is due on 23 March.
async fn reported(store: &Store, incident_id: &str) {
    use hygeia_store::incidents::{SubmissionInput, VerdictInput};
    let (actor, all) = (admin_actor(), EntityScope::All);
    for (question, verdict, reasoning) in [
        ("significant", "yes", "Filling line stopped for three days"),
        ("personal_data", "no", "No personal data on the line"),
    ] {
        let verdict = VerdictInput {
            question: question.into(),
            verdict: verdict.into(),
            reasoning: reasoning.into(),
        };
        let set = store.set_incident_verdict(&actor, &all, catalog(), incident_id, &verdict);
        set.await.unwrap();
    }
    for (stage, at) in [
        ("early_warning", "2026-02-21T12:00:00+01:00"),
        ("notification", "2026-02-23T10:00:00+01:00"),
    ] {
        let sent = SubmissionInput {
            submitted_at: Some(at.into()),
            channel: "ANSSI portal".into(),
            recipient_reference: "CERTFR-2026-0042".into(),
            report_version: None,
        };
        let (id, obligation) = (incident_id, "nis2-art23");
        let recorded =
            store.record_incident_submission(&actor, &all, catalog(), id, obligation, stage, &sent);
        recorded.await.unwrap();
    }
}

#[tokio::test]
async fn incident_reports_past_due_fail_until_submitted() {
    use hygeia_store::incidents::IncidentInput;
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let now = format_instant(test_clock().now());
        let org = seeded(&store).await;
        let plant = new_entity(&store, &org, "Usine").await;
        let actor = admin_actor();
        let input = ransomware();
        let late = store.create_incident(&actor, catalog(), &plant, &input);
        let late = late.await.unwrap();
        assert!(late.next_due_at.as_deref() < Some(now.as_str()), "{name}");
        // Detected an hour ago: its first report is not due yet.
        let recent = IncidentInput {
            title: "Phishing of a lab account".into(),
            detected_at: "2026-03-02T08:00:00Z".into(),
            aware_at: None,
            severity: "medium".into(),
            ..ransomware()
        };
        let recent = store.create_incident(&actor, catalog(), &plant, &recent);
        let recent = recent.await.unwrap();
        assert!(recent.next_due_at.as_deref() > Some(now.as_str()), "{name}");

        let first = run(&store).await;
        assert_eq!(counts(&first), (1, 0, 0, 1), "{name}: {first:?}");
        let o = open(&store, &plant, "incident-stages-overdue", name).await;
        assert_eq!((o.severity.as_str(), o.record_count), ("critical", 1));
        assert_eq!(
            refs(&o),
            [("incident", "INC-2026-0001 Ransomware on filling line 2")],
            "{name}"
        );
        assert_eq!(o.records[0].id, late.id, "{name}");

        reported(&store, &late.id).await;
        let due = store.incident(&EntityScope::All, &late.id).await.unwrap();
        let due = due.next_due_at;
        assert_eq!(
            due.as_deref(),
            Some("2026-03-23T09:00:00.000000Z"),
            "{name}"
        );
        let second = run(&store).await;
        assert_eq!(counts(&second), (0, 0, 1, 0), "{name}: {second:?}");
        closed(&store, &plant, "incident-stages-overdue", &now, name).await;
    }
}

/// A control of `entity_id` with three pieces of evidence: one ended, one ending today (both
/// supporting the control), one ended but supporting nothing.
async fn control_with_evidence(store: &Store, entity_id: &str) -> String {
    let (actor, all) = (admin_actor(), EntityScope::All);
    let control = ControlInput {
        name: "Sauvegardes".into(),
        status: "implemented".into(),
        ..ControlInput::default()
    };
    let control = store.create_control(&actor, entity_id, &control, catalog());
    let control = control.await.unwrap().id;
    for (title, until, attached) in [
        ("Backup test report", "2026-02-28", true),
        ("Restore procedure", "2026-03-02", true),
        ("Old policy", "2026-01-01", false),
    ] {
        let link = EvidenceLinkInput {
            title: title.into(),
            url: "https://intranet.example/evidence".into(),
            valid_until: Some(until.into()),
        };
        let evidence = store
            .add_evidence_link(&actor, entity_id, &link)
            .await
            .unwrap();
        let to = Attachment {
            control_id: Some(control.clone()),
            framework_id: None,
            requirement_id: None,
        };
        if attached {
            let attach = store.attach_evidence(&actor, &all, &evidence.id, &to, catalog());
            attach.await.unwrap();
        }
    }
    control
}

async fn certify(store: &Store, supplier_id: &str, scheme: &str, until: &str) -> String {
    let input = super::suppliers::certification(scheme, until);
    let (actor, all) = (admin_actor(), EntityScope::All);
    let added = store.add_certification(&actor, &all, supplier_id, &input);
    added.await.unwrap().id
}

#[tokio::test]
async fn ended_evidence_and_certificates_fail_once_their_day_passed_until_renewed() {
    use super::suppliers::{answers, certification, supplier};
    for db in testing::all().await {
        let name = db.name;
        let clock = StepClock::new();
        let store = db.store(Arc::new(clock.clone())).await;
        let opened = format_instant(clock.now());
        let org = seeded(&store).await;
        let plant = new_entity(&store, &org, "Usine").await;
        let (actor, all) = (admin_actor(), EntityScope::All);
        let control = control_with_evidence(&store, &plant).await;
        // Certificates: ended, ending today; ended, of a supplier no longer in business.
        let host = supplier(
            "Hébergeur Santé",
            "cloud_provider",
            answers(false, true, 2, 2),
        );
        let host = store
            .create_supplier(&actor, &all, &plant, &host)
            .await
            .unwrap()
            .id;
        certify(&store, &host, "iso27001", "2026-01-31").await;
        let hds = certify(&store, &host, "hds", "2026-03-02").await;
        let mut gone = supplier(
            "Ancien intégrateur",
            "ot_integrator",
            answers(true, false, 1, 1),
        );
        gone.status = Some("ended".into());
        let gone = store
            .create_supplier(&actor, &all, &plant, &gone)
            .await
            .unwrap()
            .id;
        certify(&store, &gone, "iec62443", "2025-12-31").await;

        let first = run(&store).await;
        assert_eq!(counts(&first), (2, 0, 0, 2), "{name}: {first:?}");
        let evidence = open(&store, &plant, "evidence-expired", name).await;
        assert_eq!(
            (evidence.severity.as_str(), evidence.record_count),
            ("medium", 1)
        );
        let backup = ("evidence", "Backup test report (2026-02-28)");
        assert_eq!(refs(&evidence), [backup], "{name}");
        let certificates = open(&store, &plant, "supplier-certificate-expired", name).await;
        assert_eq!(certificates.record_count, 1, "{name}");
        assert_eq!(certificates.records[0].kind, "certification", "{name}");
        let label = &certificates.records[0].label;
        assert!(label.starts_with("Hébergeur Santé: ") && label.ends_with(" (2026-01-31)"));

        // The next day, what ended yesterday fails too; the observations keep their opening.
        clock.advance(Duration::days(1));
        let second = run(&store).await;
        assert_eq!(counts(&second), (0, 2, 0, 2), "{name}: {second:?}");
        let evidence = open(&store, &plant, "evidence-expired", name).await;
        let restore = ("evidence", "Restore procedure (2026-03-02)");
        assert_eq!(
            refs(&evidence),
            [backup, restore],
            "{name}: the oldest first"
        );
        let seen = format_instant(clock.now());
        assert_eq!(
            (&evidence.opened_at, &evidence.last_seen_at),
            (&opened, &seen)
        );
        let certificates = open(&store, &plant, "supplier-certificate-expired", name).await;
        assert_eq!(certificates.record_count, 2, "{name}");

        // The control retired (its evidence supports nothing now); one certificate renewed by
        // a later one of the same scheme, the other updated to a new end.
        store.delete_control(&actor, &all, &control).await.unwrap();
        certify(&store, &host, "iso27001", "2029-01-31").await;
        let renewal = certification("hds", "2029-03-02");
        let updated = store.update_certification(&actor, &all, &host, &hds, &renewal);
        updated.await.unwrap();
        let third = run(&store).await;
        assert_eq!(counts(&third), (0, 0, 2, 0), "{name}: {third:?}");
        for check in ["evidence-expired", "supplier-certificate-expired"] {
            closed(&store, &plant, check, &seen, name).await;
        }
    }
}

#[tokio::test]
async fn ended_risk_acceptances_fail_until_renewed_or_treated_otherwise() {
    use hygeia_domain::risks::register::RiskInput;
    use hygeia_domain::risks::treatment::AcceptanceInput;
    use hygeia_store::risks::RiskLinks;

    use super::risks::rated;
    for db in testing::all().await {
        let name = db.name;
        let clock = StepClock::new();
        let store = db.store(Arc::new(clock.clone())).await;
        let org = seeded(&store).await;
        let plant = new_entity(&store, &org, "Usine").await;
        let (actor, all) = (admin_actor(), EntityScope::All);
        let accepted = |title: &str, until: &str| RiskInput {
            treatment: Some("accept".into()),
            acceptance: Some(AcceptanceInput {
                approver: "Plant director".into(),
                justification: "the system is replaced in June".into(),
                expires_on: until.into(),
            }),
            ..rated(title, (3, 3), Some((3, 3)))
        };
        let mut risks = Vec::new();
        for title in ["Old imaging server", "Unsupported historian"] {
            let (input, links) = (accepted(title, "2026-03-03"), RiskLinks::default());
            let created =
                store.create_risk(&actor, &all, catalog(), &plant, &input, &links, Ok(()));
            risks.push(created.await.unwrap().id);
        }
        // Accepted until tomorrow, then until today: not ended yet.
        assert_eq!(counts(&run(&store).await), (0, 0, 0, 0), "{name}");
        clock.advance(Duration::days(1));
        assert_eq!(
            counts(&run(&store).await),
            (0, 0, 0, 0),
            "{name}: the last day"
        );
        clock.advance(Duration::days(1));
        let first = run(&store).await;
        assert_eq!(counts(&first), (1, 0, 0, 1), "{name}: {first:?}");
        let o = open(&store, &plant, "risk-acceptance-expired", name).await;
        assert_eq!((o.severity.as_str(), o.record_count), ("high", 2), "{name}");
        assert_eq!(
            sorted_refs(&o),
            [
                ("risk", "RSK-0001 Old imaging server"),
                ("risk", "RSK-0002 Unsupported historian")
            ],
            "{name}"
        );

        // One acceptance renewed until June: the other risk remains.
        let renewed = accepted("Old imaging server", "2026-06-30");
        let updated = store.update_risk(&actor, &all, &risks[0], &renewed, None, Ok(()));
        updated.await.unwrap();
        let second = run(&store).await;
        assert_eq!(counts(&second), (0, 1, 0, 1), "{name}: {second:?}");
        let o = open(&store, &plant, "risk-acceptance-expired", name).await;
        assert_eq!(o.records[0].id, risks[1], "{name}");
        // It is mitigated instead: the check passes.
        let mitigated = rated("Unsupported historian", (3, 3), Some((3, 3)));
        let updated = store.update_risk(&actor, &all, &risks[1], &mitigated, None, Ok(()));
        updated.await.unwrap();
        let third = run(&store).await;
        assert_eq!(counts(&third), (0, 0, 1, 0), "{name}: {third:?}");
        let at = format_instant(clock.now());
        closed(&store, &plant, "risk-acceptance-expired", &at, name).await;
    }
}

#[tokio::test]
async fn kev_matches_left_open_thirty_days_fail_until_mitigated() {
    use hygeia_domain::vulnerabilities::TriageInput;
    use hygeia_store::vulnerabilities::VulnerabilityFilter;

    use super::vulnerabilities::{advisory, batch, feed, kev, names, plc};
    for db in testing::all().await {
        let name = db.name;
        let clock = StepClock::new();
        let store = db.store(Arc::new(clock.clone())).await;
        let org = seeded(&store).await;
        let plant = new_entity(&store, &org, "Usine").await;
        let (actor, all) = (admin_actor(), EntityScope::All);
        let plcs = batch(vec![plc("plc-1", "V3.2.6")]);
        let ingested = store.ingest_observations(&actor, &plant, "s1", &plcs);
        ingested.await.unwrap();
        let mut advisories = feed(&[("a.json", advisory("TEST-01", "1", "S7-300 flaw"))]);
        advisories.kev = Some(kev());
        let files = names(&["a.json"]);
        let imported = store.import_advisories(&actor, &files, &advisories);
        imported.await.unwrap();
        let loaded = store.load_advisory_feed().await.unwrap().unwrap();
        store.match_stale_assets(&loaded, None).await.unwrap();
        let (filter, page) = (VulnerabilityFilter::default(), PageRequest::default());
        let found = store
            .list_vulnerabilities(&all, &filter, page)
            .await
            .unwrap();
        let found = found.items[0].clone();
        assert!(found.kev && found.needs_action, "{name}");

        // Matched today: open thirty days exactly is not yet too long; a minute more is.
        assert_eq!(counts(&run(&store).await), (0, 0, 0, 0), "{name}");
        clock.advance(Duration::days(30));
        assert_eq!(counts(&run(&store).await), (0, 0, 0, 0), "{name}");
        clock.advance(Duration::minutes(1));
        let first = run(&store).await;
        assert_eq!(counts(&first), (1, 0, 0, 1), "{name}: {first:?}");
        let o = open(&store, &plant, "kev-unpatched", name).await;
        assert_eq!((o.severity.as_str(), o.record_count), ("critical", 1));
        let record = &o.records[0];
        assert_eq!(
            (record.kind.as_str(), record.id.as_str()),
            ("vulnerability_match", found.id.as_str()),
            "{name}"
        );
        let label = &record.label;
        assert!(
            label.starts_with("plc-1 ") && label.contains("CVE-2099-0042"),
            "{label}"
        );

        // Confirmed affected, it is still open; mitigated, it passes.
        let today = clock.now().date_naive();
        let triage = |triage: &str, note: Option<&str>| {
            let input = TriageInput {
                triage: triage.into(),
                note: note.map(str::to_owned),
                until: None,
            };
            input.check(today).unwrap()
        };
        let confirmed = triage("confirmed", None);
        let triaged = store.triage_vulnerability(&actor, &all, &found.id, &confirmed);
        triaged.await.unwrap();
        let second = run(&store).await;
        assert_eq!(counts(&second), (0, 1, 0, 1), "{name}: {second:?}");
        let mitigated = triage("mitigated", Some("Port 102 closed at the cell firewall"));
        let triaged = store.triage_vulnerability(&actor, &all, &found.id, &mitigated);
        triaged.await.unwrap();
        let third = run(&store).await;
        assert_eq!(counts(&third), (0, 0, 1, 0), "{name}: {third:?}");
        let at = format_instant(clock.now());
        closed(&store, &plant, "kev-unpatched", &at, name).await;
    }
}
