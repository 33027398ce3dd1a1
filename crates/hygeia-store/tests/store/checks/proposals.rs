//! Result changes proposed by failing checks: made once, confirmed or dismissed once (even
//! by two people at once), withdrawn when no longer needed; and observations counted in time.

use super::inventory_and_accounts::{identify, unknown_plc};
use super::*;

/// An assessment of `framework_id` for `entity_id`, in the given status.
async fn assessment(store: &Store, entity_id: &str, framework_id: &str, status: &str) -> String {
    let input = AssessmentInput {
        framework_id: framework_id.into(),
        name: format!("{framework_id} {status}"),
        scope: "Site de production".into(),
        starts_on: Some("2026-01-05".into()),
        ends_on: Some("2026-06-30".into()),
        status: status.into(),
        version: None,
    };
    let actor = admin_actor();
    let created = store.create_assessment(&actor, entity_id, &input, catalog());
    created.await.unwrap().id
}

async fn set_result(store: &Store, assessment_id: &str, input: ResultInput) {
    let (actor, all) = (admin_actor(), EntityScope::All);
    let inputs = [input];
    let set = store.set_results(&actor, &all, assessment_id, &inputs, catalog());
    set.await.unwrap();
}

async fn proposals(store: &Store, scope: &EntityScope, requirement: &str) -> Vec<ResultProposal> {
    let filter = ProposalFilter {
        requirement_id: Some(requirement.into()),
        ..ProposalFilter::default()
    };
    store.list_result_proposals(scope, &filter).await.unwrap()
}

/// A plant with a NIS2 assessment under way (12.4.1 compliant), a planned ISO 27001 one, a
/// completed IEC 62443 one, and an unknown PLC in its cell (no run yet); and a clinic.
struct UnderWay {
    plant: String,
    clinic: String,
    nis2: String,
    iso: String,
}

async fn under_way(store: &Store) -> UnderWay {
    let org = seeded(store).await;
    let plant = new_entity(store, &org, "Usine").await;
    let clinic = new_entity(store, &org, "Clinique").await;
    let nis2 = assessment(store, &plant, "nis2-2024-2690", "in_progress").await;
    set_result(
        store,
        &nis2,
        ResultInput::new("12.4.1", ResultValue::Compliant),
    )
    .await;
    let iso = assessment(store, &plant, "iso27001-2022", "planned").await;
    assessment(store, &plant, "iec62443-3-3", "completed").await;
    unknown_plc(store, &plant, "plc-1", "10.1.0.5").await;
    UnderWay {
        plant,
        clinic,
        nis2,
        iso,
    }
}

