//! The risk register at group scale (issue 14): 10,000 risks over 5 entities, rated on the
//! default 5×5 matrix (inherent, current and for half of them residual), a third with a
//! treatment plan of two actions, each threatening one of 20 processes per entity run at one of
//! two sites; then the register page and API, a heat-map cell, the heat map (whole, of one
//! process, of one site) and the figures timed: p50 / p95 / max over 50 requests each.
//!
//! `cargo bench -p hygeia-web --bench risks_large` (PostgreSQL too when
//! `HYGEIA_TEST_POSTGRES_URL` is set; `HYGEIA_BENCH_ONLY=sqlite|postgres` runs one;
//! `HYGEIA_BENCH_RISKS` changes the size).

#[path = "support/mod.rs"]
mod support;

use std::time::Instant;

use hygeia_catalog::Catalog;
use hygeia_domain::access::EntityScope;
use hygeia_domain::org::{SiteInput, SiteKind};
use hygeia_domain::risks::ImpactDimension;
use hygeia_domain::risks::plan::ActionInput;
use hygeia_domain::risks::processes::ProcessInput;
use hygeia_domain::risks::rating::{ImpactRating, RatingInput};
use hygeia_domain::risks::register::RiskInput;
use hygeia_store::risks::RiskLinks;
use hygeia_store::testing::{self, TestDb, test_clock};
use hygeia_store::{Actor, Store};
use hygeia_web::catalog::CatalogCache;
use hygeia_web::{AppState, WebConfig, router};
use support::{admin_token, report, timed_get};

const RUNS: usize = 50;
const ENTITIES: usize = 5;
const PROCESSES: usize = 20;

fn rating(likelihood: u8, impact: u8) -> RatingInput {
    RatingInput {
        likelihood,
        likelihood_justification: "observed in the sector".into(),
        impacts: vec![
            ImpactRating {
                dimension: ImpactDimension::ProductionContinuity,
                value: impact,
                justification: "the line stops".into(),
            },
            ImpactRating {
                dimension: ImpactDimension::Confidentiality,
                value: impact.saturating_sub(1).max(1),
                justification: "records exposed".into(),
            },
        ],
    }
}

async fn generate(store: &Store, catalog: &Catalog, risks: usize) -> Generated {
    let actor = Actor::system();
    let org = store
        .ensure_organisation(&actor, "Groupe Pharma")
        .await
        .unwrap();
    let mut entities = Vec::new();
    for e in 0..ENTITIES {
        let input = support::pharma_entity(&format!("Site {e}"));
        let entity = store
            .create_entity(&actor, &org.id, &input, |_| true)
            .await
            .unwrap();
        entities.push(entity.id);
    }
    let scope = EntityScope::All;
    // Per entity: two sites, twenty processes run at one of them.
    let mut processes: Vec<Vec<String>> = Vec::new();
    let mut sites = Vec::new();
    for entity in &entities {
        let mut of_entity = Vec::new();
        let mut site_ids = Vec::new();
        for s in 0..2 {
            let site = SiteInput {
                name: format!("Plant {s}"),
                kind: SiteKind::Plant,
                city: "Compiègne".into(),
                country: "FR".into(),
            };
            site_ids.push(store.create_site(&actor, entity, &site).await.unwrap().id);
        }
        for p in 0..PROCESSES {
            let input = ProcessInput {
                name: format!("Line {p}"),
                confidentiality: 2,
                integrity: 4,
                availability: 3,
                product_quality: true,
                ..ProcessInput::default()
            };
            let process = store
                .create_process(&actor, &scope, entity, &input)
                .await
                .unwrap();
            store
                .set_process_links(&actor, &scope, &process.id, &[], &[site_ids[p % 2].clone()])
                .await
                .unwrap();
            of_entity.push(process.id);
        }
        processes.push(of_entity);
        sites.push(site_ids);
    }
    let treatments = ["mitigate", "transfer", "avoid", "mitigate"];
    for n in 0..risks {
        let entity = &entities[n % ENTITIES];
        let likelihood = (n % 5) as u8 + 1;
        let impact = ((n / 5) % 5) as u8 + 1;
        let input = RiskInput {
            title: format!("Scenario {n}: set points altered on line {}", n % 40),
            inherent: Some(rating(likelihood, impact)),
            current: Some(rating(likelihood.saturating_sub(1).max(1), impact)),
            residual: (n % 2 == 0).then(|| rating(1, impact.saturating_sub(1).max(1))),
            treatment: (n % 7 != 0).then(|| treatments[n % treatments.len()].to_owned()),
            ..RiskInput::default()
        };
        let risk = store
            .create_risk(
                &actor,
                &scope,
                catalog,
                entity,
                &input,
                &RiskLinks::default(),
                Ok(()),
            )
            .await
            .unwrap();
        let threatened = processes[n % ENTITIES][(n / ENTITIES) % PROCESSES].clone();
        store
            .set_risk_processes(&actor, &scope, &risk.id, &[threatened])
            .await
            .unwrap();
        if n % 3 == 0 {
            for (title, due) in [
                ("Segment the line", "2026-01-31"),
                ("Train operators", "2026-12-31"),
            ] {
                let action = ActionInput {
                    title: title.into(),
                    due_on: Some(due.into()),
                    ..ActionInput::default()
                };
                store
                    .add_risk_action(&actor, &scope, &risk.id, &action)
                    .await
                    .unwrap();
            }
        }
    }
    Generated {
        entities,
        process: processes[0][0].clone(),
        site: sites[0][0].clone(),
    }
}

