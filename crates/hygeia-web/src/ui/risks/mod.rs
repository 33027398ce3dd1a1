//! The risk register (`/risks`): the heat map of a stage with cells that open their risks,
//! the register most severe first, one risk with its ratings, plan and assets ([`detail`],
//! changed through [`plan`]), the form that writes or rates a risk ([`form`]), and the
//! scenario library a risk is taken from ([`library`]), what is at stake ([`processes`]), and the matrix in force with its editor ([`matrix`]).

pub mod detail;
pub mod form;
pub mod library;
pub mod matrix;
pub mod paths;
pub mod plan;
pub mod processes;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use hygeia_domain::access::Permission;
use hygeia_domain::risks::matrix::RiskMatrix;
use hygeia_store::PageRequest;
use hygeia_store::risks::{HeatCell, RiskFilter, RiskStage, RiskSummary};
use serde::Deserialize;

use super::assets::{counted, nonempty};
use super::i18n::Tr;
use super::{
    Area, Choice, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of, url_encode,
};
use crate::AppState;

const PAGE_SIZE: i64 = 100;

/// The register's pages and forms.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/risks", get(register_page))
        .route("/risks/library", get(library::library_page))
        .route("/risks/library/{id}", post(library::take))
        .route("/risks/bulk", post(plan::bulk))
        .route(
            "/risks/matrix",
            get(matrix::matrix_page).post(matrix::put_matrix),
        )
        .route(
            "/risks/processes",
            get(processes::processes_page).post(processes::create_process),
        )
        .route(
            "/risks/processes/{id}",
            get(processes::process_page).post(processes::update_process),
        )
        .route("/risks/processes/{id}/links", post(processes::set_links))
        .route("/risks/{id}/processes", post(processes::set_risk_processes))
        .route(
            "/risks/new",
            get(form::new_risk_form).post(form::create_risk),
        )
        .route("/risks/{id}", get(detail::risk_page))
        .route(
            "/risks/{id}/edit",
            get(form::edit_risk_form).post(form::update_risk),
        )
        .route("/risks/{id}/actions", post(plan::add_action))
        .route(
            "/risks/{id}/actions/{action_id}",
            post(plan::set_action_status),
        )
        .route("/risks/{id}/assets", post(plan::set_assets))
        .route("/risks/{id}/controls", post(plan::set_controls))
        .route("/risks/{id}/path", post(paths::set_path))
        .route("/risks/{id}/reviewed", post(plan::mark_reviewed))
}

/// A level as pages show it: its label in the reader's language and its colour.
pub struct LevelBadge {
    pub label: String,
    pub colour: String,
}

/// The badge of level `id` on `matrix` (none for an unknown id).
pub fn badge(tr: Tr, matrix: &RiskMatrix, id: Option<&str>) -> Option<LevelBadge> {
    let level = matrix.levels.iter().find(|l| Some(l.id.as_str()) == id)?;
    Some(LevelBadge {
        label: level.label.get(tr.code()).to_owned(),
        colour: level.colour.clone(),
    })
}

/// One cell of the heat map.
pub struct CellView {
    pub count: i64,
    pub colour: String,
    pub level: String,
    pub href: String,
    pub selected: bool,
}

/// One row of the heat map: a likelihood step, most likely first.
pub struct HeatRow {
    pub likelihood: String,
    pub cells: Vec<CellView>,
}

