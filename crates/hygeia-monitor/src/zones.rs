//! Zones and conduits (IEC 62443-3-2 vocabulary): a TOML policy of zones (CIDRs, VLANs, Purdue
//! level, target security level) and the conduits allowed between them (protocols, operation
//! classes). Flows between zones that no conduit allows become findings. The format, with a
//! complete example and the checking rules, is documented in `docs/zone-policy.md` (a test
//! parses that example).
//!
//! ```toml
//! unzoned = "ignore"          # or "report": flows with an endpoint in no zone become findings
//!
//! [[zone]]
//! name = "office"
//! cidrs = ["10.10.0.0/16"]
//! purdue_level = 4
//! target_sl = 1
//!
//! [[zone]]
//! name = "cell-1"
//! cidrs = ["192.168.10.0/24"]
//! vlans = [110]
//! purdue_level = 1
//! target_sl = 3
//!
//! [[conduit]]
//! from = "office"
//! to = "cell-1"
//! protocols = ["modbus"]      # empty or absent: any protocol
//! operations = ["read"]       # empty or absent: any operation
//! bidirectional = false
//! ```

use crate::error::MonitorError;
use crate::model::{Endpoint, Op, OpSet, Protocol};
use crate::report::{self, Finding, FindingEvidence, Flow, Reference};
use serde::Deserialize;
use std::net::IpAddr;
use std::path::Path;

/// Requirements a conduit violation breaches.
pub const SEGMENTATION_REFERENCES: [Reference; 3] = [
    Reference {
        framework: "Commission Implementing Regulation (EU) 2024/2690, Annex",
        id: "6.8",
        title: "Network segmentation",
    },
    Reference {
        framework: "ISO/IEC 27001:2022 Annex A",
        id: "A.8.22",
        title: "Segregation of networks",
    },
    Reference {
        framework: "IEC 62443-3-3",
        id: "SR 5.1",
        title: "Network segmentation",
    },
];

/// An IPv4 or IPv6 prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    len: u8,
}

impl Cidr {
    /// Parses `a.b.c.d/n`, `x::/n` or a bare address.
    pub fn parse(s: &str) -> Option<Cidr> {
        let (a, l) = match s.trim().split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let len = match l {
            Some(l) => l.parse::<u8>().ok().filter(|n| *n <= max)?,
            None => max,
        };
        Some(Cidr { addr, len })
    }
    /// Membership.
    pub fn contains(&self, ip: &IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                u32::from(n) & mask == u32::from(*a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.len))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(*a) & mask
            }
            _ => false,
        }
    }
    /// Prefix length.
    pub fn len(&self) -> u8 {
        self.len
    }
    /// True for a zero-length prefix.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl std::fmt::Display for Cidr {
    /// `10.1.0.0/24`, as written in policies.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

/// A zone.
#[derive(Clone, Debug)]
pub struct Zone {
    /// Unique name.
    pub name: String,
    /// Address ranges.
    pub cidrs: Vec<Cidr>,
    /// VLAN ids.
    pub vlans: Vec<u16>,
    /// Purdue level 0–5.
    pub purdue_level: Option<u8>,
    /// IEC 62443 target security level 1–4.
    pub target_sl: Option<u8>,
}

/// An allowed conduit.
#[derive(Clone, Debug)]
pub struct Conduit {
    /// Source zone (client side).
    pub from: String,
    /// Destination zone (server side).
    pub to: String,
    /// Allowed protocols; empty means any.
    pub protocols: Vec<Protocol>,
    /// Allowed operation classes; empty means any.
    pub operations: OpSet,
    /// Also allows `to` → `from`.
    pub bidirectional: bool,
}

