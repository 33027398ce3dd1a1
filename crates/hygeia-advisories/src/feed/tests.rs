//! Reading feeds: recognition by content, refusals with reasons, newest revision kept.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use std::path::PathBuf;

fn csaf(id: &str, version: &str, date: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "document": {"title": format!("{id} v{version}"), "publisher": {"name": "CISA", "namespace": "https://www.cisa.gov/"},
            "tracking": {"id": id, "version": version, "current_release_date": date}},
        "vulnerabilities": []
    }))
    .unwrap()
}

const KEV: &[u8] = br#"{"catalogVersion":"2025.08.25","dateReleased":"2025-08-25T00:00:00Z","vulnerabilities":[{"cveID":"CVE-2017-0144"}]}"#;

/// A fresh folder under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("hygeia-advisories-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("white/2024")).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn the_same_tracking_id_keeps_the_newest_revision() {
    let v1 = csaf("ICSA-99-001-01", "1", "2024-01-01T00:00:00Z");
    let v3 = csaf("ICSA-99-001-01", "3", "2024-03-01T00:00:00Z");
    let v2 = csaf("icsa-99-001-01", "2", "2024-02-01T00:00:00Z");
    let other = csaf("ICSA-99-002-01", "1", "2024-01-01T00:00:00Z");
    let feed = Feed::from_documents([
        ("a.json", v1.as_slice()),
        ("b.json", v3.as_slice()),
        ("c.json", v2.as_slice()),
        ("d.json", other.as_slice()),
    ]);
    assert!(feed.is_complete());
    assert_eq!(feed.advisories.len(), 2);
    assert_eq!(feed.advisories[0].version, "3");
    assert_eq!(feed.advisories[0].source, "b.json");
    let dropped: Vec<_> = feed
        .superseded
        .iter()
        .map(|s| (s.path.as_str(), s.kept.as_str()))
        .collect();
    assert_eq!(dropped, [("a.json", "b.json"), ("c.json", "b.json")]);
}

#[test]
fn equal_versions_are_ordered_by_release_date() {
    let old = csaf("X-1", "1.0.0", "2024-01-01T00:00:00Z");
    let new = csaf("X-1", "1.0", "2024-05-01T00:00:00Z");
    let feed = Feed::from_documents([("new.json", new.as_slice()), ("old.json", old.as_slice())]);
    assert_eq!(feed.advisories[0].source, "new.json");
}

#[test]
fn documents_are_recognised_by_content() {
    let rolie = br#"{"feed":{"id":"x","entry":[]}}"#;
    let meta = br#"{"canonical_url":"https://x/provider-metadata.json","metadata_version":"2.0"}"#;
    let other = br#"{"hello":"world"}"#;
    let broken = br#"{"document": {"title": "#;
    let missing = br#"{"document":{"title":"t","publisher":{"name":"p"},"tracking":{"id":"X","current_release_date":"d"}}}"#;
    let feed = Feed::from_documents([
        ("kev.json", KEV),
        ("feed.json", rolie.as_slice()),
        ("meta.json", meta.as_slice()),
        ("other.json", other.as_slice()),
        ("broken.json", broken.as_slice()),
        ("missing.json", missing.as_slice()),
    ]);
    assert_eq!(feed.kev.as_ref().map(KevCatalog::len), Some(1));
    assert_eq!(feed.skipped.len(), 2);
    let refused: Vec<_> = feed
        .refused
        .iter()
        .map(|r| (r.path.as_str(), r.reason.as_str()))
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(refused[0].1.contains("neither a CSAF advisory"));
    assert!(refused[1].1.contains("not valid JSON"), "{}", refused[1].1);
    // A missing required field is named with its path.
    assert!(
        refused[2].1.contains("document.tracking"),
        "{}",
        refused[2].1
    );
    assert!(refused[2].1.contains("version"), "{}", refused[2].1);
}

#[test]
fn a_folder_with_one_broken_document_reports_it() {
    let dir = TempDir::new("folder");
    let root = &dir.0;
    std::fs::write(
        root.join("white/2024/icsa-99-001-01.json"),
        csaf("ICSA-99-001-01", "1", "d"),
    )
    .unwrap();
    std::fs::write(root.join("white/2024/icsa-99-002-01.json"), b"{ not json").unwrap();
    std::fs::write(
        root.join("white/index.txt"),
        b"white/2024/icsa-99-001-01.json\n",
    )
    .unwrap();
    std::fs::write(root.join("white/changes.csv"), b"x,y\n").unwrap();
    std::fs::write(root.join("white/2024/icsa-99-001-01.json.sha512"), b"00").unwrap();
    std::fs::write(root.join("white/2024/icsa-99-001-01.json.asc"), b"sig").unwrap();
    std::fs::write(root.join("provider-metadata.json"), b"{}").unwrap();
    std::fs::write(root.join("kev.json"), KEV).unwrap();
    let feed = Feed::read(root).unwrap();
    assert_eq!(feed.advisories.len(), 1);
    assert!(feed.kev.is_some());
    assert_eq!(feed.refused.len(), 1);
    assert!(feed.refused[0].path.ends_with("icsa-99-002-01.json"));
    assert!(feed.refused[0].reason.contains("not valid JSON"));
    assert_eq!(feed.skipped.len(), 5, "{:?}", feed.skipped);
    assert!(!feed.is_complete());
}

#[test]
fn bundles_are_read_from_tar_gz() {
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut add = |name: &str, bytes: &[u8]| {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, name, bytes).unwrap();
    };
    add("csaf_files/OT/white/2024/a.json", &csaf("A-1", "1", "d"));
    add("csaf_files/OT/white/index.txt", b"a.json");
    add("csaf_files/OT/white/2024/b.json", b"[1, 2]");
    let gz = tar.into_inner().unwrap().finish().unwrap();
    let feed = Feed::from_tar_gz(gz.as_slice(), "bundle.tar.gz").unwrap();
    assert_eq!(feed.advisories.len(), 1);
    assert_eq!(
        feed.advisories[0].source,
        "bundle.tar.gz!/csaf_files/OT/white/2024/a.json"
    );
    assert_eq!(feed.skipped.len(), 1);
    assert_eq!(feed.refused.len(), 1);
    // A damaged archive is an error of the whole feed.
    let cut = gz.get(..gz.len() / 2).unwrap();
    assert!(matches!(
        Feed::from_tar_gz(cut, "cut.tar.gz"),
        Err(Error::Archive { .. })
    ));
}

#[test]
fn the_newest_kev_catalog_is_kept() {
    let old = br#"{"catalogVersion":"2024.01.02","dateReleased":"d","vulnerabilities":[]}"#;
    let feed = Feed::from_documents([("new.json", KEV), ("old.json", old.as_slice())]);
    assert_eq!(
        feed.kev.as_ref().map(|k| k.catalog_version.as_str()),
        Some("2025.08.25")
    );
    assert_eq!(feed.superseded.len(), 1);
    assert_eq!(feed.superseded[0].path, "old.json");
}

#[test]
fn unsupported_and_missing_paths_are_errors() {
    let dir = TempDir::new("unsupported");
    let txt = dir.0.join("notes.txt");
    std::fs::write(&txt, b"x").unwrap();
    assert!(matches!(Feed::read(&txt), Err(Error::Unsupported { .. })));
    assert!(matches!(
        Feed::read(&dir.0.join("absent.json")),
        Err(Error::Io { .. })
    ));
}
