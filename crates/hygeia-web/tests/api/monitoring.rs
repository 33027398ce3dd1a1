//! Zone policies and the Assets pages.

use super::*;

#[tokio::test]
async fn zone_policies_are_checked_before_they_are_stored() {
    let app = TestApp::new(testing::sqlite()).await;
    let manager = app.token(Role::ComplianceManager).to_owned();
    let path = format!("/api/v1/entities/{}/zones", app.ids.entity_a);
    let broken = json!({"policy": "[[zone]]\nname = \"x\"\ncidrs = [\"10.0.0.0/33\"]\n"});
    let (status, problem) = app
        .call(Method::PUT, &path, Some(&manager), Some(broken))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["errors"][0]["field"], "policy");
    let (_, stored) = app.call(Method::GET, &path, Some(&manager), None).await;
    assert_eq!(
        stored["policy"], ZONES,
        "a refused policy replaced the stored one"
    );
    let other = format!("/api/v1/entities/{}/zones", app.ids.entity_b);
    let (status, _) = app
        .call(
            Method::PUT,
            &other,
            Some(&manager),
            Some(json!({"policy": ZONES})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "out-of-scope entity");
}

#[tokio::test]
async fn asset_pages_show_the_inventory_within_need_to_know() {
    let app = TestApp::new(testing::sqlite()).await;
    let auditor = app.token(Role::Auditor).to_owned();
    let (status, list) = app
        .call(Method::GET, "/assets?role=plc", Some(&auditor), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_str().unwrap().to_owned();
    assert!(
        list.contains("10.1.0.5") && list.contains(&format!("/assets/{}", app.ids.asset_a)),
        "{list}"
    );
    let (status, detail) = app
        .call(
            Method::GET,
            &format!("/assets/{}", app.ids.asset_a),
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(detail.as_str().unwrap().contains("00:1b:1b:0a:0b:0c"));
    for path in ["/assets/map", "/assets/findings"] {
        let (status, _) = app.call(Method::GET, path, Some(&auditor), None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }

    // Someone granted only entity B sees neither the asset nor its page.
    let outsider = app
        .store
        .create_user(
            &Actor::system(),
            &app.store.organisation().await.unwrap().unwrap().id,
            &NewUser {
                email: "outsider@example.org".into(),
                display_name: "Outsider".into(),
                role: Role::Auditor,
                locale: "en".into(),
                entity_ids: vec![app.ids.entity_b.clone()],
                password_hash: None,
            },
        )
        .await
        .unwrap();
    let (secret, hash, prefix) = auth::new_api_token();
    app.store
        .create_token(
            &Actor::system(),
            &hygeia_store::NewToken::full(&outsider.id, "t", &hash, &prefix),
        )
        .await
        .unwrap();
    let (_, list) = app.call(Method::GET, "/assets", Some(&secret), None).await;
    assert!(
        !list.as_str().unwrap().contains("10.1.0.5"),
        "an out-of-scope asset was listed"
    );
    let page = Request::builder()
        .uri(format!("/assets/{}", app.ids.asset_a))
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .body(Body::empty())
        .unwrap();
    let response = app.app.clone().oneshot(page).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "an HTML page answers 404 for an out-of-scope asset"
    );
    let (status, api) = app
        .call(
            Method::GET,
            &format!("/api/v1/assets/{}", app.ids.asset_a),
            Some(&secret),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{api}");
}
