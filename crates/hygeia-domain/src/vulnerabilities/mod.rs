//! Rules of the inventory's vulnerabilities that do not depend on how advisories are read: the
//! order in which matches are handled (their priority) and the triage a user gives a match.
//!
//! The priority puts first what the users handle first: a vulnerability exploited in
//! the wild (CISA's KEV catalog), and among those one used by ransomware; then the CVSS base
//! score; then the asset's role (a controller or an engineering station before an office
//! computer); then how sure the match is. A match whose firmware is already fixed comes last.

pub mod planning;

use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, ValidationErrors, Validator};

/// Longest triage note kept.
pub const MAX_NOTE_CHARS: usize = 2000;

/// Longest a risk may be accepted for, in days (then it must be accepted again).
pub const MAX_ACCEPTANCE_DAYS: i64 = 3 * 366;

/// What a match says of an asset, from the strongest claim to the weakest (the advisory
/// crate's statuses, minus "not affected", which is not kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MatchState {
    Affected,
    PossiblyAffected,
    Unknown,
    Fixed,
}

impl MatchState {
    pub const ALL: [MatchState; 4] = [
        MatchState::Affected,
        MatchState::PossiblyAffected,
        MatchState::Unknown,
        MatchState::Fixed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MatchState::Affected => "affected",
            MatchState::PossiblyAffected => "possibly_affected",
            MatchState::Unknown => "unknown",
            MatchState::Fixed => "fixed",
        }
    }

    pub fn parse(text: &str) -> Option<MatchState> {
        MatchState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the asset may still be exposed (everything but "fixed").
    pub fn is_exposed(self) -> bool {
        !matches!(self, MatchState::Fixed)
    }

    fn rank(self) -> i64 {
        match self {
            MatchState::Affected => 3,
            MatchState::PossiblyAffected => 2,
            MatchState::Unknown => 1,
            MatchState::Fixed => 0,
        }
    }
}

/// How critical an asset's role makes a vulnerability on it, 0 (no known role: an office
/// computer, a server) to 9 (a controller of the process).
pub fn role_rank(roles: &[String]) -> i64 {
    roles
        .iter()
        .map(|role| match role.as_str() {
            "plc" | "rtu" => 9,
            "engineering_workstation" => 8,
            "hmi" | "dicom_modality" => 7,
            "historian" | "opc_ua_server" | "bms_controller" | "pacs" | "hl7_interface" => 6,
            "network_device" => 5,
            "dhcp_server" => 3,
            _ => 1,
        })
        .max()
        .unwrap_or(0)
}

/// What the priority of a match is computed from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriorityInput {
    pub state: MatchState,
    /// One of the match's CVEs is in the KEV catalog.
    pub kev: bool,
    /// CISA knows of ransomware campaigns using one of them.
    pub known_ransomware: bool,
    /// Highest CVSS base score, in tenths (0–100).
    pub cvss_tenths: Option<i64>,
    /// [`role_rank`] of the asset.
    pub role_rank: i64,
}

/// What a KEV-listed CVE adds to the priority: every exposed match with one ranks above it,
/// every other match below it, so that the KEV matches of the list are one range of its index.
pub const KEV_WEIGHT: i64 = 100_000_000;

/// The order of the prioritised list, larger first: KEV, ransomware, CVSS, role, state; a
/// fixed match is always below every exposed one.
pub fn priority(input: PriorityInput) -> i64 {
    if !input.state.is_exposed() {
        return 0;
    }
    let cvss = input.cvss_tenths.unwrap_or(0).clamp(0, 100);
    let role = input.role_rank.clamp(0, 9);
    1 + i64::from(input.kev) * KEV_WEIGHT
        + i64::from(input.known_ransomware) * 10_000_000
        + cvss * 10_000
        + role * 100
        + input.state.rank() * 10
}

/// What a user decided about a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Triage {
    /// Not looked at yet.
    New,
    /// The asset is confirmed affected: to be remediated.
    Confirmed,
    /// The match is wrong (another model, a module not fitted…): the reason says why.
    FalsePositive,
    /// The risk is accepted until a date, for a reason.
    AcceptedRisk,
    /// A compensating control (the note names it) removes the exposure.
    Mitigated,
}

