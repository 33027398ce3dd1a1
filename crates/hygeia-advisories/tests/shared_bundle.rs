//! Matching on the real shared data: CISA's CSAF bundle of 2024-10-24 and the KEV catalog of
//! 2025-08-25 (in `/work/shared/advisories`), with asset identities as Hygeia's passive sensor
//! reports them from the shared captures. Skipped, with the reason, when the files are absent.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use hygeia_advisories::identity::contains_bounded;
use hygeia_advisories::{
    AdvisoryIndex, AssetIdentity, Basis, Feed, Match, MatchStatus, VersionRange,
};
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const SHARED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/advisories/");
const BUNDLE: &str = "cisa-csaf-2024-10-24.tar.gz";
const KEV: &str = "cisa-kev-2025-08-25.json";

fn shared(name: &str) -> PathBuf {
    Path::new(SHARED).join(name)
}

/// The feed and its index, read once for all tests of this binary; `None` (skip) when the
/// shared files are absent.
fn loaded() -> Option<&'static (Feed, AdvisoryIndex)> {
    static LOADED: OnceLock<Option<(Feed, AdvisoryIndex)>> = OnceLock::new();
    let loaded = LOADED.get_or_init(|| {
        if !shared(BUNDLE).is_file() || !shared(KEV).is_file() {
            return None;
        }
        let mut feed = Feed::read_all(&[shared(BUNDLE), shared(KEV)]).expect("shared feed reads");
        let index = AdvisoryIndex::new(std::mem::take(&mut feed.advisories), feed.kev.take());
        Some((feed, index))
    });
    if loaded.is_none() {
        eprintln!("skipped: {SHARED}{BUNDLE} or {KEV} not found");
    }
    loaded.as_ref()
}

fn identity(vendor: &str, model: &str, firmware: Option<&str>) -> AssetIdentity {
    AssetIdentity {
        vendor: Some(vendor.into()),
        model: Some(model.into()),
        firmware: firmware.map(Into::into),
        ..AssetIdentity::default()
    }
}

fn find<'a>(matches: &'a [Match], id: &str) -> &'a Match {
    matches
        .iter()
        .find(|m| m.tracking_id == id)
        .unwrap_or_else(|| panic!("{id} not matched; got {:?}", ids(matches)))
}

fn ids(matches: &[Match]) -> Vec<&str> {
    matches.iter().map(|m| m.tracking_id.as_str()).collect()
}

/// What `hygeia monitor analyze …/s7comm/icsnpp-s7ident.pcap` reports for the PLC.
fn s7_300(firmware: Option<&str>) -> AssetIdentity {
    identity("Siemens", "6ES7 315-2EH14-0AB0", firmware)
}

/// What `hygeia monitor analyze …/enip/*.pcap` reports for the ControlLogix module.
fn enbt() -> AssetIdentity {
    identity(
        "Rockwell Automation/Allen-Bradley",
        "1756-ENBT/A",
        Some("4.3"),
    )
}

/// The advisories whose product trees name order number 6ES7315-2EH14-0AB0 with a range that
/// V3.2.6 falls in (found by reading the bundle).
const S7_315_2EH14: [&str; 9] = [
    "ICSA-18-079-02", // vers:all/<V3.2.16
    "ICSA-19-099-06", // vers:all/<V3.2.16
    "ICSA-19-283-01", // vers:all/<V3.2.17
    "ICSA-19-283-02", // vers:all/<V3.2.17
    "ICSA-20-042-05", // < V3.X.17
    "ICSA-20-105-08", // vers:all/*
    "ICSA-22-104-06", // vers:all/<V3.2.19
    "ICSA-22-314-02", // vers:all/<V3.2.19
    "ICSA-23-222-09", // vers:all/<V3.2.19
];

/// Advisories on the whole "SIMATIC S7-300 CPU family", without order numbers.
const S7_300_FAMILY: [&str; 6] = [
    "ICSA-17-129-02",
    "ICSA-17-339-01",
    "ICSA-19-043-04",
    "ICSA-20-070-02",
    "ICSA-20-252-02",
    "ICSA-20-315-04",
];

