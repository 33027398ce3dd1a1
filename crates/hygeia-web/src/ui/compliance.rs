//! Frameworks, the requirement browser (tree, filters by tag, Art. 21(2) letter and text) and
//! requirement details with their crosswalk neighbours.

use std::collections::BTreeSet;

use askama::Template;
use axum::extract::{Path, Query, State};
use hygeia_catalog::{
    Art21Letter, Catalog, Filter, Framework, Relationship, Requirement, TreeNode,
};
use hygeia_domain::access::Permission;
use serde::Deserialize;

use super::i18n::Tr;
use super::{Area, Choice, Crumb, PageAuth, PageError, PageResult, Shell, choices, render, tr_of};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub struct FrameworkRow {
    pub id: String,
    pub name: String,
    pub version: String,
    pub publisher: String,
    pub kind: String,
    pub requirements: String,
    pub assessable: String,
}

#[derive(Template)]
#[template(path = "frameworks.html")]
struct FrameworksPage {
    shell: Shell,
    frameworks: Vec<FrameworkRow>,
}

pub(super) async fn catalog_for(
    state: &AppState,
    auth: &Auth,
) -> Result<std::sync::Arc<Catalog>, PageError> {
    let tr = tr_of(auth);
    auth.principal
        .require(Permission::CatalogRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    state
        .catalog
        .current(&state.store)
        .await
        .map_err(|e| PageError::new(tr, e))
}

pub async fn frameworks_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
) -> PageResult {
    let tr = tr_of(&auth);
    let catalog = catalog_for(&state, &auth).await?;
    let frameworks = catalog
        .frameworks()
        .iter()
        .map(|f| FrameworkRow {
            id: f.meta.id.clone(),
            name: tr.text(&f.meta.name).to_owned(),
            version: f.meta.version.clone(),
            publisher: f.meta.publisher.clone(),
            kind: tr
                .t(&format!(
                    "framework_kind.{}",
                    serde_json::to_value(f.meta.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default()
                ))
                .to_owned(),
            requirements: tr.unum(f.requirements().len() as u64),
            assessable: tr.unum(f.assessable().count() as u64),
        })
        .collect();
    let title = tr.t("nav.compliance").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Compliance,
        title.clone(),
        vec![Crumb::here(title)],
        None,
    )
    .await?;
    render(tr, &FrameworksPage { shell, frameworks })
}

/// One line of the requirement tree or of a result list.
pub struct ReqRow {
    pub href: String,
    pub reference: String,
    pub title: String,
    pub level: usize,
    pub tags: Vec<String>,
    pub letters: String,
    /// "SL 3": the lowest security level that requires it (IEC 62443-3-3).
    pub security_level: Option<String>,
    pub has_children: bool,
    pub framework: String,
}

fn row(tr: Tr, framework: &Framework, r: &Requirement, level: usize, has_children: bool) -> ReqRow {
    ReqRow {
        href: format!(
            "/compliance/frameworks/{}/requirements/{}",
            framework.meta.id, r.id
        ),
        reference: r.reference.clone(),
        title: tr.text(&r.title).to_owned(),
        level,
        tags: r.tags.clone(),
        letters: r
            .nis2_art21
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        security_level: r
            .security_level
            .map(|l| tr.tf("browse.from_level", &[("level", &l.to_string())])),
        has_children,
        framework: tr.text(&framework.meta.name).to_owned(),
    }
}

