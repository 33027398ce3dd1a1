//! # hygeia-monitor: passive IT/OT/medical asset discovery
//!
//! This crate owns Hygeia's passive network monitoring: it reads packet captures (pcap and
//! pcapng, from files or standard input) as a stream, dissects industrial (Modbus/TCP, S7comm,
//! S7comm-plus, EtherNet/IP and CIP, DNP3, BACnet/IP, OPC UA, PROFINET DCP), medical (DICOM
//! upper layer, HL7 v2 over MLLP) and IT (ARP, DHCP, LLDP, CDP, spanning tree, mDNS, NetBIOS,
//! HTTP, TLS, SNMP) protocols, names the others by number ([`names`]: EtherTypes, LLC service
//! access points, IP protocols), and builds an asset inventory, a communication map and
//! zone/conduit findings ([`zones`]; the format is in `docs/zone-policy.md`).
//! It never transmits a packet: monitoring is strictly passive.
//!
//! It must not depend on other Hygeia crates, on any database or on the web stack: the binary
//! and the hub call [`analyze`] (or [`Analyzer`]) and store or print the [`Report`].
//!
//! ```no_run
//! use hygeia_monitor::{CaptureSource, ZonePolicy, analyze};
//! # fn main() -> Result<(), hygeia_monitor::MonitorError> {
//! let zones = ZonePolicy::from_file(std::path::Path::new("zones.toml"))?;
//! let report = analyze(&[CaptureSource::from_arg("plant.pcap")], Some(&zones))?;
//! println!("{} assets, {} findings", report.assets.len(), report.findings.len());
//! # Ok(())
//! # }
//! ```
//!
//! Patient data is never kept: the HL7 dissector reads only MSH and SFT header fields and the
//! DICOM dissector reads only association items and command fields.

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![warn(missing_docs)]

pub mod capture;
pub mod dissect;
pub mod error;
mod import;
pub mod inventory;
pub mod model;
pub mod names;
pub mod oui;
pub mod report;
mod util;
pub mod zones;

pub use error::MonitorError;
pub use model::{AttrKind, Endpoint, MacAddr, Op, OpSet, Protocol, Role, protocol_label};
pub use report::{Asset, Finding, Flow, PolicySummary, Report, ReportWarning, Stats};
pub use zones::ZonePolicy;

use capture::{MalformedCounts, link};
use dissect::Dissection;
use inventory::Inventory;
use report::SourceStats;
use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

/// Where a capture comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaptureSource {
    /// A pcap or pcapng file.
    Path(PathBuf),
    /// Standard input (e.g. `tcpdump -w -`).
    Stdin,
}

impl CaptureSource {
    /// Interprets a command-line argument: `-` is standard input.
    pub fn from_arg(arg: &str) -> CaptureSource {
        if arg == "-" {
            CaptureSource::Stdin
        } else {
            CaptureSource::Path(PathBuf::from(arg))
        }
    }
    fn name(&self) -> String {
        match self {
            CaptureSource::Path(p) => p.display().to_string(),
            CaptureSource::Stdin => "-".to_owned(),
        }
    }
}

/// Analyses captures in order and checks the flows against an optional zone policy.
pub fn analyze(
    sources: &[CaptureSource],
    zones: Option<&ZonePolicy>,
) -> Result<Report, MonitorError> {
    let mut a = Analyzer::new();
    for s in sources {
        match s {
            CaptureSource::Path(p) => {
                let f = std::fs::File::open(p).map_err(|source| MonitorError::Io {
                    path: p.clone(),
                    source,
                })?;
                a.feed(&s.name(), f)?;
            }
            CaptureSource::Stdin => a.feed("-", std::io::stdin())?,
        }
    }
    Ok(a.finish(zones))
}

/// Streaming analysis: feed sources one after the other, then [`Analyzer::finish`].
/// Memory is bounded by the read buffer and the inventory caps, not by the capture size.
#[derive(Debug)]
pub struct Analyzer {
    inventory: Inventory,
    dissection: Dissection,
    packets: u64,
    bytes: u64,
    malformed: MalformedCounts,
    sources: Vec<SourceStats>,
    started: Instant,
}

impl Default for Analyzer {
    fn default() -> Self {
        Self::new()
    }
}

impl Analyzer {
    /// A fresh analysis; its elapsed time starts now.
    pub fn new() -> Self {
        Self {
            inventory: Inventory::default(),
            dissection: Dissection::default(),
            packets: 0,
            bytes: 0,
            malformed: MalformedCounts::default(),
            sources: Vec::new(),
            started: Instant::now(),
        }
    }

    /// Reads one capture to its end. Malformed packets are counted, not fatal.
    pub fn feed<R: Read + Send>(&mut self, name: &str, input: R) -> Result<(), MonitorError> {
        let Self {
            inventory,
            dissection,
            packets,
            bytes,
            malformed,
            ..
        } = self;
        let summary = capture::read_capture(name, input, *packets, |p| {
            *packets = packets.saturating_add(1);
            *bytes = bytes.saturating_add(u64::from(p.orig_len));
            match link::decode(p.linktype, p.data) {
                Ok(frame) => {
                    dissect::dissect(&frame, dissection);
                    inventory.add(p.index, p.ts_ns, u64::from(p.orig_len), &frame, dissection);
                }
                Err(why) => malformed.add(why),
            }
        })?;
        self.malformed.merge(&summary.malformed);
        self.sources.push(SourceStats {
            name: name.to_owned(),
            format: if summary.pcapng { "pcapng" } else { "pcap" },
            packets: summary.packets,
        });
        Ok(())
    }

    /// Imports an asset list in CSV (header with `ip, mac, name, vendor, model, firmware,
    /// serial, role`). All-or-nothing: on error nothing is imported and the error names the
    /// line. Returns the number of rows.
    pub fn import_asset_csv<R: std::io::BufRead>(
        &mut self,
        origin: &str,
        input: R,
    ) -> Result<usize, MonitorError> {
        import::asset_csv(&mut self.inventory, origin, input)
    }

    /// Imports a Zeek `conn.log` (TSV with `#fields`, or JSON lines) as flows. All-or-nothing,
    /// with line-numbered errors. Returns the number of connections.
    pub fn import_zeek_conn<R: std::io::BufRead>(
        &mut self,
        origin: &str,
        input: R,
    ) -> Result<usize, MonitorError> {
        import::zeek_conn(&mut self.inventory, origin, input)
    }

    /// Builds the report, evaluating the zone policy if given.
    pub fn finish(self, zones: Option<&ZonePolicy>) -> Report {
        let dropped = self.inventory.dropped;
        let (assets, flows) = self.inventory.finish();
        let findings = zones.map(|z| z.evaluate(&flows)).unwrap_or_default();
        let elapsed_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Report {
            assets,
            flows,
            findings,
            zone_policy: zones.map(|z| PolicySummary {
                zones: z.zones.len(),
                conduits: z.conduits.len(),
            }),
            warnings: ReportWarning::about_policy(zones),
            stats: Stats {
                packets: self.packets,
                bytes: self.bytes,
                malformed: self.malformed.total(),
                malformed_reasons: self.malformed,
                elapsed_ms,
                sources: self.sources,
                dropped_by_caps: dropped,
            },
        }
    }
}
