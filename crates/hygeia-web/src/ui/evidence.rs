//! The evidence of one entity (`/compliance/evidence?entity=…&expiry=…`): files and links with
//! their validity end date and state, what they are attached to, a download link for files;
//! filtered by state and paged in the database (`Store::list_evidence_page`). The dashboard's
//! expired and expiring figures link here. It opens on the entity chosen in the switcher (else
//! the user's own), shows each file's SHA-256, and uploads a file attached at once to several
//! controls and requirements of the entity (all or nothing).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::validation::FieldError;
use hygeia_store::assessments::{Attachment, Evidence, EvidenceUpload, Expiry};
use hygeia_store::{EntityFilter, PageRequest};
use serde::Deserialize;

use super::assessments::fail;
use super::i18n::Tr;
use super::{Area, Choice, Crumb, PageAuth, PageError, PageResult, Shell, tr_of};
use crate::AppState;
use crate::api::assessments::entity_in_scope;
use crate::auth::Auth;
use crate::error::ApiError;

const PAGE_SIZE: i64 = 50;

/// The states of the filter, as written in the address.
const STATES: [(&str, Expiry); 4] = [
    ("expired", Expiry::Expired),
    ("expiring_soon", Expiry::ExpiringSoon),
    ("valid", Expiry::Valid),
    ("no_end_date", Expiry::NoEndDate),
];

#[derive(Debug, Default, Deserialize)]
pub struct EvidenceQuery {
    #[serde(default)]
    entity: String,
    #[serde(default)]
    expiry: String,
    page: Option<i64>,
}

/// Something a piece of evidence is attached to, with a link when there is a page for it.
pub struct AttachedTo {
    pub label: String,
    pub href: String,
}

pub struct EvidenceRow {
    pub id: String,
    pub title: String,
    pub is_file: bool,
    pub file_name: String,
    pub url: String,
    pub kind: String,
    pub valid_until: String,
    /// CSS class of the state badge: `bad`, `warn` or `ok`.
    pub flag: &'static str,
    pub state: String,
    pub attached: Vec<AttachedTo>,
    /// A file's SHA-256 (hex), to check a copy against.
    pub sha256: String,
}

#[derive(Template)]
#[template(path = "evidence.html")]
struct EvidencePage {
    shell: Shell,
    entities: Vec<Choice>,
    states: Vec<Choice>,
    /// The entity shown; `None` when the caller sees no entity at all.
    entity_id: Option<String>,
    filtered: bool,
    rows: Vec<EvidenceRow>,
    summary: String,
    previous: Option<String>,
    next: Option<String>,
    /// The upload form (for those who may edit): controls and requirements to attach to.
    can_upload: bool,
    controls: Vec<Choice>,
    requirement_groups: Vec<RequirementGroup>,
    upload_error: Option<String>,
    limit_hint: String,
}

/// The assessable requirements of one framework the entity is assessed against.
pub struct RequirementGroup {
    pub label: String,
    pub options: Vec<Choice>,
}

fn state_label(tr: Tr, expiry: Expiry) -> &'static str {
    tr.t(match expiry {
        Expiry::Expired => "evidence_list.expired",
        Expiry::ExpiringSoon => "evidence_list.expiring_soon",
        Expiry::Valid => "evidence_list.valid",
        Expiry::NoEndDate => "evidence_list.no_end_date",
    })
}

fn link(entity: &str, expiry: &str, page: i64) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("entity", entity);
    if !expiry.is_empty() {
        s.append_pair("expiry", expiry);
    }
    if page > 1 {
        s.append_pair("page", &page.to_string());
    }
    format!("/compliance/evidence?{}", s.finish())
}

