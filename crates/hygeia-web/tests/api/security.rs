//! Regression tests of the security review's findings: sign-in throttling and lockout,
//! credential lengths, trusted proxies, token scopes and minting, sessions, response headers,
//! evidence served inert, redirect targets, body limits and who reads organisation records.

use super::*;

/// A request from `peer`, with optional headers, through `app`.
async fn from(
    app: &Router,
    peer: [u8; 4],
    request: axum::http::request::Builder,
    body: Body,
) -> axum::response::Response {
    let mut request = request.body(body).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((peer, 40000))));
    app.clone().oneshot(request).await.unwrap()
}

fn login_request(email: &str, password: &str) -> (axum::http::request::Builder, Body) {
    (
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json"),
        Body::from(json!({"email": email, "password": password}).to_string()),
    )
}

/// The `name=value` pairs of every `Set-Cookie` of a response.
fn cookies(response: &axum::response::Response) -> Vec<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_owned)
        .collect()
}

fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn concurrent_wrong_sign_ins_are_throttled_before_hashing() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let guesses = (0..30).map(|n| {
            let (request, body) = login_request("auditor@example.org", &format!("guess {n}"));
            let app = app.app.clone();
            async move { from(&app, [203, 0, 113, 5], request, body).await.status() }
        });
        let statuses = futures_util::future::join_all(guesses).await;
        let checked = statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count();
        assert_eq!(checked, 5, "{statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|s| matches!(s.as_u16(), 401 | 429 | 503))
        );
        // Only the checked attempts reached the audit trail.
        assert_eq!(
            app.audit_count("auth.login_failed").await,
            5,
            "auth.login_failed"
        );
    }
}

#[tokio::test]
async fn an_attacker_elsewhere_cannot_lock_the_owner_out() {
    let app = TestApp::new(testing::sqlite()).await;
    // The owner signs in once: the browser is now known.
    let (request, body) = login_request("administrator@example.org", PASSWORD);
    let first = from(&app.app, [192, 0, 2, 10], request, body).await;
    assert_eq!(first.status(), StatusCode::OK);
    let device = cookies(&first)
        .into_iter()
        .find(|c| c.starts_with("hygeia_device="))
        .map(|c| pair(&c))
        .expect("a known-device cookie");
    // Guessing from many addresses.
    for n in 0..25 {
        let (request, body) = login_request("administrator@example.org", "wrong");
        from(&app.app, [203, 0, 113, n], request, body).await;
    }
    // A stranger's right password waits, so guessing gains nothing …
    let (request, body) = login_request("administrator@example.org", PASSWORD);
    let stranger = from(&app.app, [198, 18, 0, 1], request, body).await;
    assert_eq!(stranger.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(stranger.headers().contains_key(header::RETRY_AFTER));
    // … but the owner's browser signs in at once, even from the attackers' own address.
    let (request, body) = login_request("administrator@example.org", PASSWORD);
    let owner = from(
        &app.app,
        [203, 0, 113, 1],
        request.header(header::COOKIE, &device),
        body,
    )
    .await;
    assert_eq!(owner.status(), StatusCode::OK);
}

#[tokio::test]
async fn oversized_credentials_are_refused_before_any_work() {
    let app = TestApp::new(testing::sqlite()).await;
    let before = app.store.verify_audit_chain().await.unwrap().records;
    let long_email = format!("{}@example.org", "a".repeat(2_000_000));
    let (status, body, _) = login(&app, &long_email, "x").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["field"], "email");
    let (status, body, _) = login(&app, "auditor@example.org", &"p".repeat(1025)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["code"], "too_long");
    assert_eq!(
        app.store.verify_audit_chain().await.unwrap().records,
        before,
        "an oversized sign-in reached the audit trail"
    );
}

