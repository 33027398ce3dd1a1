//! How a view of the communication map is laid out: sections by Purdue level, a diagram of
//! the places (one box per place, so its size does not grow with the inventory) with the
//! communications between them, the table of those communications, the busiest flows.
//! Names are written in full in the lists and tables; the diagram shortens long names and
//! keeps them whole in its tooltips and accessible names.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use askama::Template;
use hygeia_monitor::{ZonePolicy, protocol_label};
use hygeia_store::monitoring::StoredFlow;
use hygeia_store::monitoring::map::{NO_LEVEL, Place, UNZONED};

use super::super::assets::{FlowRow, counted, flow_row};
use super::super::i18n::Tr;
use super::super::{Area, Crumb, PageResult, Shell, render, tr_of};
use super::{Fail, MapView, asset_name};
use crate::AppState;
use crate::auth::Auth;

/// Groups start open when the view lists at most this many assets.
const OPEN_UP_TO: usize = 60;
/// The diagram draws at most this many groups and this many links between them.
const DRAWN_GROUPS: usize = 48;
const DRAWN_LINKS: usize = 80;
/// The table of communications between places lists at most this many, busiest first.
const LISTED_LINKS: usize = 200;
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

/// Bands of the diagram and sections of the page, top to bottom: Purdue level 5 to 0, zones
/// without a level, then what no zone covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Band {
    Level(std::cmp::Reverse<u8>),
    NoLevel,
    Unzoned,
}

impl Band {
    /// The band of a place as the store keeps it.
    fn of(place: &Place) -> Self {
        match place.band {
            NO_LEVEL => Band::NoLevel,
            UNZONED => Band::Unzoned,
            level => Band::Level(std::cmp::Reverse(
                u8::try_from(level.clamp(0, 5)).unwrap_or(0),
            )),
        }
    }
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
    /// The accessible name of the link to its peers.
    pub peers: String,
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
    /// A link to the group's own view, or to its next page of assets (empty: none).
    pub more_href: String,
    pub more_label: String,
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
    heading: String,
    summary: String,
    no_policy: Option<String>,
    /// In a narrower view: the words of the link back to the whole map, and its address.
    back: Option<(String, String)>,
    sections: Vec<LevelSection>,
    links: Vec<GroupLink>,
    /// Said when the table lists only the busiest communications.
    links_note: Option<String>,
    width: i64,
    height: i64,
    bands: Vec<DiagramBand>,
    boxes: Vec<DiagramBox>,
    lines: Vec<DiagramLine>,
    diagram_note: Option<String>,
    flows: Vec<FlowRow>,
    flows_heading: String,
}

