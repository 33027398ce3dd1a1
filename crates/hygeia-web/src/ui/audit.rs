//! The audit trail with filters (action, actor, object type, date range) and paging, and the
//! hash-chain verification (auditors and administrators).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use chrono::NaiveDate;
use hygeia_domain::access::Permission;
use hygeia_store::{AuditFilter, PageRequest};
use serde::Deserialize;

use super::i18n::Tr;
use super::{Area, Choice, Crumb, PageAuth, PageError, PageResult, Shell, choices, render, tr_of};
use crate::AppState;

const PAGE_SIZE: i64 = 50;
/// Matching records are counted up to this many; past it the page says "more than".
const COUNT_CAP: i64 = 10_000;

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    object_type: String,
    /// First day, `YYYY-MM-DD` (inclusive).
    #[serde(default)]
    from: String,
    /// Last day, `YYYY-MM-DD` (inclusive).
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: Option<i64>,
}

pub struct AuditRow {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub source: String,
    pub action: String,
    /// The action in the reader's language.
    pub action_label: String,
    pub object_type: String,
    pub object_id: String,
    pub entity: String,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    shell: Shell,
    actions: Vec<Choice>,
    actors: Vec<Choice>,
    object_types: Vec<Choice>,
    from: String,
    to: String,
    rows: Vec<AuditRow>,
    summary: String,
    previous: Option<String>,
    next: Option<String>,
    filtered: bool,
}

fn day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

fn link(query: &AuditQuery, page: i64) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in [
        ("action", &query.action),
        ("actor", &query.actor),
        ("object_type", &query.object_type),
        ("from", &query.from),
        ("to", &query.to),
    ] {
        if !value.is_empty() {
            s.append_pair(key, value);
        }
    }
    s.append_pair("page", &page.to_string());
    format!("/audit?{}", s.finish())
}

pub async fn audit_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<AuditQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: hygeia_store::StoreError| PageError::new(tr, e.into());
    auth.principal
        .require(Permission::AuditRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let from = day(&query.from);
    let to = day(&query.to);
    let filter = AuditFilter {
        action: nonempty(&query.action),
        actor: nonempty(&query.actor),
        object_type: nonempty(&query.object_type),
        since: from.map(|d| format!("{}T00:00:00Z", d.format("%Y-%m-%d"))),
        until: to
            .and_then(|d| d.succ_opt())
            .map(|d| format!("{}T00:00:00Z", d.format("%Y-%m-%d"))),
        ..AuditFilter::default()
    };
    let page_no = super::page_number(query.page);
    let (trail, facets) = futures_util::future::try_join(
        state.store.browse_audit(
            &auth.principal.scope,
            &filter,
            PageRequest::new(Some(PAGE_SIZE), Some((page_no - 1) * PAGE_SIZE)),
            COUNT_CAP,
        ),
        state.store.audit_facets(&auth.principal.scope),
    )
    .await
    .map_err(fail)?;
    let title = tr.t("nav.audit").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Audit,
        title.clone(),
        vec![Crumb::here(title)],
        None,
    )
    .await?;
    let names: HashMap<&str, &str> = shell
        .entities
        .iter()
        .map(|e| (e.id.as_str(), e.name.as_str()))
        .collect();
    let rows = trail
        .items
        .iter()
        .map(|r| AuditRow {
            seq: r.seq,
            at: tr.datetime(&r.at),
            actor: r.actor_label.clone(),
            source: r.source.clone(),
            action: r.action.clone(),
            action_label: tr.label("audit_action", &r.action),
            object_type: tr.label("audit_object", &r.object_type),
            object_id: r.object_id.clone(),
            entity: r
                .entity_id
                .as_deref()
                .map(|id| names.get(id).map_or(id, |n| *n).to_owned())
                .unwrap_or_default(),
        })
        .collect::<Vec<_>>();
    let first = (page_no - 1) * PAGE_SIZE + 1;
    let last = (page_no - 1) * PAGE_SIZE + i64::try_from(rows.len()).unwrap_or(0);
    let summary = if trail.total == 0 {
        tr.t("audit.none").to_owned()
    } else {
        tr.tf(
            if trail.more {
                "audit.summary_more"
            } else {
                "audit.summary"
            },
            &[
                ("first", &tr.num(first)),
                ("last", &tr.num(last)),
                ("total", &tr.num(trail.total)),
            ],
        )
    };
    let filtered = filter.action.is_some()
        || filter.actor.is_some()
        || filter.object_type.is_some()
        || filter.since.is_some()
        || filter.until.is_some();
    let page = AuditPage {
        actions: labelled(
            tr,
            "audit_action",
            choices(facets.actions, query.action.trim()),
        ),
        actors: choices(facets.actors, query.actor.trim()),
        object_types: labelled(
            tr,
            "audit_object",
            choices(facets.object_types, query.object_type.trim()),
        ),
        from: from
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        to: to
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        previous: (page_no > 1).then(|| link(&query, page_no - 1)),
        next: (last < trail.total || trail.more).then(|| link(&query, page_no + 1)),
        summary,
        rows,
        filtered,
        shell,
    };
    render(tr, &page)
}

#[derive(Template)]
#[template(path = "audit_verify.html")]
struct VerifyPage {
    shell: Shell,
    intact: bool,
    records: String,
    first_break: String,
}

pub async fn verify_page(State(state): State<AppState>, PageAuth(auth): PageAuth) -> PageResult {
    let tr = tr_of(&auth);
    auth.principal
        .require(Permission::AuditRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let report = state
        .store
        .verify_audit_chain()
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    let title = tr.t("audit.verify_title").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Audit,
        title.clone(),
        vec![Crumb::link(tr.t("nav.audit"), "/audit"), Crumb::here(title)],
        None,
    )
    .await?;
    let page = VerifyPage {
        shell,
        intact: report.first_break.is_none(),
        records: tr.num(report.records),
        first_break: report.first_break.unwrap_or_default(),
    };
    render(tr, &page)
}

/// Filter choices shown by their labels in the reader's language (the value stays the code).
fn labelled(tr: Tr, section: &str, mut choices: Vec<Choice>) -> Vec<Choice> {
    for choice in &mut choices {
        choice.label = tr.label(section, &choice.value);
    }
    choices
}
