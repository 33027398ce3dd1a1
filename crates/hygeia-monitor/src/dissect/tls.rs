//! TLS ClientHello (RFC 8446 §4.1.2): the server_name extension.

use super::Dissection;
use crate::model::{AttrKind, Subject};
use crate::util::Rd;

/// Recognises a TLS handshake record on a non-standard port.
pub fn sniff(payload: &[u8], _sport: u16, _dport: u16) -> Option<bool> {
    match payload {
        [0x16, 3, 0..=4, _, _, 1, ..] => Some(true),
        [0x16, 3, 0..=4, _, _, 2, ..] => Some(false),
        _ => None,
    }
}

/// Dissects a ClientHello at the start of the segment.
pub fn dissect(payload: &[u8], _to_server: bool, out: &mut Dissection) {
    let mut r = Rd::new(payload);
    let (Some(0x16), Some(3), Some(_), Some(_), Some(1)) =
        (r.u8(), r.u8(), r.u8(), r.be16(), r.u8())
    else {
        return;
    };
    out.client_is_src = Some(true);
    // Handshake length (3), version (2), random (32).
    if r.skip(37).is_none() {
        return;
    }
    let Some(sid) = r.u8() else { return };
    if r.skip(usize::from(sid)).is_none() {
        return;
    }
    let Some(cs) = r.be16() else { return };
    if r.skip(usize::from(cs)).is_none() {
        return;
    }
    let Some(cm) = r.u8() else { return };
    if r.skip(usize::from(cm)).is_none() {
        return;
    }
    let Some(ext_len) = r.be16() else { return };
    let exts = r.take(usize::from(ext_len)).unwrap_or_else(|| r.rest());
    let mut e = Rd::new(exts);
    while e.remaining() >= 4 {
        let (Some(ty), Some(len)) = (e.be16(), e.be16()) else {
            return;
        };
        let Some(body) = e.take(usize::from(len)) else {
            return;
        };
        if ty == 0 {
            let mut s = Rd::new(body);
            let (Some(_list), Some(0), Some(n)) = (s.be16(), s.u8(), s.be16()) else {
                return;
            };
            if let Some(name) = s.take(usize::from(n)) {
                out.text(
                    Subject::Dst,
                    AttrKind::ServiceName,
                    name,
                    40,
                    "tls client hello sni",
                );
            }
            return;
        }
    }
}