/// Lays a view out and renders the page.
pub(super) async fn render_map(
    state: &AppState,
    auth: &Auth,
    entity: Option<&str>,
    view: MapView,
    fail: &Fail,
) -> PageResult {
    let tr = tr_of(auth);
    let scope = &auth.principal.scope;
    let policies: HashMap<String, ZonePolicy> = state
        .store
        .list_zone_policies(scope)
        .await
        .map_err(fail)?
        .into_iter()
        .filter(|p| entity.is_none_or(|e| e == p.entity_id))
        .filter_map(|p| {
            ZonePolicy::from_toml(&p.policy, "stored policy")
                .ok()
                .map(|z| (p.entity_id, z))
        })
        .collect();
    let map_title = tr.t("assets.map").to_owned();
    let mut crumbs = vec![Crumb::link(tr.t("nav.assets"), "/assets")];
    let shell_title;
    if view.focus.is_some() {
        crumbs.push(Crumb::link(map_title.clone(), "/assets/map"));
    }
    let shown_entities: BTreeSet<String> =
        view.groups.iter().map(|g| g.entity_id.clone()).collect();
    let several = shown_entities.len() > 1;
    // Entity names come with the shell; place names need them, so the shell comes first.
    let focus_name = view.focus.as_deref().map(|focus| {
        view.groups
            .iter()
            .find(|g| g.label.as_deref() == Some(focus))
            .and_then(|g| g.label.clone())
            .unwrap_or_else(|| bare_place_name(tr, focus))
    });
    match &focus_name {
        Some(name) => {
            shell_title = format!("{map_title}{}{name}", tr.pick(": ", " : "));
            crumbs.push(Crumb::here(name.clone()));
        }
        None => {
            shell_title = map_title.clone();
            crumbs.push(Crumb::here(map_title.clone()));
        }
    }
    let shell = Shell::new(
        state,
        auth,
        Area::Assets,
        shell_title.clone(),
        crumbs,
        entity,
    )
    .await?;
    let entity_names: HashMap<&str, &str> = shell
        .entities
        .iter()
        .map(|e| (e.id.as_str(), e.name.as_str()))
        .collect();
    let labels: HashMap<(String, String), String> = view
        .groups
        .iter()
        .filter_map(|g| Some(((g.entity_id.clone(), g.place.key.clone()), g.label.clone()?)))
        .collect();
    let place_name = |entity: &str, key: &str| -> String {
        let name = labels
            .get(&(entity.to_owned(), key.to_owned()))
            .map_or_else(|| bare_place_name(tr, key), Clone::clone);
        if several {
            let entity = entity_names.get(entity).copied().unwrap_or(entity);
            format!("{name} — {entity}")
        } else {
            name
        }
    };

    // The page's sections, and the diagram.
    // Small views open every group; larger ones open the place the view is about, and groups
    // that hold only a link.
    let listed: usize = view.groups.iter().map(|g| g.assets.len()).sum();
    let open_all = listed <= OPEN_UP_TO;
    let focus_key = view.focus.clone();
    let mut groups: Vec<(Band, super::GroupView)> = view
        .groups
        .into_iter()
        .map(|g| (Band::of(&g.place), g))
        .collect();
    groups.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| a.1.entity_id.cmp(&b.1.entity_id))
            .then_with(|| {
                natural_cmp(
                    &place_name(&a.1.entity_id, &a.1.place.key),
                    &place_name(&b.1.entity_id, &b.1.place.key),
                )
            })
    });
    let mut sections: Vec<LevelSection> = Vec::new();
    let mut target_of: HashMap<(String, String), (i64, i64)> = HashMap::new();
    let mut bands = Vec::new();
    let mut boxes = Vec::new();
    let mut y = 8;
    let mut band_open: Option<(Band, i64, usize)> = None;
    let mut drawn = 0usize;
    let mut band_counts: BTreeMap<Band, i64> = BTreeMap::new();
    for (n, (band, group)) in groups.into_iter().enumerate() {
        let id = format!("group-{n}");
        let name = place_name(&group.entity_id, &group.place.key);
        let count = counted(
            tr,
            "assets.zone_map.count",
            u64::try_from(group.count).unwrap_or(0),
        );
        *band_counts.entry(band).or_default() += group.count;
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
            target_of.insert(
                (group.entity_id.clone(), group.place.key.clone()),
                (x + BOX_W / 2, top + BOX_H / 2),
            );
            boxes.push(DiagramBox {
                target: id.clone(),
                x,
                y: top,
                label: shorten(&name, BOX_LABEL),
                full: format!("{name} — {count}"),
                count: count.clone(),
                unzoned: band == Band::Unzoned,
            });
            drawn += 1;
        }
        let mut assets: Vec<MapAsset> = group.assets.iter().map(|a| map_asset(tr, a)).collect();
        assets.sort_by(|a, b| natural_cmp(&a.name, &b.name));
        let (more_href, more_label) = match group.more {
            Some(super::More::Next(href)) => (
                href,
                tr.tf(
                    "assets.zone_map.next",
                    &[("count", &tr.num(super::PLACE_PAGE))],
                ),
            ),
            Some(super::More::Place(href)) => (
                href,
                tr.tf("assets.zone_map.open_place", &[("group", &name)]),
            ),
            None => (String::new(), String::new()),
        };
        let zone_group = ZoneGroup {
            caption: tr.tf("assets.zone_map.group_caption", &[("group", &name)]),
            detail: zone_detail(tr, &policies, &group.entity_id, &group.place),
            id,
            name,
            count,
            roles: group
                .roles
                .iter()
                .map(|(role, count)| format!("{role} {count}"))
                .collect::<Vec<_>>()
                .join(", "),
            open: open_all
                || assets.is_empty()
                || focus_key.as_deref() == Some(group.place.key.as_str()),
            assets,
            more_href,
            more_label,
        };
        match sections.last_mut() {
            Some(section) if section.id == band.id() => section.groups.push(zone_group),
            _ => sections.push(LevelSection {
                id: band.id(),
                heading: band.heading(tr),
                count: String::new(),
                groups: vec![zone_group],
            }),
        }
    }
    if let Some((b, start, count)) = band_open.take() {
        y = close_band(tr, &mut bands, b, start, count);
    }
    for (section, (_, count)) in sections.iter_mut().zip(band_counts) {
        section.count = counted(
            tr,
            "assets.zone_map.count",
            u64::try_from(count).unwrap_or(0),
        );
    }

    let mut links: Vec<_> = view.links.into_iter().collect();
    links.sort_by(|a, b| b.1.packets.cmp(&a.1.packets).then(a.0.cmp(&b.0)));
    let changing = |ops: &BTreeSet<String>| ops.iter().any(|o| CHANGING.contains(&o.as_str()));
    let lines = links
        .iter()
        .filter_map(|((entity, from, to), link)| {
            let (x1, y1) = target_of.get(&(entity.clone(), from.clone()))?;
            let (x2, y2) = target_of.get(&(entity.clone(), to.clone()))?;
            Some(DiagramLine {
                x1: *x1,
                y1: *y1,
                x2: *x2,
                y2: *y2,
                title: format!(
                    "{} → {}{}{} ({})",
                    place_name(entity, from),
                    place_name(entity, to),
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
                changing: changing(&link.operations),
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
    let links_note = (links.len() > LISTED_LINKS).then(|| {
        tr.tf(
            "assets.zone_map.links_capped",
            &[
                ("shown", &tr.unum(LISTED_LINKS as u64)),
                ("count", &tr.unum(links.len() as u64)),
            ],
        )
    });
    let link_rows = links
        .iter()
        .take(LISTED_LINKS)
        .map(|((entity, from, to), link)| GroupLink {
            from: place_name(entity, from),
            to: place_name(entity, to),
            protocols: link
                .protocols
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            flows: tr.num(link.flows),
            packets: tr.num(link.packets),
            operations: super::super::asset_sentences::operations(
                tr,
                &link.operations.iter().cloned().collect::<Vec<_>>(),
            ),
            changing: changing(&link.operations),
        })
        .collect();

    // Entities shown without a policy: say so, and how to give one.
    let mut without: Vec<&str> = shown_entities
        .iter()
        .filter(|id| !policies.contains_key(id.as_str()))
        .map(|id| entity_names.get(id.as_str()).copied().unwrap_or(id))
        .collect();
    without.sort_unstable();
    let no_policy = (!without.is_empty()).then(|| {
        tr.tf(
            "assets.zone_map.no_policy",
            &[("entities", &without.join(", "))],
        )
    });

    // The busiest flows, each end named after its asset when known.
    let endpoints: Vec<String> = view
        .flows
        .iter()
        .flat_map(|f| [f.src.clone(), f.dst.clone()])
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let known = state
        .store
        .assets_at(scope, entity, &endpoints)
        .await
        .map_err(fail)?;
    let mut names: HashMap<(&str, &str), String> = HashMap::new();
    for asset in &known {
        for key in asset.ips.iter().chain(asset.mac.iter()) {
            names.insert((&asset.entity_id, key), asset_name(asset));
        }
    }
    let named = |f: &StoredFlow, endpoint: &str| match names.get(&(f.entity_id.as_str(), endpoint))
    {
        Some(name) => format!("{name} ({endpoint})"),
        None => endpoint.to_owned(),
    };
    let flows: Vec<FlowRow> = view
        .flows
        .iter()
        .map(|f| {
            let mut row = flow_row(&tr, f);
            row.src = named(f, &f.src);
            row.dst = named(f, &f.dst);
            row
        })
        .collect();
    let (flows_total, flows_exceed) = view.flows_total;
    let flows_count = if flows_exceed {
        tr.tf(
            "assets.zone_map.more_than",
            &[("count", &tr.num(flows_total))],
        )
    } else {
        tr.num(flows_total)
    };
    let flows_heading = tr.tf(
        "assets.zone_map.busiest",
        &[
            ("shown", &tr.unum(flows.len() as u64)),
            ("count", &flows_count),
        ],
    );
    let page = MapPage {
        heading: shell_title,
        summary: tr.tf(
            "assets.zone_map.summary",
            &[
                ("assets", &tr.num(view.assets_total)),
                ("groups", &tr.unum(group_count as u64)),
                ("flows", &flows_count),
            ],
        ),
        no_policy,
        back: focus_name.map(|_| {
            let href = entity.map_or_else(
                || "/assets/map".to_owned(),
                |e| format!("/assets/map?entity={}", super::super::url_encode(e)),
            );
            (tr.t("assets.zone_map.back").to_owned(), href)
        }),
        sections,
        links: link_rows,
        links_note,
        width: WIDTH,
        height: y + 8,
        bands,
        boxes,
        lines,
        diagram_note,
        flows,
        flows_heading,
        shell,
    };
    render(tr, &page)
}

/// A place's name without its entity: the zone's name, the network, or stations without an
/// IP address.
fn bare_place_name(tr: Tr, key: &str) -> String {
    let place = Place {
        key: key.to_owned(),
        band: UNZONED,
    };
    if let Some(zone) = place.zone_name() {
        zone.to_owned()
    } else if let Some(network) = place.network_name() {
        tr.tf("assets.zone_map.network", &[("network", network)])
    } else {
        tr.t("assets.zone_map.no_ip").to_owned()
    }
}

fn map_asset(tr: Tr, asset: &hygeia_store::monitoring::StoredAsset) -> MapAsset {
    let name = asset_name(asset);
    MapAsset {
        id: asset.id.clone(),
        peers: tr.tf("assets.zone_map.peers_of", &[("name", &name)]),
        name,
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
    }
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
fn zone_detail(
    tr: Tr,
    policies: &HashMap<String, ZonePolicy>,
    entity: &str,
    place: &Place,
) -> String {
    let Some(zone) = place.zone_name().and_then(|name| {
        policies
            .get(entity)
            .and_then(|p| p.zones.iter().find(|z| z.name == name))
    }) else {
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
    fn bands_run_from_the_enterprise_down_then_zones_without_level_then_networks() {
        let place = |band| Place {
            key: String::new(),
            band,
        };
        let mut bands = vec![
            Band::of(&place(UNZONED)),
            Band::of(&place(1)),
            Band::of(&place(NO_LEVEL)),
            Band::of(&place(4)),
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
