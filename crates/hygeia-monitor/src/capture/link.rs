//! Link-layer and IP/transport decoding of one frame.
//!
//! The link layers (Ethernet with 802.1Q/802.1ad/QinQ tags, Linux cooked SLL and SLL2, BSD
//! loopback, raw IP) are decoded here by hand because they are a few fixed fields; IP, TCP and
//! UDP are sliced by `etherparse` in lax mode, so frames cut by a snap length still yield what
//! they hold.

use super::Malformed;
use crate::model::MacAddr;
use crate::util::Rd;
use etherparse::{LaxNetSlice, LaxSlicedPacket, TransportSlice};
use std::net::IpAddr;

/// LINKTYPE values we decode.
pub mod linktype {
    /// BSD loopback, host byte order family.
    pub const NULL: i32 = 0;
    /// Ethernet II / 802.3.
    pub const ETHERNET: i32 = 1;
    /// Raw IP (some systems).
    pub const RAW_OLD: i32 = 12;
    /// Raw IP.
    pub const RAW: i32 = 101;
    /// OpenBSD loopback, network byte order family.
    pub const LOOP: i32 = 108;
    /// Linux cooked capture v1.
    pub const LINUX_SLL: i32 = 113;
    /// Raw IPv4.
    pub const IPV4: i32 = 228;
    /// Raw IPv6.
    pub const IPV6: i32 = 229;
    /// Linux cooked capture v2.
    pub const LINUX_SLL2: i32 = 276;
}

/// EtherType for IPv4.
pub const ETH_IPV4: u16 = 0x0800;
/// EtherType for IPv6.
pub const ETH_IPV6: u16 = 0x86dd;
/// EtherType for ARP.
pub const ETH_ARP: u16 = 0x0806;
/// EtherType for LLDP.
pub const ETH_LLDP: u16 = 0x88cc;
/// EtherType for PROFINET.
pub const ETH_PROFINET: u16 = 0x8892;
/// Pseudo EtherType for 802.3 frames carrying LLC (CDP, STP…).
pub const ETH_LLC: u16 = 0;
/// The protocol field of Linux cooked captures for 802.3 frames carrying LLC (`ETH_P_802_2`).
const SLL_802_2: u16 = 0x0004;

/// The transport part of an IP packet.
#[derive(Clone, Copy, Debug)]
pub enum Transport<'a> {
    /// TCP segment.
    Tcp {
        /// Source port.
        sport: u16,
        /// Destination port.
        dport: u16,
        /// SYN flag.
        syn: bool,
        /// ACK flag.
        ack: bool,
        /// Segment payload.
        payload: &'a [u8],
    },
    /// UDP datagram.
    Udp {
        /// Source port.
        sport: u16,
        /// Destination port.
        dport: u16,
        /// Datagram payload.
        payload: &'a [u8],
    },
    /// ICMP or ICMPv6.
    Icmp,
    /// Another IP protocol, or a non-first fragment.
    Other(u8),
}

/// IP layer summary.
#[derive(Clone, Copy, Debug)]
pub struct IpInfo<'a> {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Transport.
    pub transport: Transport<'a>,
}

/// A decoded frame.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// Source MAC (absent on raw IP and loopback).
    pub src_mac: Option<MacAddr>,
    /// Destination MAC.
    pub dst_mac: Option<MacAddr>,
    /// Innermost VLAN id (C-tag under QinQ).
    pub vlan: Option<u16>,
    /// Outer VLAN id when two or more tags are present (S-tag).
    pub outer_vlan: Option<u16>,
    /// EtherType of the payload ([`ETH_LLC`] for 802.3 frames).
    pub ethertype: u16,
    /// Bytes after the link header (and tags).
    pub payload: &'a [u8],
    /// IP layer, when the payload is IPv4 or IPv6.
    pub ip: Option<IpInfo<'a>>,
}

fn is_vlan(t: u16) -> bool {
    matches!(t, 0x8100 | 0x88a8 | 0x9100 | 0x9200)
}

