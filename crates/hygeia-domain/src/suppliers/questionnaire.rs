//! Supplier questionnaires: a template (sections of questions, each with its weight and the
//! regulatory points it serves), the answers a supplier gives, the score a reviewer sets, and
//! what the score says of the supplier's maturity.
//!
//! Scoring, stated on the review page: a yes/partly/no answer proposes 100, 50 or 0; a
//! written answer waits for the reviewer; "not applicable" leaves the question out. The
//! questionnaire's score is the weighted mean of the scores set, from 0 to 100; 85 or more
//! means maturity 4, 65 or more 3, 40 or more 2, less 1 — the maturity of the ecosystem
//! threat ([`super::ecosystem`]).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::risks::matrix::Label;
use crate::validation::{FieldError, ValidationErrors, Validator};

/// Most questions a template holds; longest question text.
pub const MAX_QUESTIONS: usize = 300;
pub const MAX_TEXT_CHARS: usize = 1000;
/// Longest written answer or comment.
pub const MAX_ANSWER_CHARS: usize = 4000;

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    /// `yes`, `partly`, `no` or `not_applicable`.
    YesNo,
    /// Free text.
    Text,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Unique in its template: lowercase letters, digits, `.`, `-`, `_`.
    pub id: String,
    pub text: Label,
    pub kind: AnswerKind,
    /// 1 (useful) to 3 (essential).
    #[serde(default = "one")]
    pub weight: u8,
    /// The regulatory points it serves (`2024/2690 5.1.4(d)`, `Art. 21(2)(j)`).
    #[serde(default)]
    pub refs: Vec<String>,
    /// Evidence is asked for (a certificate, a policy, a report).
    #[serde(default)]
    pub evidence: bool,
}

fn one() -> u8 {
    1
}

/// A section of questions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: Label,
    pub questions: Vec<Question>,
}

/// A questionnaire template, shipped or the organisation's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuestionnaireTemplate {
    /// Unique: lowercase letters, digits and `-`.
    pub id: String,
    pub version: u32,
    pub title: Label,
    pub description: Label,
    pub sections: Vec<Section>,
}

fn is_identifier(text: &str, extra: &[char]) -> bool {
    !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || extra.contains(&c))
}

fn check_label(v: &mut Validator, field: &str, label: &Label, max: usize) {
    v.text(&format!("{field}.en"), &label.en, max);
    v.text(&format!("{field}.fr"), &label.fr, max);
}

impl QuestionnaireTemplate {
    /// Checks the whole template; problems are named by field (`sections[1].questions[0].id`).
    pub fn check(&self) -> Result<(), ValidationErrors> {
        let mut v = Validator::new();
        if !is_identifier(&self.id, &[]) {
            v.push(FieldError::invalid(
                "id",
                "lowercase letters, digits and '-', at most 64",
            ));
        }
        check_label(&mut v, "title", &self.title, 200);
        check_label(&mut v, "description", &self.description, MAX_TEXT_CHARS);
        if self.sections.is_empty() {
            v.empty("sections");
        }
        let mut ids = BTreeSet::new();
        let mut count = 0;
        for (s, section) in self.sections.iter().enumerate() {
            let at = format!("sections[{s}]");
            if !is_identifier(&section.id, &['_']) {
                v.push(FieldError::invalid(
                    &format!("{at}.id"),
                    "lowercase letters, digits, '-' and '_'",
                ));
            }
            check_label(&mut v, &format!("{at}.title"), &section.title, 200);
            if section.questions.is_empty() {
                v.empty(&format!("{at}.questions"));
            }
            for (q, question) in section.questions.iter().enumerate() {
                count += 1;
                let at = format!("{at}.questions[{q}]");
                if !is_identifier(&question.id, &['.', '_']) {
                    v.push(FieldError::invalid(
                        &format!("{at}.id"),
                        "lowercase letters, digits, '.', '-' and '_'",
                    ));
                } else if !ids.insert(question.id.as_str()) {
                    v.duplicate(&format!("{at}.id"), &question.id);
                }
                check_label(
                    &mut v,
                    &format!("{at}.text"),
                    &question.text,
                    MAX_TEXT_CHARS,
                );
                if !(1..=3).contains(&question.weight) {
                    v.push(FieldError::out_of_range(&format!("{at}.weight"), 1, 3));
                }
            }
        }
        if count > MAX_QUESTIONS {
            v.push(FieldError::out_of_range("sections", 1, MAX_QUESTIONS));
        }
        v.finish()
    }

