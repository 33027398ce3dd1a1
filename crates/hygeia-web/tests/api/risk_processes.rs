//! What is at stake through the pages, in French: a process described (a refused form keeps
//! what was typed), its assets and sites linked, a risk tied to it from the risk's page, and
//! the list and the API counting them.

use super::forms::Browser;
use super::*;

#[tokio::test]
async fn a_process_is_described_supported_and_threatened_from_the_pages() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let a = app.ids.entity_a.clone();
        app.speak(Role::ComplianceManager, "fr").await;
        let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;
        let token = app.token(Role::ComplianceManager).to_owned();

        let empty = manager.get("/risks/processes").await;
        assert_eq!(empty.status, StatusCode::OK, "{name}");
        assert!(empty.html.contains("Valeurs métier"), "{name}");
        let mut fields = vec![
            ("entity_id", a.as_str()),
            ("name", ""),
            ("kind", "process"),
            ("description", "Remplissage des flacons injectables"),
            ("confidentiality", "1"),
            ("integrity", "4"),
            ("availability", "4"),
            ("product_quality", "yes"),
            ("rto_hours", "48"),
            ("rpo_hours", "4"),
        ];
        let refused = manager.post("/risks/processes", &fields).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            refused.html.contains("Remplissage des flacons injectables"),
            "{name}: what was typed is kept"
        );
        fields[1] = ("name", "Remplissage aseptique");
        let created = manager.post("/risks/processes", &fields).await;
        assert_eq!(
            created.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            created.html
        );
        let page = created.location.unwrap();
        let process_id = page.trim_start_matches("/risks/processes/").to_owned();
        let shown = manager.get(&page).await.html;
        assert!(
            shown.contains("Remplissage aseptique") && shown.contains("4. critique"),
            "{name}: {shown}"
        );

        // Its supporting asset and site.
        let linked = manager
            .post(
                &format!("/risks/processes/{process_id}/links"),
                &[
                    ("asset_ids", &app.ids.asset_a),
                    ("site_ids", &app.ids.site_a),
                ],
            )
            .await;
        assert_eq!(
            linked.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            linked.html
        );
        let shown = manager.get(&page).await.html;
        assert!(
            shown.contains(&format!("/assets/{}", app.ids.asset_a)),
            "{name}"
        );
        let zones = shown
            .split("id=\"process-zones\"")
            .nth(1)
            .unwrap_or_default();
        assert!(
            zones.starts_with(">Zones") && zones.contains("cell-1"),
            "{name}: {shown}"
        );
        let asset = manager
            .get(&format!("/assets/{}", app.ids.asset_a))
            .await
            .html;
        assert!(
            asset.contains("id=\"asset-stakes\"") && asset.contains(&page),
            "{name}: the asset page shows what relies on it"
        );

        // A risk taken from the library threatens it, ticked on the risk's page.
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
        let risk_page = manager.get(&format!("/risks/{risk_id}")).await.html;
        assert!(risk_page.contains("id=\"processes-form\""), "{name}");
        let ticked = manager
            .post(
                &format!("/risks/{risk_id}/processes"),
                &[("process_ids", &process_id)],
            )
            .await;
        assert_eq!(
            ticked.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            ticked.html
        );
        let shown = manager.get(&page).await.html;
        assert!(
            shown.contains(&format!("/risks/{risk_id}")) && shown.contains("RSK-0001"),
            "{name}"
        );

        // The list and the API count them.
        let (_, listed) = app
            .call(
                Method::GET,
                &format!("/api/v1/processes?entity_id={a}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            (listed[0]["assets"].clone(), listed[0]["risks"].clone()),
            (json!(1), json!(1)),
            "{name}: {listed}"
        );
        // Per site: the site's processes with their risks; another site has none.
        let at_site = manager
            .get(&format!("/risks/processes?site={}", app.ids.site_a))
            .await
            .html;
        assert!(
            at_site.contains("id=\"site-filter\"") && at_site.contains(&page),
            "{name}"
        );
        let elsewhere = manager.get("/risks/processes?site=no-such-site").await.html;
        assert!(
            elsewhere.contains("id=\"no-processes\"") && !elsewhere.contains(&page),
            "{name}"
        );
        let list = manager.get("/risks/processes").await.html;
        assert!(list.contains(&page) && list.contains("DMIA 48 h"), "{name}");

        // The heat map and register of one process, and of one site, from their pages.
        assert!(
            shown.contains(&format!("href=\"/risks?process={process_id}\"")),
            "{name}"
        );
        for sliced in [
            format!("/risks?process={process_id}"),
            format!("/risks?site={}", app.ids.site_a),
        ] {
            let heat = manager.get(&sliced).await;
            assert_eq!(heat.status, StatusCode::OK, "{name}: {sliced}");
            assert!(
                heat.html.contains("id=\"slice\"") && heat.html.contains("RSK-0001"),
                "{name}: {sliced}"
            );
        }
        for (query, expected) in [
            (format!("process_id={process_id}"), 1),
            (format!("site_id={}", app.ids.site_a), 1),
            ("process_id=no-such-process".to_owned(), 0),
        ] {
            let (status, found) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/risks?{query}"),
                    Some(&token),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{name}: {query}");
            assert_eq!(found["total"], json!(expected), "{name}: {query}");
            let (status, _) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/risks/heat-map?{query}"),
                    Some(&token),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{name}: {query}");
        }
        let unknown = manager.get("/risks?site=no-such-site").await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{name}");
    }
}