/// Decodes one frame of the given link type.
pub fn decode(linktype: i32, data: &[u8]) -> Result<Frame<'_>, Malformed> {
    let mut r = Rd::new(data);
    let mut f = Frame {
        src_mac: None,
        dst_mac: None,
        vlan: None,
        outer_vlan: None,
        ethertype: 0,
        payload: &[],
        ip: None,
    };
    match linktype {
        linktype::ETHERNET => {
            let hdr = r.take(12).ok_or(Malformed::LinkHeader)?;
            f.dst_mac = MacAddr::from_slice(hdr);
            f.src_mac = hdr.get(6..).and_then(MacAddr::from_slice);
            f.ethertype = r.be16().ok_or(Malformed::LinkHeader)?;
        }
        linktype::LINUX_SLL => {
            let _pkttype = r.be16().ok_or(Malformed::LinkHeader)?;
            let hatype = r.be16().ok_or(Malformed::LinkHeader)?;
            let alen = r.be16().ok_or(Malformed::LinkHeader)?;
            let addr = r.take(8).ok_or(Malformed::LinkHeader)?;
            if hatype == 1 && alen == 6 {
                f.src_mac = MacAddr::from_slice(addr);
            }
            f.ethertype = r.be16().ok_or(Malformed::LinkHeader)?;
        }
        linktype::LINUX_SLL2 => {
            f.ethertype = r.be16().ok_or(Malformed::LinkHeader)?;
            r.skip(6).ok_or(Malformed::LinkHeader)?;
            let hatype = r.be16().ok_or(Malformed::LinkHeader)?;
            let _pkttype = r.u8().ok_or(Malformed::LinkHeader)?;
            let alen = r.u8().ok_or(Malformed::LinkHeader)?;
            let addr = r.take(8).ok_or(Malformed::LinkHeader)?;
            if hatype == 1 && alen == 6 {
                f.src_mac = MacAddr::from_slice(addr);
            }
        }
        linktype::NULL | linktype::LOOP => {
            let fam = r.take(4).ok_or(Malformed::LinkHeader)?;
            let le = fam
                .try_into()
                .map(u32::from_le_bytes)
                .map_err(|_| Malformed::LinkHeader)?;
            // Host byte order for NULL: a small value read little-endian is right; a big one
            // means the writer was big-endian (or the type is LOOP).
            let fam = if le > 0xffff { le.swap_bytes() } else { le };
            f.ethertype = match fam {
                2 => ETH_IPV4,
                10 | 24 | 28 | 30 => ETH_IPV6,
                _ => return Err(Malformed::LinkHeader),
            };
        }
        linktype::RAW | linktype::RAW_OLD | linktype::IPV4 | linktype::IPV6 => {
            let v = data.first().ok_or(Malformed::LinkHeader)? >> 4;
            f.ethertype = match v {
                4 => ETH_IPV4,
                6 => ETH_IPV6,
                _ => return Err(Malformed::IpHeader),
            };
        }
        _ => return Err(Malformed::UnsupportedLinkType),
    }
    // 802.1Q / 802.1ad tags, any depth up to four.
    let mut depth = 0;
    while is_vlan(f.ethertype) && depth < 4 {
        let tci = r.be16().ok_or(Malformed::LinkHeader)?;
        let id = tci & 0x0fff;
        if f.vlan.is_some() && f.outer_vlan.is_none() {
            f.outer_vlan = f.vlan;
        }
        f.vlan = Some(id);
        f.ethertype = r.be16().ok_or(Malformed::LinkHeader)?;
        depth += 1;
    }
    if f.ethertype < 0x0600 && linktype == linktype::ETHERNET {
        // 802.3 length field: the payload is LLC; cut Ethernet padding.
        let len = usize::from(f.ethertype);
        let rest = r.rest();
        f.payload = rest.get(..len).unwrap_or(rest);
        f.ethertype = ETH_LLC;
        return Ok(f);
    }
    if f.ethertype == SLL_802_2 && matches!(linktype, linktype::LINUX_SLL | linktype::LINUX_SLL2) {
        // Linux cooked captures mark 802.3 frames carrying LLC with this protocol number.
        f.payload = r.rest();
        f.ethertype = ETH_LLC;
        return Ok(f);
    }
    f.payload = r.rest();
    if f.ethertype == ETH_IPV4 || f.ethertype == ETH_IPV6 {
        f.ip = Some(decode_ip(f.payload)?);
    }
    Ok(f)
}

