//! The list of legal entities the user may see (need-to-know): name, NIS2 class, country,
//! staff, each linking to its profile.

use askama::Template;
use axum::extract::{Query, State};
use hygeia_domain::access::Permission;
use hygeia_domain::nis2::{Class, EntityType};
use hygeia_store::{EntityFilter, PageRequest};
use serde::Deserialize;

use super::dashboard::classify;
use super::{Area, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of, url_encode};
use crate::AppState;
use crate::error::ApiError;

/// Entities per page.
const PAGE_SIZE: i64 = 50;

pub struct ListRow {
    pub id: String,
    pub name: String,
    pub class_code: &'static str,
    pub class_label: String,
    pub entity_type: String,
    pub country: String,
    pub staff: String,
}

#[derive(Template)]
#[template(path = "entities.html")]
struct EntitiesPage {
    shell: Shell,
    rows: Vec<ListRow>,
    q: String,
    count: String,
    previous: Option<String>,
    next: Option<String>,
    can_create: bool,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

pub async fn entities_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: ApiError| PageError::new(tr, e);
    auth.principal
        .require(Permission::EntityRead)
        .map_err(|e| fail(e.into()))?;
    let q = query.q.trim().to_owned();
    let page_no = super::page_number(query.page);
    let filter = EntityFilter {
        q: (!q.is_empty()).then(|| q.clone()),
        ..EntityFilter::default()
    };
    let found = state
        .store
        .list_entities(
            &auth.principal.organisation_id,
            &auth.principal.scope,
            &filter,
            PageRequest::new(Some(PAGE_SIZE), Some((page_no - 1) * PAGE_SIZE)),
        )
        .await
        .map_err(|e| fail(e.into()))?;
    let ids: Vec<&str> = found.items.iter().map(|e| e.id.as_str()).collect();
    let links = state
        .store
        .group_links_of(&ids)
        .await
        .map_err(|e| fail(e.into()))?;
    let rows = found
        .items
        .iter()
        .map(|e| {
            let own = links.get(&e.id).map_or(&[][..], Vec::as_slice);
            let class = classify(e, own).map(|c| c.classification);
            ListRow {
                id: e.id.clone(),
                name: e.name.clone(),
                class_code: class.map_or("unknown", Class::code),
                class_label: class.map_or_else(
                    || tr.t("entities.unclassified").to_owned(),
                    |c| tr.t(&format!("nis2.class.{}", c.code())).to_owned(),
                ),
                entity_type: e
                    .entity_type
                    .parse::<EntityType>()
                    .map(|t| tr.pick(t.label_en(), t.label_fr()).to_owned())
                    .unwrap_or_else(|_| e.entity_type.clone()),
                country: e.country.clone(),
                staff: tr.num(e.employees),
            }
        })
        .collect();
    let href = |page: i64| {
        let mut out = format!("/entities?page={page}");
        if !q.is_empty() {
            out.push_str(&format!("&q={}", url_encode(&q)));
        }
        out
    };
    let previous = (page_no > 1).then(|| href(page_no - 1));
    let next = (page_no * PAGE_SIZE < found.total).then(|| href(page_no + 1));
    let title = tr.t("entities.title").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Entities,
        title.clone(),
        vec![Crumb::here(title)],
        None,
    )
    .await?;
    let page = EntitiesPage {
        shell,
        rows,
        count: tr.tf("entities.count", &[("n", &tr.num(found.total))]),
        q,
        previous,
        next,
        can_create: auth.principal.require(Permission::EntityCreate).is_ok(),
    };
    render(tr, &page)
}
