//! Time is a parameter: domain and application code ask a [`Clock`], never the system directly,
//! so tests control deadlines, expiries and audit timestamps.

use chrono::{DateTime, SubsecRound, Utc};

/// A source of the current instant.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// A clock frozen at one instant, for tests and reproducible demos.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Formats an instant the one way Hygeia stores and hashes it: RFC 3339, UTC, microseconds,
/// fixed width, so text order is time order on every database engine.
pub fn format_instant(at: DateTime<Utc>) -> String {
    at.trunc_subsecs(6)
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
}

/// Parses an instant written by [`format_instant`] (or any RFC 3339 text).
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&Utc))
}

/// The legal time zone of an entity established in `country` (ISO 3166-1 alpha-2), where
/// calendar deadlines (a month after a notification) are counted: the country's main zone
/// for EU and EEA countries and the French overseas regions; UTC elsewhere.
pub fn zone_of_country(country: &str) -> chrono_tz::Tz {
    use chrono_tz::*;
    match country.to_ascii_uppercase().as_str() {
        "AT" => Europe::Vienna,
        "BE" => Europe::Brussels,
        "BG" => Europe::Sofia,
        "CH" => Europe::Zurich,
        "CY" => Asia::Nicosia,
        "CZ" => Europe::Prague,
        "DE" => Europe::Berlin,
        "DK" => Europe::Copenhagen,
        "EE" => Europe::Tallinn,
        "ES" => Europe::Madrid,
        "FI" => Europe::Helsinki,
        "FR" | "MC" => Europe::Paris,
        "GB" => Europe::London,
        "GF" => America::Cayenne,
        "GP" => America::Guadeloupe,
        "GR" => Europe::Athens,
        "HR" => Europe::Zagreb,
        "HU" => Europe::Budapest,
        "IE" => Europe::Dublin,
        "IS" => Atlantic::Reykjavik,
        "IT" => Europe::Rome,
        "LI" => Europe::Vaduz,
        "LT" => Europe::Vilnius,
        "LU" => Europe::Luxembourg,
        "LV" => Europe::Riga,
        "MQ" => America::Martinique,
        "MT" => Europe::Malta,
        "NL" => Europe::Amsterdam,
        "NO" => Europe::Oslo,
        "PL" => Europe::Warsaw,
        "PT" => Europe::Lisbon,
        "RE" => Indian::Reunion,
        "RO" => Europe::Bucharest,
        "SE" => Europe::Stockholm,
        "SI" => Europe::Ljubljana,
        "SK" => Europe::Bratislava,
        "YT" => Indian::Mayotte,
        _ => UTC,
    }
}

/// Reads an IANA time-zone name (`Europe/Paris`).
pub fn parse_zone(name: &str) -> Option<chrono_tz::Tz> {
    name.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn instants_are_fixed_width_and_round_trip() {
        let at = Utc
            .with_ymd_and_hms(2026, 1, 2, 3, 4, 5)
            .single()
            .unwrap_or_default();
        let text = format_instant(at);
        assert_eq!(text, "2026-01-02T03:04:05.000000Z");
        assert_eq!(parse_instant(&text).ok(), Some(at));
    }

    #[test]
    fn entities_count_calendar_days_in_their_country_zone() {
        assert_eq!(zone_of_country("fr"), chrono_tz::Europe::Paris);
        assert_eq!(zone_of_country("RE"), chrono_tz::Indian::Reunion);
        assert_eq!(zone_of_country("US"), chrono_tz::UTC);
        assert_eq!(parse_zone("Europe/Berlin"), Some(chrono_tz::Europe::Berlin));
        assert_eq!(parse_zone("Mars/Olympus"), None);
    }
}
