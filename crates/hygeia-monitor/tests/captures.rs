//! Integration tests on the shared sample captures (`../shared/pcaps`, see its README for the
//! verified content of each file) and on synthetic captures built here.
//! A test whose capture is absent prints why and passes without checking anything.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use etherparse::PacketBuilder;
use hygeia_monitor::{
    Analyzer, Asset, AttrKind, CaptureSource, Endpoint, Op, Protocol, Report, Role, ZonePolicy,
    analyze,
};
use std::path::PathBuf;

const PCAPS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/pcaps/");

fn capture(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(format!("{PCAPS}{rel}"));
    if p.exists() {
        Some(p)
    } else {
        eprintln!("skipping: capture {} is absent", p.display());
        None
    }
}

fn run(rel: &str) -> Option<Report> {
    let p = capture(rel)?;
    let r = analyze(&[CaptureSource::Path(p)], None).unwrap();
    assert_eq!(
        r.stats.malformed, 0,
        "{rel}: {:?}",
        r.stats.malformed_reasons
    );
    Some(r)
}

fn asset<'a>(r: &'a Report, ip: &str) -> &'a Asset {
    let ip = ip.parse().unwrap();
    r.assets
        .iter()
        .find(|a| a.ips.contains(&ip))
        .unwrap_or_else(|| panic!("no asset with {ip}"))
}

fn asset_by_mac<'a>(r: &'a Report, mac: &str) -> &'a Asset {
    r.assets
        .iter()
        .find(|a| a.mac.map(|m| m.to_string()).as_deref() == Some(mac))
        .unwrap_or_else(|| panic!("no asset with {mac}"))
}

fn attrs(a: &Asset, kind: AttrKind) -> Vec<&str> {
    a.attributes
        .iter()
        .filter(|x| x.kind == kind)
        .map(|x| x.value.as_str())
        .collect()
}

fn ops_of(r: &Report, p: Protocol) -> Vec<Op> {
    let mut v: Vec<Op> = r
        .flows
        .iter()
        .filter(|f| f.protocol == p)
        .flat_map(|f| f.operations.iter())
        .collect();
    v.sort();
    v.dedup();
    v
}

#[test]
fn modbus_device_identification_and_function_codes() {
    let Some(r) = run("ot/modbus/icsnpp-modbus_example.pcap") else {
        return;
    };
    assert_eq!(r.stats.packets, 100);
    let plc = asset(&r, "127.0.0.1");
    assert_eq!(plc.vendor.as_deref(), Some("Zeek Modbus Test"));
    assert_eq!(plc.model.as_deref(), Some("Protocol Parsing is fun!"));
    assert_eq!(plc.firmware.as_deref(), Some("1.2.3.6"));
    assert!(plc.roles.contains(&Role::Plc));
    // FC 1-4 read, 5/6/15/16 write, 8 diagnostics, 43/14 identification.
    assert_eq!(
        ops_of(&r, Protocol::Modbus),
        vec![Op::Read, Op::Write, Op::Control, Op::Discovery]
    );
}

#[test]
fn modbus_small_has_write_multiple_coils() {
    let Some(r) = run("ot/modbus/zeek-modbusSmall.pcap") else {
        return;
    };
    assert_eq!(ops_of(&r, Protocol::Modbus), vec![Op::Read, Op::Write]);
}

#[test]
fn modbus_odd_device_identification_replies() {
    let Some(r) = run("ot/modbus/zeek-modbus-eit.pcap") else {
        return;
    };
    assert_eq!(ops_of(&r, Protocol::Modbus), vec![Op::Discovery]);
    assert!(asset(&r, "192.168.88.100").roles.contains(&Role::Plc));
    assert_eq!(
        asset(&r, "192.168.2.42").vendor.as_deref(),
        Some("Westermo Network Technologies AB")
    );
}