fn row(tr: Tr, evidence: Evidence, controls: &HashMap<String, String>) -> EvidenceRow {
    let attached = evidence
        .attachments
        .iter()
        .filter_map(
            |a| match (&a.control_id, &a.framework_id, &a.requirement_id) {
                (Some(control), _, _) => Some(AttachedTo {
                    label: controls
                        .get(control)
                        .cloned()
                        .unwrap_or_else(|| control.clone()),
                    href: format!("/compliance/controls/{control}"),
                }),
                (None, Some(framework), Some(requirement)) => Some(AttachedTo {
                    label: format!("{framework} {requirement}"),
                    href: format!("/compliance/frameworks/{framework}/requirements/{requirement}"),
                }),
                _ => None,
            },
        )
        .collect();
    EvidenceRow {
        is_file: evidence.kind == "file",
        kind: tr
            .t(if evidence.kind == "file" {
                "evidence_list.kind_file"
            } else {
                "evidence_list.kind_link"
            })
            .to_owned(),
        file_name: evidence.file_name.unwrap_or_default(),
        sha256: evidence.sha256.unwrap_or_default(),
        url: evidence.url.unwrap_or_default(),
        valid_until: evidence
            .valid_until
            .as_deref()
            .map_or_else(|| "—".to_owned(), |d| tr.date(d)),
        flag: match evidence.expiry {
            Expiry::Expired => "bad",
            Expiry::ExpiringSoon => "warn",
            Expiry::Valid | Expiry::NoEndDate => "ok",
        },
        state: state_label(tr, evidence.expiry).to_owned(),
        attached,
        id: evidence.id,
        title: evidence.title,
    }
}

/// The evidence list (`ComplianceRead`; an entity outside the caller's need-to-know is 404).
pub async fn evidence_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    headers: axum::http::HeaderMap,
    Query(query): Query<EvidenceQuery>,
) -> PageResult {
    show(&state, &auth, &headers, query, None).await
}

