//! Assessments: the list per entity with scores and progress, creating one, the requirement
//! list with filters, inline and bulk result changes (all or nothing).
//!
//! The pages call the store as the API handlers do, with the same permission checks
//! (`ComplianceRead` to read, `ComplianceEdit` for results, `ComplianceManage` to create) and
//! the caller's entity scope.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hygeia_catalog::{Art21Letter, Catalog};
use hygeia_compliance::{ResultValue, score_results};
use hygeia_domain::access::Permission;
use hygeia_store::assessments::{Assessment, AssessmentInput, ResultFilter, ResultInput};
use hygeia_store::{EntityFilter, PageRequest};
use serde::Deserialize;

use super::forms::Fields;
use super::i18n::Tr;
use super::{
    Area, Choice, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, redirect, tr_of,
};
use crate::AppState;
use crate::api::assessments::reuse::source_results;
use crate::api::assessments::{assessment_for, compliance_error, entity_in_scope};
use crate::auth::Auth;
use crate::error::ApiError;

/// Result values in the order the forms offer them.
pub const VALUES: [ResultValue; 5] = [
    ResultValue::NotAssessed,
    ResultValue::Compliant,
    ResultValue::PartiallyCompliant,
    ResultValue::NonCompliant,
    ResultValue::NotApplicable,
];

/// Rows of the requirement list per page.
const PAGE_ROWS: i64 = 60;

pub fn value_label(tr: Tr, value: ResultValue) -> String {
    tr.t(&format!("assessment.value.{}", value.code()))
        .to_owned()
}

pub fn value_choices(tr: Tr, current: Option<ResultValue>) -> Vec<Choice> {
    VALUES
        .iter()
        .map(|v| Choice {
            value: v.code().to_owned(),
            label: value_label(tr, *v),
            selected: current == Some(*v),
        })
        .collect()
}

/// A percentage (0–100, one decimal) in the user's locale.
pub fn percent(tr: Tr, value: Option<f64>) -> String {
    match value {
        Some(p) if p.is_finite() => {
            let bp = (p.clamp(0.0, 100.0) * 100.0).round();
            // Rounded to a tenth, as the scale of a dashboard needs.
            let bp = ((bp / 10.0).round() * 10.0) as u32;
            tr.basis_points(bp)
        }
        _ => "—".to_owned(),
    }
}

/// The caller's failure as a page in their language.
pub fn fail(tr: Tr) -> impl Fn(ApiError) -> PageError {
    move |e| PageError::new(tr, e)
}

/// The assessment, when the caller holds `permission` and may see its entity.
pub async fn assessment_page_for(
    state: &AppState,
    auth: &Auth,
    id: &str,
    permission: Permission,
) -> Result<Assessment, PageError> {
    assessment_for(state, auth, id, permission)
        .await
        .map_err(fail(tr_of(auth)))
}

/// Entities the caller may see: id → name.
pub async fn entity_names(
    state: &AppState,
    auth: &Auth,
) -> Result<BTreeMap<String, String>, PageError> {
    Ok(state
        .store
        .list_entities(
            &auth.principal.organisation_id,
            &auth.principal.scope,
            &EntityFilter::default(),
            PageRequest::new(Some(500), None),
        )
        .await
        .map_err(|e| fail(tr_of(auth))(e.into()))?
        .items
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect())
}

pub fn framework_name(tr: Tr, catalog: &Catalog, id: &str) -> String {
    catalog
        .framework(id)
        .map(|f| tr.text(&f.meta.name).to_owned())
        .unwrap_or_else(|| id.to_owned())
}

/// Crumbs down to one assessment.
pub fn assessment_crumbs(tr: Tr, catalog: &Catalog, a: &Assessment) -> Vec<Crumb> {
    vec![
        Crumb::link(tr.t("nav.compliance"), "/compliance"),
        Crumb::link(tr.t("assessment.list_title"), "/compliance/assessments"),
        Crumb::link(
            format!(
                "{} — {}",
                framework_name(tr, catalog, &a.framework_id),
                a.name
            ),
            format!("/compliance/assessments/{}", a.id),
        ),
    ]
}

// ----- the list -----

pub struct AssessmentLine {
    pub id: String,
    pub entity: String,
    pub name: String,
    pub framework: String,
    pub scope: String,
    pub status: String,
    pub score: String,
    pub progress: String,
    pub progress_value: i64,
}

