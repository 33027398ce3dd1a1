//! The reuse view (a source assessment carried to a target framework: derived result, rule,
//! explanation in the user's language, provenance), accepting or overriding a derived result,
//! reviewing a crosswalk pair, and the remaining-gap view by Art. 21(2) letter.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hygeia_catalog::Relationship;
use hygeia_catalog::ids::NIS2_2024_2690;
use hygeia_compliance::{
    DerivedValue, PairReview, ResultValue, ReviewDecision, ReviewState, SourceCaveat,
    accept_derived, override_derived,
};
use hygeia_domain::access::Permission;
use hygeia_store::assessments::{Assessment, DeltaConfirmation, StoredResult};
use serde::Deserialize;

use super::assessments::{
    assessment_crumbs, assessment_page_for, fail, framework_name, refused, render_status,
    see_other, value_choices, value_label,
};
use super::i18n::Tr;
use super::reuse_source::{SourcePanel, source_panel};
use super::{Area, Choice, Crumb, PageAuth, PageForm, PageResult, Shell, tr_of};
use crate::AppState;
use crate::api::assessments::reuse::derive_view;
use crate::auth::Auth;
use crate::error::ApiError;

/// Target rows per page of the reuse view.
const PAGE_ROWS: usize = 12;

#[derive(Debug, Default, Deserialize)]
pub struct ReuseQuery {
    #[serde(default)]
    target: String,
    #[serde(default)]
    art21: String,
    offset: Option<usize>,
}

impl ReuseQuery {
    fn target(&self) -> &str {
        if self.target.is_empty() {
            NIS2_2024_2690
        } else {
            &self.target
        }
    }

    pub(super) fn encode(&self) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        out.append_pair("target", self.target());
        if !self.art21.is_empty() {
            out.append_pair("art21", &self.art21);
        }
        if let Some(offset) = self.offset.filter(|o| *o > 0) {
            out.append_pair("offset", &offset.to_string());
        }
        out.finish()
    }
}

/// Where a requirement links: its result in `assessment` when it is assessable there, its
/// catalog page otherwise (section headings such as "1" or "1.1" have no result of their own).
pub fn requirement_href(
    catalog: &hygeia_catalog::Catalog,
    assessment: Option<&str>,
    framework: &str,
    requirement: &str,
) -> String {
    let assessable = catalog
        .framework(framework)
        .and_then(|f| f.requirement(requirement))
        .is_some_and(|r| r.assessable);
    match assessment {
        Some(id) if assessable => {
            format!("/compliance/assessments/{id}/requirements/{requirement}")
        }
        _ => format!("/compliance/frameworks/{framework}/requirements/{requirement}"),
    }
}

pub fn derived_label(tr: Tr, value: DerivedValue) -> String {
    tr.t(&format!("reuse.value.{}", value.code())).to_owned()
}

fn relationship_label(tr: Tr, relationship: Relationship) -> String {
    tr.t(&format!("relationship.{}", relationship.code()))
        .to_owned()
}

pub struct ProvenanceLine {
    pub source_ref: String,
    pub source_href: String,
    pub source_result: String,
    pub mapping: String,
    pub relationship: String,
    pub review: String,
    pub counted: bool,
    pub review_href: String,
}

pub struct DerivedLine {
    pub id: String,
    pub anchor: String,
    pub reference: String,
    pub title: String,
    pub href: String,
    pub value_code: &'static str,
    pub value: String,
    pub rule: &'static str,
    pub explanation: String,
    pub provenance: Vec<ProvenanceLine>,
    pub current: String,
    pub decided: bool,
    /// Derived from an assessment that is not completed.
    pub provisional: bool,
    /// Hygeia's review of the requirement, when one exists.
    pub review: Option<ReviewLine>,
}

/// What Hygeia's reviewed crosswalk says of a requirement, on the reuse view.
pub struct ReviewLine {
    pub verdict: String,
    /// The source requirements it names (`A.5.1, 5.2`).
    pub by: String,
    pub rationale: String,
    /// The delta, for a requirement credited except one.
    pub delta: Option<String>,
    /// Who confirmed the delta and when.
    pub confirmed: Option<String>,
}

