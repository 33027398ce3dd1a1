//! A risk of the register as entered, and its check against the organisation's matrix: what
//! it is, its three ratings (inherent, current, residual), its treatment and, when accepted,
//! who accepted it until when.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::matrix::RiskMatrix;
use super::rating::{Rating, RatingInput};
use super::treatment::{Acceptance, AcceptanceInput, TreatmentOption};
use crate::validation::{FieldError, ValidationErrors, Validator};

/// Characters of a title at most; of a description.
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
/// Months between two reviews: at least, at most, by default.
pub const REVIEW_MONTHS: (u32, u32, u32) = (1, 36, 12);

/// Whether a risk starts from what could happen or from an asset to protect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RiskKind {
    Event,
    Asset,
}

impl RiskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskKind::Event => "event",
            RiskKind::Asset => "asset",
        }
    }

    pub fn parse(text: &str) -> Option<RiskKind> {
        [RiskKind::Event, RiskKind::Asset]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// A risk as entered (the API's and the form's body).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// `event` (default) or `asset`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Who could cause it, and what they are after.
    #[serde(default)]
    pub origin: Option<String>,
    #[serde(default)]
    pub objective: Option<String>,
    /// The user answerable for it.
    #[serde(default)]
    pub owner: Option<String>,
    /// Without any control; none while the risk is still to rate (a scenario just taken
    /// from the library).
    #[serde(default)]
    pub inherent: Option<RatingInput>,
    /// With the controls in place.
    #[serde(default)]
    pub current: Option<RatingInput>,
    /// Once the treatment is done.
    #[serde(default)]
    pub residual: Option<RatingInput>,
    /// `mitigate`, `accept`, `transfer` or `avoid`; none while undecided.
    #[serde(default)]
    pub treatment: Option<String>,
    /// Required when the treatment is `accept`.
    #[serde(default)]
    pub acceptance: Option<AcceptanceInput>,
    /// Months between reviews (default 12).
    #[serde(default)]
    pub review_every_months: Option<u32>,
}

/// A risk that holds on its matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRisk {
    pub title: String,
    pub description: String,
    pub kind: RiskKind,
    pub origin: Option<String>,
    pub objective: Option<String>,
    pub owner: Option<String>,
    pub inherent: Option<Rating>,
    pub current: Option<Rating>,
    pub residual: Option<Rating>,
    pub treatment: Option<TreatmentOption>,
    pub acceptance: Option<Acceptance>,
    pub review_every_months: u32,
}

