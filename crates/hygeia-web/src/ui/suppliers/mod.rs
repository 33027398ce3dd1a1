//! The supplier register in the browser (issue 15): the register with its figures, what needs
//! attention and who holds access to OT (this module), one supplier's page ([`detail`]), the
//! form that writes a supplier ([`form`]), and the forms of its links, certifications,
//! contracts and clauses ([`records`]), questionnaires ([`questionnaires`]) and medical device
//! makers' MDS2 disclosures ([`disclosures`]).

pub mod detail;
pub mod disclosures;
pub mod form;
pub mod questionnaires;
pub mod records;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use hygeia_domain::access::Permission;
use hygeia_domain::suppliers::criticality::Tier;
use hygeia_domain::suppliers::register::{SupplierCategory, SupplierStatus};
use hygeia_store::PageRequest;
use hygeia_store::suppliers::{SupplierFilter, SupplierOverview};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::assessments::entity_names;
use crate::ui::i18n::Tr;
use crate::ui::{
    Area, Choice, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of, url_encode,
};

/// How many reasons for attention and OT access holders the register page lists.
const SHOWN: usize = 50;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/suppliers", get(register_page))
        .route(
            "/suppliers/templates",
            get(questionnaires::templates_page).post(questionnaires::save_template),
        )
        .route(
            "/suppliers/new",
            get(form::new_supplier_form).post(form::create_supplier),
        )
        .route("/suppliers/{id}", get(detail::supplier_page))
        .route(
            "/suppliers/{id}/device-disclosures",
            post(disclosures::import),
        )
        .route(
            "/suppliers/device-disclosures/{id}",
            get(disclosures::disclosure_page),
        )
        .route(
            "/suppliers/device-disclosures/{id}/remove",
            post(disclosures::remove),
        )
        .route(
            "/suppliers/{id}/edit",
            get(form::edit_supplier_form).post(form::update_supplier),
        )
        .route("/suppliers/{id}/links", post(records::set_links))
        .route("/suppliers/{id}/reviewed", post(records::mark_reviewed))
        .route("/suppliers/{id}/incidents", post(records::set_incidents))
        .route(
            "/suppliers/{id}/certifications",
            post(records::add_certification),
        )
        .route(
            "/suppliers/{id}/certifications/{certification_id}/remove",
            post(records::remove_certification),
        )
        .route("/suppliers/{id}/contracts", post(records::add_contract))
        .route(
            "/suppliers/{id}/questionnaires",
            post(questionnaires::send_questionnaire),
        )
        .route(
            "/suppliers/questionnaires/{id}",
            get(questionnaires::review_page),
        )
        .route(
            "/suppliers/questionnaires/{id}/review",
            post(questionnaires::review),
        )
        .route(
            "/suppliers/questionnaires/{id}/revoke",
            post(questionnaires::revoke),
        )
        .route(
            "/suppliers/questionnaires/{id}/actions",
            post(questionnaires::add_action),
        )
        .route(
            "/suppliers/questionnaires/{id}/actions/{action_id}",
            post(questionnaires::set_action_status),
        )
        .route(
            "/suppliers/questionnaires/{id}/import",
            post(questionnaires::import),
        )
        .route(
            "/suppliers/{id}/contracts/{contract_id}/clauses/{kind}",
            post(records::set_clause),
        )
}

/// The class of a tier's flag: critical and high stand out.
pub fn tier_class(tier: &str) -> &'static str {
    match tier {
        "critical" => "flag bad",
        "high" => "flag warn",
        _ => "flag",
    }
}

pub(super) fn require(auth: &Auth, permission: Permission) -> Result<(), PageError> {
    auth.principal
        .require(permission)
        .map_err(|e| PageError::new(tr_of(auth), e.into()))
}

/// A supplier of the register.
pub struct SupplierLine {
    pub href: String,
    pub name: String,
    pub entity: String,
    pub category: String,
    pub tier: String,
    pub tier_class: &'static str,
    pub points: i64,
    /// OT, health data.
    pub accesses: String,
    pub zone: String,
    pub next_review: String,
    pub overdue: bool,
    pub certificates: String,
    pub certificates_bad: bool,
    pub clause_gaps: i64,
    pub score: String,
}

/// A figure of the register.
pub struct Figure {
    pub id: &'static str,
    pub value: String,
    pub label: String,
    pub href: String,
}

/// A reason a supplier needs attention.
pub struct AlertLine {
    pub href: String,
    pub name: String,
    pub tier: String,
    pub tier_class: &'static str,
    pub reason: String,
}

/// A supplier holding access to OT.
pub struct HolderLine {
    pub href: String,
    pub name: String,
    pub tier: String,
    pub tier_class: &'static str,
    pub assets: i64,
    pub clause_present: bool,
}

