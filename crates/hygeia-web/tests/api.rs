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
    /// Entity A's ISO/IEC 27001 and NIS2 (2024/2690) assessments, a control and an evidence file.
    iso: String,
    nis2: String,
    control: String,
    evidence: String,
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
        let compliance = seed_compliance(&store, &a.id, &catalog).await;
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
        c(
            M::GET,
            "/api/v1/entities/{a}/zones",
            "/api/v1/entities/{id}/zones",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::PUT,
            "/api/v1/entities/{a}/zones",
            "/api/v1/entities/{id}/zones",
            Some(json!({"policy": ZONES})),
            [200, 200, 403, 403],
        ),
        // Compliance work (entity A; {iso}, {nis2}, {control}, {evidence} seeded for it).
        c(
            M::GET,
            "/api/v1/entities/{a}/controls",
            "/api/v1/entities/{id}/controls",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::POST,
            "/api/v1/entities/{a}/controls",
            "/api/v1/entities/{id}/controls",
            Some(json!({"name": "MFA", "status": "planned"})),
            [201, 201, 201, 403],
        ),
        c(
            M::GET,
            "/api/v1/controls/{control}",
            "/api/v1/controls/{id}",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::PUT,
            "/api/v1/controls/{control}",
            "/api/v1/controls/{id}",
            Some(json!({"name": "Segmentation", "status": "implemented"})),
            [200, 200, 200, 403],
        ),
        c(
            M::DELETE,
            "/api/v1/controls/{control}",
            "/api/v1/controls/{id}",
            None,
            [204, 204, 403, 403],
        ),
        c(
            M::GET,
            "/api/v1/entities/{a}/assessments",
            "/api/v1/entities/{id}/assessments",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::POST,
            "/api/v1/entities/{a}/assessments",
            "/api/v1/entities/{id}/assessments",
            Some(json!({"framework_id": "hds-2024", "name": "HDS", "status": "planned"})),
            [201, 201, 403, 403],
        ),
        c(
            M::GET,
            "/api/v1/assessments/{iso}",
            "/api/v1/assessments/{id}",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::PUT,
            "/api/v1/assessments/{iso}",
            "/api/v1/assessments/{id}",
            Some(
                json!({"framework_id": "iso27001-2022", "name": "ISO 2026", "status": "completed"}),
            ),
            [200, 200, 403, 403],
        ),
        c(
            M::DELETE,
            "/api/v1/assessments/{iso}",
            "/api/v1/assessments/{id}",
            None,
            [204, 204, 403, 403],
        ),
        c(
            M::GET,
            "/api/v1/assessments/{iso}/requirements?result=non_compliant",
            "/api/v1/assessments/{id}/requirements",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::POST,
            "/api/v1/assessments/{iso}/results",
            "/api/v1/assessments/{id}/results",
            Some(json!({"results": [{"requirement_id": "a.5.2", "value": "compliant"}]})),
            [200, 200, 200, 403],
        ),
        c(
            M::PUT,
            "/api/v1/assessments/{iso}/results/a.5.3",
            "/api/v1/assessments/{id}/results/{requirement}",
            Some(json!({"value": "partially_compliant"})),
            [200, 200, 200, 403],
        ),
        c(
            M::GET,
            "/api/v1/assessments/{iso}/reuse",
            "/api/v1/assessments/{id}/reuse",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::POST,
            "/api/v1/assessments/{nis2}/accept",
            "/api/v1/assessments/{id}/accept",
            Some(json!({"source_assessment_id": "{iso}", "requirement_id": "6.8.1"})),
            [200, 200, 403, 403],
        ),
        c(
            M::POST,
            "/api/v1/assessments/{nis2}/override",
            "/api/v1/assessments/{id}/override",
            Some(
                json!({"source_assessment_id": "{iso}", "requirement_id": "6.8.1", "value": "partially_compliant", "reason": "VLANs"}),
            ),
            [200, 200, 403, 403],
        ),
        c(
            M::GET,
            "/api/v1/assessments/{iso}/gaps",
            "/api/v1/assessments/{id}/gaps",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/assessments/{iso}/scores?target=nis2-2024-2690",
            "/api/v1/assessments/{id}/scores",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/entities/{a}/scores",
            "/api/v1/entities/{id}/scores",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/assessments/{iso}/exports/soa?format=xlsx",
            "/api/v1/assessments/{id}/exports/{kind}",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::GET,
            "/api/v1/mapping-reviews",
            "/api/v1/mapping-reviews",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::PUT,
            "/api/v1/mapping-reviews",
            "/api/v1/mapping-reviews",
            Some(
                json!({"mapping_set": "enisa-2024-2690-to-iso27001-2022", "source": "6.8.1", "target": "a.8.22", "decision": {"kind": "confirmed"}}),
            ),
            [200, 200, 403, 403],
        ),
        c(
            M::GET,
            "/api/v1/entities/{a}/evidence",
            "/api/v1/entities/{id}/evidence",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::POST,
            "/api/v1/entities/{a}/evidence?title=Scan&file_name=scan.json",
            "/api/v1/entities/{id}/evidence",
            Some(json!({"findings": 0})),
            [201, 201, 201, 403],
        ),
        c(
            M::POST,
            "/api/v1/entities/{a}/evidence-links",
            "/api/v1/entities/{id}/evidence-links",
            Some(json!({"title": "Ticket", "url": "https://tickets.example/42"})),
            [201, 201, 201, 403],
        ),
        c(
            M::GET,
            "/api/v1/evidence/{evidence}/content",
            "/api/v1/evidence/{id}/content",
            None,
            [200, 200, 200, 200],
        ),
        c(
            M::POST,
            "/api/v1/evidence/{evidence}/attachments",
            "/api/v1/evidence/{id}/attachments",
            Some(json!({"control_id": "{control}"})),
            [200, 200, 200, 403],
        ),
    ]
}

