//! S7comm (protocol id 0x32) and S7comm-plus (0x72) over TPKT (RFC 1006) and COTP (ISO 8073).
//! Identity comes from SZL reads: 0x0011 (module identification: order number, firmware) and
//! 0x001C (component identification: module name, plant id, serial number).

use super::{Dissection, server};
use crate::model::{AttrKind, Op, Protocol, Role, Subject};
use crate::util::{Rd, be16_at};

/// Dissects every TPKT in a segment.
pub fn dissect(payload: &[u8], to_server: bool, out: &mut Dissection) {
    let mut r = Rd::new(payload);
    let mut n = 0;
    while r.remaining() >= 7 && n < 32 {
        n += 1;
        let (Some(3), Some(_), Some(len)) = (r.u8(), r.u8(), r.be16()) else {
            return;
        };
        let body_len = usize::from(len).saturating_sub(4);
        let body = match r.take(body_len) {
            Some(b) => b,
            None => r.rest(),
        };
        tpkt(body, to_server, out);
        if body.len() < body_len {
            return;
        }
    }
}

fn tpkt(body: &[u8], to_server: bool, out: &mut Dissection) {
    let mut r = Rd::new(body);
    let Some(li) = r.u8() else { return };
    let Some(cotp) = r.take(usize::from(li)) else {
        return;
    };
    // Only DT (data) TPDUs carry S7; CR/CC set up the connection.
    if cotp.first().map(|t| t & 0xf0) != Some(0xf0) {
        return;
    }
    let s7 = r.rest();
    match s7.first() {
        Some(0x32) => {
            out.protocol = Some(Protocol::S7comm);
            classic(s7, to_server, out);
        }
        Some(0x72) => {
            out.protocol = Some(Protocol::S7commPlus);
            plus(s7, to_server, out);
        }
        _ => {}
    }
}

fn classic(s7: &[u8], to_server: bool, out: &mut Dissection) {
    let mut r = Rd::new(s7);
    let (Some(_), Some(rosctr), Some(_), Some(_), Some(plen), Some(dlen)) =
        (r.u8(), r.u8(), r.be16(), r.be16(), r.be16(), r.be16())
    else {
        return;
    };
    if rosctr == 2 || rosctr == 3 {
        let _ = r.be16(); // error class and code
    }
    let Some(param) = r.take(usize::from(plen)) else {
        return;
    };
    let data = r.take(usize::from(dlen)).unwrap_or_else(|| r.rest());
    let srv = server(to_server);
    match rosctr {
        1 => {
            out.role(srv, Role::Plc, 70, "s7comm server");
            let op = match param.first() {
                Some(0x04) => Some(Op::Read),
                Some(0x05) => Some(Op::Write),
                Some(0x1a..=0x1f) => Some(Op::Program),
                Some(0x28) => Some(pi_service(param)),
                Some(0x29) => Some(Op::Control),
                _ => None,
            };
            if let Some(op) = op {
                out.op(op);
            }
        }
        7 => userdata(param, data, to_server, out),
        _ => {}
    }
}

/// PI service: block insert/delete/compress are program changes; start/stop are control.
fn pi_service(param: &[u8]) -> Op {
    let has = |needle: &[u8]| param.windows(needle.len()).any(|w| w == needle);
    if has(b"_INSE") || has(b"_DELE") || has(b"_GARB") || has(b"_MODU") {
        Op::Program
    } else {
        Op::Control
    }
}

fn userdata(param: &[u8], data: &[u8], to_server: bool, out: &mut Dissection) {
    let mut r = Rd::new(param);
    let (Some(_), Some(_), Some(_), Some(_plen), Some(_method), Some(tg), Some(sub)) =
        (r.u8(), r.u8(), r.u8(), r.u8(), r.u8(), r.u8(), r.u8())
    else {
        return;
    };
    let kind = tg >> 4;
    let group = tg & 0x0f;
    let request = kind == 4;
    if request && to_server {
        out.role(Subject::Dst, Role::Plc, 70, "s7comm server");
        match group {
            4 => out.op(if sub == 1 || sub == 2 {
                Op::Read
            } else {
                Op::Discovery
            }),
            1 => out.op(Op::Control),
            3 => out.op(Op::Discovery),
            5 => out.op(Op::Control),
            7 => out.op(Op::Write),
            _ => {}
        }
        if group == 4 && sub == 1 {
            out.op(Op::Discovery);
        }
        return;
    }
    if kind == 8 && group == 4 && sub == 1 && !to_server {
        out.role(Subject::Src, Role::Plc, 80, "s7comm szl responder");
        szl(data, out);
    }
}

