//! Compliance work: controls, assessments, results, evidence, pair reviews, search.

use super::*;
use hygeia_catalog::Catalog;
use hygeia_compliance::{
    PairReview, ResultValue, Reuse, ReviewDecision, accept_derived, override_derived,
};
use hygeia_store::assessments::{
    AssessmentInput, Attachment, ControlInput, EvidenceLinkInput, EvidenceUpload, Expiry, Origin,
    RequirementRef, ResultFilter, ResultInput,
};

fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| Catalog::load_embedded().unwrap())
}

#[tokio::test]
async fn search_finds_controls_and_evidence_by_text_within_the_scope() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let a = store
            .create_entity(&actor, &org, &entity("Clinique A"), any_type)
            .await
            .unwrap();
        let b = store
            .create_entity(&actor, &org, &entity("Clinique B"), any_type)
            .await
            .unwrap();
        let control = |entity: &str, name: &str, owner: &str, description: &str| {
            let (store, actor) = (&store, &actor);
            let (entity, input) = (
                entity.to_owned(),
                ControlInput {
                    name: name.into(),
                    owner: Some(owner.into()),
                    description: description.into(),
                    status: "implemented".into(),
                    ..ControlInput::default()
                },
            );
            async move {
                store
                    .create_control(actor, &entity, &input, catalog())
                    .await
                    .unwrap()
            }
        };
        control(&a.id, "Sauvegardes hors ligne", "DSI", "").await;
        control(&b.id, "Sauvegardes chiffrées", "RSSI", "").await;
        control(&a.id, "Pare-feu", "Réseau", "filtre 100% des flux_entrants").await;
        store
            .add_evidence_file(
                &actor,
                &a.id,
                &EvidenceUpload {
                    title: "Rapport de restauration".into(),
                    file_name: "restore-test.pdf".into(),
                    valid_until: None,
                    media_type: None,
                },
                b"ok",
            )
            .await
            .unwrap();
        store
            .add_evidence_link(
                &actor,
                &b.id,
                &EvidenceLinkInput {
                    title: "Politique de sauvegarde".into(),
                    url: "https://intranet.example/sauvegarde".into(),
                    valid_until: None,
                },
            )
            .await
            .unwrap();
        let page = PageRequest::default();
        let all = EntityScope::All;
        let only_a = EntityScope::Only(std::iter::once(a.id.clone()).collect());
        let names = |hits: Vec<hygeia_store::search::ControlMatch>| {
            let mut names: Vec<String> = hits.into_iter().map(|h| h.name).collect();
            names.sort();
            names
        };
        // Case-insensitive, on name, owner and description, within the scope.
        let hits = store
            .search_controls(&all, "SAUVEGARDES", page)
            .await
            .unwrap();
        assert_eq!(hits.total, 2);
        assert_eq!(
            names(hits.items),
            ["Sauvegardes chiffrées", "Sauvegardes hors ligne"]
        );
        let hits = store
            .search_controls(&only_a, "sauvegardes", page)
            .await
            .unwrap();
        assert_eq!(names(hits.items), ["Sauvegardes hors ligne"]);
        let hits = store.search_controls(&all, "rssi", page).await.unwrap();
        assert_eq!(names(hits.items), ["Sauvegardes chiffrées"]);
        // LIKE's wildcards are plain characters here.
        let hits = store.search_controls(&all, "100%", page).await.unwrap();
        assert_eq!(names(hits.items), ["Pare-feu"]);
        let hits = store.search_controls(&all, "_", page).await.unwrap();
        assert_eq!(names(hits.items), ["Pare-feu"]);
        assert_eq!(
            store.search_controls(&all, "  ", page).await.unwrap().total,
            0
        );
        // Evidence by title, file name or address.
        for (text, title) in [
            ("restauration", "Rapport de restauration"),
            ("RESTORE-TEST", "Rapport de restauration"),
            ("intranet.example", "Politique de sauvegarde"),
        ] {
            let hits = store.search_evidence(&all, text, page).await.unwrap();
            assert_eq!(hits.total, 1, "{text}");
            assert_eq!(hits.items[0].title, title);
        }
        let hits = store
            .search_evidence(&only_a, "sauvegarde", page)
            .await
            .unwrap();
        assert_eq!(hits.total, 0, "entity B's link is outside the scope");
    }
}

