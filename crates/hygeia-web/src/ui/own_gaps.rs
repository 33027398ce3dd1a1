//! The remaining gaps of an assessment against its own framework (a NIS2 assessment's "remaining
//! gaps"): its own non-compliant, partially compliant and not assessed points, grouped by Art.
//! 21(2) letter, each with a suggested control. Also shown, with a notice, when no crosswalk
//! leads from the assessment to the framework asked for.

use std::collections::HashMap;

use axum::http::StatusCode;
use hygeia_catalog::Catalog;
use hygeia_catalog::ids::NIS2_2024_2690;
use hygeia_compliance::ResultValue;
use hygeia_store::assessments::Assessment;

use super::assessments::{assessment_crumbs, fail, framework_name, render_status, value_label};
use super::gaps::{GapLine, GapsPage, LetterGroup};
use super::reuse_source::source_panel;
use super::{Area, Crumb, PageResult, Shell, tr_of};
use crate::AppState;
use crate::api::assessments::reuse::suggestions;
use crate::auth::Auth;
use crate::error::ApiError;

/// The gap kind (as the reuse gaps name them) of an own result that is not yet compliant.
fn kind_of(value: ResultValue) -> Option<&'static str> {
    match value {
        ResultValue::NonCompliant => Some("non_compliant"),
        ResultValue::PartiallyCompliant => Some("partial"),
        ResultValue::NotAssessed => Some("not_assessed"),
        ResultValue::Compliant | ResultValue::NotApplicable => None,
    }
}

pub(super) async fn page(
    state: &AppState,
    auth: &Auth,
    catalog: &Catalog,
    source: &Assessment,
    art21: &str,
    notice: Option<String>,
) -> PageResult {
    let tr = tr_of(auth);
    let framework = catalog
        .framework(&source.framework_id)
        .ok_or_else(|| fail(tr)(ApiError::NotFound(tr.t("error.no_framework").to_owned())))?;
    let results: HashMap<String, ResultValue> = state
        .store
        .results(&source.id)
        .await
        .map_err(|e| fail(tr)(e.into()))?
        .into_iter()
        .map(|r| (r.requirement_id, r.value))
        .collect();
    let suggestions = suggestions().map_err(fail(tr))?;
    // (letter code or "" for none, line) in the framework's order.
    let mut open: Vec<(Vec<String>, GapLine)> = Vec::new();
    for requirement in framework.assessable() {
        let value = results
            .get(&requirement.id)
            .copied()
            .unwrap_or(ResultValue::NotAssessed);
        let Some(kind) = kind_of(value) else {
            continue;
        };
        let letters = requirement
            .nis2_art21
            .iter()
            .map(|l| l.to_string())
            .collect();
        open.push((
            letters,
            GapLine {
                reference: requirement.reference.clone(),
                title: tr.text(&requirement.title).to_owned(),
                href: format!(
                    "/compliance/assessments/{}/requirements/{}",
                    source.id, requirement.id
                ),
                kind: tr.t(&format!("gaps.kind.{kind}")).to_owned(),
                value: value_label(tr, value),
                value_code: value.code(),
                suggestion: tr
                    .text(&suggestions.for_requirement(framework, requirement).text)
                    .to_owned(),
                provisional: false,
                requirement_id: requirement.id.clone(),
                delta: false,
                in_place: String::new(),
            },
        ));
    }
    let total = open.len();
    let mut codes: Vec<String> = hygeia_catalog::Art21Letter::all()
        .map(|l| l.to_string())
        .filter(|code| open.iter().any(|(letters, _)| letters.contains(code)))
        .collect();
    if open.iter().any(|(letters, _)| letters.is_empty()) {
        codes.push(String::new());
    }
    // One group listed at a time (the one asked, else the first), like the reuse gaps.
    let chosen = codes
        .iter()
        .find(|c| {
            if c.is_empty() {
                art21 == "none"
            } else {
                c.as_str() == art21
            }
        })
        .or_else(|| codes.first())
        .cloned();
    let groups = codes
        .into_iter()
        .map(|code| {
            let mine: Vec<&GapLine> = open
                .iter()
                .filter(|(letters, _)| {
                    if code.is_empty() {
                        letters.is_empty()
                    } else {
                        letters.contains(&code)
                    }
                })
                .map(|(_, line)| line)
                .collect();
            LetterGroup {
                label: if code.is_empty() {
                    tr.t("gaps.without_letter").to_owned()
                } else {
                    tr.t(&format!("art21.{code}")).to_owned()
                },
                total: tr.unum(mine.len() as u64),
                gaps: if chosen.as_deref() == Some(code.as_str()) {
                    mine.into_iter().cloned().collect()
                } else {
                    Vec::new()
                },
                letter: code,
            }
        })
        .collect();
    let mut crumbs = assessment_crumbs(tr, catalog, source);
    let title = tr.t("gaps.title").to_owned();
    crumbs.push(Crumb::here(title.clone()));
    let shell = Shell::new(
        state,
        auth,
        Area::Compliance,
        title,
        crumbs,
        Some(&source.entity_id),
    )
    .await?;
    let source_panel = source_panel(state, auth, source, String::new(), false).await?;
    let page = GapsPage {
        shell,
        source_panel,
        id: source.id.clone(),
        intro: tr.tf(
            "gaps.own_intro",
            &[
                (
                    "framework",
                    &framework_name(tr, catalog, &source.framework_id),
                ),
                ("n", &tr.unum(total as u64)),
            ],
        ),
        target: source.framework_id.clone(),
        lang: tr.code(),
        groups,
        kinds: Vec::new(),
        can_confirm: false,
        chosen: String::new(),
        own: true,
        notice,
        // Crediting ISO/IEC 27001 work is offered where a crosswalk leads to the framework.
        own_next: tr
            .t(if source.framework_id == NIS2_2024_2690 {
                "gaps.own_next"
            } else {
                "gaps.own_next_other"
            })
            .to_owned(),
    };
    render_status(tr, StatusCode::OK, &page)
}
