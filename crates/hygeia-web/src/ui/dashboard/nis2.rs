//! The dashboard's "NIS2 by entity" section: per entity, its NIS2 class, its NIS2 score merging
//! its own 2024/2690 results with those derived from its ISO/IEC 27001 assessment
//! (`hygeia_compliance::merge`), the deltas to confirm, the real gaps and the overdue items,
//! each linking to the page where the work is done.
//!
//! The merge of an entity is cached under the stamps of the two assessments it reads and the
//! derivation marker; the derived results of a source assessment are cached on their own (under
//! its stamp and the marker), so accepting a derived result — which changes only the NIS2
//! assessment — merges again without deriving again.

use std::sync::Arc;

use hygeia_catalog::Catalog;
use hygeia_catalog::ids::{ISO27001_2022, NIS2_2024_2690};
use hygeia_compliance::{DerivedOutcome, merge};
use hygeia_domain::nis2::Class;
use hygeia_store::Entity;
use hygeia_store::assessments::{Assessment, DueBucket};

use super::entity::class_label;
use super::summary::{AssessmentSummary, MergedNis2, MergedStamp, Stamp};
use crate::AppState;
use crate::api::assessments::compliance_error;
use crate::api::assessments::reuse::derive_view;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::assessments::{framework_name, percent};
use crate::ui::i18n::Tr;

/// A figure of a row, with the page it opens (`None`: nothing to open).
pub struct Cell {
    pub value: String,
    pub href: Option<String>,
}

/// A row of the section.
pub struct Nis2Row {
    pub entity_id: String,
    pub entity: String,
    pub class_code: &'static str,
    pub class_label: String,
    /// `None` when the entity has nothing to score NIS2 from.
    pub score: Option<Cell>,
    pub deltas: Option<Cell>,
    pub gaps: Option<Cell>,
    pub overdue: Option<Cell>,
    /// Where the score comes from ("12 own results · 343 derived from ISO/IEC 27001").
    pub basis: String,
    /// An in-scope entity with nothing to score NIS2 from: why, and where to start.
    pub flag: Option<Flag>,
}

impl Nis2Row {
    /// The figures in column order, each with its column code (for the markup and tests).
    pub fn cells(&self) -> [(&'static str, Option<&Cell>); 4] {
        [
            ("score", self.score.as_ref()),
            ("deltas", self.deltas.as_ref()),
            ("gaps", self.gaps.as_ref()),
            ("overdue", self.overdue.as_ref()),
        ]
    }
}

/// An in-scope entity without a NIS2 assessment.
pub struct Flag {
    pub text: String,
    /// The assessment form, for those who may create one.
    pub action: Option<(String, String)>,
}

/// A framework's name without its subtitle ("ISO/IEC 27001:2022").
fn short_name(tr: Tr, catalog: &Catalog, framework: &str) -> String {
    let name = framework_name(tr, catalog, framework);
    match name.split_once(" — ") {
        Some((short, _)) => short.trim().to_owned(),
        None => name,
    }
}

/// Whether a crosswalk carries `framework`'s results to NIS2 (2024/2690).
fn reusable(catalog: &Catalog, framework: &str) -> bool {
    framework != NIS2_2024_2690
        && catalog.mapping_sets().iter().any(|set| {
            let (from, to) = (&set.meta.source_framework, &set.meta.target_framework);
            (from == framework && to == NIS2_2024_2690)
                || (from == NIS2_2024_2690 && to == framework)
        })
}

/// The assessments an entity's NIS2 standing is computed from.
#[derive(Clone, Copy, Default)]
pub(super) struct Basis<'a> {
    /// Its NIS2 (2024/2690) assessment: the first with results, else the first.
    pub nis2: Option<(&'a Assessment, &'a AssessmentSummary)>,
    /// The assessment its NIS2 results are derived from: one with results whose framework a
    /// crosswalk carries to NIS2, ISO/IEC 27001 first.
    pub source: Option<&'a Assessment>,
}

impl<'a> Basis<'a> {
    /// Picks from an entity's assessments (newest first) and their summaries.
    pub fn pick(
        catalog: &Catalog,
        assessments: &[(&'a Assessment, &'a AssessmentSummary)],
    ) -> Basis<'a> {
        let nis2 = assessments
            .iter()
            .filter(|(a, _)| a.framework_id == NIS2_2024_2690);
        let nis2 = nis2
            .clone()
            .find(|(_, s)| s.has_results)
            .or_else(|| nis2.clone().next())
            .copied();
        let sources = || {
            assessments
                .iter()
                .filter(|(a, s)| s.has_results && reusable(catalog, &a.framework_id))
        };
        let source = sources()
            .find(|(a, _)| a.framework_id == ISO27001_2022)
            .or_else(|| sources().next())
            .map(|(a, _)| *a);
        Basis { nis2, source }
    }
}

