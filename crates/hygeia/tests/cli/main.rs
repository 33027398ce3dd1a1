//! The `hygeia` binary end to end: configuration errors, start-up, the administration
//! commands, audit verification against tampering with the database's own tools, backups,
//! catalogs and monitoring. One test binary; the shared fixtures (a `hygeia` run, a running
//! server, a plain HTTP client) live here, the cases in the modules below.

mod advisories;
mod audit;
mod catalog;
mod checks;
mod config;
mod contract;
mod incident;
mod limits;
mod monitoring;
mod platform;
mod report;
mod sensor_tls;

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

/// The data folder of one test database (its instance key and audit anchor live there for
/// PostgreSQL; SQLite keeps them beside the database file), the same for every run on it.
fn data_dir_for(db: &str) -> PathBuf {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    db.hash(&mut hasher);
    let dir = std::env::temp_dir().join(format!("hygeia-cli-data-{:016x}", hasher.finish()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn hygeia(args: &[&str], db: &str) -> Output {
    Command::new(BIN)
        .args(args)
        .env("HYGEIA_DB", db)
        .env("HYGEIA_DATA_DIR", data_dir_for(db))
        .env_remove("HYGEIA_CONFIG")
        .env_remove("HYGEIA_SECRET_KEY_FILE")
        .output()
        .unwrap()
}

/// The demo administrator's password, from the private file the server named in its log (a
/// server whose output is not a terminal never prints it).
fn demo_password(log: &str) -> Option<String> {
    let path = log
        .lines()
        .find_map(|l| l.split("the password is in ").nth(1))?
        .trim();
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("password: "))
        .map(|p| p.trim().to_owned())
}

/// The first cookie named `name` set by a response head.
fn set_cookie(head: &str, name: &str) -> Option<String> {
    head.lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .filter_map(|c| c.split(';').next())
        .find(|c| c.starts_with(&format!("{name}=")) && c.len() > name.len() + 1)
        .map(str::to_owned)
}

/// Signs an administrator in for the first time: password, then the authenticator app set up
/// with a code computed as an app would. Returns the session cookie.
fn sign_in_enrolling(server: &Server, email: &str, password: &str) -> String {
    let body = format!("{{\"email\":\"{email}\",\"password\":\"{password}\"}}");
    let json = [("Content-Type", "application/json")];
    let (status, head, answer) = server.request("POST", "/api/v1/auth/login", &json, &body);
    assert_eq!(status, 202, "{answer}");
    assert!(answer.contains("\"enrol\""), "{answer}");
    assert!(
        set_cookie(&head, "hygeia_session").is_none(),
        "a session before the second factor"
    );
    let pending = set_cookie(&head, "hygeia_pending").unwrap();
    let with_pending = [
        ("Cookie", pending.as_str()),
        ("Content-Type", "application/json"),
    ];
    let (status, _, enrolment) = server.request(
        "POST",
        "/api/v1/auth/second-factor/enrol",
        &with_pending,
        "{}",
    );
    assert_eq!(status, 200, "{enrolment}");
    let enrolment: serde_json::Value = serde_json::from_str(&enrolment).unwrap();
    let secret = hygeia_domain::mfa::base32_decode(enrolment["secret"].as_str().unwrap()).unwrap();
    let now = chrono::Utc::now();
    let code = hygeia_domain::mfa::hotp(
        &secret,
        u64::try_from(hygeia_domain::mfa::step_at(now)).unwrap(),
    );
    let (status, head, answer) = server.request(
        "POST",
        "/api/v1/auth/second-factor",
        &with_pending,
        &format!("{{\"code\":\"{code}\"}}"),
    );
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("recovery_codes"), "{answer}");
    set_cookie(&head, "hygeia_session").unwrap()
}

/// Fills a database with the demo (entities, users, assessments), through a server run.
fn create_entities(url: &str) {
    let server = Server::start(url, &["--demo"]);
    assert!(server.stop().success());
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
            .env("HYGEIA_DATA_DIR", data_dir_for(db))
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
    try_http_request(port, method, path, headers, body).unwrap()
}

/// As [`http_request`], with the connection's failure as an error (a server being killed).
fn try_http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> std::io::Result<(u16, String, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok((status, head.to_owned(), body.to_owned()))
}
