//! Every TCP payload dissector, in both directions, on the same input.
#![no_main]

use hygeia_monitor::dissect::{Dissection, dicom, dnp3, enip, hl7, http, modbus, opcua, s7, tls};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for to_server in [true, false] {
        let mut d = Dissection::default();
        modbus::dissect(data, to_server, &mut d);
        s7::dissect(data, to_server, &mut d);
        enip::dissect(data, to_server, &mut d);
        dnp3::dissect(data, to_server, &mut d);
        opcua::dissect(data, to_server, &mut d);
        dicom::dissect(data, to_server, &mut d);
        hl7::dissect(data, to_server, &mut d);
        http::dissect(data, to_server, &mut d);
        tls::dissect(data, to_server, &mut d);
    }
});
