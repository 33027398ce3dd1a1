//! One requirement within an assessment: its result (justification mandatory for not
//! applicable), owner, due date, notes, linked controls, evidence with expiry flags, upload
//! (a multipart form, size-limited while reading) and download, and the result's history.

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use hygeia_compliance::ResultValue;
use hygeia_domain::access::Permission;
use hygeia_store::assessments::{Assessment, Attachment, EvidenceUpload, Expiry, ResultInput};

use super::assessments::{
    assessment_crumbs, assessment_page_for, fail, needs_justification, refused, render_status,
    see_other, value_choices, value_label,
};
use super::forms::Fields;
use super::i18n::Tr;
use super::{Area, Choice, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, tr_of};
use crate::AppState;
use crate::auth::{self, Auth};
use crate::error::ApiError;

pub struct EvidenceLine {
    pub id: String,
    pub title: String,
    pub file_name: String,
    pub size: String,
    pub is_file: bool,
    pub url: String,
    pub valid_until: String,
    pub expiry: &'static str,
    pub expiry_label: String,
}

/// One change of the result, from the audit trail: who, when, the result from → to, and
/// the other fields that changed with it.
pub struct HistoryLine {
    pub at: String,
    pub who: String,
    /// The author's e-mail address (their name is shown when known).
    pub who_email: String,
    pub from: String,
    pub to: String,
    pub other: Vec<String>,
}

/// The result value named in a stored result's JSON, in the reader's language ("—" when
/// there was none).
fn value_in(tr: Tr, json: Option<&str>) -> String {
    json.and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
        .and_then(|v| v.get("value").and_then(|v| v.as_str()).map(str::to_owned))
        .and_then(|code| ResultValue::parse(&code))
        .map(|v| value_label(tr, v))
        .unwrap_or_else(|| "—".to_owned())
}

/// The history lines of a result from its audit records (newest first), with the authors'
/// names from `names`.
fn history_lines(
    tr: Tr,
    records: &[hygeia_domain::audit::AuditRecord],
    names: &std::collections::HashMap<(String, String), String>,
) -> Vec<HistoryLine> {
    const FIELDS: [(&str, &str); 4] = [
        ("owner", "assessment.owner"),
        ("due_on", "assessment.due_on"),
        ("justification", "assessment.justification"),
        ("notes", "assessment.notes"),
    ];
    records
        .iter()
        .map(|r| {
            let changes = super::audit::field_changes(r.before.as_deref(), r.after.as_deref());
            let other = FIELDS
                .iter()
                .filter_map(|(field, key)| {
                    let c = changes.iter().find(|c| c.field == *field && c.changed())?;
                    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".to_owned());
                    Some(format!(
                        "{}{}{} → {}",
                        tr.t(key),
                        tr.pick(": ", " : "),
                        show(&c.before),
                        show(&c.after)
                    ))
                })
                .collect();
            let who = r
                .actor_id
                .as_ref()
                .and_then(|id| names.get(&("user".to_owned(), id.clone())))
                .cloned()
                .unwrap_or_else(|| r.actor_label.clone());
            HistoryLine {
                at: tr.datetime(&r.at),
                who,
                who_email: r.actor_label.clone(),
                from: value_in(tr, r.before.as_deref()),
                to: value_in(tr, r.after.as_deref()),
                other,
            }
        })
        .collect()
}

pub struct ControlLine {
    pub id: String,
    pub name: String,
    pub status: String,
}

#[derive(Default)]
struct ResultForm {
    justification: String,
    owner: String,
    due_on: String,
    notes: String,
}

#[derive(Template)]
#[template(path = "assessment_requirement.html")]
struct DetailPage {
    shell: Shell,
    id: String,
    requirement: String,
    reference: String,
    title: String,
    description: String,
    catalog_href: String,
    value: String,
    origin: String,
    can_edit: bool,
    choices: Vec<Choice>,
    /// The users the result may be given to, and a free-text owner of older data.
    owners: Vec<Choice>,
    /// The owner as shown to readers (name, or free text as such).
    owner_label: String,
    form: ResultForm,
    error: Option<String>,
    upload_error: Option<String>,
    controls: Vec<ControlLine>,
    evidence: Vec<EvidenceLine>,
    history: Vec<HistoryLine>,
    limit_hint: String,
    risk_signal: Option<RiskSignal>,
    /// What the automated checks say of the requirement, and where decisions return.
    observations: Vec<super::checks::ObservationLine>,
    proposals: Vec<super::checks::ProposalLine>,
    can_decide: bool,
    back: String,
}

