//! Reuse on the real embedded catalogs: ISO/IEC 27001:2022 → 2024/2690 (→ NIS2 Directive).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hygeia_catalog::ids::{ISO27001_2022, NIS2_2024_2690, NIS2_DIRECTIVE};
use hygeia_catalog::{Catalog, Relationship};
use hygeia_compliance::{
    Contribution, DerivedValue, GapKind, PairReview, Reach, ResultValue, Reuse, ReviewDecision,
    ReviewState, Rule, SourceResult, Suggestions, gap_view, score_results, score_view,
};

const ENISA_ISO: &str = "enisa-2024-2690-to-iso27001-2022";

fn complete_iso(catalog: &Catalog, overrides: &[(&str, ResultValue)]) -> Vec<SourceResult> {
    catalog
        .framework(ISO27001_2022)
        .unwrap()
        .assessable()
        .map(|r| {
            let value = overrides
                .iter()
                .find(|(id, _)| *id == r.id)
                .map_or(ResultValue::Compliant, |(_, v)| *v);
            SourceResult::new(r.id.clone(), value)
        })
        .collect()
}

#[test]
fn fully_compliant_iso_gives_partial_nis2_and_the_specific_gap() {
    let cat = Catalog::load_embedded().unwrap();
    let reuse = Reuse::new(&cat, ISO27001_2022, NIS2_2024_2690).unwrap();
    assert_eq!(reuse.mapping_sets(), [ENISA_ISO]);
    let view = reuse.derive(&complete_iso(&cat, &[]), &[]).unwrap();

    // 353 Annex points (351 before 3.6.3 and 13.1.2(e) were made assessable) and Hygeia's two
    // Art. 21(2)(j) supplement points.
    assert_eq!(view.derived.len(), 355);
    // ENISA grades every pair `intersect`: nothing comes out compliant.
    assert_eq!(view.counts.compliant, 0);
    let unmapped = cat.unmapped(NIS2_2024_2690, ENISA_ISO);
    assert_eq!(view.counts.no_coverage, unmapped.len());
    // shared/data/README.md says about 26 Annex points have no ISO pair. In the catalog as
    // shipped, 26 assessable Annex points have no pair at any level (27 when pairs on parts are
    // not counted: 5.2.1 is reached only through its parts 5.2.a and 5.2.b) — 24 before 3.6.3 and
    // 13.1.2(e), which ENISA does not map, became assessable — plus the 2 supplement points.
    assert_eq!(view.counts.no_coverage, 28);
    assert_eq!(view.counts.partially_compliant, 355 - 28);

    for d in &view.derived {
        match d.value {
            DerivedValue::PartiallyCompliant => {
                assert!(!d.provenance.is_empty());
                assert!(
                    d.provenance
                        .iter()
                        .all(|p| p.relationship == Relationship::Intersect
                            || p.relationship == Relationship::Subset),
                    "{}",
                    d.requirement_id
                );
                assert_eq!(d.rule, Rule::PartialRelationshipsOnly);
                assert!(d.provenance.iter().all(|p| p.mapping_set == ENISA_ISO));
            }
            DerivedValue::NoCoverage => {
                assert_eq!(d.rule, Rule::NoPair);
                assert!(d.provenance.is_empty());
            }
            other => panic!("{}: unexpected {other:?}", d.requirement_id),
        }
    }
    for id in [
        "7.2", "7.2.a", "7.3", "9.2.a", "9.2.c.iv", "9.3", "3.6.3", "13.1.2.e", "hyg.j.1",
        "hyg.j.2",
    ] {
        assert_eq!(
            view.get(id).unwrap().value,
            DerivedValue::NoCoverage,
            "{id}"
        );
    }
    // 5.2.1 has no pair of its own but its parts have: partly covered, through descendants.
    let register = view.get("5.2.1").unwrap();
    assert_eq!(register.value, DerivedValue::PartiallyCompliant);
    assert!(
        register
            .provenance
            .iter()
            .all(|p| matches!(p.reach, Reach::ViaDescendant { .. }))
    );
}

