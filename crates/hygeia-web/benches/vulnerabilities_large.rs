//! Vulnerabilities at group scale (issue 13): 50,000 assets over 5 entities, two in five
//! identified with a vendor, an order number taken from the advisories themselves and an old
//! firmware; CISA's CSAF bundle and KEV catalog imported (timed), every asset matched (timed),
//! then the vulnerability list page and its API timed: p50 / p95 / max over 50 requests each.
//!
//! `cargo bench -p hygeia-web --bench vulnerabilities_large` (PostgreSQL too when
//! `HYGEIA_TEST_POSTGRES_URL` is set; `HYGEIA_BENCH_ONLY=sqlite|postgres` runs one;
//! `HYGEIA_BENCH_ASSETS` changes the size). Needs `../shared/advisories` (skips without it).

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::time::Instant;

use hygeia_advisories::Feed;
use hygeia_catalog::Catalog;
use hygeia_store::monitoring::ObservedReport;
use hygeia_store::testing::{self, TestDb, test_clock};
use hygeia_store::{Actor, Store};
use hygeia_web::catalog::CatalogCache;
use hygeia_web::{AppState, WebConfig, router};
use serde_json::json;
use support::{admin_token, report, timed_get};

const RUNS: usize = 50;
const ENTITIES: usize = 5;
const BATCH: usize = 1_000;

fn size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Distinct (vendor, order number) pairs named by the advisories' product trees.
fn models(feed: &Feed) -> Vec<(String, String)> {
    let mut seen = std::collections::BTreeSet::new();
    for advisory in &feed.advisories {
        for product in &advisory.products {
            if let (Some(vendor), Some(model)) = (&product.vendor, product.model_numbers.first())
                && !model.contains('*')
            {
                seen.insert((vendor.clone(), model.clone()));
            }
        }
    }
    seen.into_iter().collect()
}

async fn generate(store: &Store, assets: usize, models: &[(String, String)]) -> Vec<String> {
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
    let per_entity = assets / ENTITIES;
    let roles = ["plc", "hmi", "engineering_workstation", "historian", ""];
    for (e, entity) in entities.iter().enumerate() {
        for start in (0..per_entity).step_by(BATCH) {
            let batch: Vec<_> = (start..(start + BATCH).min(per_entity))
                .map(|i| {
                    let n = e * per_entity + i;
                    let ip = format!("10.{}.{}.{}", e, (i / 250) % 250, i % 250 + 1);
                    let role: Vec<&str> = [roles[n % roles.len()]]
                        .into_iter()
                        .filter(|r| !r.is_empty())
                        .collect();
                    let mut asset = json!({
                        "id": format!("asset-{n}"), "ips": [ip], "names": [format!("station-{n}")],
                        "roles": role,
                        "protocols": ["s7comm"],
                        "first_seen": "2026-11-01T08:00:00Z", "last_seen": "2026-11-02T08:00:00Z",
                    });
                    if n % 5 < 2 {
                        let (vendor, model) = &models[n % models.len()];
                        asset["vendor"] = json!(vendor);
                        asset["model"] = json!(model);
                        asset["firmware"] = json!("V1.0");
                    }
                    asset
                })
                .collect();
            let report: ObservedReport =
                serde_json::from_value(json!({ "assets": batch })).unwrap();
            store
                .ingest_observations(&actor, entity, "bench-sensor", &report)
                .await
                .unwrap();
        }
    }
    entities
}

