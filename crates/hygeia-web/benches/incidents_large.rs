//! Server time and size of the incident lists, pages and exports on a large register: 5 French
//! health entities (NIS2 essential or important), 10,000 incidents whose awareness is spread
//! over the two years before the test clock, with verdicts, submissions (so the lists mix
//! overdue, due and finished clocks), report drafts and timeline notes, through the real
//! router (in process) on a real database.
//!
//! `cargo bench -p hygeia-web --bench incidents_large` (SQLite; PostgreSQL too when
//! `HYGEIA_TEST_POSTGRES_URL` is set). Prints p50 / p95 / max, the body size and the target
//! per request (lists and pages < 50 ms at p95, a PDF report < 300 ms; the 10,000-row CSV
//! export is reported without a target).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, SecondsFormat, Utc};
use http_body_util::BodyExt;
use hygeia_catalog::Catalog;
use hygeia_domain::access::{EntityScope, Role};
use hygeia_domain::org::EntityInput;
use hygeia_store::incidents::{
    IncidentFilter, IncidentInput, ReportInput, SubmissionInput, TimelineInput, VerdictInput,
};
use hygeia_store::testing::{self, TestDb, test_clock};
use hygeia_store::{Actor, NewUser, PageRequest, Store};
use hygeia_web::catalog::CatalogCache;
use hygeia_web::{AppState, WebConfig, auth, router};
use tower::ServiceExt;

const INCIDENTS: usize = 10_000;
const ITERATIONS: usize = 100;
/// Awareness times fall in the two years before the clock (in minutes).
const SPREAD_MINUTES: i64 = 730 * 24 * 60;

