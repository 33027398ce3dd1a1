//! One entity's standing on a target framework (NIS2, 2024/2690): its own assessment results
//! where it has them, the results derived from another framework's assessment (ISO/IEC 27001)
//! everywhere else.
//!
//! An own result counts when it is set to something other than `not_assessed`; a requirement
//! without one takes its derived result. Own results therefore *complete* the derived view
//! instead of replacing it, and accepting a derived result (which records the derived value as
//! the own result) never lowers the merged score: the counted value stays the same.
//!
//! Besides the scores, the merge counts what is left to do: deltas to confirm (derived by the
//! reviewed crosswalk's `delta_to_confirm` rule, no own result), and real gaps — a derived
//! `no_coverage` or `non_compliant` result without an own result, and own non-compliant results.

use std::collections::HashMap;

use hygeia_catalog::Catalog;
use serde::{Deserialize, Serialize};

use crate::derive::ReuseView;
use crate::error::ComplianceError;
use crate::result::{ResultValue, SourceResult, validate_results};
use crate::rules::{DerivedValue, Rule};
use crate::score::{Scores, score_results};

/// What the merge needs of one derived result: its value and the rule that concluded it (a
/// derived view without provenance or explanations, small enough to keep in a cache).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DerivedOutcome {
    pub requirement_id: String,
    pub value: DerivedValue,
    pub rule: Rule,
}

impl DerivedOutcome {
    /// The outcomes of a derived view, in its order.
    pub fn of_view(view: &ReuseView) -> Vec<DerivedOutcome> {
        view.derived
            .iter()
            .map(|d| DerivedOutcome {
                requirement_id: d.requirement_id.clone(),
                value: d.value,
                rule: d.rule,
            })
            .collect()
    }
}

/// Where the counted value of a requirement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MergedOrigin {
    /// The entity's own result (set, not `not_assessed`).
    Own,
    /// The derived result, for want of an own result.
    Derived { value: DerivedValue, rule: Rule },
    /// Neither an own result nor a derived one: not assessed.
    Missing,
}

/// The counted result of one requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedResult {
    pub requirement_id: String,
    /// The value scored (a derived `no_coverage` counts as `not_assessed`).
    pub value: ResultValue,
    pub origin: MergedOrigin,
}

/// What the merge leaves to do, and where the counted values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MergedCounts {
    /// Requirements counted with the entity's own result.
    pub own: usize,
    /// Requirements counted with a derived result.
    pub derived: usize,
    /// Derived by `delta_to_confirm` without an own result: the delta is the only work left.
    pub deltas_to_confirm: usize,
    /// Derived `no_coverage` without an own result: the source framework says nothing.
    pub not_covered: usize,
    /// Derived `non_compliant` without an own result.
    pub derived_non_compliant: usize,
    /// Own non-compliant results.
    pub own_non_compliant: usize,
}

impl MergedCounts {
    /// Real gaps: not covered, non-compliant derived results and own non-compliant results.
    pub fn gaps(&self) -> usize {
        self.not_covered + self.derived_non_compliant + self.own_non_compliant
    }
}

/// The merged results of a framework, their scores (overall and per Art. 21(2) letter) and
/// counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merged {
    pub framework: String,
    /// Every assessable requirement, in the framework's order.
    pub results: Vec<MergedResult>,
    /// Scored as assessment results (see [`score_results`]); `no_coverage` counts the
    /// requirements left to a derived `no_coverage` (scored like `not_assessed`).
    pub scores: Scores,
    pub counts: MergedCounts,
}

