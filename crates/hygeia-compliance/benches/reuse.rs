//! The full NIS2 reuse view from a complete ISO/IEC 27001:2022 assessment (target < 20 ms).
//!
//! Run with `cargo bench -p hygeia-compliance --bench reuse`. No external harness: a few
//! warm-up rounds, then the minimum, median and mean of the measured rounds, for the whole
//! computation (index + derivation + gap view + scores) and for the derivation alone with the
//! index built once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use hygeia_catalog::Catalog;
use hygeia_catalog::ids::{ISO27001_2022, NIS2_2024_2690};
use hygeia_compliance::{ResultValue, Reuse, SourceResult, Suggestions, gap_view, score_view};

const WARM_UP: usize = 5;
const ROUNDS: usize = 50;

fn measure(name: &str, mut f: impl FnMut()) {
    for _ in 0..WARM_UP {
        f();
    }
    let mut times: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let mean = times.iter().sum::<Duration>() / ROUNDS as u32;
    println!(
        "{name}: min {:?}, median {:?}, mean {mean:?} ({ROUNDS} rounds)",
        times[0],
        times[ROUNDS / 2]
    );
}

fn main() {
    let catalog = Catalog::load_embedded().expect("embedded catalogs load");
    let suggestions = Suggestions::embedded().expect("suggestions parse");
    let results: Vec<SourceResult> = catalog
        .framework(ISO27001_2022)
        .unwrap()
        .assessable()
        .enumerate()
        .map(|(i, r)| {
            // A realistic, mostly complete assessment with a few gaps.
            let value = match i % 20 {
                7 => ResultValue::PartiallyCompliant,
                13 => ResultValue::NonCompliant,
                _ => ResultValue::Compliant,
            };
            SourceResult::new(r.id.clone(), value)
        })
        .collect();

    let view = Reuse::new(&catalog, ISO27001_2022, NIS2_2024_2690)
        .unwrap()
        .derive(&results, &[])
        .unwrap();
    println!(
        "ISO/IEC 27001 ({} results) -> 2024/2690 ({} requirements): {:?}",
        results.len(),
        view.derived.len(),
        view.counts
    );

    measure("full view (index + derive + gaps + scores)", || {
        let reuse = Reuse::new(&catalog, ISO27001_2022, NIS2_2024_2690).unwrap();
        let view = reuse.derive(black_box(&results), &[]).unwrap();
        let gaps = gap_view(&catalog, &view, &suggestions).unwrap();
        let scores = score_view(&catalog, &view).unwrap();
        black_box((view, gaps, scores));
    });

    let reuse = Reuse::new(&catalog, ISO27001_2022, NIS2_2024_2690).unwrap();
    measure("derive only (index built once)", || {
        black_box(reuse.derive(black_box(&results), &[]).unwrap());
    });
}
