//! One incident: its reporting obligations and their clocks, verdicts, timeline, actions,
//! links and details.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use hygeia_domain::access::Permission;
use hygeia_domain::incidents::{IncidentStatus, Severity};

use super::{
    IncidentForm, Shown, code_choices, elapsed, form_from, remaining, shown, to_local_input,
};
use crate::AppState;
use crate::api::incidents::register;
use crate::api::incidents::significance::SignificanceThresholdsView;
use crate::api::incidents::views::{IncidentDetail, ObligationStatus};
use crate::auth::Auth;
use crate::ui::assessments::{fail, render_status};
use crate::ui::forms::Fields;
use crate::ui::i18n::Tr;
use crate::ui::{Area, Choice, Crumb, PageAuth, PageResult, Shell, tr_of};

pub struct StageLine {
    pub key: String,
    pub title: String,
    pub help: String,
    pub rule: String,
    pub state: String,
    pub state_code: String,
    pub due: Option<Shown>,
    pub remaining: String,
    pub overdue: bool,
    pub late: bool,
    pub submitted: Option<Shown>,
    pub report_href: String,
}

pub struct ObligationBlock {
    pub id: String,
    pub title: String,
    pub recipient: String,
    pub legal_basis: String,
    pub notice: String,
    pub applicability: String,
    pub applicability_code: String,
    pub set_aside: Option<String>,
    pub runs: bool,
    pub stages: Vec<StageLine>,
}

pub struct VerdictLine {
    pub question: String,
    pub label: String,
    pub help: String,
    pub verdict: String,
    pub verdict_code: String,
    pub reasoning: String,
    pub decided: String,
    pub choices: Vec<Choice>,
}

pub struct HistoryLine {
    pub at: Shown,
    pub question: String,
    pub verdict: String,
    pub reasoning: String,
    pub by: String,
}

pub struct TimelineLine {
    pub at: Shown,
    pub kind: String,
    pub text: String,
    pub author: String,
}

pub struct ActionLine {
    pub id: String,
    pub title: String,
    pub owner: String,
    pub due: String,
    pub done: bool,
    pub from_review: bool,
}

pub struct LinkLine {
    pub kind: String,
    pub label: String,
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "incident.html")]
struct IncidentPage {
    shell: Shell,
    id: String,
    reference: String,
    title: String,
    entity_id: String,
    entity: String,
    nis2_class: String,
    zone: String,
    entity_zone: String,
    status: String,
    severity: String,
    severity_code: String,
    detected: Shown,
    aware: Shown,
    ended: Option<Shown>,
    next: Option<(String, Shown, String, bool)>,
    obligations: Vec<ObligationBlock>,
    verdicts: Vec<VerdictLine>,
    thresholds: Option<ThresholdsBlock>,
    /// Where the entity's country stands in transposing NIS2.
    transposition: Option<crate::ui::transposition::TranspositionBlock>,
    history: Vec<HistoryLine>,
    timeline: Vec<TimelineLine>,
    actions: Vec<ActionLine>,
    links: Vec<LinkLine>,
    members: Vec<Choice>,
    sites: Vec<Choice>,
    controls: Vec<Choice>,
    requirements_text: String,
    assets_text: String,
    evidence_text: String,
    /// The entity's latest evidence items, ticked when linked.
    recent_evidence: Vec<Choice>,
    statuses: Vec<Choice>,
    severities: Vec<Choice>,
    form: IncidentForm,
    can_write: bool,
    /// May turn a lesson into a new control (documents incidents and edits compliance).
    can_create_controls: bool,
    can_decide: bool,
    error: Option<String>,
}

/// The thresholds of 2024/2690 beside the "significant" verdict: open and binding for the
/// digital providers it lists, folded and marked as guidance for everyone else.
pub struct ThresholdsBlock {
    pub binding: bool,
    pub summary: String,
    pub note: String,
    pub source_url: String,
    pub articles: Vec<(String, Vec<String>)>,
}

fn thresholds_block(tr: Tr, t: &SignificanceThresholdsView) -> ThresholdsBlock {
    let pick = |b: &crate::api::incidents::views::Bilingual| tr.pick(&b.en, &b.fr).to_owned();
    ThresholdsBlock {
        binding: t.binding,
        summary: tr
            .t(if t.binding {
                "incidents.thresholds_binding"
            } else {
                "incidents.thresholds_guidance"
            })
            .to_owned(),
        note: pick(&t.note),
        source_url: t.source_url.clone(),
        articles: t
            .articles
            .iter()
            .map(|a| {
                (
                    tr.tf(
                        "incidents.thresholds_article",
                        &[("article", &a.article), ("title", &pick(&a.title))],
                    ),
                    a.criteria.iter().map(pick).collect(),
                )
            })
            .collect(),
    }
}