/// What the entity's risk register says, on the requirements of NIS2 Art. 21(2)(a): a signal
/// for the assessor, never a result set on its own.
pub struct RiskSignal {
    pub summary: String,
    pub gaps: Vec<String>,
    pub href: String,
}

/// The risk-register signal of `entity_id`, for requirements under Art. 21(2)(a) when the
/// reader may see risks.
async fn risk_signal(
    state: &AppState,
    auth: &Auth,
    entity_id: &str,
    letters: &[hygeia_catalog::Art21Letter],
) -> Result<Option<RiskSignal>, PageError> {
    let tr = tr_of(auth);
    let risk_management = hygeia_catalog::Art21Letter::new('a');
    if !letters.iter().any(|l| Some(*l) == risk_management)
        || auth.principal.require(Permission::RiskRead).is_err()
    {
        return Ok(None);
    }
    let overview = state
        .store
        .risk_overview(&auth.principal.scope, Some(entity_id))
        .await
        .map_err(|e| fail(tr)(e.into()))?;
    Ok(Some(RiskSignal {
        summary: tr.tf(
            "assessment.risk_signal_summary",
            &[
                ("risks", &tr.num(overview.risks)),
                ("done", &tr.num(overview.actions_done)),
                ("open", &tr.num(overview.actions_open)),
            ],
        ),
        gaps: overview
            .gaps()
            .into_iter()
            .map(|g| tr.label("assessment.risk_gap", g.as_str()))
            .collect(),
        href: format!("/risks?entity={}", crate::ui::url_encode(entity_id)),
    }))
}

pub(super) fn size(tr: Tr, bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", tr.num(bytes / (1024 * 1024)))
    } else if bytes >= 1024 {
        format!("{} KB", tr.num(bytes / 1024))
    } else {
        format!("{} B", tr.num(bytes))
    }
}

struct Shown<'a> {
    error: Option<String>,
    upload_error: Option<String>,
    fields: Option<&'a Fields>,
    status: StatusCode,
}

