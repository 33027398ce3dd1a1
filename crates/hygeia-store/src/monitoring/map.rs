//! The communication map kept as aggregates, so that drawing it reads a few hundred rows
//! whatever the size of the inventory. Every asset and every flow end remembers where it sits
//! (its *place*: a zone of its entity's policy, else its network), and three tables hold the
//! counts: assets per place (`map_groups`), per place and role (`map_group_roles`), and flows
//! between two places per protocol (`map_links`). Ingest adds its changes to them in its own
//! transaction; a new zone policy places everything of the entity again.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use hygeia_domain::access::EntityScope;
use hygeia_monitor::{Endpoint, ZonePolicy};
use serde::Serialize;
use sqlx::AnyConnection;

use super::{StoredAsset, StoredFlow};
use crate::Store;
use crate::error::Result;
use crate::keyset::Keyset;
use crate::paging::{Page, PageRequest};
use crate::sql::Filter;

/// The band of a zone that has no Purdue level.
pub const NO_LEVEL: i64 = 6;
/// The band of what no zone covers.
pub const UNZONED: i64 = 7;

const ZONE: &str = "zone:";
const NETWORK: &str = "net:";

/// Where an asset or a flow's end sits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Place {
    /// `zone:NAME`, `net:CIDR` (IPv4 /24, IPv6 /64), or `net:` for a station known by its
    /// MAC address alone.
    pub key: String,
    /// The zone's Purdue level (0–5), [`NO_LEVEL`] for a zone without one, [`UNZONED`]
    /// outside every zone.
    pub band: i64,
}

impl Place {
    fn zone(name: &str, level: Option<u8>) -> Self {
        Self {
            key: format!("{ZONE}{name}"),
            band: level.map_or(NO_LEVEL, |l| i64::from(l.min(5))),
        }
    }

    fn network(network: Option<String>) -> Self {
        Self {
            key: format!("{NETWORK}{}", network.unwrap_or_default()),
            band: UNZONED,
        }
    }

    /// The zone's name, for a place that is a zone.
    pub fn zone_name(&self) -> Option<&str> {
        self.key.strip_prefix(ZONE)
    }

    /// The network, for a place outside every zone that has one.
    pub fn network_name(&self) -> Option<&str> {
        self.key.strip_prefix(NETWORK).filter(|n| !n.is_empty())
    }
}

/// The /24 of an IPv4 address, the /64 of an IPv6 one.
pub fn network_of(ip: IpAddr) -> String {
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

/// Whether a flow's end is a group address (broadcast, multicast): not a peer of its own, so
/// such flows are no link between places.
pub fn is_group_address(endpoint: &str) -> bool {
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

/// Places addresses by an entity's zone policy (a stored policy was checked when saved; one
/// that no longer parses places everything by network).
pub(crate) struct Placer {
    policy: Option<ZonePolicy>,
    /// A policy is stored but no longer parses (a newer format, a damaged row): assets
    /// already placed keep their place rather than fall back to their networks.
    broken: bool,
}

impl Placer {
    pub(crate) fn new(policy: Option<&str>) -> Self {
        let parsed = policy.map(|text| ZonePolicy::from_toml(text, "stored policy"));
        if let Some(Err(error)) = &parsed {
            tracing::warn!(%error, "a stored zone policy does not parse: places are kept as they are");
        }
        Self {
            broken: matches!(parsed, Some(Err(_))),
            policy: parsed.and_then(Result::ok),
        }
    }

    /// Whether the stored policy no longer parses (see the field).
    pub(crate) fn is_broken(&self) -> bool {
        self.broken
    }

    /// The zone policy of an entity as stored, ready to place.
    pub(crate) async fn of_entity(conn: &mut AnyConnection, entity_id: &str) -> Result<Self> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT policy FROM zone_policies WHERE entity_id = $1")
                .bind(entity_id)
                .fetch_optional(&mut *conn)
                .await?;
        Ok(Self::new(text.as_deref()))
    }

    /// The place of one address; a MAC address is placed by `by_mac` (the asset that has it)
    /// when known.
    pub(crate) fn endpoint(&self, endpoint: &str, by_mac: Option<&Place>) -> Place {
        let Ok(ip) = endpoint.parse::<IpAddr>() else {
            return by_mac.cloned().unwrap_or_else(|| Place::network(None));
        };
        if let Some(zone) = self
            .policy
            .as_ref()
            .and_then(|p| p.zone_of(&Endpoint::Ip(ip), None))
        {
            return Place::zone(&zone.name, zone.purdue_level);
        }
        Place::network(Some(network_of(ip)))
    }

    /// A stored place key with its band under this policy.
    pub(crate) fn band_of(&self, key: &str) -> Place {
        let level = key.strip_prefix(ZONE).and_then(|name| {
            let zone = self
                .policy
                .as_ref()?
                .zones
                .iter()
                .find(|z| z.name == name)?;
            Some(zone.purdue_level)
        });
        match level {
            Some(level) => Place::zone(key.strip_prefix(ZONE).unwrap_or(key), level),
            None => Place {
                key: key.to_owned(),
                band: UNZONED,
            },
        }
    }

    /// The place of an asset: the first of its addresses that a zone covers, else its first
    /// address's network.
    pub(crate) fn asset(&self, ips: &[String]) -> Place {
        let mut first = None;
        for ip in ips {
            let place = self.endpoint(ip, None);
            if place.band != UNZONED {
                return place;
            }
            first.get_or_insert(place);
        }
        first.unwrap_or_else(|| Place::network(None))
    }
}

/// Flows summed between two places for one protocol.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct LinkTotals {
    flows: i64,
    packets: i64,
    operations: BTreeSet<String>,
}