fn obligation_block(
    tr: Tr,
    zone: Tz,
    id: &str,
    o: &ObligationStatus,
    now: DateTime<Utc>,
) -> ObligationBlock {
    let pick = |b: &crate::api::incidents::views::Bilingual| tr.pick(&b.en, &b.fr).to_owned();
    let applicability = match o.applicability.as_str() {
        "possible" => tr.tf(
            "incidents.possible",
            &[(
                "questions",
                &o.pending
                    .iter()
                    .map(|q| tr.label("incident_question", q))
                    .collect::<Vec<_>>()
                    .join(", "),
            )],
        ),
        "not_owed" => tr.tf(
            "incidents.not_owed",
            &[(
                "question",
                &tr.label(
                    "incident_question",
                    o.not_owed_because.as_deref().unwrap_or(""),
                ),
            )],
        ),
        _ => tr.t("incidents.owed").to_owned(),
    };
    ObligationBlock {
        id: o.id.clone(),
        title: pick(&o.title),
        recipient: pick(&o.recipient),
        legal_basis: pick(&o.legal_basis),
        notice: o.notice.as_ref().map(pick).unwrap_or_default(),
        applicability,
        applicability_code: o.applicability.clone(),
        set_aside: o.set_aside.as_ref().map(|s| {
            tr.tf(
                "incidents.set_aside_by",
                &[("reason", &s.reason), ("by", &s.decided_by)],
            )
        }),
        runs: o.runs(),
        stages: o
            .stages
            .iter()
            .map(|s| StageLine {
                key: s.key.clone(),
                title: pick(&s.title),
                help: pick(&s.help),
                rule: tr.label("incident_delay", &s.due_rule.replace(' ', "_")),
                state: match s.waiting_on.as_deref() {
                    Some("incident_end") => tr.t("incidents.waits_for_end").to_owned(),
                    Some(stage) => tr.tf(
                        "incidents.waits_for_stage",
                        &[(
                            "stage",
                            &o.stages
                                .iter()
                                .find(|x| x.key == stage)
                                .map_or_else(|| stage.to_owned(), |x| pick(&x.title)),
                        )],
                    ),
                    None => tr.label("incident_stage_state", &s.state),
                },
                due: s.due_at.as_deref().map(|d| shown(tr, zone, d)),
                remaining: match (s.state.as_str(), &s.due_at, &s.since) {
                    ("due", Some(d), _) => remaining(tr, d, now),
                    ("without_deadline", _, Some(since)) => elapsed(tr, since, now),
                    _ => String::new(),
                },
                overdue: s.overdue,
                late: s.late,
                submitted: s.submitted_at.as_deref().map(|d| shown(tr, zone, d)),
                report_href: format!("/incidents/{id}/reports/{}/{}", o.id, s.key),
                state_code: s.state.clone(),
            })
            .collect(),
    }
}