#[tokio::test]
async fn result_writes_and_assessment_edits_never_deadlock() {
    // Both lock the assessment row and the audit head; in the same order, so on
    // PostgreSQL neither is ever aborted as a deadlock victim.
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let entity = store
            .create_entity(&actor, &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        let assessment = store
            .create_assessment(&actor, &entity.id, &iso_assessment(), catalog())
            .await
            .unwrap();
        for round in 0..25 {
            let value = [ResultValue::Compliant, ResultValue::NonCompliant][round % 2];
            let results = [
                ResultInput::new("a.5.1", value),
                ResultInput::new("a.8.22", value),
            ];
            let renamed = AssessmentInput {
                name: format!("ISO 27001 round {round}"),
                ..iso_assessment()
            };
            let write = store.set_results(
                &actor,
                &EntityScope::All,
                &assessment.id,
                &results,
                catalog(),
            );
            let edit = store.update_assessment(
                &actor,
                &EntityScope::All,
                &assessment.id,
                &renamed,
                catalog(),
            );
            let (written, edited) = tokio::join!(write, edit);
            written.unwrap();
            edited.unwrap();
        }
        let chain = store.verify_audit_chain().await.unwrap();
        assert!(chain.first_break.is_none());
    }
}

fn iso_assessment() -> AssessmentInput {
    AssessmentInput {
        framework_id: "iso27001-2022".into(),
        name: "ISO 27001 2026".into(),
        scope: "Site de production".into(),
        starts_on: Some("2026-01-05".into()),
        ends_on: Some("2026-06-30".into()),
        status: "in_progress".into(),
        version: None,
    }
}

fn fields(err: StoreError) -> Vec<String> {
    match err {
        StoreError::Invalid(e) => e.0.into_iter().map(|f| f.field).collect(),
        other => panic!("expected a validation error, got {other}"),
    }
}

async fn audit_count(store: &Store) -> i64 {
    store
        .list_audit(
            &EntityScope::All,
            &AuditFilter::default(),
            PageRequest::new(Some(1), None),
        )
        .await
        .unwrap()
        .total
}

