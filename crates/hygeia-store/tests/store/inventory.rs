//! The inventory read by key: cursor pages that neither repeat nor skip while assets arrive,
//! numbered pages that agree with them, and filters and search that give the same answers on
//! both engines (each checked against what the generated data says they must find).

use std::collections::{BTreeMap, BTreeSet};

use hygeia_store::monitoring::{AssetFilter, ObservedReport};

use super::*;

const ROLES: [&str; 4] = ["plc", "hmi", "historian", "workstation"];
const PROTOCOLS: [&str; 3] = ["s7comm", "modbus", "opcua"];

/// Asset `n`: a name, an address in one of three networks, a role and a protocol that cycle,
/// seen at minute `n` of the day (so the list order is known).
fn asset(n: usize, day: &str) -> serde_json::Value {
    serde_json::json!({
        "id": format!("ip:10.{}.{}.{}", n % 3, n / 250, n % 250),
        "ips": [format!("10.{}.{}.{}", n % 3, n / 250, n % 250)],
        "names": [format!("{}-{n:04}", ROLES[n % 4])],
        "vendor": if n.is_multiple_of(2) { "Siemens AG" } else { "Rockwell Automation" },
        "model": if n.is_multiple_of(5) { "S7-1500" } else { "CompactLogix 5380" },
        "roles": [ROLES[n % 4]],
        "protocols": [PROTOCOLS[n % 3]],
        "first_seen": format!("{day}T00:00:00Z"),
        "last_seen": format!("{day}T{:02}:{:02}:00Z", (n / 60) % 24, n % 60),
    })
}

fn batch(range: std::ops::Range<usize>, day: &str) -> ObservedReport {
    let assets: Vec<serde_json::Value> = range.map(|n| asset(n, day)).collect();
    serde_json::from_value(serde_json::json!({ "assets": assets })).unwrap()
}

/// The asset keys a filter finds, in list order, read with cursors 97 at a time.
async fn keys(store: &Store, filter: AssetFilter) -> Vec<String> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list_assets(
                &EntityScope::All,
                &AssetFilter {
                    after: after.clone(),
                    ..filter.clone()
                },
                PageRequest::new(Some(97), None),
            )
            .await
            .unwrap();
        out.extend(page.items.iter().map(|a| a.asset_key.clone()));
        match page.next {
            Some(next) => after = Some(next),
            None => return out,
        }
    }
}

