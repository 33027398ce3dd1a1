//! The supplier register at group scale (issue 15): 5,000 suppliers over 5 entities, each with
//! a contact and one or two of the entity's 40 processes, a tenth reaching OT, half with a
//! certification, a third with a contract whose clauses are partly recorded; then the
//! register page and API, the figures, who reaches OT, one supplier's page and its exposure
//! timed: p50 / p95 / max over 50 requests each.
//!
//! `cargo bench -p hygeia-web --bench suppliers_large` (PostgreSQL too when
//! `HYGEIA_TEST_POSTGRES_URL` is set; `HYGEIA_BENCH_ONLY=sqlite|postgres` runs one;
//! `HYGEIA_BENCH_SUPPLIERS` changes the size).

#[path = "support/mod.rs"]
mod support;

use std::time::Instant;

use hygeia_catalog::Catalog;
use hygeia_domain::access::EntityScope;
use hygeia_domain::risks::processes::ProcessInput;
use hygeia_domain::suppliers::certifications::CertificationInput;
use hygeia_domain::suppliers::contracts::{ClauseInput, ContractInput};
use hygeia_domain::suppliers::criticality::TierAnswers;
use hygeia_domain::suppliers::register::{ContactInput, SupplierInput};
use hygeia_store::suppliers::SupplierLinks;
use hygeia_store::testing::{self, TestDb, test_clock};
use hygeia_store::{Actor, Store};
use hygeia_web::catalog::CatalogCache;
use hygeia_web::{AppState, WebConfig, router};
use support::{admin_token, report, timed_get};

const RUNS: usize = 50;
const ENTITIES: usize = 5;
const PROCESSES: usize = 40;
const CATEGORIES: [&str; 8] = [
    "contract_manufacturer",
    "laboratory",
    "logistics",
    "ot_integrator",
    "medical_device",
    "it_provider",
    "cloud_provider",
    "other",
];

async fn generate(store: &Store, suppliers: usize) -> (Vec<String>, String) {
    let actor = Actor::system();
    let scope = EntityScope::All;
    let org = store
        .ensure_organisation(&actor, "Groupe Pharma")
        .await
        .unwrap();
    let mut entities = Vec::new();
    let mut processes: Vec<Vec<String>> = Vec::new();
    for e in 0..ENTITIES {
        let input = support::pharma_entity(&format!("Site {e}"));
        let entity = store
            .create_entity(&actor, &org.id, &input, |_| true)
            .await
            .unwrap();
        let mut own = Vec::new();
        for p in 0..PROCESSES {
            let process = store
                .create_process(
                    &actor,
                    &scope,
                    &entity.id,
                    &ProcessInput {
                        name: format!("Process {p}"),
                        confidentiality: (p % 4) as u8 + 1,
                        integrity: ((p + 1) % 4) as u8 + 1,
                        availability: ((p + 2) % 4) as u8 + 1,
                        ..ProcessInput::default()
                    },
                )
                .await
                .unwrap();
            own.push(process.id);
        }
        processes.push(own);
        entities.push(entity.id);
    }
    let mut linked = String::new();
    for n in 0..suppliers {
        let e = n % ENTITIES;
        let input = SupplierInput {
            name: format!("Supplier {n:05}"),
            category: CATEGORIES[n % CATEGORIES.len()].into(),
            services: "Services under contract".into(),
            country: Some(if n % 9 == 0 { "US" } else { "FR" }.into()),
            criticality: TierAnswers {
                ot_access: n % 10 == 0,
                health_data: n % 7 == 0,
                dependency: (n % 4) as u8 + 1,
                substitutability: ((n / 4) % 4) as u8 + 1,
                concentration: n % 13 == 0,
            },
            penetration: (n % 2 == 0).then_some(((n / 2) % 4) as u8 + 1),
            maturity: (n % 2 == 0).then_some(((n / 3) % 4) as u8 + 1),
            trust: (n % 2 == 0).then_some(((n / 5) % 4) as u8 + 1),
            last_review_on: (n % 3 != 0).then(|| "2025-09-15".to_owned()),
            contacts: vec![ContactInput {
                name: format!("Contact {n}"),
                email: format!("security{n}@supplier.example"),
                role: "Security".into(),
                phone: String::new(),
            }],
            ..SupplierInput::default()
        };
        let supplier = store
            .create_supplier(&actor, &scope, &entities[e], &input)
            .await
            .unwrap();
        let links = SupplierLinks {
            process_ids: vec![
                processes[e][n % PROCESSES].clone(),
                processes[e][(n * 7) % PROCESSES].clone(),
            ],
            ..SupplierLinks::default()
        };
        store
            .set_supplier_links(&actor, &scope, &supplier.id, &links)
            .await
            .unwrap();
        if n % 2 == 0 {
            let until = if n % 20 == 0 {
                "2026-04-15"
            } else {
                "2028-01-31"
            };
            let cert = CertificationInput {
                scheme: ["iso27001", "hds", "soc2"][n % 3].into(),
                scope: "The service".into(),
                valid_until: until.into(),
                ..CertificationInput::default()
            };
            store
                .add_certification(&actor, &scope, &supplier.id, &cert)
                .await
                .unwrap();
        }
        if n % 3 == 0 {
            let contract = store
                .add_contract(
                    &actor,
                    &scope,
                    &supplier.id,
                    &ContractInput {
                        title: "Master agreement".into(),
                        ..ContractInput::default()
                    },
                )
                .await
                .unwrap();
            for kind in ["security_requirements", "right_to_audit", "subcontracting"] {
                store
                    .set_contract_clause(
                        &actor,
                        &scope,
                        (&supplier.id, &contract.id),
                        kind,
                        &ClauseInput {
                            status: "present".into(),
                            ..ClauseInput::default()
                        },
                    )
                    .await
                    .unwrap();
            }
        }
        if n == 0 {
            linked = supplier.id;
        }
    }
    (entities, linked)
}

