//! `hygeia incident …`: incident tools from the command line, no database needed.
//!
//! `hygeia incident deadlines` answers "when is each report due?" from a shipped
//! reporting-obligation template (NIS2 Art. 23 by default) and the times the user gives, with
//! the same rules the hub applies: hours are elapsed hours, a month is a calendar month counted
//! in a time zone (31 January + 1 month = 28 February), and a duty without a fixed delay gets
//! no invented deadline.

use std::process::ExitCode;

use anyhow::Context;
use chrono::{DateTime, FixedOffset, NaiveDateTime, Offset, SecondsFormat, TimeZone, Utc};
use clap::{Args, Subcommand};
use hygeia_catalog::obligations::{EMBEDDED_OBLIGATIONS, Obligation, parse_obligation};
use hygeia_domain::incidents::deadlines::{Anchor, Delay, WhenOngoing, due_after};

use crate::config::ConfigError;
use crate::table::{Align, Table};

/// The stage whose submission `--notified-at` gives.
const NOTIFICATION: &str = "notification";

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// When each report of an incident falls due (NIS2 Art. 23 by default)
    #[command(
        after_help = "Examples:\n  hygeia incident deadlines --aware-at 2026-02-20T11:00:00+01:00\n  \
        hygeia incident deadlines --aware-at 2026-01-29T10:00:00+01:00 --notified-at 2026-01-31T00:30:00+01:00 --time-zone Europe/Paris\n  \
        hygeia incident deadlines --obligation gdpr-art33 --aware-at 2026-05-04T10:00:00+02:00 --json"
    )]
    Deadlines(DeadlinesArgs),
}

#[derive(Debug, Args)]
pub struct DeadlinesArgs {
    /// When the entity became aware of the incident, in RFC 3339 with its UTC offset
    /// (2026-05-04T10:00:00+02:00 or 2026-05-04T08:00:00Z): the first reports count from it
    #[arg(long, value_name = "TIME")]
    pub aware_at: String,
    /// When the incident notification was submitted (RFC 3339 with its offset): the final
    /// report counts one calendar month from it
    #[arg(long, value_name = "TIME")]
    pub notified_at: Option<String>,
    /// The reporting obligation: `nis2` (NIS2 Art. 23, template nis2-art23) or the id of a
    /// shipped template (gdpr-art33, gdpr-art34, fr-health-serious-incidents)
    #[arg(long, value_name = "ID", default_value = "nis2")]
    pub obligation: String,
    /// IANA time zone in which calendar months are counted: the entity's legal time, e.g.
    /// Europe/Paris [default: the offset of --notified-at, else UTC]
    #[arg(long, value_name = "ZONE")]
    pub time_zone: Option<String>,
    /// Print JSON: `<stage>_due` for each stage with a fixed deadline (`early_warning_due`,
    /// `notification_due`, `final_report_due` for NIS2; null until it can be counted), and
    /// `stages` with every stage
    #[arg(long)]
    pub json: bool,
}

/// One stage of the obligation and its deadline, as the command reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageDeadline {
    pub key: String,
    pub title: String,
    /// The rule: `24h`, `1 month`, `without undue delay`…
    pub rule: String,
    /// `awareness`, `submitted:<stage>` or `incident_end`.
    pub from: String,
    /// The deadline, when it can be counted from the times given.
    pub due: Option<DateTime<Utc>>,
    /// The stage is owed whatever happens next (not only while the incident is ongoing) and
    /// has a fixed delay: it gets its own `<stage>_due` key in JSON.
    pub headline: bool,
    /// What qualifies the deadline, if anything.
    pub note: Option<String>,
}

fn setting(setting: &'static str, message: String) -> ConfigError {
    ConfigError::Setting { setting, message }
}

