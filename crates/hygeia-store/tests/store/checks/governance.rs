//! The governance checks (Art. 20): a sitting member without training in force, the
//! measures' last approval older than a year, a published policy past its review; each fails
//! on its fixture and passes once put right (training recorded, approval renewed, a revised
//! version published).

use hygeia_domain::governance::approvals::ApprovalInput;
use hygeia_domain::governance::members::MemberInput;
use hygeia_domain::governance::policies::{DraftInput, PolicyInput, PublishInput};
use hygeia_domain::governance::training::TrainingInput;

use super::*;

fn member(name: &str) -> MemberInput {
    MemberInput {
        name: name.into(),
        title: "PDG".into(),
        appointed_on: "2024-01-01".into(),
        ..MemberInput::default()
    }
}

fn approval(member_id: &str, day: &str, policy_id: Option<&str>) -> ApprovalInput {
    ApprovalInput {
        subject: if policy_id.is_some() {
            "policy"
        } else {
            "measures"
        }
        .into(),
        policy_id: policy_id.map(str::to_owned),
        version: "Plan de sécurité".into(),
        approved_on: day.into(),
        member_id: member_id.into(),
        ..ApprovalInput::default()
    }
}

#[tokio::test]
async fn governance_checks_fail_on_their_fixture_and_pass_once_put_right() {
    for db in testing::all().await {
        let name = db.name;
        let clock = StepClock::new();
        let store = db.store(Arc::new(clock.clone())).await;
        let org = seeded(&store).await;
        let plant = new_entity(&store, &org, "Usine").await;
        let (actor, all) = (admin_actor(), EntityScope::All);
        // Nothing recorded: nothing fails (the governance page says what is missing).
        assert_eq!(counts(&run(&store).await), (0, 0, 0, 0), "{name}");

        let ceo = store
            .add_board_member(&actor, &all, &plant, &member("Claire Martin"))
            .await
            .unwrap();
        store
            .record_approval(&actor, &all, &plant, &approval(&ceo.id, "2025-02-01", None))
            .await
            .unwrap();
        let policy = PolicyInput {
            title: "Politique de sécurité".into(),
            review_months: Some(12),
            ..PolicyInput::default()
        };
        let draft = DraftInput {
            summary: "v1".into(),
            evidence_id: None,
        };
        let created = store
            .create_policy(&actor, &all, &plant, &policy, &draft)
            .await
            .unwrap();
        let policy_id = created.summary.id.clone();
        let approve_policy = approval(&ceo.id, "2025-01-15", Some(&policy_id));
        store
            .record_approval(&actor, &all, &plant, &approve_policy)
            .await
            .unwrap();
        let published_on = PublishInput {
            published_on: Some("2025-01-20".into()),
        };
        store
            .publish_policy(&actor, &all, &policy_id, &published_on)
            .await
            .unwrap();

        let first = run(&store).await;
        assert_eq!(counts(&first), (3, 0, 0, 3), "{name}: {first:?}");
        let untrained = open(&store, &plant, "board-members-untrained", name).await;
        assert_eq!(
            refs(&untrained),
            [("board_member", "Claire Martin (PDG)")],
            "{name}"
        );
        let lapsed = open(&store, &plant, "measures-approval-lapsed", name).await;
        assert_eq!(
            refs(&lapsed),
            [("approval", "Plan de sécurité (2025-02-01)")],
            "{name}"
        );
        let review = open(&store, &plant, "policy-review-overdue", name).await;
        assert_eq!(
            refs(&review),
            [("policy", "Politique de sécurité (2026-01-20)")],
            "{name}"
        );

        // Put right: a training in force, a new approval, a revised version published.
        let training = TrainingInput {
            member_id: Some(ceo.id.clone()),
            course: "NIS2 pour les dirigeants".into(),
            completed_on: "2026-02-20".into(),
            valid_until: Some("2027-02-20".into()),
            ..TrainingInput::default()
        };
        store
            .add_training(&actor, &all, &plant, &training)
            .await
            .unwrap();
        store
            .record_approval(&actor, &all, &plant, &approval(&ceo.id, "2026-03-01", None))
            .await
            .unwrap();
        let revision = DraftInput {
            summary: "v2".into(),
            evidence_id: None,
        };
        store
            .draft_policy(&actor, &all, &policy_id, &revision)
            .await
            .unwrap();
        store
            .record_approval(
                &actor,
                &all,
                &plant,
                &approval(&ceo.id, "2026-03-02", Some(&policy_id)),
            )
            .await
            .unwrap();
        store
            .publish_policy(&actor, &all, &policy_id, &PublishInput::default())
            .await
            .unwrap();
        let second = run(&store).await;
        assert_eq!(counts(&second), (0, 0, 3, 0), "{name}: {second:?}");
        let at = format_instant(clock.now());
        for check in [
            "board-members-untrained",
            "measures-approval-lapsed",
            "policy-review-overdue",
        ] {
            closed(&store, &plant, check, &at, name).await;
        }

        // A year on, the training has expired and the approval has lapsed again.
        clock.advance(Duration::days(366));
        let third = run(&store).await;
        assert_eq!(counts(&third), (3, 0, 0, 3), "{name}: {third:?}");
    }
}
