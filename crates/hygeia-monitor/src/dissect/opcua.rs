//! OPC UA binary (UA TCP, OPC 10000-6): HEL endpoint URL, OPN security policy and security mode,
//! MSG service classification when the channel is not encrypted.

use super::{Dissection, server};
use crate::model::{AttrKind, Op, Role, Subject};
use crate::util::Rd;

/// Recognises UA TCP on a non-standard port by its message header.
pub fn sniff(payload: &[u8], sport: u16, dport: u16) -> Option<bool> {
    let ty = payload.get(..4)?;
    let size = crate::util::Rd::new(payload.get(4..8)?).le32()?;
    if size as usize != payload.len() {
        return None;
    }
    match ty {
        b"HELF" | b"OPNF" => Some(true),
        b"ACKF" => Some(false),
        b"MSGF" | b"CLOF" => Some(dport < sport),
        _ => None,
    }
}

fn string<'a>(r: &mut Rd<'a>) -> Option<&'a [u8]> {
    let n = r.le_i32()?;
    if n < 0 {
        return Some(&[]);
    }
    r.take(usize::try_from(n).ok()?)
}

/// Reads a NodeId and returns its numeric id when it has one.
fn node_id(r: &mut Rd<'_>) -> Option<u32> {
    let enc = r.u8()?;
    match enc & 0x3f {
        0 => r.u8().map(u32::from),
        1 => {
            r.u8()?;
            r.le16().map(u32::from)
        }
        2 => {
            r.le16()?;
            r.le32()
        }
        3 => {
            r.le16()?;
            string(r)?;
            None
        }
        4 => {
            r.le16()?;
            r.skip(16)?;
            None
        }
        5 => {
            r.le16()?;
            string(r)?;
            None
        }
        _ => None,
    }
}

/// Dissects one UA TCP chunk.
pub fn dissect(payload: &[u8], to_server: bool, out: &mut Dissection) {
    let mut r = Rd::new(payload);
    let Some(ty) = r.take(3) else { return };
    let (Some(_chunk), Some(_size)) = (r.u8(), r.le32()) else {
        return;
    };
    out.role(server(to_server), Role::OpcUaServer, 70, "opcua server");
    match ty {
        b"HEL" => {
            out.op(Op::Discovery);
            if r.skip(20).is_none() {
                return;
            }
            if let Some(url) = string(&mut r) {
                out.text(
                    Subject::Dst,
                    AttrKind::Name,
                    url,
                    70,
                    "opcua hello endpoint url",
                );
            }
        }
        b"OPN" if to_server => {
            let Some(_channel) = r.le32() else { return };
            let Some(policy) = string(&mut r) else { return };
            if let Some(p) = policy.rsplit(|b| *b == b'#').next() {
                let v = format!("opcua security policy {}", String::from_utf8_lossy(p));
                out.value(
                    Subject::Dst,
                    AttrKind::Software,
                    v,
                    70,
                    "opcua open secure channel",
                );
            }
            let none = policy.ends_with(b"#None");
            if string(&mut r).is_none() || string(&mut r).is_none() || r.skip(8).is_none() {
                return;
            }
            if !none {
                return;
            }
            if node_id(&mut r) != Some(446) {
                return;
            }
            // RequestHeader: token, timestamp, handle, diagnostics, audit id, timeout, extension.
            if node_id(&mut r).is_none() && r.rest().is_empty() {
                return;
            }
            if r.skip(16).is_none() || string(&mut r).is_none() || r.skip(4).is_none() {
                return;
            }
            let _ = node_id(&mut r);
            let Some(ext_enc) = r.u8() else { return };
            if ext_enc & 1 != 0 {
                let Some(len) = r.le_i32() else { return };
                if r.skip(usize::try_from(len).unwrap_or(0)).is_none() {
                    return;
                }
            }
            if r.skip(8).is_none() {
                return;
            }
            let mode = match r.le32() {
                Some(1) => "None",
                Some(2) => "Sign",
                Some(3) => "SignAndEncrypt",
                _ => return,
            };
            out.value(
                Subject::Dst,
                AttrKind::Software,
                format!("opcua security mode {mode}"),
                80,
                "opcua open secure channel",
            );
        }
        b"MSG" if to_server => {
            // Channel id, token id, sequence number, request id: then the type id, readable only
            // without encryption; unknown ids are ignored.
            if r.skip(16).is_none() {
                return;
            }
            let op = match node_id(&mut r) {
                Some(631) | Some(787) | Some(751) | Some(826) | Some(664) => Op::Read,
                Some(673) | Some(488) | Some(494) => Op::Write,
                Some(712) => Op::Control,
                Some(527) | Some(428) | Some(422) | Some(554) => Op::Discovery,
                _ => return,
            };
            out.op(op);
        }
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn truncation_never_panics() {
        let mut p = b"OPNF".to_vec();
        p.extend_from_slice(&200u32.to_le_bytes());
        p.extend_from_slice(&[0, 0, 0, 0, 5, 0, 0, 0, b'a', b'#', b'N', b'o', b'n', b'e']);
        p.extend_from_slice(&[0xff; 8]);
        p.extend_from_slice(&[1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0xbe, 1, 0, 0]);
        for cut in 0..p.len() {
            dissect(&p[..cut], true, &mut Dissection::default());
        }
    }
}
