//! The reuse rules: from the linked source results to one derived result. Documented, with
//! the same codes, in `docs/reuse-rules.md`.

use hygeia_catalog::Relationship;
use serde::{Deserialize, Serialize};

use crate::result::ResultValue;

/// A derived result. Unlike an assessed [`ResultValue`] it is never "not applicable"
/// (applicability is the entity's call), and it can be "no coverage": the source framework
/// says nothing about the requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DerivedValue {
    Compliant,
    PartiallyCompliant,
    NonCompliant,
    /// Linked source requirements exist but none is assessed yet.
    NotAssessed,
    /// No usable pair links the requirement to the source framework: it is specific to the
    /// target framework and must be assessed on its own.
    NoCoverage,
}

impl DerivedValue {
    pub const ALL: [DerivedValue; 5] = [
        DerivedValue::Compliant,
        DerivedValue::PartiallyCompliant,
        DerivedValue::NonCompliant,
        DerivedValue::NotAssessed,
        DerivedValue::NoCoverage,
    ];

    /// The assessment result a user gets when accepting the derived result (no coverage
    /// gives "not assessed": there is nothing to accept).
    pub fn as_result(self) -> ResultValue {
        match self {
            Self::Compliant => ResultValue::Compliant,
            Self::PartiallyCompliant => ResultValue::PartiallyCompliant,
            Self::NonCompliant => ResultValue::NonCompliant,
            Self::NotAssessed | Self::NoCoverage => ResultValue::NotAssessed,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Compliant => "compliant",
            Self::PartiallyCompliant => "partially_compliant",
            Self::NonCompliant => "non_compliant",
            Self::NotAssessed => "not_assessed",
            Self::NoCoverage => "no_coverage",
        }
    }
}

/// The rule that concluded a derived result. Codes are stable: stores and exports keep them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    NoPair,
    AllPairsRejected,
    OnlyNotApplicableSources,
    SourcesNotAssessed,
    EqualSourceNonCompliant,
    AllSourcesNonCompliant,
    SomeSourceNonCompliant,
    CoveredByCompliantSources,
    PartialRelationshipsOnly,
    MixedSourceResults,
    /// Hygeia's review: the listed sources together meet the requirement, all compliant.
    CoveredByReview,
    /// Hygeia's review: the listed sources, all compliant, meet it except a delta that the
    /// entity has not confirmed yet.
    DeltaToConfirm,
    /// The same, with the delta confirmed by the entity.
    DeltaConfirmed,
    /// Hygeia's review: the source framework does not meet the requirement.
    NotCoveredByReview,
}

impl Rule {
    /// Every rule: the pair rules in evaluation order, then the reviewed-coverage rules
    /// (`reviewed.rs`), which take precedence where a review applies.
    pub const ALL: [Rule; 14] = [
        Rule::NoPair,
        Rule::AllPairsRejected,
        Rule::OnlyNotApplicableSources,
        Rule::SourcesNotAssessed,
        Rule::EqualSourceNonCompliant,
        Rule::AllSourcesNonCompliant,
        Rule::SomeSourceNonCompliant,
        Rule::CoveredByCompliantSources,
        Rule::PartialRelationshipsOnly,
        Rule::MixedSourceResults,
        Rule::CoveredByReview,
        Rule::DeltaToConfirm,
        Rule::DeltaConfirmed,
        Rule::NotCoveredByReview,
    ];

