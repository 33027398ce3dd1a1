//! Incidents on both engines: the register, three-state verdicts with their history, the
//! reporting clocks kept in `next_due_at` and re-anchored by submissions, report versions,
//! links, actions, scoping and the audit trail.

use hygeia_catalog::Catalog;
use hygeia_domain::incidents::deadlines::StageClock;
use hygeia_domain::incidents::obligations::Applicability;
use hygeia_store::incidents::{
    ActionInput, IncidentFilter, IncidentInput, LinksInput, ReportInput, SubmissionInput,
    TimelineInput, VerdictInput,
};

use super::*;

fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| Catalog::load_embedded().unwrap())
}

/// Ransomware on a filling line: the entity became aware on 20 February 2026 at 11:00 Paris
/// time (the test clock stands at 2 March 2026, 09:00 UTC).
fn ransomware() -> IncidentInput {
    IncidentInput {
        title: "Ransomware on filling line 2".into(),
        description: "Encrypted HMI and batch-record server".into(),
        detected_at: "2026-02-20T10:40:00+01:00".into(),
        aware_at: Some("2026-02-20T11:00:00+01:00".into()),
        status: "open".into(),
        severity: "critical".into(),
        ..IncidentInput::default()
    }
}

fn verdict(question: &str, verdict: &str, reasoning: &str) -> VerdictInput {
    VerdictInput {
        question: question.into(),
        verdict: verdict.into(),
        reasoning: reasoning.into(),
    }
}

fn submitted_at(at: &str) -> SubmissionInput {
    SubmissionInput {
        submitted_at: Some(at.into()),
        channel: "ANSSI portal".into(),
        recipient_reference: "CERTFR-2026-0042".into(),
        report_version: None,
    }
}

fn stage<'a>(
    reporting: &'a hygeia_store::incidents::IncidentReporting,
    obligation: &str,
    key: &str,
) -> &'a StageClock {
    reporting
        .clocks
        .iter()
        .find(|c| c.obligation_id == obligation)
        .and_then(|c| c.stages.iter().find(|s| s.key == key))
        .map(|s| &s.clock)
        .unwrap_or_else(|| panic!("no {obligation}/{key}"))
}

fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
    hygeia_domain::clock::parse_instant(text).unwrap()
}