async fn run(db: TestDb, assets: usize, feed: &Feed, models: &[(String, String)]) {
    let name = db.name;
    let store = db.store(test_clock()).await;
    let started = Instant::now();
    let entities = generate(&store, assets, models).await;
    println!(
        "{name:<9} {assets} assets generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let import = store
        .import_advisories(&Actor::system(), &["bundle".into(), "kev".into()], feed)
        .await
        .unwrap();
    println!(
        "{name:<9} import stored {} advisories and KEV {:?} in {:.2} s",
        import.advisories_new,
        import.kev_version,
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let loaded = store.load_advisory_feed().await.unwrap().unwrap();
    println!(
        "{name:<9} index rebuilt from the database in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    let run = store.match_stale_assets(&loaded, None).await.unwrap();
    println!(
        "{name:<9} matched {} assets in {:.2} s: {} matches, {} assets newly affected",
        run.assets,
        started.elapsed().as_secs_f64(),
        run.matches_new,
        run.assets_newly_affected
    );
    store.optimize().await.unwrap();
    let org = store.organisation().await.unwrap().unwrap();
    let secret = admin_token(&store, &org.id, "bench@example.org").await;
    let app = router(AppState::new(
        store.clone(),
        WebConfig::default(),
        CatalogCache::new(Catalog::load_embedded().unwrap(), 0),
    ));
    let entity = &entities[0];
    let cases = [
        (
            "page /vulnerabilities (to handle, all entities)",
            "/vulnerabilities".to_owned(),
        ),
        (
            "page /vulnerabilities?view=all",
            "/vulnerabilities?view=all".to_owned(),
        ),
        (
            "page /vulnerabilities, one entity",
            format!("/vulnerabilities?entity={entity}"),
        ),
        (
            "page /vulnerabilities, KEV only",
            "/vulnerabilities?kev=1".to_owned(),
        ),
        (
            "page /vulnerabilities, status possibly_affected",
            "/vulnerabilities?status=possibly_affected&view=all".to_owned(),
        ),
        (
            "API vulnerabilities, first page of 50",
            "/api/v1/vulnerabilities".to_owned(),
        ),
        (
            "API vulnerabilities, one entity, open",
            format!("/api/v1/vulnerabilities?entity_id={entity}&open=true"),
        ),
    ];
    let mut first_api = Vec::new();
    for (label, path) in &cases {
        let (times, body) = timed_get(&app, &secret, path, RUNS).await;
        report(name, label, &times, &body);
        if path == "/api/v1/vulnerabilities" {
            first_api = body;
        }
    }
    let first: serde_json::Value = serde_json::from_slice(&first_api).unwrap();
    println!(
        "{name:<9} matches listed: total {} (exceeds: {})",
        first["total"], first["total_exceeds"]
    );
    if let Some(next) = first["next"].as_str() {
        let path = format!("/api/v1/vulnerabilities?after={next}");
        let (times, body) = timed_get(&app, &secret, &path, RUNS).await;
        report(name, "API vulnerabilities, after a cursor", &times, &body);
    }
    let top = &first["items"][0];
    for (label, path) in [
        (
            "page one match",
            format!("/vulnerabilities/{}", top["id"].as_str().unwrap()),
        ),
        (
            "page one advisory",
            format!(
                "/vulnerabilities/advisories/{}",
                top["advisory_id"].as_str().unwrap()
            ),
        ),
        (
            "page one asset (with its matches)",
            format!("/assets/{}", top["asset_id"].as_str().unwrap()),
        ),
    ] {
        let (times, body) = timed_get(&app, &secret, &path, RUNS).await;
        report(name, label, &times, &body);
    }
    println!(
        "{name:<9} resident memory at the end: {}",
        support::resident_memory()
    );
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/advisories");
    let files = [
        dir.join("cisa-csaf-2024-10-24.tar.gz"),
        dir.join("cisa-kev-2025-08-25.json"),
    ];
    if files.iter().any(|f| !f.is_file()) {
        println!("skipped: {} not found", dir.display());
        return;
    }
    let assets = size("HYGEIA_BENCH_ASSETS", 50_000);
    let started = Instant::now();
    let feed = Feed::read_all(&files).unwrap();
    println!(
        "feed read from files in {:.2} s: {} advisories",
        started.elapsed().as_secs_f64(),
        feed.advisories.len()
    );
    let models = models(&feed);
    println!(
        "{} distinct order numbers named by the advisories",
        models.len()
    );
    let only = std::env::var("HYGEIA_BENCH_ONLY").ok();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for db in testing::all().await {
            if only.as_deref().is_none_or(|engine| engine == db.name) {
                run(db, assets, &feed, &models).await;
            }
        }
    });
}
