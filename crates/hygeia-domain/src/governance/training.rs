//! Training records (Art. 20(2)): members of the management body must follow training, and
//! staff should be offered similar training regularly. A record may expire; it is "expiring"
//! within the reminder notice before its end, then "expired".

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

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
