//! NIS2 classification of entities, catalogs, crosswalks and imports.

use super::*;

#[tokio::test]
async fn an_entity_shows_its_nis2_classification_with_reasons() {
    let app = TestApp::new(testing::sqlite()).await;
    let admin = app.token(Role::Administrator).to_owned();
    let (status, c) = app
        .call(
            Method::GET,
            &format!("/api/v1/entities/{}/nis2", app.ids.entity_a),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(c["classification"], "essential");
    assert!(c["steps"].as_array().unwrap().len() >= 3);
    assert_eq!(c["max_fine_eur"], 10_000_000);
}

#[tokio::test]
async fn catalogs_are_browsable_and_imports_are_all_or_nothing() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let auditor = app.token(Role::Auditor).to_owned();
        let (status, list) = app
            .call(Method::GET, "/api/v1/frameworks", Some(&auditor), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let ids: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap())
            .collect();
        assert!(
            ids.contains(&"nis2-2024-2690") && ids.contains(&"iso27001-2022"),
            "{ids:?}"
        );

        let (_, found) = app
            .call(
                Method::GET,
                "/api/v1/frameworks/nis2-2024-2690/requirements?q=authentification%20multifacteur",
                Some(&auditor),
                None,
            )
            .await;
        assert!(
            found["total"].as_u64().unwrap() >= 1,
            "French search found nothing: {found}"
        );
        let (_, by_letter) = app
            .call(
                Method::GET,
                "/api/v1/frameworks/nis2-2024-2690/requirements?art21=e&assessable=true",
                Some(&auditor),
                None,
            )
            .await;
        assert!(by_letter["total"].as_u64().unwrap() > 5);
        let (status, _) = app
            .call(
                Method::GET,
                "/api/v1/frameworks/nis2-2024-2690/requirements?art21=z",
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        let (status, detail) = app
            .call(
                Method::GET,
                "/api/v1/frameworks/iso27001-2022/requirements/A.8.22",
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(detail["requirement"]["id"], "a.8.22");
        let neighbours = detail["neighbours"].as_array().unwrap();
        assert!(
            neighbours
                .iter()
                .any(|n| n["framework"] == "nis2-2024-2690"),
            "no 2024/2690 neighbour of A.8.22"
        );

        // A broken file is refused whole, naming file, entry and field; nothing is stored.
        let broken = ACME_FRAMEWORK
            .replace("fr: \"Le conseil approuve la politique\"", "fr: \"\"")
            .replace("parent: \"p1\"", "parent: \"p9\"");
        let body = json!({"kind": "framework", "format": "yaml", "file_name": "acme.yaml", "content": broken});
        let (status, problem) = app
            .call(
                Method::POST,
                "/api/v1/catalog/imports",
                Some(&admin),
                Some(body),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains("acme.yaml")
                && detail.contains("p1.1")
                && detail.contains("title.fr")
                && detail.contains("parent"),
            "{detail}"
        );
        let (_, imports) = app
            .call(Method::GET, "/api/v1/catalog/imports", Some(&admin), None)
            .await;
        assert_eq!(imports.as_array().unwrap().len(), 0);

        let body = json!({"kind": "framework", "format": "yaml", "file_name": "acme.yaml", "content": ACME_FRAMEWORK});
        let (status, created) = app
            .call(
                Method::POST,
                "/api/v1/catalog/imports",
                Some(&admin),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (status, created["id"].as_str()),
            (StatusCode::CREATED, Some("acme-policy"))
        );
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/catalog/imports",
                Some(&admin),
                Some(body),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "a duplicate framework id was accepted"
        );
        let (status, fw) = app
            .call(
                Method::GET,
                "/api/v1/frameworks/acme-policy",
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(fw["tree"][0]["children"][0]["id"], "p1.1");

        // OSCAL round trip through the API: export ISO 27001, import it under another id.
        let (status, oscal) = app
            .call(
                Method::GET,
                "/api/v1/frameworks/iso27001-2022/oscal",
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(oscal["catalog"]["uuid"].is_string());
        let (status, _) = app.call(Method::POST, "/api/v1/catalog/imports", Some(&admin), Some(json!({
            "kind": "framework", "format": "oscal", "file_name": "iso.json", "content": oscal.to_string()}))).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "the same framework id imported twice"
        );

        // Another instance on the same database sees the import.
        static CATALOG: std::sync::OnceLock<hygeia_catalog::Catalog> = std::sync::OnceLock::new();
        let fresh = CATALOG
            .get_or_init(|| hygeia_catalog::Catalog::load_embedded().unwrap())
            .clone();
        let other = hygeia_web::router(AppState::new(
            app.store.clone(),
            WebConfig::default(),
            CatalogCache::new(fresh, 0),
        ));
        let request = Request::builder()
            .uri("/api/v1/frameworks/acme-policy")
            .header(header::AUTHORIZATION, format!("Bearer {auditor}"))
            .body(Body::empty())
            .unwrap();
        assert_eq!(
            other.oneshot(request).await.unwrap().status(),
            StatusCode::OK
        );
        let trail = app
            .store
            .list_audit(
                &hygeia_domain::access::EntityScope::All,
                &hygeia_store::AuditFilter {
                    action: Some("catalog.import".into()),
                    ..Default::default()
                },
                hygeia_store::PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(trail.total, 1);
    }
}
