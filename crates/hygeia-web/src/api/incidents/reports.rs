//! Report drafts of an incident's stages: prefilled from the incident, saved as versions,
//! exported as PDF (typeset, the entity's identity on every page), JSON or Markdown.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hygeia_catalog::obligations::{Obligation, ObligationStage};
use hygeia_domain::access::Permission;
use hygeia_domain::validation::FieldError;
use hygeia_store::incidents::{ReportInput, ReportVersion};
use serde::{Deserialize, Serialize};

use super::incident_for;
use super::register::detail;
use super::views::{Bilingual, IncidentDetail, StageStatus};
use crate::AppState;
use crate::api::download::attachment;
use crate::api::{ApiJson, ApiQuery};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::ui::i18n::{Lang, Tr};

/// A stage's report: the saved versions and the draft to edit (the latest version, or a
/// first draft prefilled from the incident).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    pub obligation_id: String,
    pub obligation_title: Bilingual,
    pub recipient: Bilingual,
    pub stage: StageStatus,
    /// The fields the stage asks for, in order.
    pub fields: Vec<ReportField>,
    /// Saved versions, newest first.
    pub versions: Vec<ReportVersion>,
    /// The version the draft comes from (`null`: prefilled from the incident).
    pub draft_version: Option<i64>,
    pub language: String,
}

/// One field of a report with its current draft text.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportField {
    pub key: String,
    pub label: Bilingual,
    pub text: String,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// Language of a prefilled draft: `en` (default: the caller's) or `fr`.
    pub lang: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportExportQuery {
    /// `pdf` (default), `json` or `md`.
    pub format: Option<String>,
    /// The saved version (default: the latest; a prefilled draft when none is saved).
    pub version: Option<i64>,
    /// Language of the labels: `en` or `fr` (default: the version's language).
    pub lang: Option<String>,
}

fn stage_of<'c>(
    catalog: &'c hygeia_catalog::Catalog,
    obligation_id: &str,
    stage_key: &str,
) -> ApiResult<(&'c Obligation, &'c ObligationStage)> {
    let obligation = catalog
        .obligation(obligation_id)
        .ok_or_else(|| ApiError::NotFound(format!("obligation '{obligation_id}' was not found")))?;
    let stage = obligation.stage(stage_key).ok_or_else(|| {
        ApiError::NotFound(format!("stage '{obligation_id}/{stage_key}' was not found"))
    })?;
    Ok((obligation, stage))
}

