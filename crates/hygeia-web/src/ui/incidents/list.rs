//! The incident register: filters, pages, exports, and declaring an incident.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::clock::zone_of_country;
use hygeia_domain::incidents::{IncidentStatus, Severity};
use hygeia_store::incidents::IncidentFilter;
use hygeia_store::{EntityFilter, PageRequest};
use serde::Deserialize;

use super::{IncidentForm, Shown, code_choices, form_from, input_from, remaining, shown};
use crate::AppState;
use crate::api::incidents::register;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::assessments::{fail, refused, render_status, see_other};
use crate::ui::forms::Fields;
use crate::ui::{Area, Choice, Crumb, PageAuth, PageForm, PageResult, Shell, tr_of};

const PAGE_SIZE: i64 = 50;

pub struct IncidentRow {
    pub id: String,
    pub reference: String,
    pub title: String,
    pub entity: String,
    pub status: String,
    pub status_code: String,
    pub severity: String,
    pub severity_code: String,
    pub aware: Shown,
    pub next: Option<Shown>,
    pub remaining: String,
    pub overdue: bool,
}
#[derive(Template)]
#[template(path = "incidents.html")]
struct IncidentsPage {
    shell: Shell,
    rows: Vec<IncidentRow>,
    total: String,
    filter_entities: Vec<Choice>,
    filter_statuses: Vec<Choice>,
    overdue: bool,
    q: String,
    previous: Option<String>,
    next: Option<String>,
    export_query: String,
    can_write: bool,
    entities: Vec<Choice>,
    severities: Vec<Choice>,
    form: IncidentForm,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub entity_id: Option<String>,
    pub status: Option<String>,
    pub overdue: Option<String>,
    pub q: Option<String>,
    pub page: Option<i64>,
}
pub async fn incidents_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<ListQuery>,
) -> PageResult {
    list(&state, &auth, &query, None).await
}

