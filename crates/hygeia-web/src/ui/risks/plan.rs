//! What the risk page changes besides the risk itself: the actions of its treatment plan, its
//! supporting assets, its controls already in place, and its periodic review recorded as held.

use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_domain::risks::plan::ActionInput;
use hygeia_store::risks::BulkRiskChange;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::forms::Fields;
use crate::ui::i18n::Tr;
use crate::ui::{PageError, PageForm, PageResult, redirect, tr_of};

fn optional(fields: &Fields, name: &str) -> Option<String> {
    Some(fields.text(name)).filter(|t| !t.is_empty())
}

/// The reader's language, once their right to change risks is checked.
pub(super) fn may_write(auth: &Auth) -> Result<Tr, PageError> {
    let tr = tr_of(auth);
    auth.principal
        .require(Permission::RiskWrite)
        .map_err(|e| PageError::new(tr, e.into()))?;
    Ok(tr)
}

/// Back to the risk page, at `anchor`.
pub(super) fn back(id: &str, anchor: &str) -> PageResult {
    Ok(redirect(&format!("/risks/{id}#{anchor}")))
}

/// Adds an action to the plan.
pub async fn add_action(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = may_write(&auth)?;
    let fail = |e: ApiError| PageError::new(tr, e);
    let input = ActionInput {
        title: fields.text("title"),
        owner: optional(&fields, "owner"),
        due_on: optional(&fields, "due_on"),
        status: None,
        control_id: optional(&fields, "control_id"),
    };
    state
        .store
        .add_risk_action(&auth.actor, &auth.principal.scope, &id, &input)
        .await
        .map_err(|e| fail(e.into()))?;
    back(&id, "plan")
}

/// Marks an action done, or open again.
pub async fn set_action_status(
    State(state): State<AppState>,
    Path((id, action_id)): Path<(String, String)>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = may_write(&auth)?;
    let fail = |e: ApiError| PageError::new(tr, e);
    let action = state
        .store
        .risk_actions(&auth.principal.scope, &id)
        .await
        .map_err(|e| fail(e.into()))?
        .into_iter()
        .find(|a| a.id == action_id)
        .ok_or_else(|| {
            fail(ApiError::NotFound(format!(
                "risk action '{action_id}' was not found"
            )))
        })?;
    let input = ActionInput {
        title: action.title,
        owner: action.owner,
        due_on: action.due_on,
        status: Some(fields.text("status")),
        control_id: action.control_id,
    };
    state
        .store
        .update_risk_action(&auth.actor, &auth.principal.scope, &id, &action_id, &input)
        .await
        .map_err(|e| fail(e.into()))?;
    back(&id, "plan")
}

/// A set of a risk's links its page replaces with the boxes ticked.
#[derive(Clone, Copy)]
enum Ticked {
    Assets,
    Controls,
}

/// Replaces one set of links with the boxes ticked, back at its section.
async fn set_ticked(
    state: &AppState,
    id: &str,
    auth: &Auth,
    fields: &Fields,
    set: Ticked,
) -> PageResult {
    let tr = may_write(auth)?;
    let (actor, scope) = (&auth.actor, &auth.principal.scope);
    let (done, anchor) = match set {
        Ticked::Assets => (
            state
                .store
                .set_risk_assets(actor, scope, id, &fields.all("asset_ids"))
                .await
                .map(drop),
            "assets",
        ),
        Ticked::Controls => (
            state
                .store
                .set_risk_controls(actor, scope, id, &fields.all("control_ids"))
                .await
                .map(drop),
            "controls",
        ),
    };
    done.map_err(|e| PageError::new(tr, e.into()))?;
    back(id, anchor)
}

/// Replaces the supporting assets with those ticked.
pub async fn set_assets(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    set_ticked(&state, &id, &auth, &fields, Ticked::Assets).await
}

/// Replaces the controls already in place with those ticked.
pub async fn set_controls(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    set_ticked(&state, &id, &auth, &fields, Ticked::Controls).await
}

/// Records the periodic review as held today.
pub async fn mark_reviewed(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, _fields): PageForm,
) -> PageResult {
    let tr = may_write(&auth)?;
    let fail = |e: ApiError| PageError::new(tr, e);
    let change = BulkRiskChange {
        risk_ids: vec![id.clone()],
        reviewed: true,
        ..BulkRiskChange::default()
    };
    state
        .store
        .bulk_update_risks(&auth.actor, &auth.principal.scope, &change)
        .await
        .map_err(|e| fail(e.into()))?;
    back(&id, "review")
}

/// Applies the register's bulk form to the risks ticked, all or none.
pub async fn bulk(State(state): State<AppState>, PageForm(auth, fields): PageForm) -> PageResult {
    let tr = may_write(&auth)?;
    let fail = |e: ApiError| PageError::new(tr, e);
    let change = BulkRiskChange {
        risk_ids: fields.all("risk_ids"),
        owner: optional(&fields, "owner"),
        review_every_months: fields.text("review_every_months").parse().ok(),
        reviewed: fields.get("reviewed").is_some(),
    };
    state
        .store
        .bulk_update_risks(&auth.actor, &auth.principal.scope, &change)
        .await
        .map_err(|e| fail(e.into()))?;
    Ok(redirect("/risks#register-h"))
}
