//! The communication map kept as aggregates: after batches that add assets, move them into a
//! zone, add roles, repeat flows with more packets and new operations, and after a new zone
//! policy, the counts per place and the links between places equal what the asset and flow
//! tables say, on both engines.

use std::collections::{BTreeMap, BTreeSet};

use hygeia_store::monitoring::map::{MapGroup, MapLink, NO_LEVEL, UNZONED, is_group_address};
use hygeia_store::monitoring::{AssetFilter, ObservedReport, StoredAsset, StoredFlow};

use super::*;

const POLICY: &str = "[[zone]]\nname = \"cell\"\ncidrs = [\"10.1.0.0/24\"]\npurdue_level = 1\n\
                      [[zone]]\nname = \"scada\"\ncidrs = [\"10.2.0.0/24\"]\npurdue_level = 2\n\
                      [[zone]]\nname = \"lab\"\ncidrs = [\"10.3.0.0/24\"]\n";

fn report(value: serde_json::Value) -> ObservedReport {
    serde_json::from_value(value).unwrap()
}

fn asset(key: &str, ips: &[&str], mac: Option<&str>, roles: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "id": key, "ips": ips, "mac": mac, "names": [key], "roles": roles,
        "protocols": ["modbus"],
        "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T09:00:00Z",
    })
}

fn flow(src: &str, dst: &str, protocol: &str, packets: i64, ops: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "src": src, "dst": dst, "protocol": protocol, "packets": packets, "bytes": packets * 60,
        "operations": ops,
        "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T09:00:00Z",
    })
}

async fn all_assets(store: &Store, entity: &str) -> Vec<StoredAsset> {
    let filter = AssetFilter {
        entity_id: Some(entity.to_owned()),
        ..AssetFilter::default()
    };
    let page = PageRequest::new(Some(500), None);
    store
        .list_assets(&EntityScope::All, &filter, page)
        .await
        .unwrap()
        .items
}

async fn all_flows(store: &Store, entity: &str) -> Vec<StoredFlow> {
    let page = PageRequest::new(Some(500), None);
    store
        .list_flows(&EntityScope::All, Some(entity), None, page, None)
        .await
        .unwrap()
        .items
}

/// Assets and roles counted per place.
type Groups = BTreeMap<String, (i64, BTreeMap<String, i64>)>;
/// Flows, packets and operations per (from place, to place, protocol).
type Links = BTreeMap<(String, String, String), (i64, i64, BTreeSet<String>)>;

/// The groups and links recomputed from the asset and flow tables.
fn expected(assets: &[StoredAsset], flows: &[StoredFlow]) -> (Groups, Links) {
    let mut groups = Groups::new();
    for a in assets {
        let group = groups.entry(a.place.clone().unwrap()).or_default();
        group.0 += 1;
        for role in &a.roles {
            *group.1.entry(role.clone()).or_default() += 1;
        }
    }
    let mut links = Links::new();
    for f in flows {
        let (from, to) = (f.src_place.clone().unwrap(), f.dst_place.clone().unwrap());
        if from == to || is_group_address(&f.dst) {
            continue;
        }
        let link = links.entry((from, to, f.protocol.clone())).or_default();
        link.0 += 1;
        link.1 += f.packets;
        link.2.extend(f.operations.iter().cloned());
    }
    (groups, links)
}

fn kept(groups: &[MapGroup], links: &[MapLink]) -> (Groups, Links) {
    let groups = groups
        .iter()
        .map(|g| {
            let roles = g.roles.iter().map(|r| (r.role.clone(), r.assets)).collect();
            (g.place.key.clone(), (g.assets, roles))
        })
        .collect();
    let links = links
        .iter()
        .map(|l| {
            let ops = l.operations.iter().cloned().collect();
            (
                (l.from.clone(), l.to.clone(), l.protocol.clone()),
                (l.flows, l.packets, ops),
            )
        })
        .collect();
    (groups, links)
}

