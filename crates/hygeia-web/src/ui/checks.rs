//! Automated checks in the browser (issue 16): `/compliance/checks` lists the shipped checks
//! with their open observations, each observation with the records it rests on, and the
//! result changes waiting for a decision; a requirement's page shows the observations and
//! proposals that concern it. Confirming sets the result; dismissing needs a reason.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_catalog::checks::CheckRule;
use hygeia_domain::access::Permission;
use hygeia_domain::checks::observations::RecordRef;
use hygeia_store::assessments::Assessment;
use hygeia_store::checks::{Observation, ObservationFilter, ProposalFilter, ResultProposal};

use super::assessments::{entity_names, fail, refused, render_status, see_other};
use super::i18n::Tr;
use super::{
    Area, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, local_target, tr_of, url_encode,
};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

/// One record an observation rests on, with its page where it has one.
pub struct RecordLine {
    pub label: String,
    pub href: Option<String>,
}

/// An observation as listed.
pub struct ObservationLine {
    pub id: String,
    pub entity: String,
    pub check: String,
    pub severity: String,
    pub severity_code: String,
    pub open: bool,
    pub count: String,
    pub since: String,
    pub last_seen: String,
    pub closed: String,
    pub records: Vec<RecordLine>,
    /// How many records the check found beyond those kept.
    pub more: String,
}

/// A proposed result change as listed.
pub struct ProposalLine {
    pub id: String,
    pub entity: String,
    pub check: String,
    pub requirement: String,
    pub requirement_href: String,
    pub value_before: String,
    pub since: String,
    pub state: String,
    pub waiting: bool,
    pub decided: String,
}

/// A shipped check as listed.
pub struct CheckLine {
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: String,
    pub severity_code: String,
    pub informs: String,
    pub open: usize,
}

fn title_of<'a>(tr: Tr, rules: &'a [CheckRule], id: &'a str) -> &'a str {
    rules
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.title.get(tr.code()))
        .unwrap_or(id)
}

/// The page of a record an observation rests on (`entity_id` is the observation's entity).
fn record_href(record: &RecordRef, entity_id: &str) -> Option<String> {
    let id = url_encode(&record.id);
    match record.kind.as_str() {
        "asset" => Some(format!("/assets/{id}")),
        "finding" => Some("/assets/findings".to_owned()),
        "evidence" => Some("/compliance/evidence".to_owned()),
        "user" => Some(format!("/settings/users/{id}")),
        "incident" => Some(format!("/incidents/{id}")),
        "risk" => Some(format!("/risks/{id}")),
        "vulnerability_match" => Some(format!("/vulnerabilities/{id}")),
        "board_member" | "approval" => {
            Some(format!("/governance?entity={}", url_encode(entity_id)))
        }
        "policy" => Some(format!("/policies/{id}")),
        _ => None,
    }
}

fn observation_line(
    tr: Tr,
    rules: &[CheckRule],
    names: &BTreeMap<String, String>,
    o: &Observation,
) -> ObservationLine {
    let kept = i64::try_from(o.records.len()).unwrap_or(0);
    ObservationLine {
        id: o.id.clone(),
        entity: names.get(&o.entity_id).cloned().unwrap_or_default(),
        check: title_of(tr, rules, &o.check_id).to_owned(),
        severity: tr.label("checks.severity", &o.severity),
        severity_code: o.severity.clone(),
        open: o.state == "open",
        count: tr.num(o.record_count),
        since: tr.datetime(&o.opened_at),
        last_seen: tr.datetime(&o.last_seen_at),
        closed: tr.opt_datetime(&o.closed_at),
        records: o
            .records
            .iter()
            .map(|r| RecordLine {
                label: r.label.clone(),
                href: record_href(r, &o.entity_id),
            })
            .collect(),
        more: if o.record_count > kept {
            tr.tf("checks.more", &[("count", &tr.num(o.record_count - kept))])
        } else {
            String::new()
        },
    }
}

