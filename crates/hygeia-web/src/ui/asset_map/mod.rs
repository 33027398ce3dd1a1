//! The communication map (`/assets/map`), readable from ten assets to a group's fifty
//! thousand. The store keeps the places of the map (zones of each entity's policy, by Purdue
//! level; networks outside every zone) counted as assets and flows arrive, so a view reads a
//! few hundred rows whatever the size of the inventory. Three views share one page:
//! - the whole map: one box per place, the communications between places, the busiest flows;
//! - one place (`?entity=E&place=zone:Cell`): its assets (a thousand a page), the places it
//!   talks to, its busiest flows;
//! - one asset's neighbours (`?asset=ID`): its peers grouped by place, the flows between them.

mod layout;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::extract::{Query, State};
use hygeia_domain::access::{EntityScope, Permission};
use hygeia_monitor::protocol_label;
use hygeia_store::PageRequest;
use hygeia_store::monitoring::map::Place;
use hygeia_store::monitoring::{AssetFilter, StoredAsset, StoredFlow};
use serde::Deserialize;

use super::assets::nonempty;
use super::{PageAuth, PageError, PageResult, tr_of, url_encode};
use crate::AppState;

/// The whole map lists each place's assets when it has at most this many in all; larger maps
/// count them and link to each place.
const LISTED_UP_TO: i64 = 60;
/// Assets of one place listed a page at a time.
const PLACE_PAGE: i64 = 1_000;
/// The busiest flows listed one by one.
const LISTED_FLOWS: i64 = 120;
/// Flows of one asset read per address for its neighbours.
const NEIGHBOUR_FLOWS: i64 = 500;

#[derive(Debug, Default, Deserialize)]
pub struct MapQuery {
    #[serde(default)]
    entity: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    asset: String,
    #[serde(default)]
    after: String,
}

/// A place shown, with what is known of its assets.
struct GroupView {
    entity_id: String,
    place: Place,
    /// Replaces the place's name (the asset whose neighbours are shown).
    label: Option<String>,
    count: i64,
    roles: Vec<(String, i64)>,
    /// The assets listed in the group: all of them, a page of them, or none when the group
    /// is only counted.
    assets: Vec<StoredAsset>,
    /// Where to see more of the group.
    more: Option<More>,
}

/// A link from a group to more of it.
enum More {
    /// The place's own view.
    Place(String),
    /// The next page of the place's assets.
    Next(String),
}

/// Flows summed from one place to another over every protocol.
#[derive(Default)]
struct LinkView {
    protocols: BTreeSet<String>,
    operations: BTreeSet<String>,
    flows: i64,
    packets: i64,
}

/// What one view shows, before it is laid out.
struct MapView {
    groups: Vec<GroupView>,
    /// Links keyed by entity, from place, to place.
    links: BTreeMap<(String, String, String), LinkView>,
    flows: Vec<StoredFlow>,
    /// Flows in the view, and whether there are more than that (a bounded count).
    flows_total: (i64, bool),
    assets_total: i64,
    /// The place or asset the view is about (its breadcrumb), for views narrower than all.
    focus: Option<String>,
}

type Fail = Box<dyn Fn(hygeia_store::StoreError) -> PageError + Send + Sync>;

/// The map of the entity chosen in the switcher (or of every entity the user may see), of
/// one place, or of one asset's neighbours.
pub async fn map_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<MapQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    auth.principal
        .require(Permission::AssetRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let fail: Fail = Box::new(move |e| PageError::new(tr, e.into()));
    let scope = &auth.principal.scope;
    let entity = nonempty(&query.entity).filter(|id| scope.contains(id));
    let after = nonempty(&query.after);
    let view = if let Some(id) = nonempty(&query.asset) {
        let asset = state.store.asset(&id).await.map_err(&fail)?;
        if !scope.contains(&asset.entity_id) {
            let missing = crate::error::ApiError::NotFound(format!("asset '{id}' was not found"));
            return Err(PageError::new(tr, missing));
        }
        neighbours(&state, scope, asset, &fail).await?
    } else if let (Some(entity), Some(place)) = (entity.as_deref(), nonempty(&query.place)) {
        one_place(&state, scope, entity, &place, after.as_deref(), &fail).await?
    } else {
        whole(&state, scope, entity.as_deref(), &fail).await?
    };
    let focus_entity = view.groups.first().map(|g| g.entity_id.clone());
    let shown_entity = entity.or(if view.focus.is_some() {
        focus_entity
    } else {
        None
    });
    layout::render_map(&state, &auth, shown_entity.as_deref(), view, &fail).await
}

/// The first `limit` rows of a list (beyond the API's page size: these are the page's own
/// bounds).
fn first(limit: i64) -> PageRequest {
    PageRequest { limit, offset: 0 }
}

fn group_of(entity_id: &str, g: hygeia_store::monitoring::map::MapGroup) -> GroupView {
    GroupView {
        entity_id: entity_id.to_owned(),
        place: g.place,
        label: None,
        count: g.assets,
        roles: g.roles.into_iter().map(|r| (r.role, r.assets)).collect(),
        assets: Vec::new(),
        more: None,
    }
}

