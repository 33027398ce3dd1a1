//! The communication map (`/assets/map`), readable from ten assets to thousands: assets grouped
//! by Purdue level and zone (each entity's zone policy), or by network where no zone covers
//! them; a diagram of the groups (one box per group, so its size does not grow with the
//! inventory) with the communications between groups in a table; the busiest flows one by one.
//! Names are written in full in the lists and tables; the diagram shortens long names and
//! keeps them whole in its tooltips and accessible names.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use askama::Template;
use axum::extract::{Query, State};
use hygeia_domain::access::Permission;
use hygeia_monitor::{Endpoint, ZonePolicy, protocol_label};
use hygeia_store::PageRequest;
use hygeia_store::monitoring::{AssetFilter, StoredAsset, StoredFlow};
use serde::Deserialize;

use super::assets::{FlowRow, counted, flow_row, nonempty};
use super::i18n::Tr;
use super::{Area, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of};
use crate::AppState;

/// At most this many assets are placed (most recently seen first).
const MAP_ASSETS: i64 = 5_000;
/// At most this many flows are summed into links between groups (busiest first).
const MAP_FLOWS: i64 = 20_000;
/// The busiest flows listed one by one.
const LISTED_FLOWS: usize = 120;
/// Groups start open when the whole map has at most this many assets; larger maps open on
/// the group summaries.
const OPEN_UP_TO: usize = 60;
/// The diagram draws at most this many groups and this many links between them.
const DRAWN_GROUPS: usize = 48;
const DRAWN_LINKS: usize = 80;
/// Characters of a group name the diagram shows before an ellipsis.
const BOX_LABEL: usize = 24;
/// Diagram geometry: a column of band labels, then boxes in rows.
const LEFT: i64 = 120;
const BOX_W: i64 = 196;
const BOX_H: i64 = 48;
const GAP: i64 = 12;
const PER_ROW: usize = 4;
const WIDTH: i64 = LEFT + (BOX_W + GAP) * PER_ROW as i64;

/// Operation classes that change a device's state.
const CHANGING: [&str; 3] = ["write", "program", "control"];

#[derive(Debug, Default, Deserialize)]
pub struct MapQuery {
    #[serde(default)]
    entity: String,
}

/// Where an asset or a flow's end sits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Place {
    /// A zone of its entity's policy.
    Zone { entity: String, name: String },
    /// Outside every zone: its network (IPv4 /24, IPv6 /64), or none for MAC-only stations.
    Network {
        entity: String,
        network: Option<String>,
    },
}

/// Bands of the diagram and sections of the page, top to bottom: Purdue level 5 to 0, zones
/// without a level, then what no zone covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Band {
    Level(std::cmp::Reverse<u8>),
    NoLevel,
    Unzoned,
}

impl Band {
    fn id(self) -> String {
        match self {
            Band::Level(std::cmp::Reverse(l)) => format!("level-{l}"),
            Band::NoLevel => "level-none".to_owned(),
            Band::Unzoned => "unzoned".to_owned(),
        }
    }
    fn heading(self, tr: Tr) -> String {
        match self {
            Band::Level(std::cmp::Reverse(l)) => tr.tf(
                "assets.zone_map.level",
                &[
                    ("level", &l.to_string()),
                    (
                        "name",
                        tr.t(&format!("assets.zone_map.purdue_{}", l.min(5))),
                    ),
                ],
            ),
            Band::NoLevel => tr.t("assets.zone_map.level_none").to_owned(),
            Band::Unzoned => tr.t("assets.zone_map.unzoned").to_owned(),
        }
    }
    fn short(self, tr: Tr) -> String {
        match self {
            Band::Level(std::cmp::Reverse(l)) => {
                tr.tf("assets.zone_map.band_level", &[("level", &l.to_string())])
            }
            Band::NoLevel => tr.t("assets.zone_map.band_none").to_owned(),
            Band::Unzoned => tr.t("assets.zone_map.band_unzoned").to_owned(),
        }
    }
}

/// The zone policies of the entities shown, parsed (a stored policy was checked when saved;
/// one that no longer parses places nothing).
struct Policies(HashMap<String, ZonePolicy>);

