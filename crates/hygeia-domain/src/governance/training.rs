//! Training records (Art. 20(2)): members of the management body must follow training, and
//! staff should be offered similar training regularly. A record may expire; it is "expiring"
//! within the reminder notice before its end, then "expired".

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{MAX_NAME_CHARS, day, given, optional_id, required_day};
use crate::validation::{ValidationErrors, Validator};

/// A training record as entered: who followed which course, when, until when it counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrainingInput {
    /// The person trained (filled in from the member or the account when one is named).
    #[serde(default)]
    pub person_name: String,
    /// A member of the management body (Art. 20(2) training).
    #[serde(default)]
    pub member_id: Option<String>,
    /// A Hygeia account of a staff member.
    #[serde(default)]
    pub user_id: Option<String>,
    pub course: String,
    #[serde(default)]
    pub provider: String,
    /// `YYYY-MM-DD`, not after today.
    pub completed_on: String,
    /// `YYYY-MM-DD`, the last day it counts; none when it does not expire.
    #[serde(default)]
    pub valid_until: Option<String>,
    /// The attendance certificate among the entity's evidence.
    #[serde(default)]
    pub evidence_id: Option<String>,
}

/// A checked training record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedTraining {
    pub person_name: String,
    pub member_id: Option<String>,
    pub user_id: Option<String>,
    pub course: String,
    pub provider: String,
    pub completed_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub evidence_id: Option<String>,
}

impl TrainingInput {
    /// Checks the whole input on `today`; a record names a person, a member or an account.
    pub fn check(&self, today: NaiveDate) -> Result<CheckedTraining, ValidationErrors> {
        let mut v = Validator::new();
        let member_id = optional_id(self.member_id.as_deref());
        let user_id = optional_id(self.user_id.as_deref());
        if member_id.is_none() && user_id.is_none() {
            v.text("person_name", &self.person_name, MAX_NAME_CHARS);
        } else {
            v.optional_text("person_name", Some(&self.person_name), MAX_NAME_CHARS);
        }
        v.text("course", &self.course, MAX_NAME_CHARS);
        v.optional_text("provider", Some(&self.provider), MAX_NAME_CHARS);
        let completed_on = required_day(&mut v, "completed_on", &self.completed_on);
        if completed_on.is_some_and(|d| d > today) {
            v.in_future("completed_on");
        }
        let valid_until = day(&mut v, "valid_until", self.valid_until.as_deref());
        if let (Some(done), Some(until)) = (completed_on, valid_until)
            && until < done
        {
            v.date_order("valid_until", "completed_on");
        }
        v.finish()?;
        Ok(CheckedTraining {
            person_name: given(Some(&self.person_name))
                .unwrap_or_default()
                .to_owned(),
            member_id,
            user_id,
            course: self.course.trim().to_owned(),
            provider: self.provider.trim().to_owned(),
            completed_on: completed_on.unwrap_or_default(),
            valid_until,
            evidence_id: optional_id(self.evidence_id.as_deref()),
        })
    }
}

/// How many days before its end a training is reminded.
pub const REMINDER_DAYS: u64 = 60;

/// Where a training record stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TrainingState {
    /// No end date: valid for good.
    Lasting,
    Valid,
    /// Ends within the reminder notice.
    Expiring,
    Expired,
}

impl TrainingState {
    pub fn as_str(self) -> &'static str {
        match self {
            TrainingState::Lasting => "lasting",
            TrainingState::Valid => "valid",
            TrainingState::Expiring => "expiring",
            TrainingState::Expired => "expired",
        }
    }

    /// Whether someone should be reminded to renew it.
    pub fn needs_reminder(self) -> bool {
        matches!(self, TrainingState::Expiring | TrainingState::Expired)
    }
}

/// The state on `today` of a training valid until `valid_until` (the last valid day).
pub fn state(valid_until: Option<NaiveDate>, today: NaiveDate) -> TrainingState {
    match valid_until {
        None => TrainingState::Lasting,
        Some(end) if end < today => TrainingState::Expired,
        Some(end)
            if end
                <= today
                    .checked_add_days(Days::new(REMINDER_DAYS))
                    .unwrap_or(end) =>
        {
            TrainingState::Expiring
        }
        Some(_) => TrainingState::Valid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_record_names_someone_a_course_and_a_past_completion() {
        let today = d("2026-12-04");
        let fields = |input: TrainingInput| {
            input.check(today).map_or_else(
                |e| e.0.into_iter().map(|f| f.field).collect::<Vec<_>>(),
                |_| Vec::new(),
            )
        };
        assert_eq!(
            fields(TrainingInput {
                completed_on: "2026-12-05".into(),
                valid_until: Some("2026-12-01".into()),
                ..TrainingInput::default()
            }),
            ["person_name", "course", "completed_on", "valid_until"]
        );
        let of_member = TrainingInput {
            member_id: Some("m1".into()),
            course: "NIS2 for boards".into(),
            completed_on: "2026-11-20".into(),
            ..TrainingInput::default()
        }
        .check(today);
        assert!(of_member.is_ok_and(|t| t.person_name.is_empty() && t.valid_until.is_none()));
    }

    #[test]
    fn a_training_expires_after_its_last_day_and_is_reminded_sixty_days_before() {
        let today = d("2026-12-04");
        assert_eq!(state(None, today), TrainingState::Lasting);
        assert_eq!(state(Some(d("2027-06-30")), today), TrainingState::Valid);
        assert_eq!(state(Some(d("2027-02-02")), today), TrainingState::Expiring);
        assert_eq!(state(Some(d("2027-02-03")), today), TrainingState::Valid);
        assert_eq!(state(Some(today), today), TrainingState::Expiring);
        assert_eq!(state(Some(d("2026-12-03")), today), TrainingState::Expired);
        assert!(TrainingState::Expired.needs_reminder());
        assert!(!TrainingState::Lasting.needs_reminder());
    }
}
