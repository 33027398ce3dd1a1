//! Listing an assessment of 400 requirements with results, controls and evidence counts
//! through the API (in process, real router, real database), and computing the full NIS2
//! reuse view from a complete ISO/IEC 27001 assessment.
//!
//! `cargo bench -p hygeia-web --bench assessment_listing` (SQLite; PostgreSQL too when
//! `HYGEIA_TEST_POSTGRES_URL` is set). Prints p50 / p99 / max over the iterations.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use hygeia_catalog::Catalog;
use hygeia_compliance::{ResultValue, Reuse, SourceResult};
use hygeia_domain::access::{EntityScope, Role};
use hygeia_domain::org::EntityInput;
use hygeia_store::assessments::{
    AssessmentInput, Attachment, ControlInput, EvidenceLinkInput, RequirementRef, ResultInput,
};
use hygeia_store::testing::{self, TestDb, test_clock};
use hygeia_store::{Actor, NewUser};
use hygeia_web::catalog::CatalogCache;
use hygeia_web::{AppState, WebConfig, auth, router};
use tower::ServiceExt;

const REQUIREMENTS: usize = 400;
const ITERATIONS: usize = 300;

fn framework_yaml() -> String {
    let mut yaml = String::from(
        "framework:\n  id: bench-400\n  name: {en: \"Bench\", fr: \"Banc\"}\n  kind: other\nrequirements:\n",
    );
    for g in 0..20 {
        yaml.push_str(&format!(
            "  - id: \"g{g}\"\n    assessable: false\n    title: {{en: \"Group {g}\", fr: \"Groupe {g}\"}}\n"
        ));
        for i in 0..REQUIREMENTS / 20 {
            let letter = (b'a' + ((g + i) % 10) as u8) as char;
            yaml.push_str(&format!(
                "  - id: \"r{g}.{i}\"\n    parent: \"g{g}\"\n    assessable: true\n    title: {{en: \"Requirement {g}.{i}\", fr: \"Exigence {g}.{i}\"}}\n    tags: [t{}]\n    nis2_art21: [{letter}]\n",
                i % 7
            ));
        }
    }
    yaml
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn run(db: TestDb, catalog: &Catalog) {
    let store = db.store(test_clock()).await;
    let actor = Actor::system();
    let org = store.ensure_organisation(&actor, "Bench").await.unwrap();
    let entity = store
        .create_entity(
            &actor,
            &org.id,
            &EntityInput {
                name: "Bench SAS".into(),
                country: "FR".into(),
                entity_type: "healthcare_provider".into(),
                employees: 500,
                annual_turnover_eur: Some(90_000_000),
                balance_sheet_eur: Some(60_000_000),
                parent_entity_id: None,
                registration_number: None,
                ..Default::default()
            },
            |_| true,
        )
        .await
        .unwrap();
    let user = store
        .create_user(
            &actor,
            &org.id,
            &NewUser {
                email: "auditor@bench.example".into(),
                display_name: "Auditor".into(),
                role: Role::Auditor,
                locale: "en".into(),
                entity_ids: vec![entity.id.clone()],
                password_hash: None,
            },
        )
        .await
        .unwrap();
    let (secret, hash, prefix) = auth::new_api_token();
    store
        .create_token(
            &actor,
            &hygeia_store::NewToken::full(&user.id, "bench", &hash, &prefix),
        )
        .await
        .unwrap();
    let assessment = store
        .create_assessment(
            &actor,
            &entity.id,
            &AssessmentInput {
                framework_id: "bench-400".into(),
                name: "Bench".into(),
                status: "in_progress".into(),
                ..AssessmentInput::default()
            },
            catalog,
        )
        .await
        .unwrap();
    let ids: Vec<String> = catalog
        .framework("bench-400")
        .unwrap()
        .assessable()
        .map(|r| r.id.clone())
        .collect();
    let results: Vec<ResultInput> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            let mut r = ResultInput::new(id.clone(), ResultValue::ALL[n % 4]);
            r.owner = Some(format!("owner-{}", n % 5));
            r
        })
        .collect();
    store
        .set_results(&actor, &EntityScope::All, &assessment.id, &results, catalog)
        .await
        .unwrap();
    let mut controls = Vec::new();
    for c in 0..40 {
        let control = store
            .create_control(
                &actor,
                &entity.id,
                &ControlInput {
                    name: format!("Control {c}"),
                    status: "implemented".into(),
                    requirements: ids
                        .iter()
                        .skip(c * 10)
                        .take(10)
                        .map(|id| RequirementRef {
                            framework_id: "bench-400".into(),
                            requirement_id: id.clone(),
                        })
                        .collect(),
                    ..ControlInput::default()
                },
                catalog,
            )
            .await
            .unwrap();
        controls.push(control.id);
    }
    for e in 0..200 {
        let evidence = store
            .add_evidence_link(
                &actor,
                &entity.id,
                &EvidenceLinkInput {
                    title: format!("Evidence {e}"),
                    url: format!("https://docs.example/{e}"),
                    valid_until: Some(format!("2026-{:02}-15", 1 + e % 12)),
                },
            )
            .await
            .unwrap();
        let target = if e % 2 == 0 {
            Attachment {
                control_id: Some(controls[e % controls.len()].clone()),
                framework_id: None,
                requirement_id: None,
            }
        } else {
            Attachment {
                control_id: None,
                framework_id: Some("bench-400".into()),
                requirement_id: Some(ids[e % ids.len()].clone()),
            }
        };
        store
            .attach_evidence(&actor, &EntityScope::All, &evidence.id, &target, catalog)
            .await
            .unwrap();
    }
    let app = router(AppState::new(
        store.clone(),
        WebConfig::default(),
        CatalogCache::new(catalog.clone(), 0),
    ));
    let path = format!(
        "/api/v1/assessments/{}/requirements?limit=500",
        assessment.id
    );
    let call = || {
        let mut request = Request::builder()
            .uri(&path)
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())
            .unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 1))));
        app.clone().oneshot(request)
    };
    for _ in 0..20 {
        call().await.unwrap();
    }
    let mut times = Vec::with_capacity(ITERATIONS);
    let mut items = 0;
    for _ in 0..ITERATIONS {
        let start = Instant::now();
        let response = call().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        times.push(start.elapsed());
        items = bytes.len();
    }
    times.sort();
    println!(
        "{:8} list 400 requirements (results, controls, evidence counts; {} KiB JSON): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {ITERATIONS} requests",
        db.name,
        items / 1024,
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
    );
    // Where the time goes: each store read on its own (p50 over 50 runs).
    let mut breakdown = Vec::new();
    macro_rules! time {
        ($label:expr, $call:expr) => {{
            let mut t = Vec::new();
            for _ in 0..50 {
                let start = Instant::now();
                $call.await.unwrap();
                t.push(start.elapsed());
            }
            t.sort();
            breakdown.push(format!(
                "{} {:.2} ms",
                $label,
                percentile(&t, 0.5).as_secs_f64() * 1e3
            ));
        }};
    }
    time!(
        "assessment",
        store.assessment(&EntityScope::All, &assessment.id)
    );
    time!("entity", store.entity(&entity.id));
    time!("results", store.results(&assessment.id));
    time!(
        "controls",
        store.controls_by_requirement(&entity.id, "bench-400")
    );
    time!(
        "evidence",
        store.evidence_by_requirement(&entity.id, "bench-400")
    );
    time!("generation", store.catalog_generation());
    println!("{:8} store reads (p50): {}", db.name, breakdown.join(", "));
    store.close().await;
    drop(db);
}

fn reuse_view(catalog: &Catalog) {
    let iso = catalog.framework("iso27001-2022").unwrap();
    let results: Vec<SourceResult> = iso
        .assessable()
        .enumerate()
        .map(|(n, r)| SourceResult::new(r.id.clone(), ResultValue::ALL[1 + n % 3]))
        .collect();
    let reuse = Reuse::new(catalog, "iso27001-2022", "nis2-2024-2690").unwrap();
    let mut times = Vec::new();
    for _ in 0..200 {
        let start = Instant::now();
        let view = reuse.derive(&results, &[]).unwrap();
        times.push(start.elapsed());
        assert_eq!(view.derived.len(), 355);
    }
    times.sort();
    println!(
        "engine   NIS2 reuse view from a complete ISO/IEC 27001 assessment (355 derived): p50 {:.2} ms, p99 {:.2} ms",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
    );
}

fn main() {
    let mut catalog = Catalog::load_embedded().unwrap();
    catalog
        .import_framework("bench-400.yaml", &framework_yaml())
        .unwrap();
    reuse_view(&catalog);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for db in testing::all().await {
            run(db, &catalog).await;
        }
    });
}
