//! Assessment results: the value given to one requirement, and its validation.

use std::collections::HashSet;

use hygeia_catalog::Framework;
use serde::{Deserialize, Serialize};

use crate::error::ResultError;

/// The result of assessing one requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultValue {
    /// Nobody has assessed it yet.
    #[default]
    NotAssessed,
    Compliant,
    PartiallyCompliant,
    NonCompliant,
    /// Out of scope for the entity; needs a justification.
    NotApplicable,
}

impl ResultValue {
    /// Every value, in display order.
    pub const ALL: [ResultValue; 5] = [
        ResultValue::NotAssessed,
        ResultValue::Compliant,
        ResultValue::PartiallyCompliant,
        ResultValue::NonCompliant,
        ResultValue::NotApplicable,
    ];

    /// Stable code, as serialized.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotAssessed => "not_assessed",
            Self::Compliant => "compliant",
            Self::PartiallyCompliant => "partially_compliant",
            Self::NonCompliant => "non_compliant",
            Self::NotApplicable => "not_applicable",
        }
    }

    /// Parse a stable code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.code() == code.trim())
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            Self::NotAssessed => "not assessed",
            Self::Compliant => "compliant",
            Self::PartiallyCompliant => "partially compliant",
            Self::NonCompliant => "non-compliant",
            Self::NotApplicable => "not applicable",
        }
    }

    /// French label.
    pub fn label_fr(self) -> &'static str {
        match self {
            Self::NotAssessed => "non évalué",
            Self::Compliant => "conforme",
            Self::PartiallyCompliant => "partiellement conforme",
            Self::NonCompliant => "non conforme",
            Self::NotApplicable => "non applicable",
        }
    }
}

/// One result of an assessment of the source framework, as the store hands it over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceResult {
    /// Stable requirement id in the assessed framework (e.g. `a.8.22`).
    pub requirement_id: String,
    pub value: ResultValue,
    /// Why the requirement is not applicable; mandatory for [`ResultValue::NotApplicable`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

impl SourceResult {
    pub fn new(requirement_id: impl Into<String>, value: ResultValue) -> Self {
        Self {
            requirement_id: requirement_id.into(),
            value,
            justification: None,
        }
    }

    /// A not-applicable result with its justification.
    pub fn not_applicable(
        requirement_id: impl Into<String>,
        justification: impl Into<String>,
    ) -> Self {
        Self {
            requirement_id: requirement_id.into(),
            value: ResultValue::NotApplicable,
            justification: Some(justification.into()),
        }
    }

    /// Checks that do not need the catalog: a not-applicable result carries a non-blank
    /// justification.
    pub fn validate(&self) -> Result<(), ResultError> {
        let justified = self
            .justification
            .as_deref()
            .is_some_and(|j| !j.trim().is_empty());
        if self.value == ResultValue::NotApplicable && !justified {
            return Err(ResultError::MissingJustification {
                requirement_id: self.requirement_id.clone(),
            });
        }
        Ok(())
    }
}

/// Validate a set of results of one framework: each names an assessable requirement of the
/// framework, at most once, and a not-applicable result is justified. Every problem is
/// returned, in input order.
pub fn validate_results(
    framework: &Framework,
    results: &[SourceResult],
) -> Result<(), Vec<ResultError>> {
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for result in results {
        let id = result.requirement_id.as_str();
        match framework.requirement(id) {
            None => errors.push(ResultError::UnknownRequirement {
                framework: framework.id().to_owned(),
                requirement_id: id.to_owned(),
            }),
            Some(r) if !r.assessable => errors.push(ResultError::NotAssessable {
                framework: framework.id().to_owned(),
                requirement_id: id.to_owned(),
            }),
            Some(_) => {}
        }
        if !seen.insert(id) {
            errors.push(ResultError::DuplicateResult {
                requirement_id: id.to_owned(),
            });
        }
        if let Err(e) = result.validate() {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn not_applicable_needs_a_justification() {
        let bare = SourceResult::new("a.7.4", ResultValue::NotApplicable);
        let err = bare.validate().unwrap_err();
        assert_eq!(err.field(), "justification");
        assert_eq!(err.requirement_id(), "a.7.4");
        let blank = SourceResult::not_applicable("a.7.4", "   ");
        assert!(blank.validate().is_err());
        let ok = SourceResult::not_applicable("a.7.4", "No premises: fully remote company");
        assert!(ok.validate().is_ok());
        assert!(
            SourceResult::new("a.7.4", ResultValue::Compliant)
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn codes_round_trip() {
        for v in ResultValue::ALL {
            assert_eq!(ResultValue::parse(v.code()), Some(v));
            let json = serde_json::to_string(&v).unwrap();
            assert_eq!(json, format!("\"{}\"", v.code()));
        }
        assert_eq!(ResultValue::parse("maybe"), None);
    }
}
