//! Ratings: a likelihood and, per impact dimension, an impact, each with its justification,
//! rated on the organisation's matrix. A risk carries three: inherent (no control), current
//! (the controls in place) and residual (once its treatment is done).

use serde::{Deserialize, Serialize};

use super::ImpactDimension;
use super::matrix::{RiskLevel, RiskMatrix};
use crate::validation::{FieldError, ValidationErrors, Validator};

/// Characters of a justification at most.
pub const MAX_JUSTIFICATION_CHARS: usize = 2000;

/// One dimension's impact, as entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImpactRating {
    pub dimension: ImpactDimension,
    /// A step of the matrix's impact scale, from 1.
    pub value: u8,
    pub justification: String,
}

/// A rating as entered (checked against a matrix by [`RatingInput::check`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingInput {
    /// A step of the matrix's likelihood scale, from 1.
    pub likelihood: u8,
    pub likelihood_justification: String,
    pub impacts: Vec<ImpactRating>,
}

/// A rating that holds on its matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rating {
    pub likelihood: u8,
    pub likelihood_justification: String,
    /// One per rated dimension, in the order of [`ImpactDimension::ALL`].
    pub impacts: Vec<ImpactRating>,
}

impl RatingInput {
    /// Checks the rating against `matrix`; problems are named under `field` (`inherent`,
    /// `residual`…): `inherent.likelihood`, `inherent.impacts[1].justification`.
    pub fn check(&self, matrix: &RiskMatrix, field: &str) -> Result<Rating, ValidationErrors> {
        let mut v = Validator::new();
        RiskMatrix::check_step(
            &mut v,
            &format!("{field}.likelihood"),
            self.likelihood,
            matrix.likelihood.len(),
        );
        v.text(
            &format!("{field}.likelihood_justification"),
            &self.likelihood_justification,
            MAX_JUSTIFICATION_CHARS,
        );
        if self.impacts.is_empty() {
            v.push(FieldError::empty(&format!("{field}.impacts")));
        }
        for (i, impact) in self.impacts.iter().enumerate() {
            let at = format!("{field}.impacts[{i}]");
            if self.impacts[..i]
                .iter()
                .any(|other| other.dimension == impact.dimension)
            {
                v.duplicate(&format!("{at}.dimension"), impact.dimension.as_str());
            }
            RiskMatrix::check_step(
                &mut v,
                &format!("{at}.value"),
                impact.value,
                matrix.impact.len(),
            );
            v.text(
                &format!("{at}.justification"),
                &impact.justification,
                MAX_JUSTIFICATION_CHARS,
            );
        }
        v.finish()?;
        let mut impacts: Vec<ImpactRating> = self
            .impacts
            .iter()
            .map(|i| ImpactRating {
                justification: i.justification.trim().to_owned(),
                ..i.clone()
            })
            .collect();
        impacts.sort_by_key(|i| i.dimension);
        Ok(Rating {
            likelihood: self.likelihood,
            likelihood_justification: self.likelihood_justification.trim().to_owned(),
            impacts,
        })
    }
}

impl Rating {
    /// The worst impact of the rated dimensions.
    pub fn impact(&self) -> u8 {
        super::overall_impact(self.impacts.iter().map(|i| i.value)).unwrap_or(1)
    }

    /// The rating's level on `matrix`; `None` when the matrix is smaller than the rating
    /// (a matrix replaced by a smaller one: the rating must be entered again).
    pub fn level<'m>(&self, matrix: &'m RiskMatrix) -> Option<&'m RiskLevel> {
        matrix.level(self.likelihood, self.impact())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn matrix() -> RiskMatrix {
        let text = include_str!("testdata/matrix-4x3.json");
        serde_json::from_str(text).unwrap()
    }

    fn impact(dimension: ImpactDimension, value: u8) -> ImpactRating {
        ImpactRating {
            dimension,
            value,
            justification: format!("because {}", dimension.as_str()),
        }
    }

    #[test]
    fn the_worst_dimension_and_the_likelihood_give_the_level() {
        let m = matrix();
        m.check().unwrap();
        let input = RatingInput {
            likelihood: 2,
            likelihood_justification: " seen twice in the sector ".into(),
            impacts: vec![
                impact(ImpactDimension::Financial, 1),
                impact(ImpactDimension::PatientSafety, 3),
            ],
        };
        let rating = input.check(&m, "inherent").unwrap();
        assert_eq!(rating.impact(), 3);
        assert_eq!(rating.likelihood_justification, "seen twice in the sector");
        assert_eq!(
            rating.impacts[0].dimension,
            ImpactDimension::PatientSafety,
            "dimensions are kept in their fixed order"
        );
        assert_eq!(rating.level(&m).unwrap().id, "high");
    }

    #[test]
    fn a_rating_off_the_scales_or_without_its_reasons_is_refused_field_by_field() {
        let m = matrix();
        let input = RatingInput {
            likelihood: 5,
            likelihood_justification: "  ".into(),
            impacts: vec![
                impact(ImpactDimension::ProductQuality, 4),
                ImpactRating {
                    justification: String::new(),
                    ..impact(ImpactDimension::ProductQuality, 0)
                },
            ],
        };
        let errors = input.check(&m, "residual").unwrap_err().0;
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "residual.likelihood",
                "residual.likelihood_justification",
                "residual.impacts[0].value",
                "residual.impacts[1].dimension",
                "residual.impacts[1].value",
                "residual.impacts[1].justification",
            ]
        );
        let none = RatingInput {
            likelihood: 1,
            likelihood_justification: "rare".into(),
            impacts: vec![],
        };
        assert_eq!(
            none.check(&m, "current").unwrap_err().0[0].field,
            "current.impacts"
        );
    }
}
