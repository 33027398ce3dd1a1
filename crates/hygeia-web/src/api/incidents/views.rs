//! What the API (and the pages) show of an incident: its reporting obligations with each
//! stage's deadline in plain fields, its current verdicts, and the whole record.

use chrono::{DateTime, Utc};
use hygeia_catalog::Catalog;
use hygeia_catalog::obligations::Obligation;
use hygeia_domain::clock::format_instant;
use hygeia_domain::incidents::deadlines::StageClock;
use hygeia_domain::incidents::obligations::Applicability;
use hygeia_domain::incidents::{Question, Verdict};
use hygeia_store::incidents::{
    EntityContext, Incident, IncidentAction, IncidentLink, IncidentReporting, ObligationClock,
    SetAside, Submission, TimelineEntry, VerdictRecord,
};
use serde::Serialize;

use super::significance::{SignificanceThresholdsView, thresholds_for};

/// A text in English and French.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Bilingual {
    pub en: String,
    pub fr: String,
}

impl From<&hygeia_catalog::Text> for Bilingual {
    fn from(t: &hygeia_catalog::Text) -> Self {
        Self {
            en: t.en.clone(),
            fr: t.fr.clone(),
        }
    }
}

/// One stage of an obligation and where it stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StageStatus {
    pub key: String,
    pub title: Bilingual,
    /// What it must contain.
    pub help: Bilingual,
    /// The rule: `24h`, `72h`, `1 month`, `without undue delay` or `on request`.
    pub due_rule: String,
    /// `due`, `submitted`, `without_deadline`, `on_request`, `waiting` or `not_owed`.
    pub state: String,
    /// The deadline (RFC 3339, UTC), where there is one.
    pub due_at: Option<String>,
    /// Past its deadline and not sent.
    pub overdue: bool,
    /// Sent after its deadline.
    pub late: bool,
    pub submitted_at: Option<String>,
    /// For a duty without a fixed delay: owed since (RFC 3339, UTC).
    pub since: Option<String>,
    /// For a stage waiting on its anchor: the stage key or `incident_end`.
    pub waiting_on: Option<String>,
}

/// A reporting obligation that concerns the incident's entity.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObligationStatus {
    pub id: String,
    pub title: Bilingual,
    pub recipient: Bilingual,
    pub legal_basis: Bilingual,
    pub notice: Option<Bilingual>,
    /// `owed`, `possible` (a triggering question is not yet known) or `not_owed`.
    pub applicability: String,
    /// The triggering questions not yet answered.
    pub pending: Vec<String>,
    /// The question answered no that makes it not owed.
    pub not_owed_because: Option<String>,
    /// Set aside by the entity for this incident, with the reason.
    pub set_aside: Option<SetAside>,
    pub stages: Vec<StageStatus>,
}

impl ObligationStatus {
    /// Its deadlines count.
    pub fn runs(&self) -> bool {
        matches!(self.applicability.as_str(), "owed" | "possible") && self.set_aside.is_none()
    }
}

/// The current answer to one question.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CurrentVerdict {
    pub question: String,
    /// `yes`, `no` or `unknown`.
    pub verdict: String,
    pub reasoning: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

/// The next report to send.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NextDeadline {
    pub obligation_id: String,
    pub stage_key: String,
    pub due_at: String,
    pub overdue: bool,
}

/// The incident's entity as reporting sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IncidentEntity {
    pub id: String,
    pub name: String,
    pub country: String,
    /// The entity's registration number (SIREN, FINESS…), if recorded.
    pub registration_number: Option<String>,
    /// `essential`, `important`, `out_of_scope` or `unknown`.
    pub nis2_class: String,
    /// Where calendar deadlines are counted (IANA name).
    pub time_zone: String,
}

/// An incident with everything known about it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IncidentDetail {
    pub incident: Incident,
    pub entity: IncidentEntity,
    pub verdicts: Vec<CurrentVerdict>,
    pub verdict_history: Vec<VerdictRecord>,
    pub obligations: Vec<ObligationStatus>,
    pub next_deadline: Option<NextDeadline>,
    pub submissions: Vec<Submission>,
    pub timeline: Vec<TimelineEntry>,
    pub actions: Vec<IncidentAction>,
    pub links: Vec<IncidentLink>,
    /// The significant-incident thresholds of 2024/2690: binding for the digital providers it
    /// lists, guidance for every other entity.
    pub significance_thresholds: Option<SignificanceThresholdsView>,
}