/// What the timed requests name: the entities, one process and one site of the first.
struct Generated {
    entities: Vec<String>,
    process: String,
    site: String,
}

async fn run(db: TestDb, risks: usize) {
    let name = db.name;
    let store = db.store(test_clock()).await;
    let catalog = Catalog::load_embedded().unwrap();
    let started = Instant::now();
    let generated = generate(&store, &catalog, risks).await;
    let entities = &generated.entities;
    let (process, site) = (&generated.process, &generated.site);
    println!(
        "{name:<9} {risks} risks generated in {:.1} s",
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
        ("page /risks (all entities)", "/risks".to_owned()),
        ("page /risks, one entity", format!("/risks?entity={entity}")),
        (
            "page /risks, one heat-map cell",
            "/risks?stage=current&likelihood=3&impact=4".to_owned(),
        ),
        (
            "page /risks, one process",
            format!("/risks?process={process}"),
        ),
        ("page /risks, one site", format!("/risks?site={site}")),
        ("page / (dashboard with its risk section)", "/".to_owned()),
        ("API risks, first page of 50", "/api/v1/risks".to_owned()),
        (
            "API risks, one entity, undecided",
            format!("/api/v1/risks?entity_id={entity}&treatment=none"),
        ),
        ("API heat map, current", "/api/v1/risks/heat-map".to_owned()),
        (
            "API heat map, residual, one entity",
            format!("/api/v1/risks/heat-map?stage=residual&entity_id={entity}"),
        ),
        (
            "API heat map, one process",
            format!("/api/v1/risks/heat-map?process_id={process}"),
        ),
        (
            "API heat map, one site",
            format!("/api/v1/risks/heat-map?site_id={site}"),
        ),
        ("API register figures", "/api/v1/risks/overview".to_owned()),
    ];
    let mut first_api = Vec::new();
    for (label, path) in &cases {
        let (times, body) = timed_get(&app, &secret, path, RUNS).await;
        report(name, label, &times, &body);
        if path == "/api/v1/risks" {
            first_api = body;
        }
    }
    let first: serde_json::Value = serde_json::from_slice(&first_api).unwrap();
    if let Some(next) = first["next"].as_str() {
        let path = format!("/api/v1/risks?after={next}");
        let (times, body) = timed_get(&app, &secret, &path, RUNS).await;
        report(name, "API risks, after a cursor", &times, &body);
    }
    let top = first["items"][0]["id"].as_str().unwrap();
    let (times, body) = timed_get(&app, &secret, &format!("/risks/{top}"), RUNS).await;
    report(name, "page one risk", &times, &body);
    let (times, body) = timed_get(&app, &secret, "/api/v1/risks/export?format=xlsx", 5).await;
    report(
        name,
        "API export, every risk as XLSX (5 runs)",
        &times,
        &body,
    );
    println!(
        "{name:<9} resident memory at the end: {}",
        support::resident_memory()
    );
}

fn main() {
    let risks = std::env::var("HYGEIA_BENCH_RISKS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let only = std::env::var("HYGEIA_BENCH_ONLY").ok();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for db in testing::all().await {
            if only.as_deref().is_none_or(|engine| engine == db.name) {
                run(db, risks).await;
            }
        }
    });
}