/// The entity's NIS2 standing, from the caches when its assessments did not change. `marker`
/// is the derivation marker (`Store::derivation_marker`), read once per request when some
/// entity derives.
pub(super) async fn standing(
    state: &AppState,
    auth: &Auth,
    catalog: &Catalog,
    catalog_generation: i64,
    marker: Option<i64>,
    entity: &Entity,
    basis: Basis<'_>,
) -> Result<Option<Arc<MergedNis2>>, ApiError> {
    if basis.nis2.is_none() && basis.source.is_none() {
        return Ok(None);
    }
    let source = basis.source.map(|source| {
        (
            source,
            (Stamp::of(source, catalog_generation), marker.unwrap_or(0)),
        )
    });
    let stamp = MergedStamp {
        nis2: basis.nis2.map(|(a, _)| Stamp::of(a, catalog_generation)),
        source: source.map(|(_, key)| key),
    };
    let id = format!(
        "{}|{}|{}",
        entity.id,
        basis.nis2.map_or("", |(a, _)| a.id.as_str()),
        basis.source.map_or("", |a| a.id.as_str())
    );
    if let Some(found) = state.merged.get(&id, stamp) {
        return Ok(Some(found));
    }
    let derived = match source {
        Some((source, key)) => match state.derived.get(&source.id, key) {
            Some(found) => found,
            None => {
                let view = derive_view(state, auth, catalog, source, NIS2_2024_2690).await?;
                let outcomes = Arc::new(DerivedOutcome::of_view(&view));
                state.derived.put(&source.id, key, outcomes.clone());
                outcomes
            }
        },
        None => Arc::new(Vec::new()),
    };
    let own = basis
        .nis2
        .and_then(|(_, s)| s.nis2_results.as_deref())
        .unwrap_or_default();
    let merged = merge(catalog, NIS2_2024_2690, own, &derived).map_err(compliance_error)?;
    let value = Arc::new(MergedNis2 {
        scores: merged.scores,
        counts: merged.counts,
    });
    state.merged.put(&id, stamp, value.clone());
    Ok(Some(value))
}

/// How the row of one entity reads.
pub(super) struct RowInput<'a> {
    pub entity: &'a Entity,
    pub class: Option<Class>,
    /// Whether the entity has any (current) assessment.
    pub assessed: bool,
    pub basis: Basis<'a>,
    pub standing: Option<&'a MergedNis2>,
    pub today: chrono::NaiveDate,
    /// The caller may create assessments.
    pub can_create: bool,
}

pub(super) fn row(tr: Tr, catalog: &Catalog, input: RowInput<'_>) -> Nis2Row {
    let RowInput {
        entity,
        class,
        assessed,
        basis,
        standing,
        today,
        can_create,
    } = input;
    let reuse = basis.source.map(|s| {
        format!(
            "/compliance/assessments/{}/reuse?target={NIS2_2024_2690}",
            s.id
        )
    });
    let cell = |n: usize, href: Option<String>| Cell {
        value: tr.unum(n as u64),
        href,
    };
    let in_scope = matches!(class, Some(Class::Essential | Class::Important));
    let create = || {
        can_create.then(|| {
            (
                tr.t("dashboard_nis2.create").to_owned(),
                format!("/compliance/assessments?entity={}#new-a-h", entity.id),
            )
        })
    };
    let mut out = Nis2Row {
        entity_id: entity.id.clone(),
        entity: entity.name.clone(),
        class_code: class.map_or("unknown", Class::code),
        class_label: class.map_or_else(|| "—".to_owned(), |c| class_label(tr, c)),
        score: None,
        deltas: None,
        gaps: None,
        overdue: None,
        basis: String::new(),
        flag: None,
    };
    let Some(standing) = standing else {
        if in_scope {
            let key = if assessed {
                "dashboard_nis2.no_nis2"
            } else {
                "dashboard_nis2.no_assessment"
            };
            out.flag = Some(Flag {
                text: tr.t(key).to_owned(),
                action: create(),
            });
        }
        return out;
    };
    let c = &standing.counts;
    let nis2 = basis.nis2.map(|(a, _)| a);
    out.score = Some(Cell {
        value: percent(tr, standing.scores.overall.percent),
        href: nis2
            .map(|a| format!("/compliance/assessments/{}", a.id))
            .or_else(|| reuse.clone()),
    });
    if basis.source.is_some() {
        out.deltas = Some(cell(c.deltas_to_confirm, reuse.clone()));
    }
    out.gaps = Some(cell(
        c.gaps(),
        match (basis.source, nis2) {
            (Some(s), _) => Some(format!(
                "/compliance/assessments/{}/gaps?target={NIS2_2024_2690}",
                s.id
            )),
            (None, Some(a)) => Some(format!(
                "/compliance/assessments/{}?result=non_compliant",
                a.id
            )),
            (None, None) => None,
        },
    ));
    if let Some((a, summary)) = basis.nis2 {
        let overdue: i64 = summary
            .gaps_by_due
            .iter()
            .filter(|(due, _)| DueBucket::on(today, due.as_deref()) == DueBucket::Overdue)
            .map(|(_, n)| n)
            .sum();
        out.overdue = Some(Cell {
            value: tr.num(overdue),
            href: Some(format!("/compliance/assessments/{}?due=overdue", a.id)),
        });
    }
    let mut basis_parts = Vec::new();
    if c.own > 0 {
        basis_parts.push(tr.tf("dashboard_nis2.basis_own", &[("n", &tr.unum(c.own as u64))]));
    }
    if let Some(source) = basis.source {
        basis_parts.push(tr.tf(
            "dashboard_nis2.basis_derived",
            &[
                ("n", &tr.unum(c.derived as u64)),
                ("framework", &short_name(tr, catalog, &source.framework_id)),
            ],
        ));
    }
    out.basis = basis_parts.join(" · ");
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn iso_carries_to_nis2_but_nis2_not_to_itself() {
        let catalog = Catalog::load_embedded().unwrap();
        assert!(reusable(&catalog, ISO27001_2022));
        assert!(!reusable(&catalog, NIS2_2024_2690));
        assert!(!reusable(&catalog, "no-such-framework"));
    }
}