    /// Every question, in order.
    pub fn questions(&self) -> impl Iterator<Item = &Question> {
        self.sections.iter().flat_map(|s| s.questions.iter())
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions().find(|q| q.id == id)
    }
}

/// The answers of a yes/no question.
pub const YES_NO: [&str; 4] = ["yes", "partly", "no", "not_applicable"];

/// One answer as given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswerInput {
    pub question_id: String,
    /// For a yes/no question `yes`, `partly`, `no` or `not_applicable`; else the text.
    #[serde(default)]
    pub answer: String,
    /// The supplier's comment or justification.
    #[serde(default)]
    pub comment: String,
}

/// Checks answers against a template: each names a question of it once, a yes/no answer is
/// one of [`YES_NO`], texts are bounded. With `complete`, every question must be answered.
/// Problems are named by position (`answers[2].answer`).
pub fn check_answers(
    template: &QuestionnaireTemplate,
    answers: &[AnswerInput],
    complete: bool,
) -> Result<(), ValidationErrors> {
    let mut v = Validator::new();
    let mut seen = BTreeSet::new();
    for (i, a) in answers.iter().enumerate() {
        let at = format!("answers[{i}]");
        let Some(question) = template.question(a.question_id.trim()) else {
            v.not_found(&format!("{at}.question_id"), &a.question_id);
            continue;
        };
        if !seen.insert(question.id.as_str()) {
            v.duplicate(&format!("{at}.question_id"), &a.question_id);
        }
        let answer = a.answer.trim();
        match question.kind {
            AnswerKind::YesNo if !answer.is_empty() && !YES_NO.contains(&answer) => {
                v.one_of(&format!("{at}.answer"), &YES_NO);
            }
            _ => v.optional_text(&format!("{at}.answer"), Some(answer), MAX_ANSWER_CHARS),
        }
        v.optional_text(&format!("{at}.comment"), Some(&a.comment), MAX_ANSWER_CHARS);
    }
    if complete {
        for question in template.questions() {
            let answered = answers
                .iter()
                .any(|a| a.question_id.trim() == question.id && !a.answer.trim().is_empty());
            if !answered {
                v.push(FieldError::invalid(&question.id, "not answered yet"));
            }
        }
    }
    v.finish()
}

/// A yes/no answer as people write it in a spreadsheet, in English or French, or as its
/// code; `None` when it is none of them.
pub fn yes_no_of(text: &str) -> Option<&'static str> {
    let t = text.trim().to_lowercase();
    let t = t.trim_end_matches('.');
    match t {
        "yes" | "oui" | "y" | "o" => Some("yes"),
        "partly" | "partially" | "partiellement" | "en partie" => Some("partly"),
        "no" | "non" | "n" => Some("no"),
        "not_applicable" | "not applicable" | "n/a" | "na" | "sans objet" | "non applicable" => {
            Some("not_applicable")
        }
        _ => None,
    }
}

/// The score an answer proposes before review: 100, 50, 0 for yes, partly, no; none for a
/// written answer (the reviewer scores it) or "not applicable" (left out).
pub fn proposed_score(kind: AnswerKind, answer: &str) -> Option<u8> {
    match (kind, answer.trim()) {
        (AnswerKind::YesNo, "yes") => Some(100),
        (AnswerKind::YesNo, "partly") => Some(50),
        (AnswerKind::YesNo, "no") => Some(0),
        _ => None,
    }
}

/// The scores a reviewer may give an answer.
pub const REVIEW_SCORES: [u8; 3] = [0, 50, 100];

/// The weighted mean of the scores set, 0–100; none when nothing is scored.
pub fn questionnaire_score(scored: &[(u8, u8)]) -> Option<u8> {
    let weights: u32 = scored.iter().map(|(weight, _)| u32::from(*weight)).sum();
    if weights == 0 {
        return None;
    }
    let total: u32 = scored
        .iter()
        .map(|(weight, score)| u32::from(*weight) * u32::from(*score))
        .sum();
    u8::try_from((total + weights / 2) / weights).ok()
}

