//! The security clauses of a supplier contract, checked one by one (Implementing Regulation
//! 2024/2690, point 5.1.4, plus health-data location for HDS and remote maintenance access),
//! and which of them a supplier's tier and accesses make necessary.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::criticality::Tier;
use super::register::{MAX_NAME_CHARS, MAX_TEXT_CHARS, day};
use crate::validation::{FieldError, ValidationErrors, Validator};

/// Longest notification delay a clause may state, in hours (30 days).
pub const MAX_NOTIFICATION_HOURS: u32 = 720;
/// A supplier notifying later than this leaves the entity no time for its own 24-hour early
/// warning (NIS2 Art. 23(4)(a)).
pub const NOTIFICATION_HOURS_NEEDED: u32 = 24;

/// A clause of the checklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClauseKind {
    SecurityRequirements,
    StaffTraining,
    BackgroundChecks,
    IncidentNotification,
    RightToAudit,
    VulnerabilityHandling,
    Subcontracting,
    ExitReturnDeletion,
    HealthDataInEea,
    RemoteAccess,
}

impl ClauseKind {
    pub const ALL: [ClauseKind; 10] = [
        ClauseKind::SecurityRequirements,
        ClauseKind::StaffTraining,
        ClauseKind::BackgroundChecks,
        ClauseKind::IncidentNotification,
        ClauseKind::RightToAudit,
        ClauseKind::VulnerabilityHandling,
        ClauseKind::Subcontracting,
        ClauseKind::ExitReturnDeletion,
        ClauseKind::HealthDataInEea,
        ClauseKind::RemoteAccess,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClauseKind::SecurityRequirements => "security_requirements",
            ClauseKind::StaffTraining => "staff_training",
            ClauseKind::BackgroundChecks => "background_checks",
            ClauseKind::IncidentNotification => "incident_notification",
            ClauseKind::RightToAudit => "right_to_audit",
            ClauseKind::VulnerabilityHandling => "vulnerability_handling",
            ClauseKind::Subcontracting => "subcontracting",
            ClauseKind::ExitReturnDeletion => "exit_return_deletion",
            ClauseKind::HealthDataInEea => "health_data_in_eea",
            ClauseKind::RemoteAccess => "remote_access",
        }
    }

    pub fn parse(text: &str) -> Option<ClauseKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Where the duty comes from.
    pub fn reference(self) -> &'static str {
        match self {
            ClauseKind::SecurityRequirements => "2024/2690 5.1.4(a)",
            ClauseKind::StaffTraining => "2024/2690 5.1.4(b)",
            ClauseKind::BackgroundChecks => "2024/2690 5.1.4(c)",
            ClauseKind::IncidentNotification => "2024/2690 5.1.4(d)",
            ClauseKind::RightToAudit => "2024/2690 5.1.4(e)",
            ClauseKind::VulnerabilityHandling => "2024/2690 5.1.4(f)",
            ClauseKind::Subcontracting => "2024/2690 5.1.4(g)",
            ClauseKind::ExitReturnDeletion => "2024/2690 5.1.4(h)",
            ClauseKind::HealthDataInEea => "HDS 2024",
            ClauseKind::RemoteAccess => "NIS2 Art. 21(2)(i)",
        }
    }

    /// Whether a supplier of `tier` with these accesses needs this clause: every point of
    /// 5.1.4 for critical and high suppliers, the core four for moderate ones; the location
    /// of health data wherever the supplier reaches it, remote access rules wherever it
    /// reaches OT.
    pub fn required(self, tier: Tier, ot_access: bool, health_data: bool) -> bool {
        match self {
            ClauseKind::HealthDataInEea => health_data,
            ClauseKind::RemoteAccess => ot_access,
            ClauseKind::SecurityRequirements
            | ClauseKind::IncidentNotification
            | ClauseKind::Subcontracting
            | ClauseKind::ExitReturnDeletion => tier <= Tier::Moderate,
            ClauseKind::StaffTraining
            | ClauseKind::BackgroundChecks
            | ClauseKind::RightToAudit
            | ClauseKind::VulnerabilityHandling => tier <= Tier::High,
        }
    }
}

/// Where a clause stands in a contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClauseStatus {
    Present,
    Partial,
    Missing,
    NotApplicable,
}

