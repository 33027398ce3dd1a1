//! The home dashboard: figures, charts that drill down (SVG laid out on the server), the
//! compliance section and the entities with their NIS2 class; and the entity profile.

mod activity;
mod charts;
mod compliance;
mod entity;
mod monitoring;
mod summary;

pub(crate) use activity::ActivityCache;
pub use charts::{BarChart, Point};
use compliance::{ComplianceFigure, ComplianceView};
pub use entity::{classify, entity_page};
pub(crate) use summary::{DerivedLetterCache, SummaryCache, summaries};

use askama::Template;
use axum::extract::{Query, State};
use hygeia_domain::access::Permission;
use hygeia_domain::nis2::{Class, EntityType};
use hygeia_store::{Entity, EntityFilter, PageRequest};
use serde::Deserialize;

use super::{Area, PageAuth, PageError, PageResult, Shell, render, tr_of};
use crate::AppState;
use crate::error::ApiError;
use charts::len;

/// How many store queries one dashboard request runs at once (the SQLite read pool holds 8).
const CONCURRENT_QUERIES: usize = 4;
use entity::class_label;

pub struct EntityRow {
    pub id: String,
    pub name: String,
    pub country: String,
    pub entity_type: String,
    pub employees: String,
    pub class_code: &'static str,
    pub class_label: String,
}

pub struct Figure {
    pub label: String,
    pub value: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    shell: Shell,
    organisation: String,
    figures: Vec<Figure>,
    charts: Vec<BarChart>,
    entities: Vec<EntityRow>,
    filter_label: Option<String>,
    total_entities: usize,
    compliance: Option<ComplianceView>,
    monitoring: Option<Vec<ComplianceFigure>>,
}

#[derive(Debug, Deserialize)]
pub struct DashboardQuery {
    class: Option<String>,
}