/// Merge the entity's own results of `framework_id` with the outcomes derived for it from
/// another framework (empty when there is no source assessment). Own results are validated
/// like any assessment's; derived outcomes naming no assessable requirement are ignored.
pub fn merge(
    catalog: &Catalog,
    framework_id: &str,
    own: &[SourceResult],
    derived: &[DerivedOutcome],
) -> Result<Merged, ComplianceError> {
    let framework =
        catalog
            .framework(framework_id)
            .ok_or_else(|| ComplianceError::UnknownFramework {
                field: "framework",
                framework: framework_id.to_owned(),
            })?;
    validate_results(framework, own).map_err(ComplianceError::InvalidResults)?;
    let own: HashMap<&str, &SourceResult> = own
        .iter()
        .filter(|r| r.value != ResultValue::NotAssessed)
        .map(|r| (r.requirement_id.as_str(), r))
        .collect();
    let derived: HashMap<&str, &DerivedOutcome> = derived
        .iter()
        .map(|d| (d.requirement_id.as_str(), d))
        .collect();
    let mut counts = MergedCounts::default();
    let mut results = Vec::new();
    let mut scored = Vec::new();
    // Per requirement left to a derived no-coverage result: its letters, to report them apart
    // from the not-assessed ones.
    let mut not_covered_letters = Vec::new();
    for requirement in framework.assessable() {
        let id = requirement.id.as_str();
        let (value, origin) = match (own.get(id), derived.get(id)) {
            (Some(result), _) => {
                counts.own += 1;
                if result.value == ResultValue::NonCompliant {
                    counts.own_non_compliant += 1;
                }
                scored.push((*result).clone());
                (result.value, MergedOrigin::Own)
            }
            (None, Some(d)) => {
                counts.derived += 1;
                match d.value {
                    DerivedValue::NoCoverage => {
                        counts.not_covered += 1;
                        not_covered_letters.extend(requirement.nis2_art21.iter().copied());
                    }
                    DerivedValue::NonCompliant => counts.derived_non_compliant += 1,
                    _ => {}
                }
                if d.rule == Rule::DeltaToConfirm {
                    counts.deltas_to_confirm += 1;
                }
                let value = d.value.as_result();
                if value != ResultValue::NotAssessed {
                    scored.push(SourceResult::new(id, value));
                }
                (
                    value,
                    MergedOrigin::Derived {
                        value: d.value,
                        rule: d.rule,
                    },
                )
            }
            (None, None) => (ResultValue::NotAssessed, MergedOrigin::Missing),
        };
        results.push(MergedResult {
            requirement_id: requirement.id.clone(),
            value,
            origin,
        });
    }
    let mut scores = score_results(catalog, framework_id, &scored)?;
    // No coverage scores like not assessed (0 points, in the denominator); say which is which.
    scores.overall.no_coverage = counts.not_covered;
    scores.overall.not_assessed = scores
        .overall
        .not_assessed
        .saturating_sub(counts.not_covered);
    for letter in &mut scores.by_letter {
        let n = not_covered_letters
            .iter()
            .filter(|l| **l == letter.letter)
            .count();
        letter.score.no_coverage = n;
        letter.score.not_assessed = letter.score.not_assessed.saturating_sub(n);
    }
    Ok(Merged {
        framework: framework.id().to_owned(),
        results,
        scores,
        counts,
    })
}

