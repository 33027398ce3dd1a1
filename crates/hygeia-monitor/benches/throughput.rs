//! Throughput benchmark (no harness): builds a capture of at least `HYGEIA_BENCH_MB` MiB
//! (default 1024) in the temporary directory by replicating `bench/zeek-modbusBig.pcap` and a
//! mix of the other Ethernet sample captures, then analyses it on one thread with all
//! dissectors on and reports packets/s, MB/s and the peak resident set size.
//!
//! Run: `flock /tmp/hygeia-cargo.lock cargo bench -p hygeia-monitor --bench throughput`
//! The generated file is left in the temporary directory for reuse (and for comparison with
//! other tools); delete it afterwards. It is never written inside the repository.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hygeia_monitor::Analyzer;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

const PCAPS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/pcaps/");

const MIX: [&str; 12] = [
    "ot/modbus/icsnpp-modbus_example.pcap",
    "ot/s7comm/icsnpp-s7ident.pcap",
    "ot/enip/icsnpp-enip_cip_example.pcap",
    "ot/dnp3/zeek-dnp3.pcap",
    "ot/bacnet/icsnpp-bacnet_example.pcap",
    "ot/profinet/iti-PROFINET-RT-DCP.pcap",
    "medical/synthetic-dicom-cecho-11112.pcap",
    "medical/synthetic-hl7-mllp-2575.pcap",
    "it/zeek-dhcp.pcap",
    "it/zeek-http-get.pcap",
    "it/zeek-tls-chrome-34-google.pcap",
    "it/zeek-mdns.pcap",
];

/// Records (header + data) of a little-endian microsecond Ethernet pcap.
fn records(path: &Path) -> Vec<Vec<u8>> {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..4], &0xa1b2c3d4u32.to_le_bytes(), "{}", path.display());
    assert_eq!(
        u32::from_le_bytes(b[20..24].try_into().unwrap()),
        1,
        "{}",
        path.display()
    );
    let mut out = Vec::new();
    let mut off = 24;
    while off + 16 <= b.len() {
        let caplen = u32::from_le_bytes(b[off + 8..off + 12].try_into().unwrap()) as usize;
        let end = off + 16 + caplen;
        if end > b.len() {
            break;
        }
        out.push(b[off..end].to_vec());
        off = end;
    }
    out
}

fn build(path: &Path, min_bytes: u64) -> (u64, u64) {
    let seed = records(&PathBuf::from(format!("{PCAPS}bench/zeek-modbusBig.pcap")));
    let mix: Vec<Vec<u8>> = MIX
        .iter()
        .flat_map(|m| records(&PathBuf::from(format!("{PCAPS}{m}"))))
        .collect();
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    w.write_all(&0xa1b2c3d4u32.to_le_bytes()).unwrap();
    w.write_all(&[
        2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
    ])
    .unwrap();
    let (mut bytes, mut packets) = (24u64, 0u64);
    while bytes < min_bytes {
        for r in seed.iter().chain(mix.iter()) {
            w.write_all(r).unwrap();
            bytes += r.len() as u64;
            packets += 1;
        }
    }
    w.flush().unwrap();
    (bytes, packets)
}

fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let seed = PathBuf::from(format!("{PCAPS}bench/zeek-modbusBig.pcap"));
    if !seed.exists() {
        eprintln!("skipping: {} is absent", seed.display());
        return;
    }
    let mb: u64 = std::env::var("HYGEIA_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let path = std::env::temp_dir().join(format!("hygeia-monitor-bench-{mb}MiB.pcap"));
    let min = mb * 1024 * 1024;
    if path.metadata().map(|m| m.len() < min).unwrap_or(true) {
        let t = Instant::now();
        let (bytes, packets) = build(&path, min);
        println!(
            "built {} ({bytes} bytes, {packets} packets) in {:.1} s",
            path.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let size = path.metadata().unwrap().len();
    let rss_before = peak_rss_kib().unwrap_or(0);
    let t = Instant::now();
    let mut a = Analyzer::new();
    a.feed(
        &path.display().to_string(),
        std::fs::File::open(&path).unwrap(),
    )
    .unwrap();
    let report = a.finish(None);
    let secs = t.elapsed().as_secs_f64();
    let s = &report.stats;
    println!(
        "file            {} ({:.0} MiB)",
        path.display(),
        size as f64 / 1048576.0
    );
    println!("packets         {}", s.packets);
    println!("malformed       {}", s.malformed);
    println!(
        "assets / flows  {} / {}",
        report.assets.len(),
        report.flows.len()
    );
    println!("elapsed         {secs:.2} s");
    println!(
        "throughput      {:.2} M packets/s, {:.0} MiB/s",
        s.packets as f64 / secs / 1e6,
        size as f64 / secs / 1048576.0
    );
    println!(
        "peak RSS        {} KiB (before analysis: {rss_before} KiB)",
        peak_rss_kib().unwrap_or(0)
    );
}
