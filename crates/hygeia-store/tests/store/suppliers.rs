//! The supplier register on both engines: suppliers checked whole with their tier worked out,
//! links replaced all or nothing, certifications that expire (a renewal supersedes), contract
//! clauses and the gaps they leave, reviews falling due by tier, exposure, and scoping.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use hygeia_domain::clock::{Clock, FixedClock};
use hygeia_domain::risks::processes::ProcessInput;
use hygeia_domain::suppliers::certifications::CertificationInput;
use hygeia_domain::suppliers::contracts::{ClauseInput, ContractInput};
use hygeia_domain::suppliers::criticality::TierAnswers;
use hygeia_domain::suppliers::register::{ContactInput, SupplierInput};
use hygeia_store::assessments::EvidenceLinkInput;
use hygeia_store::suppliers::{SupplierFilter, SupplierLinks};

use super::*;

pub(super) fn supplier(name: &str, category: &str, answers: TierAnswers) -> SupplierInput {
    SupplierInput {
        name: name.into(),
        category: category.into(),
        services: "Maintenance".into(),
        country: Some("FR".into()),
        criticality: answers,
        contacts: vec![ContactInput {
            name: "Léa Martin".into(),
            email: "lea@supplier.example".into(),
            role: "Security contact".into(),
            ..ContactInput::default()
        }],
        ..SupplierInput::default()
    }
}

pub(super) fn answers(ot: bool, health: bool, dependency: u8, substitutability: u8) -> TierAnswers {
    TierAnswers {
        ot_access: ot,
        health_data: health,
        dependency,
        substitutability,
        concentration: false,
    }
}

fn fields(error: StoreError) -> Vec<String> {
    match error {
        StoreError::Invalid(errors) => errors.0.into_iter().map(|e| e.field).collect(),
        StoreError::Conflict { field, .. } => vec![format!("{field} (conflict)")],
        other => panic!("expected field errors, got {other}"),
    }
}

pub(super) fn certification(scheme: &str, until: &str) -> CertificationInput {
    CertificationInput {
        scheme: scheme.into(),
        scope: "Hosting".into(),
        valid_until: until.into(),
        ..CertificationInput::default()
    }
}

