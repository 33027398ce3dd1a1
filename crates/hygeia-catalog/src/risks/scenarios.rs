//! The shipped library of risk scenarios for health and pharmaceutical organisations: each
//! with the risk origin and its objective (as EBIOS Risk Manager frames them), the impact
//! dimensions it concerns, the requirements it relates to and measures that reduce it. Read
//! from a YAML file embedded in the binary and checked whole against the catalog: a scenario
//! naming a requirement the catalog does not have is refused with its file, entry and field.

use hygeia_domain::risks::ImpactDimension;
use hygeia_domain::risks::matrix::Label;
use hygeia_domain::risks::register::RiskKind;
use serde::{Deserialize, Serialize};

use crate::Catalog;
use crate::error::{CatalogError, Issue, IssueKind};
use crate::load::{is_token, parse_yaml};

/// The library's file, as embedded.
pub const SHIPPED_SCENARIOS: (&str, &str) = (
    "data/risks/scenarios.yaml",
    include_str!("../../data/risks/scenarios.yaml"),
);

/// The organisations a scenario is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Hospital,
    Laboratory,
    Pharma,
    MedicalDevices,
}

impl Sector {
    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Hospital => "hospital",
            Sector::Laboratory => "laboratory",
            Sector::Pharma => "pharma",
            Sector::MedicalDevices => "medical_devices",
        }
    }
}

/// A requirement of a framework of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementRef {
    pub framework: String,
    pub id: String,
}

/// One scenario of the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub id: String,
    /// Whether it starts from what could happen or from an asset to protect (ISO/IEC
    /// 27005's two approaches).
    pub kind: RiskKind,
    pub sectors: Vec<Sector>,
    pub title: Label,
    pub description: Label,
    /// Who could cause it.
    pub origin: Label,
    /// What they are after.
    pub objective: Label,
    pub impacts: Vec<ImpactDimension>,
    pub requirements: Vec<RequirementRef>,
    /// Measures that reduce it.
    pub measures: Vec<Label>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LibraryFile {
    scenarios: Vec<Scenario>,
}

/// Characters of a title, an origin or an objective at most; of a description or a measure.
const SHORT: usize = 120;
const LONG: usize = 600;

struct Checker<'a> {
    file: &'a str,
    issues: Vec<Issue>,
}

impl Checker<'_> {
    fn issue(&mut self, entry: &str, field: &str, kind: IssueKind) {
        self.issues.push(Issue {
            file: self.file.to_owned(),
            entry: entry.to_owned(),
            field: field.to_owned(),
            kind,
        });
    }

    fn label(&mut self, entry: &str, field: &str, label: &Label, max: usize) {
        for (lang, text) in [("en", &label.en), ("fr", &label.fr)] {
            let field = format!("{field}.{lang}");
            if text.trim().is_empty() {
                self.issue(entry, &field, IssueKind::Missing);
            } else if text.chars().count() > max {
                let why = format!("at most {max} characters");
                self.issue(entry, &field, IssueKind::InvalidValue(why));
            }
        }
    }

    fn scenario(&mut self, s: &Scenario, catalog: &Catalog) {
        let entry = s.id.as_str();
        if !is_token(&s.id) {
            let why = "lower-case letters, digits, `.`, `-` and `_`".to_owned();
            self.issue(entry, "id", IssueKind::InvalidValue(why));
        }
        self.label(entry, "title", &s.title, SHORT);
        self.label(entry, "description", &s.description, LONG);
        self.label(entry, "origin", &s.origin, SHORT);
        self.label(entry, "objective", &s.objective, SHORT);
        for (i, m) in s.measures.iter().enumerate() {
            self.label(entry, &format!("measures[{i}]"), m, LONG);
        }
        for (field, empty) in [
            ("sectors", s.sectors.is_empty()),
            ("impacts", s.impacts.is_empty()),
            ("requirements", s.requirements.is_empty()),
            ("measures", s.measures.is_empty()),
        ] {
            if empty {
                self.issue(entry, field, IssueKind::Missing);
            }
        }
        for (i, d) in s.impacts.iter().enumerate() {
            if s.impacts[..i].contains(d) {
                let why = format!("`{}` is listed twice", d.as_str());
                self.issue(
                    entry,
                    &format!("impacts[{i}]"),
                    IssueKind::InvalidValue(why),
                );
            }
        }
        for (i, r) in s.requirements.iter().enumerate() {
            let field = format!("requirements[{i}]");
            if catalog.framework(&r.framework).is_none() {
                self.issue(
                    entry,
                    &field,
                    IssueKind::UnknownFramework(r.framework.clone()),
                );
            } else if catalog.requirement(&r.framework, &r.id).is_none() {
                let kind = IssueKind::DanglingReference {
                    framework: r.framework.clone(),
                    id: r.id.clone(),
                };
                self.issue(entry, &field, kind);
            }
        }
    }
}

