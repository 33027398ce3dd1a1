//! What the page benchmarks share: an administrator's API token, timed GET requests through the
//! router in process, percentiles. Included by `#[path]` in each bench (each is its own crate).

#![allow(dead_code)]

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use hygeia_domain::access::Role;
use hygeia_store::{Actor, NewUser, Store};
use hygeia_web::auth;
use tower::ServiceExt;

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// An administrator of organisation `org_id` and the secret of a full API token of theirs.
pub async fn admin_token(store: &Store, org_id: &str, email: &str) -> String {
    let actor = Actor::system();
    let user = store
        .create_user(
            &actor,
            org_id,
            &NewUser {
                email: email.into(),
                display_name: "RSSI".into(),
                role: Role::Administrator,
                locale: "fr".into(),
                entity_ids: Vec::new(),
                password_hash: None,
            },
        )
        .await
        .unwrap();
    let (secret, hash, prefix) = auth::new_api_token();
    store
        .create_token(
            &actor,
            &hygeia_store::NewToken::full(&user.id, "bench", &hash, &prefix),
        )
        .await
        .unwrap();
    secret
}

/// `runs` GETs of `path` with the token: their sorted durations and the last body; fails on
/// any status but 200.
pub async fn timed_get(
    app: &axum::Router,
    secret: &str,
    path: &str,
    runs: usize,
) -> (Vec<Duration>, Vec<u8>) {
    let mut times = Vec::with_capacity(runs);
    let mut body = Vec::new();
    for _ in 0..runs {
        let request = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())
            .unwrap();
        let start = Instant::now();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        times.push(start.elapsed());
        assert_eq!(
            status,
            StatusCode::OK,
            "{path}: {}",
            String::from_utf8_lossy(&body)
        );
    }
    times.sort();
    (times, body)
}

/// One line of results: p50, p95, max, body size and the 50 ms verdict.
pub fn report(db_name: &str, label: &str, times: &[Duration], body: &[u8]) {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p95 = ms(percentile(times, 0.95));
    println!(
        "{db_name:<9} {label:<48} p50 {:>7.2} ms  p95 {p95:>7.2} ms  max {:>7.2} ms  body {:>7} bytes  {}",
        ms(percentile(times, 0.5)),
        ms(*times.last().unwrap()),
        body.len(),
        if p95 < 50.0 {
            "< 50 ms ok"
        } else {
            "< 50 ms MISSED"
        },
    );
}

/// This process's resident memory and its peak, as Linux counts them (`resident …, peak …`).
pub fn resident_memory() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .map(|l| l.trim_start_matches(key).trim().to_owned())
            .unwrap_or_default()
    };
    format!("resident {}, peak {}", field("VmRSS:"), field("VmHWM:"))
}

/// A mid-sized pharmaceutical entity named `name`, as the large benches create them.
pub fn pharma_entity(name: &str) -> hygeia_domain::org::EntityInput {
    hygeia_domain::org::EntityInput {
        name: name.into(),
        country: "FR".into(),
        entity_type: "basic_pharmaceutical_manufacturing".into(),
        employees: 800,
        annual_turnover_eur: Some(200_000_000),
        balance_sheet_eur: Some(150_000_000),
        parent_entity_id: None,
        registration_number: None,
        other_activities: vec![],
        designation: "none".into(),
        cer_critical_entity: false,
        nis1_operator_of_essential_services: false,
        local_public_administration: false,
        public_body: false,
        group_worldwide_turnover_eur: None,
    }
}