#[test]
fn whole_bundle_and_kev_catalog_load() {
    let Some((feed, index)) = loaded() else {
        return;
    };
    for r in &feed.refused {
        eprintln!("refused {}: {}", r.path, r.reason);
    }
    assert!(
        feed.refused.is_empty(),
        "no document of the bundle is refused"
    );
    assert_eq!(index.advisories().len(), 2383);
    // index.txt, changes.csv and the ROLIE feed JSON of the OT and IT folders.
    assert_eq!(feed.skipped.len(), 6, "{:?}", feed.skipped);
    assert!(feed.superseded.is_empty());
    let kev = index.kev().expect("KEV catalog recognised by content");
    assert_eq!(kev.len(), 1404);
    assert_eq!(kev.catalog_version, "2025.08.25");
    let products: usize = index.advisories().iter().map(|a| a.products.len()).sum();
    let unreadable = index
        .advisories()
        .iter()
        .flat_map(|a| &a.products)
        .filter_map(|p| p.version_spec.as_deref())
        .filter(|s| !VersionRange::parse(s).is_readable())
        .count();
    eprintln!(
        "{products} products, {unreadable} with a version text we cannot read (verdict unknown)"
    );
    assert!(unreadable * 10 < products, "most ranges are readable");
}

#[test]
fn s7_300_as_the_sensor_reports_it_is_affected() {
    let Some((_, index)) = loaded() else { return };
    let kev = index.kev().unwrap();
    let matches = index.match_asset(&s7_300(Some("V3.2.6")));
    let affected: BTreeSet<&str> = matches
        .iter()
        .filter(|m| m.status == MatchStatus::Affected)
        .map(|m| m.tracking_id.as_str())
        .collect();
    assert_eq!(affected, S7_315_2EH14.into_iter().collect());
    for id in S7_315_2EH14 {
        let m = find(&matches, id);
        assert_eq!(m.basis, Basis::ModelNumber, "{id}");
        assert_eq!(m.confidence, 95, "{id}");
        assert!(
            m.products
                .iter()
                .all(|p| p.name.contains("6ES7315-2EH14-0AB0")),
            "{id}"
        );
        assert!(!m.cves.is_empty() && m.max_cvss.is_some(), "{id}");
        // The KEV flag is the join of the CVEs with the catalog.
        let in_kev = m.cves.iter().any(|c| kev.get(c).is_some());
        assert_eq!(m.kev, in_kev, "{id}");
    }
    assert_eq!(find(&matches, "ICSA-19-283-02").cves, ["CVE-2019-10936"]);
    assert_eq!(find(&matches, "ICSA-19-283-01").cves, ["CVE-2019-10923"]);
    // The family-wide advisories are there too, weaker.
    for id in S7_300_FAMILY {
        let m = find(&matches, id);
        assert_eq!(
            (m.status, m.basis),
            (MatchStatus::PossiblyAffected, Basis::Family),
            "{id}"
        );
        assert!(m.confidence < 95);
    }
    // At V3.2.19 the order-number advisories are fixed.
    let later = index.match_asset(&s7_300(Some("V3.2.19")));
    assert!(
        later
            .iter()
            .all(|m| m.status != MatchStatus::Affected || m.tracking_id == "ICSA-20-105-08")
    );
    assert_eq!(find(&later, "ICSA-19-283-02").status, MatchStatus::Fixed);
    assert_eq!(find(&later, "ICSA-20-042-05").status, MatchStatus::Fixed);
}

#[test]
fn rockwell_module_from_the_enip_captures_is_matched() {
    let Some((_, index)) = loaded() else { return };
    let matches = index.match_asset(&enbt());
    assert_eq!(ids(&matches), ["ICSA-18-310-02"]);
    let m = &matches[0];
    assert_eq!(
        (m.status, m.basis),
        (MatchStatus::Affected, Basis::ProductName)
    );
    let products: Vec<&str> = m.products.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(products, ["CSAFPID-0007"]);
    assert_eq!(m.cves, ["CVE-2018-17924"]);
    assert_eq!(m.max_cvss, Some(8.6));
    assert!(!m.kev);
    assert!(m.remediations.iter().any(|r| r.category == "mitigation"));
}

