//! Reviewed coverage: for each requirement of a framework, whether named requirements of
//! another framework, audited compliant, meet it in full, meet it except a stated delta, or do
//! not meet it. Pairs grade a relationship between two requirements; a review decides for one
//! requirement what a set of others proves together. Shipped inside a mapping file (its
//! `coverage:` list, format in `docs/catalog-format.md`), validated at load.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::{IssueKind, Issues};
use crate::load::{RawText, required_text};
use crate::model::{Framework, MappingPair, Relationship, Text};

/// What the review concluded for one requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoverageVerdict {
    /// The listed requirements together meet the whole requirement.
    Covered,
    /// They meet it except the stated delta, which the entity confirms on its own.
    Delta,
    /// The other framework has nothing that meets its substance.
    NotCovered,
}

impl CoverageVerdict {
    pub fn code(self) -> &'static str {
        match self {
            Self::Covered => "covered",
            Self::Delta => "delta",
            Self::NotCovered => "not_covered",
        }
    }
}

/// The review of one requirement (of the mapping's source framework) against requirements of
/// its target framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PointCoverage {
    /// The reviewed requirement (source framework).
    pub point: String,
    pub verdict: CoverageVerdict,
    /// The requirements of the target framework that meet it (together), or help.
    pub by: Vec<String>,
    /// Why, in our own words.
    pub rationale: Text,
    /// For [`CoverageVerdict::Delta`]: what the requirement asks beyond them, phrased as what
    /// the entity confirms is in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<Text>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCoverage {
    #[serde(default)]
    point: Option<String>,
    #[serde(default)]
    verdict: Option<String>,
    #[serde(default)]
    by: Vec<String>,
    #[serde(default)]
    rationale: Option<RawText>,
    #[serde(default)]
    delta: Option<RawText>,
}

/// Validates a `coverage:` list against the frameworks it names (when they are loaded).
pub(crate) fn parse_coverage(
    issues: &mut Issues,
    file: &str,
    raw: Vec<RawCoverage>,
    source: Option<&Framework>,
    target: Option<&Framework>,
) -> Vec<PointCoverage> {
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(raw.len());
    for (i, row) in raw.into_iter().enumerate() {
        let entry = format!("coverage[{i}]");
        let point = row.point.map(|p| p.trim().to_owned()).unwrap_or_default();
        if point.is_empty() {
            issues.push(file, &entry, "point", IssueKind::Missing);
        } else if let Some(fw) = source {
            match fw.requirement(&point) {
                None => issues.push(
                    file,
                    &entry,
                    "point",
                    IssueKind::DanglingReference {
                        framework: fw.id().to_owned(),
                        id: point.clone(),
                    },
                ),
                Some(r) if !r.assessable => issues.push(
                    file,
                    &entry,
                    "point",
                    IssueKind::InvalidValue(format!("`{point}` is a heading, not assessable")),
                ),
                Some(_) => {}
            }
        }
        if !point.is_empty() && !seen.insert(point.clone()) {
            issues.push(file, &entry, "point", IssueKind::DuplicateId);
        }
        let verdict = match row.verdict.as_deref().map(str::trim) {
            Some("covered") => CoverageVerdict::Covered,
            Some("delta") => CoverageVerdict::Delta,
            Some("not_covered") => CoverageVerdict::NotCovered,
            other => {
                issues.push(
                    file,
                    &entry,
                    "verdict",
                    IssueKind::InvalidValue(format!(
                        "`{}`; expected covered, delta or not_covered",
                        other.unwrap_or_default()
                    )),
                );
                CoverageVerdict::NotCovered
            }
        };
        let by: Vec<String> = row.by.iter().map(|b| b.trim().to_owned()).collect();
        if by.is_empty() && verdict != CoverageVerdict::NotCovered {
            issues.push(file, &entry, "by", IssueKind::Missing);
        }
        if let Some(fw) = target {
            for id in by.iter().filter(|id| fw.requirement(id).is_none()) {
                issues.push(
                    file,
                    &entry,
                    "by",
                    IssueKind::DanglingReference {
                        framework: fw.id().to_owned(),
                        id: id.clone(),
                    },
                );
            }
        }
        let rationale = required_text(issues, file, &entry, "rationale", row.rationale);
        let delta = match (verdict, row.delta) {
            (CoverageVerdict::Delta, raw) => {
                Some(required_text(issues, file, &entry, "delta", raw))
            }
            (_, Some(_)) => {
                issues.push(
                    file,
                    &entry,
                    "delta",
                    IssueKind::InvalidValue("a delta belongs to verdict `delta` only".into()),
                );
                None
            }
            (_, None) => None,
        };
        out.push(PointCoverage {
            point,
            verdict,
            by,
            rationale,
            delta,
        });
    }
    out
}

/// The pairs a review implies (point, each listed requirement), graded intersect: the verdict
/// holds for the set, not for any one pair.
pub(crate) fn implied_pairs(coverage: &[PointCoverage]) -> Vec<MappingPair> {
    coverage
        .iter()
        .flat_map(|c| {
            c.by.iter().map(|by| MappingPair {
                source: c.point.clone(),
                target: by.clone(),
                relationship: Relationship::Intersect,
                rationale: Some(c.rationale.en.clone()),
            })
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use crate::Catalog;

    const FILE: &str = r#"
mapping: {id: review, title: {en: R, fr: R}, source_framework: nis2-2024-2690, target_framework: iso27001-2022}
coverage:
  - {point: "1.1.1.a", verdict: covered, by: ["5.2"], rationale: {en: why, fr: pourquoi}}
  - {point: "1.1.1.a", verdict: covered, by: ["5.2"], rationale: {en: why, fr: pourquoi}}
  - {point: "1.1.2", verdict: delta, by: ["a.5.1"], rationale: {en: why, fr: pourquoi}}
  - {point: "1.1", verdict: sideways, by: ["a.99"], rationale: {en: why}}
  - {point: "3.5.3.a", verdict: not_covered, by: [], rationale: {en: why, fr: pourquoi}, delta: {en: d, fr: d}}
"#;

    #[test]
    fn reviews_are_checked_entry_by_entry() {
        let mut cat = Catalog::load_embedded().unwrap();
        let err = cat
            .import_mapping("review.yaml", FILE)
            .unwrap_err()
            .to_string();
        for expected in [
            "entry `coverage[1]`, field `point`: duplicate id",
            "entry `coverage[2]`, field `delta.en`: missing",
            "entry `coverage[3]`, field `point`: invalid value: `1.1` is a heading",
            "entry `coverage[3]`, field `verdict`",
            "entry `coverage[3]`, field `by`: dangling reference",
            "entry `coverage[3]`, field `rationale.fr`: missing",
            "entry `coverage[4]`, field `delta`: invalid value: a delta belongs to verdict `delta` only",
        ] {
            assert!(err.contains(expected), "{expected} not in {err}");
        }
    }
}
