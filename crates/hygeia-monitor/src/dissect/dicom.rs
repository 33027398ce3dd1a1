//! DICOM upper layer (PS3.8): A-ASSOCIATE-RQ/AC (called and calling AE titles, implementation
//! class UID and version name), and the command field of P-DATA command fragments (PS3.7).
//! Only association metadata and command fields are read: never any data set.

use super::Dissection;
use crate::model::{AttrKind, Op, Role, Subject};
use crate::util::Rd;

/// Recognises a DICOM PDU on a non-standard port: an A-ASSOCIATE-RQ with protocol version 1.
pub fn sniff(payload: &[u8], _sport: u16, _dport: u16) -> Option<bool> {
    let mut r = Rd::new(payload);
    let (Some(1), Some(0), Some(len), Some(1)) = (r.u8(), r.u8(), r.be32(), r.be16()) else {
        return None;
    };
    (len as usize + 6 == payload.len() && len >= 68).then_some(true)
}

/// Dissects the PDUs of one segment.
pub fn dissect(payload: &[u8], to_server: bool, out: &mut Dissection) {
    let mut r = Rd::new(payload);
    let mut n = 0;
    while r.remaining() >= 6 && n < 16 {
        n += 1;
        let (Some(ty), Some(_), Some(len)) = (r.u8(), r.u8(), r.be32()) else {
            return;
        };
        if !(1..=7).contains(&ty) {
            return;
        }
        let body = r.take(len as usize).unwrap_or_else(|| r.rest());
        match ty {
            1 | 2 => associate(body, ty == 1, to_server, out),
            4 if to_server => pdata(body, out),
            _ => {}
        }
        if body.len() < len as usize {
            return;
        }
    }
}

fn associate(body: &[u8], rq: bool, to_server: bool, out: &mut Dissection) {
    let mut r = Rd::new(body);
    let (Some(_ver), Some(_)) = (r.be16(), r.be16()) else {
        return;
    };
    let (Some(called), Some(calling)) = (r.take(16), r.take(16)) else {
        return;
    };
    if r.skip(32).is_none() {
        return;
    }
    // The requester is the client; in an RQ the sender is the calling AE.
    let (req, acc) = if to_server {
        (Subject::Src, Subject::Dst)
    } else {
        (Subject::Dst, Subject::Src)
    };
    if rq {
        // The acceptor may still reject the called title: weaker until an AC echoes it.
        out.text(
            acc,
            AttrKind::Name,
            called,
            60,
            "dicom called ae title (requested)",
        );
        out.text(req, AttrKind::Name, calling, 90, "dicom calling ae title");
        out.role(req, Role::DicomModality, 50, "dicom association requester");
        out.role(acc, Role::Pacs, 50, "dicom association acceptor");
    } else {
        out.text(
            acc,
            AttrKind::Name,
            called,
            90,
            "dicom called ae title (accepted)",
        );
    }
    let me = if rq { req } else { acc };
    while r.remaining() >= 4 {
        let (Some(ity), Some(_), Some(ilen)) = (r.u8(), r.u8(), r.be16()) else {
            return;
        };
        let Some(item) = r.take(usize::from(ilen)) else {
            return;
        };
        if ity != 0x50 {
            continue;
        }
        let mut u = Rd::new(item);
        while u.remaining() >= 4 {
            let (Some(sty), Some(_), Some(slen)) = (u.u8(), u.u8(), u.be16()) else {
                return;
            };
            let Some(v) = u.take(usize::from(slen)) else {
                return;
            };
            match sty {
                0x52 => out.text(
                    me,
                    AttrKind::Software,
                    v,
                    90,
                    "dicom implementation class uid",
                ),
                0x55 => out.text(
                    me,
                    AttrKind::Firmware,
                    v,
                    85,
                    "dicom implementation version name",
                ),
                _ => {}
            }
        }
    }
}

fn pdata(body: &[u8], out: &mut Dissection) {
    let mut r = Rd::new(body);
    while r.remaining() >= 6 {
        let Some(len) = r.be32() else { return };
        let Some(pdv) = r.take(len as usize) else {
            return;
        };
        let mut p = Rd::new(pdv);
        let (Some(_ctx), Some(hdr)) = (p.u8(), p.u8()) else {
            return;
        };
        if hdr & 1 == 0 {
            continue; // data set fragment: never inspected
        }
        // Command set, implicit VR little endian: find (0000,0100) CommandField.
        while p.remaining() >= 8 {
            let (Some(g), Some(e), Some(l)) = (p.le16(), p.le16(), p.le32()) else {
                return;
            };
            let Some(v) = p.take(l as usize) else { return };
            if g == 0 && e == 0x0100 {
                let Some(cmd) = Rd::new(v).le16() else { return };
                let op = match cmd {
                    0x0001 | 0x0120 | 0x0140 | 0x0150 => Op::Write,
                    0x0010 | 0x0020 | 0x0021 | 0x0110 => Op::Read,
                    0x0030 => Op::Discovery,
                    0x0130 => Op::Control,
                    _ => return,
                };
                out.op(op);
                return;
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn truncation_never_panics() {
        let mut p = vec![1, 0, 0, 0, 0, 200, 0, 1, 0, 0];
        p.extend_from_slice(b"CALLED          CALLING         ");
        p.extend_from_slice(&[0; 32]);
        p.extend_from_slice(&[0x50, 0, 0, 8, 0x52, 0, 0, 4, b'1', b'.', b'2', b'3']);
        for cut in 0..p.len() {
            dissect(&p[..cut], true, &mut Dissection::default());
        }
    }
}
