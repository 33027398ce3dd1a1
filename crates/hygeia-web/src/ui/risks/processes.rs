//! What is at stake (`/risks/processes`): the business processes and information of the
//! entities with their needs and recovery objectives, each with the assets and sites that
//! support it and the risks that threaten it; written and linked from the same pages.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::risks::processes::{NEED_SCALE, ProcessInput, StakeKind};
use hygeia_store::PageRequest;
use hygeia_store::monitoring::AssetFilter;
use hygeia_store::risks::{Process, ProcessSummary};
use serde::Deserialize;

use super::detail::{FoundAsset, asset_label};
use super::{LevelBadge, badge};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::assessments::{entity_names, refused, render_status, see_other};
use crate::ui::forms::Fields;
use crate::ui::i18n::Tr;
use crate::ui::{
    Area, Choice, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, tr_of, url_encode,
};

/// A process of the list.
pub struct ProcessLine {
    pub href: String,
    pub name: String,
    pub entity: String,
    pub kind: String,
    pub criticality: String,
    pub objectives: String,
    pub assets: i64,
    pub risks: i64,
    pub worst: Option<LevelBadge>,
}

/// The values of the process form.
#[derive(Default)]
pub struct ProcessForm {
    pub name: String,
    pub description: String,
    pub owner: String,
    pub kinds: Vec<Choice>,
    pub needs: Vec<(String, String, Vec<Choice>)>,
    pub patient_safety: bool,
    pub product_quality: bool,
    pub rto_hours: String,
    pub rpo_hours: String,
    pub version: String,
}

#[derive(Template)]
#[template(path = "processes.html")]
struct ProcessesPage {
    shell: Shell,
    lines: Vec<ProcessLine>,
    /// Only one site's processes are listed.
    site_chosen: bool,
    can_write: bool,
    entities: Vec<Choice>,
    form: ProcessForm,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "process.html")]
struct ProcessPage {
    shell: Shell,
    process: Process,
    entity: String,
    kind: String,
    criticality: String,
    needs: Vec<(String, String)>,
    risks: Vec<(String, String, Option<LevelBadge>)>,
    can_write: bool,
    form: ProcessForm,
    error: Option<String>,
    sites: Vec<Choice>,
    asset_q: String,
    found: Vec<FoundAsset>,
    /// Zones of the entity's policy its assets sit in.
    zones: Vec<String>,
}

const NEEDS: [&str; 3] = ["confidentiality", "integrity", "availability"];

fn need_label(tr: Tr, value: i64) -> String {
    tr.label("processes.need", &value.to_string())
}

fn objectives(tr: Tr, rto: Option<i64>, rpo: Option<i64>) -> String {
    let hours = |h: Option<i64>| h.map_or_else(|| "—".to_owned(), |h| format!("{h} h"));
    tr.tf(
        "processes.objectives_short",
        &[("rto", &hours(rto)), ("rpo", &hours(rpo))],
    )
}

/// The form as typed (`fields`) or as stored (`process`), or empty.
fn form_of(tr: Tr, fields: Option<&Fields>, process: Option<&Process>) -> ProcessForm {
    let text = |name: &str, stored: Option<String>| match fields {
        Some(f) => f.text(name),
        None => stored.unwrap_or_default(),
    };
    let kind = text("kind", process.map(|p| p.kind.clone()));
    let stored_need = |need: &str| {
        process.map(|p| match need {
            "confidentiality" => p.confidentiality,
            "integrity" => p.integrity,
            _ => p.availability,
        })
    };
    ProcessForm {
        name: text("name", process.map(|p| p.name.clone())),
        description: text("description", process.map(|p| p.description.clone())),
        owner: text("owner", process.and_then(|p| p.owner.clone())),
        kinds: StakeKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.as_str().to_owned(),
                label: tr.label("processes.kind", k.as_str()),
                selected: kind == k.as_str(),
            })
            .collect(),
        needs: NEEDS
            .iter()
            .map(|need| {
                let chosen = text(need, stored_need(need).map(|v| v.to_string()));
                let choices = (NEED_SCALE.0..=NEED_SCALE.1)
                    .map(|v| Choice {
                        value: v.to_string(),
                        label: format!("{v}. {}", need_label(tr, i64::from(v))),
                        selected: chosen == v.to_string(),
                    })
                    .collect();
                (
                    (*need).to_owned(),
                    tr.label("processes.needs", need),
                    choices,
                )
            })
            .collect(),
        patient_safety: match fields {
            Some(f) => f.get("patient_safety").is_some(),
            None => process.is_some_and(|p| p.patient_safety),
        },
        product_quality: match fields {
            Some(f) => f.get("product_quality").is_some(),
            None => process.is_some_and(|p| p.product_quality),
        },
        rto_hours: text(
            "rto_hours",
            process.and_then(|p| p.rto_hours).map(|h| h.to_string()),
        ),
        rpo_hours: text(
            "rpo_hours",
            process.and_then(|p| p.rpo_hours).map(|h| h.to_string()),
        ),
        version: text("version", process.map(|p| p.version.to_string())),
    }
}

