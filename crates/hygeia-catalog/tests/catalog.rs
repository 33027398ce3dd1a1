//! Integration tests of the shipped catalogs: counts, bilingual titles, crosswalks, search,
//! validation errors and OSCAL round trip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hygeia_catalog::{
    Art21Letter, Catalog, CatalogError, Filter, IssueKind, Relationship, Requirement, ids, oscal,
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
    // 353 points of the Annex (351 before 3.6.3 and 13.1.2(e) were made assessable), plus the
    // two Art. 21(2)(j) points Hygeia adds under its own root `hyg`.
    let regulation_points = r2690
        .assessable()
        .filter(|r| !r.is_hygeia_supplement())
        .count();
    assert_eq!(regulation_points, 353);
    assert_eq!(r2690.assessable().count(), 355);
    assert_eq!(
        r2690.roots().count(),
        14,
        "13 sections and the Hygeia supplement"
    );
    let subsections = r2690
        .roots()
        .filter(|s| s.id != "7" && s.id != "9" && s.id != "hyg")
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
    let (enhancements, srs): (Vec<&Requirement>, Vec<&Requirement>) = iec
        .requirements()
        .iter()
        .filter(|r| r.id.starts_with("sr-"))
        .partition(|r| r.id.contains("-re-"));
    assert_eq!((srs.len(), enhancements.len()), (51, 49));
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
    assert_eq!(v["assessable"], 355);
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