impl ClauseStatus {
    pub const ALL: [ClauseStatus; 4] = [
        ClauseStatus::Present,
        ClauseStatus::Partial,
        ClauseStatus::Missing,
        ClauseStatus::NotApplicable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClauseStatus::Present => "present",
            ClauseStatus::Partial => "partial",
            ClauseStatus::Missing => "missing",
            ClauseStatus::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(text: &str) -> Option<ClauseStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A contract as entered (its clauses are set one by one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContractInput {
    pub title: String,
    /// The contract's own reference.
    #[serde(default)]
    pub reference: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub starts_on: Option<String>,
    #[serde(default)]
    pub ends_on: Option<String>,
    #[serde(default)]
    pub notes: String,
}

/// A checked contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedContract {
    pub title: String,
    pub reference: String,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub notes: String,
}

impl ContractInput {
    pub fn check(&self) -> Result<CheckedContract, ValidationErrors> {
        let mut v = Validator::new();
        v.text("title", &self.title, MAX_NAME_CHARS);
        v.optional_text("reference", Some(&self.reference), MAX_NAME_CHARS);
        v.optional_text("notes", Some(&self.notes), MAX_TEXT_CHARS);
        let starts_on = day(&mut v, "starts_on", self.starts_on.as_deref());
        let ends_on = day(&mut v, "ends_on", self.ends_on.as_deref());
        if let (Some(start), Some(end)) = (starts_on, ends_on)
            && end < start
        {
            v.date_order("ends_on", "starts_on");
        }
        v.finish()?;
        Ok(CheckedContract {
            title: self.title.trim().to_owned(),
            reference: self.reference.trim().to_owned(),
            starts_on,
            ends_on,
            notes: self.notes.trim().to_owned(),
        })
    }
}

/// One clause as recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClauseInput {
    /// `present`, `partial`, `missing` or `not_applicable`.
    pub status: String,
    /// For `incident_notification`: the delay the contract gives the supplier, in hours.
    #[serde(default)]
    pub notification_hours: Option<u32>,
    /// Where in the contract, or why it does not apply.
    #[serde(default)]
    pub note: String,
    /// The contract page or annex among the entity's evidence.
    #[serde(default)]
    pub evidence_id: Option<String>,
}

/// A checked clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedClause {
    pub status: ClauseStatus,
    pub notification_hours: Option<u32>,
    pub note: String,
    pub evidence_id: Option<String>,
}

impl ClauseInput {
    pub fn check(&self, kind: ClauseKind) -> Result<CheckedClause, ValidationErrors> {
        let mut v = Validator::new();
        let status = ClauseStatus::parse(self.status.trim());
        if status.is_none() {
            v.one_of(
                "status",
                &["present", "partial", "missing", "not_applicable"],
            );
        }
        v.optional_text("note", Some(&self.note), MAX_TEXT_CHARS);
        if let Some(hours) = self.notification_hours {
            if kind != ClauseKind::IncidentNotification {
                v.push(FieldError::invalid(
                    "notification_hours",
                    "only the incident notification clause states a delay",
                ));
            } else if hours > MAX_NOTIFICATION_HOURS {
                v.push(FieldError::out_of_range(
                    "notification_hours",
                    0,
                    MAX_NOTIFICATION_HOURS as usize,
                ));
            }
        }
        if status == Some(ClauseStatus::NotApplicable) && self.note.trim().is_empty() {
            v.push(FieldError::invalid(
                "note",
                "say why the clause does not apply",
            ));
        }
        v.finish()?;
        Ok(CheckedClause {
            status: status.unwrap_or(ClauseStatus::Missing),
            notification_hours: self.notification_hours,
            note: self.note.trim().to_owned(),
            evidence_id: self
                .evidence_id
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_owned),
        })
    }
}

/// What is wrong with a needed clause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ClauseGap {
    /// Needed, and missing (or set aside as not applicable while the supplier's accesses need it).
    Missing,
    /// Needed, and only partly written.
    Partial,
    /// The incident notification delay is longer than [`NOTIFICATION_HOURS_NEEDED`], or
    /// not stated.
    LateNotification,
}

impl ClauseGap {
    pub fn as_str(self) -> &'static str {
        match self {
            ClauseGap::Missing => "missing",
            ClauseGap::Partial => "partial",
            ClauseGap::LateNotification => "late_notification",
        }
    }
}

