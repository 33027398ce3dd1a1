//! The home dashboard (figures, charts that drill down, entities with their NIS2 class) and
//! the entity profile with its NIS2 classification and reasoning.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use futures_util::future::try_join_all;
use hygeia_catalog::ids::NIS2_2024_2690;
use hygeia_catalog::{Art21Letter, Catalog};
use hygeia_compliance::{ResultValue, Reuse, score_results, score_view};
use hygeia_domain::access::Permission;
use hygeia_domain::nis2::{self, Class, Classification, EntityProfile, EntityType};
use hygeia_store::assessments::{Assessment, Expiry, StoredResult};
use hygeia_store::{Entity, EntityFilter, PageRequest, Site};
use serde::Deserialize;

use super::assessments::framework_name;
use super::i18n::Tr;
use super::{Area, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of};
use crate::AppState;
use crate::api::assessments::compliance_error;
use crate::api::assessments::reuse::{derive_view, source_results};
use crate::auth::Auth;
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
        Self::scaled(
            tr,
            id,
            [title, desc, label_header, value_header],
            points,
            None,
        )
    }

    /// A chart of percentages: the scale always runs to 100.
    pub fn percent(tr: Tr, id: &'static str, texts: [String; 4], points: Vec<Point>) -> Self {
        Self::scaled(tr, id, texts, points, Some(100))
    }

    fn scaled(
        tr: Tr,
        id: &'static str,
        [title, desc, label_header, value_header]: [String; 4],
        points: Vec<Point>,
        scale: Option<i64>,
    ) -> Self {
        let (width, height, left, right, top, bottom) = (640i64, 220i64, 44i64, 8i64, 12i64, 36i64);
        let base = height - bottom;
        let max = points
            .iter()
            .map(|p| p.value)
            .max()
            .unwrap_or(0)
            .max(scale.unwrap_or(1))
            .max(1);
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
    compliance: Option<ComplianceView>,
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
    let compliance = if auth.principal.require(Permission::ComplianceRead).is_ok() {
        Some(compliance_view(&state, &auth, tr, &catalog, &entities).await?)
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

// ----- compliance figures -----

/// A figure of the compliance section, with a stable id for tests and deep links.
pub struct ComplianceFigure {
    pub id: &'static str,
    pub label: String,
    pub value: String,
    pub href: String,
}

/// The dashboard's compliance section: figures, charts and where the Art. 21(2) scores
/// come from.
#[derive(Default)]
pub struct ComplianceView {
    pub figures: Vec<ComplianceFigure>,
    pub charts: Vec<BarChart>,
    pub letter_sources: Vec<String>,
    pub has_assessments: bool,
}

/// Sums of one Art. 21(2) letter over entities.
#[derive(Default, Clone, Copy)]
struct LetterSum {
    points: f64,
    scored: usize,
}

fn rounded_percent(value: Option<f64>) -> Option<i64> {
    value
        .filter(|p| p.is_finite())
        .map(|p| p.clamp(0.0, 100.0).round() as i64)
}

/// Text under a bar, shortened to what its slot holds.
fn axis_text(text: &str, bars: usize) -> Option<String> {
    let slot = 588 / i64::try_from(bars.max(1)).unwrap_or(1);
    let room = usize::try_from(slot / 7).unwrap_or(0);
    if room < 3 {
        return None;
    }
    if text.chars().count() <= room {
        return Some(text.to_owned());
    }
    let short: String = text.chars().take(room.saturating_sub(1)).collect();
    Some(format!("{}…", short.trim_end()))
}

fn query_value(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Compliance per assessment and per Art. 21(2) letter, open gaps by owner and expiring
/// evidence, over the entities the caller may see (scored with the functions the scores API
/// uses).
async fn compliance_view(
    state: &AppState,
    auth: &Auth,
    tr: Tr,
    catalog: &Catalog,
    entities: &[Entity],
) -> Result<ComplianceView, PageError> {
    let fail = |e: ApiError| PageError::new(tr, e);
    let store = &state.store;
    let today = store.clock().now().date_naive();
    let today_text = today.format("%Y-%m-%d").to_string();
    let mut view = ComplianceView::default();
    // Per assessment: (id, label, axis, percent).
    let mut framework_points: Vec<(String, String, String, Option<f64>)> = Vec::new();
    let mut letters: BTreeMap<Art21Letter, LetterSum> = BTreeMap::new();
    let mut letter_href: Option<String> = None;
    // Owner → (gaps, assessment with most gaps for that owner and its count).
    let mut owners: BTreeMap<String, (i64, BTreeMap<String, i64>)> = BTreeMap::new();
    let (mut gaps, mut overdue, mut assessed) = (0i64, 0i64, 0i64);
    let many = entities.len() > 1;
    // The entities' assessments, then all their results, read concurrently.
    let lists = try_join_all(entities.iter().map(|e| store.list_assessments(&e.id)))
        .await
        .map_err(|e| fail(e.into()))?;
    let lists: Vec<Vec<Assessment>> = lists
        .into_iter()
        .map(|list| {
            list.into_iter()
                .filter(|a| a.status != "archived" && catalog.framework(&a.framework_id).is_some())
                .collect()
        })
        .collect();
    let mut stored_results: BTreeMap<String, Vec<StoredResult>> = lists
        .iter()
        .flatten()
        .map(|a| a.id.clone())
        .zip(
            try_join_all(lists.iter().flatten().map(|a| store.results(&a.id)))
                .await
                .map_err(|e| fail(e.into()))?,
        )
        .collect();
    for (entity, assessments) in entities.iter().zip(lists) {
        let mut nis2_own: Option<(String, hygeia_compliance::Scores)> = None;
        let mut sources: Vec<Assessment> = Vec::new();
        for assessment in assessments {
            view.has_assessments = true;
            let stored = stored_results.remove(&assessment.id).unwrap_or_default();
            for r in &stored {
                if matches!(
                    r.value,
                    ResultValue::NonCompliant | ResultValue::PartiallyCompliant
                ) {
                    gaps += 1;
                    if r.due_on.as_deref().is_some_and(|d| d < today_text.as_str()) {
                        overdue += 1;
                    }
                    let owner = r.owner.clone().unwrap_or_default();
                    let entry = owners.entry(owner).or_default();
                    entry.0 += 1;
                    *entry.1.entry(assessment.id.clone()).or_default() += 1;
                }
            }
            let results = source_results(catalog, &assessment, stored);
            let has_results = !results.is_empty();
            let scores = score_results(catalog, &assessment.framework_id, &results)
                .map_err(|e| fail(compliance_error(e)))?;
            let o = &scores.overall;
            assessed += len(o.total.saturating_sub(o.not_assessed));
            let framework = framework_name(tr, catalog, &assessment.framework_id);
            let label = if many {
                format!("{framework} — {} ({})", assessment.name, entity.name)
            } else {
                format!("{framework} — {}", assessment.name)
            };
            framework_points.push((assessment.id.clone(), label, framework, o.percent));
            if assessment.framework_id == NIS2_2024_2690 {
                if has_results && nis2_own.is_none() {
                    nis2_own = Some((assessment.id.clone(), scores));
                }
            } else if has_results {
                sources.push(assessment);
            }
        }
        // Art. 21(2): the NIS2 assessment's own results, else the view derived from another.
        let letter_scores = match nis2_own {
            Some((id, scores)) => {
                view.letter_sources.push(tr.tf(
                    "dashboard_compliance.letters_own",
                    &[("entity", &entity.name)],
                ));
                letter_href.get_or_insert_with(|| format!("/compliance/assessments/{id}?art21="));
                Some(scores)
            }
            None => {
                let mut derived = None;
                for source in &sources {
                    if Reuse::new(catalog, &source.framework_id, NIS2_2024_2690).is_err() {
                        continue;
                    }
                    let derived_view = derive_view(state, auth, catalog, source, NIS2_2024_2690)
                        .await
                        .map_err(fail)?;
                    let scores = score_view(catalog, &derived_view)
                        .map_err(|e| fail(compliance_error(e)))?;
                    view.letter_sources.push(tr.tf(
                        "dashboard_compliance.letters_derived",
                        &[
                            ("entity", &entity.name),
                            (
                                "framework",
                                &framework_name(tr, catalog, &source.framework_id),
                            ),
                        ],
                    ));
                    letter_href.get_or_insert_with(|| {
                        format!(
                            "/compliance/assessments/{}/gaps?target={NIS2_2024_2690}&art21=",
                            source.id
                        )
                    });
                    derived = Some(scores);
                    break;
                }
                derived
            }
        };
        if let Some(scores) = letter_scores {
            for l in &scores.by_letter {
                let sum = letters.entry(l.letter).or_default();
                sum.points += l.score.points;
                sum.scored += l.score.scored;
            }
        }
    }
    if !view.has_assessments {
        return Ok(view);
    }

    // Compliance per framework (one bar per assessment).
    let count = framework_points.len();
    let unscored: Vec<bool> = framework_points.iter().map(|p| p.3.is_none()).collect();
    let points = framework_points
        .into_iter()
        .map(|(id, label, framework, percent)| Point {
            axis: axis_text(&framework, count),
            label,
            value: rounded_percent(percent).unwrap_or(0),
            href: format!("/compliance/assessments/{id}"),
            class: "score",
        })
        .collect();
    let mut chart = BarChart::percent(
        tr,
        "chart-frameworks",
        [
            tr.t("dashboard_compliance.per_framework").to_owned(),
            tr.t("dashboard_compliance.per_framework_desc").to_owned(),
            tr.t("dashboard_compliance.assessment").to_owned(),
            tr.t("dashboard_compliance.score").to_owned(),
        ],
        points,
    );
    for (bar, none) in chart.bars.iter_mut().zip(unscored) {
        if none {
            bar.value = "—".to_owned();
        }
    }
    view.charts.push(chart);

    // Compliance per Art. 21(2) measure.
    if !letters.is_empty() {
        let base = letter_href.unwrap_or_else(|| "/compliance/assessments".to_owned());
        let mut unscored = Vec::new();
        let points = Art21Letter::all()
            .map(|letter| {
                let code = letter.to_string();
                let sum = letters.get(&letter).copied().unwrap_or_default();
                let percent = (sum.scored > 0).then(|| sum.points / sum.scored as f64 * 100.0);
                unscored.push(percent.is_none());
                Point {
                    label: format!("({code}) {}", tr.t(&format!("art21.{code}"))),
                    value: rounded_percent(percent).unwrap_or(0),
                    href: if base.ends_with('=') {
                        format!("{base}{code}")
                    } else {
                        base.clone()
                    },
                    class: "score",
                    axis: Some(format!("({code})")),
                }
            })
            .collect();
        let mut chart = BarChart::percent(
            tr,
            "chart-letters",
            [
                tr.t("dashboard_compliance.per_letter").to_owned(),
                tr.t("dashboard_compliance.per_letter_desc").to_owned(),
                tr.t("dashboard_compliance.measure").to_owned(),
                tr.t("dashboard_compliance.score").to_owned(),
            ],
            points,
        );
        for (bar, none) in chart.bars.iter_mut().zip(unscored) {
            if none {
                bar.value = "—".to_owned();
            }
        }
        view.charts.push(chart);
    }

    // Open gaps by owner, most first (ten at most).
    let mut by_owner: Vec<(String, i64, String)> = owners
        .into_iter()
        .map(|(owner, (n, per))| {
            let home = per
                .iter()
                .max_by_key(|(_, n)| **n)
                .map(|(id, _)| id.clone())
                .unwrap_or_default();
            (owner, n, home)
        })
        .collect();
    by_owner.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    by_owner.truncate(10);
    let owner_count = by_owner.len();
    let points = by_owner
        .into_iter()
        .map(|(owner, n, home)| {
            let (label, href) = if owner.is_empty() {
                (
                    tr.t("dashboard_compliance.unassigned").to_owned(),
                    format!("/compliance/assessments/{home}?result=non_compliant"),
                )
            } else {
                (
                    owner.clone(),
                    format!(
                        "/compliance/assessments/{home}?owner={}",
                        query_value(&owner)
                    ),
                )
            };
            Point {
                axis: axis_text(&label, owner_count),
                label,
                value: n,
                href,
                class: "gap",
            }
        })
        .collect();
    view.charts.push(BarChart::new(
        tr,
        "chart-owners",
        tr.t("dashboard_compliance.gaps_by_owner").to_owned(),
        tr.t("dashboard_compliance.gaps_by_owner_desc").to_owned(),
        tr.t("assessment.owner").to_owned(),
        tr.t("dashboard_compliance.gaps").to_owned(),
        points,
    ));

    // Evidence expired or expiring within 30 days, counted in the database per entity.
    let count_evidence = |wanted: Expiry| async move {
        let pages = try_join_all(entities.iter().map(|e| {
            store.list_evidence_page(&e.id, Some(wanted), PageRequest::new(Some(1), None))
        }))
        .await?;
        let total: i64 = pages.iter().map(|p| p.total).sum();
        let first = entities
            .iter()
            .zip(&pages)
            .find(|(_, p)| p.total > 0)
            .map(|(e, _)| e.id.clone());
        Ok::<_, hygeia_store::StoreError>((total, first))
    };
    let ((expired, expired_at), (expiring, expiring_at)) = futures_util::future::try_join(
        count_evidence(Expiry::Expired),
        count_evidence(Expiry::ExpiringSoon),
    )
    .await
    .map_err(|e| fail(e.into()))?;
    // The entity's evidence list in that state.
    let evidence_list = |entity: Option<String>, state: &str| {
        entity.map_or_else(
            || "/compliance/assessments".to_owned(),
            |id| format!("/api/v1/entities/{id}/evidence?expiry={state}"),
        )
    };
    view.figures = vec![
        ComplianceFigure {
            id: "fig-assessed",
            label: tr.t("dashboard_compliance.assessed").to_owned(),
            value: tr.num(assessed),
            href: "/compliance/assessments".into(),
        },
        ComplianceFigure {
            id: "fig-gaps",
            label: tr.t("dashboard_compliance.open_gaps").to_owned(),
            value: tr.num(gaps),
            href: "#chart-owners".into(),
        },
        ComplianceFigure {
            id: "fig-overdue",
            label: tr.t("dashboard_compliance.overdue").to_owned(),
            value: tr.num(overdue),
            href: "#chart-owners".into(),
        },
        ComplianceFigure {
            id: "fig-expired",
            label: tr.t("dashboard_compliance.expired").to_owned(),
            value: tr.num(expired),
            href: evidence_list(expired_at, "expired"),
        },
        ComplianceFigure {
            id: "fig-expiring",
            label: tr.t("dashboard_compliance.expiring").to_owned(),
            value: tr.num(expiring),
            href: evidence_list(expiring_at, "expiring_soon"),
        },
    ];
    Ok(view)
}
