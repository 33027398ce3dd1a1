//! A risk's attack path through its page, in French, and the API: suppliers found by name and
//! ticked, the attacker's actions entered as rows (a bad row refused with its field named),
//! the strategic path and the chain's likelihood shown, the supplier's page listing the risk,
//! and a supplier of another entity refused.

use super::forms::Browser;
use super::*;

#[tokio::test]
async fn an_attack_path_is_drawn_from_the_risk_page_and_shown_on_the_supplier() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let a = app.ids.entity_a.clone();
        app.speak(Role::ComplianceManager, "fr").await;
        let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;
        let token = app.token(Role::ComplianceManager).to_owned();

        let supplier = |entity: &str, supplier_name: &str| {
            json!({"entity_id": entity, "name": supplier_name, "category": "ot_integrator",
                   "services": "Télémaintenance", "ot_access": true, "dependency": 3,
                   "substitutability": 3})
        };
        let (status, integrator) = app
            .call(
                Method::POST,
                "/api/v1/suppliers",
                Some(&token),
                Some(supplier(&a, "Automatismes Industriels")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {integrator}");
        let integrator_id = integrator["id"].as_str().unwrap().to_owned();
        let (status, foreign) = app
            .call(
                Method::POST,
                "/api/v1/suppliers",
                Some(app.token(Role::Administrator)),
                Some(supplier(&app.ids.entity_b, "Prestataire de B")),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {foreign}");
        let (status, risk) = app
            .call(
                Method::POST,
                "/api/v1/risk-scenarios/ransomware-plant/risks",
                Some(&token),
                Some(json!({"entity_id": a, "lang": "fr"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {risk}");
        let risk_id = risk["id"].as_str().unwrap().to_owned();
        let page = format!("/risks/{risk_id}");

        let blank = manager.get(&page).await.html;
        assert!(
            blank.contains("id=\"path-form\"") && blank.contains("id=\"no-steps\""),
            "{name}"
        );
        let found = manager
            .get(&format!("{page}?supplier_q=Automatismes"))
            .await
            .html;
        assert!(
            found.contains(&format!("value=\"{integrator_id}\"")),
            "{name}: the supplier is found by name"
        );

        // A bad row is refused with its field named; nothing is kept.
        let mut fields = vec![
            ("supplier_ids", integrator_id.as_str()),
            ("rows", "2"),
            ("phase.0", "enter"),
            ("action.0", "Hameçonnage d'un technicien de maintenance"),
            ("success.0", "3"),
            ("phase.1", ""),
            ("action.1", "Chiffrement des postes de supervision"),
            ("success.1", "2"),
        ];
        let refused = manager.post(&format!("{page}/path"), &fields).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(refused.html.contains("steps[1].phase"), "{name}");
        fields[5] = ("phase.1", "exploit");
        let saved = manager.post(&format!("{page}/path"), &fields).await;
        assert_eq!(
            saved.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            saved.html
        );
        let shown = manager.get(&page).await.html;
        let strategic = shown
            .split("id=\"strategic-path\">")
            .nth(1)
            .and_then(|rest| rest.split("</p>").next())
            .unwrap_or_default();
        assert!(
            strategic.contains("Automatismes Industriels"),
            "{name}: {strategic}"
        );
        assert!(
            shown.contains("id=\"path-steps\"")
                && shown.contains("Rentrer (prise de pied)")
                && shown.contains("id=\"chain-likelihood\""),
            "{name}"
        );
        assert!(shown.contains("2 — possible"), "{name}: least likely step");

        // The API reads it with the risk, and refuses another entity's supplier.
        let (_, read) = app
            .call(
                Method::GET,
                &format!("/api/v1/risks/{risk_id}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(read["path"]["chain_likelihood"], json!(2), "{name}: {read}");
        assert_eq!(
            read["path"]["steps"][1]["phase"],
            json!("exploit"),
            "{name}"
        );
        let (status, problem) = app
            .call(
                Method::PUT,
                &format!("/api/v1/risks/{risk_id}/path"),
                Some(&token),
                Some(json!({"supplier_ids": [foreign["id"]], "steps": []})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {problem}");
        assert!(
            problem.to_string().contains("supplier_ids[0]"),
            "{name}: {problem}"
        );

        // The supplier's page lists the risk its path goes through.
        let supplier_page = manager
            .get(&format!("/suppliers/{integrator_id}"))
            .await
            .html;
        assert!(supplier_page.contains(&page), "{name}");
    }
}
