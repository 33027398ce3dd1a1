//! Automated checks on both engines: each shipped check fails on a fixture that breaks it,
//! opening an observation that names the records found, and passes once the records are put
//! right, closing it; failing checks propose results that people confirm or dismiss once,
//! audited; proposals are withdrawn when their observation closes or the result comes to say
//! so; open observations are counted at instants for the trend.
//!
//! Every record is created and changed through the store's public API (no raw SQL).

use std::sync::Arc;

use chrono::Duration;
use hygeia_catalog::Catalog;
use hygeia_catalog::checks::{CheckRule, shipped_checks};
use hygeia_compliance::ResultValue;
use hygeia_domain::audit::AuditKey;
use hygeia_domain::clock::{Clock, format_instant};
use hygeia_store::assessments::{
    AssessmentInput, Attachment, ControlInput, EvidenceLinkInput, ResultInput,
};
use hygeia_store::checks::{
    CheckRun, Observation, ObservationFilter, ProposalFilter, ResultProposal,
};
use serde_json::{Value, json};

use super::access::{StepClock, user};
use super::*;

fn catalog() -> &'static Catalog {
    static CATALOG: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
    CATALOG.get_or_init(|| Catalog::load_embedded().unwrap())
}

fn rules() -> &'static [CheckRule] {
    static RULES: std::sync::OnceLock<Vec<CheckRule>> = std::sync::OnceLock::new();
    RULES.get_or_init(|| shipped_checks(catalog()).unwrap())
}

/// Every shipped check, for every entity.
async fn run(store: &Store) -> CheckRun {
    store.run_checks(rules(), "test").await.unwrap()
}

/// What a run changed: (opened, refreshed, closed, open after it).
fn counts(run: &CheckRun) -> (i64, i64, i64, i64) {
    (run.opened, run.refreshed, run.closed, run.open_total)
}

/// The observations of one check for one entity, the open one first, then newest first.
async fn observations(store: &Store, entity_id: &str, check_id: &str) -> Vec<Observation> {
    let filter = ObservationFilter {
        entity_id: Some(entity_id.to_owned()),
        check_ids: Some(vec![check_id.to_owned()]),
        ..ObservationFilter::default()
    };
    let all = EntityScope::All;
    store.list_observations(&all, &filter).await.unwrap()
}

/// The open observation of `check_id` for `entity_id` (there must be exactly one).
async fn open(store: &Store, entity_id: &str, check_id: &str, name: &str) -> Observation {
    let found = observations(store, entity_id, check_id).await;
    let open: Vec<_> = found.into_iter().filter(|o| o.state == "open").collect();
    assert_eq!(open.len(), 1, "{name}: one open {check_id} observation");
    assert!(open[0].closed_at.is_none(), "{name}");
    open[0].clone()
}

/// Asserts that the latest observation of `check_id` for `entity_id` closed at `at`.
async fn closed(store: &Store, entity_id: &str, check_id: &str, at: &str, name: &str) {
    let found = observations(store, entity_id, check_id).await;
    let Some(latest) = found.first() else {
        panic!("{name}: no {check_id} observation")
    };
    assert_eq!(latest.state, "closed", "{name}: {latest:?}");
    assert_eq!(latest.closed_at.as_deref(), Some(at), "{name}: {check_id}");
}

/// What an observation's records say, (kind, label), in the stored order.
fn refs(o: &Observation) -> Vec<(&str, &str)> {
    let refs = o.records.iter();
    refs.map(|r| (r.kind.as_str(), r.label.as_str())).collect()
}

/// The same, sorted (records that sort equally come in id order, random here).
fn sorted_refs(o: &Observation) -> Vec<(&str, &str)> {
    let mut refs = refs(o);
    refs.sort_unstable();
    refs
}

async fn trail(store: &Store, action: &str) -> Vec<hygeia_store::AuditRecord> {
    let filter = AuditFilter {
        action: Some(action.into()),
        ..AuditFilter::default()
    };
    let page = PageRequest::new(Some(100), None);
    let all = EntityScope::All;
    store.list_audit(&all, &filter, page).await.unwrap().items
}

async fn chain_intact(store: &Store) -> bool {
    let report = store.verify_audit_chain().await.unwrap();
    report.first_break.is_none()
}

async fn new_entity(store: &Store, org: &str, name: &str) -> String {
    let (actor, input) = (admin_actor(), entity(name));
    let created = store.create_entity(&actor, org, &input, any_type);
    created.await.unwrap().id
}

mod governance;
mod inventory_and_accounts;
mod proposals;
mod records;
