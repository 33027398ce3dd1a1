//! The crosswalk browser: every mapping set with its credit, and one set's content — the pairs
//! (source, target, relationship, rationale) or, for a reviewed crosswalk, each point's verdict
//! with the requirements that meet it, the rationale and the delta — filtered and paged.

use askama::Template;
use axum::extract::{Path, Query, State};
use hygeia_catalog::{Catalog, CoverageVerdict, Framework, MappingSet};
use serde::Deserialize;

use super::compliance::catalog_for;
use super::i18n::Tr;
use super::{Area, Choice, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of};
use crate::AppState;
use crate::error::ApiError;

/// Rows per page of a set.
const PAGE_ROWS: usize = 50;

pub struct SetRow {
    pub id: String,
    pub title: String,
    pub from: String,
    pub to: String,
    pub pairs: String,
    pub reviewed: String,
    pub source: String,
    pub licence: String,
}

#[derive(Template)]
#[template(path = "crosswalks.html")]
struct CrosswalksPage {
    shell: Shell,
    sets: Vec<SetRow>,
}

fn framework_label(tr: Tr, catalog: &Catalog, id: &str) -> String {
    catalog
        .framework(id)
        .map_or_else(|| id.to_owned(), |f| tr.text(&f.meta.name).to_owned())
}

fn crumbs(tr: Tr) -> Vec<Crumb> {
    vec![
        Crumb::link(tr.t("nav.compliance"), "/compliance"),
        Crumb::link(tr.t("crosswalks.title"), "/compliance/crosswalks"),
    ]
}

pub async fn list_page(State(state): State<AppState>, PageAuth(auth): PageAuth) -> PageResult {
    let tr = tr_of(&auth);
    let catalog = catalog_for(&state, &auth).await?;
    let sets = catalog
        .mapping_sets()
        .iter()
        .map(|m| SetRow {
            id: m.id().to_owned(),
            title: tr.text(&m.meta.title).to_owned(),
            from: framework_label(tr, &catalog, &m.meta.source_framework),
            to: framework_label(tr, &catalog, &m.meta.target_framework),
            pairs: tr.unum(m.pairs.len() as u64),
            reviewed: if m.coverage.is_empty() {
                String::new()
            } else {
                tr.unum(m.coverage.len() as u64)
            },
            source: m.meta.source.clone(),
            licence: m.meta.licence.clone(),
        })
        .collect();
    let mut crumbs = crumbs(tr);
    let title = tr.t("crosswalks.title").to_owned();
    crumbs.pop();
    crumbs.push(Crumb::here(title.clone()));
    let shell = Shell::new(&state, &auth, Area::Compliance, title, crumbs, None).await?;
    render(tr, &CrosswalksPage { shell, sets })
}

#[derive(Debug, Default, Deserialize)]
pub struct SetQuery {
    /// Only rows whose source requirement starts with this reference or id (`6.8`).
    #[serde(default)]
    q: String,
    /// Only reviewed points with this verdict.
    #[serde(default)]
    verdict: String,
    offset: Option<usize>,
}

/// A link to a requirement's catalog page, shown by its reference.
pub struct ReqLink {
    pub reference: String,
    pub href: String,
}

pub struct PairRow {
    pub source: ReqLink,
    pub target: ReqLink,
    pub relationship: String,
    pub rationale: String,
}

pub struct ReviewRow {
    pub point: ReqLink,
    pub title: String,
    pub verdict: String,
    pub verdict_code: &'static str,
    pub by: Vec<ReqLink>,
    pub rationale: String,
    pub delta: String,
}

#[derive(Template)]
#[template(path = "crosswalk.html")]
struct CrosswalkPage {
    shell: Shell,
    id: String,
    title: String,
    description: String,
    from: String,
    to: String,
    credit: String,
    q: String,
    verdicts: Vec<Choice>,
    reviewed: bool,
    pairs: Vec<PairRow>,
    reviews: Vec<ReviewRow>,
    count: String,
    previous: Option<String>,
    next: Option<String>,
}

fn link(framework: Option<&Framework>, id: &str) -> ReqLink {
    match framework.and_then(|f| f.requirement(id).map(|r| (f, r))) {
        Some((f, r)) => ReqLink {
            reference: r.reference.clone(),
            href: format!("/compliance/frameworks/{}/requirements/{}", f.id(), r.id),
        },
        None => ReqLink {
            reference: id.to_owned(),
            href: String::new(),
        },
    }
}

