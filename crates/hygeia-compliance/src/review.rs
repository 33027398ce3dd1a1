//! Reviews of crosswalk pairs: a person confirms, refines or rejects a shipped pair, and later
//! derivations follow the review.

use std::collections::HashMap;

use hygeia_catalog::{Catalog, MappingPair, Relationship};
use serde::{Deserialize, Serialize};

use crate::error::ReviewError;

/// What a reviewer decided about one pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReviewDecision {
    /// The shipped relationship is right.
    Confirmed,
    /// The pair holds with another relationship, read like the mapping set's pairs:
    /// "the pair's source is <relationship> of the pair's target".
    Refined {
        relationship: Relationship,
        rationale: String,
    },
    /// The pair does not hold; derivations ignore it.
    Rejected {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rationale: Option<String>,
    },
}

/// A review of one pair, named as the mapping set names it (its own source and target ids,
/// whatever the direction of the reuse).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairReview {
    pub mapping_set: String,
    pub source: String,
    pub target: String,
    pub decision: ReviewDecision,
}

impl PairReview {
    pub fn new(
        mapping_set: impl Into<String>,
        source: impl Into<String>,
        target: impl Into<String>,
        decision: ReviewDecision,
    ) -> Self {
        Self {
            mapping_set: mapping_set.into(),
            source: source.into(),
            target: target.into(),
            decision,
        }
    }
}

/// The review state of a pair as provenance reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReviewState {
    /// Nobody reviewed the pair: the shipped relationship applies.
    Unreviewed,
    Confirmed,
    /// The review replaced the shipped relationship (`shipped`, in the mapping set's
    /// direction) with the one provenance reports.
    Refined {
        shipped: Relationship,
        rationale: String,
    },
    Rejected {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rationale: Option<String>,
    },
}

/// Validated reviews, looked up by pair.
#[derive(Debug, Clone, Default)]
pub struct Reviews {
    by_pair: HashMap<(String, String, String), ReviewDecision>,
}

impl Reviews {
    /// Check every review against the catalog (the pair exists, a refinement has a rationale,
    /// one review per pair) and index them. Every problem is returned, in input order.
    pub fn validate(
        catalog: &Catalog,
        reviews: &[PairReview],
    ) -> Result<Reviews, Vec<ReviewError>> {
        let mut errors = Vec::new();
        let mut by_pair = HashMap::new();
        for review in reviews {
            let (set, source, target) = (&review.mapping_set, &review.source, &review.target);
            let named = || (set.clone(), source.clone(), target.clone());
            let Some(mapping) = catalog.mapping_set(set) else {
                let (mapping_set, source_id, target_id) = named();
                errors.push(ReviewError::UnknownMappingSet {
                    mapping_set,
                    source_id,
                    target_id,
                });
                continue;
            };
            if !mapping
                .pairs
                .iter()
                .any(|p| &p.source == source && &p.target == target)
            {
                let (mapping_set, source_id, target_id) = named();
                errors.push(ReviewError::UnknownPair {
                    mapping_set,
                    source_id,
                    target_id,
                });
                continue;
            }
            if let ReviewDecision::Refined { rationale, .. } = &review.decision
                && rationale.trim().is_empty()
            {
                let (mapping_set, source_id, target_id) = named();
                errors.push(ReviewError::MissingRationale {
                    mapping_set,
                    source_id,
                    target_id,
                });
                continue;
            }
            if by_pair.insert(named(), review.decision.clone()).is_some() {
                let (mapping_set, source_id, target_id) = named();
                errors.push(ReviewError::DuplicateReview {
                    mapping_set,
                    source_id,
                    target_id,
                });
            }
        }
        if errors.is_empty() {
            Ok(Reviews { by_pair })
        } else {
            Err(errors)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.by_pair.is_empty()
    }

    /// The relationship a pair has after review (in the mapping set's direction), or `None`
    /// when the pair was rejected, with the review state for provenance.
    pub(crate) fn apply(
        &self,
        mapping_set: &str,
        pair: &MappingPair,
    ) -> (Option<Relationship>, ReviewState) {
        if self.by_pair.is_empty() {
            return (Some(pair.relationship), ReviewState::Unreviewed);
        }
        let key = (
            mapping_set.to_owned(),
            pair.source.clone(),
            pair.target.clone(),
        );
        match self.by_pair.get(&key) {
            None => (Some(pair.relationship), ReviewState::Unreviewed),
            Some(ReviewDecision::Confirmed) => (Some(pair.relationship), ReviewState::Confirmed),
            Some(ReviewDecision::Refined {
                relationship,
                rationale,
            }) => (
                Some(*relationship),
                ReviewState::Refined {
                    shipped: pair.relationship,
                    rationale: rationale.clone(),
                },
            ),
            Some(ReviewDecision::Rejected { rationale }) => (
                None,
                ReviewState::Rejected {
                    rationale: rationale.clone(),
                },
            ),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const SET: &str = "enisa-2024-2690-to-iso27001-2022";

    #[test]
    fn reviews_are_checked_against_the_catalog() {
        let cat = Catalog::load_embedded().unwrap();
        let good = PairReview::new(SET, "6.8.1", "a.8.22", ReviewDecision::Confirmed);
        assert!(Reviews::validate(&cat, std::slice::from_ref(&good)).is_ok());

        let errors = Reviews::validate(
            &cat,
            &[
                PairReview::new("nope", "6.8.1", "a.8.22", ReviewDecision::Confirmed),
                PairReview::new(SET, "6.8.1", "a.5.1", ReviewDecision::Confirmed),
                PairReview::new(
                    SET,
                    "6.8.2.a",
                    "a.8.22",
                    ReviewDecision::Refined {
                        relationship: Relationship::Subset,
                        rationale: " ".into(),
                    },
                ),
                good.clone(),
                good,
            ],
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(ReviewError::field).collect();
        assert_eq!(fields, ["mapping_set", "target", "rationale", "target"]);
        assert!(matches!(
            errors.last(),
            Some(ReviewError::DuplicateReview { .. })
        ));
    }

    #[test]
    fn decisions_serialize_with_a_kind() {
        let refined = ReviewDecision::Refined {
            relationship: Relationship::Superset,
            rationale: "A.8.22 as we run it covers the point".into(),
        };
        let json = serde_json::to_value(&refined).unwrap();
        assert_eq!(json["kind"], "refined");
        assert_eq!(json["relationship"], "superset");
        let back: ReviewDecision = serde_json::from_value(json).unwrap();
        assert_eq!(back, refined);
    }
}
