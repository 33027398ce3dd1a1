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

/// A classic pcap (Ethernet, microseconds) of `frames`.
fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut v = 0xa1b2_c3d4u32.to_le_bytes().to_vec();
    v.extend_from_slice(&[
        2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
    ]);
    for (i, f) in frames.iter().enumerate() {
        v.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        v.extend_from_slice(&(i as u32).to_le_bytes());
        v.extend_from_slice(&(f.len() as u32).to_le_bytes());
        v.extend_from_slice(&(f.len() as u32).to_le_bytes());
        v.extend_from_slice(f);
    }
    v
}

/// An Ethernet frame from a Siemens station `last` (OUI 00:0e:8c).
fn frame(last: u8, dst: [u8; 6], ethertype_or_length: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = dst.to_vec();
    f.extend_from_slice(&[0x00, 0x0e, 0x8c, 0, 0, last]);
    f.extend_from_slice(&ethertype_or_length.to_be_bytes());
    f.extend_from_slice(payload);
    f.resize(f.len().max(60), 0);
    f
}

/// An LLDP frame announcing `name` as the system name.
fn lldp(last: u8, name: &str) -> Vec<u8> {
    let mut tlvs = vec![0x02, 0x07, 0x04, 0x00, 0x0e, 0x8c, 0, 0, last];
    tlvs.extend_from_slice(&[0x04, 0x02, 0x07, b'1', 0x06, 0x02, 0x00, 0x78]);
    tlvs.extend_from_slice(&[0x0a, name.len() as u8]);
    tlvs.extend_from_slice(name.as_bytes());
    tlvs.extend_from_slice(&[0, 0]);
    frame(last, [0x01, 0x80, 0xc2, 0, 0, 0x0e], 0x88cc, &tlvs)
}

/// The column (in characters) where `needle` starts in `line`.
fn column(line: &str, needle: &str) -> Option<usize> {
    line.find(needle).map(|at| line[..at].chars().count())
}

#[test]
fn monitor_analyze_warns_without_zones_aligns_tables_and_names_ethertypes() {
    let dir = temp_dir();
    let capture = dir.join("ring.pcap");
    let bpdu = [
        0x42, 0x42, 0x03, 0, 0, 2, 0x02, 0x3c, 0x80, 0, 0, 0x0e, 0x8c, 0, 0, 1,
    ];
    std::fs::write(
        &capture,
        pcap(&[
            lldp(1, "Préparation stérile — anneau"),
            lldp(2, "core-sw"),
            frame(1, [0x01, 0x15, 0x4e, 0, 0, 1], 0x88e3, &[0, 1, 2, 3]),
            frame(1, [0x01, 0x15, 0x4e, 0, 0, 1], 0x88e3, &[0, 1, 2, 3]),
            frame(2, [0x01, 0x80, 0xc2, 0, 0, 0], bpdu.len() as u16, &bpdu),
            frame(3, [0x01, 0x0c, 0xcd, 1, 0, 1], 0x88b8, &[0, 1, 0, 8]),
        ]),
    )
    .unwrap();
    let capture = capture.display().to_string();
    let out = Command::new(BIN)
        .args(["monitor", "analyze", &capture])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(
        stderr.contains("warning: no zone policy was applied") && stderr.contains("--zones FILE"),
        "{stderr}"
    );
    assert!(stdout.contains("Findings: not checked"), "{stdout}");
    // Numbered protocols carry their name; spanning tree is recognised, its sender a bridge.
    for label in ["MRP (ether/0x88e3)", "GOOSE (ether/0x88b8)", "stp"] {
        assert!(stdout.contains(label), "{label}: {stdout}");
    }
    assert!(stdout.contains("network_device"), "{stdout}");
    // Every column starts at the same place on every line, accented names included.
    let assets: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("Assets"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    let vendor = column(assets[0], "vendor").unwrap();
    let named: Vec<&&str> = assets.iter().filter(|l| l.contains("Siemens")).collect();
    assert!(named.len() >= 3, "{stdout}");
    assert!(
        named.iter().all(|l| column(l, "Siemens") == Some(vendor)),
        "{stdout}"
    );
    assert!(stdout.contains("Préparation stérile — anneau"), "{stdout}");
    // Numbers are right-aligned: they end where their header ends.
    let flows: Vec<&str> = stdout
        .lines()
        .skip_while(|l| !l.starts_with("Flows"))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    let end = column(flows[0], "packets").unwrap() + "packets".len();
    let mrp = flows.iter().find(|l| l.contains("MRP")).unwrap();
    assert_eq!(mrp.chars().nth(end - 1), Some('2'), "{stdout}");
    assert_eq!(mrp.chars().nth(end), Some(' '), "{stdout}");

    // The JSON report carries the warning too (and standard error still says it).
    let out = Command::new(BIN)
        .args(["monitor", "analyze", &capture, "--json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["warnings"][0]["code"], "no_zone_policy");
    assert!(report["zone_policy"].is_null());
    assert!(text(&out.stderr).contains("--zones FILE"));
    let mrp = report["flows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["protocol"] == "ether/0x88e3")
        .unwrap();
    assert_eq!(mrp["protocol_name"], "MRP");

    // With a policy: no warning, and the findings in a table.
    let zones = dir.join("zones.toml");
    std::fs::write(
        &zones,
        "[[zone]]\nname = \"ring\"\nvlans = [1]\npurdue_level = 1\n",
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["monitor", "analyze", &capture, "--zones"])
        .arg(&zones)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("warning"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("Findings (0):"),
        "{}",
        text(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(dir);
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