#[derive(Template)]
#[template(path = "suppliers.html")]
struct RegisterPage {
    shell: Shell,
    can_write: bool,
    figures: Vec<Figure>,
    lines: Vec<SupplierLine>,
    total: String,
    next: Option<String>,
    alerts: Vec<AlertLine>,
    /// Reasons beyond those listed.
    alerts_more: String,
    holders: Vec<HolderLine>,
    holders_more: String,
    tiers: Vec<Choice>,
    categories: Vec<Choice>,
    statuses: Vec<Choice>,
    ot_only: bool,
    q: String,
    entity: String,
    export_csv: String,
    export_xlsx: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct RegisterQuery {
    #[serde(default)]
    entity: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    ot: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: String,
}

fn given(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// `All` then each value, the current one selected.
fn filter_choices(tr: Tr, section: &str, codes: &[&str], current: &str) -> Vec<Choice> {
    let mut choices = vec![Choice {
        value: String::new(),
        label: tr.t("suppliers.all").to_owned(),
        selected: current.is_empty(),
    }];
    choices.extend(codes.iter().map(|code| Choice {
        value: (*code).to_owned(),
        label: tr.label(section, code),
        selected: *code == current,
    }));
    choices
}

/// "and N more", or nothing.
fn more(tr: Tr, count: usize) -> String {
    if count == 0 {
        String::new()
    } else {
        tr.tf("suppliers.more", &[("count", &tr.num(count as i64))])
    }
}

fn alert_reason(tr: Tr, reason: &str, detail: &str) -> String {
    match reason {
        "clause_gaps" => tr.tf("suppliers.alert.clause_gaps", &[("count", detail)]),
        "review_overdue" if detail.is_empty() => tr.t("suppliers.alert.never_reviewed").to_owned(),
        "open_incident" => tr.tf("suppliers.alert.open_incident", &[("reference", detail)]),
        other => tr.tf(
            &format!("suppliers.alert.{other}"),
            &[("date", detail.get(..10).unwrap_or(detail))],
        ),
    }
}

fn figures(tr: Tr, overview: &SupplierOverview, base: &str) -> Vec<Figure> {
    let tier = |t: &str| {
        overview
            .by_tier
            .iter()
            .find(|c| c.tier == t)
            .map_or(0, |c| c.suppliers)
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let figure = |id, key: &str, value: i64, href: String| Figure {
        id,
        value: tr.num(value),
        label: tr.t(&format!("suppliers.fig.{key}")).to_owned(),
        href,
    };
    vec![
        figure(
            "fig-critical",
            "critical",
            tier("critical"),
            format!("{base}{sep}tier=critical"),
        ),
        figure(
            "fig-high",
            "high",
            tier("high"),
            format!("{base}{sep}tier=high"),
        ),
        figure(
            "fig-ot",
            "ot_access",
            overview.ot_access,
            format!("{base}{sep}ot=yes"),
        ),
        figure(
            "fig-danger",
            "danger_zone",
            overview.danger_zone,
            format!("{base}#suppliers"),
        ),
        figure(
            "fig-overdue",
            "reviews_overdue",
            overview.reviews_overdue,
            "#attention".to_owned(),
        ),
        figure(
            "fig-expiring",
            "certificates_expiring",
            overview.certificates_expiring,
            "#attention".to_owned(),
        ),
        figure(
            "fig-expired",
            "certificates_expired",
            overview.certificates_expired,
            "#attention".to_owned(),
        ),
        figure(
            "fig-gaps",
            "with_clause_gaps",
            overview.with_clause_gaps,
            "#attention".to_owned(),
        ),
        figure(
            "fig-questionnaires-open",
            "questionnaires_open",
            overview.questionnaires_open,
            "#attention".to_owned(),
        ),
        figure(
            "fig-questionnaires-review",
            "questionnaires_to_review",
            overview.questionnaires_to_review,
            "#attention".to_owned(),
        ),
    ]
}

pub async fn register_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<RegisterQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    require(&auth, Permission::SupplierRead)?;
    let fail = |e: ApiError| PageError::new(tr, e);
    let scope = &auth.principal.scope;
    let entity = given(&query.entity).filter(|e| scope.contains(e));
    let filter = SupplierFilter {
        entity_id: entity.clone(),
        tier: given(&query.tier),
        category: given(&query.category),
        status: given(&query.status),
        ot_access: (query.ot == "yes").then_some(true),
        health_data: None,
        q: given(&query.q),
        after: given(&query.after),
    };
    let page = state
        .store
        .list_suppliers(scope, &filter, PageRequest::new(Some(50), None))
        .await
        .map_err(|e| fail(e.into()))?;
    let overview = state
        .store
        .supplier_overview(scope, entity.as_deref())
        .await
        .map_err(|e| fail(e.into()))?;
    let holders = state
        .store
        .ot_access_holders(scope, entity.as_deref())
        .await
        .map_err(|e| fail(e.into()))?;
    let names = entity_names(&state, &auth).await?;
    let href = |id: &str| format!("/suppliers/{}", url_encode(id));
    let lines = page
        .items
        .iter()
        .map(|s| {
            let mut accesses = Vec::new();
            if s.ot_access.0 {
                accesses.push(tr.t("suppliers.ot"));
            }
            if s.health_data.0 {
                accesses.push(tr.t("suppliers.health"));
            }
            SupplierLine {
                href: href(&s.id),
                name: s.name.clone(),
                entity: names.get(&s.entity_id).cloned().unwrap_or_default(),
                category: tr.label("suppliers.category", &s.category),
                tier: tr.label("suppliers.tier", &s.tier),
                tier_class: tier_class(&s.tier),
                points: s.tier_points,
                accesses: accesses.join(" · "),
                zone: s
                    .threat_zone
                    .as_deref()
                    .map(|z| tr.label("suppliers.zone", z))
                    .unwrap_or_default(),
                next_review: s
                    .next_review_on
                    .clone()
                    .unwrap_or_else(|| tr.t("suppliers.never_reviewed").to_owned()),
                overdue: s.review_overdue,
                certificates: tr.tf(
                    "suppliers.certificates_short",
                    &[
                        ("expiring", &s.expiring_certificates.to_string()),
                        ("expired", &s.expired_certificates.to_string()),
                    ],
                ),
                certificates_bad: s.expired_certificates > 0,
                clause_gaps: s.clause_gaps,
                score: s.score.map(|v| v.to_string()).unwrap_or_default(),
            }
        })
        .collect();
    // The page lists the first of each; the API, the export and the filters reach the rest.
    let alerts_more = overview.alerts.len().saturating_sub(SHOWN);
    let holders_more = holders.len().saturating_sub(SHOWN);
    let alerts = overview
        .alerts
        .iter()
        .take(SHOWN)
        .map(|a| AlertLine {
            href: href(&a.supplier_id),
            name: a.name.clone(),
            tier: tr.label("suppliers.tier", &a.tier),
            tier_class: tier_class(&a.tier),
            reason: alert_reason(tr, &a.reason, &a.detail),
        })
        .collect();
    let holders = holders
        .iter()
        .take(SHOWN)
        .map(|h| HolderLine {
            href: href(&h.id),
            name: h.name.clone(),
            tier: tr.label("suppliers.tier", &h.tier),
            tier_class: tier_class(&h.tier),
            assets: h.assets,
            clause_present: h.clause_present > 0,
        })
        .collect();
    let base = match &entity {
        Some(e) => format!("/suppliers?entity={}", url_encode(e)),
        None => "/suppliers".to_owned(),
    };
    let mut query_string = vec![format!("lang={}", tr.code())];
    if let Some(e) = &entity {
        query_string.push(format!("entity_id={}", url_encode(e)));
    }
    let export = |format: &str| {
        format!(
            "/api/v1/suppliers/export?format={format}&{}",
            query_string.join("&")
        )
    };
    let next = page.next.as_ref().map(|n| {
        let mut params = vec![format!("after={}", url_encode(n))];
        for (key, value) in [
            ("entity", &query.entity),
            ("tier", &query.tier),
            ("category", &query.category),
            ("status", &query.status),
            ("ot", &query.ot),
            ("q", &query.q),
        ] {
            if !value.is_empty() {
                params.push(format!("{key}={}", url_encode(value)));
            }
        }
        format!("/suppliers?{}", params.join("&"))
    });
    let tier_codes: Vec<&str> = Tier::ALL.iter().map(|t| t.as_str()).collect();
    let status_codes: Vec<&str> = SupplierStatus::ALL.iter().map(|s| s.as_str()).collect();
    let title = tr.t("suppliers.title").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Suppliers,
        title.clone(),
        vec![Crumb::here(title)],
        entity.as_deref(),
    )
    .await?;
    let page = RegisterPage {
        shell,
        can_write: auth.principal.require(Permission::SupplierWrite).is_ok(),
        figures: figures(tr, &overview, &base),
        total: if page.total_exceeds {
            tr.tf("suppliers.total_more", &[("count", &tr.num(page.total))])
        } else {
            tr.tf("suppliers.total", &[("count", &tr.num(page.total))])
        },
        lines,
        next,
        alerts,
        alerts_more: more(tr, alerts_more),
        holders,
        holders_more: more(tr, holders_more),
        tiers: filter_choices(tr, "suppliers.tier", &tier_codes, &query.tier),
        categories: filter_choices(
            tr,
            "suppliers.category",
            &SupplierCategory::codes(),
            &query.category,
        ),
        statuses: filter_choices(tr, "suppliers.status", &status_codes, &query.status),
        ot_only: query.ot == "yes",
        q: query.q.clone(),
        entity: entity.unwrap_or_default(),
        export_csv: export("csv"),
        export_xlsx: export("xlsx"),
    };
    render(tr, &page)
}
