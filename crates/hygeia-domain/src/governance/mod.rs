//! Governance under NIS2 Art. 20 (issue 16, item 3): the management body's members, what they
//! approve (the cybersecurity risk-management measures of Art. 21, the policies) with date,
//! version and signatory, the training they and the staff follow (Art. 20(2)), and policies
//! with their lifecycle and the staff's acknowledgements. Pure rules: no I/O.

pub mod approvals;
pub mod members;
pub mod policies;
pub mod training;

use chrono::NaiveDate;

use crate::validation::Validator;

/// Longest name or title (a person, a course, a policy).
pub const MAX_NAME_CHARS: usize = 200;
/// Longest free text (a note, a version's summary).
pub const MAX_TEXT_CHARS: usize = 4000;

/// A trimmed text, `None` when blank.
pub(crate) fn given(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// A `YYYY-MM-DD` day; an error names `field` when it is not one.
pub(crate) fn day(v: &mut Validator, field: &str, text: Option<&str>) -> Option<NaiveDate> {
    let text = given(text)?;
    let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    if parsed.is_none() {
        v.bad_date(field);
    }
    parsed
}

/// A required day: empty and malformed are both named.
pub(crate) fn required_day(v: &mut Validator, field: &str, text: &str) -> Option<NaiveDate> {
    if text.trim().is_empty() {
        v.empty(field);
        return None;
    }
    day(v, field, Some(text))
}

/// An optional identifier, trimmed, `None` when blank.
pub(crate) fn optional_id(text: Option<&str>) -> Option<String> {
    given(text).map(str::to_owned)
}

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
