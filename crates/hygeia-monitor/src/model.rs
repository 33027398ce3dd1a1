//! Core value types shared by the dissectors, the inventory and the report.

use serde::{Serialize, Serializer};
use std::fmt;
use std::net::IpAddr;

/// An Ethernet MAC address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddr(pub [u8; 6]);

impl MacAddr {
    /// Reads a MAC address from the first six bytes of `b`.
    pub fn from_slice(b: &[u8]) -> Option<Self> {
        b.get(..6)?.try_into().ok().map(MacAddr)
    }
    /// The 24-bit OUI prefix.
    pub fn oui(&self) -> u32 {
        let [a, b, c, ..] = self.0;
        (u32::from(a) << 16) | (u32::from(b) << 8) | u32::from(c)
    }
    /// Group (multicast or broadcast) address.
    pub fn is_group(&self) -> bool {
        self.0[0] & 1 == 1
    }
    /// Locally administered (randomised or virtual) address: its OUI means nothing.
    pub fn is_local(&self) -> bool {
        self.0[0] & 2 == 2
    }
    /// All zeros (loopback captures, placeholders).
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 6]
    }
}

impl fmt::Display for MacAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl Serialize for MacAddr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One end of a flow: an IP address, or a MAC address for layer-2 protocols.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A MAC address (LLDP, PROFINET DCP, CDP…).
    Mac(MacAddr),
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Ip(ip) => ip.fmt(f),
            Endpoint::Mac(m) => m.fmt(f),
        }
    }
}

impl Serialize for Endpoint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Application protocols recognised by the dissectors, plus generic fall-backs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// Modbus/TCP.
    Modbus,
    /// Siemens S7comm (protocol id 0x32) over ISO-on-TCP.
    S7comm,
    /// Siemens S7comm-plus (protocol id 0x72).
    S7commPlus,
    /// EtherNet/IP encapsulation and explicit CIP messaging.
    Enip,
    /// CIP implicit I/O (UDP 2222).
    CipIo,
    /// DNP3 over TCP or UDP.
    Dnp3,
    /// BACnet/IP.
    Bacnet,
    /// OPC UA binary (UA TCP).
    OpcUa,
    /// PROFINET DCP.
    ProfinetDcp,
    /// PROFINET real-time cyclic data.
    ProfinetRt,
    /// DICOM upper layer.
    Dicom,
    /// HL7 v2 over MLLP.
    Hl7,
    /// ARP.
    Arp,
    /// DHCP / BOOTP.
    Dhcp,
    /// LLDP.
    Lldp,
    /// Cisco Discovery Protocol.
    Cdp,
    /// Spanning tree bridge protocol data units (STP, RSTP, MSTP; Cisco PVST+).
    Stp,
    /// Multicast DNS.
    Mdns,
    /// Unicast DNS.
    Dns,
    /// NetBIOS name service.
    NetbiosNs,
    /// NetBIOS datagram service.
    NetbiosDgm,
    /// HTTP/1.x.
    Http,
    /// TLS.
    Tls,
    /// SNMP.
    Snmp,
    /// ICMP / ICMPv6.
    Icmp,
    /// Other TCP traffic, by server port.
    Tcp(u16),
    /// Other UDP traffic, by server port.
    Udp(u16),
    /// Other IP protocol number.
    Ip(u8),
    /// Other EtherType.
    Ether(u16),
    /// Other IEEE 802.3 length frame, by its LLC destination service access point.
    Llc(u8),
}

impl Protocol {
    /// True for industrial control protocols (used by role inference and findings).
    pub fn is_ot(&self) -> bool {
        matches!(
            self,
            Protocol::Modbus
                | Protocol::S7comm
                | Protocol::S7commPlus
                | Protocol::Enip
                | Protocol::CipIo
                | Protocol::Dnp3
                | Protocol::Bacnet
                | Protocol::OpcUa
                | Protocol::ProfinetDcp
                | Protocol::ProfinetRt
        )
    }