#[derive(Template)]
#[template(path = "reuse.html")]
struct ReusePage {
    shell: Shell,
    id: String,
    source_name: String,
    targets: Vec<Choice>,
    letters: Vec<Choice>,
    no_target: String,
    target_assessment: Option<String>,
    can_decide: bool,
    error: Option<String>,
    counts: Vec<(String, String)>,
    lines: Vec<DerivedLine>,
    back: String,
    previous: Option<String>,
    next: Option<String>,
    count: String,
    override_values: Vec<Choice>,
    source_panel: SourcePanel,
    /// The caller may confirm deltas (record results of the entity).
    can_confirm: bool,
    target_framework: String,
    /// Derived results shown that accepting all would take (those with coverage).
    acceptable: String,
    art21: String,
}

/// The newest assessment (not archived) of `framework` for the same entity.
pub(super) async fn target_assessment(
    state: &AppState,
    tr: Tr,
    source: &Assessment,
    framework: &str,
) -> Result<Option<Assessment>, super::PageError> {
    Ok(state
        .store
        .list_assessments(&source.entity_id)
        .await
        .map_err(|e| fail(tr)(e.into()))?
        .into_iter()
        .find(|a| a.framework_id == framework && a.status != "archived"))
}

pub async fn reuse_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
    Query(query): Query<ReuseQuery>,
) -> PageResult {
    show_reuse(&state, &auth, &id, query, None).await
}

