//! Risk data shipped with Hygeia (issue 14): the default risk matrix, a YAML file embedded in
//! the binary and checked when it is read, like a matrix an organisation brings; and the
//! library of scenarios ([`scenarios`]).

pub mod scenarios;

use hygeia_domain::risks::matrix::RiskMatrix;

use crate::error::{CatalogError, Issue, IssueKind};
use crate::load::parse_yaml;

/// The default matrix's file, as embedded.
pub const DEFAULT_MATRIX: (&str, &str) = (
    "data/risks/matrix-5x5.yaml",
    include_str!("../../data/risks/matrix-5x5.yaml"),
);

/// Reads a risk matrix from YAML (or JSON) and checks it whole; every problem is named by
/// its field.
pub fn parse_matrix(file: &str, text: &str) -> Result<RiskMatrix, CatalogError> {
    let matrix: RiskMatrix = parse_yaml(file, text)?;
    matrix.check().map_err(|errors| {
        CatalogError::Invalid(
            errors
                .0
                .into_iter()
                .map(|e| Issue {
                    file: file.to_owned(),
                    entry: "matrix".to_owned(),
                    field: e.field,
                    kind: IssueKind::InvalidValue(e.message),
                })
                .collect(),
        )
    })?;
    Ok(matrix)
}

/// The shipped 5×5 matrix.
pub fn default_matrix() -> Result<RiskMatrix, CatalogError> {
    parse_matrix(DEFAULT_MATRIX.0, DEFAULT_MATRIX.1)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_default_matrix_rates_by_likelihood_times_impact() {
        let m = default_matrix().unwrap();
        assert_eq!((m.likelihood.len(), m.impact.len()), (5, 5));
        for likelihood in 1..=5u8 {
            for impact in 1..=5u8 {
                let expected = match likelihood * impact {
                    1..=4 => "low",
                    5..=9 => "medium",
                    10..=16 => "high",
                    _ => "critical",
                };
                let got = m.level(likelihood, impact).unwrap();
                assert_eq!(got.id, expected, "{likelihood}×{impact}");
            }
        }
        assert_eq!(m.levels[3].label.get("fr"), "Critique");
    }

    #[test]
    fn a_custom_matrix_that_does_not_hold_is_refused_with_its_file_and_field() {
        let text = DEFAULT_MATRIX.1.replace(
            "- [medium, high, high, critical, critical]",
            "- [medium, high, high, critical, low]",
        );
        let error = parse_matrix("ours.yaml", &text).unwrap_err();
        let issue = &error.issues()[0];
        assert_eq!(
            (issue.file.as_str(), issue.field.as_str()),
            ("ours.yaml", "cells[4][4]")
        );
        let unreadable = parse_matrix("ours.yaml", "likelihood: 3").unwrap_err();
        assert!(unreadable.to_string().starts_with("ours.yaml: cannot read"));
    }
}