    /// Stable code, as serialized.
    pub fn code(self) -> &'static str {
        match self {
            Self::NoPair => "no_pair",
            Self::AllPairsRejected => "all_pairs_rejected",
            Self::OnlyNotApplicableSources => "only_not_applicable_sources",
            Self::SourcesNotAssessed => "sources_not_assessed",
            Self::EqualSourceNonCompliant => "equal_source_non_compliant",
            Self::AllSourcesNonCompliant => "all_sources_non_compliant",
            Self::SomeSourceNonCompliant => "some_source_non_compliant",
            Self::CoveredByCompliantSources => "covered_by_compliant_sources",
            Self::PartialRelationshipsOnly => "partial_relationships_only",
            Self::MixedSourceResults => "mixed_source_results",
            Self::CoveredByReview => "covered_by_review",
            Self::DeltaToConfirm => "delta_to_confirm",
            Self::DeltaConfirmed => "delta_confirmed",
            Self::NotCoveredByReview => "not_covered_by_review",
        }
    }

    /// The value this rule concludes.
    pub fn value(self) -> DerivedValue {
        match self {
            Self::NoPair
            | Self::AllPairsRejected
            | Self::OnlyNotApplicableSources
            | Self::NotCoveredByReview => DerivedValue::NoCoverage,
            Self::SourcesNotAssessed => DerivedValue::NotAssessed,
            Self::EqualSourceNonCompliant | Self::AllSourcesNonCompliant => {
                DerivedValue::NonCompliant
            }
            Self::CoveredByCompliantSources | Self::CoveredByReview | Self::DeltaConfirmed => {
                DerivedValue::Compliant
            }
            Self::SomeSourceNonCompliant
            | Self::PartialRelationshipsOnly
            | Self::MixedSourceResults
            | Self::DeltaToConfirm => DerivedValue::PartiallyCompliant,
        }
    }
}

/// Whether a relationship "source is … of target" means the source covers the whole target.
pub fn covers(relationship: Relationship) -> bool {
    matches!(relationship, Relationship::Equal | Relationship::Superset)
}

/// One linked source result as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evidence {
    /// Relationship "source is … of target", after review and after carrying it through the
    /// requirement tree.
    pub relationship: Relationship,
    pub value: ResultValue,
    /// A reviewer rejected the pair.
    pub rejected: bool,
}

