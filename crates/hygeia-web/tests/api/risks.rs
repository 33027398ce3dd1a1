//! The risk register end to end: a library scenario taken for an entity through the page's
//! form (in French), rated through the API, seen on the heat map and in its cell, accepted by
//! a manager only, and the pages in both languages.

use super::forms::Browser;
use super::*;

fn rating(likelihood: u8, impact: u8) -> Value {
    json!({"likelihood": likelihood, "likelihood_justification": "deux cas dans le secteur",
           "impacts": [{"dimension": "production_continuity", "value": impact,
                        "justification": "la ligne de conditionnement s'arrête"},
                       {"dimension": "patient_safety", "value": 2,
                        "justification": "stocks de sécurité de deux semaines"}]})
}

#[tokio::test]
async fn a_library_scenario_is_taken_rated_mapped_and_accepted_by_a_manager() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let a = app.ids.entity_a.clone();
        app.speak(Role::ComplianceManager, "fr").await;
        let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;

        // The library, in French, and a scenario taken for entity A through its form.
        let library = manager.get("/risks/library").await;
        assert_eq!(library.status, StatusCode::OK, "{name}");
        assert!(
            library
                .html
                .contains("Un rançongiciel passe du réseau bureautique"),
            "{name}"
        );
        let taken = manager
            .post("/risks/library/ransomware-plant", &[("entity", &a)])
            .await;
        assert_eq!(
            taken.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            taken.html
        );
        let risk_page = taken.location.unwrap();
        let id = risk_page.trim_start_matches("/risks/").to_owned();
        let shown = manager.get(&risk_page).await.html;
        assert!(
            shown.contains("RSK-0001") && shown.contains("Ce risque reste à coter."),
            "{name}"
        );
        assert!(
            shown.contains("/compliance/frameworks/iec62443-3-3/requirements/sr-5.1"),
            "{name}"
        );

        // Rated through the API by a contributor: it lands in its cell of the heat map.
        let contributor = app.token(Role::Contributor).to_owned();
        let path = format!("/api/v1/risks/{id}");
        let (status, risk) = app.call(Method::GET, &path, Some(&contributor), None).await;
        assert_eq!(status, StatusCode::OK, "{name}: {risk}");
        let rate = json!({"version": risk["version"], "title": risk["title"],
                          "inherent": rating(4, 5), "current": rating(3, 4),
                          "treatment": "mitigate"});
        let (status, rated) = app
            .call(Method::PUT, &path, Some(&contributor), Some(rate))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {rated}");
        assert_eq!(rated["current"]["level"], "high", "{name}: {rated}");
        assert_eq!(rated["current"]["impact"], 4, "{name}: the worst dimension");
        let map = format!("/api/v1/risks/heat-map?entity_id={a}");
        let (_, heat) = app.call(Method::GET, &map, Some(&contributor), None).await;
        assert_eq!(
            heat["cells"],
            json!([{"likelihood": 3, "impact": 4, "risks": 1}]),
            "{name}"
        );
        let register = manager
            .get("/risks?stage=current&likelihood=3&impact=4")
            .await
            .html;
        assert!(
            register.contains("RSK-0001") && register.contains("Élevé"),
            "{name}"
        );
        let empty_cell = manager
            .get("/risks?stage=current&likelihood=1&impact=1")
            .await
            .html;
        assert!(!empty_cell.contains("RSK-0001"), "{name}");

        // A missing justification is refused with its field, and nothing changes.
        let mut bad = rating(2, 2);
        bad["impacts"][0]["justification"] = json!("");
        let refused = json!({"title": "x", "inherent": bad});
        let (status, problem) = app
            .call(Method::PUT, &path, Some(&contributor), Some(refused))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {problem}");
        assert_eq!(
            problem["errors"][0]["field"], "inherent.impacts[0].justification",
            "{name}"
        );

        // Accepting it is for managers.
        let accept = json!({"title": risk["title"], "inherent": rating(4, 5),
                            "current": rating(3, 4), "treatment": "accept",
                            "acceptance": {"approver": "Directeur du site",
                                           "justification": "ligne remplacée en 2027",
                                           "expires_on": "2027-01-15"}});
        let (status, _) = app
            .call(Method::PUT, &path, Some(&contributor), Some(accept.clone()))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let (status, accepted) = app
            .call(
                Method::PUT,
                &path,
                Some(app.token(Role::ComplianceManager)),
                Some(accept),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {accepted}");
        let shown = manager.get(&risk_page).await.html;
        assert!(
            shown.contains("Directeur du site") && shown.contains("Accepter"),
            "{name}"
        );

        // The register in English for another user.
        let admin = Browser::sign_in(&app, "administrator@example.org").await;
        let listed = admin.get("/risks").await;
        assert_eq!(listed.status, StatusCode::OK, "{name}");
        assert!(
            listed.html.contains("Heat map") && listed.html.contains("RSK-0001"),
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_risk_written_on_its_page_gets_a_plan_a_review_and_leaves_in_the_export() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let a = app.ids.entity_a.clone();
        let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;
        let token = app.token(Role::ComplianceManager).to_owned();

        // The form refuses a figure without its justification, names it, and stores nothing.
        let new = manager.get(&format!("/risks/new?entity={a}")).await;
        assert_eq!(new.status, StatusCode::OK, "{name}");
        let mut fields: Vec<(&str, &str)> = vec![
            ("entity_id", a.as_str()),
            ("title", "Batch parameters altered on the filling line"),
            ("kind", "event"),
            ("inherent.likelihood", "4"),
            (
                "inherent.likelihood_justification",
                "remote access shared by the integrator",
            ),
            ("inherent.impact.product_quality", "5"),
            ("inherent.justification.product_quality", ""),
            ("treatment", "mitigate"),
            ("review_every_months", "6"),
        ];
        let refused = manager.post("/risks/new", &fields).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            refused
                .html
                .contains("href=\"#f-inherent.justification.product_quality\"")
                && refused
                    .html
                    .contains("Inherent · Product quality · Justification"),
            "{name}: {}",
            refused.html
        );
        assert!(
            refused
                .html
                .contains("remote access shared by the integrator"),
            "{name}: what was typed is kept"
        );
        let (_, listed) = app
            .call(Method::GET, "/api/v1/risks", Some(&token), None)
            .await;
        assert_eq!(listed["total"], 0, "{name}: {listed}");

        fields[6] = (
            "inherent.justification.product_quality",
            "a batch is released out of spec",
        );
        let created = manager.post("/risks/new", &fields).await;
        assert_eq!(
            created.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            created.html
        );
        let page = created.location.unwrap();
        let id = page.trim_start_matches("/risks/").to_owned();
        let shown = manager.get(&page).await.html;
        assert!(
            shown.contains("RSK-0001") && shown.contains("Critical"),
            "{name}"
        );

        // The edit form shows the stored figures; a contributor may not accept.
        let edit = manager.get(&format!("/risks/{id}/edit")).await.html;
        assert!(edit.contains("a batch is released out of spec"), "{name}");
        let contributor = Browser::sign_in(&app, "contributor@example.org").await;
        let mut accept = fields.clone();
        accept.retain(|(k, _)| *k != "entity_id" && *k != "treatment");
        accept.extend([
            ("treatment", "accept"),
            ("acceptance.approver", "Site director"),
            ("acceptance.justification", "line replaced in 2027"),
            ("acceptance.expires_on", "2026-12-31"),
            ("version", "1"),
        ]);
        let denied = contributor
            .post(&format!("/risks/{id}/edit"), &accept)
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{name}");

        // A control already in place, ticked on the page.
        let ticked = manager
            .post(
                &format!("/risks/{id}/controls"),
                &[("control_ids", app.ids.control.as_str())],
            )
            .await;
        assert_eq!(
            ticked.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            ticked.html
        );
        let (_, stored) = app
            .call(
                Method::GET,
                &format!("/api/v1/risks/{id}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            stored["controls"][0]["id"],
            app.ids.control.as_str(),
            "{name}: {stored}"
        );

        // A plan: an action past its day, then done.
        let added = manager
            .post(
                &format!("/risks/{id}/actions"),
                &[
                    ("title", "Give the integrator a jump host with MFA"),
                    ("owner", "contributor@example.org"),
                    ("due_on", "2026-02-01"),
                    ("control_id", ""),
                ],
            )
            .await;
        assert_eq!(
            added.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            added.html
        );
        let shown = manager.get(&page).await.html;
        assert!(
            shown.contains("0 of 1 actions done, 1 overdue") && shown.contains("overdue"),
            "{name}"
        );
        // The NIS2 assessment's risk-management point shows the register as a signal.
        let point = format!(
            "/compliance/assessments/{}/requirements/2.1.1",
            app.ids.nis2
        );
        let signal = manager.get(&point).await.html;
        assert!(
            signal.contains("id=\"risk-signal\"") && signal.contains("Treatment actions overdue"),
            "{name}: {signal}"
        );
        // A supporting asset from the inventory.
        let (status, linked) = app
            .call(
                Method::PUT,
                &format!("/api/v1/risks/{id}/assets"),
                Some(&token),
                Some(json!({"asset_ids": [app.ids.asset_a]})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {linked}");
        assert_eq!(linked.as_array().map(Vec::len), Some(1), "{name}");
        assert!(
            manager
                .get(&page)
                .await
                .html
                .contains(&format!("/assets/{}", app.ids.asset_a)),
            "{name}"
        );
        let (_, actions) = app
            .call(
                Method::GET,
                &format!("/api/v1/risks/{id}/actions"),
                Some(&token),
                None,
            )
            .await;
        let action_id = actions[0]["id"].as_str().unwrap().to_owned();
        let done = manager
            .post(
                &format!("/risks/{id}/actions/{action_id}"),
                &[("status", "done")],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{name}");
        let (_, figures) = app
            .call(
                Method::GET,
                &format!("/api/v1/risks/overview?entity_id={a}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            (
                figures["risks"].clone(),
                figures["actions_done"].clone(),
                figures["actions_overdue"].clone()
            ),
            (json!(1), json!(1), json!(0)),
            "{name}: {figures}"
        );

        // The review held today, through the page; a bulk change with an unknown risk is
        // refused whole.
        let reviewed = manager.post(&format!("/risks/{id}/reviewed"), &[]).await;
        assert_eq!(reviewed.status, StatusCode::SEE_OTHER, "{name}");
        let (status, problem) = app
            .call(
                Method::POST,
                "/api/v1/risks/bulk",
                Some(&token),
                Some(json!({"risk_ids": [id, "no-such-risk"], "owner": "Plant manager"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "risk_ids[1]", "{name}");
        let (_, risk) = app
            .call(
                Method::GET,
                &format!("/api/v1/risks/{id}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(risk["owner"], Value::Null, "{name}: nothing changed");
        assert_eq!(risk["plan"]["done"], 1, "{name}: {risk}");

        let signal = manager.get(&point).await.html;
        assert!(
            signal.contains("id=\"risk-signal-kept\""),
            "{name}: {signal}"
        );

        // The register leaves as CSV, in French with `;`.
        let csv = app
            .raw(
                Method::GET,
                &format!("/api/v1/risks/export?entity_id={a}&lang=fr"),
                &token,
                None,
            )
            .await;
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            csv.contains("RSK-0001;Batch parameters altered on the filling line")
                && csv.contains(";Critique;")
                && csv.contains(";1/1;0"),
            "{name}: {csv}"
        );
    }
}

/// The matrix editor's fields for `matrix`.
fn matrix_fields(matrix: &hygeia_domain::risks::matrix::RiskMatrix) -> Vec<(String, String)> {
    let mut fields = vec![
        (
            "likelihood_steps".to_owned(),
            matrix.likelihood.len().to_string(),
        ),
        ("impact_steps".to_owned(), matrix.impact.len().to_string()),
        ("level_count".to_owned(), matrix.levels.len().to_string()),
    ];
    for (scale, steps) in [
        ("likelihood", &matrix.likelihood),
        ("impact", &matrix.impact),
    ] {
        for (i, step) in steps.iter().enumerate() {
            fields.push((format!("{scale}{i}.en"), step.label.en.clone()));
            fields.push((format!("{scale}{i}.fr"), step.label.fr.clone()));
            if let Some(meaning) = &step.meaning {
                fields.push((format!("{scale}{i}.meaning_en"), meaning.en.clone()));
                fields.push((format!("{scale}{i}.meaning_fr"), meaning.fr.clone()));
            }
        }
    }
    for (i, level) in matrix.levels.iter().enumerate() {
        fields.push((format!("level{i}.id"), level.id.clone()));
        fields.push((format!("level{i}.en"), level.label.en.clone()));
        fields.push((format!("level{i}.fr"), level.label.fr.clone()));
        fields.push((format!("level{i}.colour"), level.colour.clone()));
    }
    for (l, row) in matrix.cells.iter().enumerate() {
        for (i, cell) in row.iter().enumerate() {
            fields.push((format!("cell.{l}.{i}"), cell.clone()));
        }
    }
    fields
}

#[tokio::test]
async fn administrators_edit_the_matrix_and_a_too_small_one_is_refused_by_name() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let a = app.ids.entity_a.clone();
        let admin = Browser::sign_in(&app, "administrator@example.org").await;
        let shown = admin.get("/risks/matrix").await;
        assert_eq!(shown.status, StatusCode::OK, "{name}");
        assert!(
            shown.html.contains("id=\"matrix-default\"")
                && shown.html.contains("id=\"matrix-form\""),
            "{name}"
        );
        // The form carries each step's meaning, so saving it keeps them.
        assert!(
            shown
                .html
                .contains("name=\"likelihood0.meaning_en\" value=\"less than once in ten years\""),
            "{name}"
        );
        // Asking for 4 likelihood steps gives the form 4 rows.
        let smaller = admin.get("/risks/matrix?likelihood=4").await.html;
        assert!(
            smaller.contains("name=\"likelihood3.en\"")
                && !smaller.contains("name=\"likelihood4.en\""),
            "{name}"
        );

        // A risk rated at likelihood 5 keeps a 4-step matrix out, named; nothing changes.
        let token = app.token(Role::Administrator).to_owned();
        let (status, risk) = app
            .call(
                Method::POST,
                "/api/v1/risks",
                Some(&token),
                Some(json!({"entity_id": a, "title": "Almost certain", "inherent": rating(5, 3)})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {risk}");
        let default = hygeia_catalog::risks::default_matrix().unwrap();
        let mut four = default.clone();
        four.likelihood.truncate(4);
        four.cells.truncate(4);
        let fields = matrix_fields(&four);
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let refused = admin.post("/risks/matrix", &pairs).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            refused.html.contains("RSK-0001"),
            "{name}: {}",
            refused.html
        );
        assert!(
            admin
                .get("/risks/matrix")
                .await
                .html
                .contains("id=\"matrix-default\""),
            "{name}"
        );

        // Renamed levels put in force: every risk re-rated, a version in the history.
        let mut renamed = default.clone();
        renamed.levels[3].label.en = "Intolerable".into();
        let fields = matrix_fields(&renamed);
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let put = admin.post("/risks/matrix", &pairs).await;
        assert_eq!(put.status, StatusCode::SEE_OTHER, "{name}: {}", put.html);
        let after = admin.get(put.location.as_deref().unwrap()).await.html;
        assert!(
            after.contains("id=\"matrix-changed\"") && after.contains("id=\"matrix-history\""),
            "{name}"
        );
        let (_, matrix) = app
            .call(Method::GET, "/api/v1/risk-matrix", Some(&token), None)
            .await;
        assert_eq!(matrix["version"], 1, "{name}");
        assert_eq!(
            matrix["matrix"]["likelihood"][0]["meaning"]["en"], "less than once in ten years",
            "{name}: the steps' meanings are kept"
        );
        assert_eq!(
            matrix["matrix"]["levels"][3]["label"]["en"], "Intolerable",
            "{name}"
        );

        // Only administrators may: a manager sees no form and is refused.
        let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;
        assert!(
            !manager
                .get("/risks/matrix")
                .await
                .html
                .contains("id=\"matrix-form\""),
            "{name}"
        );
        let denied = manager.post("/risks/matrix", &pairs).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{name}");
    }
}
