//! When an incident is significant for the digital providers of Implementing Regulation (EU)
//! 2024/2690 (Arts. 3 to 14): its general criteria, the recurring-incident rule and the figures
//! per entity type, shipped as data (`data/guidance/`), validated at load.
//!
//! These figures bind only the entity types the regulation lists (DNS, TLD registries, cloud,
//! data centres, CDNs, managed and managed security services, online marketplaces, search
//! engines, social networks, trust services). For a hospital or a drug maker the general test of
//! NIS2 Art. 23(3) applies; the figures are guidance at most ([`SignificanceGuidance::for_types`]
//! says which case an entity is in).

use hygeia_domain::nis2::EntityType;
use serde::Deserialize;

use crate::error::{CatalogError, IssueKind, Issues};
use crate::load::{RawText, non_empty, parse_yaml, required_text};
use crate::model::Text;

const FILE: &str = "data/guidance/significant-incident-thresholds-2024-2690.yaml";
const TEXT: &str = include_str!("../data/guidance/significant-incident-thresholds-2024-2690.yaml");

/// The thresholds of Implementing Regulation (EU) 2024/2690, Arts. 3 to 14.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignificanceThresholds {
    pub source: String,
    pub source_url: String,
    /// Whom they bind, and what they are for everyone else.
    pub note: Text,
    pub articles: Vec<ThresholdArticle>,
}

/// One article: its criteria, for every provider the regulation covers or for some types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThresholdArticle {
    /// The article number (`"3"`, `"14"`).
    pub article: String,
    pub title: Text,
    /// Empty: every entity type the regulation covers (the general articles).
    pub entity_types: Vec<EntityType>,
    pub criteria: Vec<Text>,
}

impl ThresholdArticle {
    /// Whether it concerns every covered type rather than some.
    pub fn is_general(&self) -> bool {
        self.entity_types.is_empty()
    }
}

/// What the thresholds are for one entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignificanceGuidance<'a> {
    /// The entity is of a type the regulation lists: its articles bind it.
    pub binding: bool,
    /// The general articles, then those of the entity's types (when binding) or of every type
    /// (as guidance otherwise).
    pub articles: Vec<&'a ThresholdArticle>,
}

impl SignificanceThresholds {
    /// The shipped file, validated.
    pub fn embedded() -> Result<SignificanceThresholds, CatalogError> {
        parse_significance(FILE, TEXT)
    }

    /// The entity types some article names.
    pub fn covered_types(&self) -> impl Iterator<Item = EntityType> + '_ {
        self.articles
            .iter()
            .flat_map(|a| a.entity_types.iter().copied())
    }

    /// The articles that bind an entity of these types, or all of them as guidance when none
    /// of its types is covered.
    pub fn for_types(&self, types: &[EntityType]) -> SignificanceGuidance<'_> {
        let binding = self.covered_types().any(|t| types.contains(&t));
        let articles = self
            .articles
            .iter()
            .filter(|a| {
                !binding || a.is_general() || a.entity_types.iter().any(|t| types.contains(t))
            })
            .collect();
        SignificanceGuidance { binding, articles }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    source_url: Option<String>,
    #[serde(default)]
    note: Option<RawText>,
    #[serde(default)]
    articles: Vec<RawArticle>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArticle {
    #[serde(default)]
    article: Option<String>,
    #[serde(default)]
    title: Option<RawText>,
    #[serde(default)]
    entity_types: Vec<String>,
    #[serde(default)]
    criteria: Vec<RawText>,
}

/// Parses and validates a thresholds file; every problem is named by file, entry and field.
pub fn parse_significance(file: &str, text: &str) -> Result<SignificanceThresholds, CatalogError> {
    let raw: RawFile = parse_yaml(file, text)?;
    let mut issues = Issues::default();
    let source = non_empty(raw.source).unwrap_or_default();
    if source.is_empty() {
        issues.push(file, "file", "source", IssueKind::Missing);
    }
    let source_url = non_empty(raw.source_url).unwrap_or_default();
    if !source_url.starts_with("https://") {
        issues.push(
            file,
            "file",
            "source_url",
            IssueKind::InvalidValue("an https:// address is required".into()),
        );
    }
    let note = required_text(&mut issues, file, "file", "note", raw.note);
    if raw.articles.is_empty() {
        issues.push(file, "file", "articles", IssueKind::Missing);
    }
    let mut articles: Vec<ThresholdArticle> = Vec::new();
    for (i, a) in raw.articles.into_iter().enumerate() {
        let number = non_empty(a.article).unwrap_or_default();
        let entry = if number.is_empty() {
            format!("articles[{i}]")
        } else {
            format!("article {number}")
        };
        if number.is_empty() {
            issues.push(file, &entry, "article", IssueKind::Missing);
        } else if !number.chars().all(|c| c.is_ascii_digit()) {
            issues.push(
                file,
                &entry,
                "article",
                IssueKind::InvalidValue(format!("`{number}` is not an article number")),
            );
        } else if articles.iter().any(|b| b.article == number) {
            issues.push(file, &entry, "article", IssueKind::DuplicateId);
        }
        let title = required_text(&mut issues, file, &entry, "title", a.title);
        let entity_types = entity_types(&mut issues, file, &entry, &a.entity_types);
        if a.criteria.is_empty() {
            issues.push(file, &entry, "criteria", IssueKind::Missing);
        }
        let criteria = a
            .criteria
            .into_iter()
            .enumerate()
            .map(|(j, c)| {
                required_text(
                    &mut issues,
                    file,
                    &entry,
                    &format!("criteria[{j}]"),
                    Some(c),
                )
            })
            .collect();
        articles.push(ThresholdArticle {
            article: number,
            title,
            entity_types,
            criteria,
        });
    }
    issues.into_result(SignificanceThresholds {
        source,
        source_url,
        note,
        articles,
    })
}

