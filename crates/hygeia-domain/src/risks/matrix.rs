//! The risk matrix: a likelihood scale, an impact scale, the levels, and the level of every
//! cell. Checked as a whole before use: scales of 2 to 10 steps, every label in English and
//! French, levels with a colour, every cell given a known level, and no cell below its lower
//! neighbours (more likely or more harmful is never a lower level).

use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, ValidationErrors, Validator};

/// Steps a scale holds at least and at most.
pub const SCALE_STEPS: (usize, usize) = (2, 10);
/// Levels a matrix holds at least and at most.
pub const LEVEL_COUNT: (usize, usize) = (2, 8);
/// Characters of a label at most.
const MAX_LABEL_CHARS: usize = 60;
/// Characters of a step's meaning at most.
const MAX_MEANING_CHARS: usize = 240;

/// A text in both languages of the interface.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Label {
    pub en: String,
    pub fr: String,
}

impl Label {
    /// The text in `lang` (`fr`, else English).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "fr" { &self.fr } else { &self.en }
    }

    fn check(&self, v: &mut Validator, field: &str, max_chars: usize) {
        v.text(&format!("{field}.en"), &self.en, max_chars);
        v.text(&format!("{field}.fr"), &self.fr, max_chars);
    }
}

/// One step of a scale; its value is its position, from 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    pub label: Label,
    /// What the step means, to rate consistently (optional).
    #[serde(default)]
    pub meaning: Option<Label>,
}

/// A level of risk, lowest first in the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskLevel {
    /// Stable identifier (`low`, `high`…), kept on each risk.
    pub id: String,
    pub label: Label,
    /// `#rrggbb`.
    pub colour: String,
}

/// The matrix of an organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskMatrix {
    /// Least likely first.
    pub likelihood: Vec<Step>,
    /// Least harmful first.
    pub impact: Vec<Step>,
    /// Lowest first.
    pub levels: Vec<RiskLevel>,
    /// One row per likelihood step (least likely first), each naming the level of every impact
    /// step (least harmful first) by its id.
    pub cells: Vec<Vec<String>>,
}

fn is_colour(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text.chars().skip(1).all(|c| c.is_ascii_hexdigit())
}

fn count_in(v: &mut Validator, field: &str, count: usize, (min, max): (usize, usize)) {
    if count < min || count > max {
        v.push(FieldError::out_of_range(field, min, max));
    }
}

impl RiskMatrix {
    /// Checks the whole matrix; every problem is named by its field (`cells[2][4]`…).
    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut v = Validator::new();
        count_in(&mut v, "likelihood", self.likelihood.len(), SCALE_STEPS);
        count_in(&mut v, "impact", self.impact.len(), SCALE_STEPS);
        count_in(&mut v, "levels", self.levels.len(), LEVEL_COUNT);
        for (scale, steps) in [("likelihood", &self.likelihood), ("impact", &self.impact)] {
            for (i, step) in steps.iter().enumerate() {
                step.label
                    .check(&mut v, &format!("{scale}[{i}].label"), MAX_LABEL_CHARS);
                if let Some(meaning) = &step.meaning {
                    meaning.check(&mut v, &format!("{scale}[{i}].meaning"), MAX_MEANING_CHARS);
                }
            }
        }
        for (i, level) in self.levels.iter().enumerate() {
            let field = format!("levels[{i}]");
            v.text(&format!("{field}.id"), &level.id, 40);
            if self.levels[..i].iter().any(|l| l.id == level.id) {
                v.duplicate(&format!("{field}.id"), &level.id);
            }
            level
                .label
                .check(&mut v, &format!("{field}.label"), MAX_LABEL_CHARS);
            if !is_colour(&level.colour) {
                v.push(FieldError::bad_value(
                    &format!("{field}.colour"),
                    "a colour is written #rrggbb",
                ));
            }
        }
        if self.cells.len() != self.likelihood.len() {
            v.push(FieldError::bad_value(
                "cells",
                "one row is needed per likelihood step",
            ));
        }
        for (row, cells) in self.cells.iter().enumerate() {
            if cells.len() != self.impact.len() {
                v.push(FieldError::bad_value(
                    &format!("cells[{row}]"),
                    "one cell is needed per impact step",
                ));
            }
            for (column, id) in cells.iter().enumerate() {
                let field = format!("cells[{row}][{column}]");
                let Some(rank) = self.rank(id) else {
                    v.not_found(&field, id);
                    continue;
                };
                let below = row
                    .checked_sub(1)
                    .and_then(|r| self.cells.get(r)?.get(column));
                let left = column.checked_sub(1).and_then(|c| cells.get(c));
                if [below, left]
                    .into_iter()
                    .flatten()
                    .filter_map(|other| self.rank(other))
                    .any(|other| other > rank)
                {
                    v.push(FieldError::bad_value(
                        &field,
                        "a more likely or more harmful cell cannot have a lower level",
                    ));
                }
            }
        }
        v.finish()
    }

    /// The position of a level, lowest 0.
    pub fn rank(&self, level_id: &str) -> Option<usize> {
        self.levels.iter().position(|l| l.id == level_id)
    }

    /// The level of a rating: `likelihood` and `impact` are step values, from 1. `None`
    /// outside the scales.
    pub fn level(&self, likelihood: u8, impact: u8) -> Option<&RiskLevel> {
        let row = usize::from(likelihood).checked_sub(1)?;
        let column = usize::from(impact).checked_sub(1)?;
        let id = self.cells.get(row)?.get(column)?;
        self.levels.iter().find(|l| &l.id == id)
    }

    /// Records a step value outside a scale of `steps` steps, naming `field`.
    pub fn check_step(v: &mut Validator, field: &str, value: u8, steps: usize) {
        if value == 0 || usize::from(value) > steps {
            v.push(FieldError::out_of_range(field, 1, steps));
        }
    }
}

