//! Two-step sign-in: administrators must set up an authenticator app before any session
//! exists, codes work once, recovery codes work once, wrong codes drop the pending sign-in,
//! secrets are stored encrypted, and an administrator can reset a lost phone.

use hygeia_domain::mfa;

use super::*;

/// The app with the default policy (administrators need a second factor).
pub(super) fn strict_app(app: &TestApp) -> Router {
    let catalog = hygeia_catalog::Catalog::load_embedded().unwrap();
    hygeia_web::router(AppState::new(
        app.store.clone(),
        WebConfig {
            secure_cookies: false,
            ..WebConfig::default()
        },
        CatalogCache::new(catalog, 0),
    ))
}

/// The code an authenticator app shows `steps` steps after the test clock's instant.
pub(super) fn code(secret_base32: &str, steps: i64) -> String {
    let secret = mfa::base32_decode(secret_base32).unwrap();
    let now = test_clock().now();
    let step = u64::try_from(mfa::step_at(now) + steps).unwrap();
    mfa::hotp(&secret, step)
}

pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) body: Value,
    pub(super) cookies: Vec<String>,
}

pub(super) async fn post(app: &Router, path: &str, cookie: Option<&str>, body: Value) -> Answer {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let mut request = request.body(Body::from(body.to_string())).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 80], 40000))));
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
        .collect();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        cookies,
    }
}

pub(super) fn named<'a>(answer: &'a Answer, name: &str) -> &'a str {
    answer
        .cookies
        .iter()
        .find(|c| c.starts_with(&format!("{name}=")) && c.len() > name.len() + 1)
        .map(String::as_str)
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", answer.cookies))
}

pub(super) async fn password_step(app: &Router, email: &str) -> Answer {
    post(
        app,
        "/api/v1/auth/login",
        None,
        json!({"email": email, "password": PASSWORD}),
    )
    .await
}

#[tokio::test]
async fn administrators_set_up_a_second_factor_before_any_session() {
    for db in testing::all().await {
        let fixture = TestApp::new(db).await;
        let app = strict_app(&fixture);
        let first = password_step(&app, "administrator@example.org").await;
        assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.body);
        assert_eq!(first.body["second_factor"], "enrol");
        assert!(
            !first
                .cookies
                .iter()
                .any(|c| c.starts_with("hygeia_session=") && c.len() > 15),
            "a session before the second factor: {:?}",
            first.cookies
        );
        let pending = named(&first, "hygeia_pending").to_owned();
        // The pending cookie is no session.
        let me = Request::builder()
            .uri("/api/v1/me")
            .header(header::COOKIE, &pending)
            .body(Body::empty())
            .unwrap();
        assert_eq!(fixture.send(me).await.0, StatusCode::UNAUTHORIZED);
        let enrol = post(
            &app,
            "/api/v1/auth/second-factor/enrol",
            Some(&pending),
            json!({}),
        )
        .await;
        assert_eq!(enrol.status, StatusCode::OK, "{}", enrol.body);
        let secret = enrol.body["secret"].as_str().unwrap().to_owned();
        assert!(
            enrol.body["otpauth_uri"]
                .as_str()
                .unwrap()
                .starts_with("otpauth://totp/")
        );
        // A wrong code, then the right one: signed in, with recovery codes shown once.
        let wrong = post(
            &app,
            "/api/v1/auth/second-factor",
            Some(&pending),
            json!({"code": "000000"}),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
        let done = post(
            &app,
            "/api/v1/auth/second-factor",
            Some(&pending),
            json!({"code": code(&secret, 0)}),
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        let codes: Vec<String> =
            serde_json::from_value(done.body["recovery_codes"].clone()).unwrap();
        assert_eq!(codes.len(), 10);
        let session = named(&done, "hygeia_session").to_owned();
        let me = Request::builder()
            .uri("/api/v1/me/second-factor")
            .header(header::COOKIE, &session)
            .body(Body::empty())
            .unwrap();
        let (status, status_body) = fixture.send(me).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            status_body,
            json!({"totp": true, "recovery_codes_left": 10, "security_keys": 0})
        );

        // Next sign-in: a code is asked; the code already used does not work again.
        let again = password_step(&app, "administrator@example.org").await;
        assert_eq!(again.body["second_factor"], "code");
        let pending = named(&again, "hygeia_pending").to_owned();
        let replay = post(
            &app,
            "/api/v1/auth/second-factor",
            Some(&pending),
            json!({"code": code(&secret, 0)}),
        )
        .await;
        assert_eq!(
            replay.status,
            StatusCode::BAD_REQUEST,
            "a code worked twice"
        );
        let next = post(
            &app,
            "/api/v1/auth/second-factor",
            Some(&pending),
            json!({"code": code(&secret, 1)}),
        )
        .await;
        assert_eq!(next.status, StatusCode::OK, "{}", next.body);

        // A recovery code signs in once.
        let lost_phone = password_step(&app, "administrator@example.org").await;
        let pending = named(&lost_phone, "hygeia_pending").to_owned();
        let typed = codes[0].to_uppercase().replace('-', " ");
        let recovered = post(
            &app,
            "/api/v1/auth/second-factor",
            Some(&pending),
            json!({"code": typed}),
        )
        .await;
        assert_eq!(recovered.status, StatusCode::OK, "{}", recovered.body);
        let again = password_step(&app, "administrator@example.org").await;
        let pending = named(&again, "hygeia_pending").to_owned();
        let reused = post(
            &app,
            "/api/v1/auth/second-factor",
            Some(&pending),
            json!({"code": codes[0]}),
        )
        .await;
        assert_eq!(
            reused.status,
            StatusCode::BAD_REQUEST,
            "a recovery code worked twice"
        );

        // Five wrong codes drop the pending sign-in: the password is asked again.
        for n in 1..5 {
            let wrong = post(
                &app,
                "/api/v1/auth/second-factor",
                Some(&pending),
                json!({"code": format!("12345{n}")}),
            )
            .await;
            assert_ne!(wrong.status, StatusCode::OK);
        }
        let after = post(
            &app,
            "/api/v1/auth/second-factor",
            Some(&pending),
            json!({"code": codes[1]}),
        )
        .await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "{}", after.body);

        // Everything is in the audit trail.
        let (_, trail) = fixture
            .call(
                Method::GET,
                "/api/v1/audit?object_type=user&limit=200",
                Some(fixture.token(Role::Administrator)),
                None,
            )
            .await;
        let actions: Vec<&str> = trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["action"].as_str().unwrap())
            .collect();
        for action in [
            "mfa.totp_enrol",
            "auth.second_factor",
            "auth.second_factor_failed",
        ] {
            assert!(
                actions.contains(&action),
                "{action} missing from {actions:?}"
            );
        }
    }
}