async fn show(
    state: &AppState,
    auth: &Auth,
    assessment: &Assessment,
    requirement: &str,
    shown: Shown<'_>,
) -> PageResult {
    let tr = tr_of(auth);
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    let framework = catalog.framework(&assessment.framework_id);
    let known = framework.and_then(|f| f.requirement(requirement));
    // A section heading has no result of its own: its catalog page lists what it holds.
    if let Some(heading) = known.filter(|r| !r.assessable) {
        return Ok(see_other(&format!(
            "/compliance/frameworks/{}/requirements/{}",
            assessment.framework_id, heading.id
        )));
    }
    let found = known
        .ok_or_else(|| fail(tr)(ApiError::NotFound(tr.t("error.no_requirement").to_owned())))?;
    let store = &state.store;
    let e = |e: hygeia_store::StoreError| fail(tr)(e.into());
    // Only what this requirement needs is read: its controls, the evidence reaching it and
    // its own history, each in one query (not the whole framework's maps).
    let (stored, controls, reached, history) = futures_util::future::try_join4(
        store.results(&assessment.id),
        store.controls_for_requirement(
            &assessment.entity_id,
            &assessment.framework_id,
            requirement,
        ),
        store.evidence_for_requirement(
            &assessment.entity_id,
            &assessment.framework_id,
            requirement,
        ),
        store.object_trail(
            "assessment_result",
            &format!("{}/{}", assessment.id, requirement),
            50,
        ),
    )
    .await
    .map_err(e)?;
    let current = stored.iter().find(|r| r.requirement_id == requirement);
    let controls = controls
        .into_iter()
        .map(|c| ControlLine {
            status: tr.t(&format!("controls.status.{}", c.status)).to_owned(),
            id: c.id,
            name: c.name,
        })
        .collect();
    let evidence = {
        reached
            .into_iter()
            .map(|ev| EvidenceLine {
                is_file: ev.kind == "file",
                url: ev.url.clone().unwrap_or_default(),
                file_name: ev.file_name.clone().unwrap_or_default(),
                size: ev.size_bytes.map(|b| size(tr, b)).unwrap_or_default(),
                valid_until: ev
                    .valid_until
                    .as_deref()
                    .map(|d| tr.date(d))
                    .unwrap_or_else(|| "—".to_owned()),
                expiry: match ev.expiry {
                    Expiry::Expired => "bad",
                    Expiry::ExpiringSoon => "warn",
                    _ => "ok",
                },
                expiry_label: match ev.expiry {
                    Expiry::Expired => tr.t("evidence.expired"),
                    Expiry::ExpiringSoon => tr.t("evidence.expiring"),
                    Expiry::Valid => tr.t("evidence.valid"),
                    Expiry::NoEndDate => tr.t("evidence.no_end"),
                }
                .to_owned(),
                id: ev.id,
                title: ev.title,
            })
            .collect()
    };
    // The authors' names in one query.
    let authors: Vec<(String, String)> = history
        .iter()
        .filter_map(|r| r.actor_id.clone().map(|id| ("user".to_owned(), id)))
        .collect();
    let names = store.audit_object_names(&authors).await.map_err(e)?;
    let history = history_lines(tr, &history, &names);
    let value = current.map(|r| r.value).unwrap_or_default();
    let wanted = shown
        .fields
        .and_then(|f| ResultValue::parse(&f.text("value")))
        .unwrap_or(value);
    let pick = |name: &str, stored: Option<&String>| match shown.fields {
        Some(f) => f.text(name),
        None => stored.cloned().unwrap_or_default(),
    };
    let form = ResultForm {
        justification: pick(
            "justification",
            current.and_then(|r| r.justification.as_ref()),
        ),
        owner: pick("owner", current.and_then(|r| r.owner.as_ref())),
        due_on: pick("due_on", current.and_then(|r| r.due_on.as_ref())),
        notes: pick("notes", current.and_then(|r| r.notes.as_ref())),
    };
    let members = store
        .users_with_access(&assessment.entity_id)
        .await
        .map_err(e)?;
    let owners = super::assessments::owner_choices(tr, &members, &form.owner);
    let owner_label = owners
        .iter()
        .find(|c| c.selected)
        .map(|c| c.label.clone())
        .unwrap_or_default();
    let mut crumbs = assessment_crumbs(tr, &catalog, assessment);
    crumbs.push(Crumb::here(found.reference.clone()));
    let title = format!("{} {}", found.reference, tr.text(&found.title));
    let shell = Shell::new(
        state,
        auth,
        Area::Compliance,
        title,
        crumbs,
        Some(&assessment.entity_id),
    )
    .await?;
    let risk_signal = risk_signal(state, auth, &assessment.entity_id, &found.nis2_art21).await?;
    let checks = super::checks::requirement_checks(state, auth, assessment, requirement).await?;
    let page = DetailPage {
        risk_signal,
        observations: checks.observations,
        proposals: checks.proposals,
        can_decide: checks.can_decide,
        back: detail_href(assessment, requirement),
        shell,
        id: assessment.id.clone(),
        requirement: requirement.to_owned(),
        reference: found.reference.clone(),
        title: tr.text(&found.title).to_owned(),
        description: found
            .description
            .as_ref()
            .map(|d| tr.text(d).to_owned())
            .unwrap_or_default(),
        catalog_href: format!(
            "/compliance/frameworks/{}/requirements/{}",
            assessment.framework_id, found.id
        ),
        value: value_label(tr, value),
        origin: current
            .map(|r| {
                tr.t(&format!("assessment.origin.{}", r.origin.code()))
                    .to_owned()
            })
            .unwrap_or_default(),
        can_edit: auth.principal.require(Permission::ComplianceEdit).is_ok(),
        choices: value_choices(tr, Some(wanted)),
        owners,
        owner_label,
        form,
        error: shown.error,
        upload_error: shown.upload_error,
        controls,
        evidence,
        history,
        limit_hint: tr.tf(
            "evidence.limit",
            &[(
                "limit",
                &size(
                    tr,
                    i64::try_from(state.config.evidence_max_bytes).unwrap_or(i64::MAX),
                ),
            )],
        ),
    };
    render_status(tr, shown.status, &page)
}

pub async fn result_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path((id, requirement)): Path<(String, String)>,
) -> PageResult {
    let assessment = assessment_page_for(&state, &auth, &id, Permission::ComplianceRead).await?;
    let shown = Shown {
        error: None,
        upload_error: None,
        fields: None,
        status: StatusCode::OK,
    };
    show(&state, &auth, &assessment, &requirement, shown).await
}

