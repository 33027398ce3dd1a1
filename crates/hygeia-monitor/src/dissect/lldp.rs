//! LLDP (IEEE 802.1AB) and CDP: system name, description, platform, software version,
//! management address.

use super::Dissection;
use crate::capture::link::Frame;
use crate::model::{AttrKind, MacAddr, Protocol, Role, Subject};
use crate::util::Rd;
use std::net::{IpAddr, Ipv4Addr};

/// LLDP: TLVs with a 7-bit type and 9-bit length.
pub fn dissect_lldp(frame: &Frame<'_>, out: &mut Dissection) {
    out.protocol = Some(Protocol::Lldp);
    out.client_is_src = Some(true);
    out.op(crate::model::Op::Discovery);
    let mut r = Rd::new(frame.payload);
    let mut mgmt: Option<Ipv4Addr> = None;
    while let Some(h) = r.be16() {
        let (ty, len) = (h >> 9, usize::from(h & 0x01ff));
        if ty == 0 {
            break;
        }
        let Some(v) = r.take(len) else { return };
        match ty {
            5 => out.text(Subject::Src, AttrKind::Name, v, 90, "lldp system name"),
            6 => out.text(
                Subject::Src,
                AttrKind::Software,
                v,
                85,
                "lldp system description",
            ),
            7 => {
                // Enabled capabilities: bridge (0x04) or router (0x10) mean network gear.
                if let Some(en) = crate::util::be16_at(v, 2)
                    && en & 0x0014 != 0
                {
                    out.role(Subject::Src, Role::NetworkDevice, 80, "lldp capabilities");
                }
            }
            8 => {
                // Address string length, subtype (1 = IPv4), address.
                if let [5, 1, a, b, c, d, ..] = v {
                    mgmt = Some(Ipv4Addr::new(*a, *b, *c, *d));
                }
            }
            _ => {}
        }
    }
    if let (Some(ip), Some(mac)) = (mgmt, frame.src_mac) {
        out.bindings.push((mac, IpAddr::V4(ip)));
    }
}

const CDP_DST: MacAddr = MacAddr([0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc]);

/// CDP inside 802.3 + LLC/SNAP (OUI 00000C, PID 0x2000). Returns false if not CDP.
pub fn dissect_cdp(frame: &Frame<'_>, out: &mut Dissection) -> bool {
    if frame.dst_mac != Some(CDP_DST) {
        return false;
    }
    let mut r = Rd::new(frame.payload);
    let Some(snap) = r.take(8) else { return false };
    if snap != [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00] {
        return false;
    }
    out.protocol = Some(Protocol::Cdp);
    out.client_is_src = Some(true);
    out.op(crate::model::Op::Discovery);
    out.role(Subject::Src, Role::NetworkDevice, 70, "cdp speaker");
    if r.skip(4).is_none() {
        return true;
    }
    while r.remaining() >= 4 {
        let (Some(ty), Some(len)) = (r.be16(), r.be16()) else {
            break;
        };
        let Some(v) = r.take(usize::from(len).saturating_sub(4)) else {
            break;
        };
        match ty {
            0x0001 => out.text(Subject::Src, AttrKind::Name, v, 90, "cdp device id"),
            0x0005 => out.text(
                Subject::Src,
                AttrKind::Software,
                v,
                85,
                "cdp software version",
            ),
            0x0006 => out.text(Subject::Src, AttrKind::Model, v, 85, "cdp platform"),
            _ => {}
        }
    }
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::capture::link::{ETH_LLC, decode, linktype};

    #[test]
    fn cdp_frame_from_spec() {
        let mut cdp = vec![0x02, 180, 0, 0];
        for (ty, v) in [
            (1u16, &b"sw-core-1"[..]),
            (6, b"cisco WS-C2960-24TT-L"),
            (5, b"Cisco IOS 15.0(2)SE"),
        ] {
            cdp.extend_from_slice(&ty.to_be_bytes());
            cdp.extend_from_slice(&((v.len() + 4) as u16).to_be_bytes());
            cdp.extend_from_slice(v);
        }
        let mut llc = vec![0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00];
        llc.extend_from_slice(&cdp);
        let mut f = vec![
            0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc, 0x00, 0x00, 0x0c, 1, 2, 3,
        ];
        f.extend_from_slice(&(llc.len() as u16).to_be_bytes());
        f.extend_from_slice(&llc);
        let fr = decode(linktype::ETHERNET, &f).unwrap();
        assert_eq!(fr.ethertype, ETH_LLC);
        let mut d = Dissection::default();
        assert!(dissect_cdp(&fr, &mut d));
        let vals: Vec<_> = d.obs.iter().map(|o| o.value.as_str()).collect();
        assert_eq!(
            vals,
            vec!["sw-core-1", "cisco WS-C2960-24TT-L", "Cisco IOS 15.0(2)SE"]
        );
    }
}
