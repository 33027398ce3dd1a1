//! Dated notes on where a Member State stands in transposing NIS2 (`data/guidance/transposition-*.yaml`),
//! shown beside classification and reporting so that the Directive's rules are never presented as
//! final national law. Validated at load: a note without its date, text in both languages or sources
//! is refused.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::error::{CatalogError, IssueKind, Issues};
use crate::load::{RawText, non_empty, parse_yaml, required_text};
use crate::model::Text;

/// The shipped notes.
const EMBEDDED: &[(&str, &str)] = &[(
    "data/guidance/transposition-fr.yaml",
    include_str!("../data/guidance/transposition-fr.yaml"),
)];

/// Where one Member State stands, as of a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranspositionNote {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// When the note was written.
    pub as_of: NaiveDate,
    /// The most recent event its sources cover.
    pub known_until: NaiveDate,
    pub note: Text,
    pub sources: Vec<Source>,
}

/// A source of a note, cited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub title: Text,
    pub url: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNote {
    #[serde(default)]
    country: Option<String>,
    #[serde(default)]
    as_of: Option<String>,
    #[serde(default)]
    known_until: Option<String>,
    #[serde(default)]
    note: Option<RawText>,
    #[serde(default)]
    sources: Vec<RawSource>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    #[serde(default)]
    title: Option<RawText>,
    #[serde(default)]
    url: Option<String>,
}

/// The shipped notes, validated.
pub fn embedded() -> Result<Vec<TranspositionNote>, CatalogError> {
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    for (file, text) in EMBEDDED {
        match parse_transposition(file, text) {
            Ok(note) => notes.push(note),
            Err(CatalogError::Invalid(mut issues)) => problems.append(&mut issues),
            Err(e) => return Err(e),
        }
    }
    if problems.is_empty() {
        Ok(notes)
    } else {
        Err(CatalogError::Invalid(problems))
    }
}

fn date(issues: &mut Issues, file: &str, field: &str, raw: Option<String>) -> NaiveDate {
    match non_empty(raw).map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d")) {
        Some(Ok(date)) => date,
        Some(Err(_)) => {
            issues.push(
                file,
                "note",
                field,
                IssueKind::InvalidValue("a date is written YYYY-MM-DD".into()),
            );
            NaiveDate::MIN
        }
        None => {
            issues.push(file, "note", field, IssueKind::Missing);
            NaiveDate::MIN
        }
    }
}

/// Parses and validates one note; every problem is named by file, entry and field.
pub fn parse_transposition(file: &str, text: &str) -> Result<TranspositionNote, CatalogError> {
    let raw: RawNote = parse_yaml(file, text)?;
    let mut issues = Issues::default();
    let country = non_empty(raw.country).unwrap_or_default();
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        issues.push(
            file,
            "note",
            "country",
            IssueKind::InvalidValue(format!("`{country}` is not an ISO 3166-1 alpha-2 code")),
        );
    }
    let as_of = date(&mut issues, file, "as_of", raw.as_of);
    let known_until = date(&mut issues, file, "known_until", raw.known_until);
    if known_until > as_of {
        issues.push(
            file,
            "note",
            "known_until",
            IssueKind::InvalidValue("later than `as_of`".into()),
        );
    }
    let note = required_text(&mut issues, file, "note", "note", raw.note);
    if raw.sources.is_empty() {
        issues.push(file, "note", "sources", IssueKind::Missing);
    }
    let mut sources = Vec::new();
    for (i, s) in raw.sources.into_iter().enumerate() {
        let entry = format!("sources[{i}]");
        let title = required_text(&mut issues, file, &entry, "title", s.title);
        let url = non_empty(s.url).unwrap_or_default();
        if !url.starts_with("https://") {
            issues.push(
                file,
                &entry,
                "url",
                IssueKind::InvalidValue("an https:// address is required".into()),
            );
        }
        sources.push(Source { title, url });
    }
    issues.into_result(TranspositionNote {
        country,
        as_of,
        known_until,
        note,
        sources,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn the_french_note_is_dated_sourced_and_in_both_languages() {
        let notes = embedded().unwrap();
        let fr = notes.iter().find(|n| n.country == "FR").unwrap();
        assert!(fr.known_until <= fr.as_of);
        assert!(fr.note.en.contains("not finished transposing"));
        assert!(fr.note.fr.contains("n'a pas achevé"));
        assert_eq!(crate::french::shortcuts(&fr.note.fr), Vec::new());
        assert!(fr.sources.len() >= 2 && fr.sources.iter().all(|s| s.url.starts_with("https://")));
    }

    #[test]
    fn a_note_without_date_or_sources_is_refused_by_name() {
        let err = parse_transposition("de.yaml", "country: de\nas_of: 2026-13-01\nnote: {en: x}\n")
            .unwrap_err()
            .to_string();
        for expected in [
            "field `country`",
            "field `as_of`",
            "field `known_until`",
            "note.fr",
            "field `sources`",
        ] {
            assert!(err.contains(expected), "{expected}: {err}");
        }
    }
}
