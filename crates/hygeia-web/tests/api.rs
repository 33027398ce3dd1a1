//! The HTTP API end to end, in process, on SQLite and (when configured) PostgreSQL.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use hygeia_domain::access::Role;
use hygeia_domain::org::{EntityInput, SiteInput, SiteKind};
use hygeia_store::testing::{self, TestDb, test_clock};
use hygeia_store::{Actor, NewUser, Store};
use hygeia_web::catalog::CatalogCache;
use hygeia_web::{AppState, WebConfig, auth};
use serde_json::{Value, json};
use tower::ServiceExt;

const PASSWORD: &str = "correct horse battery staple";

const ACME_FRAMEWORK: &str = r#"
framework:
  id: acme-policy
  name: {en: "ACME security policy", fr: "Politique de sécurité ACME"}
  kind: other
requirements:
  - id: "p1"
    assessable: false
    title: {en: "Governance", fr: "Gouvernance"}
  - id: "p1.1"
    parent: "p1"
    assessable: true
    title: {en: "The board approves the policy", fr: "Le conseil approuve la politique"}
    tags: [governance]
    nis2_art21: [a]
"#;

/// An app on a fresh database with one user (and API token) per role. The non-administrators
/// are granted entity A only; entity B is outside their need-to-know.
struct TestApp {
    app: Router,
    store: Store,
    tokens: Vec<(Role, String)>,
    ids: Ids,
    _db: TestDb,
}

#[derive(Clone)]
struct Ids {
    entity_a: String,
    entity_b: String,
    site_a: String,
    contributor: String,
    contributor_token: String,
    asset_a: String,
}

fn entity(name: &str) -> EntityInput {
    EntityInput {
        name: name.into(),
        country: "FR".into(),
        entity_type: "healthcare_provider".into(),
        employees: 1_500,
        annual_turnover_eur: 140_000_000,
        balance_sheet_eur: 90_000_000,
        parent_entity_id: None,
        registration_number: None,
    }
}

impl TestApp {
    async fn new(db: TestDb) -> Self {
        let store = db.store(test_clock()).await;
        let actor = Actor::system();
        let org = store
            .ensure_organisation(&actor, "CHU Exemple")
            .await
            .unwrap();
        let a = store
            .create_entity(&actor, &org.id, &entity("Hôpital A"), |_| true)
            .await
            .unwrap();
        let b = store
            .create_entity(&actor, &org.id, &entity("Laboratoire B"), |_| true)
            .await
            .unwrap();
        let site = SiteInput {
            name: "Bloc".into(),
            kind: SiteKind::Hospital,
            city: "Rennes".into(),
            country: "FR".into(),
        };
        let site_a = store.create_site(&actor, &a.id, &site).await.unwrap();
        store.create_site(&actor, &b.id, &site).await.unwrap();
        static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let hash = HASH
            .get_or_init(|| auth::hash_password(PASSWORD).unwrap())
            .clone();
        let mut tokens = Vec::new();
        let mut contributor = (String::new(), String::new());
        for role in Role::ALL {
            let user = store
                .create_user(
                    &actor,
                    &org.id,
                    &NewUser {
                        email: format!("{role}@example.org"),
                        display_name: role.to_string(),
                        role,
                        locale: "en".into(),
                        entity_ids: vec![a.id.clone()],
                        password_hash: Some(hash.clone()),
                    },
                )
                .await
                .unwrap();
            let (secret, token_hash, prefix) = auth::new_api_token();
            let token = store
                .create_token(&actor, &user.id, "test", &token_hash, &prefix, None)
                .await
                .unwrap();
            if role == Role::Contributor {
                contributor = (user.id.clone(), token.id.clone());
            }
            tokens.push((role, secret));
        }
        let config = WebConfig {
            secure_cookies: false,
            ..WebConfig::default()
        };
        static CATALOG: std::sync::OnceLock<hygeia_catalog::Catalog> = std::sync::OnceLock::new();
        let catalog = CATALOG
            .get_or_init(|| hygeia_catalog::Catalog::load_embedded().unwrap())
            .clone();
        let app = hygeia_web::router(AppState::new(
            store.clone(),
            config,
            CatalogCache::new(catalog, 0),
        ));
        let batch: hygeia_store::monitoring::ObservedReport = serde_json::from_value(json!({
            "assets": [{"id": "mac:00:1b:1b:0a:0b:0c", "mac": "00:1b:1b:0a:0b:0c", "ips": ["10.1.0.5"],
                        "roles": ["plc"], "protocols": ["modbus"], "first_seen": "2026-03-01T08:00:00Z",
                        "last_seen": "2026-03-01T08:00:00Z", "packets_sent": 3}]
        }))
        .unwrap();
        store
            .ingest_observations(&actor, &a.id, "fixture", &batch)
            .await
            .unwrap();
        let asset_a = store
            .list_assets(
                &hygeia_domain::access::EntityScope::All,
                &Default::default(),
                Default::default(),
            )
            .await
            .unwrap()
            .items[0]
            .id
            .clone();
        let ids = Ids {
            asset_a,
            entity_a: a.id,
            entity_b: b.id,
            site_a: site_a.id,
            contributor: contributor.0,
            contributor_token: contributor.1,
        };
        Self {
            app,
            store,
            tokens,
            ids,
            _db: db,
        }
    }

