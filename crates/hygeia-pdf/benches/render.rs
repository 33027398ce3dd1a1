//! Times the typesetting of a two-page report (target: < 300 ms per report in release).
//!
//! `cargo bench -p hygeia-pdf` — prints the first render (fonts parsed then) apart, then the
//! median and 95th percentile of 50 renders.

use std::time::{Duration, Instant};

use hygeia_pdf::{ReportDocument, Section, render};

const RUNS: usize = 50;

const PARAGRAPH: &str = "At 03:12 the monitoring of the filling line raised an alert: several \
    operator workstations showed a ransom note and the batch records server stopped answering. \
    The line was halted, the affected segment isolated from the plant network, and the incident \
    response team called in. Production of two sterile products is interrupted; no patient \
    safety impact is known at this stage, but deliveries to three hospitals may be delayed.";

fn pair(label: &str, value: &str) -> (String, String) {
    (label.to_owned(), value.to_owned())
}

fn report(run: usize) -> ReportDocument {
    let text = |paragraphs: usize| vec![PARAGRAPH; paragraphs].join("\n\n");
    ReportDocument {
        language: "en".to_owned(),
        title: "Early warning — NIS2 significant incident reporting".to_owned(),
        subtitle: format!("Incident INC-2026-{run:04} · Ransomware on the filling line"),
        identity: vec![
            pair("Entity", "Pharma Lyon SAS"),
            pair("Country", "France"),
            pair("Registration number", "SIREN 552 100 554"),
            pair("NIS2 class", "Essential entity (Annex I, health)"),
        ],
        header: "Pharma Lyon SAS — Early warning".to_owned(),
        meta: vec![
            pair("Recipient", "ANSSI (CSIRT)"),
            pair("Deadline", "2026-12-03 03:12 UTC"),
            pair("Version", "1"),
            pair("Generated at", "2026-12-02 11:40 UTC"),
        ],
        sections: vec![
            Section {
                label: "What happened".to_owned(),
                text: text(5),
                table: None,
            },
            Section {
                label: "Suspected cause".to_owned(),
                text: text(2),
                table: None,
            },
            Section {
                label: "Measures taken".to_owned(),
                text: text(4),
                table: None,
            },
        ],
        footer_note: "Confidential — prepared with Hygeia for the competent authority.".to_owned(),
        landscape: false,
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let first = Instant::now();
    let pdf = render(&report(0))?;
    let first = first.elapsed();
    if let Some(path) = std::env::var_os("HYGEIA_PDF_KEEP") {
        std::fs::write(std::path::Path::new(&path).join("bench.pdf"), &pdf)?;
    }

    let mut times = Vec::with_capacity(RUNS);
    let mut bytes = 0;
    for run in 1..=RUNS {
        // A different subtitle each time, so no render is a pure cache hit.
        let doc = report(run);
        let start = Instant::now();
        let pdf = render(&doc)?;
        times.push(start.elapsed());
        bytes = pdf.len();
    }
    times.sort();
    let median = times[RUNS / 2];
    let p95 = times[(RUNS * 95).div_ceil(100) - 1];
    let max = times[RUNS - 1];
    println!(
        "hygeia-pdf render ({RUNS} runs, 2-page report, {bytes} bytes): \
         median {:.1} ms, p95 {:.1} ms, max {:.1} ms; first render {:.1} ms",
        ms(median),
        ms(p95),
        ms(max),
        ms(first),
    );
    Ok(())
}