async fn run(db: TestDb, suppliers: usize) {
    let name = db.name;
    let store = db.store(test_clock()).await;
    let catalog = Catalog::load_embedded().unwrap();
    let started = Instant::now();
    let (entities, supplier) = generate(&store, suppliers).await;
    println!(
        "{name:<9} {suppliers} suppliers generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    store.optimize().await.unwrap();
    let org = store.organisation().await.unwrap().unwrap();
    let secret = admin_token(&store, &org.id, "bench@example.org").await;
    let app = router(AppState::new(
        store.clone(),
        WebConfig::default(),
        CatalogCache::new(catalog, 0),
    ));
    let entity = &entities[0];
    let cases = [
        ("page /suppliers (all entities)", "/suppliers".to_owned()),
        (
            "page /suppliers, one entity",
            format!("/suppliers?entity={entity}"),
        ),
        (
            "page /suppliers, critical, reaching OT",
            "/suppliers?tier=critical&ot=yes".to_owned(),
        ),
        (
            "API suppliers, first page of 50",
            "/api/v1/suppliers".to_owned(),
        ),
        (
            "API suppliers, one entity, high tier",
            format!("/api/v1/suppliers?entity_id={entity}&tier=high"),
        ),
        (
            "API register figures and attention list",
            "/api/v1/suppliers/overview".to_owned(),
        ),
        (
            "API who reaches OT",
            "/api/v1/suppliers/ot-access".to_owned(),
        ),
        (
            "API exposure of one supplier",
            format!("/api/v1/suppliers/{supplier}/exposure"),
        ),
        ("page one supplier", format!("/suppliers/{supplier}")),
    ];
    let mut first_api = Vec::new();
    for (label, path) in &cases {
        let (times, body) = timed_get(&app, &secret, path, RUNS).await;
        report(name, label, &times, &body);
        if path == "/api/v1/suppliers" {
            first_api = body;
        }
    }
    let first: serde_json::Value = serde_json::from_slice(&first_api).unwrap();
    if let Some(next) = first["next"].as_str() {
        let path = format!("/api/v1/suppliers?after={next}");
        let (times, body) = timed_get(&app, &secret, &path, RUNS).await;
        report(name, "API suppliers, after a cursor", &times, &body);
    }
    let (times, body) = timed_get(&app, &secret, "/api/v1/suppliers/export?format=xlsx", 5).await;
    report(
        name,
        "API export, every supplier as XLSX (5 runs)",
        &times,
        &body,
    );
    println!(
        "{name:<9} resident memory at the end: {}",
        support::resident_memory()
    );
}

fn main() {
    let suppliers = std::env::var("HYGEIA_BENCH_SUPPLIERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let only = std::env::var("HYGEIA_BENCH_ONLY").ok();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for db in testing::all().await {
            if only.as_deref().is_none_or(|engine| engine == db.name) {
                run(db, suppliers).await;
            }
        }
    });
}
