//! Serving, accounts and tokens, the audit trail against tampering, migrations, backups and logs.

use super::*;

#[tokio::test]
async fn demo_serves_ready_with_printed_credentials_and_stops_gracefully() {
    for (_db, url) in databases().await {
        let server = Server::start(&url, &["--demo"]);
        let log = server.stderr.join("");
        assert!(
            !log.contains("password: "),
            "the demo password reached the log: {log}"
        );
        let password = demo_password(&log).unwrap_or_else(|| panic!("no credentials file: {log}"));
        let (status, _, _) = server.request("GET", "/readyz", &[], "");
        assert_eq!(status, 200, "{log}");
        // Administrators set up a second factor at their first sign-in (the default policy).
        let cookie = sign_in_enrolling(&server, "admin@hygee-demo.example", &password);
        let (status, _, entities) =
            server.request("GET", "/api/v1/entities", &[("Cookie", &cookie)], "");
        assert_eq!(status, 200);
        assert!(
            entities.contains("Laboratoires Hygée SAS") && entities.contains("\"total\":4"),
            "{entities}"
        );
        let (status, _, page) = server.request("GET", "/", &[("Cookie", &cookie)], "");
        assert_eq!(status, 200);
        assert!(page.contains("Hygée Recherche Clinique SAS"));
        let exit = server.stop();
        assert!(exit.success(), "graceful shutdown failed: {exit:?}");

        // A second start keeps the data and prints no new credentials.
        let again = Server::start(&url, &["--demo"]);
        assert!(!again.stderr.join("").contains("the password is in"));
        assert!(again.stop().success());
    }
}

#[tokio::test]
async fn users_and_tokens_from_the_cli_work_against_the_api() {
    for (_db, url) in databases().await {
        let out = hygeia(&["migrate"], &url);
        assert!(out.status.success(), "{}", text(&out.stderr));
        // Without an organisation the CLI explains what to do.
        let mut child = Command::new(BIN)
            .args([
                "user",
                "create",
                "--email",
                "ciso@example.org",
                "--role",
                "administrator",
                "--password-stdin",
            ])
            .env("HYGEIA_DB", &url)
            .env("HYGEIA_DATA_DIR", data_dir_for(&url))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"a long enough passphrase\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains("no organisation"),
            "{}",
            text(&out.stderr)
        );

        let server = Server::start(&url, &["--organisation", "Clinique du Parc"]);
        let mut child = Command::new(BIN)
            .args([
                "user",
                "create",
                "--email",
                "ciso@example.org",
                "--role",
                "administrator",
                "--password-stdin",
            ])
            .env("HYGEIA_DB", &url)
            .env("HYGEIA_DATA_DIR", data_dir_for(&url))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"a long enough passphrase\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));

        let out = hygeia(
            &[
                "token",
                "create",
                "--email",
                "ciso@example.org",
                "--name",
                "automation",
                "--expires-in",
                "7",
            ],
            &url,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let token = text(&out.stdout).trim().to_owned();
        assert!(token.starts_with("hyg_"));
        let bearer = format!("Bearer {token}");
        let (status, _, me) =
            server.request("GET", "/api/v1/me", &[("Authorization", &bearer)], "");
        assert_eq!(status, 200);
        assert!(me.contains("ciso@example.org"));
        let (status, _, org) = server.request(
            "GET",
            "/api/v1/organisation",
            &[("Authorization", &bearer)],
            "",
        );
        assert_eq!(status, 200);
        assert!(org.contains("Clinique du Parc"));
        let (status, _, _) = server.request(
            "GET",
            "/api/v1/me",
            &[("Authorization", "Bearer hyg_forged")],
            "",
        );
        assert_eq!(status, 401);
        assert!(server.stop().success());
    }
}

#[tokio::test]
async fn audit_verify_catches_tampering_done_with_the_database_tools() {
    let have = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    for (db, url) in databases().await {
        create_entities(&url);
        let out = hygeia(&["audit", "verify"], &url);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
        assert!(text(&out.stdout).starts_with("OK"));

        let statements = match &db.url {
            hygeia_store::DatabaseUrl::Sqlite(_) => {
                "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET after_json = replace(after_json, '1350', '9999') WHERE action = 'entity.create';"
            }
            hygeia_store::DatabaseUrl::Postgres(_) => {
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update; UPDATE audit_log SET after_json = replace(after_json, '1350', '9999') WHERE action = 'entity.create';"
            }
        };
        let tool = match &db.url {
            hygeia_store::DatabaseUrl::Sqlite(path) => {
                if !have("sqlite3") {
                    eprintln!("skipping the sqlite half: the sqlite3 tool is not installed");
                    continue;
                }
                Command::new("sqlite3")
                    .arg(path)
                    .arg(statements)
                    .output()
                    .unwrap()
            }
            hygeia_store::DatabaseUrl::Postgres(url) => {
                if !have("psql") {
                    eprintln!("skipping the PostgreSQL half: psql is not installed");
                    continue;
                }
                Command::new("psql")
                    .arg(url)
                    .args(["-v", "ON_ERROR_STOP=1", "-c", statements])
                    .output()
                    .unwrap()
            }
        };
        assert!(tool.status.success(), "{}", text(&tool.stderr));
        let out = hygeia(&["audit", "verify"], &url);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
        let report = text(&out.stdout);
        assert!(
            report.starts_with("TAMPERED") && report.contains("altered"),
            "{report}"
        );
    }
}