#[derive(Template)]
#[template(path = "assessments.html")]
struct AssessmentsPage {
    shell: Shell,
    lines: Vec<AssessmentLine>,
    can_manage: bool,
    entities: Vec<Choice>,
    frameworks: Vec<Choice>,
    statuses: Vec<Choice>,
    error: Option<String>,
    form: AssessmentForm,
}

#[derive(Default)]
struct AssessmentForm {
    name: String,
    scope: String,
    starts_on: String,
    ends_on: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    entity: Option<String>,
}

const STATUSES: [&str; 4] = ["planned", "in_progress", "completed", "archived"];

pub async fn assessments_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<ListQuery>,
) -> PageResult {
    list_page(&state, &auth, query.entity.as_deref(), None, None).await
}

async fn list_page(
    state: &AppState,
    auth: &Auth,
    only: Option<&str>,
    error: Option<String>,
    form: Option<(&Fields, StatusCode)>,
) -> PageResult {
    let tr = tr_of(auth);
    auth.principal
        .require(Permission::ComplianceRead)
        .map_err(|e| fail(tr)(e.into()))?;
    let (generation, catalog) = state
        .catalog
        .current_with_generation(&state.store)
        .await
        .map_err(fail(tr))?;
    let names = entity_names(state, auth).await?;
    // The entities' assessments (read concurrently), then their scores from the summaries the
    // dashboard keeps per assessment (recomputed only when results changed).
    let shown: Vec<(&String, &String)> = names
        .iter()
        .filter(|(entity_id, _)| !only.is_some_and(|o| !o.is_empty() && o != *entity_id))
        .collect();
    let listed = futures_util::future::try_join_all(
        shown
            .iter()
            .map(|(entity_id, _)| state.store.list_assessments(entity_id)),
    )
    .await
    .map_err(|e| fail(tr)(e.into()))?;
    let all: Vec<(&String, hygeia_store::assessments::Assessment)> = shown
        .iter()
        .zip(listed)
        .flat_map(|(&(_, entity_name), assessments)| {
            assessments.into_iter().map(move |a| (entity_name, a))
        })
        .collect();
    // Only assessments of a framework in the catalog can be scored; the others show "—".
    let scorable: Vec<&hygeia_store::assessments::Assessment> = all
        .iter()
        .map(|(_, a)| a)
        .filter(|a| catalog.framework(&a.framework_id).is_some())
        .collect();
    let mut scored = super::dashboard::summaries(state, &catalog, generation, &scorable)
        .await
        .map_err(fail(tr))?
        .into_iter();
    let mut lines = Vec::new();
    for (entity_name, a) in all {
        let summary = catalog
            .framework(&a.framework_id)
            .and_then(|_| scored.next());
        let (score, progress, progress_value) = match summary {
            Some(s) => {
                let o = &s.overall;
                let done = o.total.saturating_sub(o.not_assessed);
                let pct = (done * 100)
                    .checked_div(o.total)
                    .and_then(|p| i64::try_from(p).ok())
                    .unwrap_or(0);
                (
                    percent(tr, o.percent),
                    tr.tf(
                        "assessment.progress_of",
                        &[
                            ("done", &tr.unum(done as u64)),
                            ("total", &tr.unum(o.total as u64)),
                        ],
                    ),
                    pct,
                )
            }
            None => ("—".to_owned(), "—".to_owned(), 0),
        };
        lines.push(AssessmentLine {
            entity: entity_name.clone(),
            framework: framework_name(tr, &catalog, &a.framework_id),
            status: tr.t(&format!("assessment.status.{}", a.status)).to_owned(),
            id: a.id,
            name: a.name,
            scope: a.scope,
            score,
            progress,
            progress_value,
        });
    }
    let can_manage = auth.principal.require(Permission::ComplianceManage).is_ok();
    let pick = |name: &str| {
        form.map(|(f, _)| f.text(name))
            .unwrap_or_default()
            .to_owned()
    };
    let entities = names
        .iter()
        .map(|(id, name)| Choice {
            selected: pick("entity_id") == *id || only == Some(id.as_str()),
            value: id.clone(),
            label: name.clone(),
        })
        .collect();
    let frameworks = catalog
        .frameworks()
        .iter()
        .map(|f| Choice {
            selected: pick("framework_id") == f.meta.id,
            value: f.meta.id.clone(),
            label: tr.text(&f.meta.name).to_owned(),
        })
        .collect();
    let wanted_status = form.map_or_else(|| "in_progress".to_owned(), |(f, _)| f.text("status"));
    let statuses = STATUSES
        .iter()
        .map(|s| Choice {
            value: (*s).to_owned(),
            label: tr.t(&format!("assessment.status.{s}")).to_owned(),
            selected: wanted_status == *s,
        })
        .collect();
    let title = tr.t("assessment.list_title").to_owned();
    let shell = Shell::new(
        state,
        auth,
        Area::Compliance,
        title.clone(),
        vec![
            Crumb::link(tr.t("nav.compliance"), "/compliance"),
            Crumb::here(title),
        ],
        only,
    )
    .await?;
    let page = AssessmentsPage {
        shell,
        lines,
        can_manage,
        entities,
        frameworks,
        statuses,
        error,
        form: AssessmentForm {
            name: pick("name"),
            scope: pick("scope"),
            starts_on: pick("starts_on"),
            ends_on: pick("ends_on"),
        },
    };
    let status = form.map_or(StatusCode::OK, |(_, s)| s);
    render_status(tr, status, &page)
}

