//! Treatment of a risk: the option chosen, an acceptance with its approver, reason and end
//! date, and the periodic review that brings every risk back before the management body.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::rating::MAX_JUSTIFICATION_CHARS;
use crate::validation::{FieldError, ValidationErrors, Validator};

/// How long a risk may be accepted at most before it is decided again.
pub const MAX_ACCEPTANCE_DAYS: i64 = 3 * 366;
/// An acceptance ending within this many days is reported as ending soon.
pub const EXPIRY_NOTICE_DAYS: i64 = 30;

/// What is done about a risk (ISO/IEC 27005 risk treatment options).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TreatmentOption {
    /// Controls reduce its likelihood or its impact.
    Mitigate,
    /// It is kept as it is, by a named approver, until a date.
    Accept,
    /// Insurance or a contract carries part of it.
    Transfer,
    /// The activity that causes it stops.
    Avoid,
}

impl TreatmentOption {
    pub const ALL: [TreatmentOption; 4] = [
        TreatmentOption::Mitigate,
        TreatmentOption::Accept,
        TreatmentOption::Transfer,
        TreatmentOption::Avoid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TreatmentOption::Mitigate => "mitigate",
            TreatmentOption::Accept => "accept",
            TreatmentOption::Transfer => "transfer",
            TreatmentOption::Avoid => "avoid",
        }
    }

    pub fn parse(text: &str) -> Option<TreatmentOption> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }
}

/// An acceptance as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptanceInput {
    /// Who accepts the risk (a member of the management body, or whom it delegated).
    pub approver: String,
    pub justification: String,
    /// `YYYY-MM-DD`, after today and within three years.
    pub expires_on: String,
}

/// A checked acceptance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Acceptance {
    pub approver: String,
    pub justification: String,
    pub expires_on: NaiveDate,
}

impl AcceptanceInput {
    /// Checks the acceptance on `today`; problems are named by field.
    pub fn check(&self, today: NaiveDate) -> Result<Acceptance, ValidationErrors> {
        let mut v = Validator::new();
        v.text("approver", &self.approver, 200);
        v.text(
            "justification",
            &self.justification,
            MAX_JUSTIFICATION_CHARS,
        );
        let expires_on = match NaiveDate::parse_from_str(self.expires_on.trim(), "%Y-%m-%d") {
            Err(_) => {
                v.bad_date("expires_on");
                None
            }
            Ok(date) if date <= today => {
                v.date_order("expires_on", "today");
                None
            }
            Ok(date) if (date - today).num_days() > MAX_ACCEPTANCE_DAYS => {
                v.push(FieldError::bad_value(
                    "expires_on",
                    "a risk is accepted for three years at most",
                ));
                None
            }
            Ok(date) => Some(date),
        };
        v.finish()?;
        Ok(Acceptance {
            approver: self.approver.trim().to_owned(),
            justification: self.justification.trim().to_owned(),
            expires_on: expires_on.unwrap_or(today),
        })
    }
}

/// Where an acceptance stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum AcceptanceState {
    Active,
    /// Ends within [`EXPIRY_NOTICE_DAYS`].
    EndingSoon {
        days_left: i64,
    },
    /// Its end date has passed: the risk is to be decided again.
    Expired,
}

/// Where an acceptance ending on `expires_on` stands on `today` (the last day still counts).
pub fn acceptance_state(expires_on: NaiveDate, today: NaiveDate) -> AcceptanceState {
    let days_left = (expires_on - today).num_days();
    if days_left < 0 {
        AcceptanceState::Expired
    } else if days_left <= EXPIRY_NOTICE_DAYS {
        AcceptanceState::EndingSoon { days_left }
    } else {
        AcceptanceState::Active
    }
}

/// The day a risk reviewed on `last` is due again, every `months` months (clamped to the
/// month's last day: reviewed on 31 January every month, due on 28 or 29 February).
pub fn next_review(last: NaiveDate, months: u32) -> NaiveDate {
    last.checked_add_months(Months::new(months.max(1)))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_acceptance_needs_an_approver_a_reason_and_an_end_within_three_years() {
        let today = day("2026-12-03");
        let ok = AcceptanceInput {
            approver: " Dr Martin, CEO ".into(),
            justification: "the line is replaced in 2027".into(),
            expires_on: "2027-06-30".into(),
        }
        .check(today)
        .unwrap();
        assert_eq!(ok.approver, "Dr Martin, CEO");
        assert_eq!(ok.expires_on, day("2027-06-30"));
        for (expires_on, code) in [
            ("30/06/2027", "bad_date"),
            ("2026-12-03", "date_order"),
            ("2030-01-01", "bad_value"),
        ] {
            let errors = AcceptanceInput {
                expires_on: expires_on.into(),
                ..AcceptanceInput::default()
            }
            .check(today)
            .unwrap_err()
            .0;
            let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["approver", "justification", "expires_on"]);
            assert_eq!(errors[2].code.as_str(), code, "{expires_on}");
        }
    }

    #[test]
    fn acceptances_end_soon_then_expire_and_reviews_come_back() {
        let end = day("2027-01-31");
        assert_eq!(
            acceptance_state(end, day("2026-12-01")),
            AcceptanceState::Active
        );
        assert_eq!(
            acceptance_state(end, day("2027-01-01")),
            AcceptanceState::EndingSoon { days_left: 30 }
        );
        assert_eq!(
            acceptance_state(end, end),
            AcceptanceState::EndingSoon { days_left: 0 }
        );
        assert_eq!(
            acceptance_state(end, day("2027-02-01")),
            AcceptanceState::Expired
        );
        assert_eq!(next_review(end, 1), day("2027-02-28"));
        assert_eq!(next_review(day("2026-12-03"), 12), day("2027-12-03"));
        assert_eq!(next_review(day("2026-12-03"), 0), day("2027-01-03"));
        for option in TreatmentOption::ALL {
            assert_eq!(TreatmentOption::parse(option.as_str()), Some(option));
        }
    }
}