#[tokio::test]
async fn cursor_pages_give_every_asset_once_while_assets_arrive() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let plant = store
            .create_entity(&admin_actor(), &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        for start in (0..1_200).step_by(400) {
            store
                .ingest_observations(
                    &admin_actor(),
                    &plant.id,
                    "s1",
                    &batch(start..start + 400, "2026-03-01"),
                )
                .await
                .unwrap();
        }
        // Read page after page while a sensor adds 300 assets seen later (the list's top).
        let writer = {
            let store = store.clone();
            let entity_id = plant.id.clone();
            tokio::spawn(async move {
                for start in (1_200..1_500).step_by(50) {
                    store
                        .ingest_observations(
                            &admin_actor(),
                            &entity_id,
                            "s2",
                            &batch(start..start + 50, "2026-03-02"),
                        )
                        .await
                        .unwrap();
                }
            })
        };
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = store
                .list_assets(
                    &EntityScope::All,
                    &AssetFilter {
                        entity_id: Some(plant.id.clone()),
                        after: after.clone(),
                        ..AssetFilter::default()
                    },
                    PageRequest::new(Some(50), None),
                )
                .await
                .unwrap();
            pages += 1;
            for a in &page.items {
                *seen.entry(a.asset_key.clone()).or_default() += 1;
            }
            tokio::task::yield_now().await;
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        writer.await.unwrap();
        assert!(pages >= 24, "{name}: {pages} pages");
        assert!(
            seen.values().all(|n| *n == 1),
            "{name}: an asset came twice"
        );
        for n in 0..1_200 {
            let key = format!("ip:10.{}.{}.{}", n % 3, n / 250, n % 250);
            assert_eq!(seen.get(&key), Some(&1), "{name}: {key} missed");
        }

        // A numbered page is the same as the page reached by cursors.
        let by_cursor = keys(
            &store,
            AssetFilter {
                entity_id: Some(plant.id.clone()),
                ..AssetFilter::default()
            },
        )
        .await;
        assert_eq!(by_cursor.len(), 1_500, "{name}");
        let page = store
            .list_assets(
                &EntityScope::All,
                &AssetFilter::default(),
                PageRequest::new(Some(50), Some(500)),
            )
            .await
            .unwrap();
        let numbered: Vec<String> = page.items.iter().map(|a| a.asset_key.clone()).collect();
        assert_eq!(numbered, by_cursor[500..550], "{name}");
        assert_eq!((page.total, page.total_exceeds), (1_500, false), "{name}");
        // Newest first: the assets seen on 2 March lead.
        assert!(by_cursor[..300].iter().all(|k| {
            let n = 1_200..1_500;
            n.clone()
                .any(|n| *k == format!("ip:10.{}.{}.{}", n % 3, n / 250, n % 250))
        }));

        // A cursor that is not one is refused by name.
        let refused = store
            .list_assets(
                &EntityScope::All,
                &AssetFilter {
                    after: Some("not-a-cursor".into()),
                    ..AssetFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap_err();
        assert!(refused.to_string().contains("after"), "{name}: {refused}");
    }
}

#[tokio::test]
async fn filters_and_search_find_what_the_data_says_on_both_engines() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let plant = store
            .create_entity(&admin_actor(), &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        store
            .ingest_observations(
                &admin_actor(),
                &plant.id,
                "s1",
                &batch(0..600, "2026-03-01"),
            )
            .await
            .unwrap();
        let expect = |wanted: &dyn Fn(usize) -> bool| -> BTreeSet<String> {
            (0..600)
                .filter(|n| wanted(*n))
                .map(|n| format!("ip:10.{}.{}.{}", n % 3, n / 250, n % 250))
                .collect()
        };
        let found = |filter: AssetFilter| {
            let store = store.clone();
            async move {
                keys(&store, filter)
                    .await
                    .into_iter()
                    .collect::<BTreeSet<_>>()
            }
        };
        let q = |text: &str| AssetFilter {
            q: Some(text.into()),
            ..AssetFilter::default()
        };
        assert_eq!(
            found(AssetFilter {
                role: Some("plc".into()),
                ..AssetFilter::default()
            })
            .await,
            expect(&|n| n % 4 == 0),
            "{name}: role"
        );
        assert_eq!(
            found(AssetFilter {
                role: Some("hmi".into()),
                protocol: Some("opcua".into()),
                ..AssetFilter::default()
            })
            .await,
            expect(&|n| n % 4 == 1 && n % 3 == 2),
            "{name}: role and protocol"
        );
        // A whole name, a word of a name, the start of an address, vendor and model words.
        assert_eq!(
            found(q("historian-0042")).await,
            expect(&|n| n == 42),
            "{name}"
        );
        assert_eq!(found(q("0042")).await, expect(&|n| n == 42), "{name}");
        assert_eq!(
            found(q("10.1.2")).await,
            expect(&|n| n % 3 == 1 && n / 250 == 2),
            "{name}: address prefix"
        );
        assert_eq!(
            found(q("Siemens s7-1500")).await,
            expect(&|n| n % 2 == 0 && n % 5 == 0),
            "{name}: every word must match"
        );
        assert_eq!(
            found(q("ROCKWELL")).await,
            expect(&|n| n % 2 == 1),
            "{name}: case does not matter"
        );
        assert!(
            found(q("torian")).await.is_empty(),
            "{name}: words match by their start"
        );
        assert!(found(q("%")).await.is_empty(), "{name}: no wildcard");
        // Filter choices: the distinct roles and protocols, in order.
        let facets = store
            .asset_facets(&EntityScope::All, Some(&plant.id))
            .await
            .unwrap();
        assert_eq!(facets.roles, ["historian", "hmi", "plc", "workstation"]);
        assert_eq!(facets.protocols, ["modbus", "opcua", "s7comm"]);
        // The dashboard's counts per protocol set, kept by the merge, match the inventory.
        let counts = store
            .monitoring_counts(&EntityScope::All, "2026-01-01T00:00:00Z")
            .await
            .unwrap();
        let mut by_protocol: BTreeMap<String, i64> = BTreeMap::new();
        for (protocols, n) in &counts.assets_by_protocols {
            *by_protocol.entry(protocols.join("+")).or_default() += n;
        }
        assert_eq!(
            by_protocol,
            BTreeMap::from([
                ("modbus".to_owned(), 200),
                ("opcua".to_owned(), 200),
                ("s7comm".to_owned(), 200)
            ]),
            "{name}"
        );
        // An asset that starts speaking another protocol moves to another set.
        let mut moved = asset(3, "2026-03-02");
        moved["protocols"] = serde_json::json!(["enip"]);
        store
            .ingest_observations(
                &admin_actor(),
                &plant.id,
                "s1",
                &serde_json::from_value(serde_json::json!({ "assets": [moved] })).unwrap(),
            )
            .await
            .unwrap();
        let counts = store
            .monitoring_counts(&EntityScope::All, "2026-01-01T00:00:00Z")
            .await
            .unwrap();
        let sets: BTreeMap<String, i64> = counts
            .assets_by_protocols
            .iter()
            .map(|(p, n)| (p.join("+"), *n))
            .collect();
        assert_eq!(sets.get("s7comm"), Some(&199), "{name}: {sets:?}");
        assert_eq!(sets.get("s7comm+enip"), Some(&1), "{name}: {sets:?}");
        let nothing = store
            .asset_facets(&EntityScope::Only(BTreeSet::new()), None)
            .await
            .unwrap();
        assert!(nothing.roles.is_empty(), "{name}: outside the scope");
    }
}
