//! Governance through the pages, in French: a manager appoints a member, records the body's
//! approval of the measures, creates a policy, has it approved and publishes it from its page;
//! a contributor it applies to acknowledges it there; a refused form says why in French.

use super::forms::{Browser, assert_accessible_form};
use super::*;

#[tokio::test]
async fn the_body_signs_a_policy_and_the_staff_acknowledge_it_from_the_pages() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let a = app.ids.entity_a.clone();
        app.speak(Role::ComplianceManager, "fr").await;
        app.speak(Role::Contributor, "fr").await;
        let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;

        let empty = manager.get(&format!("/governance?entity={a}")).await;
        assert_eq!(empty.status, StatusCode::OK, "{name}");
        assert!(
            empty.html.contains("jamais approuvées par")
                && empty.html.contains("id=\"no-members\""),
            "{name}"
        );
        assert_accessible_form("/governance", &empty.html);

        let added = manager
            .post(
                &format!("/governance/{a}/members"),
                &[
                    ("name", "Claire Martin"),
                    ("title", "Directrice générale"),
                    ("email", ""),
                    ("appointed_on", "2025-01-01"),
                ],
            )
            .await;
        assert_eq!(
            added.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            added.html
        );
        let member_id = app
            .store
            .governance(&hygeia_domain::access::EntityScope::All, &a)
            .await
            .unwrap()
            .members[0]
            .id
            .clone();
        let future = manager
            .post(
                &format!("/governance/{a}/approvals"),
                &[
                    ("subject", "measures"),
                    ("version", "Plan de sécurité 2026"),
                    ("approved_on", "2027-01-01"),
                    ("member_id", &member_id),
                ],
            )
            .await;
        assert_eq!(future.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            future
                .html
                .contains("ne doit pas être postérieure à aujourd"),
            "{name}: {}",
            future.html
        );
        let approved = manager
            .post(
                &format!("/governance/{a}/approvals"),
                &[
                    ("subject", "measures"),
                    ("version", "Plan de sécurité 2026"),
                    ("approved_on", "2026-02-27"),
                    ("member_id", &member_id),
                    ("reference", "PV n° 12"),
                    ("evidence_id", &app.ids.evidence),
                ],
            )
            .await;
        assert_eq!(approved.status, StatusCode::SEE_OTHER, "{name}");
        let page = manager.get(&format!("/governance?entity={a}")).await.html;
        assert!(
            page.contains("approuvées le 2026-02-27 par Claire Martin"),
            "{name}: {page}"
        );
        assert!(
            page.contains(&format!("/api/v1/evidence/{}/content", app.ids.evidence)),
            "{name}: the signed minutes are linked"
        );

        let created = manager
            .post(
                &format!("/governance/{a}/policies"),
                &[
                    ("title", "Politique de sécurité des SI"),
                    ("owner", "RSSI"),
                    ("audience_roles", "contributor"),
                    ("review_months", "12"),
                    ("summary", "Première version"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{name}");
        let policy_page = created.location.unwrap();
        let shown = manager.get(&policy_page).await.html;
        assert!(shown.contains("v1 (projet)"), "{name}: {shown}");
        assert_accessible_form(&policy_page, &shown);
        let policy_id = policy_page.trim_start_matches("/policies/").to_owned();
        let signed = manager
            .post(
                &format!("/governance/{a}/approvals"),
                &[
                    ("subject", "policy"),
                    ("policy_id", &policy_id),
                    ("approved_on", "2026-03-01"),
                    ("member_id", &member_id),
                    ("back", &policy_page),
                ],
            )
            .await;
        assert_eq!(
            signed.location.as_deref(),
            Some(policy_page.as_str()),
            "{name}"
        );
        let published = manager
            .post(&format!("/policies/{policy_id}/publish"), &[])
            .await;
        assert_eq!(published.status, StatusCode::SEE_OTHER, "{name}");
        let shown = manager.get(&policy_page).await.html;
        assert!(
            shown.contains("v1 (publiée)")
                && shown.contains("2026-03-01 · Claire Martin (Directrice générale)")
                && shown.contains("0 personnes sur 1"),
            "{name}: {shown}"
        );

        let contributor = Browser::sign_in(&app, "contributor@example.org").await;
        let home = contributor.get("/").await.html;
        assert!(
            home.contains("id=\"to-acknowledge\"")
                && home.contains("Politique de sécurité des SI — v1"),
            "{name}: the dashboard asks for the acknowledgement"
        );
        let before = contributor.get(&policy_page).await.html;
        assert!(before.contains("id=\"acknowledge\""), "{name}");
        assert!(
            !before.contains("id=\"publish\""),
            "{name}: a contributor only reads"
        );
        let done = contributor
            .post(&format!("/policies/{policy_id}/acknowledge"), &[])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{name}");
        let after = contributor.get(&policy_page).await.html;
        assert!(
            after.contains("Vous avez pris connaissance de la version en vigueur.")
                && !after.contains("id=\"acknowledge\""),
            "{name}: {after}"
        );
        let home = contributor.get("/").await.html;
        assert!(!home.contains("id=\"to-acknowledge\""), "{name}");
        let home = manager.get(&format!("/?entity={a}")).await.html;
        assert!(
            home.contains("id=\"governance-tile\"") && home.contains("politiques à réexaminer"),
            "{name}: {home}"
        );
        let list = manager.get(&format!("/governance?entity={a}")).await.html;
        assert!(list.contains("1 / 1"), "{name}: {list}");
    }
}