pub(super) async fn show(
    state: &AppState,
    auth: &Auth,
    id: &str,
    failed: Option<(&Fields, String)>,
) -> PageResult {
    let tr = tr_of(auth);
    let d: IncidentDetail = register::detail(state, auth, id).await.map_err(fail(tr))?;
    let zone: Tz = d.entity.time_zone.parse().unwrap_or(chrono_tz::UTC);
    // Forms take times in the entity's zone; what is shown follows the reader's choice.
    let view_zone = super::viewer_zone(auth, zone);
    let now = state.store.clock().now();
    let i = &d.incident;
    let can_write = auth.principal.require(Permission::IncidentWrite).is_ok();
    let obligations: Vec<ObligationBlock> = d
        .obligations
        .iter()
        .map(|o| obligation_block(tr, view_zone, id, o, now))
        .collect();
    let next = d.next_deadline.as_ref().map(|n| {
        let o = obligations.iter().find(|o| o.id == n.obligation_id);
        let stage = o
            .and_then(|o| o.stages.iter().find(|s| s.key == n.stage_key))
            .map(|s| s.title.clone())
            .unwrap_or_default();
        let label = format!(
            "{stage} — {}",
            o.map(|o| o.title.clone()).unwrap_or_default()
        );
        (
            label,
            shown(tr, view_zone, &n.due_at),
            remaining(tr, &n.due_at, now),
            n.overdue,
        )
    });
    let verdicts = d
        .verdicts
        .iter()
        .map(|v| VerdictLine {
            label: tr.label("incident_question", &v.question),
            help: tr.label("incident_question_help", &v.question),
            verdict: tr.label("incident_verdict", &v.verdict),
            reasoning: v.reasoning.clone(),
            decided: match (&v.decided_by, &v.decided_at) {
                (Some(by), Some(at)) => format!("{by}, {}", shown(tr, view_zone, at).local),
                _ => String::new(),
            },
            choices: code_choices(
                tr,
                "incident_verdict",
                &["yes", "no", "unknown"],
                &v.verdict,
            ),
            verdict_code: v.verdict.clone(),
            question: v.question.clone(),
        })
        .collect();
    let mut history: Vec<HistoryLine> = d
        .verdict_history
        .iter()
        .map(|h| HistoryLine {
            at: shown(tr, view_zone, &h.decided_at),
            question: tr.label("incident_question", &h.question),
            verdict: tr.label("incident_verdict", &h.verdict),
            reasoning: h.reasoning.clone(),
            by: h.decided_by.clone(),
        })
        .collect();
    history.reverse();
    let timeline = d
        .timeline
        .iter()
        .map(|t| TimelineLine {
            at: shown(tr, view_zone, &t.at),
            kind: tr.label("incident_timeline", &t.kind),
            text: t.text.clone(),
            author: t.author.clone(),
        })
        .collect();
    let actions = d
        .actions
        .iter()
        .map(|a| ActionLine {
            id: a.id.clone(),
            title: a.title.clone(),
            owner: a.owner.clone().unwrap_or_default(),
            due: a
                .due_date
                .as_deref()
                .map(|x| tr.date(x))
                .unwrap_or_default(),
            done: a.status == "done",
            from_review: a.from_review,
        })
        .collect();
    let sites = state
        .store
        .list_sites(&i.entity_id)
        .await
        .map_err(|e| fail(tr)(e.into()))?;
    let linked = |kind: &str| -> Vec<String> {
        d.links
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.target.clone())
            .collect()
    };
    let linked_sites = linked("site");
    let linked_controls = linked("control");
    let linked_evidence = linked("evidence");
    // The entity's latest evidence to tick; older items linked are kept as ids below.
    let recent_evidence: Vec<Choice> = state
        .store
        .list_evidence_page(
            &i.entity_id,
            None,
            hygeia_store::PageRequest::new(Some(30), None),
        )
        .await
        .map_err(|e| fail(tr)(e.into()))?
        .items
        .into_iter()
        .map(|e| Choice {
            selected: linked_evidence.contains(&e.id),
            label: match &e.valid_until {
                Some(until) => format!("{} ({})", e.title, tr.date(until)),
                None => e.title.clone(),
            },
            value: e.id,
        })
        .collect();
    let controls = state
        .store
        .list_controls(&i.entity_id)
        .await
        .map_err(|e| fail(tr)(e.into()))?
        .into_iter()
        .map(|c| Choice {
            selected: linked_controls.contains(&c.id),
            value: c.id,
            label: c.name,
        })
        .collect();
    let mut links = Vec::new();
    for l in &d.links {
        let (label, href) = match l.kind.as_str() {
            "site" => (
                sites
                    .iter()
                    .find(|s| s.id == l.target)
                    .map_or(l.target.clone(), |s| s.name.clone()),
                None,
            ),
            "asset" => (l.target.clone(), Some(format!("/assets/{}", l.target))),
            "control" => (
                l.target.clone(),
                Some(format!("/compliance/controls/{}", l.target)),
            ),
            "requirement" => match l.target.split_once('/') {
                Some((fw, req)) => (
                    format!("{fw} {req}"),
                    Some(format!("/compliance/frameworks/{fw}/requirements/{req}")),
                ),
                None => (l.target.clone(), None),
            },
            _ => (l.target.clone(), None),
        };
        links.push(LinkLine {
            kind: tr.label("incident_link", &l.kind),
            label,
            href,
        });
    }
    // The suppliers involved, as the supplier pages record them.
    if auth.principal.require(Permission::SupplierRead).is_ok() {
        for supplier in state
            .store
            .incident_suppliers(&auth.principal.scope, &i.id)
            .await
            .map_err(|e| fail(tr)(e.into()))?
        {
            links.push(LinkLine {
                kind: tr.label("incident_link", "supplier"),
                label: format!(
                    "{} ({})",
                    supplier.name,
                    tr.label("suppliers.tier", &supplier.tier)
                ),
                href: Some(format!("/suppliers/{}", supplier.id)),
            });
        }
    }
    let members = state
        .store
        .users_with_access(&i.entity_id)
        .await
        .map_err(|e| fail(tr)(e.into()))?
        .into_iter()
        .map(|m| Choice {
            label: format!("{} ({})", m.display_name, m.email),
            value: m.email,
            selected: false,
        })
        .collect();
    let form = match &failed {
        Some((f, _)) => form_from(f),
        None => IncidentForm {
            title: i.title.clone(),
            description: i.description.clone(),
            detected_at: to_local_input(&i.detected_at, zone),
            aware_at: to_local_input(&i.aware_at, zone),
            ended_at: i
                .ended_at
                .as_deref()
                .map(|e| to_local_input(e, zone))
                .unwrap_or_default(),
            affected_services: i.affected_services.clone(),
            impact: i.impact.clone(),
            indicators: i.indicators.clone(),
            measures: i.measures.clone(),
            root_cause: i.root_cause.clone(),
            contact: i.contact.clone(),
            lessons_learned: i.lessons_learned.clone(),
            version: i.version.to_string(),
        },
    };
    let status = failed
        .as_ref()
        .map_or_else(|| i.status.clone(), |(f, _)| f.text("status"));
    let severity = failed
        .as_ref()
        .map_or_else(|| i.severity.clone(), |(f, _)| f.text("severity"));
    let title = format!("{} — {}", i.reference, i.title);
    let shell = Shell::new(
        state,
        auth,
        Area::Incidents,
        title.clone(),
        vec![
            Crumb::link(tr.t("incidents.title"), "/incidents"),
            Crumb::here(i.reference.clone()),
        ],
        Some(&i.entity_id),
    )
    .await?;
    let catalog = state
        .catalog
        .current(&state.store)
        .await
        .map_err(fail(tr))?;
    let transposition = crate::ui::transposition::block(tr, &catalog, &d.entity.country);
    let page = IncidentPage {
        shell,
        id: i.id.clone(),
        reference: i.reference.clone(),
        title: i.title.clone(),
        entity_id: i.entity_id.clone(),
        entity: d.entity.name.clone(),
        nis2_class: tr.label("nis2.class", &d.entity.nis2_class),
        zone: view_zone.name().to_owned(),
        entity_zone: d.entity.time_zone.clone(),
        status: tr.label("incident_status", &i.status),
        severity: tr.label("incident_severity", &i.severity),
        severity_code: i.severity.clone(),
        detected: shown(tr, view_zone, &i.detected_at),
        aware: shown(tr, view_zone, &i.aware_at),
        ended: i.ended_at.as_deref().map(|e| shown(tr, view_zone, e)),
        next,
        obligations,
        verdicts,
        transposition,
        thresholds: d
            .significance_thresholds
            .as_ref()
            .map(|t| thresholds_block(tr, t)),
        history,
        timeline,
        actions,
        links,
        members,
        sites: sites
            .iter()
            .map(|s| Choice {
                value: s.id.clone(),
                label: s.name.clone(),
                selected: linked_sites.contains(&s.id),
            })
            .collect(),
        requirements_text: linked("requirement")
            .iter()
            .map(|r| r.replacen('/', " ", 1))
            .collect::<Vec<_>>()
            .join("\n"),
        assets_text: linked("asset").join("\n"),
        evidence_text: linked_evidence
            .iter()
            .filter(|id| !recent_evidence.iter().any(|c| &c.value == *id))
            .cloned()
            .collect::<Vec<_>>()
            .join("\n"),
        recent_evidence,
        controls,
        statuses: code_choices(
            tr,
            "incident_status",
            &IncidentStatus::ALL.map(IncidentStatus::code),
            &status,
        ),
        severities: code_choices(
            tr,
            "incident_severity",
            &Severity::ALL.map(Severity::code),
            &severity,
        ),
        form,
        can_write,
        can_decide: auth.principal.require(Permission::IncidentDecide).is_ok(),
        can_create_controls: auth.principal.require(Permission::IncidentWrite).is_ok()
            && auth.principal.require(Permission::ComplianceEdit).is_ok(),
        error: failed.as_ref().map(|(_, e)| e.clone()),
    };
    let code = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_status(tr, code, &page)
}

pub async fn incident_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    show(&state, &auth, &id, None).await
}
