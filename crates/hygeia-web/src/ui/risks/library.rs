//! The scenario library (`/risks/library`): the shipped scenarios for hospitals,
//! laboratories, drug and device makers, each taken for an entity in one click as a risk
//! still to rate, with the requirements it relates to.

use askama::Template;
use axum::extract::{Path, State};
use hygeia_domain::access::Permission;

use crate::AppState;
use crate::api::risks::scenarios::{library, risk_of};
use crate::ui::{
    Area, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, redirect, render, tr_of,
};

/// One scenario as the library shows it.
pub struct ScenarioView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub origin: String,
    pub objective: String,
    pub sectors: String,
    pub impacts: String,
    pub measures: Vec<String>,
}

#[derive(Template)]
#[template(path = "risk_library.html")]
struct LibraryPage {
    shell: Shell,
    scenarios: Vec<ScenarioView>,
    can_take: bool,
}

pub async fn library_page(State(state): State<AppState>, PageAuth(auth): PageAuth) -> PageResult {
    let tr = tr_of(&auth);
    auth.principal
        .require(Permission::RiskRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let lang = tr.code();
    let scenarios = library(&state)
        .await
        .map_err(|e| PageError::new(tr, e))?
        .iter()
        .map(|s| ScenarioView {
            id: s.id.clone(),
            title: s.title.get(lang).to_owned(),
            description: s.description.get(lang).to_owned(),
            origin: s.origin.get(lang).to_owned(),
            objective: s.objective.get(lang).to_owned(),
            sectors: s
                .sectors
                .iter()
                .map(|sector| tr.label("risks.sector", sector.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
            impacts: s
                .impacts
                .iter()
                .map(|d| tr.label("risks.dimension", d.as_str()))
                .collect::<Vec<_>>()
                .join(", "),
            measures: s.measures.iter().map(|m| m.get(lang).to_owned()).collect(),
        })
        .collect();
    let title = tr.t("risks.library").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Risks,
        title.clone(),
        vec![
            Crumb::link(tr.t("risks.title"), "/risks"),
            Crumb::here(title),
        ],
        None,
    )
    .await?;
    let page = LibraryPage {
        can_take: auth.principal.require(Permission::RiskWrite).is_ok(),
        scenarios,
        shell,
    };
    render(tr, &page)
}

/// Takes a scenario for the entity chosen in its form, then opens the new risk.
pub async fn take(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: crate::error::ApiError| PageError::new(tr, e);
    auth.principal
        .require(Permission::RiskWrite)
        .map_err(|e| fail(e.into()))?;
    let entity = fields.text("entity");
    let scenarios = library(&state).await.map_err(fail)?;
    let scenario = scenarios.iter().find(|s| s.id == id).ok_or_else(|| {
        fail(
            hygeia_store::StoreError::NotFound {
                what: "risk scenario",
                id: id.clone(),
            }
            .into(),
        )
    })?;
    let (input, links) = risk_of(scenario, tr.code());
    let risk = crate::api::risks::add_risk(&state, &auth, &entity, &input, &links)
        .await
        .map_err(fail)?;
    Ok(redirect(&format!("/risks/{}", risk.id)))
}
