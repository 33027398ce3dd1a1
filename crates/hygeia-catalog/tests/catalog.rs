//! Integration tests of the shipped catalogs: counts, bilingual titles, crosswalks, search,
//! validation errors and OSCAL round trip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hygeia_catalog::{
    Art21Letter, Catalog, CatalogError, Filter, IssueKind, Relationship, ids, oscal,
    parse_framework,
};

fn cat() -> Catalog {
    Catalog::load_embedded().expect("embedded catalogs load")
}

#[test]
fn counts_match_the_sources() {
    let c = cat();
    let iso = c.framework(ids::ISO27001_2022).unwrap();
    let annex_a = iso
        .requirements()
        .iter()
        .filter(|r| r.assessable && r.id.starts_with("a."))
        .count();
    assert_eq!(annex_a, 93);
    for (theme, n) in [("a.5", 37), ("a.6", 8), ("a.7", 14), ("a.8", 34)] {
        assert_eq!(iso.children(theme).count(), n, "{theme}");
    }
    let r2690 = c.framework(ids::NIS2_2024_2690).unwrap();
    assert_eq!(r2690.assessable().count(), 351);
    assert_eq!(r2690.roots().count(), 13);
    let subsections = r2690
        .roots()
        .filter(|s| s.id != "7" && s.id != "9")
        .flat_map(|s| r2690.children(&s.id))
        .count();
    assert_eq!(
        subsections, 47,
        "sections 7 and 9 have points, not sub-sections"
    );
    let csf = c.framework(ids::NIST_CSF_2_0).unwrap();
    assert_eq!(csf.assessable().count(), 106);
    assert_eq!(csf.roots().count(), 6);
    let iec = c.framework(ids::IEC62443_3_3).unwrap();
    assert_eq!(
        iec.requirements()
            .iter()
            .filter(|r| r.id.starts_with("sr-"))
            .count(),
        51
    );
    let hds = c.framework(ids::HDS_2024).unwrap();
    assert_eq!(hds.assessable().count(), 31);
    let nis2 = c.framework(ids::NIS2_DIRECTIVE).unwrap();
    for l in Art21Letter::all() {
        assert!(nis2.by_ref(&format!("21(2)({l})")).is_some(), "21(2)({l})");
    }

    let enisa_iso = c.mapping_set("enisa-2024-2690-to-iso27001-2022").unwrap();
    assert_eq!(enisa_iso.pairs.len(), 926);
    assert!(enisa_iso.meta.licence.contains("CC BY 4.0"));
    assert!(enisa_iso.meta.attribution.contains("ENISA"));
    let v = serde_json::to_value(enisa_iso.summary()).unwrap();
    assert_eq!(v["pairs"], 926);
    assert_eq!(v["licence"], "CC BY 4.0");
    let v = serde_json::to_value(r2690.summary()).unwrap();
    assert_eq!(v["assessable"], 351);
    assert_eq!(v["id"], "nis2-2024-2690");
    assert_eq!(
        c.mapping_set("enisa-2024-2690-to-nist-csf-2.0")
            .unwrap()
            .pairs
            .len(),
        2243
    );
    assert_eq!(
        c.mapping_set("nist-csf-2.0-to-iso27001-2022")
            .unwrap()
            .pairs
            .len(),
        341
    );
}

#[test]
fn every_requirement_has_english_and_french_titles() {
    let c = cat();
    let mut total = 0;
    for fw in c.frameworks() {
        assert!(!fw.meta.name.en.is_empty() && !fw.meta.name.fr.is_empty());
        for r in fw.requirements() {
            total += 1;
            assert!(!r.title.en.trim().is_empty(), "{} {}: en", fw.id(), r.id);
            assert!(!r.title.fr.trim().is_empty(), "{} {}: fr", fw.id(), r.id);
            assert!(!r.reference.is_empty());
        }
    }
    assert!(total > 800, "{total}");
}

#[test]
fn iso_and_iec_carry_a_copyright_notice() {
    let c = cat();
    for id in [ids::ISO27001_2022, ids::IEC62443_3_3] {
        let n = c.framework(id).unwrap().meta.notice.clone().unwrap();
        assert!(n.en.contains("copyright"), "{id}");
        assert!(n.fr.contains("droit d'auteur"), "{id}");
    }
}