#[test]
fn non_compliant_segregation_of_networks_shows_on_segmentation_points() {
    let cat = Catalog::load_embedded().unwrap();
    let reuse = Reuse::new(&cat, ISO27001_2022, NIS2_2024_2690).unwrap();
    let results = complete_iso(&cat, &[("a.8.22", ResultValue::NonCompliant)]);
    let view = reuse.derive(&results, &[]).unwrap();
    let segmentation: Vec<&str> = [
        "6.8.1", "6.8.2.a", "6.8.2.b", "6.8.2.c", "6.8.2.d", "6.8.2.e", "6.8.2.f", "6.8.2.g",
        "6.8.2.h", "6.8.3",
    ]
    .to_vec();
    for id in segmentation {
        let d = view.get(id).unwrap();
        assert!(
            matches!(
                d.value,
                DerivedValue::NonCompliant | DerivedValue::PartiallyCompliant
            ),
            "{id}"
        );
        assert!(matches!(
            d.rule,
            Rule::AllSourcesNonCompliant | Rule::SomeSourceNonCompliant
        ));
        let failing: Vec<&str> = d
            .provenance
            .iter()
            .filter(|p| p.source_result == ResultValue::NonCompliant)
            .map(|p| p.source_ref.as_str())
            .collect();
        assert_eq!(failing, ["A.8.22"], "{id}");
        assert!(d.explanation.en.contains("A.8.22"), "{id}");
        assert!(d.explanation.fr.contains("A.8.22"), "{id}");
    }
    // 6.8.1 maps to A.8.22 only.
    assert_eq!(view.get("6.8.1").unwrap().value, DerivedValue::NonCompliant);
    // Points without an A.8.22 pair are unaffected.
    assert_eq!(
        view.get("6.7.2.a").unwrap().rule,
        Rule::PartialRelationshipsOnly
    );
}

#[test]
fn a_review_changes_a_real_derivation() {
    let cat = Catalog::load_embedded().unwrap();
    let reuse = Reuse::new(&cat, ISO27001_2022, NIS2_2024_2690).unwrap();
    let results = complete_iso(&cat, &[]);
    let refine = PairReview::new(
        ENISA_ISO,
        "6.8.1",
        "a.8.22",
        ReviewDecision::Refined {
            relationship: Relationship::Equal,
            rationale: "Our A.8.22 procedure zones by risk and separates third parties".into(),
        },
    );
    let view = reuse.derive(&results, &[refine]).unwrap();
    let d = view.get("6.8.1").unwrap();
    assert_eq!(d.value, DerivedValue::Compliant);
    assert_eq!(d.rule, Rule::CoveredByCompliantSources);
    let p = &d.provenance[0];
    assert_eq!(p.counted_as, Contribution::Covers);
    assert!(matches!(
        p.review,
        ReviewState::Refined {
            shipped: Relationship::Intersect,
            ..
        }
    ));
    assert_eq!(view.counts.compliant, 1);

    let reject = PairReview::new(
        ENISA_ISO,
        "6.8.1",
        "a.8.22",
        ReviewDecision::Rejected { rationale: None },
    );
    let view = reuse.derive(&results, &[reject]).unwrap();
    assert_eq!(view.get("6.8.1").unwrap().rule, Rule::AllPairsRejected);
}

