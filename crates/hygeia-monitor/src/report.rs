//! The analysis report: what `hygeia monitor analyze --json` prints.

use crate::capture::MalformedCounts;
use crate::model::{AttrKind, Endpoint, MacAddr, Op, OpSet, Protocol, Role};
use serde::Serialize;
use std::net::IpAddr;

/// The whole result of one analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Devices seen, merged by MAC where possible.
    pub assets: Vec<Asset>,
    /// The communication map: client → server per protocol.
    pub flows: Vec<Flow>,
    /// Zone and conduit violations (empty without a policy).
    pub findings: Vec<Finding>,
    /// The zone policy the flows were checked against; `null` when none was applied.
    pub zone_policy: Option<PolicySummary>,
    /// What the reader should know about this analysis, such as a missing zone policy.
    pub warnings: Vec<ReportWarning>,
    /// Counters.
    pub stats: Stats,
}

/// The size of the zone policy a report was checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PolicySummary {
    /// Zones defined.
    pub zones: usize,
    /// Conduits allowed.
    pub conduits: usize,
}

/// A warning about an analysis as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportWarning {
    /// Stable code: `no_zone_policy` or `empty_zone_policy`.
    pub code: &'static str,
    /// One sentence saying what it means and what to do.
    pub message: String,
}

impl ReportWarning {
    /// Flows are checked only against a policy that defines zones: say so, and how to give one.
    pub fn about_policy(zones: Option<&crate::ZonePolicy>) -> Vec<ReportWarning> {
        match zones {
            None => vec![ReportWarning {
                code: "no_zone_policy",
                message: "no zone policy was applied, so flows were not checked against zones \
                          and conduits and there are no findings; give one with --zones FILE \
                          (format: docs/zone-policy.md)"
                    .to_owned(),
            }],
            Some(policy) if policy.zones.is_empty() => vec![ReportWarning {
                code: "empty_zone_policy",
                message: "the zone policy defines no zone, so no flow could be checked; add \
                          [[zone]] tables (format: docs/zone-policy.md)"
                    .to_owned(),
            }],
            Some(_) => Vec::new(),
        }
    }
}

impl Report {
    /// Pretty JSON.
    pub fn to_json_pretty(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(self)
    }
}

/// One asset.
#[derive(Debug, Clone, Serialize)]
pub struct Asset {
    /// Stable identifier within this report: `mac:…`, `ip:…`.
    pub id: String,
    /// MAC address, if known and not a shared gateway MAC.
    pub mac: Option<MacAddr>,
    /// IP addresses.
    pub ips: Vec<IpAddr>,
    /// Names (host names, station names, AE titles, application names), best first.
    pub names: Vec<String>,
    /// Best vendor.
    pub vendor: Option<String>,
    /// Best model / product name / order number.
    pub model: Option<String>,
    /// Best firmware or software version.
    pub firmware: Option<String>,
    /// Best serial number.
    pub serial: Option<String>,
    /// Roles, strongest first.
    pub roles: Vec<Role>,
    /// Protocols spoken (as client or server).
    pub protocols: Vec<Protocol>,
    /// First packet time (RFC 3339, UTC).
    pub first_seen: String,
    /// Last packet time (RFC 3339, UTC).
    pub last_seen: String,
    /// Packets sent by this asset.
    pub packets_sent: u64,
    /// Every attribute with its evidence and confidence.
    pub attributes: Vec<AttributeEvidence>,
    /// Every role claim with its evidence and confidence.
    pub role_evidence: Vec<RoleEvidence>,
}

/// One attribute value and why we believe it.
#[derive(Debug, Clone, Serialize)]
pub struct AttributeEvidence {
    /// Kind of attribute.
    pub kind: AttrKind,
    /// Value.
    pub value: String,
    /// 0–100.
    pub confidence: u8,
    /// Protocol field it came from.
    pub source: String,
    /// Index of the first packet that showed it.
    pub first_packet: u64,
    /// How many packets showed it.
    pub count: u64,
}

