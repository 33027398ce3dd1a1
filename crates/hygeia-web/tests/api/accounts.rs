//! Sessions, CSRF, throttling, passwords, and the audit context of changes.

use super::*;

#[tokio::test]
async fn sessions_need_csrf_for_writes_and_sign_in_is_throttled() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let (status, body, cookie) = login(&app, "Administrator@Example.org", PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let cookie = cookie.unwrap();
        assert!(cookie.starts_with("hygeia_session="));
        let csrf = body["csrf_token"].as_str().unwrap().to_owned();

        let with_cookie = |method: Method, path: &str, csrf: Option<&str>, body: Option<Value>| {
            let mut r = Request::builder()
                .method(method)
                .uri(path)
                .header(header::COOKIE, &cookie);
            if let Some(csrf) = csrf {
                r = r.header("x-csrf-token", csrf);
            }
            match body {
                Some(b) => r
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(b.to_string()))
                    .unwrap(),
                None => r.body(Body::empty()).unwrap(),
            }
        };
        let (status, me) = app
            .send(with_cookie(Method::GET, "/api/v1/me", None, None))
            .await;
        assert_eq!(
            (status, me["role"].as_str()),
            (StatusCode::OK, Some("administrator"))
        );
        let (status, _) = app
            .send(with_cookie(
                Method::POST,
                "/api/v1/entities",
                None,
                Some(entity_body("Sans jeton")),
            ))
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "a cookie write without CSRF token went through"
        );
        let (status, _) = app
            .send(with_cookie(
                Method::POST,
                "/api/v1/entities",
                Some("forged"),
                Some(entity_body("Faux")),
            ))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .send(with_cookie(
                Method::POST,
                "/api/v1/entities",
                Some(&csrf),
                Some(entity_body("Avec jeton")),
            ))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = app
            .send(with_cookie(
                Method::POST,
                "/api/v1/auth/logout",
                Some(&csrf),
                None,
            ))
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = app
            .send(with_cookie(Method::GET, "/api/v1/me", None, None))
            .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "the session survived logout"
        );

        // Five wrong passwords, then even the right one is refused for a while.
        for _ in 0..5 {
            let (status, _, _) = login(&app, "auditor@example.org", "wrong password!").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        let (status, body, cookie) = login(&app, "auditor@example.org", PASSWORD).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
        assert!(cookie.is_none());
        let trail = app
            .store
            .list_audit(
                &hygeia_domain::access::EntityScope::All,
                &hygeia_store::AuditFilter {
                    action: Some("auth.login_failed".into()),
                    ..Default::default()
                },
                hygeia_store::PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(trail.total, 5);
        assert_eq!(trail.items[0].source, "198.51.100.7");
    }
}

#[tokio::test]
async fn changes_through_the_api_are_audited_with_who_and_where() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let manager = app.token(Role::ComplianceManager).to_owned();
        let path = format!("/api/v1/entities/{}", app.ids.entity_a);
        let mut body = entity_body("Hôpital A");
        body["employees"] = json!(1_620);
        let (status, _) = app
            .call(Method::PUT, &path, Some(&manager), Some(body))
            .await;
        assert_eq!(status, StatusCode::OK);
        let auditor = app.token(Role::Auditor).to_owned();
        let (status, trail) = app
            .call(
                Method::GET,
                "/api/v1/audit?action=entity.update",
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let record = &trail["items"][0];
        assert_eq!(record["actor_label"], "compliance_manager@example.org");
        assert_eq!(record["source"], "198.51.100.7");
        assert!(
            record["request_id"]
                .as_str()
                .is_some_and(|id| id.len() == 36)
        );
        assert!(
            record["before"]
                .as_str()
                .unwrap()
                .contains("\"employees\":300")
                || record["before"]
                    .as_str()
                    .unwrap()
                    .contains("\"employees\":1500")
        );
        assert!(
            record["after"]
                .as_str()
                .unwrap()
                .contains("\"employees\":1620")
        );
        // The auditor sees nothing about entity B, outside their scope.
        let (_, all) = app
            .call(Method::GET, "/api/v1/audit?limit=500", Some(&auditor), None)
            .await;
        let leaked = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["entity_id"] == json!(app.ids.entity_b));
        assert!(
            !leaked,
            "the auditor saw records of an entity outside their scope"
        );
        let (_, verify) = app
            .call(Method::GET, "/api/v1/audit/verify", Some(&auditor), None)
            .await;
        assert_eq!(verify["first_break"], Value::Null);
    }
}

#[tokio::test]
async fn passwords_change_with_the_current_one_and_end_sessions() {
    let app = TestApp::new(testing::sqlite()).await;
    let (status, _, cookie) = login(&app, "contributor@example.org", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let token = app.token(Role::Contributor).to_owned();
    let wrong =
        json!({"current_password": "not my password", "new_password": "a brand new passphrase"});
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/me/password",
            Some(&token),
            Some(wrong),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errors"][0]["field"], "current_password");
    let short = json!({"current_password": PASSWORD, "new_password": "short"});
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/me/password",
            Some(&token),
            Some(short),
        )
        .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("password"))
    );
    let good = json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"});
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/me/password",
            Some(&token),
            Some(good),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let request = Request::builder()
        .uri("/api/v1/me")
        .header(header::COOKIE, cookie.unwrap())
        .body(Body::empty())
        .unwrap();
    let (status, _) = app.send(request).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old session survived a password change"
    );
    let (status, _, _) = login(&app, "contributor@example.org", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = login(&app, "contributor@example.org", "a brand new passphrase").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn guessing_the_current_password_is_throttled_with_sign_ins() {
    let app = TestApp::new(testing::sqlite()).await;
    let token = app.token(Role::Auditor).to_owned();
    let change = |current: &str| json!({"current_password": current, "new_password": "a brand new passphrase"});
    for n in 0..5 {
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/me/password",
                Some(&token),
                Some(change(&format!("guess {n}"))),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "guess {n}");
    }
    // Even the right password is refused now, and signing in to the account too.
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/me/password",
            Some(&token),
            Some(change(PASSWORD)),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let (status, _, _) = login(&app, "auditor@example.org", PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Each wrong guess is in the audit trail.
    let (_, trail) = app
        .call(
            Method::GET,
            "/api/v1/audit?action=auth.password_check_failed",
            Some(app.token(Role::Administrator)),
            None,
        )
        .await;
    assert_eq!(trail["total"], 5, "{trail}");
}
