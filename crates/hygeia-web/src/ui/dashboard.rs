//! The home dashboard (figures, charts that drill down, entities with their NIS2 class) and
//! the entity profile with its NIS2 classification and reasoning.

use askama::Template;
use axum::extract::{Path, Query, State};
use hygeia_domain::access::Permission;
use hygeia_domain::nis2::{self, Class, Classification, EntityProfile, EntityType};
use hygeia_store::{Entity, EntityFilter, PageRequest, Site};
use serde::Deserialize;

use super::i18n::Tr;
use super::{Area, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of};
use crate::AppState;
use crate::error::ApiError;

/// The NIS2 classification of a stored entity (`None` if its type code is unknown).
pub fn classify(entity: &Entity) -> Option<Classification> {
    let entity_type: EntityType = entity.entity_type.parse().ok()?;
    let profile = EntityProfile {
        entity_type,
        employees: u32::try_from(entity.employees).unwrap_or(u32::MAX),
        annual_turnover_eur: u64::try_from(entity.annual_turnover_eur).ok(),
        balance_sheet_eur: u64::try_from(entity.balance_sheet_eur).ok(),
        ..EntityProfile::default()
    };
    Some(nis2::classify(&profile))
}

fn class_label(tr: Tr, class: Class) -> String {
    tr.t(&format!("nis2.class.{}", class.code())).to_owned()
}

/// One bar of a chart, laid out on the server.
pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    pub label: String,
    pub value: String,
    pub href: String,
    pub class: &'static str,
    /// Text under the bar (not every bar has one when there are many).
    pub axis: Option<String>,
    pub axis_x: i64,
}

/// A horizontal grid line with its value.
pub struct Grid {
    pub y: i64,
    pub label: String,
}

/// A bar chart rendered as SVG with a title, a description and a data table.
pub struct BarChart {
    pub id: &'static str,
    pub title: String,
    pub desc: String,
    pub label_header: String,
    pub value_header: String,
    pub width: i64,
    pub height: i64,
    pub base: i64,
    pub left: i64,
    pub bars: Vec<Bar>,
    pub grid: Vec<Grid>,
}

/// One data point of a chart.
pub struct Point {
    pub label: String,
    pub value: i64,
    pub href: String,
    pub class: &'static str,
    pub axis: Option<String>,
}

