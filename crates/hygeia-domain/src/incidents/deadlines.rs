//! When each stage of a reporting obligation falls due.
//!
//! A stage is due a [`Delay`] after its [`Anchor`]: the time the entity became aware of the
//! incident, the submission of an earlier stage, or the end of the incident. Hours are
//! elapsed hours (24 h stays 24 h across a daylight-saving change); a month is a calendar
//! month in the entity's time zone, and a day the target month lacks clamps to its last day
//! (31 January + 1 month = 28 or 29 February, never early March). A duty with no fixed delay
//! ("without undue delay", "on request") gets no invented deadline.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Months, NaiveDateTime, TimeZone, Utc};
use serde::Serialize;

/// How long after its anchor a stage falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delay {
    /// Elapsed hours.
    Hours(u32),
    /// Calendar months in the entity's time zone.
    Months(u32),
    /// No fixed delay: as soon as possible; the time elapsed is shown instead of a deadline.
    WithoutUndueDelay,
    /// Only when the recipient asks for it.
    OnRequest,
}

/// A delay that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a delay: write `24h`, `72h`, `1 month`, `without undue delay` or `on request`"
)]
pub struct BadDelay(pub String);

impl FromStr for Delay {
    type Err = BadDelay;

    fn from_str(text: &str) -> Result<Self, BadDelay> {
        let bad = || BadDelay(text.to_owned());
        let t = text.trim();
        match t {
            "without undue delay" => return Ok(Self::WithoutUndueDelay),
            "on request" => return Ok(Self::OnRequest),
            _ => {}
        }
        if let Some(hours) = t.strip_suffix('h').filter(|h| !h.contains(' ')) {
            let n: u32 = hours.parse().map_err(|_| bad())?;
            return if (1..=24 * 366).contains(&n) {
                Ok(Self::Hours(n))
            } else {
                Err(bad())
            };
        }
        let (count, unit) = t.split_once(' ').ok_or_else(bad)?;
        let n: u32 = count.parse().map_err(|_| bad())?;
        match unit {
            "month" | "months" if (1..=24).contains(&n) => Ok(Self::Months(n)),
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Hours(n) => write!(f, "{n}h"),
            Self::Months(1) => f.write_str("1 month"),
            Self::Months(n) => write!(f, "{n} months"),
            Self::WithoutUndueDelay => f.write_str("without undue delay"),
            Self::OnRequest => f.write_str("on request"),
        }
    }
}

/// What a stage's delay counts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Anchor {
    /// The time the entity became aware of the incident.
    Awareness,
    /// The submission of an earlier stage of the same obligation (its key).
    Stage(String),
    /// The end of the incident (resolved or closed).
    IncidentEnd,
}

impl Anchor {
    /// Reads `awareness`, `incident_end` or `submitted:<stage key>`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "awareness" => Some(Self::Awareness),
            "incident_end" => Some(Self::IncidentEnd),
            other => other
                .strip_prefix("submitted:")
                .filter(|k| !k.is_empty())
                .map(|k| Self::Stage(k.to_owned())),
        }
    }
}

/// What happens to a stage when the incident is still ongoing when the stage falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenOngoing {
    /// The stage is owed only if the incident is still ongoing at its due time (NIS2's
    /// progress report, sent instead of the final report).
    OnlyIfOngoing,
    /// The stage moves to the same delay after the incident's end (NIS2's final report of an
    /// incident still ongoing one month after the notification).
    MovesToEnd,
}

/// The deadline rule of one stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRule {
    pub key: String,
    pub delay: Delay,
    pub anchor: Anchor,
    pub when_ongoing: Option<WhenOngoing>,
}

/// The times of an incident that deadlines count from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentTimes {
    pub aware_at: DateTime<Utc>,
    /// When the incident ended (resolved or closed), if it has.
    pub ended_at: Option<DateTime<Utc>>,
    /// Submission time of each stage already submitted, by stage key.
    pub submitted: BTreeMap<String, DateTime<Utc>>,
}

/// Where a stage stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum StageClock {
    /// Submitted at `at`; `late` when after its deadline.
    Submitted {
        at: DateTime<Utc>,
        due: Option<DateTime<Utc>>,
        late: bool,
    },
    /// Due at `due`; overdue when `now` is past it.
    Due { due: DateTime<Utc>, overdue: bool },
    /// Owed without a fixed delay since `since` (its anchor): show the time elapsed.
    WithoutDeadline { since: DateTime<Utc> },
    /// Owed only if the recipient asks.
    OnRequest,
    /// Its anchor has not happened yet (an earlier stage unsubmitted, or the incident's end).
    Waiting { on: String },
    /// Not owed: the incident ended before this stage (owed only while ongoing) fell due.
    NotOwed,
}

