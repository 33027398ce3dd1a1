//! Reuse on the real embedded catalogs: ISO/IEC 27001:2022 → 2024/2690 (→ NIS2 Directive).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hygeia_catalog::ids::{ISO27001_2022, NIS2_2024_2690, NIS2_DIRECTIVE};
use hygeia_catalog::{Catalog, CoverageVerdict, Relationship};
use hygeia_compliance::{
    ConfirmedDeltas, Contribution, DerivedValue, GapKind, PairReview, ResultOrigin, ResultValue,
    Reuse, ReviewDecision, ReviewState, Reviews, Rule, SourceResult, Suggestions, accept_derived,
    gap_view, score_results, score_view,
};

const ENISA_ISO: &str = "enisa-2024-2690-to-iso27001-2022";
const HYGEIA_ISO: &str = "hygeia-2024-2690-to-iso27001-2022";

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
fn fully_compliant_iso_credits_the_reviewed_points_and_leaves_deltas_and_gaps() {
    let cat = Catalog::load_embedded().unwrap();
    let reuse = Reuse::new(&cat, ISO27001_2022, NIS2_2024_2690).unwrap();
    assert_eq!(reuse.mapping_sets(), [ENISA_ISO, HYGEIA_ISO]);
    let view = reuse.derive(&complete_iso(&cat, &[]), &[]).unwrap();

    // 353 Annex points and Hygeia's two Art. 21(2)(j) supplement points, each decided by the
    // reviewed crosswalk: 101 credited in full, 237 deltas to confirm, 17 not covered by ISO.
    assert_eq!(view.derived.len(), 355);
    assert_eq!(view.counts.compliant, 101);
    assert_eq!(view.counts.partially_compliant, 237);
    assert_eq!(view.counts.no_coverage, 17);
    let review_set = cat.mapping_set(HYGEIA_ISO).unwrap();
    for d in &view.derived {
        let review = d.review.as_ref().unwrap();
        assert!(review.decided, "{}", d.requirement_id);
        assert_eq!(review.mapping_set, HYGEIA_ISO);
        let shipped = review_set.coverage_of(&d.requirement_id).unwrap();
        let expected = match shipped.verdict {
            CoverageVerdict::Covered => (DerivedValue::Compliant, Rule::CoveredByReview),
            CoverageVerdict::Delta => (DerivedValue::PartiallyCompliant, Rule::DeltaToConfirm),
            CoverageVerdict::NotCovered => (DerivedValue::NoCoverage, Rule::NotCoveredByReview),
        };
        assert_eq!((d.value, d.rule), expected, "{}", d.requirement_id);
        // The explanation names the ISO requirements of the review, in both languages.
        if let Some(first) = review.by.first() {
            assert!(
                d.explanation.en.contains(first.as_str()),
                "{}",
                d.requirement_id
            );
            assert!(
                d.explanation.fr.contains(first.as_str()),
                "{}",
                d.requirement_id
            );
        }
        if d.rule == Rule::DeltaToConfirm {
            let delta = review.delta.as_ref().unwrap();
            assert!(d.explanation.en.contains(&delta.en), "{}", d.requirement_id);
            assert!(d.explanation.fr.contains(&delta.fr), "{}", d.requirement_id);
        }
    }
    // The NIS2 notification duties and crisis management are not ISO's; the policy is.
    assert_eq!(view.get("3.5.3.a").unwrap().value, DerivedValue::NoCoverage);
    assert_eq!(view.get("4.3.1").unwrap().value, DerivedValue::NoCoverage);
    assert_eq!(view.get("1.1.1.a").unwrap().value, DerivedValue::Compliant);
    // Accepting a reviewed result cites the review's ISO requirements.
    let accepted = accept_derived(&view, "1.1.1.a").unwrap();
    let ResultOrigin::AcceptedDerivation { sources, rule, .. } = accepted.origin else {
        panic!("not an accepted derivation");
    };
    assert_eq!(rule, Rule::CoveredByReview);
    assert_eq!(
        sources,
        view.get("1.1.1.a").unwrap().review.as_ref().unwrap().by
    );

    // Confirming every delta credits them: only the 17 points ISO does not cover remain.
    let deltas: Vec<String> = view
        .derived
        .iter()
        .filter(|d| d.rule == Rule::DeltaToConfirm)
        .map(|d| d.requirement_id.clone())
        .collect();
    let confirmed = reuse.derive_confirmed(
        &complete_iso(&cat, &[]),
        &Reviews::default(),
        &ConfirmedDeltas::new(deltas),
    );
    assert_eq!(confirmed.counts.compliant, 338);
    assert_eq!(confirmed.counts.no_coverage, 17);
    let policy_review = confirmed.get("1.1.2").unwrap();
    assert_eq!(policy_review.rule, Rule::DeltaConfirmed);
    assert!(policy_review.review.as_ref().unwrap().delta_confirmed);
}

