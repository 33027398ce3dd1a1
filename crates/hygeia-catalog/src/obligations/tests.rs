use super::*;
use crate::Catalog;
use hygeia_domain::incidents::deadlines::{Delay, WhenOngoing};

fn shipped() -> Catalog {
    Catalog::load_embedded().unwrap_or_default()
}

#[test]
fn the_shipped_templates_load_with_their_stages() {
    let cat = shipped();
    let ids: Vec<&str> = cat.obligations().iter().map(|o| o.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "nis2-art23",
            "fr-health-serious-incidents",
            "gdpr-art33",
            "gdpr-art34"
        ]
    );
    let nis2 = cat
        .obligation("nis2-art23")
        .map(Obligation::rules)
        .unwrap_or_default();
    let stages: Vec<(&str, Delay)> = nis2.iter().map(|r| (r.key.as_str(), r.delay)).collect();
    assert_eq!(
        stages,
        [
            ("early_warning", Delay::Hours(24)),
            ("notification", Delay::Hours(72)),
            ("intermediate_report", Delay::OnRequest),
            ("progress_report", Delay::Months(1)),
            ("final_report", Delay::Months(1)),
        ]
    );
    assert_eq!(nis2[4].when_ongoing, Some(WhenOngoing::MovesToEnd));
    assert_eq!(nis2[4].anchor, Anchor::Stage("notification".into()));
    let gdpr = cat
        .obligation("gdpr-art33")
        .map(Obligation::rules)
        .unwrap_or_default();
    assert_eq!(gdpr[0].delay, Delay::Hours(72));
    // A duty with no fixed delay gets no invented one.
    let health = cat
        .obligation("fr-health-serious-incidents")
        .map(Obligation::rules);
    assert_eq!(
        health.unwrap_or_default()[0].delay,
        Delay::WithoutUndueDelay
    );
}

#[test]
fn every_shipped_french_text_keeps_to_the_legal_vocabulary() {
    for o in shipped().obligations() {
        let mut texts = vec![&o.title.fr, &o.recipient.fr, &o.legal_basis.fr];
        texts.extend(o.notice.iter().map(|n| &n.fr));
        for s in &o.stages {
            texts.push(&s.title.fr);
            texts.push(&s.help.fr);
            texts.extend(s.fields.iter().map(|f| &f.label.fr));
        }
        for t in texts {
            assert_eq!(crate::french::shortcuts(t), Vec::new(), "{}: {t}", o.id);
        }
    }
}

#[test]
fn a_broken_template_is_refused_whole_naming_file_entry_and_field() {
    let yaml = r#"
obligation:
  id: "xx-duty"
  title: {en: "Duty", fr: "Devoir"}
  recipient: {en: "Authority"}
  legal_basis: {en: "Law", fr: "Loi"}
  applies_to: {countries: [fr], entity_types: [hospital_chain]}
  trigger: [significant, maybe]
stages:
  - key: first
    title: {en: "First", fr: "Premier"}
    due: "2 days"
    help: {en: "h", fr: "h"}
    fields:
      - {key: a, label: {en: A, fr: A}, prefill: incident.mood}
  - key: second
    title: {en: "Second", fr: "Second"}
    due: "1 month"
    from: "submitted:third"
    help: {en: "h", fr: "h"}
    fields: []
"#;
    let err = parse_obligation("xx.yaml", yaml).err();
    let issues: Vec<(String, String)> = err
        .iter()
        .flat_map(|e| e.issues())
        .map(|i| (i.entry.clone(), i.field.clone()))
        .collect();
    let expected = [
        ("obligation", "recipient.fr"),
        ("obligation", "applies_to.countries[0]"),
        ("obligation", "applies_to.entity_types[0]"),
        ("obligation", "trigger[1]"),
        ("first", "due"),
        ("first", "fields[0].prefill"),
        ("second", "from"),
        ("second", "fields"),
    ];
    let got: Vec<(&str, &str)> = issues
        .iter()
        .map(|(e, f)| (e.as_str(), f.as_str()))
        .collect();
    assert_eq!(got, expected);
    let message = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.starts_with("xx.yaml: entry `obligation`, field `recipient.fr`"),
        "{message}"
    );
}

#[test]
fn an_import_is_all_or_nothing_and_ids_are_unique() {
    let mut cat = shipped();
    let dup = include_str!("../../data/obligations/gdpr-art34.yaml");
    assert!(cat.import_obligation("again.yaml", dup).is_err());
    assert_eq!(cat.obligations().len(), 4);
    let other = dup.replace("id: \"gdpr-art34\"", "id: \"de-example\"");
    let added = cat
        .import_obligation("de.yaml", &other)
        .map(|o| o.id.clone());
    assert_eq!(added.ok().as_deref(), Some("de-example"));
    assert_eq!(cat.obligations().len(), 5);
    assert!(parse_obligation("bad.yaml", "obligation: [").is_err());
}