    fn token(&self, role: Role) -> &str {
        self.tokens
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, t)| t.as_str())
            .unwrap()
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        };
        self.send(request.unwrap()).await
    }

    async fn send(&self, mut request: Request<Body>) -> (StatusCode, Value) {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 7], 40000))));
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let is_problem = response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes() == b"application/problem+json");
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        if status.is_client_error() || status.is_server_error() {
            assert!(is_problem, "{status} without a problem document: {value}");
        }
        (status, value)
    }
}

fn entity_body(name: &str) -> Value {
    json!({"name": name, "country": "FR", "entity_type": "Healthcare provider", "employees": 300,
           "annual_turnover_eur": 60_000_000, "balance_sheet_eur": 50_000_000})
}

/// One protected route and the status each role gets (administrator, compliance manager,
/// contributor, auditor), plus 401 for anonymous callers.
struct Case {
    method: Method,
    /// `{a}`, `{b}`, `{site}`, `{contributor}` and `{contributor_token}` are filled in.
    path: &'static str,
    /// The route as the OpenAPI document names it.
    template: &'static str,
    body: Option<Value>,
    expect: [u16; 4],
}

fn cases() -> Vec<Case> {
    use Method as M;
    let c = |method: Method,
             path: &'static str,
             template: &'static str,
             body: Option<Value>,
             expect: [u16; 4]| Case {
        method,
        path,
        template,
        body,
        expect,
    };
    vec![
        c(
            M::GET,
            "/api/v1/me",
            "/api/v1/me",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::POST,
            "/api/v1/auth/logout",
            "/api/v1/auth/logout",
            None,
            [400, 400, 400, 400],
        ),
        c(
            M::GET,
            "/api/v1/organisation",
            "/api/v1/organisation",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/entities",
            "/api/v1/entities",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::POST,
            "/api/v1/entities",
            "/api/v1/entities",
            Some(entity_body("Clinique C")),
            [201, 403, 403, 403],
        ),
        c(
            M::GET,
            "/api/v1/entities/{a}",
            "/api/v1/entities/{id}",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/entities/{b}",
            "/api/v1/entities/{id}",
            None,
            [200, 404, 404, 404],
        ),
        c(
            M::PUT,
            "/api/v1/entities/{a}",
            "/api/v1/entities/{id}",
            Some(entity_body("Hôpital A")),
            [200, 200, 403, 403],
        ),
        c(
            M::PUT,
            "/api/v1/entities/{b}",
            "/api/v1/entities/{id}",
            Some(entity_body("Laboratoire B")),
            [200, 404, 403, 403],
        ),
        c(
            M::DELETE,
            "/api/v1/entities/{b}",
            "/api/v1/entities/{id}",
            None,
            [204, 403, 403, 403],
        ),
        c(
            M::GET,
            "/api/v1/entities/{a}/nis2",
            "/api/v1/entities/{id}/nis2",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/entities/{b}/nis2",
            "/api/v1/entities/{id}/nis2",
            None,
            [200, 404, 404, 404],
        ),
        c(
            M::GET,
            "/api/v1/entities/{a}/sites",
            "/api/v1/entities/{id}/sites",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/entities/{b}/sites",
            "/api/v1/entities/{id}/sites",
            None,
            [200, 404, 404, 404],
        ),
        c(
            M::POST,
            "/api/v1/entities/{a}/sites",
            "/api/v1/entities/{id}/sites",
            Some(json!({"name": "IRM", "kind": "hospital", "city": "Rennes", "country": "FR"})),
            [201, 201, 403, 403],
        ),
        c(
            M::DELETE,
            "/api/v1/sites/{site}",
            "/api/v1/sites/{id}",
            None,
            [204, 204, 403, 403],
        ),
        c(
            M::GET,
            "/api/v1/users",
            "/api/v1/users",
            None,
            [200, 403, 403, 403],
        ),
        c(
            M::POST,
            "/api/v1/users",
            "/api/v1/users",
            Some(
                json!({"email": "new@example.org", "display_name": "New", "role": "contributor", "password": PASSWORD}),
            ),
            [201, 403, 403, 403],
        ),
        c(
            M::GET,
            "/api/v1/users/{contributor}",
            "/api/v1/users/{id}",
            None,
            [200, 403, 200, 403],
        ),
        c(
            M::PATCH,
            "/api/v1/users/{contributor}",
            "/api/v1/users/{id}",
            Some(json!({"display_name": "Renamed"})),
            [200, 403, 200, 403],
        ),
        c(
            M::GET,
            "/api/v1/tokens",
            "/api/v1/tokens",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::POST,
            "/api/v1/tokens",
            "/api/v1/tokens",
            Some(json!({"name": "script", "expires_in_days": 30})),
            [201, 201, 201, 201],
        ),
        c(
            M::DELETE,
            "/api/v1/tokens/{contributor_token}",
            "/api/v1/tokens/{id}",
            None,
            [200, 403, 200, 403],
        ),
        c(
            M::GET,
            "/api/v1/audit",
            "/api/v1/audit",
            None,
            [200, 403, 403, 200],
        ),
        c(
            M::GET,
            "/api/v1/audit/verify",
            "/api/v1/audit/verify",
            None,
            [200, 403, 403, 200],
        ),
        c(
            M::PUT,
            "/api/v1/sites/{site}",
            "/api/v1/sites/{id}",
            Some(
                json!({"name": "Bloc opératoire", "kind": "hospital", "city": "Rennes", "country": "FR"}),
            ),
            [200, 200, 403, 403],
        ),
        c(
            M::PUT,
            "/api/v1/users/{contributor}/password",
            "/api/v1/users/{id}/password",
            Some(json!({"password": "a brand new passphrase"})),
            [204, 403, 403, 403],
        ),
        c(
            M::POST,
            "/api/v1/me/password",
            "/api/v1/me/password",
            Some(json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"})),
            [204, 204, 204, 204],
        ),
        c(
            M::GET,
            "/api/v1/frameworks",
            "/api/v1/frameworks",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/frameworks/iso27001-2022",
            "/api/v1/frameworks/{id}",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/frameworks/nis2-2024-2690/requirements?art21=j",
            "/api/v1/frameworks/{id}/requirements",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/frameworks/iso27001-2022/requirements/a.8.22",
            "/api/v1/frameworks/{id}/requirements/{requirement}",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/frameworks/nist-csf-2.0/oscal",
            "/api/v1/frameworks/{id}/oscal",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/mappings",
            "/api/v1/mappings",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/catalog/imports",
            "/api/v1/catalog/imports",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::POST,
            "/api/v1/catalog/imports",
            "/api/v1/catalog/imports",
            Some(json!({
            "kind": "framework", "format": "yaml", "file_name": "acme.yaml", "content": ACME_FRAMEWORK})),
            [201, 403, 403, 403],
        ),
        c(
            M::POST,
            "/api/v1/monitor/batches",
            "/api/v1/monitor/batches",
            Some(json!({
            "sensor": "line-1", "entity_id": "{a}", "report": {"assets": [], "flows": [], "findings": []}})),
            [200, 200, 403, 403],
        ),
        c(
            M::GET,
            "/api/v1/assets",
            "/api/v1/assets",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/assets/{asset}",
            "/api/v1/assets/{id}",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/flows",
            "/api/v1/flows",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/monitor/findings",
            "/api/v1/monitor/findings",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/monitor/events",
            "/api/v1/monitor/events",
            None,
            [200, 200, 200, 200],
        ),
    ]
}

fn fill(path: &str, ids: &Ids) -> String {
    path.replace("{a}", &ids.entity_a)
        .replace("{b}", &ids.entity_b)
        .replace("{site}", &ids.site_a)
        .replace("{contributor_token}", &ids.contributor_token)
        .replace("{contributor}", &ids.contributor)
        .replace("{asset}", &ids.asset_a)
}

#[tokio::test]
async fn every_route_enforces_roles_and_entity_scope() {
    for db in testing::all().await {
        let name = db.name;
        let mut failures = Vec::new();
        let fresh = || async {
            TestApp::new(if name == "sqlite" {
                testing::sqlite()
            } else {
                testing::postgres().await.unwrap()
            })
            .await
        };
        for case in cases() {
            // Reads share one app; each write gets a fresh one per role, so that one role's
            // change (a deletion, a revocation) cannot affect another role's answer.
            let shared = fresh().await;
            let path = fill(case.path, &shared.ids);
            let (status, _) = shared
                .call(case.method.clone(), &path, None, case.body.clone())
                .await;
            if status != StatusCode::UNAUTHORIZED {
                failures.push(format!("{} {} anonymous: {status}", case.method, case.path));
            }
            for (role, expected) in Role::ALL.into_iter().zip(case.expect) {
                let own;
                let app = if case.method == Method::GET {
                    &shared
                } else {
                    own = fresh().await;
                    &own
                };
                let path = fill(case.path, &app.ids);
                let body = case
                    .body
                    .as_ref()
                    .map(|b| serde_json::from_str(&fill(&b.to_string(), &app.ids)).unwrap());
                let (status, body) = app
                    .call(case.method.clone(), &path, Some(app.token(role)), body)
                    .await;
                if status.as_u16() != expected {
                    failures.push(format!(
                        "{} {} as {role}: {status} (expected {expected}) {body}",
                        case.method, case.path
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{name}:\n{}", failures.join("\n"));
        drop(db);
    }
}

#[tokio::test]
async fn the_table_covers_every_documented_operation() {
    use utoipa::OpenApi;
    let doc = hygeia_web::api::ApiDoc::openapi();
    let mut documented = BTreeSet::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ] {
            if op.is_some() {
                documented.insert(format!("{method} {path}"));
            }
        }
    }
    documented.remove("POST /api/v1/auth/login");
    let tested: BTreeSet<String> = cases()
        .iter()
        .map(|c| format!("{} {}", c.method, c.template))
        .collect();
    assert_eq!(
        documented, tested,
        "documented operations and the access-control table differ"
    );
}

#[tokio::test]
async fn public_endpoints_answer_without_credentials() {
    let app = TestApp::new(testing::sqlite()).await;
    for path in [
        "/healthz",
        "/readyz",
        "/api/v1/openapi.json",
        "/api/v1/docs",
        "/login",
    ] {
        let (status, _) = app.call(Method::GET, path, None, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
    let (_, doc) = app
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(
        doc["openapi"].as_str().map(|v| v.starts_with("3.")),
        Some(true)
    );
    assert!(doc["paths"]["/api/v1/entities/{id}"]["put"].is_object());
    let (status, body) = app
        .call(Method::GET, "/api/v1/nothing-here", None, None)
        .await;
    assert_eq!(
        (status, body["status"].as_u64()),
        (StatusCode::NOT_FOUND, Some(404))
    );
}

#[tokio::test]
async fn bad_input_gets_a_clear_problem_and_changes_nothing() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let before = app.store.verify_audit_chain().await.unwrap().records;
        let raw = |body: &'static str| {
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/entities")
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body))
                .unwrap()
        };
        let (status, body) = app.send(raw("{\"name\": ")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .starts_with("invalid JSON body"),
            "{body}"
        );
        let (status, body) = app.send(raw("{\"name\": \"X\"}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("missing field `country`"),
            "{body}"
        );
        let (status, body) = app.send(raw("{\"name\": \"X\", \"country\": \"FR\", \"entity_type\": \"hospital\", \"employees\": \"many\", \"annual_turnover_eur\": 1, \"balance_sheet_eur\": 1}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            body["detail"].as_str().unwrap().contains("employees"),
            "{body}"
        );

        let mut bad = entity_body("Y");
        bad["entity_type"] = json!("spaceport");
        bad["employees"] = json!(-3);
        bad["country"] = json!("France");
        let (status, body) = app
            .call(Method::POST, "/api/v1/entities", Some(&admin), Some(bad))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["country", "entity_type", "employees"], "{body}");

        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/entities",
                Some(&admin),
                Some(entity_body("Hôpital A")),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let (status, _) = app
            .call(
                Method::GET,
                "/api/v1/entities?limit=abc",
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let mut stale = entity_body("Hôpital A");
        stale["version"] = json!(99);
        let path = format!("/api/v1/entities/{}", app.ids.entity_a);
        let (status, body) = app
            .call(Method::PUT, &path, Some(&admin), Some(stale))
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("changed by someone else")
        );
        assert_eq!(
            app.store.verify_audit_chain().await.unwrap().records,
            before,
            "a refused request left a trace"
        );
    }
}

async fn login(app: &TestApp, email: &str, password: &str) -> (StatusCode, Value, Option<String>) {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"email": email, "password": password}).to_string(),
        ))
        .unwrap();
    let mut request = request;
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 7], 40000))));
    let response = app.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let cookie = response
        .headers()
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().to_owned());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        cookie,
    )
}

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
async fn pages_escape_what_users_typed() {
    let app = TestApp::new(testing::sqlite()).await;
    let admin = app.token(Role::Administrator).to_owned();
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/entities",
            Some(&admin),
            Some(entity_body("<script>alert(1)</script>")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let request = Request::builder()
        .uri("/")
        .header(header::AUTHORIZATION, format!("Bearer {admin}"))
        .body(Body::empty())
        .unwrap();
    let (status, page) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    let html = page.as_str().unwrap();
    // The templates escape with numeric character references (askama's choice).
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(!html.contains("<script>alert"));
    let request = Request::builder().uri("/").body(Body::empty()).unwrap();
    let response = app.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        response
            .headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
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