#[tokio::test]
async fn failing_checks_propose_once_and_a_confirmation_sets_the_result_citing_the_check() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let UnderWay {
            plant,
            clinic,
            nis2,
            ..
        } = under_way(&store).await;
        let (actor, all) = (admin_actor(), EntityScope::All);

        // Proposed on the assessments under way (not the completed one), whatever the result.
        let first = run(&store).await;
        assert_eq!((first.opened, first.proposed), (1, 2), "{name}: {first:?}");
        let on_iso = proposals(&store, &all, "a.5.9").await.remove(0);
        assert_eq!(
            (on_iso.value_before, on_iso.state.as_str()),
            (None, "proposed")
        );
        let waiting = proposals(&store, &all, "12.4.1").await;
        assert_eq!(waiting.len(), 1, "{name}");
        let p = &waiting[0];
        assert_eq!(
            (
                p.assessment_id.as_str(),
                p.entity_id.as_str(),
                p.framework_id.as_str()
            ),
            (nis2.as_str(), plant.as_str(), "nis2-2024-2690"),
            "{name}"
        );
        assert_eq!(
            (p.value_before.as_deref(), p.state.as_str()),
            (Some("compliant"), "proposed")
        );
        assert_eq!(
            (p.check_id.as_str(), p.record_count),
            ("ot-unknown-assets", 1)
        );
        assert_eq!(
            trail(&store, "result_proposal.propose").await.len(),
            2,
            "{name}"
        );
        // The next run finds the same: nothing proposed twice.
        assert_eq!(run(&store).await.proposed, 0, "{name}");
        assert_eq!(proposals(&store, &all, "12.4.1").await.len(), 1, "{name}");

        // Out of the decider's scope: not found, not listed.
        let elsewhere = EntityScope::Only([clinic].into());
        let hidden = store.confirm_result_proposal(&actor, &elsewhere, &p.id, rules(), "en");
        assert!(
            matches!(hidden.await, Err(StoreError::NotFound { .. })),
            "{name}"
        );
        let hidden = store.dismiss_result_proposal(&actor, &elsewhere, &p.id, "no");
        assert!(
            matches!(hidden.await, Err(StoreError::NotFound { .. })),
            "{name}"
        );
        assert!(
            proposals(&store, &elsewhere, "12.4.1").await.is_empty(),
            "{name}"
        );
        assert_eq!(
            store.results(&nis2).await.unwrap()[0].value,
            ResultValue::Compliant
        );

        // Confirmed: the result becomes non-compliant, its justification citing the check.
        let sets = trail(&store, "result.set").await.len();
        let confirmed = store.confirm_result_proposal(&actor, &all, &p.id, rules(), "en");
        let result = confirmed.await.unwrap();
        assert_eq!(result.value, ResultValue::NonCompliant, "{name}");
        let why = result.justification.clone().unwrap_or_default();
        assert_eq!(
            why,
            "Automated check \"Unknown devices in an OT zone\": failing since 2026-03-02 (1 record(s)).",
            "{name}"
        );
        let detail = result.origin_detail.clone().unwrap();
        assert_eq!(
            (&detail["check_id"], &detail["proposal_id"]),
            (&json!("ot-unknown-assets"), &json!(p.id))
        );
        let stored = store.results(&nis2).await.unwrap();
        assert_eq!(
            (stored.len(), stored[0].value),
            (1, ResultValue::NonCompliant)
        );
        assert_eq!(stored[0].justification, result.justification, "{name}");
        let decided = proposals(&store, &all, "12.4.1").await.remove(0);
        assert_eq!(decided.state, "confirmed", "{name}");
        assert_eq!(
            decided.decided_by.as_deref(),
            Some("ciso@example.org"),
            "{name}"
        );
        let confirmations = trail(&store, "result_proposal.confirm").await;
        assert_eq!(confirmations.len(), 1, "{name}");
        assert_eq!(confirmations[0].object_id, p.id, "{name}");
        let sets_now = trail(&store, "result.set").await;
        assert_eq!(sets_now.len(), sets + 1, "{name}");
        assert!(
            sets_now[0]
                .after
                .as_deref()
                .unwrap()
                .contains("non_compliant")
        );

        // Decided, it is never decided again, and the check does not propose it again.
        let again = store
            .confirm_result_proposal(&actor, &all, &p.id, rules(), "fr")
            .await;
        assert!(
            matches!(again, Err(StoreError::Conflict { .. })),
            "{name}: {again:?}"
        );
        let again = store
            .dismiss_result_proposal(&actor, &all, &p.id, "no")
            .await;
        assert!(
            matches!(again, Err(StoreError::Conflict { .. })),
            "{name}: {again:?}"
        );
        let later = run(&store).await;
        assert_eq!(
            (later.refreshed, later.proposed),
            (1, 0),
            "{name}: {later:?}"
        );
        assert_eq!(proposals(&store, &all, "12.4.1").await.len(), 1, "{name}");
        assert!(chain_intact(&store).await, "{name}");
    }
}