impl Policies {
    fn place(&self, entity: &str, endpoint: &str) -> (Place, Band) {
        let ip = endpoint.parse::<IpAddr>().ok();
        if let (Some(ip), Some(policy)) = (ip, self.0.get(entity))
            && let Some(zone) = policy.zone_of(&Endpoint::Ip(ip), None)
        {
            let band = zone
                .purdue_level
                .map_or(Band::NoLevel, |l| Band::Level(std::cmp::Reverse(l)));
            let place = Place::Zone {
                entity: entity.to_owned(),
                name: zone.name.clone(),
            };
            return (place, band);
        }
        let place = Place::Network {
            entity: entity.to_owned(),
            network: ip.map(network_of),
        };
        (place, Band::Unzoned)
    }

    /// The first of an asset's addresses that a zone covers, else its first address.
    fn place_asset(&self, asset: &StoredAsset) -> (Place, Band) {
        let mut first = None;
        for ip in &asset.ips {
            let found = self.place(&asset.entity_id, ip);
            if found.1 != Band::Unzoned {
                return found;
            }
            first.get_or_insert(found);
        }
        first.unwrap_or_else(|| {
            (
                Place::Network {
                    entity: asset.entity_id.clone(),
                    network: None,
                },
                Band::Unzoned,
            )
        })
    }
}

/// The /24 of an IPv4 address, the /64 of an IPv6 one.
fn network_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            format!("{}/64", std::net::Ipv6Addr::from(prefix))
        }
    }
}

/// Whether a flow's end is a group address (broadcast, multicast): not a peer of its own.
fn is_group_address(endpoint: &str) -> bool {
    match endpoint.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_multicast() || v4.is_broadcast(),
        Ok(IpAddr::V6(v6)) => v6.is_multicast(),
        Err(_) => endpoint
            .split(':')
            .next()
            .and_then(|octet| u8::from_str_radix(octet, 16).ok())
            .is_some_and(|first| first & 1 == 1),
    }
}

/// Names in reading order: case-insensitive, numbers by value (`pump 9` before `pump 10`).
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars().flat_map(char::to_lowercase) {
            let digit = c.is_ascii_digit();
            match out.last_mut() {
                Some((d, text)) if *d == digit => text.push(c),
                _ => out.push((digit, c.to_string())),
            }
        }
        out
    }
    let (a, b) = (chunks(a), chunks(b));
    for (x, y) in a.iter().zip(&b) {
        let order = match (x, y) {
            ((true, m), (true, n)) => {
                let (m, n) = (m.trim_start_matches('0'), n.trim_start_matches('0'));
                m.len().cmp(&n.len()).then_with(|| m.cmp(n))
            }
            ((_, m), (_, n)) => m.cmp(n),
        };
        if order.is_ne() {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// A name shortened to `max` characters with an ellipsis (the full name goes in a tooltip).
fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        name.to_owned()
    } else {
        let kept: String = name.chars().take(max.saturating_sub(1)).collect();
        format!("{}…", kept.trim_end())
    }
}

/// One asset in its group's list.
pub struct MapAsset {
    pub id: String,
    pub name: String,
    pub addresses: String,
    pub roles: String,
    pub protocols: String,
}

/// One group (a zone, or a network outside every zone) with its assets.
pub struct ZoneGroup {
    /// Element id, target of the diagram's links.
    pub id: String,
    pub name: String,
    /// Target security level and address ranges of a zone.
    pub detail: String,
    pub count: String,
    /// The roles found, most frequent first (`plc 12, hmi 3`).
    pub roles: String,
    pub caption: String,
    pub open: bool,
    pub assets: Vec<MapAsset>,
}

/// A section of the page: one Purdue level (or no level, or outside every zone).
pub struct LevelSection {
    pub id: String,
    pub heading: String,
    pub count: String,
    pub groups: Vec<ZoneGroup>,
}

/// Communications from one group to another, all flows summed.
pub struct GroupLink {
    pub from: String,
    pub to: String,
    pub protocols: String,
    pub flows: String,
    pub packets: String,
    pub operations: String,
    pub changing: bool,
}

/// A band of the diagram.
pub struct DiagramBand {
    pub y: i64,
    pub height: i64,
    pub label: String,
    pub full: String,
}

/// A group's box in the diagram.
pub struct DiagramBox {
    pub target: String,
    pub x: i64,
    pub y: i64,
    pub label: String,
    pub full: String,
    pub count: String,
    pub unzoned: bool,
}