#[tokio::test]
async fn the_clocks_follow_verdicts_and_submissions_on_both_engines() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let e = store
            .create_entity(&actor, &org, &entity("Pharma Lyon"), any_type)
            .await
            .unwrap();
        let incident = store
            .create_incident(&actor, catalog(), &e.id, &ransomware())
            .await
            .unwrap();
        assert_eq!(incident.reference, "INC-2026-0001", "{}", db.name);
        assert_eq!(incident.aware_at, "2026-02-20T10:00:00.000000Z");
        // Significance not yet known: the NIS2 clocks run as a precaution (and GDPR's).
        assert_eq!(
            incident.next_due_at.as_deref(),
            Some("2026-02-21T10:00:00.000000Z"),
            "{}",
            db.name
        );
        let scope = EntityScope::All;
        let r = store
            .incident_reporting(&scope, catalog(), &incident.id)
            .await
            .unwrap();
        let nis2 = r
            .clocks
            .iter()
            .find(|c| c.obligation_id == "nis2-art23")
            .unwrap();
        assert!(matches!(nis2.applicability, Applicability::Possible { .. }));
        assert!(stage(&r, "nis2-art23", "early_warning").is_overdue());
        // A drug maker is no French health establishment: no health-sector report.
        assert!(
            r.clocks
                .iter()
                .all(|c| c.obligation_id != "fr-health-serious-incidents")
        );

        // A yes needs its reasoning; every verdict is kept.
        let refused = store
            .set_incident_verdict(
                &actor,
                &scope,
                catalog(),
                &incident.id,
                &verdict("significant", "yes", " "),
            )
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::Invalid(ref e) if e.0[0].field == "reasoning"));
        for (q, v, why) in [
            ("significant", "unknown", ""),
            ("significant", "yes", "Filling line stopped for three days"),
            (
                "personal_data",
                "no",
                "No personal data on the line's systems",
            ),
        ] {
            store
                .set_incident_verdict(&actor, &scope, catalog(), &incident.id, &verdict(q, v, why))
                .await
                .unwrap();
        }
        // Early warning sent an hour late, notification in time.
        store
            .record_incident_submission(
                &actor,
                &scope,
                catalog(),
                &incident.id,
                "nis2-art23",
                "early_warning",
                &submitted_at("2026-02-21T12:00:00+01:00"),
            )
            .await
            .unwrap();
        let again = store
            .record_incident_submission(
                &actor,
                &scope,
                catalog(),
                &incident.id,
                "nis2-art23",
                "early_warning",
                &submitted_at("2026-02-21T12:30:00+01:00"),
            )
            .await
            .unwrap_err();
        assert!(matches!(
            again,
            StoreError::Conflict {
                field: "stage_key",
                ..
            }
        ));
        store
            .record_incident_submission(
                &actor,
                &scope,
                catalog(),
                &incident.id,
                "nis2-art23",
                "notification",
                &submitted_at("2026-02-23T10:00:00+01:00"),
            )
            .await
            .unwrap();
        let r = store
            .incident_reporting(&scope, catalog(), &incident.id)
            .await
            .unwrap();
        assert_eq!(r.verdicts.len(), 3, "{}", db.name);
        let nis2 = r
            .clocks
            .iter()
            .find(|c| c.obligation_id == "nis2-art23")
            .unwrap();
        assert_eq!(nis2.applicability, Applicability::Owed);
        assert_eq!(
            stage(&r, "nis2-art23", "early_warning"),
            &StageClock::Submitted {
                at: at("2026-02-21T11:00:00Z"),
                due: Some(at("2026-02-21T10:00:00Z")),
                late: true
            }
        );
        // The final report counts one calendar month (Paris) from the notification.
        assert_eq!(
            stage(&r, "nis2-art23", "final_report"),
            &StageClock::Due {
                due: at("2026-03-23T09:00:00Z"),
                overdue: false
            }
        );
        let gdpr = r
            .clocks
            .iter()
            .find(|c| c.obligation_id == "gdpr-art33")
            .unwrap();
        assert!(!gdpr.runs(), "personal data answered no");
        let stored = store.incident(&scope, &incident.id).await.unwrap();
        assert_eq!(
            stored.next_due_at.as_deref(),
            Some("2026-03-23T09:00:00.000000Z")
        );

        // Each step is audited and told in the timeline.
        let trail = store
            .list_audit(
                &scope,
                &AuditFilter {
                    object_id: Some(incident.id.clone()),
                    ..AuditFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        let actions: Vec<&str> = trail
            .items
            .iter()
            .rev()
            .map(|r| r.action.as_str())
            .collect();
        assert_eq!(
            actions,
            [
                "incident.create",
                "incident.verdict",
                "incident.verdict",
                "incident.verdict"
            ],
            "{}",
            db.name
        );
        let timeline = store.incident_timeline(&scope, &incident.id).await.unwrap();
        let kinds: Vec<&str> = timeline.iter().map(|t| t.kind.as_str()).collect();
        assert_eq!(kinds.iter().filter(|k| **k == "submission").count(), 2);
        assert_eq!(kinds.iter().filter(|k| **k == "verdict").count(), 3);
    }
}

