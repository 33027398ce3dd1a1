//! A medical device maker's security disclosure: the Manufacturer Disclosure Statement for
//! Medical Device Security (MDS2, ANSI/NEMA HN 1-2019), read from the maker's filled form.
//!
//! The form is a workbook of about 240 questions in groups, each with an id such as `ALOF-1`
//! or `AUDT-2.8.1` (group code, number, sub-numbers) answered Yes, No, N/A or See Note, with
//! notes. The documentation group (`DOC-1` …) carries the facts of the device (maker, model,
//! document id, release date) in its answer cells. Makers lay the form out differently, so
//! the reader does not trust column positions: it finds the ids in any column, then takes as
//! the answer column the one where most rows hold a Yes/No/N/A/See Note answer. A row whose
//! answer cell says something else is refused with its sheet and line; the whole file is then
//! refused.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::risks::matrix::Label;

/// The answer to one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Mds2Answer {
    Yes,
    No,
    NotApplicable,
    SeeNote,
}

impl Mds2Answer {
    pub const ALL: [Mds2Answer; 4] = [
        Mds2Answer::Yes,
        Mds2Answer::No,
        Mds2Answer::NotApplicable,
        Mds2Answer::SeeNote,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Mds2Answer::Yes => "yes",
            Mds2Answer::No => "no",
            Mds2Answer::NotApplicable => "not_applicable",
            Mds2Answer::SeeNote => "see_note",
        }
    }

    /// Reads an answer cell: `Yes`, `No`, `N/A`, `See Note`, any case, possibly followed by a
    /// remark (`Yes, LDAP`, `N/A: no default accounts`), which is returned with it.
    pub fn read(cell: &str) -> Option<(Mds2Answer, String)> {
        let text = cell.trim();
        let lower = text.to_lowercase();
        let (answer, taken) = if lower.starts_with("see note") {
            (Mds2Answer::SeeNote, "see note".len())
        } else if lower.starts_with("n/a") {
            (Mds2Answer::NotApplicable, 3)
        } else if lower == "na" {
            (Mds2Answer::NotApplicable, 2)
        } else if lower.starts_with("yes") {
            (Mds2Answer::Yes, 3)
        } else if lower.starts_with("no") {
            (Mds2Answer::No, 2)
        } else {
            return None;
        };
        // `No` must stand alone: "Note", "None" or "Normal" are not answers.
        let rest = &text[taken..];
        if rest.chars().next().is_some_and(char::is_alphanumeric) {
            return None;
        }
        let remark = rest
            .trim_start_matches(|c: char| c.is_whitespace() || ",;:.-–()".contains(c))
            .trim_end_matches(')')
            .trim()
            .to_owned();
        Some((answer, remark))
    }
}

/// A question id (`ALOF-1`, `AUDT-2.8.1`): its group code when the text is one.
pub fn question_group(text: &str) -> Option<&str> {
    let (group, number) = text.trim().split_once('-')?;
    let group_ok = (3..=4).contains(&group.len()) && group.chars().all(|c| c.is_ascii_uppercase());
    let number_ok = !number.is_empty()
        && number
            .split('.')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()));
    (group_ok && number_ok).then_some(group)
}

/// Where a row was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mds2Row {
    pub id: String,
    pub group: String,
    pub question: String,
    /// None: left unanswered (a heading question), or a documentation fact.
    pub answer: Option<Mds2Answer>,
    /// The remark after the answer and the note cells; a documentation row's fact.
    pub note: String,
}

/// A form read whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mds2Form {
    pub manufacturer: Option<String>,
    pub description: Option<String>,
    pub model: Option<String>,
    pub document_id: Option<String>,
    pub released_on: Option<String>,
    pub rows: Vec<Mds2Row>,
}

impl Mds2Form {
    /// The device's name: its model, else its description.
    pub fn device(&self) -> Option<&str> {
        self.model.as_deref().or(self.description.as_deref())
    }

