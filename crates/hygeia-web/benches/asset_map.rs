//! Server time, size and readability of the communication map of one plant with 1,000
//! discovered assets: a zone policy of 10 zones over Purdue levels 0 to 4 (plus a network no
//! zone covers), about 3,000 flows between them pushed through the sensor merge, through the
//! real router (in process) on a real database.
//!
//! `cargo bench -p hygeia-web --bench asset_map` (SQLite; PostgreSQL too when
//! `HYGEIA_TEST_POSTGRES_URL` is set). Prints p50 / p95 / max and the body size per page
//! (target: p95 < 50 ms), and what the diagram draws: boxes, lines, and whether any label was
//! cut without its full name being written in the lists below it.

use std::time::Instant;

use hygeia_catalog::Catalog;
use hygeia_domain::org::EntityInput;
use hygeia_store::Actor;
use hygeia_store::monitoring::ObservedReport;
use hygeia_store::testing::{self, TestDb, test_clock};
use hygeia_web::catalog::CatalogCache;
use hygeia_web::{AppState, WebConfig, router};

#[path = "support/mod.rs"]
mod support;

const ASSETS: usize = 1_000;
const FLOWS: usize = 3_000;
const ITERATIONS: usize = 100;

/// Name, Purdue level, /24 prefix, share of the assets (per thousand).
const ZONES: [(&str, u8, &str, usize); 10] = [
    (
        "offices-headquarters-and-pharmacovigilance",
        4,
        "10.10.0",
        180,
    ),
    ("qc-laboratory-instruments", 4, "10.30.0", 90),
    ("dmz", 3, "172.16.0", 30),
    ("site-operations-mes-and-batch-records", 3, "10.40.0", 60),
    ("supervision", 2, "192.168.1", 80),
    ("engineering", 2, "192.168.2", 20),
    ("filling-line-1", 1, "192.168.10", 150),
    ("filling-line-2", 1, "192.168.11", 150),
    (
        "sterile-utilities-hvac-and-clean-steam",
        1,
        "192.168.12",
        120,
    ),
    ("field-instruments", 0, "192.168.20", 100),
];
/// Assets outside every zone (a forgotten contractor network).
const UNZONED: (&str, usize) = ("10.99.0", 20);

fn policy() -> String {
    let mut text = String::from("unzoned = \"report\"\n");
    for (name, level, prefix, _) in ZONES {
        text.push_str(&format!(
            "\n[[zone]]\nname = \"{name}\"\ncidrs = [\"{prefix}.0/24\"]\npurdue_level = {level}\ntarget_sl = 2\n"
        ));
    }
    // Conduits down the levels, read-only from the offices to the DMZ.
    for (from, to, ops) in [
        ("supervision", "filling-line-1", "[\"read\", \"write\"]"),
        ("supervision", "filling-line-2", "[\"read\", \"write\"]"),
        (
            "supervision",
            "sterile-utilities-hvac-and-clean-steam",
            "[\"read\"]",
        ),
        ("engineering", "filling-line-1", "[]"),
        ("dmz", "supervision", "[\"read\"]"),
    ] {
        text.push_str(&format!(
            "\n[[conduit]]\nfrom = \"{from}\"\nto = \"{to}\"\noperations = {ops}\n"
        ));
    }
    text
}

/// The assets' addresses: each zone's share, then the unzoned network.
fn addresses() -> Vec<(String, &'static str)> {
    let mut out = Vec::new();
    for (_, level, prefix, share) in ZONES {
        let role = match level {
            0 => "io",
            1 => "plc",
            2 => "hmi",
            _ => "workstation",
        };
        for host in 0..share * ASSETS / 1_000 {
            out.push((format!("{prefix}.{}", host + 1), role));
        }
    }
    for host in 0..UNZONED.1 {
        out.push((format!("{}.{}", UNZONED.0, host + 1), "workstation"));
    }
    out
}

