//! BACnet/IP (ASHRAE 135 Annex J): BVLC, NPDU and APDU. I-Am gives the device instance and
//! vendor id; ReadProperty acknowledgements on the device object give vendor name, model name,
//! firmware and application software version.

use super::Dissection;
use crate::model::{AttrKind, Op, Role, Subject};
use crate::util::Rd;

const DEVICE_OBJECT: u32 = 8;

/// Dissects one BACnet/IP datagram.
pub fn dissect(payload: &[u8], _to_server: bool, out: &mut Dissection) {
    let mut r = Rd::new(payload);
    let (Some(0x81), Some(func), Some(_len)) = (r.u8(), r.u8(), r.be16()) else {
        return;
    };
    match func {
        0x0a | 0x0b => {}
        0x04 => {
            // Forwarded-NPDU: original B/IP address (6 bytes) first.
            if r.skip(6).is_none() {
                return;
            }
        }
        0x01 | 0x05 | 0x08 => {
            out.client_is_src = Some(true);
            out.op(Op::Write);
            return;
        }
        0x02 | 0x06 => {
            out.client_is_src = Some(true);
            out.op(Op::Read);
            return;
        }
        _ => return,
    }
    // NPDU.
    let (Some(1), Some(ctrl)) = (r.u8(), r.u8()) else {
        return;
    };
    if ctrl & 0x20 != 0 {
        let (Some(_dnet), Some(dlen)) = (r.be16(), r.u8()) else {
            return;
        };
        if r.skip(usize::from(dlen)).is_none() {
            return;
        }
    }
    if ctrl & 0x08 != 0 {
        let (Some(_snet), Some(slen)) = (r.be16(), r.u8()) else {
            return;
        };
        if r.skip(usize::from(slen)).is_none() {
            return;
        }
    }
    if ctrl & 0x20 != 0 && r.u8().is_none() {
        return;
    }
    if ctrl & 0x80 != 0 {
        return; // network-layer message
    }
    apdu(r, out);
}

fn apdu(mut r: Rd<'_>, out: &mut Dissection) {
    let Some(b0) = r.u8() else { return };
    let ty = b0 >> 4;
    match ty {
        0 => {
            out.client_is_src = Some(true);
            let segmented = b0 & 0x08 != 0;
            let (Some(_), Some(_invoke)) = (r.u8(), r.u8()) else {
                return;
            };
            if segmented && r.skip(2).is_none() {
                return;
            }
            let Some(service) = r.u8() else { return };
            out.role(
                Subject::Dst,
                Role::BmsController,
                50,
                "bacnet confirmed-request target",
            );
            let op = match service {
                6 | 12 | 14 | 26 | 29 | 30 => Op::Read,
                0 | 8 | 9 | 10 | 11 | 15 | 16 => Op::Write,
                7 => Op::Program,
                17 | 20 | 27 => Op::Control,
                _ => return,
            };
            out.op(op);
        }
        1 => {
            out.client_is_src = Some(true);
            let Some(service) = r.u8() else { return };
            match service {
                0 => i_am(r, out),
                7 | 8 => out.op(Op::Discovery),
                6 | 9 => out.op(Op::Control),
                10 => out.op(Op::Write),
                _ => {}
            }
        }
        2 | 3 | 5 | 6 | 7 => {
            out.client_is_src = Some(false);
            out.role(Subject::Src, Role::BmsController, 50, "bacnet responder");
            if ty == 3 {
                let segmented = b0 & 0x08 != 0;
                let Some(_invoke) = r.u8() else { return };
                if segmented {
                    return; // only the first segment would hold the header; skip
                }
                if r.u8() == Some(12) {
                    read_property_ack(r, out);
                }
            }
        }
        _ => {}
    }
}

/// Reads one tag header: (tag number, context class, length/value field, is opening/closing).
fn tag(r: &mut Rd<'_>) -> Option<(u8, bool, u32)> {
    let b = r.u8()?;
    let mut num = b >> 4;
    let ctx = b & 0x08 != 0;
    if num == 0x0f {
        num = r.u8()?;
    }
    let mut len = u32::from(b & 0x07);
    if len == 5 {
        let l = r.u8()?;
        len = match l {
            254 => u32::from(r.be16()?),
            255 => r.be32()?,
            _ => u32::from(l),
        };
    }
    Some((num, ctx, len))
}

fn unsigned(v: &[u8]) -> u32 {
    v.iter().take(4).fold(0u32, |a, b| (a << 8) | u32::from(*b))
}

