//! An incident as a user writes it, and its checks.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{IncidentStatus, Severity};
use crate::validation::{FieldError, ValidationErrors, Validator};

/// Longest title.
pub const MAX_TITLE_CHARS: usize = 200;
/// Longest free text (description, impact, indicators…).
pub const MAX_TEXT_CHARS: usize = 20_000;

/// An incident as a client sends it (create or update).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// When it was detected (RFC 3339 with offset).
    pub detected_at: String,
    /// When the entity became aware of it (RFC 3339 with offset): the reporting clocks
    /// count from here. Defaults to the detection time.
    #[serde(default)]
    pub aware_at: Option<String>,
    /// When it ended (RFC 3339); defaults to the time it is first marked resolved or closed.
    #[serde(default)]
    pub ended_at: Option<String>,
    /// `open`, `contained`, `resolved` or `closed`.
    #[serde(default = "open")]
    pub status: String,
    /// `low`, `medium`, `high` or `critical`.
    pub severity: String,
    #[serde(default)]
    pub affected_services: String,
    #[serde(default)]
    pub impact: String,
    /// Indicators of compromise.
    #[serde(default)]
    pub indicators: String,
    /// Measures taken.
    #[serde(default)]
    pub measures: String,
    #[serde(default)]
    pub root_cause: String,
    /// Who the authorities can reach about it.
    #[serde(default)]
    pub contact: String,
    /// Post-incident review: what was learned.
    #[serde(default)]
    pub lessons_learned: String,
    /// On update: the version you read.
    #[serde(default)]
    pub version: Option<i64>,
}

fn open() -> String {
    "open".into()
}

/// A checked incident input: its times parsed, codes known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedIncident {
    pub detected_at: DateTime<Utc>,
    pub aware_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub status: IncidentStatus,
    pub severity: Severity,
}

fn time(v: &mut Validator, field: &str, text: &str) -> Option<DateTime<Utc>> {
    match DateTime::parse_from_rfc3339(text.trim()) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            v.push(FieldError::bad_time(field));
            None
        }
    }
}

impl IncidentInput {
    /// Checks every field at once; `now` bounds the times (no detection in the future).
    pub fn check(&self, now: DateTime<Utc>) -> Result<CheckedIncident, ValidationErrors> {
        let mut v = Validator::new();
        v.text("title", &self.title, MAX_TITLE_CHARS);
        for (field, text) in [
            ("description", &self.description),
            ("affected_services", &self.affected_services),
            ("impact", &self.impact),
            ("indicators", &self.indicators),
            ("measures", &self.measures),
            ("root_cause", &self.root_cause),
            ("contact", &self.contact),
            ("lessons_learned", &self.lessons_learned),
        ] {
            v.optional_text(field, Some(text), MAX_TEXT_CHARS);
        }
        let detected_at = time(&mut v, "detected_at", &self.detected_at);
        let aware_at = match self.aware_at.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(text) => time(&mut v, "aware_at", text),
            None => detected_at,
        };
        let ended_at = match self.ended_at.as_deref().filter(|t| !t.trim().is_empty()) {
            Some(text) => time(&mut v, "ended_at", text).map(Some),
            None => Some(None),
        };
        let status = IncidentStatus::parse(self.status.trim());
        if status.is_none() {
            v.push(FieldError::one_of(
                "status",
                &IncidentStatus::ALL.map(IncidentStatus::code),
            ));
        }
        let severity = Severity::parse(self.severity.trim());
        if severity.is_none() {
            v.push(FieldError::one_of(
                "severity",
                &Severity::ALL.map(Severity::code),
            ));
        }
        let future = now + chrono::Duration::minutes(5);
        for (field, t) in [("detected_at", detected_at), ("aware_at", aware_at)] {
            if t.is_some_and(|t| t > future) {
                v.push(FieldError::invalid(field, "is in the future"));
            }
        }
        if let (Some(d), Some(a)) = (detected_at, aware_at)
            && a < d
        {
            v.push(FieldError::date_order("aware_at", "detected_at"));
        }
        if let (Some(a), Some(Some(e))) = (aware_at, ended_at)
            && e < a
        {
            v.push(FieldError::date_order("ended_at", "aware_at"));
        }
        v.finish()?;
        match (detected_at, aware_at, ended_at, status, severity) {
            (Some(detected_at), Some(aware_at), Some(ended_at), Some(status), Some(severity)) => {
                Ok(CheckedIncident {
                    detected_at,
                    aware_at,
                    ended_at,
                    status,
                    severity,
                })
            }
            _ => Err(ValidationErrors(vec![FieldError::invalid(
                "incident",
                "could not be read",
            )])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        crate::clock::parse_instant("2026-05-10T12:00:00Z").unwrap_or_default()
    }

    fn ransomware() -> IncidentInput {
        IncidentInput {
            title: "Ransomware on the filling line".into(),
            detected_at: "2026-05-04T09:30:00+02:00".into(),
            aware_at: Some("2026-05-04T10:00:00+02:00".into()),
            status: "open".into(),
            severity: "critical".into(),
            ..IncidentInput::default()
        }
    }

    #[test]
    fn times_are_read_with_their_offset_and_awareness_defaults_to_detection() {
        let checked = ransomware().check(now());
        let checked = checked.map(|c| (c.detected_at.to_rfc3339(), c.aware_at.to_rfc3339()));
        assert_eq!(
            checked.ok(),
            Some((
                "2026-05-04T07:30:00+00:00".into(),
                "2026-05-04T08:00:00+00:00".into()
            ))
        );
        let no_aware = IncidentInput {
            aware_at: None,
            ..ransomware()
        };
        let c = no_aware.check(now()).map(|c| c.aware_at == c.detected_at);
        assert_eq!(c.ok(), Some(true));
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let bad = IncidentInput {
            title: " ".into(),
            detected_at: "2026-05-04 09:30".into(),
            aware_at: Some("2026-05-04T10:00:00".into()),
            status: "pending".into(),
            severity: "huge".into(),
            ..IncidentInput::default()
        };
        let fields: Vec<String> = bad
            .check(now())
            .err()
            .map(|e| {
                e.0.into_iter()
                    .map(|f| format!("{}:{}", f.field, f.code.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            fields,
            [
                "title:empty",
                "detected_at:bad_time",
                "aware_at:bad_time",
                "status:one_of",
                "severity:one_of"
            ]
        );
    }

    #[test]
    fn awareness_cannot_precede_detection_nor_lie_in_the_future() {
        let early = IncidentInput {
            aware_at: Some("2026-05-04T09:00:00+02:00".into()),
            ..ransomware()
        };
        let e = early.check(now()).err().map(|e| e.0[0].field.clone());
        assert_eq!(e.as_deref(), Some("aware_at"));
        let future = IncidentInput {
            detected_at: "2026-06-01T00:00:00Z".into(),
            aware_at: None,
            ..ransomware()
        };
        assert!(future.check(now()).is_err());
    }
}