    /// How many questions of each group got each answer (unanswered ones under `None`).
    pub fn tally(&self) -> BTreeMap<&str, BTreeMap<Option<Mds2Answer>, usize>> {
        let mut tally: BTreeMap<&str, BTreeMap<Option<Mds2Answer>, usize>> = BTreeMap::new();
        for row in self
            .rows
            .iter()
            .filter(|r| r.group != "DOC" || r.answer.is_some())
        {
            *tally
                .entry(row.group.as_str())
                .or_default()
                .entry(row.answer)
                .or_default() += 1;
        }
        tally
    }

    pub fn row(&self, id: &str) -> Option<&Mds2Row> {
        self.rows.iter().find(|r| r.id == id)
    }
}

/// Why a form was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mds2Error {
    #[error("no MDS2 question (an id such as ALOF-1) was found in the file")]
    NoQuestions,
    #[error("{}", .0.join("; "))]
    Rows(Vec<String>),
}

/// A row of a sheet: the sheet's name, the line, the cells.
pub type SheetRow<'a> = (&'a str, u32, &'a [String]);

/// The documentation facts, by question id.
const FACTS: [&str; 5] = ["DOC-1", "DOC-2", "DOC-3", "DOC-4", "DOC-7"];

/// Reads a filled form from the rows of its sheets; refused whole when a row is wrong.
pub fn read_form(rows: &[SheetRow<'_>]) -> Result<Mds2Form, Mds2Error> {
    // Each row holding a question id: where its id is.
    let questions: Vec<(&SheetRow<'_>, usize)> = rows
        .iter()
        .filter_map(|row| {
            let at = row.2.iter().position(|c| question_group(c).is_some())?;
            Some((row, at))
        })
        .collect();
    if questions.is_empty() {
        return Err(Mds2Error::NoQuestions);
    }
    // The answer column: where most question rows hold an answer, right of their id.
    let mut votes: BTreeMap<usize, usize> = BTreeMap::new();
    for ((_, _, cells), at) in &questions {
        for (i, cell) in cells.iter().enumerate().skip(at + 1) {
            if Mds2Answer::read(cell).is_some() {
                *votes.entry(i).or_default() += 1;
            }
        }
    }
    let answer_column = votes
        .iter()
        .max_by_key(|(column, count)| (**count, std::cmp::Reverse(**column)))
        .map(|(column, _)| *column)
        .ok_or(Mds2Error::NoQuestions)?;
    let mut problems = Vec::new();
    let mut read: Vec<Mds2Row> = Vec::new();
    for ((sheet, line, cells), at) in questions {
        let id = cells[at].trim().to_owned();
        let group = question_group(&id).unwrap_or_default().to_owned();
        let question = cells
            .iter()
            .take(answer_column)
            .skip(at + 1)
            .find(|c| !c.is_empty())
            .cloned()
            .unwrap_or_default();
        let cell = cells.get(answer_column).map_or("", |c| c.trim());
        // The note is the cell after the answer; further columns hold the standards'
        // references.
        let note_cell = cells.get(answer_column + 1).map_or("", |c| c.trim());
        let (answer, mut note) = match Mds2Answer::read(cell) {
            Some((answer, remark)) => (Some(answer), remark),
            None if cell.is_empty() => (None, String::new()),
            None if group == "DOC" => (None, cell.to_owned()),
            None => {
                problems.push(format!(
                    "sheet '{sheet}', line {line} ({id}): '{cell}' is not Yes, No, N/A or See Note"
                ));
                continue;
            }
        };
        if !note_cell.is_empty() {
            if !note.is_empty() {
                note.push_str(" — ");
            }
            note.push_str(note_cell);
        }
        if read.iter().any(|r| r.id == id) {
            problems.push(format!(
                "sheet '{sheet}', line {line}: {id} is answered twice"
            ));
            continue;
        }
        read.push(Mds2Row {
            id,
            group,
            question,
            answer,
            note,
        });
    }
    if !problems.is_empty() {
        return Err(Mds2Error::Rows(problems));
    }
    let fact = |id: &str| {
        read.iter()
            .find(|r| r.id == id)
            .map(|r| r.note.clone())
            .filter(|n| !n.is_empty())
    };
    let [manufacturer, description, model, document_id, released_on] = FACTS.map(fact);
    Ok(Mds2Form {
        manufacturer,
        description,
        model,
        document_id,
        released_on,
        rows: read,
    })
}

/// How Hygeia reads a form: the groups' titles and the questions whose answer matters to
/// the entity's own duties (shipped as data, checked when loaded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mds2Guide {
    pub groups: Vec<Mds2Group>,
    pub checks: Vec<Mds2Check>,
}

/// A group of the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mds2Group {
    pub code: String,
    pub title: Label,
}

