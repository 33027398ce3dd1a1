//! One advisory (`/vulnerabilities/advisories/{id}`): its revision, CVEs (KEV marked), CVSS,
//! the document's digest and source, the assets of each visible entity it concerns, and what
//! the publisher says to do.

use askama::Template;
use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_store::PageRequest;
use hygeia_store::vulnerabilities::VulnerabilityFilter;

use super::VulnerabilityRow;
use super::detail::{CveView, RemediationView};
use crate::AppState;
use crate::ui::{Area, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of};

/// The assets of one entity an advisory concerns, counted by status.
pub struct ExposureView {
    pub entity: String,
    pub counts: String,
}

#[derive(Template)]
#[template(path = "advisory.html")]
struct AdvisoryPage {
    shell: Shell,
    tracking_id: String,
    title: String,
    publisher: String,
    version: String,
    released: String,
    cves: Vec<CveView>,
    cvss: String,
    digest: String,
    source: String,
    exposure: Vec<ExposureView>,
    rows: Vec<VulnerabilityRow>,
    more: bool,
    see_all: String,
    remediations: Vec<RemediationView>,
}

/// Rows of the advisory page (its matched assets in scope, most urgent first).
const ADVISORY_ROWS: i64 = 200;

pub async fn advisory_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: hygeia_store::StoreError| PageError::new(tr, e.into());
    auth.principal
        .require(Permission::AssetRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let scope = &auth.principal.scope;
    let advisory = state.store.advisory(&id).await.map_err(fail)?;
    let document = state.store.advisory_document(&id).await.map_err(fail)?;
    let feed = state.advisories.current(&state.store).await.map_err(fail)?;
    let kev = feed.as_ref().and_then(|f| f.index.kev());
    let exposure = state
        .store
        .advisory_exposure(scope, &id)
        .await
        .map_err(fail)?;
    let entities = state
        .store
        .list_entities(
            &auth.principal.organisation_id,
            scope,
            &hygeia_store::EntityFilter::default(),
            PageRequest::new(Some(500), None),
        )
        .await
        .map_err(fail)?
        .items;
    let mut by_entity: Vec<ExposureView> = Vec::new();
    for e in &exposure {
        let name = entities
            .iter()
            .find(|x| x.id == e.entity_id)
            .map_or_else(|| e.entity_id.clone(), |x| x.name.clone());
        let said = tr.tf(
            "vulnerabilities.assets_in_status",
            &[
                ("count", &tr.num(e.assets)),
                (
                    "status",
                    &tr.label("vulnerabilities.status", e.status.as_str()),
                ),
            ],
        );
        match by_entity.iter_mut().find(|v| v.entity == name) {
            Some(view) => {
                view.counts.push_str(" · ");
                view.counts.push_str(&said);
            }
            None => by_entity.push(ExposureView {
                entity: name,
                counts: said,
            }),
        }
    }
    let filter = VulnerabilityFilter {
        advisory_id: Some(id.clone()),
        ..VulnerabilityFilter::default()
    };
    let found = state
        .store
        .list_vulnerabilities(scope, &filter, PageRequest::new(Some(ADVISORY_ROWS), None))
        .await
        .map_err(fail)?;
    let mut remediations: Vec<RemediationView> = Vec::new();
    for v in &document.vulnerabilities {
        for r in &v.remediations {
            if !remediations.iter().any(|x| x.details == r.details) {
                remediations.push(RemediationView {
                    category: tr.label("vulnerabilities.remediation", &r.category),
                    details: r.details.clone(),
                    url: r
                        .url
                        .clone()
                        .filter(|u| u.starts_with("https://") || u.starts_with("http://")),
                });
            }
        }
    }
    let shell = Shell::new(
        &state,
        &auth,
        Area::Assets,
        advisory.tracking_id.clone(),
        vec![
            Crumb::link(tr.t("nav.assets"), "/assets"),
            Crumb::link(tr.t("vulnerabilities.title"), "/vulnerabilities"),
            Crumb::here(advisory.tracking_id.clone()),
        ],
        None,
    )
    .await?;
    let page = AdvisoryPage {
        cves: advisory
            .cves
            .iter()
            .map(|cve| CveView {
                id: cve.clone(),
                kev: kev.is_some_and(|k| k.get(cve).is_some()),
            })
            .collect(),
        cvss: advisory.cvss.map(|s| format!("{s:.1}")).unwrap_or_default(),
        tracking_id: advisory.tracking_id,
        title: advisory.title,
        publisher: advisory.publisher,
        version: advisory.version,
        released: tr.datetime(&advisory.current_release_date),
        digest: advisory.digest,
        source: advisory.source,
        exposure: by_entity,
        more: found.total > ADVISORY_ROWS,
        see_all: format!(
            "/vulnerabilities?view=all&advisory={}",
            crate::ui::url_encode(&id)
        ),
        rows: found
            .items
            .iter()
            .map(|m| VulnerabilityRow::new(tr, m))
            .collect(),
        remediations,
        shell,
    };
    render(tr, &page)
}