    /// Parses the names produced by `Display` (used by zone policies).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        let p = match s.as_str() {
            "modbus" => Protocol::Modbus,
            "s7comm" => Protocol::S7comm,
            "s7comm_plus" => Protocol::S7commPlus,
            "enip" => Protocol::Enip,
            "cip_io" => Protocol::CipIo,
            "dnp3" => Protocol::Dnp3,
            "bacnet" => Protocol::Bacnet,
            "opcua" => Protocol::OpcUa,
            "profinet_dcp" => Protocol::ProfinetDcp,
            "profinet_rt" => Protocol::ProfinetRt,
            "dicom" => Protocol::Dicom,
            "hl7" => Protocol::Hl7,
            "arp" => Protocol::Arp,
            "dhcp" => Protocol::Dhcp,
            "lldp" => Protocol::Lldp,
            "cdp" => Protocol::Cdp,
            "stp" => Protocol::Stp,
            "mdns" => Protocol::Mdns,
            "dns" => Protocol::Dns,
            "netbios_ns" => Protocol::NetbiosNs,
            "netbios_dgm" => Protocol::NetbiosDgm,
            "http" => Protocol::Http,
            "tls" => Protocol::Tls,
            "snmp" => Protocol::Snmp,
            "icmp" => Protocol::Icmp,
            other => {
                let (kind, num) = other.split_once('/')?;
                match kind {
                    "tcp" => Protocol::Tcp(num.parse().ok()?),
                    "udp" => Protocol::Udp(num.parse().ok()?),
                    "ip" => Protocol::Ip(num.parse().ok()?),
                    "ether" => {
                        Protocol::Ether(u16::from_str_radix(num.trim_start_matches("0x"), 16).ok()?)
                    }
                    "llc" => {
                        Protocol::Llc(u8::from_str_radix(num.trim_start_matches("0x"), 16).ok()?)
                    }
                    _ => return None,
                }
            }
        };
        Some(p)
    }

    /// The registered name of a protocol reported by number (an EtherType, an LLC service
    /// access point, an IP protocol number), when `data/protocol_numbers.tsv` lists it.
    pub fn known(&self) -> Option<crate::names::KnownProtocol> {
        use crate::names::{NumberKind, lookup};
        match *self {
            Protocol::Ether(t) => lookup(NumberKind::Ether, t),
            Protocol::Llc(sap) => lookup(NumberKind::Llc, u16::from(sap)),
            Protocol::Ip(n) => lookup(NumberKind::Ip, u16::from(n)),
            _ => None,
        }
    }

    /// How tables show the protocol: its code, preceded by its name when the code is a number
    /// with a known name (`MRP (ether/0x88e3)`).
    pub fn label(&self) -> String {
        match self.known() {
            Some(k) => format!("{} ({self})", k.name),
            None => self.to_string(),
        }
    }
}

/// The table label of a protocol code as reports and the hub store it (`ether/0x88e3` →
/// `MRP (ether/0x88e3)`); a code this version does not parse is returned as it is.
pub fn protocol_label(code: &str) -> String {
    Protocol::parse(code).map_or_else(|| code.to_owned(), |p| p.label())
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Protocol::Modbus => "modbus",
            Protocol::S7comm => "s7comm",
            Protocol::S7commPlus => "s7comm_plus",
            Protocol::Enip => "enip",
            Protocol::CipIo => "cip_io",
            Protocol::Dnp3 => "dnp3",
            Protocol::Bacnet => "bacnet",
            Protocol::OpcUa => "opcua",
            Protocol::ProfinetDcp => "profinet_dcp",
            Protocol::ProfinetRt => "profinet_rt",
            Protocol::Dicom => "dicom",
            Protocol::Hl7 => "hl7",
            Protocol::Arp => "arp",
            Protocol::Dhcp => "dhcp",
            Protocol::Lldp => "lldp",
            Protocol::Cdp => "cdp",
            Protocol::Stp => "stp",
            Protocol::Mdns => "mdns",
            Protocol::Dns => "dns",
            Protocol::NetbiosNs => "netbios_ns",
            Protocol::NetbiosDgm => "netbios_dgm",
            Protocol::Http => "http",
            Protocol::Tls => "tls",
            Protocol::Snmp => "snmp",
            Protocol::Icmp => "icmp",
            Protocol::Tcp(p) => return write!(f, "tcp/{p}"),
            Protocol::Udp(p) => return write!(f, "udp/{p}"),
            Protocol::Ip(p) => return write!(f, "ip/{p}"),
            Protocol::Ether(t) => return write!(f, "ether/0x{t:04x}"),
            Protocol::Llc(sap) => return write!(f, "llc/0x{sap:02x}"),
        };
        f.write_str(s)
    }
}

impl Serialize for Protocol {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Operation classes, the vocabulary of conduits and findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Op {
    /// Reading process values, files or configuration.
    Read,
    /// Writing process values or configuration.
    Write,
    /// Program or firmware download/upload, block changes (engineering).
    Program,
    /// Run-state changes: stop, start, restart, operate commands.
    Control,
    /// Identification and discovery requests.
    Discovery,
}

impl Op {
    /// All classes, in bit order.
    pub const ALL: [Op; 5] = [Op::Read, Op::Write, Op::Program, Op::Control, Op::Discovery];

    /// The bit of this class in an [`OpSet`].
    pub const fn bit(self) -> u8 {
        match self {
            Op::Read => 1,
            Op::Write => 2,
            Op::Program => 4,
            Op::Control => 8,
            Op::Discovery => 16,
        }
    }
    /// Position in [`Op::ALL`].
    pub const fn index(self) -> usize {
        match self {
            Op::Read => 0,
            Op::Write => 1,
            Op::Program => 2,
            Op::Control => 3,
            Op::Discovery => 4,
        }
    }
    /// Lower-case name.
    pub const fn name(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Write => "write",
            Op::Program => "program",
            Op::Control => "control",
            Op::Discovery => "discovery",
        }
    }
    /// Parses a lower-case name.
    pub fn parse(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|o| o.name() == s.trim())
    }
}