async fn failed_sign_in_sources(app: &TestApp) -> Vec<String> {
    let (_, trail) = app
        .call(
            Method::GET,
            "/api/v1/audit?action=auth.login_failed",
            Some(app.token(Role::Administrator)),
            None,
        )
        .await;
    trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["source"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    let app = TestApp::new(testing::sqlite()).await;
    let catalog = hygeia_catalog::Catalog::load_embedded().unwrap();
    let behind_proxy = hygeia_web::router(AppState::new(
        app.store.clone(),
        WebConfig {
            secure_cookies: false,
            trusted_proxies: hygeia_web::client_address::TrustedProxies(vec![
                "10.0.0.5".parse().unwrap(),
            ]),
            ..WebConfig::default()
        },
        CatalogCache::new(catalog, 0),
    ));
    // Straight to the server: a client cannot choose its address.
    let (request, body) = login_request("auditor@example.org", "wrong");
    from(
        &app.app,
        [198, 51, 100, 9],
        request.header("x-forwarded-for", "1.2.3.4"),
        body,
    )
    .await;
    assert_eq!(failed_sign_in_sources(&app).await, ["198.51.100.9"]);
    // Through the trusted proxy: the client behind it.
    let (request, body) = login_request("auditor@example.org", "wrong");
    from(
        &behind_proxy,
        [10, 0, 0, 5],
        request.header("x-forwarded-for", "6.6.6.6, 192.0.2.44"),
        body,
    )
    .await;
    assert_eq!(
        failed_sign_in_sources(&app).await,
        ["192.0.2.44", "198.51.100.9"]
    );
}

#[tokio::test]
async fn tokens_are_made_in_a_session_and_carry_their_scope() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let (status, signed_in, cookie) =
            login(&app, "compliance_manager@example.org", PASSWORD).await;
        assert_eq!(status, StatusCode::OK);
        let cookie = cookie.unwrap();
        let csrf = signed_in["csrf_token"].as_str().unwrap().to_owned();
        let create = |scope: &str, entity: Option<&str>| {
            let mut body = json!({"name": format!("{scope} token"), "scope": scope});
            if let Some(e) = entity {
                body["entity_id"] = json!(e);
            }
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/tokens")
                .header(header::COOKIE, &cookie)
                .header("x-csrf-token", &csrf)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap()
        };
        let (status, read) = app.send(create("read", None)).await;
        assert_eq!(status, StatusCode::CREATED, "{read}");
        let read = read["secret"].as_str().unwrap().to_owned();
        let a = app.ids.entity_a.clone();
        let (status, ingest) = app.send(create("ingest", Some(&a))).await;
        assert_eq!(status, StatusCode::CREATED, "{ingest}");
        let ingest = ingest["secret"].as_str().unwrap().to_owned();
        let (status, body) = app.send(create("ingest", None)).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "an ingest token names its entity: {body}"
        );
        let (status, body) = app.send(create("root", None)).await;
        assert_eq!(
            (status, body["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("scope"))
        );

        // A read-only token reads and never writes.
        let (status, _) = app
            .call(Method::GET, "/api/v1/entities", Some(&read), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let path = format!("/api/v1/entities/{a}/evidence?title=Scan&file_name=scan.json");
        let (status, body) = app
            .call(Method::POST, &path, Some(&read), Some(json!({})))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(body["detail"].as_str().unwrap().contains("scope"), "{body}");
        // An ingest token reaches its entity's sensor batches and nothing else.
        let (status, _) = app
            .call(Method::GET, "/api/v1/entities", Some(&ingest), None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{}", app.ids.iso),
                Some(&ingest),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // No token mints another.
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/tokens",
                Some(&read),
                Some(json!({"name": "child"})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // Changing the password revokes them all.
        let change = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/me/password")
            .header(header::AUTHORIZATION, format!("Bearer {read}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"})
                    .to_string(),
            ))
            .unwrap();
        let (status, body) = app.send(change).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "a read-only token changed a password: {body}"
        );
        let manager = app.token(Role::ComplianceManager).to_owned();
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/me/password",
                Some(&manager),
                Some(
                    json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        for token in [&read, &ingest, &manager] {
            let (status, _) = app.call(Method::GET, "/api/v1/me", Some(token), None).await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "a token outlived the password"
            );
        }
    }
}