#[test]
fn neighbouring_models_do_not_match_each_other() {
    let Some((_, index)) = loaded() else { return };
    let en2t = index.match_asset(&identity("Rockwell Automation", "1756-EN2T", Some("5.1")));
    assert!(!en2t.is_empty());
    for m in &en2t {
        for p in &m.products {
            let name = p.name.to_uppercase();
            assert!(
                contains_bounded(&name, "1756-EN2T"),
                "{}: {}",
                m.tracking_id,
                p.name
            );
            assert!(
                !contains_bounded(&name, "1756-ENBT"),
                "{}: {}",
                m.tracking_id,
                p.name
            );
        }
    }
    let ids_en2t = ids(&en2t);
    assert!(ids_en2t.contains(&"ICSA-23-264-04") && ids_en2t.contains(&"ICSA-18-310-02"));
    assert!(
        !find(&en2t, "ICSA-18-310-02")
            .products
            .iter()
            .any(|p| p.id == "CSAFPID-0007")
    );
    // ICSA-23-264-04 is about the EN2T family of modules and not the ENBT: no match.
    let enbt = index.match_asset(&enbt());
    assert!(!ids(&enbt).contains(&"ICSA-23-264-04"));
    // The EN2TR is a neighbour too: it must only meet products naming the EN2TR.
    for m in index.match_asset(&identity("Rockwell Automation", "1756-EN2TR", Some("5.1"))) {
        for p in &m.products {
            assert!(
                contains_bounded(&p.name.to_uppercase(), "1756-EN2TR"),
                "{}",
                p.name
            );
        }
    }
    // A module reporting series D meets only the series D products.
    let d = index.match_asset(&identity(
        "Rockwell Automation",
        "1756-EN2T/D",
        Some("10.10"),
    ));
    let products: Vec<&str> = find(&d, "ICSA-18-310-02")
        .products
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(products, ["CSAFPID-0002"]);
}

#[test]
fn unknown_firmware_family_only_and_unreadable_ranges() {
    let Some((_, index)) = loaded() else { return };
    // Firmware unknown: possibly affected, except where all versions are affected.
    let matches = index.match_asset(&s7_300(None));
    for id in S7_315_2EH14 {
        let want = if id == "ICSA-20-105-08" {
            MatchStatus::Affected
        } else {
            MatchStatus::PossiblyAffected
        };
        assert_eq!(find(&matches, id).status, want, "{id}");
    }
    // Family only: possibly affected, with a weaker confidence than the order number.
    let family = find(&matches, "ICSA-17-129-02");
    assert_eq!(
        (family.status, family.basis),
        (MatchStatus::PossiblyAffected, Basis::Family)
    );
    assert!(family.confidence < find(&matches, "ICSA-19-283-02").confidence);
    // Unreadable ranges ("All versions with Fortinet NGFW", "<with_Palo_Alto_Networks_…"):
    // unknown, never not affected.
    let ape = index.match_asset(&identity("Siemens", "RUGGEDCOM APE1808", Some("V11.0.0")));
    assert_eq!(find(&ape, "ICSA-24-074-05").status, MatchStatus::Unknown);
    assert_eq!(find(&ape, "ICSA-24-102-03").status, MatchStatus::Unknown);
    assert_eq!(find(&ape, "ICSA-24-116-03").status, MatchStatus::Affected);
    assert!(ape.iter().all(|m| m.status != MatchStatus::NotAffected));
}

