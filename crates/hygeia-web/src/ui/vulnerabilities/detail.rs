//! One match (`/vulnerabilities/{id}`): the asset, the advisory, why this status, CVEs (KEV
//! marked), CVSS, what to do, the requirements vulnerability handling serves, the triage form
//! and the remediation plan form.

use askama::Template;
use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_domain::vulnerabilities::planning::{PlanInput, PlanStatus};
use hygeia_domain::vulnerabilities::{Triage, TriageInput};

use super::{VulnerabilityRow, choices, triage_names};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::i18n::Tr;
use crate::ui::{
    Area, Choice, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, redirect, render, tr_of,
};

/// The requirements a vulnerability's handling serves: NIS2 (2024/2690 point 6.10), ISO/IEC
/// 27001 (technical vulnerabilities) and IEC 62443-3-3 (verification and integrity of the
/// system's software), as (framework, requirement) ids of the catalog.
const SERVES: [(&str, &str); 5] = [
    ("nis2-2024-2690", "6.10.1"),
    ("nis2-2024-2690", "6.10.3"),
    ("iso27001-2022", "a.8.8"),
    ("iec62443-3-3", "sr-3.3"),
    ("iec62443-3-3", "sr-3.4"),
];

/// A requirement linked from the page.
pub struct Served {
    pub href: String,
    pub label: String,
}

/// A remediation as shown.
pub struct RemediationView {
    pub category: String,
    pub details: String,
    pub url: Option<String>,
}

/// A CVE, and whether it is in the KEV catalog.
pub struct CveView {
    pub id: String,
    pub kev: bool,
}

#[derive(Template)]
#[template(path = "vulnerability.html")]
struct MatchPage {
    shell: Shell,
    row: VulnerabilityRow,
    basis: String,
    confidence: i64,
    reason: String,
    cves: Vec<CveView>,
    products: Vec<String>,
    remediations: Vec<RemediationView>,
    place: String,
    first_seen: String,
    triaged: Option<String>,
    note: String,
    until: String,
    serves: Vec<Served>,
    can_triage: bool,
    can_accept: bool,
    triage_choices: Vec<Choice>,
    draft_note: String,
    draft_until: String,
    error: Option<String>,
    id: String,
    plan: Option<PlanView>,
    windows: Vec<Choice>,
    plan_draft: PlanInput,
    plan_done: bool,
    plan_error: Option<String>,
    windows_href: String,
}

/// The match's remediation plan as shown.
pub struct PlanView {
    pub action: String,
    pub owner: String,
    pub due_on: String,
    pub window: String,
    pub done: bool,
    pub overdue: bool,
}

/// A form refused on the match page, with what was typed and why.
enum Refused<'a> {
    Triage(&'a TriageInput, String),
    Plan(&'a PlanInput, String),
}

async fn served(state: &AppState, tr: Tr) -> Vec<Served> {
    let Ok(catalog) = state.catalog.current(&state.store).await else {
        return Vec::new();
    };
    SERVES
        .iter()
        .filter_map(|(framework, id)| {
            let fw = catalog.framework(framework)?;
            let requirement = catalog.requirement(framework, id)?;
            Some(Served {
                href: format!("/compliance/frameworks/{framework}/requirements/{id}"),
                label: format!(
                    "{} {} — {}",
                    tr.text(&fw.meta.name),
                    requirement.reference,
                    tr.text(&requirement.title)
                ),
            })
        })
        .collect()
}

pub async fn match_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    show_match(&state, &auth, &id, None).await
}

