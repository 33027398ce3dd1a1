//! HL7 v2 over MLLP: only the MSH header (sending/receiving application and facility, message
//! type, version) and the SFT software segment are read. Every other segment — PID, OBX and all
//! patient data — is skipped without being copied.

use super::Dissection;
use crate::model::{AttrKind, Op, Role, Subject};

/// Recognises an MLLP frame on a non-standard port.
pub fn sniff(payload: &[u8], _sport: u16, _dport: u16) -> Option<bool> {
    (payload.starts_with(b"\x0bMSH")).then_some(true)
}

/// Dissects MLLP-framed messages.
pub fn dissect(payload: &[u8], _to_server: bool, out: &mut Dissection) {
    for block in payload.split(|b| *b == 0x0b).skip(1).take(8) {
        let msg = block.split(|b| *b == 0x1c).next().unwrap_or_default();
        message(msg, out);
    }
}

fn field(seg: &[u8], sep: u8, n: usize) -> &[u8] {
    seg.split(|b| *b == sep).nth(n).unwrap_or_default()
}

fn component(f: &[u8], sep: u8, n: usize) -> &[u8] {
    f.split(|b| *b == sep).nth(n).unwrap_or_default()
}

fn message(msg: &[u8], out: &mut Dissection) {
    let mut segs = msg.split(|b| *b == b'\r' || *b == b'\n');
    let Some(msh) = segs.next() else { return };
    if !msh.starts_with(b"MSH") {
        return;
    }
    let Some(&sep) = msh.get(3) else { return };
    let comp = field(msh, sep, 1).first().copied().unwrap_or(b'^');
    // MSH-n is split index n-1 because MSH-1 is the separator itself.
    let msg_type = field(msh, sep, 8);
    let ty = component(msg_type, comp, 0);
    out.client_is_src = Some(ty != b"ACK");
    if ty != b"ACK" {
        out.text(
            Subject::Src,
            AttrKind::Name,
            component(field(msh, sep, 2), comp, 0),
            85,
            "hl7 MSH-3 sending application",
        );
        out.text(
            Subject::Src,
            AttrKind::Facility,
            component(field(msh, sep, 3), comp, 0),
            80,
            "hl7 MSH-4 sending facility",
        );
        out.text(
            Subject::Dst,
            AttrKind::Name,
            component(field(msh, sep, 4), comp, 0),
            85,
            "hl7 MSH-5 receiving application",
        );
        out.text(
            Subject::Dst,
            AttrKind::Facility,
            component(field(msh, sep, 5), comp, 0),
            80,
            "hl7 MSH-6 receiving facility",
        );
        let op = if matches!(ty, b"QRY" | b"QBP" | b"VXQ" | b"RQI") {
            Op::Read
        } else {
            Op::Write
        };
        out.op(op);
        let ver = field(msh, sep, 11);
        let mt = String::from_utf8_lossy(msg_type);
        let v = format!(
            "hl7 v{} {}",
            String::from_utf8_lossy(ver),
            mt.replace(comp as char, "^")
        );
        if let Some(v) = crate::util::clean_text(v.as_bytes()) {
            out.value(
                Subject::Src,
                AttrKind::Software,
                v,
                40,
                "hl7 MSH-9/MSH-12 message type sent",
            );
        }
    }
    out.role(Subject::Src, Role::Hl7Interface, 80, "hl7 mllp");
    out.role(Subject::Dst, Role::Hl7Interface, 80, "hl7 mllp");
    for seg in segs.take(64) {
        if seg.starts_with(b"SFT") {
            out.text(
                Subject::Src,
                AttrKind::Vendor,
                component(field(seg, sep, 1), comp, 0),
                85,
                "hl7 SFT-1 software vendor",
            );
            out.text(
                Subject::Src,
                AttrKind::Firmware,
                field(seg, sep, 2),
                85,
                "hl7 SFT-2 software version",
            );
            out.text(
                Subject::Src,
                AttrKind::Model,
                field(seg, sep, 3),
                85,
                "hl7 SFT-3 software product name",
            );
            out.text(
                Subject::Src,
                AttrKind::Software,
                field(seg, sep, 4),
                60,
                "hl7 SFT-4 binary id",
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn patient_segments_are_never_kept() {
        let m = b"\x0bMSH|^~\\&|APP|FAC|RAPP|RFAC|2026||ADT^A01|1|P|2.5.1\rPID|1||SECRET^^^X||DOE^JOHN\r\x1c\r";
        let mut d = Dissection::default();
        dissect(m, true, &mut d);
        assert!(
            d.obs
                .iter()
                .all(|o| !o.value.contains("DOE") && !o.value.contains("SECRET"))
        );
        assert!(d.obs.iter().any(|o| o.value == "APP"));
        assert!(d.obs.iter().any(|o| o.value == "hl7 v2.5.1 ADT^A01"));
    }
}