/// Reads a scenario library and checks it whole against `catalog`.
pub fn parse_scenarios(
    file: &str,
    text: &str,
    catalog: &Catalog,
) -> Result<Vec<Scenario>, CatalogError> {
    let library: LibraryFile = parse_yaml(file, text)?;
    let mut checker = Checker {
        file,
        issues: Vec::new(),
    };
    for (i, s) in library.scenarios.iter().enumerate() {
        if library.scenarios[..i].iter().any(|other| other.id == s.id) {
            checker.issue(&s.id, "id", IssueKind::DuplicateId);
        }
        checker.scenario(s, catalog);
    }
    if checker.issues.is_empty() {
        Ok(library.scenarios)
    } else {
        Err(CatalogError::Invalid(checker.issues))
    }
}

/// The library shipped with Hygeia, checked against `catalog`.
pub fn shipped_scenarios(catalog: &Catalog) -> Result<Vec<Scenario>, CatalogError> {
    parse_scenarios(SHIPPED_SCENARIOS.0, SHIPPED_SCENARIOS.1, catalog)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_library_covers_every_sector_and_names_only_known_requirements() {
        let catalog = Catalog::load_embedded().unwrap();
        let scenarios = shipped_scenarios(&catalog).unwrap();
        assert!(scenarios.len() >= 10, "{}", scenarios.len());
        for sector in [
            Sector::Hospital,
            Sector::Laboratory,
            Sector::Pharma,
            Sector::MedicalDevices,
        ] {
            let written_for = scenarios
                .iter()
                .filter(|s| s.sectors.contains(&sector))
                .count();
            assert!(written_for >= 5, "{sector:?}: {written_for}");
        }
        for framework in [
            "nis2-directive",
            "nis2-2024-2690",
            "iso27001-2022",
            "iec62443-3-3",
        ] {
            assert!(
                scenarios
                    .iter()
                    .any(|s| s.requirements.iter().any(|r| r.framework == framework)),
                "{framework}"
            );
        }
        let ransomware = scenarios
            .iter()
            .find(|s| s.id == "ransomware-care-systems")
            .unwrap();
        assert!(ransomware.impacts.contains(&ImpactDimension::PatientSafety));
    }

    #[test]
    fn a_library_naming_what_the_catalog_lacks_is_refused_with_entry_and_field() {
        let catalog = Catalog::load_embedded().unwrap();
        let text = SHIPPED_SCENARIOS
            .1
            .replace(
                "{framework: iec62443-3-3, id: sr-7.8}",
                "{framework: iec62443-3-3, id: sr-99.9}",
            )
            .replace(
                "{framework: nis2-2024-2690, id: \"6.8\"}",
                "{framework: nis2-2099, id: \"6.8\"}",
            )
            .replace("id: formula-theft", "id: ransomware-plant");
        let error = parse_scenarios("ours.yaml", &text, &catalog).unwrap_err();
        let found: Vec<(String, String)> = error
            .issues()
            .iter()
            .map(|i| (i.entry.clone(), i.field.clone()))
            .collect();
        for expected in [
            ("medical-device-compromise", "requirements[3]"),
            ("ransomware-plant", "requirements[0]"),
            ("ransomware-plant", "id"),
        ] {
            assert!(
                found.contains(&(expected.0.to_owned(), expected.1.to_owned())),
                "{expected:?} not in {found:?}"
            );
        }
        let unknown_field =
            SHIPPED_SCENARIOS
                .1
                .replacen("kind: event", "kind: event\n    colour: red", 1);
        assert!(parse_scenarios("ours.yaml", &unknown_field, &catalog).is_err());
    }
}