#[tokio::test]
async fn a_dismissal_needs_a_reason_and_leaves_the_result_as_it_is() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let UnderWay { nis2, iso, .. } = under_way(&store).await;
        let (actor, all) = (admin_actor(), EntityScope::All);
        assert_eq!(run(&store).await.proposed, 2, "{name}");
        let on_nis2 = proposals(&store, &all, "12.4.1").await.remove(0);

        // Without a reason: refused by field, nothing written.
        let audited = trail(&store, "result_proposal.dismiss").await.len();
        let refused = store
            .dismiss_result_proposal(&actor, &all, &on_nis2.id, "  ")
            .await;
        let Err(StoreError::Invalid(errors)) = refused else {
            panic!("{name}: {refused:?}")
        };
        assert_eq!(errors.0.len(), 1, "{name}");
        assert_eq!(errors.0[0].field, "reason", "{name}");
        assert_eq!(proposals(&store, &all, "12.4.1").await[0].state, "proposed");
        assert_eq!(
            trail(&store, "result_proposal.dismiss").await.len(),
            audited
        );

        // With one: dismissed, audited; the result stays compliant.
        let reason = " A spare PLC on the shelf, never connected ";
        let dismissed = store.dismiss_result_proposal(&actor, &all, &on_nis2.id, reason);
        let dismissed = dismissed.await.unwrap();
        let trimmed = Some("A spare PLC on the shelf, never connected");
        assert_eq!(
            (dismissed.state.as_str(), dismissed.reason.as_deref()),
            ("dismissed", trimmed)
        );
        let stored = proposals(&store, &all, "12.4.1").await.remove(0);
        assert_eq!(stored, dismissed, "{name}: as returned");
        assert_eq!(
            stored.decided_by.as_deref(),
            Some("ciso@example.org"),
            "{name}"
        );
        let dismissals = trail(&store, "result_proposal.dismiss").await;
        assert_eq!(dismissals.len(), 1, "{name}");
        assert!(
            dismissals[0]
                .after
                .as_deref()
                .unwrap()
                .contains("A spare PLC")
        );
        let results = store.results(&nis2).await.unwrap();
        assert_eq!(
            results[0].value,
            ResultValue::Compliant,
            "{name}: unchanged"
        );
        assert_eq!(
            trail(&store, "result_proposal.confirm").await.len(),
            0,
            "{name}"
        );

        // The ISO one (never assessed) too; then neither is decided again.
        let on_iso = proposals(&store, &all, "a.5.9").await.remove(0);
        let dismissed = store.dismiss_result_proposal(&actor, &all, &on_iso.id, "Spare");
        dismissed.await.unwrap();
        assert!(
            store.results(&iso).await.unwrap().is_empty(),
            "{name}: still unassessed"
        );
        for id in [&on_nis2.id, &on_iso.id] {
            let again = store
                .confirm_result_proposal(&actor, &all, id, rules(), "en")
                .await;
            assert!(
                matches!(again, Err(StoreError::Conflict { .. })),
                "{name}: {again:?}"
            );
            let again = store
                .dismiss_result_proposal(&actor, &all, id, "again")
                .await;
            assert!(
                matches!(again, Err(StoreError::Conflict { .. })),
                "{name}: {again:?}"
            );
        }
        assert_eq!(
            run(&store).await.proposed,
            0,
            "{name}: dismissed stays dismissed"
        );
        assert!(chain_intact(&store).await, "{name}");
    }
}

