//! One policy in the browser: what it is and whom it applies to, every version with its
//! approval and publication, who has and has not acknowledged the version in force, and the
//! actions its state allows (edit the draft or revise, have the draft approved, publish,
//! acknowledge).

use askama::Template;
use axum::extract::{Path, State};
use hygeia_domain::access::{Permission, Role};
use hygeia_domain::governance::policies::{DraftInput, PolicyInput, PublishInput};
use hygeia_store::governance::Policy;

use super::{require, version_label};
use crate::AppState;
use crate::ui::assessments::{fail, see_other};
use crate::ui::{
    Area, Choice, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, render, tr_of,
    url_encode,
};

pub struct VersionLine {
    pub label: String,
    pub summary: String,
    pub drafted: String,
    pub approved: String,
    pub published: String,
}

#[derive(Template)]
#[template(path = "policy.html")]
struct PolicyPage {
    shell: Shell,
    p: Policy,
    audience: String,
    in_force: String,
    versions: Vec<VersionLine>,
    acknowledged: Vec<String>,
    missing: Vec<String>,
    /// The caller may acknowledge the version in force (it applies to them, not yet done).
    may_acknowledge: bool,
    acknowledged_by_me: bool,
    can_write: bool,
    /// What the latest version allows: rewrite the draft, revise, approve, publish.
    draft_open: bool,
    can_revise: bool,
    can_approve: bool,
    can_publish: bool,
    signatories: Vec<Choice>,
    roles: Vec<Choice>,
    today: String,
    back: String,
}

pub async fn policy_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    require(&auth, Permission::GovernanceRead)?;
    let tr = tr_of(&auth);
    let scope = &auth.principal.scope;
    let p = state
        .store
        .policy(scope, &id)
        .await
        .map_err(|e| fail(tr)(e.into()))?;
    let members = state
        .store
        .board_members(scope, &p.summary.entity_id)
        .await
        .map_err(|e| fail(tr)(e.into()))?;
    let me = auth.user.id.as_str();
    let acks = p.acknowledgements.as_ref();
    let names = |people: Option<&Vec<hygeia_store::governance::Person>>| {
        people
            .map(|list| {
                list.iter()
                    .map(|p| format!("{} <{}>", p.name, p.email))
                    .collect()
            })
            .unwrap_or_default()
    };
    let shell = Shell::new(
        &state,
        &auth,
        Area::Governance,
        p.summary.title.clone(),
        vec![
            Crumb::link(
                tr.t("governance.title"),
                format!("/governance?entity={}", url_encode(&p.summary.entity_id)),
            ),
            Crumb::here(p.summary.title.clone()),
        ],
        Some(&p.summary.entity_id),
    )
    .await?;
    let latest = p.summary.latest_state.as_str();
    let page = PolicyPage {
        audience: if p.summary.audience_roles.is_empty() {
            tr.t("governance.everyone").to_owned()
        } else {
            p.summary
                .audience_roles
                .iter()
                .map(|r| tr.label("role", r))
                .collect::<Vec<_>>()
                .join(", ")
        },
        in_force: p
            .summary
            .published_version
            .map(|v| format!("v{v}"))
            .unwrap_or_else(|| tr.t("governance.none_in_force").to_owned()),
        versions: p
            .versions
            .iter()
            .map(|v| VersionLine {
                label: version_label(tr, v.version, &v.state),
                summary: v.summary.clone(),
                drafted: format!("{} · {}", tr.datetime(&v.drafted_at), v.drafted_by),
                approved: match (&v.approved_on, &v.approved_by) {
                    (Some(day), Some(who)) => format!("{day} · {who}"),
                    _ => "—".to_owned(),
                },
                published: v.published_on.clone().unwrap_or_else(|| "—".to_owned()),
            })
            .collect(),
        acknowledged: names(acks.map(|a| &a.acknowledged)),
        missing: names(acks.map(|a| &a.missing)),
        may_acknowledge: auth
            .principal
            .require(Permission::PolicyAcknowledge)
            .is_ok()
            && acks.is_some_and(|a| a.missing.iter().any(|p| p.user_id == me)),
        acknowledged_by_me: acks.is_some_and(|a| a.acknowledged.iter().any(|p| p.user_id == me)),
        can_write: auth.principal.require(Permission::GovernanceWrite).is_ok(),
        draft_open: latest == "draft",
        can_revise: latest == "published",
        can_approve: latest == "draft",
        can_publish: latest == "approved",
        signatories: members
            .iter()
            .filter(|m| m.sitting)
            .map(|m| Choice {
                value: m.id.clone(),
                label: format!("{} ({})", m.name, m.title),
                selected: false,
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| Choice {
                value: r.code().to_owned(),
                label: tr.label("role", r.code()),
                selected: p.summary.audience_roles.iter().any(|a| a == r.code()),
            })
            .collect(),
        today: state
            .store
            .clock()
            .now()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string(),
        back: format!("/policies/{}", url_encode(&p.summary.id)),
        p,
        shell,
    };
    render(tr, &page)
}

fn back(id: &str, section: &str) -> PageResult {
    Ok(see_other(&format!(
        "/policies/{}#{section}",
        url_encode(id)
    )))
}

fn refusal(auth: &crate::auth::Auth, id: &str) -> impl Fn(hygeia_store::StoreError) -> PageError {
    let tr = tr_of(auth);
    let page = format!("/policies/{}", url_encode(id));
    move |e| PageError::new(tr, e.into()).back(page.clone())
}

pub async fn update_settings(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::GovernanceWrite)?;
    let input = PolicyInput {
        title: fields.text("title"),
        owner: fields.text("owner"),
        audience_roles: fields.all("audience_roles"),
        review_months: fields.text("review_months").parse().ok(),
    };
    state
        .store
        .update_policy(&auth.actor, &auth.principal.scope, &id, &input)
        .await
        .map_err(refusal(&auth, &id))?;
    back(&id, "settings-h")
}

pub async fn draft(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::GovernanceWrite)?;
    let input = DraftInput {
        summary: fields.text("summary"),
        evidence_id: None,
    };
    state
        .store
        .draft_policy(&auth.actor, &auth.principal.scope, &id, &input)
        .await
        .map_err(refusal(&auth, &id))?;
    back(&id, "versions-h")
}

pub async fn publish(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::GovernanceWrite)?;
    let input = PublishInput {
        published_on: Some(fields.text("published_on")).filter(|d| !d.is_empty()),
    };
    state
        .store
        .publish_policy(&auth.actor, &auth.principal.scope, &id, &input)
        .await
        .map_err(refusal(&auth, &id))?;
    back(&id, "versions-h")
}

pub async fn acknowledge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, _fields): PageForm,
) -> PageResult {
    require(&auth, Permission::PolicyAcknowledge)?;
    state
        .store
        .acknowledge_policy(&auth.actor, &auth.principal.scope, &id)
        .await
        .map_err(refusal(&auth, &id))?;
    back(&id, "acknowledgements-h")
}