#[test]
fn s7_szl_identity() {
    let Some(r) = run("ot/s7comm/icsnpp-s7ident.pcap") else {
        return;
    };
    let plc = asset(&r, "172.17.0.2");
    assert_eq!(plc.model.as_deref(), Some("6ES7 315-2EH14-0AB0"));
    assert_eq!(plc.serial.as_deref(), Some("S C-C2UR28922012"));
    assert_eq!(plc.firmware.as_deref(), Some("V3.2.6"));
    assert!(attrs(plc, AttrKind::Model).contains(&"CPU 315-2 PN/DP"));
    assert!(plc.names.contains(&"SNAP7-SERVER".to_owned()));
    // SZL reads, read-var jobs and a start-upload (0x1D) job.
    assert_eq!(
        ops_of(&r, Protocol::S7comm),
        vec![Op::Read, Op::Program, Op::Discovery]
    );
}

#[test]
fn s7comm_plus_on_linux_cooked_capture() {
    let Some(r) = run("ot/s7comm/icsnpp-s7comm_plus.pcap") else {
        return;
    };
    assert_eq!(r.stats.packets, 262);
    // GetMultiVariables (0x054C) and SetVariable (0x04F2) requests to the PLC.
    assert_eq!(ops_of(&r, Protocol::S7commPlus), vec![Op::Read, Op::Write]);
    let plc = asset(&r, "192.168.0.1");
    assert!(plc.roles.contains(&Role::Plc));
    // MAC from the SLL header, vendor from the OUI list.
    assert_eq!(plc.mac.unwrap().to_string(), "ac:64:17:46:0d:51");
    assert_eq!(plc.vendor.as_deref(), Some("Siemens AG"));
}

#[test]
fn enip_list_identity() {
    let Some(r) = run("ot/enip/iti-enip_test.pcap") else {
        return;
    };
    let a = asset(&r, "10.1.1.164");
    assert_eq!(a.model.as_deref(), Some("1756-ENBT/A"));
    assert_eq!(a.firmware.as_deref(), Some("4.3"));
    assert_eq!(
        a.vendor.as_deref(),
        Some("Rockwell Automation/Allen-Bradley")
    );
    assert!(attrs(a, AttrKind::DeviceId).contains(&"cip vendor=1 device_type=12 product_code=58"));
    assert_eq!(ops_of(&r, Protocol::Enip), vec![Op::Discovery]);
}

#[test]
fn enip_cip_explicit_and_implicit_io() {
    let Some(r) = run("ot/enip/icsnpp-enip_cip_example.pcap") else {
        return;
    };
    let io: u64 = r
        .flows
        .iter()
        .filter(|f| f.protocol == Protocol::CipIo)
        .map(|f| f.packets)
        .sum();
    assert_eq!(io, 398);
    assert!(ops_of(&r, Protocol::Enip).contains(&Op::Discovery));
    assert!(r.flows.iter().any(|f| f.protocol == Protocol::Lldp));
    assert!(r.flows.iter().any(|f| f.protocol == Protocol::Arp));
    assert_eq!(
        asset(&r, "10.1.1.164").model.as_deref(),
        Some("1756-ENBT/A")
    );
}

#[test]
fn dnp3_over_tcp_and_udp() {
    if let Some(r) = run("ot/dnp3/zeek-dnp3_read.pcap") {
        assert_eq!(ops_of(&r, Protocol::Dnp3), vec![Op::Read]);
        let rtu = asset(&r, "130.126.140.229");
        assert!(rtu.roles.contains(&Role::Rtu));
        assert!(attrs(rtu, AttrKind::DeviceId).contains(&"dnp3 outstation 2"));
    }
    if let Some(r) = run("ot/dnp3/zeek-dnp3_udp_read.pcap") {
        assert_eq!(ops_of(&r, Protocol::Dnp3), vec![Op::Read]);
        assert!(
            attrs(asset(&r, "192.168.80.12"), AttrKind::DeviceId).contains(&"dnp3 outstation 1")
        );
    }
    if let Some(r) = run("ot/dnp3/zeek-dnp3.pcap") {
        // FC 1 read, 2 write, 3 select, 13/14 restarts, 18 stop application, 20/21 unsolicited.
        assert_eq!(
            ops_of(&r, Protocol::Dnp3),
            vec![Op::Read, Op::Write, Op::Control]
        );
        assert!(
            asset(&r, "10.0.0.8")
                .roles
                .contains(&Role::EngineeringWorkstation)
        );
    }
}