impl Serialize for Op {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A set of [`Op`]s as a bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OpSet(pub u8);

impl OpSet {
    /// The empty set.
    pub const EMPTY: OpSet = OpSet(0);
    /// Adds one class.
    pub fn add(&mut self, op: Op) {
        self.0 |= op.bit();
    }
    /// A set of one class.
    pub fn of(op: Op) -> OpSet {
        OpSet(op.bit())
    }
    /// Membership.
    pub fn contains(&self, op: Op) -> bool {
        self.0 & op.bit() != 0
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
    /// The classes, in order.
    pub fn iter(self) -> impl Iterator<Item = Op> {
        Op::ALL.into_iter().filter(move |o| self.contains(*o))
    }
}

impl Serialize for OpSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// Device roles inferred from traffic.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Programmable controller (answers Modbus, S7, CIP…).
    Plc,
    /// Remote terminal unit / DNP3 outstation.
    Rtu,
    /// Operator station polling controllers.
    Hmi,
    /// Station that programs or stops controllers.
    EngineeringWorkstation,
    /// Collects values from many controllers.
    Historian,
    /// Building-automation controller (BACnet device).
    BmsController,
    /// OPC UA server.
    OpcUaServer,
    /// DICOM requester (modality, workstation).
    DicomModality,
    /// DICOM acceptor (PACS, archive).
    Pacs,
    /// HL7 v2 interface endpoint.
    Hl7Interface,
    /// Network infrastructure (LLDP/CDP speaker, router MAC behind many IPs).
    NetworkDevice,
    /// DHCP server.
    DhcpServer,
}

impl Role {
    /// Parses the snake-case name used in reports (`plc`, `engineering_workstation`…).
    pub fn parse(s: &str) -> Option<Role> {
        serde_json::from_value(serde_json::Value::String(s.trim().to_ascii_lowercase())).ok()
    }
}

/// The kind of an asset attribute observed in traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttrKind {
    /// A name: host name, station name, AE title, application name.
    Name,
    /// Manufacturer.
    Vendor,
    /// Model, product name or order number.
    Model,
    /// Firmware or software version.
    Firmware,
    /// Serial number.
    Serial,
    /// Software identification (User-Agent, Server, DHCP vendor class, sysDescr…).
    Software,
    /// A protocol-specific identifier (DNP3 address, BACnet device instance, vendor/device id).
    DeviceId,
    /// A facility or site name (HL7 MSH-4/6).
    Facility,
    /// A name this host asked for (TLS SNI, HTTP Host): a peer's name, weak evidence.
    ServiceName,
}

/// Whom an observation is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// The packet's sender.
    Src,
    /// The packet's receiver.
    Dst,
    /// A station named by MAC inside the payload (DHCP client, LLDP speaker).
    Mac(MacAddr),
    /// A station named by IP inside the payload (NetBIOS answer).
    Ip(IpAddr),
}

/// One fact learnt from one packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// Whom it is about.
    pub subject: Subject,
    /// What kind of fact.
    pub kind: AttrKind,
    /// The value, already cleaned and bounded.
    pub value: String,
    /// 0–100: how sure the source is.
    pub confidence: u8,
    /// Where it comes from, e.g. `"modbus 43/14 object 1"`.
    pub source: &'static str,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn protocol_names_round_trip() {
        for p in [
            Protocol::Modbus,
            Protocol::S7commPlus,
            Protocol::Tcp(8080),
            Protocol::Udp(47808),
            Protocol::Ether(0x88cc),
            Protocol::Llc(0x42),
            Protocol::Stp,
            Protocol::NetbiosNs,
        ] {
            assert_eq!(Protocol::parse(&p.to_string()), Some(p));
        }
        assert_eq!(Protocol::parse("nope"), None);
    }

    #[test]
    fn numbered_protocols_are_labelled_by_name_when_known() {
        assert_eq!(Protocol::Ether(0x88e3).label(), "MRP (ether/0x88e3)");
        assert_eq!(Protocol::Ether(0x88f7).label(), "PTP (ether/0x88f7)");
        assert_eq!(Protocol::Llc(0x42).label(), "STP (llc/0x42)");
        assert_eq!(Protocol::Ip(112).label(), "VRRP (ip/112)");
        // Unlisted numbers and dissected protocols keep their code.
        assert_eq!(Protocol::Ether(0x1234).label(), "ether/0x1234");
        assert_eq!(Protocol::Modbus.label(), "modbus");
        assert_eq!(protocol_label("ether/0x88b8"), "GOOSE (ether/0x88b8)");
        assert_eq!(protocol_label("something/new"), "something/new");
    }

    #[test]
    fn opset_serialises_as_names() {
        let mut s = OpSet::EMPTY;
        s.add(Op::Write);
        s.add(Op::Read);
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"["read","write"]"#);
    }

    #[test]
    fn mac_display_and_oui() {
        let m = MacAddr([0x00, 0x1b, 0x1b, 1, 2, 3]);
        assert_eq!(m.to_string(), "00:1b:1b:01:02:03");
        assert_eq!(m.oui(), 0x001b1b);
        assert!(!m.is_group());
    }
}