/// The text a prefill source gives for this incident, in the reader's language.
pub(crate) fn prefill(source: &str, d: &IncidentDetail, tr: Tr) -> String {
    let i = &d.incident;
    let verdict = |q: &str| {
        d.verdicts
            .iter()
            .find(|v| v.question == q)
            .map(|v| {
                let answer = tr.label("incident_verdict", &v.verdict);
                if v.reasoning.is_empty() {
                    answer
                } else {
                    format!("{answer} — {}", v.reasoning)
                }
            })
            .unwrap_or_default()
    };
    let linked = |kind: &str| {
        d.links
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.target.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match source {
        "entity.name" => d.entity.name.clone(),
        "entity.country" => d.entity.country.clone(),
        "entity.registration_number" => d.entity.registration_number.clone().unwrap_or_default(),
        "entity.nis2_class" => tr.label("nis2.class", &d.entity.nis2_class),
        "incident.title" => i.title.clone(),
        "incident.reference" => i.reference.clone(),
        "incident.detected_at" => format!("{} UTC", tr.datetime(&i.detected_at)),
        "incident.aware_at" => format!("{} UTC", tr.datetime(&i.aware_at)),
        "incident.ended_at" => i
            .ended_at
            .as_deref()
            .map(|t| format!("{} UTC", tr.datetime(t)))
            .unwrap_or_default(),
        "incident.status" => tr.label("incident_status", &i.status),
        "incident.severity" => tr.label("incident_severity", &i.severity),
        "incident.description" => i.description.clone(),
        "incident.affected_services" => i.affected_services.clone(),
        "incident.affected_assets" => linked("asset"),
        "incident.impact" => i.impact.clone(),
        "incident.indicators" => i.indicators.clone(),
        "incident.measures" => i.measures.clone(),
        "incident.root_cause" => i.root_cause.clone(),
        "incident.contact" => i.contact.clone(),
        other => other
            .strip_prefix("verdict.")
            .map(verdict)
            .unwrap_or_default(),
    }
}

/// The report of a stage: versions and the draft in `lang`.
pub(crate) async fn report_view(
    state: &AppState,
    auth: &Auth,
    id: &str,
    obligation_id: &str,
    stage_key: &str,
    lang: Option<&str>,
) -> ApiResult<(ReportView, IncidentDetail)> {
    let d = detail(state, auth, id).await?;
    let catalog = state.catalog.current(&state.store).await?;
    let (obligation, stage) = stage_of(&catalog, obligation_id, stage_key)?;
    let status = d
        .obligations
        .iter()
        .find(|o| o.id == obligation_id)
        .and_then(|o| o.stages.iter().find(|s| s.key == stage_key))
        .cloned()
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "the obligation '{obligation_id}' does not concern this incident's entity"
            ))
        })?;
    let versions = state
        .store
        .incident_report_versions(&auth.principal.scope, id, obligation_id, stage_key)
        .await?;
    let latest = versions.first();
    let language = match (lang, latest) {
        (Some(l), _) => Lang::from_code(l),
        (None, Some(v)) => Lang::from_code(&v.language),
        (None, None) => crate::ui::i18n::Lang::from_code(&auth.user.locale),
    };
    let tr = Tr::new(language);
    let saved: BTreeMap<&str, &str> = latest
        .map(|v| {
            v.fields
                .iter()
                .map(|(k, t)| (k.as_str(), t.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let fields = stage
        .fields
        .iter()
        .map(|f| ReportField {
            key: f.key.clone(),
            label: (&f.label).into(),
            text: match latest {
                Some(_) => saved.get(f.key.as_str()).copied().unwrap_or("").to_owned(),
                None => f
                    .prefill
                    .as_deref()
                    .map(|p| prefill(p, &d, tr))
                    .unwrap_or_default(),
            },
        })
        .collect();
    Ok((
        ReportView {
            obligation_id: obligation.id.clone(),
            obligation_title: (&obligation.title).into(),
            recipient: (&obligation.recipient).into(),
            stage: status,
            fields,
            draft_version: latest.map(|v| v.version),
            versions,
            language: tr.code().to_owned(),
        },
        d,
    ))
}

/// A stage's report: its saved versions and the draft (prefilled from the incident until a
/// version is saved).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/reports/{obligation}/{stage}", tag = "incidents",
    params(("id" = String, Path, description = "The incident"),
        ("obligation" = String, Path, description = "The obligation template"),
        ("stage" = String, Path, description = "The stage key"), ReportQuery),
    responses((status = 200, body = ReportView), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_report(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, obligation, stage)): Path<(String, String, String)>,
    ApiQuery(query): ApiQuery<ReportQuery>,
) -> ApiResult<Json<ReportView>> {
    let (view, _) = report_view(
        &state,
        &auth,
        &id,
        &obligation,
        &stage,
        query.lang.as_deref(),
    )
    .await?;
    Ok(Json(view))
}

/// Save a new version of a stage's report draft.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/reports/{obligation}/{stage}", tag = "incidents",
    params(("id" = String, Path, description = "The incident"),
        ("obligation" = String, Path, description = "The obligation template"),
        ("stage" = String, Path, description = "The stage key")),
    request_body = ReportInput,
    responses((status = 201, body = ReportVersion), (status = 400, body = crate::error::Problem),
        (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn save_report(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, obligation, stage)): Path<(String, String, String)>,
    ApiJson(input): ApiJson<ReportInput>,
) -> ApiResult<(StatusCode, Json<ReportVersion>)> {
    incident_for(&state, &auth, &id, Permission::IncidentWrite).await?;
    let catalog = state.catalog.current(&state.store).await?;
    let saved = state
        .store
        .save_incident_report(
            &auth.actor,
            &auth.principal.scope,
            &catalog,
            &id,
            &obligation,
            &stage,
            &input,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// The report as exported: what JSON exports hold, and what PDF and Markdown typeset.
#[derive(Debug, Serialize)]
pub(crate) struct ExportedReport {
    pub schema: &'static str,
    pub language: String,
    pub entity: super::views::IncidentEntity,
    pub incident_reference: String,
    pub incident_title: String,
    pub obligation_id: String,
    pub obligation: String,
    pub recipient: String,
    pub legal_basis: String,
    pub stage_key: String,
    pub stage: String,
    pub due_at: Option<String>,
    pub submitted_at: Option<String>,
    pub version: Option<i64>,
    pub generated_at: String,
    pub fields: Vec<ExportedField>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ExportedField {
    pub key: String,
    pub label: String,
    pub text: String,
}

pub(crate) const REPORT_SCHEMA: &str = "https://hygeia.invalid/schemas/incident-report-1.json";

fn exported(
    view: &ReportView,
    d: &IncidentDetail,
    tr: Tr,
    version: Option<&ReportVersion>,
    now: &str,
) -> ExportedReport {
    let pick = |b: &Bilingual| tr.pick(&b.en, &b.fr).to_owned();
    let texts: BTreeMap<&str, &str> = version
        .map(|v| {
            v.fields
                .iter()
                .map(|(k, t)| (k.as_str(), t.as_str()))
                .collect()
        })
        .unwrap_or_default();
    ExportedReport {
        schema: REPORT_SCHEMA,
        language: tr.code().to_owned(),
        entity: d.entity.clone(),
        incident_reference: d.incident.reference.clone(),
        incident_title: d.incident.title.clone(),
        obligation_id: view.obligation_id.clone(),
        obligation: pick(&view.obligation_title),
        recipient: pick(&view.recipient),
        legal_basis: d
            .obligations
            .iter()
            .find(|o| o.id == view.obligation_id)
            .map(|o| pick(&o.legal_basis))
            .unwrap_or_default(),
        stage_key: view.stage.key.clone(),
        stage: pick(&view.stage.title),
        due_at: view.stage.due_at.clone(),
        submitted_at: view.stage.submitted_at.clone(),
        version: version.map(|v| v.version),
        generated_at: now.to_owned(),
        fields: view
            .fields
            .iter()
            .map(|f| ExportedField {
                key: f.key.clone(),
                label: pick(&f.label),
                text: match version {
                    Some(_) => texts.get(f.key.as_str()).copied().unwrap_or("").to_owned(),
                    None => f.text.clone(),
                },
            })
            .collect(),
    }
}

/// The report as Markdown.
pub(crate) fn markdown(r: &ExportedReport, tr: Tr) -> String {
    let mut out = format!("# {} — {}\n\n", r.stage, r.obligation);
    let colon = tr.pick(":", "\u{a0}:");
    let line = |label: &str, value: &str| format!("- **{label}**{colon} {value}\n");
    out.push_str(&line(tr.t("incidents.entity"), &r.entity.name));
    out.push_str(&line(
        tr.t("incidents.nis2_class"),
        &tr.label("nis2.class", &r.entity.nis2_class),
    ));
    out.push_str(&line(
        tr.t("incidents.reference"),
        &format!("{} — {}", r.incident_reference, r.incident_title),
    ));
    out.push_str(&line(tr.t("incidents.recipient"), &r.recipient));
    out.push_str(&line(tr.t("incidents.legal_basis"), &r.legal_basis));
    if let Some(due) = &r.due_at {
        out.push_str(&line(
            tr.t("incidents.due"),
            &format!("{} UTC", tr.datetime(due)),
        ));
    }
    if let Some(v) = r.version {
        out.push_str(&line(tr.t("incidents.version"), &v.to_string()));
    }
    out.push('\n');
    for f in &r.fields {
        out.push_str(&format!("## {}\n\n{}\n\n", f.label, f.text.trim()));
    }
    out
}

/// The report typeset as PDF.
pub(crate) fn pdf(r: &ExportedReport, tr: Tr) -> ApiResult<Vec<u8>> {
    let mut identity = vec![
        (tr.t("incidents.entity").to_owned(), r.entity.name.clone()),
        (
            tr.t("incidents.country").to_owned(),
            r.entity.country.clone(),
        ),
        (
            tr.t("incidents.nis2_class").to_owned(),
            tr.label("nis2.class", &r.entity.nis2_class),
        ),
    ];
    identity.push((
        tr.t("incidents.reference").to_owned(),
        r.incident_reference.clone(),
    ));
    let mut meta = vec![
        (tr.t("incidents.recipient").to_owned(), r.recipient.clone()),
        (
            tr.t("incidents.legal_basis").to_owned(),
            r.legal_basis.clone(),
        ),
    ];
    if let Some(due) = &r.due_at {
        meta.push((
            tr.t("incidents.due").to_owned(),
            format!("{} UTC", tr.datetime(due)),
        ));
    }
    meta.push((
        tr.t("incidents.version").to_owned(),
        r.version.map_or_else(
            || tr.t("incidents.unsaved_draft").to_owned(),
            |v| v.to_string(),
        ),
    ));
    meta.push((
        tr.t("incidents.generated_at").to_owned(),
        format!("{} UTC", tr.datetime(&r.generated_at)),
    ));
    let doc = hygeia_pdf::ReportDocument {
        language: tr.code().to_owned(),
        title: format!("{} — {}", r.stage, r.obligation),
        subtitle: format!("{} · {}", r.incident_reference, r.incident_title),
        identity,
        header: format!("{} — {}", r.entity.name, r.stage),
        meta,
        sections: r
            .fields
            .iter()
            .map(|f| hygeia_pdf::Section {
                label: f.label.clone(),
                text: f.text.clone(),
                table: None,
            })
            .collect(),
        footer_note: format!("Hygeia · {}", r.incident_reference),
        landscape: false,
    };
    hygeia_pdf::render(&doc).map_err(|e| ApiError::internal(e.to_string()))
}

/// A stage's report as PDF (typeset, the entity's identity on every page), JSON or Markdown.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/reports/{obligation}/{stage}/export", tag = "incidents",
    params(("id" = String, Path, description = "The incident"),
        ("obligation" = String, Path, description = "The obligation template"),
        ("stage" = String, Path, description = "The stage key"), ReportExportQuery),
    responses((status = 200, description = "PDF, JSON or Markdown file", content_type = "application/octet-stream"),
        (status = 400, body = crate::error::Problem), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn export_report(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, obligation, stage)): Path<(String, String, String)>,
    ApiQuery(query): ApiQuery<ReportExportQuery>,
) -> ApiResult<Response> {
    let format = query.format.as_deref().unwrap_or("pdf");
    if !matches!(format, "pdf" | "json" | "md") {
        return Err(ApiError::field_error(FieldError::one_of(
            "format",
            &["pdf", "json", "md"],
        )));
    }
    let (view, d) = report_view(
        &state,
        &auth,
        &id,
        &obligation,
        &stage,
        query.lang.as_deref(),
    )
    .await?;
    let version = match query.version {
        None => view.versions.first(),
        Some(n) => Some(
            view.versions
                .iter()
                .find(|v| v.version == n)
                .ok_or_else(|| {
                    ApiError::NotFound(format!("version {n} of this report was not found"))
                })?,
        ),
    };
    let tr = Tr::new(Lang::from_code(
        query
            .lang
            .as_deref()
            .or(version.map(|v| v.language.as_str()))
            .unwrap_or(&view.language),
    ));
    let now = hygeia_domain::clock::format_instant(state.store.clock().now());
    let report = exported(&view, &d, tr, version, &now);
    let report_for_pdf = exported(&view, &d, tr, version, &now);
    let (bytes, media, extension) = match format {
        "json" => (
            serde_json::to_vec_pretty(&report).map_err(ApiError::internal)?,
            "application/json",
            "json",
        ),
        "md" => (
            markdown(&report, tr).into_bytes(),
            "text/markdown; charset=utf-8",
            "md",
        ),
        _ => {
            // Typesetting is CPU work: off the async workers.
            let bytes = tokio::task::spawn_blocking(move || pdf(&report_for_pdf, tr))
                .await
                .map_err(ApiError::internal)??;
            (bytes, "application/pdf", "pdf")
        }
    };
    state
        .store
        .record_access(
            &auth.actor,
            "export.download",
            ("incident_report", &format!("{id}/{obligation}/{stage}")),
            Some(&d.incident.entity_id),
            serde_json::json!({ "format": extension, "version": report.version }),
        )
        .await?;
    attachment(
        bytes,
        media,
        &format!("{}-{stage}.{extension}", d.incident.reference),
    )
}
