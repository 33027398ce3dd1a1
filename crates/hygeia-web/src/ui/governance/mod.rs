//! Governance in the browser (issue 16, NIS2 Art. 20): `/governance` shows an entity's
//! management body, its approvals, training records and policies, with where it stands and
//! what needs doing (this module); the forms that record them ([`forms`]); one policy with
//! its versions and who has acknowledged it ([`policy`]).

pub mod forms;
pub mod policy;

use std::collections::BTreeMap;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use hygeia_domain::access::Permission;
use hygeia_store::PageRequest;
use hygeia_store::governance::{Approval, BoardMember, Governance, PolicySummary, TrainingRecord};
use serde::Deserialize;

use super::assessments::{entity_names, fail};
use super::i18n::Tr;
use super::{
    Area, Choice, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of, url_encode,
};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/governance", get(governance_page))
        .route("/governance/{entity}/members", post(forms::add_member))
        .route(
            "/governance/members/{id}/leave",
            post(forms::record_leaving),
        )
        .route(
            "/governance/{entity}/approvals",
            post(forms::record_approval),
        )
        .route("/governance/{entity}/training", post(forms::add_training))
        .route(
            "/governance/training/{id}/remove",
            post(forms::remove_training),
        )
        .route("/governance/{entity}/policies", post(forms::create_policy))
        .route("/policies/{id}", get(policy::policy_page))
        .route("/policies/{id}/settings", post(policy::update_settings))
        .route("/policies/{id}/drafts", post(policy::draft))
        .route("/policies/{id}/publish", post(policy::publish))
        .route("/policies/{id}/acknowledge", post(policy::acknowledge))
}

/// Refuses the page or form to a caller without `permission`.
pub(super) fn require(auth: &Auth, permission: Permission) -> Result<(), PageError> {
    auth.principal
        .require(permission)
        .map_err(|e| PageError::new(tr_of(auth), e.into()))
}

/// Where the figures point the reader: a line, flagged when something is due.
pub struct StatusLine {
    pub label: String,
    pub value: String,
    pub class: &'static str,
}

pub struct MemberLine {
    pub id: String,
    pub name: String,
    pub title: String,
    pub email: String,
    pub period: String,
    pub sitting: bool,
}

pub struct ApprovalLine {
    pub evidence: Option<(String, String)>,
    pub subject: String,
    pub what: String,
    pub href: Option<String>,
    pub approved_on: String,
    pub signatory: String,
    pub reference: String,
}

pub struct TrainingLine {
    pub evidence: Option<(String, String)>,
    pub id: String,
    pub person: String,
    pub board: bool,
    pub course: String,
    pub provider: String,
    pub completed_on: String,
    pub valid_until: String,
    pub state: String,
    pub state_class: &'static str,
}

pub struct PolicyLine {
    pub href: String,
    pub title: String,
    pub owner: String,
    pub latest: String,
    pub in_force: String,
    pub next_review: String,
    pub review_due: bool,
    pub acknowledged: String,
}

#[derive(Template)]
#[template(path = "governance.html")]
struct GovernancePage {
    shell: Shell,
    entity_id: String,
    entities: Vec<Choice>,
    status: Vec<StatusLine>,
    to_renew: Vec<String>,
    members: Vec<MemberLine>,
    approvals: Vec<ApprovalLine>,
    training: Vec<TrainingLine>,
    policies: Vec<PolicyLine>,
    signatories: Vec<Choice>,
    member_choices: Vec<Choice>,
    roles: Vec<Choice>,
    /// The entity's evidence to pick the signed minutes or a certificate from.
    evidence: Vec<Choice>,
    evidence_href: String,
    today: String,
    can_write: bool,
    report_href: String,
}

/// The entity's latest evidence: (id, title, where to open it).
type EvidenceTitles = Vec<(String, String, String)>;

fn evidence_of(titles: &EvidenceTitles, id: Option<&String>) -> Option<(String, String)> {
    let id = id?;
    titles
        .iter()
        .find(|(e, _, _)| e == id)
        .map(|(_, title, href)| (title.clone(), href.clone()))
}

async fn evidence_titles(state: &AppState, entity_id: &str) -> Result<EvidenceTitles, ApiError> {
    Ok(state
        .store
        .list_evidence_page(entity_id, None, PageRequest::new(Some(200), None))
        .await?
        .items
        .into_iter()
        .map(|e| {
            let href = match (&e.kind[..], &e.url) {
                ("link", Some(url)) => url.clone(),
                _ => format!("/api/v1/evidence/{}/content", url_encode(&e.id)),
            };
            (e.id, e.title, href)
        })
        .collect())
}