/// Whether a source requirement matches the filter text (by id or reference prefix).
fn matches(framework: Option<&Framework>, id: &str, q: &str) -> bool {
    let q = q.trim().to_lowercase();
    if q.is_empty() {
        return true;
    }
    id.to_lowercase().starts_with(&q)
        || framework
            .and_then(|f| f.requirement(id))
            .is_some_and(|r| r.reference.to_lowercase().starts_with(&q))
}

pub async fn set_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
    Query(query): Query<SetQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    let catalog = catalog_for(&state, &auth).await?;
    let set: &MappingSet = catalog
        .mapping_set(&id)
        .ok_or_else(|| PageError::new(tr, ApiError::NotFound(format!("no crosswalk '{id}'"))))?;
    let from = catalog.framework(&set.meta.source_framework);
    let to = catalog.framework(&set.meta.target_framework);
    let offset = query.offset.unwrap_or(0);
    let reviewed = !set.coverage.is_empty();
    let (total, pairs, reviews) = if reviewed {
        let wanted: Vec<_> = set
            .coverage
            .iter()
            .filter(|c| matches(from, &c.point, &query.q))
            .filter(|c| query.verdict.is_empty() || c.verdict.code() == query.verdict)
            .collect();
        let rows = wanted
            .iter()
            .skip(offset)
            .take(PAGE_ROWS)
            .map(|c| ReviewRow {
                point: link(from, &c.point),
                title: from
                    .and_then(|f| f.requirement(&c.point))
                    .map(|r| tr.text(&r.title).to_owned())
                    .unwrap_or_default(),
                verdict: tr
                    .t(&format!("crosswalks.verdict.{}", c.verdict.code()))
                    .to_owned(),
                verdict_code: c.verdict.code(),
                by: c.by.iter().map(|b| link(to, b)).collect(),
                rationale: tr.text(&c.rationale).to_owned(),
                delta: c
                    .delta
                    .as_ref()
                    .map(|d| tr.text(d).to_owned())
                    .unwrap_or_default(),
            })
            .collect();
        (wanted.len(), Vec::new(), rows)
    } else {
        let wanted: Vec<_> = set
            .pairs
            .iter()
            .filter(|p| matches(from, &p.source, &query.q))
            .collect();
        let rows = wanted
            .iter()
            .skip(offset)
            .take(PAGE_ROWS)
            .map(|p| PairRow {
                source: link(from, &p.source),
                target: link(to, &p.target),
                relationship: tr
                    .t(&format!("relationship.{}", p.relationship.code()))
                    .to_owned(),
                rationale: p.rationale.clone().unwrap_or_default(),
            })
            .collect();
        (wanted.len(), rows, Vec::new())
    };
    let page_href = |offset: usize| {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        if !query.q.is_empty() {
            out.append_pair("q", &query.q);
        }
        if !query.verdict.is_empty() {
            out.append_pair("verdict", &query.verdict);
        }
        out.append_pair("offset", &offset.to_string());
        format!("/compliance/crosswalks/{}?{}", set.id(), out.finish())
    };
    let previous = (offset > 0).then(|| page_href(offset.saturating_sub(PAGE_ROWS)));
    let next = (offset + PAGE_ROWS < total).then(|| page_href(offset + PAGE_ROWS));
    let verdicts = [
        CoverageVerdict::Covered,
        CoverageVerdict::Delta,
        CoverageVerdict::NotCovered,
    ]
    .into_iter()
    .map(|v| Choice {
        selected: query.verdict == v.code(),
        value: v.code().to_owned(),
        label: tr.t(&format!("crosswalks.verdict.{}", v.code())).to_owned(),
    })
    .collect();
    let title = tr.text(&set.meta.title).to_owned();
    let mut crumbs = crumbs(tr);
    crumbs.push(Crumb::here(title.clone()));
    let shell = Shell::new(&state, &auth, Area::Compliance, title.clone(), crumbs, None).await?;
    let page = CrosswalkPage {
        shell,
        id: set.id().to_owned(),
        title,
        description: set
            .meta
            .description
            .as_ref()
            .map(|d| tr.text(d).to_owned())
            .unwrap_or_default(),
        from: framework_label(tr, &catalog, &set.meta.source_framework),
        to: framework_label(tr, &catalog, &set.meta.target_framework),
        credit: [
            set.meta.source.as_str(),
            set.meta.licence.as_str(),
            set.meta.attribution.as_str(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · "),
        q: query.q.clone(),
        verdicts,
        reviewed,
        pairs,
        reviews,
        count: tr.tf(
            "crosswalks.rows",
            &[
                ("from", &tr.unum((offset + 1).min(total) as u64)),
                ("to", &tr.unum((offset + PAGE_ROWS).min(total) as u64)),
                ("total", &tr.unum(total as u64)),
            ],
        ),
        previous,
        next,
    };
    render(tr, &page)
}
