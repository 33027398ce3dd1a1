//! Hygeia's reviewed crosswalk from ISO/IEC 27001:2022 to the 2024/2690 Annex: a decision for
//! every assessable point, a rationale for each in both languages, a delta in both languages
//! for every "covered except", and the figures the README quotes.

use hygeia_catalog::ids::{ISO27001_2022, NIS2_2024_2690};
use hygeia_catalog::{Catalog, CoverageVerdict};

const REVIEW: &str = "hygeia-2024-2690-to-iso27001-2022";

#[test]
fn every_assessable_point_has_a_reviewed_decision() {
    let catalog = Catalog::load_embedded().unwrap();
    let review = catalog.mapping_set(REVIEW).unwrap();
    assert_eq!(review.meta.source_framework, NIS2_2024_2690);
    assert_eq!(review.meta.target_framework, ISO27001_2022);
    assert!(review.meta.source.contains("Hygeia"), "provenance names us");
    let nis2 = catalog.framework(NIS2_2024_2690).unwrap();
    let mut missing = Vec::new();
    for point in nis2.assessable() {
        match review.coverage_of(&point.id) {
            None => missing.push(point.id.clone()),
            Some(c) => {
                assert!(
                    !c.rationale.en.is_empty() && !c.rationale.fr.is_empty(),
                    "{}: rationale in both languages",
                    c.point
                );
                match c.verdict {
                    CoverageVerdict::Delta => {
                        let delta = c.delta.as_ref().unwrap();
                        assert!(
                            !delta.en.is_empty() && !delta.fr.is_empty() && delta.en != delta.fr,
                            "{}: delta in English and French",
                            c.point
                        );
                        assert!(!c.by.is_empty(), "{}", c.point);
                    }
                    CoverageVerdict::Covered => assert!(!c.by.is_empty(), "{}", c.point),
                    CoverageVerdict::NotCovered => assert!(c.delta.is_none()),
                }
            }
        }
    }
    assert!(missing.is_empty(), "points without a decision: {missing:?}");
    assert_eq!(review.coverage.len(), nis2.assessable().count());
}

#[test]
fn the_review_figures_match_the_readme() {
    let catalog = Catalog::load_embedded().unwrap();
    let review = catalog.mapping_set(REVIEW).unwrap();
    let count = |v| review.coverage.iter().filter(|c| c.verdict == v).count();
    // README and BENCHMARKS quote these: a fully compliant ISO assessment credits 101 points,
    // leaves 237 deltas to confirm and 17 points not covered by ISO.
    assert_eq!(count(CoverageVerdict::Covered), 101);
    assert_eq!(count(CoverageVerdict::Delta), 237);
    assert_eq!(count(CoverageVerdict::NotCovered), 17);
    // The reviewed pairs are offered beside ENISA's, each graded intersect.
    assert!(review.pairs.len() >= review.coverage.len() - 17);
}
