//! Protocol dissectors. Each one reads a payload that the dispatcher has already matched by
//! port or EtherType and fills a [`Dissection`]: the protocol, who is the client, the operation
//! classes of requests, and identity observations. Dissectors never allocate on the common path
//! (only when they find an identity string) and never panic on any input.
//!
//! Limitations: no TCP reassembly (each segment is dissected on its own, which is how identity
//! fields are found in practice), no decryption.

pub mod arp;
pub mod bacnet;
pub mod dhcp;
pub mod dicom;
pub mod dnp3;
pub mod dns;
pub mod enip;
pub mod hl7;
pub mod http;
pub mod lldp;
pub mod modbus;
pub mod opcua;
pub mod profinet;
pub mod s7;
pub mod snmp;
pub mod stp;
pub mod tls;

use crate::capture::link::{self, Frame, Transport};
use crate::model::{AttrKind, MacAddr, Observation, Op, OpSet, Protocol, Role, Subject};
use std::net::IpAddr;

/// The result of dissecting one frame. Reused between frames to avoid allocation.
#[derive(Debug, Default)]
pub struct Dissection {
    /// Recognised protocol (`None` only before dispatch).
    pub protocol: Option<Protocol>,
    /// True if the sender is the client/initiator, false if it is the server; `None` if unknown.
    pub client_is_src: Option<bool>,
    /// Operation classes requested in this frame.
    pub ops: OpSet,
    /// Identity facts.
    pub obs: Vec<Observation>,
    /// Role claims: subject, role, confidence, evidence.
    pub roles: Vec<(Subject, Role, u8, &'static str)>,
    /// MAC ↔ IP bindings stated inside the payload (ARP, DHCP, DCP).
    pub bindings: Vec<(MacAddr, IpAddr)>,
}

impl Dissection {
    /// Resets for the next frame, keeping capacity.
    pub fn clear(&mut self) {
        self.protocol = None;
        self.client_is_src = None;
        self.ops = OpSet::EMPTY;
        self.obs.clear();
        self.roles.clear();
        self.bindings.clear();
    }
    /// Adds an operation class.
    pub fn op(&mut self, op: Op) {
        self.ops.add(op);
    }
    /// Adds an observation from raw protocol text (cleaned and bounded); empty text is ignored.
    pub fn text(
        &mut self,
        subject: Subject,
        kind: AttrKind,
        raw: &[u8],
        confidence: u8,
        source: &'static str,
    ) {
        if let Some(value) = crate::util::clean_text(raw) {
            self.obs.push(Observation {
                subject,
                kind,
                value,
                confidence,
                source,
            });
        }
    }
    /// Adds an observation from an owned value.
    pub fn value(
        &mut self,
        subject: Subject,
        kind: AttrKind,
        value: String,
        confidence: u8,
        source: &'static str,
    ) {
        if !value.is_empty() {
            self.obs.push(Observation {
                subject,
                kind,
                value,
                confidence,
                source,
            });
        }
    }
    /// Claims a role.
    pub fn role(&mut self, subject: Subject, role: Role, confidence: u8, source: &'static str) {
        self.roles.push((subject, role, confidence, source));
    }
}

/// Which side is the client given a service port: `Some(true)` if the destination port is the
/// service port.
fn side(sport: u16, dport: u16, port: u16) -> Option<bool> {
    if dport == port {
        Some(true)
    } else if sport == port {
        Some(false)
    } else {
        None
    }
}

fn either(sport: u16, dport: u16, ports: &[u16]) -> Option<bool> {
    ports.iter().find_map(|p| side(sport, dport, *p))
}

/// Dissects one decoded frame into `out` (which is cleared first).
pub fn dissect(frame: &Frame<'_>, out: &mut Dissection) {
    out.clear();
    if let Some(ip) = &frame.ip {
        match ip.transport {
            Transport::Tcp {
                sport,
                dport,
                syn,
                ack,
                payload,
            } => dissect_tcp(sport, dport, syn, ack, payload, out),
            Transport::Udp {
                sport,
                dport,
                payload,
            } => dissect_udp(frame, sport, dport, payload, out),
            Transport::Icmp => out.protocol = Some(Protocol::Icmp),
            Transport::Other(p) => out.protocol = Some(Protocol::Ip(p)),
        }
        return;
    }
    match frame.ethertype {
        link::ETH_ARP => arp::dissect(frame.payload, out),
        link::ETH_LLDP => lldp::dissect_lldp(frame, out),
        link::ETH_PROFINET => profinet::dissect(frame, out),
        link::ETH_LLC => {
            if !lldp::dissect_cdp(frame, out) && !stp::dissect(frame, out) {
                // Named by its destination service access point (NetBIOS, IPX, OSI…).
                let dsap = frame.payload.first().copied().unwrap_or(0);
                out.protocol = Some(Protocol::Llc(dsap));
            }
        }
        t => out.protocol = Some(Protocol::Ether(t)),
    }
}

fn dissect_tcp(sport: u16, dport: u16, syn: bool, ack: bool, payload: &[u8], out: &mut Dissection) {
    let known = if let Some(c) = side(sport, dport, 502) {
        out.protocol = Some(Protocol::Modbus);
        modbus::dissect(payload, c, out);
        Some(c)
    } else if let Some(c) = side(sport, dport, 102) {
        s7::dissect(payload, c, out);
        if out.protocol.is_none() {
            out.protocol = Some(Protocol::S7comm);
        }
        Some(c)
    } else if let Some(c) = side(sport, dport, 44818) {
        out.protocol = Some(Protocol::Enip);
        enip::dissect(payload, c, out);
        Some(c)
    } else if let Some(c) = side(sport, dport, 20000) {
        out.protocol = Some(Protocol::Dnp3);
        dnp3::dissect(payload, c, out);
        Some(c)
    } else if let Some(c) = side(sport, dport, 4840).or_else(|| opcua::sniff(payload, sport, dport))
    {
        out.protocol = Some(Protocol::OpcUa);
        opcua::dissect(payload, c, out);
        Some(c)
    } else if let Some(c) =
        either(sport, dport, &[104, 11112]).or_else(|| dicom::sniff(payload, sport, dport))
    {
        out.protocol = Some(Protocol::Dicom);
        dicom::dissect(payload, c, out);
        Some(c)
    } else if let Some(c) = side(sport, dport, 2575).or_else(|| hl7::sniff(payload, sport, dport)) {
        out.protocol = Some(Protocol::Hl7);
        hl7::dissect(payload, c, out);
        Some(c)
    } else if let Some(c) =
        either(sport, dport, &[443, 8443, 4843]).or_else(|| tls::sniff(payload, sport, dport))
    {
        out.protocol = Some(Protocol::Tls);
        tls::dissect(payload, c, out);
        Some(c)
    } else if let Some(c) =
        either(sport, dport, &[80, 8080, 8000]).or_else(|| http::sniff(payload, sport, dport))
    {
        out.protocol = Some(Protocol::Http);
        http::dissect(payload, c, out);
        Some(c)
    } else if let Some(c) = side(sport, dport, 53) {
        out.protocol = Some(Protocol::Dns);
        Some(c)
    } else {
        None
    };
    match known {
        Some(c) => {
            if out.client_is_src.is_none() {
                out.client_is_src = Some(c);
            }
        }
        None => {
            // Unknown service: the SYN sender is the client; else the lower port is the server.
            let client_is_src = if syn { !ack } else { dport <= sport };
            let server_port = if client_is_src { dport } else { sport };
            out.protocol = Some(Protocol::Tcp(server_port));
            out.client_is_src = Some(client_is_src);
        }
    }
}

fn dissect_udp(frame: &Frame<'_>, sport: u16, dport: u16, payload: &[u8], out: &mut Dissection) {
    let known = if let Some(c) = side(sport, dport, 2222) {
        out.protocol = Some(Protocol::CipIo);
        Some(c)
    } else if let Some(c) = side(sport, dport, 44818) {
        out.protocol = Some(Protocol::Enip);
        enip::dissect(payload, c, out);
        Some(c)
    } else if let Some(c) = side(sport, dport, 20000) {
        out.protocol = Some(Protocol::Dnp3);
        dnp3::dissect(payload, c, out);
        Some(c)
    } else if let Some(c) = either(sport, dport, &[47808, 47809]) {
        out.protocol = Some(Protocol::Bacnet);
        bacnet::dissect(payload, c, out);
        Some(c)
    } else if let Some(c) = either(sport, dport, &[67, 68]) {
        out.protocol = Some(Protocol::Dhcp);
        dhcp::dissect(payload, out);
        Some(c)
    } else if sport == 5353 || dport == 5353 {
        out.protocol = Some(Protocol::Mdns);
        dns::dissect_mdns(payload, out);
        Some(true)
    } else if let Some(c) = side(sport, dport, 137) {
        out.protocol = Some(Protocol::NetbiosNs);
        dns::dissect_nbns(payload, out);
        Some(c)
    } else if let Some(c) = side(sport, dport, 138) {
        out.protocol = Some(Protocol::NetbiosDgm);
        Some(c)
    } else if let Some(c) = either(sport, dport, &[161, 162]) {
        out.protocol = Some(Protocol::Snmp);
        snmp::dissect(payload, out);
        Some(c)
    } else if let Some(c) = side(sport, dport, 53) {
        out.protocol = Some(Protocol::Dns);
        Some(c)
    } else if let Some(c) = side(sport, dport, 4840) {
        out.protocol = Some(Protocol::OpcUa);
        Some(c)
    } else {
        None
    };
    let _ = frame;
    match known {
        Some(c) => {
            if out.client_is_src.is_none() {
                out.client_is_src = Some(c);
            }
        }
        None => {
            let client_is_src = dport <= sport;
            let server_port = if client_is_src { dport } else { sport };
            out.protocol = Some(Protocol::Udp(server_port));
            out.client_is_src = Some(client_is_src);
        }
    }
}

/// Subject of the server side given who is the client.
pub fn server(client_is_src: bool) -> Subject {
    if client_is_src {
        Subject::Dst
    } else {
        Subject::Src
    }
}

/// Subject of the client side.
pub fn client(client_is_src: bool) -> Subject {
    if client_is_src {
        Subject::Src
    } else {
        Subject::Dst
    }
}
