//! One risk (`/risks/{id}`): what it is, its three ratings with every justification, its
//! treatment and acceptance, its review date, its treatment plan, its supporting assets with
//! their open vulnerabilities, how it comes about ([`super::paths`]), and the requirements it
//! relates to.

use askama::Template;
use axum::extract::{Path, Query, State};
use hygeia_domain::access::Permission;
use hygeia_store::PageRequest;
use hygeia_store::monitoring::AssetFilter;
use hygeia_store::risks::{LinkedAsset, RiskAction, StoredRating};
use serde::Deserialize;

use super::paths::{PathView, path_view};
use super::{LevelBadge, badge};
use crate::AppState;
use crate::ui::i18n::Tr;
use crate::ui::{Area, Choice, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of};

/// An asset found by the search of the supporting-assets form, not linked yet.
pub struct FoundAsset {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct RiskPageQuery {
    /// Words to find inventory assets of the risk's entity by.
    #[serde(default)]
    asset_q: String,
    /// Words to find suppliers of the risk's entity by, for its attack path.
    #[serde(default)]
    supplier_q: String,
}

/// An asset's label: its first name, else its key, with vendor and model.
pub fn asset_label(
    key: &str,
    name: Option<&str>,
    vendor: Option<&str>,
    model: Option<&str>,
) -> String {
    let mut label = name.unwrap_or(key).to_owned();
    let make: Vec<&str> = [vendor, model].into_iter().flatten().collect();
    if !make.is_empty() {
        label.push_str(&format!(" ({})", make.join(" ")));
    }
    label
}

/// One dimension's impact as shown.
pub struct ImpactLine {
    pub dimension: String,
    pub value: String,
    pub justification: String,
}

/// One stage's rating as shown.
pub struct RatingView {
    pub stage: String,
    pub likelihood: String,
    pub likelihood_justification: String,
    pub impacts: Vec<ImpactLine>,
    pub level: Option<LevelBadge>,
}

/// A requirement link as shown.
pub struct RequirementView {
    pub label: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "risk.html")]
struct RiskPage {
    shell: Shell,
    reference: String,
    title: String,
    description: String,
    kind: String,
    origin: String,
    objective: String,
    owner: String,
    ratings: Vec<RatingView>,
    to_rate: bool,
    treatment: String,
    acceptance: Option<(String, String, String, String)>,
    next_review_on: String,
    review_due: bool,
    requirements: Vec<RequirementView>,
    id: String,
    can_write: bool,
    actions: Vec<RiskAction>,
    plan_summary: String,
    owners: Vec<Choice>,
    controls: Vec<Choice>,
    assets: Vec<LinkedAsset>,
    asset_q: String,
    found: Vec<FoundAsset>,
    /// The entity's processes, ticked when the risk threatens them (writers), or the linked
    /// ones (readers).
    processes: Vec<Choice>,
    /// Zones of the entity's policy its supporting assets sit in.
    zones: Vec<String>,
    /// Controls already in place: every control of the entity, ticked when linked (writers),
    /// or the linked ones (readers).
    existing: Vec<Choice>,
    /// How it comes about: the strategic path and the operational scenario.
    path: PathView,
}

fn rating_view(
    tr: Tr,
    matrix: &hygeia_domain::risks::matrix::RiskMatrix,
    stage: &str,
    stored: &StoredRating,
) -> RatingView {
    let lang = tr.code();
    let step = |steps: &[hygeia_domain::risks::matrix::Step], value: u8| {
        let label = steps
            .get(usize::from(value).wrapping_sub(1))
            .map(|s| s.label.get(lang).to_owned())
            .unwrap_or_default();
        format!("{value}. {label}")
    };
    RatingView {
        stage: tr.label("risks.stage", stage),
        likelihood: step(&matrix.likelihood, stored.rating.likelihood),
        likelihood_justification: stored.rating.likelihood_justification.clone(),
        impacts: stored
            .rating
            .impacts
            .iter()
            .map(|i| ImpactLine {
                dimension: tr.label("risks.dimension", i.dimension.as_str()),
                value: step(&matrix.impact, i.value),
                justification: i.justification.clone(),
            })
            .collect(),
        level: badge(tr, matrix, stored.level.as_deref()),
    }
}

