//! The HTTP API and pages end to end, in process, on SQLite and (when configured) PostgreSQL.
//! One test binary; the shared fixture (`TestApp`) lives here, the cases in the modules below.

mod access;
mod accessibility;
mod accounts;
mod audit_trail;
mod catalog;
mod checks;
mod compliance;
mod dashboard;
mod dead_ends;
mod entity_profile;
mod everyday;
mod forms;
mod governance;
mod governance_pages;
mod incident_review;
mod incident_significance;
mod incidents;
mod jobs;
mod languages;
mod monitoring;
mod pages;
mod registration;
mod reports;
mod reuse_source;
mod reviewed_crosswalk;
mod risk_paths;
mod risk_processes;
mod risks;
mod search;
mod second_factor;
mod security;
mod security_keys;
mod sso;
mod supplier_disclosures;
mod supplier_portal;
mod supplier_workbook;
mod suppliers;
mod vulnerabilities;

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

const ZONES: &str = "unzoned = \"report\"\n\n[[zone]]\nname = \"cell-1\"\ncidrs = [\"10.1.0.0/24\"]\npurdue_level = 1\ntarget_sl = 3\n";

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

/// What the app answered: status, headers and the body as text.
struct Exchange {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Exchange {
    fn header(&self, name: header::HeaderName) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// An app on a fresh database with one user (and API token) per role. The non-administrators
/// are granted entity A only; entity B is outside their need-to-know.
struct TestApp {
    app: Router,
    /// The application's state, for what runs beside the requests (the job runner).
    state: AppState,
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
    /// Entity A's ISO/IEC 27001 and NIS2 (2024/2690) assessments, a control and an evidence file.
    iso: String,
    nis2: String,
    control: String,
    evidence: String,
    asset_a: String,
    /// An incident of entity A, open, its NIS2 early warning overdue by an hour.
    incident: String,
}

fn entity(name: &str) -> EntityInput {
    EntityInput {
        name: name.into(),
        country: "FR".into(),
        entity_type: "healthcare_provider".into(),
        employees: 1_500,
        annual_turnover_eur: Some(140_000_000),
        balance_sheet_eur: Some(90_000_000),
        parent_entity_id: None,
        registration_number: None,
        ..Default::default()
    }
}

impl TestApp {
    async fn new(db: TestDb) -> Self {
        let store = db
            .store(test_clock())
            .await
            .with_key(hygeia_domain::audit::AuditKey::new([9; 32]));
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
                .create_token(
                    &actor,
                    &hygeia_store::NewToken::full(&user.id, "test", &token_hash, &prefix),
                )
                .await
                .unwrap();
            if role == Role::Contributor {
                contributor = (user.id.clone(), token.id.clone());
            }
            tokens.push((role, secret));
        }
        // Second factors are tested on their own (`second_factor.rs`); the other cases sign
        // in with a password only.
        let config = WebConfig {
            secure_cookies: false,
            mfa_policy: hygeia_domain::mfa::MfaPolicy {
                required_roles: Default::default(),
            },
            ..WebConfig::default()
        };
        static CATALOG: std::sync::OnceLock<hygeia_catalog::Catalog> = std::sync::OnceLock::new();
        let catalog = CATALOG
            .get_or_init(|| hygeia_catalog::Catalog::load_embedded().unwrap())
            .clone();
        let compliance = seed_compliance(&store, &a.id, &catalog).await;
        let incident = store
            .create_incident(
                &actor,
                &catalog,
                &a.id,
                &hygeia_store::incidents::IncidentInput {
                    title: "Ransomware on the laboratory server".into(),
                    description: "Results server encrypted; analyses sent out by courier".into(),
                    detected_at: "2026-03-01T08:00:00Z".into(),
                    aware_at: Some("2026-03-01T08:00:00Z".into()),
                    status: "open".into(),
                    severity: "high".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let state = AppState::new(store.clone(), config, CatalogCache::new(catalog, 0));
        let app = hygeia_web::router(state.clone());
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
        store.set_zone_policy(&actor, &a.id, ZONES).await.unwrap();
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
            iso: compliance.0,
            nis2: compliance.1,
            control: compliance.2,
            evidence: compliance.3,
            asset_a,
            entity_a: a.id,
            entity_b: b.id,
            site_a: site_a.id,
            contributor: contributor.0,
            contributor_token: contributor.1,
            incident: incident.id,
        };
        Self {
            app,
            state,
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

    /// Sets the language of the fixture user who holds `role`.
    async fn speak(&self, role: Role, locale: &str) {
        let user = self
            .store
            .user_by_email(&format!("{role}@example.org"))
            .await
            .unwrap()
            .unwrap()
            .0;
        self.store
            .update_user(
                &Actor::system(),
                &user.id,
                &hygeia_store::UserUpdate {
                    locale: Some(locale.into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }

    /// Sends a request from the fixture's client address and reads the whole answer.
    async fn exchange(&self, mut request: Request<Body>) -> Exchange {
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 7], 40000))));
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Exchange {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
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

/// Entity A's compliance fixtures: an ISO/IEC 27001 assessment (A.5.1 compliant, A.8.22
/// non-compliant), a NIS2 (2024/2690) assessment, a control and an evidence file.
async fn seed_compliance(
    store: &Store,
    entity_id: &str,
    catalog: &hygeia_catalog::Catalog,
) -> (String, String, String, String) {
    use hygeia_compliance::ResultValue;
    use hygeia_domain::access::EntityScope;
    use hygeia_store::assessments::{AssessmentInput, ControlInput, EvidenceUpload, ResultInput};
    let actor = Actor::system();
    let assessment = |framework: &str| AssessmentInput {
        framework_id: framework.into(),
        name: framework.into(),
        status: "in_progress".into(),
        ..AssessmentInput::default()
    };
    let iso = store
        .create_assessment(&actor, entity_id, &assessment("iso27001-2022"), catalog)
        .await
        .unwrap();
    store
        .set_results(
            &actor,
            &EntityScope::All,
            &iso.id,
            &[
                ResultInput::new("a.5.1", ResultValue::Compliant),
                ResultInput::new("a.8.22", ResultValue::NonCompliant),
            ],
            catalog,
        )
        .await
        .unwrap();
    let nis2 = store
        .create_assessment(&actor, entity_id, &assessment("nis2-2024-2690"), catalog)
        .await
        .unwrap();
    let control = store
        .create_control(
            &actor,
            entity_id,
            &ControlInput {
                name: "Segmentation".into(),
                status: "in_progress".into(),
                ..ControlInput::default()
            },
            catalog,
        )
        .await
        .unwrap();
    let evidence = store
        .add_evidence_file(
            &actor,
            entity_id,
            &EvidenceUpload {
                title: "Network diagram".into(),
                file_name: "network.txt".into(),
                valid_until: None,
                media_type: Some("text/plain".into()),
            },
            b"core - dmz - lab",
        )
        .await
        .unwrap();
    (iso.id, nis2.id, control.id, evidence.id)
}

fn entity_body(name: &str) -> Value {
    json!({"name": name, "country": "FR", "entity_type": "Healthcare provider", "employees": 300,
           "annual_turnover_eur": 60_000_000, "balance_sheet_eur": 50_000_000})
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

impl TestApp {
    /// How many audit records of `action` the administrator sees.
    async fn audit_count(&self, action: &str) -> Value {
        let path = format!("/api/v1/audit?action={action}");
        let (_, trail) = self
            .call(
                Method::GET,
                &path,
                Some(self.token(Role::Administrator)),
                None,
            )
            .await;
        trail["total"].clone()
    }

    /// The raw bytes of a successful GET.
    async fn raw(&self, method: Method, path: &str, token: &str, body: Option<Body>) -> Vec<u8> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(body.unwrap_or_else(Body::empty))
            .unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 7], 40000))));
        let response = self.app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec()
    }
}
