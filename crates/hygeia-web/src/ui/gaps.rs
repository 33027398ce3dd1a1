//! The remaining-gap view of a reuse: by Art. 21(2) letter, each requirement with its kind
//! (not covered by the source, a delta to confirm, non-compliant, partial, not assessed) and a
//! suggestion that knows what is already in place; deltas can be confirmed from here.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hygeia_catalog::ids::NIS2_2024_2690;
use hygeia_compliance::{GapKind, SourceCaveat, gap_view};
use hygeia_domain::access::Permission;
use serde::Deserialize;

use super::assessments::{
    assessment_crumbs, assessment_page_for, engine_error, fail, framework_name, render_status,
};
use super::reuse::{derived_label, requirement_href, target_assessment};
use super::reuse_source::{SourcePanel, source_panel};
use super::{Area, Crumb, PageAuth, PageResult, Shell, tr_of};
use crate::AppState;
use crate::api::assessments::reuse::{derive_view, suggestions};
use crate::error::ApiError;

#[derive(Clone)]
pub struct GapLine {
    pub reference: String,
    pub title: String,
    pub href: String,
    pub kind: String,
    pub value: String,
    pub value_code: &'static str,
    pub suggestion: String,
    /// Derived from an assessment that is not completed.
    pub provisional: bool,
    pub requirement_id: String,
    /// A delta to confirm (the line offers a box to tick).
    pub delta: bool,
    /// The compliant source requirements already in place (`A.5.1, 5.2`).
    pub in_place: String,
}

pub struct LetterGroup {
    pub letter: String,
    pub label: String,
    pub total: String,
    pub gaps: Vec<GapLine>,
}

#[derive(Template)]
#[template(path = "gaps.html")]
pub(super) struct GapsPage {
    pub shell: Shell,
    pub id: String,
    pub target: String,
    pub intro: String,
    pub lang: &'static str,
    pub groups: Vec<LetterGroup>,
    /// Gaps by kind (label, count), the kinds present only.
    pub kinds: Vec<(String, String)>,
    /// The caller may confirm deltas (record results of the entity).
    pub can_confirm: bool,
    /// The letter listed (for the confirmation form's way back).
    pub chosen: String,
    pub source_panel: SourcePanel,
    /// The assessment's own open points (no reuse): no source panel, no gap-analysis export.
    pub own: bool,
    /// Why the own points are shown instead of the requested reuse (no crosswalk to it).
    pub notice: Option<String>,
    /// What to do next, with the own points.
    pub own_next: String,
}

