//! The automated checks on a large dataset (issue 16): 5 plants, 50,000 assets pushed through
//! the real sensor merge (one in ten unidentified, in Purdue-level cells), 25,000 flows (a
//! tenth writing across cells, which no conduit allows, with the sensor's findings), 20,000
//! evidence items (a quarter attached to ISO/IEC 27001 requirements, a sixth of those past
//! their date), and a NIS2 (2024/2690) and an ISO/IEC 27001 assessment per plant with every
//! result compliant.
//! Times every check over every entity (the first run opens observations and proposes result
//! changes, the next ones refresh them), then the requirement list with its marks, the
//! requirement page, the checks page, the governance page (8 members, 400 training records, 40
//! published policies per plant), and the typeset documents (the management body's report,
//! the Statement of Applicability, the gap analysis, the registration sheet) through the real
//! router (in process).
//!
//! `HYGEIA_TEST_POSTGRES_URL=… cargo bench -p hygeia-web --bench checks_large` (SQLite, and
//! PostgreSQL when the variable is set; `HYGEIA_BENCH_ASSETS` changes the size).

use std::time::{Duration, Instant};

use hygeia_catalog::Catalog;
use hygeia_compliance::ResultValue;
use hygeia_domain::access::EntityScope;
use hygeia_store::assessments::{AssessmentInput, Attachment, EvidenceLinkInput, ResultInput};
use hygeia_store::monitoring::ObservedReport;
use hygeia_store::testing::{self, TestDb, test_clock};
use hygeia_store::{Actor, Store};
use hygeia_web::catalog::CatalogCache;
use hygeia_web::{AppState, WebConfig, router};

#[path = "support/mod.rs"]
mod support;

const PLANTS: usize = 5;
const EVIDENCE: usize = 20_000;
const BATCH: usize = 1_000;
const ITERATIONS: usize = 50;
const REPORTS: usize = 20;

fn address(plant: usize, n: usize) -> String {
    format!("10.{plant}.{}.{}", n / 250, n % 250)
}

/// Assets `range` of one plant: one in ten with no vendor, model or name a sensor recognised.
fn report(plant: usize, per_plant: usize, range: std::ops::Range<usize>) -> ObservedReport {
    let assets: Vec<serde_json::Value> = range
        .clone()
        .map(|n| {
            let mut asset = serde_json::json!({
                "id": format!("ip:{}", address(plant, n)), "ips": [address(plant, n)],
                "names": [format!("plc-{n:05}")], "roles": ["plc"], "protocols": ["s7comm"],
                "first_seen": "2026-02-01T08:00:00Z", "last_seen": "2026-02-20T08:00:00Z",
            });
            if n % 10 != 0 {
                asset["vendor"] = "Siemens AG".into();
                asset["model"] = "6ES7 315-2EH14-0AB0".into();
            }
            asset
        })
        .collect();
    let flows: Vec<serde_json::Value> = range
        .step_by(2)
        .map(|n| {
            let dst = (n + if n % 10 == 0 { 1_500 } else { 3 }) % per_plant;
            let ops = if n % 10 == 0 {
                vec!["write"]
            } else {
                vec!["read"]
            };
            serde_json::json!({
                "src": address(plant, n), "dst": address(plant, dst), "protocol": "s7comm",
                "packets": 40, "bytes": 4_000, "operations": ops,
                "first_seen": "2026-02-01T08:00:00Z", "last_seen": "2026-02-20T08:00:00Z",
            })
        })
        .collect();
    // What the sensor's analysis of those flows reports against the same policy: the writes
    // across cells, which no conduit allows.
    let findings: Vec<serde_json::Value> = flows
        .iter()
        .filter(|f| f["operations"][0] == "write")
        .map(|f| {
            serde_json::json!({
                "kind": "conduit_violation", "severity": "high", "protocol": "s7comm",
                "summary": format!("write from {} to {} outside any conduit", f["src"], f["dst"]),
                "src": f["src"], "dst": f["dst"], "operations": ["write"],
            })
        })
        .collect();
    let report = serde_json::json!({"assets": assets, "flows": flows, "findings": findings});
    serde_json::from_value(report).unwrap()
}