fn detail_href(assessment: &Assessment, requirement: &str) -> String {
    format!(
        "/compliance/assessments/{}/requirements/{}",
        assessment.id,
        url::form_urlencoded::byte_serialize(requirement.as_bytes()).collect::<String>()
    )
}

pub async fn save_result(
    State(state): State<AppState>,
    Path((id, requirement)): Path<(String, String)>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let assessment = assessment_page_for(&state, &auth, &id, Permission::ComplianceEdit).await?;
    let optional = |name: &str| Some(fields.text(name)).filter(|t| !t.is_empty());
    let refuse = |message: String| Shown {
        error: Some(message),
        upload_error: None,
        fields: Some(&fields),
        status: StatusCode::BAD_REQUEST,
    };
    let Some(value) = ResultValue::parse(&fields.text("value")) else {
        let shown = refuse(tr.t("assessment.bad_value").to_owned());
        return show(&state, &auth, &assessment, &requirement, shown).await;
    };
    let mut input = ResultInput {
        requirement_id: requirement.clone(),
        value,
        owner: optional("owner"),
        due_on: optional("due_on"),
        notes: optional("notes"),
        justification: optional("justification"),
    };
    if let Some(message) = needs_justification(tr, std::slice::from_ref(&input)) {
        return show(&state, &auth, &assessment, &requirement, refuse(message)).await;
    }
    if let Err(e) = crate::api::assessments::results::check_owners(
        &state,
        &assessment,
        std::slice::from_mut(&mut input),
    )
    .await
    {
        let message = refused(tr, &e);
        return show(&state, &auth, &assessment, &requirement, refuse(message)).await;
    }
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    match state
        .store
        .set_results(
            &auth.actor,
            &auth.principal.scope,
            &assessment.id,
            std::slice::from_ref(&input),
            &catalog,
        )
        .await
    {
        Ok(_) => Ok(see_other(&detail_href(&assessment, &requirement))),
        Err(e) => {
            let message = refused(tr, &ApiError::from(e));
            show(&state, &auth, &assessment, &requirement, refuse(message)).await
        }
    }
}

/// What an upload form sent.
#[derive(Default)]
pub(super) struct Upload {
    pub csrf: String,
    pub title: String,
    pub valid_until: String,
    pub file_name: String,
    pub media_type: Option<String>,
    pub content: Vec<u8>,
    /// The evidence register's form: its entity, and what to attach the file to (control
    /// ids; `FRAMEWORK|REQUIREMENT`).
    pub entity: String,
    pub controls: Vec<String>,
    pub requirements: Vec<String>,
    /// The supplier portal's form: the question a file supports.
    pub question: String,
}

/// At most this many attachments are read from one upload form.
const MAX_TARGETS: usize = 1_000;

pub(super) enum UploadError {
    TooLarge,
    Unreadable(String),
}

/// Largest non-file field of the upload form.
const FIELD_LIMIT: u64 = 16 * 1024;
/// Room for the form's other fields and part headers in the whole body.
const FORM_FIELDS_LIMIT: u64 = 64 * 1024;

/// Maps multer's refusals: a size limit crossed is "too large", anything else unreadable.
fn upload_error(error: multer::Error) -> UploadError {
    match error {
        multer::Error::FieldSizeExceeded { .. } | multer::Error::StreamSizeExceeded { .. } => {
            UploadError::TooLarge
        }
        other => UploadError::Unreadable(other.to_string()),
    }
}