/// Renders a template with a status (a form shown again with its error).
pub fn render_status<T: Template>(tr: Tr, status: StatusCode, template: &T) -> PageResult {
    let response = super::render(tr, template)?;
    Ok((status, response).into_response())
}

fn optional(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

pub async fn create_assessment(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let entity_id = fields.text("entity_id");
    entity_in_scope(&state, &auth, &entity_id, Permission::ComplianceManage)
        .await
        .map_err(fail(tr))?;
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    let input = AssessmentInput {
        framework_id: fields.text("framework_id"),
        name: fields.text("name"),
        scope: fields.text("scope"),
        starts_on: optional(fields.text("starts_on")),
        ends_on: optional(fields.text("ends_on")),
        status: fields.text("status"),
        version: None,
    };
    match state
        .store
        .create_assessment(&auth.actor, &entity_id, &input, &catalog)
        .await
    {
        Ok(created) => {
            Ok(redirect(&format!("/compliance/assessments/{}", created.id)).into_response())
        }
        Err(e) => {
            let error = refused(tr, &ApiError::from(e));
            list_page(
                &state,
                &auth,
                None,
                Some(error),
                Some((&fields, StatusCode::BAD_REQUEST)),
            )
            .await
        }
    }
}

/// A refusal as shown above a form: a sentence in the user's language, then the detail (field
/// errors in the user's language too).
pub fn refused(tr: Tr, error: &ApiError) -> String {
    match error {
        ApiError::BadRequest { errors, .. } if !errors.is_empty() => format!(
            "{} {}",
            tr.t("assessment.refused"),
            super::validation::summary(tr, errors)
        ),
        _ => format!("{} {error}", tr.t("assessment.refused")),
    }
}

// ----- one assessment: its requirements -----

#[derive(Debug, Default, Deserialize)]
pub struct RowsQuery {
    #[serde(default)]
    result: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    art21: String,
    #[serde(default)]
    tag: String,
    #[serde(default)]
    due: String,
    offset: Option<i64>,
}

impl RowsQuery {
    fn from_fields(fields: &Fields) -> Self {
        let back = fields.text("back");
        let mut query = RowsQuery::default();
        for (key, value) in url::form_urlencoded::parse(back.as_bytes()) {
            match key.as_ref() {
                "result" => query.result = value.into_owned(),
                "owner" => query.owner = value.into_owned(),
                "art21" => query.art21 = value.into_owned(),
                "tag" => query.tag = value.into_owned(),
                "due" => query.due = value.into_owned(),
                "offset" => query.offset = value.parse().ok(),
                _ => {}
            }
        }
        query
    }

    /// The filters as a query string (without `?`), rebuilt from known keys only.
    fn encode(&self, with_offset: bool) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("result", &self.result),
            ("owner", &self.owner),
            ("art21", &self.art21),
            ("tag", &self.tag),
            ("due", &self.due),
        ] {
            if !value.is_empty() {
                out.append_pair(key, value);
            }
        }
        if with_offset && let Some(offset) = self.offset.filter(|o| *o > 0) {
            out.append_pair("offset", &offset.to_string());
        }
        out.finish()
    }

    fn filtered(&self) -> bool {
        !(self.result.is_empty()
            && self.owner.is_empty()
            && self.art21.is_empty()
            && self.tag.is_empty()
            && self.due.is_empty())
    }
}