/// Cells of 1,000 assets (a /22 each) at Purdue levels 1 to 3, no conduit between them.
fn zone_policy(plant: usize, per_plant: usize) -> String {
    (0..per_plant.div_ceil(1_000))
        .map(|cell| {
            format!(
                "[[zone]]\nname = \"Cell {cell:02}\"\ncidrs = [\"10.{plant}.{}.0/22\"]\npurdue_level = {}\n\n",
                cell * 4,
                1 + cell % 3
            )
        })
        .collect()
}

struct Dataset {
    entities: Vec<String>,
    nis2: String,
    iso: String,
}

async fn generate(store: &Store, catalog: &Catalog, asset_count: usize) -> Dataset {
    let actor = Actor::system();
    let org = store.ensure_organisation(&actor, "Groupe").await.unwrap();
    let per_plant = asset_count / PLANTS;
    let (mut entities, mut nis2, mut iso) = (Vec::new(), String::new(), String::new());
    for plant in 0..PLANTS {
        let entity = support::pharma_entity(&format!("Usine {plant}"));
        let entity = store
            .create_entity(&actor, &org.id, &entity, |_| true)
            .await
            .unwrap();
        let policy = zone_policy(plant, per_plant);
        store
            .set_zone_policy(&actor, &entity.id, &policy)
            .await
            .unwrap();
        for start in (0..per_plant).step_by(BATCH) {
            let batch = report(plant, per_plant, start..(start + BATCH).min(per_plant));
            store
                .ingest_observations(&actor, &entity.id, "sensor", &batch)
                .await
                .unwrap();
        }
        for framework in ["nis2-2024-2690", "iso27001-2022"] {
            let input = AssessmentInput {
                framework_id: framework.into(),
                name: framework.into(),
                status: "in_progress".into(),
                ..AssessmentInput::default()
            };
            let assessment = store
                .create_assessment(&actor, &entity.id, &input, catalog)
                .await;
            let assessment = assessment.unwrap();
            let results: Vec<ResultInput> = catalog
                .framework(framework)
                .unwrap()
                .assessable()
                .map(|r| ResultInput::new(r.id.clone(), ResultValue::Compliant))
                .collect();
            store
                .set_results(&actor, &EntityScope::All, &assessment.id, &results, catalog)
                .await
                .unwrap();
            if plant == 0 {
                match framework {
                    "nis2-2024-2690" => nis2 = assessment.id,
                    _ => iso = assessment.id,
                }
            }
        }
        entities.push(entity.id);
    }
    let requirements: Vec<String> = catalog
        .framework("iso27001-2022")
        .unwrap()
        .assessable()
        .map(|r| r.id.clone())
        .collect();
    for n in 0..EVIDENCE {
        let input = EvidenceLinkInput {
            title: format!("Evidence {n}"),
            url: format!("https://docs.example/{n}"),
            valid_until: Some(format!("2026-{:02}-15", 1 + n % 12)),
        };
        let entity = &entities[n % PLANTS];
        let evidence = store
            .add_evidence_link(&actor, entity, &input)
            .await
            .unwrap();
        if n % 4 == 0 {
            let target = Attachment {
                control_id: None,
                framework_id: Some("iso27001-2022".into()),
                requirement_id: Some(requirements[n % requirements.len()].clone()),
            };
            store
                .attach_evidence(&actor, &EntityScope::All, &evidence.id, &target, catalog)
                .await
                .unwrap();
        }
    }
    for entity in &entities {
        governance(store, entity).await;
    }
    store.optimize().await.unwrap();
    Dataset {
        entities,
        nis2,
        iso,
    }
}

