//! What a crowd or a slow client can do to a running server: nothing lasting. Password checks
//! are bounded (memory), a request head that never ends is cut off, and the server keeps
//! answering.

use super::*;

/// The peak resident memory of a process, in kB (Linux).
fn peak_rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[test]
fn three_hundred_concurrent_wrong_sign_ins_keep_memory_bounded() {
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("h.db").display());
    let server = Server::start(&url, &["--demo"]);
    let Some(before) = peak_rss_kb(server.child.id()) else {
        eprintln!("skipping: /proc/PID/status is not readable here");
        return;
    };
    let port = server.port;
    let attempts: Vec<_> = (0..300)
        .map(|n| {
            std::thread::spawn(move || {
                let body =
                    format!("{{\"email\":\"guess{n}@example.org\",\"password\":\"wrong {n}\"}}");
                http_request(
                    port,
                    "POST",
                    "/api/v1/auth/login",
                    &[("Content-Type", "application/json")],
                    &body,
                )
                .0
            })
        })
        .collect();
    let statuses: Vec<u16> = attempts.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(
        statuses.iter().all(|s| matches!(s, 401 | 429 | 503)),
        "{statuses:?}"
    );
    let busy = statuses.iter().filter(|s| **s == 503).count();
    let peak = peak_rss_kb(server.child.id()).unwrap();
    eprintln!(
        "peak resident memory {before} kB before, {peak} kB after 300 concurrent wrong sign-ins \
         ({busy} answered 503, {} 429)",
        statuses.iter().filter(|s| **s == 429).count()
    );
    assert!(peak < 200 * 1024, "peak resident memory {peak} kB");
    // Still serving.
    let (status, _, _) = server.request("GET", "/readyz", &[], "");
    assert_eq!(status, 200);
    assert!(server.stop().success());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_request_head_that_never_ends_is_cut_off() {
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("h.db").display());
    let server = Server::start(&url, &["--header-timeout", "1"]);
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = slow.read_to_end(&mut answer);
    let waited = started.elapsed();
    assert!(
        waited < Duration::from_secs(5),
        "the half-sent request stayed open {waited:?}"
    );
    // Meanwhile, and after, others are served.
    let (status, _, _) = server.request("GET", "/healthz", &[], "");
    assert_eq!(status, 200);
    let bad = Command::new(BIN)
        .args(["serve", "--header-timeout", "0"])
        .env("HYGEIA_DB", &url)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad.stderr));
    assert!(server.stop().success());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_killed_server_keeps_every_acknowledged_write_and_an_intact_trail() {
    for (_db, url) in databases().await {
        let server = Server::start(&url, &["--demo", "--mfa-required-roles", "none"]);
        let out = hygeia(
            &[
                "token",
                "create",
                "--email",
                "admin@hygee-demo.example",
                "--name",
                "writer",
            ],
            &url,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        let token = text(&out.stdout).trim().to_owned();
        let bearer = format!("Bearer {token}");
        let (_, _, entities) =
            server.request("GET", "/api/v1/entities", &[("Authorization", &bearer)], "");
        let entities: serde_json::Value = serde_json::from_str(&entities).unwrap();
        let entity = entities["items"][0]["id"].as_str().unwrap().to_owned();
        let port = server.port;
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writers: Vec<_> = (0..6)
            .map(|w| {
                let (bearer, entity, stop) = (bearer.clone(), entity.clone(), stop.clone());
                std::thread::spawn(move || {
                    let mut acknowledged = Vec::new();
                    for n in 0.. {
                        if stop.load(std::sync::atomic::Ordering::Relaxed) {
                            break;
                        }
                        let name = format!("Site {w}-{n}");
                        let body = format!(
                            "{{\"name\":\"{name}\",\"kind\":\"plant\",\"city\":\"Lyon\",\"country\":\"FR\"}}"
                        );
                        // A connection refused or cut by the kill is simply not acknowledged.
                        let answer = try_http_request(
                            port,
                            "POST",
                            &format!("/api/v1/entities/{entity}/sites"),
                            &[("Authorization", &bearer), ("Content-Type", "application/json")],
                            &body,
                        )
                        .map(|(status, _, _)| status);
                        if matches!(answer, Ok(201)) {
                            acknowledged.push(name);
                        }
                    }
                    acknowledged
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(1500));
        let mut server = server;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let acknowledged: Vec<String> = writers
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        assert!(
            acknowledged.len() > 10,
            "too few writes to tell: {}",
            acknowledged.len()
        );

        let again = Server::start(&url, &[]);
        let (status, _, sites) = again.request(
            "GET",
            &format!("/api/v1/entities/{entity}/sites?limit=500"),
            &[("Authorization", &bearer)],
            "",
        );
        assert_eq!(status, 200, "{sites}");
        let missing: Vec<&String> = acknowledged
            .iter()
            .filter(|n| !sites.contains(n.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "acknowledged writes lost after SIGKILL: {missing:?}"
        );
        assert!(again.stop().success());
        let out = hygeia(&["audit", "verify"], &url);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
        eprintln!(
            "{}: {} acknowledged writes, all kept",
            url.split(':').next().unwrap_or(""),
            acknowledged.len()
        );
    }
}

#[test]
fn connections_beyond_the_limit_wait_for_a_free_one() {
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("h.db").display());
    let server = Server::start(&url, &["--max-connections", "16", "--header-timeout", "3"]);
    // Sixteen clients that connect and say nothing hold every slot …
    let idle: Vec<TcpStream> = (0..16)
        .map(|_| TcpStream::connect(("127.0.0.1", server.port)).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // … so the seventeenth is answered only once the silent ones are cut off.
    let started = Instant::now();
    let (status, _, _) = server.request("GET", "/healthz", &[], "");
    let waited = started.elapsed();
    assert_eq!(status, 200);
    assert!(
        waited >= Duration::from_secs(2),
        "answered after {waited:?}: the limit did not hold"
    );
    assert!(waited < Duration::from_secs(10), "waited {waited:?}");
    drop(idle);
    assert!(server.stop().success());
    let _ = std::fs::remove_dir_all(dir);
}
