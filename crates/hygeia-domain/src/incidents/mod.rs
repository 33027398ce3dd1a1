//! Incidents and the reporting duties they trigger: the vocabulary of an incident (status,
//! severity, the yes / no / not-yet-known verdicts), which reporting obligations an incident
//! owes ([`obligations`]), and when each report stage falls due ([`deadlines`]).
//!
//! The rules are pure: times come in as arguments, time zones as `chrono` zones, and the
//! obligation templates (who receives a report, its stages and their deadline rules) are data
//! loaded by the catalog crate.

pub mod deadlines;
pub mod input;
pub mod obligations;

use serde::{Deserialize, Serialize};

/// Where an incident stands in its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    Open,
    Contained,
    Resolved,
    Closed,
}

impl IncidentStatus {
    pub const ALL: [Self; 4] = [Self::Open, Self::Contained, Self::Resolved, Self::Closed];

    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Contained => "contained",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The incident is over: resolved or closed (the anchor of a final report owed after
    /// the end of an incident that was still ongoing).
    pub fn is_over(self) -> bool {
        matches!(self, Self::Resolved | Self::Closed)
    }
}

/// How bad an incident is, as the entity judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Self; 4] = [Self::Low, Self::Medium, Self::High, Self::Critical];

    pub fn code(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
            Self::Critical => "critical",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// A question about an incident that reporting duties depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    /// Significant incident under NIS2 Art. 23(3): severe operational disruption of the
    /// services or financial loss, or considerable material or non-material damage to others.
    Significant,
    /// The incident is suspected to be caused by an unlawful or malicious act (Art. 23(4)(a)).
    Malicious,
    /// The incident could have a cross-border impact (Art. 23(4)(a)).
    CrossBorder,
    /// Personal data were breached (GDPR Art. 4(12), Art. 33).
    PersonalData,
    /// The breach is likely to result in a high risk to people's rights and freedoms
    /// (GDPR Art. 34).
    HighRiskToPeople,
}

impl Question {
    pub const ALL: [Self; 5] = [
        Self::Significant,
        Self::Malicious,
        Self::CrossBorder,
        Self::PersonalData,
        Self::HighRiskToPeople,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Significant => "significant",
            Self::Malicious => "malicious",
            Self::CrossBorder => "cross_border",
            Self::PersonalData => "personal_data",
            Self::HighRiskToPeople => "high_risk_to_people",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.code() == code)
    }
}

/// The answer to a [`Question`]: decided either way, or not yet known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Yes,
    No,
    #[default]
    Unknown,
}

impl Verdict {
    pub const ALL: [Self; 3] = [Self::Yes, Self::No, Self::Unknown];

    pub fn code(self) -> &'static str {
        match self {
            Self::Yes => "yes",
            Self::No => "no",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.code() == code)
    }
}

/// The current verdict on each question (unknown where none was given).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdicts(std::collections::BTreeMap<Question, Verdict>);

impl Verdicts {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn set(&mut self, question: Question, verdict: Verdict) {
        self.0.insert(question, verdict);
    }

    pub fn get(&self, question: Question) -> Verdict {
        self.0.get(&question).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in IncidentStatus::ALL {
            assert_eq!(IncidentStatus::parse(s.code()), Some(s));
        }
        for s in Severity::ALL {
            assert_eq!(Severity::parse(s.code()), Some(s));
        }
        for q in Question::ALL {
            assert_eq!(Question::parse(q.code()), Some(q));
        }
        for v in Verdict::ALL {
            assert_eq!(Verdict::parse(v.code()), Some(v));
        }
        assert_eq!(Verdict::parse("maybe"), None);
    }

    #[test]
    fn an_unanswered_question_is_not_yet_known() {
        let mut verdicts = Verdicts::new();
        assert_eq!(verdicts.get(Question::Significant), Verdict::Unknown);
        verdicts.set(Question::Significant, Verdict::Yes);
        assert_eq!(verdicts.get(Question::Significant), Verdict::Yes);
        assert!(IncidentStatus::Resolved.is_over() && !IncidentStatus::Contained.is_over());
    }
}