#[tokio::test]
async fn proposals_are_withdrawn_when_their_observation_closes_or_the_result_says_so() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let UnderWay { plant, nis2, .. } = under_way(&store).await;
        let org = store.entity(&plant).await.unwrap().organisation_id;
        // An administrator with a password alone fails a check informing NIS2 11.7.1 and
        // 11.3.1 and ISO 27001 a.8.5, on the clinic as well (only the plant has assessments:
        // five proposals in all).
        user(
            &store,
            &org,
            "admin@example.org",
            Role::Administrator,
            vec![],
        )
        .await;
        let all = EntityScope::All;
        let first = run(&store).await;
        assert_eq!((first.opened, first.proposed), (3, 5), "{name}: {first:?}");
        let on_mfa = proposals(&store, &all, "11.7.1").await.remove(0);
        assert_eq!(on_mfa.check_id, "admins-without-mfa", "{name}");

        // The results come to say so by other means: those proposals are withdrawn.
        let non_compliant = ResultInput::new("11.7.1", ResultValue::NonCompliant);
        set_result(&store, &nis2, non_compliant).await;
        let mut na = ResultInput::new("11.3.1", ResultValue::NotApplicable);
        na.justification = Some("No remote access at all".into());
        set_result(&store, &nis2, na).await;
        assert_eq!(run(&store).await.proposed, 0, "{name}");
        for requirement in ["11.7.1", "11.3.1"] {
            let withdrawn = proposals(&store, &all, requirement).await.remove(0);
            let state = (withdrawn.state.as_str(), withdrawn.decided_by.as_deref());
            assert_eq!(
                state,
                ("withdrawn", Some("system")),
                "{name}: {requirement}"
            );
            assert!(withdrawn.decided_at.is_some(), "{name}");
        }
        assert_eq!(
            trail(&store, "result_proposal.withdraw").await.len(),
            2,
            "{name}"
        );

        // The PLC is identified: its observation closes and withdraws its two proposals.
        identify(&store, &plant, "plc-1", "10.1.0.5").await;
        let third = run(&store).await;
        assert_eq!((third.closed, third.proposed), (1, 0), "{name}: {third:?}");
        for requirement in ["12.4.1", "a.5.9"] {
            let withdrawn = proposals(&store, &all, requirement).await;
            assert_eq!(withdrawn.len(), 1, "{name}");
            assert_eq!(withdrawn[0].state, "withdrawn", "{name}: {requirement}");
        }
        // One record per proposal withdrawn, after the observation's closing.
        assert_eq!(trail(&store, "observation.close").await.len(), 1, "{name}");
        assert_eq!(
            trail(&store, "result_proposal.withdraw").await.len(),
            4,
            "{name}"
        );
        let withdrawn = proposals(&store, &all, "12.4.1").await.remove(0);
        let (actor, id) = (admin_actor(), &withdrawn.id);
        let decided = store.confirm_result_proposal(&actor, &all, id, rules(), "en");
        assert!(
            matches!(decided.await, Err(StoreError::Conflict { .. })),
            "{name}"
        );
        let kept = store.results(&nis2).await.unwrap();
        let kept = kept.iter().find(|r| r.requirement_id == "12.4.1").unwrap();
        assert_eq!(kept.value, ResultValue::Compliant, "{name}");

        // Another unknown device opens a new observation, which proposes anew.
        unknown_plc(&store, &plant, "plc-9", "10.1.0.9").await;
        let fourth = run(&store).await;
        assert_eq!(
            (fourth.opened, fourth.proposed),
            (1, 2),
            "{name}: {fourth:?}"
        );
        let again = proposals(&store, &all, "12.4.1").await;
        let states: Vec<&str> = again.iter().map(|p| p.state.as_str()).collect();
        assert_eq!(
            states,
            ["proposed", "withdrawn"],
            "{name}: waiting ones first"
        );
        assert_ne!(again[0].observation_id, again[1].observation_id, "{name}");
        // The waiting one is the latest, and the MFA proposals stayed as they were.
        assert_eq!(proposals(&store, &all, "11.7.1").await.len(), 1, "{name}");
    }
}

#[tokio::test]
async fn runs_at_once_open_one_observation_and_propose_once() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        under_way(&store).await;
        let runs = (0..4).map(|_| {
            let store = store.clone();
            async move { store.run_checks(rules(), "schedule").await.unwrap() }
        });
        let runs = futures_util::future::join_all(runs).await;
        let opened: i64 = runs.iter().map(|r| r.opened).sum();
        let proposed: i64 = runs.iter().map(|r| r.proposed).sum();
        assert_eq!((opened, proposed), (1, 2), "{name}: {runs:?}");
        assert_eq!(
            store.latest_check_runs(10).await.unwrap().len(),
            4,
            "{name}"
        );
    }
}