/// Reads an RFC 3339 time. A time without its UTC offset is refused, not guessed: the
/// deadlines of an incident must not depend on the machine's time zone.
pub fn instant(name: &'static str, text: &str) -> Result<DateTime<FixedOffset>, ConfigError> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text).map_err(|_| {
        let local = [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
        ]
        .iter()
        .any(|f| NaiveDateTime::parse_from_str(text, f).is_ok());
        let message = if local {
            format!(
                "`{text}` has no UTC offset: add it, e.g. `{}+02:00`, or `Z` for UTC",
                text.replace(' ', "T")
            )
        } else if text.is_empty() {
            "is empty: give a time in RFC 3339, e.g. 2026-05-04T10:00:00+02:00".to_owned()
        } else {
            format!("`{text}` is not an RFC 3339 time: write e.g. 2026-05-04T10:00:00+02:00")
        };
        setting(name, message)
    })
}

/// The shipped template named by `--obligation` (`nis2` stands for `nis2-art23`).
pub fn template(name: &str) -> anyhow::Result<Obligation> {
    let id = match name.trim() {
        "nis2" => "nis2-art23",
        other => other,
    };
    let mut known = Vec::new();
    for (file, text) in EMBEDDED_OBLIGATIONS {
        let obligation = parse_obligation(file, text)
            .with_context(|| format!("the shipped template {file} does not load"))?;
        if obligation.id == id {
            return Ok(obligation);
        }
        known.push(obligation.id);
    }
    Err(setting(
        "--obligation",
        format!(
            "unknown obligation `{}`: use nis2 or one of {}",
            name.trim(),
            known.join(", ")
        ),
    )
    .into())
}

fn utc(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn anchor_text(anchor: &Anchor) -> String {
    match anchor {
        Anchor::Awareness => "awareness".into(),
        Anchor::IncidentEnd => "incident_end".into(),
        Anchor::Stage(key) => format!("submitted:{key}"),
    }
}

/// Every stage of `obligation` with its deadline: hours after awareness, or months after the
/// notification's submission counted in `zone`.
pub fn deadlines<Z: TimeZone>(
    obligation: &Obligation,
    aware_at: DateTime<Utc>,
    notified_at: Option<DateTime<Utc>>,
    zone: &Z,
) -> Vec<StageDeadline> {
    obligation
        .stages
        .iter()
        .map(|stage| {
            let rule = &stage.rule;
            let anchor_at = match &rule.anchor {
                Anchor::Awareness => Some(aware_at),
                Anchor::Stage(key) if key == NOTIFICATION => notified_at,
                Anchor::Stage(_) | Anchor::IncidentEnd => None,
            };
            let due = anchor_at.and_then(|at| due_after(at, rule.delay, zone));
            let fixed = matches!(rule.delay, Delay::Hours(_) | Delay::Months(_));
            let note = match (&rule.anchor, rule.delay, rule.when_ongoing) {
                (_, Delay::WithoutUndueDelay, _) => {
                    Some("without undue delay: no fixed deadline".to_owned())
                }
                (_, Delay::OnRequest, _) => Some("only when the recipient asks for it".to_owned()),
                (Anchor::Stage(key), _, _) if anchor_at.is_none() && key == NOTIFICATION => Some(
                    "counted from the notification's submission: give --notified-at".to_owned(),
                ),
                (Anchor::Stage(key), _, _) if anchor_at.is_none() => {
                    Some(format!("counted from the submission of `{key}`"))
                }
                (Anchor::IncidentEnd, _, _) => {
                    Some("counted from the end of the incident".to_owned())
                }
                (_, _, Some(WhenOngoing::OnlyIfOngoing)) => {
                    Some("owed only if the incident is still ongoing then".to_owned())
                }
                (_, delay, Some(WhenOngoing::MovesToEnd)) => Some(format!(
                    "if the incident is still ongoing then: {delay} after its end"
                )),
                _ => None,
            };
            StageDeadline {
                key: stage.key().to_owned(),
                title: stage.title.en.clone(),
                rule: rule.delay.to_string(),
                from: anchor_text(&rule.anchor),
                due,
                headline: fixed
                    && rule.when_ongoing != Some(WhenOngoing::OnlyIfOngoing)
                    && rule.anchor != Anchor::IncidentEnd,
                note,
            }
        })
        .collect()
}

/// The deadlines of one obligation for the times given.
#[derive(Debug, Clone)]
pub struct Answer {
    pub obligation: Obligation,
    pub aware_at: DateTime<Utc>,
    pub notified_at: Option<DateTime<Utc>>,
    /// Where months are counted: an IANA name, a fixed offset (`+01:00`) or `UTC`.
    pub zone: String,
    pub stages: Vec<StageDeadline>,
}

impl Answer {
    /// The JSON document printed by `--json`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::{Value, json};
        let mut doc = serde_json::Map::new();
        doc.insert("obligation".into(), json!(self.obligation.id));
        doc.insert("aware_at".into(), json!(utc(self.aware_at)));
        doc.insert("notified_at".into(), json!(self.notified_at.map(utc)));
        doc.insert("time_zone".into(), json!(self.zone));
        for s in self.stages.iter().filter(|s| s.headline) {
            doc.insert(format!("{}_due", s.key), json!(s.due.map(utc)));
        }
        let stages: Vec<Value> = self
            .stages
            .iter()
            .map(|s| {
                json!({
                    "key": s.key,
                    "title": s.title,
                    "rule": s.rule,
                    "from": s.from,
                    "due": s.due.map(utc),
                    "note": s.note,
                })
            })
            .collect();
        doc.insert("stages".into(), Value::Array(stages));
        Value::Object(doc)
    }

    /// The human-readable answer: a heading and an aligned table.
    pub fn to_text(&self) -> String {
        let o = &self.obligation;
        let mut out = format!("{} ({})\n", o.title.en, o.id);
        out.push_str(&format!("  Aware at:          {}\n", utc(self.aware_at)));
        if let Some(at) = self.notified_at {
            out.push_str(&format!("  Notified at:       {}\n", utc(at)));
        }
        out.push_str(&format!("  Months counted in: {}\n\n", self.zone));
        let mut table = Table::new(&[
            ("Stage", Align::Left),
            ("Rule", Align::Left),
            ("From", Align::Left),
            ("Due (UTC)", Align::Left),
            ("Note", Align::Left),
        ]);
        for s in &self.stages {
            table.row(vec![
                s.title.clone(),
                s.rule.clone(),
                s.from.clone(),
                s.due.map_or_else(|| "—".to_owned(), utc),
                s.note.clone().unwrap_or_default(),
            ]);
        }
        out.push_str(&table.render("  "));
        out
    }
}

