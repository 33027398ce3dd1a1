//! ARP (RFC 826): the sender's MAC ↔ IPv4 binding.

use super::Dissection;
use crate::model::{MacAddr, Protocol};
use crate::util::Rd;
use std::net::{IpAddr, Ipv4Addr};

/// Dissects an ARP packet.
pub fn dissect(payload: &[u8], out: &mut Dissection) {
    out.protocol = Some(Protocol::Arp);
    out.client_is_src = Some(true);
    let mut r = Rd::new(payload);
    let (Some(1), Some(0x0800), Some(6), Some(4), Some(_op)) =
        (r.be16(), r.be16(), r.u8(), r.u8(), r.be16())
    else {
        return;
    };
    let (Some(sha), Some(spa)) = (r.take(6), r.be32()) else {
        return;
    };
    if let Some(mac) = MacAddr::from_slice(sha)
        && spa != 0
        && !mac.is_group()
        && !mac.is_zero()
    {
        out.bindings.push((mac, IpAddr::V4(Ipv4Addr::from(spa))));
    }
}