/// Name, NIS2 type, employees, turnover, balance sheet: three essential, two important.
const ENTITIES: [(&str, &str, i64, i64, i64); 5] = [
    (
        "CHU de Rouvray",
        "healthcare_provider",
        5_200,
        610_000_000,
        540_000_000,
    ),
    (
        "Clinique Sainte-Anne de Vienne",
        "healthcare_provider",
        180,
        31_000_000,
        24_000_000,
    ),
    (
        "Laboratoires Mérieux-Vallée",
        "basic_pharmaceutical_manufacturing",
        1_250,
        420_000_000,
        380_000_000,
    ),
    (
        "Biosynthèse de l'Orne",
        "basic_pharmaceutical_manufacturing",
        95,
        19_000_000,
        14_000_000,
    ),
    (
        "Centre hospitalier de Montfleury",
        "healthcare_provider",
        960,
        118_000_000,
        92_000_000,
    ),
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

/// A fixed pseudo-random number for incident `n` and one of its traits (`salt`), so the
/// dataset is the same on every run and its traits are not correlated with each other.
fn mix(n: usize, salt: u64) -> u64 {
    let mut x = (n as u64)
        .wrapping_add(salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x632B_E59B_D9B4_E019);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn hours(h: i64) -> chrono::Duration {
    chrono::Duration::hours(h)
}

/// What seeding wrote, for the summary.
#[derive(Default)]
struct Seeded {
    writes: usize,
    verdicts: usize,
    submissions: usize,
    drafts: usize,
    notes: usize,
    /// Incidents with both verdicts yes, a saved notification draft, the early warning and
    /// the notification submitted, and timeline notes: the detail and PDF report target.
    rich: Vec<String>,
}

/// Writes incidents `n ≡ slot (mod 5)` of entity `entity_id`, one after the other.
async fn seed_entity(
    store: Store,
    catalog: Arc<Catalog>,
    entity_id: String,
    slot: usize,
) -> Seeded {
    let actor = Actor::system();
    let scope = EntityScope::All;
    let now = store.clock().now();
    let mut seeded = Seeded::default();
    for n in (slot..INCIDENTS).step_by(ENTITIES.len()) {
        // 30 minutes to two years ago; a multiplier prime to the spread gives distinct times.
        let age = 30 + (n as i64 * 105_097) % (SPREAD_MINUTES - 30);
        let aware = now - chrono::Duration::minutes(age);
        let detected = aware - chrono::Duration::minutes(5 + (mix(n, 1) % 240) as i64);
        // 60 % ongoing, so `status=ongoing&offset=5000` lands inside the list.
        let status = match mix(n, 2) % 10 {
            0..=2 => "open",
            3..=5 => "contained",
            6 | 7 => "resolved",
            _ => "closed",
        };
        let ended = matches!(status, "resolved" | "closed")
            .then(|| (aware + hours(24 * (1 + (mix(n, 3) % 20) as i64))).min(now));
        let severity = ["low", "medium", "high", "critical"][(mix(n, 4) % 4) as usize];
        let input = IncidentInput {
            title: format!(
                "{} — {}",
                [
                    "Rançongiciel sur le serveur de dossiers patients",
                    "Hameçonnage ciblé du service achats",
                    "Indisponibilité du PACS",
                    "Compromission d'un compte VPN prestataire",
                    "Fuite de données de laboratoire",
                    "Déni de service sur le portail patients",
                ][n % 6],
                n
            ),
            description: "Chiffrement de fichiers constaté sur plusieurs serveurs ; isolement \
                          du segment concerné, analyse en cours avec le prestataire."
                .into(),
            detected_at: rfc3339(detected),
            aware_at: Some(rfc3339(aware)),
            ended_at: ended.map(rfc3339),
            status: status.into(),
            severity: severity.into(),
            affected_services: "Urgences, imagerie, laboratoire".into(),
            impact: "Déprogrammation de consultations, retour au papier pendant 36 h".into(),
            indicators: "185.220.101.7, hash 3f1c…a9".into(),
            measures: "Isolement réseau, réinitialisation des comptes, restauration".into(),
            root_cause: String::new(),
            contact: "rssi@exemple-sante.fr".into(),
            lessons_learned: String::new(),
            version: None,
        };
        let incident = store
            .create_incident(&actor, &catalog, &entity_id, &input)
            .await
            .unwrap();
        let id = incident.id;
        seeded.writes += 1;

        // Verdicts on 70 %: significant for 40 % of those, personal data for 30 %.
        let judged = mix(n, 5) % 10 < 7;
        let significant = judged && mix(n, 6) % 10 < 4;
        let personal = judged && mix(n, 7) % 10 < 3;
        if judged {
            for (question, yes) in [("significant", significant), ("personal_data", personal)] {
                store
                    .set_incident_verdict(
                        &actor,
                        &scope,
                        &catalog,
                        &id,
                        &VerdictInput {
                            question: question.into(),
                            verdict: if yes { "yes" } else { "no" }.into(),
                            reasoning: "Évalué en cellule de crise.".into(),
                        },
                    )
                    .await
                    .unwrap();
                seeded.writes += 1;
                seeded.verdicts += 1;
            }
        }

        // NIS2 Art. 23 stages sent for significant incidents: none, the early warning, up to
        // the notification, or up to the final report (only those already in the past).
        let mut sent_notification = false;
        let mut drafted = false;
        if significant {
            let stages = mix(n, 8) % 4;
            let early = aware + hours(if mix(n, 9).is_multiple_of(5) { 30 } else { 18 });
            let notification = aware + hours(66);
            let last = notification + hours(24 * 26);
            let plan = [
                ("early_warning", early, stages >= 1),
                ("notification", notification, stages >= 2),
                ("final_report", last, stages >= 3),
            ];
            for (stage, at, wanted) in plan {
                if !wanted || at > now {
                    break;
                }
                let mut report_version = None;
                if stage == "notification" {
                    let fields: BTreeMap<String, String> = [
                        ("entity", "Entité déclarante"),
                        (
                            "update",
                            "Chiffrement contenu, pas d'exfiltration constatée.",
                        ),
                        ("severity", "Élevée"),
                        ("impact", "Urgences en mode dégradé pendant 36 h."),
                        (
                            "measures",
                            "Isolement, restauration depuis sauvegardes hors ligne.",
                        ),
                    ]
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect();
                    store
                        .save_incident_report(
                            &actor,
                            &scope,
                            &catalog,
                            &id,
                            "nis2-art23",
                            stage,
                            &ReportInput {
                                language: "fr".into(),
                                fields,
                            },
                        )
                        .await
                        .unwrap();
                    seeded.writes += 1;
                    seeded.drafts += 1;
                    drafted = true;
                    report_version = Some(1);
                }
                store
                    .record_incident_submission(
                        &actor,
                        &scope,
                        &catalog,
                        &id,
                        "nis2-art23",
                        stage,
                        &SubmissionInput {
                            submitted_at: Some(rfc3339(at)),
                            channel: "Portail ANSSI".into(),
                            recipient_reference: format!("CERTFR-{n}"),
                            report_version,
                        },
                    )
                    .await
                    .unwrap();
                seeded.writes += 1;
                seeded.submissions += 1;
                sent_notification |= stage == "notification";
            }
        }
        // GDPR Art. 33 notification for half of the personal-data breaches.
        let gdpr_at = aware + hours(70);
        if personal && mix(n, 10).is_multiple_of(2) && gdpr_at <= now {
            store
                .record_incident_submission(
                    &actor,
                    &scope,
                    &catalog,
                    &id,
                    "gdpr-art33",
                    "notification",
                    &SubmissionInput {
                        submitted_at: Some(rfc3339(gdpr_at)),
                        channel: "Téléservice CNIL".into(),
                        recipient_reference: String::new(),
                        report_version: None,
                    },
                )
                .await
                .unwrap();
            seeded.writes += 1;
            seeded.submissions += 1;
        }

        // Timeline notes on one incident in 40, and on every rich one.
        let rich = significant && personal && sent_notification && drafted;
        if n % 40 == 0 || rich {
            for (after, text) in [
                (1, "Cellule de crise réunie"),
                (3, "Prestataire de réponse à incident mobilisé"),
            ] {
                let at = (aware + hours(after)).min(now);
                store
                    .add_timeline_entry(
                        &actor,
                        &scope,
                        &id,
                        &TimelineInput {
                            at: Some(rfc3339(at)),
                            text: text.into(),
                        },
                    )
                    .await
                    .unwrap();
                seeded.writes += 1;
                seeded.notes += 1;
            }
        }
        if rich {
            seeded.rich.push(id);
        }
    }
    seeded
}

/// Requests `path` `ITERATIONS` times; prints p50 / p95 / max, the body size and the target.
async fn time(
    db_name: &str,
    app: &axum::Router,
    secret: &str,
    (label, path, target_ms): (&str, &str, Option<f64>),
    check: impl Fn(&[u8]) -> bool,
) {
    let mut times = Vec::with_capacity(ITERATIONS);
    let mut size = 0;
    for _ in 0..ITERATIONS {
        let request = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())
            .unwrap();
        let start = Instant::now();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        times.push(start.elapsed());
        size = body.len();
        assert_eq!(
            status,
            StatusCode::OK,
            "{path}: {}",
            String::from_utf8_lossy(&body[..body.len().min(2_000)])
        );
        assert!(check(&body), "{path}: unexpected body");
    }
    times.sort();
    let p95 = percentile(&times, 0.95).as_secs_f64() * 1000.0;
    let verdict = match target_ms {
        Some(t) if p95 < t => format!("< {t:>3.0} ms ok"),
        Some(t) => format!("< {t:>3.0} ms MISSED"),
        None => "(no target)".to_owned(),
    };
    println!(
        "{:<9} {:<44} p50 {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms  body {:>8} bytes  {}",
        db_name,
        label,
        percentile(&times, 0.50).as_secs_f64() * 1000.0,
        p95,
        times[times.len() - 1].as_secs_f64() * 1000.0,
        size,
        verdict
    );
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn json_items(body: &[u8]) -> Option<usize> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v["items"].as_array().map(Vec::len)
}

async fn run(db: TestDb, catalog: Arc<Catalog>) {
    let started = Instant::now();
    let store = db.store(test_clock()).await;
    let actor = Actor::system();
    let org = store
        .ensure_organisation(&actor, "Groupe hospitalier Exemple")
        .await
        .unwrap();
    let mut entities = Vec::new();
    for (name, entity_type, employees, turnover, balance) in ENTITIES {
        let entity = store
            .create_entity(
                &actor,
                &org.id,
                &EntityInput {
                    name: name.into(),
                    country: "FR".into(),
                    entity_type: entity_type.into(),
                    employees,
                    annual_turnover_eur: Some(turnover),
                    balance_sheet_eur: Some(balance),
                    parent_entity_id: None,
                    registration_number: None,
                    ..Default::default()
                },
                |_| true,
            )
            .await
            .unwrap();
        entities.push(entity.id);
    }
    for (e, id) in entities.iter().enumerate() {
        let class = store.incident_context(id).await.unwrap().nis2_class;
        assert!(
            matches!(class.as_str(), "essential" | "important"),
            "{}: {class}",
            ENTITIES[e].0
        );
    }

    // One writer per entity (references are numbered per entity, so they never race).
    let seeding = Instant::now();
    let tasks: Vec<_> = entities
        .iter()
        .enumerate()
        .map(|(slot, entity_id)| {
            tokio::spawn(seed_entity(
                store.clone(),
                catalog.clone(),
                entity_id.clone(),
                slot,
            ))
        })
        .collect();
    let mut seeded = Seeded::default();
    for task in tasks {
        let s = task.await.unwrap();
        seeded.writes += s.writes;
        seeded.verdicts += s.verdicts;
        seeded.submissions += s.submissions;
        seeded.drafts += s.drafts;
        seeded.notes += s.notes;
        seeded.rich.extend(s.rich);
    }
    let seeding = seeding.elapsed().as_secs_f64();
    eprintln!(
        "{}: {INCIDENTS} incidents seeded in {seeding:.1} s ({} write transactions, {:.0}/s: \
         {} verdicts, {} submissions, {} drafts, {} notes)",
        db.name,
        seeded.writes,
        seeded.writes as f64 / seeding,
        seeded.verdicts,
        seeded.submissions,
        seeded.drafts,
        seeded.notes,
    );
    let detail_id = seeded.rich.first().expect("a rich incident").clone();

    let user = store
        .create_user(
            &actor,
            &org.id,
            &NewUser {
                email: "rssi@exemple-sante.fr".into(),
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

    // How the clocks are mixed.
    let overview = store
        .incident_overview(&EntityScope::All, None)
        .await
        .unwrap();
    let count = |filter: IncidentFilter| {
        let store = store.clone();
        async move {
            store
                .incidents(&EntityScope::All, &filter, PageRequest::new(Some(1), None))
                .await
                .unwrap()
                .total
        }
    };
    let all = count(IncidentFilter::default()).await;
    let ongoing = count(IncidentFilter {
        status: Some("ongoing".into()),
        ..Default::default()
    })
    .await;
    let total_due: i64 = {
        let page = store
            .all_incidents(&EntityScope::All, &IncidentFilter::default())
            .await
            .unwrap();
        page.iter().filter(|i| i.next_due_at.is_some()).count() as i64
    };
    eprintln!(
        "{}: dataset built in {:.1} s — {all} incidents, {ongoing} ongoing, {} overdue, {} \
         due not yet overdue, {} with no report left to send; detail/PDF incident {detail_id}",
        db.name,
        started.elapsed().as_secs_f64(),
        overview.overdue,
        total_due - overview.overdue,
        all - total_due,
    );

    let app = router(AppState::new(
        store.clone(),
        WebConfig::default(),
        CatalogCache::new((*catalog).clone(), 0),
    ));
    eprintln!("{}: load average before timing {}", db.name, load_average());
    let html = |b: &[u8]| b.starts_with(b"<!DOCTYPE html>") || b.starts_with(b"<!doctype html>");
    let fifty = |b: &[u8]| json_items(b) == Some(50);
    time(
        db.name,
        &app,
        &secret,
        (
            "API list, first page of 50",
            "/api/v1/incidents",
            Some(50.0),
        ),
        fifty,
    )
    .await;
    time(
        db.name,
        &app,
        &secret,
        (
            "API list, overdue=true",
            "/api/v1/incidents?overdue=true",
            Some(50.0),
        ),
        fifty,
    )
    .await;
    time(
        db.name,
        &app,
        &secret,
        (
            "API list, status=ongoing&offset=5000",
            "/api/v1/incidents?status=ongoing&offset=5000",
            Some(50.0),
        ),
        fifty,
    )
    .await;
    time(
        db.name,
        &app,
        &secret,
        ("page /incidents", "/incidents", Some(50.0)),
        html,
    )
    .await;
    time(
        db.name,
        &app,
        &secret,
        (
            "page /incidents?overdue=1&page=20",
            "/incidents?overdue=1&page=20",
            Some(50.0),
        ),
        |b| html(b) && String::from_utf8_lossy(b).contains("/incidents/"),
    )
    .await;
    let detail_page = format!("/incidents/{detail_id}");
    time(
        db.name,
        &app,
        &secret,
        (
            "page /incidents/{id} (verdicts, submissions)",
            &detail_page,
            Some(50.0),
        ),
        html,
    )
    .await;
    let detail_api = format!("/api/v1/incidents/{detail_id}");
    time(
        db.name,
        &app,
        &secret,
        ("API /api/v1/incidents/{id}", &detail_api, Some(50.0)),
        |b| {
            serde_json::from_slice::<serde_json::Value>(b)
                .is_ok_and(|v| v["submissions"].as_array().is_some_and(|s| s.len() >= 2))
        },
    )
    .await;
    time(
        db.name,
        &app,
        &secret,
        ("dashboard / (incident tile)", "/", Some(50.0)),
        |b| html(b) && String::from_utf8_lossy(b).contains("id=\"incidents-tile\""),
    )
    .await;
    let pdf =
        format!("/api/v1/incidents/{detail_id}/reports/nis2-art23/notification/export?format=pdf");
    time(
        db.name,
        &app,
        &secret,
        ("PDF report, NIS2 notification", &pdf, Some(300.0)),
        |b| b.starts_with(b"%PDF"),
    )
    .await;
    time(
        db.name,
        &app,
        &secret,
        (
            "CSV register export (10,000 rows)",
            "/api/v1/incidents/export?format=csv",
            None,
        ),
        |b| bytecount_lines(b) > INCIDENTS,
    )
    .await;
    eprintln!("{}: load average after timing {}", db.name, load_average());
}

fn bytecount_lines(b: &[u8]) -> usize {
    b.iter().filter(|c| **c == b'\n').count()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let catalog = Arc::new(Catalog::load_embedded().unwrap());
    runtime.block_on(async {
        for db in testing::all().await {
            run(db, catalog.clone()).await;
        }
    });
}
