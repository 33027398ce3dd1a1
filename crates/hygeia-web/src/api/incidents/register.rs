//! The incident register over the API: list, declare, read, update, export; and the
//! reporting-obligation templates.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use hygeia_domain::access::Permission;
use hygeia_domain::incidents::IncidentStatus;
use hygeia_domain::validation::FieldError;
use hygeia_report::{Language, Table};
use hygeia_store::Page;
use hygeia_store::incidents::{Incident, IncidentFilter, IncidentInput};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use super::views::{self, Bilingual, IncidentDetail};
use super::{incident_for, reporting, reports, story};
use crate::AppState;
use crate::api::download::{attachment, table_format};
use crate::api::{ApiJson, ApiQuery, Paging};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::ui::i18n::{Lang, Tr};

#[derive(OpenApi)]
#[openapi(
    paths(
        list_incidents, create_incident, get_incident, update_incident, export_incidents,
        list_obligations, reporting::set_verdict, reporting::set_aside, reporting::restore,
        reporting::record_submission, story::add_timeline_entry, story::add_action,
        story::update_action, story::set_links, story::create_control_from_lesson, reports::get_report, reports::save_report,
        reports::export_report,
    ),
    tags((name = "incidents", description = "Incidents and their reporting duties: NIS2 Art. 23 clocks, health-sector and GDPR reports, drafts and submissions"))
)]
pub struct IncidentsDoc;

/// An incident in a list, with whether a report is past its deadline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IncidentListItem {
    #[serde(flatten)]
    pub incident: Incident,
    /// A report is past its deadline (`next_due_at` is before now).
    pub overdue: bool,
}

/// Checks the list criteria a client sent.
pub(crate) fn check_filter(filter: &IncidentFilter) -> ApiResult<()> {
    if let Some(status) = filter
        .status
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        && status != "ongoing"
        && IncidentStatus::parse(status).is_none()
    {
        return Err(ApiError::field_error(FieldError::one_of(
            "status",
            &["open", "contained", "resolved", "closed", "ongoing"],
        )));
    }
    Ok(())
}

