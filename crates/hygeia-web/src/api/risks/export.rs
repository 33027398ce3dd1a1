//! The risk register as CSV or XLSX, most severe first: each risk with its levels, treatment,
//! acceptance, review date and the progress of its plan. Downloads are recorded like other
//! exports.

use std::collections::{BTreeMap, HashMap};

use axum::extract::State;
use axum::response::Response;
use hygeia_domain::access::Permission;
use hygeia_domain::risks::matrix::RiskMatrix;
use hygeia_domain::risks::plan::PlanProgress;
use hygeia_report::{Language, Table};
use hygeia_store::PageRequest;
use hygeia_store::risks::{RiskFilter, RiskSummary};
use serde::Deserialize;

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
pub struct RiskExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
    /// Headers and values in `en` (default) or `fr` (French CSV uses `;`).
    pub lang: Option<String>,
    pub entity_id: Option<String>,
    /// `mitigate`, `accept`, `transfer`, `avoid`, or `none` (undecided).
    pub treatment: Option<String>,
    /// Only the risks threatening this process.
    pub process_id: Option<String>,
    /// Only the risks threatening a process run at this site.
    pub site_id: Option<String>,
}

/// What the table of the register is made of.
struct Register<'a> {
    rows: &'a [RiskSummary],
    plans: &'a HashMap<String, PlanProgress>,
    entities: &'a BTreeMap<String, String>,
    matrix: &'a RiskMatrix,
}

fn table(register: &Register<'_>, tr: Tr, now: &str) -> Table {
    let headers: Vec<&str> = [
        "risks.entity",
        "risks.reference",
        "risks.risk",
        "risks.kind_h",
        "risks.owner",
        "risks.stage.inherent",
        "risks.stage.current",
        "risks.stage.residual",
        "risks.treatment_h",
        "risks.export.accepted_until",
        "risks.next_review",
        "risks.export.actions_done",
        "risks.export.actions_overdue",
    ]
    .into_iter()
    .map(|key| tr.t(key))
    .collect();
    let mut table = Table::new(tr.t("risks.title"), &headers);
    table.language = if tr.lang == Lang::Fr {
        Language::Fr
    } else {
        Language::En
    };
    let level = |id: &Option<String>| -> String {
        id.as_deref()
            .map(|id| {
                register
                    .matrix
                    .levels
                    .iter()
                    .find(|l| l.id == id)
                    .map_or(id, |l| l.label.get(tr.code()))
                    .to_owned()
            })
            .unwrap_or_default()
    };
    for risk in register.rows {
        let plan = register.plans.get(&risk.id).copied().unwrap_or_default();
        table.rows.push(vec![
            register
                .entities
                .get(&risk.entity_id)
                .cloned()
                .unwrap_or_default(),
            risk.reference.clone(),
            risk.title.clone(),
            tr.label("risks.kind", &risk.kind),
            risk.owner.clone().unwrap_or_default(),
            level(&risk.inherent_level),
            level(&risk.current_level),
            level(&risk.residual_level),
            risk.treatment
                .as_deref()
                .map(|t| tr.label("risks.treatment", t))
                .unwrap_or_else(|| tr.t("risks.undecided").to_owned()),
            risk.accepted_until.clone().unwrap_or_default(),
            risk.next_review_on.clone(),
            format!("{}/{}", plan.done, plan.actions),
            plan.overdue.to_string(),
        ]);
    }
    table.about = vec![
        (tr.t("risks.export.exported_at").to_owned(), now.to_owned()),
        (
            tr.t("risks.export.count").to_owned(),
            register.rows.len().to_string(),
        ),
    ];
    table
}

/// The register as CSV or XLSX, most severe first, in English or French.
#[utoipa::path(get, path = "/api/v1/risks/export", tag = "risks", params(RiskExportQuery),
    responses((status = 200, description = "CSV or XLSX file", content_type = "application/octet-stream"),
        (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn export_risks(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<RiskExportQuery>,
) -> ApiResult<Response> {
    auth.principal.require(Permission::RiskRead)?;
    let format = table_format(query.format.as_deref())?;
    let tr = Tr::new(Lang::from_code(query.lang.as_deref().unwrap_or("en")));
    let scope = &auth.principal.scope;
    let mut filter = RiskFilter {
        entity_id: query.entity_id.clone(),
        treatment: query.treatment.clone(),
        process_id: query.process_id.clone(),
        site_id: query.site_id.clone(),
        ..RiskFilter::default()
    };
    let mut rows = Vec::new();
    loop {
        let page = state
            .store
            .list_risks(scope, &filter, PageRequest::new(Some(500), None))
            .await?;
        rows.extend(page.items);
        match page.next {
            Some(next) if rows.len() < MAX_ROWS => filter.after = Some(next),
            _ => break,
        }
    }
    let plans = state
        .store
        .risk_plans(scope, query.entity_id.as_deref())
        .await?;
    let entities = crate::api::entities::entity_names(&state, &auth).await?;
    let (_, matrix) = state.store.risk_matrix().await?;
    let now = hygeia_domain::clock::format_instant(state.store.clock().now());
    let register = Register {
        rows: &rows,
        plans: &plans,
        entities: &entities,
        matrix: &matrix,
    };
    let table = table(&register, tr, &now);
    let bytes = format.write(&table).map_err(ApiError::internal)?;
    state
        .store
        .record_access(
            &auth.actor,
            "export.download",
            ("risk_register", "risks"),
            query.entity_id.as_deref(),
            serde_json::json!({ "format": format.extension(), "rows": table.rows.len() }),
        )
        .await?;
    attachment(
        bytes,
        format.media_type(),
        &format!("risks.{}", format.extension()),
    )
}
