//! Maintenance windows of an entity (`/vulnerabilities/windows`): the production stops,
//! validation campaigns and maintenance slots that fixes wait for, with how many plans wait for
//! each; a form to add one and a button to remove one no plan waits for. The plan of one match
//! is set on the match's page ([`super::detail`]).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::vulnerabilities::planning::{WindowInput, WindowKind};
use hygeia_store::PageRequest;
use serde::Deserialize;

use super::choices;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::assets::nonempty;
use crate::ui::{
    Area, Choice, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, redirect, render, tr_of,
};

#[derive(Debug, Default, Deserialize)]
pub struct WindowsQuery {
    #[serde(default)]
    entity: String,
}

/// One window as listed.
pub struct WindowRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub scope: String,
    pub days: String,
    pub notes: String,
    pub plans: String,
    pub removable: bool,
}

#[derive(Template)]
#[template(path = "maintenance_windows.html")]
struct WindowsPage {
    shell: Shell,
    entity: String,
    rows: Vec<WindowRow>,
    kinds: Vec<Choice>,
    scopes: Vec<Choice>,
    can_plan: bool,
    error: Option<String>,
    draft: WindowInput,
}

/// The entity the page is about: the one asked for, else the switcher's, else the first the
/// user may see.
async fn entity_of(state: &AppState, auth: &Auth, asked: &str) -> Result<String, ApiError> {
    if let Some(id) = nonempty(asked).filter(|id| auth.principal.scope.contains(id)) {
        return Ok(id);
    }
    let entities = state
        .store
        .list_entities(
            &auth.principal.organisation_id,
            &auth.principal.scope,
            &hygeia_store::EntityFilter::default(),
            PageRequest::new(Some(1), None),
        )
        .await?;
    entities
        .items
        .first()
        .map(|e| e.id.clone())
        .ok_or_else(|| ApiError::NotFound("no entity".into()))
}

pub async fn windows_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<WindowsQuery>,
) -> PageResult {
    show(&state, &auth, &query.entity, None).await
}

