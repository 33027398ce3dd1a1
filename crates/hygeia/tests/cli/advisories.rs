//! `hygeia advisories match`: the assets of real captures matched against CISA's real CSAF
//! bundle and KEV catalog, without a database.

use super::*;

fn shared_feed(name: &str) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/advisories")
        .join(name);
    if path.exists() {
        Some(path.display().to_string())
    } else {
        eprintln!("skipping: {} is absent", path.display());
        None
    }
}

#[test]
fn advisories_match_names_the_advisories_of_captured_devices() {
    let (Some(bundle), Some(kev)) = (
        shared_feed("cisa-csaf-2024-10-24.tar.gz"),
        shared_feed("cisa-kev-2025-08-25.json"),
    ) else {
        return;
    };
    let (Some(s7), Some(enip)) = (
        monitoring::shared_capture("ot/s7comm/icsnpp-s7ident.pcap"),
        monitoring::shared_capture("ot/enip/iti-enip_test.pcap"),
    ) else {
        return;
    };
    let (s7, enip) = (s7.display().to_string(), enip.display().to_string());
    let out = Command::new(BIN)
        .args([
            "advisories",
            "match",
            &s7,
            &enip,
            "--feed",
            &bundle,
            "--feed",
            &kev,
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["stats"]["advisories"], 2383);
    assert_eq!(report["stats"]["kev_entries"], 1404);
    assert!(report["stats"]["elapsed_ms"].as_u64().is_some());
    assert!(report["credit"].as_str().unwrap().contains("CISA"));
    let matches = report["matches"].as_array().unwrap();
    let of = |model: &str, status: &str| -> Vec<&str> {
        matches
            .iter()
            .filter(|m| m["asset"]["model"] == model && m["status"] == status)
            .map(|m| m["advisory"].as_str().unwrap())
            .collect()
    };
    // The S7-300 CPU 315-2 PN/DP at V3.2.6: the advisories naming its order number with a
    // range that V3.2.6 falls in (ICSA-20-042-05: `< V3.X.17`).
    let s7_affected = of("6ES7 315-2EH14-0AB0", "affected");
    for id in ["ICSA-20-042-05", "ICSA-19-283-02", "ICSA-22-314-02"] {
        assert!(s7_affected.contains(&id), "{id} not in {s7_affected:?}");
    }
    // Only the family named: weaker, and said so.
    assert!(of("6ES7 315-2EH14-0AB0", "possibly_affected").contains(&"ICSA-19-043-04"));
    let plc = matches
        .iter()
        .find(|m| m["advisory"] == "ICSA-20-042-05")
        .unwrap();
    assert_eq!(plc["asset"]["firmware"], "V3.2.6");
    assert_eq!(plc["basis"], "model_number");
    assert_eq!(plc["kev"], false);
    assert!(plc["cves"].as_array().is_some_and(|c| !c.is_empty()));
    assert!(
        plc["asset"]["ips"]
            .as_array()
            .is_some_and(|ips| !ips.is_empty())
    );
    // The Rockwell 1756-ENBT module: named in one advisory's product name.
    assert_eq!(of("1756-ENBT/A", "affected"), ["ICSA-18-310-02"]);

    // The same in text, with the credit.
    let out = Command::new(BIN)
        .args(["advisories", "match", &s7, "--feed", &bundle])
        .output()
        .unwrap();
    let shown = text(&out.stdout);
    assert!(shown.contains("ICSA-20-042-05  affected"), "{shown}");
    assert!(shown.contains("public domain"), "{shown}");

    // Feeds with no advisory at all: an error, not "nothing concerns these assets".
    let out = Command::new(BIN)
        .args(["advisories", "match", &s7, "--feed", &kev])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no advisory could be read"),
        "{}",
        text(&out.stderr)
    );

    // A feed that is not there is named.
    let out = Command::new(BIN)
        .args([
            "advisories",
            "match",
            &s7,
            "--feed",
            "/nonexistent/feed.json",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("/nonexistent/feed.json"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn advisories_import_is_all_or_nothing_and_idempotent() {
    let (Some(bundle), Some(kev)) = (
        shared_feed("cisa-csaf-2024-10-24.tar.gz"),
        shared_feed("cisa-kev-2025-08-25.json"),
    ) else {
        return;
    };
    let dir = temp_dir();
    let db = format!("sqlite://{}", dir.join("hygeia.db").display());
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"document\": ").unwrap();
    let broken = broken.display().to_string();

    let refused = hygeia(&["advisories", "import", &kev, &broken], &db);
    assert!(!refused.status.success());
    let said = text(&refused.stderr);
    assert!(
        said.contains("refused: ") && said.contains("broken.json"),
        "{said}"
    );
    assert!(said.contains("nothing was imported"), "{said}");

    let imported = hygeia(&["advisories", "import", &bundle, &kev], &db);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    let said = text(&imported.stdout);
    assert!(
        said.contains("2383 new, 0 updated, 0 unchanged")
            && said.contains("KEV catalog 2025.08.25"),
        "{said}"
    );
    assert!(said.contains("CISA"), "the data is credited: {said}");

    let again = hygeia(&["advisories", "import", &bundle], &db);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let said = text(&again.stdout);
    assert!(said.contains("0 new, 0 updated, 2383 unchanged"), "{said}");
}