/// One plant's governance: 8 members (one gone), two approvals of the measures, 400 training
/// records (half renewed once), 40 policies each approved and published, and its registration
/// data with 50 public ranges.
async fn governance(store: &Store, entity: &str) {
    use hygeia_domain::governance::approvals::ApprovalInput;
    use hygeia_domain::governance::members::MemberInput;
    use hygeia_domain::governance::policies::{DraftInput, PolicyInput, PublishInput};
    use hygeia_domain::governance::training::TrainingInput;
    use hygeia_domain::org::registration::RegistrationInput;
    let (actor, all) = (Actor::system(), EntityScope::All);
    let mut members = Vec::new();
    for m in 0..8 {
        let input = MemberInput {
            name: format!("Member {m}"),
            title: "Board member".into(),
            appointed_on: "2024-01-01".into(),
            left_on: (m == 7).then(|| "2025-06-01".to_owned()),
            ..MemberInput::default()
        };
        let member = store.add_board_member(&actor, &all, entity, &input);
        members.push(member.await.unwrap().id);
    }
    for day in ["2025-01-10", "2026-01-10"] {
        let input = ApprovalInput {
            subject: "measures".into(),
            version: format!("Plan {day}"),
            approved_on: day.into(),
            member_id: members[0].clone(),
            ..ApprovalInput::default()
        };
        store
            .record_approval(&actor, &all, entity, &input)
            .await
            .unwrap();
    }
    for t in 0..400 {
        let input = TrainingInput {
            person_name: format!("Staff {}", t % 200),
            member_id: (t < 14).then(|| members[t % 7].clone()),
            course: "Security awareness".into(),
            completed_on: if t < 200 { "2025-01-15" } else { "2026-01-15" }.into(),
            valid_until: Some(if t < 200 { "2026-01-15" } else { "2027-01-15" }.into()),
            ..TrainingInput::default()
        };
        store
            .add_training(&actor, &all, entity, &input)
            .await
            .unwrap();
    }
    for p in 0..40 {
        let input = PolicyInput {
            title: format!("Policy {p:02}"),
            review_months: Some(12),
            ..PolicyInput::default()
        };
        let draft = DraftInput {
            summary: "First version".into(),
            evidence_id: None,
        };
        let policy = store.create_policy(&actor, &all, entity, &input, &draft);
        let id = policy.await.unwrap().summary.id;
        let approval = ApprovalInput {
            subject: "policy".into(),
            policy_id: Some(id.clone()),
            approved_on: "2025-02-01".into(),
            member_id: members[p % 7].clone(),
            ..ApprovalInput::default()
        };
        store
            .record_approval(&actor, &all, entity, &approval)
            .await
            .unwrap();
        let on = PublishInput {
            published_on: Some("2025-02-02".into()),
        };
        store.publish_policy(&actor, &all, &id, &on).await.unwrap();
    }
    let registration = RegistrationInput {
        address: "Zone industrielle, 60200 Compiègne".into(),
        emails: vec!["rssi@plant.example".into()],
        phones: vec!["+33 3 44 00 00 00".into()],
        member_states: vec!["FR".into(), "BE".into()],
        ip_ranges: (0..50).map(|n| format!("81.250.{n}.0/24")).collect(),
        ..RegistrationInput::default()
    };
    store
        .save_registration(&actor, &all, entity, &registration)
        .await
        .unwrap();
}