impl Triage {
    pub const ALL: [Triage; 5] = [
        Triage::New,
        Triage::Confirmed,
        Triage::FalsePositive,
        Triage::AcceptedRisk,
        Triage::Mitigated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Triage::New => "new",
            Triage::Confirmed => "confirmed",
            Triage::FalsePositive => "false_positive",
            Triage::AcceptedRisk => "accepted_risk",
            Triage::Mitigated => "mitigated",
        }
    }

    pub fn parse(text: &str) -> Option<Triage> {
        Triage::ALL.into_iter().find(|t| t.as_str() == text)
    }

    fn names() -> Vec<&'static str> {
        Triage::ALL.iter().map(|t| t.as_str()).collect()
    }
}

/// A triage decision as submitted, before it is checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TriageInput {
    /// `new`, `confirmed`, `false_positive`, `accepted_risk` or `mitigated`.
    pub triage: String,
    /// Why: required for a false positive (the reason), an accepted risk (the justification)
    /// and a mitigation (the compensating control).
    #[serde(default)]
    pub note: Option<String>,
    /// Until when a risk is accepted (`YYYY-MM-DD`), required for `accepted_risk` only.
    #[serde(default)]
    pub until: Option<String>,
}

/// A checked triage decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TriageDecision {
    pub triage: Triage,
    pub note: Option<String>,
    pub until: Option<String>,
}

impl TriageInput {
    /// Checks the decision against `today` (`YYYY-MM-DD`, the user's day): every refusal names
    /// its field.
    pub fn check(&self, today: chrono::NaiveDate) -> Result<TriageDecision, ValidationErrors> {
        let Some(triage) = Triage::parse(self.triage.trim()) else {
            return Err(ValidationErrors(vec![FieldError::one_of(
                "triage",
                &Triage::names(),
            )]));
        };
        let mut v = Validator::new();
        let note = self
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        v.optional_text("note", note, MAX_NOTE_CHARS);
        let needs_note = matches!(
            triage,
            Triage::FalsePositive | Triage::AcceptedRisk | Triage::Mitigated
        );
        if needs_note && note.is_none() {
            v.push(FieldError::empty("note"));
        }
        let until = self
            .until
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        let until = match (triage, until) {
            (Triage::AcceptedRisk, None) => {
                v.push(FieldError::empty("until"));
                None
            }
            (Triage::AcceptedRisk, Some(text)) => {
                match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                    Err(_) => v.push(FieldError::bad_date("until")),
                    Ok(date) if date <= today => v.push(FieldError::date_order("until", "today")),
                    Ok(date) if (date - today).num_days() > MAX_ACCEPTANCE_DAYS => {
                        v.push(FieldError::bad_value(
                            "until",
                            "a risk is accepted for three years at most",
                        ))
                    }
                    Ok(_) => {}
                }
                Some(text.to_owned())
            }
            (_, Some(_)) => {
                v.push(FieldError::bad_value(
                    "until",
                    "only an accepted risk has an end date",
                ));
                None
            }
            (_, None) => None,
        };
        v.finish()?;
        Ok(TriageDecision {
            triage,
            note: note.map(str::to_owned),
            until,
        })
    }
}

/// Whether a match still asks for work: the asset is exposed and nobody closed it (a false
/// positive, a mitigation, or an acceptance that has not expired on `today`, `YYYY-MM-DD`).
pub fn needs_action(state: MatchState, triage: Triage, until: Option<&str>, today: &str) -> bool {
    if !state.is_exposed() {
        return false;
    }
    match triage {
        Triage::New | Triage::Confirmed => true,
        Triage::FalsePositive | Triage::Mitigated => false,
        Triage::AcceptedRisk => until.is_none_or(|u| u < today),
    }
}

