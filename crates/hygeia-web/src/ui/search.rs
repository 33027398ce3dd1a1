//! The search box of every page: one query over what the user may see — requirements of the
//! catalogs, legal entities, controls, evidence, assets and (for those who manage them) users —
//! each section showing its first matches and linking to the full filtered list.

use askama::Template;
use axum::extract::{Query, State};
use hygeia_catalog::Filter;
use hygeia_domain::access::Permission;
use hygeia_store::monitoring::AssetFilter;
use hygeia_store::{EntityFilter, PageRequest};
use serde::Deserialize;

use super::compliance::catalog_for;
use super::i18n::Tr;
use super::{Area, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of};
use crate::AppState;

/// Matches shown per section; the section links to the whole list.
const SHOWN: usize = 8;
/// The longest text searched for.
const MAX_QUERY_CHARS: usize = 200;

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub struct Hit {
    pub href: String,
    pub label: String,
    pub detail: String,
}

/// One kind of thing found.
pub struct Section {
    pub id: &'static str,
    pub heading: String,
    pub count: String,
    pub hits: Vec<Hit>,
    /// The full list filtered by the same text, where one exists.
    pub more: Option<String>,
}

#[derive(Template)]
#[template(path = "search_all.html")]
struct SearchAllPage {
    shell: Shell,
    q: String,
    sections: Vec<Section>,
    found: bool,
}

fn section(
    tr: Tr,
    id: &'static str,
    heading: &str,
    total: usize,
    hits: Vec<Hit>,
    more: Option<String>,
) -> Section {
    Section {
        id,
        heading: tr.t(heading).to_owned(),
        count: tr.unum(total as u64),
        more: more.filter(|_| total > hits.len()),
        hits,
    }
}

