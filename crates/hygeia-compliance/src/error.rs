//! Typed errors. Each names the input it rejects and the field at fault, so the web layer can
//! answer a 4xx with a precise message and change nothing.

use thiserror::Error;

/// A problem with one assessment result.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResultError {
    #[error(
        "result for `{requirement_id}`: field `justification`: a not-applicable result needs a justification"
    )]
    MissingJustification { requirement_id: String },
    #[error(
        "result for `{requirement_id}`: field `requirement_id`: `{framework}` has no such requirement"
    )]
    UnknownRequirement {
        framework: String,
        requirement_id: String,
    },
    #[error(
        "result for `{requirement_id}`: field `requirement_id`: a grouping node of `{framework}` is not assessable"
    )]
    NotAssessable {
        framework: String,
        requirement_id: String,
    },
    #[error("result for `{requirement_id}`: field `requirement_id`: given more than once")]
    DuplicateResult { requirement_id: String },
}

impl ResultError {
    /// The input field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::MissingJustification { .. } => "justification",
            Self::UnknownRequirement { .. }
            | Self::NotAssessable { .. }
            | Self::DuplicateResult { .. } => "requirement_id",
        }
    }

    /// The requirement the result names.
    pub fn requirement_id(&self) -> &str {
        match self {
            Self::MissingJustification { requirement_id }
            | Self::UnknownRequirement { requirement_id, .. }
            | Self::NotAssessable { requirement_id, .. }
            | Self::DuplicateResult { requirement_id } => requirement_id,
        }
    }
}

/// A problem with one pair review.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReviewError {
    #[error(
        "review of pair `{source_id}` → `{target_id}`: field `mapping_set`: no mapping set `{mapping_set}`"
    )]
    UnknownMappingSet {
        mapping_set: String,
        source_id: String,
        target_id: String,
    },
    #[error(
        "review of pair `{source_id}` → `{target_id}`: field `target`: `{mapping_set}` has no such pair"
    )]
    UnknownPair {
        mapping_set: String,
        source_id: String,
        target_id: String,
    },
    #[error(
        "review of pair `{source_id}` → `{target_id}` in `{mapping_set}`: field `rationale`: a refinement needs a rationale"
    )]
    MissingRationale {
        mapping_set: String,
        source_id: String,
        target_id: String,
    },
    #[error(
        "review of pair `{source_id}` → `{target_id}` in `{mapping_set}`: field `target`: reviewed more than once"
    )]
    DuplicateReview {
        mapping_set: String,
        source_id: String,
        target_id: String,
    },
}

impl ReviewError {
    /// The input field at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::UnknownMappingSet { .. } => "mapping_set",
            Self::UnknownPair { .. } | Self::DuplicateReview { .. } => "target",
            Self::MissingRationale { .. } => "rationale",
        }
    }
}

/// Why a reuse view or a score could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ComplianceError {
    #[error("field `{field}`: no framework `{framework}` in the catalog")]
    UnknownFramework {
        field: &'static str,
        framework: String,
    },
    #[error("no mapping set links `{source_framework}` and `{target_framework}`")]
    NoMapping {
        source_framework: String,
        target_framework: String,
    },
    #[error("field `target_framework`: source and target are the same framework `{0}`")]
    SameFramework(String),
    #[error("{} invalid result(s); first: {}", .0.len(), first(.0))]
    InvalidResults(Vec<ResultError>),
    #[error("{} invalid review(s); first: {}", .0.len(), first(.0))]
    InvalidReviews(Vec<ReviewError>),
}

fn first<E: std::fmt::Display>(errors: &[E]) -> String {
    errors.first().map(ToString::to_string).unwrap_or_default()
}