fn fill(path: &str, ids: &Ids) -> String {
    path.replace("{iso}", &ids.iso)
        .replace("{nis2}", &ids.nis2)
        .replace("{control}", &ids.control)
        .replace("{evidence}", &ids.evidence)
        .replace("{a}", &ids.entity_a)
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
    let doc = hygeia_web::api::document();
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

// ---------------------------------------------------------------------------------------------
// Compliance work: reuse with provenance, decisions, reviews, evidence, scoping, exports.

mod compliance {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    const SET: &str = "enisa-2024-2690-to-iso27001-2022";

    fn derived<'v>(reuse: &'v Value, requirement: &str) -> &'v Value {
        reuse["view"]["derived"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["requirement_id"] == requirement)
            .unwrap_or_else(|| panic!("{requirement} not in the view"))
    }

    fn sources(d: &Value) -> Vec<String> {
        d["provenance"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["source_requirement"].as_str().unwrap().to_owned())
            .collect()
    }

    /// Picks NIS2 requirements reached only directly by pairs naming assessable ISO
    /// requirements, with disjoint sources, so each can be given its own scenario.
    fn pick(reuse: &Value, catalog: &hygeia_catalog::Catalog, wanted: &[usize]) -> Vec<Value> {
        let iso = catalog.framework("iso27001-2022").unwrap();
        let mut used: HashSet<String> = HashSet::new();
        let mut picked = Vec::new();
        for want in wanted {
            let found = reuse["view"]["derived"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| {
                    let provenance = d["provenance"].as_array().unwrap();
                    let srcs = sources(d);
                    let distinct: HashSet<&String> = srcs.iter().collect();
                    provenance.len() == *want
                        && distinct.len() == *want
                        && provenance.iter().all(|p| {
                            p["reach"]["kind"] == "direct"
                                && p["mapping_set"] == SET
                                && iso
                                    .requirement(p["source_requirement"].as_str().unwrap())
                                    .is_some_and(|r| r.assessable)
                        })
                        && srcs.iter().all(|s| !used.contains(s))
                        && !picked
                            .iter()
                            .any(|p: &Value| p["requirement_id"] == d["requirement_id"])
                });
            let found =
                found.unwrap_or_else(|| panic!("no requirement with {want} direct pairs left"));
            used.extend(sources(found));
            picked.push(found.clone());
        }
        picked
    }

    fn review(p: &Value, decision: Value) -> Value {
        json!({"mapping_set": p["mapping_set"], "source": p["pair_source"],
               "target": p["pair_target"], "decision": decision})
    }

    #[tokio::test]
    async fn every_reuse_rule_shows_through_the_api_with_provenance_and_can_be_decided() {
        let catalog = hygeia_catalog::Catalog::load_embedded().unwrap();
        for db in testing::all().await {
            let app = TestApp::new(db).await;
            let admin = app.token(Role::Administrator).to_owned();
            let auditor = app.token(Role::Auditor).to_owned();
            // A fresh ISO assessment: nothing assessed yet.
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
            let iso = iso["id"].as_str().unwrap().to_owned();
            let reuse_path = format!("/api/v1/assessments/{iso}/reuse");
            let (status, empty) = app
                .call(Method::GET, &reuse_path, Some(&auditor), None)
                .await;
            assert_eq!(status, StatusCode::OK, "{empty}");
            assert_eq!(empty["view"]["target_framework"], "nis2-2024-2690");
            let rules: HashSet<&str> = empty["view"]["derived"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["rule"].as_str().unwrap())
                .collect();
            assert_eq!(rules, HashSet::from(["no_pair", "sources_not_assessed"]));
            let no_pair = empty["view"]["derived"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["rule"] == "no_pair")
                .unwrap()
                .clone();
            assert!(no_pair["provenance"].as_array().unwrap().is_empty());
            assert_eq!(no_pair["value"], "no_coverage");

            // One requirement per scenario, with sources of its own.
            let picks = pick(&empty, &catalog, &[1, 1, 1, 1, 2, 1, 1, 2]);
            let [
                rejected,
                not_applicable,
                equal_nc,
                all_nc,
                some_nc,
                covered,
                partial,
                mixed,
            ] = <[Value; 8]>::try_from(picks).unwrap();
            let mut results = Vec::new();
            let mut set = |d: &Value, values: &[&str]| {
                for (source, value) in sources(d).iter().zip(values) {
                    let mut r = json!({"requirement_id": source, "value": value});
                    if *value == "not_applicable" {
                        r["justification"] = json!("Hors périmètre");
                    }
                    results.push(r);
                }
            };
            set(&rejected, &["compliant"]);
            set(&not_applicable, &["not_applicable"]);
            set(&equal_nc, &["non_compliant"]);
            set(&all_nc, &["non_compliant"]);
            set(&some_nc, &["non_compliant", "compliant"]);
            set(&covered, &["compliant"]);
            set(&partial, &["compliant"]);
            set(&mixed, &["partially_compliant", "compliant"]);
            let (status, body) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/assessments/{iso}/results"),
                    Some(&admin),
                    Some(json!({ "results": results })),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");

            // Before any review, the covered scenario is only partial (ENISA says intersect).
            let (_, before) = app.call(Method::GET, &reuse_path, Some(&admin), None).await;
            let id = |d: &Value| d["requirement_id"].as_str().unwrap().to_owned();
            assert_eq!(
                derived(&before, &id(&covered))["rule"],
                "partial_relationships_only"
            );

            let pair = |d: &Value| d["provenance"][0].clone();
            for (d, decision) in [
                (
                    &rejected,
                    json!({"kind": "rejected", "rationale": "Sans rapport"}),
                ),
                (
                    &equal_nc,
                    json!({"kind": "refined", "relationship": "equal", "rationale": "Même exigence"}),
                ),
                (
                    &covered,
                    json!({"kind": "refined", "relationship": "subset", "rationale": "Notre A couvre tout"}),
                ),
            ] {
                let (status, body) = app
                    .call(
                        Method::PUT,
                        "/api/v1/mapping-reviews",
                        Some(&admin),
                        Some(review(&pair(d), decision)),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
            let (status, body) = app
                .call(
                    Method::PUT,
                    "/api/v1/mapping-reviews",
                    Some(&admin),
                    Some(review(
                        &pair(&partial),
                        json!({"kind": "refined", "relationship": "equal", "rationale": " "}),
                    )),
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(body["errors"][0]["field"], "rationale");

            let (_, after) = app.call(Method::GET, &reuse_path, Some(&admin), None).await;
            let expect = [
                (&no_pair, "no_pair", "no_coverage"),
                (&rejected, "all_pairs_rejected", "no_coverage"),
                (
                    &not_applicable,
                    "only_not_applicable_sources",
                    "no_coverage",
                ),
                (&equal_nc, "equal_source_non_compliant", "non_compliant"),
                (&all_nc, "all_sources_non_compliant", "non_compliant"),
                (&some_nc, "some_source_non_compliant", "partially_compliant"),
                (&covered, "covered_by_compliant_sources", "compliant"),
                (
                    &partial,
                    "partial_relationships_only",
                    "partially_compliant",
                ),
                (&mixed, "mixed_source_results", "partially_compliant"),
            ];
            for (d, rule, value) in expect {
                let now = derived(&after, &id(d));
                assert_eq!(
                    (now["rule"].as_str(), now["value"].as_str()),
                    (Some(rule), Some(value)),
                    "{now}"
                );
                assert!(
                    now["explanation"]["en"]
                        .as_str()
                        .is_some_and(|e| !e.is_empty())
                );
            }
            let rules: HashSet<&str> = after["view"]["derived"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["rule"].as_str().unwrap())
                .collect();
            assert_eq!(rules.len(), 10, "every rule shows: {rules:?}");
            // Provenance names the source, its result, the pair, the relationships and reviews.
            let p = &derived(&after, &id(&covered))["provenance"][0];
            assert_eq!(p["source_result"], "compliant");
            assert_eq!(p["relationship"], "superset");
            assert_eq!(p["shipped_relationship"], "intersect");
            assert_eq!(p["review"]["state"], "refined");
            assert_eq!(p["counted_as"], "covers");
            let p = &derived(&after, &id(&rejected))["provenance"][0];
            assert_eq!(
                (p["review"]["state"].as_str(), p["counted_as"].as_str()),
                (Some("rejected"), Some("ignored_rejected"))
            );
            let p = &derived(&after, &id(&not_applicable))["provenance"][0];
            assert_eq!(p["counted_as"], "ignored_not_applicable");

            // Accept and override into the NIS2 assessment.
            let nis2 = &app.ids.nis2;
            let accept = format!("/api/v1/assessments/{nis2}/accept");
            let (status, accepted) = app
                .call(
                    Method::POST,
                    &accept,
                    Some(&admin),
                    Some(json!({"source_assessment_id": iso, "requirement_id": id(&partial)})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{accepted}");
            assert_eq!(accepted["value"], "partially_compliant");
            assert_eq!(accepted["origin"], "accepted_derivation");
            assert_eq!(
                accepted["origin_detail"]["rule"],
                "partial_relationships_only"
            );
            assert_eq!(
                accepted["origin_detail"]["source_framework"],
                "iso27001-2022"
            );
            assert!(
                !accepted["origin_detail"]["sources"]
                    .as_array()
                    .unwrap()
                    .is_empty()
            );
            let (status, refused) = app
                .call(
                    Method::POST,
                    &accept,
                    Some(&admin),
                    Some(json!({"source_assessment_id": iso, "requirement_id": id(&no_pair)})),
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(refused["errors"][0]["field"], "requirement_id");
            let overriding = format!("/api/v1/assessments/{nis2}/override");
            let (status, refused) = app
                .call(Method::POST, &overriding, Some(&admin),
                      Some(json!({"source_assessment_id": iso, "requirement_id": id(&all_nc), "value": "compliant", "reason": ""})))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(refused["errors"][0]["field"], "reason");
            let (status, overridden) = app
                .call(Method::POST, &overriding, Some(&admin),
                      Some(json!({"source_assessment_id": iso, "requirement_id": id(&all_nc), "value": "partially_compliant", "reason": "Compensating control in place"})))
                .await;
            assert_eq!(status, StatusCode::OK, "{overridden}");
            assert_eq!(overridden["origin"], "overridden_derivation");
            assert_eq!(
                overridden["origin_detail"]["derived_value"],
                "non_compliant"
            );
            assert_eq!(
                overridden["origin_detail"]["reason"],
                "Compensating control in place"
            );
            // A source assessment of another entity cannot be named.
            let (status, b_assessment) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/entities/{}/assessments", app.ids.entity_b),
                    Some(&admin),
                    Some(
                        json!({"framework_id": "iso27001-2022", "name": "B", "status": "planned"}),
                    ),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED);
            let (status, refused) = app
                .call(Method::POST, &accept, Some(&admin),
                      Some(json!({"source_assessment_id": b_assessment["id"], "requirement_id": id(&partial)})))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(refused["errors"][0]["field"], "source_assessment_id");

            // The listing shows the origin; the gap view groups by letter with suggestions.
            let (_, listed) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/assessments/{nis2}/requirements?result=partially_compliant"),
                    Some(&auditor),
                    None,
                )
                .await;
            assert_eq!(listed["total"], 2, "{listed}");
            let (status, gaps) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/assessments/{iso}/gaps"),
                    Some(&auditor),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK);
            assert!(gaps["counts"]["no_coverage"].as_u64().unwrap() >= 24);
            assert_eq!(gaps["letters"].as_array().unwrap().len(), 10);
            let first = gaps["letters"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|l| l["gaps"].as_array().unwrap())
                .next()
                .unwrap();
            assert!(
                first["suggestion"]["text"]["fr"]
                    .as_str()
                    .is_some_and(|s| !s.is_empty())
            );

            // Scores with the derived view and the trend.
            let (_, scores) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/assessments/{iso}/scores?target=nis2-2024-2690"),
                    Some(&auditor),
                    None,
                )
                .await;
            assert_eq!(scores["scores"]["framework"], "iso27001-2022");
            assert_eq!(scores["derived"]["framework"], "nis2-2024-2690");
            assert_eq!(scores["derived"]["by_letter"].as_array().unwrap().len(), 10);
            assert_eq!(scores["trend"].as_array().unwrap().len(), 1);
            assert_eq!(scores["trend"][0]["date"], "2026-03-02");
            let (_, per_entity) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/entities/{}/scores", app.ids.entity_a),
                    Some(&auditor),
                    None,
                )
                .await;
            assert_eq!(per_entity.as_array().unwrap().len(), 3, "{per_entity}");

            // Exports, opened back.
            let bytes = app
                .raw(
                    Method::GET,
                    &format!("/api/v1/assessments/{iso}/exports/gap-analysis?format=csv"),
                    &auditor,
                    None,
                )
                .await;
            let text = String::from_utf8(bytes).unwrap();
            let mut reader =
                csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
            assert_eq!(&reader.headers().unwrap()[1], "Requirement");
            let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
            let equal_row = rows
                .iter()
                .find(|r| {
                    r[1] == *derived(&after, &id(&equal_nc))["reference"]
                        .as_str()
                        .unwrap()
                })
                .unwrap();
            assert_eq!(&equal_row[3], "non_compliant");
            assert_eq!(&equal_row[5], "equal_source_non_compliant");
            assert!(
                rows.iter()
                    .any(|r| &r[3] == "no_coverage" && !r[7].is_empty())
            );
            assert!(
                text.contains("ENISA") && text.contains("CC BY 4.0"),
                "the gap analysis does not credit the crosswalk it used"
            );
            let bytes = app
                .raw(
                    Method::GET,
                    &format!("/api/v1/assessments/{iso}/exports/soa?format=xlsx&lang=fr"),
                    &auditor,
                    None,
                )
                .await;
            use calamine::Reader;
            let mut book: calamine::Xlsx<_> =
                calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
            let range = book.worksheet_range("Statement of Applicability").unwrap();
            let cell = |r: u32, c: u32| {
                range
                    .get_value((r, c))
                    .map(|v| v.to_string())
                    .unwrap_or_default()
            };
            assert_eq!(cell(0, 2), "Applicable");
            let credits = book.worksheet_range("Sources").unwrap();
            let credited: Vec<String> = credits.rows().map(|r| r[0].to_string()).collect();
            assert!(credited.iter().any(|c| c.contains("ISO")), "{credited:?}");
            let na_source = &sources(&not_applicable)[0];
            let na_ref = catalog
                .framework("iso27001-2022")
                .unwrap()
                .requirement(na_source)
                .unwrap()
                .reference
                .clone();
            let row = (1..range.height() as u32)
                .find(|r| cell(*r, 0) == na_ref)
                .unwrap();
            assert_eq!(
                (
                    cell(row, 2).as_str(),
                    cell(row, 3).as_str(),
                    cell(row, 4).as_str()
                ),
                ("no", "Hors périmètre", "not_applicable")
            );
            let (status, bad) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/assessments/{iso}/exports/soa?format=pdf"),
                    Some(&auditor),
                    None,
                )
                .await;
            assert_eq!(
                (status, bad["errors"][0]["field"].as_str()),
                (StatusCode::BAD_REQUEST, Some("format"))
            );
        }
    }

    #[tokio::test]
    async fn bad_results_are_refused_and_change_nothing() {
        for db in testing::all().await {
            let app = TestApp::new(db).await;
            let contributor = app.token(Role::Contributor).to_owned();
            let iso = &app.ids.iso;
            let put = |r: &str| format!("/api/v1/assessments/{iso}/results/{r}");
            let (status, body) = app
                .call(
                    Method::PUT,
                    &put("a.7.4"),
                    Some(&contributor),
                    Some(json!({"value": "not_applicable"})),
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(body["errors"][0]["field"], "justification");
            let (status, body) = app
                .call(
                    Method::PUT,
                    &put("a.99.9"),
                    Some(&contributor),
                    Some(json!({"value": "compliant"})),
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(body["errors"][0]["field"], "requirement_id");
            assert!(body["detail"].as_str().unwrap().contains("a.99.9"));
            let (status, body) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/assessments/{iso}/results"),
                    Some(&contributor),
                    Some(
                        json!({"results": [{"requirement_id": "a.5.1", "value": "non_compliant"},
                                              {"requirement_id": "a.5.2", "value": "nearly"}]}),
                    ),
                )
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
            let (status, body) = app
                .call(Method::POST, &format!("/api/v1/assessments/{iso}/results"), Some(&contributor),
                      Some(json!({"results": [{"requirement_id": "a.5.1", "value": "non_compliant"},
                                              {"requirement_id": "a.7.4", "value": "not_applicable", "justification": "  "}]})))
                .await;
            assert_eq!(status, StatusCode::BAD_REQUEST);
            assert_eq!(body["errors"][0]["field"], "justification");
            let (_, rows) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/assessments/{iso}/requirements?result=compliant"),
                    Some(&contributor),
                    None,
                )
                .await;
            assert_eq!(rows["total"], 1, "A.5.1 is still compliant: {rows}");
            let (status, body) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/assessments/{iso}/requirements?art21=z"),
                    Some(&contributor),
                    None,
                )
                .await;
            assert_eq!(
                (status, body["errors"][0]["field"].as_str()),
                (StatusCode::BAD_REQUEST, Some("art21"))
            );
            // Out of scope: entity B's assessment answers 404 to a user granted A only.
            let admin = app.token(Role::Administrator).to_owned();
            let (_, b) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/entities/{}/assessments", app.ids.entity_b),
                    Some(&admin),
                    Some(
                        json!({"framework_id": "iso27001-2022", "name": "B", "status": "planned"}),
                    ),
                )
                .await;
            let b_id = b["id"].as_str().unwrap();
            for path in [
                format!("/api/v1/assessments/{b_id}"),
                format!("/api/v1/assessments/{b_id}/requirements"),
                format!("/api/v1/assessments/{b_id}/reuse"),
                format!("/api/v1/assessments/{b_id}/exports/soa"),
                format!("/api/v1/entities/{}/controls", app.ids.entity_b),
                format!("/api/v1/entities/{}/evidence", app.ids.entity_b),
            ] {
                let (status, _) = app.call(Method::GET, &path, Some(&contributor), None).await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            }
            let (status, _) = app
                .call(
                    Method::PUT,
                    &format!("/api/v1/assessments/{b_id}/results/a.5.1"),
                    Some(&contributor),
                    Some(json!({"value": "compliant"})),
                )
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND);
        }
    }

    #[tokio::test]
    async fn evidence_round_trips_with_its_hash_is_flagged_and_respects_the_size_limit() {
        use sha2::Digest;
        for db in testing::all().await {
            let mut app = TestApp::new(db).await;
            // The same store behind a router with a 1 KiB evidence limit.
            app.app = hygeia_web::router(AppState::new(
                app.store.clone(),
                WebConfig {
                    secure_cookies: false,
                    evidence_max_bytes: 1024,
                    ..WebConfig::default()
                },
                CatalogCache::new(hygeia_catalog::Catalog::load_embedded().unwrap(), 0),
            ));
            let contributor = app.token(Role::Contributor).to_owned();
            let a = app.ids.entity_a.clone();
            let list = format!("/api/v1/entities/{a}/evidence");
            let (_, before) = app.call(Method::GET, &list, Some(&contributor), None).await;
            let audit_before = app
                .store
                .list_audit(
                    &hygeia_domain::access::EntityScope::All,
                    &Default::default(),
                    hygeia_store::PageRequest::default(),
                )
                .await
                .unwrap()
                .total;

            let upload = |query: &str, bytes: Vec<u8>| {
                Request::builder()
                    .method(Method::POST)
                    .uri(format!("/api/v1/entities/{a}/evidence?{query}"))
                    .header(header::AUTHORIZATION, format!("Bearer {contributor}"))
                    .header(header::CONTENT_TYPE, "application/pdf")
                    .body(Body::from(bytes))
                    .unwrap()
            };
            let (status, body) = app
                .send(upload("title=Big&file_name=big.pdf", vec![7u8; 4096]))
                .await;
            assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
            assert!(body["detail"].as_str().unwrap().contains("1024"));
            let (_, after) = app.call(Method::GET, &list, Some(&contributor), None).await;
            assert_eq!(before, after, "nothing stored");
            let audit_after = app
                .store
                .list_audit(
                    &hygeia_domain::access::EntityScope::All,
                    &Default::default(),
                    hygeia_store::PageRequest::default(),
                )
                .await
                .unwrap()
                .total;
            assert_eq!(audit_before, audit_after);

            let content: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
            let (status, file) = app
                .send(upload(
                    "title=Pentest%202025&file_name=pentest.pdf&valid_until=2026-02-01",
                    content.clone(),
                ))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{file}");
            let sha = hex::encode(sha2::Sha256::digest(&content));
            assert_eq!(file["sha256"], sha.as_str());
            assert_eq!(file["size_bytes"], 1000);
            assert_eq!(file["media_type"], "application/pdf");
            assert_eq!(
                (file["expired"].as_bool(), file["expiry"].as_str()),
                (Some(true), Some("expired"))
            );
            let (status, body) = app
                .send(upload(
                    "title=x&file_name=x.pdf&valid_until=01/02/2026",
                    b"x".to_vec(),
                ))
                .await;
            assert_eq!(
                (status, body["errors"][0]["field"].as_str()),
                (StatusCode::BAD_REQUEST, Some("valid_until"))
            );

            let id = file["id"].as_str().unwrap();
            let download = Request::builder()
                .uri(format!("/api/v1/evidence/{id}/content"))
                .header(header::AUTHORIZATION, format!("Bearer {contributor}"))
                .body(Body::empty())
                .unwrap();
            let mut download = download;
            download
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 7], 40000))));
            let response = app.app.clone().oneshot(download).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(response.headers()["x-content-sha256"], sha.as_str());
            assert!(
                response.headers()[header::CONTENT_DISPOSITION]
                    .to_str()
                    .unwrap()
                    .contains("pentest.pdf")
            );
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(bytes.as_ref(), content.as_slice());
            assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), sha);

            let (status, link) = app
                .call(Method::POST, &format!("/api/v1/entities/{a}/evidence-links"), Some(&contributor),
                      Some(json!({"title": "Procédure de sauvegarde", "url": "https://intranet.example/backup", "valid_until": "2026-03-20"})))
                .await;
            assert_eq!(status, StatusCode::CREATED, "{link}");
            assert_eq!(
                (link["expiring_soon"].as_bool(), link["expired"].as_bool()),
                (Some(true), Some(false))
            );
            let (_, expired) = app
                .call(
                    Method::GET,
                    &format!("{list}?expiry=expired"),
                    Some(&contributor),
                    None,
                )
                .await;
            assert_eq!(expired["total"], 1);
            assert_eq!(expired["items"].as_array().unwrap().len(), 1);
            let (_, soon) = app
                .call(
                    Method::GET,
                    &format!("{list}?expiry=expiring_soon"),
                    Some(&contributor),
                    None,
                )
                .await;
            assert_eq!(soon["items"][0]["kind"], "link");
            let (_, paged) = app
                .call(
                    Method::GET,
                    &format!("{list}?limit=1&offset=1"),
                    Some(&contributor),
                    None,
                )
                .await;
            assert_eq!(paged["items"].as_array().unwrap().len(), 1);
            assert!(paged["total"].as_i64().unwrap() >= 3, "{paged}");

            // Attached to A.8.22, the file counts in the ISO listing and is reused for NIS2.
            let (status, body) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/evidence/{id}/attachments"),
                    Some(&contributor),
                    Some(json!({"framework_id": "iso27001-2022", "requirement_id": "a.8.22"})),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let (status, body) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/evidence/{id}/attachments"),
                    Some(&contributor),
                    Some(json!({"framework_id": "iso27001-2022", "requirement_id": "a.77"})),
                )
                .await;
            assert_eq!(
                (status, body["errors"][0]["field"].as_str()),
                (StatusCode::BAD_REQUEST, Some("requirement_id"))
            );
            let iso = &app.ids.iso;
            let (_, rows) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/assessments/{iso}/requirements?result=non_compliant"),
                    Some(&contributor),
                    None,
                )
                .await;
            assert_eq!(rows["items"][0]["requirement_id"], "a.8.22");
            assert_eq!(rows["items"][0]["evidence"]["total"], 1);
            assert_eq!(rows["items"][0]["evidence"]["expired"], 1);
            let (_, reuse) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/assessments/{iso}/reuse"),
                    Some(&contributor),
                    None,
                )
                .await;
            let reused: BTreeMap<String, Value> =
                serde_json::from_value(reuse["evidence"].clone()).unwrap();
            assert!(
                reused.get("6.8.1").is_some_and(|e| e[0]["id"] == id),
                "{reused:?}"
            );

            // Another entity's evidence stays hidden.
            let (status, _) = app
                .call(
                    Method::POST,
                    &format!("/api/v1/entities/{}/evidence-links", app.ids.entity_b),
                    Some(&contributor),
                    Some(json!({"title": "x", "url": "https://x.example"})),
                )
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND);
        }
    }
}

impl TestApp {
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
        .create_token(&Actor::system(), &outsider.id, "t", &hash, &prefix, None)
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