pub(super) async fn show_reuse(
    state: &AppState,
    auth: &Auth,
    id: &str,
    mut query: ReuseQuery,
    error: Option<String>,
) -> PageResult {
    let tr = tr_of(auth);
    let source = assessment_page_for(state, auth, id, Permission::ComplianceRead).await?;
    // A NIS2 (2024/2690) assessment is carried by default to the Directive's Art. 21 measures,
    // not to itself.
    if query.target.is_empty() && source.framework_id == NIS2_2024_2690 {
        query.target = "nis2-directive".to_owned();
    }
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    let view = derive_view(state, auth, &catalog, &source, query.target())
        .await
        .map_err(fail(tr))?;
    let target = target_assessment(state, tr, &source, &view.target_framework).await?;
    let current: HashMap<String, StoredResult> = match &target {
        Some(t) => state
            .store
            .results(&t.id)
            .await
            .map_err(|e| fail(tr)(e.into()))?
            .into_iter()
            .map(|r| (r.requirement_id.clone(), r))
            .collect(),
        None => HashMap::new(),
    };
    let confirmations: HashMap<String, DeltaConfirmation> = state
        .store
        .delta_confirmations(&catalog, &source.entity_id, &view.target_framework)
        .await
        .map_err(|e| fail(tr)(e.into()))?
        .into_iter()
        .filter(|c| c.current)
        .map(|c| (c.requirement_id.clone(), c))
        .collect();
    let target_framework = catalog.framework(&view.target_framework);
    let letter = query.art21.trim().chars().next();
    let wanted: Vec<_> = view
        .derived
        .iter()
        .filter(|d| {
            letter.is_none_or(|l| {
                target_framework
                    .and_then(|f| f.requirement(&d.requirement_id))
                    .is_some_and(|r| r.nis2_art21.iter().any(|x| x.as_char() == l))
            })
        })
        .collect();
    let offset = query.offset.unwrap_or(0).min(wanted.len());
    let back = query.encode();
    let lines = wanted
        .iter()
        .skip(offset)
        .take(PAGE_ROWS)
        .map(|d| {
            let requirement = target_framework.and_then(|f| f.requirement(&d.requirement_id));
            let stored = current.get(&d.requirement_id);
            DerivedLine {
                id: d.requirement_id.clone(),
                anchor: super::assessments::anchor(&d.requirement_id),
                reference: d.reference.clone(),
                title: requirement
                    .map(|r| tr.text(&r.title).to_owned())
                    .unwrap_or_default(),
                href: requirement_href(
                    &catalog,
                    target.as_ref().map(|t| t.id.as_str()),
                    &view.target_framework,
                    &d.requirement_id,
                ),
                value_code: d.value.code(),
                value: derived_label(tr, d.value),
                rule: d.rule.code(),
                explanation: tr.text(&d.explanation).to_owned(),
                provenance: d
                    .provenance
                    .iter()
                    .map(|p| {
                        let mut review = url::form_urlencoded::Serializer::new(String::new());
                        review
                            .append_pair("set", &p.mapping_set)
                            .append_pair("source", &p.pair_source)
                            .append_pair("target", &p.pair_target)
                            .append_pair("back", &back);
                        ProvenanceLine {
                            source_ref: p.source_ref.clone(),
                            source_href: requirement_href(
                                &catalog,
                                Some(&source.id),
                                &source.framework_id,
                                &p.source_requirement,
                            ),
                            source_result: value_label(tr, p.source_result),
                            mapping: catalog
                                .mapping_set(&p.mapping_set)
                                .map(|m| tr.text(&m.meta.title).to_owned())
                                .unwrap_or_else(|| p.mapping_set.clone()),
                            relationship: relationship_label(tr, p.relationship),
                            review: match &p.review {
                                ReviewState::Unreviewed => tr.t("reuse.unreviewed").to_owned(),
                                ReviewState::Confirmed => tr.t("reuse.confirmed").to_owned(),
                                ReviewState::Refined { rationale, .. } => {
                                    format!("{} — {rationale}", tr.t("reuse.refined"))
                                }
                                ReviewState::Rejected { rationale } => format!(
                                    "{}{}",
                                    tr.t("reuse.rejected"),
                                    rationale
                                        .as_deref()
                                        .map(|r| format!(" — {r}"))
                                        .unwrap_or_default()
                                ),
                            },
                            counted: matches!(
                                p.counted_as,
                                hygeia_compliance::Contribution::Covers
                                    | hygeia_compliance::Contribution::Overlaps
                            ),
                            review_href: format!(
                                "/compliance/assessments/{}/reuse/review?{}",
                                source.id,
                                review.finish()
                            ),
                        }
                    })
                    .collect(),
                current: stored
                    .map(|r| {
                        format!(
                            "{} ({})",
                            value_label(tr, r.value),
                            tr.t(&format!("assessment.origin.{}", r.origin.code()))
                        )
                    })
                    .unwrap_or_else(|| value_label(tr, ResultValue::NotAssessed)),
                decided: stored
                    .is_some_and(|r| r.origin != hygeia_store::assessments::Origin::Manual),
                provisional: d.caveats.contains(&SourceCaveat::SourceNotCompleted),
                review: d.review.as_ref().map(|r| ReviewLine {
                    verdict: tr
                        .t(&format!("reuse.verdict.{}", r.verdict.code()))
                        .to_owned(),
                    by: r.by.join(", "),
                    rationale: tr.text(&r.rationale).to_owned(),
                    delta: r.delta.as_ref().map(|t| tr.text(t).to_owned()),
                    confirmed: confirmations.get(&d.requirement_id).map(|c| {
                        tr.tf(
                            "reuse.delta_confirmed",
                            &[
                                ("who", &c.confirmed_by),
                                ("when", &tr.datetime(&c.confirmed_at)),
                            ],
                        )
                    }),
                }),
            }
        })
        .collect();
    let acceptable = wanted
        .iter()
        .filter(|d| d.value != DerivedValue::NoCoverage)
        .count();
    let page_href = |offset: usize| {
        let q = ReuseQuery {
            target: query.target().to_owned(),
            art21: query.art21.clone(),
            offset: Some(offset),
        };
        format!("/compliance/assessments/{}/reuse?{}", source.id, q.encode())
    };
    let previous = (offset > 0).then(|| page_href(offset.saturating_sub(PAGE_ROWS)));
    let next = (offset + PAGE_ROWS < wanted.len()).then(|| page_href(offset + PAGE_ROWS));
    let counts = [
        DerivedValue::Compliant,
        DerivedValue::PartiallyCompliant,
        DerivedValue::NonCompliant,
        DerivedValue::NotAssessed,
        DerivedValue::NoCoverage,
    ]
    .into_iter()
    .map(|v| (derived_label(tr, v), tr.unum(view.counts.get(v) as u64)))
    .collect();
    let targets = catalog
        .frameworks()
        .iter()
        .filter(|f| f.meta.id != source.framework_id)
        .map(|f| Choice {
            selected: f.meta.id == view.target_framework,
            value: f.meta.id.clone(),
            label: tr.text(&f.meta.name).to_owned(),
        })
        .collect();
    let letters = hygeia_catalog::Art21Letter::all()
        .map(|l| {
            let code = l.to_string();
            Choice {
                selected: query.art21 == code,
                label: format!("({code}) {}", tr.t(&format!("art21.{code}"))),
                value: code,
            }
        })
        .collect();
    let mut crumbs = assessment_crumbs(tr, &catalog, &source);
    let title = tr.t("reuse.title").to_owned();
    crumbs.push(Crumb::here(title.clone()));
    let shell = Shell::new(
        state,
        auth,
        Area::Compliance,
        title,
        crumbs,
        Some(&source.entity_id),
    )
    .await?;
    let count = tr.tf(
        "reuse.rows",
        &[
            ("from", &tr.unum((offset + 1).min(wanted.len()) as u64)),
            (
                "to",
                &tr.unum((offset + PAGE_ROWS).min(wanted.len()) as u64),
            ),
            ("total", &tr.unum(wanted.len() as u64)),
        ],
    );
    let source_panel = source_panel(state, auth, &source, back.clone(), true).await?;
    let page = ReusePage {
        shell,
        source_panel,
        id: source.id.clone(),
        source_name: format!(
            "{} — {}",
            framework_name(tr, &catalog, &source.framework_id),
            source.name
        ),
        targets,
        letters,
        no_target: tr.tf(
            "reuse.no_target",
            &[(
                "framework",
                &framework_name(tr, &catalog, &view.target_framework),
            )],
        ),
        can_decide: target.is_some()
            && auth.principal.require(Permission::ComplianceManage).is_ok(),
        target_assessment: target.map(|t| t.id),
        error: error.clone(),
        counts,
        lines,
        back,
        previous,
        next,
        count,
        override_values: value_choices(tr, None),
        can_confirm: auth.principal.require(Permission::ComplianceEdit).is_ok(),
        target_framework: view.target_framework.clone(),
        acceptable: tr.unum(acceptable as u64),
        art21: query.art21.clone(),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_status(tr, status, &page)
}

pub(super) fn query_from(back: &str) -> ReuseQuery {
    let mut query = ReuseQuery::default();
    for (key, value) in url::form_urlencoded::parse(back.as_bytes()) {
        match key.as_ref() {
            "target" => query.target = value.into_owned(),
            "art21" => query.art21 = value.into_owned(),
            "offset" => query.offset = value.parse().ok(),
            _ => {}
        }
    }
    query
}

/// Accepts a derived result, or overrides it with another value and a reason, into the
/// entity's assessment of the target framework (compliance managers).
pub async fn decide(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let query = query_from(&fields.text("back"));
    let source = assessment_page_for(&state, &auth, &id, Permission::ComplianceRead).await?;
    let target_id = fields.text("target_assessment");
    let target =
        assessment_page_for(&state, &auth, &target_id, Permission::ComplianceManage).await?;
    if target.entity_id != source.entity_id {
        let message = tr.t("reuse.other_entity").to_owned();
        return show_reuse(&state, &auth, &id, query, Some(message)).await;
    }
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    let view = derive_view(&state, &auth, &catalog, &source, &target.framework_id)
        .await
        .map_err(fail(tr))?;
    let requirement = fields.text("req");
    let decided = if fields.get("override").is_some() {
        let reason = fields.text("reason");
        if reason.is_empty() {
            let message = tr.t("reuse.need_reason").to_owned();
            return show_reuse(&state, &auth, &id, query, Some(message)).await;
        }
        let Some(value) = ResultValue::parse(&fields.text("value")) else {
            let message = tr.t("assessment.bad_value").to_owned();
            return show_reuse(&state, &auth, &id, query, Some(message)).await;
        };
        let justification = fields.text("justification");
        if value == ResultValue::NotApplicable && justification.is_empty() {
            let message = tr.tf("assessment.need_justification", &[("req", &requirement)]);
            return show_reuse(&state, &auth, &id, query, Some(message)).await;
        }
        override_derived(
            &view,
            &requirement,
            value,
            &reason,
            Some(justification.as_str()).filter(|j| !j.is_empty()),
        )
    } else {
        accept_derived(&view, &requirement)
    };
    let decided = match decided {
        Ok(d) => d,
        Err(e) => {
            let message = refused(tr, &ApiError::decision(&e));
            return show_reuse(&state, &auth, &id, query, Some(message)).await;
        }
    };
    match state
        .store
        .record_decision(
            &auth.actor,
            &auth.principal.scope,
            &target.id,
            &decided,
            &catalog,
        )
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/compliance/assessments/{}/reuse?{}#d-{}",
            source.id,
            query.encode(),
            super::assessments::anchor(&requirement)
        ))),
        Err(e) => {
            let message = refused(tr, &ApiError::from(e));
            show_reuse(&state, &auth, &id, query, Some(message)).await
        }
    }
}

