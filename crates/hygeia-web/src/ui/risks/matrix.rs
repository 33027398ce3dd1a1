//! The risk matrix (`/risks/matrix`): the scales, levels and cells in force with the history
//! of versions; administrators edit it as a form — labels and meanings in both languages,
//! colours, the level of every cell — and may add or remove steps and levels first. Putting a new matrix in
//! force re-rates every risk in one transaction; one that would leave ratings outside its
//! scales is refused, naming the risks.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::risks::matrix::{LEVEL_COUNT, Label, RiskLevel, RiskMatrix, SCALE_STEPS, Step};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::assessments::{refused, render_status, see_other};
use crate::ui::forms::Fields;
use crate::ui::{Area, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, tr_of};

/// One step of a scale in the form: its label and what it means, in both languages.
pub struct LabelRow {
    pub index: usize,
    pub en: String,
    pub fr: String,
    pub meaning_en: String,
    pub meaning_fr: String,
}

/// One level row of the form.
pub struct LevelRow {
    pub index: usize,
    pub id: String,
    pub en: String,
    pub fr: String,
    pub colour: String,
}

/// One row of the grid: a likelihood step and, per impact step, the level chosen.
pub struct GridRow {
    pub label: String,
    pub cells: Vec<GridCell>,
}

pub struct GridCell {
    pub colour: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "risk_matrix.html")]
struct MatrixPage {
    shell: Shell,
    version: i64,
    history: Vec<(i64, String, String)>,
    grid: Vec<GridRow>,
    impact_labels: Vec<String>,
    can_manage: bool,
    likelihood: Vec<LabelRow>,
    impact: Vec<LabelRow>,
    levels: Vec<LevelRow>,
    sizes: (usize, usize, usize),
    error: Option<String>,
    changed: Option<String>,
    /// The form's grid, most likely first: (likelihood index, [(impact index, level id)]).
    cells: Vec<(usize, Vec<(usize, String)>)>,
}

#[derive(Debug, Default, Deserialize)]
pub struct MatrixQuery {
    /// Sizes wanted for the form (steps of each scale, levels).
    likelihood: Option<usize>,
    impact: Option<usize>,
    levels: Option<usize>,
    /// Risks re-rated by the last change (shown after it).
    rated: Option<i64>,
}

fn clamp((min, max): (usize, usize), wanted: Option<usize>, current: usize) -> usize {
    wanted.unwrap_or(current).clamp(min, max)
}

/// `matrix` resized to the sizes asked for: new steps and levels start blank, new cells take
/// the highest level of their lower neighbours (or the lowest level).
fn resized(matrix: &RiskMatrix, likelihood: usize, impact: usize, levels: usize) -> RiskMatrix {
    let blank_step = || Step {
        label: Label {
            en: String::new(),
            fr: String::new(),
        },
        meaning: None,
    };
    let mut out = matrix.clone();
    out.likelihood.resize_with(likelihood, blank_step);
    out.impact.resize_with(impact, blank_step);
    let mut n = out.levels.len();
    out.levels.resize_with(levels, || {
        n += 1;
        RiskLevel {
            id: format!("level-{n}"),
            label: Label {
                en: String::new(),
                fr: String::new(),
            },
            colour: "#777777".into(),
        }
    });
    let ids: Vec<String> = out.levels.iter().map(|l| l.id.clone()).collect();
    let lowest = ids.first().cloned().unwrap_or_default();
    let mut cells: Vec<Vec<String>> = Vec::with_capacity(likelihood);
    for l in 0..likelihood {
        let mut row: Vec<String> = Vec::with_capacity(impact);
        for i in 0..impact {
            let kept = matrix
                .cells
                .get(l)
                .and_then(|r| r.get(i))
                .filter(|id| ids.contains(id))
                .cloned();
            let neighbours = [
                l.checked_sub(1)
                    .and_then(|p| cells.get(p))
                    .and_then(|r| r.get(i)),
                i.checked_sub(1).and_then(|p| row.get(p)),
            ];
            let inherited = neighbours
                .into_iter()
                .flatten()
                .max_by_key(|id| ids.iter().position(|x| x == *id))
                .cloned();
            row.push(kept.or(inherited).unwrap_or_else(|| lowest.clone()));
        }
        cells.push(row);
    }
    out.cells = cells;
    out
}

/// The matrix the form describes.
fn matrix_from(fields: &Fields) -> RiskMatrix {
    let count = |name: &str| fields.text(name).parse::<usize>().unwrap_or(0).min(10);
    let (likelihood, impact, levels) = (
        count("likelihood_steps"),
        count("impact_steps"),
        count("level_count"),
    );
    let label = |prefix: &str, i: usize| Label {
        en: fields.text(&format!("{prefix}{i}.en")),
        fr: fields.text(&format!("{prefix}{i}.fr")),
    };
    // A meaning left blank in both languages is none; half given is refused by name.
    let step = |prefix: &str, i: usize| {
        let meaning = Label {
            en: fields.text(&format!("{prefix}{i}.meaning_en")),
            fr: fields.text(&format!("{prefix}{i}.meaning_fr")),
        };
        Step {
            label: label(prefix, i),
            meaning: (!meaning.en.is_empty() || !meaning.fr.is_empty()).then_some(meaning),
        }
    };
    RiskMatrix {
        likelihood: (0..likelihood).map(|i| step("likelihood", i)).collect(),
        impact: (0..impact).map(|i| step("impact", i)).collect(),
        levels: (0..levels)
            .map(|i| RiskLevel {
                id: fields.text(&format!("level{i}.id")),
                label: label("level", i),
                colour: fields.text(&format!("level{i}.colour")),
            })
            .collect(),
        cells: (0..likelihood)
            .map(|l| {
                (0..impact)
                    .map(|i| fields.text(&format!("cell.{l}.{i}")))
                    .collect()
            })
            .collect(),
    }
}

