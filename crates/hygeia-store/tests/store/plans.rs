//! An index serves every read of the inventory on both engines: the plans of its lists,
//! filters, search, deep pages, busiest flows and change log (built by the store's own code,
//! see `Store::inventory_plans`) never scan a whole table.

use hygeia_store::monitoring::ObservedReport;

use super::*;

/// Tables that grow with the inventory (and the aliases the findings list gives them).
const LARGE: [&str; 8] = [
    "assets",
    "asset_flows",
    "asset_terms",
    "asset_events",
    "monitor_findings",
    "finding_reviews",
    "f",
    "r",
];

const ROLES: [&str; 4] = ["plc", "hmi", "historian", "io"];
const PROTOCOLS: [&str; 3] = ["s7comm", "modbus", "opcua"];

fn inventory(plant: usize) -> ObservedReport {
    let address = |n: usize| format!("10.{plant}.{}.{}", n / 250, n % 250);
    let assets: Vec<serde_json::Value> = (0..2_000)
        .map(|n| {
            let role = ROLES[n % 4];
            serde_json::json!({
                "id": format!("ip:{}", address(n)), "ips": [address(n)],
                "names": [format!("{role}-{n:03}")],
                "roles": [role],
                "protocols": [PROTOCOLS[n % 3]],
                "first_seen": "2026-02-01T08:00:00Z",
                "last_seen": format!("2026-02-{:02}T08:{:02}:00Z", 2 + n % 27, n % 60),
            })
        })
        .collect();
    let flows: Vec<serde_json::Value> = (0..4_000)
        .map(|n| {
            serde_json::json!({
                "src": address((n * 7) % 2_000), "dst": address((n * 13 + 1) % 2_000),
                "protocol": PROTOCOLS[n % 3], "packets": 10 + n % 500,
                "operations": ["read"],
                "first_seen": "2026-02-01T08:00:00Z", "last_seen": "2026-02-28T08:00:00Z",
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({"assets": assets, "flows": flows})).unwrap()
}

/// A step that reads a whole large table, if the plan has one.
fn full_scan(backend: &str, step: &str) -> bool {
    match backend {
        // `SCAN t` alone reads the table; `SCAN t USING INDEX i` walks an index in order
        // (a list's first page stops after its rows) and `SEARCH` seeks.
        "sqlite" => {
            let step = step.trim();
            step.strip_prefix("SCAN ").is_some_and(|rest| {
                let table = rest.split_whitespace().next().unwrap_or_default();
                LARGE.contains(&table) && !rest.contains("USING")
            })
        }
        _ => LARGE.iter().any(|t| {
            step.contains(&format!("Seq Scan on {t} "))
                || step.ends_with(&format!("Seq Scan on {t}"))
        }),
    }
}

#[tokio::test]
async fn every_inventory_read_is_served_by_an_index() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let mut plants = Vec::new();
        for plant in 0..2 {
            let created = store
                .create_entity(
                    &admin_actor(),
                    &org,
                    &entity(&format!("Usine {plant}")),
                    any_type,
                )
                .await
                .unwrap();
            let policy =
                "[[zone]]\nname = \"Cell 03\"\ncidrs = [\"10.1.4.0/22\"]\npurdue_level = 1\n";
            store
                .set_zone_policy(&admin_actor(), &created.id, policy)
                .await
                .unwrap();
            store
                .ingest_observations(&admin_actor(), &created.id, "s1", &inventory(plant))
                .await
                .unwrap();
            plants.push(created.id);
        }
        store.optimize().await.unwrap();
        let plans = store.inventory_plans(&plants[1], true).await.unwrap();
        assert_eq!(
            plans.len(),
            28,
            "{name}: fourteen reads, count and rows each"
        );
        let mut scans = Vec::new();
        for plan in &plans {
            eprintln!("{name}: {}\n  {}", plan.label, plan.plan.join("\n  "));
            for step in &plan.plan {
                if full_scan(name, step) {
                    scans.push(format!("{}: {step}", plan.label));
                }
            }
        }
        assert!(scans.is_empty(), "{name}: whole-table scans: {scans:#?}");
    }
}
