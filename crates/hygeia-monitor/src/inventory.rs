//! Merges per-packet dissections into assets and flows, with hard caps so memory stays bounded
//! whatever the capture size.

use crate::capture::link::Frame;
use crate::dissect::Dissection;
use crate::model::{AttrKind, Endpoint, MacAddr, Op, OpSet, Protocol, Role, Subject};
use crate::oui;
use crate::report::{self, Asset, AttributeEvidence, Flow, OpEvidence, RoleEvidence};
use crate::util::FxMap;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// Most assets tracked (keys: IPs and MAC-only stations).
pub const MAX_ASSETS: usize = 100_000;
/// Most flows tracked.
pub const MAX_FLOWS: usize = 500_000;
const MAX_ATTRS: usize = 64;
const MAX_MACS: usize = 4;
const MAX_PROTOCOLS: usize = 32;
/// A MAC seen as the source of more IPs than this is a router or gateway.
const GATEWAY_IPS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Ip(IpAddr),
    Mac(MacAddr),
}

#[derive(Debug)]
struct Attr {
    kind: AttrKind,
    value: String,
    confidence: u8,
    source: &'static str,
    first_packet: u64,
    count: u64,
}

#[derive(Debug)]
struct RoleRec {
    role: Role,
    confidence: u8,
    source: &'static str,
    first_packet: u64,
}

#[derive(Debug)]
struct AssetAcc {
    macs: Vec<(MacAddr, u64)>,
    attrs: Vec<Attr>,
    roles: Vec<RoleRec>,
    protocols: Vec<Protocol>,
    first_ns: u64,
    last_ns: u64,
    packets_sent: u64,
}

impl AssetAcc {
    fn new(ts: u64) -> Self {
        Self {
            macs: Vec::new(),
            attrs: Vec::new(),
            roles: Vec::new(),
            protocols: Vec::new(),
            first_ns: ts,
            last_ns: ts,
            packets_sent: 0,
        }
    }
    fn add_mac(&mut self, m: MacAddr) {
        if let Some(e) = self.macs.iter_mut().find(|(x, _)| *x == m) {
            e.1 = e.1.saturating_add(1);
        } else if self.macs.len() < MAX_MACS {
            self.macs.push((m, 1));
        }
    }
    fn add_protocol(&mut self, p: Protocol) {
        if self.protocols.last() == Some(&p) || self.protocols.contains(&p) {
            return;
        }
        if self.protocols.len() < MAX_PROTOCOLS {
            self.protocols.push(p);
        }
    }
    fn add_attr(
        &mut self,
        kind: AttrKind,
        value: &str,
        confidence: u8,
        source: &'static str,
        idx: u64,
    ) {
        if let Some(a) = self
            .attrs
            .iter_mut()
            .find(|a| a.kind == kind && a.value == value)
        {
            a.count = a.count.saturating_add(1);
            if confidence > a.confidence {
                a.confidence = confidence;
                a.source = source;
            }
        } else if self.attrs.len() < MAX_ATTRS {
            self.attrs.push(Attr {
                kind,
                value: value.to_owned(),
                confidence,
                source,
                first_packet: idx,
                count: 1,
            });
        }
    }
    fn add_role(&mut self, role: Role, confidence: u8, source: &'static str, idx: u64) {
        if let Some(r) = self.roles.iter_mut().find(|r| r.role == role) {
            if confidence > r.confidence {
                r.confidence = confidence;
                r.source = source;
            }
        } else {
            self.roles.push(RoleRec {
                role,
                confidence,
                source,
                first_packet: idx,
            });
        }
    }
    fn touch(&mut self, ts: u64) {
        self.first_ns = self.first_ns.min(ts);
        self.last_ns = self.last_ns.max(ts);
    }
    fn absorb(&mut self, o: AssetAcc) {
        for (m, c) in o.macs {
            if let Some(e) = self.macs.iter_mut().find(|(x, _)| *x == m) {
                e.1 = e.1.saturating_add(c);
            } else if self.macs.len() < MAX_MACS {
                self.macs.push((m, c));
            }
        }
        for a in o.attrs {
            if let Some(x) = self
                .attrs
                .iter_mut()
                .find(|x| x.kind == a.kind && x.value == a.value)
            {
                x.count = x.count.saturating_add(a.count);
                x.first_packet = x.first_packet.min(a.first_packet);
                if a.confidence > x.confidence {
                    x.confidence = a.confidence;
                    x.source = a.source;
                }
            } else if self.attrs.len() < MAX_ATTRS {
                self.attrs.push(a);
            }
        }
        for r in o.roles {
            self.add_role(r.role, r.confidence, r.source, r.first_packet);
        }
        for p in o.protocols {
            self.add_protocol(p);
        }
        self.first_ns = self.first_ns.min(o.first_ns);
        self.last_ns = self.last_ns.max(o.last_ns);
        self.packets_sent = self.packets_sent.saturating_add(o.packets_sent);
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct FlowKey {
    client: Endpoint,
    server: Endpoint,
    protocol: Protocol,
}

#[derive(Debug)]
struct FlowAcc {
    packets: u64,
    bytes: u64,
    ops: OpSet,
    vlan: Option<u16>,
    first_packet: u64,
    first_ns: u64,
    last_ns: u64,
    op_first: [Option<(u64, u64)>; 5],
}

/// The accumulating inventory.
#[derive(Debug, Default)]
pub struct Inventory {
    assets: FxMap<Key, AssetAcc>,
    flows: FxMap<FlowKey, FlowAcc>,
    /// Assets or flows not tracked because of caps.
    pub dropped: u64,
}

fn ip_is_unicast(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v) => {
            !(v.is_broadcast() || v.is_multicast() || v.is_unspecified() || v.octets()[3] == 255)
        }
        IpAddr::V6(v) => !(v.is_multicast() || v.is_unspecified()),
    }
}

