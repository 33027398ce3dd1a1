//! A questionnaire as a spreadsheet, for suppliers who prefer one: written with its questions,
//! allowed answers and any answers saved so far; read back all or nothing, every problem
//! named by its line.

use hygeia_domain::suppliers::questionnaire::{
    AnswerInput, AnswerKind, MAX_ANSWER_CHARS, QuestionnaireTemplate, yes_no_of,
};
use hygeia_domain::validation::FieldError;
use hygeia_report::{Language, Table, read_first_sheet, to_xlsx};

use crate::error::{ApiError, ApiResult};
use crate::ui::i18n::{Lang, Tr};

/// The columns, in order: the question's id (the key read back), its section, text, the
/// answers allowed, weight, references, whether evidence is asked, the answer and a comment.
const COLUMNS: [&str; 9] = [
    "id", "section", "question", "allowed", "weight", "refs", "evidence", "answer", "comment",
];
const ANSWER: usize = 7;
const COMMENT: usize = 8;

/// The questionnaire as a workbook in `lang`, with `answers` filled in.
pub fn write(
    template: &QuestionnaireTemplate,
    answers: &[AnswerInput],
    lang: Lang,
    about: Vec<(String, String)>,
) -> ApiResult<Vec<u8>> {
    let tr = Tr::new(lang);
    let headers: Vec<String> = COLUMNS
        .iter()
        .map(|c| tr.t(&format!("questionnaires.xlsx.{c}")).to_owned())
        .collect();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut table = Table::new(template.title.get(lang.code()), &header_refs);
    table.language = if lang == Lang::Fr {
        Language::Fr
    } else {
        Language::En
    };
    for section in &template.sections {
        for q in &section.questions {
            let given = answers.iter().find(|a| a.question_id == q.id);
            let answer = given.map_or(String::new(), |a| match q.kind {
                AnswerKind::YesNo if !a.answer.is_empty() => tr.label("portal.answer", &a.answer),
                _ => a.answer.clone(),
            });
            table.rows.push(vec![
                q.id.clone(),
                section.title.get(lang.code()).to_owned(),
                q.text.get(lang.code()).to_owned(),
                match q.kind {
                    AnswerKind::YesNo => tr.t("questionnaires.xlsx.yes_no").to_owned(),
                    AnswerKind::Text => tr.t("questionnaires.xlsx.text").to_owned(),
                },
                q.weight.to_string(),
                q.refs.join(" · "),
                tr.t(if q.evidence {
                    "suppliers.yes"
                } else {
                    "suppliers.no"
                })
                .to_owned(),
                answer,
                given.map(|a| a.comment.clone()).unwrap_or_default(),
            ]);
        }
    }
    let mut notes = vec![(
        tr.t("questionnaires.xlsx.how").to_owned(),
        tr.t("questionnaires.xlsx.how_text").to_owned(),
    )];
    notes.extend(about);
    table.about = notes;
    to_xlsx(&table).map_err(ApiError::internal)
}

/// The answers of a returned workbook, all or nothing: each line names a question of
/// `template` once, a yes/no answer reads as one (in English or French), texts are bounded.
/// The header line and lines without an answer are skipped.
pub fn read(template: &QuestionnaireTemplate, bytes: &[u8]) -> ApiResult<Vec<AnswerInput>> {
    let rows = read_first_sheet(bytes).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut errors = Vec::new();
    let mut answers: Vec<(u32, AnswerInput)> = Vec::new();
    for (line, cells) in rows {
        let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or_default();
        let id = cell(0);
        let at = format!("line {line}");
        let Some(question) = template.question(id) else {
            if line > 1 {
                errors.push(FieldError::invalid(
                    &at,
                    &format!("'{id}' is not a question of this questionnaire"),
                ));
            }
            continue;
        };
        if let Some((first, _)) = answers.iter().find(|(_, a)| a.question_id == question.id) {
            errors.push(FieldError::invalid(
                &at,
                &format!("question '{id}' appears twice (first on line {first})"),
            ));
            continue;
        }
        let written = cell(ANSWER);
        let answer = match question.kind {
            AnswerKind::YesNo if written.is_empty() => String::new(),
            AnswerKind::YesNo => match yes_no_of(written) {
                Some(code) => code.to_owned(),
                None => {
                    errors.push(FieldError::invalid(
                        &at,
                        &format!("'{written}' is not an answer to question '{id}' (yes, partly, no, not applicable)"),
                    ));
                    continue;
                }
            },
            AnswerKind::Text => written.to_owned(),
        };
        for (what, text) in [("answer", answer.as_str()), ("comment", cell(COMMENT))] {
            if text.chars().count() > MAX_ANSWER_CHARS {
                errors.push(FieldError::invalid(
                    &at,
                    &format!("the {what} is longer than {MAX_ANSWER_CHARS} characters"),
                ));
            }
        }
        if !answer.is_empty() || !cell(COMMENT).is_empty() {
            answers.push((
                line,
                AnswerInput {
                    question_id: question.id.clone(),
                    answer,
                    comment: cell(COMMENT).to_owned(),
                },
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::BadRequest {
            detail: format!(
                "the workbook was not imported, nothing was saved: {}",
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            errors,
        });
    }
    Ok(answers.into_iter().map(|(_, a)| a).collect())
}
