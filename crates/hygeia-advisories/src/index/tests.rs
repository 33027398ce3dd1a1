//! Matching on small hand-written advisories: one behaviour per test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use crate::{AdvisoryIndex, AssetIdentity, Basis, Feed, KevCatalog, KevEntry, MatchStatus};
use serde_json::{Value, json};

/// A product leaf: vendor, product name, version text, model numbers.
type Leaf<'a> = (&'a str, &'a str, &'a str, &'a [&'a str]);

/// A CSAF document whose products P1, P2… are all `status` for CVE-2099-0001.
fn doc(id: &str, version: &str, leaves: &[Leaf<'_>], status: &str) -> Value {
    let mut vendors: Vec<Value> = Vec::new();
    let mut ids = Vec::new();
    for (i, (vendor, name, range, models)) in leaves.iter().enumerate() {
        let pid = format!("P{}", i + 1);
        ids.push(pid.clone());
        let mut product = json!({"name": format!("{name} {range}"), "product_id": pid});
        if !models.is_empty() {
            product["product_identification_helper"] = json!({"model_numbers": models});
        }
        vendors.push(json!({"category": "vendor", "name": vendor, "branches": [
            {"category": "product_name", "name": name, "branches": [
                {"category": "product_version_range", "name": range, "product": product}]}]}));
    }
    json!({
        "document": {"title": format!("{id} title"), "category": "csaf_security_advisory",
            "csaf_version": "2.0",
            "publisher": {"name": "CISA", "namespace": "https://www.cisa.gov/", "category": "coordinator"},
            "tracking": {"id": id, "version": version, "current_release_date": format!("2024-0{version}-01T00:00:00Z"),
                "initial_release_date": "2024-01-01T00:00:00Z", "status": "final",
                "revision_history": [{"number": version, "date": "2024-01-01T00:00:00Z", "summary": "x"}]}},
        "product_tree": {"branches": vendors},
        "vulnerabilities": [{"cve": "CVE-2099-0001",
            "scores": [{"products": ids, "cvss_v3": {"baseScore": 9.8, "vectorString": "CVSS:3.1/AV:N", "version": "3.1"}}],
            "product_status": {status: ids},
            "remediations": [{"category": "vendor_fix", "details": "update", "product_ids": ids, "url": "https://example.invalid/fix"}]}]
    })
}

fn index(docs: &[Value], kev: Option<KevCatalog>) -> AdvisoryIndex {
    let bytes: Vec<(String, Vec<u8>)> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (format!("doc{i}.json"), serde_json::to_vec(d).unwrap()))
        .collect();
    let feed = Feed::from_documents(bytes.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    assert!(feed.is_complete(), "{:?}", feed.refused);
    AdvisoryIndex::new(feed.advisories, kev)
}

fn asset(vendor: &str, model: &str, firmware: Option<&str>) -> AssetIdentity {
    AssetIdentity {
        vendor: Some(vendor.into()),
        model: Some(model.into()),
        firmware: firmware.map(Into::into),
        ..AssetIdentity::default()
    }
}

fn ids(index: &AdvisoryIndex, a: &AssetIdentity) -> Vec<String> {
    index
        .match_asset(a)
        .into_iter()
        .map(|m| m.tracking_id)
        .collect()
}

#[test]
fn neighbouring_model_numbers_do_not_match() {
    let ra = "Rockwell Automation";
    let idx = index(
        &[
            doc(
                "ENBT-ONLY",
                "1",
                &[(
                    ra,
                    "1756 Communications Module 1756-ENBT",
                    "vers:all/*",
                    &[],
                )],
                "known_affected",
            ),
            doc(
                "EN2T-ONLY",
                "1",
                &[(ra, "1756-EN2T Series C", "<= 5.008", &[])],
                "known_affected",
            ),
        ],
        None,
    );
    assert_eq!(
        ids(&idx, &asset("Allen-Bradley", "1756-EN2T", Some("5.1"))),
        ["EN2T-ONLY"]
    );
    assert_eq!(
        ids(&idx, &asset(ra, "1756-ENBT/A", Some("4.3"))),
        ["ENBT-ONLY"]
    );
    assert!(ids(&idx, &asset(ra, "1756-EN2TR", Some("5.1"))).is_empty());
    // The series the device reports must agree with the one the advisory names.
    assert!(ids(&idx, &asset(ra, "1756-EN2T/D", Some("5.1"))).is_empty());
    assert_eq!(
        ids(&idx, &asset(ra, "1756-EN2T/C", Some("5.1"))),
        ["EN2T-ONLY"]
    );
}

#[test]
fn status_follows_firmware_and_range() {
    let s = "Siemens AG";
    let idx = index(
        &[doc(
            "RANGE",
            "1",
            &[(
                s,
                "SIMATIC S7-300 CPU 315-2 PN/DP",
                "vers:all/<V3.2.17",
                &["6ES7315-2EH14-0AB0"],
            )],
            "known_affected",
        )],
        None,
    );
    let status = |fw: Option<&str>| {
        let m = idx.match_asset(&asset("SIEMENS", "6ES7 315-2EH14-0AB0", fw));
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].basis, Basis::ModelNumber);
        m[0].status
    };
    assert_eq!(status(Some("V3.2.6")), MatchStatus::Affected);
    assert_eq!(status(None), MatchStatus::PossiblyAffected);
    assert_eq!(status(Some("V3.2.17")), MatchStatus::Fixed);
    assert_eq!(status(Some("V3.3.1")), MatchStatus::Fixed);
    assert_eq!(status(Some("garbled firmware")), MatchStatus::Unknown);
    let m = &idx.match_asset(&asset("Siemens", "6ES7315-2EH14-0AB0", Some("V3.2.6")))[0];
    assert_eq!(m.confidence, 95);
    assert_eq!(m.cves, ["CVE-2099-0001"]);
    assert_eq!(m.max_cvss, Some(9.8));
    assert_eq!(m.remediations.len(), 1);
    assert_eq!(m.remediations[0].category, "vendor_fix");
    // The vendor must agree when both sides know it.
    assert!(
        idx.match_asset(&asset("Rockwell Automation", "6ES7315-2EH14-0AB0", None))
            .is_empty()
    );
    // Without a vendor the match stands, with less confidence.
    let mut no_vendor = asset("", "6ES7315-2EH14-0AB0", Some("V3.2.6"));
    no_vendor.vendor = None;
    assert_eq!(idx.match_asset(&no_vendor)[0].confidence, 85);
}