/// Changes to the aggregates, summed in memory over a batch and written once per key.
#[derive(Debug, Default)]
pub(crate) struct MapDelta {
    groups: BTreeMap<Place, i64>,
    roles: BTreeMap<(String, String), i64>,
    links: BTreeMap<(String, String, String), LinkTotals>,
}

impl MapDelta {
    /// Adds (`sign` 1) or removes (`sign` -1) an asset at `place` with its roles.
    pub(crate) fn asset(&mut self, place: &Place, roles: &[String], sign: i64) {
        *self.groups.entry(place.clone()).or_default() += sign;
        for role in roles {
            *self
                .roles
                .entry((place.key.clone(), role.clone()))
                .or_default() += sign;
        }
    }

    /// Adds flows between two places; flows inside a place or to a group address are no link.
    pub(crate) fn flow(&mut self, ends: (&Place, &Place), dst: &str, flow: FlowAmounts<'_>) {
        let (from, to) = ends;
        if from.key == to.key || is_group_address(dst) {
            return;
        }
        let link = self
            .links
            .entry((from.key.clone(), to.key.clone(), flow.protocol.to_owned()))
            .or_default();
        link.flows += flow.flows;
        link.packets = link.packets.saturating_add(flow.packets);
        link.operations.extend(flow.operations.iter().cloned());
    }

