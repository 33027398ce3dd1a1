//! One supplier's page: its tier and the reasoning behind it, its ecosystem threat, contacts
//! and sub-contractors, what it touches and the risks running through it, its certifications
//! and its contracts with the clause checklist; the forms that change them.

use askama::Template;
use axum::extract::{Path, Query, State};
use hygeia_domain::access::Permission;
use hygeia_domain::suppliers::certifications::SCHEMES;
use hygeia_domain::suppliers::contracts::{ClauseStatus, NOTIFICATION_HOURS_NEEDED};
use hygeia_domain::suppliers::criticality::TierFloor;
use hygeia_domain::suppliers::questionnaire::QuestionnaireTemplate;
use hygeia_store::PageRequest;
use hygeia_store::monitoring::AssetFilter;
use hygeia_store::suppliers::{Supplier, SupplierExposure};
use serde::Deserialize;

use super::disclosures::{DisclosureLine, disclosure_lines};
use super::{require, tier_class};
use crate::AppState;
use crate::error::ApiError;
use crate::ui::assessments::entity_names;
use crate::ui::i18n::Tr;
use crate::ui::risks::detail::{FoundAsset, asset_label};
use crate::ui::risks::{LevelBadge, badge};
use crate::ui::{
    Area, Choice, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of, url_encode,
};

/// One answer of the criticality questionnaire and its points.
pub struct FactorLine {
    pub label: String,
    pub answer: String,
    pub points: u8,
}

/// A linkable record (process, site) with whether it is linked.
pub struct Pick {
    pub id: String,
    pub label: String,
    pub picked: bool,
}

pub struct CertificationLine {
    pub id: String,
    pub scheme: String,
    pub scope: String,
    pub issuer: String,
    pub validity: String,
    pub state: String,
    pub state_class: &'static str,
    pub evidence: Option<(String, String)>,
}

pub struct ClauseLine {
    pub kind: String,
    pub label: String,
    pub reference: String,
    pub required: bool,
    pub gap: Option<String>,
    pub statuses: Vec<Choice>,
    pub hours: Option<String>,
    pub note: String,
}

/// A questionnaire sent to the supplier.
pub struct QuestionnaireLine {
    pub href: String,
    pub title: String,
    pub contact: String,
    pub status: String,
    pub sent: String,
    pub expires: String,
    pub score: String,
}

pub struct ContractLine {
    pub id: String,
    pub title: String,
    pub reference: String,
    pub period: String,
    pub gaps: i64,
    pub clauses: Vec<ClauseLine>,
}

