use super::*;
use chrono_tz::Europe::Paris;

fn utc(text: &str) -> DateTime<Utc> {
    crate::clock::parse_instant(text).unwrap_or_default()
}

/// NIS2 Art. 23(4) as the shipped template states it.
fn nis2() -> Vec<StageRule> {
    let rule = |key: &str, delay: &str, anchor: &str, when: Option<WhenOngoing>| StageRule {
        key: key.into(),
        delay: delay.parse().unwrap_or(Delay::OnRequest),
        anchor: Anchor::parse(anchor).unwrap_or(Anchor::Awareness),
        when_ongoing: when,
    };
    vec![
        rule("early_warning", "24h", "awareness", None),
        rule("notification", "72h", "awareness", None),
        rule("intermediate_report", "on request", "awareness", None),
        rule(
            "progress_report",
            "1 month",
            "submitted:notification",
            Some(WhenOngoing::OnlyIfOngoing),
        ),
        rule(
            "final_report",
            "1 month",
            "submitted:notification",
            Some(WhenOngoing::MovesToEnd),
        ),
    ]
}

fn times(aware: &str) -> IncidentTimes {
    IncidentTimes {
        aware_at: utc(aware),
        ended_at: None,
        submitted: BTreeMap::new(),
    }
}

fn clock_of(clocks: &[(String, StageClock)], key: &str) -> StageClock {
    clocks
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, c)| c.clone())
        .unwrap_or(StageClock::NotOwed)
}

#[test]
fn delays_read_and_print_back() {
    for text in [
        "24h",
        "72h",
        "1 month",
        "3 months",
        "without undue delay",
        "on request",
    ] {
        let delay: Delay = text.parse().unwrap_or(Delay::Hours(0));
        assert_eq!(delay.to_string(), text);
    }
    for bad in ["", "0h", "24", "one month", "1 week", "-3h", "25 months"] {
        assert!(bad.parse::<Delay>().is_err(), "{bad:?} accepted");
    }
    assert_eq!(
        Anchor::parse("submitted:notification"),
        Some(Anchor::Stage("notification".into()))
    );
    assert_eq!(Anchor::parse("submitted:"), None);
    assert_eq!(Anchor::parse("detection"), None);
}

#[test]
fn hours_are_elapsed_hours_across_both_daylight_saving_changes() {
    // Paris moves to summer time on 29 March 2026 at 02:00 local (01:00 UTC).
    let spring = utc("2026-03-28T10:00:00Z");
    assert_eq!(
        due_after(spring, Delay::Hours(24), &Paris),
        Some(utc("2026-03-29T10:00:00Z"))
    );
    // 11:00 local on the 28th, 12:00 local on the 29th: 24 real hours, not "same time".
    // Back to winter time on 25 October 2026 at 03:00 local (01:00 UTC).
    let autumn = utc("2026-10-24T22:30:00Z");
    assert_eq!(
        due_after(autumn, Delay::Hours(72), &Paris),
        Some(utc("2026-10-27T22:30:00Z"))
    );
}

#[test]
fn a_month_is_a_calendar_month_clamped_to_the_month_end() {
    // 31 January 10:00 Paris (09:00 UTC) + 1 month: 28 February in a common year…
    assert_eq!(
        add_months(utc("2026-01-31T09:00:00Z"), 1, &Paris),
        utc("2026-02-28T09:00:00Z")
    );
    // …29 February in a leap year.
    assert_eq!(
        add_months(utc("2028-01-31T09:00:00Z"), 1, &Paris),
        utc("2028-02-29T09:00:00Z")
    );
    // 31 January 00:30 in Paris is still 30 January in UTC: the month counts in the
    // entity's zone, so the deadline is 29 February 00:30 Paris, never 1 March.
    assert_eq!(
        add_months(utc("2028-01-30T23:30:00Z"), 1, &Paris),
        utc("2028-02-28T23:30:00Z")
    );
    // 31 March + 1 month = 30 April; across the spring change the local time is kept.
    assert_eq!(
        add_months(utc("2026-03-15T11:00:00Z"), 1, &Paris),
        utc("2026-04-15T10:00:00Z")
    );
    assert_eq!(
        add_months(utc("2026-03-31T08:00:00Z"), 1, &Paris),
        utc("2026-04-30T08:00:00Z")
    );
}

