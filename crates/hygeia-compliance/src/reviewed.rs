//! Hygeia's reviewed coverage in a derivation: where a mapping set carries a review of the
//! target requirement (which source requirements meet it together, in full or except a
//! delta, or not at all), the review decides instead of the pair grades, as long as no
//! organisation reviewed a pair reaching the requirement (their review wins).
//!
//! - covered, every listed source compliant → compliant;
//! - covered except a delta, every listed source compliant → partially compliant until the
//!   entity confirms the delta, compliant once it has;
//! - not covered → no coverage: the requirement is assessed on its own;
//! - a listed source not compliant (or not assessed, or not applicable), or any other linked
//!   source non-compliant → the pair rules decide, as without a review (a review never hides
//!   a failure the pairs show).

use std::collections::{BTreeSet, HashMap};

use hygeia_catalog::{CoverageVerdict, Framework, MappingSet, PointCoverage, Text};
use serde::{Deserialize, Serialize};

use crate::result::ResultValue;
use crate::rules::Rule;
use crate::source::SourceResults;

/// The review behind a derived result, as shown with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewedCoverage {
    /// The mapping set carrying the review (its provenance is Hygeia's).
    pub mapping_set: String,
    pub verdict: CoverageVerdict,
    /// The source requirements the review names, as users cite them (`A.5.1`).
    pub by: Vec<String>,
    /// Their ids in the source framework.
    pub by_ids: Vec<String>,
    pub rationale: Text,
    /// What the requirement asks beyond the sources (verdict delta).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<Text>,
    /// The entity confirmed the delta.
    #[serde(default)]
    pub delta_confirmed: bool,
    /// Whether the review decided the result (false when a listed source was not compliant
    /// or an organisation reviewed a pair: the pair rules decided).
    pub decided: bool,
}

/// The target requirements whose delta the entity confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfirmedDeltas(BTreeSet<String>);

impl ConfirmedDeltas {
    pub fn new(requirement_ids: impl IntoIterator<Item = String>) -> Self {
        Self(requirement_ids.into_iter().collect())
    }

    pub fn contains(&self, requirement_id: &str) -> bool {
        self.0.contains(requirement_id)
    }
}

/// The reviews of the target framework's requirements against the source framework.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReviewIndex<'c> {
    by_point: HashMap<&'c str, (&'c MappingSet, &'c PointCoverage)>,
}

impl<'c> ReviewIndex<'c> {
    /// Reviews among `sets` whose reviewed requirements belong to `target` and whose listed
    /// requirements belong to `source`.
    pub fn build(sets: &[&'c MappingSet], source: &Framework, target: &Framework) -> Self {
        let mut by_point = HashMap::new();
        for set in sets.iter().copied().filter(|set| {
            set.meta.source_framework == target.id() && set.meta.target_framework == source.id()
        }) {
            for coverage in &set.coverage {
                by_point
                    .entry(coverage.point.as_str())
                    .or_insert((set, coverage));
            }
        }
        Self { by_point }
    }

    /// Applies the review of `requirement` (if any): the rule it concludes when it decides,
    /// and what to show with the result either way.
    pub fn apply(
        &self,
        requirement: &str,
        source: &Framework,
        book: &mut SourceResults<'c>,
        confirmed: &ConfirmedDeltas,
        organisation_reviewed: bool,
        linked_non_compliant: bool,
    ) -> Option<(Option<Rule>, ReviewedCoverage)> {
        let (set, coverage) = self.by_point.get(requirement)?;
        let all_compliant = coverage
            .by
            .iter()
            .all(|id| book.value_of(id).0 == ResultValue::Compliant);
        let delta_confirmed =
            coverage.verdict == CoverageVerdict::Delta && confirmed.contains(requirement);
        let rule = match coverage.verdict {
            _ if organisation_reviewed => None,
            CoverageVerdict::NotCovered => Some(Rule::NotCoveredByReview),
            _ if !all_compliant || linked_non_compliant => None,
            CoverageVerdict::Covered => Some(Rule::CoveredByReview),
            CoverageVerdict::Delta if delta_confirmed => Some(Rule::DeltaConfirmed),
            CoverageVerdict::Delta => Some(Rule::DeltaToConfirm),
        };
        let shown = ReviewedCoverage {
            mapping_set: set.id().to_owned(),
            verdict: coverage.verdict,
            by: coverage
                .by
                .iter()
                .map(|id| {
                    source
                        .requirement(id)
                        .map_or_else(|| id.clone(), |r| r.reference.clone())
                })
                .collect(),
            by_ids: coverage.by.clone(),
            rationale: coverage.rationale.clone(),
            delta: coverage.delta.clone(),
            delta_confirmed,
            decided: rule.is_some(),
        };
        Some((rule, shown))
    }
}

/// The explanation of a result the review decided.
pub(crate) fn explain(rule: Rule, review: &ReviewedCoverage, source: &Framework) -> Option<Text> {
    let refs = review.by.join(", ");
    let (src_en, src_fr) = (&source.meta.name.en, &source.meta.name.fr);
    let why = &review.rationale;
    let delta = review.delta.clone().unwrap_or_default();
    Some(match rule {
        Rule::CoveredByReview => Text::new(
            format!(
                "Compliant: Hygeia's review finds that {refs} together meet this point in full, and each is compliant. {}",
                why.en
            ),
            format!(
                "Conforme : selon la revue Hygeia, {refs} satisfont ensemble ce point en entier, et chacune est conforme. {}",
                why.fr
            ),
        ),
        Rule::DeltaToConfirm => Text::new(
            format!(
                "Partially compliant until you confirm what this point asks beyond {src_en}: {} {refs} are compliant and cover the rest. {}",
                delta.en, why.en
            ),
            format!(
                "Partiellement conforme tant que vous n'avez pas confirmé ce que ce point exige au-delà de {src_fr} : {} {refs} sont conformes et couvrent le reste. {}",
                delta.fr, why.fr
            ),
        ),
        Rule::DeltaConfirmed => Text::new(
            format!(
                "Compliant: {refs} are compliant and the entity confirmed what the point asks beyond them: {}",
                delta.en
            ),
            format!(
                "Conforme : {refs} sont conformes et l'entité a confirmé ce que le point exige en plus : {}",
                delta.fr
            ),
        ),
        Rule::NotCoveredByReview => {
            let (related_en, related_fr) = if refs.is_empty() {
                (String::new(), String::new())
            } else {
                (
                    format!(" Related, and they help: {refs}."),
                    format!(" Exigences liées, utiles : {refs}."),
                )
            };
            Text::new(
                format!(
                    "Not covered by {src_en}: Hygeia's review finds nothing there that meets this point ({}). Assess it on its own.{related_en}",
                    why.en.trim_end_matches('.')
                ),
                format!(
                    "Non couvert par {src_fr} : selon la revue Hygeia, rien n'y satisfait ce point ({}). Évaluez-le en tant que tel.{related_fr}",
                    why.fr.trim_end_matches('.')
                ),
            )
        }
        _ => return None,
    })
}
