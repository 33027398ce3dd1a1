//! `hygeia incident deadlines`: the reporting clocks from the command line, without a
//! database.

use super::*;

/// Runs `hygeia incident deadlines …` pointed at a database and data folder that must stay
/// untouched.
fn deadlines(args: &[&str], dir: &Path) -> Output {
    Command::new(BIN)
        .args(["incident", "deadlines"])
        .args(args)
        .env(
            "HYGEIA_DB",
            format!("sqlite://{}", dir.join("hygeia.db").display()),
        )
        .env("HYGEIA_DATA_DIR", dir.join("data"))
        .env_remove("HYGEIA_CONFIG")
        .env_remove("HYGEIA_SECRET_KEY_FILE")
        .output()
        .unwrap()
}

#[test]
fn deadlines_are_counted_without_a_database() {
    let dir = temp_dir();
    let out = deadlines(
        &[
            "--aware-at",
            "2026-01-29T10:00:00+01:00",
            "--notified-at",
            "2026-01-31T00:30:00+01:00",
            "--obligation",
            "nis2",
            "--time-zone",
            "Europe/Paris",
            "--json",
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["obligation"], "nis2-art23");
    assert_eq!(json["early_warning_due"], "2026-01-30T09:00:00Z");
    assert_eq!(json["notification_due"], "2026-02-01T09:00:00Z");
    // 31 January 00:30 in Paris + one calendar month = 28 February 00:30 in Paris.
    assert_eq!(json["final_report_due"], "2026-02-27T23:30:00Z");
    assert_eq!(json["time_zone"], "Europe/Paris");

    // Without a zone, months count at the notification's offset: here UTC, where the
    // notification fell on 30 January, so the month ends on 28 February at 23:30.
    let out = deadlines(
        &[
            "--aware-at",
            "2026-01-29T09:00:00Z",
            "--notified-at",
            "2026-01-30T23:30:00Z",
            "--json",
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["final_report_due"], "2026-02-28T23:30:00Z");

    // A template by its id; the human table lines up its columns.
    let out = deadlines(
        &[
            "--obligation",
            "gdpr-art33",
            "--aware-at",
            "2026-05-04T10:00:00+02:00",
        ],
        &dir,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("gdpr-art33"), "{table}");
    let header = table.lines().find(|l| l.contains("Due (UTC)")).unwrap();
    let row = table
        .lines()
        .find(|l| l.contains("2026-05-07T08:00:00Z"))
        .unwrap_or_else(|| panic!("no 72-hour deadline in\n{table}"));
    assert_eq!(
        header.find("Due (UTC)"),
        row.find("2026-05-07T08:00:00Z"),
        "{table}"
    );

    assert!(
        !dir.join("hygeia.db").exists() && !dir.join("data").exists(),
        "`incident deadlines` opened a database"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn times_without_an_offset_are_refused_with_exit_code_2() {
    let dir = temp_dir();
    for (args, named, says) in [
        (
            vec!["--aware-at", "2026-05-04T10:00:00"],
            "--aware-at",
            "no UTC offset",
        ),
        (
            vec!["--aware-at", "last tuesday"],
            "--aware-at",
            "not an RFC 3339 time",
        ),
        (
            vec![
                "--aware-at",
                "2026-05-04T10:00:00+02:00",
                "--notified-at",
                "2026-05-05 09:00",
            ],
            "--notified-at",
            "no UTC offset",
        ),
        (
            vec![
                "--aware-at",
                "2026-05-04T10:00:00+02:00",
                "--notified-at",
                "2026-05-04T09:00:00+02:00",
            ],
            "--notified-at",
            "before --aware-at",
        ),
        (
            vec![
                "--aware-at",
                "2026-05-04T10:00:00+02:00",
                "--time-zone",
                "Europe/Lutetia",
            ],
            "--time-zone",
            "IANA",
        ),
        (
            vec![
                "--aware-at",
                "2026-05-04T10:00:00+02:00",
                "--obligation",
                "nis3",
            ],
            "--obligation",
            "nis2-art23",
        ),
    ] {
        let mut args = args;
        args.push("--json");
        let out = deadlines(&args, &dir);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(named) && err.contains(says), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} printed a result");
    }
    // A missing --aware-at is a usage error too.
    let out = deadlines(&["--json"], &dir);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--aware-at"));
    let help = deadlines(&["--help"], &dir);
    assert!(help.status.success());
    assert!(text(&help.stdout).contains("Example"));
    assert!(!dir.join("hygeia.db").exists() && !dir.join("data").exists());
    let _ = std::fs::remove_dir_all(dir);
}