fn usable_mac(m: &MacAddr) -> bool {
    !m.is_group() && !m.is_zero()
}

impl Inventory {
    fn asset(&mut self, key: Key, ts: u64) -> Option<&mut AssetAcc> {
        if !self.assets.contains_key(&key) {
            if self.assets.len() >= MAX_ASSETS {
                self.dropped = self.dropped.saturating_add(1);
                return None;
            }
            self.assets.insert(key, AssetAcc::new(ts));
        }
        self.assets.get_mut(&key)
    }

    /// Adds one dissected frame.
    pub fn add(&mut self, index: u64, ts: u64, wire_len: u64, frame: &Frame<'_>, d: &Dissection) {
        let Some(protocol) = d.protocol else { return };
        let (src_key, dst_key, src_ep, dst_ep) = match &frame.ip {
            Some(ip) => (
                ip_is_unicast(&ip.src).then_some(Key::Ip(ip.src)),
                ip_is_unicast(&ip.dst).then_some(Key::Ip(ip.dst)),
                Some(Endpoint::Ip(ip.src)),
                Some(Endpoint::Ip(ip.dst)),
            ),
            None => (
                frame.src_mac.filter(usable_mac).map(Key::Mac),
                frame.dst_mac.filter(usable_mac).map(Key::Mac),
                frame.src_mac.map(Endpoint::Mac),
                frame.dst_mac.map(Endpoint::Mac),
            ),
        };
        if let Some(k) = src_key {
            let src_mac = frame.src_mac.filter(usable_mac);
            let is_ip = frame.ip.is_some();
            if let Some(a) = self.asset(k, ts) {
                a.touch(ts);
                a.packets_sent = a.packets_sent.saturating_add(1);
                a.add_protocol(protocol);
                if is_ip && let Some(m) = src_mac {
                    a.add_mac(m);
                }
            }
        }
        if let Some(k) = dst_key
            && let Some(a) = self.asset(k, ts)
        {
            a.touch(ts);
            a.add_protocol(protocol);
        }
        for (mac, ip) in &d.bindings {
            if let Some(a) = self.asset(Key::Ip(*ip), ts) {
                a.add_mac(*mac);
            }
        }
        let resolve = |s: Subject| match s {
            Subject::Src => src_key,
            Subject::Dst => dst_key,
            Subject::Mac(m) => usable_mac(&m).then_some(Key::Mac(m)),
            Subject::Ip(ip) => ip_is_unicast(&ip).then_some(Key::Ip(ip)),
        };
        for o in &d.obs {
            if let Some(k) = resolve(o.subject)
                && let Some(a) = self.asset(k, ts)
            {
                a.add_attr(o.kind, &o.value, o.confidence, o.source, index);
            }
        }
        for (s, role, conf, src) in &d.roles {
            if let Some(k) = resolve(*s)
                && let Some(a) = self.asset(k, ts)
            {
                a.add_role(*role, *conf, src, index);
            }
        }
        // Flow: client → server.
        let (Some(s), Some(t)) = (src_ep, dst_ep) else {
            return;
        };
        let (client, server) = if d.client_is_src.unwrap_or(true) {
            (s, t)
        } else {
            (t, s)
        };
        let key = FlowKey {
            client,
            server,
            protocol,
        };
        if !self.flows.contains_key(&key) {
            if self.flows.len() >= MAX_FLOWS {
                self.dropped = self.dropped.saturating_add(1);
                return;
            }
            self.flows.insert(
                key,
                FlowAcc {
                    packets: 0,
                    bytes: 0,
                    ops: OpSet::EMPTY,
                    vlan: frame.vlan,
                    first_packet: index,
                    first_ns: ts,
                    last_ns: ts,
                    op_first: [None; 5],
                },
            );
        }
        if let Some(f) = self.flows.get_mut(&key) {
            f.packets = f.packets.saturating_add(1);
            f.bytes = f.bytes.saturating_add(wire_len);
            f.first_ns = f.first_ns.min(ts);
            f.last_ns = f.last_ns.max(ts);
            if !d.ops.is_empty() {
                f.ops.0 |= d.ops.0;
                for op in d.ops.iter() {
                    if let Some(slot) = f.op_first.get_mut(op.index())
                        && slot.is_none()
                    {
                        *slot = Some((index, ts));
                    }
                }
            }
        }
    }

