//! One frame of any supported link type (first byte picks it): link layers, VLAN tags, IP,
//! and the layer-2 dissectors (ARP, LLDP, CDP, PROFINET DCP) plus whatever the ports select.
#![no_main]

use hygeia_monitor::capture::link::{decode, linktype};
use hygeia_monitor::dissect::{Dissection, dissect};
use libfuzzer_sys::fuzz_target;

const TYPES: [i32; 8] = [
    linktype::ETHERNET,
    linktype::LINUX_SLL,
    linktype::LINUX_SLL2,
    linktype::NULL,
    linktype::LOOP,
    linktype::RAW,
    linktype::IPV4,
    linktype::IPV6,
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, frame)) = data.split_first() else { return };
    let lt = TYPES[usize::from(sel) % TYPES.len()];
    if let Ok(f) = decode(lt, frame) {
        let mut d = Dissection::default();
        dissect(&f, &mut d);
    }
});
