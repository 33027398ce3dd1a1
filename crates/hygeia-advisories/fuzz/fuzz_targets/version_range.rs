//! Version and range text: the first line is a range, the second a version.
#![no_main]

use hygeia_advisories::{Version, VersionRange};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (range, version) = text.split_once('\n').unwrap_or((text, text));
    let r = VersionRange::parse(range);
    let _ = r.contains_text(version);
    if let Some(v) = Version::parse(version) {
        let _ = r.is_past(&v);
        let _ = v.compare(&v);
    }
});
