//! A table to export, and the two tables Hygeia exports.

use crate::ReportError;

/// The reader's language: it decides the headers, and in CSV the separator (French
/// spreadsheet settings split on `;`, since `,` is their decimal mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    #[default]
    En,
    Fr,
}

impl Language {
    /// `fr` is French; anything else English.
    pub fn from_code(code: &str) -> Self {
        if code.trim().eq_ignore_ascii_case("fr") {
            Language::Fr
        } else {
            Language::En
        }
    }

    /// The CSV field separator.
    pub fn csv_separator(self) -> u8 {
        match self {
            Language::En => b',',
            Language::Fr => b';',
        }
    }
}

/// A titled table of text cells with one header row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Worksheet name (at most 31 characters are kept in XLSX).
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// What the export is (entity, framework, date, author…) as label and value, written
    /// after the rows in CSV (so the file keeps one header row and one row per line of the
    /// table) and on an "About" sheet in XLSX.
    pub about: Vec<(String, String)>,
    /// Sources to credit (mapping producers and their licences), written after the rows in
    /// CSV and on a "Sources" sheet in XLSX.
    pub credits: Vec<String>,
    pub language: Language,
}

impl Table {
    pub fn new(title: impl Into<String>, headers: &[&str]) -> Self {
        Self {
            title: title.into(),
            headers: headers.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            about: Vec::new(),
            credits: Vec::new(),
            language: Language::En,
        }
    }

    /// A table with its title and headers in `language`.
    fn in_language(language: Language, en: (&str, &[&str]), fr: (&str, &[&str])) -> Self {
        let (title, headers) = match language {
            Language::En => en,
            Language::Fr => fr,
        };
        Self {
            language,
            ..Self::new(title, headers)
        }
    }

    /// Every row has as many cells as the header.
    pub fn check(&self) -> Result<(), ReportError> {
        for (index, row) in self.rows.iter().enumerate() {
            if row.len() != self.headers.len() {
                return Err(ReportError::RowWidth {
                    row: index + 1,
                    expected: self.headers.len(),
                    found: row.len(),
                });
            }
        }
        Ok(())
    }
}

/// One line of a gap analysis: a requirement of the target framework that is not met.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GapRow {
    /// Art. 21(2) letters, such as `a, j`.
    pub letters: String,
    pub reference: String,
    pub title: String,
    /// `no_coverage`, `delta_to_confirm`, `non_compliant`, `partial` or `not_assessed`.
    pub kind: String,
    pub derived_value: String,
    pub rule: String,
    pub sources: String,
    pub suggested_control: String,
    /// Crosswalk pairs behind the row that the organisation refined (its own relationship in
    /// place of the published one), labelled as such; empty when none.
    pub refined_pairs: String,
    /// The source assessment the row is derived from (name and id).
    pub source_assessment: String,
    /// Its status: `completed`, or `NOT COMPLETED (in_progress)` and the like.
    pub source_status: String,
    pub source_scope: String,
    /// `YYYY-MM-DD`.
    pub source_date: String,
    /// `yes` when a user attested that the source scope covers the entity, else `NO`.
    pub scope_attested: String,
}

/// One line of a Statement of Applicability.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SoaRow {
    pub reference: String,
    pub title: String,
    /// `yes` or `no`.
    pub applicable: String,
    /// Why it is included, or the justification of its exclusion.
    pub justification: String,
    pub result: String,
    pub controls: String,
    pub owner: String,
    pub evidence: usize,
}

/// The gap analysis table, headed in `language`.
pub fn gap_analysis(rows: &[GapRow], language: Language) -> Table {
    let mut table = Table::in_language(
        language,
        (
            "Gap analysis",
            &[
                "Art. 21(2)",
                "Requirement",
                "Title",
                "Gap",
                "Derived result",
                "Rule",
                "Sources",
                "Suggested control",
                "Organisation-refined pairs",
                "Source assessment",
                "Source status",
                "Source scope",
                "Source date",
                "Source scope attested",
            ],
        ),
        (
            "Analyse des écarts",
            &[
                "Art. 21, par. 2",
                "Exigence",
                "Intitulé",
                "Écart",
                "Résultat déduit",
                "Règle",
                "Sources",
                "Mesure suggérée",
                "Correspondances affinées par l'organisation",
                "Évaluation source",
                "Statut de la source",
                "Périmètre de la source",
                "Date de la source",
                "Périmètre de la source attesté",
            ],
        ),
    );
    table.rows = rows
        .iter()
        .map(|r| {
            vec![
                r.letters.clone(),
                r.reference.clone(),
                r.title.clone(),
                r.kind.clone(),
                r.derived_value.clone(),
                r.rule.clone(),
                r.sources.clone(),
                r.suggested_control.clone(),
                r.refined_pairs.clone(),
                r.source_assessment.clone(),
                r.source_status.clone(),
                r.source_scope.clone(),
                r.source_date.clone(),
                r.scope_attested.clone(),
            ]
        })
        .collect();
    table
}

/// The Statement of Applicability table, headed in `language`.
pub fn statement_of_applicability(rows: &[SoaRow], language: Language) -> Table {
    let mut table = Table::in_language(
        language,
        (
            "Statement of Applicability",
            &[
                "Requirement",
                "Title",
                "Applicable",
                "Justification",
                "Result",
                "Controls",
                "Owner",
                "Evidence",
            ],
        ),
        (
            "Déclaration d'applicabilité",
            &[
                "Exigence",
                "Intitulé",
                "Applicable",
                "Justification",
                "Résultat",
                "Mesures",
                "Responsable",
                "Preuves",
            ],
        ),
    );
    table.rows = rows
        .iter()
        .map(|r| {
            vec![
                r.reference.clone(),
                r.title.clone(),
                r.applicable.clone(),
                r.justification.clone(),
                r.result.clone(),
                r.controls.clone(),
                r.owner.clone(),
                r.evidence.to_string(),
            ]
        })
        .collect();
    table
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn rows_must_match_the_header() {
        let mut t = Table::new("t", &["a", "b"]);
        t.rows.push(vec!["1".into()]);
        assert!(matches!(
            t.check(),
            Err(ReportError::RowWidth {
                row: 1,
                expected: 2,
                found: 1
            })
        ));
        let soa = statement_of_applicability(&[SoaRow::default()], Language::Fr);
        assert!(soa.check().is_ok());
        assert_eq!(soa.rows[0][7], "0");
        assert!(
            gap_analysis(&[GapRow::default()], Language::En)
                .check()
                .is_ok()
        );
    }
}