#[tokio::test]
async fn results_are_validated_written_all_or_nothing_and_kept_in_history() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let a = store
            .create_entity(&actor, &org, &entity("Usine A"), any_type)
            .await
            .unwrap();
        let b = store
            .create_entity(&actor, &org, &entity("Usine B"), any_type)
            .await
            .unwrap();
        let cat = catalog();
        let iso = store
            .create_assessment(&actor, &a.id, &iso_assessment(), cat)
            .await
            .unwrap();
        let mut bad = iso_assessment();
        bad.framework_id = "nope".into();
        bad.ends_on = Some("2025-01-01".into());
        let err = store
            .create_assessment(&actor, &a.id, &bad, cat)
            .await
            .unwrap_err();
        assert_eq!(fields(err), ["framework_id", "ends_on"], "{}", db.name);

        let before = audit_count(&store).await;
        let mut na = ResultInput::new("a.7.4", ResultValue::NotApplicable);
        let err = store
            .set_results(
                &actor,
                &EntityScope::All,
                &iso.id,
                &[
                    ResultInput::new("a.5.1", ResultValue::Compliant),
                    na.clone(),
                ],
                cat,
            )
            .await
            .unwrap_err();
        assert_eq!(fields(err), ["justification"]);
        let err = store
            .set_results(
                &actor,
                &EntityScope::All,
                &iso.id,
                &[ResultInput::new("a.99.1", ResultValue::Compliant)],
                cat,
            )
            .await
            .unwrap_err();
        assert_eq!(fields(err), ["requirement_id"]);
        assert!(store.results(&iso.id).await.unwrap().is_empty());
        assert_eq!(audit_count(&store).await, before, "nothing written");

        na.justification = Some("No premises of our own".into());
        let mut owned = ResultInput::new("a.8.22", ResultValue::NonCompliant);
        owned.owner = Some("RSSI".into());
        owned.due_on = Some("2026-09-30".into());
        let written = store
            .set_results(
                &actor,
                &EntityScope::All,
                &iso.id,
                &[ResultInput::new("a.5.1", ResultValue::Compliant), na, owned],
                cat,
            )
            .await
            .unwrap();
        assert_eq!(written.len(), 3);
        assert_eq!(audit_count(&store).await, before + 3);
        let scope_b = EntityScope::Only([b.id.clone()].into());
        let err = store
            .set_results(
                &actor,
                &scope_b,
                &iso.id,
                &[ResultInput::new("a.5.1", ResultValue::NonCompliant)],
                cat,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound { .. }));
        assert!(matches!(
            store.assessment(&scope_b, &iso.id).await,
            Err(StoreError::NotFound { .. })
        ));

        let page = store
            .list_assessment_requirements(
                &EntityScope::All,
                &iso.id,
                cat,
                &ResultFilter {
                    owner: Some("RSSI".into()),
                    ..ResultFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.items[0].requirement_id, "a.8.22");
        let all = store
            .list_assessment_requirements(
                &EntityScope::All,
                &iso.id,
                cat,
                &ResultFilter::default(),
                PageRequest::new(Some(500), None),
            )
            .await
            .unwrap();
        let assessable = cat.framework("iso27001-2022").unwrap().assessable().count();
        assert_eq!(all.total, assessable as i64);
        let err = store
            .list_assessment_requirements(
                &EntityScope::All,
                &iso.id,
                cat,
                &ResultFilter {
                    result: Some("great".into()),
                    ..ResultFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap_err();
        assert_eq!(fields(err), ["result"]);

        // A NIS2 assessment accepts a derived result, citing its source.
        let nis2 = store
            .create_assessment(
                &actor,
                &a.id,
                &AssessmentInput {
                    framework_id: "nis2-2024-2690".into(),
                    name: "NIS2".into(),
                    ..iso_assessment()
                },
                cat,
            )
            .await
            .unwrap();
        let sources: Vec<_> = store
            .results(&iso.id)
            .await
            .unwrap()
            .into_iter()
            .map(|r| hygeia_compliance::SourceResult {
                requirement_id: r.requirement_id,
                value: r.value,
                justification: r.justification,
            })
            .collect();
        let reuse = Reuse::new(cat, "iso27001-2022", "nis2-2024-2690").unwrap();
        let view = reuse.derive(&sources, &[]).unwrap();
        let accepted = store
            .record_decision(
                &actor,
                &EntityScope::All,
                &nis2.id,
                &accept_derived(&view, "6.8.1").unwrap(),
                cat,
            )
            .await
            .unwrap();
        assert_eq!(accepted.origin, Origin::AcceptedDerivation);
        assert_eq!(accepted.value, ResultValue::NonCompliant);
        assert_eq!(
            accepted.origin_detail.as_ref().unwrap()["sources"][0],
            "A.8.22"
        );
        let overridden = store
            .record_decision(
                &actor,
                &EntityScope::All,
                &nis2.id,
                &override_derived(
                    &view,
                    "6.8.1",
                    ResultValue::PartiallyCompliant,
                    "VLANs in place",
                    None,
                )
                .unwrap(),
                cat,
            )
            .await
            .unwrap();
        assert_eq!(overridden.origin, Origin::OverriddenDerivation);
        assert_eq!(
            overridden.origin_detail.as_ref().unwrap()["reason"],
            "VLANs in place"
        );
        let history = store.result_history(&nis2.id).await.unwrap();
        assert_eq!(
            history.iter().map(|h| h.value).collect::<Vec<_>>(),
            [ResultValue::NonCompliant, ResultValue::PartiallyCompliant]
        );
        // One requirement's history, newest first, as the requirement page reads it.
        let latest = store
            .requirement_history(&nis2.id, "6.8.1", 1)
            .await
            .unwrap();
        assert_eq!(
            latest.iter().map(|h| h.value).collect::<Vec<_>>(),
            [ResultValue::PartiallyCompliant]
        );
        let own = store
            .requirement_history(&nis2.id, "6.8.1", 50)
            .await
            .unwrap();
        let mut expected: Vec<_> = history
            .iter()
            .filter(|h| h.requirement_id == "6.8.1")
            .collect();
        expected.reverse();
        assert_eq!(own.iter().collect::<Vec<_>>(), expected);
        let trail = store
            .list_audit(
                &EntityScope::All,
                &AuditFilter {
                    action: Some("result.set".into()),
                    ..AuditFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(trail.total, 5);
        let last = &trail.items[0];
        assert!(last.before.as_deref().unwrap().contains("non_compliant"));
        assert!(
            last.after
                .as_deref()
                .unwrap()
                .contains("partially_compliant")
        );
        assert!(
            store
                .verify_audit_chain()
                .await
                .unwrap()
                .first_break
                .is_none()
        );

        store
            .delete_assessment(&actor, &EntityScope::All, &nis2.id)
            .await
            .unwrap();
        assert!(store.results(&nis2.id).await.unwrap().is_empty());
        drop(db);
    }
}

#[tokio::test]
async fn evidence_is_hashed_flagged_attached_and_counted() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let a = store
            .create_entity(&actor, &org, &entity("Usine A"), any_type)
            .await
            .unwrap();
        let b = store
            .create_entity(&actor, &org, &entity("Usine B"), any_type)
            .await
            .unwrap();
        let cat = catalog();
        let control = store
            .create_control(
                &actor,
                &a.id,
                &ControlInput {
                    name: "Segmentation réseau".into(),
                    description: "VLAN par zone".into(),
                    owner: Some("Équipe réseau".into()),
                    status: "implemented".into(),
                    implemented_on: Some("2025-11-01".into()),
                    next_review_on: Some("2026-11-01".into()),
                    requirements: vec![
                        RequirementRef {
                            framework_id: "iso27001-2022".into(),
                            requirement_id: "a.8.22".into(),
                        },
                        RequirementRef {
                            framework_id: "nis2-2024-2690".into(),
                            requirement_id: "6.8.1".into(),
                        },
                    ],
                    version: None,
                },
                cat,
            )
            .await
            .unwrap();
        assert_eq!(control.requirements.len(), 2);
        let err = store
            .create_control(
                &actor,
                &a.id,
                &ControlInput {
                    name: "X".into(),
                    status: "done".into(),
                    requirements: vec![RequirementRef {
                        framework_id: "iso27001-2022".into(),
                        requirement_id: "a.99".into(),
                    }],
                    ..ControlInput::default()
                },
                cat,
            )
            .await
            .unwrap_err();
        assert_eq!(fields(err), ["status", "requirements"]);

        let bytes = b"rapport de test d'intrusion".to_vec();
        let file = store
            .add_evidence_file(
                &actor,
                &a.id,
                &EvidenceUpload {
                    title: "Pentest 2025".into(),
                    file_name: "../pentest.pdf".into(),
                    valid_until: Some("2026-02-28".into()),
                    media_type: Some("application/pdf".into()),
                },
                &bytes,
            )
            .await
            .unwrap();
        assert_eq!(file.file_name.as_deref(), Some("pentest.pdf"));
        assert_eq!(file.size_bytes, Some(bytes.len() as i64));
        use sha2::Digest;
        let expected = hex::encode(sha2::Sha256::digest(&bytes));
        assert_eq!(file.sha256.as_deref(), Some(expected.as_str()));
        assert!(file.expired && file.expiry == Expiry::Expired);
        let link = store
            .add_evidence_link(
                &actor,
                &a.id,
                &EvidenceLinkInput {
                    title: "Procédure".into(),
                    url: "https://intranet.example/proc".into(),
                    valid_until: Some("2026-03-20".into()),
                },
            )
            .await
            .unwrap();
        assert!(link.expiring_soon && !link.expired);
        let err = store
            .add_evidence_link(
                &actor,
                &a.id,
                &EvidenceLinkInput {
                    title: "x".into(),
                    url: "javascript:alert(1)".into(),
                    valid_until: None,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(fields(err), ["url"]);

        store
            .attach_evidence(
                &actor,
                &EntityScope::All,
                &file.id,
                &Attachment {
                    control_id: Some(control.id.clone()),
                    framework_id: None,
                    requirement_id: None,
                },
                cat,
            )
            .await
            .unwrap();
        let attached = store
            .attach_evidence(
                &actor,
                &EntityScope::All,
                &link.id,
                &Attachment {
                    control_id: None,
                    framework_id: Some("iso27001-2022".into()),
                    requirement_id: Some("a.8.22".into()),
                },
                cat,
            )
            .await
            .unwrap();
        assert_eq!(attached.attachments.len(), 1);
        // A control of another entity cannot be named.
        let other = store
            .create_control(
                &actor,
                &b.id,
                &ControlInput {
                    name: "Autre".into(),
                    status: "planned".into(),
                    ..ControlInput::default()
                },
                cat,
            )
            .await
            .unwrap();
        let err = store
            .attach_evidence(
                &actor,
                &EntityScope::All,
                &link.id,
                &Attachment {
                    control_id: Some(other.id.clone()),
                    framework_id: None,
                    requirement_id: None,
                },
                cat,
            )
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            StoreError::Conflict {
                field: "control_id",
                ..
            }
        ));

        let by_req = store
            .evidence_by_requirement(&a.id, "iso27001-2022")
            .await
            .unwrap();
        assert_eq!(
            by_req["a.8.22"].len(),
            2,
            "through the control and directly"
        );
        let nis2 = store
            .evidence_by_requirement(&a.id, "nis2-2024-2690")
            .await
            .unwrap();
        assert_eq!(nis2["6.8.1"].len(), 1, "the control serves NIS2 too");
        // The requirement page's reads of one requirement agree with the framework's maps.
        for (framework, requirement) in [
            ("iso27001-2022", "a.8.22"),
            ("nis2-2024-2690", "6.8.1"),
            ("iso27001-2022", "a.5.1"),
        ] {
            let mut whole = store
                .evidence_by_requirement(&a.id, framework)
                .await
                .unwrap();
            let one = store
                .evidence_for_requirement(&a.id, framework, requirement)
                .await
                .unwrap();
            assert_eq!(
                one.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
                whole
                    .remove(requirement)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|e| e.id)
                    .collect::<Vec<_>>(),
                "{framework} {requirement}"
            );
            let mut controls = store
                .controls_by_requirement(&a.id, framework)
                .await
                .unwrap();
            assert_eq!(
                store
                    .controls_for_requirement(&a.id, framework, requirement)
                    .await
                    .unwrap(),
                controls.remove(requirement).unwrap_or_default()
            );
        }
        assert!(
            store
                .evidence_for_requirement(&b.id, "iso27001-2022", "a.8.22")
                .await
                .unwrap()
                .is_empty()
        );

        let iso = store
            .create_assessment(&actor, &a.id, &iso_assessment(), cat)
            .await
            .unwrap();
        let rows = store
            .list_assessment_requirements(
                &EntityScope::All,
                &iso.id,
                cat,
                &ResultFilter {
                    art21: Some("e".into()),
                    ..ResultFilter::default()
                },
                PageRequest::new(Some(500), None),
            )
            .await;
        // ISO requirements carry no Art. 21 letters: the filter is valid but matches none.
        assert_eq!(rows.unwrap().total, 0);
        let rows = store
            .list_assessment_requirements(
                &EntityScope::All,
                &iso.id,
                cat,
                &ResultFilter::default(),
                PageRequest::new(Some(500), None),
            )
            .await
            .unwrap();
        let row = rows
            .items
            .iter()
            .find(|r| r.requirement_id == "a.8.22")
            .unwrap();
        assert_eq!(
            (
                row.evidence.total,
                row.evidence.expired,
                row.evidence.expiring_soon
            ),
            (2, 1, 1)
        );
        assert_eq!(row.controls[0].name, "Segmentation réseau");

        let (meta, content) = store
            .evidence_file(&EntityScope::All, &file.id)
            .await
            .unwrap();
        assert_eq!(content, bytes);
        assert_eq!(meta.media_type.as_deref(), Some("application/pdf"));
        let scope_b = EntityScope::Only([b.id.clone()].into());
        assert!(matches!(
            store.evidence_file(&scope_b, &file.id).await,
            Err(StoreError::NotFound { .. })
        ));
        let listed = store
            .list_evidence_page(&a.id, None, PageRequest::default())
            .await
            .unwrap()
            .items;
        assert_eq!(listed.len(), 2);
        assert!(
            store
                .list_evidence_page(&b.id, None, PageRequest::default())
                .await
                .unwrap()
                .items
                .is_empty()
        );

        store
            .delete_control(&actor, &EntityScope::All, &control.id)
            .await
            .unwrap();
        let by_req = store
            .evidence_by_requirement(&a.id, "iso27001-2022")
            .await
            .unwrap();
        assert_eq!(by_req["a.8.22"].len(), 1);
        drop(db);
    }
}