pub async fn risk_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
    Query(query): Query<RiskPageQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: hygeia_store::StoreError| PageError::new(tr, e.into());
    auth.principal
        .require(Permission::RiskRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let risk = state
        .store
        .risk(&auth.principal.scope, &id)
        .await
        .map_err(fail)?;
    let (_, matrix) = state.store.risk_matrix().await.map_err(fail)?;
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(|e| PageError::new(tr, e))?;
    let title = format!("{} · {}", risk.reference, risk.title);
    let shell = Shell::new(
        &state,
        &auth,
        Area::Risks,
        title.clone(),
        vec![
            Crumb::link(tr.t("risks.title"), "/risks"),
            Crumb::here(risk.reference.clone()),
        ],
        Some(&risk.entity_id),
    )
    .await?;
    let ratings: Vec<RatingView> = [
        ("inherent", &risk.inherent),
        ("current", &risk.current),
        ("residual", &risk.residual),
    ]
    .into_iter()
    .filter_map(|(stage, stored)| stored.as_ref().map(|s| rating_view(tr, &matrix, stage, s)))
    .collect();
    let requirements = risk
        .requirements
        .iter()
        .map(|r| {
            let framework = catalog
                .framework(&r.framework_id)
                .map_or(r.framework_id.as_str(), |f| f.meta.name.get(tr.code()));
            let title = catalog
                .requirement(&r.framework_id, &r.requirement_id)
                .map(|q| q.title.get(tr.code()).to_owned())
                .unwrap_or_default();
            RequirementView {
                label: format!("{framework} {} — {title}", r.requirement_id),
                href: format!(
                    "/compliance/frameworks/{}/requirements/{}",
                    r.framework_id, r.requirement_id
                ),
            }
        })
        .collect();
    let can_write = auth.principal.require(Permission::RiskWrite).is_ok();
    let actions = state
        .store
        .risk_actions(&auth.principal.scope, &id)
        .await
        .map_err(fail)?;
    let (owners, controls) = if can_write {
        let owners = state
            .store
            .users_with_access(&risk.entity_id)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|m| Choice {
                label: format!("{} <{}>", m.display_name, m.email),
                value: m.email,
                selected: false,
            })
            .collect();
        let controls = state
            .store
            .list_controls(&risk.entity_id)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|c| Choice {
                value: c.id,
                label: c.name,
                selected: false,
            })
            .collect();
        (owners, controls)
    } else {
        (Vec::new(), Vec::new())
    };
    let asset_q = query.asset_q.trim().to_owned();
    let found = if can_write && !asset_q.is_empty() {
        let filter = AssetFilter {
            entity_id: Some(risk.entity_id.clone()),
            q: Some(asset_q.clone()),
            ..AssetFilter::default()
        };
        state
            .store
            .list_assets(
                &auth.principal.scope,
                &filter,
                PageRequest::new(Some(20), None),
            )
            .await
            .map_err(fail)?
            .items
            .into_iter()
            .filter(|a| !risk.assets.iter().any(|l| l.id == a.id))
            .map(|a| FoundAsset {
                label: asset_label(
                    &a.asset_key,
                    a.names.first().map(String::as_str),
                    a.vendor.as_deref(),
                    a.model.as_deref(),
                ),
                id: a.id,
            })
            .collect()
    } else {
        Vec::new()
    };
    let processes = if can_write {
        state
            .store
            .process_choices(&auth.principal.scope, &risk.entity_id)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|p| Choice {
                selected: risk.processes.iter().any(|l| l.id == p.id),
                label: format!("{} ({})", p.name, tr.label("processes.kind", &p.kind)),
                value: p.id,
            })
            .collect()
    } else {
        risk.processes
            .iter()
            .map(|p| Choice {
                selected: true,
                label: format!("{} ({})", p.name, tr.label("processes.kind", &p.kind)),
                value: p.id.clone(),
            })
            .collect()
    };
    let plan_summary = tr.tf(
        "risks.plan_summary",
        &[
            ("done", &risk.plan.done.to_string()),
            ("actions", &risk.plan.actions.to_string()),
            ("overdue", &risk.plan.overdue.to_string()),
        ],
    );
    let existing = if can_write {
        controls
            .iter()
            .map(|c| Choice {
                selected: risk.controls.iter().any(|l| l.id == c.value),
                value: c.value.clone(),
                label: c.label.clone(),
            })
            .collect()
    } else {
        risk.controls
            .iter()
            .map(|c| Choice {
                selected: true,
                value: c.id.clone(),
                label: c.name.clone(),
            })
            .collect()
    };
    let path = path_view(
        &state,
        tr,
        &auth.principal.scope,
        &risk,
        &query.supplier_q,
        can_write,
    )
    .await
    .map_err(fail)?;
    let page = RiskPage {
        path,
        existing,
        zones: hygeia_store::risks::zones_of(&risk.assets),
        processes,
        id: risk.id.clone(),
        can_write,
        actions,
        plan_summary,
        owners,
        controls,
        assets: risk.assets.clone(),
        asset_q,
        found,
        reference: risk.reference.clone(),
        title: risk.title.clone(),
        description: risk.description.clone(),
        kind: tr.label("risks.kind", &risk.kind),
        origin: risk.origin.clone().unwrap_or_default(),
        objective: risk.objective.clone().unwrap_or_default(),
        owner: risk.owner.clone().unwrap_or_default(),
        to_rate: ratings.is_empty(),
        ratings,
        treatment: risk
            .treatment
            .as_deref()
            .map(|t| tr.label("risks.treatment", t))
            .unwrap_or_else(|| tr.t("risks.undecided").to_owned()),
        acceptance: match (
            &risk.accepted_by,
            &risk.accepted_until,
            &risk.acceptance_reason,
        ) {
            (Some(by), Some(until), Some(reason)) => Some((
                by.clone(),
                until.clone(),
                reason.clone(),
                match risk.acceptance_state {
                    Some(hygeia_domain::risks::treatment::AcceptanceState::Expired) => {
                        tr.t("risks.acceptance_expired").to_owned()
                    }
                    Some(hygeia_domain::risks::treatment::AcceptanceState::EndingSoon {
                        days_left,
                    }) => tr.tf(
                        "risks.acceptance_ending",
                        &[("days", &days_left.to_string())],
                    ),
                    _ => String::new(),
                },
            )),
            _ => None,
        },
        next_review_on: risk.next_review_on.clone(),
        review_due: risk.review_due,
        requirements,
        shell,
    };
    render(tr, &page)
}