pub async fn home(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<DashboardQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: ApiError| PageError::new(tr, e);
    let store = &state.store;
    let organisation = store
        .organisation()
        .await
        .map_err(|e| fail(e.into()))?
        .map(|o| o.name)
        .unwrap_or_default();
    // The figures count every visible entity; the table and the charts show the first 500.
    let entity_page = store
        .list_entities(
            &auth.principal.organisation_id,
            &auth.principal.scope,
            &EntityFilter::default(),
            PageRequest::new(Some(500), None),
        )
        .await
        .map_err(|e| fail(e.into()))?;
    let entity_total = entity_page.total;
    let entities = entity_page.items;
    let sites = store
        .count_sites(&auth.principal.organisation_id, &auth.principal.scope)
        .await
        .map_err(|e| fail(e.into()))?;
    let ids: Vec<&str> = entities.iter().map(|e| e.id.as_str()).collect();
    let links = store
        .group_links_of(&ids)
        .await
        .map_err(|e| fail(e.into()))?;
    let classified: Vec<(&Entity, Option<Class>)> = entities
        .iter()
        .map(|e| {
            let own = links.get(&e.id).map_or(&[][..], Vec::as_slice);
            (e, classify(e, own).map(|c| c.classification))
        })
        .collect();
    let (catalog_generation, catalog) = state
        .catalog
        .current_with_generation(store)
        .await
        .map_err(fail)?;
    let requirements: usize = catalog
        .frameworks()
        .iter()
        .map(|f| f.requirements().len())
        .sum();

    let mut figures = vec![
        Figure {
            label: tr.t("dashboard.entities").to_owned(),
            value: tr.num(entity_total),
            href: "#entities".into(),
        },
        Figure {
            label: tr.t("dashboard.sites").to_owned(),
            value: tr.num(sites),
            href: "#entities".into(),
        },
        Figure {
            label: tr.t("dashboard.frameworks").to_owned(),
            value: tr.num(len(catalog.frameworks().len())),
            href: "/compliance".into(),
        },
        Figure {
            label: tr.t("dashboard.requirements").to_owned(),
            value: tr.num(len(requirements)),
            href: "/compliance".into(),
        },
    ];

    let mut charts = Vec::new();
    let classes = [Class::Essential, Class::Important, Class::OutOfScope];
    let points = classes
        .iter()
        .map(|class| {
            let value = len(classified
                .iter()
                .filter(|(_, c)| *c == Some(*class))
                .count());
            Point {
                label: class_label(tr, *class),
                value,
                href: format!("/?class={}#entities", class.code()),
                class: class.code(),
                axis: Some(class_label(tr, *class)),
            }
        })
        .collect();
    charts.push(BarChart::new(
        tr,
        "chart-nis2",
        tr.t("dashboard.chart_nis2").to_owned(),
        tr.t("dashboard.chart_nis2_desc").to_owned(),
        tr.t("dashboard.nis2_class").to_owned(),
        tr.t("dashboard.entities").to_owned(),
        points,
    ));

    if auth.principal.require(Permission::AuditRead).is_ok() {
        let today = store.clock().now().date_naive();
        let first = today - chrono::Duration::days(29);
        let since = format!("{}T00:00:00Z", first.format("%Y-%m-%d"));
        let counts = state
            .activity
            .counts(store, &auth.principal.scope, &since)
            .await
            .map_err(|e| fail(e.into()))?;
        let mut total = 0;
        let points = (0..30)
            .map(|offset| {
                let day = (first + chrono::Duration::days(offset))
                    .format("%Y-%m-%d")
                    .to_string();
                let value = counts.get(&day).copied().unwrap_or(0);
                total += value;
                Point {
                    label: tr.date(&day),
                    value,
                    href: format!("/audit?from={day}&to={day}"),
                    class: "activity",
                    axis: (offset % 7 == 1).then(|| tr.date(&day)),
                }
            })
            .collect();
        charts.push(BarChart::new(
            tr,
            "chart-audit",
            tr.t("dashboard.chart_audit").to_owned(),
            tr.t("dashboard.chart_audit_desc").to_owned(),
            tr.t("dashboard.day").to_owned(),
            tr.t("dashboard.records").to_owned(),
            points,
        ));
        figures.push(Figure {
            label: tr.t("dashboard.audit_30d").to_owned(),
            value: tr.num(total),
            href: format!("/audit?from={}", first.format("%Y-%m-%d")),
        });
    }

    let wanted = query
        .class
        .as_deref()
        .and_then(|code| classes.into_iter().find(|c| c.code() == code));
    let rows = classified
        .iter()
        .filter(|(_, class)| wanted.is_none() || *class == wanted)
        .map(|(e, class)| EntityRow {
            id: e.id.clone(),
            name: e.name.clone(),
            country: e.country.clone(),
            entity_type: e
                .entity_type
                .parse::<EntityType>()
                .map(|t| tr.pick(t.label_en(), t.label_fr()).to_owned())
                .unwrap_or_else(|_| e.entity_type.clone()),
            employees: tr.num(e.employees),
            class_code: class.map_or("unknown", Class::code),
            class_label: class.map_or_else(|| "—".to_owned(), |c| class_label(tr, c)),
        })
        .collect();
    let compliance = if auth.principal.require(Permission::ComplianceRead).is_ok() {
        Some(
            compliance::compliance_view(&state, &auth, tr, &catalog, catalog_generation, &entities)
                .await?,
        )
    } else {
        None
    };
    let monitoring = if auth.principal.require(Permission::AssetRead).is_ok() {
        let since = store.clock().now() - chrono::Duration::days(7);
        let counts = store
            .monitoring_counts(
                &auth.principal.scope,
                &hygeia_domain::clock::format_instant(since),
            )
            .await
            .map_err(|e| fail(e.into()))?;
        Some(monitoring::figures(tr, &counts))
    } else {
        None
    };
    let title = tr.t("nav.dashboard").to_owned();
    let shell = Shell::new(&state, &auth, Area::Dashboard, title, Vec::new(), None).await?;
    let page = DashboardPage {
        shell,
        organisation,
        figures,
        charts,
        entities: rows,
        filter_label: wanted.map(|c| class_label(tr, c)),
        total_entities: entities.len(),
        compliance,
        monitoring,
    };
    render(tr, &page)
}
