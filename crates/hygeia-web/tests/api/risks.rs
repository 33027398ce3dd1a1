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
