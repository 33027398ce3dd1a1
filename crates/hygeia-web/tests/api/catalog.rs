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

#[tokio::test]
async fn iec_62443_requirements_are_listed_for_a_target_security_level() {
    let app = TestApp::new(testing::sqlite()).await;
    let auditor = app.token(Role::Auditor).to_owned();
    let listed = |query: &'static str| {
        let app = &app;
        let auditor = auditor.clone();
        async move {
            let path = format!("/api/v1/frameworks/iec62443-3-3/requirements?{query}");
            app.call(Method::GET, &path, Some(&auditor), None).await
        }
    };
    // SL 2: the 3 common constraints, the 49 SRs and 11 enhancements required there.
    let (status, sl2) = listed("security_level=2&assessable=true").await;
    assert_eq!(status, StatusCode::OK, "{sl2}");
    assert_eq!(sl2["total"], 63);
    let refs: Vec<&str> = sl2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ref"].as_str().unwrap())
        .collect();
    assert!(refs.contains(&"SR 1.1 RE 1") && !refs.contains(&"SR 1.1 RE 2"));
    assert!(!refs.contains(&"SR 2.12"), "non-repudiation starts at SL 3");
    let (_, all) = listed("security_level=4&assessable=true").await;
    assert_eq!(all["total"], 103);
    let (status, refused) = listed("security_level=5").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused.to_string().contains("security_level"), "{refused}");

    // The page offers the level filter and says from which level each item applies.
    let (status, page) = app
        .call(
            Method::GET,
            "/compliance/frameworks/iec62443-3-3?sl=3",
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let page = page.as_str().unwrap();
    assert!(
        page.contains(r#"<option value="3" selected>SL 3</option>"#),
        "{page}"
    );
    assert!(page.contains("SR 1.1 RE 2") && !page.contains("SR 1.1 RE 3"));
    assert!(page.contains("from SL 3"));
    let (_, detail) = app
        .call(
            Method::GET,
            "/compliance/frameworks/iec62443-3-3/requirements/sr-1.1-re-3",
            Some(&auditor),
            None,
        )
        .await;
    assert!(detail.as_str().unwrap().contains("Required from SL 4"));
}

#[tokio::test]
async fn iso_27001_work_is_carried_towards_recyf_through_anssis_comparison() {
    let app = TestApp::new(testing::sqlite()).await;
    let admin = app.token(Role::Administrator).to_owned();
    let (status, iso) = app
        .call(
            Method::POST,
            &format!("/api/v1/entities/{}/assessments", app.ids.entity_a),
            Some(&admin),
            Some(json!({"framework_id": "iso27001-2022", "name": "ISO 2026",
                        "scope": "Tout le périmètre", "status": "in_progress",
                        "starts_on": "2026-01-05", "ends_on": "2026-06-30"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{iso}");
    let path = format!(
        "/api/v1/assessments/{}/reuse?target=recyf",
        iso["id"].as_str().unwrap()
    );
    let (status, reuse) = app.call(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::OK, "{reuse}");
    let view = &reuse["view"];
    assert_eq!(view["target_framework"], "recyf");
    assert!(
        view["mapping_sets"]
            .as_array()
            .unwrap()
            .contains(&json!("anssi-recyf-to-iso27001-2022")),
        "{}",
        view["mapping_sets"]
    );
    let derived = view["derived"].as_array().unwrap();
    assert_eq!(derived.len(), 152, "every ReCyF measure");
    let of = |id: &str| derived.iter().find(|d| d["requirement_id"] == id).unwrap();
    // A measure ANSSI compares with no ISO control: nothing to carry over.
    assert_eq!(of("1.2")["value"], "no_coverage");
    // Multifactor authentication: ISO work reaches it through ANSSI's pairs.
    let mfa = of("10.b.1");
    assert!(
        mfa["provenance"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["mapping_set"] == "anssi-recyf-to-iso27001-2022"),
        "{mfa}"
    );
}
