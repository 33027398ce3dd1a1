//! Compliance scores per framework and per NIS2 Art. 21(2) letter.
//!
//! Definition: compliant counts 1, partially compliant ½, non-compliant 0; not assessed and
//! (for derived views) no coverage count 0 and are reported separately; not applicable is left
//! out of the denominator. The score is the points over the counted requirements.

use hygeia_catalog::{Art21Letter, Catalog, Framework, Requirement};
use serde::{Deserialize, Serialize};

use crate::derive::ReuseView;
use crate::error::ComplianceError;
use crate::result::{ResultValue, SourceResult, validate_results};
use crate::rules::DerivedValue;

/// Counts and score of a set of requirements.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Score {
    pub compliant: usize,
    pub partially_compliant: usize,
    pub non_compliant: usize,
    pub not_applicable: usize,
    pub not_assessed: usize,
    /// Derived views only: requirements the source framework does not cover.
    pub no_coverage: usize,
    /// Every requirement counted above.
    pub total: usize,
    /// The denominator: `total - not_applicable`.
    pub scored: usize,
    /// `compliant + partially_compliant / 2`.
    pub points: f64,
    /// `points / scored`, from 0 to 1; `None` when nothing is scored.
    pub ratio: Option<f64>,
    /// The ratio in percent, rounded to one decimal.
    pub percent: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Compliant,
    Partial,
    NonCompliant,
    NotApplicable,
    NotAssessed,
    NoCoverage,
}

impl From<ResultValue> for Class {
    fn from(v: ResultValue) -> Self {
        match v {
            ResultValue::Compliant => Class::Compliant,
            ResultValue::PartiallyCompliant => Class::Partial,
            ResultValue::NonCompliant => Class::NonCompliant,
            ResultValue::NotApplicable => Class::NotApplicable,
            ResultValue::NotAssessed => Class::NotAssessed,
        }
    }
}

impl From<DerivedValue> for Class {
    fn from(v: DerivedValue) -> Self {
        match v {
            DerivedValue::Compliant => Class::Compliant,
            DerivedValue::PartiallyCompliant => Class::Partial,
            DerivedValue::NonCompliant => Class::NonCompliant,
            DerivedValue::NotAssessed => Class::NotAssessed,
            DerivedValue::NoCoverage => Class::NoCoverage,
        }
    }
}

impl Score {
    fn add(&mut self, class: Class) {
        match class {
            Class::Compliant => self.compliant += 1,
            Class::Partial => self.partially_compliant += 1,
            Class::NonCompliant => self.non_compliant += 1,
            Class::NotApplicable => self.not_applicable += 1,
            Class::NotAssessed => self.not_assessed += 1,
            Class::NoCoverage => self.no_coverage += 1,
        }
    }

    fn finish(mut self) -> Self {
        self.total = self.compliant
            + self.partially_compliant
            + self.non_compliant
            + self.not_applicable
            + self.not_assessed
            + self.no_coverage;
        self.scored = self.total - self.not_applicable;
        // Half points are whole numbers: no rounding error before the division.
        let half_points = 2 * self.compliant + self.partially_compliant;
        self.points = half_points as f64 / 2.0;
        self.ratio = (self.scored > 0).then(|| half_points as f64 / (2 * self.scored) as f64);
        self.percent = self.ratio.map(|r| (r * 1000.0).round() / 10.0);
        self
    }
}

/// The score of one Art. 21(2) letter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LetterScore {
    pub letter: Art21Letter,
    pub score: Score,
}

/// Scores of a framework, overall and per Art. 21(2) letter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub framework: String,
    pub overall: Score,
    /// All ten letters, a to j; a letter no requirement carries has `total == 0`.
    pub by_letter: Vec<LetterScore>,
}

fn scores<'f>(
    framework: &'f Framework,
    classes: impl Iterator<Item = (&'f Requirement, Class)>,
) -> Scores {
    let mut overall = Score::default();
    let mut by_letter: Vec<(Art21Letter, Score)> =
        Art21Letter::all().map(|l| (l, Score::default())).collect();
    for (requirement, class) in classes {
        overall.add(class);
        for letter in &requirement.nis2_art21 {
            if let Some((_, score)) = by_letter.iter_mut().find(|(l, _)| l == letter) {
                score.add(class);
            }
        }
    }
    Scores {
        framework: framework.id().to_owned(),
        overall: overall.finish(),
        by_letter: by_letter
            .into_iter()
            .map(|(letter, score)| LetterScore {
                letter,
                score: score.finish(),
            })
            .collect(),
    }
}