fn input_of(fields: &Fields) -> ProcessInput {
    let optional = |name: &str| Some(fields.text(name)).filter(|t| !t.is_empty());
    let need = |name: &str| fields.text(name).parse().unwrap_or(0);
    ProcessInput {
        name: fields.text("name"),
        kind: optional("kind"),
        description: fields.text("description"),
        owner: optional("owner"),
        confidentiality: need("confidentiality"),
        integrity: need("integrity"),
        availability: need("availability"),
        patient_safety: fields.get("patient_safety").is_some(),
        product_quality: fields.get("product_quality").is_some(),
        rto_hours: optional("rto_hours").and_then(|h| h.parse().ok()),
        rpo_hours: optional("rpo_hours").and_then(|h| h.parse().ok()),
        version: optional("version").and_then(|v| v.parse().ok()),
    }
}

fn require(auth: &Auth, permission: Permission) -> Result<(), PageError> {
    auth.principal
        .require(permission)
        .map_err(|e| PageError::new(tr_of(auth), e.into()))
}

#[derive(Debug, Default, Deserialize)]
pub struct ProcessesQuery {
    #[serde(default)]
    entity: String,
    /// Only the processes run at this site (the site page links here).
    #[serde(default)]
    site: String,
}

pub async fn processes_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<ProcessesQuery>,
) -> PageResult {
    let wanted = Wanted {
        entity: Some(query.entity).filter(|e| !e.is_empty()),
        site: Some(query.site).filter(|s| !s.is_empty()),
    };
    list(&state, &auth, wanted, None).await
}

/// What the list shows: one entity, one site, or everything in scope.
#[derive(Default)]
struct Wanted {
    entity: Option<String>,
    site: Option<String>,
}

async fn list(
    state: &AppState,
    auth: &Auth,
    wanted: Wanted,
    failed: Option<(&Fields, String)>,
) -> PageResult {
    let tr = tr_of(auth);
    require(auth, Permission::RiskRead)?;
    let fail = |e: ApiError| PageError::new(tr, e);
    let scope = &auth.principal.scope;
    let entity = wanted.entity.filter(|e| scope.contains(e));
    let processes: Vec<ProcessSummary> = state
        .store
        .list_processes_at(scope, entity.as_deref(), wanted.site.as_deref())
        .await
        .map_err(|e| fail(e.into()))?;
    let (_, matrix) = state
        .store
        .risk_matrix()
        .await
        .map_err(|e| fail(e.into()))?;
    let names = entity_names(state, auth).await?;
    let lines = processes
        .iter()
        .map(|p| ProcessLine {
            href: format!("/risks/processes/{}", p.id),
            name: p.name.clone(),
            entity: names.get(&p.entity_id).cloned().unwrap_or_default(),
            kind: tr.label("processes.kind", &p.kind),
            criticality: format!("{}. {}", p.criticality, need_label(tr, p.criticality)),
            objectives: objectives(tr, p.rto_hours, p.rpo_hours),
            assets: p.assets,
            risks: p.risks,
            worst: badge(tr, &matrix, p.worst_level.as_deref()),
        })
        .collect();
    let chosen = failed
        .as_ref()
        .map(|(f, _)| f.text("entity_id"))
        .or_else(|| entity.clone())
        .unwrap_or_default();
    let entities = names
        .iter()
        .map(|(id, name)| Choice {
            selected: *id == chosen,
            value: id.clone(),
            label: name.clone(),
        })
        .collect();
    let title = tr.t("processes.title").to_owned();
    let shell = Shell::new(
        state,
        auth,
        Area::Risks,
        title.clone(),
        vec![
            Crumb::link(tr.t("risks.title"), "/risks"),
            Crumb::here(title),
        ],
        entity.as_deref(),
    )
    .await?;
    let mut form = form_of(tr, failed.as_ref().map(|(f, _)| *f), None);
    if failed.is_none() {
        // A new process starts at moderate needs.
        for (_, _, choices) in &mut form.needs {
            for c in choices.iter_mut() {
                c.selected = c.value == "2";
            }
        }
        if let Some(first) = form.kinds.first_mut() {
            first.selected = true;
        }
    }
    let page = ProcessesPage {
        site_chosen: wanted.site.is_some(),
        shell,
        lines,
        can_write: auth.principal.require(Permission::RiskWrite).is_ok(),
        entities,
        form,
        error: failed.map(|(_, e)| e),
    };
    let code = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_status(tr, code, &page)
}

