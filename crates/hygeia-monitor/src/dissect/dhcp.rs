//! DHCP / BOOTP (RFC 2131, 2132): client MAC, host name (option 12), vendor class (option 60),
//! FQDN (option 81) and the address bound in an ACK.

use super::Dissection;
use crate::model::{AttrKind, MacAddr, Role, Subject};
use crate::util::Rd;
use std::net::{IpAddr, Ipv4Addr};

/// Dissects one BOOTP/DHCP message.
pub fn dissect(payload: &[u8], out: &mut Dissection) {
    let mut r = Rd::new(payload);
    let (Some(op), Some(htype), Some(hlen)) = (r.u8(), r.u8(), r.u8()) else {
        return;
    };
    if r.skip(9).is_none() {
        return;
    }
    let (Some(_ciaddr), Some(yiaddr)) = (r.be32(), r.be32()) else {
        return;
    };
    if r.skip(8).is_none() {
        return;
    }
    let Some(chaddr) = r.take(16) else { return };
    if r.skip(192).is_none() || r.be32() != Some(0x6382_5363) {
        return;
    }
    out.client_is_src = Some(op == 1);
    let Some(mac) = (htype == 1 && hlen == 6)
        .then(|| MacAddr::from_slice(chaddr))
        .flatten()
    else {
        return;
    };
    let client = Subject::Mac(mac);
    let mut msg_type = 0u8;
    let mut opts = Vec::new();
    while let Some(code) = r.u8() {
        if code == 255 {
            break;
        }
        if code == 0 {
            continue;
        }
        let Some(len) = r.u8() else { return };
        let Some(v) = r.take(usize::from(len)) else {
            return;
        };
        match code {
            53 => msg_type = v.first().copied().unwrap_or(0),
            12 | 60 | 81 => opts.push((code, v)),
            _ => {}
        }
    }
    if op == 1 {
        for (code, v) in opts {
            match code {
                12 => out.text(client, AttrKind::Name, v, 85, "dhcp option 12 host name"),
                60 => out.text(
                    client,
                    AttrKind::Software,
                    v,
                    70,
                    "dhcp option 60 vendor class",
                ),
                81 => out.text(
                    client,
                    AttrKind::Name,
                    v.get(3..).unwrap_or_default(),
                    80,
                    "dhcp option 81 fqdn",
                ),
                _ => {}
            }
        }
    } else {
        out.role(Subject::Src, Role::DhcpServer, 80, "dhcp reply");
        for (code, v) in opts {
            if code == 60 {
                out.text(
                    Subject::Src,
                    AttrKind::Software,
                    v,
                    70,
                    "dhcp option 60 vendor class (server)",
                );
            }
        }
        if msg_type == 5 && yiaddr != 0 {
            out.bindings.push((mac, IpAddr::V4(Ipv4Addr::from(yiaddr))));
        }
    }
}