    /// Writes the changes for entity `entity_id`; counts that reach zero are removed.
    pub(crate) async fn apply(self, conn: &mut AnyConnection, entity_id: &str) -> Result<()> {
        for (place, count) in self.groups.into_iter().filter(|(_, c)| *c != 0) {
            sqlx::query(
                "INSERT INTO map_groups (entity_id, place, band, assets) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (entity_id, place) DO UPDATE SET assets = map_groups.assets + excluded.assets",
            )
            .bind(entity_id)
            .bind(&place.key)
            .bind(place.band)
            .bind(count)
            .execute(&mut *conn)
            .await?;
        }
        drop_empty(conn, "map_groups", entity_id).await?;
        for ((place, role), count) in self.roles.into_iter().filter(|(_, c)| *c != 0) {
            sqlx::query(
                "INSERT INTO map_group_roles (entity_id, place, role, assets) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (entity_id, place, role) DO UPDATE SET \
                 assets = map_group_roles.assets + excluded.assets",
            )
            .bind(entity_id)
            .bind(&place)
            .bind(&role)
            .bind(count)
            .execute(&mut *conn)
            .await?;
        }
        drop_empty(conn, "map_group_roles", entity_id).await?;
        for ((from, to, protocol), add) in self.links {
            // The upsert takes the row's lock and returns the operations it holds, so two
            // batches of one entity merging at once cannot lose each other's operations.
            let known: String = sqlx::query_scalar(
                "INSERT INTO map_links (entity_id, src_place, dst_place, protocol, flows, packets, operations) \
                 VALUES ($1, $2, $3, $4, $5, $6, '[]') \
                 ON CONFLICT (entity_id, src_place, dst_place, protocol) DO UPDATE SET \
                 flows = map_links.flows + excluded.flows, packets = map_links.packets + excluded.packets \
                 RETURNING operations",
            )
            .bind(entity_id)
            .bind(&from)
            .bind(&to)
            .bind(&protocol)
            .bind(add.flows)
            .bind(add.packets)
            .fetch_one(&mut *conn)
            .await?;
            let mut operations: BTreeSet<String> = serde_json::from_str(&known).unwrap_or_default();
            let before = operations.len();
            operations.extend(add.operations);
            if operations.len() != before {
                let operations = serde_json::to_string(&operations).unwrap_or_else(|_| "[]".into());
                sqlx::query(
                    "UPDATE map_links SET operations = $5 \
                     WHERE entity_id = $1 AND src_place = $2 AND dst_place = $3 AND protocol = $4",
                )
                .bind(entity_id)
                .bind(&from)
                .bind(&to)
                .bind(&protocol)
                .bind(operations)
                .execute(&mut *conn)
                .await?;
            }
        }
        Ok(())
    }
}

/// Removes the counts that reached zero; a count below zero means the aggregates drifted from
/// the tables (a bug): it is said in the log and removed, and the next policy change
/// rebuilds the entity's map.
async fn drop_empty(conn: &mut AnyConnection, table: &str, entity_id: &str) -> Result<()> {
    let negative: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM {table} WHERE entity_id = $1 AND assets < 0"
    )))
    .bind(entity_id)
    .fetch_one(&mut *conn)
    .await?;
    if negative > 0 {
        tracing::warn!(table, entity_id, negative, "map counts below zero, removed");
    }
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE entity_id = $1 AND assets <= 0"
    )))
    .bind(entity_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What a flow adds to its link.
pub(crate) struct FlowAmounts<'a> {
    pub protocol: &'a str,
    pub flows: i64,
    pub packets: i64,
    pub operations: &'a [String],
}

/// The places of a batch's MAC addresses, looked up once each.
#[derive(Default)]
pub(crate) struct MacPlaces(HashMap<String, Option<Place>>);

impl MacPlaces {
    /// Remembers where the asset with `mac` sits (an asset of the batch); the first one
    /// learnt stays when two assets share a MAC address.
    pub(crate) fn learn(&mut self, mac: &str, place: &Place) {
        self.0
            .entry(mac.to_owned())
            .or_insert_with(|| Some(place.clone()));
    }

    /// The place of the asset that has MAC address `endpoint`, if the endpoint is one.
    pub(crate) async fn of(
        &mut self,
        conn: &mut AnyConnection,
        entity_id: &str,
        endpoint: &str,
    ) -> Result<Option<Place>> {
        if endpoint.parse::<IpAddr>().is_ok() {
            return Ok(None);
        }
        if let Some(known) = self.0.get(endpoint) {
            return Ok(known.clone());
        }
        let found: Option<(Option<String>, Option<i64>)> = sqlx::query_as(
            "SELECT place, place_band FROM assets WHERE entity_id = $1 AND mac = $2 ORDER BY id LIMIT 1",
        )
        .bind(entity_id)
        .bind(endpoint)
        .fetch_optional(&mut *conn)
        .await?;
        let place = match found {
            Some((Some(key), Some(band))) => Some(Place { key, band }),
            _ => None,
        };
        self.0.insert(endpoint.to_owned(), place.clone());
        Ok(place)
    }
}