#[test]
fn kev_flag_is_joined_by_cve() {
    let Some((_, index)) = loaded() else { return };
    let kev = index.kev().unwrap();
    // CVE-2024-3400 (PAN-OS GlobalProtect) is in the catalog with known ransomware use.
    assert!(kev.get("CVE-2024-3400").unwrap().known_ransomware());
    let ape = index.match_asset(&identity("Siemens", "RUGGEDCOM APE1808", Some("V11.0.0")));
    let m = find(&ape, "ICSA-24-116-03");
    assert_eq!(m.cves, ["CVE-2024-3400"]);
    assert!(m.kev && m.known_ransomware);
    assert_eq!(m.kev_cves, ["CVE-2024-3400"]);
    // CVE-2022-0847 (Dirty Pipe) is exploited, without known ransomware use.
    let lpe = index.match_asset(&identity("Siemens", "6GK5998-3GS00-2AC2", Some("V1.1")));
    let m = find(&lpe, "ICSA-22-167-09");
    assert_eq!(
        (m.status, m.basis),
        (MatchStatus::Affected, Basis::ModelNumber)
    );
    assert!(m.kev_cves.contains(&"CVE-2022-0847".to_string()));
    assert!(m.kev && !m.known_ransomware);
}

/// One document of the shared bundle.
fn bundle_document(inner: &str) -> Vec<u8> {
    let file = std::fs::File::open(shared(BUNDLE)).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.path().unwrap().to_string_lossy() == inner {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            return bytes;
        }
    }
    panic!("{inner} not in the bundle");
}

#[test]
fn same_tracking_id_keeps_the_newest_and_a_broken_file_is_refused() {
    if loaded().is_none() {
        return;
    }
    let current = bundle_document("csaf_files/OT/white/2018/icsa-18-310-02.json");
    let mut older: serde_json::Value = serde_json::from_slice(&current).unwrap();
    assert_eq!(older["document"]["tracking"]["version"], "2");
    older["document"]["tracking"]["version"] = "1".into();
    older["document"]["tracking"]["current_release_date"] = "2018-11-06T00:00:00.000000Z".into();
    let dir = std::env::temp_dir().join(format!("hygeia-advisories-shared-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("2018")).unwrap();
    std::fs::write(
        dir.join("2018/a-older.json"),
        serde_json::to_vec(&older).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("2018/b-current.json"), &current).unwrap();
    std::fs::write(
        dir.join("2018/c-broken.json"),
        &current[..current.len() / 2],
    )
    .unwrap();
    let feed = Feed::read(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    let feed = feed.unwrap();
    assert_eq!(feed.advisories.len(), 1);
    assert_eq!(feed.advisories[0].tracking_id, "ICSA-18-310-02");
    assert_eq!(feed.advisories[0].version, "2");
    assert_eq!(feed.superseded.len(), 1);
    assert!(feed.superseded[0].path.ends_with("a-older.json"));
    assert_eq!(feed.refused.len(), 1);
    assert!(feed.refused[0].path.ends_with("c-broken.json"));
    assert!(
        feed.refused[0].reason.contains("not valid JSON"),
        "{}",
        feed.refused[0].reason
    );
    assert!(!feed.is_complete());
}

#[test]
fn cut_documents_and_ranges_never_panic() {
    let Some((_, index)) = loaded() else { return };
    // Every range text of the bundle, cut at every character, against a few firmware texts.
    let mut specs: Vec<&str> = index
        .advisories()
        .iter()
        .flat_map(|a| &a.products)
        .filter_map(|p| p.version_spec.as_deref())
        .collect();
    specs.sort_unstable();
    specs.dedup();
    for spec in specs {
        for (cut, _) in spec.char_indices() {
            let r = VersionRange::parse(&spec[..cut]);
            for fw in ["V3.2.6", "4.3", "", "V2.9 HF3"] {
                let _ = r.contains_text(fw);
            }
        }
    }
    // A large real advisory cut at many lengths: read or refused, never a panic.
    let doc = bundle_document("csaf_files/OT/white/2024/icsa-24-235-03.json");
    let step = doc.len() / 200;
    for cut in (0..doc.len()).step_by(step.max(1)) {
        let feed = Feed::from_documents([("cut.json", &doc[..cut])]);
        assert_eq!(feed.advisories.len() + feed.refused.len(), 1);
    }
}
