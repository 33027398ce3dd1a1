//! The forms of the governance page: a member appointed or leaving, an approval recorded, a
//! training recorded or removed, a policy created with its first draft. Each answers by going
//! back to the section it changed; a refusal says what is wrong.

use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_domain::governance::approvals::ApprovalInput;
use hygeia_domain::governance::members::MemberInput;
use hygeia_domain::governance::policies::{DraftInput, PolicyInput};
use hygeia_domain::governance::training::TrainingInput;

use super::require;
use crate::AppState;
use crate::ui::assessments::see_other;
use crate::ui::forms::Fields;
use crate::ui::{PageError, PageForm, PageResult, tr_of, url_encode};

fn optional(fields: &Fields, name: &str) -> Option<String> {
    Some(fields.text(name)).filter(|t| !t.is_empty())
}

fn back(entity_id: &str, section: &str) -> PageResult {
    Ok(see_other(&format!(
        "/governance?entity={}#{section}",
        url_encode(entity_id)
    )))
}

fn page_back(entity_id: &str) -> String {
    format!("/governance?entity={}", url_encode(entity_id))
}

pub async fn add_member(
    State(state): State<AppState>,
    Path(entity_id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::GovernanceWrite)?;
    let input = MemberInput {
        name: fields.text("name"),
        title: fields.text("title"),
        email: fields.text("email"),
        user_id: None,
        appointed_on: fields.text("appointed_on"),
        left_on: None,
    };
    state
        .store
        .add_board_member(&auth.actor, &auth.principal.scope, &entity_id, &input)
        .await
        .map_err(|e| PageError::new(tr_of(&auth), e.into()).back(page_back(&entity_id)))?;
    back(&entity_id, "members-h")
}

/// Records the day a member leaves the body, the rest of their record unchanged.
pub async fn record_leaving(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::GovernanceWrite)?;
    let tr = tr_of(&auth);
    let scope = &auth.principal.scope;
    let member = state
        .store
        .board_member(scope, &id)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    let entity_id = member.entity_id.clone();
    let input = MemberInput {
        name: member.name,
        title: member.title,
        email: member.email,
        user_id: member.user_id,
        appointed_on: member.appointed_on,
        left_on: Some(fields.text("left_on")),
    };
    state
        .store
        .update_board_member(&auth.actor, scope, &id, &input)
        .await
        .map_err(|e| PageError::new(tr, e.into()).back(page_back(&entity_id)))?;
    back(&entity_id, "members-h")
}

pub async fn record_approval(
    State(state): State<AppState>,
    Path(entity_id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::GovernanceWrite)?;
    let input = ApprovalInput {
        subject: fields.text("subject"),
        policy_id: optional(&fields, "policy_id"),
        version: fields.text("version"),
        approved_on: fields.text("approved_on"),
        member_id: fields.text("member_id"),
        reference: fields.text("reference"),
        note: fields.text("note"),
        evidence_id: optional(&fields, "evidence_id"),
    };
    let back_to = optional(&fields, "back").filter(|b| crate::ui::is_local_path(b));
    state
        .store
        .record_approval(&auth.actor, &auth.principal.scope, &entity_id, &input)
        .await
        .map_err(|e| {
            let page = back_to.clone().unwrap_or_else(|| page_back(&entity_id));
            PageError::new(tr_of(&auth), e.into()).back(page)
        })?;
    match back_to {
        Some(page) => Ok(see_other(&page)),
        None => back(&entity_id, "approvals-h"),
    }
}

pub async fn add_training(
    State(state): State<AppState>,
    Path(entity_id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::GovernanceWrite)?;
    let input = TrainingInput {
        person_name: fields.text("person_name"),
        member_id: optional(&fields, "member_id"),
        user_id: None,
        course: fields.text("course"),
        provider: fields.text("provider"),
        completed_on: fields.text("completed_on"),
        valid_until: optional(&fields, "valid_until"),
        evidence_id: optional(&fields, "evidence_id"),
    };
    state
        .store
        .add_training(&auth.actor, &auth.principal.scope, &entity_id, &input)
        .await
        .map_err(|e| PageError::new(tr_of(&auth), e.into()).back(page_back(&entity_id)))?;
    back(&entity_id, "training-h")
}

pub async fn remove_training(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::GovernanceWrite)?;
    state
        .store
        .remove_training(&auth.actor, &auth.principal.scope, &id)
        .await
        .map_err(|e| PageError::new(tr_of(&auth), e.into()))?;
    back(&fields.text("entity"), "training-h")
}

pub async fn create_policy(
    State(state): State<AppState>,
    Path(entity_id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::GovernanceWrite)?;
    let policy = PolicyInput {
        title: fields.text("title"),
        owner: fields.text("owner"),
        audience_roles: fields.all("audience_roles"),
        review_months: fields.text("review_months").parse().ok(),
    };
    let draft = DraftInput {
        summary: fields.text("summary"),
        evidence_id: None,
    };
    let created = state
        .store
        .create_policy(
            &auth.actor,
            &auth.principal.scope,
            &entity_id,
            &policy,
            &draft,
        )
        .await
        .map_err(|e| PageError::new(tr_of(&auth), e.into()).back(page_back(&entity_id)))?;
    Ok(see_other(&format!(
        "/policies/{}",
        url_encode(&created.summary.id)
    )))
}
