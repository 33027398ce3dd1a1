//! What the user does with a derived result: accept it (it becomes the target result and cites
//! its provenance) or override it with a reason.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::derive::ReuseView;
use crate::result::{ResultValue, SourceResult};
use crate::rules::{DerivedValue, Rule};

/// Why a decision on a derived result was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecisionError {
    #[error("field `requirement_id`: `{requirement_id}` is not in the derived view")]
    UnknownRequirement { requirement_id: String },
    #[error(
        "field `requirement_id`: `{requirement_id}` has no coverage: there is nothing to accept; assess it"
    )]
    NothingToAccept { requirement_id: String },
    #[error("field `reason`: overriding the derived result of `{requirement_id}` needs a reason")]
    MissingReason { requirement_id: String },
    #[error(
        "field `justification`: a not-applicable result for `{requirement_id}` needs a justification"
    )]
    MissingJustification { requirement_id: String },
}

impl DecisionError {
    /// The input field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::UnknownRequirement { .. } | Self::NothingToAccept { .. } => "requirement_id",
            Self::MissingReason { .. } => "reason",
            Self::MissingJustification { .. } => "justification",
        }
    }
}

/// Where a target result came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ResultOrigin {
    /// The user accepted the derived result.
    AcceptedDerivation {
        source_framework: String,
        rule: Rule,
        /// References of the source requirements that counted (`A.8.22`).
        sources: Vec<String>,
        /// Why the results hold, when several were accepted at once with one justification.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// The user replaced the derived result.
    OverriddenDerivation {
        source_framework: String,
        rule: Rule,
        derived_value: DerivedValue,
        reason: String,
    },
}

/// A result of the target framework decided from a derived result, ready to store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecidedResult {
    pub result: SourceResult,
    pub origin: ResultOrigin,
}

/// Accept the derived result of a requirement.
pub fn accept_derived(
    view: &ReuseView,
    requirement_id: &str,
) -> Result<DecidedResult, DecisionError> {
    let derived = view
        .get(requirement_id)
        .ok_or_else(|| DecisionError::UnknownRequirement {
            requirement_id: requirement_id.to_owned(),
        })?;
    if derived.value == DerivedValue::NoCoverage {
        return Err(DecisionError::NothingToAccept {
            requirement_id: requirement_id.to_owned(),
        });
    }
    let sources: Vec<String> = derived
        .counted_sources()
        .into_iter()
        .map(|(_, reference)| reference.to_owned())
        .collect();
    Ok(DecidedResult {
        result: SourceResult::new(derived.requirement_id.clone(), derived.value.as_result()),
        origin: ResultOrigin::AcceptedDerivation {
            source_framework: view.source_framework.clone(),
            rule: derived.rule,
            sources,
            reason: None,
        },
    })
}