pub struct ResultLine {
    pub id: String,
    pub anchor: String,
    pub href: String,
    pub reference: String,
    pub title: String,
    pub letters: String,
    pub value_code: &'static str,
    pub value: String,
    pub choices: Vec<Choice>,
    pub owner: String,
    pub due_on: String,
    pub evidence: String,
    pub expired: usize,
    pub expiring: usize,
    pub derived: bool,
    /// Open observations of the checks informing it, and proposals waiting on it.
    pub observations: usize,
    pub proposals: usize,
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage {
    shell: Shell,
    id: String,
    name: String,
    framework: String,
    entity: String,
    scope: String,
    status: String,
    score: String,
    can_edit: bool,
    error: Option<String>,
    results: Vec<Choice>,
    owners: Vec<Choice>,
    letters: Vec<Choice>,
    tags: Vec<Choice>,
    dues: Vec<Choice>,
    filtered: bool,
    back: String,
    count: String,
    lines: Vec<ResultLine>,
    previous: Option<String>,
    next: Option<String>,
    bulk_values: Vec<Choice>,
    /// The users a result may be given to (the bulk change).
    bulk_owners: Vec<Choice>,
}

/// The owners a result may be given: the users with access to the entity (by name, the
/// e-mail address as value), and the current owner when it is free text of older data (shown
/// as such). `current` is selected.
pub(crate) fn owner_choices(
    tr: Tr,
    members: &[hygeia_store::EntityMember],
    current: &str,
) -> Vec<Choice> {
    let current = current.trim();
    let mut out: Vec<Choice> = members
        .iter()
        .map(|m| Choice {
            selected: m.email.eq_ignore_ascii_case(current),
            label: format!("{} ({})", m.display_name, m.email),
            value: m.email.clone(),
        })
        .collect();
    if !current.is_empty() && !out.iter().any(|c| c.selected) {
        out.push(Choice {
            value: current.to_owned(),
            label: tr.tf("assessment.owner_free_text", &[("owner", current)]),
            selected: true,
        });
    }
    out
}

pub async fn assessment_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
    Query(query): Query<RowsQuery>,
) -> PageResult {
    show_assessment(&state, &auth, &id, query, None).await
}