/// Places every asset and flow of an entity again (its zone policy changed, or they were
/// stored before places existed) and rebuilds its aggregates, in the caller's transaction.
pub(crate) async fn place_all(conn: &mut AnyConnection, entity_id: &str) -> Result<()> {
    let placer = Placer::of_entity(conn, entity_id).await?;
    for table in ["map_groups", "map_group_roles", "map_links"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE entity_id = $1"
        )))
        .bind(entity_id)
        .execute(&mut *conn)
        .await?;
    }
    let mut delta = MapDelta::default();
    /// Id, MAC address, addresses, roles, stored place and band.
    type AssetPlace = (
        String,
        Option<String>,
        String,
        String,
        Option<String>,
        Option<i64>,
    );
    let assets: Vec<AssetPlace> = sqlx::query_as(
        "SELECT id, mac, ips, roles, place, place_band FROM assets WHERE entity_id = $1 ORDER BY id",
    )
    .bind(entity_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut macs = MacPlaces::default();
    for (id, mac, ips, roles, key, band) in assets {
        let place = placer.asset(&super::list(&ips));
        delta.asset(&place, &super::list(&roles), 1);
        if let Some(mac) = mac {
            macs.learn(&mac, &place);
        }
        if key.as_deref() != Some(place.key.as_str()) || band != Some(place.band) {
            sqlx::query("UPDATE assets SET place = $2, place_band = $3 WHERE id = $1")
                .bind(&id)
                .bind(&place.key)
                .bind(place.band)
                .execute(&mut *conn)
                .await?;
        }
    }
    type FlowPlaces = (
        String,
        String,
        String,
        String,
        i64,
        String,
        Option<String>,
        Option<String>,
    );
    let flows: Vec<FlowPlaces> = sqlx::query_as(
        "SELECT id, src, dst, protocol, packets, operations, src_place, dst_place \
         FROM asset_flows WHERE entity_id = $1",
    )
    .bind(entity_id)
    .fetch_all(&mut *conn)
    .await?;
    for (id, src, dst, protocol, packets, operations, src_key, dst_key) in flows {
        let from = placer.endpoint(&src, macs.0.get(&src).and_then(Option::as_ref));
        let to = placer.endpoint(&dst, macs.0.get(&dst).and_then(Option::as_ref));
        let operations = super::list(&operations);
        let amounts = FlowAmounts {
            protocol: &protocol,
            flows: 1,
            packets,
            operations: &operations,
        };
        delta.flow((&from, &to), &dst, amounts);
        if src_key.as_deref() != Some(from.key.as_str())
            || dst_key.as_deref() != Some(to.key.as_str())
        {
            sqlx::query("UPDATE asset_flows SET src_place = $2, dst_place = $3 WHERE id = $1")
                .bind(&id)
                .bind(&from.key)
                .bind(&to.key)
                .execute(&mut *conn)
                .await?;
        }
    }
    delta.apply(conn, entity_id).await
}

/// The flows at one place: their filter and order.
pub(super) fn place_flow_list(
    scope: &EntityScope,
    entity_id: &str,
    place: &str,
) -> (Filter, Keyset<'static>) {
    let mut f = Filter::new();
    f.eq_opt("entity_id", Some(entity_id));
    f.any_eq(&["src_place", "dst_place"], place);
    f.scope("entity_id", scope);
    (f, super::FLOW_KEYSET)
}

/// One place of the map with its assets counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapGroup {
    pub entity_id: String,
    pub place: Place,
    pub assets: i64,
    /// Roles found in the place with how many assets have each, most frequent first.
    pub roles: Vec<RoleCount>,
}

/// How many assets of a place have one role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleCount {
    pub role: String,
    pub assets: i64,
}

/// Flows from one place to another for one protocol, summed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapLink {
    pub entity_id: String,
    pub from: String,
    pub to: String,
    pub protocol: String,
    pub flows: i64,
    pub packets: i64,
    pub operations: Vec<String>,
}