/// [`merge`] with a derived view of the framework.
pub fn merge_view(
    catalog: &Catalog,
    own: &[SourceResult],
    view: &ReuseView,
) -> Result<Merged, ComplianceError> {
    merge(
        catalog,
        &view.target_framework,
        own,
        &DerivedOutcome::of_view(view),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::decision::accept_derived;
    use crate::derive::Reuse;
    use crate::review::Reviews;
    use crate::reviewed::ConfirmedDeltas;
    use crate::score::score_view;
    use hygeia_catalog::ids::{ISO27001_2022, NIS2_2024_2690};

    /// A small deterministic generator, so the property runs the same cases every time.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, below: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) as usize) % below.max(1)
        }
    }

    fn catalog() -> Catalog {
        Catalog::load_embedded().unwrap()
    }

    fn iso_ids(catalog: &Catalog) -> Vec<String> {
        catalog
            .framework(ISO27001_2022)
            .unwrap()
            .assessable()
            .map(|r| r.id.clone())
            .collect()
    }

    fn nis2_ids(catalog: &Catalog) -> Vec<String> {
        catalog
            .framework(NIS2_2024_2690)
            .unwrap()
            .assessable()
            .map(|r| r.id.clone())
            .collect()
    }

    fn result(id: &str, value: ResultValue) -> SourceResult {
        match value {
            ResultValue::NotApplicable => SourceResult::not_applicable(id, "not for us"),
            v => SourceResult::new(id, v),
        }
    }

    fn fully_compliant_view(catalog: &Catalog) -> ReuseView {
        let reuse = Reuse::new(catalog, ISO27001_2022, NIS2_2024_2690).unwrap();
        let iso: Vec<SourceResult> = iso_ids(catalog)
            .iter()
            .map(|id| SourceResult::new(id.clone(), ResultValue::Compliant))
            .collect();
        reuse.derive(&iso, &[]).unwrap()
    }

    /// `a` is at least `b`: compared on half points over the denominator, exactly.
    fn at_least(a: &crate::Score, b: &crate::Score) -> bool {
        let half = |s: &crate::Score| 2 * s.compliant + s.partially_compliant;
        match (a.scored, b.scored) {
            (_, 0) => true,
            (0, _) => false,
            (sa, sb) => half(a) * sb >= half(b) * sa,
        }
    }

    #[test]
    fn without_own_results_the_merge_is_the_derived_view() {
        let cat = catalog();
        let view = fully_compliant_view(&cat);
        let merged = merge_view(&cat, &[], &view).unwrap();
        let derived = score_view(&cat, &view).unwrap();
        assert_eq!(merged.scores, derived, "same scores, letters included");
        let c = merged.counts;
        assert_eq!((c.own, c.derived), (0, view.derived.len()));
        // The documented figures of a fully compliant ISO/IEC 27001 assessment.
        assert_eq!(c.deltas_to_confirm, view.counts.partially_compliant);
        assert_eq!(c.not_covered, view.counts.no_coverage);
        assert_eq!(c.gaps(), view.counts.no_coverage);
        assert_eq!(merged.scores.overall.no_coverage, view.counts.no_coverage);
    }

    #[test]
    fn without_a_derived_view_the_merge_is_the_own_assessment() {
        let cat = catalog();
        let ids = nis2_ids(&cat);
        let own = vec![
            SourceResult::new(ids[0].clone(), ResultValue::Compliant),
            SourceResult::new(ids[1].clone(), ResultValue::NonCompliant),
            SourceResult::not_applicable(ids[2].clone(), "not for us"),
            SourceResult::new(ids[3].clone(), ResultValue::NotAssessed),
        ];
        let merged = merge(&cat, NIS2_2024_2690, &own, &[]).unwrap();
        assert_eq!(
            merged.scores,
            score_results(&cat, NIS2_2024_2690, &own).unwrap()
        );
        assert_eq!(merged.counts.own, 3, "not assessed is no own result");
        assert_eq!(merged.counts.own_non_compliant, 1);
        assert_eq!(merged.counts.gaps(), 1);
        assert_eq!(merged.results.len(), nis2_ids(&cat).len());
        let missing = merged
            .results
            .iter()
            .find(|r| r.requirement_id == ids[3])
            .unwrap();
        assert_eq!(missing.origin, MergedOrigin::Missing);
    }

    #[test]
    fn own_results_complete_the_derived_view_instead_of_replacing_it() {
        // The bug this merge fixes: one accepted result used to replace the whole derived view,
        // and the score fell from about half to almost nothing.
        let cat = catalog();
        let view = fully_compliant_view(&cat);
        let accepted = view
            .derived
            .iter()
            .find(|d| d.value == DerivedValue::Compliant)
            .unwrap();
        let own = vec![
            accept_derived(&view, &accepted.requirement_id)
                .unwrap()
                .result,
        ];
        let own_only = score_results(&cat, NIS2_2024_2690, &own).unwrap();
        let merged = merge_view(&cat, &own, &view).unwrap();
        let before = merge_view(&cat, &[], &view).unwrap();
        assert!(own_only.overall.percent.unwrap() < 1.0);
        assert_eq!(merged.scores, before.scores);
        assert_eq!(merged.counts.own, 1);
        assert_eq!(merged.counts.derived, view.derived.len() - 1);
        let first = merged
            .results
            .iter()
            .find(|r| r.requirement_id == accepted.requirement_id)
            .unwrap();
        assert_eq!(first.origin, MergedOrigin::Own);
    }

    #[test]
    fn own_results_decide_where_set_and_count_their_gaps() {
        let cat = catalog();
        let view = fully_compliant_view(&cat);
        let delta = view
            .derived
            .iter()
            .find(|d| d.rule == Rule::DeltaToConfirm)
            .unwrap();
        let uncovered = view
            .derived
            .iter()
            .find(|d| d.value == DerivedValue::NoCoverage)
            .unwrap();
        let covered = view
            .derived
            .iter()
            .find(|d| d.value == DerivedValue::Compliant)
            .unwrap();
        let own = vec![
            // The delta confirmed by assessing the point compliant.
            SourceResult::new(delta.requirement_id.clone(), ResultValue::Compliant),
            // The uncovered point assessed, and found wanting.
            SourceResult::new(uncovered.requirement_id.clone(), ResultValue::NonCompliant),
            // Own results win even when lower than the derived one.
            SourceResult::new(
                covered.requirement_id.clone(),
                ResultValue::PartiallyCompliant,
            ),
        ];
        let before = merge_view(&cat, &[], &view).unwrap().counts;
        let after = merge_view(&cat, &own, &view).unwrap();
        let c = after.counts;
        assert_eq!(c.deltas_to_confirm, before.deltas_to_confirm - 1);
        assert_eq!(c.not_covered, before.not_covered - 1);
        assert_eq!(c.own_non_compliant, 1);
        assert_eq!(c.gaps(), before.gaps(), "one gap assessed, still a gap");
        assert_eq!(c.own, 3);
        let value_of = |id: &str| {
            after
                .results
                .iter()
                .find(|r| r.requirement_id == id)
                .unwrap()
                .value
        };
        assert_eq!(
            value_of(&covered.requirement_id),
            ResultValue::PartiallyCompliant
        );
        assert_eq!(value_of(&delta.requirement_id), ResultValue::Compliant);
    }

    #[test]
    fn invalid_own_results_and_unknown_frameworks_are_refused() {
        let cat = catalog();
        let id = nis2_ids(&cat).remove(0);
        let bad = [SourceResult::new(id, ResultValue::NotApplicable)];
        assert!(matches!(
            merge(&cat, NIS2_2024_2690, &bad, &[]),
            Err(ComplianceError::InvalidResults(_))
        ));
        assert!(matches!(
            merge(&cat, "nope", &[], &[]),
            Err(ComplianceError::UnknownFramework { .. })
        ));
    }

    /// Property, over the real catalog: for random ISO/IEC 27001 assessments, random confirmed
    /// deltas and random own NIS2 results, accepting any one derived result (of a requirement
    /// the merge takes from the derived view) never lowers the merged score — overall or of
    /// any Art. 21(2) letter — nor adds a gap or a delta to confirm; and accepting them one
    /// after the other never lowers it either.
    #[test]
    fn property_accepting_a_derived_result_never_lowers_the_merged_score() {
        let cat = catalog();
        let reuse = Reuse::new(&cat, ISO27001_2022, NIS2_2024_2690).unwrap();
        let iso = iso_ids(&cat);
        let nis2 = nis2_ids(&cat);
        let mut rng = Lcg(2_690);
        for round in 0..8 {
            let mut results = Vec::new();
            for id in &iso {
                // Mostly compliant, as certified organisations are; some gaps and unknowns.
                let value = match rng.next(10) {
                    0 => continue,
                    1 => ResultValue::NonCompliant,
                    2 => ResultValue::PartiallyCompliant,
                    3 if round % 2 == 0 => ResultValue::NotApplicable,
                    4 => ResultValue::NotAssessed,
                    _ => ResultValue::Compliant,
                };
                results.push(result(id, value));
            }
            let confirmed = ConfirmedDeltas::new(
                nis2.iter()
                    .filter(|_| rng.next(4) == 0)
                    .cloned()
                    .collect::<Vec<_>>(),
            );
            let view = reuse.derive_confirmed(&results, &Reviews::default(), &confirmed);
            // Some own results already recorded (in one round, none).
            let mut own: Vec<SourceResult> = Vec::new();
            for id in &nis2 {
                if round > 0 && rng.next(12) == 0 {
                    own.push(result(id, ResultValue::ALL[rng.next(5)]));
                }
            }
            let base = merge_view(&cat, &own, &view).unwrap();
            let mut accepted_any = false;
            for r in &base.results {
                if !matches!(r.origin, MergedOrigin::Derived { .. }) {
                    continue;
                }
                let Ok(decided) = accept_derived(&view, &r.requirement_id) else {
                    // Nothing to accept (no coverage).
                    continue;
                };
                let mut with = own.clone();
                with.retain(|o| o.requirement_id != r.requirement_id);
                with.push(decided.result);
                let after = merge_view(&cat, &with, &view).unwrap();
                assert!(
                    at_least(&after.scores.overall, &base.scores.overall),
                    "round {round}: accepting {} lowered the score",
                    r.requirement_id
                );
                for (a, b) in after.scores.by_letter.iter().zip(&base.scores.by_letter) {
                    assert!(
                        at_least(&a.score, &b.score),
                        "round {round}: accepting {} lowered letter ({})",
                        r.requirement_id,
                        a.letter
                    );
                }
                assert!(after.counts.gaps() <= base.counts.gaps());
                assert!(after.counts.deltas_to_confirm <= base.counts.deltas_to_confirm);
                accepted_any = true;
            }
            assert!(accepted_any, "round {round} accepted something");
            // One after the other: the score never goes down.
            let mut previous = base.scores.overall;
            for d in &view.derived {
                if own.iter().any(|o| {
                    o.requirement_id == d.requirement_id && o.value != ResultValue::NotAssessed
                }) {
                    continue;
                }
                let Ok(decided) = accept_derived(&view, &d.requirement_id) else {
                    continue;
                };
                own.retain(|o| o.requirement_id != d.requirement_id);
                own.push(decided.result);
                let now = merge_view(&cat, &own, &view).unwrap().scores.overall;
                assert!(
                    at_least(&now, &previous),
                    "round {round}: {}",
                    d.requirement_id
                );
                previous = now;
            }
        }
    }
}
