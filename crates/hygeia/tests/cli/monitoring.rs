//! Captures analysed from the command line and a sensor streaming to the hub.

use super::*;

pub(super) fn shared_capture(relative: &str) -> Option<PathBuf> {
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

    // The sensor holds a token that can only push this entity's observations (and read the
    // policy they are checked against).
    let out = hygeia(
        &[
            "token",
            "create",
            "--email",
            "admin@hygee-demo.example",
            "--name",
            "line-1 sensor",
            "--scope",
            "ingest",
            "--entity",
            &entity,
        ],
        &url,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_owned();
    let ingest_bearer = format!("Bearer {token}");
    let (status, _, _) = server.request(
        "GET",
        "/api/v1/entities",
        &[("Authorization", &ingest_bearer)],
        "",
    );
    assert_eq!(status, 403, "an ingest token read the entities");
    let out = hygeia(
        &[
            "token",
            "create",
            "--email",
            "admin@hygee-demo.example",
            "--name",
            "x",
            "--scope",
            "ingest",
        ],
        &url,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an ingest token without its entity"
    );

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
            "ftp://hub",
            "--entity",
            "x",
            "--token",
            "t",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("ftp"), "{}", text(&out.stderr));
    assert!(server.stop().success());
    let _ = std::fs::remove_dir_all(dir);
}
