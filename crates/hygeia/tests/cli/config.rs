//! Configuration errors, help texts and the NIS2 classification command.

use super::*;

#[test]
fn invalid_configuration_is_named_with_exit_code_2_and_nothing_is_written() {
    let dir = temp_dir();
    let data = dir.join("data");
    let data_arg = data.display().to_string();
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .env_remove("HYGEIA_DB")
            .output()
            .unwrap()
    };

    let out = run(&["serve", "--data-dir", &data_arg, "--listen", "localhost"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("setting 'listen"),
        "{}",
        text(&out.stderr)
    );

    let out = run(&["migrate", "--db", "mysql://db/hygeia"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unsupported scheme 'mysql'"));

    let config = dir.join("hygeia.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:9\"\ncolour = \"blue\"\n").unwrap();
    let out = run(&[
        "serve",
        "--data-dir",
        &data_arg,
        "--config",
        &config.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("hygeia.toml") && err.contains("colour"),
        "{err}"
    );

    let out = run(&[
        "serve",
        "--data-dir",
        &data_arg,
        "--log-format",
        "xml",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("log_format"));

    let out = run(&[
        "user",
        "create",
        "--email",
        "a@example.org",
        "--role",
        "root",
        "--data-dir",
        &data_arg,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown role 'root'"));

    assert!(
        !data.exists(),
        "a refused configuration still created {}",
        data.display()
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn nis2_classify_explains_and_rejects_bad_figures() {
    let out = Command::new(BIN)
        .args([
            "nis2",
            "classify",
            "--sector-entity",
            "Basic pharmaceutical manufacturing",
            "--employees",
            "120",
            "--turnover-eur",
            "30000000",
            "--balance-sheet-eur",
            "20000000",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["classification"], "important",
        "a medium Annex I entity is important"
    );
    assert!(json["steps"].as_array().is_some_and(|s| s.len() >= 3));

    let out = Command::new(BIN)
        .args([
            "nis2",
            "classify",
            "--sector-entity",
            "hospital",
            "--employees",
            "-4",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--employees") && text(&out.stderr).contains("negative"));
    let out = Command::new(BIN)
        .args([
            "nis2",
            "classify",
            "--sector-entity",
            "bakery",
            "--employees",
            "4",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown NIS2 entity type"));
    let help = Command::new(BIN)
        .args(["nis2", "classify", "--help"])
        .output()
        .unwrap();
    assert!(text(&help.stdout).contains("basic_pharmaceutical_manufacturing"));
}

#[test]
fn every_subcommand_has_help_with_examples() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["user", "create", "--help"],
        vec!["token", "create", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["backup", "--help"],
        vec!["restore", "--help"],
        vec!["nis2", "classify", "--help"],
    ] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            text(&out.stdout).contains("Example"),
            "{args:?} has no example"
        );
    }
}
