//! mDNS (RFC 6762) answers: host names (A/AAAA owners), service instances (SRV owners);
//! NetBIOS name service (RFC 1002): registered names and positive answers.

use super::Dissection;
use crate::model::{AttrKind, Subject};
use crate::util::Rd;
use std::net::{IpAddr, Ipv4Addr};

/// Reads a possibly compressed DNS name at `r`, advancing `r` past it.
fn name<'a>(msg: &'a [u8], r: &mut Rd<'a>) -> Option<String> {
    let mut out = String::new();
    let mut cur = *r;
    let mut jumped = false;
    for _ in 0..64 {
        let len = cur.u8()?;
        if len & 0xc0 == 0xc0 {
            let lo = cur.u8()?;
            if !jumped {
                *r = cur;
                jumped = true;
            }
            let off = (usize::from(len & 0x3f) << 8) | usize::from(lo);
            let mut n = Rd::new(msg);
            n.skip(off)?;
            cur = n;
            continue;
        }
        if len == 0 {
            if !jumped {
                *r = cur;
            }
            return Some(out);
        }
        let label = cur.take(usize::from(len))?;
        if !out.is_empty() {
            out.push('.');
        }
        if out.len() > 255 {
            return None;
        }
        out.push_str(&String::from_utf8_lossy(label));
    }
    None
}

/// mDNS: the sender announces its own records.
pub fn dissect_mdns(payload: &[u8], out: &mut Dissection) {
    let mut r = Rd::new(payload);
    let (Some(_id), Some(flags), Some(qd), Some(an), Some(ns), Some(ar)) =
        (r.be16(), r.be16(), r.be16(), r.be16(), r.be16(), r.be16())
    else {
        return;
    };
    if flags & 0x8000 == 0 {
        return; // queries name what is wanted, not the sender
    }
    for _ in 0..qd {
        if name(payload, &mut r).is_none() || r.skip(4).is_none() {
            return;
        }
    }
    let total = u32::from(an) + u32::from(ns) + u32::from(ar);
    for _ in 0..total.min(64) {
        let Some(owner) = name(payload, &mut r) else {
            return;
        };
        let (Some(ty), Some(_class), Some(_ttl), Some(len)) =
            (r.be16(), r.be16(), r.be32(), r.be16())
        else {
            return;
        };
        if r.skip(usize::from(len)).is_none() {
            return;
        }
        match ty {
            1 | 28 => out.value(
                Subject::Src,
                AttrKind::Name,
                owner,
                75,
                "mdns address record",
            ),
            33 => out.value(
                Subject::Src,
                AttrKind::Software,
                owner,
                50,
                "mdns service instance",
            ),
            _ => {}
        }
    }
}

/// Decodes a NetBIOS first-level encoded name (32 characters 'A'..'P').
fn netbios_name(enc: &str) -> Option<(String, u8)> {
    let b = enc.split('.').next()?.as_bytes();
    if b.len() != 32 {
        return None;
    }
    let mut raw = [0u8; 16];
    for (i, pair) in b.chunks_exact(2).enumerate() {
        let (Some(&h), Some(&l)) = (pair.first(), pair.get(1)) else {
            return None;
        };
        let v = (h.checked_sub(b'A')? << 4) | l.checked_sub(b'A')?;
        *raw.get_mut(i)? = v;
    }
    let suffix = *raw.get(15)?;
    let n = crate::util::clean_text(raw.get(..15)?)?;
    Some((n, suffix))
}

/// NetBIOS name service.
pub fn dissect_nbns(payload: &[u8], out: &mut Dissection) {
    let mut r = Rd::new(payload);
    let (Some(_id), Some(flags), Some(qd), Some(an), Some(_ns), Some(ar)) =
        (r.be16(), r.be16(), r.be16(), r.be16(), r.be16(), r.be16())
    else {
        return;
    };
    let response = flags & 0x8000 != 0;
    let opcode = (flags >> 11) & 0x0f;
    out.client_is_src = Some(!response);
    // Registration (5), release (6), refresh (8, 9): the question names the sender.
    if !response && matches!(opcode, 5 | 8 | 9) && qd >= 1 {
        if let Some((n, suffix)) = name(payload, &mut r).and_then(|e| netbios_name(&e))
            && matches!(suffix, 0x00 | 0x20)
        {
            out.value(
                Subject::Src,
                AttrKind::Name,
                n,
                80,
                "netbios name registration",
            );
        }
        return;
    }
    if response && opcode == 0 && an >= 1 && ar == 0 {
        let Some(enc) = name(payload, &mut r) else {
            return;
        };
        let (Some(_ty), Some(_cl), Some(_ttl), Some(len)) =
            (r.be16(), r.be16(), r.be32(), r.be16())
        else {
            return;
        };
        let Some(rd) = r.take(usize::from(len)) else {
            return;
        };
        let mut d = Rd::new(rd);
        let (Some(_nb), Some(ip)) = (d.be16(), d.be32()) else {
            return;
        };
        if let Some((n, 0x00 | 0x20)) = netbios_name(&enc) {
            out.value(
                Subject::Ip(IpAddr::V4(Ipv4Addr::from(ip))),
                AttrKind::Name,
                n,
                75,
                "netbios name query answer",
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn compression_loops_terminate() {
        // A name pointing at itself.
        let msg = [0u8, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 12];
        dissect_mdns(&msg, &mut Dissection::default());
        let mut r = Rd::new(&msg);
        r.skip(12).unwrap();
        assert_eq!(name(&msg, &mut r), None);
    }

    #[test]
    fn netbios_decoding() {
        // "WS01" padded with spaces, suffix 0x00.
        let mut raw = *b"WS01           \0";
        raw[15] = 0;
        let enc: String = raw
            .iter()
            .flat_map(|b| [(b'A' + (b >> 4)) as char, (b'A' + (b & 15)) as char])
            .collect();
        assert_eq!(netbios_name(&enc), Some(("WS01".to_owned(), 0)));
    }
}