#[derive(Debug, Default, Deserialize)]
pub struct GovernanceQuery {
    entity: Option<String>,
}

fn state_class(state: &str) -> &'static str {
    match state {
        "expired" => "flag bad",
        "expiring" => "flag warn",
        _ => "flag ok",
    }
}

fn status_lines(tr: Tr, g: &Governance) -> Vec<StatusLine> {
    let s = &g.status;
    let flag = |due: bool| if due { "flag bad" } else { "flag ok" };
    let measures = match (&s.measures_approved_on, &s.measures_signatory) {
        (Some(day), Some(who)) => tr.tf(
            "governance.measures_approved",
            &[
                ("date", day),
                ("who", who),
                ("version", s.measures_version.as_deref().unwrap_or_default()),
            ],
        ),
        _ => tr.t("governance.measures_never").to_owned(),
    };
    vec![
        StatusLine {
            label: tr.t("governance.status_measures").to_owned(),
            value: if s.measures_renewal_due && s.measures_approved_on.is_some() {
                format!("{measures} — {}", tr.t("governance.measures_due"))
            } else {
                measures
            },
            class: flag(s.measures_renewal_due),
        },
        StatusLine {
            label: tr.t("governance.status_training").to_owned(),
            value: tr.tf(
                "governance.members_trained",
                &[
                    ("trained", &tr.num(s.members_trained)),
                    ("sitting", &tr.num(s.members_sitting)),
                ],
            ),
            class: flag(s.members_sitting == 0 || !s.members_untrained.is_empty()),
        },
        StatusLine {
            label: tr.t("governance.status_policies").to_owned(),
            value: tr.tf(
                "governance.policies_figures",
                &[
                    ("published", &tr.num(s.policies_published)),
                    ("pending", &tr.num(s.policies_pending)),
                    ("due", &tr.num(s.policies_review_due)),
                ],
            ),
            class: flag(s.policies_review_due > 0 || s.policies_published == 0),
        },
        StatusLine {
            label: tr.t("governance.status_acknowledgements").to_owned(),
            value: tr.tf(
                "governance.acknowledgements_missing",
                &[("count", &tr.num(s.acknowledgements_missing))],
            ),
            class: if s.acknowledgements_missing > 0 {
                "flag warn"
            } else {
                "flag ok"
            },
        },
    ]
}

fn member_lines(members: &[BoardMember]) -> Vec<MemberLine> {
    members
        .iter()
        .map(|m| MemberLine {
            id: m.id.clone(),
            name: m.name.clone(),
            title: m.title.clone(),
            email: m.email.clone(),
            period: match &m.left_on {
                Some(left) => format!("{} → {left}", m.appointed_on),
                None => format!("{} →", m.appointed_on),
            },
            sitting: m.sitting,
        })
        .collect()
}

fn approval_lines(tr: Tr, approvals: &[Approval], titles: &EvidenceTitles) -> Vec<ApprovalLine> {
    approvals
        .iter()
        .map(|a| ApprovalLine {
            evidence: evidence_of(titles, a.evidence_id.as_ref()),
            subject: tr.label("governance.subject", &a.subject),
            what: match &a.policy_title {
                Some(title) => format!("{title} — {}", a.version),
                None => a.version.clone(),
            },
            href: a
                .policy_id
                .as_ref()
                .map(|id| format!("/policies/{}", url_encode(id))),
            approved_on: a.approved_on.clone(),
            signatory: if a.signatory_title.is_empty() {
                a.signatory.clone()
            } else {
                format!("{} ({})", a.signatory, a.signatory_title)
            },
            reference: a.reference.clone(),
        })
        .collect()
}

fn training_lines(
    tr: Tr,
    training: &[TrainingRecord],
    titles: &EvidenceTitles,
) -> Vec<TrainingLine> {
    training
        .iter()
        .map(|t| TrainingLine {
            evidence: evidence_of(titles, t.evidence_id.as_ref()),
            id: t.id.clone(),
            person: t.person_name.clone(),
            board: t.member_id.is_some(),
            course: t.course.clone(),
            provider: t.provider.clone(),
            completed_on: t.completed_on.clone(),
            valid_until: t.valid_until.clone().unwrap_or_else(|| "—".to_owned()),
            state: tr.label("governance.training_state", &t.state),
            state_class: state_class(&t.state),
        })
        .collect()
}

pub(super) fn version_label(tr: Tr, version: i64, state: &str) -> String {
    format!(
        "v{version} ({})",
        tr.label("governance.policy_state", state)
    )
}