#[test]
fn bacnet_i_am_and_read_property() {
    if let Some(r) = run("ot/bacnet/icsnpp-bacnet_example.pcap") {
        let dev = asset(&r, "172.20.32.108");
        let ids = attrs(dev, AttrKind::DeviceId);
        assert!(ids.contains(&"bacnet device 721"), "{ids:?}");
        assert!(ids.contains(&"bacnet vendor_id=15"), "{ids:?}");
        assert!(dev.roles.contains(&Role::BmsController));
        let ops = ops_of(&r, Protocol::Bacnet);
        assert!(
            ops.contains(&Op::Read) && ops.contains(&Op::Discovery),
            "{ops:?}"
        );
    }
    if let Some(r) = run("ot/bacnet/iti-bacnet_test.pcap") {
        // Read-BDT and ReadProperty are reads; Register-Foreign-Device changes the BBMD table.
        assert_eq!(ops_of(&r, Protocol::Bacnet), vec![Op::Read, Op::Write]);
    }
}

#[test]
fn opcua_on_bsd_loopback() {
    let Some(r) = run("ot/opcua/icsnpp-opcua-python-minimal.pcap") else {
        return;
    };
    let srv = asset(&r, "127.0.0.1");
    assert!(
        srv.names
            .contains(&"opc.tcp://localhost:4840/freeopcua/server/".to_owned())
    );
    let sw = attrs(srv, AttrKind::Software);
    assert!(sw.contains(&"opcua security mode None"), "{sw:?}");
    assert!(sw.contains(&"opcua security policy None"), "{sw:?}");
    assert!(srv.roles.contains(&Role::OpcUaServer));
}

#[test]
fn profinet_dcp_identify_requests() {
    let Some(r) = run("ot/profinet/iti-PROFINET-RT-DCP.pcap") else {
        return;
    };
    assert_eq!(r.stats.packets, 14);
    let dcp: u64 = r
        .flows
        .iter()
        .filter(|f| f.protocol == Protocol::ProfinetDcp)
        .map(|f| f.packets)
        .sum();
    assert_eq!(dcp, 14);
    assert_eq!(ops_of(&r, Protocol::ProfinetDcp), vec![Op::Discovery]);
    assert_eq!(
        asset_by_mac(&r, "00:1b:1b:02:9a:c3").vendor.as_deref(),
        Some("Siemens AG")
    );
}

#[test]
fn dicom_association_metadata() {
    let Some(r) = run("medical/synthetic-dicom-cecho-11112.pcap") else {
        return;
    };
    let a = asset(&r, "127.0.0.1");
    for ae in ["CT_SCANNER_01", "PACS_ARCHIVE", "WRONG_AE"] {
        assert!(a.names.contains(&ae.to_owned()), "{ae} in {:?}", a.names);
    }
    let conf = |v: &str| {
        a.attributes
            .iter()
            .find(|x| x.value == v)
            .unwrap()
            .confidence
    };
    // Accepted titles are confirmed by the A-ASSOCIATE-AC; the refused one stays weak.
    assert_eq!(
        (
            conf("PACS_ARCHIVE"),
            conf("CT_SCANNER_01"),
            conf("WRONG_AE")
        ),
        (90, 90, 60)
    );
    assert!(attrs(a, AttrKind::Firmware).contains(&"GRC_TEST_SCU_01"));
    let sw = attrs(a, AttrKind::Software);
    assert!(sw.iter().any(|s| s.starts_with("2.25.")), "{sw:?}");
    assert!(a.roles.contains(&Role::DicomModality) && a.roles.contains(&Role::Pacs));
    // C-ECHO is a verification (discovery) operation.
    assert_eq!(ops_of(&r, Protocol::Dicom), vec![Op::Discovery]);
}

