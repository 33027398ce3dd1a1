//! Modbus/TCP (MBAP header, function codes, 43/14 Read Device Identification).
//! Spec: Modbus Application Protocol v1.1b3 and Modbus Messaging on TCP/IP v1.0b.

use super::{Dissection, server};
use crate::model::{AttrKind, Op, Role, Subject};
use crate::util::Rd;

/// Operation class of a request function code.
pub fn op_of(fc: u8) -> Option<Op> {
    Some(match fc {
        1..=4 | 7 | 11 | 12 | 20 | 24 => Op::Read,
        5 | 6 | 15 | 16 | 21 | 22 | 23 => Op::Write,
        8 => Op::Control,
        17 | 43 => Op::Discovery,
        // Schneider UMAS (0x5A) carries engineering sessions (program transfer, start/stop).
        90 => Op::Program,
        _ => return None,
    })
}

/// Dissects every MBAP frame in a segment. `to_server` is true for requests.
pub fn dissect(payload: &[u8], to_server: bool, out: &mut Dissection) {
    let mut r = Rd::new(payload);
    let mut frames = 0;
    while r.remaining() >= 8 && frames < 64 {
        frames += 1;
        let (Some(_tid), Some(pid), Some(len)) = (r.be16(), r.be16(), r.be16()) else {
            return;
        };
        if pid != 0 || len < 2 {
            return;
        }
        let Some(pdu) = r.take(usize::from(len)) else {
            // Segment cut mid-frame: dissect what we have of it.
            let rest = r.rest();
            pdu_(rest.get(1..).unwrap_or_default(), to_server, out);
            return;
        };
        pdu_(pdu.get(1..).unwrap_or_default(), to_server, out);
    }
}

fn pdu_(pdu: &[u8], to_server: bool, out: &mut Dissection) {
    let mut r = Rd::new(pdu);
    let Some(fc) = r.u8() else { return };
    if to_server {
        if let Some(op) = op_of(fc) {
            out.op(op);
        }
        if fc == 23 {
            out.op(Op::Read);
        }
        out.role(server(true), Role::Plc, 60, "modbus server");
        return;
    }
    out.role(Subject::Src, Role::Plc, 60, "modbus server");
    if fc == 43 && r.u8() == Some(0x0e) {
        device_id(r, out);
    }
}

/// Response body after MEI type 0x0E.
fn device_id(mut r: Rd<'_>, out: &mut Dissection) {
    let (Some(_code), Some(_conformity), Some(_more), Some(_next), Some(n)) =
        (r.u8(), r.u8(), r.u8(), r.u8(), r.u8())
    else {
        return;
    };
    for _ in 0..n {
        let (Some(id), Some(len)) = (r.u8(), r.u8()) else {
            return;
        };
        let Some(v) = r.take(usize::from(len)) else {
            return;
        };
        let (kind, src) = match id {
            0 => (AttrKind::Vendor, "modbus 43/14 VendorName"),
            1 => (AttrKind::Model, "modbus 43/14 ProductCode"),
            2 => (AttrKind::Firmware, "modbus 43/14 MajorMinorRevision"),
            4 => (AttrKind::Model, "modbus 43/14 ProductName"),
            5 => (AttrKind::Model, "modbus 43/14 ModelName"),
            6 => (AttrKind::Name, "modbus 43/14 UserApplicationName"),
            _ => continue,
        };
        out.text(Subject::Src, kind, v, 90, src);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::OpSet;

    #[test]
    fn write_single_register_request() {
        let mut d = Dissection::default();
        dissect(&[0, 1, 0, 0, 0, 6, 1, 6, 0, 10, 0, 42], true, &mut d);
        assert_eq!(d.ops, OpSet::of(Op::Write));
    }

    #[test]
    fn device_identification_reply() {
        let mut p = vec![0, 1, 0, 0, 0, 0, 1, 0x2b, 0x0e, 1, 0x81, 0, 0, 2];
        p.extend_from_slice(&[0, 3, b'A', b'c', b'm']);
        p.extend_from_slice(&[2, 4, b'V', b'1', b'.', b'2']);
        let len = (p.len() - 6) as u16;
        p[4..6].copy_from_slice(&len.to_be_bytes());
        let mut d = Dissection::default();
        dissect(&p, false, &mut d);
        let v: Vec<_> = d.obs.iter().map(|o| (o.kind, o.value.as_str())).collect();
        assert_eq!(
            v,
            vec![(AttrKind::Vendor, "Acm"), (AttrKind::Firmware, "V1.2")]
        );
    }

    #[test]
    fn truncated_never_panics() {
        let p = [
            0u8, 1, 0, 0, 0, 20, 1, 0x2b, 0x0e, 1, 0x81, 0, 0, 9, 0, 200, 1,
        ];
        for cut in 0..p.len() {
            let mut d = Dissection::default();
            dissect(&p[..cut], false, &mut d);
            dissect(&p[..cut], true, &mut d);
        }
    }
}
