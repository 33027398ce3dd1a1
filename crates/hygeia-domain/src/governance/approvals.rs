//! Approvals by the management body (Art. 20(1)): the cybersecurity risk-management measures
//! of Art. 21 as a whole (a version of the plan), or one version of a policy. Each names the
//! signatory (a member sitting on the body that day), the date, the version and where it is
//! recorded (the minutes). An approval is a fact: it is recorded once, never changed.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{MAX_NAME_CHARS, MAX_TEXT_CHARS, given, optional_id, required_day};
use crate::validation::{ValidationErrors, Validator};

/// How long an approval of the measures stands before the body should approve them again.
pub const MEASURES_RENEWAL_MONTHS: u32 = 12;

/// What the body approved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApprovalSubject {
    /// The cybersecurity risk-management measures (Art. 21) as a whole.
    Measures,
    /// One version of a policy.
    Policy,
}

impl ApprovalSubject {
    pub const CODES: [&'static str; 2] = ["measures", "policy"];

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalSubject::Measures => "measures",
            ApprovalSubject::Policy => "policy",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        match code.trim() {
            "measures" => Some(ApprovalSubject::Measures),
            "policy" => Some(ApprovalSubject::Policy),
            _ => None,
        }
    }
}

/// An approval as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApprovalInput {
    /// `measures` or `policy`.
    pub subject: String,
    /// The policy approved (for `policy`): its draft version is the one approved.
    #[serde(default)]
    pub policy_id: Option<String>,
    /// The version of the measures approved, as the entity names it (`2027 plan, v2`); for a
    /// policy, its version number is filled in.
    #[serde(default)]
    pub version: String,
    /// `YYYY-MM-DD`, not after today.
    pub approved_on: String,
    /// The member of the management body who signs.
    pub member_id: String,
    /// Where the decision is recorded: the minutes, a resolution number.
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub note: String,
    /// The signed document among the entity's evidence.
    #[serde(default)]
    pub evidence_id: Option<String>,
}

/// A checked approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedApproval {
    pub subject: ApprovalSubject,
    pub policy_id: Option<String>,
    pub version: String,
    pub approved_on: NaiveDate,
    pub member_id: String,
    pub reference: String,
    pub note: String,
    pub evidence_id: Option<String>,
}

impl ApprovalInput {
    /// Checks the whole input on `today`; every problem is named by its field.
    pub fn check(&self, today: NaiveDate) -> Result<CheckedApproval, ValidationErrors> {
        let mut v = Validator::new();
        let subject = ApprovalSubject::parse(&self.subject);
        if subject.is_none() {
            v.one_of("subject", &ApprovalSubject::CODES);
        }
        let policy_id = optional_id(self.policy_id.as_deref());
        match subject {
            Some(ApprovalSubject::Policy) if policy_id.is_none() => v.empty("policy_id"),
            Some(ApprovalSubject::Measures) => v.text("version", &self.version, MAX_NAME_CHARS),
            _ => {}
        }
        let approved_on = required_day(&mut v, "approved_on", &self.approved_on);
        if approved_on.is_some_and(|d| d > today) {
            v.in_future("approved_on");
        }
        if given(Some(&self.member_id)).is_none() {
            v.empty("member_id");
        }
        v.optional_text("reference", Some(&self.reference), MAX_NAME_CHARS);
        v.optional_text("note", Some(&self.note), MAX_TEXT_CHARS);
        v.finish()?;
        let subject = subject.unwrap_or(ApprovalSubject::Measures);
        Ok(CheckedApproval {
            subject,
            policy_id: policy_id.filter(|_| subject == ApprovalSubject::Policy),
            version: self.version.trim().to_owned(),
            approved_on: approved_on.unwrap_or_default(),
            member_id: self.member_id.trim().to_owned(),
            reference: self.reference.trim().to_owned(),
            note: self.note.trim().to_owned(),
            evidence_id: optional_id(self.evidence_id.as_deref()),
        })
    }
}

/// Whether the measures approved on `approved_on` should be approved again on `today`: after
/// [`MEASURES_RENEWAL_MONTHS`], or when they never were.
pub fn measures_renewal_due(approved_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    approved_on.is_none_or(|day| {
        day.checked_add_months(Months::new(MEASURES_RENEWAL_MONTHS))
            .is_none_or(|due| due <= today)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    fn fields(input: &ApprovalInput) -> Vec<String> {
        input.check(d("2026-12-04")).map_or_else(
            |e| e.0.into_iter().map(|f| f.field).collect(),
            |_| Vec::new(),
        )
    }

    #[test]
    fn an_approval_names_its_subject_signatory_and_a_day_already_come() {
        assert_eq!(
            fields(&ApprovalInput {
                subject: "budget".into(),
                approved_on: "2026-12-05".into(),
                ..ApprovalInput::default()
            }),
            ["subject", "approved_on", "member_id"]
        );
        assert_eq!(
            fields(&ApprovalInput {
                subject: "measures".into(),
                approved_on: "2026-12-04".into(),
                member_id: "m1".into(),
                ..ApprovalInput::default()
            }),
            ["version"]
        );
        assert_eq!(
            fields(&ApprovalInput {
                subject: "policy".into(),
                approved_on: "2026-12-01".into(),
                member_id: "m1".into(),
                ..ApprovalInput::default()
            }),
            ["policy_id"]
        );
        let measures = ApprovalInput {
            subject: "measures".into(),
            policy_id: Some("p1".into()),
            version: "2027 plan v1".into(),
            approved_on: "2026-11-30".into(),
            member_id: " m1 ".into(),
            ..ApprovalInput::default()
        }
        .check(d("2026-12-04"));
        assert!(measures.is_ok_and(|a| a.policy_id.is_none() && a.member_id == "m1"));
    }

    #[test]
    fn the_measures_are_approved_again_a_year_later() {
        let today = d("2026-12-04");
        assert!(measures_renewal_due(None, today));
        assert!(measures_renewal_due(Some(d("2025-12-04")), today));
        assert!(!measures_renewal_due(Some(d("2025-12-05")), today));
    }
}