#[test]
fn hl7_headers_only_never_patient_data() {
    let Some(r) = run("medical/synthetic-hl7-mllp-2575.pcap") else {
        return;
    };
    let a = asset(&r, "127.0.0.1");
    for n in ["HIS_ADT", "LAB_ANALYZER_01"] {
        assert!(a.names.contains(&n.to_owned()), "{n}");
    }
    let fac = attrs(a, AttrKind::Facility);
    assert!(
        fac.contains(&"GENERAL_HOSPITAL") && fac.contains(&"PHARMA_QC_LAB"),
        "{fac:?}"
    );
    assert_eq!(a.vendor.as_deref(), Some("EXAMPLE_VENDOR_INC"));
    assert_eq!(a.model.as_deref(), Some("ExampleAnalyzerSoftware"));
    assert_eq!(a.firmware.as_deref(), Some("4.2.1"));
    assert!(a.roles.contains(&Role::Hl7Interface));
    let json = r.to_json_pretty().unwrap();
    for secret in ["TESTPATIENT", "SYNTHETIC", "TEST0001", "19700101", "mg/L"] {
        assert!(
            !json.contains(secret),
            "patient data {secret} leaked into the report"
        );
    }
}

#[test]
fn it_fingerprints() {
    if let Some(r) = run("it/zeek-dhcp.pcap") {
        assert!(
            asset_by_mac(&r, "90:b1:1c:99:49:29")
                .names
                .contains(&"btest.is.cool".to_owned())
        );
        assert!(attrs(asset(&r, "128.2.6.152"), AttrKind::Software).contains(&"ArubaAP"));
    }
    if let Some(r) = run("it/zeek-lldp.pcap") {
        let a = asset_by_mac(&r, "00:22:2d:81:db:10");
        assert_eq!(a.names, vec!["SMCGS8P-Smart".to_owned()]);
        assert!(attrs(a, AttrKind::Software).contains(&"SMCGS8P-Smart - SMCGS8P-Smart v3.20"));
    }
    if let Some(r) = run("it/zeek-http-get.pcap") {
        assert!(
            attrs(asset(&r, "141.142.228.5"), AttrKind::Software)
                .contains(&"Wget/1.14 (darwin12.2.0)")
        );
        assert!(
            attrs(asset(&r, "192.150.187.43"), AttrKind::Software)
                .contains(&"Apache/2.4.3 (Fedora)")
        );
    }
    if let Some(r) = run("it/zeek-tls-chrome-34-google.pcap") {
        assert!(attrs(asset(&r, "74.125.239.152"), AttrKind::ServiceName).contains(&"google.de"));
    }
    if let Some(r) = run("it/zeek-mdns.pcap") {
        assert!(
            asset(&r, "10.0.2.7")
                .names
                .contains(&"johanna-QEMU-Virtual-Machine.local".to_owned())
        );
    }
    if let Some(r) = run("it/ndpi-netbios.pcapng") {
        assert_eq!(r.stats.sources[0].format, "pcapng");
        assert_eq!(r.stats.packets, 261);
        let names: Vec<&String> = r.assets.iter().flat_map(|a| &a.names).collect();
        assert!(
            names.iter().any(|n| *n == "GUNNAR") && names.iter().any(|n| *n == "GURU"),
            "{names:?}"
        );
    }
}

/// Every shared capture, cut short and then with corrupted bytes: nothing panics, truncation is
/// counted.
#[test]
fn truncated_and_corrupted_captures_never_panic() {
    let Some(dir) = capture("") else { return };
    let mut files = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "pcap" || x == "pcapng")
                && p.metadata().unwrap().len() < 300_000
            {
                files.push(p);
            }
        }
    }
    assert!(files.len() > 10);
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let mut a = Analyzer::new();
        a.feed("whole", &bytes[..]).unwrap();
        let whole = a.finish(None).stats.packets;
        let cut = &bytes[..bytes.len() * 2 / 3];
        let mut a = Analyzer::new();
        a.feed("cut", cut).unwrap();
        let r = a.finish(None);
        assert!(
            r.stats.malformed >= 1,
            "{}: truncation not counted",
            f.display()
        );
        assert!(r.stats.packets < whole);
        for _ in 0..20 {
            let mut b = bytes.clone();
            for _ in 0..16 {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let i = 24 + (seed as usize % (b.len() - 24));
                b[i] = (seed >> 32) as u8;
            }
            let mut a = Analyzer::new();
            let _ = a.feed("mutated", &b[..]);
            let _ = a.finish(None);
        }
    }
}

