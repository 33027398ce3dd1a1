//! The report of one stage of an incident's obligation: the draft (prefilled from the
//! incident until a version is saved), its versions, exports (PDF, JSON, Markdown) and the
//! record of its submission.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_store::incidents::{ReportInput, SubmissionInput};
use serde::Deserialize;

use super::assessments::{fail, refused, render_status, see_other};
use super::forms::Fields;
use super::incidents::{Shown, from_local_input, remaining, shown};
use super::{Area, Crumb, PageAuth, PageForm, PageResult, Shell, tr_of};
use crate::AppState;
use crate::api::incidents::incident_for;
use crate::api::incidents::reports::report_view;
use crate::auth::Auth;
use crate::error::ApiError;

pub struct FieldLine {
    pub key: String,
    pub label: String,
    pub text: String,
}

pub struct VersionLine {
    pub version: i64,
    pub language: String,
    pub saved: Shown,
    pub by: String,
}

#[derive(Template)]
#[template(path = "incident_report.html")]
struct ReportPage {
    shell: Shell,
    incident_id: String,
    reference: String,
    obligation_id: String,
    stage_key: String,
    obligation: String,
    stage: String,
    help: String,
    recipient: String,
    due: Option<Shown>,
    remaining: String,
    overdue: bool,
    submitted: Option<Shown>,
    language: String,
    other_language: String,
    fields: Vec<FieldLine>,
    versions: Vec<VersionLine>,
    draft_version: Option<i64>,
    can_write: bool,
    can_decide: bool,
    error: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    pub lang: Option<String>,
}

async fn show(
    state: &AppState,
    auth: &Auth,
    (id, obligation, stage): (&str, &str, &str),
    lang: Option<&str>,
    failed: Option<(&Fields, String)>,
) -> PageResult {
    let tr = tr_of(auth);
    let (view, d) = report_view(state, auth, id, obligation, stage, lang)
        .await
        .map_err(fail(tr))?;
    let zone =
        super::incidents::viewer_zone(auth, d.entity.time_zone.parse().unwrap_or(chrono_tz::UTC));
    let now = state.store.clock().now();
    let pick = |b: &crate::api::incidents::views::Bilingual| tr.pick(&b.en, &b.fr).to_owned();
    let language = view.language.clone();
    let report_tr = super::i18n::Tr::new(super::i18n::Lang::from_code(&language));
    let fields = view
        .fields
        .iter()
        .map(|f| FieldLine {
            key: f.key.clone(),
            label: report_tr.pick(&f.label.en, &f.label.fr).to_owned(),
            text: failed.as_ref().map_or_else(
                || f.text.clone(),
                |(fs, _)| fs.text(&format!("field.{}", f.key)),
            ),
        })
        .collect();
    let versions = view
        .versions
        .iter()
        .map(|v| VersionLine {
            version: v.version,
            language: v.language.clone(),
            saved: shown(tr, zone, &v.saved_at),
            by: v.saved_by.clone(),
        })
        .collect();
    let stage_title = pick(&view.stage.title);
    let shell = Shell::new(
        state,
        auth,
        Area::Incidents,
        format!("{stage_title} — {}", d.incident.reference),
        vec![
            Crumb::link(tr.t("incidents.title"), "/incidents"),
            Crumb::link(d.incident.reference.clone(), format!("/incidents/{id}")),
            Crumb::here(stage_title.clone()),
        ],
        Some(&d.incident.entity_id),
    )
    .await?;
    let page = ReportPage {
        shell,
        incident_id: id.to_owned(),
        reference: d.incident.reference.clone(),
        obligation_id: view.obligation_id.clone(),
        stage_key: view.stage.key.clone(),
        obligation: pick(&view.obligation_title),
        stage: stage_title,
        help: pick(&view.stage.help),
        recipient: pick(&view.recipient),
        due: view.stage.due_at.as_deref().map(|x| shown(tr, zone, x)),
        remaining: match (view.stage.state.as_str(), &view.stage.due_at) {
            ("due", Some(x)) => remaining(tr, x, now),
            _ => String::new(),
        },
        overdue: view.stage.overdue,
        submitted: view
            .stage
            .submitted_at
            .as_deref()
            .map(|x| shown(tr, zone, x)),
        other_language: if language == "fr" {
            "en".into()
        } else {
            "fr".into()
        },
        language,
        fields,
        versions,
        draft_version: view.draft_version,
        can_write: auth.principal.require(Permission::IncidentWrite).is_ok(),
        can_decide: auth.principal.require(Permission::IncidentDecide).is_ok(),
        error: failed.as_ref().map(|(_, e)| e.clone()),
    };
    let code = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_status(tr, code, &page)
}

pub async fn report_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path((id, obligation, stage)): Path<(String, String, String)>,
    Query(query): Query<ReportQuery>,
) -> PageResult {
    show(
        &state,
        &auth,
        (&id, &obligation, &stage),
        query.lang.as_deref(),
        None,
    )
    .await
}

pub async fn save_report(
    State(state): State<AppState>,
    Path((id, obligation, stage)): Path<(String, String, String)>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let result: Result<(), ApiError> = async {
        incident_for(&state, &auth, &id, Permission::IncidentWrite).await?;
        let catalog = state.catalog.current(&state.store).await?;
        let texts = fields
            .iter_prefixed("field.")
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let input = ReportInput {
            language: fields.text("language"),
            fields: texts,
        };
        state
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
        Ok(())
    }
    .await;
    let target = format!("/incidents/{id}/reports/{obligation}/{stage}");
    match result {
        Ok(()) => Ok(see_other(&format!("{target}#versions"))),
        Err(e @ (ApiError::NotFound(_) | ApiError::Forbidden(_))) => Err(fail(tr)(e)),
        Err(e) => {
            let message = refused(tr, &e);
            let lang = fields.text("language");
            show(
                &state,
                &auth,
                (&id, &obligation, &stage),
                Some(&lang),
                Some((&fields, message)),
            )
            .await
        }
    }
}

pub async fn record_submission(
    State(state): State<AppState>,
    Path((id, obligation, stage)): Path<(String, String, String)>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let result: Result<(), ApiError> = async {
        let incident = incident_for(&state, &auth, &id, Permission::IncidentDecide).await?;
        let zone = state
            .store
            .entity(&incident.entity_id)
            .await
            .map(|e| hygeia_domain::clock::zone_of_country(&e.country))
            .unwrap_or(chrono_tz::UTC);
        let catalog = state.catalog.current(&state.store).await?;
        let at = from_local_input(&fields.text("submitted_at"), zone);
        let input = SubmissionInput {
            submitted_at: Some(at).filter(|a| !a.is_empty()),
            channel: fields.text("channel"),
            recipient_reference: fields.text("recipient_reference"),
            report_version: fields.text("report_version").parse().ok(),
        };
        state
            .store
            .record_incident_submission(
                &auth.actor,
                &auth.principal.scope,
                &catalog,
                &id,
                &obligation,
                &stage,
                &input,
            )
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/incidents/{id}#obligation-{obligation}"
        ))),
        Err(e @ (ApiError::NotFound(_) | ApiError::Forbidden(_))) => Err(fail(tr)(e)),
        Err(e) => {
            let message = refused(tr, &e);
            show(
                &state,
                &auth,
                (&id, &obligation, &stage),
                None,
                Some((&fields, message)),
            )
            .await
        }
    }
}
