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

    // A French entity is told, with a date, that the French transposition is not final.
    let out = Command::new(BIN)
        .args([
            "nis2",
            "classify",
            "--sector-entity",
            "hospital",
            "--employees",
            "900",
            "--country",
            "FR",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("Transposition in FR, as of 2026-") && said.contains("not finished"),
        "{said}"
    );

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
fn nis2_classify_counts_the_group_and_the_profile_flags() {
    let classify = |extra: &[&str]| {
        let mut args = vec![
            "nis2",
            "classify",
            "--sector-entity",
            "API manufacturing",
            "--employees",
            "180",
            "--turnover-eur",
            "30000000",
            "--balance-sheet-eur",
            "20000000",
            "--json",
        ];
        args.extend_from_slice(extra);
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let codes = |json: &serde_json::Value| -> Vec<String> {
        json["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["code"].as_str().unwrap().to_owned())
            .collect()
    };
    // "API manufacturing" is NACE 21.10, Annex I: medium on its own figures, important.
    let own = classify(&["--has-parent"]);
    assert_eq!(own["entity_type"], "basic_pharmaceutical_manufacturing");
    assert_eq!(own["classification"], "important");
    assert!(codes(&own).contains(&"group_figures_missing".to_owned()));
    // With the linked parent counted in full: large, essential; fine on the group turnover.
    let group = classify(&[
        "--linked",
        "Groupe SA:60:1350:400000000",
        "--group-turnover-eur",
        "2500000000",
        "--country",
        "fr",
    ]);
    assert_eq!(group["classification"], "essential");
    assert_eq!(group["size_figures"]["employees"], 1530);
    assert_eq!(group["max_fine_eur"], 50_000_000);
    assert_eq!(
        group["competent_authority"]["registration_channel"],
        "MonEspaceNIS2"
    );
    // Independent network and information systems: own figures again.
    let independent = classify(&[
        "--linked",
        "Groupe SA:60:1350:400000000",
        "--independent-systems",
        "Own network and identity provider",
    ]);
    assert_eq!(independent["classification"], "important");
    // A partner counted pro rata; designation, CER and NIS1 flags.
    let partner = classify(&["--partner", "Partenaire:25:280:8000000:4000000"]);
    assert_eq!(partner["size_figures"]["employees"], 250);
    let small = |flag: &str| {
        let out = Command::new(BIN)
            .args([
                "nis2",
                "classify",
                "--sector-entity",
                "hospital",
                "--employees",
                "20",
                "--json",
                flag,
            ])
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["classification"].clone()
    };
    assert_eq!(small("--designated"), "essential");
    assert_eq!(small("--cer-critical-entity"), "essential");
    assert_eq!(small("--nis1-operator"), "essential");
    // Several activities: the most demanding one wins, with the overlap warning.
    let both = classify(&["--other-activity", "ivd"]);
    assert!(codes(&both).contains(&"activity_on_both_annexes".to_owned()));
    // A malformed link is refused with the option named.
    let out = Command::new(BIN)
        .args([
            "nis2",
            "classify",
            "--sector-entity",
            "hospital",
            "--employees",
            "20",
            "--partner",
            "P:70:10",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--partner"),
        "{}",
        text(&out.stderr)
    );
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
        vec!["incident", "deadlines", "--help"],
    ] {
        let out = Command::new(BIN).args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        assert!(
            text(&out.stdout).contains("Example"),
            "{args:?} has no example"
        );
    }
}
