//! Controls of the visible entities: the list, creating one and the edit form. Requirements a
//! control serves are written one per line as `framework requirement` (`iso27001-2022 a.5.1`).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_store::assessments::{Control, ControlInput, RequirementRef};

use super::assessments::{entity_names, fail, refused, render_status, see_other};
use super::forms::Fields;
use super::{Area, Choice, Crumb, PageAuth, PageForm, PageResult, Shell, tr_of};
use crate::AppState;
use crate::api::assessments::entity_in_scope;
use crate::auth::Auth;
use crate::error::ApiError;

const STATUSES: [&str; 4] = ["planned", "in_progress", "implemented", "retired"];

pub struct ControlLine {
    pub id: String,
    pub name: String,
    pub entity: String,
    pub owner: String,
    pub status: String,
    pub next_review: String,
    pub requirements: String,
}

#[derive(Default)]
pub struct ControlForm {
    pub name: String,
    pub description: String,
    pub owner: String,
    pub implemented_on: String,
    pub next_review_on: String,
    pub requirements: String,
    pub version: String,
}

#[derive(Template)]
#[template(path = "controls.html")]
struct ControlsPage {
    shell: Shell,
    lines: Vec<ControlLine>,
    can_edit: bool,
    entities: Vec<Choice>,
    statuses: Vec<Choice>,
    form: ControlForm,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "control.html")]
struct ControlPage {
    shell: Shell,
    id: String,
    entity: String,
    can_edit: bool,
    statuses: Vec<Choice>,
    form: ControlForm,
    error: Option<String>,
}

fn status_choices(tr: super::i18n::Tr, current: &str) -> Vec<Choice> {
    STATUSES
        .iter()
        .map(|s| Choice {
            value: (*s).to_owned(),
            label: tr.t(&format!("controls.status.{s}")).to_owned(),
            selected: *s == current,
        })
        .collect()
}

fn requirements_text(control: &Control) -> String {
    control
        .requirements
        .iter()
        .map(|r| format!("{} {}", r.framework_id, r.requirement_id))
        .collect::<Vec<_>>()
        .join("\n")
}

fn form_of(control: &Control) -> ControlForm {
    ControlForm {
        name: control.name.clone(),
        description: control.description.clone(),
        owner: control.owner.clone().unwrap_or_default(),
        implemented_on: control.implemented_on.clone().unwrap_or_default(),
        next_review_on: control.next_review_on.clone().unwrap_or_default(),
        requirements: requirements_text(control),
        version: control.version.to_string(),
    }
}

fn form_from(fields: &Fields) -> ControlForm {
    ControlForm {
        name: fields.text("name"),
        description: fields.text("description"),
        owner: fields.text("owner"),
        implemented_on: fields.text("implemented_on"),
        next_review_on: fields.text("next_review_on"),
        requirements: fields.text("requirements"),
        version: fields.text("version"),
    }
}

fn input_of(fields: &Fields) -> ControlInput {
    let optional = |name: &str| Some(fields.text(name)).filter(|t| !t.is_empty());
    ControlInput {
        name: fields.text("name"),
        description: fields.text("description"),
        owner: optional("owner"),
        status: fields.text("status"),
        implemented_on: optional("implemented_on"),
        next_review_on: optional("next_review_on"),
        requirements: fields
            .text("requirements")
            .lines()
            .filter_map(|line| {
                let mut words = line.split_whitespace();
                Some(RequirementRef {
                    framework_id: words.next()?.to_owned(),
                    requirement_id: words.next()?.to_owned(),
                })
            })
            .collect(),
        version: fields.text("version").parse().ok(),
    }
}

pub async fn controls_page(State(state): State<AppState>, PageAuth(auth): PageAuth) -> PageResult {
    list(&state, &auth, None).await
}