fn i_am(mut r: Rd<'_>, out: &mut Dissection) {
    out.op(Op::Discovery);
    let Some((12, false, 4)) = tag(&mut r) else {
        return;
    };
    let Some(oid) = r.be32() else { return };
    let (otype, inst) = (oid >> 22, oid & 0x3f_ffff);
    if otype == DEVICE_OBJECT {
        out.value(
            Subject::Src,
            AttrKind::DeviceId,
            format!("bacnet device {inst}"),
            95,
            "bacnet i-am",
        );
    }
    out.role(Subject::Src, Role::BmsController, 80, "bacnet i-am");
    // max APDU (unsigned), segmentation (enumerated), vendor id (unsigned).
    for i in 0..3 {
        let Some((_, _, len)) = tag(&mut r) else {
            return;
        };
        let Some(v) = r.take(len as usize) else {
            return;
        };
        if i == 2 {
            // The number is kept as is: names come from ASHRAE's vendor list, not shipped here.
            let id = unsigned(v);
            out.value(
                Subject::Src,
                AttrKind::DeviceId,
                format!("bacnet vendor_id={id}"),
                90,
                "bacnet i-am vendor id",
            );
        }
    }
}

fn read_property_ack(mut r: Rd<'_>, out: &mut Dissection) {
    let Some((0, true, 4)) = tag(&mut r) else {
        return;
    };
    let Some(oid) = r.be32() else { return };
    if oid >> 22 != DEVICE_OBJECT {
        return;
    }
    let Some((1, true, plen)) = tag(&mut r) else {
        return;
    };
    let Some(pv) = r.take(plen as usize) else {
        return;
    };
    let prop = unsigned(pv);
    let (kind, src) = match prop {
        121 => (AttrKind::Vendor, "bacnet readproperty vendor-name"),
        70 => (AttrKind::Model, "bacnet readproperty model-name"),
        44 => (AttrKind::Firmware, "bacnet readproperty firmware-revision"),
        12 => (
            AttrKind::Software,
            "bacnet readproperty application-software-version",
        ),
        77 => (AttrKind::Name, "bacnet readproperty object-name"),
        _ => return,
    };
    let mut t = tag(&mut r);
    if let Some((2, true, l)) = t {
        if r.skip(l as usize).is_none() {
            return;
        }
        t = tag(&mut r);
    }
    // Opening tag [3] is encoded as 0x3E: number 3, context, length 6.
    let Some((3, true, 6)) = t else { return };
    let Some((7, false, len)) = tag(&mut r) else {
        return;
    };
    let Some(s) = r.take(len as usize) else {
        return;
    };
    // First octet is the character set (0 = UTF-8).
    if s.first() == Some(&0) {
        out.text(Subject::Src, kind, s.get(1..).unwrap_or_default(), 95, src);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::OpSet;

    #[test]
    fn model_name_ack_and_write_property() {
        // ComplexAck ReadProperty device,1234 model-name "VAV-1".
        let mut p = vec![0x81, 0x0a, 0, 0, 0x01, 0x00, 0x30, 0x01, 0x0c, 0x0c];
        p.extend_from_slice(&((8u32 << 22) | 1234).to_be_bytes());
        p.extend_from_slice(&[
            0x19, 70, 0x3e, 0x75, 6, 0, b'V', b'A', b'V', b'-', b'1', 0x3f,
        ]);
        let mut d = Dissection::default();
        dissect(&p, true, &mut d);
        assert_eq!(d.obs[0].value, "VAV-1");
        assert_eq!(d.obs[0].kind, AttrKind::Model);
        assert_eq!(d.client_is_src, Some(false));

        let w = [
            0x81, 0x0a, 0, 0, 0x01, 0x04, 0x00, 0x05, 0x01, 15, 0x0c, 0, 0, 0, 1,
        ];
        let mut d = Dissection::default();
        dissect(&w, true, &mut d);
        assert_eq!(d.ops, OpSet::of(Op::Write));
        let rd = [0x81, 0x0a, 0, 0, 0x01, 0x04, 0x00, 0x05, 0x01, 20, 0x09, 0];
        let mut d = Dissection::default();
        dissect(&rd, true, &mut d);
        assert_eq!(d.ops, OpSet::of(Op::Control));
    }

    #[test]
    fn truncation_never_panics() {
        let p = [
            0x81u8, 0x0b, 0, 25, 1, 0x28, 0xff, 0xff, 2, 1, 2, 0xfe, 0x10, 0, 0xc4, 2, 0, 0, 1,
            0x22, 5, 0xc4, 0x91, 0, 0x21,
        ];
        for cut in 0..p.len() {
            dissect(&p[..cut], true, &mut Dissection::default());
        }
    }
}
