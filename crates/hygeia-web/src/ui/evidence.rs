//! The evidence of one entity (`/compliance/evidence?entity=…&expiry=…`): files and links with
//! their validity end date and state, what they are attached to, a download link for files;
//! filtered by state and paged in the database (`Store::list_evidence_page`). The dashboard's
//! expired and expiring figures link here.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use hygeia_domain::access::Permission;
use hygeia_domain::validation::FieldError;
use hygeia_store::assessments::{Evidence, Expiry};
use hygeia_store::{EntityFilter, PageRequest};
use serde::Deserialize;

use super::assessments::fail;
use super::i18n::Tr;
use super::{Area, Choice, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of};
use crate::AppState;
use crate::api::assessments::entity_in_scope;
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
    Query(query): Query<EvidenceQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
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
    // Without a chosen entity, the first one the caller may see.
    let entity_id = if query.entity.trim().is_empty() {
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
        entity_in_scope(&state, &auth, &id, Permission::ComplianceRead)
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
        &state,
        &auth,
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
    let page = EvidencePage {
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
    render(tr, &page)
}