#[tokio::test]
async fn lists_filter_overdue_incidents_and_keep_to_the_scope() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let a = store
            .create_entity(&actor, &org, &entity("Pharma Lyon"), any_type)
            .await
            .unwrap();
        let b = store
            .create_entity(&actor, &org, &entity("Pharma Tours"), any_type)
            .await
            .unwrap();
        let overdue = store
            .create_incident(&actor, catalog(), &a.id, &ransomware())
            .await
            .unwrap();
        let recent = IncidentInput {
            title: "Phishing of a lab account".into(),
            detected_at: "2026-03-02T08:00:00Z".into(),
            aware_at: None,
            severity: "medium".into(),
            ..ransomware()
        };
        let fresh = store
            .create_incident(&actor, catalog(), &a.id, &recent)
            .await
            .unwrap();
        assert_eq!(fresh.reference, "INC-2026-0002");
        let other = store
            .create_incident(&actor, catalog(), &b.id, &recent)
            .await
            .unwrap();
        assert_eq!(other.reference, "INC-2026-0001", "numbered per entity");

        let only_a = EntityScope::Only(BTreeSet::from([a.id.clone()]));
        let page = store
            .incidents(&only_a, &IncidentFilter::default(), PageRequest::default())
            .await
            .unwrap();
        let ids: Vec<&str> = page.items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(
            ids,
            [overdue.id.as_str(), fresh.id.as_str()],
            "most urgent first ({})",
            db.name
        );
        let late = IncidentFilter {
            overdue: true,
            ..IncidentFilter::default()
        };
        let page = store
            .incidents(&EntityScope::All, &late, PageRequest::default())
            .await
            .unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.items[0].id, overdue.id);
        let search = IncidentFilter {
            q: Some("phish".into()),
            ..IncidentFilter::default()
        };
        assert_eq!(
            store
                .incidents(&only_a, &search, PageRequest::default())
                .await
                .unwrap()
                .total,
            1
        );

        // Another entity's incident does not exist for a need-to-know user.
        let hidden = store.incident(&only_a, &other.id).await.unwrap_err();
        assert!(matches!(hidden, StoreError::NotFound { .. }), "{}", db.name);
        let refused = store
            .set_incident_verdict(
                &actor,
                &only_a,
                catalog(),
                &other.id,
                &verdict("significant", "no", "minor"),
            )
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::NotFound { .. }));
    }
}