impl BarChart {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        tr: Tr,
        id: &'static str,
        title: String,
        desc: String,
        label_header: String,
        value_header: String,
        points: Vec<Point>,
    ) -> Self {
        let (width, height, left, right, top, bottom) = (640i64, 220i64, 44i64, 8i64, 12i64, 36i64);
        let base = height - bottom;
        let max = points.iter().map(|p| p.value).max().unwrap_or(0).max(1);
        // A round top for the scale: 1, 2, 5 × 10^n.
        let mut top_value = 1i64;
        'scale: for magnitude in [1i64, 10, 100, 1_000, 10_000, 100_000, 1_000_000] {
            for step in [1, 2, 5] {
                if step * magnitude >= max {
                    top_value = step * magnitude;
                    break 'scale;
                }
            }
            top_value = max;
        }
        let plot = base - top;
        let count = i64::try_from(points.len()).unwrap_or(1).max(1);
        let slot = (width - left - right) / count;
        let bar_width = (slot * 7 / 10).max(2);
        let bars = points
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let i = i64::try_from(i).unwrap_or(0);
                let h = p.value * plot / top_value;
                let x = left + i * slot + (slot - bar_width) / 2;
                Bar {
                    x,
                    y: base - h,
                    w: bar_width,
                    h,
                    value: tr.num(p.value),
                    label: p.label,
                    href: p.href,
                    class: p.class,
                    axis: p.axis,
                    axis_x: x + bar_width / 2,
                }
            })
            .collect();
        let grid = [0, top_value / 2, top_value]
            .into_iter()
            .map(|v| Grid {
                y: base - v * plot / top_value,
                label: tr.num(v),
            })
            .collect();
        Self {
            id,
            title,
            desc,
            label_header,
            value_header,
            width,
            height,
            base,
            left,
            bars,
            grid,
        }
    }
}

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
    let entities = store
        .list_entities(
            &auth.principal.organisation_id,
            &auth.principal.scope,
            &EntityFilter::default(),
            PageRequest::new(Some(500), None),
        )
        .await
        .map_err(|e| fail(e.into()))?
        .items;
    let mut sites = 0usize;
    for entity in &entities {
        sites += store
            .list_sites(&entity.id)
            .await
            .map_err(|e| fail(e.into()))?
            .len();
    }
    let classified: Vec<(&Entity, Option<Class>)> = entities
        .iter()
        .map(|e| (e, classify(e).map(|c| c.classification)))
        .collect();
    let catalog = state.catalog.current(store).await.map_err(fail)?;
    let requirements: usize = catalog
        .frameworks()
        .iter()
        .map(|f| f.requirements().len())
        .sum();

    let mut figures = vec![
        Figure {
            label: tr.t("dashboard.entities").to_owned(),
            value: tr.num(len(entities.len())),
            href: "#entities".into(),
        },
        Figure {
            label: tr.t("dashboard.sites").to_owned(),
            value: tr.num(len(sites)),
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
        let counts = store
            .audit_counts_per_day(&auth.principal.scope, &since)
            .await
            .map_err(|e| fail(e.into()))?;
        let mut total = 0;
        let points = (0..30)
            .map(|offset| {
                let day = (first + chrono::Duration::days(offset))
                    .format("%Y-%m-%d")
                    .to_string();
                let value = counts
                    .iter()
                    .find(|(d, _)| *d == day)
                    .map_or(0, |(_, n)| *n);
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
    };
    render(tr, &page)
}

fn len(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub struct SiteRow {
    pub name: String,
    pub kind: String,
    pub city: String,
    pub country: String,
}

pub struct StepRow {
    pub text: String,
    pub article: String,
}

pub struct Nis2View {
    pub class_code: &'static str,
    pub class_label: String,
    pub entity_type: String,
    pub annex: String,
    pub sector: String,
    pub size_class: String,
    pub steps: Vec<StepRow>,
    pub supervision: Option<(String, String)>,
    pub fine: Option<FineView>,
    pub registration: Option<(String, String)>,
}

pub struct FineView {
    pub article: String,
    pub fixed: String,
    pub percent: String,
    pub turnover_based: Option<String>,
    pub max: String,
}

#[derive(Template)]
#[template(path = "entity.html")]
struct EntityPage {
    shell: Shell,
    entity: Entity,
    parent: Option<(String, String)>,
    employees: String,
    turnover: String,
    balance_sheet: String,
    sites: Vec<SiteRow>,
    nis2: Option<Nis2View>,
    can_see_audit: bool,
}

pub async fn entity_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: ApiError| PageError::new(tr, e);
    let not_found = || fail(ApiError::NotFound(tr.t("error.no_entity").to_owned()));
    auth.principal
        .require(Permission::EntityRead)
        .map_err(|e| fail(e.into()))?;
    if !auth.principal.scope.contains(&id) {
        return Err(not_found());
    }
    let entity = match state.store.entity(&id).await {
        Ok(e) if e.organisation_id == auth.principal.organisation_id => e,
        _ => return Err(not_found()),
    };
    let parent = match &entity.parent_entity_id {
        Some(pid) if auth.principal.scope.contains(pid) => {
            state.store.entity(pid).await.ok().map(|p| (p.id, p.name))
        }
        _ => None,
    };
    let sites = state
        .store
        .list_sites(&id)
        .await
        .map_err(|e| fail(e.into()))?;
    let sites = sites
        .into_iter()
        .map(|s: Site| SiteRow {
            kind: tr.t(&format!("site_kind.{}", s.kind)).to_owned(),
            name: s.name,
            city: s.city,
            country: s.country,
        })
        .collect();
    let nis2 = classify(&entity).map(|c| Nis2View {
        class_code: c.classification.code(),
        class_label: class_label(tr, c.classification),
        entity_type: tr
            .pick(&c.entity_type_label_en, &c.entity_type_label_fr)
            .to_owned(),
        annex: match c.annex {
            Some(nis2::Annex::I) => tr.t("nis2.annex_i").to_owned(),
            Some(nis2::Annex::II) => tr.t("nis2.annex_ii").to_owned(),
            None => tr.t("nis2.annex_none").to_owned(),
        },
        sector: tr.pick(c.sector.label_en(), c.sector.label_fr()).to_owned(),
        size_class: tr
            .pick(c.size_class.label_en(), c.size_class.label_fr())
            .to_owned(),
        steps: c
            .steps
            .iter()
            .map(|s| StepRow {
                text: tr.pick(&s.en, &s.fr).to_owned(),
                article: s.article.clone(),
            })
            .collect(),
        supervision: c
            .supervision
            .as_ref()
            .map(|s| (tr.pick(&s.en, &s.fr).to_owned(), s.article.clone())),
        fine: c.fine.as_ref().map(|f| FineView {
            article: f.article.clone(),
            fixed: tr.eur(f.fixed_eur),
            percent: tr.basis_points(f.turnover_basis_points),
            turnover_based: f.turnover_based_eur.map(|v| tr.eur(v)),
            max: tr.eur(f.max_fine_eur),
        }),
        registration: c
            .registration
            .as_ref()
            .map(|r| (tr.pick(&r.en, &r.fr).to_owned(), r.article.clone())),
    });
    let shell = Shell::new(
        &state,
        &auth,
        Area::Dashboard,
        entity.name.clone(),
        vec![Crumb::here(entity.name.clone())],
        Some(&id),
    )
    .await?;
    let page = EntityPage {
        shell,
        employees: tr.num(entity.employees),
        turnover: tr.eur(u64::try_from(entity.annual_turnover_eur).unwrap_or(0)),
        balance_sheet: tr.eur(u64::try_from(entity.balance_sheet_eur).unwrap_or(0)),
        parent,
        sites,
        nis2,
        can_see_audit: auth.principal.require(Permission::AuditRead).is_ok(),
        entity,
    };
    render(tr, &page)
}
