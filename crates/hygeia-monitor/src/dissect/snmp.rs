//! SNMP v1/v2c (RFC 3416) over BER: request operation class, and sysDescr / sysName in
//! responses. The community string is skipped, never stored.

use super::Dissection;
use crate::model::{AttrKind, Op, Subject};
use crate::util::Rd;

const SYS_DESCR: &[u8] = &[0x2b, 6, 1, 2, 1, 1, 1, 0];
const SYS_NAME: &[u8] = &[0x2b, 6, 1, 2, 1, 1, 5, 0];

fn tlv<'a>(r: &mut Rd<'a>) -> Option<(u8, &'a [u8])> {
    let tag = r.u8()?;
    let l = r.u8()?;
    let len = if l & 0x80 == 0 {
        usize::from(l)
    } else {
        let n = usize::from(l & 0x7f);
        if n > 4 {
            return None;
        }
        let mut v = 0usize;
        for _ in 0..n {
            v = (v << 8) | usize::from(r.u8()?);
        }
        v
    };
    Some((tag, r.take(len)?))
}

/// Dissects one SNMP message.
pub fn dissect(payload: &[u8], out: &mut Dissection) {
    let mut r = Rd::new(payload);
    let Some((0x30, msg)) = tlv(&mut r) else {
        return;
    };
    let mut m = Rd::new(msg);
    let Some((0x02, _ver)) = tlv(&mut m) else {
        return;
    };
    let Some((0x04, _community)) = tlv(&mut m) else {
        return;
    };
    let Some((pdu_tag, pdu)) = tlv(&mut m) else {
        return;
    };
    match pdu_tag {
        0xa0 | 0xa1 | 0xa5 => {
            out.client_is_src = Some(true);
            out.op(Op::Read);
        }
        0xa3 => {
            out.client_is_src = Some(true);
            out.op(Op::Write);
        }
        0xa2 => {
            out.client_is_src = Some(false);
            let mut p = Rd::new(pdu);
            for _ in 0..3 {
                if tlv(&mut p).is_none() {
                    return;
                }
            }
            let Some((0x30, vbs)) = tlv(&mut p) else {
                return;
            };
            let mut v = Rd::new(vbs);
            for _ in 0..32 {
                let Some((0x30, vb)) = tlv(&mut v) else {
                    return;
                };
                let mut b = Rd::new(vb);
                let (Some((0x06, oid)), Some((0x04, val))) = (tlv(&mut b), tlv(&mut b)) else {
                    continue;
                };
                if oid == SYS_DESCR {
                    out.text(Subject::Src, AttrKind::Software, val, 85, "snmp sysDescr");
                } else if oid == SYS_NAME {
                    out.text(Subject::Src, AttrKind::Name, val, 85, "snmp sysName");
                }
            }
        }
        _ => out.client_is_src = Some(false),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn get_response_sysdescr() {
        let descr = b"Linux plc-gw 5.10";
        let mut vb = vec![0x06, SYS_DESCR.len() as u8];
        vb.extend_from_slice(SYS_DESCR);
        vb.extend_from_slice(&[0x04, descr.len() as u8]);
        vb.extend_from_slice(descr);
        let mut vbs = vec![0x30, vb.len() as u8];
        vbs.extend_from_slice(&vb);
        let mut list = vec![0x30, vbs.len() as u8];
        list.extend_from_slice(&vbs);
        let mut pdu = vec![0x02, 1, 7, 0x02, 1, 0, 0x02, 1, 0];
        pdu.extend_from_slice(&list);
        let mut body = vec![0x02, 1, 1, 0x04, 6];
        body.extend_from_slice(b"public");
        body.extend_from_slice(&[0xa2, pdu.len() as u8]);
        body.extend_from_slice(&pdu);
        let mut msg = vec![0x30, body.len() as u8];
        msg.extend_from_slice(&body);
        let mut d = Dissection::default();
        dissect(&msg, &mut d);
        assert_eq!(d.obs.len(), 1);
        assert_eq!(d.obs[0].value, "Linux plc-gw 5.10");
        assert!(d.obs.iter().all(|o| !o.value.contains("public")));
        for cut in 0..msg.len() {
            dissect(&msg[..cut], &mut Dissection::default());
        }
    }
}