async fn show_assessment(
    state: &AppState,
    auth: &Auth,
    id: &str,
    query: RowsQuery,
    error: Option<String>,
) -> PageResult {
    let tr = tr_of(auth);
    let assessment = assessment_page_for(state, auth, id, Permission::ComplianceRead).await?;
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    let framework = catalog
        .framework(&assessment.framework_id)
        .ok_or_else(|| fail(tr)(ApiError::NotFound(tr.t("error.no_framework").to_owned())))?;
    let filter = ResultFilter {
        result: optional(query.result.clone()),
        owner: optional(query.owner.clone()),
        art21: optional(query.art21.clone()),
        tag: optional(query.tag.clone()),
        due: optional(query.due.clone()),
    };
    let page = PageRequest::new(Some(PAGE_ROWS), query.offset);
    let rows = state
        .store
        .list_assessment_requirements(
            &auth.principal.scope,
            &assessment.id,
            &catalog,
            &filter,
            page,
        )
        .await
        .map_err(|e| fail(tr)(e.into()))?;
    let stored = state
        .store
        .results(&assessment.id)
        .await
        .map_err(|e| fail(tr)(e.into()))?;
    let owners: BTreeSet<String> = stored.iter().filter_map(|r| r.owner.clone()).collect();
    let score = score_results(
        &catalog,
        &assessment.framework_id,
        &source_results(&catalog, &assessment, stored),
    )
    .map(|s| percent(tr, s.overall.percent))
    .unwrap_or_else(|_| "—".to_owned());
    let tags: BTreeSet<String> = framework
        .assessable()
        .flat_map(|r| r.tags.iter().cloned())
        .collect();
    let marks = super::checks::requirement_marks(state, auth, &assessment).await?;
    let lines = rows
        .items
        .iter()
        .map(|r| ResultLine {
            observations: marks.get(&r.requirement_id).map_or(0, |m| m.0),
            proposals: marks.get(&r.requirement_id).map_or(0, |m| m.1),
            href: format!(
                "/compliance/assessments/{}/requirements/{}",
                assessment.id, r.requirement_id
            ),
            id: r.requirement_id.clone(),
            anchor: anchor(&r.requirement_id),
            reference: r.reference.clone(),
            title: tr.pick(&r.title_en, &r.title_fr).to_owned(),
            letters: r.letters.join(", "),
            value_code: r.value.code(),
            value: value_label(tr, r.value),
            choices: value_choices(tr, Some(r.value)),
            owner: r.owner.clone().unwrap_or_default(),
            due_on: r.due_on.as_deref().map(|d| tr.date(d)).unwrap_or_default(),
            evidence: tr.unum(r.evidence.total as u64),
            expired: r.evidence.expired,
            expiring: r.evidence.expiring_soon,
            derived: r
                .origin
                .is_some_and(|o| o != hygeia_store::assessments::Origin::Manual),
        })
        .collect();
    let with_offset = |offset: i64| {
        let q = RowsQuery {
            offset: Some(offset),
            ..RowsQuery {
                result: query.result.clone(),
                owner: query.owner.clone(),
                art21: query.art21.clone(),
                tag: query.tag.clone(),
                due: query.due.clone(),
                offset: None,
            }
        };
        format!(
            "/compliance/assessments/{}?{}",
            assessment.id,
            q.encode(true)
        )
    };
    let previous = (rows.offset > 0).then(|| with_offset((rows.offset - PAGE_ROWS).max(0)));
    let next = (rows.offset + PAGE_ROWS < rows.total).then(|| with_offset(rows.offset + PAGE_ROWS));
    let count = if rows.total == 0 {
        tr.t("assessment.none").to_owned()
    } else {
        tr.tf(
            "assessment.rows",
            &[
                ("from", &tr.num(rows.offset + 1)),
                ("to", &tr.num((rows.offset + PAGE_ROWS).min(rows.total))),
                ("total", &tr.num(rows.total)),
            ],
        )
    };
    let entity = entity_names(state, auth)
        .await?
        .remove(&assessment.entity_id)
        .unwrap_or_default();
    let mut crumbs = assessment_crumbs(tr, &catalog, &assessment);
    if let Some(last) = crumbs.pop() {
        crumbs.push(Crumb::here(last.label));
    }
    let framework_label = framework_name(tr, &catalog, &assessment.framework_id);
    let members = if auth.principal.require(Permission::ComplianceEdit).is_ok() {
        state
            .store
            .users_with_access(&assessment.entity_id)
            .await
            .map_err(|e| fail(tr)(e.into()))?
    } else {
        Vec::new()
    };
    let shell = Shell::new(
        state,
        auth,
        Area::Compliance,
        format!("{} — {}", framework_label, assessment.name),
        crumbs,
        Some(&assessment.entity_id),
    )
    .await?;
    let mut result_choices = value_choices(tr, ResultValue::parse(&query.result));
    if ResultValue::parse(&query.result).is_none() {
        for c in &mut result_choices {
            c.selected = false;
        }
    }
    let page = AssessmentPage {
        shell,
        id: assessment.id.clone(),
        name: assessment.name.clone(),
        framework: framework_label,
        entity,
        scope: assessment.scope.clone(),
        status: tr
            .t(&format!("assessment.status.{}", assessment.status))
            .to_owned(),
        score,
        can_edit: auth.principal.require(Permission::ComplianceEdit).is_ok(),
        error: error.clone(),
        results: result_choices,
        owners: super::choices(owners.into_iter().collect(), &query.owner),
        letters: Art21Letter::all()
            .map(|l| {
                let code = l.to_string();
                Choice {
                    selected: query.art21 == code,
                    label: format!("({code}) {}", tr.t(&format!("art21.{code}"))),
                    value: code,
                }
            })
            .collect(),
        tags: super::choices(tags.into_iter().collect(), &query.tag),
        dues: hygeia_store::assessments::DueBucket::ALL
            .into_iter()
            .map(|b| Choice {
                selected: query.due == b.code(),
                label: tr
                    .t(&format!("dashboard_compliance.due_{}", b.code()))
                    .to_owned(),
                value: b.code().to_owned(),
            })
            .collect(),
        filtered: query.filtered(),
        back: query.encode(true),
        count,
        lines,
        previous,
        next,
        bulk_values: value_choices(tr, None),
        bulk_owners: owner_choices(tr, &members, ""),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_status(tr, status, &page)
}

/// The justification a not-applicable result needs, checked before the store so that the
/// message is in the user's language.
pub fn needs_justification(tr: Tr, inputs: &[ResultInput]) -> Option<String> {
    inputs
        .iter()
        .find(|i| {
            i.value == ResultValue::NotApplicable
                && i.justification
                    .as_deref()
                    .is_none_or(|j| j.trim().is_empty())
        })
        .map(|i| {
            tr.tf(
                "assessment.need_justification",
                &[("req", &i.requirement_id)],
            )
        })
}

/// Inline change of one row, or a bulk change of the selected rows (result, owner, due date),
/// all or nothing. Fields not changed keep their stored values.
pub async fn set_results(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let assessment = assessment_page_for(&state, &auth, &id, Permission::ComplianceEdit).await?;
    let query = RowsQuery::from_fields(&fields);
    let selected = fields.all("req");
    let bulk = fields.get("bulk").is_some();
    let value = fields.text("value");
    let owner = fields.text("owner");
    let due_on = fields.text("due_on");
    let error = |key: &str| Some(tr.t(key).to_owned());
    if selected.is_empty() {
        return show_assessment(&state, &auth, &id, query, error("assessment.select_rows")).await;
    }
    if bulk && value.is_empty() && owner.is_empty() && due_on.is_empty() {
        return show_assessment(&state, &auth, &id, query, error("assessment.bulk_nothing")).await;
    }
    let new_value = match value.as_str() {
        "" => None,
        code => match ResultValue::parse(code) {
            Some(v) => Some(v),
            None => {
                return show_assessment(&state, &auth, &id, query, error("assessment.bad_value"))
                    .await;
            }
        },
    };
    let stored = state
        .store
        .results(&assessment.id)
        .await
        .map_err(|e| fail(tr)(e.into()))?;
    let mut inputs: Vec<ResultInput> = selected
        .iter()
        .map(|req| {
            let existing = stored.iter().find(|r| &r.requirement_id == req);
            ResultInput {
                requirement_id: req.clone(),
                value: new_value.or(existing.map(|e| e.value)).unwrap_or_default(),
                owner: optional(owner.clone()).or_else(|| existing.and_then(|e| e.owner.clone())),
                due_on: optional(due_on.clone())
                    .or_else(|| existing.and_then(|e| e.due_on.clone())),
                notes: existing.and_then(|e| e.notes.clone()),
                justification: existing.and_then(|e| e.justification.clone()),
            }
        })
        .collect();
    if let Some(message) = needs_justification(tr, &inputs) {
        return show_assessment(&state, &auth, &id, query, Some(message)).await;
    }
    if let Err(e) =
        crate::api::assessments::results::check_owners(&state, &assessment, &mut inputs).await
    {
        return show_assessment(&state, &auth, &id, query, Some(refused(tr, &e))).await;
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
            &inputs,
            &catalog,
        )
        .await
    {
        Ok(_) => {
            let anchor = if bulk {
                String::new()
            } else {
                selected
                    .first()
                    .map(|r| format!("#r-{}", anchor(r)))
                    .unwrap_or_default()
            };
            let location = format!(
                "/compliance/assessments/{}?{}{anchor}",
                assessment.id,
                query.encode(true)
            );
            Ok(redirect(&location).into_response())
        }
        Err(e) => {
            let e = compliance_or_store(e);
            show_assessment(&state, &auth, &id, query, Some(refused(tr, &e))).await
        }
    }
}

/// A store error as the API would answer it.
pub fn compliance_or_store(error: hygeia_store::StoreError) -> ApiError {
    ApiError::from(error)
}

/// Shared with the reuse page: a compliance engine error.
pub fn engine_error(error: hygeia_compliance::ComplianceError) -> ApiError {
    compliance_error(error)
}

/// Escapes a requirement id for an element id (`a.5.1` → `a-5-1`).
pub fn anchor(id: &str) -> String {
    id.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
}

/// Redirect helper used by the other compliance pages.
pub fn see_other(location: &str) -> Response {
    redirect(location).into_response()
}
