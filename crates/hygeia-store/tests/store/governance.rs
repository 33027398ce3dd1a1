//! Governance on both engines (NIS2 Art. 20): members and who may sign on which day,
//! approvals recorded once with their signatory, training records and what needs renewing,
//! policies through draft, approval, publication and revision, with the acknowledgements of
//! the people they apply to counted for the version in force only. Every change audited.

use chrono::Duration;
use hygeia_domain::governance::approvals::ApprovalInput;
use hygeia_domain::governance::members::MemberInput;
use hygeia_domain::governance::policies::{DraftInput, PolicyInput, PublishInput};
use hygeia_domain::governance::training::TrainingInput;

use super::access::{StepClock, user};
use super::*;

async fn new_entity(store: &Store, org: &str, name: &str) -> String {
    let (actor, input) = (admin_actor(), entity(name));
    let created = store.create_entity(&actor, org, &input, any_type);
    created.await.unwrap().id
}

fn member(name: &str, appointed_on: &str, left_on: Option<&str>) -> MemberInput {
    MemberInput {
        name: name.into(),
        title: "Directeur général".into(),
        email: String::new(),
        user_id: None,
        appointed_on: appointed_on.into(),
        left_on: left_on.map(str::to_owned),
    }
}

fn measures(member_id: &str, approved_on: &str) -> ApprovalInput {
    ApprovalInput {
        subject: "measures".into(),
        version: "Plan 2026 v1".into(),
        approved_on: approved_on.into(),
        member_id: member_id.into(),
        reference: "PV CA 2026-02".into(),
        ..ApprovalInput::default()
    }
}

fn fields(error: StoreError) -> Vec<(String, String)> {
    match error {
        StoreError::Invalid(errors) => errors
            .0
            .into_iter()
            .map(|e| (e.field, e.code.to_string()))
            .collect(),
        other => panic!("expected a refusal by field, got {other}"),
    }
}

async fn actions(store: &Store, prefix: &str) -> Vec<String> {
    let trail = store
        .list_audit(
            &EntityScope::All,
            &AuditFilter::default(),
            PageRequest::new(Some(200), None),
        )
        .await
        .unwrap();
    let mut found: Vec<String> = trail
        .items
        .into_iter()
        .map(|r| r.action)
        .filter(|a| a.starts_with(prefix))
        .collect();
    found.reverse();
    found
}

