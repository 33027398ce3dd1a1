//! Incidents of an entity and the reporting duties they trigger: the register (with links to
//! assets, sites, controls, evidence and requirements), its timeline and actions, the
//! three-state verdicts with their history, obligations set aside, report drafts with their
//! versions, and submissions, which re-anchor the next stage's clock.
//!
//! Every getter takes the caller's [`EntityScope`](hygeia_domain::access::EntityScope) and
//! answers "not found" for an incident of an entity outside it; every write runs in one
//! transaction with its audit record, and keeps `next_due_at` (the earliest deadline of a
//! report still to send) current so lists can sort and filter overdue incidents cheaply.

mod clocks;
mod register;
mod reporting;
mod story;

pub use clocks::{
    EntityContext, ObligationClock, StageView, current_verdicts, next_due, reporting_clocks,
};
pub use hygeia_domain::incidents::input::IncidentInput;
pub use register::{IncidentFilter, IncidentOverview};
pub use reporting::{IncidentReporting, ReportInput, SubmissionInput, VerdictInput};
pub use story::{ActionInput, LinksInput, TimelineInput};

use serde::Serialize;

/// An incident as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Incident {
    pub id: String,
    pub entity_id: String,
    /// `INC-<year>-<number>`, unique per entity.
    pub reference: String,
    pub title: String,
    pub description: String,
    /// RFC 3339, UTC.
    pub detected_at: String,
    /// When the entity became aware: the anchor of the reporting clocks (RFC 3339, UTC).
    pub aware_at: String,
    pub ended_at: Option<String>,
    /// `open`, `contained`, `resolved` or `closed`.
    pub status: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    pub affected_services: String,
    pub impact: String,
    pub indicators: String,
    pub measures: String,
    pub root_cause: String,
    pub contact: String,
    pub lessons_learned: String,
    /// The earliest deadline of a report still to send (RFC 3339, UTC), if any.
    pub next_due_at: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub version: i64,
}

/// Something an incident is linked to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentLink {
    /// `asset`, `site`, `control`, `evidence` or `requirement`.
    pub kind: String,
    /// The id (for a requirement: `framework/requirement`).
    pub target: String,
}

/// A dated entry of an incident's story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEntry {
    pub id: String,
    /// When it happened (RFC 3339, UTC).
    pub at: String,
    /// `note`, `status`, `verdict`, `obligation`, `report` or `submission`.
    pub kind: String,
    pub text: String,
    pub author: String,
    pub created_at: String,
}

/// A follow-up action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IncidentAction {
    pub id: String,
    pub incident_id: String,
    pub title: String,
    /// E-mail address of a user who may see the entity.
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// `open` or `done`.
    pub status: String,
    /// Raised by the post-incident review.
    pub from_review: bool,
    pub created_at: String,
    pub done_at: Option<String>,
}

/// A verdict given on one question, kept with the ones before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VerdictRecord {
    /// `significant`, `malicious`, `cross_border`, `personal_data` or `high_risk_to_people`.
    pub question: String,
    /// `yes`, `no` or `unknown`.
    pub verdict: String,
    pub reasoning: String,
    pub decided_by: String,
    pub decided_at: String,
}

/// An obligation the entity decided it does not owe for an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetAside {
    pub obligation_id: String,
    pub reason: String,
    pub decided_by: String,
    pub decided_at: String,
}

/// A stage sent to its recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Submission {
    pub obligation_id: String,
    pub stage_key: String,
    /// When it was sent (RFC 3339, UTC).
    pub submitted_at: String,
    /// How it was sent (portal, e-mail, phone…).
    pub channel: String,
    /// The recipient's reference number, if given.
    pub recipient_reference: String,
    /// The report version sent, if it was drafted in Hygeia.
    pub report_version: Option<i64>,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// One saved version of a report draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportVersion {
    pub obligation_id: String,
    pub stage_key: String,
    pub version: i64,
    /// `en` or `fr`.
    pub language: String,
    /// Field key → text, in the order of the stage's fields.
    pub fields: Vec<(String, String)>,
    pub saved_by: String,
    pub saved_at: String,
}
