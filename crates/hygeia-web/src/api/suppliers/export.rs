//! The supplier register as CSV or XLSX, most critical first: each supplier with its tier,
//! accesses, ecosystem zone, next review, certificates ending and clause gaps. Downloads are
//! recorded like other exports.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::Response;
use hygeia_domain::access::Permission;
use hygeia_report::{Language, Table};
use hygeia_store::PageRequest;
use hygeia_store::suppliers::SupplierSummary;
use serde::Deserialize;

use super::SupplierQuery;
use crate::AppState;
use crate::api::ApiQuery;
use crate::api::download::{attachment, table_format};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::ui::i18n::{Lang, Tr};

/// Rows an export holds at most.
const MAX_ROWS: usize = 100_000;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupplierExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
    /// Headers and values in `en` (default) or `fr` (French CSV uses `;`).
    pub lang: Option<String>,
    pub entity_id: Option<String>,
    /// `critical`, `high`, `moderate` or `low`.
    pub tier: Option<String>,
    /// Only those reaching OT systems (`true`).
    pub ot_access: Option<bool>,
}

fn yes_no(tr: Tr, value: bool) -> String {
    tr.t(if value {
        "suppliers.yes"
    } else {
        "suppliers.no"
    })
    .to_owned()
}

fn table(
    rows: &[SupplierSummary],
    entities: &BTreeMap<String, String>,
    tr: Tr,
    now: &str,
) -> Table {
    let headers: Vec<&str> = [
        "suppliers.entity",
        "suppliers.name",
        "suppliers.category_h",
        "suppliers.status_h",
        "suppliers.country",
        "suppliers.tier_h",
        "suppliers.points",
        "suppliers.factor.ot_access",
        "suppliers.factor.health_data",
        "suppliers.threat_zone",
        "suppliers.next_review",
        "suppliers.review_overdue",
        "suppliers.processes",
        "suppliers.certificates_expiring",
        "suppliers.certificates_expired",
        "suppliers.clause_gaps",
        "suppliers.score",
    ]
    .into_iter()
    .map(|key| tr.t(key))
    .collect();
    let mut table = Table::new(tr.t("suppliers.title"), &headers);
    table.language = if tr.lang == Lang::Fr {
        Language::Fr
    } else {
        Language::En
    };
    for s in rows {
        table.rows.push(vec![
            entities.get(&s.entity_id).cloned().unwrap_or_default(),
            s.name.clone(),
            tr.label("suppliers.category", &s.category),
            tr.label("suppliers.status", &s.status),
            s.country.clone().unwrap_or_default(),
            tr.label("suppliers.tier", &s.tier),
            s.tier_points.to_string(),
            yes_no(tr, s.ot_access.0),
            yes_no(tr, s.health_data.0),
            s.threat_zone
                .as_deref()
                .map(|z| tr.label("suppliers.zone", z))
                .unwrap_or_default(),
            s.next_review_on.clone().unwrap_or_default(),
            yes_no(tr, s.review_overdue),
            s.processes.to_string(),
            s.expiring_certificates.to_string(),
            s.expired_certificates.to_string(),
            s.clause_gaps.to_string(),
            s.score.map(|v| v.to_string()).unwrap_or_default(),
        ]);
    }
    table.about = vec![
        (tr.t("suppliers.exported_at").to_owned(), now.to_owned()),
        (tr.t("suppliers.count").to_owned(), rows.len().to_string()),
    ];
    table
}

/// The register as CSV or XLSX, most critical first, in English or French.
#[utoipa::path(get, path = "/api/v1/suppliers/export", tag = "suppliers", params(SupplierExportQuery),
    responses((status = 200, description = "CSV or XLSX file", content_type = "application/octet-stream"),
        (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn export_suppliers(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<SupplierExportQuery>,
) -> ApiResult<Response> {
    auth.principal.require(Permission::SupplierRead)?;
    let format = table_format(query.format.as_deref())?;
    let tr = Tr::new(Lang::from_code(query.lang.as_deref().unwrap_or("en")));
    let mut filter = SupplierQuery {
        entity_id: query.entity_id.clone(),
        tier: query.tier.clone(),
        ot_access: query.ot_access,
        ..SupplierQuery::default()
    }
    .filter();
    let mut rows = Vec::new();
    loop {
        let page = state
            .store
            .list_suppliers(
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
    let entities = crate::api::entities::entity_names(&state, &auth).await?;
    let now = hygeia_domain::clock::format_instant(state.store.clock().now());
    let table = table(&rows, &entities, tr, &now);
    let bytes = format.write(&table).map_err(ApiError::internal)?;
    state
        .store
        .record_access(
            &auth.actor,
            "export.download",
            ("supplier_register", "suppliers"),
            query.entity_id.as_deref(),
            serde_json::json!({ "format": format.extension(), "rows": table.rows.len() }),
        )
        .await?;
    attachment(
        bytes,
        format.media_type(),
        &format!("suppliers.{}", format.extension()),
    )
}