#[test]
fn gap_view_and_scores_by_art21_letter() {
    let cat = Catalog::load_embedded().unwrap();
    let reuse = Reuse::new(&cat, ISO27001_2022, NIS2_2024_2690).unwrap();
    let view = reuse.derive(&complete_iso(&cat, &[]), &[]).unwrap();
    let suggestions = Suggestions::embedded().unwrap();
    let gaps = gap_view(&cat, &view, &suggestions).unwrap();
    assert_eq!(gaps.counts.no_coverage, 28);
    assert_eq!(gaps.no_coverage().len(), 28);
    assert_eq!(gaps.letters.len(), 10);
    let letter = |c: char| {
        gaps.letters
            .iter()
            .find(|l| l.letter.as_char() == c)
            .unwrap()
    };
    // 7.2–7.3 are point (f), 9.2–9.3 point (h).
    assert_eq!(letter('f').counts.no_coverage, 8);
    assert_eq!(letter('h').counts.no_coverage, 16);
    for gap in letter('f')
        .gaps
        .iter()
        .filter(|g| g.kind == GapKind::NoCoverage)
    {
        assert!(gap.suggestion.text.en.contains("effectiveness"));
        assert!(!gap.suggestion.text.fr.is_empty());
    }
    assert!(gaps.without_letter.is_empty());
    // Point (j): the secured communications (Hygeia's supplement) are a gap ISO does not close.
    let j: Vec<&str> = letter('j')
        .gaps
        .iter()
        .filter(|g| g.kind == GapKind::NoCoverage)
        .map(|g| g.requirement_id.as_str())
        .collect();
    assert_eq!(j, ["hyg.j.1", "hyg.j.2"]);

    let scores = score_view(&cat, &view).unwrap();
    assert_eq!(scores.overall.total, 355);
    assert_eq!(scores.overall.no_coverage, 28);
    assert_eq!(scores.overall.points, 163.5);
    assert_eq!(scores.overall.percent, Some(46.1));
    let f = scores
        .by_letter
        .iter()
        .find(|l| l.letter.as_char() == 'f')
        .unwrap();
    assert_eq!(f.score.no_coverage, 8);
    let h = scores
        .by_letter
        .iter()
        .find(|l| l.letter.as_char() == 'h')
        .unwrap();
    assert_eq!(h.score.compliant, 0);
}

#[test]
fn chaining_to_the_directive_letters() {
    let cat = Catalog::load_embedded().unwrap();
    let annex = Reuse::new(&cat, ISO27001_2022, NIS2_2024_2690)
        .unwrap()
        .derive(&complete_iso(&cat, &[]), &[])
        .unwrap();
    let directive = Reuse::new(&cat, NIS2_2024_2690, NIS2_DIRECTIVE).unwrap();
    let view = directive.derive(&annex.to_source_results(), &[]).unwrap();
    let letter_a = view.get("art21.2.a").unwrap();
    // Sections 1 and 2 are grouping nodes: their results are aggregated; the letter is wider
    // than its sections, so it is at best partially compliant.
    assert_eq!(letter_a.value, DerivedValue::PartiallyCompliant);
    assert!(letter_a.provenance.iter().all(|p| p.source_group.is_some()));
    assert!(
        letter_a
            .provenance
            .iter()
            .all(|p| p.relationship == Relationship::Subset)
    );
    // Reporting deadlines (Art. 23) and management training (Art. 20) are Directive-only.
    for id in ["art23.4.a", "art20.2.management-training"] {
        assert_eq!(
            view.get(id).unwrap().value,
            DerivedValue::NoCoverage,
            "{id}"
        );
    }
    let gaps = gap_view(&cat, &view, &Suggestions::embedded().unwrap()).unwrap();
    let training = gaps
        .without_letter
        .iter()
        .find(|g| g.requirement_id == "art20.2.management-training")
        .unwrap();
    assert!(training.suggestion.text.en.contains("management body"));
}

#[test]
fn every_rule_is_documented() {
    let doc = include_str!("../../../docs/reuse-rules.md");
    for rule in Rule::ALL {
        assert!(
            doc.contains(&format!("`{}`", rule.code())),
            "{}",
            rule.code()
        );
    }
}

/// A small deterministic generator (linear congruential), so the property test needs no
/// dependency and always runs the same cases.
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

