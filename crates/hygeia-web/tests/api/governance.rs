//! Governance over the API (Art. 20): a manager records the management body, its approval of
//! the measures and a policy's lifecycle; the people the policy applies to acknowledge it and
//! the policy lists who has and has not; bad input is named, lifecycle refusals are conflicts,
//! need-to-know applies, every change is audited.

use super::forms::audited;
use super::*;

#[tokio::test]
async fn a_policy_goes_from_draft_to_acknowledgement_with_the_body_signing() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let manager = app.token(Role::ComplianceManager).to_owned();
        let contributor = app.token(Role::Contributor).to_owned();
        let auditor = app.token(Role::Auditor).to_owned();
        let a = app.ids.entity_a.clone();

        let (status, member) = app
            .call(
                Method::POST,
                &format!("/api/v1/entities/{a}/board-members"),
                Some(&manager),
                Some(
                    json!({"name": "Claire Martin", "title": "Directrice générale",
                    "appointed_on": "2025-01-01"}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {member}");
        assert_eq!(member["sitting"], true, "{name}");
        let member_id = member["id"].as_str().unwrap().to_owned();

        let (status, problem) = app
            .call(
                Method::POST,
                &format!("/api/v1/entities/{a}/approvals"),
                Some(&manager),
                Some(json!({"subject": "measures", "version": "Plan 2026",
                    "approved_on": "2026-12-31", "member_id": member_id})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            problem.to_string().contains("approved_on"),
            "{name}: {problem}"
        );
        let (status, approval) = app
            .call(
                Method::POST,
                &format!("/api/v1/entities/{a}/approvals"),
                Some(&manager),
                Some(json!({"subject": "measures", "version": "Plan 2026",
                    "approved_on": "2026-02-20", "member_id": member_id,
                    "reference": "PV du conseil n° 12"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {approval}");
        assert_eq!(approval["signatory"], "Claire Martin", "{name}");

        let (status, policy) = app
            .call(
                Method::POST,
                &format!("/api/v1/entities/{a}/policies"),
                Some(&manager),
                Some(json!({"title": "Politique de sécurité", "owner": "RSSI",
                    "audience_roles": ["contributor", "auditor"],
                    "summary": "Première version"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {policy}");
        let id = policy["id"].as_str().unwrap().to_owned();
        let (status, problem) = app
            .call(
                Method::POST,
                &format!("/api/v1/policies/{id}/publish"),
                Some(&manager),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {problem}");
        let (status, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/entities/{a}/approvals"),
                Some(&manager),
                Some(json!({"subject": "policy", "policy_id": id,
                    "approved_on": "2026-03-01", "member_id": member_id})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}");
        let (status, published) = app
            .call(
                Method::POST,
                &format!("/api/v1/policies/{id}/publish"),
                Some(&manager),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {published}");
        assert_eq!(published["published_version"], 1, "{name}");
        assert_eq!(
            published["acknowledgements"]["missing"]
                .as_array()
                .map(Vec::len),
            Some(2)
        );

        let (status, seen) = app
            .call(
                Method::POST,
                &format!("/api/v1/policies/{id}/acknowledge"),
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {seen}");
        let (status, manager_ack) = app
            .call(
                Method::POST,
                &format!("/api/v1/policies/{id}/acknowledge"),
                Some(&manager),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {manager_ack}");
        let (status, read) = app
            .call(
                Method::GET,
                &format!("/api/v1/policies/{id}"),
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        let acknowledged: Vec<&str> = read["acknowledgements"]["acknowledged"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["user_id"].as_str())
            .collect();
        assert_eq!(acknowledged, [app.ids.contributor.as_str()], "{name}");
        assert_eq!(read["acknowledged"], 1, "{name}");

        let (status, governance) = app
            .call(
                Method::GET,
                &format!("/api/v1/entities/{a}/governance"),
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(
            governance["status"]["measures_approved_on"], "2026-02-20",
            "{name}"
        );
        assert_eq!(
            governance["status"]["members_untrained"],
            json!(["Claire Martin"]),
            "{name}"
        );
        let b = app.ids.entity_b.clone();
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/entities/{b}/governance"),
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
        assert_eq!(
            audited(&app, "governance.approval.record").await,
            2,
            "{name}"
        );
        assert_eq!(
            audited(&app, "governance.policy.acknowledge").await,
            1,
            "{name}"
        );
    }
}