#[tokio::test]
async fn sessions_rotate_are_listed_and_end_everywhere() {
    let app = TestApp::new(testing::sqlite()).await;
    let (request, body) = login_request("auditor@example.org", PASSWORD);
    let first = from(&app.app, [192, 0, 2, 1], request, body).await;
    let set = cookies(&first);
    let session = set
        .iter()
        .find(|c| c.starts_with("hygeia_session="))
        .unwrap();
    assert!(
        !session.contains("Max-Age"),
        "a persistent session cookie: {session}"
    );
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"));
    let old = pair(session);
    // Signing in again from the same browser ends the session it held.
    let (request, body) = login_request("auditor@example.org", PASSWORD);
    let second = from(
        &app.app,
        [192, 0, 2, 1],
        request.header(header::COOKIE, &old),
        body,
    )
    .await;
    let new = pair(
        cookies(&second)
            .iter()
            .find(|c| c.starts_with("hygeia_session="))
            .unwrap(),
    );
    let me = |cookie: String| {
        Request::builder()
            .uri("/api/v1/me/sessions")
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap()
    };
    let (status, _) = app.send(me(old)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the old session survived sign-in"
    );
    let (status, listed) = app.send(me(new.clone())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["current"], true);
    assert_eq!(listed[0]["source"], "192.0.2.1");
    // Sign out everywhere.
    let token = app.token(Role::Auditor).to_owned();
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/me/sessions/end-all",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.send(me(new)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn answers_are_never_cached_and_evidence_is_served_inert() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let token = app.token(Role::Auditor).to_owned();
        for path in [
            "/api/v1/entities".to_owned(),
            "/".to_owned(),
            format!("/api/v1/evidence/{}/content", app.ids.evidence),
        ] {
            let response = from(
                &app.app,
                [198, 51, 100, 7],
                Request::builder()
                    .uri(&path)
                    .header(header::AUTHORIZATION, format!("Bearer {token}")),
                Body::empty(),
            )
            .await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let h = response.headers();
            assert_eq!(h[header::CACHE_CONTROL], "no-store", "{path}");
            assert_eq!(h["cross-origin-opener-policy"], "same-origin");
            assert_eq!(h["cross-origin-resource-policy"], "same-origin");
            assert!(
                h["permissions-policy"]
                    .to_str()
                    .unwrap()
                    .contains("camera=()")
            );
            assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            if path.ends_with("/content") {
                // Declared text/plain by the uploader: served as opaque bytes in a sandbox.
                assert_eq!(h[header::CONTENT_TYPE], "application/octet-stream");
                assert!(
                    h[header::CONTENT_SECURITY_POLICY]
                        .to_str()
                        .unwrap()
                        .starts_with("sandbox")
                );
            }
        }
        assert_eq!(
            app.audit_count("evidence.download").await,
            1,
            "downloads are traced"
        );
        let export = format!("/api/v1/assessments/{}/exports/soa", app.ids.iso);
        app.raw(Method::GET, &export, &token, None).await;
        assert_eq!(
            app.audit_count("export.download").await,
            1,
            "exports are traced"
        );
    }
}