fn proposal_line(
    tr: Tr,
    rules: &[CheckRule],
    names: &BTreeMap<String, String>,
    p: &ResultProposal,
) -> ProposalLine {
    ProposalLine {
        id: p.id.clone(),
        entity: names.get(&p.entity_id).cloned().unwrap_or_default(),
        check: title_of(tr, rules, &p.check_id).to_owned(),
        requirement: format!("{} {}", p.framework_id, p.requirement_id),
        requirement_href: format!(
            "/compliance/assessments/{}/requirements/{}",
            url_encode(&p.assessment_id),
            url_encode(&p.requirement_id)
        ),
        value_before: tr.label(
            "assessment.value",
            p.value_before.as_deref().unwrap_or("not_assessed"),
        ),
        since: tr.datetime(&p.observed_since),
        state: tr.label("checks.proposal_state", &p.state),
        waiting: p.state == "proposed",
        decided: match (&p.decided_by, &p.reason) {
            (Some(by), Some(reason)) => format!("{by}: {reason}"),
            (Some(by), None) => by.clone(),
            _ => String::new(),
        },
    }
}

/// What the automated checks say of one requirement of an assessment: the open observations
/// of the checks that inform it, and the proposals made on it.
pub struct RequirementChecks {
    pub observations: Vec<ObservationLine>,
    pub proposals: Vec<ProposalLine>,
    pub can_decide: bool,
}

pub async fn requirement_checks(
    state: &AppState,
    auth: &Auth,
    assessment: &Assessment,
    requirement: &str,
) -> Result<RequirementChecks, PageError> {
    let tr = tr_of(auth);
    let rules = crate::checks::rules(state).await.map_err(fail(tr))?;
    let informing: Vec<String> = rules
        .iter()
        .filter(|r| {
            r.informs
                .iter()
                .any(|i| i.framework == assessment.framework_id && i.id == requirement)
        })
        .map(|r| r.id.clone())
        .collect();
    let scope = &auth.principal.scope;
    let names = entity_names(state, auth).await?;
    let observations = if informing.is_empty() {
        Vec::new()
    } else {
        let filter = ObservationFilter {
            entity_id: Some(assessment.entity_id.clone()),
            state: Some("open".into()),
            check_ids: Some(informing),
        };
        let found = state.store.list_observations(scope, &filter).await;
        found.map_err(|e| fail(tr)(e.into()))?
    };
    let filter = ProposalFilter {
        assessment_id: Some(assessment.id.clone()),
        requirement_id: Some(requirement.to_owned()),
        ..ProposalFilter::default()
    };
    let proposals = state.store.list_result_proposals(scope, &filter).await;
    let proposals = proposals.map_err(|e| fail(tr)(e.into()))?;
    Ok(RequirementChecks {
        observations: observations
            .iter()
            .map(|o| observation_line(tr, &rules, &names, o))
            .collect(),
        proposals: proposals
            .iter()
            .map(|p| proposal_line(tr, &rules, &names, p))
            .collect(),
        can_decide: auth.principal.require(Permission::ComplianceEdit).is_ok(),
    })
}

/// Per requirement of an assessment: how many open observations of the checks informing
/// it, and how many proposals wait on it (for the marks of the assessment's list).
pub async fn requirement_marks(
    state: &AppState,
    auth: &Auth,
    assessment: &Assessment,
) -> Result<BTreeMap<String, (usize, usize)>, PageError> {
    let tr = tr_of(auth);
    let rules = crate::checks::rules(state).await.map_err(fail(tr))?;
    let scope = &auth.principal.scope;
    let filter = ObservationFilter {
        entity_id: Some(assessment.entity_id.clone()),
        state: Some("open".into()),
        check_ids: None,
    };
    let open = state.store.list_observations(scope, &filter).await;
    let open = open.map_err(|e| fail(tr)(e.into()))?;
    let mut marks: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for o in &open {
        let informed = rules
            .iter()
            .filter(|r| r.id == o.check_id)
            .flat_map(|r| &r.informs);
        for i in informed.filter(|i| i.framework == assessment.framework_id) {
            marks.entry(i.id.clone()).or_default().0 += 1;
        }
    }
    let filter = ProposalFilter {
        assessment_id: Some(assessment.id.clone()),
        state: Some("proposed".into()),
        ..ProposalFilter::default()
    };
    let waiting = state.store.list_result_proposals(scope, &filter).await;
    for p in waiting.map_err(|e| fail(tr)(e.into()))? {
        marks.entry(p.requirement_id).or_default().1 += 1;
    }
    Ok(marks)
}

#[derive(Template)]
#[template(path = "checks.html")]
struct ChecksPage {
    shell: Shell,
    checks: Vec<CheckLine>,
    observations: Vec<ObservationLine>,
    proposals: Vec<ProposalLine>,
    can_decide: bool,
    can_run: bool,
    last_run: String,
    error: Option<String>,
}

pub async fn checks_page(State(state): State<AppState>, PageAuth(auth): PageAuth) -> PageResult {
    show(&state, &auth, None).await
}