/// Property: over random ISO assessments and random reviews, every derived result obeys the
/// conservative rules, and the scores stay within bounds.
#[test]
fn property_random_assessments_and_reviews() {
    use hygeia_compliance::score_view;
    let cat = Catalog::load_embedded().unwrap();
    let reuse = Reuse::new(&cat, ISO27001_2022, NIS2_2024_2690).unwrap();
    let iso: Vec<String> = cat
        .framework(ISO27001_2022)
        .unwrap()
        .assessable()
        .map(|r| r.id.clone())
        .collect();
    let pairs = &cat.mapping_set(ENISA_ISO).unwrap().pairs;
    let relationships = [
        Relationship::Equal,
        Relationship::Subset,
        Relationship::Superset,
        Relationship::Intersect,
    ];
    let mut rng = Lcg(2024_2690);
    for round in 0..40 {
        let mut results: Vec<SourceResult> = Vec::new();
        for id in &iso {
            // One requirement in ten has no result at all (not assessed).
            if rng.next(10) == 0 {
                continue;
            }
            results.push(match ResultValue::ALL[rng.next(5)] {
                ResultValue::NotApplicable => SourceResult::not_applicable(id.clone(), "n/a"),
                v => SourceResult::new(id.clone(), v),
            });
        }
        let mut reviews: Vec<PairReview> = Vec::new();
        for _ in 0..rng.next(60) {
            let pair = &pairs[rng.next(pairs.len())];
            if reviews
                .iter()
                .any(|r| r.source == pair.source && r.target == pair.target)
            {
                continue;
            }
            let decision = match rng.next(3) {
                0 => ReviewDecision::Confirmed,
                1 => ReviewDecision::Rejected { rationale: None },
                _ => ReviewDecision::Refined {
                    relationship: relationships[rng.next(4)],
                    rationale: "generated".into(),
                },
            };
            reviews.push(PairReview::new(
                ENISA_ISO,
                pair.source.clone(),
                pair.target.clone(),
                decision,
            ));
        }
        let view = reuse.derive(&results, &reviews).unwrap();
        for d in &view.derived {
            let counted: Vec<_> = d
                .provenance
                .iter()
                .filter(|p| {
                    !matches!(
                        p.counted_as,
                        Contribution::IgnoredRejected | Contribution::IgnoredNotApplicable
                    )
                })
                .collect();
            let id = &d.requirement_id;
            if d.value == DerivedValue::Compliant {
                assert!(
                    counted.iter().any(|p| p.counted_as == Contribution::Covers),
                    "{round} {id}"
                );
                assert!(
                    counted
                        .iter()
                        .all(|p| p.source_result == ResultValue::Compliant),
                    "{round} {id}"
                );
                assert!(
                    d.provenance
                        .iter()
                        .any(|p| matches!(p.review, ReviewState::Refined { .. })),
                    "{round} {id}: only a refinement can make an ENISA pair covering"
                );
            }
            if counted
                .iter()
                .any(|p| p.source_result == ResultValue::NonCompliant)
            {
                assert!(
                    matches!(
                        d.value,
                        DerivedValue::NonCompliant | DerivedValue::PartiallyCompliant
                    ),
                    "{round} {id}"
                );
            }
            assert_eq!(
                d.value == DerivedValue::NoCoverage,
                counted.is_empty(),
                "{round} {id}"
            );
            assert_eq!(d.rule.value(), d.value);
        }
        let scores = score_view(&cat, &view).unwrap();
        assert_eq!(scores.overall.total, 355);
        let ratio = scores.overall.ratio.unwrap();
        assert!((0.0..=1.0).contains(&ratio));
        for l in &scores.by_letter {
            assert!(l.score.ratio.is_none_or(|r| (0.0..=1.0).contains(&r)));
        }
    }
}

/// Art. 21(2)(j) is multi-factor authentication *and* secured communications: a 2024/2690
/// assessment with both 11.7 points compliant and the communications unaddressed scores (j) at
/// 50 %, not 100 % (issue 17).
#[test]
fn point_j_cannot_reach_100_percent_on_authentication_alone() {
    let cat = Catalog::load_embedded().unwrap();
    let results = [
        SourceResult::new("11.7.1", ResultValue::Compliant),
        SourceResult::new("11.7.2", ResultValue::Compliant),
    ];
    let scores = score_results(&cat, NIS2_2024_2690, &results).unwrap();
    let j = scores
        .by_letter
        .iter()
        .find(|l| l.letter.as_char() == 'j')
        .unwrap();
    assert_eq!(j.score.total, 4);
    assert_eq!(j.score.compliant, 2);
    assert_eq!(j.score.not_assessed, 2);
    assert_eq!(j.score.percent, Some(50.0));
    let all = [
        SourceResult::new("11.7.1", ResultValue::Compliant),
        SourceResult::new("11.7.2", ResultValue::Compliant),
        SourceResult::new("hyg.j.1", ResultValue::Compliant),
        SourceResult::new("hyg.j.2", ResultValue::Compliant),
    ];
    let scores = score_results(&cat, NIS2_2024_2690, &all).unwrap();
    let j = scores
        .by_letter
        .iter()
        .find(|l| l.letter.as_char() == 'j')
        .unwrap();
    assert_eq!(j.score.percent, Some(100.0));
}