/// A zone policy.
#[derive(Clone, Debug, Default)]
pub struct ZonePolicy {
    /// Zones.
    pub zones: Vec<Zone>,
    /// Allowed conduits.
    pub conduits: Vec<Conduit>,
    /// Report flows that have an endpoint outside every zone.
    pub report_unzoned: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    unzoned: Option<String>,
    #[serde(default)]
    zone: Vec<RawZone>,
    #[serde(default)]
    conduit: Vec<RawConduit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawZone {
    name: String,
    #[serde(default)]
    cidrs: Vec<String>,
    #[serde(default)]
    vlans: Vec<u16>,
    purdue_level: Option<u8>,
    target_sl: Option<u8>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConduit {
    from: String,
    to: String,
    #[serde(default)]
    protocols: Vec<String>,
    #[serde(default)]
    operations: Vec<String>,
    #[serde(default)]
    bidirectional: bool,
    #[serde(default)]
    description: Option<String>,
}

impl ZonePolicy {
    /// Reads a policy file.
    pub fn from_file(path: &Path) -> Result<ZonePolicy, MonitorError> {
        let text = std::fs::read_to_string(path).map_err(|source| MonitorError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Parses a policy; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<ZonePolicy, MonitorError> {
        let err = |reason: String| MonitorError::Policy {
            origin: origin.to_owned(),
            reason,
        };
        let raw: RawPolicy = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        let report_unzoned = match raw.unzoned.as_deref() {
            None | Some("ignore") => false,
            Some("report") => true,
            Some(o) => {
                return Err(err(format!(
                    "unzoned must be \"ignore\" or \"report\", not {o:?}"
                )));
            }
        };
        let mut zones = Vec::new();
        for z in raw.zone {
            let _ = z.description;
            if zones.iter().any(|x: &Zone| x.name == z.name) {
                return Err(err(format!("zone {:?} is defined twice", z.name)));
            }
            let mut cidrs = Vec::new();
            for c in &z.cidrs {
                cidrs.push(
                    Cidr::parse(c)
                        .ok_or_else(|| err(format!("zone {:?}: bad CIDR {c:?}", z.name)))?,
                );
            }
            if let Some(v) = z.vlans.iter().find(|v| **v > 4094) {
                return Err(err(format!("zone {:?}: VLAN {v} out of range", z.name)));
            }
            if z.purdue_level.is_some_and(|l| l > 5) {
                return Err(err(format!("zone {:?}: purdue_level must be 0-5", z.name)));
            }
            if z.target_sl.is_some_and(|l| !(1..=4).contains(&l)) {
                return Err(err(format!("zone {:?}: target_sl must be 1-4", z.name)));
            }
            if cidrs.is_empty() && z.vlans.is_empty() {
                return Err(err(format!(
                    "zone {:?} has neither cidrs nor vlans",
                    z.name
                )));
            }
            zones.push(Zone {
                name: z.name,
                cidrs,
                vlans: z.vlans,
                purdue_level: z.purdue_level,
                target_sl: z.target_sl,
            });
        }
        let mut conduits = Vec::new();
        for (i, c) in raw.conduit.into_iter().enumerate() {
            let _ = c.description;
            for end in [&c.from, &c.to] {
                if !zones.iter().any(|z| &z.name == end) {
                    return Err(err(format!("conduit {}: unknown zone {end:?}", i + 1)));
                }
            }
            let mut protocols = Vec::new();
            for p in &c.protocols {
                protocols
                    .push(Protocol::parse(p).ok_or_else(|| {
                        err(format!("conduit {}: unknown protocol {p:?}", i + 1))
                    })?);
            }
            let mut operations = OpSet::EMPTY;
            for o in &c.operations {
                operations.add(
                    Op::parse(o).ok_or_else(|| {
                        err(format!("conduit {}: unknown operation {o:?}", i + 1))
                    })?,
                );
            }
            conduits.push(Conduit {
                from: c.from,
                to: c.to,
                protocols,
                operations,
                bidirectional: c.bidirectional,
            });
        }
        Ok(ZonePolicy {
            zones,
            conduits,
            report_unzoned,
        })
    }

    /// The zone of an endpoint: longest matching CIDR, else the VLAN.
    pub fn zone_of(&self, ep: &Endpoint, vlan: Option<u16>) -> Option<&Zone> {
        if let Endpoint::Ip(ip) = ep {
            let best = self
                .zones
                .iter()
                .filter_map(|z| {
                    z.cidrs
                        .iter()
                        .filter(|c| c.contains(ip))
                        .map(|c| c.len())
                        .max()
                        .map(|l| (l, z))
                })
                .max_by_key(|(l, _)| *l)
                .map(|(_, z)| z);
            if best.is_some() {
                return best;
            }
        }
        let v = vlan?;
        self.zones.iter().find(|z| z.vlans.contains(&v))
    }

    /// Checks every flow; returns the findings.
    pub fn evaluate(&self, flows: &[Flow]) -> Vec<Finding> {
        let mut out = Vec::new();
        for f in flows {
            let zs = self.zone_of(&f.src, f.vlan);
            let zd = self.zone_of(&f.dst, f.vlan);
            let (zs, zd) = match (zs, zd) {
                (Some(a), Some(b)) => (a, b),
                (a, b) => {
                    let group = match f.dst {
                        Endpoint::Ip(ip) => {
                            ip.is_multicast() || matches!(ip, IpAddr::V4(v) if v.is_broadcast())
                        }
                        Endpoint::Mac(m) => m.is_group(),
                    };
                    if self.report_unzoned && !group && (a.is_some() || b.is_some()) {
                        out.push(finding(
                            f,
                            "unzoned_flow",
                            "medium",
                            a.map(|z| z.name.clone()),
                            b.map(|z| z.name.clone()),
                            f.operations,
                            f.first_packet,
                            &f.first_seen,
                        ));
                    }
                    continue;
                }
            };
            if zs.name == zd.name {
                continue;
            }
            let matching: Vec<&Conduit> = self
                .conduits
                .iter()
                .filter(|c| {
                    (c.from == zs.name && c.to == zd.name)
                        || (c.bidirectional && c.from == zd.name && c.to == zs.name)
                })
                .filter(|c| c.protocols.is_empty() || c.protocols.contains(&f.protocol))
                .collect();
            let denied = if matching.is_empty() {
                None
            } else if matching.iter().any(|c| c.operations.is_empty()) {
                Some(OpSet::EMPTY)
            } else {
                let allowed = matching.iter().fold(0u8, |a, c| a | c.operations.0);
                Some(OpSet(f.operations.0 & !allowed))
            };
            let ops = match denied {
                None => f.operations,
                Some(d) if d.is_empty() => continue,
                Some(d) => d,
            };
            let (first_packet, first_seen) = f
                .operation_first_packet
                .iter()
                .filter(|e| ops.contains(e.operation))
                .min_by_key(|e| e.packet)
                .map(|e| (e.packet, report::rfc3339(e.ts_ns)))
                .unwrap_or((f.first_packet, f.first_seen.clone()));
            let severe =
                ops.contains(Op::Write) || ops.contains(Op::Program) || ops.contains(Op::Control);
            out.push(finding(
                f,
                "conduit_violation",
                if severe { "high" } else { "medium" },
                Some(zs.name.clone()),
                Some(zd.name.clone()),
                ops,
                first_packet,
                &first_seen,
            ));
        }
        out
    }
}

#[allow(clippy::too_many_arguments)]
fn finding(
    f: &Flow,
    kind: &'static str,
    severity: &'static str,
    src_zone: Option<String>,
    dst_zone: Option<String>,
    ops: OpSet,
    first_packet: u64,
    first_seen: &str,
) -> Finding {
    let ops_text: Vec<&str> = ops.iter().map(Op::name).collect();
    let ops_text = if ops_text.is_empty() {
        "traffic".to_owned()
    } else {
        ops_text.join("/")
    };
    let summary = format!(
        "{} {} from {} (zone {}) to {} (zone {}) is not allowed by any conduit",
        f.protocol.label(),
        ops_text,
        f.src,
        src_zone.as_deref().unwrap_or("none"),
        f.dst,
        dst_zone.as_deref().unwrap_or("none"),
    );
    Finding {
        kind,
        severity,
        summary,
        src: f.src,
        dst: f.dst,
        src_zone,
        dst_zone,
        protocol: f.protocol,
        operations: ops,
        evidence: FindingEvidence {
            first_packet,
            first_seen: first_seen.to_owned(),
            packets: f.packets,
        },
        references: SEGMENTATION_REFERENCES.to_vec(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    const POLICY: &str = r#"
[[zone]]
name = "office"
cidrs = ["10.10.0.0/16"]
purdue_level = 4
target_sl = 1

[[zone]]
name = "cell"
cidrs = ["192.168.10.0/24"]
vlans = [110]
purdue_level = 1
target_sl = 3

[[conduit]]
from = "office"
to = "cell"
protocols = ["modbus"]
operations = ["read"]
"#;

    #[test]
    fn cidr_matching() {
        let c = Cidr::parse("192.168.10.0/24").unwrap();
        assert!(c.contains(&"192.168.10.77".parse().unwrap()));
        assert!(!c.contains(&"192.168.11.1".parse().unwrap()));
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains(&"8.8.8.8".parse().unwrap())
        );
        assert!(
            Cidr::parse("fd00::/8")
                .unwrap()
                .contains(&"fd12::1".parse().unwrap())
        );
        assert_eq!(Cidr::parse("10.0.0.0/33"), None);
        assert_eq!(
            Cidr::parse("10.1.0.0/24").unwrap().to_string(),
            "10.1.0.0/24"
        );
        assert_eq!(Cidr::parse("fd00::1").unwrap().to_string(), "fd00::1/128");
    }

    #[test]
    fn vlan_fallback_and_longest_prefix() {
        let p = ZonePolicy::from_toml(
            &format!("{POLICY}\n[[zone]]\nname = \"cell-hmi\"\ncidrs = [\"192.168.10.16/28\"]\n"),
            "t",
        )
        .unwrap();
        let ip = |s: &str| Endpoint::Ip(s.parse().unwrap());
        assert_eq!(
            p.zone_of(&ip("192.168.10.20"), None).unwrap().name,
            "cell-hmi"
        );
        assert_eq!(p.zone_of(&ip("192.168.10.5"), None).unwrap().name, "cell");
        assert_eq!(
            p.zone_of(&ip("172.31.0.1"), Some(110)).unwrap().name,
            "cell"
        );
        assert!(p.zone_of(&ip("172.31.0.1"), Some(7)).is_none());
    }

    #[test]
    fn the_documented_example_is_a_valid_policy() {
        let doc = include_str!("../../../docs/zone-policy.md");
        let example = doc
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .unwrap();
        let p = ZonePolicy::from_toml(example, "docs/zone-policy.md").unwrap();
        assert_eq!((p.zones.len(), p.conduits.len()), (7, 6));
        assert!(p.report_unzoned);
        let ip = |s: &str| Endpoint::Ip(s.parse().unwrap());
        // The longest prefix wins; a VLAN places what no range covers.
        assert_eq!(
            p.zone_of(&ip("192.168.1.201"), None).unwrap().name,
            "engineering"
        );
        assert_eq!(
            p.zone_of(&ip("192.168.1.20"), None).unwrap().name,
            "supervision"
        );
        assert_eq!(
            p.zone_of(&ip("fd00:10::7"), None).unwrap().name,
            "filling-line-1"
        );
        assert_eq!(
            p.zone_of(&ip("10.99.0.1"), Some(120)).unwrap().name,
            "filling-line-2"
        );
        assert!(
            p.conduits
                .iter()
                .any(|c| c.bidirectional && c.from == "qc-lab")
        );
    }

    #[test]
    fn policy_parses_and_rejects_mistakes() {
        let p = ZonePolicy::from_toml(POLICY, "t").unwrap();
        assert_eq!(p.zones.len(), 2);
        assert_eq!(p.conduits[0].operations, OpSet::of(Op::Read));
        let bad = POLICY.replace("to = \"cell\"", "to = \"plant\"");
        let e = ZonePolicy::from_toml(&bad, "t").unwrap_err().to_string();
        assert!(e.contains("unknown zone \"plant\""), "{e}");
        let bad = POLICY.replace("[\"read\"]", "[\"erase\"]");
        assert!(ZonePolicy::from_toml(&bad, "t").is_err());
        let bad = POLICY.replace("target_sl = 3", "target_sl = 9");
        assert!(ZonePolicy::from_toml(&bad, "t").is_err());
    }
}