#[tokio::test]
async fn updates_reports_links_and_actions_are_checked_and_kept() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let e = store
            .create_entity(&actor, &org, &entity("Pharma Lyon"), any_type)
            .await
            .unwrap();
        let incident = store
            .create_incident(&actor, catalog(), &e.id, &ransomware())
            .await
            .unwrap();
        let scope = EntityScope::All;

        // Resolving records the end; a stale version is refused.
        let resolved = IncidentInput {
            status: "resolved".into(),
            version: Some(1),
            ..ransomware()
        };
        let after = store
            .update_incident(&actor, &scope, catalog(), &incident.id, &resolved)
            .await
            .unwrap();
        assert_eq!(
            after.ended_at.as_deref(),
            Some("2026-03-02T09:00:00.000000Z")
        );
        assert_eq!(after.version, 2);
        let stale = store
            .update_incident(&actor, &scope, catalog(), &incident.id, &resolved)
            .await
            .unwrap_err();
        assert!(
            matches!(
                stale,
                StoreError::Conflict {
                    field: "version",
                    ..
                }
            ),
            "{}",
            db.name
        );
        let bad = IncidentInput {
            severity: "apocalyptic".into(),
            ..ransomware()
        };
        let refused = store
            .update_incident(&actor, &scope, catalog(), &incident.id, &bad)
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::Invalid(ref e) if e.0[0].field == "severity"));

        // Report drafts keep every version, fields in the stage's order.
        let mut fields = std::collections::BTreeMap::new();
        fields.insert("summary".to_owned(), "First facts".to_owned());
        fields.insert("entity".to_owned(), "Pharma Lyon".to_owned());
        let draft = ReportInput {
            language: "fr".into(),
            fields: fields.clone(),
        };
        for _ in 0..2 {
            store
                .save_incident_report(
                    &actor,
                    &scope,
                    catalog(),
                    &incident.id,
                    "nis2-art23",
                    "early_warning",
                    &draft,
                )
                .await
                .unwrap();
        }
        let versions = store
            .incident_report_versions(&scope, &incident.id, "nis2-art23", "early_warning")
            .await
            .unwrap();
        assert_eq!(
            versions.iter().map(|v| v.version).collect::<Vec<_>>(),
            [2, 1]
        );
        assert_eq!(
            versions[0].fields[0],
            ("entity".to_owned(), "Pharma Lyon".to_owned())
        );
        fields.insert("mood".to_owned(), "bad".to_owned());
        let unknown = ReportInput {
            language: "de".into(),
            fields,
        };
        let refused = store
            .save_incident_report(
                &actor,
                &scope,
                catalog(),
                &incident.id,
                "nis2-art23",
                "early_warning",
                &unknown,
            )
            .await
            .unwrap_err();
        let fields: Vec<String> = match refused {
            StoreError::Invalid(e) => e.0.into_iter().map(|f| f.field).collect(),
            other => panic!("{other}"),
        };
        assert_eq!(fields, ["language", "fields.mood"]);
        let ghost = store
            .save_incident_report(
                &actor,
                &scope,
                catalog(),
                &incident.id,
                "nis2-art23",
                "epilogue",
                &draft,
            )
            .await
            .unwrap_err();
        assert!(matches!(ghost, StoreError::NotFound { .. }));

        // Links must belong to the entity; a requirement must exist.
        let site = store
            .create_site(
                &actor,
                &e.id,
                &SiteInput {
                    name: "Usine".into(),
                    kind: SiteKind::Plant,
                    city: "Lyon".into(),
                    country: "FR".into(),
                },
            )
            .await
            .unwrap();
        let links = LinksInput {
            sites: vec![site.id.clone()],
            requirements: vec!["nis2-2024-2690/3.2.1".into()],
            ..LinksInput::default()
        };
        let stored = store
            .set_incident_links(&actor, &scope, catalog(), &incident.id, &links)
            .await
            .unwrap();
        assert_eq!(stored.len(), 2, "{}", db.name);
        let wrong = LinksInput {
            assets: vec!["no-such-asset".into()],
            requirements: vec!["nis2-2024-2690/99.9".into()],
            ..LinksInput::default()
        };
        let refused = store
            .set_incident_links(&actor, &scope, catalog(), &incident.id, &wrong)
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::Invalid(ref e) if e.0.len() == 2));
        assert_eq!(
            store
                .incident_links(&scope, &incident.id)
                .await
                .unwrap()
                .len(),
            2,
            "kept whole"
        );

        // Actions: the owner must be someone who may see the entity.
        let stranger = ActionInput {
            title: "Rebuild HMI".into(),
            owner: Some("nobody@example.org".into()),
            ..ActionInput::default()
        };
        assert!(
            store
                .add_incident_action(&actor, &scope, &incident.id, &stranger)
                .await
                .is_err()
        );
        let lesson = ActionInput {
            title: "Segment the filling line".into(),
            due_date: Some("2026-04-30".into()),
            from_review: true,
            ..ActionInput::default()
        };
        let action = store
            .add_incident_action(&actor, &scope, &incident.id, &lesson)
            .await
            .unwrap();
        let done = ActionInput {
            status: Some("done".into()),
            ..lesson
        };
        let closed = store
            .update_incident_action(&actor, &scope, &incident.id, &action.id, &done)
            .await
            .unwrap();
        assert_eq!(
            closed.done_at.as_deref(),
            Some("2026-03-02T09:00:00.000000Z")
        );
        assert!(closed.from_review);
        let note = TimelineInput {
            at: Some("2026-02-20T11:30:00+01:00".into()),
            text: "Line isolated".into(),
        };
        store
            .add_timeline_entry(&actor, &scope, &incident.id, &note)
            .await
            .unwrap();
        let timeline = store.incident_timeline(&scope, &incident.id).await.unwrap();
        assert_eq!(
            timeline[0].text, "Line isolated",
            "ordered by when it happened"
        );
    }
}
