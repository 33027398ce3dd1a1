//! The home dashboard: figures, charts that drill down (SVG laid out on the server), each
//! entity's NIS2 standing, the compliance section and the entities with their NIS2 class; and
//! the entity profile. The entity switcher narrows the whole dashboard to one entity
//! (`/?entity=ID`); all the caller's entities by default.

mod activity;
mod charts;
mod checks;
mod compliance;
mod entity;
mod governance;
mod incidents;
mod monitoring;
mod nis2;
mod risks;
mod summary;
mod suppliers;

pub(crate) use activity::ActivityCache;
pub use charts::{BarChart, Point};
use compliance::{ComplianceFigure, ComplianceView, Shown};
pub use entity::{classify, entity_page};
pub(crate) use summary::{DerivedCache, MergedCache, SummaryCache, summaries};

use askama::Template;
use axum::extract::{Query, State};
use hygeia_domain::access::{EntityScope, Permission};
use hygeia_domain::nis2::{Class, EntityType};
use hygeia_store::{Entity, EntityFilter, PageRequest};
use serde::Deserialize;

use super::{Area, PageAuth, PageError, PageResult, Shell, render, tr_of, url_encode};
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
    /// A stable id, for tests and deep links.
    pub id: &'static str,
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
    incidents: Option<incidents::IncidentTile>,
    risks: Option<risks::RiskSection>,
    suppliers: Option<suppliers::SupplierTile>,
    /// Automated checks: observations open and result changes to decide.
    checks: Option<Vec<compliance::ComplianceFigure>>,
    /// Governance: measures awaiting approval, trainings to renew, policies to review.
    governance: Option<Vec<compliance::ComplianceFigure>>,
    /// The published policies the signed-in user has still to acknowledge: (title, page).
    to_acknowledge: Vec<(String, String)>,
    /// The entity the switcher chose: (id, name).
    only: Option<(String, String)>,
    /// The class filter's "show all" link (keeps the chosen entity).
    show_all_href: String,
}

#[derive(Debug, Deserialize)]
pub struct DashboardQuery {
    class: Option<String>,
    /// One entity (the switcher's choice); empty or absent for all.
    entity: Option<String>,
}