#[test]
fn lower_bound_outside_is_not_affected_and_unreadable_is_unknown() {
    let v = "Vendor";
    let idx = index(
        &[
            doc(
                "LOWER",
                "1",
                &[(v, "Gateway GW-100", ">= 2.0 | < 3.0", &[])],
                "known_affected",
            ),
            doc(
                "PROSE",
                "1",
                &[(
                    v,
                    "Gateway GW-100",
                    "<=the_first_5_digits_of_serial_number_22031",
                    &[],
                )],
                "known_affected",
            ),
            doc(
                "NOTAFF",
                "1",
                &[(v, "Gateway GW-100", "vers:all/*", &[])],
                "known_not_affected",
            ),
        ],
        None,
    );
    let m = idx.match_asset(&asset(v, "GW-100", Some("1.5")));
    let by_id = |id: &str| m.iter().find(|m| m.tracking_id == id).map(|m| m.status);
    assert_eq!(by_id("LOWER"), Some(MatchStatus::NotAffected));
    assert_eq!(by_id("PROSE"), Some(MatchStatus::Unknown));
    assert_eq!(by_id("NOTAFF"), Some(MatchStatus::NotAffected));
    // Unknown stays unknown even without firmware: the range itself cannot be read.
    let m = idx.match_asset(&asset(v, "GW-100", None));
    assert_eq!(
        m.iter()
            .find(|m| m.tracking_id == "PROSE")
            .map(|m| m.status),
        Some(MatchStatus::Unknown)
    );
}