fn szl(data: &[u8], out: &mut Dissection) {
    let mut r = Rd::new(data);
    let (Some(0xff), Some(_ts), Some(_len), Some(id), Some(_idx), Some(rec_len), Some(count)) = (
        r.u8(),
        r.u8(),
        r.be16(),
        r.be16(),
        r.be16(),
        r.be16(),
        r.be16(),
    ) else {
        return;
    };
    for _ in 0..count.min(64) {
        let Some(rec) = r.take(usize::from(rec_len)) else {
            return;
        };
        let Some(index) = be16_at(rec, 0) else { return };
        let text = rec.get(2..).unwrap_or_default();
        match (id & 0x00ff, index) {
            (0x11, 1) => out.text(
                Subject::Src,
                AttrKind::Model,
                text.get(..20).unwrap_or(text),
                95,
                "s7 szl 0x0011 order number",
            ),
            (0x11, 7) => {
                if let Some(v) = firmware(text) {
                    out.value(
                        Subject::Src,
                        AttrKind::Firmware,
                        v,
                        90,
                        "s7 szl 0x0011 firmware",
                    );
                }
            }
            (0x1c, 1) => out.text(
                Subject::Src,
                AttrKind::Name,
                text,
                80,
                "s7 szl 0x001c system name",
            ),
            (0x1c, 2) => out.text(
                Subject::Src,
                AttrKind::Model,
                text,
                85,
                "s7 szl 0x001c module name",
            ),
            (0x1c, 3) => out.text(
                Subject::Src,
                AttrKind::Name,
                text,
                70,
                "s7 szl 0x001c plant id",
            ),
            (0x1c, 5) => out.text(
                Subject::Src,
                AttrKind::Serial,
                text,
                95,
                "s7 szl 0x001c serial",
            ),
            (0x1c, 7) => out.text(
                Subject::Src,
                AttrKind::Model,
                text,
                80,
                "s7 szl 0x001c module type",
            ),
            _ => {}
        }
    }
    if id & 0xff == 0x11 || id & 0xff == 0x1c {
        out.value(
            Subject::Src,
            AttrKind::Vendor,
            "Siemens".to_owned(),
            80,
            "s7 szl",
        );
    }
}

/// Firmware from an SZL 0x0011 index 7 record: 20 bytes MlfB, BGTyp, then 'V' major, minor, patch.
fn firmware(rec: &[u8]) -> Option<String> {
    let v = rec.get(22..26)?;
    match v {
        [b'V', a, b, c] => Some(format!("V{a}.{b}.{c}")),
        _ => None,
    }
}

fn plus(s7: &[u8], to_server: bool, out: &mut Dissection) {
    let mut r = Rd::new(s7);
    let (Some(_), Some(ver), Some(_len)) = (r.u8(), r.u8(), r.be16()) else {
        return;
    };
    if ver == 3 && r.rest().first() == Some(&0x20) {
        // Integrity part: digest length 0x20 and a 32-byte digest.
        if r.skip(33).is_none() {
            return;
        }
    }
    if to_server {
        out.role(Subject::Dst, Role::Plc, 70, "s7comm-plus server");
    }
    let Some(opcode) = r.u8() else { return };
    if opcode != 0x31 || !to_server {
        return;
    }
    let _ = r.be16();
    let Some(function) = r.be16() else { return };
    let op = match function {
        0x054c | 0x0524 | 0x0586 => Op::Read,
        0x04f2 | 0x0542 => Op::Write,
        0x04bb => Op::Discovery,
        0x056b => Op::Control,
        _ => return,
    };
    out.op(op);
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::OpSet;

    #[test]
    fn plc_stop_is_control() {
        // TPKT, COTP DT, S7 job with function 0x29 (PLC stop).
        let p = [
            3, 0, 0, 0x21, 2, 0xf0, 0x80, 0x32, 1, 0, 0, 0, 1, 0, 0x10, 0, 0, 0x29, 0, 0, 0, 0, 0,
            9, b'P', b'_', b'P', b'R', b'O', b'G', b'R', b'A', b'M',
        ];
        let mut d = Dissection::default();
        dissect(&p, true, &mut d);
        assert_eq!(d.protocol, Some(Protocol::S7comm));
        assert_eq!(d.ops, OpSet::of(Op::Control));
    }

    #[test]
    fn download_is_program() {
        let p = [
            3, 0, 0, 0x13, 2, 0xf0, 0x80, 0x32, 1, 0, 0, 0, 1, 0, 2, 0, 0, 0x1a, 0,
        ];
        let mut d = Dissection::default();
        dissect(&p, true, &mut d);
        assert_eq!(d.ops, OpSet::of(Op::Program));
    }

    #[test]
    fn truncation_never_panics() {
        let p = [
            3u8, 0, 0, 0x40, 2, 0xf0, 0x80, 0x32, 7, 0, 0, 0, 1, 0, 12, 0, 0x7c, 0, 1, 0x12, 8,
            0x12, 0x84, 1,
        ];
        for cut in 0..p.len() {
            let mut d = Dissection::default();
            dissect(&p[..cut], false, &mut d);
            dissect(&p[..cut], true, &mut d);
        }
    }
}
