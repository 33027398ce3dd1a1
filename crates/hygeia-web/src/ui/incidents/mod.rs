//! Incident pages: the register (filters, declaring an incident), and each incident with its
//! reporting clocks, verdicts, details, timeline, actions and links. Times are shown in the
//! entity's time zone (where its calendar deadlines are counted) with the UTC instant on
//! hover; remaining time and overdue state next to every deadline.

mod changes;
mod list;
mod page;

pub use changes::{
    add_action, add_timeline, create_control, finish_action, set_aside, set_links, set_verdict,
    update_incident,
};
pub use list::{create_incident, incidents_page};
pub use page::incident_page;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use hygeia_domain::clock::parse_instant;
use hygeia_store::incidents::IncidentInput;

use super::Choice;
use super::forms::Fields;
use super::i18n::Tr;

/// An instant as shown: in the zone, with the UTC instant for the hover.
pub struct Shown {
    pub local: String,
    pub utc: String,
}

/// The zone a reader sees times in: their own, when they chose one in their settings, else the
/// entity's (where its calendar deadlines are counted).
pub fn viewer_zone(auth: &crate::auth::Auth, entity_zone: Tz) -> Tz {
    auth.user
        .time_zone
        .as_deref()
        .and_then(hygeia_domain::clock::parse_zone)
        .unwrap_or(entity_zone)
}

/// Time zones offered in the settings: Europe's, the French overseas regions' and UTC.
pub fn offered_zones() -> Vec<&'static str> {
    let extra = [
        "UTC",
        "America/Cayenne",
        "America/Guadeloupe",
        "America/Martinique",
        "Atlantic/Azores",
        "Atlantic/Canary",
        "Atlantic/Madeira",
        "Indian/Mayotte",
        "Indian/Reunion",
        "Pacific/Noumea",
        "Pacific/Tahiti",
    ];
    let mut zones: Vec<&'static str> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|z| z.name())
        .filter(|n| n.starts_with("Europe/") || extra.contains(n))
        .collect();
    zones.sort_unstable();
    zones
}

/// A stored instant in `zone` (`21/02/2026 11:00 CET`), and its UTC text.
pub fn shown(tr: Tr, zone: Tz, instant: &str) -> Shown {
    match parse_instant(instant) {
        Ok(t) => {
            let local = t.with_timezone(&zone);
            let text = local.format("%Y-%m-%dT%H:%M").to_string();
            Shown {
                local: format!("{} {}", tr.datetime(&text), local.format("%Z")),
                utc: format!("{} UTC", t.format("%Y-%m-%d %H:%M")),
            }
        }
        Err(_) => Shown {
            local: instant.to_owned(),
            utc: instant.to_owned(),
        },
    }
}

/// A span of whole minutes in days and hours, or hours and minutes.
fn span_text(tr: Tr, minutes: u64) -> String {
    let (d, h, m) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, _) => format!("{h} h {m:02} min"),
        (1, _) => format!("1 {} {h} h", tr.pick("day", "jour")),
        _ => format!("{d} {} {h} h", tr.pick("days", "jours")),
    }
}

/// Time left before `due` (or how late), in days, hours and minutes.
pub fn remaining(tr: Tr, due: &str, now: DateTime<Utc>) -> String {
    let Ok(due) = parse_instant(due) else {
        return String::new();
    };
    let minutes = (due - now).num_minutes();
    let key = if minutes < 0 {
        "incidents.overdue_by"
    } else {
        "incidents.due_in"
    };
    tr.tf(key, &[("time", &span_text(tr, minutes.unsigned_abs()))])
}

/// Time elapsed since `since` (a duty without a fixed delay).
pub fn elapsed(tr: Tr, since: &str, now: DateTime<Utc>) -> String {
    let Ok(since) = parse_instant(since) else {
        return String::new();
    };
    let minutes = (now - since).num_minutes().max(0).unsigned_abs();
    tr.tf("incidents.elapsed", &[("time", &span_text(tr, minutes))])
}

/// A `datetime-local` value (entity's zone) as RFC 3339 with its offset; other text as is.
pub fn from_local_input(text: &str, zone: Tz) -> String {
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let parsed = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"));
    match parsed
        .ok()
        .and_then(|n| zone.from_local_datetime(&n).earliest())
    {
        Some(t) => t.to_rfc3339(),
        None => text.to_owned(),
    }
}

/// A stored instant as a `datetime-local` value in the zone.
pub fn to_local_input(instant: &str, zone: Tz) -> String {
    parse_instant(instant)
        .map(|t| t.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

pub(super) fn code_choices(tr: Tr, section: &str, codes: &[&str], current: &str) -> Vec<Choice> {
    codes
        .iter()
        .map(|c| Choice {
            value: (*c).to_owned(),
            label: tr.label(section, c),
            selected: *c == current,
        })
        .collect()
}
#[derive(Default)]
pub struct IncidentForm {
    pub title: String,
    pub description: String,
    pub detected_at: String,
    pub aware_at: String,
    pub ended_at: String,
    pub affected_services: String,
    pub impact: String,
    pub indicators: String,
    pub measures: String,
    pub root_cause: String,
    pub contact: String,
    pub lessons_learned: String,
    pub version: String,
}
pub(super) fn input_from(fields: &Fields, zone: Tz) -> IncidentInput {
    let optional =
        |name: &str| Some(from_local_input(&fields.text(name), zone)).filter(|t| !t.is_empty());
    IncidentInput {
        title: fields.text("title"),
        description: fields.text("description"),
        detected_at: from_local_input(&fields.text("detected_at"), zone),
        aware_at: optional("aware_at"),
        ended_at: optional("ended_at"),
        status: Some(fields.text("status"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "open".into()),
        severity: fields.text("severity"),
        affected_services: fields.text("affected_services"),
        impact: fields.text("impact"),
        indicators: fields.text("indicators"),
        measures: fields.text("measures"),
        root_cause: fields.text("root_cause"),
        contact: fields.text("contact"),
        lessons_learned: fields.text("lessons_learned"),
        version: fields.text("version").parse().ok(),
    }
}

pub(super) fn form_from(fields: &Fields) -> IncidentForm {
    IncidentForm {
        title: fields.text("title"),
        description: fields.text("description"),
        detected_at: fields.text("detected_at"),
        aware_at: fields.text("aware_at"),
        ended_at: fields.text("ended_at"),
        affected_services: fields.text("affected_services"),
        impact: fields.text("impact"),
        indicators: fields.text("indicators"),
        measures: fields.text("measures"),
        root_cause: fields.text("root_cause"),
        contact: fields.text("contact"),
        lessons_learned: fields.text("lessons_learned"),
        version: fields.text("version"),
    }
}