#[tokio::test]
async fn redirect_targets_never_leave_the_site_nor_fail() {
    let app = TestApp::new(testing::sqlite()).await;
    let admin = app.token(Role::Administrator).to_owned();
    for query in ["%0a", "%0d%0aSet-Cookie:%20x=1", "..%2F..%2F", "%09"] {
        let response = from(
            &app.app,
            [198, 51, 100, 7],
            Request::builder()
                .uri(format!("/switch?entity={query}"))
                .header(header::AUTHORIZATION, format!("Bearer {admin}")),
            Body::empty(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{query}");
        assert_eq!(response.headers()[header::LOCATION], "/", "{query}");
    }
    let (status, page) = {
        let response = from(
            &app.app,
            [198, 51, 100, 7],
            Request::builder()
                .method(Method::POST)
                .uri("/settings/locale")
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from("locale=fr&back=%2F%09%2Fevil.example"),
        )
        .await;
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned());
        (response.status(), location)
    };
    assert_eq!(
        (status, page.as_deref()),
        (StatusCode::SEE_OTHER, Some("/settings"))
    );
}

#[tokio::test]
async fn bodies_are_bounded() {
    let app = TestApp::new(testing::sqlite()).await;
    let token = app.token(Role::Administrator).to_owned();
    // Beyond the largest evidence file and its form: refused, whatever the route.
    let huge = vec![b'x'; 27 * 1024 * 1024];
    let response = from(
        &app.app,
        [198, 51, 100, 7],
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/entities")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::CONTENT_LENGTH, huge.len()),
        Body::from(huge.clone()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Without a length announced, the body is cut off all the same.
    let response = from(
        &app.app,
        [198, 51, 100, 7],
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/entities")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json"),
        Body::from(huge),
    )
    .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // A form field of the upload page other than the file is bounded on its own.
    let boundary = "XyZ";
    let mut form =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n")
            .into_bytes();
    form.extend(vec![b't'; 2 * 1024 * 1024]);
    form.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let path = format!(
        "/compliance/assessments/{}/requirements/a.5.1/evidence",
        app.ids.iso
    );
    let response = from(
        &app.app,
        [198, 51, 100, 7],
        Request::builder()
            .method(Method::POST)
            .uri(&path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            ),
        Body::from(form),
    )
    .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE, "{path}");
}

#[tokio::test]
async fn entity_limited_readers_do_not_see_organisation_records() {
    let app = TestApp::new(testing::sqlite()).await;
    let count = |role: Role| {
        let token = app.token(role).to_owned();
        let app = &app;
        async move {
            let (status, trail) = app
                .call(
                    Method::GET,
                    "/api/v1/audit?action=user.create",
                    Some(&token),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK);
            trail["total"].as_i64().unwrap()
        }
    };
    assert_eq!(count(Role::Administrator).await, 4);
    assert_eq!(
        count(Role::Auditor).await,
        0,
        "an auditor of one entity read user records"
    );
}

#[tokio::test]
async fn new_passwords_follow_the_policy_and_the_breached_list() {
    use sha1::Digest;
    let app = TestApp::new(testing::sqlite()).await;
    let dir = std::env::temp_dir().join(format!("hygeia-pwned-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let list = dir.join("pwned.txt");
    let mut lines: Vec<String> = ["summer holidays 2026", "iloveparisinthespring"]
        .iter()
        .map(|p| format!("{}:42", hex::encode_upper(sha1::Sha1::digest(p.as_bytes()))))
        .collect();
    lines.sort();
    std::fs::write(&list, lines.join("\r\n")).unwrap();
    let catalog = hygeia_catalog::Catalog::load_embedded().unwrap();
    let strict = hygeia_web::router(AppState::new(
        app.store.clone(),
        WebConfig {
            secure_cookies: false,
            mfa_policy: hygeia_domain::mfa::MfaPolicy {
                required_roles: Default::default(),
            },
            breached_passwords: Some(hygeia_web::breached::BreachedList::open(&list).unwrap()),
            ..WebConfig::default()
        },
        CatalogCache::new(catalog, 0),
    ));
    let token = app.token(Role::Contributor).to_owned();
    let change = |new: &str| {
        let body = json!({"current_password": PASSWORD, "new_password": new});
        (
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/me/password")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json"),
            Body::from(body.to_string()),
        )
    };
    for (new, code) in [
        ("summer holidays 2026", "password_breached"),
        ("contributor@example", "password_personal"),
        ("aaaaaaaaaaaaaaaa", "password_predictable"),
        ("short one", "too_short"),
    ] {
        let (request, body) = change(new);
        let response = from(&strict, [198, 51, 100, 7], request, body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{new}");
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let problem: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(problem["errors"][0]["code"], code, "{new}: {problem}");
    }
    let (request, body) = change("a long phrase nobody has leaked");
    assert_eq!(
        from(&strict, [198, 51, 100, 7], request, body)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let _ = std::fs::remove_dir_all(dir);
}
