//! Matching benchmark (no harness): loads the shared CISA CSAF bundle and the KEV catalog,
//! builds the index, then matches 50,000 synthetic asset identities made from the bundle's
//! real model numbers and product names (as a sensor would report them: order numbers with a
//! space, a series suffix, a mix of firmware texts, and a share of assets no advisory names)
//! on one thread, and prints the times and the peak resident set size.
//!
//! Run: `flock /tmp/hygeia-cargo.lock cargo bench -p hygeia-advisories --bench matching`
//! Skipped, with a message, when the shared files are absent.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hygeia_advisories::{AdvisoryIndex, AssetIdentity, Feed};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/advisories/");
const ASSETS: usize = 50_000;
const FIRMWARE: [Option<&str>; 6] = [
    Some("V3.2.6"),
    Some("4.3"),
    None,
    Some("V2.9 HF3"),
    Some("V10.0.1"),
    Some("garbled"),
];

/// Peak resident set size of this process in KiB (Linux), if readable.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Order numbers as devices report them: `6ES7315-2EH14-0AB0` → `6ES7 315-2EH14-0AB0`.
fn as_reported(model: &str) -> String {
    if model.len() > 4 && model.starts_with('6') && model.is_char_boundary(4) {
        format!("{} {}", &model[..4], &model[4..])
    } else {
        model.to_string()
    }
}

/// A model-like word of a product name (last word with a digit), e.g. `1756-EN2T`.
fn model_word(name: &str) -> Option<&str> {
    name.split_whitespace()
        .rev()
        .find(|w| w.chars().any(|c| c.is_ascii_digit()) && !w.starts_with('('))
}

fn main() {
    let bundle = Path::new(SHARED).join("cisa-csaf-2024-10-24.tar.gz");
    let kev = Path::new(SHARED).join("cisa-kev-2025-08-25.json");
    if !bundle.is_file() || !kev.is_file() {
        println!(
            "skipped: {} or {} not found",
            bundle.display(),
            kev.display()
        );
        return;
    }
    let t = Instant::now();
    let feed = Feed::read_all(&[&bundle, &kev]).unwrap();
    let load = t.elapsed();
    let rss_after_load = peak_rss_kib();
    println!(
        "load: {} advisories, KEV {} entries, {} refused, {} skipped in {:.0} ms (peak RSS {} MiB)",
        feed.advisories.len(),
        feed.kev.as_ref().map_or(0, |k| k.len()),
        feed.refused.len(),
        feed.skipped.len(),
        load.as_secs_f64() * 1000.0,
        rss_after_load.map_or_else(|| "?".into(), |k| (k / 1024).to_string()),
    );

    let t = Instant::now();
    let index = AdvisoryIndex::new(feed.advisories, feed.kev);
    println!(
        "index: {} products in {:.0} ms",
        index.product_count(),
        t.elapsed().as_secs_f64() * 1000.0
    );

    // Real identities from the bundle: model numbers, and model words of product names.
    let mut real: Vec<(String, String)> = Vec::new();
    for a in index.advisories() {
        for p in &a.products {
            let vendor = p.vendor.clone().unwrap_or_default();
            if let Some(m) = p.model_numbers.first() {
                real.push((vendor, as_reported(m)));
            } else if let Some(w) = model_word(&p.name) {
                real.push((vendor, w.to_string()));
            }
        }
    }
    real.sort();
    real.dedup();
    let assets: Vec<AssetIdentity> = (0..ASSETS)
        .map(|i| {
            let firmware = FIRMWARE[i % FIRMWARE.len()].map(String::from);
            if i % 10 < 3 {
                // Workstations, switches, printers: nothing in an ICS advisory names them.
                AssetIdentity {
                    vendor: Some("Dell Inc.".into()),
                    model: Some(format!("OptiPlex {}", 3000 + i % 997)),
                    firmware,
                    ..AssetIdentity::default()
                }
            } else {
                let (vendor, model) = &real[(i * 7919) % real.len()];
                let model = if i % 13 == 0 {
                    format!("{model}/A")
                } else {
                    model.clone()
                };
                AssetIdentity {
                    vendor: Some(vendor.clone()),
                    model: Some(model),
                    firmware,
                    ..AssetIdentity::default()
                }
            }
        })
        .collect();

    let t = Instant::now();
    let mut total = 0usize;
    let mut with_match = 0usize;
    let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
    let mut kev = 0usize;
    for a in &assets {
        let matches = index.match_asset(a);
        total += matches.len();
        with_match += usize::from(!matches.is_empty());
        for m in &matches {
            *by_status.entry(m.status.as_str()).or_default() += 1;
            kev += usize::from(m.kev);
        }
        std::hint::black_box(&matches);
    }
    let elapsed = t.elapsed();
    println!(
        "match: {ASSETS} assets ({} distinct real identities) in {:.0} ms on one thread, {:.1} µs per asset",
        real.len(),
        elapsed.as_secs_f64() * 1000.0,
        elapsed.as_secs_f64() * 1e6 / ASSETS as f64,
    );
    println!(
        "       {with_match} assets with a match, {total} matches, {kev} with a KEV CVE; {by_status:?}"
    );
    println!(
        "peak RSS at the end: {} MiB",
        peak_rss_kib().map_or_else(|| "?".into(), |k| (k / 1024).to_string())
    );
}
