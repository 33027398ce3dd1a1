//! The home dashboard: its figures and charts against the data, and never stale.

use super::*;

/// The dashboard's HTML as `role` sees it.
async fn dashboard(app: &TestApp, role: Role) -> String {
    let bytes = app.raw(Method::GET, "/", app.token(role), None).await;
    String::from_utf8(bytes).unwrap()
}

/// The number shown by the figure with this id (`None` if the page has no such figure).
fn figure_value(html: &str, id: &str) -> Option<i64> {
    let start = html.find(&format!("<li id=\"{id}\">"))?;
    let rest = &html[start..];
    let value = rest
        .split("<span class=\"value\">")
        .nth(1)?
        .split('<')
        .next()?;
    Some(
        value
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap(),
    )
}

/// The link of the figure with this id.
fn figure_href(html: &str, id: &str) -> String {
    let start = html.find(&format!("<li id=\"{id}\">")).unwrap();
    html[start..]
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&")
}

/// The data table of a chart: (link, label, value) per bar.
fn chart_rows(html: &str, id: &str) -> Vec<(String, String, String)> {
    let start = html
        .find(&format!("<figure class=\"chart\" id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no chart {id}"));
    let figure = &html[start..];
    let figure = &figure[..figure.find("</figure>").unwrap()];
    let table = figure.split("<tbody>").nth(1).unwrap();
    table
        .split("<tr>")
        .skip(1)
        .map(|row| {
            let href = row
                .split("href=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let label = row
                .split("\">")
                .nth(1)
                .unwrap()
                .split("</a>")
                .next()
                .unwrap();
            let value = row
                .split("<td class=\"num\">")
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap();
            (
                href.replace("&#38;", "&"),
                label.to_owned(),
                value.to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_dashboard_counts_open_gaps_by_due_date_and_never_shows_stale_figures() {
    use hygeia_store::assessments::EvidenceLinkInput;
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let iso = app.ids.iso.clone();
        // The fixture: A.5.1 compliant, A.8.22 non-compliant without a due date.
        let before = dashboard(&app, Role::Administrator).await;
        let due = chart_rows(&before, "chart-due");
        let labels: Vec<&str> = due.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Overdue",
                "Within 7 days",
                "Within 30 days",
                "Later",
                "No due date"
            ]
        );
        let values: Vec<&str> = due.iter().map(|r| r.2.as_str()).collect();
        assert_eq!(values, ["0", "0", "0", "0", "1"]);
        assert_eq!(due[4].0, format!("/compliance/assessments/{iso}?due=none"));
        assert_eq!(figure_value(&before, "fig-overdue"), Some(0));
        assert_eq!(figure_value(&before, "fig-gaps"), Some(1));

        // The test clock reads 2026-03-02: one gap in each bucket, and a compliant result with
        // a past due date, which is no gap.
        let (status, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/assessments/{iso}/results"),
                Some(&admin),
                Some(json!({"results": [
                    {"requirement_id": "a.5.2", "value": "non_compliant", "due_on": "2026-02-20"},
                    {"requirement_id": "a.5.3", "value": "partially_compliant", "due_on": "2026-03-09"},
                    {"requirement_id": "a.5.4", "value": "non_compliant", "due_on": "2026-03-20"},
                    {"requirement_id": "a.5.5", "value": "partially_compliant", "due_on": "2026-06-01"},
                    {"requirement_id": "a.5.6", "value": "compliant", "due_on": "2026-01-01"}
                ]})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // The summaries were cached by the first request: the write must show at once.
        let after = dashboard(&app, Role::Administrator).await;
        let due = chart_rows(&after, "chart-due");
        let values: Vec<&str> = due.iter().map(|r| r.2.as_str()).collect();
        assert_eq!(values, ["1", "1", "1", "1", "1"]);
        assert_eq!(
            due[0].0,
            format!("/compliance/assessments/{iso}?due=overdue")
        );
        assert_eq!(figure_value(&after, "fig-overdue"), Some(1));
        assert_eq!(figure_value(&after, "fig-gaps"), Some(5));
        assert_eq!(
            figure_value(&after, "fig-assessed"),
            figure_value(&before, "fig-assessed").map(|n| n + 5)
        );

        // Each bar drills down to the gaps of its bucket, on the page and in the API.
        for (due, requirement) in [
            ("overdue", "a.5.2"),
            ("week", "a.5.3"),
            ("month", "a.5.4"),
            ("later", "a.5.5"),
            ("none", "a.8.22"),
        ] {
            let (status, page) = app
                .call(
                    Method::GET,
                    &format!("/api/v1/assessments/{iso}/requirements?due={due}"),
                    Some(&admin),
                    None,
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{page}");
            assert_eq!(page["total"], 1, "{due}: {page}");
            assert_eq!(page["items"][0]["requirement_id"], requirement);
            let html = String::from_utf8(
                app.raw(
                    Method::GET,
                    &format!("/compliance/assessments/{iso}?due={due}"),
                    &admin,
                    None,
                )
                .await,
            )
            .unwrap();
            assert!(html.contains(&format!("value=\"{due}\" selected")), "{due}");
            assert!(html.contains("Requirements 1–1 of 1"), "{due}");
        }
        let (status, problem) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/requirements?due=soon"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(problem.to_string().contains("due"), "{problem}");

        // Progress: all results were written on the clock's day, so only this week has a
        // score; it is the ISO assessment's (the NIS2 one has no result).
        let progress = chart_rows(&after, "chart-progress");
        assert_eq!(progress.len(), 12);
        assert!(progress[..11].iter().all(|r| r.2 == "—"), "{progress:?}");
        let frameworks = chart_rows(&after, "chart-frameworks");
        let iso_bar = frameworks
            .iter()
            .find(|r| r.0 == format!("/compliance/assessments/{iso}"))
            .unwrap();
        assert_eq!(progress[11].2, iso_bar.2, "{progress:?}");
        assert!(progress[11].1.starts_with("Week ending "), "{progress:?}");
        assert_eq!(
            progress[11].0,
            "/audit?action=result.set&from=2026-02-24&to=2026-03-02"
        );
        // Without access to the audit trail, the weeks open the assessments instead.
        let manager = dashboard(&app, Role::ComplianceManager).await;
        assert_eq!(
            chart_rows(&manager, "chart-progress")[11].0,
            "/compliance/assessments"
        );
        let before_progress = chart_rows(&before, "chart-progress");
        assert_ne!(before_progress[11].2, progress[11].2, "the score moved");

        // Expired evidence links to the entity's evidence list in that state.
        app.store
            .add_evidence_link(
                &Actor::system(),
                &app.ids.entity_a,
                &EvidenceLinkInput {
                    title: "Old policy".into(),
                    url: "https://docs.example/old".into(),
                    valid_until: Some("2026-01-31".into()),
                },
            )
            .await
            .unwrap();
        let html = dashboard(&app, Role::Administrator).await;
        assert_eq!(figure_value(&html, "fig-expired"), Some(1));
        assert_eq!(
            figure_href(&html, "fig-expired"),
            format!(
                "/compliance/evidence?entity={}&expiry=expired",
                app.ids.entity_a
            )
        );
    }
}

#[tokio::test]
async fn the_dashboard_counts_assets_findings_and_events_in_the_callers_scope() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        // The fixture: one Modbus PLC in entity A.
        let html = dashboard(&app, Role::Administrator).await;
        assert_eq!(figure_value(&html, "fig-assets"), Some(1));
        assert_eq!(figure_value(&html, "fig-ot-assets"), Some(1));
        assert_eq!(figure_value(&html, "fig-it-assets"), Some(0));
        assert_eq!(figure_href(&html, "fig-findings"), "/assets/findings");
        let events_before = figure_value(&html, "fig-events").unwrap();
        let batch = serde_json::from_value(json!({
            "assets": [
                {"id": "ip:10.0.1.20", "ips": ["10.0.1.20"], "protocols": ["http", "dns"],
                 "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T08:10:00Z", "packets_sent": 38},
                {"id": "ip:10.0.0.9", "ips": ["10.0.0.9"], "roles": ["plc"], "protocols": ["s7comm"],
                 "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T08:10:00Z", "packets_sent": 40}
            ],
            "flows": [],
            "findings": [{"kind": "conduit_violation", "severity": "high", "summary": "IT workstation programs a PLC",
                          "src": "10.0.1.20", "dst": "10.0.0.9", "protocol": "s7comm", "operations": ["program"],
                          "references": [], "evidence": {"first_packet": 5, "first_seen": "2026-03-01T09:01:00Z", "packets": 3}}],
            "stats": {"packets": 78}
        }))
        .unwrap();
        // Into entity B, which the contributor may not see.
        app.store
            .ingest_observations(&Actor::system(), &app.ids.entity_b, "sensor-b", &batch)
            .await
            .unwrap();
        let html = dashboard(&app, Role::Administrator).await;
        assert_eq!(figure_value(&html, "fig-assets"), Some(3));
        assert_eq!(figure_value(&html, "fig-ot-assets"), Some(2));
        assert_eq!(figure_value(&html, "fig-it-assets"), Some(1));
        assert_eq!(figure_value(&html, "fig-findings"), Some(1));
        assert!(figure_value(&html, "fig-events").unwrap() > events_before);
        assert!(html.contains("Assets and OT monitoring"));
        let contributor = dashboard(&app, Role::Contributor).await;
        assert_eq!(figure_value(&contributor, "fig-assets"), Some(1));
        assert_eq!(figure_value(&contributor, "fig-findings"), Some(0));
        assert_eq!(
            figure_value(&contributor, "fig-events"),
            Some(events_before)
        );
    }
}

#[tokio::test]
async fn measures_derived_from_iso_follow_result_changes_and_pair_reviews() {
    // Entity A has ISO/IEC 27001 results (A.5.1 compliant, A.8.22 not) and an empty NIS2
    // assessment: the per-measure chart is derived from ISO, cached, and must move when the
    // ISO results or the crosswalk reviews change.
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let letters = |html: &str| -> Vec<String> {
            chart_rows(html, "chart-letters")
                .into_iter()
                .map(|(_, _, value)| value)
                .collect()
        };
        let first = dashboard(&app, Role::Administrator).await;
        assert!(first.contains("id=\"letter-sources\""));
        let before = letters(&first);
        assert_eq!(letters(&dashboard(&app, Role::Administrator).await), before);

        // Reject every crosswalk pair through which A.5.1 counts: the measures it supported
        // lose that support.
        let reuse_path = format!("/api/v1/assessments/{}/reuse", app.ids.iso);
        let (status, view) = app.call(Method::GET, &reuse_path, Some(&admin), None).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        let mut pairs = BTreeSet::new();
        for derived in view["view"]["derived"].as_array().unwrap() {
            for p in derived["provenance"].as_array().unwrap() {
                if p["source_requirement"] == "a.5.1" {
                    pairs.insert((
                        p["mapping_set"].as_str().unwrap().to_owned(),
                        p["pair_source"].as_str().unwrap().to_owned(),
                        p["pair_target"].as_str().unwrap().to_owned(),
                    ));
                }
            }
        }
        assert!(!pairs.is_empty(), "A.5.1 supports some NIS2 points");
        for (set, source, target) in &pairs {
            let (status, body) = app
                .call(
                    Method::PUT,
                    "/api/v1/mapping-reviews",
                    Some(&admin),
                    Some(
                        json!({"mapping_set": set, "source": source, "target": target,
                                "decision": {"kind": "rejected", "rationale": "test"}}),
                    ),
                )
                .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
        let rejected = letters(&dashboard(&app, Role::Administrator).await);
        assert_ne!(
            rejected, before,
            "a review changes the derived measures at once"
        );

        // A result change on the ISO side moves them too.
        let (status, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/assessments/{}/results", app.ids.iso),
                Some(&admin),
                Some(json!({"results": [{"requirement_id": "a.8.22", "value": "compliant"}]})),
            )
            .await;
        assert!(status.is_success(), "{status} {body}");
        let changed = letters(&dashboard(&app, Role::Administrator).await);
        assert_ne!(
            changed, rejected,
            "a result change moves the derived measures"
        );
    }
}