/// The stable code of a gap kind (as serialized).
pub(crate) fn kind_code(kind: GapKind) -> &'static str {
    match kind {
        GapKind::NoCoverage => "no_coverage",
        GapKind::NonCompliant => "non_compliant",
        GapKind::Partial => "partial",
        GapKind::NotAssessed => "not_assessed",
        GapKind::DeltaToConfirm => "delta_to_confirm",
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct GapQuery {
    #[serde(default)]
    target: String,
    #[serde(default)]
    art21: String,
}

pub async fn gaps_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
    Query(query): Query<GapQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    let source = assessment_page_for(&state, &auth, &id, Permission::ComplianceRead).await?;
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    let target_id = if query.target.is_empty() {
        NIS2_2024_2690.to_owned()
    } else {
        query.target.clone()
    };
    // The gaps of an assessment against its own framework are its own open points (a NIS2
    // assessment is not carried to itself).
    if target_id == source.framework_id {
        return super::own_gaps::page(&state, &auth, &catalog, &source, &query.art21, None).await;
    }
    let view = match derive_view(&state, &auth, &catalog, &source, &target_id).await {
        Ok(view) => view,
        // No crosswalk leads to the asked framework: the own open points, saying why, rather
        // than a refusal.
        Err(ApiError::BadRequest { .. }) => {
            let notice = tr.tf(
                "gaps.no_crosswalk",
                &[
                    (
                        "source",
                        &framework_name(tr, &catalog, &source.framework_id),
                    ),
                    ("target", &framework_name(tr, &catalog, &target_id)),
                ],
            );
            return super::own_gaps::page(
                &state,
                &auth,
                &catalog,
                &source,
                &query.art21,
                Some(notice),
            )
            .await;
        }
        Err(e) => return Err(fail(tr)(e)),
    };
    let gaps = gap_view(&catalog, &view, suggestions().map_err(fail(tr))?)
        .map_err(|e| fail(tr)(engine_error(e)))?;
    let target = target_assessment(&state, tr, &source, &view.target_framework).await?;
    let line = |g: &hygeia_compliance::Gap| GapLine {
        reference: g.reference.clone(),
        title: tr.text(&g.title).to_owned(),
        href: requirement_href(
            &catalog,
            target.as_ref().map(|t| t.id.as_str()),
            &view.target_framework,
            &g.requirement_id,
        ),
        kind: tr.t(&format!("gaps.kind.{}", kind_code(g.kind))).to_owned(),
        value: derived_label(tr, g.value),
        value_code: g.value.code(),
        suggestion: tr.text(&g.suggestion.text).to_owned(),
        provisional: gaps.caveats.contains(&SourceCaveat::SourceNotCompleted),
        requirement_id: g.requirement_id.clone(),
        delta: g.kind == GapKind::DeltaToConfirm,
        in_place: g.in_place.join(", "),
    };
    // Every letter is summarised; the gaps of one letter at a time are listed (the first
    // with gaps unless one is asked), which keeps the page small.
    let chosen = gaps
        .letters
        .iter()
        .find(|l| l.letter.to_string() == query.art21)
        .or_else(|| gaps.letters.iter().find(|l| !l.gaps.is_empty()))
        .map(|l| l.letter.to_string());
    let mut groups: Vec<LetterGroup> = gaps
        .letters
        .iter()
        .filter(|l| !l.gaps.is_empty())
        .map(|l| {
            let code = l.letter.to_string();
            LetterGroup {
                label: tr.t(&format!("art21.{code}")).to_owned(),
                total: tr.unum(l.counts.total() as u64),
                gaps: if chosen.as_deref() == Some(code.as_str()) {
                    l.gaps.iter().map(line).collect()
                } else {
                    Vec::new()
                },
                letter: code,
            }
        })
        .collect();
    if !gaps.without_letter.is_empty() {
        groups.push(LetterGroup {
            letter: String::new(),
            label: tr.t("gaps.without_letter").to_owned(),
            total: tr.unum(gaps.without_letter.len() as u64),
            gaps: if query.art21 == "none" {
                gaps.without_letter.iter().map(line).collect()
            } else {
                Vec::new()
            },
        });
    }
    let mut crumbs = assessment_crumbs(tr, &catalog, &source);
    let title = tr.t("gaps.title").to_owned();
    crumbs.push(Crumb::here(title.clone()));
    let shell = Shell::new(
        &state,
        &auth,
        Area::Compliance,
        title,
        crumbs,
        Some(&source.entity_id),
    )
    .await?;
    let source_panel = source_panel(&state, &auth, &source, String::new(), false).await?;
    let counts = &gaps.counts;
    let kinds = [
        (GapKind::NoCoverage, counts.no_coverage),
        (GapKind::DeltaToConfirm, counts.delta_to_confirm),
        (GapKind::NonCompliant, counts.non_compliant),
        (GapKind::Partial, counts.partial),
        (GapKind::NotAssessed, counts.not_assessed),
    ]
    .into_iter()
    .filter(|(_, n)| *n > 0)
    .map(|(kind, n)| {
        (
            tr.t(&format!("gaps.kinds.{}", kind_code(kind))).to_owned(),
            tr.unum(n as u64),
        )
    })
    .collect();
    let can_confirm = auth.principal.require(Permission::ComplianceEdit).is_ok();
    let page = GapsPage {
        shell,
        source_panel,
        kinds,
        can_confirm,
        chosen: chosen.clone().unwrap_or_default(),
        id: source.id.clone(),
        intro: tr.tf(
            "gaps.intro",
            &[
                (
                    "framework",
                    &framework_name(tr, &catalog, &view.target_framework),
                ),
                ("n", &tr.unum(gaps.counts.total() as u64)),
            ],
        ),
        target: view.target_framework.clone(),
        lang: tr.code(),
        groups,
        own: false,
        notice: None,
        own_next: String::new(),
    };
    render_status(tr, StatusCode::OK, &page)
}