/// A review credits only what its listed requirements prove: one of them not compliant, or
/// any linked requirement non-compliant, and the pair rules decide as before.
#[test]
fn a_review_never_hides_a_failing_source() {
    let cat = Catalog::load_embedded().unwrap();
    let reuse = Reuse::new(&cat, ISO27001_2022, NIS2_2024_2690).unwrap();
    let review_set = cat.mapping_set(HYGEIA_ISO).unwrap();
    let covered = review_set
        .coverage
        .iter()
        .find(|c| c.verdict == CoverageVerdict::Covered && c.by.len() > 1)
        .unwrap();
    let failing = covered.by[1].clone();
    let results = complete_iso(&cat, &[(failing.as_str(), ResultValue::NotAssessed)]);
    let view = reuse.derive(&results, &[]).unwrap();
    let d = view.get(&covered.point).unwrap();
    assert_ne!(d.value, DerivedValue::Compliant, "{}", covered.point);
    assert!(!d.review.as_ref().unwrap().decided);
    let results = complete_iso(&cat, &[(failing.as_str(), ResultValue::NonCompliant)]);
    let view = reuse.derive(&results, &[]).unwrap();
    let d = view.get(&covered.point).unwrap();
    assert!(
        matches!(
            d.value,
            DerivedValue::PartiallyCompliant | DerivedValue::NonCompliant
        ),
        "{}",
        covered.point
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
        let mut failing: Vec<&str> = d
            .provenance
            .iter()
            .filter(|p| p.source_result == ResultValue::NonCompliant)
            .map(|p| p.source_ref.as_str())
            .collect();
        failing.dedup();
        assert_eq!(failing, ["A.8.22"], "{id}");
        assert!(d.explanation.en.contains("A.8.22"), "{id}");
        assert!(d.explanation.fr.contains("A.8.22"), "{id}");
    }
    // 6.8.1 maps to A.8.22 only.
    assert_eq!(view.get("6.8.1").unwrap().value, DerivedValue::NonCompliant);
    // Points without an A.8.22 pair are unaffected: their review still decides.
    assert!(matches!(
        view.get("6.7.2.a").unwrap().rule,
        Rule::CoveredByReview | Rule::DeltaToConfirm
    ));
}