#[tokio::test]
async fn pair_reviews_are_validated_replaced_and_read_back_for_the_engine() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let cat = catalog();
        let set = "enisa-2024-2690-to-iso27001-2022";
        let err = store
            .review_pair(
                &actor,
                &org,
                &PairReview::new(
                    set,
                    "6.8.1",
                    "a.8.22",
                    ReviewDecision::Refined {
                        relationship: hygeia_catalog::Relationship::Equal,
                        rationale: " ".into(),
                    },
                ),
                cat,
            )
            .await
            .unwrap_err();
        assert_eq!(fields(err), ["rationale"]);
        store
            .review_pair(
                &actor,
                &org,
                &PairReview::new(set, "6.8.1", "a.8.22", ReviewDecision::Confirmed),
                cat,
            )
            .await
            .unwrap();
        let refined = store
            .review_pair(
                &actor,
                &org,
                &PairReview::new(
                    set,
                    "6.8.1",
                    "a.8.22",
                    ReviewDecision::Refined {
                        relationship: hygeia_catalog::Relationship::Equal,
                        rationale: "Our A.8.22 covers the whole point".into(),
                    },
                ),
                cat,
            )
            .await
            .unwrap();
        assert_eq!(refined.decision, "refined");
        let reviews = store.pair_reviews(&org).await.unwrap();
        assert_eq!(reviews.len(), 1);
        let reuse = Reuse::new(cat, "iso27001-2022", "nis2-2024-2690").unwrap();
        let view = reuse
            .derive(
                &[hygeia_compliance::SourceResult::new(
                    "a.8.22",
                    ResultValue::Compliant,
                )],
                &reviews,
            )
            .unwrap();
        assert_eq!(
            view.get("6.8.1").unwrap().value,
            hygeia_compliance::DerivedValue::Compliant
        );
        drop(db);
    }
}