/// One role claim.
#[derive(Debug, Clone, Serialize)]
pub struct RoleEvidence {
    /// Role.
    pub role: Role,
    /// 0–100.
    pub confidence: u8,
    /// Why.
    pub source: String,
    /// Index of the first packet that showed it.
    pub first_packet: u64,
}

/// One edge of the communication map.
#[derive(Debug, Clone, Serialize)]
pub struct Flow {
    /// Client / initiator.
    pub src: Endpoint,
    /// Server / responder.
    pub dst: Endpoint,
    /// Protocol.
    pub protocol: Protocol,
    /// The protocol's registered name when it is reported by number (`MRP` for
    /// `ether/0x88e3`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol_name: Option<&'static str>,
    /// Packets both ways.
    pub packets: u64,
    /// Bytes on the wire both ways.
    pub bytes: u64,
    /// Operation classes requested by the client.
    pub operations: OpSet,
    /// VLAN of the first packet.
    pub vlan: Option<u16>,
    /// Index of the first packet.
    pub first_packet: u64,
    /// First packet time.
    pub first_seen: String,
    /// Last packet time.
    pub last_seen: String,
    /// First packet index per operation class.
    pub operation_first_packet: Vec<OpEvidence>,
}

/// Where an operation class was first seen in a flow.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct OpEvidence {
    /// Operation class.
    pub operation: Op,
    /// Packet index.
    pub packet: u64,
    /// Packet time, nanoseconds since the epoch.
    pub ts_ns: u64,
}

/// A policy violation.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// `conduit_violation` or `unzoned_flow`.
    pub kind: &'static str,
    /// `high` or `medium`.
    pub severity: &'static str,
    /// One sentence.
    pub summary: String,
    /// Client.
    pub src: Endpoint,
    /// Server.
    pub dst: Endpoint,
    /// Zone of the client.
    pub src_zone: Option<String>,
    /// Zone of the server.
    pub dst_zone: Option<String>,
    /// Protocol.
    pub protocol: Protocol,
    /// Operation classes outside any allowed conduit (empty: the protocol itself is not allowed
    /// and the flow carried no classified operation).
    pub operations: OpSet,
    /// Packet evidence.
    pub evidence: FindingEvidence,
    /// Requirements breached.
    pub references: Vec<Reference>,
}

/// Packet evidence of a finding.
#[derive(Debug, Clone, Serialize)]
pub struct FindingEvidence {
    /// Index of the first offending packet.
    pub first_packet: u64,
    /// Its time (RFC 3339, UTC).
    pub first_seen: String,
    /// Packets in the flow.
    pub packets: u64,
}

/// A requirement reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// Framework.
    pub framework: &'static str,
    /// Identifier within it.
    pub id: &'static str,
    /// Title.
    pub title: &'static str,
}

/// Counters for one analysis.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    /// Packet records read.
    pub packets: u64,
    /// Captured bytes read.
    pub bytes: u64,
    /// Records or packets skipped as malformed.
    pub malformed: u64,
    /// Skipped by reason.
    pub malformed_reasons: MalformedCounts,
    /// Wall time of the analysis.
    pub elapsed_ms: u64,
    /// Per source.
    pub sources: Vec<SourceStats>,
    /// Assets or flows not tracked because a size cap was reached (memory bound).
    pub dropped_by_caps: u64,
}

/// Counters for one source.
#[derive(Debug, Clone, Serialize)]
pub struct SourceStats {
    /// Path, or `-` for standard input.
    pub name: String,
    /// `pcap` or `pcapng`.
    pub format: &'static str,
    /// Packet records.
    pub packets: u64,
}

/// Formats nanoseconds since the Unix epoch as RFC 3339 UTC with microseconds.
pub fn rfc3339(ts_ns: u64) -> String {
    let secs = ts_ns / 1_000_000_000;
    let micros = (ts_ns % 1_000_000_000) / 1000;
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (proleptic Gregorian calendar).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000000Z");
        // 2024-02-29T12:34:56.789012Z
        assert_eq!(
            rfc3339(1_709_210_096_789_012_000),
            "2024-02-29T12:34:56.789012Z"
        );
    }
}