pub async fn search_all_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<SearchQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: hygeia_store::StoreError| PageError::new(tr, e.into());
    // Longer texts are cut: six substring scans of a page-long text help nobody.
    let q: String = query.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let may = |p: Permission| auth.principal.require(p).is_ok();
    let scope = &auth.principal.scope;
    let first = PageRequest::new(Some(SHOWN as i64), None);
    let mut sections = Vec::new();
    if !q.is_empty() {
        let entities = state
            .store
            .list_entities(
                &auth.principal.organisation_id,
                scope,
                &EntityFilter::default(),
                PageRequest::new(Some(500), None),
            )
            .await
            .map_err(fail)?
            .items;
        let entity_name = |id: &str| {
            entities
                .iter()
                .find(|e| e.id == id)
                .map(|e| e.name.clone())
                .unwrap_or_default()
        };

        if may(Permission::CatalogRead) {
            let catalog = catalog_for(&state, &auth).await?;
            let found = catalog.search(&q, &Filter::default());
            let hits = found
                .iter()
                .take(SHOWN)
                .filter_map(|hit| {
                    let framework = catalog.framework(hit.framework)?;
                    Some(Hit {
                        href: format!(
                            "/compliance/frameworks/{}/requirements/{}",
                            super::url_encode(&framework.meta.id),
                            super::url_encode(&hit.requirement.id)
                        ),
                        label: format!(
                            "{} {}",
                            hit.requirement.reference,
                            tr.text(&hit.requirement.title)
                        ),
                        detail: tr.text(&framework.meta.name).to_owned(),
                    })
                })
                .collect();
            sections.push(section(
                tr,
                "found-requirements",
                "global_search.requirements",
                found.len(),
                hits,
                Some(format!("/compliance/search?q={}", super::url_encode(&q))),
            ));
        }

        if may(Permission::EntityRead) {
            let found = state
                .store
                .list_entities(
                    &auth.principal.organisation_id,
                    scope,
                    &EntityFilter {
                        q: Some(q.clone()),
                        ..EntityFilter::default()
                    },
                    first,
                )
                .await
                .map_err(fail)?;
            let hits = found
                .items
                .iter()
                .map(|e| Hit {
                    href: format!("/entities/{}", e.id),
                    label: e.name.clone(),
                    detail: e.registration_number.clone().unwrap_or_default(),
                })
                .collect();
            sections.push(section(
                tr,
                "found-entities",
                "global_search.entities",
                usize::try_from(found.total).unwrap_or(0),
                hits,
                None,
            ));
        }

        if may(Permission::ComplianceRead) {
            let found = state
                .store
                .search_controls(scope, &q, first)
                .await
                .map_err(fail)?;
            let hits = found
                .items
                .iter()
                .map(|c| Hit {
                    href: format!("/compliance/controls/{}", c.id),
                    label: c.name.clone(),
                    detail: [
                        entity_name(&c.entity_id),
                        c.owner.clone().unwrap_or_default(),
                    ]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
                })
                .collect();
            sections.push(section(
                tr,
                "found-controls",
                "global_search.controls",
                usize::try_from(found.total).unwrap_or(0),
                hits,
                None,
            ));

            let found = state
                .store
                .search_evidence(scope, &q, first)
                .await
                .map_err(fail)?;
            let hits = found
                .items
                .iter()
                .map(|e| {
                    let until = e
                        .valid_until
                        .as_deref()
                        .map(|d| format!(" · {} {}", tr.t("global_search.valid_until"), tr.date(d)))
                        .unwrap_or_default();
                    Hit {
                        href: format!("/compliance/evidence?entity={}", e.entity_id),
                        label: e.title.clone(),
                        detail: format!(
                            "{}{}{until}",
                            entity_name(&e.entity_id),
                            e.file_name
                                .as_deref()
                                .map(|f| format!(" · {f}"))
                                .unwrap_or_default()
                        ),
                    }
                })
                .collect();
            sections.push(section(
                tr,
                "found-evidence",
                "global_search.evidence",
                usize::try_from(found.total).unwrap_or(0),
                hits,
                None,
            ));
        }

        if may(Permission::AssetRead) {
            let found = state
                .store
                .list_assets(
                    scope,
                    &AssetFilter {
                        q: Some(q.clone()),
                        ..AssetFilter::default()
                    },
                    first,
                )
                .await
                .map_err(fail)?;
            let hits = found
                .items
                .iter()
                .map(|a| Hit {
                    href: format!("/assets/{}", a.id),
                    label: a
                        .names
                        .first()
                        .or(a.ips.first())
                        .cloned()
                        .unwrap_or_else(|| a.asset_key.clone()),
                    detail: [
                        a.ips.join(", "),
                        [a.vendor.clone(), a.model.clone()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" "),
                        entity_name(&a.entity_id),
                    ]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
                })
                .collect();
            sections.push(section(
                tr,
                "found-assets",
                "global_search.assets",
                usize::try_from(found.total).unwrap_or(0),
                hits,
                Some(format!("/assets?q={}", super::url_encode(&q))),
            ));
        }

        if may(Permission::UserRead) {
            let found = state
                .store
                .search_users(&auth.principal.organisation_id, &q, first)
                .await
                .map_err(fail)?;
            let manage = may(Permission::UserManage);
            let hits = found
                .items
                .iter()
                .map(|u| Hit {
                    href: if manage {
                        format!("/settings/users/{}", u.id)
                    } else {
                        "/settings/users".to_owned()
                    },
                    label: u.display_name.clone(),
                    detail: u.email.clone(),
                })
                .collect();
            sections.push(section(
                tr,
                "found-users",
                "global_search.users",
                usize::try_from(found.total).unwrap_or(0),
                hits,
                None,
            ));
        }
    }
    let found = sections.iter().any(|s| !s.hits.is_empty());
    let title = tr.t("global_search.title").to_owned();
    let mut shell = Shell::new(
        &state,
        &auth,
        Area::Search,
        title.clone(),
        vec![Crumb::here(title)],
        None,
    )
    .await?;
    shell.query = q.clone();
    render(
        tr,
        &SearchAllPage {
            shell,
            q,
            sections,
            found,
        },
    )
}