#[tokio::test]
async fn open_observations_are_counted_at_instants_before_during_and_after() {
    for db in testing::all().await {
        let name = db.name;
        let clock = StepClock::new();
        let store = db.store(Arc::new(clock.clone())).await;
        let org = seeded(&store).await;
        let plant = new_entity(&store, &org, "Usine").await;
        let clinic = new_entity(&store, &org, "Clinique").await;
        let opened = clock.now();
        unknown_plc(&store, &plant, "plc-1", "10.1.0.5").await;
        run(&store).await;

        // A day later the PLC is identified, and an administrator without a second factor
        // appears (on both entities of the organisation).
        clock.advance(Duration::days(1));
        let closed_at = clock.now();
        identify(&store, &plant, "plc-1", "10.1.0.5").await;
        user(
            &store,
            &org,
            "admin@example.org",
            Role::Administrator,
            vec![],
        )
        .await;
        let second = run(&store).await;
        assert_eq!(counts(&second), (2, 0, 1, 2), "{name}: {second:?}");
        clock.advance(Duration::days(1));

        let instants: Vec<String> = [
            opened - Duration::hours(1),
            opened,
            opened + Duration::hours(12),
            closed_at,
            closed_at + Duration::hours(1),
        ]
        .into_iter()
        .map(format_instant)
        .collect();
        let count = |scope: EntityScope, entity_id: Option<&str>| {
            let (store, instants, entity_id) = (&store, &instants, entity_id.map(str::to_owned));
            async move {
                let counted = store.open_observations_at(&scope, entity_id.as_deref(), instants);
                counted.await.unwrap()
            }
        };
        let on_plant = count(EntityScope::All, Some(&plant)).await;
        assert_eq!(
            on_plant,
            [0, 1, 1, 1, 1],
            "{name}: the OT one, then the MFA one"
        );
        assert_eq!(
            count(EntityScope::All, None).await,
            [0, 1, 1, 2, 2],
            "{name}"
        );
        let clinic_only = EntityScope::Only([clinic].into());
        assert_eq!(
            count(clinic_only.clone(), None).await,
            [0, 0, 0, 1, 1],
            "{name}"
        );
        let hidden = count(clinic_only, Some(&plant)).await;
        assert_eq!(hidden, [0, 0, 0, 0, 0], "{name}: out of scope");
        let ot = observations(&store, &plant, "ot-unknown-assets").await;
        let span = (ot[0].opened_at.clone(), ot[0].closed_at.clone());
        let expected = (format_instant(opened), Some(format_instant(closed_at)));
        assert_eq!(span, expected, "{name}");

        // The runs, newest first.
        let runs = store.latest_check_runs(10).await.unwrap();
        assert_eq!(runs.len(), 2, "{name}");
        assert_eq!(runs[0].started_at, format_instant(closed_at), "{name}");
        assert_eq!(
            (runs[1].opened, runs[1].started_by.as_str()),
            (1, "test"),
            "{name}"
        );
        assert_eq!(
            store.latest_check_runs(1).await.unwrap(),
            runs[..1],
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_proposal_decided_at_once_by_two_people_is_decided_once() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let UnderWay { nis2, iso, .. } = under_way(&store).await;
        run(&store).await;
        let all = EntityScope::All;
        for (requirement, assessment_id) in [("12.4.1", &nis2), ("a.5.9", &iso)] {
            let id = proposals(&store, &all, requirement).await.remove(0).id;
            let (actor, scope) = (admin_actor(), EntityScope::All);
            let confirm = store.confirm_result_proposal(&actor, &scope, &id, rules(), "en");
            let dismiss = store.dismiss_result_proposal(&actor, &scope, &id, "spare");
            let (confirmed, dismissed) = tokio::join!(confirm, dismiss);
            // One wins; the other finds it decided, and writes nothing.
            let state = match (&confirmed, &dismissed) {
                (Ok(_), Err(StoreError::Conflict { .. })) => "confirmed",
                (Err(StoreError::Conflict { .. }), Ok(_)) => "dismissed",
                _ => panic!("{name}: {confirmed:?} {dismissed:?}"),
            };
            let stored = proposals(&store, &all, requirement).await.remove(0);
            assert_eq!(stored.state, state, "{name}");
            let results = store.results(assessment_id).await.unwrap();
            let result = results.iter().find(|r| r.requirement_id == requirement);
            let non_compliant = result.is_some_and(|r| r.value == ResultValue::NonCompliant);
            assert_eq!(non_compliant, state == "confirmed", "{name}: {result:?}");
        }
        let confirms = trail(&store, "result_proposal.confirm").await.len();
        let dismissals = trail(&store, "result_proposal.dismiss").await.len();
        assert_eq!(confirms + dismissals, 2, "{name}: one record each");
        assert!(chain_intact(&store).await, "{name}");
    }
}