    /// Records an attribute from an import (asset list) for the asset with this IP and/or MAC.
    pub(crate) fn import_attr(
        &mut self,
        ip: Option<IpAddr>,
        mac: Option<MacAddr>,
        kind: Option<AttrKind>,
        role: Option<Role>,
        value: &str,
        source: &'static str,
    ) {
        let key = match (ip, mac) {
            (Some(ip), _) => Key::Ip(ip),
            (None, Some(m)) => Key::Mac(m),
            (None, None) => return,
        };
        if let Some(a) = self.asset(key, 0) {
            if let (Some(_), Some(m)) = (ip, mac) {
                a.add_mac(m);
            }
            if let Some(kind) = kind {
                a.add_attr(kind, value, 100, source, 0);
            }
            if let Some(role) = role {
                a.add_role(role, 100, source, 0);
            }
        }
    }

    /// Records a flow summary from an imported connection log.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn import_flow(
        &mut self,
        client: IpAddr,
        server: IpAddr,
        protocol: Protocol,
        packets: u64,
        bytes: u64,
        first_ns: u64,
        last_ns: u64,
    ) {
        for ip in [client, server] {
            if ip_is_unicast(&ip)
                && let Some(a) = self.asset(Key::Ip(ip), first_ns)
            {
                a.touch(first_ns);
                a.touch(last_ns);
                a.add_protocol(protocol);
            }
        }
        let key = FlowKey {
            client: Endpoint::Ip(client),
            server: Endpoint::Ip(server),
            protocol,
        };
        if !self.flows.contains_key(&key) {
            if self.flows.len() >= MAX_FLOWS {
                self.dropped = self.dropped.saturating_add(1);
                return;
            }
            self.flows.insert(
                key,
                FlowAcc {
                    packets: 0,
                    bytes: 0,
                    ops: OpSet::EMPTY,
                    vlan: None,
                    first_packet: 0,
                    first_ns,
                    last_ns,
                    op_first: [None; 5],
                },
            );
        }
        if let Some(f) = self.flows.get_mut(&key) {
            f.packets = f.packets.saturating_add(packets);
            f.bytes = f.bytes.saturating_add(bytes);
            f.first_ns = f.first_ns.min(first_ns);
            f.last_ns = f.last_ns.max(last_ns);
        }
    }

    /// Infers client roles from flows, merges IP assets by MAC and produces report rows.
    pub fn finish(mut self) -> (Vec<Asset>, Vec<Flow>) {
        self.infer_roles();
        let flows = self.flow_rows();
        // MAC → number of distinct IPs that used it as source.
        let mut mac_ips: FxMap<MacAddr, usize> = FxMap::default();
        for (k, a) in &self.assets {
            if matches!(k, Key::Ip(_)) {
                for (m, _) in &a.macs {
                    *mac_ips.entry(*m).or_insert(0) += 1;
                }
            }
        }
        let gateway = |m: &MacAddr| mac_ips.get(m).copied().unwrap_or(0) > GATEWAY_IPS;
        // Group keys by primary MAC.
        let mut keys: Vec<Key> = self.assets.keys().copied().collect();
        keys.sort();
        let mut groups: Vec<(Option<MacAddr>, Vec<Key>)> = Vec::new();
        let mut by_mac: FxMap<MacAddr, usize> = FxMap::default();
        for k in keys {
            let primary = match k {
                Key::Mac(m) => (!gateway(&m)).then_some(m),
                Key::Ip(_) => self.assets.get(&k).and_then(|a| {
                    a.macs
                        .iter()
                        .filter(|(m, _)| !gateway(m))
                        .max_by_key(|(_, c)| *c)
                        .map(|(m, _)| *m)
                }),
            };
            match primary {
                Some(m) => {
                    if let Some(&i) = by_mac.get(&m) {
                        if let Some(g) = groups.get_mut(i) {
                            g.1.push(k);
                        }
                    } else {
                        by_mac.insert(m, groups.len());
                        groups.push((Some(m), vec![k]));
                    }
                }
                None => groups.push((None, vec![k])),
            }
        }
        let mut assets = Vec::with_capacity(groups.len());
        for (mac, keys) in groups {
            let mut ips = BTreeSet::new();
            let mut acc: Option<AssetAcc> = None;
            for k in keys {
                if let Key::Ip(ip) = k {
                    ips.insert(ip);
                }
                if let Some(a) = self.assets.remove(&k) {
                    match acc.as_mut() {
                        Some(x) => x.absorb(a),
                        None => acc = Some(a),
                    }
                }
            }
            let Some(mut a) = acc else { continue };
            if let Some(m) = mac {
                if gateway(&m) {
                    a.add_role(Role::NetworkDevice, 60, "mac address behind many ips", 0);
                }
                if let Some(e) = oui::lookup(&m) {
                    a.add_attr(
                        AttrKind::Vendor,
                        e.organisation,
                        30,
                        "mac oui (ieee registry)",
                        0,
                    );
                }
            }
            assets.push(row(mac, ips.into_iter().collect(), a));
        }
        // Gateway MACs without an asset of their own still deserve one.
        let mut gws: Vec<MacAddr> = mac_ips
            .iter()
            .filter(|(_, n)| **n > GATEWAY_IPS)
            .map(|(m, _)| *m)
            .collect();
        gws.sort();
        for m in gws {
            if assets.iter().any(|x| x.mac == Some(m)) {
                continue;
            }
            let mut a = AssetAcc::new(0);
            a.add_role(Role::NetworkDevice, 60, "mac address behind many ips", 0);
            if let Some(e) = oui::lookup(&m) {
                a.add_attr(
                    AttrKind::Vendor,
                    e.organisation,
                    30,
                    "mac oui (ieee registry)",
                    0,
                );
            }
            assets.push(row(Some(m), Vec::new(), a));
        }
        (assets, flows)
    }

    fn infer_roles(&mut self) {
        // Per client: OT servers contacted and operation classes used.
        let mut clients: FxMap<Endpoint, (BTreeSet<Endpoint>, OpSet, u64)> = FxMap::default();
        for (k, f) in &self.flows {
            if !k.protocol.is_ot() || matches!(k.protocol, Protocol::ProfinetDcp | Protocol::CipIo)
            {
                continue;
            }
            let e =
                clients
                    .entry(k.client)
                    .or_insert((BTreeSet::new(), OpSet::EMPTY, f.first_packet));
            e.0.insert(k.server);
            e.1.0 |= f.ops.0;
            e.2 = e.2.min(f.first_packet);
        }
        for (client, (servers, ops, first)) in clients {
            let key = match client {
                Endpoint::Ip(ip) => Key::Ip(ip),
                Endpoint::Mac(m) => Key::Mac(m),
            };
            let Some(a) = self.assets.get_mut(&key) else {
                continue;
            };
            if ops.contains(Op::Program) || ops.contains(Op::Control) {
                a.add_role(
                    Role::EngineeringWorkstation,
                    80,
                    "programs or controls ot devices",
                    first,
                );
            } else if servers.len() >= 3 && !ops.contains(Op::Write) {
                a.add_role(
                    Role::Historian,
                    40,
                    "reads from three or more ot devices",
                    first,
                );
            } else if ops.contains(Op::Read) || ops.contains(Op::Write) {
                a.add_role(Role::Hmi, 50, "reads or writes ot devices", first);
            }
        }
    }

    fn flow_rows(&self) -> Vec<Flow> {
        let mut v: Vec<Flow> = self
            .flows
            .iter()
            .map(|(k, f)| Flow {
                src: k.client,
                dst: k.server,
                protocol: k.protocol,
                protocol_name: k.protocol.known().map(|n| n.name),
                packets: f.packets,
                bytes: f.bytes,
                operations: f.ops,
                vlan: f.vlan,
                first_packet: f.first_packet,
                first_seen: report::rfc3339(f.first_ns),
                last_seen: report::rfc3339(f.last_ns),
                operation_first_packet: Op::ALL
                    .into_iter()
                    .filter_map(|op| {
                        f.op_first
                            .get(op.index())
                            .copied()
                            .flatten()
                            .map(|(packet, ts_ns)| OpEvidence {
                                operation: op,
                                packet,
                                ts_ns,
                            })
                    })
                    .collect(),
            })
            .collect();
        v.sort_by(|a, b| {
            a.first_packet
                .cmp(&b.first_packet)
                .then(a.protocol.cmp(&b.protocol))
        });
        v
    }
}

