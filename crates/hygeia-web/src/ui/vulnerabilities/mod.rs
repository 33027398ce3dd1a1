//! Vulnerabilities of the inventory (`/vulnerabilities`): the prioritised list of matches
//! (filtered by entity, status, triage, KEV; "to handle" by default), one match with its triage
//! form ([`detail`]), one advisory with the assets it concerns, and the feeds page where
//! administrators import files ([`feeds`]). The same rows show on each asset's page.

pub mod advisory;
pub mod detail;
pub mod feeds;
pub mod planning;

use askama::Template;
use axum::extract::{Query, State};
use hygeia_domain::access::Permission;
use hygeia_domain::vulnerabilities::{MatchState, Triage};
use hygeia_store::PageRequest;
use hygeia_store::vulnerabilities::{VulnerabilityFilter, VulnerabilityMatch};
use serde::Deserialize;

use super::assets::{counted, nonempty};
use super::i18n::Tr;
use super::{Area, Choice, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of};
use crate::AppState;
use crate::auth::Auth;

const PAGE_SIZE: i64 = 100;

/// The plan filters of the list.
const PLAN_FILTERS: [&str; 4] = ["overdue", "planned", "done", "none"];

/// CVEs named in a row before "+N".
const CVES_SHOWN: usize = 3;

/// One match as the lists show it.
pub struct VulnerabilityRow {
    pub href: String,
    pub asset_name: String,
    pub asset_href: String,
    pub asset_detail: String,
    pub advisory: String,
    pub advisory_href: String,
    pub title: String,
    pub status: &'static str,
    pub status_label: String,
    pub cves: String,
    pub kev: bool,
    pub ransomware: bool,
    pub cvss: String,
    pub triage: &'static str,
    pub triage_label: String,
    pub needs_action: bool,
    /// The plan's due day, when planned and not done, and whether it is past.
    pub plan_due: Option<String>,
    pub plan_overdue: bool,
}

impl VulnerabilityRow {
    pub fn new(tr: Tr, m: &VulnerabilityMatch) -> Self {
        let mut cves = m
            .cves
            .iter()
            .take(CVES_SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if m.cves.len() > CVES_SHOWN {
            cves.push_str(&format!(" +{}", m.cves.len() - CVES_SHOWN));
        }
        let model = [m.asset_model.as_deref(), m.asset_firmware.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ");
        VulnerabilityRow {
            href: format!("/vulnerabilities/{}", m.id),
            asset_name: m
                .asset_names
                .first()
                .cloned()
                .unwrap_or_else(|| m.asset_key.clone()),
            asset_href: format!("/assets/{}", m.asset_id),
            asset_detail: model,
            advisory: m.tracking_id.clone(),
            advisory_href: format!("/vulnerabilities/advisories/{}", m.advisory_id),
            title: m.title.clone(),
            status: m.status.as_str(),
            status_label: tr.label("vulnerabilities.status", m.status.as_str()),
            cves,
            kev: m.kev,
            ransomware: m.known_ransomware,
            cvss: m.cvss.map(|s| format!("{s:.1}")).unwrap_or_default(),
            triage: m.triage.as_str(),
            triage_label: tr.label("vulnerabilities.triage", m.triage.as_str()),
            needs_action: m.needs_action,
            plan_due: m
                .plan
                .as_ref()
                .filter(|p| {
                    p.status == hygeia_domain::vulnerabilities::planning::PlanStatus::Planned
                })
                .map(|p| p.due_on.clone()),
            plan_overdue: m.plan.as_ref().is_some_and(|p| p.overdue),
        }
    }
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct VulnerabilitiesQuery {
    #[serde(default)]
    entity: String,
    /// `open` (default: what still asks for work) or `all`.
    #[serde(default)]
    view: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    triage: String,
    /// `1`: only KEV-listed.
    #[serde(default)]
    kev: String,
    /// `overdue`, `planned`, `done` or `none`.
    #[serde(default)]
    plan: String,
    /// Only the matches of one advisory.
    #[serde(default)]
    advisory: String,
    #[serde(default)]
    after: String,
}

impl VulnerabilitiesQuery {
    fn encode_without_cursor(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("entity", &self.entity),
            ("view", &self.view),
            ("status", &self.status),
            ("triage", &self.triage),
            ("kev", &self.kev),
            ("plan", &self.plan),
            ("advisory", &self.advisory),
        ] {
            if !value.is_empty() {
                s.append_pair(key, value);
            }
        }
        s.finish()
    }

    fn next(&self, cursor: &str) -> String {
        let mut query = self.encode_without_cursor();
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str("after=");
        query.push_str(cursor);
        format!("/vulnerabilities?{query}")
    }
}

#[derive(Template)]
#[template(path = "vulnerabilities.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<VulnerabilityRow>,
    total: String,
    views: Vec<Choice>,
    statuses: Vec<Choice>,
    triages: Vec<Choice>,
    plans: Vec<Choice>,
    kev_only: bool,
    filtered: bool,
    no_feed: bool,
    can_import: bool,
    next: Option<String>,
    first_page: Option<String>,
    /// The export's query for what the list shows (entity, to handle, KEV).
    export_query: String,
}

fn choices(tr: Tr, section: &str, values: &[&str], current: &str) -> Vec<Choice> {
    values
        .iter()
        .map(|value| Choice {
            value: (*value).to_owned(),
            label: tr.label(section, value),
            selected: *value == current,
        })
        .collect()
}

fn state_names() -> Vec<&'static str> {
    MatchState::ALL.iter().map(|s| s.as_str()).collect()
}