async fn assert_aggregates_match(store: &Store, entity: &str, name: &str, when: &str) {
    let assets = all_assets(store, entity).await;
    let flows = all_flows(store, entity).await;
    let groups = store
        .map_groups(&EntityScope::All, Some(entity))
        .await
        .unwrap();
    let links = store
        .map_links(&EntityScope::All, Some(entity), None)
        .await
        .unwrap();
    assert_eq!(
        kept(&groups, &links),
        expected(&assets, &flows),
        "{name}: aggregates {when}"
    );
}

#[tokio::test]
async fn map_aggregates_match_the_asset_and_flow_tables() {
    for db in testing::all().await {
        let name = db.name;
        let store = db.store(test_clock()).await;
        let org = seeded(&store).await;
        let plant = store
            .create_entity(&admin_actor(), &org, &entity("Usine"), any_type)
            .await
            .unwrap();
        let other = store
            .create_entity(&admin_actor(), &org, &entity("Clinique"), any_type)
            .await
            .unwrap();
        store
            .set_zone_policy(&admin_actor(), &plant.id, POLICY)
            .await
            .unwrap();
        let first = report(serde_json::json!({
            "assets": [
                asset("plc-1", &["10.1.0.5"], None, &["plc"]),
                asset("plc-2", &["10.1.0.6"], None, &["plc"]),
                asset("hmi-1", &["10.2.0.5"], None, &["hmi"]),
                asset("lims", &["10.3.0.7"], None, &["server"]),
                asset("laptop", &["10.9.0.20"], None, &["workstation"]),
                asset("io-1", &["10.1.0.50"], Some("00:1b:1b:0a:0b:0c"), &["io"]),
                asset("io-2", &[], Some("00:1b:1b:0a:0b:0e"), &["io"]),
            ],
            "flows": [
                flow("10.2.0.5", "10.1.0.5", "s7comm", 100, &["read"]),
                flow("10.2.0.5", "10.1.0.6", "s7comm", 50, &["read"]),
                flow("10.1.0.5", "10.1.0.6", "s7comm", 10, &["read"]),
                flow("10.9.0.20", "10.1.0.5", "s7comm", 5, &["write"]),
                flow("10.3.0.7", "224.0.0.251", "mdns", 9, &[]),
                flow("00:1b:1b:0a:0b:0d", "00:1b:1b:0a:0b:0c", "profinet", 30, &["read"]),
            ],
        }));
        store
            .ingest_observations(&admin_actor(), &plant.id, "s1", &first)
            .await
            .unwrap();
        assert_aggregates_match(&store, &plant.id, name, "after the first batch").await;
        let groups = store
            .map_groups(&EntityScope::All, Some(&plant.id))
            .await
            .unwrap();
        let band = |key: &str| {
            groups
                .iter()
                .find(|g| g.place.key == key)
                .map(|g| (g.place.band, g.assets))
        };
        assert_eq!(band("zone:cell"), Some((1, 3)), "{name}");
        assert_eq!(band("zone:scada"), Some((2, 1)), "{name}");
        assert_eq!(band("zone:lab"), Some((NO_LEVEL, 1)), "{name}");
        assert_eq!(band("net:10.9.0.0/24"), Some((UNZONED, 1)), "{name}");
        assert_eq!(
            band("net:"),
            Some((UNZONED, 1)),
            "{name}: the MAC-only station"
        );
        // A flow end known by its MAC sits where the asset with that MAC does (the I/O module
        // in the cell); an unknown MAC sits nowhere known.
        let profinet = all_flows(&store, &plant.id)
            .await
            .into_iter()
            .find(|f| f.protocol == "profinet")
            .unwrap();
        assert_eq!(profinet.dst_place.as_deref(), Some("zone:cell"), "{name}");
        assert_eq!(profinet.src_place.as_deref(), Some("net:"), "{name}");

        // The laptop gets an address in the cell, the HMI a new role, flows repeat with more
        // packets and a new operation.
        let second = report(serde_json::json!({
            "assets": [
                asset("laptop", &["10.1.0.99"], None, &["workstation", "engineering"]),
                asset("hmi-1", &["10.2.0.5"], None, &["hmi", "scada"]),
                asset("hist", &["10.2.0.9"], None, &["historian"]),
            ],
            "flows": [
                flow("10.2.0.5", "10.1.0.5", "s7comm", 20, &["write"]),
                flow("10.2.0.9", "10.3.0.7", "opcua", 7, &["read"]),
                flow("10.2.0.5", "10.1.0.5", "modbus", 3, &["read"]),
            ],
        }));
        store
            .ingest_observations(&admin_actor(), &plant.id, "s1", &second)
            .await
            .unwrap();
        assert_aggregates_match(&store, &plant.id, name, "after the second batch").await;
        let laptop = all_assets(&store, &plant.id)
            .await
            .into_iter()
            .find(|a| a.asset_key == "laptop")
            .unwrap();
        assert_eq!(
            laptop.place.as_deref(),
            Some("zone:cell"),
            "{name}: moved into the cell"
        );
        let links = store
            .map_links(&EntityScope::All, Some(&plant.id), Some("zone:scada"))
            .await
            .unwrap();
        let s7 = links
            .iter()
            .find(|l| l.from == "zone:scada" && l.to == "zone:cell" && l.protocol == "s7comm")
            .unwrap();
        assert_eq!((s7.flows, s7.packets), (2, 170), "{name}");
        assert_eq!(s7.operations, ["read", "write"], "{name}");

        // A new policy puts the laptop's old network in a zone of level 3: everything is
        // placed again.
        let wider = format!(
            "{POLICY}[[zone]]\nname = \"offices\"\ncidrs = [\"10.9.0.0/24\"]\npurdue_level = 3\n"
        );
        store
            .set_zone_policy(&admin_actor(), &plant.id, &wider)
            .await
            .unwrap();
        assert_aggregates_match(&store, &plant.id, name, "after a new policy").await;
        let from_offices = all_flows(&store, &plant.id)
            .await
            .into_iter()
            .find(|f| f.src == "10.9.0.20")
            .unwrap();
        assert_eq!(
            from_offices.src_place.as_deref(),
            Some("zone:offices"),
            "{name}"
        );

        // The busiest flows of a place, the assets at addresses, need-to-know.
        let at_cell = store
            .flows_at_place(
                &EntityScope::All,
                &plant.id,
                "zone:cell",
                PageRequest::new(Some(50), None),
                None,
            )
            .await
            .unwrap();
        assert_eq!(at_cell.items.len(), 6, "{name}: flows touching the cell");
        assert!(
            at_cell
                .items
                .windows(2)
                .all(|w| w[0].packets >= w[1].packets)
        );
        let found = store
            .assets_at(
                &EntityScope::All,
                Some(&plant.id),
                &[
                    "10.1.0.5".to_owned(),
                    "00:1b:1b:0a:0b:0c".to_owned(),
                    "10.7.7.7".to_owned(),
                ],
            )
            .await
            .unwrap();
        let keys: BTreeSet<&str> = found.iter().map(|a| a.asset_key.as_str()).collect();
        assert_eq!(keys, BTreeSet::from(["plc-1", "io-1"]), "{name}");
        let elsewhere = EntityScope::Only(BTreeSet::from([other.id.clone()]));
        assert!(
            store.map_groups(&elsewhere, None).await.unwrap().is_empty(),
            "{name}"
        );
        assert!(
            store
                .map_links(&elsewhere, None, None)
                .await
                .unwrap()
                .is_empty(),
            "{name}"
        );
        let in_cell = store
            .list_assets(
                &EntityScope::All,
                &AssetFilter {
                    entity_id: Some(plant.id.clone()),
                    place: Some("zone:cell".into()),
                    ..AssetFilter::default()
                },
                PageRequest::new(Some(50), None),
            )
            .await
            .unwrap();
        // The laptop's first address that a zone covers is now in the offices.
        let keys: BTreeSet<&str> = in_cell.items.iter().map(|a| a.asset_key.as_str()).collect();
        assert_eq!(
            keys,
            BTreeSet::from(["plc-1", "plc-2", "io-1"]),
            "{name}: the cell after the new policy"
        );
    }
}