async fn list(state: &AppState, auth: &Auth, failed: Option<(&Fields, String)>) -> PageResult {
    let tr = tr_of(auth);
    auth.principal
        .require(Permission::ComplianceRead)
        .map_err(|e| fail(tr)(e.into()))?;
    let names = entity_names(state, auth).await?;
    let mut lines = Vec::new();
    for (entity_id, entity_name) in &names {
        for c in state
            .store
            .list_controls(entity_id)
            .await
            .map_err(|e| fail(tr)(e.into()))?
        {
            lines.push(ControlLine {
                entity: entity_name.clone(),
                owner: c.owner.clone().unwrap_or_default(),
                status: tr.t(&format!("controls.status.{}", c.status)).to_owned(),
                next_review: c
                    .next_review_on
                    .as_deref()
                    .map(|d| tr.date(d))
                    .unwrap_or_default(),
                requirements: tr.unum(c.requirements.len() as u64),
                id: c.id,
                name: c.name,
            });
        }
    }
    let chosen = failed
        .as_ref()
        .map(|(f, _)| f.text("entity_id"))
        .unwrap_or_default();
    let entities = names
        .iter()
        .map(|(id, name)| Choice {
            selected: *id == chosen,
            value: id.clone(),
            label: name.clone(),
        })
        .collect();
    let status = failed
        .as_ref()
        .map_or_else(|| "planned".to_owned(), |(f, _)| f.text("status"));
    let title = tr.t("controls.title").to_owned();
    let shell = Shell::new(
        state,
        auth,
        Area::Compliance,
        title.clone(),
        vec![
            Crumb::link(tr.t("nav.compliance"), "/compliance"),
            Crumb::here(title),
        ],
        None,
    )
    .await?;
    let page = ControlsPage {
        shell,
        lines,
        can_edit: auth.principal.require(Permission::ComplianceEdit).is_ok(),
        entities,
        statuses: status_choices(tr, &status),
        form: failed
            .as_ref()
            .map(|(f, _)| form_from(f))
            .unwrap_or_default(),
        error: failed.as_ref().map(|(_, e)| e.clone()),
    };
    let code = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_status(tr, code, &page)
}

pub async fn create_control(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let entity_id = fields.text("entity_id");
    entity_in_scope(&state, &auth, &entity_id, Permission::ComplianceEdit)
        .await
        .map_err(fail(tr))?;
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    match state
        .store
        .create_control(&auth.actor, &entity_id, &input_of(&fields), &catalog)
        .await
    {
        Ok(c) => Ok(see_other(&format!("/compliance/controls/{}", c.id))),
        Err(e) => {
            let message = refused(tr, &ApiError::from(e));
            list(&state, &auth, Some((&fields, message))).await
        }
    }
}

async fn control_for(
    state: &AppState,
    auth: &Auth,
    id: &str,
    permission: Permission,
) -> Result<Control, super::PageError> {
    let tr = tr_of(auth);
    auth.principal
        .require(permission)
        .map_err(|e| fail(tr)(e.into()))?;
    let control = state
        .store
        .control(&auth.principal.scope, id)
        .await
        .map_err(|e| fail(tr)(e.into()))?;
    entity_in_scope(state, auth, &control.entity_id, permission)
        .await
        .map_err(fail(tr))?;
    Ok(control)
}

async fn show(
    state: &AppState,
    auth: &Auth,
    control: &Control,
    failed: Option<(&Fields, String)>,
) -> PageResult {
    let tr = tr_of(auth);
    let entity = entity_names(state, auth)
        .await?
        .remove(&control.entity_id)
        .unwrap_or_default();
    let shell = Shell::new(
        state,
        auth,
        Area::Compliance,
        control.name.clone(),
        vec![
            Crumb::link(tr.t("nav.compliance"), "/compliance"),
            Crumb::link(tr.t("controls.title"), "/compliance/controls"),
            Crumb::here(control.name.clone()),
        ],
        Some(&control.entity_id),
    )
    .await?;
    let status = failed
        .as_ref()
        .map_or_else(|| control.status.clone(), |(f, _)| f.text("status"));
    let page = ControlPage {
        shell,
        id: control.id.clone(),
        entity,
        can_edit: auth.principal.require(Permission::ComplianceEdit).is_ok(),
        statuses: status_choices(tr, &status),
        form: failed
            .as_ref()
            .map_or_else(|| form_of(control), |(f, _)| form_from(f)),
        error: failed.as_ref().map(|(_, e)| e.clone()),
    };
    let code = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_status(tr, code, &page)
}

pub async fn control_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    let control = control_for(&state, &auth, &id, Permission::ComplianceRead).await?;
    show(&state, &auth, &control, None).await
}

pub async fn update_control(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let control = control_for(&state, &auth, &id, Permission::ComplianceEdit).await?;
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    match state
        .store
        .update_control(
            &auth.actor,
            &auth.principal.scope,
            &id,
            &input_of(&fields),
            &catalog,
        )
        .await
    {
        Ok(c) => Ok(see_other(&format!("/compliance/controls/{}", c.id))),
        Err(e) => {
            let message = refused(tr, &ApiError::from(e));
            show(&state, &auth, &control, Some((&fields, message))).await
        }
    }
}
