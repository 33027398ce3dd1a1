//! How a risk comes about, on its page (EBIOS RM's strategic and operational scenarios): the
//! path from the risk origin through the suppliers of the ecosystem to the processes it
//! targets, and the elementary actions by attack phase with the chain's likelihood. Writers
//! edit both in one form (suppliers found by name, steps as rows), replaced whole.

use axum::extract::{Path, State};
use hygeia_domain::risks::paths::{AttackPhase, MAX_STEPS, PathInput, StepInput};
use hygeia_store::PageRequest;
use hygeia_store::StoreError;
use hygeia_store::risks::Risk;
use hygeia_store::suppliers::SupplierFilter;

use super::plan::{back, may_write};
use crate::AppState;
use crate::error::ApiError;
use crate::ui::i18n::Tr;
use crate::ui::{Choice, PageError, PageForm, PageResult};

/// Empty rows the form offers for new steps.
const NEW_ROWS: usize = 2;

/// One step as the page shows it, and as its form row edits it.
pub struct StepView {
    pub index: usize,
    pub phase: String,
    pub action: String,
    pub asset: String,
    pub supplier: String,
    pub success: String,
    pub phases: Vec<Choice>,
    pub assets: Vec<Choice>,
    pub suppliers: Vec<Choice>,
    pub successes: Vec<Choice>,
}

/// The path section of the risk page.
pub struct PathView {
    /// Origin → suppliers → targeted processes, as one line.
    pub strategic: Vec<String>,
    pub steps: Vec<StepView>,
    /// Rows of the writers' form: the steps, then empty ones.
    pub rows: Vec<StepView>,
    /// The chain's likelihood, worded.
    pub chain: Option<String>,
    /// The path's suppliers ticked, then those found by name.
    pub supplier_choices: Vec<Choice>,
    pub supplier_q: String,
}

fn labelled(tr: Tr, key: &str, values: &[&str], current: &str) -> Vec<Choice> {
    let mut choices = vec![Choice {
        value: String::new(),
        label: "—".to_owned(),
        selected: current.is_empty(),
    }];
    choices.extend(values.iter().map(|v| Choice {
        value: (*v).to_owned(),
        label: tr.label(key, v),
        selected: *v == current,
    }));
    choices
}