fn offset_label(offset: FixedOffset) -> String {
    if offset.local_minus_utc() == 0 {
        "UTC".into()
    } else {
        offset.to_string()
    }
}

/// Checks the arguments and counts the deadlines.
pub fn answer(args: &DeadlinesArgs) -> anyhow::Result<Answer> {
    let aware = instant("--aware-at", &args.aware_at)?;
    let notified = args
        .notified_at
        .as_deref()
        .map(|t| instant("--notified-at", t))
        .transpose()?;
    if let Some(n) = notified
        && n < aware
    {
        return Err(setting(
            "--notified-at",
            format!(
                "{} is before --aware-at ({}): a notification follows awareness",
                utc(n.to_utc()),
                utc(aware.to_utc())
            ),
        )
        .into());
    }
    let obligation = template(&args.obligation)?;
    let counts_from_notification = obligation
        .stages
        .iter()
        .any(|s| s.rule.anchor == Anchor::Stage(NOTIFICATION.into()));
    if notified.is_some() && !counts_from_notification {
        return Err(setting(
            "--notified-at",
            format!(
                "no stage of `{}` counts from a notification's submission",
                obligation.id
            ),
        )
        .into());
    }
    let aware_at = aware.to_utc();
    let notified_at = notified.map(|n| n.to_utc());
    let (stages, zone) = match args.time_zone.as_deref() {
        Some(name) => {
            let zone = hygeia_domain::clock::parse_zone(name).ok_or_else(|| {
                setting(
                    "--time-zone",
                    format!(
                        "`{}` is not an IANA time zone: write e.g. Europe/Paris",
                        name.trim()
                    ),
                )
            })?;
            (
                deadlines(&obligation, aware_at, notified_at, &zone),
                zone.name().to_owned(),
            )
        }
        // Without a zone, the offset the notification was written with is the best guess
        // of the entity's legal time.
        None => {
            let offset = notified.map_or(Utc.fix(), |n| *n.offset());
            (
                deadlines(&obligation, aware_at, notified_at, &offset),
                offset_label(offset),
            )
        }
    };
    Ok(Answer {
        obligation,
        aware_at,
        notified_at,
        zone,
        stages,
    })
}