#[test]
fn a_review_changes_a_real_derivation() {
    let cat = Catalog::load_embedded().unwrap();
    let reuse = Reuse::new(&cat, ISO27001_2022, NIS2_2024_2690).unwrap();
    let results = complete_iso(&cat, &[]);
    let unreviewed = reuse.derive(&results, &[]).unwrap();
    // Hygeia's review finds a delta on 6.8.1 (what ISO's segregation leaves unsaid).
    assert_eq!(unreviewed.get("6.8.1").unwrap().rule, Rule::DeltaToConfirm);
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
    // The organisation's review wins over Hygeia's: one more point compliant.
    assert_eq!(view.counts.compliant, unreviewed.counts.compliant + 1);
    assert!(d.provenance.iter().all(|p| p.mapping_set == ENISA_ISO));

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
    // What a fully compliant ISO assessment leaves: 17 points ISO does not cover, and 237
    // deltas to confirm; nothing else (no failing or unassessed source).
    assert_eq!(gaps.counts.no_coverage, 17);
    assert_eq!(gaps.counts.delta_to_confirm, 237);
    assert_eq!(gaps.counts.total(), 17 + 237);
    assert_eq!(gaps.no_coverage().len(), 17);
    assert_eq!(gaps.letters.len(), 10);
    let letter = |c: char| {
        gaps.letters
            .iter()
            .find(|l| l.letter.as_char() == c)
            .unwrap()
    };
    // Crisis management (4.3, point (c)) and the NIS2 notification duties (point (b)) are
    // not ISO's; the effectiveness assessment (section 7, point (f)) is ISO's, but for two deltas.
    assert_eq!(letter('c').counts.no_coverage, 7);
    assert_eq!(letter('b').counts.no_coverage, 3);
    assert_eq!(letter('f').counts.no_coverage, 0);
    assert_eq!(letter('f').counts.delta_to_confirm, 2);
    // Every delta gap suggests its own delta and names what is already in place, instead of
    // the generic suggestion for the section.
    for gap in gaps
        .letters
        .iter()
        .flat_map(|l| &l.gaps)
        .filter(|g| g.kind == GapKind::DeltaToConfirm)
    {
        let delta = gap.delta.as_ref().unwrap();
        assert!(
            gap.suggestion.text.en.contains(&delta.en),
            "{}",
            gap.reference
        );
        assert!(
            gap.suggestion.text.fr.contains(&delta.fr),
            "{}",
            gap.reference
        );
        assert!(!gap.in_place.is_empty(), "{}", gap.reference);
        assert!(
            gap.suggestion.text.en.contains(&gap.in_place[0]),
            "{}",
            gap.reference
        );
    }
    assert!(gaps.without_letter.is_empty());
    // Point (j): the emergency communications channel (Hygeia's supplement) is a gap ISO does
    // not close; secured communications (hyg.j.1) and MFA (11.7) are deltas.
    let j: Vec<&str> = letter('j')
        .gaps
        .iter()
        .filter(|g| g.kind == GapKind::NoCoverage)
        .map(|g| g.requirement_id.as_str())
        .collect();
    assert_eq!(j, ["hyg.j.2"]);

    let scores = score_view(&cat, &view).unwrap();
    assert_eq!(scores.overall.total, 355);
    assert_eq!(scores.overall.no_coverage, 17);
    // 101 compliant points, 237 half points.
    assert_eq!(scores.overall.points, 101.0 + 237.0 / 2.0);
    assert_eq!(scores.overall.percent, Some(61.8));
    let h = scores
        .by_letter
        .iter()
        .find(|l| l.letter.as_char() == 'h')
        .unwrap();
    assert_eq!(h.score.compliant, 2);
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
        let result_of = |id: &str| {
            results
                .iter()
                .find(|r| r.requirement_id == id)
                .map_or(ResultValue::NotAssessed, |r| r.value)
        };
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
            let by_review = matches!(
                d.rule,
                Rule::CoveredByReview
                    | Rule::DeltaToConfirm
                    | Rule::DeltaConfirmed
                    | Rule::NotCoveredByReview
            );
            if by_review {
                let review = d.review.as_ref().unwrap();
                assert!(review.decided, "{round} {id}");
                // Only when no organisation review reaches the point.
                assert!(
                    d.provenance
                        .iter()
                        .all(|p| p.review == ReviewState::Unreviewed),
                    "{round} {id}"
                );
                if d.rule != Rule::NotCoveredByReview {
                    assert!(
                        review
                            .by_ids
                            .iter()
                            .all(|s| result_of(s) == ResultValue::Compliant),
                        "{round} {id}"
                    );
                }
            }
            if d.value == DerivedValue::Compliant && !by_review {
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
                        DerivedValue::NonCompliant
                            | DerivedValue::PartiallyCompliant
                            | DerivedValue::NoCoverage
                    ),
                    "{round} {id}"
                );
                assert_ne!(d.rule, Rule::CoveredByReview, "{round} {id}");
            }
            if !by_review {
                assert_eq!(
                    d.value == DerivedValue::NoCoverage,
                    counted.is_empty(),
                    "{round} {id}"
                );
            }
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
