//! The `hygeia` binary end to end: configuration errors, start-up, the administration
//! commands, audit verification against tampering with the database's own tools, backups.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_hygeia");

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hygeia-cli-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn hygeia(args: &[&str], db: &str) -> Output {
    Command::new(BIN)
        .args(args)
        .env("HYGEIA_DB", db)
        .env_remove("HYGEIA_CONFIG")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Databases to run on: an SQLite file, and a fresh PostgreSQL database when configured.
async fn databases() -> Vec<(hygeia_store::testing::TestDb, String)> {
    hygeia_store::testing::all()
        .await
        .into_iter()
        .map(|db| {
            let url = match &db.url {
                hygeia_store::DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
                hygeia_store::DatabaseUrl::Postgres(url) => url.clone(),
            };
            (db, url)
        })
        .collect()
}

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

/// A running `hygeia serve`, stopped (SIGTERM) when dropped.
struct Server {
    child: Child,
    port: u16,
    stderr: Vec<String>,
}

impl Drop for Server {
    /// A failed assertion must not leave a server running (it would hold the build lock).
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Server {
    fn start(db: &str, extra: &[&str]) -> Server {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let listen = format!("127.0.0.1:{port}");
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", &listen, "--insecure-cookies"])
            .args(extra)
            .env("HYGEIA_DB", db)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut lines = Vec::new();
        let mut reader = BufReader::new(stderr);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || Instant::now() > deadline {
                break;
            }
            let ready = line.contains("is listening on");
            lines.push(line);
            if ready {
                break;
            }
        }
        std::thread::spawn(move || {
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
        });
        Server {
            child,
            port,
            stderr: lines,
        }
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> (u16, String, String) {
        http_request(self.port, method, path, headers, body)
    }

    fn stop(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().unwrap()
    }
}

/// A plain HTTP/1.1 request to 127.0.0.1:PORT: status, head and body.
fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, head.to_owned(), body.to_owned())
}

#[tokio::test]
async fn demo_serves_ready_with_printed_credentials_and_stops_gracefully() {
    for (_db, url) in databases().await {
        let server = Server::start(&url, &["--demo"]);
        let log = server.stderr.join("");
        let password = log
            .lines()
            .find_map(|l| l.trim().strip_prefix("password: "))
            .unwrap_or_else(|| panic!("no credentials printed: {log}"))
            .to_owned();
        let (status, _, _) = server.request("GET", "/readyz", &[], "");
        assert_eq!(status, 200, "{log}");
        let body =
            format!("{{\"email\":\"admin@hygee-demo.example\",\"password\":\"{password}\"}}");
        let (status, head, _) = server.request(
            "POST",
            "/api/v1/auth/login",
            &[("Content-Type", "application/json")],
            &body,
        );
        assert_eq!(status, 200);
        let cookie = head
            .lines()
            .find_map(|l| l.strip_prefix("set-cookie: "))
            .and_then(|c| c.split(';').next())
            .unwrap()
            .to_owned();
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
        assert!(!again.stderr.join("").contains("password:"));
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

fn create_entities(url: &str) {
    let server = Server::start(url, &["--demo"]);
    assert!(server.stop().success());
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

const ACME: &str = "framework:\n  id: acme-policy\n  name: {en: \"ACME policy\", fr: \"Politique ACME\"}\n  kind: other\nrequirements:\n  - id: \"p1\"\n    assessable: true\n    title: {en: \"Board approval\", fr: \"Approbation du conseil\"}\n";

#[test]
fn catalog_files_are_validated_imported_and_exported() {
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("h.db").display());
    let good = dir.join("acme.yaml");
    std::fs::write(&good, ACME).unwrap();
    let bad = dir.join("broken.yaml");
    std::fs::write(
        &bad,
        ACME.replace("fr: \"Approbation du conseil\"", "fr: \"\""),
    )
    .unwrap();

    let out = hygeia(&["catalog", "validate", &bad.display().to_string()], &url);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("broken.yaml") && err.contains("p1") && err.contains("title.fr"),
        "{err}"
    );
    let out = hygeia(&["catalog", "import", &bad.display().to_string()], &url);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("nothing was imported"));

    let out = hygeia(&["catalog", "import", &good.display().to_string()], &url);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = hygeia(&["catalog", "list"], &url);
    let listing = text(&out.stdout);
    assert!(
        listing.contains("acme-policy") && listing.contains("nis2-2024-2690"),
        "{listing}"
    );
    assert!(
        listing.contains("ENISA"),
        "crosswalk credits missing: {listing}"
    );

    let exported = dir.join("iso.oscal.json");
    let out = hygeia(
        &[
            "catalog",
            "export",
            "iso27001-2022",
            "--to",
            &exported.display().to_string(),
        ],
        &url,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&exported).unwrap()).unwrap();
    assert!(json["catalog"]["metadata"]["title"].is_string());
    // Re-importing the same framework id is refused: ids are unique.
    let out = hygeia(
        &["catalog", "validate", &exported.display().to_string()],
        &url,
    );
    assert_eq!(out.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(dir);
}

fn shared_capture(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/pcaps")
        .join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("skipping: {} is absent", path.display());
        None
    }
}