pub fn run(command: &IncidentCommand) -> anyhow::Result<ExitCode> {
    let IncidentCommand::Deadlines(args) = command;
    let answer = answer(args)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&answer.to_json()).context("cannot write JSON")?
        );
    } else {
        print!("{}", answer.to_text());
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn nis2() -> Obligation {
        template("nis2").unwrap()
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn due<'a>(stages: &'a [StageDeadline], key: &str) -> &'a StageDeadline {
        stages
            .iter()
            .find(|s| s.key == key)
            .unwrap_or_else(|| panic!("no stage {key}"))
    }

    #[test]
    fn the_first_reports_count_elapsed_hours_from_awareness() {
        // Awareness on the eve of the spring change in Paris (29 March 2026, 02:00 → 03:00):
        // 24 h stay 24 elapsed hours.
        let aware = at("2026-03-28T10:00:00+01:00");
        let stages = deadlines(&nis2(), aware, None, &Utc);
        assert_eq!(
            due(&stages, "early_warning").due,
            Some(at("2026-03-29T09:00:00Z"))
        );
        assert_eq!(
            due(&stages, "notification").due,
            Some(at("2026-03-31T09:00:00Z"))
        );
        // Without the notification, the final report cannot be counted yet.
        let last = due(&stages, "final_report");
        assert_eq!(last.due, None);
        assert!(last.headline);
        assert!(
            last.note
                .as_deref()
                .is_some_and(|n| n.contains("--notified-at")),
            "{last:?}"
        );
        let intermediate = due(&stages, "intermediate_report");
        assert_eq!((intermediate.due, intermediate.headline), (None, false));
    }

    #[test]
    fn the_final_report_counts_a_calendar_month_in_the_zone_given() {
        let aware = at("2026-01-29T10:00:00+01:00");
        let notified = at("2026-01-31T00:30:00+01:00");
        let paris = hygeia_domain::clock::parse_zone("Europe/Paris").unwrap();
        let stages = deadlines(&nis2(), aware, Some(notified), &paris);
        // 31 January 00:30 in Paris + 1 month = 28 February 00:30 in Paris (clamped).
        assert_eq!(
            due(&stages, "final_report").due,
            Some(at("2026-02-28T00:30:00+01:00"))
        );
        // Counted in UTC, the notification fell on 30 January: 28 February 23:30 UTC.
        let in_utc = deadlines(&nis2(), aware, Some(notified), &Utc);
        assert_eq!(
            due(&in_utc, "final_report").due,
            Some(at("2026-02-28T23:30:00Z"))
        );
        // The offset of --notified-at stands in for the zone when none is given.
        let offset = FixedOffset::east_opt(3600).unwrap();
        let fixed = deadlines(&nis2(), aware, Some(notified), &offset);
        assert_eq!(
            due(&fixed, "final_report").due,
            Some(at("2026-02-28T00:30:00+01:00"))
        );
        // The progress report is the same month, owed only while the incident goes on.
        let progress = due(&stages, "progress_report");
        assert!(!progress.headline && progress.due.is_some());
    }

    fn args(aware: &str, notified: Option<&str>, zone: Option<&str>) -> DeadlinesArgs {
        DeadlinesArgs {
            aware_at: aware.into(),
            notified_at: notified.map(Into::into),
            obligation: "nis2".into(),
            time_zone: zone.map(Into::into),
            json: true,
        }
    }

    #[test]
    fn json_names_each_deadline_in_utc() {
        let a = answer(&args(
            "2026-02-20T11:00:00+01:00",
            Some("2026-02-23T10:00:00+01:00"),
            None,
        ))
        .unwrap();
        // No zone given: months counted at the notification's offset.
        assert_eq!(a.zone, "+01:00");
        let doc = a.to_json();
        assert_eq!(doc["obligation"], "nis2-art23");
        assert_eq!(doc["early_warning_due"], "2026-02-21T10:00:00Z");
        assert_eq!(doc["notification_due"], "2026-02-23T10:00:00Z");
        assert_eq!(doc["final_report_due"], "2026-03-23T09:00:00Z");
        assert!(doc.get("progress_report_due").is_none(), "{doc}");
        assert_eq!(doc["stages"].as_array().map(Vec::len), Some(5));
        let text = a.to_text();
        assert!(
            text.contains("Early warning") && text.contains("2026-03-23T09:00:00Z"),
            "{text}"
        );
        assert!(text.lines().all(|l| !l.ends_with(' ')), "{text}");
        // Without the notification, its key is there, empty; months would count in UTC.
        let first = answer(&args("2026-02-20T11:00:00+01:00", None, None)).unwrap();
        assert_eq!(first.zone, "UTC");
        assert!(first.to_json()["final_report_due"].is_null());
    }

    #[test]
    fn a_notification_before_awareness_or_an_unknown_zone_is_refused() {
        let early = answer(&args(
            "2026-02-20T11:00:00+01:00",
            Some("2026-02-20T10:59:00+01:00"),
            None,
        ));
        let message = early.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("--notified-at") && message.contains("before --aware-at"),
            "{message}"
        );
        let zone = answer(&args(
            "2026-02-20T11:00:00+01:00",
            None,
            Some("Mars/Olympus"),
        ));
        let message = zone.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("--time-zone"), "{message}");
        let mut health = args(
            "2026-02-20T11:00:00+01:00",
            Some("2026-02-21T11:00:00+01:00"),
            None,
        );
        health.obligation = "fr-health-serious-incidents".into();
        let message = answer(&health).err().map(|e| e.to_string());
        assert!(
            message.is_some_and(|m| m.contains("--notified-at")),
            "--notified-at accepted where nothing counts from it"
        );
        // Every refusal is a usage error: the binary exits with code 2.
        let refused = answer(&args("2026-05-04T10:00:00", None, None)).unwrap_err();
        assert!(refused.downcast_ref::<ConfigError>().is_some());
    }

    #[test]
    fn times_without_an_offset_or_unreadable_are_refused_by_name() {
        let missing = instant("--aware-at", "2026-05-04T10:00:00").err();
        let message = missing.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("--aware-at") && message.contains("no UTC offset"),
            "{message}"
        );
        let garbage = instant("--notified-at", "yesterday").err();
        let message = garbage.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("--notified-at") && message.contains("not an RFC 3339 time"),
            "{message}"
        );
        assert!(instant("--aware-at", " 2026-05-04T10:00:00+02:00 ").is_ok());
        assert!(instant("--aware-at", "2026-05-04T08:00:00Z").is_ok());
    }

    #[test]
    fn templates_are_found_by_alias_or_id() {
        assert_eq!(nis2().id, "nis2-art23");
        assert!(template("gdpr-art33").is_ok());
        let unknown = template("nis3").err().map(|e| e.to_string());
        let unknown = unknown.unwrap_or_default();
        assert!(
            unknown.contains("--obligation") && unknown.contains("gdpr-art33"),
            "{unknown}"
        );
    }

    #[test]
    fn a_duty_without_a_fixed_delay_gets_no_invented_deadline() {
        let health = template("fr-health-serious-incidents").unwrap();
        let stages = deadlines(&health, at("2026-05-04T10:00:00+02:00"), None, &Utc);
        assert_eq!(stages.len(), 1);
        assert_eq!((stages[0].due, stages[0].headline), (None, false));
        let gdpr = template("gdpr-art33").unwrap();
        let stages = deadlines(&gdpr, at("2026-05-04T10:00:00+02:00"), None, &Utc);
        assert_eq!(
            due(&stages, "notification").due,
            Some(at("2026-05-07T08:00:00Z"))
        );
    }
}