fn place_href(entity_id: &str, place: &str) -> String {
    format!(
        "/assets/map?entity={}&place={}",
        url_encode(entity_id),
        url_encode(place)
    )
}

/// Links of the store summed over protocols.
fn sum_links(
    links: Vec<hygeia_store::monitoring::map::MapLink>,
) -> BTreeMap<(String, String, String), LinkView> {
    let mut out: BTreeMap<(String, String, String), LinkView> = BTreeMap::new();
    for l in links {
        let link = out.entry((l.entity_id, l.from, l.to)).or_default();
        link.protocols.insert(protocol_label(&l.protocol));
        link.operations.extend(l.operations);
        link.flows += l.flows;
        link.packets = link.packets.saturating_add(l.packets);
    }
    out
}

/// Every place, counted; each place's assets listed when the map is small.
async fn whole(
    state: &AppState,
    scope: &EntityScope,
    entity: Option<&str>,
    fail: &Fail,
) -> Result<MapView, PageError> {
    let counted = state.store.map_groups(scope, entity).await.map_err(fail)?;
    let assets_total: i64 = counted.iter().map(|g| g.assets).sum();
    let mut groups: Vec<GroupView> = counted
        .into_iter()
        .map(|g| {
            let entity_id = g.entity_id.clone();
            let mut view = group_of(&entity_id, g);
            if assets_total > LISTED_UP_TO {
                view.more = Some(More::Place(place_href(&entity_id, &view.place.key)));
            }
            view
        })
        .collect();
    if assets_total <= LISTED_UP_TO {
        let filter = AssetFilter {
            entity_id: entity.map(str::to_owned),
            ..AssetFilter::default()
        };
        let page = first(LISTED_UP_TO);
        let assets = state
            .store
            .list_assets(scope, &filter, page)
            .await
            .map_err(fail)?;
        for asset in assets.items {
            if let Some(group) = groups.iter_mut().find(|g| {
                g.entity_id == asset.entity_id && Some(&g.place.key) == asset.place.as_ref()
            }) {
                group.assets.push(asset);
            }
        }
    }
    let links = sum_links(
        state
            .store
            .map_links(scope, entity, None)
            .await
            .map_err(fail)?,
    );
    let page = first(LISTED_FLOWS);
    let flows = state
        .store
        .list_flows(scope, entity, None, page, None)
        .await
        .map_err(fail)?;
    Ok(MapView {
        groups,
        links,
        flows_total: (flows.total, flows.total_exceeds),
        flows: flows.items,
        assets_total,
        focus: None,
    })
}

/// One place: its assets a page at a time, the places it talks to (counted), its busiest
/// flows.
async fn one_place(
    state: &AppState,
    scope: &EntityScope,
    entity: &str,
    place: &str,
    after: Option<&str>,
    fail: &Fail,
) -> Result<MapView, PageError> {
    let links = sum_links(
        state
            .store
            .map_links(scope, Some(entity), Some(place))
            .await
            .map_err(fail)?,
    );
    let linked: BTreeSet<&str> = links
        .keys()
        .flat_map(|(_, from, to)| [from.as_str(), to.as_str()])
        .collect();
    let mut groups = Vec::new();
    let mut assets_total = 0;
    for g in state
        .store
        .map_groups(scope, Some(entity))
        .await
        .map_err(fail)?
    {
        if g.place.key == place {
            assets_total = g.assets;
        } else if !linked.contains(g.place.key.as_str()) {
            continue;
        }
        let mut view = group_of(entity, g);
        view.more = Some(More::Place(place_href(entity, &view.place.key)));
        groups.push(view);
    }
    let filter = AssetFilter {
        entity_id: Some(entity.to_owned()),
        place: Some(place.to_owned()),
        after: after.map(str::to_owned),
        ..AssetFilter::default()
    };
    let page = first(PLACE_PAGE);
    let assets = state
        .store
        .list_assets(scope, &filter, page)
        .await
        .map_err(fail)?;
    let flows = state
        .store
        .flows_at_place(scope, entity, place, first(LISTED_FLOWS), None)
        .await
        .map_err(fail)?;
    match groups.iter_mut().find(|g| g.place.key == place) {
        Some(group) => {
            group.more = assets.next.as_ref().map(|next| {
                More::Next(format!(
                    "{}&after={}",
                    place_href(entity, place),
                    url_encode(next)
                ))
            });
            group.assets = assets.items;
        }
        None if !assets.items.is_empty() || !flows.items.is_empty() => {
            // Flows reach the place but no asset sits there (yet).
            groups.push(GroupView {
                entity_id: entity.to_owned(),
                place: Place {
                    key: place.to_owned(),
                    band: hygeia_store::monitoring::map::UNZONED,
                },
                label: None,
                count: 0,
                roles: Vec::new(),
                assets: assets.items,
                more: None,
            });
        }
        None => {}
    }
    Ok(MapView {
        focus: Some(place.to_owned()),
        groups,
        links,
        flows_total: (flows.total, flows.total_exceeds),
        flows: flows.items,
        assets_total,
    })
}