/// The section for `risk`; writers also get the suppliers of its entity matching
/// `supplier_q` (20 at most).
pub async fn path_view(
    state: &AppState,
    tr: Tr,
    scope: &hygeia_domain::access::EntityScope,
    risk: &Risk,
    supplier_q: &str,
    can_write: bool,
) -> Result<PathView, StoreError> {
    let path = &risk.path;
    let mut strategic = Vec::new();
    if let Some(origin) = risk.origin.as_deref().filter(|o| !o.is_empty()) {
        strategic.push(origin.to_owned());
    }
    strategic.extend(path.suppliers.iter().map(|s| s.name.clone()));
    strategic.extend(risk.processes.iter().map(|p| p.name.clone()));
    let phases: Vec<&str> = AttackPhase::ALL.iter().map(|p| p.as_str()).collect();
    let assets: Vec<(String, String)> = risk
        .assets
        .iter()
        .map(|a| {
            (
                a.id.clone(),
                a.name.clone().unwrap_or_else(|| a.asset_key.clone()),
            )
        })
        .collect();
    let suppliers: Vec<(String, String)> = path
        .suppliers
        .iter()
        .map(|s| (s.id.clone(), s.name.clone()))
        .collect();
    let pick = |options: &[(String, String)], current: &str| -> Vec<Choice> {
        let mut choices = vec![Choice {
            value: String::new(),
            label: "—".to_owned(),
            selected: current.is_empty(),
        }];
        choices.extend(options.iter().map(|(id, name)| Choice {
            value: id.clone(),
            label: name.clone(),
            selected: id == current,
        }));
        choices
    };
    let row = |index: usize,
               phase: &str,
               action: &str,
               asset: (&str, &str),
               supplier: (&str, &str),
               success: &str| {
        StepView {
            index,
            phase: if phase.is_empty() {
                String::new()
            } else {
                tr.label("risks.paths.phase", phase)
            },
            action: action.to_owned(),
            asset: asset.1.to_owned(),
            supplier: supplier.1.to_owned(),
            success: if success.is_empty() {
                String::new()
            } else {
                tr.label("risks.paths.success", success)
            },
            phases: labelled(tr, "risks.paths.phase", &phases, phase),
            assets: pick(&assets, asset.0),
            suppliers: pick(&suppliers, supplier.0),
            successes: labelled(tr, "risks.paths.success", &["1", "2", "3", "4"], success),
        }
    };
    let steps: Vec<StepView> = path
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            row(
                i,
                &s.phase,
                &s.action,
                (
                    s.asset_id.as_deref().unwrap_or_default(),
                    s.asset_key.as_deref().unwrap_or_default(),
                ),
                (
                    s.supplier_id.as_deref().unwrap_or_default(),
                    s.supplier_name.as_deref().unwrap_or_default(),
                ),
                &s.success.map(|v| v.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    let (rows, supplier_choices) = if can_write {
        let free = MAX_STEPS.saturating_sub(steps.len()).min(NEW_ROWS);
        let rows = path
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                row(
                    i,
                    &s.phase,
                    &s.action,
                    (s.asset_id.as_deref().unwrap_or_default(), ""),
                    (s.supplier_id.as_deref().unwrap_or_default(), ""),
                    &s.success.map(|v| v.to_string()).unwrap_or_default(),
                )
            })
            .chain((0..free).map(|k| row(path.steps.len() + k, "", "", ("", ""), ("", ""), "")))
            .collect();
        let mut choices: Vec<Choice> = path
            .suppliers
            .iter()
            .map(|s| Choice {
                value: s.id.clone(),
                label: format!("{} ({})", s.name, tr.label("suppliers.tier", &s.tier)),
                selected: true,
            })
            .collect();
        let q = supplier_q.trim();
        if !q.is_empty() {
            let filter = SupplierFilter {
                entity_id: Some(risk.entity_id.clone()),
                q: Some(q.to_owned()),
                ..SupplierFilter::default()
            };
            let found = state
                .store
                .list_suppliers(scope, &filter, PageRequest::new(Some(20), None))
                .await?;
            choices.extend(
                found
                    .items
                    .into_iter()
                    .filter(|s| !path.suppliers.iter().any(|p| p.id == s.id))
                    .map(|s| Choice {
                        label: format!("{} ({})", s.name, tr.label("suppliers.tier", &s.tier)),
                        value: s.id,
                        selected: false,
                    }),
            );
        }
        (rows, choices)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(PathView {
        strategic,
        steps,
        rows,
        chain: path.chain_likelihood.map(|l| {
            tr.tf(
                "risks.paths.chain",
                &[("level", &tr.label("risks.paths.success", &l.to_string()))],
            )
        }),
        supplier_choices,
        supplier_q: supplier_q.trim().to_owned(),
    })
}

/// Replaces the path with the form's: the suppliers ticked, and each row with an action or a
/// phase (rows ticked for removal left out).
pub async fn set_path(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = may_write(&auth)?;
    let fail = |e: ApiError| PageError::new(tr, e);
    let rows: usize = fields
        .text("rows")
        .parse()
        .unwrap_or(0)
        .min(MAX_STEPS + NEW_ROWS);
    let optional = |name: String| Some(fields.text(&name)).filter(|v| !v.is_empty());
    let steps = (0..rows)
        .filter(|i| fields.get(&format!("remove.{i}")).is_none())
        .map(|i| StepInput {
            phase: fields.text(&format!("phase.{i}")),
            action: fields.text(&format!("action.{i}")),
            asset_id: optional(format!("asset.{i}")),
            supplier_id: optional(format!("supplier.{i}")),
            success: fields.text(&format!("success.{i}")).parse().ok(),
        })
        .filter(|s| !s.phase.is_empty() || !s.action.is_empty())
        .collect();
    let input = PathInput {
        supplier_ids: fields.all("supplier_ids"),
        steps,
    };
    state
        .store
        .set_risk_path(&auth.actor, &auth.principal.scope, &id, &input)
        .await
        .map_err(|e| fail(e.into()))?;
    back(&id, "path")
}
