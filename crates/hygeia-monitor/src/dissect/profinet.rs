//! PROFINET DCP (IEC 61158-6-10): Identify, Get, Set and Hello. Responses carry the station
//! name, type of station, vendor/device id and IP parameters; Set requests change them.

use super::Dissection;
use crate::capture::link::Frame;
use crate::model::{AttrKind, Op, Protocol, Role, Subject};
use crate::util::Rd;
use std::net::{IpAddr, Ipv4Addr};

/// Dissects a PROFINET frame (EtherType 0x8892).
pub fn dissect(frame: &Frame<'_>, out: &mut Dissection) {
    let mut r = Rd::new(frame.payload);
    let Some(frame_id) = r.be16() else {
        out.protocol = Some(Protocol::ProfinetRt);
        return;
    };
    if !(0xfefc..=0xfeff).contains(&frame_id) {
        out.protocol = Some(Protocol::ProfinetRt);
        out.client_is_src = Some(true);
        return;
    }
    out.protocol = Some(Protocol::ProfinetDcp);
    let (Some(sid), Some(stype), Some(_xid), Some(_delay), Some(dlen)) =
        (r.u8(), r.u8(), r.be32(), r.be16(), r.be16())
    else {
        return;
    };
    let blocks = r.take(usize::from(dlen)).unwrap_or_else(|| r.rest());
    let response = stype & 0x01 == 1 || sid == 6;
    out.client_is_src = Some(!response);
    match (sid, response) {
        (5, false) | (3, false) => {
            out.op(Op::Discovery);
            return;
        }
        (4, false) => {
            out.op(Op::Write);
            out.role(Subject::Dst, Role::Plc, 40, "profinet dcp set target");
            return;
        }
        _ => {}
    }
    if sid == 4 {
        return; // Set response carries only a status
    }
    out.role(Subject::Src, Role::Plc, 40, "profinet device");
    let mut b = Rd::new(blocks);
    while b.remaining() >= 4 {
        let (Some(opt), Some(sub), Some(len)) = (b.u8(), b.u8(), b.be16()) else {
            return;
        };
        let Some(v) = b.take(usize::from(len)) else {
            return;
        };
        if len % 2 == 1 && b.skip(1).is_none() {
            return;
        }
        // Responses and Hello: BlockInfo (2 bytes) precedes the value.
        let v = v.get(2..).unwrap_or_default();
        match (opt, sub) {
            (2, 1) => out.text(
                Subject::Src,
                AttrKind::Model,
                v,
                85,
                "profinet dcp type of station",
            ),
            (2, 2) => out.text(
                Subject::Src,
                AttrKind::Name,
                v,
                90,
                "profinet dcp name of station",
            ),
            (2, 3) => {
                let mut d = Rd::new(v);
                if let (Some(vendor), Some(device)) = (d.be16(), d.be16()) {
                    out.value(
                        Subject::Src,
                        AttrKind::DeviceId,
                        format!("profinet vendor_id=0x{vendor:04x} device_id=0x{device:04x}"),
                        95,
                        "profinet dcp device id",
                    );
                    if vendor == 0x002a {
                        out.value(
                            Subject::Src,
                            AttrKind::Vendor,
                            "Siemens".to_owned(),
                            80,
                            "profinet dcp vendor id",
                        );
                    }
                }
            }
            (1, 2) => {
                let mut d = Rd::new(v);
                if let (Some(ip), Some(mac)) = (d.be32(), frame.src_mac)
                    && ip != 0
                {
                    out.bindings.push((mac, IpAddr::V4(Ipv4Addr::from(ip))));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
pub(crate) mod tests {
    use super::*;
    use crate::capture::link::{decode, linktype};

    /// An Identify response built from the specification: name, type, device id and IP.
    pub(crate) fn identify_response() -> Vec<u8> {
        let mut blocks = Vec::new();
        let mut push = |opt: u8, sub: u8, val: &[u8]| {
            blocks.extend_from_slice(&[opt, sub]);
            blocks.extend_from_slice(&((val.len() + 2) as u16).to_be_bytes());
            blocks.extend_from_slice(&[0, 0]);
            blocks.extend_from_slice(val);
            if val.len() % 2 == 1 {
                blocks.push(0);
            }
        };
        push(2, 2, b"plc-filling-01");
        push(2, 1, b"S7-1500");
        push(2, 3, &[0x00, 0x2a, 0x01, 0x0e]);
        push(1, 2, &[192, 168, 10, 5, 255, 255, 255, 0, 192, 168, 10, 1]);
        let mut f = vec![
            0x00, 0x0e, 0x8c, 0xaa, 0xbb, 0xcc, 0x28, 0x63, 0x36, 0x01, 0x02, 0x03, 0x88, 0x92,
        ];
        f.extend_from_slice(&[0xfe, 0xff, 5, 1, 0, 0, 0, 1, 0, 0]);
        f.extend_from_slice(&(blocks.len() as u16).to_be_bytes());
        f.extend_from_slice(&blocks);
        f
    }

    #[test]
    fn set_request_is_a_write_to_the_target() {
        let mut f = vec![
            0x00, 0x0e, 0x8c, 0xaa, 0xbb, 0xcc, 0x28, 0x63, 0x36, 0x01, 0x02, 0x03, 0x88, 0x92,
        ];
        // FrameID 0xFEFD, Set request, block name-of-station with qualifier.
        f.extend_from_slice(&[
            0xfe, 0xfd, 4, 0, 0, 0, 0, 2, 0, 0, 0, 10, 2, 2, 0, 6, 0, 1, b'n', b'e', b'w', b'1',
        ]);
        let fr = decode(linktype::ETHERNET, &f).unwrap();
        let mut d = Dissection::default();
        dissect(&fr, &mut d);
        assert_eq!(d.protocol, Some(Protocol::ProfinetDcp));
        assert_eq!(d.ops, crate::model::OpSet::of(Op::Write));
        assert_eq!(d.client_is_src, Some(true));
    }

    #[test]
    fn identify_response_from_spec() {
        let f = identify_response();
        let fr = decode(linktype::ETHERNET, &f).unwrap();
        let mut d = Dissection::default();
        dissect(&fr, &mut d);
        let vals: Vec<_> = d.obs.iter().map(|o| o.value.as_str()).collect();
        assert_eq!(
            vals,
            vec![
                "plc-filling-01",
                "S7-1500",
                "profinet vendor_id=0x002a device_id=0x010e",
                "Siemens"
            ]
        );
        assert_eq!(d.bindings[0].1.to_string(), "192.168.10.5");
        for cut in 0..f.len() {
            if let Ok(fr) = decode(linktype::ETHERNET, &f[..cut]) {
                dissect(&fr, &mut Dissection::default());
            }
        }
    }
}