fn report(addresses: &[(String, &'static str)]) -> ObservedReport {
    let assets: Vec<serde_json::Value> = addresses
        .iter()
        .enumerate()
        .map(|(n, (ip, role))| {
            serde_json::json!({
                "id": format!("ip:{ip}"), "ips": [ip], "names": [format!("asset-{n:04}")],
                "vendor": "Siemens", "model": "S7-1500", "roles": [role], "protocols": ["s7comm"],
                "first_seen": "2026-11-01T08:00:00Z", "last_seen": "2026-11-30T08:00:00Z",
                "packets_sent": 100
            })
        })
        .collect();
    // Flows mostly within and between neighbouring levels, a few across the plant.
    let flows: Vec<serde_json::Value> = (0..FLOWS)
        .map(|n| {
            let src = n * 7 % addresses.len();
            let dst =
                (src + 1 + (n * 131) % 97 + if n % 10 == 0 { 400 } else { 0 }) % addresses.len();
            let protocol = ["s7comm", "modbus", "opcua", "enip"][n % 4];
            let ops = match n % 5 {
                0 => serde_json::json!(["read", "write"]),
                1 => serde_json::json!(["program"]),
                _ => serde_json::json!(["read"]),
            };
            serde_json::json!({
                "src": addresses[src].0, "dst": addresses[dst].0, "protocol": protocol,
                "packets": 50, "bytes": 5_000, "operations": ops,
                "first_seen": "2026-11-01T08:00:00Z", "last_seen": "2026-11-30T08:00:00Z"
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({"assets": assets, "flows": flows})).unwrap()
}

async fn time(db_name: &str, app: &axum::Router, secret: &str, label: &str, path: &str) -> String {
    let (times, body) = support::timed_get(app, secret, path, ITERATIONS).await;
    support::report(db_name, label, &times, &body);
    String::from_utf8(body).unwrap()
}

/// What the diagram draws, and whether every zone's full name is written on the page.
fn readability(html: &str) -> String {
    let boxes = html.matches("<rect").count();
    let lines = html.matches("<line").count();
    let missing: Vec<&str> = ZONES
        .iter()
        .map(|z| z.0)
        .filter(|name| !html.contains(name))
        .collect();
    format!(
        "{boxes} boxes, {lines} lines drawn; zone names missing in full from the page: {}",
        if missing.is_empty() {
            "none".to_owned()
        } else {
            missing.join(", ")
        }
    )
}

async fn run(db: TestDb) {
    let store = db.store(test_clock()).await;
    let actor = Actor::system();
    let org = store
        .ensure_organisation(&actor, "Laboratoires Exemple")
        .await
        .unwrap();
    let plant = store
        .create_entity(
            &actor,
            &org.id,
            &EntityInput {
                name: "Usine de Vienne".into(),
                country: "FR".into(),
                entity_type: "basic_pharmaceutical_manufacturing".into(),
                employees: 900,
                annual_turnover_eur: Some(250_000_000),
                balance_sheet_eur: Some(200_000_000),
                ..EntityInput::default()
            },
            |_| true,
        )
        .await
        .unwrap();
    store
        .set_zone_policy(&actor, &plant.id, &policy())
        .await
        .unwrap();
    let addresses = addresses();
    let started = Instant::now();
    let summary = store
        .ingest_observations(&actor, &plant.id, "sensor-plant", &report(&addresses))
        .await
        .unwrap();
    eprintln!(
        "{}: {} assets, {} flows merged in {:.1} s",
        db.name,
        summary.assets_new,
        summary.flows_new,
        started.elapsed().as_secs_f64()
    );
    let secret = support::admin_token(&store, &org.id, "rssi@exemple-pharma.fr").await;
    let catalog = Catalog::load_embedded().unwrap();
    let app = router(AppState::new(
        store.clone(),
        WebConfig::default(),
        CatalogCache::new(catalog, 0),
    ));
    let map = time(
        db.name,
        &app,
        &secret,
        "page /assets/map (all entities)",
        "/assets/map",
    )
    .await;
    println!("{:<9} {}", db.name, readability(&map));
    let path = format!("/assets/map?entity={}", plant.id);
    let one = time(db.name, &app, &secret, "page /assets/map?entity=…", &path).await;
    println!("{:<9} {}", db.name, readability(&one));
    let zone = format!(
        "/assets/map?entity={}&place=zone%3Aoffices-headquarters-and-pharmacovigilance",
        plant.id
    );
    time(
        db.name,
        &app,
        &secret,
        "page /assets/map, the largest zone",
        &zone,
    )
    .await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for db in testing::all().await {
            run(db).await;
        }
    });
}