/// Times a typeset document (target < 1 s).
async fn time_pdf(name: &str, app: &axum::Router, secret: &str, label: &str, path: &str) {
    let (times, body) = support::timed_get(app, secret, path, REPORTS).await;
    assert!(body.starts_with(b"%PDF-"), "{label}: not a PDF");
    let p95 = ms(support::percentile(&times, 0.95));
    println!(
        "{name:<9} {label:<48} p50 {:>7.2} ms  p95 {p95:>7.2} ms  max {:>7.2} ms  body {:>7} bytes  {}",
        ms(support::percentile(&times, 0.5)),
        ms(*times.last().unwrap()),
        body.len(),
        if p95 < 1000.0 {
            "< 1 s ok"
        } else {
            "< 1 s MISSED"
        }
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn run(db: TestDb, catalog: &Catalog, asset_count: usize) {
    let name = db.name;
    let store = db.store(test_clock()).await;
    let started = Instant::now();
    let data = generate(&store, catalog, asset_count).await;
    eprintln!(
        "{name}: {asset_count} assets, {EVIDENCE} evidence items, {} entities built in {:.1} s",
        data.entities.len(),
        started.elapsed().as_secs_f64()
    );
    let rules = hygeia_catalog::checks::shipped_checks(catalog).unwrap();
    for pass in [
        "first run (opens, proposes)",
        "second run (refreshes)",
        "third run",
    ] {
        let start = Instant::now();
        let run = store.run_checks(&rules, "bench").await.unwrap();
        println!(
            "{name:<9} all {} checks, {pass:<28} {:>8.1} ms  opened {} refreshed {} proposed {} open {}  {}",
            run.checks,
            ms(start.elapsed()),
            run.opened,
            run.refreshed,
            run.proposed,
            run.open_total,
            if start.elapsed() < Duration::from_secs(2) {
                "< 2 s ok"
            } else {
                "< 2 s MISSED"
            }
        );
    }
    let org = store.organisation().await.unwrap().unwrap();
    let secret = support::admin_token(&store, &org.id, "rssi@bench.example").await;
    let app = router(AppState::new(
        store.clone(),
        WebConfig::default(),
        CatalogCache::new(catalog.clone(), 0),
    ));
    let pages = [
        (
            "requirement list, NIS2 (marks)",
            format!("/compliance/assessments/{}", data.nis2),
        ),
        (
            "requirement list, ISO (marks)",
            format!("/compliance/assessments/{}", data.iso),
        ),
        (
            "requirement page, NIS2 12.4.1",
            format!("/compliance/assessments/{}/requirements/12.4.1", data.nis2),
        ),
        ("checks page", "/compliance/checks".to_owned()),
        (
            "API open observations",
            "/api/v1/observations?state=open".to_owned(),
        ),
        (
            "API proposals of one assessment",
            format!("/api/v1/result-proposals?assessment_id={}", data.nis2),
        ),
    ];
    for (label, path) in &pages {
        let (times, body) = support::timed_get(&app, &secret, path, ITERATIONS).await;
        support::report(name, label, &times, &body);
    }
    let plant = &data.entities[0];
    for (label, path) in [
        (
            "governance page (first plant)",
            format!("/governance?entity={plant}"),
        ),
        (
            "API governance (first plant)",
            format!("/api/v1/entities/{plant}/governance"),
        ),
        ("dashboard (with the governance tile)", "/".to_owned()),
    ] {
        let (times, body) = support::timed_get(&app, &secret, &path, ITERATIONS).await;
        support::report(name, label, &times, &body);
    }
    // The documents, typeset in the process (target < 1 s each).
    for (label, path) in [
        (
            "board report PDF (first plant, French)",
            format!("/api/v1/entities/{plant}/reports/board?lang=fr"),
        ),
        (
            "Statement of Applicability PDF (ISO, 93 rows)",
            format!("/api/v1/assessments/{}/exports/soa?format=pdf", data.iso),
        ),
        (
            "gap analysis PDF (ISO → NIS2)",
            format!(
                "/api/v1/assessments/{}/exports/gap-analysis?format=pdf",
                data.iso
            ),
        ),
        (
            "registration sheet PDF (50 ranges)",
            format!("/api/v1/entities/{plant}/registration/pdf?lang=fr"),
        ),
    ] {
        time_pdf(name, &app, &secret, label, &path).await;
    }
    println!("{name:<9} bench process: {}", support::resident_memory());
}

fn main() {
    let asset_count = std::env::var("HYGEIA_BENCH_ASSETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let catalog = Catalog::load_embedded().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for db in testing::all().await {
            run(db, &catalog, asset_count).await;
        }
    });
}