impl Store {
    /// The places of the map with their asset counts, for the entities `scope` may see (or
    /// one of them).
    pub async fn map_groups(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
    ) -> Result<Vec<MapGroup>> {
        let mut f = Filter::new();
        f.eq_opt("entity_id", entity_id);
        f.scope("entity_id", scope);
        use sqlx::Row;
        let groups = f
            .query(format!(
                "SELECT entity_id, place, band, assets FROM map_groups{} \
                 ORDER BY entity_id, band, place",
                f.where_clause()
            ))
            .fetch_all(self.reader())
            .await?;
        let roles = f
            .query(format!(
                "SELECT entity_id, place, role, assets FROM map_group_roles{}",
                f.where_clause()
            ))
            .fetch_all(self.reader())
            .await?;
        let mut roles_of: HashMap<(String, String), Vec<RoleCount>> = HashMap::new();
        for r in &roles {
            roles_of
                .entry((r.try_get(0)?, r.try_get(1)?))
                .or_default()
                .push(RoleCount {
                    role: r.try_get(2)?,
                    assets: r.try_get(3)?,
                });
        }
        groups
            .iter()
            .map(|r| {
                let (entity_id, key): (String, String) = (r.try_get(0)?, r.try_get(1)?);
                let mut roles = roles_of
                    .remove(&(entity_id.clone(), key.clone()))
                    .unwrap_or_default();
                roles.sort_by(|a, b| b.assets.cmp(&a.assets).then_with(|| a.role.cmp(&b.role)));
                Ok(MapGroup {
                    entity_id,
                    place: Place {
                        key,
                        band: r.try_get(2)?,
                    },
                    assets: r.try_get(3)?,
                    roles,
                })
            })
            .collect()
    }

    /// The links between places, busiest first; with `place`, only those from or to it.
    pub async fn map_links(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
        place: Option<&str>,
    ) -> Result<Vec<MapLink>> {
        let mut f = Filter::new();
        f.eq_opt("entity_id", entity_id);
        if let Some(place) = place {
            f.any_eq(&["src_place", "dst_place"], place);
        }
        f.scope("entity_id", scope);
        let rows = f
            .query(format!(
                "SELECT entity_id, src_place, dst_place, protocol, flows, packets, operations \
                 FROM map_links{} ORDER BY packets DESC, src_place, dst_place, protocol",
                f.where_clause()
            ))
            .fetch_all(self.reader())
            .await?;
        use sqlx::Row;
        rows.iter()
            .map(|r| {
                Ok(MapLink {
                    entity_id: r.try_get(0)?,
                    from: r.try_get(1)?,
                    to: r.try_get(2)?,
                    protocol: r.try_get(3)?,
                    flows: r.try_get(4)?,
                    packets: r.try_get(5)?,
                    operations: super::list(&r.try_get::<String, _>(6)?),
                })
            })
            .collect()
    }

    /// The busiest flows with an end at `place` of entity `entity_id`; `after` continues
    /// after a previous page's `next`.
    pub async fn flows_at_place(
        &self,
        scope: &EntityScope,
        entity_id: &str,
        place: &str,
        page: PageRequest,
        after: Option<&str>,
    ) -> Result<Page<StoredFlow>> {
        let (f, keyset) = place_flow_list(scope, entity_id, place);
        let rows: Page<super::FlowRow> = keyset.page(self.reader(), f, page, after).await?;
        Ok(rows.map(StoredFlow::from))
    }

    /// The assets that have one of `endpoints` (IP or MAC addresses) as an address, found
    /// through the address terms.
    pub async fn assets_at(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
        endpoints: &[String],
    ) -> Result<Vec<StoredAsset>> {
        if endpoints.is_empty() {
            return Ok(Vec::new());
        }
        let terms: BTreeSet<String> = endpoints
            .iter()
            .map(|e| format!("t:{}", e.trim().to_lowercase()))
            .collect();
        let mut by_term = Filter::new();
        by_term.eq_opt("entity_id", entity_id);
        by_term.in_set("term", terms.iter().map(String::as_str));
        let ids: Vec<String> = by_term
            .query(format!(
                "SELECT DISTINCT asset_id FROM asset_terms{}",
                by_term.where_clause()
            ))
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(|r| sqlx::Row::try_get(r, 0))
            .collect::<std::result::Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut f = Filter::new();
        f.in_set("id", ids.iter().map(String::as_str));
        f.eq_opt("entity_id", entity_id);
        f.scope("entity_id", scope);
        let rows: Vec<super::AssetRow> = f
            .query(format!(
                "SELECT {} FROM assets{}",
                super::ASSET_COLUMNS,
                f.where_clause()
            ))
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(sqlx::FromRow::from_row)
            .collect::<std::result::Result<_, _>>()?;
        // A term also matches a name spelled like an address: keep real addresses only.
        Ok(rows
            .into_iter()
            .map(StoredAsset::from)
            .filter(|a| {
                endpoints
                    .iter()
                    .any(|e| a.ips.contains(e) || a.mac.as_deref() == Some(e.as_str()))
            })
            .collect())
    }

