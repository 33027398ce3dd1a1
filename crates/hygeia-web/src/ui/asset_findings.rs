//! Zone and conduit findings (`/assets/findings`): filtered by review state and severity, each
//! with its review (state, who, when, why) and, for those who manage zone policies, a form to
//! acknowledge it, mark it as a false positive or reopen it with a reason (audited).

use askama::Template;
use axum::extract::{Path, Query, State};
use hygeia_domain::access::Permission;
use hygeia_monitor::protocol_label;
use hygeia_store::PageRequest;
use hygeia_store::monitoring::{FINDING_STATES, FindingFilter, StoredFinding};
use serde::Deserialize;

use super::assets::{counted, nonempty};
use super::i18n::Tr;
use super::{
    Area, Choice, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, redirect, render, tr_of,
};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

const PAGE_SIZE: i64 = 100;

#[derive(Debug, Default, Clone, Deserialize)]
pub struct FindingsQuery {
    #[serde(default)]
    entity: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    page: Option<i64>,
}

impl FindingsQuery {
    /// The query string that shows this list again (page included).
    fn encode(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("entity", &self.entity),
            ("state", &self.state),
            ("severity", &self.severity),
        ] {
            if !value.is_empty() {
                s.append_pair(key, value);
            }
        }
        if let Some(page) = self.page.filter(|p| *p > 1) {
            s.append_pair("page", &page.to_string());
        }
        s.finish()
    }

    /// Reads back what [`FindingsQuery::encode`] wrote (a form's `back` field).
    fn decode(text: &str) -> Self {
        let mut query = FindingsQuery::default();
        for (key, value) in url::form_urlencoded::parse(text.as_bytes()) {
            match key.as_ref() {
                "entity" => query.entity = value.into_owned(),
                "state" => query.state = value.into_owned(),
                "severity" => query.severity = value.into_owned(),
                "page" => query.page = value.parse().ok(),
                _ => {}
            }
        }
        query
    }

    fn with_page(&self, page: i64) -> String {
        let query = FindingsQuery {
            page: Some(page),
            ..self.clone()
        };
        format!("/assets/findings?{}", query.encode())
    }
}

/// One finding as the list shows it.
pub struct FindingRow {
    pub id: String,
    pub severity: String,
    pub severity_label: String,
    pub kind: String,
    pub summary: String,
    /// `en` when the summary is a stored English sentence on a page in another language.
    pub summary_lang: Option<&'static str>,
    pub flow: String,
    pub operations: String,
    pub references: String,
    pub occurrences: String,
    pub last_seen: String,
    pub state: String,
    pub state_label: String,
    /// "by … on …" and the reason, when reviewed.
    pub reviewed: Option<String>,
    pub reason: String,
    /// "seen N times since the review".
    pub since: Option<String>,
    /// The review form: its state choices and the reason typed (after a refusal).
    pub choices: Vec<Choice>,
    pub draft: String,
    pub open_form: bool,
}

#[derive(Template)]
#[template(path = "asset_findings.html")]
struct FindingsPage {
    shell: Shell,
    rows: Vec<FindingRow>,
    total: String,
    by_state: String,
    states: Vec<Choice>,
    severities: Vec<Choice>,
    filtered: bool,
    can_review: bool,
    back: String,
    error: Option<String>,
    next: Option<String>,
    previous: Option<String>,
}

/// Whether the caller may review findings: a monitoring write (as a zone policy is) by someone
/// who reads them.
fn may_review(auth: &Auth) -> bool {
    auth.principal.require(Permission::AssetRead).is_ok()
        && auth.principal.require(Permission::AssetIngest).is_ok()
}

fn label_choices(tr: Tr, section: &str, values: &[&str], current: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|value| Choice {
            value: (*value).to_owned(),
            label: tr.label(section, value),
            selected: *value == current,
        })
        .collect()
}