async fn show(
    state: &AppState,
    auth: &Auth,
    query: &MatrixQuery,
    failed: Option<(RiskMatrix, String)>,
) -> PageResult {
    let tr = tr_of(auth);
    let fail = |e: ApiError| PageError::new(tr, e);
    auth.principal
        .require(Permission::RiskRead)
        .map_err(|e| fail(e.into()))?;
    let (version, matrix) = state
        .store
        .risk_matrix()
        .await
        .map_err(|e| fail(e.into()))?;
    let history = state
        .store
        .risk_matrix_history()
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .map(|v| (v.version, tr.datetime(&v.created_at), v.created_by))
        .collect();
    let lang = tr.code();
    let level_of = |id: &str| matrix.levels.iter().find(|l| l.id == id);
    let grid = (0..matrix.likelihood.len())
        .rev()
        .map(|l| GridRow {
            label: format!("{}. {}", l + 1, matrix.likelihood[l].label.get(lang)),
            cells: (0..matrix.impact.len())
                .map(|i| {
                    let level = level_of(&matrix.cells[l][i]);
                    GridCell {
                        colour: level.map(|v| v.colour.clone()).unwrap_or_default(),
                        label: level
                            .map(|v| v.label.get(lang).to_owned())
                            .unwrap_or_default(),
                    }
                })
                .collect(),
        })
        .collect();
    let impact_labels = matrix
        .impact
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {}", i + 1, s.label.get(lang)))
        .collect();
    let (edited, error) = match failed {
        Some((typed, message)) => (typed, Some(message)),
        None => (
            resized(
                &matrix,
                clamp(SCALE_STEPS, query.likelihood, matrix.likelihood.len()),
                clamp(SCALE_STEPS, query.impact, matrix.impact.len()),
                clamp(LEVEL_COUNT, query.levels, matrix.levels.len()),
            ),
            None,
        ),
    };
    let rows = |steps: &[Step]| -> Vec<LabelRow> {
        steps
            .iter()
            .enumerate()
            .map(|(index, s)| LabelRow {
                index,
                en: s.label.en.clone(),
                fr: s.label.fr.clone(),
                meaning_en: s.meaning.as_ref().map(|m| m.en.clone()).unwrap_or_default(),
                meaning_fr: s.meaning.as_ref().map(|m| m.fr.clone()).unwrap_or_default(),
            })
            .collect()
    };
    let title = tr.t("risks.matrix").to_owned();
    let shell = Shell::new(
        state,
        auth,
        Area::Risks,
        title.clone(),
        vec![
            Crumb::link(tr.t("risks.title"), "/risks"),
            Crumb::here(title),
        ],
        None,
    )
    .await?;
    let page = MatrixPage {
        version,
        history,
        grid,
        impact_labels,
        can_manage: auth.principal.require(Permission::RiskMatrixManage).is_ok(),
        sizes: (
            edited.likelihood.len(),
            edited.impact.len(),
            edited.levels.len(),
        ),
        likelihood: rows(&edited.likelihood),
        impact: rows(&edited.impact),
        levels: edited
            .levels
            .iter()
            .enumerate()
            .map(|(index, l)| LevelRow {
                index,
                id: l.id.clone(),
                en: l.label.en.clone(),
                fr: l.label.fr.clone(),
                colour: l.colour.clone(),
            })
            .collect(),
        error,
        changed: query
            .rated
            .map(|n| tr.tf("risks.matrix_changed", &[("count", &tr.num(n))])),
        cells: edited
            .cells
            .iter()
            .enumerate()
            .rev()
            .map(|(l, row)| (l, row.iter().cloned().enumerate().collect()))
            .collect(),
        shell,
    };
    let code = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_status(tr, code, &page)
}

pub async fn matrix_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<MatrixQuery>,
) -> PageResult {
    show(&state, &auth, &query, None).await
}

pub async fn put_matrix(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    auth.principal
        .require(Permission::RiskMatrixManage)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let matrix = matrix_from(&fields);
    match state.store.set_risk_matrix(&auth.actor, &matrix).await {
        Ok(change) => Ok(see_other(&format!(
            "/risks/matrix?rated={}",
            change.risks_rated
        ))),
        Err(e) => {
            let message = refused(tr, &ApiError::from(e));
            show(
                &state,
                &auth,
                &MatrixQuery::default(),
                Some((matrix, message)),
            )
            .await
        }
    }
}