/// Incidents in the caller's scope, the most urgent first (a report still to send, by its
/// deadline), then the others, newest first.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents",
    params(IncidentFilter, Paging),
    responses((status = 200, body = Page<IncidentListItem>), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_incidents(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(filter): ApiQuery<IncidentFilter>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<Page<IncidentListItem>>> {
    auth.principal.require(Permission::IncidentRead)?;
    check_filter(&filter)?;
    let page = state
        .store
        .incidents(&auth.principal.scope, &filter, paging.request())
        .await?;
    let now = hygeia_domain::clock::format_instant(state.store.clock().now());
    Ok(Json(page.map(|incident| {
        IncidentListItem {
            overdue: incident
                .next_due_at
                .as_deref()
                .is_some_and(|d| d < now.as_str()),
            incident,
        }
    })))
}

/// Declare an incident of an entity: its clocks start from the time the entity became aware.
#[utoipa::path(post, path = "/api/v1/entities/{id}/incidents", tag = "incidents",
    params(("id" = String, Path, description = "The entity")),
    request_body = IncidentInput,
    responses((status = 201, body = Incident), (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_incident(
    State(state): State<AppState>,
    auth: Auth,
    Path(entity_id): Path<String>,
    ApiJson(input): ApiJson<IncidentInput>,
) -> ApiResult<(StatusCode, Json<Incident>)> {
    crate::api::entities::visible_entity(&state, &auth, &entity_id, Permission::IncidentWrite)
        .await?;
    let catalog = state.catalog.current(&state.store).await?;
    let incident = state
        .store
        .create_incident(&auth.actor, &catalog, &entity_id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(incident)))
}

/// Everything about one incident, with the deadline of each report stage.
pub(crate) async fn detail(state: &AppState, auth: &Auth, id: &str) -> ApiResult<IncidentDetail> {
    incident_for(state, auth, id, Permission::IncidentRead).await?;
    let scope = &auth.principal.scope;
    let catalog = state.catalog.current(&state.store).await?;
    let reporting = state.store.incident_reporting(scope, &catalog, id).await?;
    let timeline = state.store.incident_timeline(scope, id).await?;
    let actions = state.store.incident_actions(scope, id).await?;
    let links = state.store.incident_links(scope, id).await?;
    Ok(views::detail(
        &catalog,
        reporting,
        timeline,
        actions,
        links,
        state.store.clock().now(),
    ))
}

/// An incident with its verdicts, obligations and their clocks, timeline, actions and links.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = String, Path, description = "The incident")),
    responses((status = 200, body = IncidentDetail), (status = 404, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn get_incident(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<IncidentDetail>> {
    Ok(Json(detail(&state, &auth, &id).await?))
}

/// Change an incident (send back the `version` you read to avoid overwriting someone else's
/// change). Marking it resolved or closed records when it ended.
#[utoipa::path(put, path = "/api/v1/incidents/{id}", tag = "incidents",
    params(("id" = String, Path, description = "The incident")),
    request_body = IncidentInput,
    responses((status = 200, body = Incident), (status = 400, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn update_incident(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<IncidentInput>,
) -> ApiResult<Json<Incident>> {
    incident_for(&state, &auth, &id, Permission::IncidentWrite).await?;
    let catalog = state.catalog.current(&state.store).await?;
    Ok(Json(
        state
            .store
            .update_incident(&auth.actor, &auth.principal.scope, &catalog, &id, &input)
            .await?,
    ))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegisterExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
    /// Headers and values in `en` (default) or `fr` (French CSV uses `;`).
    pub lang: Option<String>,
    pub entity_id: Option<String>,
    pub status: Option<String>,
    #[serde(default)]
    pub overdue: bool,
}

/// The register as a table in the reader's language.
pub(crate) fn register_table(
    incidents: &[Incident],
    entity_names: &std::collections::BTreeMap<String, String>,
    tr: Tr,
    now: &str,
) -> Table {
    let fr = tr.lang == Lang::Fr;
    let language = if fr { Language::Fr } else { Language::En };
    let headers: &[&str] = if fr {
        &[
            "Référence",
            "Entité",
            "Titre",
            "Statut",
            "Gravité",
            "Détecté le",
            "Connaissance le",
            "Terminé le",
            "Prochaine échéance",
            "En retard",
        ]
    } else {
        &[
            "Reference",
            "Entity",
            "Title",
            "Status",
            "Severity",
            "Detected at",
            "Aware at",
            "Ended at",
            "Next deadline",
            "Overdue",
        ]
    };
    let mut table = Table::new("Incidents", headers);
    table.language = language;
    for i in incidents {
        let overdue = i.next_due_at.as_deref().is_some_and(|d| d < now);
        table.rows.push(vec![
            i.reference.clone(),
            entity_names.get(&i.entity_id).cloned().unwrap_or_default(),
            i.title.clone(),
            tr.label("incident_status", &i.status),
            tr.label("incident_severity", &i.severity),
            i.detected_at.clone(),
            i.aware_at.clone(),
            i.ended_at.clone().unwrap_or_default(),
            i.next_due_at.clone().unwrap_or_default(),
            match (overdue, fr) {
                (true, true) => "oui",
                (false, true) => "non",
                (true, false) => "yes",
                (false, false) => "no",
            }
            .into(),
        ]);
    }
    table.about = vec![
        (
            if fr { "Exporté le" } else { "Exported at" }.into(),
            now.to_owned(),
        ),
        ("Incidents".into(), incidents.len().to_string()),
    ];
    table
}

/// The incident register as CSV or XLSX (one row per incident, times in UTC).
#[utoipa::path(get, path = "/api/v1/incidents/export", tag = "incidents",
    params(RegisterExportQuery),
    responses((status = 200, description = "CSV or XLSX file", content_type = "application/octet-stream"),
        (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn export_incidents(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<RegisterExportQuery>,
) -> ApiResult<Response> {
    auth.principal.require(Permission::IncidentRead)?;
    let format = table_format(query.format.as_deref())?;
    let tr = Tr::new(Lang::from_code(query.lang.as_deref().unwrap_or("en")));
    let filter = IncidentFilter {
        entity_id: query.entity_id.clone(),
        status: query.status.clone(),
        overdue: query.overdue,
        q: None,
    };
    check_filter(&filter)?;
    let incidents = state
        .store
        .all_incidents(&auth.principal.scope, &filter)
        .await?;
    let names = crate::api::entities::entity_names(&state, &auth).await?;
    let now = hygeia_domain::clock::format_instant(state.store.clock().now());
    let table = register_table(&incidents, &names, tr, &now);
    let bytes = format.write(&table).map_err(ApiError::internal)?;
    state
        .store
        .record_access(
            &auth.actor,
            "export.download",
            ("incident_register", "incidents"),
            query.entity_id.as_deref(),
            serde_json::json!({ "format": format.extension(), "rows": table.rows.len() }),
        )
        .await?;
    attachment(
        bytes,
        format.media_type(),
        &format!("incidents.{}", format.extension()),
    )
}

/// A reporting-obligation template.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ObligationTemplate {
    pub id: String,
    pub title: Bilingual,
    pub recipient: Bilingual,
    pub legal_basis: Bilingual,
    pub notice: Option<Bilingual>,
    /// Questions that must all be answered yes for it to be owed (empty: every incident).
    pub trigger: Vec<String>,
    pub countries: Vec<String>,
    pub entity_types: Vec<String>,
    pub nis2_entities_only: bool,
    pub stages: Vec<TemplateStage>,
    /// Shipped with Hygeia, or imported (its file name).
    pub file: String,
}

/// A stage of a template.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateStage {
    pub key: String,
    pub title: Bilingual,
    pub help: Bilingual,
    /// `24h`, `72h`, `1 month`, `without undue delay` or `on request`.
    pub due: String,
    /// `awareness`, `incident_end` or `submitted:<stage>`.
    pub from: String,
    pub fields: Vec<String>,
}

/// The reporting-obligation templates (shipped and imported; import more with
/// `POST /api/v1/catalog/imports` and `kind: obligation`).
#[utoipa::path(get, path = "/api/v1/obligations", tag = "incidents",
    responses((status = 200, body = Vec<ObligationTemplate>)),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_obligations(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<Vec<ObligationTemplate>>> {
    auth.principal.require(Permission::IncidentRead)?;
    let catalog = state.catalog.current(&state.store).await?;
    Ok(Json(
        catalog
            .obligations()
            .iter()
            .map(|o| ObligationTemplate {
                id: o.id.clone(),
                title: (&o.title).into(),
                recipient: (&o.recipient).into(),
                legal_basis: (&o.legal_basis).into(),
                notice: o.notice.as_ref().map(Into::into),
                trigger: o.trigger.iter().map(|q| q.code().to_owned()).collect(),
                countries: o.applies_to.countries.clone(),
                entity_types: o.applies_to.entity_types.clone(),
                nis2_entities_only: o.applies_to.nis2_entities_only,
                stages: o
                    .stages
                    .iter()
                    .map(|s| TemplateStage {
                        key: s.key().to_owned(),
                        title: (&s.title).into(),
                        help: (&s.help).into(),
                        due: s.rule.delay.to_string(),
                        from: match &s.rule.anchor {
                            hygeia_domain::incidents::deadlines::Anchor::Awareness => {
                                "awareness".into()
                            }
                            hygeia_domain::incidents::deadlines::Anchor::IncidentEnd => {
                                "incident_end".into()
                            }
                            hygeia_domain::incidents::deadlines::Anchor::Stage(k) => {
                                format!("submitted:{k}")
                            }
                        },
                        fields: s.fields.iter().map(|f| f.key.clone()).collect(),
                    })
                    .collect(),
                file: o.file.clone(),
            })
            .collect(),
    ))
}
