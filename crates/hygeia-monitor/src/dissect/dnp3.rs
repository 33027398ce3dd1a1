//! DNP3 (IEEE 1815) over TCP or UDP: link header, transport byte and application function code.
//! The first application bytes sit inside the first 16-byte data block, before any block CRC.

use super::{Dissection, server};
use crate::model::{AttrKind, Op, Role, Subject};
use crate::util::Rd;

/// Operation class of a request function code.
pub fn op_of(fc: u8) -> Option<Op> {
    Some(match fc {
        1 => Op::Read,
        2 | 22 => Op::Write,
        3..=6 | 7..=18 | 20 | 21 => Op::Control,
        19 | 25..=30 => Op::Program,
        _ => return None,
    })
}

/// Dissects every link frame in the payload.
pub fn dissect(payload: &[u8], to_server: bool, out: &mut Dissection) {
    let mut r = Rd::new(payload);
    let mut n = 0;
    while r.remaining() >= 10 && n < 16 {
        n += 1;
        let (Some(0x05), Some(0x64), Some(len), Some(ctrl), Some(dst), Some(src), Some(_crc)) =
            (r.u8(), r.u8(), r.u8(), r.u8(), r.le16(), r.le16(), r.le16())
        else {
            return;
        };
        // Octets after the header: user data (len - 5) plus a CRC per 16 bytes.
        let user = usize::from(len).saturating_sub(5);
        let blocks = user.div_ceil(16);
        let total = user + blocks * 2;
        let data = r.take(total).unwrap_or_else(|| r.rest());
        let primary = ctrl & 0x40 != 0;
        let outstation_is_src = ctrl & 0x80 == 0; // DIR bit clear: sent by the outstation
        let out_subject = if outstation_is_src {
            Subject::Src
        } else {
            Subject::Dst
        };
        let addr = if outstation_is_src { src } else { dst };
        out.value(
            out_subject,
            AttrKind::DeviceId,
            format!("dnp3 outstation {addr}"),
            80,
            "dnp3 link address",
        );
        out.role(out_subject, Role::Rtu, 70, "dnp3 outstation");
        let _ = server(to_server);
        if user >= 3 && primary && !outstation_is_src {
            // data[0] transport header, data[1] application control, data[2] function code.
            if let Some(&fc) = data.get(2)
                && let Some(op) = op_of(fc)
            {
                out.op(op);
            }
        }
        if data.len() < total {
            return;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::OpSet;

    #[test]
    fn direct_operate_is_control() {
        // Link header from master (DIR=1, PRM=1), transport, app ctrl, FC 5.
        let p = [
            0x05, 0x64, 0x08, 0xc4, 10, 0, 1, 0, 0, 0, 0xc0, 0xc1, 5, 0, 0,
        ];
        let mut d = Dissection::default();
        dissect(&p, true, &mut d);
        assert_eq!(d.ops, OpSet::of(Op::Control));
    }

    #[test]
    fn truncation_never_panics() {
        let p = [0x05u8, 0x64, 0xff, 0xc4, 10, 0, 1, 0, 0, 0, 0xc0, 0xc1, 5];
        for cut in 0..p.len() {
            dissect(&p[..cut], true, &mut Dissection::default());
        }
    }
}