/// One risk of the register.
pub struct RiskRow {
    pub id: String,
    pub href: String,
    pub reference: String,
    pub title: String,
    pub entity: String,
    pub inherent: Option<LevelBadge>,
    pub current: Option<LevelBadge>,
    pub residual: Option<LevelBadge>,
    pub treatment: String,
    pub next_review_on: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct RegisterQuery {
    #[serde(default)]
    entity: String,
    /// `inherent`, `current` (default) or `residual`.
    #[serde(default)]
    stage: String,
    #[serde(default)]
    likelihood: String,
    #[serde(default)]
    impact: String,
    #[serde(default)]
    after: String,
    /// `mitigate`, `accept`, `transfer`, `avoid`, or `none` (undecided).
    #[serde(default)]
    treatment: String,
    /// The heat map and register of one process's risks.
    #[serde(default)]
    process: String,
    /// The heat map and register of the risks to the processes run at one site.
    #[serde(default)]
    site: String,
}

fn stage_of(text: &str) -> RiskStage {
    match text {
        "inherent" => RiskStage::Inherent,
        "residual" => RiskStage::Residual,
        _ => RiskStage::Current,
    }
}

#[derive(Template)]
#[template(path = "risks.html")]
struct RegisterPage {
    shell: Shell,
    stages: Vec<Choice>,
    impacts: Vec<String>,
    heat: Vec<HeatRow>,
    rows: Vec<RiskRow>,
    total: String,
    cell_chosen: bool,
    all_href: String,
    next: Option<String>,
    can_write: bool,
    treatments: Vec<Choice>,
    stage: String,
    entity: String,
    new_href: String,
    export_csv: String,
    export_xlsx: String,
    /// What the page is narrowed to (a process or a site), and the way back to all risks.
    slice: Option<String>,
    unsliced_href: String,
    process: String,
    site: String,
}

fn heat_rows(
    tr: Tr,
    matrix: &RiskMatrix,
    cells: &[HeatCell],
    base: &str,
    chosen: (Option<i64>, Option<i64>),
) -> Vec<HeatRow> {
    let lang = tr.code();
    (1..=matrix.likelihood.len())
        .rev()
        .map(|l| HeatRow {
            likelihood: format!("{l}. {}", matrix.likelihood[l - 1].label.get(lang)),
            cells: (1..=matrix.impact.len())
                .map(|i| {
                    let (l, i) = (l as i64, i as i64);
                    let count = cells
                        .iter()
                        .find(|c| c.likelihood == l && c.impact == i)
                        .map_or(0, |c| c.risks);
                    let level = matrix
                        .level(l as u8, i as u8)
                        .map(|lv| (lv.label.get(lang).to_owned(), lv.colour.clone()))
                        .unwrap_or_default();
                    CellView {
                        count,
                        level: level.0,
                        colour: level.1,
                        href: format!("{base}&likelihood={l}&impact={i}"),
                        selected: chosen == (Some(l), Some(i)),
                    }
                })
                .collect(),
        })
        .collect()
}

pub async fn register_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<RegisterQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: hygeia_store::StoreError| PageError::new(tr, e.into());
    auth.principal
        .require(Permission::RiskRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let scope = &auth.principal.scope;
    let entity = nonempty(&query.entity).filter(|id| scope.contains(id));
    let stage = stage_of(&query.stage);
    let likelihood = query.likelihood.parse::<i64>().ok();
    let impact = query.impact.parse::<i64>().ok();
    let treatment = nonempty(&query.treatment);
    let process = nonempty(&query.process);
    let site = if process.is_some() {
        None
    } else {
        nonempty(&query.site)
    };
    // A process or site outside the caller's scope is not found.
    let slice = match (&process, &site) {
        (Some(id), _) => Some(tr.tf(
            "risks.slice_process",
            &[(
                "name",
                &state.store.process(scope, id).await.map_err(fail)?.name,
            )],
        )),
        (None, Some(id)) => {
            let found = state.store.site(id).await.map_err(fail)?;
            if !scope.contains(&found.entity_id) {
                return Err(fail(hygeia_store::StoreError::NotFound {
                    what: "site",
                    id: id.clone(),
                }));
            }
            Some(tr.tf("risks.slice_site", &[("name", &found.name)]))
        }
        (None, None) => None,
    };
    let (_, matrix) = state.store.risk_matrix().await.map_err(fail)?;
    let filter = RiskFilter {
        entity_id: entity.clone(),
        likelihood,
        impact,
        stage: Some(stage),
        after: nonempty(&query.after),
        treatment: treatment.clone(),
        process_id: process.clone(),
        site_id: site.clone(),
    };
    let cells = state
        .store
        .risk_heat_map(scope, &filter, stage)
        .await
        .map_err(fail)?;
    let found = state
        .store
        .list_risks(scope, &filter, PageRequest::new(Some(PAGE_SIZE), None))
        .await
        .map_err(fail)?;
    let title = tr.t("risks.title").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Risks,
        title.clone(),
        vec![Crumb::here(title)],
        entity.as_deref(),
    )
    .await?;
    let names: std::collections::BTreeMap<&str, &str> = shell
        .entities
        .iter()
        .map(|e| (e.id.as_str(), e.name.as_str()))
        .collect();
    let rows = found
        .items
        .iter()
        .map(|r: &RiskSummary| RiskRow {
            id: r.id.clone(),
            href: format!("/risks/{}", r.id),
            reference: r.reference.clone(),
            title: r.title.clone(),
            entity: names
                .get(r.entity_id.as_str())
                .map_or_else(|| r.entity_id.clone(), |n| (*n).to_owned()),
            inherent: badge(tr, &matrix, r.inherent_level.as_deref()),
            current: badge(tr, &matrix, r.current_level.as_deref()),
            residual: badge(tr, &matrix, r.residual_level.as_deref()),
            treatment: r
                .treatment
                .as_deref()
                .map(|t| tr.label("risks.treatment", t))
                .unwrap_or_else(|| tr.t("risks.undecided").to_owned()),
            next_review_on: r.next_review_on.clone(),
        })
        .collect();
    // What every link of the page keeps: the entity and the treatment chosen.
    let mut kept = String::new();
    if let Some(e) = &entity {
        kept.push_str(&format!("&entity={}", url_encode(e)));
    }
    if let Some(t) = &treatment {
        kept.push_str(&format!("&treatment={}", url_encode(t)));
    }
    let unsliced_href = format!("/risks?stage={}{kept}", stage.as_str());
    if let Some(p) = &process {
        kept.push_str(&format!("&process={}", url_encode(p)));
    }
    if let Some(s) = &site {
        kept.push_str(&format!("&site={}", url_encode(s)));
    }
    let base = format!("/risks?stage={}{kept}", stage.as_str());
    let export = |format: &str| {
        let mut href = format!("/api/v1/risks/export?format={format}&lang={}", tr.code());
        if let Some(e) = &entity {
            href.push_str(&format!("&entity_id={}", url_encode(e)));
        }
        if let Some(t) = &treatment {
            href.push_str(&format!("&treatment={}", url_encode(t)));
        }
        if let Some(p) = &process {
            href.push_str(&format!("&process_id={}", url_encode(p)));
        }
        if let Some(s) = &site {
            href.push_str(&format!("&site_id={}", url_encode(s)));
        }
        href
    };
    let chosen_treatment = treatment.clone().unwrap_or_default();
    let mut treatments = vec![
        Choice {
            value: String::new(),
            label: tr.t("risks.any_treatment").to_owned(),
            selected: chosen_treatment.is_empty(),
        },
        Choice {
            value: "none".to_owned(),
            label: tr.t("risks.undecided").to_owned(),
            selected: chosen_treatment == "none",
        },
    ];
    treatments.extend(
        hygeia_domain::risks::treatment::TreatmentOption::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().to_owned(),
                label: tr.label("risks.treatment", t.as_str()),
                selected: chosen_treatment == t.as_str(),
            }),
    );
    let impacts = matrix
        .impact
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {}", i + 1, s.label.get(tr.code())))
        .collect();
    let mut total = counted(tr, "risks.total", u64::try_from(found.total).unwrap_or(0));
    if found.total_exceeds {
        total = tr.tf("risks.more_than", &[("count", &total)]);
    }
    let page = RegisterPage {
        stages: RiskStage::ALL
            .iter()
            .map(|s| Choice {
                value: format!("/risks?stage={}{kept}", s.as_str()),
                label: tr.label("risks.stage", s.as_str()),
                selected: *s == stage,
            })
            .collect(),
        treatments,
        stage: stage.as_str().to_owned(),
        entity: entity.clone().unwrap_or_default(),
        new_href: match &entity {
            Some(e) => format!("/risks/new?entity={}", url_encode(e)),
            None => "/risks/new".to_owned(),
        },
        export_csv: export("csv"),
        export_xlsx: export("xlsx"),
        impacts,
        heat: heat_rows(tr, &matrix, &cells, &base, (likelihood, impact)),
        rows,
        total,
        cell_chosen: likelihood.is_some() && impact.is_some(),
        next: found.next.as_deref().map(|cursor| {
            let mut href = base.clone();
            if let (Some(l), Some(i)) = (likelihood, impact) {
                href.push_str(&format!("&likelihood={l}&impact={i}"));
            }
            format!("{href}&after={cursor}")
        }),
        all_href: base,
        slice,
        unsliced_href,
        process: process.clone().unwrap_or_default(),
        site: site.clone().unwrap_or_default(),
        can_write: auth.principal.require(Permission::RiskWrite).is_ok(),
        shell,
    };
    render(tr, &page)
}