fn framework<'c>(catalog: &'c Catalog, id: &str) -> Result<&'c Framework, ComplianceError> {
    catalog
        .framework(id)
        .ok_or_else(|| ComplianceError::UnknownFramework {
            field: "framework",
            framework: id.to_owned(),
        })
}

/// Score an assessment of a framework: every assessable requirement counts, those without a
/// result as not assessed.
pub fn score_results(
    catalog: &Catalog,
    framework_id: &str,
    results: &[SourceResult],
) -> Result<Scores, ComplianceError> {
    let fw = framework(catalog, framework_id)?;
    validate_results(fw, results).map_err(ComplianceError::InvalidResults)?;
    let values: std::collections::HashMap<&str, ResultValue> = results
        .iter()
        .map(|r| (r.requirement_id.as_str(), r.value))
        .collect();
    Ok(scores(
        fw,
        fw.assessable().map(|r| {
            let value = values.get(r.id.as_str()).copied().unwrap_or_default();
            (r, Class::from(value))
        }),
    ))
}

/// Score a derived view of the target framework.
pub fn score_view(catalog: &Catalog, view: &ReuseView) -> Result<Scores, ComplianceError> {
    let fw = framework(catalog, &view.target_framework)?;
    Ok(scores(
        fw,
        view.derived.iter().filter_map(|d| {
            fw.requirement(&d.requirement_id)
                .map(|r| (r, Class::from(d.value)))
        }),
    ))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use hygeia_catalog::ids::{ISO27001_2022, NIS2_DIRECTIVE};

    #[test]
    fn score_definition() {
        let mut s = Score::default();
        for c in [
            Class::Compliant,
            Class::Compliant,
            Class::Partial,
            Class::NonCompliant,
            Class::NotApplicable,
            Class::NotAssessed,
        ] {
            s.add(c);
        }
        let s = s.finish();
        assert_eq!((s.total, s.scored), (6, 5));
        assert_eq!(s.points, 2.5);
        assert_eq!(s.ratio, Some(0.5));
        assert_eq!(s.percent, Some(50.0));
        let empty = Score::default().finish();
        assert_eq!((empty.ratio, empty.percent), (None, None));
        let mut only_na = Score::default();
        only_na.add(Class::NotApplicable);
        assert_eq!(only_na.finish().ratio, None);
    }

    #[test]
    fn assessment_scores_per_framework_and_letter() {
        let cat = Catalog::load_embedded().unwrap();
        let results = vec![
            SourceResult::new("art21.2.a", ResultValue::Compliant),
            SourceResult::new("art21.2.b", ResultValue::PartiallyCompliant),
            SourceResult::new("art23.1", ResultValue::NonCompliant),
            SourceResult::not_applicable("art27", "Not a digital provider"),
        ];
        let s = score_results(&cat, NIS2_DIRECTIVE, &results).unwrap();
        let assessable = cat.framework(NIS2_DIRECTIVE).unwrap().assessable().count();
        assert_eq!(s.overall.total, assessable);
        assert_eq!(s.overall.not_applicable, 1);
        assert_eq!(s.overall.not_assessed, assessable - 4);
        assert_eq!(s.overall.points, 1.5);
        let a = s
            .by_letter
            .iter()
            .find(|l| l.letter.as_char() == 'a')
            .unwrap();
        assert_eq!((a.score.total, a.score.ratio), (1, Some(1.0)));
        let b = s
            .by_letter
            .iter()
            .find(|l| l.letter.as_char() == 'b')
            .unwrap();
        // art21.2.b and the art23 points carry letter (b).
        assert_eq!(b.score.partially_compliant, 1);
        assert_eq!(b.score.non_compliant, 1);
        assert_eq!(s.by_letter.len(), 10);

        let bad = score_results(
            &cat,
            ISO27001_2022,
            &[SourceResult::new("a.7.4", ResultValue::NotApplicable)],
        )
        .unwrap_err();
        assert!(
            matches!(bad, ComplianceError::InvalidResults(ref e) if e[0].field() == "justification")
        );
    }
}