fn flatten(
    tr: Tr,
    framework: &Framework,
    nodes: &[TreeNode<'_>],
    level: usize,
    out: &mut Vec<ReqRow>,
) {
    for node in nodes {
        out.push(row(
            tr,
            framework,
            node.requirement,
            level,
            !node.children.is_empty(),
        ));
        flatten(tr, framework, &node.children, level + 1, out);
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct BrowseQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    art21: String,
    /// Target IEC 62443 security level, `1` to `4`.
    #[serde(default)]
    sl: String,
}

#[derive(Template)]
#[template(path = "framework.html")]
struct FrameworkPage {
    shell: Shell,
    id: String,
    name: String,
    description: String,
    notice: String,
    q: String,
    tags: Vec<Choice>,
    letters: Vec<Choice>,
    /// Target security levels, for frameworks graded by level (empty otherwise).
    levels: Vec<Choice>,
    filtered: bool,
    flat: bool,
    show_framework: bool,
    rows: Vec<ReqRow>,
    count: String,
}

fn unknown_framework(tr: Tr) -> PageError {
    PageError::new(
        tr,
        ApiError::NotFound(tr.t("error.no_framework").to_owned()),
    )
}

pub async fn framework_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
    Query(query): Query<BrowseQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    let catalog = catalog_for(&state, &auth).await?;
    let framework = catalog
        .framework(&id)
        .ok_or_else(|| unknown_framework(tr))?;
    let tags: BTreeSet<String> = framework
        .requirements()
        .iter()
        .flat_map(|r| r.tags.iter().cloned())
        .collect();
    let letter = query.art21.trim().chars().next().and_then(Art21Letter::new);
    let q = query.q.trim().to_owned();
    let tag = query.tag.trim().to_owned();
    let graded = framework
        .requirements()
        .iter()
        .any(|r| r.security_level.is_some());
    let level = query
        .sl
        .trim()
        .parse::<u8>()
        .ok()
        .filter(|l| graded && (1..=4).contains(l));
    let filtered = !q.is_empty() || !tag.is_empty() || letter.is_some() || level.is_some();
    let mut rows = Vec::new();
    if filtered {
        let filter = Filter {
            framework: Some(id.clone()),
            tag: (!tag.is_empty()).then(|| tag.clone()),
            art21_letter: letter,
            assessable_only: false,
            security_level: level,
        };
        let hits = if q.is_empty() {
            catalog.filter(&filter)
        } else {
            catalog.search(&q, &filter)
        };
        for hit in hits {
            rows.push(row(tr, framework, hit.requirement, 1, false));
        }
    } else {
        flatten(tr, framework, &framework.tree(), 1, &mut rows);
    }
    let name = tr.text(&framework.meta.name).to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Compliance,
        name.clone(),
        vec![
            Crumb::link(tr.t("nav.compliance"), "/compliance"),
            Crumb::here(name.clone()),
        ],
        None,
    )
    .await?;
    let page = FrameworkPage {
        shell,
        id,
        description: framework
            .meta
            .description
            .as_ref()
            .map(|d| tr.text(d).to_owned())
            .unwrap_or_default(),
        notice: framework
            .meta
            .notice
            .as_ref()
            .map(|d| tr.text(d).to_owned())
            .unwrap_or_default(),
        name,
        q,
        tags: choices(tags.into_iter().collect(), &tag),
        letters: choices(
            Art21Letter::all().map(|l| l.to_string()).collect(),
            &letter.map(|l| l.to_string()).unwrap_or_default(),
        )
        .into_iter()
        .map(|mut c| {
            c.label = tr.t(&format!("art21.{}", c.value)).to_owned();
            c
        })
        .collect(),
        levels: if graded {
            (1..=4u8)
                .map(|l| Choice {
                    value: l.to_string(),
                    label: format!("SL {l}"),
                    selected: level == Some(l),
                })
                .collect()
        } else {
            Vec::new()
        },
        filtered,
        flat: filtered,
        show_framework: false,
        count: tr.tf(
            if filtered {
                "browse.matches"
            } else {
                "browse.total"
            },
            &[("n", &tr.unum(rows.len() as u64))],
        ),
        rows,
    };
    render(tr, &page)
}

pub struct NeighbourRow {
    pub href: String,
    pub framework: String,
    pub reference: String,
    pub title: String,
    pub relationship: String,
    pub via_ancestor: bool,
    pub mapping: String,
    pub rationale: String,
}

#[derive(Template)]
#[template(path = "requirement.html")]
struct RequirementPage {
    shell: Shell,
    framework_id: String,
    framework_name: String,
    reference: String,
    title: String,
    description: String,
    tags: Vec<String>,
    letters: Vec<String>,
    /// The lowest IEC 62443 security level that requires it.
    security_level: Option<u8>,
    assessable: bool,
    rows: Vec<ReqRow>,
    flat: bool,
    show_framework: bool,
    neighbours: Vec<NeighbourRow>,
}

