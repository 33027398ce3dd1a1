//! Spanning tree (IEEE 802.1D and 802.1Q: STP, RSTP, MSTP) bridge protocol data units in
//! IEEE 802.2 LLC frames (DSAP and SSAP 0x42), and Cisco PVST+ in SNAP frames. Only bridges
//! send them, so the sender is network infrastructure.

use super::Dissection;
use crate::capture::link::Frame;
use crate::model::{MacAddr, Protocol, Role, Subject};

/// Where Cisco PVST+ BPDUs are sent.
const PVST_DST: MacAddr = MacAddr([0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcd]);
/// LLC header of a BPDU: DSAP, SSAP, UI control.
const BPDU_LLC: [u8; 3] = [0x42, 0x42, 0x03];
/// LLC/SNAP header of PVST+: OUI 00000C, protocol id 0x010B.
const PVST_SNAP: [u8; 8] = [0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x01, 0x0b];

/// Dissects an 802.3 LLC frame; returns false if it is not a spanning tree BPDU.
pub fn dissect(frame: &Frame<'_>, out: &mut Dissection) -> bool {
    let p = frame.payload;
    let bpdu = if p.starts_with(&BPDU_LLC) {
        p.get(BPDU_LLC.len()..)
    } else if frame.dst_mac == Some(PVST_DST) && p.starts_with(&PVST_SNAP) {
        p.get(PVST_SNAP.len()..)
    } else {
        None
    };
    // Every BPDU opens with the protocol identifier 0x0000.
    let Some([0, 0, ..]) = bpdu else {
        return false;
    };
    out.protocol = Some(Protocol::Stp);
    out.client_is_src = Some(true);
    out.role(
        Subject::Src,
        Role::NetworkDevice,
        70,
        "spanning tree bpdu sender",
    );
    true
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::capture::link::{ETH_LLC, decode, linktype};

    /// An 802.3 frame to `dst` carrying `llc`.
    fn llc_frame(dst: [u8; 6], llc: &[u8]) -> Vec<u8> {
        let mut f = dst.to_vec();
        f.extend_from_slice(&[0x00, 0x1b, 0x1b, 0x11, 0x22, 0x33]);
        f.extend_from_slice(&u16::try_from(llc.len()).unwrap().to_be_bytes());
        f.extend_from_slice(llc);
        // Ethernet padding after the LLC data is cut by the decoder.
        f.resize(f.len().max(60), 0);
        f
    }

    /// A configuration BPDU (STP, version 0) from bridge 32768/00:1b:1b:11:22:33.
    fn config_bpdu() -> Vec<u8> {
        let mut b = BPDU_LLC.to_vec();
        b.extend_from_slice(&[0, 0, 0, 0, 0]); // protocol, version, type, flags
        b.extend_from_slice(&[0x80, 0, 0x00, 0x1b, 0x1b, 0x11, 0x22, 0x33]); // root
        b.extend_from_slice(&[0, 0, 0, 0]); // root path cost
        b.extend_from_slice(&[0x80, 0, 0x00, 0x1b, 0x1b, 0x11, 0x22, 0x33]); // bridge
        b.extend_from_slice(&[0x80, 0x01, 0, 0, 0x14, 0, 0x02, 0, 0x0f, 0]);
        b
    }

    #[test]
    fn stp_bpdu_marks_its_sender_as_a_bridge() {
        let f = llc_frame([0x01, 0x80, 0xc2, 0, 0, 0], &config_bpdu());
        let fr = decode(linktype::ETHERNET, &f).unwrap();
        assert_eq!(fr.ethertype, ETH_LLC);
        let mut d = Dissection::default();
        assert!(dissect(&fr, &mut d));
        assert_eq!(d.protocol, Some(Protocol::Stp));
        assert_eq!(d.roles.first().map(|r| r.1), Some(Role::NetworkDevice));
    }

    #[test]
    fn pvst_and_other_llc_frames() {
        let mut pvst = PVST_SNAP.to_vec();
        pvst.extend_from_slice(&config_bpdu()[3..]);
        let f = llc_frame(PVST_DST.0, &pvst);
        let mut d = Dissection::default();
        assert!(dissect(&decode(linktype::ETHERNET, &f).unwrap(), &mut d));
        // The same SNAP header to another address, and NetBIOS over LLC, are not BPDUs.
        let f = llc_frame([0x01, 0, 0x0c, 0xcc, 0xcc, 0xcc], &pvst);
        assert!(!dissect(&decode(linktype::ETHERNET, &f).unwrap(), &mut d));
        let f = llc_frame([0xff; 6], &[0xf0, 0xf0, 0x03, 0x2c, 0x00]);
        assert!(!dissect(&decode(linktype::ETHERNET, &f).unwrap(), &mut d));
        // Cut short: never a panic, not a BPDU.
        assert!(!dissect(
            &decode(
                linktype::ETHERNET,
                &llc_frame([0xff; 6], &[0x42, 0x42, 0x03])
            )
            .unwrap(),
            &mut d
        ));
    }
}
