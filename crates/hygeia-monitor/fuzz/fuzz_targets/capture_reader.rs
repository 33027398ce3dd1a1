//! Whole pipeline from raw capture bytes (pcap or pcapng): reader, link decoding, every
//! dissector and the inventory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut a = hygeia_monitor::Analyzer::new();
    let _ = a.feed("fuzz", data);
    let _ = a.finish(None);
});
