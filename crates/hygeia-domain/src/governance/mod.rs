//! Governance under NIS2 Art. 20 (issue 16, item 3): the management body's members, what they
//! approve (the cybersecurity risk-management measures of Art. 21, the policies) with date,
//! version and signatory, the training they and the staff follow (Art. 20(2)), and policies
//! with their lifecycle and the staff's acknowledgements. Pure rules: no I/O.

pub mod policies;
pub mod training;

use chrono::NaiveDate;

/// Whether a member appointed on `appointed` (and leaving on `left`, if known) sits on the
/// body on `day`: from the appointment to the day before leaving.
pub fn sits_on(appointed: NaiveDate, left: Option<NaiveDate>, day: NaiveDate) -> bool {
    appointed <= day && left.is_none_or(|l| day < l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_member_sits_from_appointment_to_the_day_before_leaving() {
        assert!(sits_on(d("2025-01-01"), None, d("2026-12-04")));
        assert!(!sits_on(d("2027-01-01"), None, d("2026-12-04")));
        assert!(sits_on(
            d("2025-01-01"),
            Some(d("2026-12-05")),
            d("2026-12-04")
        ));
        assert!(!sits_on(
            d("2025-01-01"),
            Some(d("2026-12-04")),
            d("2026-12-04")
        ));
    }
}
