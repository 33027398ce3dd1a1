//! The audit trail: listing with filters, exports of the filtered records (CSV in the reader's
//! language, JSON lines with every field and seal; each export itself recorded), and chain
//! verification (auditors, administrators).

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use hygeia_domain::access::Permission;
use hygeia_domain::validation::FieldError;
use hygeia_report::{Format, Language, Table};
use hygeia_store::{AuditFilter, AuditRecord, ChainReport, Page};
use serde::Deserialize;

use super::{ApiQuery, Paging};
use crate::AppState;
use crate::api::download::attachment;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::ui::audit::{entity_name, name_refs, object_name};
use crate::ui::i18n::{Lang, Tr};

/// At most this many records are exported at once; past it the caller narrows the filters.
const EXPORT_LIMIT: i64 = 100_000;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Exact action, such as `entity.update`.
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub entity_id: Option<String>,
    /// Actor e-mail address.
    pub actor: Option<String>,
    /// RFC 3339 instant, inclusive.
    pub since: Option<String>,
    /// RFC 3339 instant, exclusive.
    pub until: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Audit records, newest first, limited to the entities the caller may see.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<Object>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_audit(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Page<AuditRecord>>> {
    auth.principal.require(Permission::AuditRead)?;
    let filter = AuditFilter {
        action: query.action,
        object_type: query.object_type,
        object_id: query.object_id,
        entity_id: query.entity_id,
        actor: query.actor,
        since: query.since,
        until: query.until,
    };
    let page = Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .request();
    Ok(Json(
        state
            .store
            .list_audit(&auth.principal.scope, &filter, page)
            .await?,
    ))
}

/// Walk the whole hash chain and report the first broken record, if any.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, description = "records checked and first break", body = Object)),
    security(("bearer" = []), ("session" = [])))]
pub async fn verify_audit(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<ChainReport>> {
    auth.principal.require(Permission::AuditRead)?;
    Ok(Json(state.store.verify_audit_chain().await?))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditExportQuery {
    /// `csv` (the default) or `jsonl` (JSON lines: each record with every field, its seal,
    /// and the names of its object and entity).
    pub format: Option<String>,
    /// `en` or `fr`: the CSV headers, labels and separator (`;` in French); the caller's own
    /// language by default.
    pub lang: Option<String>,
    /// Exact action, such as `entity.update`.
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub entity_id: Option<String>,
    /// Actor e-mail address.
    pub actor: Option<String>,
    /// RFC 3339 instant, inclusive.
    pub since: Option<String>,
    /// RFC 3339 instant, exclusive.
    pub until: Option<String>,
}

/// The two export formats of the trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExportFormat {
    Csv,
    JsonLines,
}

/// Export the audit records matching the filters, oldest first, limited to the entities the
/// caller may see (organisation-level records for administrators only), as CSV or JSON
/// lines. Each export is itself recorded in the trail (`export.download`).
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", params(AuditExportQuery),
    responses((status = 200, description = "The file (text/csv or application/x-ndjson)"),
        (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn export_audit(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<AuditExportQuery>,
) -> ApiResult<Response> {
    auth.principal.require(Permission::AuditRead)?;
    let format = match query.format.as_deref().map(str::trim) {
        None | Some("csv") => ExportFormat::Csv,
        Some("jsonl") => ExportFormat::JsonLines,
        Some(_) => {
            return Err(ApiError::field_error(FieldError::one_of(
                "format",
                &["csv", "jsonl"],
            )));
        }
    };
    let lang = match query.lang.as_deref() {
        Some(code) => Lang::from_code(code),
        None => Lang::from_code(&auth.user.locale),
    };
    let tr = Tr::new(lang);
    let filter = AuditFilter {
        action: query.action,
        object_type: query.object_type,
        object_id: query.object_id,
        entity_id: query.entity_id,
        actor: query.actor,
        since: query.since,
        until: query.until,
    };
    let records = state
        .store
        .export_audit(&auth.principal.scope, &filter, EXPORT_LIMIT)
        .await?;
    if i64::try_from(records.len()).unwrap_or(i64::MAX) > EXPORT_LIMIT {
        let reason = tr.tf("audit.too_many", &[("max", &EXPORT_LIMIT.to_string())]);
        return Err(ApiError::field_error(FieldError::invalid("until", &reason)));
    }
    let names = state.store.audit_object_names(&name_refs(&records)).await?;
    let (bytes, media_type, extension) = match format {
        ExportFormat::Csv => {
            let table = audit_table(&records, &names, tr, &auth, &state);
            let bytes = Format::Csv.write(&table).map_err(ApiError::internal)?;
            (bytes, Format::Csv.media_type(), "csv")
        }
        ExportFormat::JsonLines => {
            let mut out = Vec::with_capacity(512 * records.len());
            for record in &records {
                let mut line = serde_json::to_value(record).map_err(ApiError::internal)?;
                if let Some(fields) = line.as_object_mut() {
                    fields.insert("object_name".into(), object_name(record, &names).into());
                    if record.entity_id.is_some() {
                        fields.insert("entity_name".into(), entity_name(record, &names).into());
                    }
                }
                serde_json::to_writer(&mut out, &line).map_err(ApiError::internal)?;
                out.push(b'\n');
            }
            (out, "application/x-ndjson; charset=utf-8", "jsonl")
        }
    };
    state
        .store
        .record_access(
            &auth.actor,
            "export.download",
            ("audit_log", "audit_log"),
            None,
            serde_json::json!({
                "kind": "audit-trail",
                "format": extension,
                "rows": records.len(),
                "filter": {
                    "action": filter.action, "object_type": filter.object_type,
                    "object_id": filter.object_id, "entity_id": filter.entity_id,
                    "actor": filter.actor, "since": filter.since, "until": filter.until,
                },
            }),
        )
        .await?;
    attachment(bytes, media_type, &format!("audit-trail.{extension}"))
}

/// The records as a table in the reader's language: labels for actions and object types,
/// names beside ids, the stored before/after JSON as it is.
fn audit_table(
    records: &[AuditRecord],
    names: &std::collections::HashMap<(String, String), String>,
    tr: Tr,
    auth: &Auth,
    state: &AppState,
) -> Table {
    let headers = [
        tr.t("audit.seq"),
        tr.t("audit.when"),
        tr.t("audit.actor"),
        tr.t("audit.source"),
        tr.t("audit.request_id"),
        tr.t("audit.action"),
        tr.t("audit.object_type"),
        tr.t("audit.object_id"),
        tr.t("audit.object_name"),
        tr.t("layout.entity"),
        tr.t("audit.before"),
        tr.t("audit.after"),
    ];
    let mut table = Table::new(tr.t("audit.export_title"), &headers);
    table.language = match tr.code() {
        "fr" => Language::Fr,
        _ => Language::En,
    };
    for r in records {
        table.rows.push(vec![
            r.seq.to_string(),
            r.at.clone(),
            r.actor_label.clone(),
            r.source.clone(),
            r.request_id.clone().unwrap_or_default(),
            tr.label("audit_action", &r.action),
            tr.label("audit_object", &r.object_type),
            r.object_id.clone(),
            object_name(r, names).unwrap_or_default(),
            entity_name(r, names),
            r.before.clone().unwrap_or_default(),
            r.after.clone().unwrap_or_default(),
        ]);
    }
    table.about = vec![
        (
            tr.t("audit.exported_on").to_owned(),
            hygeia_domain::clock::format_instant(state.store.clock().now()),
        ),
        (
            tr.t("audit.exported_by").to_owned(),
            format!("{} <{}>", auth.user.display_name, auth.user.email),
        ),
    ];
    table
}
