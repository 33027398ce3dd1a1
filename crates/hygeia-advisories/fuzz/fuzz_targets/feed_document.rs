//! One JSON document (CSAF advisory, KEV catalog or anything else) through recognition,
//! parsing, flattening, indexing and matching.
#![no_main]

use hygeia_advisories::{AdvisoryIndex, AssetIdentity, Feed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let feed = Feed::from_documents([("fuzz.json", data)]);
    let index = AdvisoryIndex::new(feed.advisories, feed.kev);
    let asset = AssetIdentity {
        vendor: Some("Siemens".into()),
        model: Some("6ES7 315-2EH14-0AB0".into()),
        product_name: Some("CPU 315-2 PN/DP".into()),
        firmware: Some("V3.2.6".into()),
        cpe: Some("cpe:2.3:h:siemens:x:-:*:*:*:*:*:*:*".into()),
    };
    let _ = index.match_asset(&asset);
});
