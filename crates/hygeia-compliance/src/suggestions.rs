//! Suggested controls for the remaining gaps, from a small data file written in our own words
//! (`data/suggestions.tsv`): by requirement node (nearest ancestor wins), then by tag, then a
//! generic line.

use std::collections::HashMap;

use hygeia_catalog::{Framework, Requirement, Text};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The shipped suggestions file.
pub const EMBEDDED_SUGGESTIONS: &str = include_str!("../data/suggestions.tsv");

/// A malformed line of a suggestions file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("suggestions line {line}: {problem}")]
pub struct SuggestionsError {
    pub line: usize,
    pub problem: String,
}

/// What a suggestion was chosen by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "key", rename_all = "snake_case")]
pub enum SuggestionBasis {
    /// The requirement or its nearest ancestor with a suggestion.
    Node(String),
    /// One of the requirement's tags.
    Tag(String),
    /// No better match.
    Generic,
    /// The delta a reviewed crosswalk states: what is left once the source is credited.
    ReviewedDelta,
}

/// A suggested control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub text: Text,
    pub basis: SuggestionBasis,
}

impl Suggestion {
    /// The suggestion for a requirement credited except a delta: confirm the delta, knowing
    /// what is in place.
    pub fn for_delta(delta: &Text, in_place: &[String]) -> Self {
        let refs = in_place.join(", ");
        Self {
            text: Text::new(
                format!(
                    "Confirm, with evidence if you have it: {} (Already in place: {refs}.)",
                    delta.en
                ),
                format!(
                    "Confirmez, preuve à l'appui si possible : {} (Déjà en place : {refs}.)",
                    delta.fr
                ),
            ),
            basis: SuggestionBasis::ReviewedDelta,
        }
    }
}

/// Parsed suggestions.
#[derive(Debug, Clone, Default)]
pub struct Suggestions {
    by_node: HashMap<(String, String), Text>,
    by_tag: HashMap<String, Text>,
    generic: Option<Text>,
}

impl Suggestions {
    /// The shipped suggestions.
    pub fn embedded() -> Result<Suggestions, SuggestionsError> {
        Self::parse(EMBEDDED_SUGGESTIONS)
    }

    /// Parse a tab-separated file: `framework, node, English, French`; `#` lines are comments.
    pub fn parse(text: &str) -> Result<Suggestions, SuggestionsError> {
        let mut out = Suggestions::default();
        for (number, line) in text.lines().enumerate() {
            let line_no = number + 1;
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let problem = |problem: &str| SuggestionsError {
                line: line_no,
                problem: problem.to_owned(),
            };
            let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
            let [framework, node, en, fr] = fields.as_slice() else {
                return Err(problem(
                    "expected 4 tab-separated fields: framework, node, en, fr",
                ));
            };
            if framework.is_empty() || node.is_empty() || en.is_empty() || fr.is_empty() {
                return Err(problem("empty field"));
            }
            let text = Text::new(*en, *fr);
            let duplicate = if *node == "*" {
                out.generic.replace(text).is_some()
            } else if let Some(tag) = node.strip_prefix("tag:") {
                out.by_tag.insert((*tag).to_owned(), text).is_some()
            } else {
                out.by_node
                    .insert(((*framework).to_owned(), (*node).to_owned()), text)
                    .is_some()
            };
            if duplicate {
                return Err(problem("duplicate key"));
            }
        }
        Ok(out)
    }

    /// The suggestion for a requirement of a framework.
    pub fn for_requirement(&self, framework: &Framework, requirement: &Requirement) -> Suggestion {
        let lineage = std::iter::once(requirement).chain(framework.ancestors(&requirement.id));
        for node in lineage {
            if let Some(text) = self
                .by_node
                .get(&(framework.id().to_owned(), node.id.clone()))
            {
                return Suggestion {
                    text: text.clone(),
                    basis: SuggestionBasis::Node(node.id.clone()),
                };
            }
        }
        for tag in &requirement.tags {
            if let Some(text) = self.by_tag.get(tag) {
                return Suggestion {
                    text: text.clone(),
                    basis: SuggestionBasis::Tag(tag.clone()),
                };
            }
        }
        Suggestion {
            text: self.generic.clone().unwrap_or_else(|| {
                Text::new(
                    "Define a control for this requirement.",
                    "Définir une mesure pour cette exigence.",
                )
            }),
            basis: SuggestionBasis::Generic,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use hygeia_catalog::Catalog;
    use hygeia_catalog::ids::{NIS2_2024_2690, NIS2_DIRECTIVE};

    #[test]
    fn embedded_file_parses_and_covers_every_section_and_tag() {
        let s = Suggestions::embedded().unwrap();
        let cat = Catalog::load_embedded().unwrap();
        let nis2 = cat.framework(NIS2_2024_2690).unwrap();
        for r in nis2.assessable() {
            let suggestion = s.for_requirement(nis2, r);
            assert!(
                matches!(suggestion.basis, SuggestionBasis::Node(_)),
                "{} has no section suggestion",
                r.id
            );
        }
        let mfa = nis2
            .requirement("11.7.1")
            .or_else(|| nis2.children("11.7").next());
        let mfa = mfa.unwrap();
        assert_eq!(
            s.for_requirement(nis2, mfa).basis,
            SuggestionBasis::Node("11.7".into())
        );
        // Every tag used by the shipped catalogs has a fallback.
        for fw in cat.frameworks() {
            for r in fw.requirements() {
                for tag in &r.tags {
                    assert!(s.by_tag.contains_key(tag), "tag {tag} has no suggestion");
                }
            }
        }
        let directive = cat.framework(NIS2_DIRECTIVE).unwrap();
        let training = directive
            .requirement("art20.2.management-training")
            .unwrap();
        assert!(
            s.for_requirement(directive, training)
                .text
                .fr
                .contains("formation")
        );
    }

    #[test]
    fn malformed_lines_name_their_line() {
        let err = Suggestions::parse("# c\nx\ty\tonly three").unwrap_err();
        assert_eq!(err.line, 2);
        let err = Suggestions::parse("a\tb\tc\td\na\tb\tc\td").unwrap_err();
        assert_eq!((err.line, err.problem.as_str()), (2, "duplicate key"));
        let err = Suggestions::parse("a\tb\t\td").unwrap_err();
        assert_eq!(err.problem, "empty field");
    }
}
