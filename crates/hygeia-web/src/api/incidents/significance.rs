//! The significant-incident thresholds of Implementing Regulation (EU) 2024/2690 as they
//! concern one incident's entity: binding for the digital providers it lists, guidance only for
//! everyone else (NIS2 Art. 23(3) applies to them directly).

use hygeia_catalog::Catalog;
use hygeia_catalog::significance::ThresholdArticle;
use hygeia_domain::nis2::EntityType;
use serde::Serialize;

use super::views::Bilingual;

/// The thresholds shown with an incident's "significant" verdict.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SignificanceThresholdsView {
    /// The entity is of a type the regulation lists: these criteria decide whether its
    /// incidents are significant. Otherwise they are shown as guidance only.
    pub binding: bool,
    pub source: String,
    pub source_url: String,
    /// Whom they bind, and what they are for everyone else.
    pub note: Bilingual,
    /// The general articles (3, 4), then those of the entity's types when binding, or of
    /// every type otherwise.
    pub articles: Vec<ThresholdArticleView>,
}

/// One article of 2024/2690 on significant incidents.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ThresholdArticleView {
    /// The article number (`3`…`14`).
    pub article: String,
    pub title: Bilingual,
    /// The entity types it concerns (empty: every type the regulation covers).
    pub entity_types: Vec<String>,
    pub criteria: Vec<Bilingual>,
}

impl From<&ThresholdArticle> for ThresholdArticleView {
    fn from(a: &ThresholdArticle) -> Self {
        ThresholdArticleView {
            article: a.article.clone(),
            title: (&a.title).into(),
            entity_types: a.entity_types.iter().map(|t| t.code().to_owned()).collect(),
            criteria: a.criteria.iter().map(Bilingual::from).collect(),
        }
    }
}

/// The thresholds for an entity of these NIS2 types (codes; unknown ones are ignored).
pub fn thresholds_for(
    catalog: &Catalog,
    entity_types: &[String],
) -> Option<SignificanceThresholdsView> {
    let thresholds = catalog.significance()?;
    let types: Vec<EntityType> = entity_types.iter().filter_map(|t| t.parse().ok()).collect();
    let guidance = thresholds.for_types(&types);
    Some(SignificanceThresholdsView {
        binding: guidance.binding,
        source: thresholds.source.clone(),
        source_url: thresholds.source_url.clone(),
        note: (&thresholds.note).into(),
        articles: guidance
            .articles
            .into_iter()
            .map(ThresholdArticleView::from)
            .collect(),
    })
}