#[derive(Template)]
#[template(path = "supplier.html")]
struct SupplierPage {
    shell: Shell,
    s: Supplier,
    entity: String,
    category: String,
    status: String,
    tier: String,
    tier_class: &'static str,
    factors: Vec<FactorLine>,
    floor: Option<String>,
    depth: String,
    cadence: String,
    threat: Option<(String, String, &'static str)>,
    exposure: SupplierExposure,
    risks: Vec<(String, String, Option<LevelBadge>)>,
    processes: Vec<Pick>,
    sites: Vec<Pick>,
    assets: Vec<Pick>,
    asset_q: String,
    found: Vec<FoundAsset>,
    certifications: Vec<CertificationLine>,
    schemes: Vec<Choice>,
    evidence: Vec<Choice>,
    evidence_href: String,
    contracts: Vec<ContractLine>,
    can_write: bool,
    questionnaires: Vec<QuestionnaireLine>,
    incidents: Vec<Pick>,
    can_assess: bool,
    templates: Vec<Choice>,
    contact_name: String,
    contact_email: String,
    languages: Vec<Choice>,
    /// Medical device makers' MDS2 disclosures, newest first.
    disclosures: Vec<DisclosureLine>,
}

#[derive(Debug, Default, Deserialize)]
pub struct SupplierQuery {
    #[serde(default)]
    asset_q: String,
}

fn yes_no(tr: Tr, value: bool) -> String {
    tr.t(if value {
        "suppliers.yes"
    } else {
        "suppliers.no"
    })
    .to_owned()
}

fn factor_lines(tr: Tr, s: &Supplier) -> Vec<FactorLine> {
    s.tier
        .factors
        .iter()
        .map(|f| FactorLine {
            label: tr.t(&format!("suppliers.factor.{}", f.factor)).to_owned(),
            answer: match f.factor {
                "dependency" | "substitutability" => format!(
                    "{}. {}",
                    f.answer,
                    tr.label(&format!("suppliers.{}", f.factor), &f.answer.to_string())
                ),
                _ => yes_no(tr, f.answer != 0),
            },
            points: f.points,
        })
        .collect()
}

fn certification_lines(
    tr: Tr,
    s: &Supplier,
    titles: &[(String, String, String)],
) -> Vec<CertificationLine> {
    s.certifications
        .iter()
        .map(|c| CertificationLine {
            id: c.id.clone(),
            scheme: if c.name.is_empty() {
                tr.label("suppliers.scheme", &c.scheme)
            } else {
                format!("{} — {}", tr.label("suppliers.scheme", &c.scheme), c.name)
            },
            scope: c.scope.clone(),
            issuer: c.issuer.clone(),
            validity: match &c.valid_from {
                Some(from) => format!("{from} → {}", c.valid_until),
                None => format!("→ {}", c.valid_until),
            },
            state: tr.label("suppliers.cert_state", &c.state),
            state_class: match c.state.as_str() {
                "expired" => "flag bad",
                "expiring" => "flag warn",
                _ => "flag ok",
            },
            evidence: c.evidence_id.as_ref().and_then(|id| {
                titles
                    .iter()
                    .find(|(e, _, _)| e == id)
                    .map(|(_, title, href)| (title.clone(), href.clone()))
            }),
        })
        .collect()
}

fn questionnaire_lines(
    tr: Tr,
    s: &Supplier,
    templates: &[(QuestionnaireTemplate, bool)],
) -> Vec<QuestionnaireLine> {
    let day = |text: &str| text.get(..10).unwrap_or(text).to_owned();
    s.questionnaires
        .iter()
        .map(|q| QuestionnaireLine {
            href: format!("/suppliers/questionnaires/{}", url_encode(&q.id)),
            title: templates
                .iter()
                .find(|(t, _)| t.id == q.template_id)
                .map_or_else(
                    || q.template_id.clone(),
                    |(t, _)| t.title.get(tr.code()).to_owned(),
                ),
            contact: q.contact_name.clone(),
            status: if q.expired {
                tr.t("questionnaires.expired").to_owned()
            } else {
                tr.label("questionnaires.status", &q.status)
            },
            sent: day(&q.sent_at),
            expires: day(&q.expires_at),
            score: q.score.map(|s| s.to_string()).unwrap_or_default(),
        })
        .collect()
}

/// The templates to send, the one the supplier's tier calls for first chosen.
fn template_choices(
    tr: Tr,
    s: &Supplier,
    templates: &[(QuestionnaireTemplate, bool)],
) -> Vec<Choice> {
    let wanted = match s.depth.as_str() {
        "full_with_audit" | "full" => "nis2-supplier-full",
        _ => "nis2-supplier-short",
    };
    templates
        .iter()
        .map(|(t, _)| Choice {
            value: t.id.clone(),
            label: format!("{} ({})", t.title.get(tr.code()), t.questions().count()),
            selected: t.id == wanted,
        })
        .collect()
}

fn contract_lines(tr: Tr, s: &Supplier) -> Vec<ContractLine> {
    s.contracts
        .iter()
        .map(|c| ContractLine {
            id: c.id.clone(),
            title: c.title.clone(),
            reference: c.reference.clone(),
            period: format!(
                "{} → {}",
                c.starts_on.as_deref().unwrap_or("…"),
                c.ends_on.as_deref().unwrap_or("…")
            ),
            gaps: c.gaps,
            clauses: c
                .clauses
                .iter()
                .map(|k| ClauseLine {
                    label: tr.label("suppliers.clause", &k.kind),
                    reference: k.reference.clone(),
                    required: k.required,
                    gap: k.gap.as_deref().map(|g| {
                        tr.tf(
                            &format!("suppliers.gap.{g}"),
                            &[("hours", &NOTIFICATION_HOURS_NEEDED.to_string())],
                        )
                    }),
                    statuses: ClauseStatus::ALL
                        .iter()
                        .map(|st| Choice {
                            value: st.as_str().to_owned(),
                            label: tr.label("suppliers.clause_status", st.as_str()),
                            selected: st.as_str() == k.status,
                        })
                        .collect(),
                    hours: (k.kind == "incident_notification").then(|| {
                        k.notification_hours
                            .map(|h| h.to_string())
                            .unwrap_or_default()
                    }),
                    note: k.note.clone(),
                    kind: k.kind.clone(),
                })
                .collect(),
        })
        .collect()
}

pub async fn supplier_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
    Query(query): Query<SupplierQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    require(&auth, Permission::SupplierRead)?;
    let fail = |e: ApiError| PageError::new(tr, e);
    let scope = &auth.principal.scope;
    let (s, exposure) = state
        .store
        .supplier_with_exposure(scope, &id)
        .await
        .map_err(|e| fail(e.into()))?;
    let can_write = auth.principal.require(Permission::SupplierWrite).is_ok();
    let entity = entity_names(&state, &auth)
        .await?
        .remove(&s.entity_id)
        .unwrap_or_default();
    let (_, matrix) = state
        .store
        .risk_matrix()
        .await
        .map_err(|e| fail(e.into()))?;
    let risks = exposure
        .risks
        .iter()
        .map(|r| {
            (
                format!("/risks/{}", url_encode(&r.id)),
                format!("{} — {}", r.reference, r.title),
                badge(tr, &matrix, r.level.as_deref()),
            )
        })
        .collect();
    // The entity's records to link, and its evidence to name a certificate with.
    let (mut processes, mut sites, mut evidence_titles) = (Vec::new(), Vec::new(), Vec::new());
    if can_write {
        processes = state
            .store
            .process_choices(scope, &s.entity_id)
            .await
            .map_err(|e| fail(e.into()))?
            .into_iter()
            .map(|p| Pick {
                picked: s.processes.iter().any(|l| l.id == p.id),
                label: format!("{} ({})", p.name, p.criticality),
                id: p.id,
            })
            .collect();
        sites = state
            .store
            .list_sites(&s.entity_id)
            .await
            .map_err(|e| fail(e.into()))?
            .into_iter()
            .map(|site| Pick {
                picked: s.sites.iter().any(|l| l.id == site.id),
                id: site.id,
                label: site.name,
            })
            .collect();
    }
    if can_write || !s.certifications.is_empty() {
        evidence_titles = state
            .store
            .list_evidence_page(&s.entity_id, None, PageRequest::new(Some(200), None))
            .await
            .map_err(|e| fail(e.into()))?
            .items
            .into_iter()
            .map(|e| {
                let href = match (&e.kind[..], &e.url) {
                    ("link", Some(url)) => url.clone(),
                    _ => format!("/api/v1/evidence/{}/content", url_encode(&e.id)),
                };
                (e.id, e.title, href)
            })
            .collect();
    }
    // The entity's incidents to tick, the linked ones first kept whatever their age.
    let mut incidents: Vec<Pick> = s
        .incidents
        .iter()
        .map(|i| Pick {
            id: i.id.clone(),
            label: format!(
                "{} — {} ({})",
                i.reference,
                i.title,
                tr.label("incident_status", &i.status)
            ),
            picked: true,
        })
        .collect();
    if can_write && auth.principal.require(Permission::IncidentRead).is_ok() {
        let filter = hygeia_store::incidents::IncidentFilter {
            entity_id: Some(s.entity_id.clone()),
            ..Default::default()
        };
        let recent = state
            .store
            .incidents(scope, &filter, PageRequest::new(Some(50), None))
            .await
            .map_err(|e| fail(e.into()))?
            .items;
        incidents.extend(
            recent
                .into_iter()
                .filter(|i| !s.incidents.iter().any(|l| l.id == i.id))
                .map(|i| Pick {
                    label: format!(
                        "{} — {} ({})",
                        i.reference,
                        i.title,
                        tr.label("incident_status", &i.status)
                    ),
                    id: i.id,
                    picked: false,
                }),
        );
    }
    let templates = crate::api::suppliers::questionnaires::all_templates(&state)
        .await
        .map_err(fail)?;
    let asset_q = query.asset_q.trim().to_owned();
    let found = if can_write && !asset_q.is_empty() {
        let filter = AssetFilter {
            entity_id: Some(s.entity_id.clone()),
            q: Some(asset_q.clone()),
            ..AssetFilter::default()
        };
        state
            .store
            .list_assets(scope, &filter, PageRequest::new(Some(20), None))
            .await
            .map_err(|e| fail(e.into()))?
            .items
            .into_iter()
            .filter(|a| !s.assets.iter().any(|l| l.id == a.id))
            .map(|a| FoundAsset {
                label: asset_label(
                    &a.asset_key,
                    a.names.first().map(String::as_str),
                    a.vendor.as_deref(),
                    a.model.as_deref(),
                ),
                id: a.id,
            })
            .collect()
    } else {
        Vec::new()
    };
    let assets = s
        .assets
        .iter()
        .map(|a| Pick {
            id: a.id.clone(),
            label: asset_label(
                &a.asset_key,
                a.name.as_deref(),
                a.vendor.as_deref(),
                a.model.as_deref(),
            ),
            picked: true,
        })
        .collect();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Suppliers,
        s.name.clone(),
        vec![
            Crumb::link(tr.t("suppliers.title"), "/suppliers"),
            Crumb::here(s.name.clone()),
        ],
        Some(&s.entity_id),
    )
    .await?;
    let disclosures = disclosure_lines(&state, &auth, &s.id)
        .await
        .map_err(|e| fail(e.into()))?;
    let page = SupplierPage {
        disclosures,
        entity,
        category: tr.label("suppliers.category", &s.category),
        status: tr.label("suppliers.status", &s.status),
        tier: tr.label("suppliers.tier", s.tier.tier.as_str()),
        tier_class: tier_class(s.tier.tier.as_str()),
        factors: factor_lines(tr, &s),
        floor: s.tier.floor.map(|f| {
            tr.t(match f {
                TierFloor::SensitiveAccess => "suppliers.floor.sensitive_access",
                TierFloor::EssentialSoleSource => "suppliers.floor.essential_sole_source",
            })
            .to_owned()
        }),
        depth: tr.label("suppliers.depth", &s.depth),
        cadence: tr.tf(
            "suppliers.cadence",
            &[("months", &s.review_months.to_string())],
        ),
        threat: s.ecosystem.as_ref().map(|e| {
            (
                tr.decimal(e.threat),
                tr.label("suppliers.zone", &e.zone),
                match e.zone.as_str() {
                    "danger" => "flag bad",
                    "control" => "flag warn",
                    _ => "flag ok",
                },
            )
        }),
        risks,
        processes,
        sites,
        assets,
        asset_q,
        found,
        certifications: certification_lines(tr, &s, &evidence_titles),
        schemes: SCHEMES
            .iter()
            .map(|code| Choice {
                value: (*code).to_owned(),
                label: tr.label("suppliers.scheme", code),
                selected: *code == "iso27001",
            })
            .collect(),
        evidence: std::iter::once(Choice {
            value: String::new(),
            label: "—".to_owned(),
            selected: true,
        })
        .chain(evidence_titles.into_iter().map(|(id, title, _)| Choice {
            value: id,
            label: title,
            selected: false,
        }))
        .collect(),
        evidence_href: format!("/compliance/evidence?entity={}", url_encode(&s.entity_id)),
        contracts: contract_lines(tr, &s),
        questionnaires: questionnaire_lines(tr, &s, &templates),
        incidents,
        can_assess: auth.principal.require(Permission::SupplierAssess).is_ok(),
        templates: template_choices(tr, &s, &templates),
        contact_name: s
            .contacts
            .first()
            .map(|c| c.name.clone())
            .unwrap_or_default(),
        contact_email: s
            .contacts
            .first()
            .map(|c| c.email.clone())
            .unwrap_or_default(),
        languages: ["fr", "en"]
            .iter()
            .map(|code| Choice {
                value: (*code).to_owned(),
                label: tr.label("questionnaires.language", code),
                selected: *code == tr.code(),
            })
            .collect(),
        exposure,
        can_write,
        s,
        shell,
    };
    render(tr, &page)
}