#[test]
fn lookups_by_ref() {
    let c = cat();
    assert_eq!(c.by_ref(ids::ISO27001_2022, "A.8.22").unwrap().id, "a.8.22");
    assert_eq!(
        c.by_ref(ids::ISO27001_2022, " a.8.22 ").unwrap().id,
        "a.8.22"
    );
    assert_eq!(
        c.by_ref(ids::NIS2_2024_2690, "11.7.1").unwrap().id,
        "11.7.1"
    );
    assert_eq!(
        c.by_ref(ids::NIS2_2024_2690, "1.1.1(a)").unwrap().id,
        "1.1.1.a"
    );
    assert_eq!(
        c.by_ref(ids::NIST_CSF_2_0, "gv.oc-01").unwrap().reference,
        "GV.OC-01"
    );
    assert_eq!(
        c.by_ref(ids::NIS2_DIRECTIVE, "21(2)(d)").unwrap().id,
        "art21.2.d"
    );
    assert!(c.by_ref(ids::ISO27001_2022, "A.9.99").is_none());
    assert!(c.by_ref("nope", "A.8.22").is_none());
}

#[test]
fn tree_and_ancestors() {
    let c = cat();
    let fw = c.framework(ids::NIS2_2024_2690).unwrap();
    let anc: Vec<_> = fw
        .ancestors("1.1.1.a")
        .iter()
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(anc, ["1.1.1", "1.1", "1"]);
    let tree = fw.tree();
    assert_eq!(tree.len(), 13);
    fn count(n: &[hygeia_catalog::TreeNode<'_>]) -> usize {
        n.iter().map(|x| 1 + count(&x.children)).sum()
    }
    assert_eq!(count(&tree), fw.requirements().len());
    assert_eq!(fw.children("5.2.1").count(), 2);
}

#[test]
fn neighbours_in_both_directions() {
    let c = cat();
    let n = c.neighbours(ids::ISO27001_2022, "a.8.22");
    assert!(
        n.iter()
            .any(|x| x.framework == ids::NIS2_2024_2690 && x.requirement.id.starts_with("6.8"))
    );
    assert!(n.iter().any(|x| x.framework == ids::NIST_CSF_2_0));
    let n = c.neighbours(ids::NIS2_2024_2690, "11.7.1");
    assert!(
        n.iter()
            .any(|x| x.framework == ids::ISO27001_2022 && x.requirement.id == "a.8.5")
    );
    // Section-level pairs reach the points through their ancestors.
    let n = c.neighbours(ids::NIS2_2024_2690, "9.2.c.i");
    assert!(
        n.iter()
            .any(|x| x.framework == ids::NIS2_DIRECTIVE && x.via_ancestor)
    );
    // Relationships are read from the asked requirement's side.
    let n = c.neighbours(ids::NIS2_2024_2690, "4");
    let art = n.iter().find(|x| x.requirement.id == "art21.2.c").unwrap();
    assert_eq!(art.relationship, Relationship::Subset);
    assert!(art.rationale.is_some());
    assert!(c.neighbours("nope", "x").is_empty());
}

#[test]
fn crosswalk_gaps_are_visible() {
    let c = cat();
    let unmapped_iso = c.unmapped(ids::ISO27001_2022, "enisa-2024-2690-to-iso27001-2022");
    let annex_a_gaps = unmapped_iso
        .iter()
        .filter(|r| r.id.starts_with("a."))
        .count();
    assert_eq!(annex_a_gaps, 24, "24 Annex A controls have no ENISA pair");
    let unmapped_points = c.unmapped(ids::NIS2_2024_2690, "enisa-2024-2690-to-iso27001-2022");
    assert!(!unmapped_points.is_empty());
    assert!(
        unmapped_points
            .iter()
            .any(|r| r.id.starts_with("7.2") || r.id.starts_with("9.2"))
    );
}

#[test]
fn filters_and_search() {
    let c = cat();
    let j = c.filter(&Filter {
        art21_letter: Art21Letter::new('j'),
        framework: Some(ids::NIS2_2024_2690.to_owned()),
        assessable_only: true,
        ..Filter::default()
    });
    assert_eq!(j.len(), 2, "11.7.1 and 11.7.2");
    let physical = c.filter(&Filter {
        tag: Some("physical".to_owned()),
        framework: Some(ids::ISO27001_2022.to_owned()),
        assessable_only: true,
        ..Filter::default()
    });
    assert_eq!(physical.len(), 14);

    let hits = c.search("multi-factor", &Filter::default());
    assert!(hits.iter().any(|h| h.requirement.id == "11.7.1"));
    // French, accents ignored.
    let hits = c.search("authentification multifacteur", &Filter::default());
    assert!(hits.iter().any(|h| h.requirement.id == "11.7.1"));
    let hits = c.search(
        "securite reseaux",
        &Filter {
            framework: Some(ids::ISO27001_2022.to_owned()),
            ..Filter::default()
        },
    );
    assert_eq!(
        hits.first().map(|h| h.requirement.id.as_str()),
        Some("a.8.20")
    );
    assert!(c.search("   ", &Filter::default()).is_empty());
    assert!(c.search("zzzz-no-such-word", &Filter::default()).is_empty());
}

const USER: &str = r#"
framework:
  id: acme-policy
  name: {en: "ACME policy", fr: "Politique ACME"}
  version: "1"
requirements:
  - id: p1
    ref: P.1
    assessable: false
    title: {en: "Governance", fr: "Gouvernance"}
  - id: p1.1
    ref: P.1.1
    parent: p1
    assessable: true
    title: {en: "Board approves the policy", fr: "Le conseil approuve la politique"}
    tags: [governance]
    nis2_art21: [a]
"#;

#[test]
fn user_framework_import_is_all_or_nothing() {
    let mut c = cat();
    let before = c.frameworks().len();
    let fw = c.import_framework("acme.yaml", USER).unwrap();
    assert_eq!(fw.requirements().len(), 2);
    assert_eq!(c.frameworks().len(), before + 1);
    // Same id again: refused, nothing added.
    let err = c.import_framework("acme.yaml", USER).unwrap_err();
    assert!(matches!(
        err.issues()[0].kind,
        IssueKind::DuplicateFramework(_)
    ));
    assert_eq!(c.frameworks().len(), before + 1);

    let mapping = r#"
mapping:
  id: acme-to-iso
  title: {en: "ACME to ISO", fr: "ACME vers ISO"}
  source_framework: acme-policy
  target_framework: iso27001-2022
pairs:
  - [p1.1, "5.2"]
  - [p1.1, a.5.1, subset, "Our policy clause is part of A.5.1"]
"#;
    c.import_mapping("acme-map.yaml", mapping).unwrap();
    let n = c.neighbours("acme-policy", "p1.1");
    assert_eq!(n.len(), 2);

    let broken = mapping
        .replace("a.5.1,", "a.5.99,")
        .replace("acme-to-iso", "acme-2");
    let err = c.import_mapping("broken.yaml", &broken).unwrap_err();
    let issue = &err.issues()[0];
    assert_eq!(issue.file, "broken.yaml");
    assert_eq!(issue.entry, "pairs[1]");
    assert_eq!(issue.field, "target");
    assert!(matches!(issue.kind, IssueKind::DanglingReference { .. }));
    assert!(c.mapping_set("acme-2").is_none());
}

#[test]
fn validation_errors_name_file_entry_and_field() {
    let bad = r#"
framework:
  id: bad
  name: {en: "Bad", fr: "Mauvais"}
requirements:
  - id: x
    assessable: true
    title: {en: "X"}
  - id: x
    assessable: true
    title: {en: "X again", fr: "X encore"}
  - id: y
    parent: nowhere
    assessable: true
    title: {en: "Y", fr: "Y"}
    nis2_art21: [k]
"#;
    let err = parse_framework("bad.yaml", bad).unwrap_err();
    let issues = err.issues();
    let find = |entry: &str, field: &str| {
        issues
            .iter()
            .find(|i| i.entry == entry && i.field == field)
            .unwrap_or_else(|| panic!("no issue {entry}/{field} in {issues:?}"))
    };
    assert_eq!(find("x", "title.fr").kind, IssueKind::Missing);
    assert_eq!(find("x", "id").kind, IssueKind::DuplicateId);
    assert_eq!(
        find("y", "parent").kind,
        IssueKind::UnknownParent("nowhere".to_owned())
    );
    assert!(matches!(
        find("y", "nis2_art21[0]").kind,
        IssueKind::InvalidValue(_)
    ));
    assert!(issues.iter().all(|i| i.file == "bad.yaml"));
    let msg = err.to_string();
    assert!(
        msg.contains("bad.yaml") && msg.contains("entry `x`") && msg.contains("title.fr"),
        "{msg}"
    );

    let cycle = r#"
framework: {id: cyc, name: {en: C, fr: C}}
requirements:
  - {id: a, parent: b, assessable: true, title: {en: A, fr: A}}
  - {id: b, parent: a, assessable: true, title: {en: B, fr: B}}
"#;
    let err = parse_framework("cyc.yaml", cycle).unwrap_err();
    assert!(
        err.issues()
            .iter()
            .any(|i| i.kind == IssueKind::ParentCycle)
    );

    let not_yaml = parse_framework("x.yaml", "framework: [unclosed").unwrap_err();
    assert!(matches!(not_yaml, CatalogError::Parse { ref file, .. } if file == "x.yaml"));
    let unknown_field = parse_framework(
        "u.yaml",
        "framework: {id: u, name: {en: U, fr: U}}\nrequirements:\n  - {id: a, assessable: true, title: {en: A, fr: A}, colour: red}\n",
    )
    .unwrap_err();
    assert!(matches!(unknown_field, CatalogError::Parse { .. }));
}

#[test]
fn oscal_round_trip_gives_the_same_tree() {
    let c = cat();
    for fw in c.frameworks() {
        let json = oscal::export_json(fw, "2026-01-01T00:00:00Z");
        let back = oscal::import(&format!("{}.json", fw.id()), &json).unwrap();
        assert_eq!(&back, fw, "{}", fw.id());
        assert_eq!(back.tree().len(), fw.tree().len());
    }
    let v = oscal::export(
        c.framework(ids::ISO27001_2022).unwrap(),
        "2026-01-01T00:00:00Z",
    );
    let cat = &v["catalog"];
    assert_eq!(cat["metadata"]["oscal-version"], "1.1.2");
    assert!(cat["uuid"].as_str().unwrap().len() == 36);
    // OSCAL ids start with a letter.
    assert!(
        cat["controls"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with(|ch: char| ch.is_alphabetic())
    );
}

#[test]
fn oscal_import_of_a_foreign_catalog() {
    let foreign = r#"{"catalog": {"uuid": "00000000-0000-4000-8000-000000000000",
      "metadata": {"title": "Tiny Catalog", "last-modified": "2024-01-01T00:00:00Z", "version": "1.0", "oscal-version": "1.1.2"},
      "groups": [{"id": "ac", "title": "Access Control", "controls": [
        {"id": "ac-1", "title": "Policy and Procedures", "props": [{"name": "label", "value": "AC-1"}],
         "parts": [{"id": "ac-1_smt", "name": "statement", "prose": "Develop an access control policy."}],
         "controls": [{"id": "ac-1.1", "title": "Enhancement"}]}]}]}}"#;
    let fw = oscal::import("tiny.json", foreign).unwrap();
    assert_eq!(fw.id(), "tiny-catalog");
    let g = fw.requirement("ac").unwrap();
    assert!(!g.assessable);
    let ac1 = fw.by_ref("AC-1").unwrap();
    assert!(ac1.assessable);
    assert_eq!(ac1.parent.as_deref(), Some("ac"));
    assert_eq!(ac1.title.fr, "Policy and Procedures");
    assert!(
        ac1.description
            .as_ref()
            .unwrap()
            .en
            .contains("access control policy")
    );
    assert_eq!(fw.children("ac-1").count(), 1);

    assert!(matches!(
        oscal::import("x.json", "{}"),
        Err(CatalogError::Parse { .. })
    ));
    assert!(matches!(
        oscal::import("x.json", "not json"),
        Err(CatalogError::Parse { .. })
    ));
    let untitled = r#"{"catalog": {"metadata": {"title": "T"}, "controls": [{"id": "c1"}]}}"#;
    let err = oscal::import("u.json", untitled).unwrap_err();
    assert!(
        err.issues()
            .iter()
            .any(|i| i.entry == "c1" && i.field == "title.en")
    );
}
