//! Automated checks (issue 16): what Hygeia observes on its own — unknown assets in OT zones,
//! flows outside conduits, expired evidence, administrators without a second factor, unused
//! accounts, overdue incident stages, expired supplier certificates and risk acceptances,
//! KEV-listed vulnerabilities left open — each read by a check that informs requirements and
//! raises an observation of a given severity. The checks themselves are data (a rule file
//! checked when loaded); this module names the signals they may read and what each needs.

use serde::{Deserialize, Serialize};

pub mod observations;

/// The longest window a check may set, in days (ten years).
pub const MAX_DAYS: u32 = 3_650;

/// What a check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// Assets passive monitoring found in an OT zone that nobody has identified yet.
    UnknownAssetsInOtZone,
    /// State-changing industrial flows that no conduit of the zone policy allows.
    FlowsOutsideConduits,
    /// Evidence attached to a requirement past its validity date.
    EvidenceExpired,
    /// Administrators who sign in with a password alone.
    AdminsWithoutMfa,
    /// Active accounts nobody has signed in with for `days` days.
    AccountsUnused,
    /// Incident reporting stages (early warning, notification, final report) past due.
    IncidentStagesOverdue,
    /// Supplier certificates past their end date with no renewal.
    SupplierCertificateExpired,
    /// Risk acceptances past their end date.
    RiskAcceptanceExpired,
    /// Vulnerabilities listed by CISA's KEV catalog still open `days` days after they matched.
    KevUnpatched,
    /// Members sitting on the management body without a training in force (Art. 20(2)).
    BoardMembersUntrained,
    /// The management body's last approval of the risk-management measures is older than
    /// `days` days (Art. 20(1)).
    MeasuresApprovalLapsed,
    /// Published policies past their review day.
    PolicyReviewOverdue,
}

impl Signal {
    pub const ALL: [Signal; 12] = [
        Signal::UnknownAssetsInOtZone,
        Signal::FlowsOutsideConduits,
        Signal::EvidenceExpired,
        Signal::AdminsWithoutMfa,
        Signal::AccountsUnused,
        Signal::IncidentStagesOverdue,
        Signal::SupplierCertificateExpired,
        Signal::RiskAcceptanceExpired,
        Signal::KevUnpatched,
        Signal::BoardMembersUntrained,
        Signal::MeasuresApprovalLapsed,
        Signal::PolicyReviewOverdue,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Signal::UnknownAssetsInOtZone => "unknown_assets_in_ot_zone",
            Signal::FlowsOutsideConduits => "flows_outside_conduits",
            Signal::EvidenceExpired => "evidence_expired",
            Signal::AdminsWithoutMfa => "admins_without_mfa",
            Signal::AccountsUnused => "accounts_unused",
            Signal::IncidentStagesOverdue => "incident_stages_overdue",
            Signal::SupplierCertificateExpired => "supplier_certificate_expired",
            Signal::RiskAcceptanceExpired => "risk_acceptance_expired",
            Signal::KevUnpatched => "kev_unpatched",
            Signal::BoardMembersUntrained => "board_members_untrained",
            Signal::MeasuresApprovalLapsed => "measures_approval_lapsed",
            Signal::PolicyReviewOverdue => "policy_review_overdue",
        }
    }

    /// Whether the check must set a window in days (and may not otherwise).
    pub fn needs_days(self) -> bool {
        matches!(
            self,
            Signal::AccountsUnused | Signal::KevUnpatched | Signal::MeasuresApprovalLapsed
        )
    }

    /// Whether what it reads belongs to the organisation (accounts) rather than to one
    /// entity: its observations are raised on every entity's requirements.
    pub fn organisation_wide(self) -> bool {
        matches!(self, Signal::AdminsWithoutMfa | Signal::AccountsUnused)
    }
}

/// How serious an observation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 4] = [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// What is wrong with a check's window, if anything.
pub fn window_problem(signal: Signal, days: Option<u32>) -> Option<String> {
    match (signal.needs_days(), days) {
        (true, None) => Some(format!("`{}` needs `days`", signal.as_str())),
        (true, Some(d)) if d == 0 || d > MAX_DAYS => {
            Some(format!("`days` must be between 1 and {MAX_DAYS}"))
        }
        (false, Some(_)) => Some(format!("`{}` takes no `days`", signal.as_str())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_are_named_once_and_windows_checked() {
        let mut names: Vec<&str> = Signal::ALL.iter().map(|s| s.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Signal::ALL.len());
        for signal in Signal::ALL {
            let json = serde_json::to_value(signal).unwrap_or_default();
            assert_eq!(json, serde_json::json!(signal.as_str()));
        }
        assert_eq!(window_problem(Signal::AccountsUnused, Some(90)), None);
        assert!(window_problem(Signal::AccountsUnused, None).is_some());
        assert!(window_problem(Signal::KevUnpatched, Some(0)).is_some());
        assert!(window_problem(Signal::EvidenceExpired, Some(30)).is_some());
        assert_eq!(window_problem(Signal::EvidenceExpired, None), None);
        assert!(Severity::Critical > Severity::High);
    }
}
