//! EtherNet/IP encapsulation (ODVA Vol. 2) and explicit CIP messaging (Vol. 1): ListIdentity
//! replies give vendor, device type, product code, revision, serial and product name.

use super::{Dissection, server};
use crate::model::{AttrKind, Op, Role, Subject};
use crate::util::Rd;

/// Dissects every encapsulation message in a segment or datagram.
pub fn dissect(payload: &[u8], to_server: bool, out: &mut Dissection) {
    let mut r = Rd::new(payload);
    let mut n = 0;
    while r.remaining() >= 24 && n < 16 {
        n += 1;
        let (Some(cmd), Some(len)) = (r.le16(), r.le16()) else {
            return;
        };
        if r.skip(20).is_none() {
            return;
        }
        let body = r.take(usize::from(len)).unwrap_or_else(|| r.rest());
        match cmd {
            0x0063 | 0x0004 | 0x0064 => {
                if to_server {
                    out.op(Op::Discovery);
                } else if cmd == 0x0063 {
                    list_identity(body, out);
                }
            }
            0x006f | 0x0070 if to_server => {
                out.role(server(true), Role::Plc, 50, "cip server");
                cpf(body, cmd == 0x0070, out);
            }
            _ => {}
        }
        if body.len() < usize::from(len) {
            return;
        }
    }
}

fn list_identity(body: &[u8], out: &mut Dissection) {
    let mut r = Rd::new(body);
    let Some(count) = r.le16() else { return };
    for _ in 0..count.min(8) {
        let (Some(ty), Some(len)) = (r.le16(), r.le16()) else {
            return;
        };
        let Some(item) = r.take(usize::from(len)) else {
            return;
        };
        if ty != 0x000c {
            continue;
        }
        let mut i = Rd::new(item);
        // Encapsulation version (2) and socket address (16).
        if i.skip(18).is_none() {
            return;
        }
        let (
            Some(vendor),
            Some(dtype),
            Some(pcode),
            Some(maj),
            Some(min),
            Some(_status),
            Some(serial),
            Some(nlen),
        ) = (
            i.le16(),
            i.le16(),
            i.le16(),
            i.u8(),
            i.u8(),
            i.le16(),
            i.le32(),
            i.u8(),
        )
        else {
            return;
        };
        let vendor_name = vendor_name(vendor)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("CIP vendor {vendor}"));
        out.value(
            Subject::Src,
            AttrKind::Vendor,
            vendor_name,
            85,
            "cip listidentity vendor id",
        );
        out.value(
            Subject::Src,
            AttrKind::DeviceId,
            format!("cip vendor={vendor} device_type={dtype} product_code={pcode}"),
            90,
            "cip listidentity",
        );
        out.value(
            Subject::Src,
            AttrKind::Firmware,
            format!("{maj}.{min}"),
            90,
            "cip listidentity revision",
        );
        out.value(
            Subject::Src,
            AttrKind::Serial,
            format!("0x{serial:08x}"),
            90,
            "cip listidentity serial",
        );
        if let Some(name) = i.take(usize::from(nlen)) {
            out.text(
                Subject::Src,
                AttrKind::Model,
                name,
                95,
                "cip listidentity product name",
            );
        }
        if matches!(dtype, 0x0e | 0x0c) {
            // 0x0E programmable logic controller; 0x0C communications adapter (in a PLC rack).
            out.role(
                Subject::Src,
                Role::Plc,
                if dtype == 0x0e { 90 } else { 60 },
                "cip device type",
            );
        }
    }
}

/// A few CIP vendor ids from the public ODVA vendor list; others are shown by number.
fn vendor_name(id: u16) -> Option<&'static str> {
    Some(match id {
        1 => "Rockwell Automation/Allen-Bradley",
        2 => "Namco Controls",
        5 => "Rockwell Automation/Reliance Electric",
        40 => "WAGO",
        44 => "Woodhead Software & Electronics",
        47 => "Omron",
        48 => "Phoenix Contact",
        58 => "Pepperl+Fuchs",
        108 => "Beckhoff",
        133 => "Molex",
        161 => "Mitsubishi Electric",
        243 => "Schneider Electric",
        283 => "Hilscher",
        356 => "Prosoft Technology",
        _ => return None,
    })
}

/// Common packet format of SendRRData / SendUnitData: find the data item and classify CIP.
fn cpf(body: &[u8], connected: bool, out: &mut Dissection) {
    let mut r = Rd::new(body);
    if r.skip(6).is_none() {
        return;
    }
    let Some(count) = r.le16() else { return };
    for _ in 0..count.min(8) {
        let (Some(ty), Some(len)) = (r.le16(), r.le16()) else {
            return;
        };
        let item = r.take(usize::from(len)).unwrap_or_else(|| r.rest());
        match ty {
            0x00b2 => cip(item, 0, out),
            0x00b1 if connected => cip(item.get(2..).unwrap_or_default(), 0, out),
            _ => {}
        }
    }
}

fn cip(msg: &[u8], depth: u8, out: &mut Dissection) {
    let mut r = Rd::new(msg);
    let (Some(service), Some(words)) = (r.u8(), r.u8()) else {
        return;
    };
    if service & 0x80 != 0 {
        return;
    }
    let Some(path) = r.take(usize::from(words) * 2) else {
        return;
    };
    let op = match service {
        0x01 | 0x03 | 0x0e | 0x4c | 0x52 if !(service == 0x52 && is_connection_manager(path)) => {
            Op::Read
        }
        0x02 | 0x04 | 0x10 | 0x4d | 0x53 | 0x4e | 0x4b => Op::Write,
        0x05..=0x07 => Op::Control,
        0x52 | 0x54 | 0x5b => {
            // Unconnected Send wraps another request; Forward Open sets up I/O.
            if service == 0x52 && depth == 0 {
                let mut e = r;
                if e.skip(2).is_some()
                    && let Some(len) = e.le16()
                    && let Some(inner) = e.take(usize::from(len))
                {
                    cip(inner, 1, out);
                }
            }
            return;
        }
        _ => return,
    };
    out.op(op);
}

fn is_connection_manager(path: &[u8]) -> bool {
    matches!(path, [0x20, 0x06, ..])
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::OpSet;

    fn encap(cmd: u16, body: &[u8]) -> Vec<u8> {
        let mut v = cmd.to_le_bytes().to_vec();
        v.extend_from_slice(&(body.len() as u16).to_le_bytes());
        v.extend_from_slice(&[0; 20]);
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn write_tag_via_unconnected_send() {
        let inner = [0x4d, 0x02, 0x91, 0x02, b'X', b'1', 0xc3, 0, 1, 0, 5, 0];
        let mut ucmm = vec![0x52, 0x02, 0x20, 0x06, 0x24, 0x01, 0x0a, 0x0e];
        ucmm.extend_from_slice(&(inner.len() as u16).to_le_bytes());
        ucmm.extend_from_slice(&inner);
        let mut body = vec![0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0xb2, 0];
        body.extend_from_slice(&(ucmm.len() as u16).to_le_bytes());
        body.extend_from_slice(&ucmm);
        let mut d = Dissection::default();
        dissect(&encap(0x6f, &body), true, &mut d);
        assert_eq!(d.ops, OpSet::of(Op::Write));
    }

    #[test]
    fn truncation_never_panics() {
        let p = encap(0x63, &[1, 0, 0x0c, 0, 50, 0, 1, 0, 0, 2, 0xaf, 0x12]);
        for cut in 0..p.len() {
            let mut d = Dissection::default();
            dissect(&p[..cut], false, &mut d);
        }
    }
}