#[test]
fn monitor_analyze_reports_identities_from_a_real_capture() {
    let Some(capture) = shared_capture("ot/enip/iti-enip_test.pcap") else {
        return;
    };
    let capture = capture.display().to_string();
    let out = Command::new(BIN)
        .args(["monitor", "analyze", &capture])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(summary.contains("1756-ENBT/A"), "{summary}");
    let out = Command::new(BIN)
        .args(["monitor", "analyze", &capture, "--json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in ["assets", "flows", "findings", "stats"] {
        assert!(!report[field].is_null(), "missing {field}");
    }
    assert!(report["stats"]["packets"].as_u64().unwrap() > 0);
    let out = Command::new(BIN)
        .args(["monitor", "analyze", "/nonexistent.pcap"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("/nonexistent.pcap"));
    let out = Command::new(BIN)
        .args([
            "monitor",
            "analyze",
            &capture,
            "--zones",
            "/nonexistent.toml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn a_sensor_streams_a_capture_to_the_hub_inventory() {
    let Some(capture) = shared_capture("ot/modbus/zeek-modbus-eit.pcap") else {
        return;
    };
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("hub.db").display());
    let server = Server::start(&url, &["--demo"]);
    let out = hygeia(
        &[
            "token",
            "create",
            "--email",
            "admin@hygee-demo.example",
            "--name",
            "sensor",
        ],
        &url,
    );
    let token = text(&out.stdout).trim().to_owned();
    let bearer = format!("Bearer {token}");
    let (_, _, entities) = server.request(
        "GET",
        "/api/v1/entities?q=Laboratoires",
        &[("Authorization", &bearer)],
        "",
    );
    let entities: serde_json::Value = serde_json::from_str(&entities).unwrap();
    let entity = entities["items"][0]["id"].as_str().unwrap().to_owned();

    // The hub holds the entity's zone policy and the sensor fetches it: an office zone and a
    // PLC zone with no conduit between them, so the capture's Modbus traffic is a violation.
    let policy = "[[zone]]\nname = \"office\"\ncidrs = [\"192.168.2.0/24\"]\npurdue_level = 4\n\n\
                  [[zone]]\nname = \"plc\"\ncidrs = [\"192.168.88.0/24\"]\npurdue_level = 1\n";
    let zones = serde_json::json!({ "policy": policy });
    let (status, _, answer) = server.request(
        "PUT",
        &format!("/api/v1/entities/{entity}/zones"),
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/json"),
        ],
        &zones.to_string(),
    );
    assert_eq!(status, 200, "{answer}");

    // A live stream on standard input, as from `tcpdump -w -`.
    let mut sensor = Command::new(BIN)
        .args([
            "sensor",
            "--capture",
            "-",
            "--hub",
            &format!("http://127.0.0.1:{}", server.port),
            "--entity",
            &entity,
            "--interval",
            "1",
            "--name",
            "line-1",
        ])
        .env("HYGEIA_TOKEN", &token)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bytes = std::fs::read(&capture).unwrap();
    sensor.stdin.take().unwrap().write_all(&bytes).unwrap();
    let out = sensor.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("pushed batch"),
        "{}",
        text(&out.stderr)
    );

    let (status, _, assets) = server.request(
        "GET",
        &format!("/api/v1/assets?entity_id={entity}&protocol=modbus"),
        &[("Authorization", &bearer)],
        "",
    );
    assert_eq!(status, 200);
    let assets: serde_json::Value = serde_json::from_str(&assets).unwrap();
    assert!(assets["total"].as_u64().unwrap() >= 2, "{assets}");
    // The demo's own inventory is there too: look for what this sensor contributed.
    let from_sensor = assets["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["sensors"].to_string().contains("line-1"))
        .count();
    assert!(from_sensor >= 2, "{assets}");
    let (_, _, events) = server.request(
        "GET",
        "/api/v1/monitor/events?kind=new_asset",
        &[("Authorization", &bearer)],
        "",
    );
    assert!(events.contains("new asset"), "{events}");
    let (_, _, flows) = server.request("GET", "/api/v1/flows", &[("Authorization", &bearer)], "");
    assert!(flows.contains("modbus"), "{flows}");
    let (_, _, findings) = server.request(
        "GET",
        "/api/v1/monitor/findings",
        &[("Authorization", &bearer)],
        "",
    );
    let findings: serde_json::Value = serde_json::from_str(&findings).unwrap();
    assert!(
        findings["total"].as_u64().unwrap() >= 1,
        "the hub's zone policy was not applied: {findings}"
    );
    assert_eq!(findings["items"][0]["kind"], "conduit_violation");
    assert!(
        findings["items"][0]["references"]
            .to_string()
            .contains("A.8.22")
    );

    // A wrong token is refused by the hub, and the sensor says so.
    let mut bad = Command::new(BIN)
        .args([
            "sensor",
            "--capture",
            &capture.display().to_string(),
            "--hub",
            &format!("http://127.0.0.1:{}", server.port),
            "--entity",
            &entity,
            "--token",
            "hyg_wrong",
        ])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = bad.wait().unwrap();
    let mut err = String::new();
    bad.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(!status.success());
    assert!(err.contains("401"), "{err}");
    let out = Command::new(BIN)
        .args([
            "sensor",
            "--capture",
            "-",
            "--hub",
            "https://hub",
            "--entity",
            "x",
            "--token",
            "t",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(server.stop().success());
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
    let printed_password = log
        .lines()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .unwrap()
        .to_owned();
    let log_lines: Vec<&str> = log.lines().filter(|l| !l.contains("password: ")).collect();
    let log_body = log_lines.join("\n");
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