fn row(tr: Tr, f: &StoredFinding, refused: Option<(&str, &str, &str)>) -> FindingRow {
    let draft = refused.filter(|(id, _, _)| *id == f.id);
    let next_state = match f.state.as_str() {
        "open" => "acknowledged",
        _ => "open",
    };
    let chosen = draft.map_or(next_state, |(_, state, _)| state);
    let said = super::asset_sentences::finding(tr, f);
    FindingRow {
        id: f.id.clone(),
        severity: f.severity.clone(),
        severity_label: tr.label("assets.severity_level", &f.severity),
        kind: tr.label("assets.finding_kind", &f.kind),
        summary: said.text,
        summary_lang: said.lang,
        flow: format!("{} → {} ({})", f.src, f.dst, protocol_label(&f.protocol)),
        operations: super::asset_sentences::operations(tr, &f.operations),
        references: f
            .references
            .iter()
            .map(|r| {
                let framework = r
                    .get("framework")
                    .and_then(|v| v.as_str())
                    .unwrap_or_default();
                let id = r.get("id").and_then(|v| v.as_str()).unwrap_or_default();
                format!("{framework} {id}").trim().to_owned()
            })
            .collect::<Vec<_>>()
            .join(" · "),
        occurrences: tr.num(f.occurrences),
        last_seen: tr.datetime(&f.last_seen),
        state: f.state.clone(),
        state_label: tr.label("assets.finding_state", &f.state),
        reviewed: f.review.as_ref().map(|r| {
            tr.tf(
                "assets.reviewed_by",
                &[
                    ("who", &r.reviewed_by),
                    ("when", &tr.datetime(&r.reviewed_at)),
                ],
            )
        }),
        reason: f
            .review
            .as_ref()
            .map(|r| r.reason.clone())
            .unwrap_or_default(),
        since: f.review.as_ref().and_then(|r| {
            let again = f.occurrences.saturating_sub(r.occurrences_at_review);
            (again > 0).then(|| counted(tr, "assets.seen_since", u64::try_from(again).unwrap_or(0)))
        }),
        choices: label_choices(tr, "assets.finding_state", &FINDING_STATES, chosen),
        draft: draft
            .map(|(_, _, reason)| reason.to_owned())
            .unwrap_or_default(),
        open_form: draft.is_some(),
    }
}

pub async fn findings_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<FindingsQuery>,
) -> PageResult {
    show_findings(&state, &auth, query, None).await
}