pub async fn home(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
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
    // One entity when the switcher chose one (within the caller's scope: another answers 404,
    // as its page would); else every visible entity: the figures count them all, the table
    // and the charts show the first 500.
    // The address says which (`?entity=` empty: all); without it, the switcher's last choice,
    // so that Home keeps to the chosen entity until "all entities" is chosen again.
    let remembered = super::chosen_entity(&headers, &auth);
    let only = match query.entity.as_deref() {
        Some(id) => Some(id).filter(|id| !id.is_empty()),
        None => remembered.as_deref(),
    };
    let (entity_total, entities, scope) = match only {
        Some(id) => {
            let entity =
                crate::api::entities::visible_entity(&state, &auth, id, Permission::EntityRead)
                    .await
                    .map_err(|e| match e {
                        ApiError::NotFound(_) => {
                            fail(ApiError::NotFound(tr.t("error.no_entity").to_owned()))
                        }
                        other => fail(other),
                    })?;
            let scope = EntityScope::Only([entity.id.clone()].into());
            (1, vec![entity], scope)
        }
        None => {
            let page = store
                .list_entities(
                    &auth.principal.organisation_id,
                    &auth.principal.scope,
                    &EntityFilter::default(),
                    PageRequest::new(Some(500), None),
                )
                .await
                .map_err(|e| fail(e.into()))?;
            (page.total, page.items, auth.principal.scope.clone())
        }
    };
    let only = only
        .and_then(|_| entities.first())
        .map(|e| (e.id.clone(), e.name.clone()));
    // Links of the page keep to the chosen entity.
    let entity_param = only
        .as_ref()
        .map(|(id, _)| format!("entity={}&", url_encode(id)))
        .unwrap_or_default();
    let sites = store
        .count_sites(&auth.principal.organisation_id, &scope)
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
            id: "fig-entities",
            label: tr.t("dashboard.entities").to_owned(),
            value: tr.num(entity_total),
            href: "#entities".into(),
        },
        Figure {
            id: "fig-sites",
            label: tr.t("dashboard.sites").to_owned(),
            value: tr.num(sites),
            href: "#entities".into(),
        },
        Figure {
            id: "fig-frameworks",
            label: tr.t("dashboard.frameworks").to_owned(),
            value: tr.num(len(catalog.frameworks().len())),
            href: "/compliance".into(),
        },
        Figure {
            id: "fig-requirements",
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
                href: format!("/?{entity_param}class={}#entities", class.code()),
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
            .counts(store, &scope, &since)
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
            id: "fig-audit",
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
        let classes: Vec<Option<Class>> = classified.iter().map(|(_, c)| *c).collect();
        Some(
            compliance::compliance_view(
                &state,
                &auth,
                tr,
                &catalog,
                catalog_generation,
                Shown {
                    entities: &entities,
                    classes: &classes,
                    only: only.as_ref().map(|(id, _)| id.as_str()),
                },
            )
            .await?,
        )
    } else {
        None
    };
    let monitoring = if auth.principal.require(Permission::AssetRead).is_ok() {
        let since = store.clock().now() - chrono::Duration::days(7);
        let counts = store
            .monitoring_counts(&scope, &hygeia_domain::clock::format_instant(since))
            .await
            .map_err(|e| fail(e.into()))?;
        Some(monitoring::figures(
            tr,
            &counts,
            only.as_ref().map(|(id, _)| id.as_str()),
        ))
    } else {
        None
    };
    let incidents = if auth.principal.require(Permission::IncidentRead).is_ok() {
        let only_id = only.as_ref().map(|(id, _)| id.as_str());
        let overview = store
            .incident_overview(&scope, only_id)
            .await
            .map_err(|e| fail(e.into()))?;
        // Deadlines shown in the zone of the chosen entity, else of the group's first entity.
        let zone = entities
            .iter()
            .find(|e| only_id.is_none_or(|id| e.id == id))
            .map_or(chrono_tz::UTC, |e| {
                hygeia_domain::clock::zone_of_country(&e.country)
            });
        Some(incidents::tile(
            tr,
            &overview,
            zone,
            only_id,
            store.clock().now(),
        ))
    } else {
        None
    };
    let risks = if auth.principal.require(Permission::RiskRead).is_ok() {
        let only_id = only.as_ref().map(|(id, _)| id.as_str());
        let overview = store
            .risk_overview(&scope, only_id)
            .await
            .map_err(|e| fail(e.into()))?;
        let filter = hygeia_store::risks::RiskFilter {
            entity_id: only_id.map(str::to_owned),
            ..Default::default()
        };
        let top = store
            .list_risks(
                &scope,
                &filter,
                hygeia_store::PageRequest::new(Some(5), None),
            )
            .await
            .map_err(|e| fail(e.into()))?
            .items;
        let (_, matrix) = store.risk_matrix().await.map_err(|e| fail(e.into()))?;
        Some(risks::section(tr, &matrix, &overview, &top, only_id))
    } else {
        None
    };
    let suppliers = if auth.principal.require(Permission::SupplierRead).is_ok() {
        let only_id = only.as_ref().map(|(id, _)| id.as_str());
        let overview = store
            .supplier_overview(&scope, only_id)
            .await
            .map_err(|e| fail(e.into()))?;
        Some(suppliers::tile(tr, &overview, only_id))
    } else {
        None
    };
    let checks = if auth.principal.require(Permission::ComplianceRead).is_ok() {
        let only_id = only.as_ref().map(|(id, _)| id.as_str());
        let overview = store
            .check_overview(&scope, only_id)
            .await
            .map_err(|e| fail(e.into()))?;
        Some(checks::tile(tr, &overview))
    } else {
        None
    };
    let governance = if auth.principal.require(Permission::GovernanceRead).is_ok() {
        let only_id = only.as_ref().map(|(id, _)| id.as_str());
        let overview = store
            .governance_overview(&scope, only_id)
            .await
            .map_err(|e| fail(e.into()))?;
        Some(governance::tile(tr, &overview, only_id))
    } else {
        None
    };
    let to_acknowledge = if auth
        .principal
        .require(Permission::PolicyAcknowledge)
        .is_ok()
    {
        store
            .policies_to_acknowledge(&auth.user.id)
            .await
            .map_err(|e| fail(e.into()))?
            .into_iter()
            .map(|p| {
                (
                    format!("{} — v{}", p.title, p.version),
                    format!("/policies/{}#acknowledgements-h", url_encode(&p.policy_id)),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let title = tr.t("nav.dashboard").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Dashboard,
        title,
        Vec::new(),
        only.as_ref().map(|(id, _)| id.as_str()),
    )
    .await?;
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
        incidents,
        risks,
        suppliers,
        checks,
        governance,
        to_acknowledge,
        show_all_href: match &only {
            Some((id, _)) => format!("/?entity={}#entities", url_encode(id)),
            None => "/#entities".to_owned(),
        },
        only,
    };
    render(tr, &page)
}
