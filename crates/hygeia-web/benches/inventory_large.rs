//! The inventory of a pharmaceutical group at scale: 50,000 assets and 100,000 flows over 5
//! plants, pushed through the real sensor merge in batches of 1,000, then the asset and flow
//! lists, filters, search, deep pages and the pages timed through the real router (in process)
//! on a real database.
//!
//! `cargo bench -p hygeia-web --bench inventory_large` (SQLite; PostgreSQL too when
//! `HYGEIA_TEST_POSTGRES_URL` is set; `HYGEIA_BENCH_ONLY=sqlite|postgres` runs one of them;
//! `HYGEIA_BENCH_ASSETS` / `HYGEIA_BENCH_FLOWS` change the size). Prints the ingest rate, then p50 / p95 / max and the body size per request over 50
//! runs (target p95 < 50 ms), `wrk -c64` on the asset list, and the resident memory of the
//! serving process.
//!
//! The dataset is the same on every run: asset `n` of plant `p` has the address
//! `10.p.(n / 250).(n % 250)`, a role, vendor, model and firmware that cycle, and a name such
//! as `historian-012`; each plant's zone policy makes cells of 1,000 assets (a /22 each) at
//! Purdue levels 1 to 3; flows join assets of the same plant, mostly within a cell.
//!
//! The dataset is built by a child process (this same program, run with
//! `HYGEIA_BENCH_GENERATE_INTO` set to the database), which then refreshes the planner's
//! statistics as an operator would after a bulk load (`Store::optimize`); the parent only
//! serves, so its resident memory is the server's.

use std::time::Instant;

use hygeia_catalog::Catalog;
use hygeia_domain::org::EntityInput;
use hygeia_store::monitoring::ObservedReport;
use hygeia_store::testing::{self, TestDb, test_clock};
use hygeia_store::{Actor, Store};
use hygeia_web::catalog::CatalogCache;
use hygeia_web::{AppState, WebConfig, router};

#[path = "support/mod.rs"]
mod support;

const PLANTS: usize = 5;
const ITERATIONS: usize = 50;
const BATCH: usize = 1_000;
const ROLES: [&str; 8] = [
    "plc",
    "hmi",
    "historian",
    "engineering_workstation",
    "io",
    "drive",
    "workstation",
    "printer",
];
const PROTOCOLS: [&str; 5] = ["s7comm", "modbus", "enip", "opcua", "http"];
const MODELS: [(&str, &str); 4] = [
    ("Siemens AG", "6ES7 315-2EH14-0AB0"),
    ("Rockwell Automation", "1769-L33ER"),
    ("Schneider Electric", "BMEP582040"),
    ("Dell Inc.", "OptiPlex 7090"),
];

