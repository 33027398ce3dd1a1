//! The forms of a supplier's page: what it touches, a review done, certifications added or
//! removed, contracts added and each clause recorded. Each answers by going back to the
//! section of the page it changed; a refusal says what is wrong.

use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_domain::suppliers::certifications::CertificationInput;
use hygeia_domain::suppliers::contracts::{ClauseInput, ContractInput};
use hygeia_store::suppliers::SupplierLinks;

use super::require;
use crate::AppState;
use crate::ui::assessments::see_other;
use crate::ui::forms::Fields;
use crate::ui::{PageError, PageForm, PageResult, tr_of, url_encode};

fn optional(fields: &Fields, name: &str) -> Option<String> {
    Some(fields.text(name)).filter(|t| !t.is_empty())
}

fn back(id: &str, section: &str) -> PageResult {
    Ok(see_other(&format!(
        "/suppliers/{}#{section}",
        url_encode(id)
    )))
}

/// Replaces the processes, sites and assets a supplier touches with those ticked.
pub async fn set_links(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::SupplierWrite)?;
    let links = SupplierLinks {
        process_ids: fields.all("process_ids"),
        site_ids: fields.all("site_ids"),
        asset_ids: fields.all("asset_ids"),
    };
    state
        .store
        .set_supplier_links(&auth.actor, &auth.principal.scope, &id, &links)
        .await
        .map_err(|e| PageError::new(tr_of(&auth), e.into()))?;
    back(&id, "exposure-h")
}

pub async fn mark_reviewed(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, _fields): PageForm,
) -> PageResult {
    require(&auth, Permission::SupplierWrite)?;
    state
        .store
        .mark_supplier_reviewed(&auth.actor, &auth.principal.scope, &id)
        .await
        .map_err(|e| PageError::new(tr_of(&auth), e.into()))?;
    back(&id, "supplier-profile")
}

pub async fn add_certification(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::SupplierWrite)?;
    let input = CertificationInput {
        scheme: fields.text("scheme"),
        name: fields.text("name"),
        scope: fields.text("scope"),
        issuer: fields.text("issuer"),
        valid_from: optional(&fields, "valid_from"),
        valid_until: fields.text("valid_until"),
        evidence_id: optional(&fields, "evidence_id"),
    };
    state
        .store
        .add_certification(&auth.actor, &auth.principal.scope, &id, &input)
        .await
        .map_err(|e| PageError::new(tr_of(&auth), e.into()))?;
    back(&id, "certifications-h")
}

pub async fn remove_certification(
    State(state): State<AppState>,
    Path((id, certification_id)): Path<(String, String)>,
    PageForm(auth, _fields): PageForm,
) -> PageResult {
    require(&auth, Permission::SupplierWrite)?;
    state
        .store
        .remove_certification(&auth.actor, &auth.principal.scope, &id, &certification_id)
        .await
        .map_err(|e| PageError::new(tr_of(&auth), e.into()))?;
    back(&id, "certifications-h")
}

pub async fn add_contract(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::SupplierWrite)?;
    let input = ContractInput {
        title: fields.text("title"),
        reference: fields.text("reference"),
        starts_on: optional(&fields, "starts_on"),
        ends_on: optional(&fields, "ends_on"),
        notes: fields.text("notes"),
    };
    let contract = state
        .store
        .add_contract(&auth.actor, &auth.principal.scope, &id, &input)
        .await
        .map_err(|e| PageError::new(tr_of(&auth), e.into()))?;
    back(&id, &format!("contract-{}", contract.id))
}

pub async fn set_clause(
    State(state): State<AppState>,
    Path((id, contract_id, kind)): Path<(String, String, String)>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::SupplierWrite)?;
    let input = ClauseInput {
        status: fields.text("status"),
        notification_hours: optional(&fields, "notification_hours").and_then(|h| h.parse().ok()),
        note: fields.text("note"),
        evidence_id: optional(&fields, "evidence_id"),
    };
    state
        .store
        .set_contract_clause(
            &auth.actor,
            &auth.principal.scope,
            (&id, &contract_id),
            &kind,
            &input,
        )
        .await
        .map_err(|e| PageError::new(tr_of(&auth), e.into()))?;
    back(&id, &format!("clause-{contract_id}-{kind}"))
}

/// Replaces the incidents a supplier was involved in with those ticked.
pub async fn set_incidents(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::SupplierWrite)?;
    state
        .store
        .set_supplier_incidents(
            &auth.actor,
            &auth.principal.scope,
            &id,
            &fields.all("incident_ids"),
        )
        .await
        .map_err(|e| PageError::new(tr_of(&auth), e.into()))?;
    back(&id, "incidents-h")
}