/// Apply the rules, in order; the first that matches concludes.
pub fn conclude(links: &[Evidence]) -> Rule {
    use ResultValue::{Compliant, NonCompliant, NotApplicable, NotAssessed};
    if links.is_empty() {
        return Rule::NoPair;
    }
    let live: Vec<&Evidence> = links.iter().filter(|e| !e.rejected).collect();
    if live.is_empty() {
        return Rule::AllPairsRejected;
    }
    let usable: Vec<&Evidence> = live
        .into_iter()
        .filter(|e| e.value != NotApplicable)
        .collect();
    if usable.is_empty() {
        return Rule::OnlyNotApplicableSources;
    }
    let assessed: Vec<&&Evidence> = usable.iter().filter(|e| e.value != NotAssessed).collect();
    if assessed.is_empty() {
        return Rule::SourcesNotAssessed;
    }
    if assessed
        .iter()
        .any(|e| e.value == NonCompliant && e.relationship == Relationship::Equal)
    {
        return Rule::EqualSourceNonCompliant;
    }
    if assessed.iter().all(|e| e.value == NonCompliant) {
        return Rule::AllSourcesNonCompliant;
    }
    if assessed.iter().any(|e| e.value == NonCompliant) {
        return Rule::SomeSourceNonCompliant;
    }
    if usable.iter().all(|e| e.value == Compliant) {
        if usable.iter().any(|e| covers(e.relationship)) {
            return Rule::CoveredByCompliantSources;
        }
        return Rule::PartialRelationshipsOnly;
    }
    Rule::MixedSourceResults
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use Relationship::*;
    use ResultValue::*;

    fn ev(relationship: Relationship, value: ResultValue) -> Evidence {
        Evidence {
            relationship,
            value,
            rejected: false,
        }
    }

    #[test]
    fn each_rule_has_a_case() {
        let rejected = Evidence {
            rejected: true,
            ..ev(Equal, Compliant)
        };
        let cases: [(&[Evidence], Rule); 10] = [
            (&[], Rule::NoPair),
            (&[rejected], Rule::AllPairsRejected),
            (
                &[ev(Equal, NotApplicable), rejected],
                Rule::OnlyNotApplicableSources,
            ),
            (&[ev(Intersect, NotAssessed)], Rule::SourcesNotAssessed),
            (
                &[ev(Equal, NonCompliant), ev(Superset, Compliant)],
                Rule::EqualSourceNonCompliant,
            ),
            (
                &[ev(Superset, NonCompliant), ev(Intersect, NotAssessed)],
                Rule::AllSourcesNonCompliant,
            ),
            (
                &[ev(Intersect, NonCompliant), ev(Superset, Compliant)],
                Rule::SomeSourceNonCompliant,
            ),
            (
                &[ev(Superset, Compliant), ev(Intersect, Compliant)],
                Rule::CoveredByCompliantSources,
            ),
            (
                &[ev(Intersect, Compliant), ev(Subset, Compliant)],
                Rule::PartialRelationshipsOnly,
            ),
            (
                &[ev(Equal, Compliant), ev(Intersect, PartiallyCompliant)],
                Rule::MixedSourceResults,
            ),
        ];
        for (links, rule) in cases {
            assert_eq!(conclude(links), rule, "{links:?}");
        }
        let mut codes: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 14);
        for rule in Rule::ALL {
            let json = serde_json::to_string(&rule).unwrap();
            assert_eq!(json, format!("\"{}\"", rule.code()));
        }
    }

    #[test]
    fn not_applicable_and_rejected_sources_do_not_count() {
        let rejected = Evidence {
            rejected: true,
            ..ev(Equal, Compliant)
        };
        // The only covering sources are rejected or not applicable: what is left only overlaps.
        assert_eq!(
            conclude(&[
                rejected,
                ev(Superset, NotApplicable),
                ev(Intersect, Compliant)
            ]),
            Rule::PartialRelationshipsOnly
        );
        // A rejected non-compliant pair does not drag the result down.
        let rejected_failure = Evidence {
            rejected: true,
            ..ev(Equal, NonCompliant)
        };
        assert_eq!(
            conclude(&[rejected_failure, ev(Superset, Compliant)]),
            Rule::CoveredByCompliantSources
        );
    }

    /// Property, over every combination of up to three linked results: the derived value is
    /// never better than the rules allow.
    #[test]
    fn property_conservative_over_all_small_combinations() {
        let relationships = [Equal, Subset, Superset, Intersect];
        let mut atoms = Vec::new();
        for r in relationships {
            for v in ResultValue::ALL {
                atoms.push(ev(r, v));
                atoms.push(Evidence {
                    rejected: true,
                    ..ev(r, v)
                });
            }
        }
        let n = atoms.len();
        let mut checked = 0;
        for a in 0..=n {
            for b in a..=n {
                for c in b..=n {
                    let links: Vec<Evidence> = [a, b, c]
                        .iter()
                        .filter_map(|&i| atoms.get(i).copied())
                        .collect();
                    let rule = conclude(&links);
                    let value = rule.value();
                    let counted: Vec<&Evidence> = links
                        .iter()
                        .filter(|e| !e.rejected && e.value != NotApplicable)
                        .collect();
                    if value == DerivedValue::Compliant {
                        assert!(counted.iter().any(|e| covers(e.relationship)), "{links:?}");
                        assert!(counted.iter().all(|e| e.value == Compliant), "{links:?}");
                    }
                    if counted.iter().any(|e| e.value == NonCompliant) {
                        assert!(
                            matches!(
                                value,
                                DerivedValue::PartiallyCompliant | DerivedValue::NonCompliant
                            ),
                            "{links:?}"
                        );
                    }
                    if counted.iter().all(|e| !covers(e.relationship)) {
                        assert_ne!(value, DerivedValue::Compliant, "{links:?}");
                    }
                    if counted.is_empty() {
                        assert_eq!(value, DerivedValue::NoCoverage, "{links:?}");
                    }
                    checked += 1;
                }
            }
        }
        assert!(checked > 5000);
    }
}