/// The list, with a refused review's message and what was typed (`id`, state, reason).
async fn show_findings(
    state: &AppState,
    auth: &Auth,
    query: FindingsQuery,
    refused: Option<(String, &str, &str, &str)>,
) -> PageResult {
    let tr = tr_of(auth);
    let fail = |e: hygeia_store::StoreError| PageError::new(tr, e.into());
    auth.principal
        .require(Permission::AssetRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let scope = &auth.principal.scope;
    let entity = nonempty(&query.entity).filter(|id| scope.contains(id));
    // Unknown filter values (edited addresses) show everything rather than an error.
    let state_filter = nonempty(&query.state).filter(|s| FINDING_STATES.contains(&s.as_str()));
    let severity = nonempty(&query.severity).filter(|s| ["high", "medium"].contains(&s.as_str()));
    let filter = FindingFilter {
        entity_id: entity.clone(),
        state: state_filter.clone(),
        severity: severity.clone(),
        after: None,
    };
    let page_no = super::page_number(query.page);
    let findings = state
        .store
        .list_findings(
            scope,
            &filter,
            PageRequest::new(Some(PAGE_SIZE), Some((page_no - 1) * PAGE_SIZE)),
        )
        .await
        .map_err(fail)?;
    // How many in each state, whatever the state filter.
    let mut counts = Vec::new();
    for s in FINDING_STATES {
        let n = state
            .store
            .list_findings(
                scope,
                &FindingFilter {
                    state: Some(s.to_owned()),
                    ..filter.clone()
                },
                PageRequest::new(Some(1), None),
            )
            .await
            .map_err(fail)?
            .total;
        counts.push(counted(
            tr,
            &format!("assets.count_{s}"),
            u64::try_from(n).unwrap_or(0),
        ));
    }
    let title = tr.t("assets.findings").to_owned();
    let shell = Shell::new(
        state,
        auth,
        Area::Assets,
        title.clone(),
        vec![
            Crumb::link(tr.t("nav.assets"), "/assets"),
            Crumb::here(title),
        ],
        entity.as_deref(),
    )
    .await?;
    let draft = refused
        .as_ref()
        .map(|(id, state, reason, _)| (id.as_str(), *state, *reason));
    let shown = i64::try_from(findings.items.len()).unwrap_or(0);
    let page = FindingsPage {
        rows: findings.items.iter().map(|f| row(tr, f, draft)).collect(),
        total: counted(
            tr,
            "assets.findings_total",
            u64::try_from(findings.total).unwrap_or(0),
        ),
        by_state: counts.join(" · "),
        states: label_choices(
            tr,
            "assets.finding_state",
            &FINDING_STATES,
            state_filter.as_deref().unwrap_or_default(),
        ),
        severities: label_choices(
            tr,
            "assets.severity_level",
            &["high", "medium"],
            severity.as_deref().unwrap_or_default(),
        ),
        filtered: state_filter.is_some() || severity.is_some(),
        can_review: may_review(auth),
        back: query.encode(),
        error: refused.map(|(_, _, _, message)| message.to_owned()),
        previous: (page_no > 1).then(|| query.with_page(page_no - 1)),
        next: ((page_no - 1) * PAGE_SIZE + shown < findings.total)
            .then(|| query.with_page(page_no + 1)),
        shell,
    };
    render(tr, &page)
}

/// Records a review posted from the list, then shows the list again at that finding; a refused
/// review shows the list with the reason why and what was typed.
pub async fn review_finding(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let back = FindingsQuery::decode(&fields.text("back"));
    if !may_review(&auth) {
        return Err(PageError::new(
            tr,
            ApiError::Forbidden(tr.t("error.forbidden").to_owned()),
        ));
    }
    let review_state = fields.text("state");
    let reason = fields.text("reason");
    match state
        .store
        .review_finding(
            &auth.actor,
            &auth.principal.scope,
            &id,
            &review_state,
            &reason,
        )
        .await
    {
        Ok(_) => Ok(redirect(&format!(
            "/assets/findings?{}#finding-{id}",
            back.encode()
        ))),
        Err(hygeia_store::StoreError::NotFound { what, id }) => Err(PageError::new(
            tr,
            ApiError::NotFound(format!("{what} '{id}' was not found")),
        )),
        Err(e) => {
            // The list again, the refusal above it and the form as it was typed: 400.
            let message = refused(tr, &ApiError::from(e));
            let mut page = show_findings(
                &state,
                &auth,
                back,
                Some((id, review_state.as_str(), reason.as_str(), &message)),
            )
            .await?;
            *page.status_mut() = axum::http::StatusCode::BAD_REQUEST;
            Ok(page)
        }
    }
}

fn refused(tr: Tr, error: &ApiError) -> String {
    match error {
        ApiError::BadRequest { errors, .. } if !errors.is_empty() => format!(
            "{} {}",
            tr.t("assets.review_refused"),
            super::validation::summary(tr, errors)
        ),
        _ => format!("{} {error}", tr.t("assets.review_refused")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_query_survives_the_review_form() {
        let query = FindingsQuery {
            entity: "e 1&x".into(),
            state: "false_positive".into(),
            severity: String::new(),
            page: Some(3),
        };
        let back = FindingsQuery::decode(&query.encode());
        assert_eq!(back.entity, "e 1&x");
        assert_eq!(back.state, "false_positive");
        assert_eq!(back.page, Some(3));
        assert_eq!(
            query.with_page(2),
            "/assets/findings?entity=e+1%26x&state=false_positive&page=2"
        );
    }
}