#[test]
fn family_only_is_possibly_affected_with_less_confidence() {
    let s = "Siemens";
    let idx = index(
        &[
            doc(
                "FAMILY",
                "1",
                &[(
                    s,
                    "SIMATIC S7-300 CPU family (incl. SIPLUS variants)",
                    "< V3.X.17",
                    &[],
                )],
                "known_affected",
            ),
            doc(
                "EXACT",
                "1",
                &[(
                    s,
                    "SIMATIC S7-300 CPU 315-2 PN/DP (6ES7315-2EH14-0AB0)",
                    "vers:all/<V3.2.17",
                    &["6ES7315-2EH14-0AB0"],
                )],
                "known_affected",
            ),
        ],
        None,
    );
    let m = idx.match_asset(&asset(s, "6ES7 315-2EH14-0AB0", Some("V3.2.6")));
    assert_eq!(m.len(), 2);
    let exact = m.iter().find(|m| m.tracking_id == "EXACT").unwrap();
    let family = m.iter().find(|m| m.tracking_id == "FAMILY").unwrap();
    assert_eq!(
        (exact.status, exact.basis),
        (MatchStatus::Affected, Basis::ModelNumber)
    );
    assert_eq!(
        (family.status, family.basis),
        (MatchStatus::PossiblyAffected, Basis::Family)
    );
    assert!(family.confidence < exact.confidence);
    // A device naming only its product line reaches the family and, weakly, the CPUs of it.
    let line = AssetIdentity {
        vendor: Some(s.into()),
        product_name: Some("SIMATIC S7-300".into()),
        ..Default::default()
    };
    let m = idx.match_asset(&line);
    assert_eq!(m.len(), 2);
    assert!(
        m.iter()
            .all(|m| m.basis == Basis::Family && m.status == MatchStatus::PossiblyAffected)
    );
}

#[test]
fn kev_flag_is_joined_by_cve() {
    let entry = |cve: &str, ransomware: &str| KevEntry {
        cve_id: cve.into(),
        vendor_project: "x".into(),
        product: "x".into(),
        vulnerability_name: None,
        date_added: "2024-01-01".into(),
        short_description: String::new(),
        required_action: None,
        due_date: None,
        known_ransomware_campaign_use: ransomware.into(),
        notes: None,
        cwes: Vec::new(),
    };
    let d = doc(
        "KEV",
        "1",
        &[("V", "Box BX-9000", "vers:all/*", &[])],
        "known_affected",
    );
    let a = asset("V", "BX-9000", None);
    let with = index(
        std::slice::from_ref(&d),
        Some(KevCatalog::new(
            "1",
            "d",
            vec![entry("cve-2099-0001", "Known")],
        )),
    );
    let m = &with.match_asset(&a)[0];
    assert!(m.kev && m.known_ransomware);
    assert_eq!(m.kev_cves, ["cve-2099-0001"]);
    let without = index(
        &[d],
        Some(KevCatalog::new(
            "1",
            "d",
            vec![entry("CVE-2099-0002", "Known")],
        )),
    );
    let m = &without.match_asset(&a)[0];
    assert!(!m.kev && !m.known_ransomware);
}

#[test]
fn wildcard_model_numbers_and_cpe() {
    let mut d = doc(
        "WILD",
        "1",
        &[("Siemens", "SCALANCE X", "vers:all/*", &["6GK5204-*-2AA3"])],
        "known_affected",
    );
    d["product_tree"]["branches"][0]["branches"][0]["branches"][0]["product"]["product_identification_helper"]
        ["cpe"] = json!("cpe:2.3:h:siemens:scalance_x204:-:*:*:*:*:*:*:*");
    let idx = index(&[d], None);
    assert_eq!(
        ids(&idx, &asset("Siemens", "6GK5 204-2BB10-2AA3", None)),
        ["WILD"]
    );
    assert!(ids(&idx, &asset("Siemens", "6GK5204-2BB10-2AA4", None)).is_empty());
    let by_cpe = AssetIdentity {
        cpe: Some("cpe:2.3:h:Siemens:SCALANCE_X204:2.1:*:*:*:*:*:*:*".into()),
        ..Default::default()
    };
    let m = idx.match_asset(&by_cpe);
    assert_eq!((m.len(), m[0].basis), (1, Basis::Cpe));
}

#[test]
fn an_identity_without_model_matches_nothing() {
    let idx = index(
        &[doc(
            "ANY",
            "1",
            &[("Siemens", "CPU 1500", "vers:all/*", &[])],
            "known_affected",
        )],
        None,
    );
    let vendor_only = AssetIdentity {
        vendor: Some("Siemens".into()),
        ..Default::default()
    };
    assert!(idx.match_asset(&vendor_only).is_empty());
    assert!(idx.match_asset(&AssetIdentity::default()).is_empty());
}
