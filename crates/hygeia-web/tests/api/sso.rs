//! Single sign-on against a real OpenID Connect provider: the `oidc-provider` package from the
//! npm registry on the machine's Node, run from our own script (`tests/oidc/provider.mjs`),
//! installed under `target/oidc-provider` and started by the test. The test plays the browser:
//! it follows the redirects, posts the provider's sign-in and consent forms, and brings the
//! code back to Hygeia. Skipped, with the reason printed, where Node or npm is missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use hygeia_web::api::sso::oidc;

use super::*;

const SECRET: &str = "test-client-secret-not-for-production";
const CALLBACK: &str = "http://localhost/login/sso/callback";

/// The provider's folder with its package installed, or why it cannot be.
fn provider_dir() -> Result<PathBuf, String> {
    for tool in ["node", "npm"] {
        let works = Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !works {
            return Err(format!("{tool} is not available"));
        }
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/oidc-provider");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let lock = std::fs::read(source.join("package-lock.json")).map_err(|e| e.to_string())?;
    let installed = std::fs::read(dir.join("package-lock.json")).ok();
    let fresh = installed.as_ref() == Some(&lock)
        && dir.join("node_modules/oidc-provider/package.json").exists();
    for file in ["package.json", "package-lock.json", "provider.mjs"] {
        std::fs::copy(source.join(file), dir.join(file)).map_err(|e| e.to_string())?;
    }
    if !fresh {
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .output()
            .map_err(|e| e.to_string())?;
        if !out.status.success() {
            return Err(format!(
                "npm ci failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    Ok(dir)
}

/// The provider's process, ended with the test.
struct Idp {
    child: Child,
    issuer: String,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_idp(dir: &Path) -> Idp {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let child = Command::new("node")
        .arg("provider.mjs")
        .current_dir(dir)
        .env("PORT", port.to_string())
        .env("REDIRECT_URI", CALLBACK)
        .env("SECRET", SECRET)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let idp = Idp {
        child,
        issuer: format!("http://127.0.0.1:{port}"),
    };
    let discovery = format!("{}/.well-known/openid-configuration", idp.issuer);
    for _ in 0..100 {
        if let Ok(answer) = reqwest::get(&discovery).await
            && answer.status().is_success()
        {
            return idp;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the OIDC provider did not start");
}

/// The browser at the provider: its cookies, no automatic redirects.
struct Browser {
    http: reqwest::Client,
    jar: BTreeMap<String, String>,
}

struct Seen {
    status: u16,
    location: Option<String>,
    body: String,
}

impl Browser {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            jar: BTreeMap::new(),
        }
    }

    async fn go(&mut self, url: &str, form: Option<String>) -> Seen {
        let cookie = self
            .jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let request = match form {
            Some(body) => self
                .http
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body),
            None => self.http.get(url),
        };
        let answer = request.header("cookie", cookie).send().await.unwrap();
        for value in answer.headers().get_all("set-cookie") {
            if let Some((name, value)) = value
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .and_then(|p| p.split_once('='))
            {
                self.jar.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = answer.status().as_u16();
        let location = answer
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let location = location.map(|l| {
            if l.starts_with('/') {
                let base = url.split('/').take(3).collect::<Vec<_>>().join("/");
                format!("{base}{l}")
            } else {
                l
            }
        });
        Seen {
            status,
            location,
            body: answer.text().await.unwrap(),
        }
    }

    /// Follows the provider's pages from `url`, signing in as `login` and consenting, until
    /// it sends the browser back to Hygeia; returns the callback's query.
    async fn through_provider(&mut self, url: &str, login: &str) -> String {
        let mut seen = self.go(url, None).await;
        for _ in 0..12 {
            if let Some(location) = &seen.location {
                if let Some(query) = location.strip_prefix(&format!("{CALLBACK}?")) {
                    return query.to_owned();
                }
                let next = location.clone();
                seen = self.go(&next, None).await;
                continue;
            }
            assert_eq!(seen.status, 200, "{}", seen.body);
            let action = between(&seen.body, "action=\"", "\"").unwrap();
            let prompt = between(&seen.body, "name=\"prompt\" value=\"", "\"").unwrap();
            let form = format!("prompt={prompt}&login={login}&password=anything");
            seen = self.go(&action, Some(form)).await;
        }
        panic!("the provider did not send the browser back");
    }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<String> {
    let from = text.find(start)? + start.len();
    let rest: &'a str = &text[from..];
    Some(rest[..rest.find(end)?].replace("&amp;", "&"))
}

/// An answer of Hygeia: status, cookies set (`name=value`), Location and body.
struct Page {
    status: StatusCode,
    cookies: Vec<String>,
    location: Option<String>,
    body: String,
}

impl Page {
    fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")) && c.len() > name.len() + 1)
            .cloned()
    }
}

async fn hygeia(app: &Router, path: &str, cookie: Option<&str>) -> Page {
    let mut request = Request::builder().uri(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let mut request = request.body(Body::empty()).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([203, 0, 113, 9], 40000))));
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Page {
        status,
        cookies,
        location,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

/// A whole sign-in as `login` through provider `id`; `tamper` edits the authorisation address
/// and `state` replaces the state sent back (the browser is the attacker's).
async fn sign_in(
    app: &Router,
    id: &str,
    login: &str,
    tamper: fn(String) -> String,
    state: Option<&str>,
) -> (Page, String, String) {
    let start = hygeia(app, &format!("/login/sso/{id}?lang=en"), None).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    let flow = start.cookie("hygeia_sso").unwrap();
    let location = tamper(start.location.unwrap());
    let mut query = Browser::new().through_provider(&location, login).await;
    if let Some(state) = state {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .map(|(k, v)| {
                if k == "state" {
                    (k, state.to_owned())
                } else {
                    (k, v)
                }
            })
            .collect();
        query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
    }
    let page = hygeia(app, &format!("/login/sso/callback?{query}"), Some(&flow)).await;
    (page, flow, query)
}

fn same(url: String) -> String {
    url
}

fn other_nonce(url: String) -> String {
    let mut url = url::Url::parse(&url).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "nonce" {
                (k, "forged".into())
            } else {
                (k, v)
            }
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.into()
}

async fn me(app: &Router, session: &str) -> Value {
    let page = hygeia(app, "/api/v1/me", Some(session)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    serde_json::from_str(&page.body).unwrap()
}

fn provider_body(issuer: &str, entity_a: &str) -> Value {
    json!({
        "name": "CHU Identity", "issuer": issuer, "client_id": "hygeia", "client_secret": SECRET,
        "scopes": ["email", "profile", "groups"],
        "rules": [
            {"group": "hygeia-admins", "role": "administrator"},
            {"group": "hygeia-contributors", "role": "contributor"},
            {"group": "site-a", "entity_id": entity_a},
        ],
        "email_domains": ["chu.example", "example.org"],
        "create_accounts": true,
    })
}

#[tokio::test]
async fn single_sign_on_through_a_real_openid_provider() {
    let dir = match provider_dir() {
        Ok(dir) => dir,
        Err(why) => {
            println!("SKIPPED single sign-on test: {why}");
            return;
        }
    };
    let idp = start_idp(&dir).await;
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let (status, provider) = app
            .call(
                Method::POST,
                "/api/v1/sso/providers",
                Some(&admin),
                Some(provider_body(&idp.issuer, &app.ids.entity_a)),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{provider}");
        assert_eq!(provider["has_client_secret"], true);
        assert!(!provider.to_string().contains(SECRET));
        let id = provider["id"].as_str().unwrap().to_owned();
        let login = hygeia(&app.app, "/login?lang=en", None).await;
        assert!(
            login
                .body
                .contains(&format!("href=\"/login/sso/{id}?lang=en\""))
        );
        assert!(login.body.contains("Sign in with CHU Identity"));

        // First sign-in: an account created just in time, with the mapped role and entity.
        let (page, flow, query) = sign_in(&app.app, &id, "alice", same, None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body
                .contains("http-equiv=\"refresh\" content=\"0;url=/\"")
        );
        let session = page.cookie("hygeia_session").unwrap();
        let alice = me(&app.app, &session).await;
        assert_eq!(alice["email"], "alice@chu.example");
        assert_eq!(alice["role"], "contributor");
        assert_eq!(alice["entity_ids"], json!([app.ids.entity_a]));
        // The flow is used once: the same answer again is refused.
        let replay = hygeia(
            &app.app,
            &format!("/login/sso/callback?{query}"),
            Some(&flow),
        )
        .await;
        assert_eq!(replay.status, StatusCode::FORBIDDEN);
        assert!(replay.body.contains("has expired"), "{}", replay.body);

        // Second sign-in: the same account, found by its (issuer, subject) link.
        let (page, ..) = sign_in(&app.app, &id, "alice", same, None).await;
        let again = me(&app.app, &page.cookie("hygeia_session").unwrap()).await;
        assert_eq!(again["id"], alice["id"]);

        // An existing account is linked by its verified e-mail address, keeping its role.
        let (page, ..) = sign_in(&app.app, &id, "auditor", same, None).await;
        let auditor = me(&app.app, &page.cookie("hygeia_session").unwrap()).await;
        assert_eq!(
            (auditor["email"].as_str(), auditor["role"].as_str()),
            (Some("auditor@example.org"), Some("auditor"))
        );

        // An unverified address never takes over an account (here the administrator's).
        let (page, ..) = sign_in(&app.app, &id, "mallory", same, None).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.cookie("hygeia_session").is_none());
        assert!(
            page.body.contains("verified e-mail address"),
            "{}",
            page.body
        );
        // An address outside the allowed domains is refused.
        let (page, ..) = sign_in(&app.app, &id, "outsider", same, None).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(
            page.body.contains("not in a domain allowed"),
            "{}",
            page.body
        );
        // A wrong state, and a nonce changed on the way, are refused.
        let (page, ..) = sign_in(&app.app, &id, "alice", same, Some("forged")).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.body.contains("has expired"), "{}", page.body);
        let (page, ..) = sign_in(&app.app, &id, "alice", other_nonce, None).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.body.contains("failed Hygeia"), "{}", page.body);

        let (_, users) = app
            .call(Method::GET, "/api/v1/users?limit=100", Some(&admin), None)
            .await;
        let emails: Vec<&str> = users["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap())
            .collect();
        assert_eq!(emails.len(), 5, "{emails:?}");
        assert!(emails.contains(&"alice@chu.example"));

        provider_mfa(&app, &id, &idp).await;
        audience_and_nonce_checks(&app, &id, &idp).await;
        disabled_and_broken_providers(&app, &id, &admin).await;
        let (_, audit) = app
            .call(Method::GET, "/api/v1/audit?limit=500", Some(&admin), None)
            .await;
        let audit = audit.to_string();
        assert!(audit.contains("auth.sso_login") && audit.contains("sso.link"));
        assert!(
            !audit.contains(SECRET),
            "the client secret reached the audit trail"
        );
    }
}

/// With the default policy (administrators need a second factor), a multi-factor sign-in at
/// a trusted provider counts; otherwise Hygeia's own second factor is asked.
async fn provider_mfa(app: &TestApp, id: &str, idp: &Idp) {
    let catalog = hygeia_catalog::Catalog::load_embedded().unwrap();
    let strict = hygeia_web::router(AppState::new(
        app.store.clone(),
        WebConfig {
            secure_cookies: false,
            ..WebConfig::default()
        },
        CatalogCache::new(catalog, 0),
    ));
    let (page, ..) = sign_in(&strict, id, "strong", same, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.cookie("hygeia_session").is_none());
    assert!(page.cookie("hygeia_pending").is_some());
    assert!(
        page.body.contains("url=/login/second-factor?lang=en"),
        "{}",
        page.body
    );
    let mut input: Value = provider_body(&idp.issuer, &app.ids.entity_a);
    input["trust_mfa"] = json!(true);
    input["client_secret"] = Value::Null;
    let admin = app.token(Role::Administrator);
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/sso/providers/{id}"),
            Some(admin),
            Some(input),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["has_client_secret"], true,
        "an empty secret keeps the stored one"
    );
    let (page, ..) = sign_in(&strict, id, "strong", same, None).await;
    let strong = me(&strict, &page.cookie("hygeia_session").unwrap()).await;
    assert_eq!(strong["role"], "administrator");
}

/// ID tokens issued by the real provider to another client, or with another nonce, fail
/// Hygeia's checks.
async fn audience_and_nonce_checks(app: &TestApp, id: &str, idp: &Idp) {
    let mut provider = app.store.sso_provider(id).await.unwrap();
    provider.client_id = "other-app".into();
    let endpoints = oidc::endpoints(&provider).await.unwrap();
    let request = oidc::authorisation(&provider, &endpoints, CALLBACK, "en").unwrap();
    let query = Browser::new().through_provider(&request.url, "alice").await;
    let code = url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let token = oidc::exchange(
        &provider,
        Some(SECRET),
        &endpoints,
        &code,
        CALLBACK,
        &request.pkce_verifier,
    )
    .await
    .unwrap();
    let keys = || async { oidc::keys(&endpoints).await.unwrap() };
    let check = |client: &str, keys, nonce: &str| {
        oidc::check_id_token(&idp.issuer, client, Some(SECRET), keys, &token, nonce)
    };
    assert!(check("other-app", keys().await, &request.nonce).is_ok());
    let wrong_audience = check("hygeia", keys().await, &request.nonce).unwrap_err();
    assert!(
        wrong_audience.to_string().contains("audience"),
        "{wrong_audience}"
    );
    let wrong_nonce = check("other-app", keys().await, "another").unwrap_err();
    assert!(wrong_nonce.to_string().contains("nonce"), "{wrong_nonce}");
}

/// A disabled provider is refused; a broken one does not keep anyone with a password out.
async fn disabled_and_broken_providers(app: &TestApp, id: &str, admin: &str) {
    let mut input = provider_body("http://127.0.0.1:9", &app.ids.entity_a);
    input["name"] = json!("Broken");
    let (status, broken) = app
        .call(
            Method::POST,
            "/api/v1/sso/providers",
            Some(admin),
            Some(input),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let broken = hygeia(
        &app.app,
        &format!("/login/sso/{}", broken["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(broken.status, StatusCode::BAD_GATEWAY);
    assert!(
        broken.body.contains("could not complete"),
        "{}",
        broken.body
    );

    // A sign-in started before the provider is disabled does not finish after.
    let start = hygeia(&app.app, &format!("/login/sso/{id}?lang=fr"), None).await;
    let flow = start.cookie("hygeia_sso").unwrap();
    let mut body = app
        .call(
            Method::GET,
            &format!("/api/v1/sso/providers/{id}"),
            Some(admin),
            None,
        )
        .await
        .1;
    body["enabled"] = json!(false);
    for key in ["id", "has_client_secret", "created_at", "updated_at"] {
        body.as_object_mut().unwrap().remove(key);
    }
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/sso/providers/{id}"),
            Some(admin),
            Some(body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let query = Browser::new()
        .through_provider(&start.location.unwrap(), "alice")
        .await;
    let page = hygeia(
        &app.app,
        &format!("/login/sso/callback?{query}"),
        Some(&flow),
    )
    .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("est pas disponible"), "{}", page.body);
    let page = hygeia(&app.app, &format!("/login/sso/{id}"), None).await;
    assert_eq!(page.status, StatusCode::BAD_GATEWAY);
    let login = hygeia(&app.app, "/login", None).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(!login.body.contains(&format!("/login/sso/{id}")));

    // Break-glass: the password account signs in whatever the providers do.
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "administrator@example.org", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The settings pages: administrators list, add (rules written as `group | role | entity`,
/// the entity by name), change and remove providers; other roles are refused.
#[tokio::test]
async fn administrators_manage_providers_on_the_settings_pages() {
    let app = TestApp::new(testing::sqlite()).await;
    let admin = app.token(Role::Administrator).to_owned();
    let page = |path: &str, token: &str, form: Option<String>| {
        let mut request = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match form {
            Some(form) => {
                request = request
                    .method(Method::POST)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                Body::from(form)
            }
            None => Body::empty(),
        };
        let mut request = request.body(body).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([203, 0, 113, 9], 40000))));
        let app = app.app.clone();
        async move {
            let response = app.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }
    };
    let (status, html) = page("/settings/sso", &admin, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("No provider is configured") && html.contains("id=\"sso-form\""));
    let auditor = app.token(Role::Auditor).to_owned();
    assert_eq!(
        page("/settings/sso", &auditor, None).await.0,
        StatusCode::FORBIDDEN
    );

    let form = |rules: &str| {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("name", "Staff"),
                ("issuer", "https://idp.example.org"),
                ("discovery", "1"),
                ("client_id", "hygeia"),
                ("client_secret", "form-secret"),
                ("scopes", "email profile groups"),
                ("groups_claim", "groups"),
                ("rules", rules),
                ("email_domains", "example.org, chu.example"),
                ("create_accounts", "1"),
                ("enabled", "1"),
            ])
            .finish()
    };
    let (status, html) = page("/settings/sso", &admin, Some(form("x | | Nowhere"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");
    assert!(html.contains("Nowhere"), "{html}");
    let rules = "ciso | administrator\nsite-a | contributor | Hôpital A";
    let (status, _) = page("/settings/sso", &admin, Some(form(rules))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, list) = app
        .call(Method::GET, "/api/v1/sso/providers", Some(&admin), None)
        .await;
    let provider = &list[0];
    assert_eq!(
        (&provider["discovery"], &provider["trust_mfa"]),
        (&json!(true), &json!(false)),
        "an unticked box is off"
    );
    assert_eq!(
        provider["email_domains"],
        json!(["chu.example", "example.org"])
    );
    assert_eq!(
        provider["rules"][1],
        json!({"group": "site-a", "role": "contributor", "entity_id": app.ids.entity_a})
    );
    let id = provider["id"].as_str().unwrap();
    let (status, html) = page(&format!("/settings/sso/{id}"), &admin, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("site-a | contributor | Hôpital A"), "{html}");
    assert!(!html.contains("form-secret"));
    let (status, _) = page(
        &format!("/settings/sso/{id}/delete"),
        &admin,
        Some(String::new()),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, list) = app
        .call(Method::GET, "/api/v1/sso/providers", Some(&admin), None)
        .await;
    assert_eq!(list, json!([]));
}