#[tokio::test]
async fn suppliers_are_tiered_linked_certified_contracted_and_scoped() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let all = EntityScope::All;
        let plant = store
            .create_entity(&actor, &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        let lab = store
            .create_entity(&actor, &org, &entity("Laboratoire"), any_type)
            .await
            .unwrap();

        // Bad input is named by field and nothing is written.
        let mut bad = supplier("Intégrateur", "broker", answers(true, false, 0, 2));
        bad.contacts[0].email = "not an address".into();
        let refused = store
            .create_supplier(&actor, &all, &plant.id, &bad)
            .await
            .unwrap_err();
        assert_eq!(
            fields(refused),
            ["category", "dependency", "contacts[0].email"],
            "{name}"
        );
        let empty = store
            .list_suppliers(&all, &SupplierFilter::default(), PageRequest::default())
            .await
            .unwrap();
        assert_eq!(empty.total, 0, "{name}");

        // The tier comes from the answers, with its reasoning; a name is unique per entity.
        let mut integrator_input = supplier(
            "Automatismes SA",
            "ot_integrator",
            answers(true, false, 2, 2),
        );
        integrator_input.penetration = Some(4);
        integrator_input.maturity = Some(2);
        integrator_input.trust = Some(2);
        let integrator = store
            .create_supplier(&actor, &all, &plant.id, &integrator_input)
            .await
            .unwrap();
        assert_eq!(
            integrator.tier.tier.as_str(),
            "high",
            "{name}: OT access floor"
        );
        assert_eq!(integrator.tier.points, 5, "{name}");
        assert_eq!(
            integrator.ecosystem.as_ref().unwrap().zone,
            "control",
            "{name}: 8/4 = 2"
        );
        assert!(integrator.review_overdue, "{name}: never reviewed");
        assert_eq!(
            integrator.contacts[0].email, "lea@supplier.example",
            "{name}"
        );
        let again = store
            .create_supplier(&actor, &all, &plant.id, &integrator_input)
            .await
            .unwrap_err();
        assert_eq!(fields(again), ["name (conflict)"], "{name}");
        let mut host_input = supplier(
            "Hébergeur Santé",
            "cloud_provider",
            answers(false, true, 4, 3),
        );
        host_input.last_review_on = Some("2026-01-10".into());
        let host = store
            .create_supplier(&actor, &all, &plant.id, &host_input)
            .await
            .unwrap();
        assert_eq!(host.tier.tier.as_str(), "critical", "{name}");
        assert_eq!(
            host.next_review_on.as_deref(),
            Some("2026-07-10"),
            "{name}: 6 months"
        );
        assert!(!host.review_overdue, "{name}");
        let courier = store
            .create_supplier(
                &actor,
                &all,
                &lab.id,
                &supplier("Coursier", "logistics", answers(false, false, 1, 1)),
            )
            .await
            .unwrap();
        assert_eq!(courier.tier.tier.as_str(), "low", "{name}");

        // A stale version is refused; the change keeps the contacts given.
        let mut change = host_input.clone();
        change.version = Some(host.version + 1);
        assert_eq!(
            fields(
                store
                    .update_supplier(&actor, &all, &host.id, &change)
                    .await
                    .unwrap_err()
            ),
            ["version (conflict)"],
            "{name}"
        );

        // Links: a process of another entity refuses the whole set.
        let filling = store
            .create_process(
                &actor,
                &all,
                &plant.id,
                &ProcessInput {
                    name: "Remplissage".into(),
                    confidentiality: 1,
                    integrity: 4,
                    availability: 4,
                    product_quality: true,
                    ..ProcessInput::default()
                },
            )
            .await
            .unwrap();
        let trials = store
            .create_process(
                &actor,
                &all,
                &lab.id,
                &ProcessInput {
                    name: "Essais".into(),
                    confidentiality: 3,
                    integrity: 3,
                    availability: 2,
                    ..ProcessInput::default()
                },
            )
            .await
            .unwrap();
        let refused = store
            .set_supplier_links(
                &actor,
                &all,
                &integrator.id,
                &SupplierLinks {
                    process_ids: vec![filling.id.clone(), trials.id.clone()],
                    ..SupplierLinks::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(fields(refused), ["process_ids[1]"], "{name}");
        let linked = store
            .set_supplier_links(
                &actor,
                &all,
                &integrator.id,
                &SupplierLinks {
                    process_ids: vec![filling.id.clone()],
                    ..SupplierLinks::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(linked.processes[0].name, "Remplissage", "{name}");
        let exposure = store.supplier_exposure(&all, &integrator.id).await.unwrap();
        assert_eq!(exposure.critical_processes, 1, "{name}");

        // Certifications: evidence of another entity is refused; ends are flagged; a
        // renewal under the same scheme supersedes the lapsed certificate.
        let lab_evidence = store
            .add_evidence_link(
                &actor,
                &lab.id,
                &EvidenceLinkInput {
                    title: "Certificat".into(),
                    url: "https://example.org/cert.pdf".into(),
                    valid_until: None,
                },
            )
            .await
            .unwrap();
        let mut foreign = certification("hds", "2026-04-15");
        foreign.evidence_id = Some(lab_evidence.id.clone());
        assert_eq!(
            fields(
                store
                    .add_certification(&actor, &all, &host.id, &foreign)
                    .await
                    .unwrap_err()
            ),
            ["evidence_id"],
            "{name}"
        );
        let hds = store
            .add_certification(&actor, &all, &host.id, &certification("hds", "2026-04-15"))
            .await
            .unwrap();
        assert_eq!(hds.state, "expiring", "{name}: 44 days left");
        let iso = store
            .add_certification(
                &actor,
                &all,
                &host.id,
                &certification("iso27001", "2026-01-31"),
            )
            .await
            .unwrap();
        assert_eq!(iso.state, "expired", "{name}");
        let listed = store
            .list_suppliers(&all, &SupplierFilter::default(), PageRequest::default())
            .await
            .unwrap();
        let host_line = listed.items.iter().find(|s| s.id == host.id).unwrap();
        assert_eq!(
            (
                host_line.expiring_certificates,
                host_line.expired_certificates
            ),
            (1, 1),
            "{name}"
        );
        store
            .add_certification(
                &actor,
                &all,
                &host.id,
                &certification("iso27001", "2029-01-31"),
            )
            .await
            .unwrap();
        let listed = store
            .list_suppliers(&all, &SupplierFilter::default(), PageRequest::default())
            .await
            .unwrap();
        let order: Vec<&str> = listed.items.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            order,
            ["Hébergeur Santé", "Automatismes SA", "Coursier"],
            "{name}: most critical first"
        );
        assert_eq!(listed.items[0].expired_certificates, 0, "{name}: renewed");

        // Contracts: without one, every needed clause is a gap; each recorded clause closes
        // one, and a late notification delay stays one.
        assert_eq!(
            listed.items[0].clause_gaps, 9,
            "{name}: 5.1.4 (a)-(h) and the EEA"
        );
        let contract = store
            .add_contract(
                &actor,
                &all,
                &host.id,
                &ContractInput {
                    title: "Hébergement DPI".into(),
                    starts_on: Some("2025-01-01".into()),
                    ..ContractInput::default()
                },
            )
            .await
            .unwrap();
        assert_eq!((contract.clauses.len(), contract.gaps), (10, 9), "{name}");
        let late = store
            .set_contract_clause(
                &actor,
                &all,
                (&host.id, &contract.id),
                "incident_notification",
                &ClauseInput {
                    status: "present".into(),
                    notification_hours: Some(72),
                    note: "Art. 12".into(),
                    ..ClauseInput::default()
                },
            )
            .await
            .unwrap();
        let clause = late
            .clauses
            .iter()
            .find(|c| c.kind == "incident_notification")
            .unwrap();
        assert_eq!(clause.gap.as_deref(), Some("late_notification"), "{name}");
        let timely = store
            .set_contract_clause(
                &actor,
                &all,
                (&host.id, &contract.id),
                "incident_notification",
                &ClauseInput {
                    status: "present".into(),
                    notification_hours: Some(24),
                    note: "Art. 12".into(),
                    ..ClauseInput::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(timely.gaps, 8, "{name}");
        let bad_clause = store
            .set_contract_clause(
                &actor,
                &all,
                (&host.id, &contract.id),
                "warranty",
                &ClauseInput::default(),
            )
            .await
            .unwrap_err();
        assert_eq!(fields(bad_clause), ["kind"], "{name}");

        // The register in figures, with why each supplier needs attention.
        let overview = store
            .supplier_overview(&all, Some(&plant.id))
            .await
            .unwrap();
        let by_tier: Vec<(&str, i64)> = overview
            .by_tier
            .iter()
            .map(|t| (t.tier.as_str(), t.suppliers))
            .collect();
        assert_eq!(
            by_tier,
            [("critical", 1), ("high", 1), ("moderate", 0), ("low", 0)],
            "{name}"
        );
        assert_eq!(
            (
                overview.ot_access,
                overview.health_data,
                overview.reviews_overdue
            ),
            (1, 1, 1),
            "{name}"
        );
        assert_eq!(
            (
                overview.certificates_expiring,
                overview.certificates_expired,
                overview.with_clause_gaps
            ),
            (1, 0, 2),
            "{name}"
        );
        let reasons: Vec<(&str, &str)> = overview
            .alerts
            .iter()
            .map(|a| (a.name.as_str(), a.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                ("Hébergeur Santé", "certificate_expiring"),
                ("Hébergeur Santé", "clause_gaps"),
                ("Automatismes SA", "clause_gaps"),
                ("Automatismes SA", "review_overdue"),
            ],
            "{name}"
        );
        let holders = store.ot_access_holders(&all, None).await.unwrap();
        assert_eq!(holders.len(), 1, "{name}");
        assert_eq!(
            (holders[0].name.as_str(), holders[0].clause_present),
            ("Automatismes SA", 0),
            "{name}"
        );

        // Reviews fall due by the tier's cadence.
        let august: Arc<dyn Clock> = Arc::new(FixedClock(
            Utc.with_ymd_and_hms(2026, 8, 1, 9, 0, 0).single().unwrap(),
        ));
        let later = db.store(august).await;
        assert!(
            later.supplier(&all, &host.id).await.unwrap().review_overdue,
            "{name}"
        );
        let then = later
            .supplier_overview(&all, Some(&plant.id))
            .await
            .unwrap();
        assert_eq!(
            (then.reviews_overdue, then.certificates_expired),
            (2, 1),
            "{name}"
        );

        // Need-to-know: the lab's users see neither the plant's suppliers nor their links.
        let lab_only = EntityScope::Only(BTreeSet::from([lab.id.clone()]));
        assert!(matches!(
            store.supplier(&lab_only, &host.id).await.unwrap_err(),
            StoreError::NotFound { .. }
        ));
        assert!(matches!(
            store
                .add_contract(
                    &actor,
                    &lab_only,
                    &host.id,
                    &ContractInput {
                        title: "x".into(),
                        ..ContractInput::default()
                    }
                )
                .await
                .unwrap_err(),
            StoreError::NotFound { .. }
        ));
        let seen = store
            .list_suppliers(
                &lab_only,
                &SupplierFilter::default(),
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(seen.items.len(), 1, "{name}");
        assert_eq!(seen.items[0].name, "Coursier", "{name}");
        let ot_only = store
            .list_suppliers(
                &all,
                &SupplierFilter {
                    ot_access: Some(true),
                    ..SupplierFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(ot_only.total, 1, "{name}");

        // Every change is in the audit trail.
        let trail = store
            .list_audit(
                &all,
                &AuditFilter {
                    object_id: Some(host.id.clone()),
                    ..AuditFilter::default()
                },
                PageRequest::new(Some(50), None),
            )
            .await
            .unwrap();
        let mut actions: Vec<&str> = trail.items.iter().map(|r| r.action.as_str()).collect();
        actions.sort_unstable();
        actions.dedup();
        assert_eq!(
            actions,
            [
                "supplier.certification.add",
                "supplier.clause.set",
                "supplier.contract.add",
                "supplier.create"
            ],
            "{name}"
        );
    }
}