/// Issue 10: every assessable point of the 2024/2690 Annex is described in our own words in
/// both languages, and the description adds to the short title (never repeats it).
#[test]
fn every_2024_2690_point_has_a_description_in_both_languages() {
    let c = cat();
    let fw = c.framework(ids::NIS2_2024_2690).unwrap();
    let mut described = 0;
    for r in fw.assessable() {
        let d = r
            .description
            .as_ref()
            .unwrap_or_else(|| panic!("{} has no description", r.id));
        for (lang, text, title) in [("en", &d.en, &r.title.en), ("fr", &d.fr, &r.title.fr)] {
            let words = text.split_whitespace().count();
            assert!(
                (12..=120).contains(&words),
                "{} {lang}: {words} words",
                r.id
            );
            assert_ne!(
                text.trim(),
                title.trim(),
                "{} {lang} repeats its title",
                r.id
            );
        }
        described += 1;
    }
    assert_eq!(
        described, 355,
        "353 points of the Annex and 2 of Hygeia's supplement"
    );
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
    assert_eq!(tree.len(), 14, "13 sections and the Hygeia supplement");
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
    let j: Vec<&str> = j.iter().map(|h| h.requirement.id.as_str()).collect();
    assert_eq!(j, ["11.7.1", "11.7.2", "hyg.j.1", "hyg.j.2"]);
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
fn iec_62443_3_3_requirements_and_enhancements_carry_their_security_level() {
    let c = cat();
    let iec = c.framework(ids::IEC62443_3_3).unwrap();
    let level = |r: &str| iec.by_ref(r).unwrap().security_level;
    // Each enhancement sits under its requirement and never below its level.
    for r in iec.requirements().iter().filter(|r| r.id.contains("-re-")) {
        let parent = iec.requirement(r.parent.as_deref().unwrap()).unwrap();
        assert!(r.security_level >= parent.security_level, "{}", r.reference);
        assert!(r.assessable && r.reference.starts_with(&parent.reference));
    }
    assert_eq!(level("SR 1.1"), Some(1));
    assert_eq!(level("SR 1.1 RE 1"), Some(2));
    assert_eq!(level("SR 1.1 RE 2"), Some(3));
    assert_eq!(level("SR 1.1 RE 3"), Some(4));
    assert_eq!(level("SR 2.12"), Some(3), "non-repudiation starts at SL 3");
    assert_eq!(level("SR 5.2 RE 1"), Some(2), "deny by default at SL 2");
    assert_eq!(level("SR 7.8"), Some(2));
    // What a zone must meet at each target level: 37 requirements at SL 1, everything at SL 4.
    let at = |sl: u8| {
        iec.requirements()
            .iter()
            .filter(|r| r.id.starts_with("sr-") && r.required_at(sl))
            .count()
    };
    assert_eq!([at(1), at(2), at(3), at(4)], [37, 60, 90, 100]);
    // Frameworks without levels require everything at every level.
    let iso = c.framework(ids::ISO27001_2022).unwrap();
    assert!(iso.requirements().iter().all(|r| r.required_at(1)));
    // A level outside 1 to 4 is refused by name.
    let bad = parse_framework(
        "sl.yaml",
        "framework: {id: sl, name: {en: S, fr: S}}\nrequirements:\n  - {id: a, assessable: true, security_level: 5, title: {en: A, fr: A}}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(bad.contains("entry `a`, field `security_level`"), "{bad}");
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

/// Issue 17: points an expert review of the regulation's text found wrong. Each assertion pins
/// what the text says, so that a later edit of the titles cannot silently drop it.
#[test]
fn corrected_2024_2690_points_are_pinned() {
    let c = cat();
    let fw = c.framework(ids::NIS2_2024_2690).unwrap();
    let req = |id: &str| {
        fw.requirement(id)
            .unwrap_or_else(|| panic!("2024/2690 has no point {id}"))
    };
    let en = |id: &str| req(id).title.en.to_lowercase();
    let fr = |id: &str| req(id).title.fr.to_lowercase();
    let yearly_en = |t: &str| t.contains("annual") || t.contains("at least once a year");
    let yearly_fr = |t: &str| t.contains("annuel") || t.contains("au moins une fois par an");

    // 1.1.2 and 2.1.4: reviews at least annually; 1.1.2 by the management bodies.
    for id in ["1.1.2", "2.1.4"] {
        assert!(yearly_en(&en(id)), "{id}: {}", en(id));
        assert!(yearly_fr(&fr(id)), "{id}: {}", fr(id));
    }
    assert!(en("1.1.2").contains("management bodies"), "{}", en("1.1.2"));
    assert!(
        fr("1.1.2").contains("organes de direction"),
        "{}",
        fr("1.1.2")
    );
    // 10.1.3 said so already; keep it.
    assert!(yearly_en(&en("10.1.3")) && yearly_fr(&fr("10.1.3")));

    // 3.6.3 and 13.1.2(e) are requirements: 353 assessable points of the Annex.
    for id in ["3.6.3", "13.1.2.e"] {
        assert!(req(id).assessable, "{id}");
    }
    assert!(en("13.1.2.e").contains("emergency") && en("13.1.2.e").contains("fuel"));
    let points: Vec<_> = fw
        .assessable()
        .filter(|r| !r.is_hygeia_supplement())
        .collect();
    assert_eq!(points.len(), 353);

    // 6.2.2(f) is about test data (separated environments are 6.8.2(h)).
    assert!(en("6.2.2.f").contains("test data"), "{}", en("6.2.2.f"));
    assert!(en("6.2.2.f").contains("anonymised") && fr("6.2.2.f").contains("anonymisées"));
    assert!(!en("6.2.2.f").contains("environment"));
    assert!(en("6.8.2.h").contains("production"));

    // 3.2.7 reviews the logging procedures and the list of logged assets; redundancy and time
    // synchronisation are 3.2.6.
    assert!(
        en("3.2.7").contains("logging procedures") && en("3.2.7").contains("reviewed"),
        "{}",
        en("3.2.7")
    );
    assert!(en("3.2.7").contains("logged assets"));
    assert!(fr("3.2.7").contains("procédures de journalisation"));
    assert!(en("3.2.6").contains("synchronised") && en("3.2.6").contains("redundant"));

    // Smaller slips.
    assert!(en("2.1.3").contains("business impact analysis"));
    assert!(fr("2.1.3").contains("analyse d'impact"));
    assert!(en("3.2.5").contains("backed up"));
    assert!(!en("4.2.2.e").contains("approv") && !fr("4.2.2.e").contains("approbation"));
    assert!(en("6.7.1").contains("cyber threats") && fr("6.7.1").contains("cybermenaces"));
    assert!(!en("6.7.1").contains("intrusion"));
    assert!(en("8.2.5").contains("threats") && !en("8.2.5").contains("effectiveness"));
    assert!(en("11.7.2").contains("strength of authentication"));
    assert!(!en("11.7.2").contains("mfa"));
    assert!(en("12.1.2.b").contains("authenticity") && fr("12.1.2.b").contains("authenticité"));

    // Section 13: one Art. 21(2) letter per sub-section, as 13.1.1, 13.2.1 and 13.3.1 say.
    for (sub, letter) in [("13.1", 'c'), ("13.2", 'e'), ("13.3", 'i')] {
        let expected = [Art21Letter::new(letter).unwrap()];
        let mut subtree = vec![req(sub)];
        let mut i = 0;
        while let Some(r) = subtree.get(i) {
            let id = r.id.clone();
            subtree.extend(fw.children(&id));
            i += 1;
        }
        assert!(subtree.len() > 5, "{sub}");
        for r in subtree {
            assert_eq!(r.nis2_art21, expected, "{}", r.id);
        }
    }
    let art = c.mapping_set("nis2-art21-to-2024-2690").unwrap();
    for (letter, sub) in [("c", "13.1"), ("e", "13.2"), ("i", "13.3")] {
        assert!(
            art.pairs
                .iter()
                .any(|p| p.source == format!("art21.2.{letter}") && p.target == sub),
            "art21.2.{letter} → {sub}"
        );
    }
    assert!(!art.pairs.iter().any(|p| p.target == "13"));

    // Art. 21(3) (supplier vulnerabilities, quality, secure development) → 5.1.2 criteria.
    let n = c.neighbours(ids::NIS2_DIRECTIVE, "art21.3");
    for target in ["5.1.2", "5.1.3"] {
        assert!(
            n.iter()
                .any(|x| x.framework == ids::NIS2_2024_2690 && x.requirement.id == target),
            "21(3) → {target}"
        );
    }

    // ISO/IEC 27001:2022 clause titles.
    let iso = c.framework(ids::ISO27001_2022).unwrap();
    assert_eq!(
        iso.requirement("6.1.2").unwrap().title.en,
        "Information security risk assessment"
    );
    assert_eq!(
        iso.requirement("6.3").unwrap().title.en,
        "Planning of changes"
    );
}

/// Art. 21(2)(j) also asks for secured voice, video, text and emergency communications, which
/// no 2024/2690 point covers: Hygeia's supplement makes them count in the (j) score.
#[test]
fn art21_j_supplement_is_marked_and_scored_with_j() {
    let c = cat();
    let fw = c.framework(ids::NIS2_2024_2690).unwrap();
    let j = Art21Letter::new('j').unwrap();
    let supplement: Vec<_> = fw
        .requirements()
        .iter()
        .filter(|r| r.is_hygeia_supplement())
        .collect();
    let ids_: Vec<&str> = supplement.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids_, ["hyg", "hyg.j.1", "hyg.j.2"]);
    for r in &supplement {
        assert!(r.reference.starts_with("HYG"), "{}", r.id);
        assert!(r.nis2_art21 == [j], "{}", r.id);
        assert!(
            r.title.en.contains("Hygeia") && r.title.fr.contains("Hygeia"),
            "{}",
            r.id
        );
        // Not part of the regulation: outside the 13 sections.
        assert_eq!(
            fw.ancestors(&r.id)
                .last()
                .map_or(r.id.as_str(), |a| a.id.as_str()),
            "hyg"
        );
    }
    let root = fw.requirement("hyg").unwrap();
    assert!(!root.assessable);
    assert!(root.title.en.contains("not part of the regulation"));
    assert!(
        fw.requirement("hyg.j.1")
            .unwrap()
            .title
            .en
            .contains("voice, video and text")
    );
    assert!(
        fw.requirement("hyg.j.2")
            .unwrap()
            .title
            .en
            .contains("emergency communication")
    );
    // Half of the assessable (j) points are the communications ones.
    let j_points: Vec<_> = fw
        .assessable()
        .filter(|r| r.nis2_art21.contains(&j))
        .collect();
    assert_eq!(j_points.len(), 4);
    assert_eq!(
        j_points.iter().filter(|r| r.is_hygeia_supplement()).count(),
        2
    );
    // Nothing else carries the tag.
    for other in c
        .frameworks()
        .iter()
        .filter(|f| f.id() != ids::NIS2_2024_2690)
    {
        assert!(
            !other
                .requirements()
                .iter()
                .any(|r| r.is_hygeia_supplement()),
            "{}",
            other.id()
        );
    }
    // The Directive's point (j) reaches the supplement through the Art. 21 mapping.
    let n = c.neighbours(ids::NIS2_DIRECTIVE, "art21.2.j");
    for target in ["11.7", "hyg"] {
        assert!(n.iter().any(|x| x.requirement.id == target), "{target}");
    }
}

/// Issue 17: every French string shipped in the catalogs uses the legal vocabulary of the French
/// NIS2 text ("incident important", "risques en matière de cybersécurité", "systèmes
/// d'information" in full, no "reporting", letters cited "point a)").
#[test]
fn french_texts_use_the_legal_vocabulary_of_the_french_nis2_text() {
    let c = cat();
    let mut texts: Vec<(String, &str)> = Vec::new();
    for fw in c.frameworks() {
        let m = &fw.meta;
        texts.push((format!("{} name", fw.id()), &m.name.fr));
        for (what, t) in [("notice", &m.notice), ("description", &m.description)] {
            if let Some(t) = t {
                texts.push((format!("{} {what}", fw.id()), &t.fr));
            }
        }
        for r in fw.requirements() {
            texts.push((format!("{} {} title", fw.id(), r.id), &r.title.fr));
            if let Some(d) = &r.description {
                texts.push((format!("{} {} description", fw.id(), r.id), &d.fr));
            }
        }
    }
    for set in c.mapping_sets() {
        texts.push((format!("{} title", set.id()), &set.meta.title.fr));
        if let Some(d) = &set.meta.description {
            texts.push((format!("{} description", set.id()), &d.fr));
        }
    }
    assert!(texts.len() > 850, "{}", texts.len());
    let problems: Vec<String> = texts
        .iter()
        .flat_map(|(where_, text)| {
            hygeia_catalog::french::shortcuts(text)
                .into_iter()
                .map(move |s| format!("{where_}: `{}` → {}", s.found, s.use_instead))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// EU GMP Annex 11: the principle and its 17 clauses, the 2025 draft revision noted, and our
/// own crosswalk to 2024/2690 sections 4, 5, 6, 11 and 12, every pair with its rationale.
#[test]
fn gmp_annex11_loads_with_its_crosswalk() {
    let c = cat();
    let fw = c.framework(ids::EU_GMP_ANNEX11).unwrap();
    let clauses: Vec<&str> = fw.assessable().map(|r| r.id.as_str()).collect();
    let mut expected = vec!["principle".to_owned()];
    expected.extend((1..=17).map(|n| n.to_string()));
    assert_eq!(clauses, expected);
    for r in fw.requirements() {
        assert!(!r.title.en.is_empty() && !r.title.fr.is_empty(), "{}", r.id);
        assert!(r.title.en.len() < 200, "{}: keep titles short", r.id);
    }
    let notice = fw.meta.notice.as_ref().unwrap();
    assert!(notice.en.contains("2025") && notice.en.contains("PIC/S"));
    assert!(notice.fr.contains("2025") && notice.fr.contains("PIC/S"));
    assert!(!fw.meta.licence.is_empty());
    assert!(fw.meta.source_url.starts_with("https://"));

    let set = c.mapping_set("eu-gmp-annex11-to-2024-2690").unwrap();
    assert_eq!(set.meta.source_framework, ids::EU_GMP_ANNEX11);
    assert_eq!(set.meta.target_framework, ids::NIS2_2024_2690);
    assert!(set.meta.source.contains("Hygeia") && !set.meta.attribution.is_empty());
    let r2690 = c.framework(ids::NIS2_2024_2690).unwrap();
    let mut sections = std::collections::BTreeSet::new();
    for p in &set.pairs {
        assert!(
            p.rationale.as_deref().is_some_and(|r| r.len() > 30),
            "{p:?}"
        );
        let root = r2690
            .ancestors(&p.target)
            .last()
            .map_or(p.target.clone(), |a| a.id.clone());
        sections.insert(root);
    }
    let sections: Vec<&str> = sections.iter().map(String::as_str).collect();
    assert_eq!(sections, ["11", "12", "4", "5", "6"]);
    // Security (12) reaches access control; backups (7) reach backup management.
    let n = c.neighbours(ids::EU_GMP_ANNEX11, "12");
    assert!(n.iter().any(|x| x.requirement.id == "11.2"));
    let n = c.neighbours(ids::NIS2_2024_2690, "4.2.2");
    assert!(
        n.iter().any(|x| x.framework == ids::EU_GMP_ANNEX11
            && x.requirement.id == "7"
            && x.via_ancestor)
    );
    // The OSCAL round trip (tested for every framework above) covers Annex 11 too.
    let json = oscal::export_json(fw, "2026-01-01T00:00:00Z");
    assert_eq!(&oscal::import("annex11.json", &json).unwrap(), fw);
}

#[test]
fn recyf_loads_with_its_crosswalks_to_iso_27001_and_2024_2690() {
    let c = cat();
    let fw = c.framework(ids::RECYF).unwrap();
    assert_eq!(fw.roots().count(), 20, "20 objectives");
    assert_eq!(
        fw.assessable().count(),
        152,
        "152 acceptable means of compliance"
    );
    let essential_only = fw
        .assessable()
        .filter(|r| r.tags.iter().any(|t| t == "essential-only"))
        .count();
    assert_eq!(essential_only, 76);
    // Objectives 16 to 20 bind essential entities only, every measure of them.
    for objective in 16..=20 {
        let objective = objective.to_string();
        for r in fw
            .assessable()
            .filter(|r| r.id.starts_with(&format!("{objective}.")))
        {
            assert!(r.tags.contains(&"essential-only".to_owned()), "{}", r.id);
        }
    }
    assert_eq!(fw.by_ref("10.B.1").unwrap().id, "10.b.1");
    assert_eq!(
        fw.requirement("10.b.1").unwrap().parent.as_deref(),
        Some("10.b")
    );
    assert!(
        fw.meta
            .notice
            .as_ref()
            .unwrap()
            .en
            .contains("working document")
    );
    assert!(fw.meta.licence.contains("ANSSI") && fw.meta.licence.contains("not endorsed"));

    let iso = c.mapping_set("anssi-recyf-to-iso27001-2022").unwrap();
    assert_eq!(iso.meta.source_framework, ids::RECYF);
    assert_eq!(iso.meta.target_framework, ids::ISO27001_2022);
    assert_eq!(iso.pairs.len(), 353);
    assert_eq!(iso.meta.attribution, "ANSSI");
    let sources: std::collections::BTreeSet<&str> =
        iso.pairs.iter().map(|p| p.source.as_str()).collect();
    assert_eq!(sources.len(), 129, "23 measures have no ISO counterpart");
    assert!(
        iso.pairs
            .iter()
            .all(|p| p.relationship == Relationship::Intersect)
    );
    // Multifactor authentication reaches secure authentication.
    let n = c.neighbours(ids::RECYF, "10.b.1");
    assert!(n.iter().any(|x| x.framework == ids::ISO27001_2022), "{n:?}");

    let sections = c.mapping_set("hygeia-recyf-to-2024-2690").unwrap();
    assert_eq!(sections.meta.target_framework, ids::NIS2_2024_2690);
    let covered: std::collections::BTreeSet<&str> =
        sections.pairs.iter().map(|p| p.source.as_str()).collect();
    assert_eq!(covered.len(), 20, "every objective has a section");
    assert!(
        sections
            .pairs
            .iter()
            .all(|p| p.rationale.as_deref().is_some_and(|r| r.len() > 30))
    );
    let n = c.neighbours(ids::NIS2_2024_2690, "3");
    assert!(
        n.iter()
            .any(|x| x.framework == ids::RECYF && x.requirement.id == "12")
    );
}

#[test]
fn the_hds_buyers_checklist_covers_scope_certificate_clauses_location_and_follow_up() {
    let c = cat();
    let fw = c.framework(ids::HDS_2024_CLIENT).unwrap();
    let groups: Vec<&str> = fw.roots().map(|r| r.id.as_str()).collect();
    assert_eq!(groups, ["a", "b", "c", "d", "e"]);
    assert_eq!(fw.assessable().count(), 35);
    // One point per mandatory clause of CSP Art. R.1111-11, each citing it.
    let clauses: Vec<&Requirement> = fw
        .assessable()
        .filter(|r| r.parent.as_deref() == Some("c"))
        .collect();
    assert!(clauses.len() >= 11, "{}", clauses.len());
    for r in &clauses {
        let d = r.description.as_ref().unwrap();
        assert!(
            d.en.contains("R.1111-11") && d.fr.contains("R. 1111-11"),
            "{}",
            r.id
        );
    }
    let certificate = fw.requirement("b.5").unwrap();
    assert!(
        certificate
            .description
            .as_ref()
            .unwrap()
            .en
            .contains("three years")
    );
    assert!(
        fw.meta
            .notice
            .as_ref()
            .unwrap()
            .en
            .contains("not the official text")
    );
}