/// Accept, with one reason, every derived result among `requirement_ids` that can be
/// accepted (those without coverage are skipped: there is nothing to accept). Fails on an
/// unknown requirement or an empty reason; all or nothing.
pub fn accept_all_derived(
    view: &ReuseView,
    requirement_ids: &[&str],
    reason: &str,
) -> Result<Vec<DecidedResult>, DecisionError> {
    if reason.trim().is_empty() {
        return Err(DecisionError::MissingReason {
            requirement_id: requirement_ids
                .first()
                .copied()
                .unwrap_or_default()
                .to_owned(),
        });
    }
    let mut decided = Vec::new();
    for id in requirement_ids {
        match accept_derived(view, id) {
            Ok(mut one) => {
                if let ResultOrigin::AcceptedDerivation { reason: r, .. } = &mut one.origin {
                    *r = Some(reason.trim().to_owned());
                }
                decided.push(one);
            }
            Err(DecisionError::NothingToAccept { .. }) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(decided)
}

/// Override the derived result of a requirement with another value and a reason (and, for
/// not applicable, a justification).
pub fn override_derived(
    view: &ReuseView,
    requirement_id: &str,
    value: ResultValue,
    reason: &str,
    justification: Option<&str>,
) -> Result<DecidedResult, DecisionError> {
    let derived = view
        .get(requirement_id)
        .ok_or_else(|| DecisionError::UnknownRequirement {
            requirement_id: requirement_id.to_owned(),
        })?;
    if reason.trim().is_empty() {
        return Err(DecisionError::MissingReason {
            requirement_id: requirement_id.to_owned(),
        });
    }
    let result = SourceResult {
        requirement_id: derived.requirement_id.clone(),
        value,
        justification: justification.map(str::to_owned),
    };
    if result.validate().is_err() {
        return Err(DecisionError::MissingJustification {
            requirement_id: requirement_id.to_owned(),
        });
    }
    Ok(DecidedResult {
        result,
        origin: ResultOrigin::OverriddenDerivation {
            source_framework: view.source_framework.clone(),
            rule: derived.rule,
            derived_value: derived.value,
            reason: reason.trim().to_owned(),
        },
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::derive::Reuse;
    use crate::derive::tests::fixture;

    fn view() -> ReuseView {
        let cat = fixture();
        let reuse = Reuse::new(&cat, "src", "tgt").unwrap();
        let results = [
            SourceResult::new("s1", ResultValue::Compliant),
            SourceResult::new("s2", ResultValue::NonCompliant),
        ];
        reuse.derive(&results, &[]).unwrap()
    }

    #[test]
    fn accepting_several_gives_each_the_reason_and_skips_what_has_no_coverage() {
        let view = view();
        let all: Vec<&str> = view
            .derived
            .iter()
            .map(|d| d.requirement_id.as_str())
            .collect();
        let decided = accept_all_derived(&view, &all, "  Checked by the CISO  ").unwrap();
        let with_coverage = view
            .derived
            .iter()
            .filter(|d| d.value != DerivedValue::NoCoverage)
            .count();
        assert_eq!(decided.len(), with_coverage);
        assert!(decided.iter().all(|d| matches!(
            &d.origin,
            ResultOrigin::AcceptedDerivation { reason: Some(r), .. } if r == "Checked by the CISO"
        )));
        assert!(matches!(
            accept_all_derived(&view, &all, " "),
            Err(DecisionError::MissingReason { .. })
        ));
        assert!(matches!(
            accept_all_derived(&view, &["t-int", "zz"], "why"),
            Err(DecisionError::UnknownRequirement { .. })
        ));
    }

    #[test]
    fn accepting_cites_the_sources() {
        let view = view();
        let decided = accept_derived(&view, "t-int").unwrap();
        assert_eq!(decided.result.value, ResultValue::PartiallyCompliant);
        assert_eq!(
            decided.origin,
            ResultOrigin::AcceptedDerivation {
                source_framework: "src".into(),
                rule: Rule::SomeSourceNonCompliant,
                sources: vec!["S.1".into(), "S.2".into()],
                reason: None,
            }
        );
        let err = accept_derived(&view, "t-none").unwrap_err();
        assert_eq!(err.field(), "requirement_id");
        assert!(matches!(err, DecisionError::NothingToAccept { .. }));
        assert!(matches!(
            accept_derived(&view, "zz"),
            Err(DecisionError::UnknownRequirement { .. })
        ));
    }

    #[test]
    fn overriding_needs_a_reason() {
        let view = view();
        let decided = override_derived(
            &view,
            "t-int",
            ResultValue::Compliant,
            " S.2 gap does not touch this point ",
            None,
        )
        .unwrap();
        assert_eq!(decided.result.value, ResultValue::Compliant);
        let ResultOrigin::OverriddenDerivation {
            derived_value,
            reason,
            ..
        } = decided.origin
        else {
            panic!("expected an override");
        };
        assert_eq!(derived_value, DerivedValue::PartiallyCompliant);
        assert_eq!(reason, "S.2 gap does not touch this point");
        let err = override_derived(&view, "t-int", ResultValue::Compliant, "  ", None).unwrap_err();
        assert_eq!(err.field(), "reason");
        let err = override_derived(&view, "t-int", ResultValue::NotApplicable, "no site", None)
            .unwrap_err();
        assert_eq!(err.field(), "justification");
        assert!(
            override_derived(
                &view,
                "t-none",
                ResultValue::NotApplicable,
                "no site",
                Some("fully remote")
            )
            .is_ok()
        );
    }
}