// ---- synthetic captures -------------------------------------------------------------------

const IT_PC: [u8; 4] = [10, 10, 1, 50];
const HMI: [u8; 4] = [192, 168, 10, 20];
const PLC: [u8; 4] = [192, 168, 10, 5];
const HISTORIAN: [u8; 4] = [172, 16, 0, 10];

fn mac(last: u8) -> [u8; 6] {
    [0x00, 0x0e, 0x8c, 0x00, 0x00, last]
}

fn tcp(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    PacketBuilder::ethernet2(mac(src[3]), mac(dst[3]))
        .ipv4(src, dst, 64)
        .tcp(sport, dport, 1, 1024)
        .write(&mut v, payload)
        .unwrap();
    v
}

fn vlan_tagged(mut frame: Vec<u8>, vid: u16) -> Vec<u8> {
    let tag = [0x81, 0x00, (vid >> 8) as u8, vid as u8];
    frame.splice(12..12, tag);
    frame
}

fn modbus(fc: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![0, 1, 0, 0];
    v.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    v.push(1);
    v.push(fc);
    v.extend_from_slice(body);
    v
}

/// Classic pcap, nanosecond resolution.
fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(&0xa1b2_3c4du32.to_le_bytes());
    v.extend_from_slice(&[
        2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
    ]);
    for (i, f) in frames.iter().enumerate() {
        v.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        v.extend_from_slice(&(i as u32 * 1000).to_le_bytes());
        v.extend_from_slice(&(f.len() as u32).to_le_bytes());
        v.extend_from_slice(&(f.len() as u32).to_le_bytes());
        v.extend_from_slice(f);
    }
    v
}

/// The plant: an HMI reads the PLC inside the cell, a historian in the DMZ reads it through an
/// allowed conduit, an office PC browses the historian over TLS (allowed) and, once, writes a
/// PLC register over Modbus: that write is the only violation.
fn plant_frames() -> Vec<Vec<u8>> {
    vec![
        vlan_tagged(tcp(HMI, PLC, 40001, 502, &modbus(3, &[0, 0, 0, 10])), 110),
        vlan_tagged(tcp(PLC, HMI, 502, 40001, &modbus(3, &[2, 0, 7])), 110),
        tcp(HISTORIAN, PLC, 40002, 502, &modbus(4, &[0, 0, 0, 2])),
        tcp(PLC, HISTORIAN, 502, 40002, &modbus(4, &[4, 0, 1, 0, 2])),
        tcp(IT_PC, HISTORIAN, 50000, 443, &[0x17, 3, 3, 0, 1, 0]),
        tcp(IT_PC, PLC, 50001, 502, &modbus(6, &[0, 1, 0, 42])),
        tcp(PLC, IT_PC, 502, 50001, &modbus(6, &[0, 1, 0, 42])),
        tcp(IT_PC, PLC, 50001, 502, &modbus(6, &[0, 1, 0, 43])),
    ]
}

const PLANT_POLICY: &str = r#"
[[zone]]
name = "office"
cidrs = ["10.10.0.0/16"]
purdue_level = 4
target_sl = 1

[[zone]]
name = "dmz"
cidrs = ["172.16.0.0/24"]
purdue_level = 3
target_sl = 2

[[zone]]
name = "cell"
cidrs = ["192.168.10.0/24"]
vlans = [110]
purdue_level = 1
target_sl = 3

[[conduit]]
from = "office"
to = "dmz"
protocols = ["tls"]

[[conduit]]
from = "dmz"
to = "cell"
protocols = ["modbus"]
operations = ["read"]
"#;