// ----- pair review -----

#[derive(Debug, Default, Deserialize)]
pub struct PairQuery {
    #[serde(default)]
    set: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    back: String,
}

#[derive(Template)]
#[template(path = "reuse_review.html")]
struct ReviewPage {
    shell: Shell,
    id: String,
    set: String,
    set_title: String,
    source: String,
    target: String,
    source_label: String,
    target_label: String,
    relationship: String,
    relationships: Vec<Choice>,
    back: String,
    error: Option<String>,
    can_review: bool,
}

async fn show_review(
    state: &AppState,
    auth: &Auth,
    id: &str,
    pair: PairQuery,
    error: Option<String>,
) -> PageResult {
    let tr = tr_of(auth);
    let source = assessment_page_for(state, auth, id, Permission::ComplianceRead).await?;
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    let not_found = || fail(tr)(ApiError::NotFound(tr.t("reuse.no_pair").to_owned()));
    let set = catalog.mapping_set(&pair.set).ok_or_else(not_found)?;
    let found = set
        .pairs
        .iter()
        .find(|p| p.source == pair.source && p.target == pair.target)
        .ok_or_else(not_found)?;
    let label = |framework: &str, requirement: &str| {
        catalog
            .framework(framework)
            .and_then(|f| f.requirement(requirement))
            .map(|r| format!("{} {}", r.reference, tr.text(&r.title)))
            .unwrap_or_else(|| requirement.to_owned())
    };
    let relationships = [
        Relationship::Equal,
        Relationship::Subset,
        Relationship::Superset,
        Relationship::Intersect,
    ]
    .into_iter()
    .map(|r| Choice {
        value: r.code().to_owned(),
        label: relationship_label(tr, r),
        selected: r == found.relationship,
    })
    .collect();
    let mut crumbs = assessment_crumbs(tr, &catalog, &source);
    crumbs.push(Crumb::link(
        tr.t("reuse.title"),
        format!(
            "/compliance/assessments/{}/reuse?{}",
            source.id,
            query_from(&pair.back).encode()
        ),
    ));
    let title = tr.t("reuse.review_title").to_owned();
    crumbs.push(Crumb::here(title.clone()));
    let shell = Shell::new(
        state,
        auth,
        Area::Compliance,
        title,
        crumbs,
        Some(&source.entity_id),
    )
    .await?;
    let page = ReviewPage {
        shell,
        id: source.id.clone(),
        set_title: tr.text(&set.meta.title).to_owned(),
        source_label: label(&set.meta.source_framework, &pair.source),
        target_label: label(&set.meta.target_framework, &pair.target),
        relationship: relationship_label(tr, found.relationship),
        relationships,
        set: pair.set,
        source: pair.source,
        target: pair.target,
        back: query_from(&pair.back).encode(),
        error: error.clone(),
        can_review: auth.principal.require(Permission::MappingReview).is_ok(),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_status(tr, status, &page)
}

pub async fn review_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
    Query(pair): Query<PairQuery>,
) -> PageResult {
    show_review(&state, &auth, &id, pair, None).await
}