#[tokio::test]
async fn only_a_member_sitting_that_day_signs_and_the_measures_fall_due_a_year_later() {
    for db in testing::all().await {
        let name = db.name;
        let clock = StepClock::new();
        let store = db.store(Arc::new(clock.clone())).await;
        let org = seeded(&store).await;
        let plant = new_entity(&store, &org, "Usine").await;
        let clinic = new_entity(&store, &org, "Clinique").await;
        let (actor, all) = (admin_actor(), EntityScope::All);
        let ceo = store
            .add_board_member(
                &actor,
                &all,
                &plant,
                &member("Claire Martin", "2025-01-01", None),
            )
            .await
            .unwrap();
        let former = member("Paul Durand", "2024-01-01", Some("2025-06-01"));
        let former = store
            .add_board_member(&actor, &all, &plant, &former)
            .await
            .unwrap();
        let elsewhere = member("Anne Roy", "2024-01-01", None);
        let elsewhere = store
            .add_board_member(&actor, &all, &clinic, &elsewhere)
            .await
            .unwrap();
        assert!(ceo.sitting && !former.sitting, "{name}");

        let refused = store
            .record_approval(&actor, &all, &plant, &measures(&former.id, "2026-02-15"))
            .await
            .unwrap_err();
        assert_eq!(
            fields(refused),
            [("member_id".to_owned(), "not_sitting".to_owned())],
            "{name}"
        );
        let refused = store
            .record_approval(&actor, &all, &plant, &measures(&elsewhere.id, "2026-02-15"))
            .await
            .unwrap_err();
        assert_eq!(fields(refused)[0].1, "not_found", "{name}");
        let refused = store
            .record_approval(&actor, &all, &plant, &measures(&ceo.id, "2026-03-03"))
            .await
            .unwrap_err();
        assert_eq!(fields(refused)[0].1, "in_future", "{name}");
        // The former member could sign while still sitting.
        let old = store
            .record_approval(&actor, &all, &plant, &measures(&former.id, "2025-03-01"))
            .await
            .unwrap();
        assert_eq!(old.signatory, "Paul Durand", "{name}");
        let approval = store
            .record_approval(&actor, &all, &plant, &measures(&ceo.id, "2026-02-15"))
            .await
            .unwrap();
        assert_eq!(
            (approval.signatory.as_str(), approval.version.as_str()),
            ("Claire Martin", "Plan 2026 v1"),
            "{name}"
        );

        let only_clinic = EntityScope::Only([clinic.clone()].into());
        let hidden = store.governance(&only_clinic, &plant).await.unwrap_err();
        assert!(matches!(hidden, StoreError::NotFound { .. }), "{name}");
        let hidden = store
            .record_approval(
                &actor,
                &only_clinic,
                &plant,
                &measures(&ceo.id, "2026-02-15"),
            )
            .await
            .unwrap_err();
        assert!(matches!(hidden, StoreError::NotFound { .. }), "{name}");

        let seen = store.governance(&all, &plant).await.unwrap();
        assert_eq!(seen.approvals.len(), 2, "{name}");
        assert_eq!(
            seen.status.measures_approved_on.as_deref(),
            Some("2026-02-15"),
            "{name}"
        );
        assert!(!seen.status.measures_renewal_due, "{name}");
        assert_eq!(seen.status.members_sitting, 1, "{name}");
        clock.advance(Duration::days(350));
        let later = store.governance(&all, &plant).await.unwrap();
        assert!(later.status.measures_renewal_due, "{name}");

        // Recording the leaving of a member keeps what they signed.
        let mut leaving = member("Claire Martin", "2025-01-01", Some("2026-12-01"));
        leaving.email = "claire.martin@usine.example".into();
        let left = store
            .update_board_member(&actor, &all, &ceo.id, &leaving)
            .await
            .unwrap();
        assert!(!left.sitting, "{name}");
        let after = store.governance(&all, &plant).await.unwrap();
        assert_eq!(after.approvals[0].signatory, "Claire Martin", "{name}");
        assert_eq!(
            actions(&store, "governance.").await,
            [
                "governance.member.add",
                "governance.member.add",
                "governance.member.add",
                "governance.approval.record",
                "governance.approval.record",
                "governance.member.update",
            ],
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_policy_is_approved_before_publication_and_only_the_version_in_force_is_acknowledged() {
    for db in testing::all().await {
        let name = db.name;
        let clock = StepClock::new();
        let store = db.store(Arc::new(clock.clone())).await;
        let org = seeded(&store).await;
        let plant = new_entity(&store, &org, "Usine").await;
        let clinic = new_entity(&store, &org, "Clinique").await;
        let (actor, all) = (admin_actor(), EntityScope::All);
        let admin = user(
            &store,
            &org,
            "admin@example.org",
            Role::Administrator,
            vec![],
        )
        .await;
        let engineer = user(
            &store,
            &org,
            "ot@example.org",
            Role::Contributor,
            vec![plant.clone()],
        )
        .await;
        let auditor = user(
            &store,
            &org,
            "audit@example.org",
            Role::Auditor,
            vec![plant.clone()],
        )
        .await;
        let nurse = user(
            &store,
            &org,
            "ide@example.org",
            Role::Contributor,
            vec![clinic.clone()],
        )
        .await;
        let as_user = |id: &str| Actor {
            user_id: Some(id.to_owned()),
            label: id.to_owned(),
            ..admin_actor()
        };
        let ceo = store
            .add_board_member(
                &actor,
                &all,
                &plant,
                &member("Claire Martin", "2025-01-01", None),
            )
            .await
            .unwrap();
        let now = PublishInput::default();
        let input = PolicyInput {
            title: "Politique de sécurité des SI".into(),
            owner: "RSSI".into(),
            audience_roles: vec![],
            review_months: Some(12),
        };
        let draft = DraftInput {
            summary: "Première version".into(),
            evidence_id: None,
        };
        let policy = store
            .create_policy(&actor, &all, &plant, &input, &draft)
            .await
            .unwrap();
        let id = policy.summary.id.clone();
        assert_eq!(
            (
                policy.summary.latest_version,
                policy.summary.latest_state.as_str()
            ),
            (1, "draft"),
            "{name}"
        );
        let early = store
            .publish_policy(&actor, &all, &id, &now)
            .await
            .unwrap_err();
        assert_eq!(
            early.to_string(),
            "state: a draft policy version cannot be published",
            "{name}"
        );
        let approve = ApprovalInput {
            subject: "policy".into(),
            policy_id: Some(id.clone()),
            approved_on: "2026-03-01".into(),
            member_id: ceo.id.clone(),
            ..ApprovalInput::default()
        };
        let approval = store
            .record_approval(&actor, &all, &plant, &approve)
            .await
            .unwrap();
        assert_eq!(
            (approval.version.as_str(), approval.policy_version),
            ("v1", Some(1)),
            "{name}"
        );
        let twice = store
            .record_approval(&actor, &all, &plant, &approve)
            .await
            .unwrap_err();
        assert!(
            twice
                .to_string()
                .contains("approved policy version cannot be approved"),
            "{name}: {twice}"
        );
        let frozen = store
            .draft_policy(&actor, &all, &id, &draft)
            .await
            .unwrap_err();
        assert!(matches!(frozen, StoreError::Conflict { .. }), "{name}");
        let published = store.publish_policy(&actor, &all, &id, &now).await.unwrap();
        assert_eq!(published.summary.published_version, Some(1), "{name}");
        assert_eq!(
            published.summary.next_review_on.as_deref(),
            Some("2027-03-02"),
            "{name}"
        );
        assert_eq!(
            published.versions[0].approved_by.as_deref(),
            Some("Claire Martin (Directeur général)"),
            "{name}"
        );
        let acks = published.acknowledgements.clone().unwrap();
        let mut missing: Vec<&str> = acks.missing.iter().map(|p| p.user_id.as_str()).collect();
        missing.sort_unstable();
        let mut expected = vec![admin.as_str(), engineer.as_str(), auditor.as_str()];
        expected.sort_unstable();
        assert_eq!(
            missing, expected,
            "{name}: the clinic's nurse is not concerned"
        );

        let pending = |user: String| {
            let store = store.clone();
            async move {
                store
                    .policies_to_acknowledge(&user)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|p| (p.title, p.version))
                    .collect::<Vec<_>>()
            }
        };
        let waiting = vec![("Politique de sécurité des SI".to_owned(), 1)];
        assert_eq!(pending(engineer.clone()).await, waiting, "{name}");
        assert_eq!(pending(nurse.clone()).await, [], "{name}: not her entity");
        let plant_only = EntityScope::Only([plant.clone()].into());
        let seen = store
            .acknowledge_policy(&as_user(&engineer), &plant_only, &id)
            .await
            .unwrap();
        let again = store
            .acknowledge_policy(&as_user(&engineer), &plant_only, &id)
            .await
            .unwrap();
        assert_eq!(seen, again, "{name}: acknowledging twice changes nothing");
        assert_eq!(pending(engineer.clone()).await, [], "{name}");
        assert_eq!(seen.summary.acknowledged, 1, "{name}");
        let clinic_only = EntityScope::Only([clinic.clone()].into());
        let outside = store
            .acknowledge_policy(&as_user(&nurse), &clinic_only, &id)
            .await
            .unwrap_err();
        assert!(matches!(outside, StoreError::NotFound { .. }), "{name}");

        // A revision: the published version stays in force until the next is published.
        let revision = DraftInput {
            summary: "Ajout du télétravail".into(),
            evidence_id: None,
        };
        let revised = store
            .draft_policy(&actor, &all, &id, &revision)
            .await
            .unwrap();
        assert_eq!(
            (
                revised.summary.latest_version,
                revised.summary.published_version
            ),
            (2, Some(1)),
            "{name}"
        );
        assert_eq!(revised.summary.acknowledged, 1, "{name}");
        let approve_v2 = ApprovalInput {
            approved_on: "2026-03-02".into(),
            ..approve.clone()
        };
        store
            .record_approval(&actor, &all, &plant, &approve_v2)
            .await
            .unwrap();
        let v2 = store.publish_policy(&actor, &all, &id, &now).await.unwrap();
        let states: Vec<(i64, &str)> = v2
            .versions
            .iter()
            .map(|v| (v.version, v.state.as_str()))
            .collect();
        assert_eq!(states, [(2, "published"), (1, "superseded")], "{name}");
        assert_eq!(
            pending(engineer.clone()).await,
            [("Politique de sécurité des SI".to_owned(), 2)],
            "{name}: v2 is to be read again"
        );
        assert_eq!(
            v2.summary.acknowledged, 0,
            "{name}: an acknowledgement of v1 does not count for v2"
        );

        // A policy for auditors only does not apply to the engineer.
        let auditors = PolicyInput {
            title: "Charte de l'auditeur".into(),
            audience_roles: vec!["auditor".into()],
            ..input.clone()
        };
        let charter = store
            .create_policy(&actor, &all, &plant, &auditors, &draft)
            .await
            .unwrap();
        let approve_charter = ApprovalInput {
            policy_id: Some(charter.summary.id.clone()),
            ..approve.clone()
        };
        store
            .record_approval(&actor, &all, &plant, &approve_charter)
            .await
            .unwrap();
        let before_approval = PublishInput {
            published_on: Some("2026-02-28".into()),
        };
        let refused = store
            .publish_policy(&actor, &all, &charter.summary.id, &before_approval)
            .await
            .unwrap_err();
        assert_eq!(fields(refused)[0].0, "published_on", "{name}");
        let backdated = PublishInput {
            published_on: Some("2026-03-01".into()),
        };
        let charter_in_force = store
            .publish_policy(&actor, &all, &charter.summary.id, &backdated)
            .await
            .unwrap();
        assert_eq!(
            charter_in_force.summary.next_review_on.as_deref(),
            Some("2027-03-01"),
            "{name}: reviewed a year after its real publication"
        );
        let refused = store
            .acknowledge_policy(&as_user(&engineer), &plant_only, &charter.summary.id)
            .await
            .unwrap_err();
        assert_eq!(
            refused.to_string(),
            "audience: this policy does not apply to you",
            "{name}"
        );
        let charter = store
            .acknowledge_policy(&as_user(&auditor), &plant_only, &charter.summary.id)
            .await
            .unwrap();
        assert_eq!(
            (charter.summary.audience, charter.summary.acknowledged),
            (1, 1),
            "{name}"
        );

        let status = store.governance(&all, &plant).await.unwrap().status;
        assert_eq!(
            (
                status.policies_published,
                status.policies_pending,
                status.acknowledgements_missing,
                status.policies_review_due
            ),
            (2, 0, 3, 0),
            "{name}"
        );
        clock.advance(Duration::days(366));
        let status = store.governance(&all, &plant).await.unwrap().status;
        assert_eq!(status.policies_review_due, 2, "{name}");
        let trail = actions(&store, "governance.policy").await;
        assert_eq!(
            trail
                .iter()
                .filter(|a| *a == "governance.policy.acknowledge")
                .count(),
            2,
            "{name}: {trail:?}"
        );
        assert_eq!(
            trail
                .iter()
                .filter(|a| *a == "governance.policy.publish")
                .count(),
            3,
            "{name}: {trail:?}"
        );
    }
}

#[tokio::test]
async fn trainings_expire_are_reminded_and_a_renewal_takes_the_place_of_the_old_record() {
    for db in testing::all().await {
        let name = db.name;
        let clock = StepClock::new();
        let store = db.store(Arc::new(clock.clone())).await;
        let org = seeded(&store).await;
        let plant = new_entity(&store, &org, "Usine").await;
        let clinic = new_entity(&store, &org, "Clinique").await;
        let (actor, all) = (admin_actor(), EntityScope::All);
        let nurse = user(
            &store,
            &org,
            "ide@example.org",
            Role::Contributor,
            vec![clinic.clone()],
        )
        .await;
        let ceo = store
            .add_board_member(
                &actor,
                &all,
                &plant,
                &member("Claire Martin", "2025-01-01", None),
            )
            .await
            .unwrap();
        let cfo = store
            .add_board_member(
                &actor,
                &all,
                &plant,
                &member("Marc Petit", "2025-01-01", None),
            )
            .await
            .unwrap();
        let course = |member_id: &str, completed_on: &str, valid_until: &str| TrainingInput {
            member_id: Some(member_id.to_owned()),
            course: "NIS2 pour les dirigeants".into(),
            provider: "ANSSI".into(),
            completed_on: completed_on.into(),
            valid_until: Some(valid_until.into()),
            ..TrainingInput::default()
        };
        let first = store
            .add_training(
                &actor,
                &all,
                &plant,
                &course(&ceo.id, "2025-04-01", "2026-04-01"),
            )
            .await
            .unwrap();
        assert_eq!(
            (first.person_name.as_str(), first.state.as_str()),
            ("Claire Martin", "expiring"),
            "{name}"
        );
        let status = store.governance(&all, &plant).await.unwrap().status;
        assert_eq!(
            (status.members_trained, status.members_untrained.clone()),
            (1, vec!["Marc Petit".to_owned()]),
            "{name}"
        );
        assert_eq!(status.trainings_to_renew.len(), 1, "{name}");
        let overview = store.governance_overview(&all, None).await.unwrap();
        assert_eq!(
            (overview.measures_due, overview.trainings_to_renew),
            (2, 1),
            "{name}: neither entity approved its measures; one training ends in 30 days"
        );
        let clinic_only = EntityScope::Only([clinic.clone()].into());
        let overview = store.governance_overview(&clinic_only, None).await.unwrap();
        assert_eq!(
            (overview.measures_due, overview.trainings_to_renew),
            (1, 0),
            "{name}: the clinic's view"
        );

        let outsider = TrainingInput {
            user_id: Some(nurse.clone()),
            course: "Hygiène informatique".into(),
            completed_on: "2026-02-01".into(),
            ..TrainingInput::default()
        };
        let refused = store
            .add_training(&actor, &all, &plant, &outsider)
            .await
            .unwrap_err();
        assert_eq!(
            fields(refused),
            [("user_id".to_owned(), "not_an_owner".to_owned())],
            "{name}"
        );
        let staff = store
            .add_training(&actor, &all, &clinic, &outsider)
            .await
            .unwrap();
        assert_eq!(
            (staff.person_name.as_str(), staff.state.as_str()),
            ("ide@example.org", "lasting"),
            "{name}"
        );

        clock.advance(Duration::days(40));
        let status = store.governance(&all, &plant).await.unwrap().status;
        assert_eq!(status.members_trained, 0, "{name}: expired on 2026-04-01");
        assert_eq!(status.trainings_to_renew[0].state, "expired", "{name}");
        store
            .add_training(
                &actor,
                &all,
                &plant,
                &course(&ceo.id, "2026-04-10", "2027-04-10"),
            )
            .await
            .unwrap();
        let mistake = store
            .add_training(
                &actor,
                &all,
                &plant,
                &course(&cfo.id, "2026-04-10", "2027-04-10"),
            )
            .await
            .unwrap();
        let status = store.governance(&all, &plant).await.unwrap().status;
        assert_eq!(
            (status.members_trained, status.trainings_to_renew.len()),
            (2, 0),
            "{name}"
        );
        let overview = store.governance_overview(&all, Some(&plant)).await.unwrap();
        assert_eq!(
            overview.trainings_to_renew, 0,
            "{name}: renewals replace the old records"
        );
        store
            .remove_training(&actor, &all, &mistake.id)
            .await
            .unwrap();
        let seen = store.governance(&all, &plant).await.unwrap();
        assert_eq!(seen.training.len(), 2, "{name}");
        assert_eq!(seen.status.members_untrained, ["Marc Petit"], "{name}");
        assert_eq!(
            actions(&store, "governance.training").await,
            [
                "governance.training.add",
                "governance.training.add",
                "governance.training.add",
                "governance.training.add",
                "governance.training.remove",
            ],
            "{name}"
        );
    }
}
