//! Every UDP payload dissector on the same input.
#![no_main]

use hygeia_monitor::dissect::{Dissection, arp, bacnet, dhcp, dns, snmp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut d = Dissection::default();
    bacnet::dissect(data, true, &mut d);
    dhcp::dissect(data, &mut d);
    dns::dissect_mdns(data, &mut d);
    dns::dissect_nbns(data, &mut d);
    snmp::dissect(data, &mut d);
    arp::dissect(data, &mut d);
});
