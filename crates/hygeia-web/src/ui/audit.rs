//! The audit trail with filters (action, actor, object type, date range) and paging, and the
//! hash-chain verification (auditors and administrators). Each record shows its object by
//! name (read for the whole page in one query; the id when the object is gone) and its stored
//! before/after state field by field; the filtered records are exported through the API
//! (`/api/v1/audit/export`, CSV or JSON lines).

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::{Query, State};
use chrono::NaiveDate;
use hygeia_domain::access::Permission;
use hygeia_domain::audit::AuditRecord;
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
    /// The object's name, when it still exists and has one.
    pub object_name: Option<String>,
    pub entity: String,
    /// The stored state before and after, field by field.
    pub changes: Vec<FieldChange>,
    /// "Before and after (n fields changed)".
    pub changes_label: String,
}

/// One field of a record's before/after view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The field's path (`profile.sector`, `entity_ids`).
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl FieldChange {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// Flattens a JSON value into (path, text) pairs: objects become dotted paths, arrays and
/// scalars their text (strings without quotes).
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    match value {
        serde_json::Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, inner, out);
            }
        }
        serde_json::Value::String(text) => {
            out.insert(prefix.to_owned(), text.clone());
        }
        serde_json::Value::Null => {}
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

fn fields(json: Option<&str>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(text) = json {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(value) => flatten("", &value, &mut out),
            // Not JSON (never written so, but shown rather than hidden).
            Err(_) => {
                out.insert(String::new(), text.to_owned());
            }
        }
    }
    out
}