/// One asset and its peers, grouped by the place of each peer.
async fn neighbours(
    state: &AppState,
    scope: &EntityScope,
    asset: StoredAsset,
    fail: &Fail,
) -> Result<MapView, PageError> {
    let entity = asset.entity_id.clone();
    let own: Vec<String> = asset.ips.iter().chain(asset.mac.iter()).cloned().collect();
    let mut flows: HashMap<String, StoredFlow> = HashMap::new();
    let mut exceeds = false;
    for endpoint in &own {
        let page = first(NEIGHBOUR_FLOWS);
        let found = state
            .store
            .list_flows(scope, Some(&entity), Some(endpoint), page, None)
            .await
            .map_err(fail)?;
        exceeds |= found.next.is_some();
        flows.extend(found.items.into_iter().map(|f| (f.id.clone(), f)));
    }
    let mut flows: Vec<StoredFlow> = flows.into_values().collect();
    flows.sort_by(|a, b| b.packets.cmp(&a.packets).then_with(|| a.id.cmp(&b.id)));
    // The asset is a place of its own; each peer sits where the store placed its end.
    let me = format!("asset:{}", asset.id);
    let mut peers: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut links: BTreeMap<(String, String, String), LinkView> = BTreeMap::new();
    for f in &flows {
        let outgoing = own.contains(&f.src);
        let (peer, peer_place) = if outgoing {
            (&f.dst, f.dst_place.clone())
        } else {
            (&f.src, f.src_place.clone())
        };
        let peer_place = peer_place.unwrap_or_else(|| "net:".to_owned());
        peers
            .entry(peer_place.clone())
            .or_default()
            .insert(peer.clone());
        let key = if outgoing {
            (entity.clone(), me.clone(), peer_place)
        } else {
            (entity.clone(), peer_place, me.clone())
        };
        let link = links.entry(key).or_default();
        link.protocols.insert(protocol_label(&f.protocol));
        link.operations.extend(f.operations.iter().cloned());
        link.flows += 1;
        link.packets = link.packets.saturating_add(f.packets);
    }
    let endpoints: Vec<String> = peers.values().flatten().cloned().collect();
    let peer_assets = state
        .store
        .assets_at(scope, Some(&entity), &endpoints)
        .await
        .map_err(fail)?;
    let bands: HashMap<String, i64> = state
        .store
        .map_groups(scope, Some(&entity))
        .await
        .map_err(fail)?
        .into_iter()
        .map(|g| (g.place.key, g.place.band))
        .collect();
    let band_of = |key: &str| {
        bands
            .get(key)
            .copied()
            .unwrap_or(hygeia_store::monitoring::map::UNZONED)
    };
    let own_place = asset.place.clone().unwrap_or_default();
    let mut groups = vec![GroupView {
        entity_id: entity.clone(),
        place: Place {
            key: me,
            band: band_of(&own_place),
        },
        label: Some(asset_name(&asset)),
        count: 1,
        roles: asset.roles.iter().map(|r| (r.clone(), 1)).collect(),
        assets: vec![asset],
        more: None,
    }];
    for (key, endpoints) in peers {
        let assets: Vec<StoredAsset> = peer_assets
            .iter()
            .filter(|a| {
                a.ips
                    .iter()
                    .chain(a.mac.iter())
                    .any(|e| endpoints.contains(e))
                    && groups[0].assets.iter().all(|own| own.id != a.id)
            })
            .cloned()
            .collect();
        let mut roles: BTreeMap<String, i64> = BTreeMap::new();
        for role in assets.iter().flat_map(|a| a.roles.iter()) {
            *roles.entry(role.clone()).or_default() += 1;
        }
        groups.push(GroupView {
            entity_id: entity.clone(),
            more: Some(More::Place(place_href(&entity, &key))),
            place: Place {
                band: band_of(&key),
                key,
            },
            label: None,
            // Its assets, and each peer address no asset holds.
            count: i64::try_from(
                assets.len()
                    + endpoints
                        .iter()
                        .filter(|e| {
                            !assets
                                .iter()
                                .any(|a| a.ips.contains(e) || a.mac.as_ref() == Some(e))
                        })
                        .count(),
            )
            .unwrap_or(i64::MAX),
            roles: roles.into_iter().collect(),
            assets,
        });
    }
    let total = i64::try_from(flows.len()).unwrap_or(i64::MAX);
    flows.truncate(usize::try_from(LISTED_FLOWS).unwrap_or(0));
    Ok(MapView {
        focus: groups[0].label.clone(),
        assets_total: groups.iter().map(|g| g.count).sum(),
        groups,
        links,
        flows,
        flows_total: (total, exceeds),
    })
}

/// An asset's first name, else its key.
fn asset_name(asset: &StoredAsset) -> String {
    asset
        .names
        .first()
        .cloned()
        .unwrap_or_else(|| asset.asset_key.clone())
}
