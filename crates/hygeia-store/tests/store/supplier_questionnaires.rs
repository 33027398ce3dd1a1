//! Questionnaires and the portal on both engines: a link reaches its questionnaire and
//! nothing else; only its hash is stored; expired, revoked and submitted links are refused;
//! guessing is throttled per address; answers are saved all or nothing; a completed review
//! sets the supplier's maturity and counts as its review.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use hygeia_catalog::suppliers::shipped_questionnaires;
use hygeia_domain::clock::{Clock, FixedClock};
use hygeia_domain::suppliers::criticality::TierAnswers;
use hygeia_domain::suppliers::portal::{LinkRefusal, PORTAL_MAX_FAILURES, SendInput};
use hygeia_domain::suppliers::questionnaire::AnswerInput;
use hygeia_domain::suppliers::register::SupplierInput;
use hygeia_store::assessments::EvidenceUpload;
use hygeia_store::suppliers::{FollowUpInput, ReviewInput, ReviewScore, SupplierFilter};

use super::*;

fn hash(token: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(token.as_bytes()))
}

fn send(contact: &str, days: u32) -> SendInput {
    SendInput {
        template_id: "nis2-supplier-short".into(),
        contact_name: "Léa Martin".into(),
        contact_email: contact.into(),
        language: Some("fr".into()),
        expires_in_days: Some(days),
    }
}

fn answer(question: &str, text: &str) -> AnswerInput {
    AnswerInput {
        question_id: question.into(),
        answer: text.into(),
        comment: String::new(),
    }
}