/// The page, with a refused triage's message and what was typed (triage, note, until).
async fn show_match(
    state: &AppState,
    auth: &Auth,
    id: &str,
    refused: Option<Refused<'_>>,
) -> PageResult {
    let tr = tr_of(auth);
    let fail = |e: hygeia_store::StoreError| PageError::new(tr, e.into());
    auth.principal
        .require(Permission::AssetRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let m = state
        .store
        .vulnerability(&auth.principal.scope, id)
        .await
        .map_err(fail)?;
    let feed = state.advisories.current(&state.store).await.map_err(fail)?;
    let kev = feed.as_ref().and_then(|f| f.index.kev());
    let row = VulnerabilityRow::new(tr, &m);
    let title = format!("{} — {}", m.tracking_id, row.asset_name);
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
        Some(&m.entity_id),
    )
    .await?;
    let next = match m.triage {
        Triage::New => Triage::Confirmed,
        other => other,
    };
    let (chosen, draft_note, draft_until, error) = match &refused {
        Some(Refused::Triage(input, message)) => (
            input.triage.clone(),
            input.note.clone().unwrap_or_default(),
            input.until.clone().unwrap_or_default(),
            Some(message.clone()),
        ),
        _ => (
            next.as_str().to_owned(),
            m.triage_note.clone().unwrap_or_default(),
            m.triage_until.clone().unwrap_or_default(),
            None,
        ),
    };
    let windows = state
        .store
        .list_windows(&auth.principal.scope, &m.entity_id)
        .await
        .map_err(fail)?;
    let window_name = |id: &Option<String>| {
        id.as_ref()
            .and_then(|id| windows.iter().find(|w| &w.id == id))
            .map(|w| format!("{} ({} → {})", w.name, w.starts_on, w.ends_on))
            .unwrap_or_default()
    };
    let plan = m.plan.as_ref().map(|p| PlanView {
        action: p.action.clone(),
        owner: p.owner.clone().unwrap_or_default(),
        due_on: p.due_on.clone(),
        window: window_name(&p.window_id),
        done: p.status == PlanStatus::Done,
        overdue: p.overdue,
    });
    let (plan_draft, plan_error) = match &refused {
        Some(Refused::Plan(input, message)) => ((*input).clone(), Some(message.clone())),
        _ => (
            m.plan
                .as_ref()
                .map(|p| PlanInput {
                    action: p.action.clone(),
                    window_id: p.window_id.clone(),
                    due_on: p.window_id.is_none().then(|| p.due_on.clone()),
                    owner: p.owner.clone(),
                    status: Some(p.status.as_str().to_owned()),
                })
                .unwrap_or_default(),
            None,
        ),
    };
    let mut window_choices = vec![Choice {
        value: String::new(),
        label: tr.t("vulnerabilities.no_window").to_owned(),
        selected: plan_draft.window_id.is_none(),
    }];
    window_choices.extend(windows.iter().map(|w| Choice {
        value: w.id.clone(),
        label: format!("{} ({} → {})", w.name, w.starts_on, w.ends_on),
        selected: plan_draft.window_id.as_deref() == Some(w.id.as_str()),
    }));
    let page = MatchPage {
        basis: tr.label("vulnerabilities.basis", &m.basis),
        confidence: m.confidence,
        reason: m.reason.clone(),
        cves: m
            .cves
            .iter()
            .map(|cve| CveView {
                id: cve.clone(),
                kev: kev.is_some_and(|k| k.get(cve).is_some()),
            })
            .collect(),
        products: m
            .products
            .iter()
            .map(|p| match &p.version_spec {
                Some(spec) if !p.name.contains(spec.as_str()) => format!("{} ({spec})", p.name),
                _ => p.name.clone(),
            })
            .collect(),
        remediations: m
            .remediations
            .iter()
            .map(|r| RemediationView {
                category: tr.label("vulnerabilities.remediation", &r.category),
                details: r.details.clone(),
                url: r
                    .url
                    .clone()
                    .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            })
            .collect(),
        place: m.asset_place.clone().unwrap_or_default(),
        first_seen: tr.datetime(&m.first_seen),
        triaged: m.triaged_by.as_ref().map(|who| {
            tr.tf(
                "vulnerabilities.triaged_by",
                &[("who", who), ("when", &tr.opt_datetime(&m.triaged_at))],
            )
        }),
        note: m.triage_note.clone().unwrap_or_default(),
        until: m.triage_until.clone().unwrap_or_default(),
        serves: served(state, tr).await,
        can_triage: auth
            .principal
            .require(Permission::VulnerabilityTriage)
            .is_ok(),
        can_accept: auth.principal.require(Permission::ComplianceManage).is_ok(),
        triage_choices: choices(tr, "vulnerabilities.triage", &triage_names(), &chosen),
        draft_note,
        draft_until,
        error,
        id: m.id.clone(),
        plan,
        windows: window_choices,
        plan_done: plan_draft.status.as_deref() == Some("done"),
        plan_draft,
        plan_error,
        windows_href: format!(
            "/vulnerabilities/windows?entity={}",
            crate::ui::url_encode(&m.entity_id)
        ),
        row,
        shell,
    };
    render(tr, &page)
}

/// Sets the plan from the match page, then shows it again; a refusal shows the page with the
/// reason and what was typed (400).
pub async fn set_plan(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let optional = |name: &str| Some(fields.text(name)).filter(|v| !v.is_empty());
    let input = PlanInput {
        action: fields.text("action"),
        window_id: optional("window_id"),
        due_on: optional("due_on"),
        owner: optional("owner"),
        status: Some(
            if fields.get("done").is_some() {
                "done"
            } else {
                "planned"
            }
            .to_owned(),
        ),
    };
    match crate::api::vulnerabilities::planning::plan(&state, &auth, &id, &input).await {
        Ok(_) => Ok(redirect(&format!("/vulnerabilities/{id}#plan-h"))),
        Err(e @ (ApiError::NotFound(_) | ApiError::Forbidden(_))) => Err(PageError::new(tr, e)),
        Err(e) => {
            let message = refused_message(tr, "vulnerabilities.plan_refused", &e);
            let mut page =
                show_match(&state, &auth, &id, Some(Refused::Plan(&input, message))).await?;
            *page.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(page)
        }
    }
}

fn refused_message(tr: Tr, key: &str, error: &ApiError) -> String {
    match error {
        ApiError::BadRequest { errors, .. } if !errors.is_empty() => format!(
            "{} {}",
            tr.t(key),
            crate::ui::validation::summary(tr, errors)
        ),
        other => format!("{} {other}", tr.t(key)),
    }
}

/// Records a triage from the match page, then shows it again; a refusal shows the page with
/// the reason why and what was typed (400).
pub async fn triage(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let input = TriageInput {
        triage: fields.text("triage"),
        note: Some(fields.text("note")),
        until: Some(fields.text("until")),
    };
    match crate::api::vulnerabilities::triage(&state, &auth, &id, &input).await {
        Ok(_) => Ok(redirect(&format!("/vulnerabilities/{id}"))),
        Err(e @ (ApiError::NotFound(_) | ApiError::Forbidden(_))) => Err(PageError::new(tr, e)),
        Err(e) => {
            let message = refused_message(tr, "vulnerabilities.triage_refused", &e);
            let mut page =
                show_match(&state, &auth, &id, Some(Refused::Triage(&input, message))).await?;
            *page.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(page)
        }
    }
}