    /// Places the assets and flows stored before places existed, one entity per
    /// transaction; returns how many entities. Run when the hub starts: on a placed inventory
    /// it is two index lookups.
    pub async fn place_unplaced(&self) -> Result<u64> {
        let entities: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT entity_id FROM assets WHERE place IS NULL \
             UNION SELECT DISTINCT entity_id FROM asset_flows WHERE src_place IS NULL",
        )
        .fetch_all(self.reader())
        .await?;
        for entity in &entities {
            let mut tx = self.begin().await?;
            place_all(&mut tx, entity).await?;
            tx.commit().await?;
        }
        Ok(entities.len() as u64)
    }
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
    fn places_follow_the_zone_policy_then_the_network() {
        let placer = Placer::new(Some(
            "[[zone]]\nname = \"cell\"\ncidrs = [\"10.1.0.0/24\"]\npurdue_level = 1\n\
             [[zone]]\nname = \"lab\"\ncidrs = [\"10.2.0.0/24\"]\n",
        ));
        let cell = placer.endpoint("10.1.0.5", None);
        assert_eq!((cell.key.as_str(), cell.band), ("zone:cell", 1));
        assert_eq!(cell.zone_name(), Some("cell"));
        assert_eq!(placer.endpoint("10.2.0.9", None).band, NO_LEVEL);
        let outside = placer.endpoint("10.9.0.9", None);
        assert_eq!(
            (outside.key.as_str(), outside.band),
            ("net:10.9.0.0/24", UNZONED)
        );
        assert_eq!(outside.network_name(), Some("10.9.0.0/24"));
        // An asset sits in the first zone one of its addresses is in.
        let asset = placer.asset(&["10.9.0.1".into(), "10.2.0.1".into()]);
        assert_eq!(asset.key, "zone:lab");
        // A MAC address sits where its asset does, else nowhere known.
        assert_eq!(placer.endpoint("00:1b:1b:0a:0b:0c", Some(&cell)), cell);
        let unknown = placer.endpoint("00:1b:1b:0a:0b:0c", None);
        assert_eq!(
            (unknown.key.as_str(), unknown.network_name()),
            ("net:", None)
        );
        // Without a policy everything is placed by network.
        assert_eq!(Placer::new(None).endpoint("10.1.0.5", None).band, UNZONED);
    }

    #[test]
    fn a_batch_sums_its_links_once_per_key_and_skips_internal_and_group_traffic() {
        let placer = Placer::new(Some(
            "[[zone]]\nname = \"cell\"\ncidrs = [\"10.1.0.0/24\"]\n",
        ));
        let (a, b) = (
            placer.endpoint("10.1.0.5", None),
            placer.endpoint("10.9.0.1", None),
        );
        let ops = vec!["write".to_owned()];
        let mut delta = MapDelta::default();
        for packets in [3, 4] {
            let amounts = FlowAmounts {
                protocol: "modbus",
                flows: 1,
                packets,
                operations: &ops,
            };
            delta.flow((&b, &a), "10.1.0.5", amounts);
        }
        let inside = FlowAmounts {
            protocol: "modbus",
            flows: 1,
            packets: 9,
            operations: &ops,
        };
        delta.flow((&a, &a), "10.1.0.6", inside);
        let multicast = FlowAmounts {
            protocol: "mdns",
            flows: 1,
            packets: 9,
            operations: &[],
        };
        delta.flow((&a, &b), "224.0.0.251", multicast);
        assert_eq!(delta.links.len(), 1);
        let link = delta.links.values().next().unwrap();
        assert_eq!((link.flows, link.packets), (2, 7));
        assert!(link.operations.contains("write"));
    }
}
