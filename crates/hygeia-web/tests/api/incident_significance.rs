//! The significant-incident thresholds of Implementing Regulation (EU) 2024/2690 beside an
//! incident's "significant" verdict: binding (and shown open) for a cloud provider, folded and
//! marked as guidance for a hospital, in the API and on the page in both languages; beside them,
//! the dated state of the French transposition.

use super::forms::Browser;
use super::*;

fn articles(detail: &Value) -> Vec<String> {
    detail["significance_thresholds"]["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["article"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn thresholds_bind_digital_providers_and_are_guidance_for_a_hospital() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let path = format!("/api/v1/incidents/{}", app.ids.incident);

        // Entity A is a French hospital: every article is shown, as guidance.
        let (status, detail) = app.call(Method::GET, &path, Some(&admin), None).await;
        assert_eq!(status, StatusCode::OK, "{name}: {detail}");
        let t = &detail["significance_thresholds"];
        assert_eq!(t["binding"], false, "{name}: {t}");
        assert_eq!(articles(&detail).len(), 12);
        assert!(t["note"]["fr"].as_str().unwrap().contains("article 23"));
        assert!(t["source_url"].as_str().unwrap().contains("2024/2690"));

        // Once it also runs a cloud service, Arts. 3, 4 and 7 bind it.
        let entity_path = format!("/api/v1/entities/{}", app.ids.entity_a);
        let (status, e) = app
            .call(
                Method::PUT,
                &entity_path,
                Some(&admin),
                Some(json!({
                    "name": "Hôpital A", "country": "FR", "entity_type": "healthcare_provider",
                    "employees": 1200, "annual_turnover_eur": 90_000_000,
                    "other_activities": ["cloud_computing_provider"],
                })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {e}");
        let (_, detail) = app.call(Method::GET, &path, Some(&admin), None).await;
        assert_eq!(detail["significance_thresholds"]["binding"], true, "{name}");
        assert_eq!(articles(&detail), ["3", "4", "7"], "{name}");
        let cloud = &detail["significance_thresholds"]["articles"][2];
        assert_eq!(cloud["entity_types"], json!(["cloud_computing_provider"]));
        assert!(
            cloud["criteria"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["en"].as_str().unwrap().contains("30 minutes")),
            "{cloud}"
        );
    }
}

#[tokio::test]
async fn the_incident_page_shows_them_folded_as_guidance_in_french() {
    let app = TestApp::new(testing::sqlite()).await;
    let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;
    let page = manager
        .get(&format!("/incidents/{}", app.ids.incident))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.html
            .contains(r#"<details id="thresholds" class="wrap">"#),
        "folded"
    );
    assert!(page.html.contains("guidance only for this entity"));
    assert!(
        page.html
            .contains("Art. 7 — Cloud computing service providers")
    );
    let switched = manager.post("/settings/locale", &[("locale", "fr")]).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    let french = manager
        .get(&format!("/incidents/{}", app.ids.incident))
        .await;
    assert!(
        french
            .html
            .contains("à titre indicatif seulement pour cette entité")
    );
    assert!(french.html.contains("Article 14 — "));
    assert!(french.html.contains("500 000 EUR"));
    assert!(
        french
            .html
            .contains("Transposition en France, au 02/12/2026 :")
    );
    assert!(french.html.contains("pas achevé la transposition"));
}