impl StageClock {
    /// The deadline of a stage that still has to be sent.
    pub fn open_due(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Due { due, .. } => Some(*due),
            _ => None,
        }
    }

    pub fn is_overdue(&self) -> bool {
        matches!(self, Self::Due { overdue: true, .. })
    }
}

/// `at` plus `months` calendar months counted in `zone`: the local date moves by whole
/// months at the same local time; a day the target month lacks clamps to its last day.
/// A local time that does not exist (the hour skipped by a daylight-saving change) moves to
/// the first instant after the gap; an ambiguous one (the hour repeated) takes the earlier.
pub fn add_months<Z: TimeZone>(at: DateTime<Utc>, months: u32, zone: &Z) -> DateTime<Utc> {
    let local = at.with_timezone(zone).naive_local();
    let Some(target) = local.checked_add_months(Months::new(months)) else {
        return at;
    };
    to_utc(target, zone).unwrap_or(at)
}

fn to_utc<Z: TimeZone>(local: NaiveDateTime, zone: &Z) -> Option<DateTime<Utc>> {
    // Gaps last at most a few hours; step forward a minute at a time past one.
    (0..=240).find_map(|minute| {
        zone.from_local_datetime(&(local + Duration::minutes(minute)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    })
}

/// The deadline `delay` after `anchor`, if the delay is fixed.
pub fn due_after<Z: TimeZone>(
    anchor: DateTime<Utc>,
    delay: Delay,
    zone: &Z,
) -> Option<DateTime<Utc>> {
    match delay {
        Delay::Hours(h) => Some(anchor + Duration::hours(i64::from(h))),
        Delay::Months(m) => Some(add_months(anchor, m, zone)),
        Delay::WithoutUndueDelay | Delay::OnRequest => None,
    }
}

/// Where each stage of an obligation stands at `now`, in the order of `rules`.
pub fn stage_clocks<Z: TimeZone>(
    rules: &[StageRule],
    times: &IncidentTimes,
    zone: &Z,
    now: DateTime<Utc>,
) -> Vec<(String, StageClock)> {
    rules
        .iter()
        .map(|rule| (rule.key.clone(), stage_clock(rule, times, zone, now)))
        .collect()
}

fn stage_clock<Z: TimeZone>(
    rule: &StageRule,
    times: &IncidentTimes,
    zone: &Z,
    now: DateTime<Utc>,
) -> StageClock {
    let submitted = times.submitted.get(&rule.key).copied();
    let anchor_at = match &rule.anchor {
        Anchor::Awareness => Some(times.aware_at),
        Anchor::Stage(key) => times.submitted.get(key).copied(),
        Anchor::IncidentEnd => times.ended_at,
    };
    let Some(anchor_at) = anchor_at else {
        return match submitted {
            Some(at) => StageClock::Submitted {
                at,
                due: None,
                late: false,
            },
            None => StageClock::Waiting {
                on: waiting_on(&rule.anchor),
            },
        };
    };
    let mut due = due_after(anchor_at, rule.delay, zone);
    if let (Some(base), Some(when)) = (due, rule.when_ongoing) {
        let ongoing_at_due = times.ended_at.is_none_or(|end| end > base);
        match when {
            WhenOngoing::OnlyIfOngoing if !ongoing_at_due && submitted.is_none() => {
                return StageClock::NotOwed;
            }
            // Before the first deadline the incident may still end in time: that deadline
            // stands until it passes with the incident ongoing.
            WhenOngoing::MovesToEnd if ongoing_at_due => match times.ended_at {
                Some(end) => due = due_after(end, rule.delay, zone),
                None if now <= base => {}
                None if submitted.is_none() => {
                    return StageClock::Waiting {
                        on: "incident_end".into(),
                    };
                }
                None => due = None,
            },
            _ => {}
        }
    }
    if let Some(at) = submitted {
        return StageClock::Submitted {
            at,
            due,
            late: due.is_some_and(|d| at > d),
        };
    }
    match (due, rule.delay) {
        (Some(due), _) => StageClock::Due {
            due,
            overdue: now > due,
        },
        (None, Delay::OnRequest) => StageClock::OnRequest,
        (None, _) => StageClock::WithoutDeadline { since: anchor_at },
    }
}

fn waiting_on(anchor: &Anchor) -> String {
    match anchor {
        Anchor::Awareness => "awareness".into(),
        Anchor::Stage(key) => key.clone(),
        Anchor::IncidentEnd => "incident_end".into(),
    }
}

#[cfg(test)]
mod tests;