#[test]
fn it_to_plc_modbus_write_is_exactly_one_finding() {
    let dir = std::env::temp_dir().join(format!("hygeia-monitor-zones-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cap = dir.join("plant.pcap");
    std::fs::write(&cap, pcap(&plant_frames())).unwrap();
    let pol = dir.join("zones.toml");
    std::fs::write(&pol, PLANT_POLICY).unwrap();
    let policy = ZonePolicy::from_file(&pol).unwrap();

    let r = analyze(&[CaptureSource::Path(cap.clone())], Some(&policy)).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(r.stats.packets, 8);
    assert_eq!(r.findings.len(), 1, "{:#?}", r.findings);
    let f = &r.findings[0];
    assert_eq!(f.kind, "conduit_violation");
    assert_eq!(f.severity, "high");
    assert_eq!(f.src, Endpoint::Ip("10.10.1.50".parse().unwrap()));
    assert_eq!(f.dst, Endpoint::Ip("192.168.10.5".parse().unwrap()));
    assert_eq!(
        (f.src_zone.as_deref(), f.dst_zone.as_deref()),
        (Some("office"), Some("cell"))
    );
    assert_eq!(f.protocol, Protocol::Modbus);
    assert_eq!(f.operations.iter().collect::<Vec<_>>(), vec![Op::Write]);
    // The first write is packet index 5 (the sixth frame), at 1700000000 s + 5000 ns.
    assert_eq!(f.evidence.first_packet, 5);
    assert_eq!(f.evidence.first_seen, "2023-11-14T22:13:20.000005Z");
    assert_eq!(f.evidence.packets, 3);
    let refs: Vec<(&str, &str)> = f.references.iter().map(|r| (r.id, r.title)).collect();
    assert_eq!(
        refs,
        vec![
            ("6.8", "Network segmentation"),
            ("A.8.22", "Segregation of networks"),
            ("SR 5.1", "Network segmentation")
        ]
    );
    assert!(f.references[0].framework.contains("2024/2690"));
    assert!(f.references[1].framework.contains("27001"));
    assert!(f.references[2].framework.contains("62443-3-3"));

    // The HMI → PLC flow kept its VLAN; roles were inferred; without a policy nothing is found.
    let hmi_flow = r
        .flows
        .iter()
        .find(|f| f.src == Endpoint::Ip("192.168.10.20".parse().unwrap()))
        .unwrap();
    assert_eq!(hmi_flow.vlan, Some(110));
    assert!(asset(&r, "192.168.10.5").roles.contains(&Role::Plc));
    let mut a = Analyzer::new();
    a.feed("mem", &pcap(&plant_frames())[..]).unwrap();
    assert!(a.finish(None).findings.is_empty());
}

#[test]
fn report_json_has_the_documented_shape() {
    let mut a = Analyzer::new();
    a.feed("mem", &pcap(&plant_frames())[..]).unwrap();
    let r = a.finish(Some(&ZonePolicy::from_toml(PLANT_POLICY, "t").unwrap()));
    let v: serde_json::Value = serde_json::from_str(&r.to_json_pretty().unwrap()).unwrap();
    for k in [
        "mac",
        "ips",
        "vendor",
        "model",
        "firmware",
        "roles",
        "protocols",
    ] {
        assert!(v["assets"][0].get(k).is_some(), "asset field {k}");
    }
    for k in ["src", "dst", "protocol", "packets", "bytes", "operations"] {
        assert!(v["flows"][0].get(k).is_some(), "flow field {k}");
    }
    for k in ["packets", "bytes", "malformed", "elapsed_ms"] {
        assert!(v["stats"].get(k).is_some(), "stats field {k}");
    }
    assert_eq!(v["stats"]["packets"], 8);
    assert_eq!(v["findings"][0]["operations"], serde_json::json!(["write"]));
    let plc = v["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["ips"][0] == "192.168.10.5")
        .unwrap();
    assert_eq!(plc["mac"], "00:0e:8c:00:00:05");
    assert_eq!(plc["vendor"], "Siemens AG");
    assert_eq!(plc["protocols"], serde_json::json!(["modbus"]));
}

/// A layer-2 frame of `ethertype` from station `src` to a group address.
fn ether(src: u8, dst: [u8; 6], ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = dst.to_vec();
    f.extend_from_slice(&mac(src));
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f.resize(f.len().max(60), 0);
    f
}

/// An 802.3 length frame carrying `llc`.
fn llc(src: u8, dst: [u8; 6], llc: &[u8]) -> Vec<u8> {
    let mut f = dst.to_vec();
    f.extend_from_slice(&mac(src));
    f.extend_from_slice(&(llc.len() as u16).to_be_bytes());
    f.extend_from_slice(llc);
    f.resize(f.len().max(60), 0);
    f
}

#[test]
fn numbered_protocols_are_named_and_spanning_tree_marks_bridges() {
    let bpdu = [
        0x42, 0x42, 0x03, 0, 0, 2, 0x02, 0x3c, 0x80, 0, 0, 0x0e, 0x8c, 0, 0, 0x21,
    ];
    let frames = vec![
        ether(0x21, [0x01, 0x15, 0x4e, 0, 0, 1], 0x88e3, &[0, 1, 2, 3]), // MRP test frame
        ether(0x22, [0x01, 0x0c, 0xcd, 1, 0, 1], 0x88b8, &[0, 1, 0, 8]), // GOOSE
        ether(0x23, [0x01, 0x1b, 0x19, 0, 0, 0], 0x88f7, &[0x00, 0x02]), // PTP sync
        ether(0x24, [0xff; 6], 0x1234, &[1, 2, 3]),                      // not listed
        llc(0x21, [0x01, 0x80, 0xc2, 0, 0, 0], &bpdu),                   // RSTP BPDU
        llc(0x25, [0xff; 6], &[0xf0, 0xf0, 0x03, 0x2c]),                 // NetBIOS over LLC
    ];
    let mut a = Analyzer::new();
    a.feed("mem", &pcap(&frames)[..]).unwrap();
    let r = a.finish(None);
    let named: Vec<(String, Option<&str>)> = r
        .flows
        .iter()
        .map(|f| (f.protocol.to_string(), f.protocol_name))
        .collect();
    for (code, name) in [
        ("ether/0x88e3", Some("MRP")),
        ("ether/0x88b8", Some("GOOSE")),
        ("ether/0x88f7", Some("PTP")),
        ("ether/0x1234", None),
        ("stp", None),
        ("llc/0xf0", Some("NetBIOS")),
    ] {
        assert!(
            named.contains(&(code.to_owned(), name)),
            "{code}: {named:?}"
        );
    }
    let v: serde_json::Value = serde_json::from_str(&r.to_json_pretty().unwrap()).unwrap();
    let mrp = v["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["protocol"] == "ether/0x88e3")
        .unwrap();
    assert_eq!(mrp["protocol_name"], "MRP");
    // The BPDU's sender is a bridge (and also speaks MRP: a ring manager).
    let bridge = asset_by_mac(&r, "00:0e:8c:00:00:21");
    assert!(bridge.roles.contains(&Role::NetworkDevice), "{bridge:?}");
    assert!(bridge.protocols.contains(&Protocol::Stp));
}

#[test]
fn a_report_says_when_no_zone_policy_was_applied() {
    let mut a = Analyzer::new();
    a.feed("mem", &pcap(&plant_frames())[..]).unwrap();
    let r = a.finish(None);
    assert_eq!(r.zone_policy, None);
    assert_eq!(r.warnings.len(), 1);
    assert_eq!(r.warnings[0].code, "no_zone_policy");
    assert!(r.warnings[0].message.contains("--zones FILE"));
    let v: serde_json::Value = serde_json::from_str(&r.to_json_pretty().unwrap()).unwrap();
    assert_eq!(v["warnings"][0]["code"], "no_zone_policy");
    assert!(v["zone_policy"].is_null());

    let mut a = Analyzer::new();
    a.feed("mem", &pcap(&plant_frames())[..]).unwrap();
    let r = a.finish(Some(&ZonePolicy::from_toml(PLANT_POLICY, "t").unwrap()));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let summary = r.zone_policy.unwrap();
    assert_eq!((summary.zones, summary.conduits), (3, 2));

    let mut a = Analyzer::new();
    a.feed("mem", &pcap(&plant_frames())[..]).unwrap();
    let r = a.finish(Some(&ZonePolicy::from_toml("", "t").unwrap()));
    assert_eq!(r.warnings[0].code, "empty_zone_policy");
}