#[cfg(test)]
#[allow(clippy::expect_used, clippy::unwrap_used)]
mod tests {
    use super::*;

    fn label(text: &str) -> Label {
        Label {
            en: text.to_owned(),
            fr: format!("{text} (fr)"),
        }
    }

    fn steps(n: usize) -> Vec<Step> {
        (1..=n)
            .map(|i| Step {
                label: label(&format!("step {i}")),
                meaning: None,
            })
            .collect()
    }

    /// A 3×3 matrix whose level is the larger of the two steps, minus one, capped.
    fn three_by_three() -> RiskMatrix {
        let ids = ["low", "medium", "high"];
        RiskMatrix {
            likelihood: steps(3),
            impact: steps(3),
            levels: ids
                .iter()
                .map(|id| RiskLevel {
                    id: (*id).to_owned(),
                    label: label(id),
                    colour: "#00aa00".to_owned(),
                })
                .collect(),
            cells: (0..3)
                .map(|l| (0..3).map(|i| ids[(l + i).min(2)].to_owned()).collect())
                .collect(),
        }
    }

    #[test]
    fn every_cell_has_the_level_its_row_and_column_give() {
        let m = three_by_three();
        m.check().unwrap();
        for likelihood in 1..=3u8 {
            for impact in 1..=3u8 {
                let expected = ["low", "medium", "high"]
                    [(usize::from(likelihood) - 1 + usize::from(impact) - 1).min(2)];
                assert_eq!(
                    m.level(likelihood, impact).map(|l| l.id.as_str()),
                    Some(expected),
                    "{likelihood}×{impact}"
                );
            }
        }
        assert_eq!(m.level(0, 1), None);
        assert_eq!(m.level(4, 1), None);
        assert_eq!(m.level(1, 4), None);
    }

    #[test]
    fn a_broken_matrix_is_refused_with_every_field_named() {
        let mut m = three_by_three();
        m.cells[2][2] = "low".to_owned();
        m.cells[0][1] = "extreme".to_owned();
        m.levels[1].colour = "green".to_owned();
        m.levels[2].label.fr = " ".to_owned();
        m.likelihood.truncate(1);
        let errors = m.check().unwrap_err().0;
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for expected in [
            "likelihood",
            "levels[1].colour",
            "levels[2].label.fr",
            "cells",
            "cells[0][1]",
            "cells[2][2]",
        ] {
            assert!(fields.contains(&expected), "{expected} not in {fields:?}");
        }
    }

    #[test]
    fn steps_outside_a_scale_are_refused() {
        let checked = |value: u8| {
            let mut v = Validator::new();
            RiskMatrix::check_step(&mut v, "likelihood", value, 5);
            v.finish()
        };
        assert!(checked(1).is_ok());
        assert!(checked(5).is_ok());
        for bad in [0, 6] {
            assert_eq!(checked(bad).unwrap_err().0[0].field, "likelihood");
        }
    }
}
