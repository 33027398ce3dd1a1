//! Automated checks end to end: a run raises observations from what the fixture holds
//! (administrators signing in with a password alone, an incident's overdue early warning),
//! scoped to each reader's entities; failing checks propose result changes that are confirmed
//! (the result becomes non-compliant, citing the check, in French) or dismissed with a reason,
//! both audited; the trend counts open observations; the pages show it all, in French too.

use super::forms::{Browser, audited};
use super::*;

fn ids_of(list: &Value, field: &str) -> BTreeSet<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|o| o[field].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn failing_checks_raise_observations_and_proposals_people_decide() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let contributor = app.token(Role::Contributor).to_owned();
        let auditor = app.token(Role::Auditor).to_owned();
        let (a, b, nis2) = (
            app.ids.entity_a.clone(),
            app.ids.entity_b.clone(),
            app.ids.nis2.clone(),
        );

        // The checks as shipped, nothing observed before a run.
        let (status, checks) = app
            .call(Method::GET, "/api/v1/checks", Some(&auditor), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(checks.as_array().unwrap().len(), 12, "{name}: {checks}");
        assert!(
            checks
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["open_observations"] == 0)
        );

        let (status, run) = app
            .call(Method::POST, "/api/v1/checks/run", Some(&admin), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {run}");
        assert!(run["opened"].as_i64().unwrap() >= 3, "{name}: {run}");
        assert_eq!(run["open_total"], run["opened"], "{name}: {run}");

        // Entity A: administrators without a second factor, and the overdue incident.
        let path = format!("/api/v1/observations?entity_id={a}&state=open");
        let (_, open) = app.call(Method::GET, &path, Some(&contributor), None).await;
        let checks_a = ids_of(&open, "check_id");
        assert!(
            checks_a.contains("admins-without-mfa") && checks_a.contains("incident-stages-overdue"),
            "{name}: {open}"
        );
        let mfa = open
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["check_id"] == "admins-without-mfa")
            .unwrap();
        assert_eq!(mfa["severity"], "high", "{name}");
        let labels: Vec<&str> = mfa["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["label"].as_str().unwrap())
            .collect();
        assert!(
            labels.contains(&"administrator@example.org"),
            "{name}: {mfa}"
        );
        assert_eq!(mfa["record_count"].as_i64().unwrap(), labels.len() as i64);
        let incident = open
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["check_id"] == "incident-stages-overdue")
            .unwrap();
        assert_eq!(
            incident["records"][0]["id"],
            json!(app.ids.incident),
            "{name}"
        );

        // Need-to-know: entity B's observations stay hidden from those granted A alone.
        let path = format!("/api/v1/observations?entity_id={b}");
        let (_, hidden) = app.call(Method::GET, &path, Some(&contributor), None).await;
        assert_eq!(hidden, json!([]), "{name}");
        let (_, seen) = app.call(Method::GET, &path, Some(&admin), None).await;
        assert!(
            ids_of(&seen, "check_id").contains("admins-without-mfa"),
            "{name}"
        );
        let path = format!("/api/v1/observations/{}", seen[0]["id"].as_str().unwrap());
        let (status, _) = app.call(Method::GET, &path, Some(&contributor), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
        let (status, _) = app
            .call(
                Method::GET,
                "/api/v1/observations?state=shut",
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");

        // Proposals on the NIS2 assessment: MFA points 11.7.1 and 11.3.1, incident point 3.5.1.
        let path = format!("/api/v1/result-proposals?assessment_id={nis2}&state=proposed");
        let (_, proposals) = app.call(Method::GET, &path, Some(&contributor), None).await;
        let requirements = ids_of(&proposals, "requirement_id");
        for point in ["11.7.1", "11.3.1", "3.5.1"] {
            assert!(
                requirements.contains(point),
                "{name}: {point} in {proposals}"
            );
        }
        let find = |point: &str| {
            proposals
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["requirement_id"] == point)
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let (mfa_point, other_point) = (find("11.7.1"), find("11.3.1"));

        // A second run proposes nothing new.
        let (_, again) = app
            .call(Method::POST, "/api/v1/checks/run", Some(&admin), None)
            .await;
        assert_eq!(
            (again["opened"].clone(), again["proposed"].clone()),
            (json!(0), json!(0))
        );

        // Auditors decide nothing; the contributor confirms, in French.
        let confirm = format!("/api/v1/result-proposals/{mfa_point}/confirm");
        let (status, _) = app
            .call(Method::POST, &confirm, Some(&auditor), Some(json!({})))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let (status, result) = app
            .call(
                Method::POST,
                &confirm,
                Some(&contributor),
                Some(json!({"lang": "fr"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {result}");
        assert_eq!(result["value"], "non_compliant", "{name}");
        let why = result["justification"].as_str().unwrap();
        assert!(
            why.contains("Administrateurs sans second facteur") && why.contains("en échec depuis"),
            "{name}: {why}"
        );
        assert_eq!(result["origin_detail"]["check_id"], "admins-without-mfa");
        let (status, _) = app
            .call(Method::POST, &confirm, Some(&contributor), Some(json!({})))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: decided once");

        // Dismissing needs a reason; then the result stays as it was.
        let dismiss = format!("/api/v1/result-proposals/{other_point}/dismiss");
        let (status, problem) = app
            .call(
                Method::POST,
                &dismiss,
                Some(&contributor),
                Some(json!({"reason": "  "})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert!(problem.to_string().contains("reason"), "{name}: {problem}");
        let reason = "Administrators sign in through the SSO provider, which enforces MFA.";
        let (status, dismissed) = app
            .call(
                Method::POST,
                &dismiss,
                Some(&contributor),
                Some(json!({"reason": reason})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {dismissed}");
        assert_eq!(
            (dismissed["state"].clone(), dismissed["reason"].clone()),
            (json!("dismissed"), json!(reason))
        );
        assert_eq!(audited(&app, "result_proposal.confirm").await, 1, "{name}");
        assert_eq!(audited(&app, "result_proposal.dismiss").await, 1, "{name}");
        assert!(audited(&app, "observation.open").await >= 3, "{name}");
        let results = app.store.results(&nis2).await.unwrap();
        let value_of = |point: &str| {
            results
                .iter()
                .find(|r| r.requirement_id == point)
                .map(|r| r.value.code())
        };
        assert_eq!(value_of("11.7.1"), Some("non_compliant"), "{name}");
        assert_eq!(
            value_of("11.3.1"),
            None,
            "{name}: dismissed, still not assessed"
        );

        // The trend counts the observations open at the end of each day.
        let (_, scores) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{nis2}/scores"),
                Some(&admin),
                None,
            )
            .await;
        let last = scores["trend"].as_array().unwrap().last().unwrap().clone();
        assert!(
            last["open_observations"].as_i64().unwrap() >= 2,
            "{name}: {last}"
        );

        // The pages: the list, and the requirement, in French.
        app.speak(Role::Contributor, "fr").await;
        let browser = Browser::sign_in(&app, "contributor@example.org").await;
        let page = browser.get("/compliance/checks").await;
        assert_eq!(page.status, StatusCode::OK, "{name}");
        assert!(
            page.html.contains("Contrôles automatiques")
                && page.html.contains("Administrateurs sans second facteur")
                && page.html.contains("administrator@example.org")
                && page
                    .html
                    .contains(&format!("id=\"confirm-{}\"", find("3.5.1"))),
            "{name}"
        );
        let home = browser.get("/").await;
        assert!(
            home.html.contains("id=\"checks-tile\"") && home.html.contains("constats ouverts"),
            "{name}: the dashboard's tile"
        );
        let list = browser
            .get(&format!("/compliance/assessments/{nis2}?art21=b"))
            .await;
        assert!(
            list.html.contains("flag bad observed") && list.html.contains("flag warn proposed"),
            "{name}: the list marks observed requirements and those to decide"
        );
        let page = browser
            .get(&format!(
                "/compliance/assessments/{nis2}/requirements/3.5.1"
            ))
            .await;
        assert!(page.html.contains("id=\"requirement-checks\""), "{name}");
        let back = format!("/compliance/assessments/{nis2}/requirements/3.5.1");
        let answer = browser
            .post(
                &format!("/compliance/checks/proposals/{}/dismiss", find("3.5.1")),
                &[
                    ("reason", "L'alerte précoce a été envoyée par téléphone."),
                    ("back", &back),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{name}");
        assert_eq!(answer.location.as_deref(), Some(back.as_str()), "{name}");
        assert_eq!(audited(&app, "result_proposal.dismiss").await, 2, "{name}");
        // Decided once: the page says so with its status.
        let again = browser
            .post(
                &format!("/compliance/checks/proposals/{}/confirm", find("3.5.1")),
                &[("back", &back)],
            )
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{name}");
        assert!(again.html.contains("id=\"checks-error\""), "{name}");
    }
}