/// The gap of one clause for a supplier that needs it (`None` when not needed or in order).
pub fn clause_gap(
    kind: ClauseKind,
    status: ClauseStatus,
    notification_hours: Option<u32>,
    needed: bool,
) -> Option<ClauseGap> {
    if !needed {
        return None;
    }
    match status {
        ClauseStatus::Missing | ClauseStatus::NotApplicable => Some(ClauseGap::Missing),
        ClauseStatus::Partial => Some(ClauseGap::Partial),
        ClauseStatus::Present
            if kind == ClauseKind::IncidentNotification
                && notification_hours.is_none_or(|h| h > NOTIFICATION_HOURS_NEEDED) =>
        {
            Some(ClauseGap::LateNotification)
        }
        ClauseStatus::Present => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_tier_and_accesses_decide_which_clauses_are_needed() {
        let needed = |tier, ot, health| -> Vec<&str> {
            ClauseKind::ALL
                .into_iter()
                .filter(|k| k.required(tier, ot, health))
                .map(ClauseKind::as_str)
                .collect()
        };
        assert_eq!(needed(Tier::Critical, true, true).len(), 10);
        assert_eq!(needed(Tier::High, false, false).len(), 8);
        assert_eq!(
            needed(Tier::Moderate, false, false),
            [
                "security_requirements",
                "incident_notification",
                "subcontracting",
                "exit_return_deletion"
            ]
        );
        assert!(needed(Tier::Low, false, false).is_empty());
        assert_eq!(
            needed(Tier::High, true, false).last(),
            Some(&"remote_access")
        );
        for kind in ClauseKind::ALL {
            assert_eq!(ClauseKind::parse(kind.as_str()), Some(kind));
            assert!(!kind.reference().is_empty());
        }
    }

    #[test]
    fn a_needed_clause_is_in_order_only_when_present_and_timely() {
        use ClauseKind::*;
        use ClauseStatus::*;
        assert_eq!(
            clause_gap(RightToAudit, Missing, None, true),
            Some(ClauseGap::Missing)
        );
        assert_eq!(
            clause_gap(RightToAudit, NotApplicable, None, true),
            Some(ClauseGap::Missing)
        );
        assert_eq!(clause_gap(RightToAudit, Missing, None, false), None);
        assert_eq!(
            clause_gap(RightToAudit, Partial, None, true),
            Some(ClauseGap::Partial)
        );
        assert_eq!(
            clause_gap(IncidentNotification, Present, Some(72), true),
            Some(ClauseGap::LateNotification)
        );
        assert_eq!(
            clause_gap(IncidentNotification, Present, None, true),
            Some(ClauseGap::LateNotification)
        );
        assert_eq!(
            clause_gap(IncidentNotification, Present, Some(24), true),
            None
        );
        assert_eq!(clause_gap(RightToAudit, Present, None, true), None);
    }

    #[test]
    fn clauses_and_contracts_are_checked_by_field() {
        let clause = ClauseInput {
            status: "present".into(),
            notification_hours: Some(12),
            ..ClauseInput::default()
        };
        assert_eq!(
            clause
                .check(ClauseKind::IncidentNotification)
                .unwrap()
                .notification_hours,
            Some(12)
        );
        let fields = |e: ValidationErrors| e.0.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(
            fields(clause.check(ClauseKind::RightToAudit).unwrap_err()),
            ["notification_hours"]
        );
        let unexplained = ClauseInput {
            status: "not_applicable".into(),
            ..ClauseInput::default()
        };
        assert_eq!(
            fields(unexplained.check(ClauseKind::StaffTraining).unwrap_err()),
            ["note"]
        );
        let bad = ClauseInput {
            status: "yes".into(),
            notification_hours: Some(1000),
            ..ClauseInput::default()
        };
        assert_eq!(
            fields(bad.check(ClauseKind::IncidentNotification).unwrap_err()),
            ["status", "notification_hours"]
        );
        let contract = ContractInput {
            title: String::new(),
            starts_on: Some("2026-05-01".into()),
            ends_on: Some("2025-05-01".into()),
            ..ContractInput::default()
        };
        assert_eq!(fields(contract.check().unwrap_err()), ["title", "ends_on"]);
    }
}
