//! Prints the JSON report for captures given on the command line (`-` for stdin), optionally
//! with `--zones FILE`. A development aid; the product command is `hygeia monitor analyze`.

use hygeia_monitor::{CaptureSource, ZonePolicy, analyze};
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut sources = Vec::new();
    let mut zones = None;
    while let Some(a) = args.next() {
        if a == "--zones" {
            let f = args.next().ok_or("--zones needs a file")?;
            zones = Some(ZonePolicy::from_file(Path::new(&f))?);
        } else {
            sources.push(CaptureSource::from_arg(&a));
        }
    }
    let report = analyze(&sources, zones.as_ref())?;
    println!("{}", report.to_json_pretty()?);
    Ok(())
}