/// The stored `before` and `after` JSON of a record as a field-by-field comparison, in field
/// order; fields whose value did not change are kept (shown as context), absent or null
/// values are `None`.
pub fn field_changes(before: Option<&str>, after: Option<&str>) -> Vec<FieldChange> {
    let mut before = fields(before);
    let after = fields(after);
    let mut out: Vec<FieldChange> = after
        .into_iter()
        .map(|(field, value)| FieldChange {
            before: before.remove(&field),
            after: Some(value),
            field,
        })
        .collect();
    out.extend(before.into_iter().map(|(field, value)| FieldChange {
        field,
        before: Some(value),
        after: None,
    }));
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

/// The (object type, id) pairs whose names a page of records shows: each record's object
/// (a result's assessment), and its entity.
pub fn name_refs(records: &[AuditRecord]) -> Vec<(String, String)> {
    let mut refs = Vec::with_capacity(records.len() * 2);
    for r in records {
        match r.object_type.as_str() {
            "assessment_result" => {
                if let Some((assessment, _)) = r.object_id.split_once('/') {
                    refs.push(("assessment".to_owned(), assessment.to_owned()));
                }
            }
            kind => refs.push((kind.to_owned(), r.object_id.clone())),
        }
        if let Some(entity) = &r.entity_id {
            refs.push(("entity".to_owned(), entity.clone()));
        }
    }
    refs
}

/// The name of a record's object, from the names read for its page; `None` when the object
/// is gone or has no name (the id is shown instead).
pub fn object_name(
    record: &AuditRecord,
    names: &HashMap<(String, String), String>,
) -> Option<String> {
    let get = |kind: &str, id: &str| names.get(&(kind.to_owned(), id.to_owned())).cloned();
    match record.object_type.as_str() {
        "assessment_result" => {
            let (assessment, requirement) = record.object_id.split_once('/')?;
            get("assessment", assessment).map(|name| format!("{name} · {requirement}"))
        }
        kind => get(kind, &record.object_id),
    }
}

/// The name of a record's entity, or its id when the entity is gone; empty for
/// organisation-level records.
pub fn entity_name(record: &AuditRecord, names: &HashMap<(String, String), String>) -> String {
    record
        .entity_id
        .as_deref()
        .map(|id| {
            names
                .get(&("entity".to_owned(), id.to_owned()))
                .cloned()
                .unwrap_or_else(|| id.to_owned())
        })
        .unwrap_or_default()
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
    /// The export of the filtered trail as CSV and as JSON lines.
    export_csv: String,
    export_jsonl: String,
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

/// The API export of the records the page's filters select, in the reader's language.
fn export_link(filter: &AuditFilter, format: &str, lang: &str) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("format", format);
    s.append_pair("lang", lang);
    for (key, value) in [
        ("action", &filter.action),
        ("actor", &filter.actor),
        ("object_type", &filter.object_type),
        ("since", &filter.since),
        ("until", &filter.until),
    ] {
        if let Some(value) = value {
            s.append_pair(key, value);
        }
    }
    format!("/api/v1/audit/export?{}", s.finish())
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
    // One query for the names of every object (and entity) of the page.
    let names = state
        .store
        .audit_object_names(&name_refs(&trail.items))
        .await
        .map_err(fail)?;
    let rows = trail
        .items
        .iter()
        .map(|r| {
            let changes = field_changes(r.before.as_deref(), r.after.as_deref());
            let changed = changes.iter().filter(|c| c.changed()).count();
            AuditRow {
                seq: r.seq,
                at: tr.datetime(&r.at),
                actor: r.actor_label.clone(),
                source: r.source.clone(),
                action: r.action.clone(),
                action_label: tr.label("audit_action", &r.action),
                object_type: tr.label("audit_object", &r.object_type),
                object_id: r.object_id.clone(),
                object_name: object_name(r, &names),
                entity: entity_name(r, &names),
                changes_label: tr.tf(
                    "audit.changes_show",
                    &[("n", &tr.num(i64::try_from(changed).unwrap_or(i64::MAX)))],
                ),
                changes,
            }
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
        export_csv: export_link(&filter, "csv", tr.code()),
        export_jsonl: export_link(&filter, "jsonl", tr.code()),
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn change(field: &str, before: Option<&str>, after: Option<&str>) -> FieldChange {
        FieldChange {
            field: field.into(),
            before: before.map(str::to_owned),
            after: after.map(str::to_owned),
        }
    }

    #[test]
    fn before_and_after_are_compared_field_by_field() {
        let before = r#"{"name":"Bloc","city":"Rennes","profile":{"sector":"health","size":3},"gone":true,"blank":null}"#;
        let after = r#"{"name":"<b>Bloc</b>","city":"Rennes","profile":{"sector":"pharma","size":3},"tags":["a","b"]}"#;
        let changes = field_changes(Some(before), Some(after));
        assert_eq!(
            changes,
            vec![
                change("city", Some("Rennes"), Some("Rennes")),
                change("gone", Some("true"), None),
                change("name", Some("Bloc"), Some("<b>Bloc</b>")),
                change("profile.sector", Some("health"), Some("pharma")),
                change("profile.size", Some("3"), Some("3")),
                change("tags", None, Some(r#"["a","b"]"#)),
            ]
        );
        assert_eq!(changes.iter().filter(|c| c.changed()).count(), 4);
        // A creation has only "after"; a record without details has nothing to show.
        let created = field_changes(None, Some(r#"{"kind":"csv"}"#));
        assert_eq!(created, vec![change("kind", None, Some("csv"))]);
        assert!(field_changes(None, None).is_empty());
        // Text that is not JSON is shown as it is rather than hidden.
        assert_eq!(
            field_changes(Some("oops"), None),
            vec![change("", Some("oops"), None)]
        );
    }

    #[test]
    fn names_fall_back_to_ids_and_results_name_their_assessment() {
        let record = |object_type: &str, object_id: &str, entity: Option<&str>| AuditRecord {
            seq: 1,
            at: String::new(),
            actor_id: None,
            actor_label: String::new(),
            source: String::new(),
            request_id: None,
            action: String::new(),
            object_type: object_type.into(),
            object_id: object_id.into(),
            entity_id: entity.map(str::to_owned),
            before: None,
            after: None,
            prev_hash: String::new(),
            hash: String::new(),
            mac: None,
        };
        let records = [
            record("assessment_result", "as1/a.5.1", Some("e1")),
            record("control", "gone", Some("e2")),
            record("user", "u1", None),
        ];
        let refs = name_refs(&records);
        assert_eq!(refs[0], ("assessment".to_owned(), "as1".to_owned()));
        assert_eq!(refs[1], ("entity".to_owned(), "e1".to_owned()));
        assert_eq!(refs.len(), 5);
        let names: HashMap<(String, String), String> = [
            (
                ("assessment".to_owned(), "as1".to_owned()),
                "ISO".to_owned(),
            ),
            (("entity".to_owned(), "e1".to_owned()), "Labo".to_owned()),
            (("user".to_owned(), "u1".to_owned()), "Alice".to_owned()),
        ]
        .into_iter()
        .collect();
        assert_eq!(object_name(&records[0], &names).unwrap(), "ISO · a.5.1");
        assert_eq!(entity_name(&records[0], &names), "Labo");
        assert_eq!(object_name(&records[1], &names), None);
        assert_eq!(entity_name(&records[1], &names), "e2");
        assert_eq!(object_name(&records[2], &names).unwrap(), "Alice");
        assert_eq!(entity_name(&records[2], &names), "");
    }
}