async fn list(
    state: &AppState,
    auth: &Auth,
    query: &ListQuery,
    failed: Option<(&Fields, String)>,
) -> PageResult {
    let tr = tr_of(auth);
    auth.principal
        .require(Permission::IncidentRead)
        .map_err(|e| fail(tr)(e.into()))?;
    let entities = state
        .store
        .list_entities(
            &auth.principal.organisation_id,
            &auth.principal.scope,
            &EntityFilter::default(),
            PageRequest::new(Some(500), None),
        )
        .await
        .map_err(|e| fail(tr)(e.into()))?
        .items;
    let filter = IncidentFilter {
        entity_id: query.entity_id.clone().filter(|e| !e.is_empty()),
        status: query.status.clone().filter(|s| !s.is_empty()),
        overdue: matches!(query.overdue.as_deref(), Some("1" | "true")),
        q: query.q.clone().filter(|q| !q.trim().is_empty()),
    };
    register::check_filter(&filter).map_err(fail(tr))?;
    let page_no = query.page.unwrap_or(1).max(1);
    let page = state
        .store
        .incidents(
            &auth.principal.scope,
            &filter,
            PageRequest::new(Some(PAGE_SIZE), Some((page_no - 1) * PAGE_SIZE)),
        )
        .await
        .map_err(|e| fail(tr)(e.into()))?;
    let now = state.store.clock().now();
    let now_text = hygeia_domain::clock::format_instant(now);
    let rows = page
        .items
        .into_iter()
        .map(|i| {
            let entity = entities.iter().find(|e| e.id == i.entity_id);
            let zone = super::viewer_zone(
                auth,
                entity.map_or(chrono_tz::UTC, |e| zone_of_country(&e.country)),
            );
            IncidentRow {
                entity: entity.map(|e| e.name.clone()).unwrap_or_default(),
                status: tr.label("incident_status", &i.status),
                severity: tr.label("incident_severity", &i.severity),
                aware: shown(tr, zone, &i.aware_at),
                next: i.next_due_at.as_deref().map(|d| shown(tr, zone, d)),
                remaining: i
                    .next_due_at
                    .as_deref()
                    .map(|d| remaining(tr, d, now))
                    .unwrap_or_default(),
                overdue: i
                    .next_due_at
                    .as_deref()
                    .is_some_and(|d| d < now_text.as_str()),
                status_code: i.status,
                severity_code: i.severity,
                id: i.id,
                reference: i.reference,
                title: i.title,
            }
        })
        .collect();
    let mut base = Vec::new();
    for (key, value) in [
        ("entity_id", filter.entity_id.clone()),
        ("status", filter.status.clone()),
        ("overdue", filter.overdue.then(|| "true".to_owned())),
        ("q", filter.q.clone()),
    ] {
        if let Some(v) = value {
            base.push(format!("{key}={}", crate::ui::url_encode(&v)));
        }
    }
    let link = |n: i64| {
        let mut parts = base.clone();
        parts.push(format!("page={n}"));
        format!("/incidents?{}", parts.join("&"))
    };
    let chosen_entity = failed
        .as_ref()
        .map(|(f, _)| f.text("entity_id"))
        .or_else(|| filter.entity_id.clone())
        .unwrap_or_default();
    let mut filter_entities = vec![Choice {
        value: String::new(),
        label: tr.t("incidents.all_entities").to_owned(),
        selected: filter.entity_id.is_none(),
    }];
    filter_entities.extend(entities.iter().map(|e| Choice {
        value: e.id.clone(),
        label: e.name.clone(),
        selected: filter.entity_id.as_deref() == Some(e.id.as_str()),
    }));
    let mut statuses = vec!["", "ongoing"];
    statuses.extend(IncidentStatus::ALL.map(IncidentStatus::code));
    let current_status = filter.status.clone().unwrap_or_default();
    let filter_statuses = statuses
        .iter()
        .map(|s| Choice {
            value: (*s).to_owned(),
            label: if s.is_empty() {
                tr.t("incidents.all_statuses").to_owned()
            } else {
                tr.label("incident_status", s)
            },
            selected: *s == current_status,
        })
        .collect();
    let title = tr.t("incidents.title").to_owned();
    let shell = Shell::new(
        state,
        auth,
        Area::Incidents,
        title.clone(),
        vec![Crumb::here(title)],
        filter.entity_id.as_deref(),
    )
    .await?;
    let severity = failed
        .as_ref()
        .map_or_else(|| "high".to_owned(), |(f, _)| f.text("severity"));
    let page = IncidentsPage {
        shell,
        rows,
        total: tr.num(page.total),
        overdue: filter.overdue,
        q: filter.q.clone().unwrap_or_default(),
        previous: (page_no > 1).then(|| link(page_no - 1)),
        next: (page_no * PAGE_SIZE < page.total).then(|| link(page_no + 1)),
        export_query: base.join("&"),
        can_write: auth.principal.require(Permission::IncidentWrite).is_ok(),
        entities: entities
            .iter()
            .map(|e| Choice {
                value: e.id.clone(),
                label: e.name.clone(),
                selected: e.id == chosen_entity,
            })
            .collect(),
        severities: code_choices(
            tr,
            "incident_severity",
            &Severity::ALL.map(Severity::code),
            &severity,
        ),
        filter_entities,
        filter_statuses,
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

pub async fn create_incident(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let entity_id = fields.text("entity_id");
    let entity =
        crate::api::entities::visible_entity(&state, &auth, &entity_id, Permission::IncidentWrite)
            .await
            .map_err(fail(tr))?;
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    let input = input_from(&fields, zone_of_country(&entity.country));
    match state
        .store
        .create_incident(&auth.actor, &catalog, &entity_id, &input)
        .await
    {
        Ok(i) => Ok(see_other(&format!("/incidents/{}", i.id))),
        Err(e) => {
            let message = refused(tr, &ApiError::from(e));
            list(
                &state,
                &auth,
                &ListQuery::default(),
                Some((&fields, message)),
            )
            .await
        }
    }
}