fn best(a: &AssetAcc, kind: AttrKind) -> Option<String> {
    a.attrs
        .iter()
        .filter(|x| x.kind == kind)
        .max_by(|x, y| {
            x.confidence
                .cmp(&y.confidence)
                .then(y.first_packet.cmp(&x.first_packet))
        })
        .map(|x| x.value.clone())
}

fn row(mac: Option<MacAddr>, ips: Vec<IpAddr>, mut a: AssetAcc) -> Asset {
    a.attrs.sort_by(|x, y| {
        x.kind
            .cmp(&y.kind)
            .then(y.confidence.cmp(&x.confidence))
            .then(x.first_packet.cmp(&y.first_packet))
    });
    a.roles
        .sort_by(|x, y| y.confidence.cmp(&x.confidence).then(x.role.cmp(&y.role)));
    let names = a
        .attrs
        .iter()
        .filter(|x| x.kind == AttrKind::Name)
        .map(|x| x.value.clone())
        .collect();
    let id = match (mac, ips.first()) {
        (Some(m), _) => format!("mac:{m}"),
        (None, Some(ip)) => format!("ip:{ip}"),
        (None, None) => "unknown".to_owned(),
    };
    let mut protocols = a.protocols.clone();
    protocols.sort();
    Asset {
        id,
        mac,
        ips,
        names,
        vendor: best(&a, AttrKind::Vendor),
        model: best(&a, AttrKind::Model),
        firmware: best(&a, AttrKind::Firmware),
        serial: best(&a, AttrKind::Serial),
        roles: a.roles.iter().map(|r| r.role).collect(),
        protocols,
        first_seen: report::rfc3339(a.first_ns),
        last_seen: report::rfc3339(a.last_ns),
        packets_sent: a.packets_sent,
        attributes: a
            .attrs
            .into_iter()
            .map(|x| AttributeEvidence {
                kind: x.kind,
                value: x.value,
                confidence: x.confidence,
                source: x.source.to_owned(),
                first_packet: x.first_packet,
                count: x.count,
            })
            .collect(),
        role_evidence: a
            .roles
            .into_iter()
            .map(|r| RoleEvidence {
                role: r.role,
                confidence: r.confidence,
                source: r.source.to_owned(),
                first_packet: r.first_packet,
            })
            .collect(),
    }
}
