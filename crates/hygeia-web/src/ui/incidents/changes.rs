//! The changes made from an incident's page: details, verdicts, obligations set aside,
//! timeline, actions and links. A refused change shows the page again with the reason.

use axum::extract::{Path, State};
use chrono_tz::Tz;
use hygeia_domain::access::Permission;
use hygeia_domain::clock::zone_of_country;
use hygeia_store::incidents::{ActionInput, LinksInput, TimelineInput, VerdictInput};

use super::page::show;
use super::{from_local_input, input_from};
use crate::AppState;
use crate::api::incidents::incident_for;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::assessments::{fail, refused, see_other};
use crate::ui::forms::Fields;
use crate::ui::{PageForm, PageResult, tr_of};

async fn after(
    state: &AppState,
    auth: &Auth,
    id: &str,
    fields: &Fields,
    anchor: &str,
    result: Result<(), ApiError>,
) -> PageResult {
    match result {
        Ok(()) => Ok(see_other(&format!("/incidents/{id}#{anchor}"))),
        Err(e @ (ApiError::NotFound(_) | ApiError::Forbidden(_))) => Err(fail(tr_of(auth))(e)),
        Err(e) => {
            let message = refused(tr_of(auth), &e);
            show(state, auth, id, Some((fields, message))).await
        }
    }
}

async fn zone_of(state: &AppState, entity_id: &str) -> Tz {
    state
        .store
        .entity(entity_id)
        .await
        .map(|e| zone_of_country(&e.country))
        .unwrap_or(chrono_tz::UTC)
}

pub async fn update_incident(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let result = async {
        let incident = incident_for(&state, &auth, &id, Permission::IncidentWrite).await?;
        let zone = zone_of(&state, &incident.entity_id).await;
        let catalog = state.catalog.current(&state.store).await?;
        state
            .store
            .update_incident(
                &auth.actor,
                &auth.principal.scope,
                &catalog,
                &id,
                &input_from(&fields, zone),
            )
            .await?;
        Ok(())
    }
    .await;
    after(&state, &auth, &id, &fields, "details", result).await
}

pub async fn set_verdict(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let result = async {
        incident_for(&state, &auth, &id, Permission::IncidentDecide).await?;
        let catalog = state.catalog.current(&state.store).await?;
        let input = VerdictInput {
            question: fields.text("question"),
            verdict: fields.text("verdict"),
            reasoning: fields.text("reasoning"),
        };
        state
            .store
            .set_incident_verdict(&auth.actor, &auth.principal.scope, &catalog, &id, &input)
            .await?;
        Ok(())
    }
    .await;
    after(&state, &auth, &id, &fields, "verdicts", result).await
}

pub async fn set_aside(
    State(state): State<AppState>,
    Path((id, obligation)): Path<(String, String)>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let result = async {
        incident_for(&state, &auth, &id, Permission::IncidentDecide).await?;
        let catalog = state.catalog.current(&state.store).await?;
        let reason = fields.text("reason");
        let reason = (fields.text("restore") != "1").then_some(reason);
        state
            .store
            .set_obligation_aside(
                &auth.actor,
                &auth.principal.scope,
                &catalog,
                &id,
                &obligation,
                reason.as_deref(),
            )
            .await?;
        Ok(())
    }
    .await;
    after(&state, &auth, &id, &fields, "reporting", result).await
}

pub async fn add_timeline(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let result = async {
        let incident = incident_for(&state, &auth, &id, Permission::IncidentWrite).await?;
        let zone = zone_of(&state, &incident.entity_id).await;
        let at = from_local_input(&fields.text("at"), zone);
        let input = TimelineInput {
            at: Some(at).filter(|a| !a.is_empty()),
            text: fields.text("text"),
        };
        state
            .store
            .add_timeline_entry(&auth.actor, &auth.principal.scope, &id, &input)
            .await?;
        Ok(())
    }
    .await;
    after(&state, &auth, &id, &fields, "timeline", result).await
}

pub async fn add_action(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let result = async {
        incident_for(&state, &auth, &id, Permission::IncidentWrite).await?;
        let input = ActionInput {
            title: fields.text("title"),
            owner: Some(fields.text("owner")).filter(|o| !o.is_empty()),
            due_date: Some(fields.text("due_date")).filter(|d| !d.is_empty()),
            status: None,
            from_review: fields.text("from_review") == "1",
        };
        state
            .store
            .add_incident_action(&auth.actor, &auth.principal.scope, &id, &input)
            .await?;
        Ok(())
    }
    .await;
    after(&state, &auth, &id, &fields, "actions", result).await
}

pub async fn finish_action(
    State(state): State<AppState>,
    Path((id, action_id)): Path<(String, String)>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let result = async {
        incident_for(&state, &auth, &id, Permission::IncidentWrite).await?;
        let scope = &auth.principal.scope;
        let current = state
            .store
            .incident_actions(scope, &id)
            .await?
            .into_iter()
            .find(|a| a.id == action_id)
            .ok_or_else(|| ApiError::NotFound(format!("action '{action_id}' was not found")))?;
        let input = ActionInput {
            title: current.title,
            owner: current.owner,
            due_date: current.due_date,
            status: Some(
                if current.status == "done" {
                    "open"
                } else {
                    "done"
                }
                .into(),
            ),
            from_review: current.from_review,
        };
        state
            .store
            .update_incident_action(&auth.actor, scope, &id, &action_id, &input)
            .await?;
        Ok(())
    }
    .await;
    after(&state, &auth, &id, &fields, "actions", result).await
}

pub async fn set_links(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let result = async {
        incident_for(&state, &auth, &id, Permission::IncidentWrite).await?;
        let catalog = state.catalog.current(&state.store).await?;
        let lines = |name: &str| -> Vec<String> {
            fields
                .text(name)
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        };
        let input = LinksInput {
            sites: fields.all("sites"),
            assets: lines("assets"),
            requirements: lines("requirements")
                .iter()
                .map(|l| match l.split_once(char::is_whitespace) {
                    Some((fw, req)) => format!("{fw}/{}", req.trim()),
                    None => l.clone(),
                })
                .collect(),
            controls: fields.all("controls"),
            // Ticked among the latest items, and ids typed for older ones.
            evidence: {
                let mut ids = fields.all("evidence_pick");
                for id in lines("evidence") {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                ids
            },
        };
        state
            .store
            .set_incident_links(&auth.actor, &auth.principal.scope, &catalog, &id, &input)
            .await?;
        Ok(())
    }
    .await;
    after(&state, &auth, &id, &fields, "links", result).await
}

/// A control born of a lesson learned, created for the entity and linked to the incident.
pub async fn create_control(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let result = async {
        incident_for(&state, &auth, &id, Permission::IncidentWrite).await?;
        auth.principal.require(Permission::ComplianceEdit)?;
        let catalog = state.catalog.current(&state.store).await?;
        let input = hygeia_store::assessments::ControlInput {
            name: fields.text("name"),
            description: fields.text("description"),
            owner: Some(fields.text("owner")).filter(|o| !o.is_empty()),
            status: "planned".into(),
            implemented_on: None,
            next_review_on: None,
            requirements: Vec::new(),
            version: None,
        };
        state
            .store
            .create_control_from_incident(&auth.actor, &auth.principal.scope, &catalog, &id, &input)
            .await?;
        Ok(())
    }
    .await;
    after(&state, &auth, &id, &fields, "links", result).await
}
