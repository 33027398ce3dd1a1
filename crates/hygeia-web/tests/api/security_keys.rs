//! Security keys over the API, up to what needs a real authenticator (that part runs in
//! Chromium with its virtual authenticator, `crates/hygeia/tests/browser/security_keys.rs`):
//! a registration asks for the current password and a name and answers WebAuthn options for
//! this site; answers that are not a key's are refused; at sign-in, refused answers count as
//! wrong codes and drop the pending sign-in after five.

use super::second_factor::{code, named, password_step, post, strict_app};
use super::*;

#[tokio::test]
async fn registering_a_key_asks_for_the_password_and_answers_options_for_this_site() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let token = app.token(Role::Administrator).to_owned();
        let challenge = "/api/v1/me/second-factor/security-keys/challenge";
        let (status, body) = app
            .call(
                Method::POST,
                challenge,
                Some(&token),
                Some(json!({"name": "Keyring", "current_password": "not it"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["errors"][0]["field"], "current_password", "{body}");
        let (status, body) = app
            .call(
                Method::POST,
                challenge,
                Some(&token),
                Some(json!({"name": "  ", "current_password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["errors"][0]["field"], "name", "{body}");

        let (status, options) = app
            .call(
                Method::POST,
                challenge,
                Some(&token),
                Some(json!({"name": "Keyring", "current_password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{options}");
        let key = &options["publicKey"];
        // No Host header in these requests: the site is `localhost`.
        assert_eq!(key["rp"]["id"], "localhost", "{options}");
        assert_eq!(key["user"]["name"], "administrator@example.org");
        assert!(key["challenge"].as_str().is_some_and(|c| c.len() >= 22));
        assert_eq!(
            key["authenticatorSelection"]["userVerification"],
            "preferred"
        );
        assert!(
            key["extensions"]
                .get("credentialProtectionPolicy")
                .is_none(),
            "Chromium refuses credProtect UV-required with UV preferred: {options}"
        );

        // What the browser sends back must be a key's answer to that challenge.
        let finish = "/api/v1/me/second-factor/security-keys";
        let (status, body) = app
            .call(Method::POST, finish, Some(&token), Some(json!({})))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let forged = json!({
            "id": "AAAA", "rawId": "AAAA", "type": "public-key", "extensions": {},
            "response": {"attestationObject": "AAAA", "clientDataJSON": "AAAA"},
        });
        let (status, body) = app
            .call(Method::POST, finish, Some(&token), Some(forged.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        // The challenge was used up by that answer.
        let (status, body) = app
            .call(Method::POST, finish, Some(&token), Some(forged))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert!(
            body["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("no registration")
                || body.to_string().contains("no registration"),
            "{body}"
        );
        let (status, keys) = app.call(Method::GET, finish, Some(&token), None).await;
        assert_eq!((status, keys), (StatusCode::OK, json!([])));
        let (status, _) = app
            .call(
                Method::DELETE,
                "/api/v1/me/second-factor/security-keys/not-mine",
                Some(&token),
                Some(json!({"current_password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn refused_key_answers_at_sign_in_count_as_wrong_codes() {
    for db in testing::all().await {
        let fixture = TestApp::new(db).await;
        let app = strict_app(&fixture);
        // The administrator sets up an authenticator app at a first sign-in.
        let first = password_step(&app, "administrator@example.org").await;
        let pending = named(&first, "hygeia_pending").to_owned();
        let enrol = post(
            &app,
            "/api/v1/auth/second-factor/enrol",
            Some(&pending),
            json!({}),
        )
        .await;
        let secret = enrol.body["secret"].as_str().unwrap().to_owned();
        let done = post(
            &app,
            "/api/v1/auth/second-factor",
            Some(&pending),
            json!({"code": code(&secret, 0)}),
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);

        // Next sign-in: no key is registered, so none can be asked for.
        let again = password_step(&app, "administrator@example.org").await;
        let pending = named(&again, "hygeia_pending").to_owned();
        let challenge = post(
            &app,
            "/api/v1/auth/second-factor/security-key/challenge",
            Some(&pending),
            json!({}),
        )
        .await;
        assert_eq!(challenge.status, StatusCode::BAD_REQUEST);
        assert!(challenge.body.to_string().contains("no security key"));
        // Without the pending cookie, nothing.
        let anonymous = post(
            &app,
            "/api/v1/auth/second-factor/security-key",
            None,
            json!({}),
        )
        .await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        // Four refused answers leave the sign-in open; the fifth drops it, code or not.
        for _ in 0..4 {
            let refused = post(
                &app,
                "/api/v1/auth/second-factor/security-key",
                Some(&pending),
                json!({"id": "AAAA"}),
            )
            .await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
        }
        let fifth = post(
            &app,
            "/api/v1/auth/second-factor/security-key",
            Some(&pending),
            json!({}),
        )
        .await;
        assert_eq!(fifth.status, StatusCode::UNAUTHORIZED);
        let too_late = post(
            &app,
            "/api/v1/auth/second-factor",
            Some(&pending),
            json!({"code": code(&secret, 1)}),
        )
        .await;
        assert_eq!(too_late.status, StatusCode::UNAUTHORIZED);
        let trail = fixture
            .store
            .audit_records_after(0, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|r| r.action == "auth.second_factor_failed")
            .count();
        assert_eq!(trail, 5, "each refused answer is audited");
    }
}
