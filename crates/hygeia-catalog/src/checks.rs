//! Hygeia's automated checks as data (issue 16): a YAML rule file embedded in the binary, each
//! check naming the signal it reads, its window when the signal needs one, the severity of the
//! observation it raises, its title and description in English and French, and the
//! requirements it informs. Checked whole against the catalog when read: an error refuses the
//! file with its file, entry and field named.

use hygeia_domain::checks::{Severity, Signal, window_problem};
use hygeia_domain::risks::matrix::Label;
use serde::{Deserialize, Serialize};

use crate::Catalog;
use crate::error::{CatalogError, Issue, IssueKind};
use crate::load::{is_token, parse_yaml};
use crate::risks::scenarios::RequirementRef;

/// The shipped rule file, as embedded.
pub const SHIPPED_CHECKS: (&str, &str) = (
    "data/checks/checks.yaml",
    include_str!("../data/checks/checks.yaml"),
);

/// One check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckRule {
    pub id: String,
    pub signal: Signal,
    /// The window in days, for the signals that need one.
    #[serde(default)]
    pub days: Option<u32>,
    pub severity: Severity,
    pub title: Label,
    pub description: Label,
    pub informs: Vec<RequirementRef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    checks: Vec<CheckRule>,
}

/// Characters of a title at most; of a description.
const SHORT: usize = 120;
const LONG: usize = 600;

fn issue(file: &str, entry: &str, field: &str, kind: IssueKind) -> Issue {
    Issue {
        file: file.to_owned(),
        entry: entry.to_owned(),
        field: field.to_owned(),
        kind,
    }
}

/// Every problem of one check.
fn problems(file: &str, rule: &CheckRule, catalog: &Catalog) -> Vec<Issue> {
    let entry = rule.id.as_str();
    let mut found = Vec::new();
    if !is_token(&rule.id) {
        let why = "lower-case letters, digits, `.`, `-` and `_`".to_owned();
        found.push(issue(file, entry, "id", IssueKind::InvalidValue(why)));
    }
    if let Some(why) = window_problem(rule.signal, rule.days) {
        found.push(issue(file, entry, "days", IssueKind::InvalidValue(why)));
    }
    for (field, label, max) in [
        ("title", &rule.title, SHORT),
        ("description", &rule.description, LONG),
    ] {
        for (lang, text) in [("en", &label.en), ("fr", &label.fr)] {
            let field = format!("{field}.{lang}");
            if text.trim().is_empty() {
                found.push(issue(file, entry, &field, IssueKind::Missing));
            } else if text.chars().count() > max {
                let why = format!("at most {max} characters");
                found.push(issue(file, entry, &field, IssueKind::InvalidValue(why)));
            }
        }
    }
    if rule.informs.is_empty() {
        found.push(issue(file, entry, "informs", IssueKind::Missing));
    }
    for (i, r) in rule.informs.iter().enumerate() {
        let field = format!("informs[{i}]");
        if catalog.framework(&r.framework).is_none() {
            let kind = IssueKind::UnknownFramework(r.framework.clone());
            found.push(issue(file, entry, &field, kind));
        } else if catalog.requirement(&r.framework, &r.id).is_none() {
            let kind = IssueKind::DanglingReference {
                framework: r.framework.clone(),
                id: r.id.clone(),
            };
            found.push(issue(file, entry, &field, kind));
        } else if rule.informs[..i].contains(r) {
            let why = format!("{} {} is listed twice", r.framework, r.id);
            found.push(issue(file, entry, &field, IssueKind::InvalidValue(why)));
        }
    }
    found
}

/// Reads a rule file and checks it whole against `catalog`.
pub fn parse_checks(
    file: &str,
    text: &str,
    catalog: &Catalog,
) -> Result<Vec<CheckRule>, CatalogError> {
    let rules: RuleFile = parse_yaml(file, text)?;
    let mut issues = Vec::new();
    for (i, rule) in rules.checks.iter().enumerate() {
        if rules.checks[..i].iter().any(|other| other.id == rule.id) {
            issues.push(issue(file, &rule.id, "id", IssueKind::DuplicateId));
        }
        issues.extend(problems(file, rule, catalog));
    }
    if issues.is_empty() {
        Ok(rules.checks)
    } else {
        Err(CatalogError::Invalid(issues))
    }
}

/// The checks shipped with Hygeia, checked against `catalog`.
pub fn shipped_checks(catalog: &Catalog) -> Result<Vec<CheckRule>, CatalogError> {
    parse_checks(SHIPPED_CHECKS.0, SHIPPED_CHECKS.1, catalog)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_checks_read_every_signal_and_name_only_known_requirements() {
        let catalog = Catalog::load_embedded().unwrap();
        let checks = shipped_checks(&catalog).unwrap();
        for signal in Signal::ALL {
            assert!(
                checks.iter().any(|c| c.signal == signal),
                "no check reads {}",
                signal.as_str()
            );
        }
        let frameworks: Vec<&str> = checks
            .iter()
            .flat_map(|c| c.informs.iter().map(|r| r.framework.as_str()))
            .collect();
        for framework in ["nis2-2024-2690", "iso27001-2022", "iec62443-3-3"] {
            assert!(frameworks.contains(&framework), "{framework}");
        }
    }

    #[test]
    fn a_rule_file_with_an_error_is_refused_whole_with_file_entry_and_field() {
        let catalog = Catalog::load_embedded().unwrap();
        let broken = SHIPPED_CHECKS
            .1
            .replacen("id: \"12.4.1\"", "id: \"12.99\"", 1)
            .replacen("    days: 90\n", "", 1)
            .replacen(
                "title: {en: \"Evidence past its validity\"",
                "title: {en: \"\"",
                1,
            );
        let issues = match parse_checks("rules.yaml", &broken, &catalog) {
            Err(CatalogError::Invalid(issues)) => issues,
            other => vec![Issue {
                file: format!("not refused by its issues: {other:?}"),
                entry: String::new(),
                field: String::new(),
                kind: IssueKind::Missing,
            }],
        };
        let named: Vec<(&str, &str)> = issues
            .iter()
            .map(|i| (i.entry.as_str(), i.field.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("ot-unknown-assets", "informs[0]"),
                ("evidence-expired", "title.en"),
                ("accounts-unused", "days")
            ]
        );
        assert!(issues.iter().all(|i| i.file == "rules.yaml"));
        let unknown = SHIPPED_CHECKS
            .1
            .replacen("signal: kev_unpatched", "signal: moon_phase", 1);
        let error = parse_checks("rules.yaml", &unknown, &catalog).unwrap_err();
        assert!(error.to_string().contains("rules.yaml"), "{error}");
    }
}