fn decode_ip(data: &[u8]) -> Result<IpInfo<'_>, Malformed> {
    let p = LaxSlicedPacket::from_ip(data).map_err(|_| Malformed::IpHeader)?;
    let (src, dst, proto) = match &p.net {
        Some(LaxNetSlice::Ipv4(v4)) => {
            let h = v4.header();
            (
                IpAddr::V4(h.source_addr()),
                IpAddr::V4(h.destination_addr()),
                v4.payload().ip_number.0,
            )
        }
        Some(LaxNetSlice::Ipv6(v6)) => {
            let h = v6.header();
            (
                IpAddr::V6(h.source_addr()),
                IpAddr::V6(h.destination_addr()),
                v6.payload().ip_number.0,
            )
        }
        _ => return Err(Malformed::IpHeader),
    };
    let transport = match &p.transport {
        Some(TransportSlice::Tcp(t)) => Transport::Tcp {
            sport: t.source_port(),
            dport: t.destination_port(),
            syn: t.syn(),
            ack: t.ack(),
            payload: t.payload(),
        },
        Some(TransportSlice::Udp(u)) => Transport::Udp {
            sport: u.source_port(),
            dport: u.destination_port(),
            payload: u.payload(),
        },
        Some(TransportSlice::Icmpv4(_)) | Some(TransportSlice::Icmpv6(_)) => Transport::Icmp,
        Some(_) => Transport::Other(proto),
        None => {
            let fragment = match &p.net {
                Some(LaxNetSlice::Ipv4(v4)) => v4.payload().fragmented,
                Some(LaxNetSlice::Ipv6(v6)) => v6.payload().fragmented,
                _ => false,
            };
            if (proto == 6 || proto == 17) && !fragment {
                return Err(Malformed::TransportHeader);
            }
            Transport::Other(proto)
        }
    };
    Ok(IpInfo {
        src,
        dst,
        transport,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    fn udp_ip() -> Vec<u8> {
        let b = PacketBuilder::ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64).udp(1000, 2000);
        let mut v = Vec::new();
        b.write(&mut v, b"hi").unwrap();
        v
    }

    #[test]
    fn qinq_ethernet() {
        let mut f = vec![0xff; 6];
        f.extend_from_slice(&[0, 0x1b, 0x1b, 1, 2, 3]);
        f.extend_from_slice(&[0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a, 0x08, 0x00]);
        f.extend_from_slice(&udp_ip());
        let d = decode(linktype::ETHERNET, &f).unwrap();
        assert_eq!(d.vlan, Some(10));
        assert_eq!(d.outer_vlan, Some(100));
        assert_eq!(d.src_mac.unwrap().to_string(), "00:1b:1b:01:02:03");
        match d.ip.unwrap().transport {
            Transport::Udp {
                sport,
                dport,
                payload,
            } => {
                assert_eq!((sport, dport, payload), (1000, 2000, &b"hi"[..]))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sll2_and_sll_and_loopback_and_raw() {
        let ip = udp_ip();
        let mut sll2 = vec![0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6];
        sll2.extend_from_slice(&[0, 0x0e, 0x8c, 9, 9, 9, 0, 0]);
        sll2.extend_from_slice(&ip);
        let d = decode(linktype::LINUX_SLL2, &sll2).unwrap();
        assert_eq!(d.src_mac.unwrap().oui(), 0x000e8c);
        assert!(d.ip.is_some());

        let mut sll = vec![0, 0, 0, 1, 0, 6, 0, 0x0e, 0x8c, 9, 9, 9, 0, 0, 0x08, 0x00];
        sll.extend_from_slice(&ip);
        assert!(decode(linktype::LINUX_SLL, &sll).unwrap().ip.is_some());

        let mut null = 2u32.to_le_bytes().to_vec();
        null.extend_from_slice(&ip);
        assert!(decode(linktype::NULL, &null).unwrap().ip.is_some());
        let mut lp = 2u32.to_be_bytes().to_vec();
        lp.extend_from_slice(&ip);
        assert!(decode(linktype::LOOP, &lp).unwrap().ip.is_some());

        assert!(decode(linktype::RAW, &ip).unwrap().ip.is_some());
    }

    #[test]
    fn llc_frames_in_cooked_captures() {
        // SLL: packet type, ARPHRD_ETHER, address length 6, address, protocol ETH_P_802_2.
        let mut sll = vec![0, 0, 0, 1, 0, 6, 0, 0x0e, 0x8c, 9, 9, 9, 0, 0, 0x00, 0x04];
        sll.extend_from_slice(&[0x42, 0x42, 0x03, 0, 0]);
        let d = decode(linktype::LINUX_SLL, &sll).unwrap();
        assert_eq!(d.ethertype, ETH_LLC);
        assert_eq!(d.payload, &[0x42, 0x42, 0x03, 0, 0]);
    }

    #[test]
    fn truncation_is_reported_never_panics() {
        let mut f = vec![0xff; 12];
        f.extend_from_slice(&[0x08, 0x00]);
        f.extend_from_slice(&udp_ip());
        for cut in 0..f.len() {
            let _ = decode(linktype::ETHERNET, &f[..cut]);
            let _ = decode(linktype::LINUX_SLL, &f[..cut]);
            let _ = decode(linktype::LINUX_SLL2, &f[..cut]);
            let _ = decode(linktype::NULL, &f[..cut]);
            let _ = decode(linktype::RAW, &f[..cut]);
        }
        assert_eq!(
            decode(linktype::ETHERNET, &f[..10]).err(),
            Some(Malformed::LinkHeader)
        );
        assert_eq!(decode(999, &f).err(), Some(Malformed::UnsupportedLinkType));
    }
}