fn triage_names() -> Vec<&'static str> {
    Triage::ALL.iter().map(|t| t.as_str()).collect()
}

pub async fn list_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<VulnerabilitiesQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: hygeia_store::StoreError| PageError::new(tr, e.into());
    auth.principal
        .require(Permission::AssetRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let scope = &auth.principal.scope;
    let entity = nonempty(&query.entity).filter(|id| scope.contains(id));
    // Unknown filter values (edited addresses) show everything rather than an error.
    let status = nonempty(&query.status).filter(|s| MatchState::parse(s).is_some());
    let triage = nonempty(&query.triage).filter(|t| Triage::parse(t).is_some());
    let all = query.view == "all";
    let kev_only = query.kev == "1";
    let plan = nonempty(&query.plan).filter(|p| PLAN_FILTERS.contains(&p.as_str()));
    let filter = VulnerabilityFilter {
        entity_id: entity.clone(),
        status: status.clone(),
        triage: triage.clone(),
        kev: kev_only.then_some(true),
        open: (!all).then_some(true),
        plan: plan.clone(),
        advisory_id: nonempty(&query.advisory),
        after: nonempty(&query.after),
        ..VulnerabilityFilter::default()
    };
    let found = state
        .store
        .list_vulnerabilities(scope, &filter, PageRequest::new(Some(PAGE_SIZE), None))
        .await
        .map_err(fail)?;
    let no_feed =
        found.items.is_empty() && state.store.advisory_generation().await.map_err(fail)? == 0;
    let title = tr.t("vulnerabilities.title").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Assets,
        title.clone(),
        vec![
            Crumb::link(tr.t("nav.assets"), "/assets"),
            Crumb::here(title),
        ],
        entity.as_deref(),
    )
    .await?;
    let total = u64::try_from(found.total).unwrap_or(0);
    let mut total = counted(tr, "vulnerabilities.total", total);
    if found.total_exceeds {
        total = tr.tf("vulnerabilities.more_than", &[("count", &total)]);
    }
    let page = ListPage {
        rows: found
            .items
            .iter()
            .map(|m| VulnerabilityRow::new(tr, m))
            .collect(),
        total,
        views: choices(
            tr,
            "vulnerabilities.view",
            &["open", "all"],
            if all { "all" } else { "open" },
        ),
        statuses: choices(
            tr,
            "vulnerabilities.status",
            &state_names(),
            status.as_deref().unwrap_or_default(),
        ),
        triages: choices(
            tr,
            "vulnerabilities.triage",
            &triage_names(),
            triage.as_deref().unwrap_or_default(),
        ),
        plans: choices(
            tr,
            "vulnerabilities.plan_filter",
            &PLAN_FILTERS,
            plan.as_deref().unwrap_or_default(),
        ),
        kev_only,
        filtered: status.is_some()
            || triage.is_some()
            || plan.is_some()
            || kev_only
            || all
            || !query.advisory.is_empty(),
        no_feed,
        can_import: auth.principal.require(Permission::AdvisoryImport).is_ok(),
        next: found.next.as_deref().map(|cursor| query.next(cursor)),
        export_query: {
            let mut q = url::form_urlencoded::Serializer::new(String::new());
            if let Some(entity) = &entity {
                q.append_pair("entity_id", entity);
            }
            if !all {
                q.append_pair("open", "true");
            }
            if kev_only {
                q.append_pair("kev", "true");
            }
            q.finish()
        },
        first_page: (!query.after.is_empty())
            .then(|| format!("/vulnerabilities?{}", query.encode_without_cursor())),
        shell,
    };
    render(tr, &page)
}

/// The matches of one asset, for its page (every status, most urgent first).
pub async fn rows_of_asset(
    state: &AppState,
    auth: &Auth,
    asset_id: &str,
) -> Result<Vec<VulnerabilityRow>, hygeia_store::StoreError> {
    let tr = tr_of(auth);
    let filter = VulnerabilityFilter {
        asset_id: Some(asset_id.to_owned()),
        ..VulnerabilityFilter::default()
    };
    let found = state
        .store
        .list_vulnerabilities(
            &auth.principal.scope,
            &filter,
            PageRequest::new(Some(PAGE_SIZE), None),
        )
        .await?;
    Ok(found
        .items
        .iter()
        .map(|m| VulnerabilityRow::new(tr, m))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_keeps_the_filters() {
        let query = VulnerabilitiesQuery {
            entity: "e 1".into(),
            view: "all".into(),
            kev: "1".into(),
            ..VulnerabilitiesQuery::default()
        };
        assert_eq!(
            query.next("ab12"),
            "/vulnerabilities?entity=e+1&view=all&kev=1&after=ab12"
        );
    }
}