fn size(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn address(plant: usize, n: usize) -> String {
    format!("10.{plant}.{}.{}", n / 250, n % 250)
}

/// Assets `range` of one plant, seen over the month before the test clock.
fn assets(plant: usize, range: std::ops::Range<usize>) -> Vec<serde_json::Value> {
    range
        .map(|n| {
            let role = ROLES[n % ROLES.len()];
            let (vendor, model) = MODELS[n % MODELS.len()];
            serde_json::json!({
                "id": format!("ip:{}", address(plant, n)),
                "ips": [address(plant, n)],
                "names": [format!("{role}-{n:03}")],
                "vendor": vendor, "model": model,
                "firmware": format!("V{}.{}.{}", 2 + n % 3, n % 10, n % 17),
                "roles": [role], "protocols": [PROTOCOLS[n % PROTOCOLS.len()]],
                "first_seen": "2026-02-01T08:00:00Z",
                "last_seen": format!("2026-02-{:02}T{:02}:{:02}:00Z", 2 + n % 27, n % 24, n % 60),
                "packets_sent": 100 + n % 900
            })
        })
        .collect()
}

/// Flows `range` of one plant between its `per_plant` assets.
fn flows(plant: usize, per_plant: usize, range: std::ops::Range<usize>) -> Vec<serde_json::Value> {
    range
        .map(|n| {
            let src = (n * 7) % per_plant;
            let dst = (src + 1 + (n * 131) % 97 + if n % 10 == 0 { 400 } else { 0 }) % per_plant;
            let ops = match n % 5 {
                0 => serde_json::json!(["read", "write"]),
                1 => serde_json::json!(["program"]),
                _ => serde_json::json!(["read"]),
            };
            serde_json::json!({
                "src": address(plant, src), "dst": address(plant, dst),
                "protocol": PROTOCOLS[n % PROTOCOLS.len()],
                "packets": 10 + (n * 37) % 5_000, "bytes": 5_000, "operations": ops,
                "first_seen": "2026-02-01T08:00:00Z", "last_seen": "2026-02-28T08:00:00Z"
            })
        })
        .collect()
}

fn report(assets: Vec<serde_json::Value>, flows: Vec<serde_json::Value>) -> ObservedReport {
    serde_json::from_value(serde_json::json!({"assets": assets, "flows": flows})).unwrap()
}

/// Plant `plant`'s zones: cells of 1,000 assets, four /24 networks each, at Purdue level 1
/// (seven cells in ten), 2 (two) or 3 (one).
fn zone_policy(plant: usize, per_plant: usize) -> String {
    let mut policy = String::new();
    for cell in 0..per_plant.div_ceil(1_000) {
        let level = match cell % 10 {
            0..=6 => 1,
            7 | 8 => 2,
            _ => 3,
        };
        policy.push_str(&format!(
            "[[zone]]\nname = \"Cell {cell:02}\"\ncidrs = [\"10.{plant}.{}.0/22\"]\npurdue_level = {level}\n\n",
            cell * 4
        ));
    }
    policy
}

/// Builds the inventory through the sensor merge; returns the entity ids.
async fn generate(store: &Store, asset_count: usize, flow_count: usize) -> Vec<String> {
    let actor = Actor::system();
    let org = store
        .ensure_organisation(&actor, "Groupe pharmaceutique Exemple")
        .await
        .unwrap();
    let mut entities = Vec::new();
    for plant in 0..PLANTS {
        let entity = store
            .create_entity(
                &actor,
                &org.id,
                &EntityInput {
                    name: format!("Usine {plant}"),
                    country: "FR".into(),
                    entity_type: "basic_pharmaceutical_manufacturing".into(),
                    employees: 600,
                    annual_turnover_eur: Some(150_000_000),
                    balance_sheet_eur: Some(120_000_000),
                    ..EntityInput::default()
                },
                |_| true,
            )
            .await
            .unwrap();
        entities.push(entity.id);
    }
    let per_plant = asset_count / PLANTS;
    for (plant, entity) in entities.iter().enumerate() {
        store
            .set_zone_policy(&actor, entity, &zone_policy(plant, per_plant))
            .await
            .unwrap();
    }
    let started = Instant::now();
    for (plant, entity) in entities.iter().enumerate() {
        for start in (0..per_plant).step_by(BATCH) {
            let end = (start + BATCH).min(per_plant);
            store
                .ingest_observations(
                    &actor,
                    entity,
                    "sensor",
                    &report(assets(plant, start..end), vec![]),
                )
                .await
                .unwrap();
        }
    }
    let assets_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let flows_per_plant = flow_count / PLANTS;
    for (plant, entity) in entities.iter().enumerate() {
        for start in (0..flows_per_plant).step_by(BATCH) {
            let end = (start + BATCH).min(flows_per_plant);
            store
                .ingest_observations(
                    &actor,
                    entity,
                    "sensor",
                    &report(vec![], flows(plant, per_plant, start..end)),
                )
                .await
                .unwrap();
        }
    }
    let flows_secs = started.elapsed().as_secs_f64();
    eprintln!(
        "ingest: {asset_count} assets in {assets_secs:.1} s ({:.0}/s), {flow_count} flows in {flows_secs:.1} s ({:.0}/s), batches of {BATCH}",
        asset_count as f64 / assets_secs,
        flow_count as f64 / flows_secs
    );
    entities
}

async fn time(db_name: &str, app: &axum::Router, secret: &str, label: &str, path: &str) -> Vec<u8> {
    let (times, body) = support::timed_get(app, secret, path, ITERATIONS).await;
    support::report(db_name, label, &times, &body);
    body
}

fn next_of(body: &[u8]) -> String {
    let page: serde_json::Value = serde_json::from_slice(body).unwrap();
    page["next"].as_str().expect("a next cursor").to_owned()
}

/// The child's part: builds the dataset in the database at `url`, refreshes the planner's
/// statistics, and prints the entity ids and an administrator's token as JSON.
async fn generate_into(url: &str, asset_count: usize, flow_count: usize) {
    let url = hygeia_store::DatabaseUrl::parse(url).unwrap();
    let store = Store::open(&url, test_clock()).await.unwrap();
    let entities = generate(&store, asset_count, flow_count).await;
    let started = Instant::now();
    store.optimize().await.unwrap();
    eprintln!(
        "planner statistics refreshed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let actor = Actor::system();
    let org = store
        .ensure_organisation(&actor, "Groupe pharmaceutique Exemple")
        .await
        .unwrap();
    let secret = support::admin_token(&store, &org.id, "rssi@exemple-pharma.fr").await;
    println!(
        "{}",
        serde_json::json!({"entities": entities, "secret": secret})
    );
}

/// Runs the child that builds the dataset into `db`; returns the entity ids and the token.
fn generated(db: &TestDb) -> (Vec<String>, String) {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .env("HYGEIA_BENCH_GENERATE_INTO", db.url.to_string())
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap();
    assert!(output.status.success(), "the dataset generator failed");
    let line = String::from_utf8_lossy(&output.stdout);
    let out: serde_json::Value = serde_json::from_str(line.trim().lines().last().unwrap()).unwrap();
    let entities = out["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_owned())
        .collect();
    (entities, out["secret"].as_str().unwrap().to_owned())
}

async fn run(db: TestDb, asset_count: usize) {
    let (entities, secret) = generated(&db);
    let store = db.store(test_clock()).await;
    let app = router(AppState::new(
        store.clone(),
        WebConfig::default(),
        CatalogCache::new(Catalog::load_embedded().unwrap(), 0),
    ));
    let name = db.name;
    let first = time(
        name,
        &app,
        &secret,
        "API assets, first page of 50",
        "/api/v1/assets",
    )
    .await;
    let deep = asset_count.saturating_sub(50);
    time(
        name,
        &app,
        &secret,
        "API assets, offset = total - 50",
        &format!("/api/v1/assets?offset={deep}&limit=50"),
    )
    .await;
    let cursor = next_of(&first);
    time(
        name,
        &app,
        &secret,
        "API assets, after a cursor",
        &format!("/api/v1/assets?after={cursor}"),
    )
    .await;
    time(
        name,
        &app,
        &secret,
        "API assets, role=plc",
        "/api/v1/assets?role=plc",
    )
    .await;
    time(
        name,
        &app,
        &secret,
        "API assets, q=historian-012",
        "/api/v1/assets?q=historian-012",
    )
    .await;
    time(
        name,
        &app,
        &secret,
        "API assets, q=10.3.1 (address prefix)",
        "/api/v1/assets?q=10.3.1",
    )
    .await;
    time(
        name,
        &app,
        &secret,
        "API assets, one plant, protocol=opcua",
        &format!("/api/v1/assets?entity_id={}&protocol=opcua", entities[2]),
    )
    .await;
    let flows = time(
        name,
        &app,
        &secret,
        "API flows, first page of 50",
        "/api/v1/flows",
    )
    .await;
    let cursor = next_of(&flows);
    time(
        name,
        &app,
        &secret,
        "API flows, after a cursor",
        &format!("/api/v1/flows?after={cursor}"),
    )
    .await;
    time(
        name,
        &app,
        &secret,
        "API flows, one endpoint",
        &format!("/api/v1/flows?endpoint={}", address(1, 120)),
    )
    .await;
    time(name, &app, &secret, "page /assets", "/assets").await;
    let last_page = asset_count / 50;
    time(
        name,
        &app,
        &secret,
        "page /assets?page=last",
        &format!("/assets?page={last_page}"),
    )
    .await;
    time(
        name,
        &app,
        &secret,
        "page /assets?q=historian",
        "/assets?q=historian",
    )
    .await;
    time(
        name,
        &app,
        &secret,
        "page /assets/map (every plant)",
        "/assets/map",
    )
    .await;
    let plant = &entities[2];
    time(
        name,
        &app,
        &secret,
        "page /assets/map, one plant",
        &format!("/assets/map?entity={plant}"),
    )
    .await;
    time(
        name,
        &app,
        &secret,
        "page /assets/map, one zone (1,000 assets)",
        &format!("/assets/map?entity={plant}&place=zone%3ACell+03"),
    )
    .await;
    let found = time(
        name,
        &app,
        &secret,
        "API assets, q=10.2.13.7 (an address)",
        "/api/v1/assets?q=10.2.13.7",
    )
    .await;
    let found: serde_json::Value = serde_json::from_slice(&found).unwrap();
    let asset = found["items"][0]["id"].as_str().unwrap().to_owned();
    time(
        name,
        &app,
        &secret,
        "page /assets/map, one asset's neighbours",
        &format!("/assets/map?asset={asset}"),
    )
    .await;
    time(name, &app, &secret, "page / (dashboard)", "/").await;
    under_load(name, app, &secret).await;
}

/// `wrk -t2 -c64 -d10s` on `GET /api/v1/assets` against the same router served over loopback
/// (skipped, and said so, where wrk is not installed), then the process's resident memory.
async fn under_load(name: &str, app: axum::Router, secret: &str) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let header = format!("Authorization: Bearer {secret}");
    let url = format!("http://127.0.0.1:{port}/api/v1/assets");
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("wrk")
            .args(["-t2", "-c64", "-d10s", "--latency", "-H", &header, &url])
            .output()
    })
    .await
    .unwrap();
    match output {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            for line in text.lines().filter(|l| {
                let l = l.trim_start();
                l.starts_with("Requests/sec")
                    || l.starts_with("Latency")
                    || l.starts_with("99%")
                    || l.starts_with("50%")
                    || l.contains("requests in")
                    || l.starts_with("Non-2xx")
            }) {
                println!("{name:<9} wrk -c64 /api/v1/assets: {}", line.trim());
            }
        }
        Ok(out) => println!(
            "{name:<9} wrk failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => {
            println!("{name:<9} wrk not run ({e}): install Debian's wrk to measure under load")
        }
    }
    server.abort();
    println!(
        "{name:<9} serving process after the load: {}",
        support::resident_memory()
    );
}

fn main() {
    let asset_count = size("HYGEIA_BENCH_ASSETS", 50_000);
    let flow_count = size("HYGEIA_BENCH_FLOWS", 100_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if let Ok(url) = std::env::var("HYGEIA_BENCH_GENERATE_INTO") {
        runtime.block_on(generate_into(&url, asset_count, flow_count));
        return;
    }
    // `HYGEIA_BENCH_ONLY=sqlite` or `postgres` runs one engine, so that the resident memory
    // printed at the end is that engine's serving process alone.
    let only = std::env::var("HYGEIA_BENCH_ONLY").ok();
    runtime.block_on(async {
        for db in testing::all().await {
            if only.as_deref().is_none_or(|engine| engine == db.name) {
                run(db, asset_count).await;
            }
        }
    });
}
