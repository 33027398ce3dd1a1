//! Server time and size of the main pages on a large dataset: 5 entities, 6 frameworks assessed
//! for each (every assessable requirement has a result), 20,000 evidence items, through the
//! real router (in process) on a real database.
//!
//! `cargo bench -p hygeia-web --bench pages_large` (SQLite; PostgreSQL too when
//! `HYGEIA_TEST_POSTGRES_URL` is set). Prints p50 / p95 / max and the body size per page.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use hygeia_catalog::Catalog;
use hygeia_compliance::ResultValue;
use hygeia_domain::access::{EntityScope, Role};
use hygeia_domain::org::EntityInput;
use hygeia_store::assessments::{AssessmentInput, Attachment, EvidenceLinkInput, ResultInput};
use hygeia_store::testing::{self, TestDb, test_clock};
use hygeia_store::{Actor, NewUser};
use hygeia_web::catalog::CatalogCache;
use hygeia_web::{AppState, WebConfig, auth, router};
use tower::ServiceExt;

const ENTITIES: usize = 5;
const EVIDENCE: usize = 20_000;
const ITERATIONS: usize = 100;
const FRAMEWORKS: [&str; 6] = [
    "iso27001-2022",
    "nis2-2024-2690",
    "nis2-directive",
    "nist-csf-2.0",
    "hds-2024",
    "iec62443-3-3",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

async fn run(db: TestDb, catalog: &Catalog) {
    let started = Instant::now();
    let store = db.store(test_clock()).await;
    let actor = Actor::system();
    let org = store
        .ensure_organisation(&actor, "Large group")
        .await
        .unwrap();
    let mut entities = Vec::new();
    let mut nis2_assessment = String::new();
    let mut nis2_assessments = Vec::new();
    let mut iso_assessment = String::new();
    for e in 0..ENTITIES {
        let entity = store
            .create_entity(
                &actor,
                &org.id,
                &EntityInput {
                    name: format!("Entity {e}"),
                    country: "FR".into(),
                    entity_type: "healthcare_provider".into(),
                    employees: 800 + e as i64,
                    annual_turnover_eur: Some(120_000_000),
                    balance_sheet_eur: Some(90_000_000),
                    parent_entity_id: None,
                    registration_number: None,
                    ..Default::default()
                },
                |_| true,
            )
            .await
            .unwrap();
        for (f, framework) in FRAMEWORKS.iter().enumerate() {
            let assessment = store
                .create_assessment(
                    &actor,
                    &entity.id,
                    &AssessmentInput {
                        framework_id: (*framework).into(),
                        name: format!("{framework} {e}"),
                        status: "in_progress".into(),
                        ..AssessmentInput::default()
                    },
                    catalog,
                )
                .await
                .unwrap();
            if *framework == "nis2-2024-2690" {
                nis2_assessments.push(assessment.id.clone());
                if e == 0 {
                    nis2_assessment = assessment.id.clone();
                }
            }
            if e == 0 && *framework == "iso27001-2022" {
                iso_assessment = assessment.id.clone();
            }
            let results: Vec<ResultInput> = catalog
                .framework(framework)
                .unwrap()
                .assessable()
                .enumerate()
                .map(|(n, r)| {
                    let value = [
                        ResultValue::Compliant,
                        ResultValue::PartiallyCompliant,
                        ResultValue::NonCompliant,
                    ][(n + f) % 3];
                    let mut input = ResultInput::new(r.id.clone(), value);
                    input.owner = Some(format!("owner-{}", n % 7));
                    input
                })
                .collect();
            store
                .set_results(&actor, &EntityScope::All, &assessment.id, &results, catalog)
                .await
                .unwrap();
        }
        entities.push(entity.id);
    }
    let iso: Vec<String> = catalog
        .framework("iso27001-2022")
        .unwrap()
        .assessable()
        .map(|r| r.id.clone())
        .collect();
    for n in 0..EVIDENCE {
        let entity = &entities[n % ENTITIES];
        let evidence = store
            .add_evidence_link(
                &actor,
                entity,
                &EvidenceLinkInput {
                    title: format!("Evidence {n}"),
                    url: format!("https://docs.example/{n}"),
                    valid_until: Some(format!("2026-{:02}-15", 1 + n % 12)),
                },
            )
            .await
            .unwrap();
        if n % 4 == 0 {
            let target = Attachment {
                control_id: None,
                framework_id: Some("iso27001-2022".into()),
                requirement_id: Some(iso[n % iso.len()].clone()),
            };
            store
                .attach_evidence(&actor, &EntityScope::All, &evidence.id, &target, catalog)
                .await
                .unwrap();
        }
    }
    let user = store
        .create_user(
            &actor,
            &org.id,
            &NewUser {
                email: "ciso@large.example".into(),
                display_name: "CISO".into(),
                role: Role::Administrator,
                locale: "fr".into(),
                entity_ids: Vec::new(),
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
    eprintln!(
        "{}: dataset built in {:.1} s",
        db.name,
        started.elapsed().as_secs_f64()
    );

    let app = router(AppState::new(
        store.clone(),
        WebConfig::default(),
        CatalogCache::new(catalog.clone(), 0),
    ));
    let pages = [
        ("dashboard", "/".to_owned()),
        (
            "dashboard, one entity (switcher)",
            format!("/?entity={}", entities[0]),
        ),
        (
            "requirement list (NIS2, 355 points)",
            format!("/compliance/assessments/{nis2_assessment}"),
        ),
        (
            "requirement detail (ISO A.8.22)",
            format!("/compliance/assessments/{iso_assessment}/requirements/a.8.22"),
        ),
        (
            "reuse view (ISO → NIS2, 355 points)",
            format!("/compliance/assessments/{iso_assessment}/reuse"),
        ),
        (
            "remaining gaps (ISO → NIS2)",
            format!("/compliance/assessments/{iso_assessment}/gaps?target=nis2-2024-2690"),
        ),
        ("assessments", "/compliance/assessments".to_owned()),
        ("controls", "/compliance/controls".to_owned()),
        (
            "evidence list page (entity, 4,000 items)",
            format!("/compliance/evidence?entity={}", entities[0]),
        ),
        ("search (\"backup\")", "/search?q=backup".to_owned()),
        ("audit trail", "/audit".to_owned()),
        ("entity profile", format!("/entities/{}", entities[0])),
        (
            "evidence list API (entity, 4,000 items)",
            format!("/api/v1/entities/{}/evidence?limit=50", entities[0]),
        ),
    ];
    for (label, path) in &pages {
        let mut times = Vec::with_capacity(ITERATIONS);
        let mut size = 0;
        for _ in 0..ITERATIONS {
            let request = Request::builder()
                .uri(path.as_str())
                .header(header::AUTHORIZATION, format!("Bearer {secret}"))
                .body(Body::empty())
                .unwrap();
            let start = Instant::now();
            let response = app.clone().oneshot(request).await.unwrap();
            let status = response.status();
            let body = response.into_body().collect().await.unwrap().to_bytes();
            times.push(start.elapsed());
            size = body.len();
            assert_eq!(
                status,
                StatusCode::OK,
                "{path}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        times.sort();
        println!(
            "{:<9} {:<38} p50 {:>6.2} ms  p95 {:>6.2} ms  max {:>6.2} ms  body {:>7} bytes",
            db.name,
            label,
            percentile(&times, 0.50).as_secs_f64() * 1000.0,
            percentile(&times, 0.95).as_secs_f64() * 1000.0,
            times[times.len() - 1].as_secs_f64() * 1000.0,
            size
        );
    }
    dashboard_after_writes(
        db.name,
        "dashboard after each ISO result change",
        &app,
        &store,
        catalog,
        (&iso_assessment, "a.8.22"),
        &secret,
    )
    .await;

    // NIS2 assessments with own results on a third of the points: each entity's NIS2 score
    // merges them with the results derived from its ISO/IEC 27001 assessment.
    let nis2_ids: Vec<String> = catalog
        .framework("nis2-2024-2690")
        .unwrap()
        .assessable()
        .map(|r| r.id.clone())
        .collect();
    for id in &nis2_assessments {
        let cleared: Vec<ResultInput> = nis2_ids
            .iter()
            .enumerate()
            .filter(|(n, _)| n % 3 != 0)
            .map(|(_, r)| ResultInput::new(r.clone(), ResultValue::NotAssessed))
            .collect();
        store
            .set_results(&actor, &EntityScope::All, id, &cleared, catalog)
            .await
            .unwrap();
    }
    time_dashboard(
        db.name,
        "dashboard, NIS2 own third + derived (×5)",
        &app,
        &secret,
    )
    .await;
    // Accepting derived results one after the other: the NIS2 assessment changes, its merge
    // is done again (the derived results stay cached).
    dashboard_after_writes(
        db.name,
        "dashboard after each NIS2 result change",
        &app,
        &store,
        catalog,
        (&nis2_assessment, &nis2_ids[1]),
        &secret,
    )
    .await;

    // Without their own NIS2 (2024/2690) assessments, each entity's NIS2 standing and the
    // per-measure chart are derived from its ISO/IEC 27001 results (cached).
    for id in &nis2_assessments {
        store
            .delete_assessment(&actor, &EntityScope::All, id)
            .await
            .unwrap();
    }
    time_dashboard(
        db.name,
        "dashboard, NIS2 derived from ISO (×5)",
        &app,
        &secret,
    )
    .await;
}

/// The dashboard, requested `ITERATIONS` times in a row; it must show each entity's NIS2
/// standing and the per-measure chart.
async fn time_dashboard(db_name: &str, label: &str, app: &axum::Router, secret: &str) {
    let mut times = Vec::with_capacity(ITERATIONS);
    for _ in 0..ITERATIONS {
        let request = Request::builder()
            .uri("/")
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())
            .unwrap();
        let start = Instant::now();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        times.push(start.elapsed());
        assert_eq!(status, StatusCode::OK);
        let body = String::from_utf8_lossy(&body);
        assert!(body.contains("chart-letters") && body.contains("id=\"nis2-entities\""));
    }
    times.sort();
    println!(
        "{:<9} {:<38} p50 {:>6.2} ms  p95 {:>6.2} ms  max {:>6.2} ms",
        db_name,
        label,
        percentile(&times, 0.50).as_secs_f64() * 1000.0,
        percentile(&times, 0.95).as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0,
    );
}

/// The dashboard right after a result changes (one assessment's summary recomputed, and the
/// NIS2 standing of its entity), the common case while people work: each timed request
/// follows an untimed write of `requirement` in `assessment`.
async fn dashboard_after_writes(
    db_name: &str,
    label: &str,
    app: &axum::Router,
    store: &hygeia_store::Store,
    catalog: &Catalog,
    (assessment, requirement): (&str, &str),
    secret: &str,
) {
    let mut times = Vec::with_capacity(ITERATIONS);
    for n in 0..ITERATIONS {
        let value = [ResultValue::Compliant, ResultValue::NonCompliant][n % 2];
        store
            .set_results(
                &Actor::system(),
                &EntityScope::All,
                assessment,
                &[ResultInput::new(requirement, value)],
                catalog,
            )
            .await
            .unwrap();
        let request = Request::builder()
            .uri("/")
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())
            .unwrap();
        let start = Instant::now();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let _ = response.into_body().collect().await.unwrap();
        times.push(start.elapsed());
        assert_eq!(status, StatusCode::OK);
    }
    times.sort();
    println!(
        "{:<9} {:<38} p50 {:>6.2} ms  p95 {:>6.2} ms  max {:>6.2} ms",
        db_name,
        label,
        percentile(&times, 0.50).as_secs_f64() * 1000.0,
        percentile(&times, 0.95).as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0,
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let catalog = Catalog::load_embedded().unwrap();
    runtime.block_on(async {
        for db in testing::all().await {
            run(db, &catalog).await;
        }
    });
}