/// `[all]` (every covered type) or NIS2 entity type codes.
fn entity_types(issues: &mut Issues, file: &str, entry: &str, codes: &[String]) -> Vec<EntityType> {
    if codes.is_empty() {
        issues.push(file, entry, "entity_types", IssueKind::Missing);
        return Vec::new();
    }
    if codes == ["all"] {
        return Vec::new();
    }
    let mut types = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        match code.parse::<EntityType>() {
            Ok(t) if t.code() == code && t != EntityType::NotListed => types.push(t),
            _ => issues.push(
                file,
                entry,
                &format!("entity_types[{i}]"),
                IssueKind::InvalidValue(format!(
                    "`{code}` is not a NIS2 entity type (or `all` alone)"
                )),
            ),
        }
    }
    types
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_thresholds_load_with_articles_3_to_14_and_their_key_figures() {
        let t = SignificanceThresholds::embedded().unwrap();
        let numbers: Vec<&str> = t.articles.iter().map(|a| a.article.as_str()).collect();
        assert_eq!(
            numbers,
            [
                "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14"
            ]
        );
        let general = &t.articles[0];
        assert!(general.is_general());
        assert!(general.criteria[0].en.contains("EUR 500 000"));
        assert!(general.criteria[0].en.contains("5 %"));
        assert!(general.criteria[0].fr.contains("500 000 EUR"));
        let cloud = t
            .articles
            .iter()
            .find(|a| a.entity_types == [EntityType::CloudComputingProvider])
            .unwrap();
        assert_eq!(cloud.article, "7");
        assert!(cloud.criteria.iter().any(|c| c.en.contains("30 minutes")));
        let trust = t.articles.last().unwrap();
        assert!(
            trust
                .entity_types
                .contains(&EntityType::QualifiedTrustServiceProvider)
        );
        assert!(trust.criteria.iter().any(|c| c.en.contains("20 minutes")));
    }

    #[test]
    fn the_french_uses_the_legal_terms_of_the_french_nis2_text() {
        let t = SignificanceThresholds::embedded().unwrap();
        let mut texts = vec![&t.note.fr];
        for a in &t.articles {
            texts.push(&a.title.fr);
            texts.extend(a.criteria.iter().map(|c| &c.fr));
        }
        for text in texts {
            assert_eq!(crate::french::shortcuts(text), Vec::new(), "{text}");
            assert!(!text.contains("significatif"), "{text}");
        }
    }

    #[test]
    fn they_bind_a_cloud_provider_and_are_guidance_for_a_hospital() {
        let t = SignificanceThresholds::embedded().unwrap();
        let cloud = t.for_types(&[EntityType::CloudComputingProvider]);
        assert!(cloud.binding);
        let shown: Vec<&str> = cloud.articles.iter().map(|a| a.article.as_str()).collect();
        assert_eq!(shown, ["3", "4", "7"]);
        let hospital = t.for_types(&[EntityType::HealthcareProvider]);
        assert!(!hospital.binding);
        assert_eq!(hospital.articles.len(), 12);
    }

    #[test]
    fn a_broken_file_is_refused_whole_with_each_problem_named() {
        let text = r#"
source: x
source_url: http://example.org
note: {en: a, fr: b}
articles:
  - article: "3"
    title: {en: General}
    entity_types: [all]
    criteria: [{en: one, fr: un}]
  - article: "3"
    title: {en: Again, fr: Encore}
    entity_types: [hospital_of_mars]
    criteria: []
"#;
        let err = parse_significance("mine.yaml", text)
            .unwrap_err()
            .to_string();
        for expected in [
            "source_url",
            "entry `article 3`, field `title.fr`",
            "duplicate id",
            "hospital_of_mars",
            "criteria",
        ] {
            assert!(err.contains(expected), "{expected} missing from: {err}");
        }
        assert!(err.contains("mine.yaml"), "{err}");
    }
}