/// Reads a multipart upload, refusing as soon as the file exceeds `limit` bytes.
pub(super) async fn read_upload(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Upload, UploadError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary =
        multer::parse_boundary(content_type).map_err(|e| UploadError::Unreadable(e.to_string()))?;
    // Every part is bounded before it is read: the file by the evidence limit, any other
    // field (CSRF token, title, date) by a few kilobytes, the whole body by their sum. No
    // field is buffered whole beyond its bound, whatever a client sends.
    let file_limit = u64::try_from(limit).unwrap_or(u64::MAX);
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(file_limit.saturating_add(FORM_FIELDS_LIMIT))
            .per_field(FIELD_LIMIT)
            .for_field("file", file_limit),
    );
    let mut multipart =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let mut upload = Upload::default();
    while let Some(mut field) = multipart.next_field().await.map_err(upload_error)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            upload.file_name = field.file_name().unwrap_or_default().to_owned();
            upload.media_type = field.content_type().map(|m| m.to_string());
            while let Some(chunk) = field.chunk().await.map_err(upload_error)? {
                if upload.content.len() + chunk.len() > limit {
                    return Err(UploadError::TooLarge);
                }
                upload.content.extend_from_slice(&chunk);
            }
        } else {
            let text = field.text().await.map_err(upload_error)?;
            let text: String = text.chars().take(4000).collect();
            match name.as_str() {
                "csrf" => upload.csrf = text,
                "title" => upload.title = text.trim().to_owned(),
                "valid_until" => upload.valid_until = text.trim().to_owned(),
                "entity" => upload.entity = text.trim().to_owned(),
                "question_id" => upload.question = text.trim().to_owned(),
                "control" | "requirement"
                    if upload.controls.len() + upload.requirements.len() >= MAX_TARGETS =>
                {
                    return Err(UploadError::Unreadable(format!(
                        "more than {MAX_TARGETS} attachments"
                    )));
                }
                "control" => upload.controls.push(text.trim().to_owned()),
                "requirement" => upload.requirements.push(text.trim().to_owned()),
                _ => {}
            }
        }
    }
    Ok(upload)
}

/// Uploads a file as evidence of the requirement (attached to it for every assessment of its
/// framework), then shows the requirement again.
pub async fn upload_evidence(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path((id, requirement)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> PageResult {
    let tr = tr_of(&auth);
    let assessment = assessment_page_for(&state, &auth, &id, Permission::ComplianceEdit).await?;
    let limit = state.config.evidence_max_bytes;
    let refuse = |message: String, status: StatusCode| Shown {
        error: None,
        upload_error: Some(message),
        fields: None,
        status,
    };
    let upload = match read_upload(&headers, body, limit).await {
        Ok(upload) => upload,
        Err(UploadError::TooLarge) => {
            let limit = size(tr, i64::try_from(limit).unwrap_or(i64::MAX));
            let message = tr.tf("evidence.too_large", &[("limit", &limit)]);
            let shown = refuse(message, StatusCode::PAYLOAD_TOO_LARGE);
            return show(&state, &auth, &assessment, &requirement, shown).await;
        }
        Err(UploadError::Unreadable(detail)) => {
            let message = format!("{} {detail}", tr.t("evidence.unreadable"));
            let shown = refuse(message, StatusCode::BAD_REQUEST);
            return show(&state, &auth, &assessment, &requirement, shown).await;
        }
    };
    let session_ok = match &auth.via {
        auth::Via::Session { csrf_token, .. } => *csrf_token == upload.csrf,
        auth::Via::Token { .. } => true,
    };
    if !session_ok {
        return Err(PageError::new(
            tr,
            ApiError::Forbidden(tr.t("error.csrf").to_owned()),
        ));
    }
    if upload.file_name.is_empty() || upload.content.is_empty() {
        let shown = refuse(tr.t("evidence.no_file").to_owned(), StatusCode::BAD_REQUEST);
        return show(&state, &auth, &assessment, &requirement, shown).await;
    }
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    let description = EvidenceUpload {
        title: if upload.title.is_empty() {
            upload.file_name.clone()
        } else {
            upload.title.clone()
        },
        file_name: upload.file_name.clone(),
        valid_until: Some(upload.valid_until.clone()).filter(|v| !v.is_empty()),
        media_type: upload.media_type.clone(),
    };
    let stored = async {
        let evidence = state
            .store
            .add_evidence_file(
                &auth.actor,
                &assessment.entity_id,
                &description,
                &upload.content,
            )
            .await?;
        let attachment = Attachment {
            control_id: None,
            framework_id: Some(assessment.framework_id.clone()),
            requirement_id: Some(requirement.clone()),
        };
        state
            .store
            .attach_evidence(
                &auth.actor,
                &auth.principal.scope,
                &evidence.id,
                &attachment,
                &catalog,
            )
            .await
    }
    .await;
    match stored {
        Ok(_) => Ok(see_other(&format!(
            "{}#evidence",
            detail_href(&assessment, &requirement)
        ))),
        Err(e) => {
            let shown = refuse(refused(tr, &ApiError::from(e)), StatusCode::BAD_REQUEST);
            show(&state, &auth, &assessment, &requirement, shown).await
        }
    }
}