/// The maturity (1–4) a score shows.
pub fn maturity_of(score: u8) -> u8 {
    match score {
        85.. => 4,
        65..=84 => 3,
        40..=64 => 2,
        _ => 1,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn label(text: &str) -> Label {
        Label {
            en: text.into(),
            fr: text.into(),
        }
    }

    fn question(id: &str, kind: AnswerKind, weight: u8) -> Question {
        Question {
            id: id.into(),
            text: label("Do you?"),
            kind,
            weight,
            refs: vec![],
            evidence: false,
        }
    }

    fn template() -> QuestionnaireTemplate {
        QuestionnaireTemplate {
            id: "tiny".into(),
            version: 1,
            title: label("Tiny"),
            description: label("Two questions"),
            sections: vec![Section {
                id: "governance".into(),
                title: label("Governance"),
                questions: vec![
                    question("gov.policy", AnswerKind::YesNo, 3),
                    question("gov.describe", AnswerKind::Text, 1),
                ],
            }],
        }
    }

    #[test]
    fn a_template_is_checked_whole() {
        template().check().unwrap();
        let mut bad = template();
        bad.id = "Tiny!".into();
        bad.sections[0].questions[1].id = "gov.policy".into();
        bad.sections[0].questions[0].weight = 4;
        bad.sections[0].title.fr = String::new();
        let fields: Vec<String> = bad
            .check()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "id",
                "sections[0].title.fr",
                "sections[0].questions[0].weight",
                "sections[0].questions[1].id"
            ]
        );
    }

    #[test]
    fn answers_name_their_question_and_submission_needs_them_all() {
        let t = template();
        let answer = |q: &str, a: &str| AnswerInput {
            question_id: q.into(),
            answer: a.into(),
            comment: String::new(),
        };
        check_answers(&t, &[answer("gov.policy", "partly")], false).unwrap();
        let fields = |e: ValidationErrors| e.0.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(
            fields(
                check_answers(
                    &t,
                    &[answer("gov.policy", "maybe"), answer("gov.nope", "yes")],
                    false
                )
                .unwrap_err()
            ),
            ["answers[0].answer", "answers[1].question_id"]
        );
        assert_eq!(
            fields(check_answers(&t, &[answer("gov.policy", "yes")], true).unwrap_err()),
            ["gov.describe"]
        );
        check_answers(
            &t,
            &[
                answer("gov.policy", "yes"),
                answer("gov.describe", "We do."),
            ],
            true,
        )
        .unwrap();
    }

    #[test]
    fn spreadsheet_answers_are_read_in_both_languages() {
        let read: Vec<Option<&str>> = [
            "Oui",
            " yes ",
            "Partiellement",
            "N/A",
            "Sans objet",
            "non",
            "peut-être",
        ]
        .into_iter()
        .map(yes_no_of)
        .collect();
        assert_eq!(
            read,
            [
                Some("yes"),
                Some("yes"),
                Some("partly"),
                Some("not_applicable"),
                Some("not_applicable"),
                Some("no"),
                None
            ]
        );
    }

    #[test]
    fn scores_are_weighted_and_say_the_maturity() {
        assert_eq!(proposed_score(AnswerKind::YesNo, "partly"), Some(50));
        assert_eq!(proposed_score(AnswerKind::YesNo, "not_applicable"), None);
        assert_eq!(proposed_score(AnswerKind::Text, "yes"), None);
        assert_eq!(questionnaire_score(&[]), None);
        assert_eq!(questionnaire_score(&[(3, 100), (1, 0)]), Some(75));
        assert_eq!(questionnaire_score(&[(1, 50), (2, 100)]), Some(83));
        let maturities: Vec<u8> = [100, 85, 84, 65, 64, 40, 39, 0]
            .into_iter()
            .map(maturity_of)
            .collect();
        assert_eq!(maturities, [4, 4, 3, 3, 2, 2, 1, 1]);
    }
}