#[tokio::test]
async fn an_administrator_resets_a_lost_phone() {
    let fixture = TestApp::new(testing::sqlite()).await;
    let app = strict_app(&fixture);
    // The auditor is not required to, but sets up an app (with their password).
    let token = fixture.token(Role::Auditor).to_owned();
    let (status, enrol) = fixture
        .call(
            Method::POST,
            "/api/v1/me/second-factor/totp",
            Some(&token),
            Some(json!({"current_password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{enrol}");
    let secret = enrol["secret"].as_str().unwrap().to_owned();
    let (status, body) = fixture
        .call(
            Method::POST,
            "/api/v1/me/second-factor/totp/confirm",
            Some(&token),
            Some(json!({"code": code(&secret, 0)})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        password_step(&app, "auditor@example.org").await.status,
        StatusCode::ACCEPTED
    );
    // Without the password, no enrolment.
    let (status, _) = fixture
        .call(
            Method::POST,
            "/api/v1/me/second-factor/totp",
            Some(&token),
            Some(json!({"current_password": "wrong"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The administrator resets it: a password alone signs in again (the role does not require).
    let auditor = fixture
        .store
        .user_by_email("auditor@example.org")
        .await
        .unwrap()
        .unwrap()
        .0;
    let path = format!("/api/v1/users/{}/second-factor", auditor.id);
    let (status, _) = fixture
        .call(Method::DELETE, &path, Some(&token), None)
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "an auditor reset a second factor"
    );
    let (status, _) = fixture
        .call(
            Method::DELETE,
            &path,
            Some(fixture.token(Role::Administrator)),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        password_step(&app, "auditor@example.org").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_sign_in_pages_walk_through_both_steps() {
    let fixture = TestApp::new(testing::sqlite()).await;
    let app = strict_app(&fixture);
    let form = |path: &str, cookie: Option<&str>, body: &str| {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ORIGIN, "http://localhost")
            .header(header::HOST, "localhost");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let mut request = request.body(Body::from(body.to_owned())).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 81], 40000))));
        request
    };
    let response = app
        .clone()
        .oneshot(form(
            "/login",
            None,
            "email=administrator%40example.org&password=correct+horse+battery+staple&lang=fr",
        ))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[header::LOCATION],
        "/login/second-factor?lang=fr"
    );
    let pending = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("hygeia_pending="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .unwrap();
    let mut page = Request::builder()
        .uri("/login/second-factor?lang=fr")
        .header(header::COOKIE, &pending)
        .body(Body::empty())
        .unwrap();
    page.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 81], 40000))));
    let response = app.clone().oneshot(page).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let html = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(html.contains("Connexion en deux étapes"), "{html}");
    assert!(html.contains("data:image/svg+xml;base64,"), "no QR code");
    let secret = html
        .split("id=\"totp-secret\" class=\"mono\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap()
        .to_owned();
    let body = format!("code={}&lang=fr", code(&secret, 0));
    let response = app
        .clone()
        .oneshot(form("/login/second-factor", Some(&pending), &body))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let signed_in = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("hygeia_session=") && !v.starts_with("hygeia_session=;"));
    assert!(signed_in, "no session after the second step");
    let html = String::from_utf8(
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(
        html.contains("Vos codes de secours") && html.contains("id=\"recovery-codes\""),
        "{html}"
    );
}