#[test]
fn a_local_time_skipped_or_repeated_by_the_change_stays_well_defined() {
    // 29 January 02:30 Paris + 2 months lands in the hour skipped on 29 March 2026:
    // the deadline moves to the first instant after the gap (03:00 summer time).
    assert_eq!(
        add_months(utc("2026-01-29T01:30:00Z"), 2, &Paris),
        utc("2026-03-29T01:00:00Z")
    );
    // 25 September 02:30 Paris + 1 month: 02:30 happens twice on 25 October; the earlier.
    assert_eq!(
        add_months(utc("2026-09-25T00:30:00Z"), 1, &Paris),
        utc("2026-10-25T00:30:00Z")
    );
}

#[test]
fn the_nis2_clocks_run_from_awareness_and_re_anchor_on_submission() {
    let rules = nis2();
    let mut t = times("2026-05-04T08:00:00Z");
    let now = utc("2026-05-04T20:00:00Z");
    let clocks = stage_clocks(&rules, &t, &Paris, now);
    assert_eq!(
        clock_of(&clocks, "early_warning"),
        StageClock::Due {
            due: utc("2026-05-05T08:00:00Z"),
            overdue: false
        }
    );
    assert_eq!(
        clock_of(&clocks, "notification"),
        StageClock::Due {
            due: utc("2026-05-07T08:00:00Z"),
            overdue: false
        }
    );
    assert_eq!(
        clock_of(&clocks, "intermediate_report"),
        StageClock::OnRequest
    );
    assert_eq!(
        clock_of(&clocks, "final_report"),
        StageClock::Waiting {
            on: "notification".into()
        }
    );

    // Early warning sent late, notification sent at 60 h.
    t.submitted
        .insert("early_warning".into(), utc("2026-05-05T09:00:00Z"));
    t.submitted
        .insert("notification".into(), utc("2026-05-06T20:00:00Z"));
    let clocks = stage_clocks(&rules, &t, &Paris, utc("2026-05-07T00:00:00Z"));
    assert_eq!(
        clock_of(&clocks, "early_warning"),
        StageClock::Submitted {
            at: utc("2026-05-05T09:00:00Z"),
            due: Some(utc("2026-05-05T08:00:00Z")),
            late: true
        }
    );
    // The final report counts one month from the notification's submission.
    assert_eq!(
        clock_of(&clocks, "final_report"),
        StageClock::Due {
            due: utc("2026-06-06T20:00:00Z"),
            overdue: false
        }
    );
    assert_eq!(
        clock_of(&clocks, "progress_report"),
        StageClock::Due {
            due: utc("2026-06-06T20:00:00Z"),
            overdue: false
        }
    );
}

#[test]
fn an_incident_still_ongoing_owes_a_progress_report_and_its_final_report_after_its_end() {
    let rules = nis2();
    let mut t = times("2026-05-04T08:00:00Z");
    t.submitted
        .insert("notification".into(), utc("2026-05-06T20:00:00Z"));
    // Still ongoing past the month: the progress report is overdue, the final waits.
    let later = utc("2026-06-10T00:00:00Z");
    let clocks = stage_clocks(&rules, &t, &Paris, later);
    assert!(clock_of(&clocks, "progress_report").is_overdue());
    assert_eq!(
        clock_of(&clocks, "final_report"),
        StageClock::Waiting {
            on: "incident_end".into()
        }
    );
    // Ended on 20 June: the final report is due one month after the end.
    t.ended_at = Some(utc("2026-06-20T12:00:00Z"));
    let clocks = stage_clocks(&rules, &t, &Paris, later);
    assert_eq!(
        clock_of(&clocks, "final_report"),
        StageClock::Due {
            due: utc("2026-07-20T12:00:00Z"),
            overdue: false
        }
    );
    // Ended within the month: no progress report; the final keeps its first deadline.
    t.ended_at = Some(utc("2026-05-20T12:00:00Z"));
    let clocks = stage_clocks(&rules, &t, &Paris, later);
    assert_eq!(clock_of(&clocks, "progress_report"), StageClock::NotOwed);
    assert_eq!(
        clock_of(&clocks, "final_report"),
        StageClock::Due {
            due: utc("2026-06-06T20:00:00Z"),
            overdue: true
        }
    );
}

#[test]
fn a_duty_without_a_fixed_delay_shows_the_time_since_its_anchor() {
    let rules = vec![StageRule {
        key: "report".into(),
        delay: Delay::WithoutUndueDelay,
        anchor: Anchor::Awareness,
        when_ongoing: None,
    }];
    let t = times("2026-05-04T08:00:00Z");
    let clocks = stage_clocks(&rules, &t, &Paris, utc("2026-05-09T08:00:00Z"));
    assert_eq!(
        clock_of(&clocks, "report"),
        StageClock::WithoutDeadline {
            since: utc("2026-05-04T08:00:00Z")
        }
    );
    assert_eq!(clock_of(&clocks, "report").open_due(), None);
}