/// Confirms, refines (another relationship, with a rationale) or rejects a pair.
pub async fn review_pair(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    auth.principal
        .require(Permission::MappingReview)
        .map_err(|e| fail(tr)(e.into()))?;
    let source = assessment_page_for(&state, &auth, &id, Permission::ComplianceRead).await?;
    let pair = PairQuery {
        set: fields.text("set"),
        source: fields.text("source"),
        target: fields.text("target"),
        back: fields.text("back"),
    };
    let rationale = fields.text("rationale");
    let decision = match fields.text("decision").as_str() {
        "confirmed" => ReviewDecision::Confirmed,
        "refined" => {
            let Some(relationship) = Relationship::parse(&fields.text("relationship")) else {
                let message = tr.t("reuse.need_relationship").to_owned();
                return show_review(&state, &auth, &id, pair, Some(message)).await;
            };
            if rationale.is_empty() {
                let message = tr.t("reuse.need_rationale").to_owned();
                return show_review(&state, &auth, &id, pair, Some(message)).await;
            }
            ReviewDecision::Refined {
                relationship,
                rationale,
            }
        }
        "rejected" => ReviewDecision::Rejected {
            rationale: Some(rationale).filter(|r| !r.is_empty()),
        },
        _ => {
            let message = tr.t("reuse.need_decision").to_owned();
            return show_review(&state, &auth, &id, pair, Some(message)).await;
        }
    };
    let review = PairReview::new(&pair.set, &pair.source, &pair.target, decision);
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    match state
        .store
        .review_pair(
            &auth.actor,
            &auth.principal.organisation_id,
            &review,
            &catalog,
        )
        .await
    {
        Ok(_) => Ok(see_other(&format!(
            "/compliance/assessments/{}/reuse?{}",
            source.id,
            query_from(&pair.back).encode()
        ))),
        Err(e) => {
            let message = refused(tr, &ApiError::from(e));
            show_review(&state, &auth, &id, pair, Some(message)).await
        }
    }
}