/// A question whose answer matters: the answer expected of a device the entity can protect,
/// what a different answer means, and the entity's duties it bears on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Mds2Check {
    pub id: String,
    pub expected: Mds2Answer,
    /// What a different answer leaves to the entity.
    pub concern: Label,
    pub refs: Vec<String>,
}

impl Mds2Guide {
    /// Every problem of the guide, named by field.
    pub fn check(&self) -> Result<(), crate::validation::ValidationErrors> {
        let mut v = crate::validation::Validator::new();
        for (i, group) in self.groups.iter().enumerate() {
            if question_group(&format!("{}-1", group.code)).is_none() {
                v.one_of(&format!("groups[{i}].code"), &["three or four capitals"]);
            }
            if self.groups[..i].iter().any(|g| g.code == group.code) {
                v.duplicate(&format!("groups[{i}].code"), &group.code);
            }
            v.text(&format!("groups[{i}].title.en"), &group.title.en, 120);
            v.text(&format!("groups[{i}].title.fr"), &group.title.fr, 120);
        }
        for (i, check) in self.checks.iter().enumerate() {
            match question_group(&check.id) {
                Some(group) if self.groups.iter().any(|g| g.code == group) => {}
                _ => v.not_found(&format!("checks[{i}].id"), &check.id),
            }
            if self.checks[..i].iter().any(|c| c.id == check.id) {
                v.duplicate(&format!("checks[{i}].id"), &check.id);
            }
            if !matches!(check.expected, Mds2Answer::Yes | Mds2Answer::No) {
                v.one_of(&format!("checks[{i}].expected"), &["yes", "no"]);
            }
            v.text(&format!("checks[{i}].concern.en"), &check.concern.en, 300);
            v.text(&format!("checks[{i}].concern.fr"), &check.concern.fr, 300);
            if check.refs.is_empty() {
                v.empty(&format!("checks[{i}].refs"));
            }
        }
        v.finish()
    }

    /// The checks a form fails: answered otherwise than expected, or left to a note or
    /// unanswered (to look at). Checks whose question the form lacks are left out.
    pub fn findings<'a>(&'a self, form: &'a Mds2Form) -> Vec<Mds2Finding<'a>> {
        self.checks
            .iter()
            .filter_map(|check| {
                let row = form.row(&check.id)?;
                let state = match row.answer {
                    Some(answer) if answer == check.expected => return None,
                    Some(Mds2Answer::NotApplicable) => return None,
                    Some(Mds2Answer::Yes | Mds2Answer::No) => FindingState::Gap,
                    Some(Mds2Answer::SeeNote) | None => FindingState::ToCheck,
                };
                Some(Mds2Finding { check, row, state })
            })
            .collect()
    }
}

/// Whether a finding is a gap or needs a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FindingState {
    /// Answered otherwise than expected.
    Gap,
    /// Left to a note, or unanswered.
    ToCheck,
}