pub async fn requirement_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path((id, requirement)): Path<(String, String)>,
) -> PageResult {
    let tr = tr_of(&auth);
    let catalog = catalog_for(&state, &auth).await?;
    let framework = catalog
        .framework(&id)
        .ok_or_else(|| unknown_framework(tr))?;
    let found = framework
        .requirement(&requirement)
        .or_else(|| framework.by_ref(&requirement))
        .ok_or_else(|| {
            PageError::new(
                tr,
                ApiError::NotFound(tr.t("error.no_requirement").to_owned()),
            )
        })?;
    let children = framework
        .children(&found.id)
        .map(|c| row(tr, framework, c, 1, false))
        .collect();
    let neighbours = catalog
        .neighbours(&id, &found.id)
        .into_iter()
        .map(|n| {
            let other = catalog.framework(n.framework);
            NeighbourRow {
                href: format!(
                    "/compliance/frameworks/{}/requirements/{}",
                    n.framework, n.requirement.id
                ),
                framework: other
                    .map(|f| tr.text(&f.meta.name).to_owned())
                    .unwrap_or_else(|| n.framework.to_owned()),
                reference: n.requirement.reference.clone(),
                title: tr.text(&n.requirement.title).to_owned(),
                relationship: relationship_label(tr, n.relationship),
                via_ancestor: n.via_ancestor,
                mapping: catalog
                    .mapping_set(n.mapping_set)
                    .map(|m| tr.text(&m.meta.title).to_owned())
                    .unwrap_or_else(|| n.mapping_set.to_owned()),
                rationale: n.rationale.unwrap_or_default().to_owned(),
            }
        })
        .collect();
    let framework_name = tr.text(&framework.meta.name).to_owned();
    let mut crumbs = vec![
        Crumb::link(tr.t("nav.compliance"), "/compliance"),
        Crumb::link(
            framework_name.clone(),
            format!("/compliance/frameworks/{id}"),
        ),
    ];
    // Root first: Compliance › framework › 1 › 1.1 › 1.1.1 › here.
    for ancestor in framework.ancestors(&found.id).into_iter().rev() {
        crumbs.push(Crumb::link(
            ancestor.reference.clone(),
            format!("/compliance/frameworks/{id}/requirements/{}", ancestor.id),
        ));
    }
    crumbs.push(Crumb::here(found.reference.clone()));
    let title = format!("{} {}", found.reference, tr.text(&found.title));
    let shell = Shell::new(&state, &auth, Area::Compliance, title, crumbs, None).await?;
    let page = RequirementPage {
        shell,
        framework_id: id.clone(),
        framework_name,
        reference: found.reference.clone(),
        title: tr.text(&found.title).to_owned(),
        description: found
            .description
            .as_ref()
            .map(|d| tr.text(d).to_owned())
            .unwrap_or_default(),
        tags: found.tags.clone(),
        letters: found.nis2_art21.iter().map(|l| l.to_string()).collect(),
        security_level: found.security_level,
        assessable: found.assessable,
        rows: children,
        flat: true,
        show_framework: false,
        neighbours,
    };
    render(tr, &page)
}

fn relationship_label(tr: Tr, relationship: Relationship) -> String {
    tr.t(&format!("relationship.{}", relationship.code()))
        .to_owned()
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    shell: Shell,
    q: String,
    rows: Vec<ReqRow>,
    count: String,
    truncated: bool,
    flat: bool,
    show_framework: bool,
}

/// Searches requirements across every framework (the search box of the header).
pub async fn search_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<SearchQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    let catalog = catalog_for(&state, &auth).await?;
    let q = query.q.trim().to_owned();
    let mut rows = Vec::new();
    let mut total = 0usize;
    if !q.is_empty() {
        let hits = catalog.search(&q, &Filter::default());
        total = hits.len();
        for hit in hits.into_iter().take(200) {
            if let Some(framework) = catalog.framework(hit.framework) {
                rows.push(row(tr, framework, hit.requirement, 1, false));
            }
        }
    }
    let title = tr.t("search.title").to_owned();
    let mut shell = Shell::new(
        &state,
        &auth,
        Area::Compliance,
        title.clone(),
        vec![
            Crumb::link(tr.t("nav.compliance"), "/compliance"),
            Crumb::here(title),
        ],
        None,
    )
    .await?;
    shell.query = q.clone();
    let page = SearchPage {
        shell,
        q,
        count: tr.tf("browse.matches", &[("n", &tr.unum(total as u64))]),
        truncated: total > rows.len(),
        flat: true,
        show_framework: true,
        rows,
    };
    render(tr, &page)
}