async fn show(
    state: &AppState,
    auth: &Auth,
    entity: &str,
    refused: Option<(WindowInput, String)>,
) -> PageResult {
    let tr = tr_of(auth);
    let fail = |e: hygeia_store::StoreError| PageError::new(tr, e.into());
    auth.principal
        .require(Permission::AssetRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let entity = entity_of(state, auth, entity)
        .await
        .map_err(|e| PageError::new(tr, e))?;
    let scope = &auth.principal.scope;
    let windows = state
        .store
        .list_windows(scope, &entity)
        .await
        .map_err(fail)?;
    let waiting_for = state
        .store
        .plans_per_window(scope, &entity)
        .await
        .map_err(fail)?;
    let mut rows = Vec::new();
    for w in &windows {
        let waiting = waiting_for.get(&w.id).copied().unwrap_or(0);
        rows.push(WindowRow {
            id: w.id.clone(),
            name: w.name.clone(),
            kind: tr.label("vulnerabilities.window_kind", &w.kind),
            scope: if w.scope.is_empty() {
                tr.t("vulnerabilities.whole_entity").to_owned()
            } else {
                w.scope.clone()
            },
            days: format!("{} → {}", w.starts_on, w.ends_on),
            notes: w.notes.clone().unwrap_or_default(),
            plans: tr.num(waiting),
            removable: waiting == 0,
        });
    }
    let mut scopes = vec![Choice {
        value: String::new(),
        label: tr.t("vulnerabilities.whole_entity").to_owned(),
        selected: false,
    }];
    if let Some(policy) = state.store.zone_policy(&entity).await.map_err(fail)?
        && let Ok(parsed) = hygeia_monitor::ZonePolicy::from_toml(&policy.policy, "policy")
    {
        for zone in parsed.zones {
            scopes.push(Choice {
                value: format!("zone:{}", zone.name),
                label: tr.tf("vulnerabilities.zone_scope", &[("zone", &zone.name)]),
                selected: false,
            });
        }
    }
    for site in state.store.list_sites(&entity).await.map_err(fail)? {
        scopes.push(Choice {
            value: format!("site:{}", site.id),
            label: tr.tf("vulnerabilities.site_scope", &[("site", &site.name)]),
            selected: false,
        });
    }
    let (draft, error) = match refused {
        Some((draft, message)) => (draft, Some(message)),
        None => (WindowInput::default(), None),
    };
    for choice in &mut scopes {
        choice.selected = choice.value == draft.scope;
    }
    let kinds: Vec<&str> = WindowKind::ALL.iter().map(|k| k.as_str()).collect();
    let title = tr.t("vulnerabilities.windows").to_owned();
    let shell = Shell::new(
        state,
        auth,
        Area::Assets,
        title.clone(),
        vec![
            Crumb::link(tr.t("nav.assets"), "/assets"),
            Crumb::link(tr.t("vulnerabilities.title"), "/vulnerabilities"),
            Crumb::here(title),
        ],
        Some(&entity),
    )
    .await?;
    let page = WindowsPage {
        kinds: choices(tr, "vulnerabilities.window_kind", &kinds, &draft.kind),
        scopes,
        can_plan: auth
            .principal
            .require(Permission::VulnerabilityTriage)
            .is_ok(),
        error,
        draft,
        entity,
        rows,
        shell,
    };
    render(tr, &page)
}

/// Adds a window from the page's form; a refusal shows the page with what was typed (400).
pub async fn create(State(state): State<AppState>, PageForm(auth, fields): PageForm) -> PageResult {
    let tr = tr_of(&auth);
    let entity = fields.text("entity");
    let input = WindowInput {
        name: fields.text("name"),
        kind: fields.text("kind"),
        scope: fields.text("scope"),
        starts_on: fields.text("starts_on"),
        ends_on: fields.text("ends_on"),
        notes: Some(fields.text("notes")),
    };
    auth.principal
        .require(Permission::VulnerabilityTriage)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let checked = input
        .check()
        .map_err(|e| ApiError::from(hygeia_store::StoreError::Invalid(e)));
    let stored = match checked {
        Ok(window) => state
            .store
            .create_window(&auth.actor, &auth.principal.scope, &entity, &window)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match stored {
        Ok(_) => Ok(redirect(&format!(
            "/vulnerabilities/windows?entity={}",
            crate::ui::url_encode(&entity)
        ))),
        Err(e @ (ApiError::NotFound(_) | ApiError::Forbidden(_))) => Err(PageError::new(tr, e)),
        Err(e) => {
            let message = refusal(tr, &e);
            let mut page = show(&state, &auth, &entity, Some((input, message))).await?;
            *page.status_mut() = StatusCode::BAD_REQUEST;
            Ok(page)
        }
    }
}

/// Removes a window no plan waits for.
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, _fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    auth.principal
        .require(Permission::VulnerabilityTriage)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let window = state
        .store
        .window(&auth.principal.scope, &id)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    match state
        .store
        .delete_window(&auth.actor, &auth.principal.scope, &id)
        .await
    {
        Ok(()) => Ok(redirect(&format!(
            "/vulnerabilities/windows?entity={}",
            crate::ui::url_encode(&window.entity_id)
        ))),
        Err(e) => {
            let message = refusal(tr, &ApiError::from(e));
            let mut page = show(
                &state,
                &auth,
                &window.entity_id,
                Some((WindowInput::default(), message)),
            )
            .await?;
            *page.status_mut() = StatusCode::BAD_REQUEST;
            Ok(page)
        }
    }
}

fn refusal(tr: crate::ui::i18n::Tr, error: &ApiError) -> String {
    match error {
        ApiError::BadRequest { errors, .. } if !errors.is_empty() => format!(
            "{} {}",
            tr.t("vulnerabilities.window_refused"),
            crate::ui::validation::summary(tr, errors)
        ),
        other => format!("{} {other}", tr.t("vulnerabilities.window_refused")),
    }
}