fn policy_lines(tr: Tr, policies: &[PolicySummary]) -> Vec<PolicyLine> {
    policies
        .iter()
        .map(|p| PolicyLine {
            href: format!("/policies/{}", url_encode(&p.id)),
            title: p.title.clone(),
            owner: p.owner.clone(),
            latest: version_label(tr, p.latest_version, &p.latest_state),
            in_force: p
                .published_version
                .map(|v| format!("v{v}"))
                .unwrap_or_else(|| "—".to_owned()),
            next_review: p.next_review_on.clone().unwrap_or_else(|| "—".to_owned()),
            review_due: p.review_due,
            acknowledged: if p.published_version.is_some() {
                format!("{} / {}", tr.num(p.acknowledged), tr.num(p.audience))
            } else {
                "—".to_owned()
            },
        })
        .collect()
}

fn choice(value: &str, label: String) -> Choice {
    Choice {
        value: value.to_owned(),
        label,
        selected: false,
    }
}

/// The entity whose governance is shown: the one asked for, else the first by name.
fn pick_entity(names: &BTreeMap<String, String>, asked: Option<&str>) -> Option<String> {
    asked
        .filter(|id| names.contains_key(*id))
        .map(str::to_owned)
        .or_else(|| {
            names
                .iter()
                .min_by(|a, b| a.1.cmp(b.1))
                .map(|(id, _)| id.clone())
        })
}

pub async fn governance_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<GovernanceQuery>,
) -> PageResult {
    require(&auth, Permission::GovernanceRead)?;
    let tr = tr_of(&auth);
    let title = tr.t("governance.title").to_owned();
    let names = entity_names(&state, &auth).await?;
    let Some(entity_id) = pick_entity(&names, query.entity.as_deref()) else {
        return Err(PageError::new(
            tr,
            ApiError::NotFound(tr.t("governance.no_entity").to_owned()),
        ));
    };
    let shell = Shell::new(
        &state,
        &auth,
        Area::Governance,
        title.clone(),
        vec![Crumb::here(title)],
        Some(&entity_id),
    )
    .await?;
    let g = state
        .store
        .governance(&auth.principal.scope, &entity_id)
        .await
        .map_err(|e| fail(tr)(e.into()))?;
    let can_write = auth.principal.require(Permission::GovernanceWrite).is_ok();
    let titles = evidence_titles(&state, &entity_id)
        .await
        .map_err(fail(tr))?;
    let sitting = g.members.iter().filter(|m| m.sitting);
    let page = GovernancePage {
        entities: {
            let mut all: Vec<Choice> = names
                .iter()
                .map(|(id, name)| Choice {
                    value: id.clone(),
                    label: name.clone(),
                    selected: *id == entity_id,
                })
                .collect();
            all.sort_by(|a, b| a.label.cmp(&b.label));
            all
        },
        status: status_lines(tr, &g),
        to_renew: g
            .status
            .trainings_to_renew
            .iter()
            .map(|t| {
                tr.tf(
                    "governance.renew_line",
                    &[
                        ("person", &t.person_name),
                        ("course", &t.course),
                        ("date", t.valid_until.as_deref().unwrap_or_default()),
                        ("state", &tr.label("governance.training_state", &t.state)),
                    ],
                )
            })
            .collect(),
        members: member_lines(&g.members),
        approvals: approval_lines(tr, &g.approvals, &titles),
        training: training_lines(tr, &g.training, &titles),
        policies: policy_lines(tr, &g.policies),
        signatories: sitting
            .clone()
            .map(|m| choice(&m.id, format!("{} ({})", m.name, m.title)))
            .collect(),
        member_choices: std::iter::once(choice("", "—".to_owned()))
            .chain(sitting.map(|m| choice(&m.id, m.name.clone())))
            .collect(),
        roles: hygeia_domain::access::Role::ALL
            .iter()
            .map(|r| choice(r.code(), tr.label("role", r.code())))
            .collect(),
        today: state
            .store
            .clock()
            .now()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string(),
        evidence: std::iter::once(choice("", "—".to_owned()))
            .chain(
                titles
                    .iter()
                    .map(|(id, title, _)| choice(id, title.clone())),
            )
            .collect(),
        evidence_href: format!("/compliance/evidence?entity={}", url_encode(&entity_id)),
        can_write,
        report_href: format!(
            "/api/v1/entities/{}/reports/board?lang={}",
            url_encode(&entity_id),
            tr.code()
        ),
        entity_id,
        shell,
    };
    render(tr, &page)
}
