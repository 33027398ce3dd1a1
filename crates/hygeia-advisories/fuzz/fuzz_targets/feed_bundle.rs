//! A `.tar.gz` bundle: gzip and tar decoding, then every document inside.
#![no_main]

use hygeia_advisories::Feed;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Feed::from_tar_gz(data, "fuzz.tar.gz");
});