/// The register, with the upload form's refusal when there is one.
async fn show(
    state: &AppState,
    auth: &Auth,
    headers: &axum::http::HeaderMap,
    query: EvidenceQuery,
    refusal: Option<(String, StatusCode)>,
) -> PageResult {
    let tr = tr_of(auth);
    auth.principal
        .require(Permission::ComplianceRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let expiry_code = query.expiry.trim().to_owned();
    let wanted = match STATES.iter().find(|(code, _)| *code == expiry_code) {
        Some((_, expiry)) => Some(*expiry),
        None if expiry_code.is_empty() => None,
        None => {
            let allowed = STATES.map(|(code, _)| code);
            let error = FieldError::one_of("expiry", &allowed);
            return Err(PageError::new(tr, ApiError::field_error(error)));
        }
    };
    let title = tr.t("evidence_list.title").to_owned();
    let crumbs = vec![
        Crumb::link(tr.t("nav.compliance"), "/compliance"),
        Crumb::here(title.clone()),
    ];
    // Without a chosen entity: the one chosen in the switcher, else the user's own entity,
    // else the first one the caller may see.
    let entity_id = if let Some(id) =
        super::current_entity(headers, auth).filter(|_| query.entity.trim().is_empty())
    {
        Some(id)
    } else if query.entity.trim().is_empty() {
        state
            .store
            .list_entities(
                &auth.principal.organisation_id,
                &auth.principal.scope,
                &EntityFilter::default(),
                PageRequest::new(Some(1), None),
            )
            .await
            .map_err(|e| fail(tr)(e.into()))?
            .items
            .into_iter()
            .next()
            .map(|e| e.id)
    } else {
        let id = query.entity.trim().to_owned();
        entity_in_scope(state, auth, &id, Permission::ComplianceRead)
            .await
            .map_err(|e| match e {
                ApiError::NotFound(_) => {
                    PageError::new(tr, ApiError::NotFound(tr.t("error.no_entity").to_owned()))
                }
                other => PageError::new(tr, other),
            })?;
        Some(id)
    };
    let shell = Shell::new(
        state,
        auth,
        Area::Compliance,
        title,
        crumbs,
        entity_id.as_deref(),
    )
    .await?;
    let page_no = super::page_number(query.page);
    let (rows, total) = match &entity_id {
        Some(id) => {
            let listed = state
                .store
                .list_evidence_page(
                    id,
                    wanted,
                    PageRequest::new(Some(PAGE_SIZE), Some((page_no - 1) * PAGE_SIZE)),
                )
                .await
                .map_err(|e| fail(tr)(e.into()))?;
            let controls: HashMap<String, String> = if listed
                .items
                .iter()
                .any(|e| e.attachments.iter().any(|a| a.control_id.is_some()))
            {
                state
                    .store
                    .list_controls(id)
                    .await
                    .map_err(|e| fail(tr)(e.into()))?
                    .into_iter()
                    .map(|c| (c.id, c.name))
                    .collect()
            } else {
                HashMap::new()
            };
            let rows: Vec<EvidenceRow> = listed
                .items
                .into_iter()
                .map(|e| row(tr, e, &controls))
                .collect();
            (rows, listed.total)
        }
        None => (Vec::new(), 0),
    };
    let first = (page_no - 1) * PAGE_SIZE + 1;
    let last = (page_no - 1) * PAGE_SIZE + i64::try_from(rows.len()).unwrap_or(0);
    let summary = if rows.is_empty() {
        String::new()
    } else {
        tr.tf(
            "evidence_list.summary",
            &[
                ("first", &tr.num(first)),
                ("last", &tr.num(last)),
                ("total", &tr.num(total)),
            ],
        )
    };
    let current = entity_id.clone().unwrap_or_default();
    let entities = shell
        .entities
        .iter()
        .map(|e| Choice {
            value: e.id.clone(),
            label: e.name.clone(),
            selected: e.id == current,
        })
        .collect();
    let mut states = vec![Choice {
        value: String::new(),
        label: tr.t("evidence_list.all").to_owned(),
        selected: wanted.is_none(),
    }];
    states.extend(STATES.iter().map(|(code, expiry)| Choice {
        value: (*code).to_owned(),
        label: state_label(tr, *expiry).to_owned(),
        selected: Some(*expiry) == wanted,
    }));
    let can_upload =
        entity_id.is_some() && auth.principal.require(Permission::ComplianceEdit).is_ok();
    let (controls, requirement_groups) = match (&entity_id, can_upload) {
        (Some(id), true) => targets(state, tr, id).await?,
        _ => (Vec::new(), Vec::new()),
    };
    let (upload_error, status) = match refusal {
        Some((message, status)) => (Some(message), status),
        None => (None, StatusCode::OK),
    };
    let page = EvidencePage {
        can_upload,
        controls,
        requirement_groups,
        upload_error,
        limit_hint: tr.tf(
            "evidence.limit",
            &[(
                "limit",
                &super::result_detail::size(
                    tr,
                    i64::try_from(state.config.evidence_max_bytes).unwrap_or(i64::MAX),
                ),
            )],
        ),
        previous: (page_no > 1).then(|| link(&current, &expiry_code, page_no - 1)),
        next: (last < total).then(|| link(&current, &expiry_code, page_no + 1)),
        entity_id,
        filtered: wanted.is_some(),
        entities,
        states,
        rows,
        summary,
        shell,
    };
    super::assessments::render_status(tr, status, &page)
}

/// What a new piece of evidence of `entity_id` may be attached to: its controls, and the
/// assessable requirements of the frameworks it is assessed against.
async fn targets(
    state: &AppState,
    tr: Tr,
    entity_id: &str,
) -> Result<(Vec<Choice>, Vec<RequirementGroup>), PageError> {
    let (controls, assessments) = futures_util::future::try_join(
        state.store.list_controls(entity_id),
        state.store.list_assessments(entity_id),
    )
    .await
    .map_err(|e| fail(tr)(e.into()))?;
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    let controls = controls
        .into_iter()
        .map(|c| Choice {
            value: c.id,
            label: c.name,
            selected: false,
        })
        .collect();
    let mut frameworks: Vec<String> = assessments.into_iter().map(|a| a.framework_id).collect();
    frameworks.sort();
    frameworks.dedup();
    let groups = frameworks
        .iter()
        .filter_map(|id| catalog.framework(id))
        .map(|framework| RequirementGroup {
            label: tr.text(&framework.meta.name).to_owned(),
            options: framework
                .requirements()
                .iter()
                .filter(|r| r.assessable)
                .map(|r| Choice {
                    value: format!("{}|{}", framework.id(), r.id),
                    label: format!("{} {}", r.reference, tr.text(&r.title)),
                    selected: false,
                })
                .collect(),
        })
        .collect();
    Ok((controls, groups))
}

/// Uploads a file as evidence of the entity, attached at once to the controls and
/// requirements chosen (all or nothing), then shows the register of that entity.
pub async fn upload_evidence(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> PageResult {
    use super::result_detail::{UploadError, read_upload, size};
    let tr = tr_of(&auth);
    auth.principal
        .require(Permission::ComplianceEdit)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let limit = state.config.evidence_max_bytes;
    let upload = match read_upload(&headers, body, limit).await {
        Ok(upload) => upload,
        Err(error) => {
            let (message, status) = match error {
                UploadError::TooLarge => {
                    let limit = size(tr, i64::try_from(limit).unwrap_or(i64::MAX));
                    (
                        tr.tf("evidence.too_large", &[("limit", &limit)]),
                        StatusCode::PAYLOAD_TOO_LARGE,
                    )
                }
                UploadError::Unreadable(detail) => (
                    format!("{} {detail}", tr.t("evidence.unreadable")),
                    StatusCode::BAD_REQUEST,
                ),
            };
            return show(
                &state,
                &auth,
                &headers,
                EvidenceQuery::default(),
                Some((message, status)),
            )
            .await;
        }
    };
    let session_ok = match &auth.via {
        crate::auth::Via::Session { csrf_token, .. } => *csrf_token == upload.csrf,
        crate::auth::Via::Token { .. } => true,
    };
    if !session_ok {
        return Err(PageError::new(
            tr,
            ApiError::Forbidden(tr.t("error.csrf").to_owned()),
        ));
    }
    entity_in_scope(&state, &auth, &upload.entity, Permission::ComplianceEdit)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => {
                PageError::new(tr, ApiError::NotFound(tr.t("error.no_entity").to_owned()))
            }
            other => PageError::new(tr, other),
        })?;
    let query = EvidenceQuery {
        entity: upload.entity.clone(),
        ..EvidenceQuery::default()
    };
    let refuse = |message: String| Some((message, StatusCode::BAD_REQUEST));
    if upload.file_name.is_empty() || upload.content.is_empty() {
        let refusal = refuse(tr.t("evidence.no_file").to_owned());
        return show(&state, &auth, &headers, query, refusal).await;
    }
    let mut targets: Vec<Attachment> = upload
        .controls
        .iter()
        .filter(|c| !c.is_empty())
        .map(|c| Attachment {
            control_id: Some(c.clone()),
            framework_id: None,
            requirement_id: None,
        })
        .collect();
    for requirement in upload.requirements.iter().filter(|r| !r.is_empty()) {
        let (framework, id) = requirement.split_once('|').unwrap_or(("", requirement));
        targets.push(Attachment {
            control_id: None,
            framework_id: Some(framework.to_owned()),
            requirement_id: Some(id.to_owned()),
        });
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
    match state
        .store
        .add_evidence_file_attached(
            &auth.actor,
            &upload.entity,
            &description,
            &upload.content,
            &targets,
            Some(&catalog),
        )
        .await
    {
        Ok(_) => Ok(super::assessments::see_other(&link(&upload.entity, "", 1))),
        Err(e) => {
            let message = super::assessments::refused(tr, &ApiError::from(e));
            show(&state, &auth, &headers, query, refuse(message)).await
        }
    }
}