/// The page, with a refusal's message and status when a decision was refused.
async fn show(state: &AppState, auth: &Auth, refusal: Option<ApiError>) -> PageResult {
    let tr = tr_of(auth);
    let store_fail = |e: hygeia_store::StoreError| fail(tr)(e.into());
    auth.principal
        .require(Permission::ComplianceRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let rules = crate::checks::rules(state).await.map_err(fail(tr))?;
    let names = entity_names(state, auth).await?;
    let scope = &auth.principal.scope;
    let observations = state
        .store
        .list_observations(scope, &ObservationFilter::default())
        .await
        .map_err(store_fail)?;
    let proposals = state
        .store
        .list_result_proposals(scope, &ProposalFilter::default())
        .await
        .map_err(store_fail)?;
    let last_run = state
        .store
        .latest_check_runs(1)
        .await
        .map_err(store_fail)?
        .first()
        .map(|r| tr.datetime(&r.finished_at))
        .unwrap_or_default();
    let checks = rules
        .iter()
        .map(|r| CheckLine {
            id: r.id.clone(),
            title: r.title.get(tr.code()).to_owned(),
            description: r.description.get(tr.code()).to_owned(),
            severity: tr.label("checks.severity", r.severity.as_str()),
            severity_code: r.severity.as_str().to_owned(),
            informs: r
                .informs
                .iter()
                .map(|i| format!("{} {}", i.framework, i.id))
                .collect::<Vec<_>>()
                .join(", "),
            open: observations
                .iter()
                .filter(|o| o.check_id == r.id && o.state == "open")
                .count(),
        })
        .collect();
    let title = tr.t("checks.title").to_owned();
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
    let page = ChecksPage {
        shell,
        checks,
        observations: observations
            .iter()
            .map(|o| observation_line(tr, &rules, &names, o))
            .collect(),
        proposals: proposals
            .iter()
            .map(|p| proposal_line(tr, &rules, &names, p))
            .collect(),
        can_decide: auth.principal.require(Permission::ComplianceEdit).is_ok(),
        can_run: auth.principal.require(Permission::JobManage).is_ok(),
        last_run,
        error: refusal.as_ref().map(|e| refused(tr, e)),
    };
    let status = refusal.map_or(StatusCode::OK, |e| e.status());
    render_status(tr, status, &page)
}

/// Where a decision returns: the page it was taken on (a requirement's page, or the list).
fn back(fields: &super::forms::Fields) -> String {
    local_target(&fields.text("back")).unwrap_or_else(|| "/compliance/checks".to_owned())
}

/// Confirms a proposal: the result becomes non-compliant (in the reader's language).
pub async fn confirm(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    decide(&state, &auth, &id, &fields, Decision::Confirm).await
}

/// Dismisses a proposal with the reason given.
pub async fn dismiss(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    decide(&state, &auth, &id, &fields, Decision::Dismiss).await
}

enum Decision {
    Confirm,
    Dismiss,
}

/// Takes a decision on a proposal, then returns to the page it was taken on; a refusal shows
/// the checks page with its message and status.
async fn decide(
    state: &AppState,
    auth: &Auth,
    id: &str,
    fields: &super::forms::Fields,
    decision: Decision,
) -> PageResult {
    let tr = tr_of(auth);
    auth.principal
        .require(Permission::ComplianceEdit)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let (store, scope) = (&state.store, &auth.principal.scope);
    let decided = match decision {
        Decision::Confirm => {
            let rules = crate::checks::rules(state).await.map_err(fail(tr))?;
            let lang = tr.code();
            let confirmed = store.confirm_result_proposal(&auth.actor, scope, id, &rules, lang);
            confirmed.await.map(drop)
        }
        Decision::Dismiss => {
            let reason = fields.text("reason");
            let dismissed = store.dismiss_result_proposal(&auth.actor, scope, id, &reason);
            dismissed.await.map(drop)
        }
    };
    match decided {
        Ok(()) => Ok(see_other(&back(fields))),
        Err(e) => show(state, auth, Some(e.into())).await,
    }
}

/// Runs the checks now (administrators).
pub async fn run_now(
    State(state): State<AppState>,
    PageForm(auth, _fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    auth.principal
        .require(Permission::JobManage)
        .map_err(|e| PageError::new(tr, e.into()))?;
    crate::checks::run(&state, &auth.actor.label)
        .await
        .map_err(fail(tr))?;
    Ok(see_other("/compliance/checks"))
}