#[tokio::test]
async fn every_result_write_bumps_the_results_version_and_expiry_is_counted_per_entity() {
    for db in testing::all().await {
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let actor = admin_actor();
        let cat = catalog();
        let a = store
            .create_entity(&actor, &org, &entity("Usine A"), any_type)
            .await
            .unwrap();
        let b = store
            .create_entity(&actor, &org, &entity("Usine B"), any_type)
            .await
            .unwrap();
        let iso = store
            .create_assessment(&actor, &a.id, &iso_assessment(), cat)
            .await
            .unwrap();
        assert_eq!(iso.results_version, 0);
        let version = |id: String| {
            let store = store.clone();
            async move {
                store
                    .assessment(&EntityScope::All, &id)
                    .await
                    .unwrap()
                    .results_version
            }
        };
        store
            .set_results(
                &actor,
                &EntityScope::All,
                &iso.id,
                &[
                    ResultInput::new("a.5.1", ResultValue::NonCompliant),
                    ResultInput::new("a.5.2", ResultValue::Compliant),
                ],
                cat,
            )
            .await
            .unwrap();
        assert_eq!(version(iso.id.clone()).await, 1, "one bump per write");
        // A refused write changes nothing.
        store
            .set_results(
                &actor,
                &EntityScope::All,
                &iso.id,
                &[ResultInput::new("no.such", ResultValue::Compliant)],
                cat,
            )
            .await
            .unwrap_err();
        assert_eq!(version(iso.id.clone()).await, 1);
        // Editing the assessment's fields keeps the results version (and the other way).
        let mut edit = iso_assessment();
        edit.name = "Renamed".into();
        let edited = store
            .update_assessment(&actor, &EntityScope::All, &iso.id, &edit, cat)
            .await
            .unwrap();
        assert_eq!((edited.version, edited.results_version), (2, 1));
        // A decision on a derived result is a result write too.
        let nis2 = store
            .create_assessment(
                &actor,
                &a.id,
                &AssessmentInput {
                    framework_id: "nis2-2024-2690".into(),
                    ..iso_assessment()
                },
                cat,
            )
            .await
            .unwrap();
        let reuse = Reuse::new(cat, "iso27001-2022", "nis2-2024-2690").unwrap();
        let results: Vec<_> = store
            .results(&iso.id)
            .await
            .unwrap()
            .into_iter()
            .map(|r| hygeia_compliance::SourceResult::new(r.requirement_id, r.value))
            .collect();
        let view = reuse.derive(&results, &[]).unwrap();
        let derived = view
            .derived
            .iter()
            .find(|d| !d.provenance.is_empty())
            .unwrap();
        let decided = override_derived(
            &view,
            &derived.requirement_id,
            ResultValue::Compliant,
            "checked on site",
            None,
        )
        .unwrap();
        store
            .record_decision(&actor, &EntityScope::All, &nis2.id, &decided, cat)
            .await
            .unwrap();
        assert_eq!(version(nis2.id.clone()).await, 1);
        assert_eq!(version(iso.id.clone()).await, 1);

        // Evidence on 2026-03-02: expired before today, expiring up to 30 days ahead.
        for (entity_id, until) in [
            (&a.id, Some("2026-03-01")),
            (&a.id, Some("2026-03-02")),
            (&a.id, Some("2026-04-01")),
            (&a.id, Some("2026-04-02")),
            (&a.id, None),
            (&b.id, Some("2025-12-31")),
        ] {
            store
                .add_evidence_link(
                    &actor,
                    entity_id,
                    &EvidenceLinkInput {
                        title: "Policy".into(),
                        url: "https://docs.example/policy".into(),
                        valid_until: until.map(str::to_owned),
                    },
                )
                .await
                .unwrap();
        }
        let mut counts = store
            .evidence_expiry_counts(&[a.id.as_str(), b.id.as_str()])
            .await
            .unwrap();
        counts.sort();
        let mut expected = vec![(a.id.clone(), 1, 2), (b.id.clone(), 1, 0)];
        expected.sort();
        assert_eq!(counts, expected);
        // The same figures as the evidence list's filters.
        for (wanted, n) in [(Expiry::Expired, 1), (Expiry::ExpiringSoon, 2)] {
            let page = store
                .list_evidence_page(&a.id, Some(wanted), PageRequest::new(Some(1), None))
                .await
                .unwrap();
            assert_eq!(page.total, n);
        }
        assert_eq!(
            store
                .evidence_expiry_counts(&[b.id.as_str()])
                .await
                .unwrap(),
            vec![(b.id.clone(), 1, 0)]
        );
        assert!(store.evidence_expiry_counts(&[]).await.unwrap().is_empty());
    }
}