pub async fn create_process(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::RiskWrite)?;
    let tr = tr_of(&auth);
    let entity_id = fields.text("entity_id");
    match state
        .store
        .create_process(
            &auth.actor,
            &auth.principal.scope,
            &entity_id,
            &input_of(&fields),
        )
        .await
    {
        Ok(p) => Ok(see_other(&format!("/risks/processes/{}", p.id))),
        Err(e) => {
            let message = refused(tr, &ApiError::from(e));
            list(&state, &auth, Wanted::default(), Some((&fields, message))).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ProcessPageQuery {
    #[serde(default)]
    asset_q: String,
}

pub async fn process_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
    Query(query): Query<ProcessPageQuery>,
) -> PageResult {
    show(&state, &auth, &id, query.asset_q.trim(), None).await
}

async fn show(
    state: &AppState,
    auth: &Auth,
    id: &str,
    asset_q: &str,
    failed: Option<(&Fields, String)>,
) -> PageResult {
    let tr = tr_of(auth);
    require(auth, Permission::RiskRead)?;
    let fail = |e: ApiError| PageError::new(tr, e);
    let process = state
        .store
        .process(&auth.principal.scope, id)
        .await
        .map_err(|e| fail(e.into()))?;
    let (_, matrix) = state
        .store
        .risk_matrix()
        .await
        .map_err(|e| fail(e.into()))?;
    let can_write = auth.principal.require(Permission::RiskWrite).is_ok();
    let entity = entity_names(state, auth)
        .await?
        .remove(&process.entity_id)
        .unwrap_or_default();
    let sites = if can_write {
        state
            .store
            .list_sites(&process.entity_id)
            .await
            .map_err(|e| fail(e.into()))?
            .into_iter()
            .map(|s| Choice {
                selected: process.sites.iter().any(|p| p.id == s.id),
                value: s.id,
                label: s.name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let found = if can_write && !asset_q.is_empty() {
        let filter = AssetFilter {
            entity_id: Some(process.entity_id.clone()),
            q: Some(asset_q.to_owned()),
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
            .map_err(|e| fail(e.into()))?
            .items
            .into_iter()
            .filter(|a| !process.assets.iter().any(|l| l.id == a.id))
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
    let shell = Shell::new(
        state,
        auth,
        Area::Risks,
        process.name.clone(),
        vec![
            Crumb::link(tr.t("risks.title"), "/risks"),
            Crumb::link(tr.t("processes.title"), "/risks/processes"),
            Crumb::here(process.name.clone()),
        ],
        Some(&process.entity_id),
    )
    .await?;
    let page = ProcessPage {
        entity,
        kind: tr.label("processes.kind", &process.kind),
        criticality: format!(
            "{}. {}",
            process.criticality,
            need_label(tr, process.criticality)
        ),
        needs: NEEDS
            .iter()
            .map(|need| {
                let value = match *need {
                    "confidentiality" => process.confidentiality,
                    "integrity" => process.integrity,
                    _ => process.availability,
                };
                (
                    tr.label("processes.needs", need),
                    format!("{value}. {}", need_label(tr, value)),
                )
            })
            .collect(),
        risks: process
            .risks
            .iter()
            .map(|r| {
                (
                    format!("/risks/{}", r.id),
                    format!("{} — {}", r.reference, r.title),
                    badge(tr, &matrix, r.level.as_deref()),
                )
            })
            .collect(),
        can_write,
        form: form_of(tr, failed.as_ref().map(|(f, _)| *f), Some(&process)),
        error: failed.map(|(_, e)| e),
        sites,
        asset_q: asset_q.to_owned(),
        found,
        zones: hygeia_store::risks::zones_of(&process.assets),
        process,
        shell,
    };
    let code = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_status(tr, code, &page)
}

pub async fn update_process(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::RiskWrite)?;
    let tr = tr_of(&auth);
    match state
        .store
        .update_process(&auth.actor, &auth.principal.scope, &id, &input_of(&fields))
        .await
    {
        Ok(p) => Ok(see_other(&format!("/risks/processes/{}", p.id))),
        Err(e) => {
            let message = refused(tr, &ApiError::from(e));
            show(&state, &auth, &id, "", Some((&fields, message))).await
        }
    }
}

pub async fn set_links(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::RiskWrite)?;
    let tr = tr_of(&auth);
    state
        .store
        .set_process_links(
            &auth.actor,
            &auth.principal.scope,
            &id,
            &fields.all("asset_ids"),
            &fields.all("site_ids"),
        )
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    Ok(see_other(&format!(
        "/risks/processes/{}#links",
        url_encode(&id)
    )))
}

/// Replaces the processes a risk threatens with those ticked on the risk page.
pub async fn set_risk_processes(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::RiskWrite)?;
    let tr = tr_of(&auth);
    state
        .store
        .set_risk_processes(
            &auth.actor,
            &auth.principal.scope,
            &id,
            &fields.all("process_ids"),
        )
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    Ok(see_other(&format!("/risks/{}#processes", url_encode(&id))))
}