#[test]
fn a_failed_migration_stops_start_up() {
    let dir = temp_dir();
    // An object in the way of the first migration makes it fail half-way.
    let conflict = dir.join("conflict.db");
    write_conflicting_schema(&conflict);
    let server = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("HYGEIA_DB", format!("sqlite://{}", conflict.display()))
        .output()
        .unwrap();
    assert_eq!(server.status.code(), Some(1));
    let err = text(&server.stderr);
    assert!(
        err.contains("refusing to start") && err.contains("migrat"),
        "{err}"
    );
    assert!(!err.contains("listening"));
    let _ = std::fs::remove_dir_all(dir);
}

fn write_conflicting_schema(path: &Path) {
    let ok = Command::new("sqlite3")
        .arg(path)
        .arg("CREATE TABLE audit_head (unrelated TEXT);")
        .status();
    if !ok.is_ok_and(|s| s.success()) {
        // Without the sqlite3 tool, make the same conflict through the store's driver.
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            use sqlx::{Connection, Executor};
            let mut conn =
                sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display()))
                    .await
                    .unwrap();
            conn.execute("CREATE TABLE audit_head (unrelated TEXT)")
                .await
                .unwrap();
        });
    }
}

#[test]
fn backup_and_restore_round_trip_through_the_cli() {
    let dir = temp_dir();
    let db = dir.join("live.db");
    let url = format!("sqlite://{}", db.display());
    create_entities(&url);
    let backup = dir.join("backup.db");
    let out = hygeia(&["backup", "--to", &backup.display().to_string()], &url);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = hygeia(&["backup", "--to", &backup.display().to_string()], &url);
    assert!(!out.status.success(), "a second backup overwrote the first");

    // Lose data after the backup: a new user.
    let mut child = Command::new(BIN)
        .args([
            "user",
            "create",
            "--email",
            "late@example.org",
            "--role",
            "auditor",
            "--password-stdin",
        ])
        .env("HYGEIA_DB", &url)
        .env("HYGEIA_DATA_DIR", data_dir_for(&url))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"another long passphrase")
        .unwrap();
    assert!(child.wait().unwrap().success());

    let out = hygeia(&["restore", "--from", &backup.display().to_string()], &url);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = hygeia(
        &[
            "token",
            "create",
            "--email",
            "late@example.org",
            "--name",
            "x",
        ],
        &url,
    );
    assert!(
        !out.status.success(),
        "the user created after the backup survived the restore"
    );
    let out = hygeia(
        &[
            "token",
            "create",
            "--email",
            "admin@hygee-demo.example",
            "--name",
            "x",
        ],
        &url,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = hygeia(&["audit", "verify"], &url);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn logs_carry_request_ids_and_never_secrets() {
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("h.db").display());
    let log_path = dir.join("server.log");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(BIN)
        .args([
            "serve",
            "--demo",
            "--insecure-cookies",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env("HYGEIA_DB", &url)
        .env("HYGEIA_DATA_DIR", data_dir_for(&url))
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        port,
        stderr: Vec::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&log_path)
        .unwrap_or_default()
        .contains("is listening")
    {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let secret_token = "hyg_this-is-a-secret-token-value";
    let password = "a-secret-password-value";
    http_request(
        port,
        "GET",
        "/api/v1/me",
        &[("Authorization", &format!("Bearer {secret_token}"))],
        "",
    );
    let body = format!("{{\"email\":\"admin@hygee-demo.example\",\"password\":\"{password}\"}}");
    http_request(
        port,
        "POST",
        "/api/v1/auth/login",
        &[("Content-Type", "application/json")],
        &body,
    );
    assert!(server.stop().success());
    let log = std::fs::read_to_string(&log_path).unwrap();
    let printed_password = demo_password(&log).unwrap();
    let log_body = log;
    assert!(
        log_body.contains("request_id=") && log_body.contains("status=401"),
        "{log_body}"
    );
    for secret in [secret_token, password, printed_password.as_str()] {
        assert!(!log_body.contains(secret), "a secret reached the log");
    }
    assert!(!log_body.contains('\u{1b}'), "colour codes in a log file");
    let _ = std::fs::remove_dir_all(dir);
}