#[tokio::test]
async fn a_link_opens_its_questionnaire_only_until_submitted_and_its_review_sets_maturity() {
    let templates = shipped_questionnaires().unwrap();
    let short = &templates[0];
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
        let supplier = |name: &str| SupplierInput {
            name: name.into(),
            category: "cloud_provider".into(),
            criticality: TierAnswers {
                health_data: true,
                dependency: 3,
                substitutability: 3,
                ..TierAnswers::default()
            },
            penetration: Some(4),
            maturity: Some(1),
            trust: Some(2),
            ..SupplierInput::default()
        };
        let host = store
            .create_supplier(&actor, &all, &plant.id, &supplier("Hébergeur"))
            .await
            .unwrap();
        let other = store
            .create_supplier(&actor, &all, &plant.id, &supplier("Autre"))
            .await
            .unwrap();
        assert_eq!(
            host.ecosystem.as_ref().unwrap().zone,
            "danger",
            "{name}: 12/2"
        );

        // A bad sending is named and nothing is sent.
        let mut bad = send("lea", 365);
        bad.template_id = "nope".into();
        let refused = store
            .send_questionnaire(&actor, &all, &host.id, None, &bad, &hash("x"))
            .await
            .unwrap_err();
        let StoreError::Invalid(errors) = refused else {
            panic!("{name}")
        };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["template_id", "contact_email", "expires_in_days"],
            "{name}"
        );

        let sent = store
            .send_questionnaire(
                &actor,
                &all,
                &host.id,
                Some(short),
                &send("lea@host.example", 30),
                &hash("token-host"),
            )
            .await
            .unwrap();
        assert_eq!(
            (sent.status.as_str(), sent.expires_at.as_str()),
            ("sent", "2026-04-01T09:00:00.000000Z"),
            "{name}"
        );
        store
            .send_questionnaire(
                &actor,
                &all,
                &other.id,
                Some(short),
                &send("x@other.example", 30),
                &hash("token-other"),
            )
            .await
            .unwrap();
        // Only the hash is stored.
        let stored = super::access::raw_text(
            &db.url,
            "SELECT token_hash FROM supplier_questionnaires ORDER BY sent_at, id LIMIT 1",
        )
        .await;
        assert!(
            [hash("token-host"), hash("token-other")].contains(&stored),
            "{name}: only the hash is stored"
        );
        // The link shows its questionnaire, in its language, and nothing of the other one.
        let view = store
            .portal_questionnaire(&hash("token-host"), "198.51.100.7")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                view.supplier_name.as_str(),
                view.asked_by.as_str(),
                view.language.as_str()
            ),
            ("Hébergeur", "Usine", "fr"),
            "{name}"
        );
        assert_eq!(view.template.id, "nis2-supplier-short", "{name}");

        // A draft is saved all or nothing; a submission needs every answer.
        let refused = store
            .portal_save(
                &hash("token-host"),
                "198.51.100.7",
                &[answer("gov.policy", "yes"), answer("gov.policy", "no")],
                false,
            )
            .await
            .unwrap_err();
        assert!(matches!(refused, StoreError::Invalid(_)), "{name}");
        let draft = store
            .portal_save(
                &hash("token-host"),
                "198.51.100.7",
                &[answer("gov.policy", "yes"), answer("access.mfa", "partly")],
                false,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (draft.status.as_str(), draft.answers.len()),
            ("draft", 2),
            "{name}"
        );
        let incomplete = store
            .portal_save(&hash("token-host"), "198.51.100.7", &[], true)
            .await
            .unwrap_err();
        let StoreError::Invalid(missing) = incomplete else {
            panic!("{name}")
        };
        assert_eq!(missing.0.len(), 10, "{name}: ten questions left");
        let attached = store
            .portal_attach(
                &hash("token-host"),
                "198.51.100.7",
                "gov.policy",
                &EvidenceUpload {
                    title: "Politique de sécurité".into(),
                    file_name: "politique.pdf".into(),
                    valid_until: None,
                    media_type: Some("application/pdf".into()),
                },
                b"%PDF-1.7 policy",
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            attached.evidence[0].file_name.as_deref(),
            Some("politique.pdf"),
            "{name}"
        );
        let every: Vec<AnswerInput> = short
            .questions()
            .map(|q| match q.kind {
                hygeia_domain::suppliers::questionnaire::AnswerKind::YesNo => answer(&q.id, "yes"),
                hygeia_domain::suppliers::questionnaire::AnswerKind::Text => {
                    answer(&q.id, "Voir la politique jointe.")
                }
            })
            .collect();
        let submitted = store
            .portal_save(&hash("token-host"), "198.51.100.7", &every, true)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(submitted.status, "submitted", "{name}");
        // Submitted: the link is closed, for reading and for writing.
        assert_eq!(
            store
                .portal_questionnaire(&hash("token-host"), "198.51.100.7")
                .await
                .unwrap()
                .unwrap_err(),
            LinkRefusal::Submitted,
            "{name}"
        );
        assert_eq!(
            store
                .portal_save(
                    &hash("token-host"),
                    "198.51.100.7",
                    &[answer("gov.policy", "no")],
                    false
                )
                .await
                .unwrap()
                .unwrap_err(),
            LinkRefusal::Submitted,
            "{name}"
        );

        // Revoked and expired links are refused.
        let other_q = store
            .supplier(&all, &other.id)
            .await
            .unwrap()
            .questionnaires[0]
            .id
            .clone();
        store
            .revoke_questionnaire(&actor, &all, &other_q)
            .await
            .unwrap();
        assert_eq!(
            store
                .portal_questionnaire(&hash("token-other"), "198.51.100.7")
                .await
                .unwrap()
                .unwrap_err(),
            LinkRefusal::Revoked,
            "{name}"
        );
        store
            .send_questionnaire(
                &actor,
                &all,
                &other.id,
                Some(short),
                &send("x@other.example", 1),
                &hash("token-short-lived"),
            )
            .await
            .unwrap();
        let tomorrow: Arc<dyn Clock> = Arc::new(FixedClock(
            Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).single().unwrap(),
        ));
        let later = db.store(tomorrow).await;
        assert_eq!(
            later
                .portal_questionnaire(&hash("token-short-lived"), "198.51.100.7")
                .await
                .unwrap()
                .unwrap_err(),
            LinkRefusal::Expired,
            "{name}"
        );
        let overview = later.supplier_overview(&all, None).await.unwrap();
        assert_eq!(
            (
                overview.questionnaires_overdue,
                overview.questionnaires_to_review
            ),
            (1, 1),
            "{name}"
        );

        // Guessing is throttled per address: past the limit even a good link is refused there,
        // while another address still opens it.
        let fresh = store
            .send_questionnaire(
                &actor,
                &all,
                &other.id,
                Some(short),
                &send("x@other.example", 30),
                &hash("token-fresh"),
            )
            .await
            .unwrap();
        for i in 0..PORTAL_MAX_FAILURES {
            let guess = store
                .portal_questionnaire(&hash(&format!("guess-{i}")), "203.0.113.9")
                .await
                .unwrap();
            assert_eq!(guess.unwrap_err(), LinkRefusal::Unknown, "{name}");
        }
        assert_eq!(
            store
                .portal_questionnaire(&hash("token-fresh"), "203.0.113.9")
                .await
                .unwrap()
                .unwrap_err(),
            LinkRefusal::Throttled,
            "{name}"
        );
        assert!(
            store
                .portal_questionnaire(&hash("token-fresh"), "198.51.100.7")
                .await
                .unwrap()
                .is_ok(),
            "{name}"
        );
        let _ = fresh;

        // The review: scores checked, the score sets the maturity and counts as the review.
        let submitted_id = store.supplier(&all, &host.id).await.unwrap().questionnaires[0]
            .id
            .clone();
        let bad_review = ReviewInput {
            scores: vec![ReviewScore {
                question_id: "gov.policy".into(),
                score: Some(70),
                note: String::new(),
            }],
            complete: false,
        };
        assert!(matches!(
            store
                .review_questionnaire(&actor, &all, &submitted_id, &bad_review)
                .await
                .unwrap_err(),
            StoreError::Invalid(_)
        ));
        let scores: Vec<ReviewScore> = short
            .questions()
            .map(|q| ReviewScore {
                question_id: q.id.clone(),
                score: Some(if q.id == "access.mfa" { 0 } else { 100 }),
                note: String::new(),
            })
            .collect();
        let reviewed = store
            .review_questionnaire(
                &actor,
                &all,
                &submitted_id,
                &ReviewInput {
                    scores,
                    complete: true,
                },
            )
            .await
            .unwrap();
        // Weights: 28 in all, MFA (3) at 0: 25 × 100 / 28 = 89.
        assert_eq!(reviewed.summary.score, Some(89), "{name}");
        let host_now = store.supplier(&all, &host.id).await.unwrap();
        let ecosystem = host_now.ecosystem.unwrap();
        assert_eq!(
            (ecosystem.maturity, ecosystem.zone.as_str()),
            (4, "control"),
            "{name}: 12/8"
        );
        assert_eq!(
            host_now.last_review_on.as_deref(),
            Some("2026-03-02"),
            "{name}"
        );
        let listed = store
            .list_suppliers(&all, &SupplierFilter::default(), PageRequest::default())
            .await
            .unwrap();
        let scores: Vec<(&str, Option<i64>)> = listed
            .items
            .iter()
            .map(|s| (s.name.as_str(), s.score))
            .collect();
        assert!(
            scores.contains(&("Hébergeur", Some(89))),
            "{name}: {scores:?}"
        );
        assert!(scores.contains(&("Autre", None)), "{name}: not reviewed");
        let action = store
            .add_questionnaire_action(
                &actor,
                &all,
                &submitted_id,
                &FollowUpInput {
                    title: "Activer la MFA des administrateurs".into(),
                    question_id: Some("access.mfa".into()),
                    due_on: Some("2026-06-30".into()),
                },
            )
            .await
            .unwrap();
        assert_eq!(action.status, "open", "{name}");
        let done = store
            .set_questionnaire_action_status(&actor, &all, &submitted_id, &action.id, "done")
            .await
            .unwrap();
        assert_eq!(done.status, "done", "{name}");
        let refused = store
            .set_questionnaire_action_status(&actor, &all, &submitted_id, &action.id, "closed")
            .await
            .unwrap_err();
        assert!(refused.to_string().contains("status"), "{name}: {refused}");
        let read = store.questionnaire(&all, &submitted_id).await.unwrap();
        assert_eq!(read.actions[0].status, "done", "{name}: kept on refusal");
        assert!(matches!(
            store
                .set_questionnaire_action_status(&actor, &all, &submitted_id, "no-such", "done")
                .await
                .unwrap_err(),
            StoreError::NotFound { .. }
        ));

        // Scope: a user of another entity finds nothing.
        let nowhere = EntityScope::Only(BTreeSet::from(["elsewhere".to_owned()]));
        assert!(matches!(
            store
                .questionnaire(&nowhere, &submitted_id)
                .await
                .unwrap_err(),
            StoreError::NotFound { .. }
        ));
        assert!(matches!(
            store
                .send_questionnaire(
                    &actor,
                    &nowhere,
                    &host.id,
                    Some(short),
                    &send("a@b.example", 30),
                    &hash("t")
                )
                .await
                .unwrap_err(),
            StoreError::NotFound { .. }
        ));
    }
}