#[cfg(test)]
#[allow(clippy::panic, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::validation::Code;

    fn day(text: &str) -> chrono::NaiveDate {
        chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    fn input(triage: &str, note: Option<&str>, until: Option<&str>) -> TriageInput {
        TriageInput {
            triage: triage.into(),
            note: note.map(Into::into),
            until: until.map(Into::into),
        }
    }

    fn refused(input: &TriageInput) -> Vec<(String, Code)> {
        match input.check(day("2026-12-03")) {
            Ok(d) => panic!("accepted {d:?}"),
            Err(e) => e.0.iter().map(|f| (f.field.clone(), f.code)).collect(),
        }
    }

    #[test]
    fn kev_comes_before_cvss_which_comes_before_the_role() {
        let base = PriorityInput {
            state: MatchState::Affected,
            kev: false,
            known_ransomware: false,
            cvss_tenths: Some(98),
            role_rank: 9,
        };
        let kev_low = PriorityInput {
            kev: true,
            cvss_tenths: Some(43),
            role_rank: 0,
            ..base
        };
        let ransomware = PriorityInput {
            known_ransomware: true,
            ..kev_low
        };
        let office = PriorityInput {
            role_rank: 1,
            ..base
        };
        let lower_score = PriorityInput {
            cvss_tenths: Some(97),
            ..base
        };
        let possibly = PriorityInput {
            state: MatchState::PossiblyAffected,
            ..base
        };
        assert!(priority(ransomware) > priority(kev_low));
        assert!(priority(kev_low) > priority(base));
        assert!(priority(base) > priority(office));
        assert!(priority(office) > priority(lower_score));
        assert!(priority(base) > priority(possibly));
        let fixed = PriorityInput {
            state: MatchState::Fixed,
            ..ransomware
        };
        assert_eq!(priority(fixed), 0);
        // KEV matches are exactly the range above KEV_WEIGHT, whatever else they have.
        let highest_without = PriorityInput {
            kev: false,
            known_ransomware: true,
            cvss_tenths: Some(100),
            role_rank: 9,
            ..base
        };
        let lowest_with = PriorityInput {
            state: MatchState::Unknown,
            kev: true,
            known_ransomware: false,
            cvss_tenths: None,
            role_rank: 0,
        };
        assert!(priority(highest_without) < KEV_WEIGHT);
        assert!(priority(lowest_with) > KEV_WEIGHT);
        assert!(
            priority(PriorityInput {
                state: MatchState::Unknown,
                kev: false,
                known_ransomware: false,
                cvss_tenths: None,
                role_rank: 0,
            }) > 0
        );
    }

    #[test]
    fn controllers_rank_above_office_computers() {
        let roles = |r: &[&str]| r.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(role_rank(&roles(&["hmi", "plc"])), 9);
        assert!(role_rank(&roles(&["engineering_workstation"])) > role_rank(&roles(&["hmi"])));
        assert!(role_rank(&roles(&["dicom_modality"])) > role_rank(&roles(&["dhcp_server"])));
        assert_eq!(role_rank(&[]), 0);
    }

    #[test]
    fn triage_needs_its_reason_and_an_acceptance_its_future_end() {
        let ok = input(
            "accepted_risk",
            Some("line stops in March"),
            Some("2027-03-31"),
        );
        let decision = ok.check(day("2026-12-03")).expect("valid");
        assert_eq!(decision.triage, Triage::AcceptedRisk);
        assert_eq!(decision.until.as_deref(), Some("2027-03-31"));
        assert_eq!(
            refused(&input("false_positive", Some("  "), None)),
            vec![("note".into(), Code::Empty)]
        );
        assert_eq!(
            refused(&input("accepted_risk", Some("why"), None)),
            vec![("until".into(), Code::Empty)]
        );
        assert_eq!(
            refused(&input("accepted_risk", Some("why"), Some("31/03/2027"))),
            vec![("until".into(), Code::BadDate)]
        );
        assert_eq!(
            refused(&input("accepted_risk", Some("why"), Some("2026-12-03"))),
            vec![("until".into(), Code::DateOrder)]
        );
        assert_eq!(
            refused(&input("accepted_risk", Some("why"), Some("2031-01-01"))),
            vec![("until".into(), Code::BadValue)]
        );
        assert_eq!(
            refused(&input("confirmed", None, Some("2027-01-01"))),
            vec![("until".into(), Code::BadValue)]
        );
        assert_eq!(
            refused(&input("ignored", None, None)),
            vec![("triage".into(), Code::OneOf)]
        );
        assert_eq!(
            refused(&input("mitigated", Some(&"x".repeat(2001)), None)),
            vec![("note".into(), Code::TooLong)]
        );
        let confirmed = input("confirmed", None, None).check(day("2026-12-03"));
        assert_eq!(confirmed.map(|d| d.triage), Ok(Triage::Confirmed));
    }

    #[test]
    fn an_expired_acceptance_asks_for_action_again() {
        let today = "2026-12-03";
        let accepted =
            |until| needs_action(MatchState::Affected, Triage::AcceptedRisk, until, today);
        assert!(!accepted(Some("2026-12-03")));
        assert!(accepted(Some("2026-12-02")));
        assert!(needs_action(MatchState::Unknown, Triage::New, None, today));
        assert!(!needs_action(
            MatchState::Fixed,
            Triage::Confirmed,
            None,
            today
        ));
        assert!(!needs_action(
            MatchState::Affected,
            Triage::Mitigated,
            None,
            today
        ));
        assert!(!needs_action(
            MatchState::PossiblyAffected,
            Triage::FalsePositive,
            None,
            today
        ));
    }
}