fn trimmed(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

impl RiskInput {
    /// Checks the whole risk against `matrix` on `today`; every problem is named by its field
    /// (`inherent.impacts[0].justification`, `acceptance.expires_on`…).
    pub fn check(
        &self,
        matrix: &RiskMatrix,
        today: NaiveDate,
    ) -> Result<CheckedRisk, ValidationErrors> {
        let mut v = Validator::new();
        v.text("title", &self.title, MAX_TITLE_CHARS);
        v.optional_text(
            "description",
            Some(&self.description),
            MAX_DESCRIPTION_CHARS,
        );
        for (field, text) in [("origin", &self.origin), ("objective", &self.objective)] {
            v.optional_text(field, text.as_deref(), MAX_TITLE_CHARS);
        }
        let kind = match trimmed(self.kind.as_deref()) {
            None => Some(RiskKind::Event),
            Some(text) => RiskKind::parse(&text).or_else(|| {
                v.one_of("kind", &["event", "asset"]);
                None
            }),
        };
        let treatment = match trimmed(self.treatment.as_deref()) {
            None => None,
            Some(text) => TreatmentOption::parse(&text).or_else(|| {
                let names: Vec<&str> = TreatmentOption::ALL.iter().map(|o| o.as_str()).collect();
                v.one_of("treatment", &names);
                None
            }),
        };
        let (min, max, default) = REVIEW_MONTHS;
        let review_every_months = self.review_every_months.unwrap_or(default);
        if !(min..=max).contains(&review_every_months) {
            v.push(FieldError::out_of_range(
                "review_every_months",
                min as usize,
                max as usize,
            ));
        }
        let mut rate = |input: Option<&RatingInput>, field: &str| {
            input.and_then(|r| match r.check(matrix, field) {
                Ok(rating) => Some(rating),
                Err(errors) => {
                    errors.0.into_iter().for_each(|e| v.push(e));
                    None
                }
            })
        };
        let inherent = rate(self.inherent.as_ref(), "inherent");
        let current = rate(self.current.as_ref(), "current");
        let residual = rate(self.residual.as_ref(), "residual");
        let acceptance = match (treatment, &self.acceptance) {
            (Some(TreatmentOption::Accept), None) => {
                v.push(FieldError::empty("acceptance"));
                None
            }
            (Some(TreatmentOption::Accept), Some(input)) => match input.check(today) {
                Ok(acceptance) => Some(acceptance),
                Err(errors) => {
                    for e in errors.0 {
                        let field = format!("acceptance.{}", e.field);
                        v.push(FieldError { field, ..e });
                    }
                    None
                }
            },
            (_, Some(_)) => {
                v.push(FieldError::bad_value(
                    "acceptance",
                    "only a risk whose treatment is `accept` has an acceptance",
                ));
                None
            }
            (_, None) => None,
        };
        if self.inherent.is_none() && (self.current.is_some() || self.residual.is_some()) {
            v.push(FieldError::empty("inherent"));
        }
        v.finish()?;
        let Some(kind) = kind else {
            return Err(ValidationErrors(vec![FieldError::one_of(
                "kind",
                &["event", "asset"],
            )]));
        };
        Ok(CheckedRisk {
            title: self.title.trim().to_owned(),
            description: self.description.trim().to_owned(),
            kind,
            origin: trimmed(self.origin.as_deref()),
            objective: trimmed(self.objective.as_deref()),
            owner: trimmed(self.owner.as_deref()),
            inherent,
            current,
            residual,
            treatment,
            acceptance,
            review_every_months,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::risks::ImpactDimension;
    use crate::risks::rating::ImpactRating;

    fn matrix() -> RiskMatrix {
        serde_json::from_str(include_str!("testdata/matrix-4x3.json")).unwrap()
    }

    fn rating(likelihood: u8, impact: u8) -> RatingInput {
        RatingInput {
            likelihood,
            likelihood_justification: "seen in the sector".into(),
            impacts: vec![ImpactRating {
                dimension: ImpactDimension::ProductionContinuity,
                value: impact,
                justification: "the line stops".into(),
            }],
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    #[test]
    fn an_accepted_risk_with_its_three_ratings_holds() {
        let input = RiskInput {
            title: " Ransomware on the packaging line ".into(),
            inherent: Some(rating(4, 3)),
            current: Some(rating(3, 3)),
            residual: Some(rating(1, 2)),
            treatment: Some("accept".into()),
            acceptance: Some(AcceptanceInput {
                approver: "Plant director".into(),
                justification: "the line is replaced next year".into(),
                expires_on: "2027-09-30".into(),
            }),
            ..RiskInput::default()
        };
        let risk = input.check(&matrix(), today()).unwrap();
        assert_eq!(risk.title, "Ransomware on the packaging line");
        assert_eq!(risk.kind, RiskKind::Event);
        assert_eq!(risk.review_every_months, 12);
        assert_eq!(risk.residual.unwrap().level(&matrix()).unwrap().id, "low");
        assert_eq!(risk.acceptance.unwrap().approver, "Plant director");
    }

    #[test]
    fn every_wrong_field_is_named_and_nothing_is_guessed() {
        let input = RiskInput {
            title: String::new(),
            kind: Some("threat".into()),
            inherent: Some(RatingInput {
                likelihood_justification: String::new(),
                ..rating(9, 3)
            }),
            residual: Some(rating(1, 0)),
            treatment: Some("accept".into()),
            acceptance: Some(AcceptanceInput {
                approver: "CEO".into(),
                justification: String::new(),
                expires_on: "2026-12-01".into(),
            }),
            review_every_months: Some(0),
            ..RiskInput::default()
        };
        let errors = input.check(&matrix(), today()).unwrap_err().0;
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "title",
                "kind",
                "review_every_months",
                "inherent.likelihood",
                "inherent.likelihood_justification",
                "residual.impacts[0].value",
                "acceptance.justification",
                "acceptance.expires_on",
            ]
        );
        let unexplained = RiskInput {
            title: "t".into(),
            inherent: Some(rating(1, 1)),
            treatment: Some("mitigate".into()),
            acceptance: Some(AcceptanceInput::default()),
            ..RiskInput::default()
        };
        let errors = unexplained.check(&matrix(), today()).unwrap_err().0;
        assert_eq!(errors[0].field, "acceptance");
        let missing = RiskInput {
            treatment: Some("accept".into()),
            acceptance: None,
            ..unexplained
        };
        let errors = missing.check(&matrix(), today()).unwrap_err().0;
        assert_eq!(errors[0].field, "acceptance");
        // A risk still to rate holds; a current rating without an inherent one does not.
        let to_rate = RiskInput {
            title: "From the library".into(),
            ..RiskInput::default()
        };
        assert_eq!(to_rate.check(&matrix(), today()).unwrap().inherent, None);
        let half = RiskInput {
            current: Some(rating(2, 2)),
            ..to_rate
        };
        assert_eq!(
            half.check(&matrix(), today()).unwrap_err().0[0].field,
            "inherent"
        );
    }
}
