//! A sensor pushing to an `https://` hub: trusted through a CA file, or a pinned certificate;
//! refused with another pin. The hub sits behind a TLS-terminating proxy written here (as in
//! production, where a reverse proxy terminates TLS), with a certificate made by `openssl`.

use std::net::TcpListener;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::*;

/// A test authority and a hub certificate for 127.0.0.1 that it signs, made by the openssl
/// tool: (authority, hub certificate, hub key).
fn certificates(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let file = |name: &str| dir.join(name);
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    std::fs::write(
        file("hub.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n",
    )
    .ok()?;
    let steps: [Vec<String>; 3] = [
        ["req", "-x509", "-subj", "/CN=Hygeia test CA", "-days", "2"]
            .iter()
            .chain(&ec)
            .map(|s| (*s).to_owned())
            .chain(["-keyout".into(), file("ca.key").display().to_string()])
            .chain(["-out".into(), file("ca.pem").display().to_string()])
            .collect(),
        ["req", "-subj", "/CN=hygeia-hub"]
            .iter()
            .chain(&ec)
            .map(|s| (*s).to_owned())
            .chain(["-keyout".into(), file("hub.key").display().to_string()])
            .chain(["-out".into(), file("hub.csr").display().to_string()])
            .collect(),
        vec![
            "x509".into(),
            "-req".into(),
            "-days".into(),
            "2".into(),
            "-in".into(),
            file("hub.csr").display().to_string(),
            "-CA".into(),
            file("ca.pem").display().to_string(),
            "-CAkey".into(),
            file("ca.key").display().to_string(),
            "-CAcreateserial".into(),
            "-extfile".into(),
            file("hub.ext").display().to_string(),
            "-out".into(),
            file("hub.pem").display().to_string(),
        ],
    ];
    for args in steps {
        let made = Command::new("openssl").args(&args).output().ok()?;
        if !made.status.success() {
            eprintln!("openssl {}: {}", args.join(" "), text(&made.stderr));
            return None;
        }
    }
    Some((file("ca.pem"), file("hub.pem"), file("hub.key")))
}

/// Reads one HTTP request (head and `Content-Length` body) from `stream`.
fn read_request(stream: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Ok(data);
        }
        data.extend_from_slice(&buffer[..n]);
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while data.len() < end + 4 + length {
                let n = stream.read(&mut buffer)?;
                if n == 0 {
                    break;
                }
                data.extend_from_slice(&buffer[..n]);
            }
            return Ok(data);
        }
    }
}

/// Terminates TLS on a free port and forwards each request to the hub on `upstream`.
fn tls_proxy(cert: &Path, key: &Path, upstream: u16) -> u16 {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(key).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let Ok(connection) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let mut tls = rustls::StreamOwned::new(connection, client);
                let Ok(request) = read_request(&mut tls) else {
                    return;
                };
                let Ok(mut hub) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    return;
                };
                let mut answer = Vec::new();
                if hub.write_all(&request).is_ok() && hub.read_to_end(&mut answer).is_ok() {
                    let _ = tls.write_all(&answer);
                    tls.conn.send_close_notify();
                    let _ = tls.flush();
                }
            });
        }
    });
    port
}

/// The SHA-256 of a PEM certificate, as `--pin-sha256` takes it.
fn fingerprint(cert: &Path) -> String {
    use sha2::Digest;
    let der = CertificateDer::from_pem_file(cert).unwrap();
    hex::encode(sha2::Sha256::digest(der.as_ref()))
}

#[test]
fn a_sensor_pushes_to_an_https_hub_it_trusts_and_only_to_it() {
    let Some(capture) = super::monitoring::shared_capture("ot/modbus/zeek-modbus-eit.pcap") else {
        return;
    };
    let dir = temp_dir();
    let Some((authority, cert, key)) = certificates(&dir) else {
        eprintln!("skipping: the openssl tool could not make a test certificate");
        return;
    };
    let url = format!("sqlite://{}", dir.join("hub.db").display());
    let server = Server::start(&url, &["--demo", "--mfa-required-roles", "none"]);
    let admin = hygeia(
        &[
            "token",
            "create",
            "--email",
            "admin@hygee-demo.example",
            "--name",
            "a",
        ],
        &url,
    );
    let bearer = format!("Bearer {}", text(&admin.stdout).trim());
    let (_, _, entities) = server.request(
        "GET",
        "/api/v1/entities?q=Laboratoires",
        &[("Authorization", &bearer)],
        "",
    );
    let entities: serde_json::Value = serde_json::from_str(&entities).unwrap();
    let entity = entities["items"][0]["id"].as_str().unwrap().to_owned();
    let out = hygeia(
        &[
            "token",
            "create",
            "--email",
            "admin@hygee-demo.example",
            "--name",
            "s",
            "--scope",
            "ingest",
            "--entity",
            &entity,
        ],
        &url,
    );
    let token = text(&out.stdout).trim().to_owned();
    let port = tls_proxy(&cert, &key, server.port);
    let hub = format!("https://127.0.0.1:{port}");
    let capture = capture.display().to_string();
    let sensor = |trust: &[&str]| {
        Command::new(BIN)
            .args([
                "sensor",
                "--capture",
                &capture,
                "--hub",
                &hub,
                "--entity",
                &entity,
                "--name",
                "tls-line",
            ])
            .args(trust)
            .env("HYGEIA_TOKEN", &token)
            .output()
            .unwrap()
    };
    let authority = authority.display().to_string();
    let through_ca = sensor(&["--ca-file", &authority]);
    assert!(through_ca.status.success(), "{}", text(&through_ca.stderr));
    assert!(
        text(&through_ca.stderr).contains("pushed batch"),
        "{}",
        text(&through_ca.stderr)
    );
    let pin = fingerprint(&cert);
    let pinned = sensor(&["--pin-sha256", &pin]);
    assert!(pinned.status.success(), "{}", text(&pinned.stderr));
    // Another certificate's pin, or no trust at all for a self-signed hub: refused.
    let other = "00".repeat(32);
    let wrong = sensor(&["--pin-sha256", &other]);
    assert!(!wrong.status.success());
    assert!(
        text(&wrong.stderr).contains("pinned"),
        "{}",
        text(&wrong.stderr)
    );
    let untrusted = sensor(&[]);
    assert!(
        !untrusted.status.success(),
        "a self-signed hub was trusted without a CA or pin"
    );
    let (status, _, assets) = server.request(
        "GET",
        &format!("/api/v1/assets?entity_id={entity}"),
        &[("Authorization", &bearer)],
        "",
    );
    assert_eq!(status, 200);
    assert!(
        assets.contains("\"total\":") && !assets.contains("\"total\":0"),
        "{assets}"
    );
    assert!(server.stop().success());
    let _ = std::fs::remove_dir_all(dir);
}