/// A link between two boxes.
pub struct DiagramLine {
    pub x1: i64,
    pub y1: i64,
    pub x2: i64,
    pub y2: i64,
    pub title: String,
    pub changing: bool,
}

#[derive(Template)]
#[template(path = "asset_map.html")]
struct MapPage {
    shell: Shell,
    summary: String,
    no_policy: Option<String>,
    capped: Option<String>,
    sections: Vec<LevelSection>,
    links: Vec<GroupLink>,
    width: i64,
    height: i64,
    bands: Vec<DiagramBand>,
    boxes: Vec<DiagramBox>,
    lines: Vec<DiagramLine>,
    diagram_note: Option<String>,
    flows: Vec<FlowRow>,
    flows_heading: String,
}

struct GroupAcc {
    band: Band,
    detail: String,
    assets: Vec<MapAsset>,
    roles: BTreeMap<String, usize>,
}

#[derive(Default)]
struct LinkAcc {
    protocols: BTreeSet<String>,
    operations: BTreeSet<String>,
    flows: i64,
    packets: i64,
}

/// The map of the entity chosen in the switcher, or of every entity the user may see.
pub async fn map_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<MapQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: hygeia_store::StoreError| PageError::new(tr, e.into());
    auth.principal
        .require(Permission::AssetRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let scope = &auth.principal.scope;
    let entity = nonempty(&query.entity).filter(|id| scope.contains(id));
    let assets = state
        .store
        .list_assets(
            scope,
            &AssetFilter {
                entity_id: entity.clone(),
                ..AssetFilter::default()
            },
            PageRequest {
                limit: MAP_ASSETS,
                offset: 0,
            },
        )
        .await
        .map_err(fail)?;
    let flows = state
        .store
        .list_flows(
            scope,
            entity.as_deref(),
            None,
            PageRequest {
                limit: MAP_FLOWS,
                offset: 0,
            },
            None,
        )
        .await
        .map_err(fail)?;
    let policies = Policies(
        state
            .store
            .list_zone_policies(scope)
            .await
            .map_err(fail)?
            .into_iter()
            .filter(|p| entity.as_ref().is_none_or(|e| *e == p.entity_id))
            .filter_map(|p| {
                ZonePolicy::from_toml(&p.policy, "stored policy")
                    .ok()
                    .map(|z| (p.entity_id, z))
            })
            .collect(),
    );
    let title = tr.t("assets.map").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Assets,
        title.clone(),
        vec![
            Crumb::link(tr.t("nav.assets"), "/assets"),
            Crumb::here(title),
        ],
        entity.as_deref(),
    )
    .await?;
    let entity_names: HashMap<&str, &str> = shell
        .entities
        .iter()
        .map(|e| (e.id.as_str(), e.name.as_str()))
        .collect();
    let shown_entities: BTreeSet<&str> =
        assets.items.iter().map(|a| a.entity_id.as_str()).collect();
    let several = shown_entities.len() > 1;
    let place_name = |place: &Place| -> String {
        let (entity, name) = match place {
            Place::Zone { entity, name } => (entity, name.clone()),
            Place::Network { entity, network } => (
                entity,
                match network {
                    Some(n) => tr.tf("assets.zone_map.network", &[("network", n)]),
                    None => tr.t("assets.zone_map.no_ip").to_owned(),
                },
            ),
        };
        if several {
            let entity = entity_names.get(entity.as_str()).copied().unwrap_or(entity);
            format!("{name} — {entity}")
        } else {
            name
        }
    };

    // Assets into their groups.
    let mut groups: BTreeMap<(Band, Place), GroupAcc> = BTreeMap::new();
    let mut place_of: HashMap<(&str, &str), (Place, Band)> = HashMap::new();
    for asset in &assets.items {
        let (place, band) = policies.place_asset(asset);
        for key in asset.ips.iter().chain(asset.mac.iter()) {
            place_of.insert((&asset.entity_id, key), (place.clone(), band));
        }
        let group = groups
            .entry((band, place.clone()))
            .or_insert_with(|| GroupAcc {
                band,
                detail: zone_detail(tr, &policies, &place),
                assets: Vec::new(),
                roles: BTreeMap::new(),
            });
        for role in &asset.roles {
            *group.roles.entry(role.clone()).or_default() += 1;
        }
        group.assets.push(MapAsset {
            id: asset.id.clone(),
            name: asset
                .names
                .first()
                .cloned()
                .unwrap_or_else(|| asset.asset_key.clone()),
            addresses: asset
                .ips
                .iter()
                .chain(asset.mac.iter())
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            roles: asset.roles.join(", "),
            protocols: asset
                .protocols
                .iter()
                .map(|p| protocol_label(p))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }

    // Flows summed into links between groups (inside a group, and to group addresses, they
    // are not links).
    let mut links: BTreeMap<(Place, Place), LinkAcc> = BTreeMap::new();
    for flow in &flows.items {
        if is_group_address(&flow.dst) {
            continue;
        }
        let end = |endpoint: &str| {
            place_of
                .get(&(flow.entity_id.as_str(), endpoint))
                .cloned()
                .unwrap_or_else(|| policies.place(&flow.entity_id, endpoint))
        };
        let ((from, _), (to, _)) = (end(&flow.src), end(&flow.dst));
        if from == to {
            continue;
        }
        let link = links.entry((from, to)).or_default();
        link.protocols.insert(protocol_label(&flow.protocol));
        link.operations.extend(flow.operations.iter().cloned());
        link.flows += 1;
        link.packets = link.packets.saturating_add(flow.packets);
    }
    let mut links: Vec<((Place, Place), LinkAcc)> = links.into_iter().collect();
    links.sort_by(|a, b| b.1.packets.cmp(&a.1.packets).then(a.0.cmp(&b.0)));

    // The page's sections, and the diagram.
    let total_assets = assets.items.len();
    let open = total_assets <= OPEN_UP_TO;
    let mut sections: Vec<LevelSection> = Vec::new();
    let mut target_of: HashMap<Place, (String, i64, i64)> = HashMap::new();
    let mut bands = Vec::new();
    let mut boxes = Vec::new();
    let mut y = 8;
    let mut band_open: Option<(Band, i64, usize)> = None;
    let mut drawn = 0usize;
    for (n, ((band, place), group)) in groups.into_iter().enumerate() {
        let id = format!("group-{n}");
        let name = place_name(&place);
        if drawn < DRAWN_GROUPS {
            // A new band starts a new row; boxes wrap every PER_ROW.
            let column = match band_open {
                Some((b, _, count)) if b == band => count,
                _ => {
                    if let Some((b, start, count)) = band_open.take() {
                        y = close_band(tr, &mut bands, b, start, count);
                    }
                    band_open = Some((band, y, 0));
                    0
                }
            };
            if let Some(open_band) = band_open.as_mut() {
                open_band.2 += 1;
            }
            let row = i64::try_from(column / PER_ROW).unwrap_or(0);
            let col = i64::try_from(column % PER_ROW).unwrap_or(0);
            let x = LEFT + col * (BOX_W + GAP);
            let top = y + GAP + row * (BOX_H + GAP);
            target_of.insert(place.clone(), (id.clone(), x + BOX_W / 2, top + BOX_H / 2));
            boxes.push(DiagramBox {
                target: id.clone(),
                x,
                y: top,
                label: shorten(&name, BOX_LABEL),
                full: format!(
                    "{name} — {}",
                    counted(tr, "assets.zone_map.count", group.assets.len() as u64)
                ),
                count: counted(tr, "assets.zone_map.count", group.assets.len() as u64),
                unzoned: band == Band::Unzoned,
            });
            drawn += 1;
        }
        let mut roles: Vec<(String, usize)> = group.roles.into_iter().collect();
        roles.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut assets = group.assets;
        assets.sort_by(|a, b| natural_cmp(&a.name, &b.name));
        let zone_group = ZoneGroup {
            caption: tr.tf("assets.zone_map.group_caption", &[("group", &name)]),
            id,
            name,
            detail: group.detail,
            count: counted(tr, "assets.zone_map.count", assets.len() as u64),
            roles: roles
                .iter()
                .map(|(role, count)| format!("{role} {count}"))
                .collect::<Vec<_>>()
                .join(", "),
            open,
            assets,
        };
        match sections.last_mut() {
            Some(section) if section.id == group.band.id() => section.groups.push(zone_group),
            _ => sections.push(LevelSection {
                id: group.band.id(),
                heading: group.band.heading(tr),
                count: String::new(),
                groups: vec![zone_group],
            }),
        }
    }
    if let Some((b, start, count)) = band_open.take() {
        y = close_band(tr, &mut bands, b, start, count);
    }
    for section in &mut sections {
        let count: usize = section.groups.iter().map(|g| g.assets.len()).sum();
        section.count = counted(tr, "assets.zone_map.count", count as u64);
    }
    let lines = links
        .iter()
        .filter_map(|((from, to), link)| {
            let (_, x1, y1) = target_of.get(from)?;
            let (_, x2, y2) = target_of.get(to)?;
            Some(DiagramLine {
                x1: *x1,
                y1: *y1,
                x2: *x2,
                y2: *y2,
                title: format!(
                    "{} → {}{}{} ({})",
                    place_name(from),
                    place_name(to),
                    tr.pick(": ", " : "),
                    link.protocols
                        .iter()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                    counted(
                        tr,
                        "assets.zone_map.flows_count",
                        u64::try_from(link.flows).unwrap_or(0)
                    )
                ),
                changing: link
                    .operations
                    .iter()
                    .any(|o| CHANGING.contains(&o.as_str())),
            })
        })
        .take(DRAWN_LINKS)
        .collect();
    let group_count: usize = sections.iter().map(|s| s.groups.len()).sum();
    let diagram_note = (group_count > boxes.len()).then(|| {
        tr.tf(
            "assets.zone_map.diagram_capped",
            &[("count", &DRAWN_GROUPS.to_string())],
        )
    });
    let link_rows = links
        .iter()
        .map(|((from, to), link)| GroupLink {
            from: place_name(from),
            to: place_name(to),
            protocols: link
                .protocols
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            flows: tr.num(link.flows),
            packets: tr.num(link.packets),
            operations: super::asset_sentences::operations(
                tr,
                &link.operations.iter().cloned().collect::<Vec<_>>(),
            ),
            changing: link
                .operations
                .iter()
                .any(|o| CHANGING.contains(&o.as_str())),
        })
        .collect();

    // Entities shown without a policy: say so, and how to give one.
    let mut without: Vec<&str> = shown_entities
        .iter()
        .filter(|id| !policies.0.contains_key(**id))
        .map(|id| entity_names.get(id).copied().unwrap_or(id))
        .collect();
    without.sort_unstable();
    let no_policy = (!without.is_empty()).then(|| {
        tr.tf(
            "assets.zone_map.no_policy",
            &[("entities", &without.join(", "))],
        )
    });

    // The busiest flows, each end named after its asset when known.
    let mut names: HashMap<(&str, &str), &str> = HashMap::new();
    for asset in &assets.items {
        if let Some(name) = asset.names.first() {
            for key in asset.ips.iter().chain(asset.mac.iter()) {
                names.insert((&asset.entity_id, key), name);
            }
        }
    }
    let named = |f: &StoredFlow, endpoint: &str| match names.get(&(f.entity_id.as_str(), endpoint))
    {
        Some(name) => format!("{name} ({endpoint})"),
        None => endpoint.to_owned(),
    };
    let listed: Vec<FlowRow> = flows
        .items
        .iter()
        .take(LISTED_FLOWS)
        .map(|f| {
            let mut row = flow_row(&tr, f);
            row.src = named(f, &f.src);
            row.dst = named(f, &f.dst);
            row
        })
        .collect();
    let flows_heading = tr.tf(
        "assets.zone_map.busiest",
        &[
            ("shown", &tr.unum(listed.len() as u64)),
            ("count", &tr.num(flows.total)),
        ],
    );
    let page = MapPage {
        summary: tr.tf(
            "assets.zone_map.summary",
            &[
                ("assets", &tr.num(assets.total)),
                ("groups", &tr.unum(group_count as u64)),
                ("flows", &tr.num(flows.total)),
            ],
        ),
        no_policy,
        capped: (assets.total > MAP_ASSETS)
            .then(|| tr.tf("assets.zone_map.capped", &[("count", &tr.num(MAP_ASSETS))])),
        sections,
        links: link_rows,
        width: WIDTH,
        height: y + 8,
        bands,
        boxes,
        lines,
        diagram_note,
        flows: listed,
        flows_heading,
        shell,
    };
    render(tr, &page)
}

/// Ends a band of `count` boxes that started at `start`; returns where the next one starts.
fn close_band(tr: Tr, bands: &mut Vec<DiagramBand>, band: Band, start: i64, count: usize) -> i64 {
    let rows = i64::try_from(count.div_ceil(PER_ROW).max(1)).unwrap_or(1);
    let height = GAP + rows * (BOX_H + GAP);
    bands.push(DiagramBand {
        y: start,
        height,
        label: band.short(tr),
        full: band.heading(tr),
    });
    start + height + 4
}

/// What a zone's heading adds to its name: target security level and address ranges.
fn zone_detail(tr: Tr, policies: &Policies, place: &Place) -> String {
    let Place::Zone { entity, name } = place else {
        return String::new();
    };
    let Some(zone) = policies
        .0
        .get(entity)
        .and_then(|p| p.zones.iter().find(|z| &z.name == name))
    else {
        return String::new();
    };
    let mut parts = Vec::new();
    if let Some(sl) = zone.target_sl {
        parts.push(tr.tf("assets.zone_map.target_sl", &[("level", &sl.to_string())]));
    }
    let ranges: Vec<String> = zone
        .cidrs
        .iter()
        .map(|c| format!("{c}"))
        .chain(zone.vlans.iter().map(|v| format!("VLAN {v}")))
        .collect();
    if !ranges.is_empty() {
        parts.push(ranges.join(", "));
    }
    parts.join(" · ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn networks_group_addresses_outside_zones() {
        assert_eq!(network_of("10.1.2.3".parse().unwrap()), "10.1.2.0/24");
        assert_eq!(
            network_of("fd12:3456:789a:1:2:3:4:5".parse().unwrap()),
            "fd12:3456:789a:1::/64"
        );
        assert!(is_group_address("ff:ff:ff:ff:ff:ff"));
        assert!(is_group_address("01:80:c2:00:00:0e"));
        assert!(is_group_address("224.0.0.251"));
        assert!(!is_group_address("00:1b:1b:0a:0b:0c"));
        assert!(!is_group_address("10.1.0.5"));
    }

    #[test]
    fn names_sort_in_reading_order() {
        let mut names = vec!["Pump 10", "pump 9", "Pump 100", "HMI", "Pump 09b"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["HMI", "pump 9", "Pump 09b", "Pump 10", "Pump 100"]);
    }

    #[test]
    fn long_names_are_shortened_with_an_ellipsis() {
        assert_eq!(shorten("cell-1", 22), "cell-1");
        let long = "Préparation stérile — salle blanche B";
        let short = shorten(long, 22);
        assert_eq!(short.chars().count(), 22);
        assert!(short.ends_with('…'));
    }

    #[test]
    fn zones_are_placed_by_policy_and_bands_run_from_the_enterprise_down() {
        let policy = ZonePolicy::from_toml(
            "[[zone]]\nname = \"cell\"\ncidrs = [\"10.1.0.0/24\"]\npurdue_level = 1\n\
             [[zone]]\nname = \"lab\"\ncidrs = [\"10.2.0.0/24\"]\n",
            "t",
        )
        .unwrap();
        let policies = Policies(HashMap::from([("e".to_owned(), policy)]));
        let (place, band) = policies.place("e", "10.1.0.5");
        assert_eq!(band, Band::Level(std::cmp::Reverse(1)));
        assert_eq!(
            place,
            Place::Zone {
                entity: "e".into(),
                name: "cell".into()
            }
        );
        assert_eq!(policies.place("e", "10.2.0.9").1, Band::NoLevel);
        assert_eq!(policies.place("e", "10.9.0.9").1, Band::Unzoned);
        assert_eq!(policies.place("other", "10.1.0.5").1, Band::Unzoned);
        let mut bands = vec![
            Band::Unzoned,
            Band::Level(std::cmp::Reverse(1)),
            Band::NoLevel,
            Band::Level(std::cmp::Reverse(4)),
        ];
        bands.sort();
        assert_eq!(
            bands,
            [
                Band::Level(std::cmp::Reverse(4)),
                Band::Level(std::cmp::Reverse(1)),
                Band::NoLevel,
                Band::Unzoned
            ]
        );
    }
}
