//! Start-up cost: load and validate every embedded framework and mapping set.
//!
//! Run with `cargo bench -p hygeia-catalog --bench load`. No external harness: it times a few
//! warm-up rounds, then reports the minimum, median and mean of the measured rounds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use hygeia_catalog::Catalog;

fn main() {
    const WARM_UP: usize = 3;
    const ROUNDS: usize = 30;
    for _ in 0..WARM_UP {
        black_box(Catalog::load_embedded().expect("embedded catalogs load"));
    }
    let mut times: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            let cat = Catalog::load_embedded().expect("embedded catalogs load");
            let elapsed = t.elapsed();
            black_box(cat);
            elapsed
        })
        .collect();
    times.sort();
    let cat = Catalog::load_embedded().expect("embedded catalogs load");
    let requirements: usize = cat
        .frameworks()
        .iter()
        .map(|f| f.requirements().len())
        .sum();
    let pairs: usize = cat.mapping_sets().iter().map(|m| m.pairs.len()).sum();
    let mean = times.iter().sum::<Duration>() / ROUNDS as u32;
    println!(
        "load_embedded: {} frameworks ({requirements} requirements), {} mapping sets ({pairs} pairs)",
        cat.frameworks().len(),
        cat.mapping_sets().len()
    );
    println!(
        "load_embedded: min {:.2} ms, median {:.2} ms, mean {:.2} ms over {ROUNDS} rounds (target < 50 ms)",
        times[0].as_secs_f64() * 1e3,
        times[ROUNDS / 2].as_secs_f64() * 1e3,
        mean.as_secs_f64() * 1e3
    );
}