fn stage_status(
    obligation: &Obligation,
    key: &str,
    clock: &StageClock,
    now: DateTime<Utc>,
) -> StageStatus {
    let stage = obligation.stage(key);
    let mut s = StageStatus {
        key: key.to_owned(),
        title: stage.map(|s| (&s.title).into()).unwrap_or(Bilingual {
            en: key.into(),
            fr: key.into(),
        }),
        help: stage.map(|s| (&s.help).into()).unwrap_or(Bilingual {
            en: String::new(),
            fr: String::new(),
        }),
        due_rule: stage.map(|s| s.rule.delay.to_string()).unwrap_or_default(),
        state: String::new(),
        due_at: None,
        overdue: false,
        late: false,
        submitted_at: None,
        since: None,
        waiting_on: None,
    };
    match clock {
        StageClock::Due { due, .. } => {
            s.state = "due".into();
            s.due_at = Some(format_instant(*due));
            s.overdue = now > *due;
        }
        StageClock::Submitted { at, due, late } => {
            s.state = "submitted".into();
            s.submitted_at = Some(format_instant(*at));
            s.due_at = due.map(format_instant);
            s.late = *late;
        }
        StageClock::WithoutDeadline { since } => {
            s.state = "without_deadline".into();
            s.since = Some(format_instant(*since));
        }
        StageClock::OnRequest => s.state = "on_request".into(),
        StageClock::Waiting { on } => {
            s.state = "waiting".into();
            s.waiting_on = Some(on.clone());
        }
        StageClock::NotOwed => s.state = "not_owed".into(),
    }
    s
}

/// The obligations of an incident in plain fields.
pub fn obligation_statuses(
    catalog: &Catalog,
    clocks: &[ObligationClock],
    now: DateTime<Utc>,
) -> Vec<ObligationStatus> {
    clocks
        .iter()
        .filter_map(|c| {
            let o = catalog.obligation(&c.obligation_id)?;
            let (applicability, pending, because) = match &c.applicability {
                Applicability::Owed => ("owed", Vec::new(), None),
                Applicability::Possible { pending } => (
                    "possible",
                    pending.iter().map(|q| q.code().to_owned()).collect(),
                    None,
                ),
                Applicability::NotOwed { because } => {
                    ("not_owed", Vec::new(), Some(because.code().to_owned()))
                }
                Applicability::OutOfScope => return None,
            };
            Some(ObligationStatus {
                id: o.id.clone(),
                title: (&o.title).into(),
                recipient: (&o.recipient).into(),
                legal_basis: (&o.legal_basis).into(),
                notice: o.notice.as_ref().map(Into::into),
                applicability: applicability.into(),
                pending,
                not_owed_because: because,
                set_aside: c.set_aside.clone(),
                stages: c
                    .stages
                    .iter()
                    .map(|s| stage_status(o, &s.key, &s.clock, now))
                    .collect(),
            })
        })
        .collect()
}

/// The earliest deadline still open among the obligations that run.
pub fn next_deadline(obligations: &[ObligationStatus]) -> Option<NextDeadline> {
    obligations
        .iter()
        .filter(|o| o.runs())
        .flat_map(|o| {
            o.stages
                .iter()
                .filter(|s| s.state == "due")
                .filter_map(|s| {
                    Some(NextDeadline {
                        obligation_id: o.id.clone(),
                        stage_key: s.key.clone(),
                        due_at: s.due_at.clone()?,
                        overdue: s.overdue,
                    })
                })
        })
        .min_by(|a, b| a.due_at.cmp(&b.due_at))
}

/// The current verdict on every question (unknown where none was given).
pub fn current_verdicts(history: &[VerdictRecord]) -> Vec<CurrentVerdict> {
    Question::ALL
        .iter()
        .map(|q| {
            let latest = history
                .iter()
                .filter(|r| r.question == q.code())
                .max_by(|a, b| a.decided_at.cmp(&b.decided_at));
            CurrentVerdict {
                question: q.code().to_owned(),
                verdict: latest.map_or(Verdict::Unknown.code().to_owned(), |r| r.verdict.clone()),
                reasoning: latest.map(|r| r.reasoning.clone()).unwrap_or_default(),
                decided_by: latest.map(|r| r.decided_by.clone()),
                decided_at: latest.map(|r| r.decided_at.clone()),
            }
        })
        .collect()
}

pub fn entity_view(entity_id: &str, context: &EntityContext) -> IncidentEntity {
    IncidentEntity {
        id: entity_id.to_owned(),
        name: context.name.clone(),
        country: context.country.clone(),
        registration_number: context.registration_number.clone(),
        nis2_class: context.nis2_class.clone(),
        time_zone: context.zone.name().to_owned(),
    }
}

/// Assembles the detail from the reporting view and the story.
pub fn detail(
    catalog: &Catalog,
    reporting: IncidentReporting,
    timeline: Vec<TimelineEntry>,
    actions: Vec<IncidentAction>,
    links: Vec<IncidentLink>,
    now: DateTime<Utc>,
) -> IncidentDetail {
    let obligations = obligation_statuses(catalog, &reporting.clocks, now);
    IncidentDetail {
        significance_thresholds: thresholds_for(catalog, &reporting.context.entity_types),
        entity: entity_view(&reporting.incident.entity_id, &reporting.context),
        verdicts: current_verdicts(&reporting.verdicts),
        next_deadline: next_deadline(&obligations),
        obligations,
        verdict_history: reporting.verdicts,
        submissions: reporting.submissions,
        incident: reporting.incident,
        timeline,
        actions,
        links,
    }
}
