//! The vulnerability list as CSV or XLSX, most urgent first, with the advisory data's credit
//! (CISA's advisories and KEV catalog) in the file. Downloads are recorded like other exports.

use axum::extract::State;
use axum::response::Response;
use hygeia_domain::access::Permission;
use hygeia_report::{Language, Table};
use hygeia_store::PageRequest;
use hygeia_store::vulnerabilities::{VulnerabilityFilter, VulnerabilityMatch};
use serde::Deserialize;

use crate::AppState;
use crate::api::ApiQuery;
use crate::api::download::{attachment, table_format};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::ui::i18n::{Lang, Tr};

/// Rows an export holds at most (a whole group's list is far below).
const MAX_ROWS: usize = 200_000;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VulnerabilityExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
    /// Headers and values in `en` (default) or `fr` (French CSV uses `;`).
    pub lang: Option<String>,
    pub entity_id: Option<String>,
    /// Only the matches that still ask for work.
    pub open: Option<bool>,
    /// Only matches with a CVE in CISA's KEV catalog.
    pub kev: Option<bool>,
}

fn table(rows: &[VulnerabilityMatch], tr: Tr, now: &str) -> Table {
    let fr = tr.lang == Lang::Fr;
    let headers: &[&str] = if fr {
        &[
            "Équipement",
            "Modèle",
            "Micrologiciel",
            "Avis",
            "Titre",
            "Statut",
            "Reconnu par",
            "CVE",
            "CVSS",
            "KEV",
            "Rançongiciel",
            "Qualification",
            "Échéance du plan",
        ]
    } else {
        &[
            "Asset",
            "Model",
            "Firmware",
            "Advisory",
            "Title",
            "Status",
            "Recognised by",
            "CVEs",
            "CVSS",
            "KEV",
            "Ransomware",
            "Triage",
            "Plan due",
        ]
    };
    let yes_no = |flag: bool| match (flag, fr) {
        (true, true) => "oui",
        (false, true) => "non",
        (true, false) => "yes",
        (false, false) => "no",
    };
    let mut table = Table::new(
        if fr {
            "Vulnérabilités"
        } else {
            "Vulnerabilities"
        },
        headers,
    );
    table.language = if fr { Language::Fr } else { Language::En };
    for m in rows {
        table.rows.push(vec![
            m.asset_names
                .first()
                .cloned()
                .unwrap_or_else(|| m.asset_key.clone()),
            m.asset_model.clone().unwrap_or_default(),
            m.asset_firmware.clone().unwrap_or_default(),
            m.tracking_id.clone(),
            m.title.clone(),
            tr.label("vulnerabilities.status", m.status.as_str()),
            tr.label("vulnerabilities.basis", &m.basis),
            m.cves.join(" "),
            m.cvss.map(|s| format!("{s:.1}")).unwrap_or_default(),
            yes_no(m.kev).into(),
            yes_no(m.known_ransomware).into(),
            tr.label("vulnerabilities.triage", m.triage.as_str()),
            m.plan
                .as_ref()
                .map(|p| p.due_on.clone())
                .unwrap_or_default(),
        ]);
    }
    table.about = vec![
        (
            if fr { "Exporté le" } else { "Exported at" }.into(),
            now.to_owned(),
        ),
        (
            if fr { "Correspondances" } else { "Matches" }.into(),
            rows.len().to_string(),
        ),
    ];
    table.credits = vec![hygeia_advisories::CREDIT.to_owned()];
    table
}

/// The vulnerability list as CSV or XLSX, most urgent first, with the data's credit.
#[utoipa::path(get, path = "/api/v1/vulnerabilities/export", tag = "vulnerabilities",
    params(VulnerabilityExportQuery),
    responses((status = 200, description = "CSV or XLSX file", content_type = "application/octet-stream"),
        (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn export_vulnerabilities(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<VulnerabilityExportQuery>,
) -> ApiResult<Response> {
    auth.principal.require(Permission::AssetRead)?;
    let format = table_format(query.format.as_deref())?;
    let tr = Tr::new(Lang::from_code(query.lang.as_deref().unwrap_or("en")));
    let mut filter = VulnerabilityFilter {
        entity_id: query.entity_id.clone(),
        open: query.open,
        kev: query.kev,
        ..VulnerabilityFilter::default()
    };
    let mut rows = Vec::new();
    loop {
        let page = state
            .store
            .list_vulnerabilities(
                &auth.principal.scope,
                &filter,
                PageRequest::new(Some(500), None),
            )
            .await?;
        rows.extend(page.items);
        match page.next {
            Some(next) if rows.len() < MAX_ROWS => filter.after = Some(next),
            _ => break,
        }
    }
    let now = hygeia_domain::clock::format_instant(state.store.clock().now());
    let table = table(&rows, tr, &now);
    let bytes = format.write(&table).map_err(ApiError::internal)?;
    state
        .store
        .record_access(
            &auth.actor,
            "export.download",
            ("vulnerability_list", "vulnerabilities"),
            query.entity_id.as_deref(),
            serde_json::json!({ "format": format.extension(), "rows": table.rows.len() }),
        )
        .await?;
    attachment(
        bytes,
        format.media_type(),
        &format!("vulnerabilities.{}", format.extension()),
    )
}