/// A check a form fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mds2Finding<'a> {
    pub check: &'a Mds2Check,
    pub row: &'a Mds2Row,
    pub state: FindingState,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn cells(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }

    #[test]
    fn answers_are_read_with_their_remark_and_words_are_not_answers() {
        assert_eq!(
            Mds2Answer::read("Yes, LDAP"),
            Some((Mds2Answer::Yes, "LDAP".into()))
        );
        assert_eq!(
            Mds2Answer::read("N/A: No default accounts"),
            Some((Mds2Answer::NotApplicable, "No default accounts".into()))
        );
        assert_eq!(
            Mds2Answer::read("see note"),
            Some((Mds2Answer::SeeNote, String::new()))
        );
        assert_eq!(
            Mds2Answer::read("No"),
            Some((Mds2Answer::No, String::new()))
        );
        assert_eq!(Mds2Answer::read("Note 4"), None);
        assert_eq!(Mds2Answer::read("None"), None);
        assert_eq!(Mds2Answer::read("Partly"), None);
    }

    #[test]
    fn question_ids_have_a_group_and_a_dotted_number() {
        assert_eq!(question_group("ALOF-1"), Some("ALOF"));
        assert_eq!(question_group("AUDT-2.8.1"), Some("AUDT"));
        assert_eq!(question_group("DOC-11.1"), Some("DOC"));
        assert_eq!(question_group("Question ID"), None);
        assert_eq!(question_group("AC-12"), None);
        assert_eq!(question_group("ALOF-"), None);
        assert_eq!(question_group("ALOF-1."), None);
    }

    #[test]
    fn a_form_is_read_whatever_its_columns_and_refused_whole_on_a_bad_answer() {
        let sheet = [
            cells(&[
                "Question ID",
                "Question",
                "",
                "Answer",
                "Note #",
                "NIST SP 800-53",
            ]),
            cells(&["DOC-1", "Manufacturer Name", "", "Medisoft SA", "", ""]),
            cells(&["DOC-3", "Device Model", "", "Infusa 300", "", ""]),
            cells(&[
                "DOC-8",
                "Coordinated vulnerability disclosure",
                "",
                "Yes",
                "",
                "",
            ]),
            cells(&[
                "ALOF-1",
                "Auto logoff configurable?",
                "",
                "Yes",
                "",
                "AC-12",
            ]),
            cells(&["CONN-1", "Connectivity capabilities?", "", "", "", ""]),
            cells(&[
                "PAUT-8",
                "Multi-factor authentication?",
                "",
                "No",
                "Planned 2027",
                "IA-2",
            ]),
            cells(&["RMOT-1", "Remote service?", "", "Yes, VPN", "", "MA-4"]),
        ];
        let rows: Vec<SheetRow<'_>> = sheet
            .iter()
            .enumerate()
            .map(|(i, c)| ("MDS2", u32::try_from(i + 1).unwrap(), c.as_slice()))
            .collect();
        let form = read_form(&rows).unwrap();
        assert_eq!(form.manufacturer.as_deref(), Some("Medisoft SA"));
        assert_eq!(form.device(), Some("Infusa 300"));
        assert_eq!(form.rows.len(), 7);
        let mfa = form.row("PAUT-8").unwrap();
        assert_eq!(
            (mfa.answer, mfa.note.as_str()),
            (Some(Mds2Answer::No), "Planned 2027")
        );
        assert_eq!(form.row("RMOT-1").unwrap().note, "VPN");
        assert_eq!(
            form.row("ALOF-1").unwrap().note,
            "",
            "references are not notes"
        );
        assert_eq!(form.row("CONN-1").unwrap().answer, None);
        let tally = form.tally();
        assert_eq!(
            tally["DOC"][&Some(Mds2Answer::Yes)],
            1,
            "facts are not counted"
        );
        assert_eq!(tally["CONN"][&None], 1);

        let mut broken = sheet.to_vec();
        broken[4] = cells(&["ALOF-1", "Auto logoff configurable?", "", "Partly", "", ""]);
        broken.push(cells(&["PAUT-8", "Again", "", "Yes", "", ""]));
        let rows: Vec<SheetRow<'_>> = broken
            .iter()
            .enumerate()
            .map(|(i, c)| ("MDS2", u32::try_from(i + 1).unwrap(), c.as_slice()))
            .collect();
        let problems = match read_form(&rows) {
            Err(Mds2Error::Rows(problems)) => problems,
            other => vec![format!("not refused: {other:?}")],
        };
        assert_eq!(problems.len(), 2);
        assert!(problems[0].contains("line 5 (ALOF-1)") && problems[0].contains("'Partly'"));
        assert!(problems[1].contains("line 9: PAUT-8 is answered twice"));
        assert_eq!(
            read_form(&[("Sheet1", 1, &cells(&["Name", "Value"]))]),
            Err(Mds2Error::NoQuestions)
        );
    }
}
