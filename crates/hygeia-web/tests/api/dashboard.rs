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

/// One row of the "NIS2 by entity" table: column code → (text, link), and the row's last
/// cell (the flag or the basis).
struct Nis2Row {
    cells: std::collections::BTreeMap<String, (String, Option<String>)>,
    last: String,
}

/// The row of `entity` in the "NIS2 by entity" table, if shown.
fn nis2_row(html: &str, entity: &str) -> Option<Nis2Row> {
    let start = html.find(&format!("<tr id=\"nis2-{entity}\">"))?;
    let row = &html[start..];
    let row = &row[..row.find("</tr>").unwrap()];
    let mut cells = std::collections::BTreeMap::new();
    for cell in row.split("<td class=\"num ").skip(1) {
        let (col, rest) = cell.split_once("\">").unwrap();
        let inner = &rest[..rest.find("</td>").unwrap()];
        let parsed = match inner.strip_prefix("<a href=\"") {
            Some(link) => {
                let (href, text) = link.split_once("\">").unwrap();
                (
                    text.trim_end_matches("</a>").to_owned(),
                    Some(href.replace("&#38;", "&")),
                )
            }
            None => (inner.to_owned(), None),
        };
        cells.insert(col.to_owned(), parsed);
    }
    let last = row.rsplit("<td>").next().unwrap().to_owned();
    Some(Nis2Row { cells, last })
}

impl Nis2Row {
    fn text(&self, col: &str) -> &str {
        &self.cells[col].0
    }

    fn count(&self, col: &str) -> usize {
        self.text(col).replace(',', "").parse().unwrap()
    }

    fn percent(&self) -> f64 {
        self.text("score")
            .trim_end_matches('%')
            .trim()
            .parse()
            .unwrap()
    }

    fn href(&self, col: &str) -> &str {
        self.cells[col].1.as_deref().unwrap()
    }
}

/// Every requirement of ISO/IEC 27001 compliant, except A.8.22 (the fixture's gap).
async fn iso_all_compliant(app: &TestApp) {
    let catalog = hygeia_catalog::Catalog::load_embedded().unwrap();
    let results: Vec<Value> = catalog
        .framework("iso27001-2022")
        .unwrap()
        .assessable()
        .map(|r| {
            let value = if r.id == "a.8.22" {
                "non_compliant"
            } else {
                "compliant"
            };
            json!({"requirement_id": r.id, "value": value})
        })
        .collect();
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/assessments/{}/results", app.ids.iso),
            Some(app.token(Role::Administrator)),
            Some(json!({ "results": results })),
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
}

#[tokio::test]
async fn nis2_by_entity_merges_own_and_derived_results_and_accepting_never_lowers_it() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let (iso, nis2) = (app.ids.iso.clone(), app.ids.nis2.clone());
        let (a, b) = (app.ids.entity_a.clone(), app.ids.entity_b.clone());
        iso_all_compliant(&app).await;

        // What the reuse engine derives from ISO for entity A (its NIS2 assessment is empty).
        let (status, reuse) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/reuse"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{reuse}");
        let derived = reuse["view"]["derived"].as_array().unwrap().clone();
        let with_rule = |rule: &str| derived.iter().filter(|d| d["rule"] == rule).count();
        let with_value = |value: &str| derived.iter().filter(|d| d["value"] == value).count();
        let deltas = with_rule("delta_to_confirm");
        let gaps = with_value("no_coverage") + with_value("non_compliant");
        assert!(deltas > 100 && gaps > 10, "{deltas} deltas, {gaps} gaps");
        let (_, scores) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/scores?target=nis2-2024-2690"),
                Some(&admin),
                None,
            )
            .await;
        let derived_percent = scores["derived"]["overall"]["percent"].as_f64().unwrap();

        let html = dashboard(&app, Role::Administrator).await;
        assert!(html.contains("NIS2 by entity"), "the section is shown");
        let row = nis2_row(&html, &a).expect("entity A's row");
        assert_eq!(row.percent(), derived_percent, "derived only, so far");
        assert_eq!(row.count("deltas"), deltas);
        assert_eq!(row.count("gaps"), gaps);
        assert_eq!(row.count("overdue"), 0);
        assert!(
            row.last
                .contains("derived from the ISO/IEC 27001:2022 assessment: 355"),
            "{}",
            row.last
        );
        assert_eq!(row.href("score"), format!("/compliance/assessments/{nis2}"));
        assert_eq!(
            row.href("deltas"),
            format!("/compliance/assessments/{iso}/reuse?target=nis2-2024-2690")
        );
        assert_eq!(
            row.href("gaps"),
            format!("/compliance/assessments/{iso}/gaps?target=nis2-2024-2690")
        );
        assert_eq!(
            row.href("overdue"),
            format!("/compliance/assessments/{nis2}?due=overdue")
        );
        assert!(html.contains("Essential entity"));
        // Every link of the row opens a page.
        for col in ["score", "deltas", "gaps", "overdue"] {
            app.raw(Method::GET, row.href(col), &admin, None).await;
        }
        // Entity B is essential and has no assessment: flagged, with the way to create one.
        let flagged = nis2_row(&html, &b).expect("entity B's row");
        assert!(
            flagged.last.contains("In scope, no assessment yet"),
            "{}",
            flagged.last
        );
        let create = format!("/compliance/assessments?entity={b}");
        assert!(flagged.last.contains(&format!("href=\"{create}#new-a-h\"")));
        assert_eq!(flagged.text("score"), "—");
        app.raw(Method::GET, &create, &admin, None).await;
        let letters_before = chart_rows(&html, "chart-letters");

        // Accepting one derived compliant result changes neither the score nor the
        // per-measure chart (they used to fall to the own results alone).
        let compliant =
            derived.iter().find(|d| d["value"] == "compliant").unwrap()["requirement_id"]
                .as_str()
                .unwrap()
                .to_owned();
        let accept = |requirement: String| {
            let app = &app;
            let admin = admin.clone();
            let (iso, nis2) = (iso.clone(), nis2.clone());
            async move {
                let (status, body) = app
                    .call(
                        Method::POST,
                        &format!("/api/v1/assessments/{nis2}/accept"),
                        Some(&admin),
                        Some(json!({"source_assessment_id": iso, "requirement_id": requirement})),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        };
        accept(compliant).await;
        let html = dashboard(&app, Role::Administrator).await;
        let row = nis2_row(&html, &a).unwrap();
        assert_eq!(row.percent(), derived_percent, "accepting never lowers it");
        assert_eq!(row.count("deltas"), deltas);
        assert_eq!(row.count("gaps"), gaps);
        assert!(row.last.contains("own results: 1"), "{}", row.last);
        let letters_after = chart_rows(&html, "chart-letters");
        let values = |rows: &[(String, String, String)]| -> Vec<String> {
            rows.iter().map(|r| r.2.clone()).collect()
        };
        assert_eq!(values(&letters_after), values(&letters_before));
        // Each measure now opens the reuse view of that letter, own and derived side by side.
        assert_eq!(
            letters_after[0].0,
            format!("/compliance/assessments/{iso}/reuse?target=nis2-2024-2690&art21=a")
        );
        app.raw(Method::GET, &letters_after[0].0, &admin, None)
            .await;
        assert!(
            html.contains(
                "completed where it has no result by those derived from its ISO/IEC 27001"
            ),
            "the per-measure chart says where its scores come from"
        );

        // Accepting a delta to confirm (partially compliant until confirmed): one delta fewer
        // to confirm among the derived results, the score unchanged.
        let delta = derived
            .iter()
            .find(|d| d["rule"] == "delta_to_confirm")
            .unwrap()["requirement_id"]
            .as_str()
            .unwrap()
            .to_owned();
        accept(delta).await;
        let row = nis2_row(&dashboard(&app, Role::Administrator).await, &a).unwrap();
        assert_eq!(row.percent(), derived_percent);
        assert_eq!(row.count("deltas"), deltas - 1);

        // Own results decide where set: a point ISO does not cover, assessed non-compliant
        // and overdue (the clock reads 2026-03-02), is still a gap, now overdue; another one
        // assessed compliant is a gap fewer and raises the score.
        let mut uncovered = derived
            .iter()
            .filter(|d| d["value"] == "no_coverage")
            .map(|d| d["requirement_id"].as_str().unwrap().to_owned());
        let (late, done) = (uncovered.next().unwrap(), uncovered.next().unwrap());
        let (status, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/assessments/{nis2}/results"),
                Some(&admin),
                Some(json!({"results": [
                    {"requirement_id": late, "value": "non_compliant", "due_on": "2026-02-20"},
                    {"requirement_id": done, "value": "compliant"}
                ]})),
            )
            .await;
        assert!(status.is_success(), "{status} {body}");
        let html = dashboard(&app, Role::Administrator).await;
        let row = nis2_row(&html, &a).unwrap();
        assert_eq!(row.count("gaps"), gaps - 1);
        assert_eq!(row.count("overdue"), 1);
        assert!(row.percent() > derived_percent);
        app.raw(Method::GET, row.href("overdue"), &admin, None)
            .await;

        // A contributor sees only the entity granted to them.
        let contributor = dashboard(&app, Role::Contributor).await;
        assert!(nis2_row(&contributor, &a).is_some());
        assert!(nis2_row(&contributor, &b).is_none());
    }
}

/// The answer to a GET as `token` (status and `Location`), without following redirects.
async fn get_status(app: &TestApp, path: &str, token: &str) -> (StatusCode, Option<String>) {
    let mut request = Request::builder()
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 7], 40000))));
    let response = app.app.clone().oneshot(request).await.unwrap();
    let location = response
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    (response.status(), location)
}

#[tokio::test]
async fn the_entity_switcher_filters_the_whole_dashboard() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let (a, b) = (app.ids.entity_a.clone(), app.ids.entity_b.clone());
        // Two assets observed in entity B (entity A has its PLC).
        let batch = serde_json::from_value(json!({
            "assets": [
                {"id": "ip:10.0.1.20", "ips": ["10.0.1.20"], "protocols": ["http"],
                 "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T08:10:00Z", "packets_sent": 38},
                {"id": "ip:10.0.1.21", "ips": ["10.0.1.21"], "protocols": ["dns"],
                 "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T08:10:00Z", "packets_sent": 4}
            ],
            "flows": [], "findings": [], "stats": {"packets": 42}
        }))
        .unwrap();
        app.store
            .ingest_observations(&Actor::system(), &b, "sensor-b", &batch)
            .await
            .unwrap();

        // The switcher opens the chosen entity's dashboard; "all entities" the whole one.
        assert_eq!(
            get_status(&app, &format!("/switch?entity={b}"), &admin).await,
            (StatusCode::SEE_OTHER, Some(format!("/?entity={b}")))
        );
        assert_eq!(
            get_status(&app, "/switch?entity=", &admin).await,
            (StatusCode::SEE_OTHER, Some("/".to_owned()))
        );

        let all = dashboard(&app, Role::Administrator).await;
        assert_eq!(figure_value(&all, "fig-entities"), Some(2));
        assert_eq!(figure_value(&all, "fig-sites"), Some(2));
        assert_eq!(figure_value(&all, "fig-assets"), Some(3));
        assert!(nis2_row(&all, &a).is_some() && nis2_row(&all, &b).is_some());
        assert!(!all.contains("id=\"entity-filter\""));
        assert!(all.contains("<option value=\"\">All entities</option>"));

        let page = |id: &str| {
            let app = &app;
            let admin = admin.clone();
            let path = format!("/?entity={id}");
            async move { String::from_utf8(app.raw(Method::GET, &path, &admin, None).await).unwrap() }
        };
        let only_a = page(&a).await;
        assert!(only_a.contains("id=\"entity-filter\""));
        assert!(only_a.contains(&format!("<option value=\"{a}\" selected>")));
        assert_eq!(figure_value(&only_a, "fig-entities"), Some(1));
        assert_eq!(figure_value(&only_a, "fig-sites"), Some(1));
        assert_eq!(figure_value(&only_a, "fig-assets"), Some(1));
        assert_eq!(
            figure_href(&only_a, "fig-assets"),
            format!("/assets?entity={a}")
        );
        assert_eq!(
            figure_href(&only_a, "fig-assessed"),
            format!("/compliance/assessments?entity={a}")
        );
        assert!(nis2_row(&only_a, &a).is_some());
        assert!(
            nis2_row(&only_a, &b).is_none(),
            "the NIS2 section is filtered"
        );
        assert!(!only_a.contains(&format!("href=\"/entities/{b}\"")));
        let frameworks = chart_rows(&only_a, "chart-frameworks");
        assert_eq!(frameworks.len(), 2, "entity A's two assessments");
        let classes = chart_rows(&only_a, "chart-nis2");
        let counts: Vec<&str> = classes.iter().map(|r| r.2.as_str()).collect();
        assert_eq!(counts, ["1", "0", "0"]);
        assert_eq!(
            classes[0].0,
            format!("/?entity={a}&class=essential#entities")
        );
        app.raw(
            Method::GET,
            &format!("/?entity={a}&class=essential"),
            &admin,
            None,
        )
        .await;

        let only_b = page(&b).await;
        assert_eq!(figure_value(&only_b, "fig-entities"), Some(1));
        assert_eq!(figure_value(&only_b, "fig-assets"), Some(2));
        assert_eq!(figure_value(&only_b, "fig-ot-assets"), Some(0));
        assert!(
            only_b.contains("id=\"no-assessments\""),
            "B has no assessment"
        );
        assert!(
            nis2_row(&only_b, &b)
                .unwrap()
                .last
                .contains("no assessment yet")
        );
        assert!(nis2_row(&only_b, &a).is_none());
        // The activity chart keeps to the entity's records.
        let audit = |html: &str| figure_value(html, "fig-audit").unwrap();
        assert!(audit(&only_b) > 0);
        assert!(audit(&only_a) + audit(&only_b) <= audit(&all));

        // Outside the caller's scope (or unknown): not found, as the entity's page would be.
        let contributor = app.token(Role::Contributor).to_owned();
        assert_eq!(
            get_status(&app, &format!("/?entity={b}"), &contributor)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get_status(&app, "/?entity=nope", &admin).await.0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            get_status(&app, &format!("/switch?entity={b}"), &contributor).await,
            (StatusCode::SEE_OTHER, Some("/".to_owned()))
        );

        // The switcher's choice is remembered (its cookie): Home keeps to the entity until
        // "all entities" is chosen (`?entity=` empty); a remembered entity the caller may not
        // see is ignored.
        let home = |cookie: String, path: &'static str, token: String| {
            let request = Request::builder()
                .uri(path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap();
            app.exchange(request)
        };
        let remembered = home(format!("hygeia_entity={b}"), "/", admin.clone()).await;
        assert_eq!(remembered.status, StatusCode::OK);
        assert_eq!(figure_value(&remembered.body, "fig-entities"), Some(1));
        assert!(
            remembered
                .body
                .contains(&format!("<option value=\"{b}\" selected>"))
        );
        let everything = home(format!("hygeia_entity={b}"), "/?entity=", admin.clone()).await;
        assert_eq!(
            figure_value(&everything.body, "fig-entities"),
            figure_value(&all, "fig-entities")
        );
        let not_theirs = home(format!("hygeia_entity={b}"), "/", contributor.clone()).await;
        assert_eq!(not_theirs.status, StatusCode::OK);
        assert!(nis2_row(&not_theirs.body, &b).is_none());
    }
}

#[tokio::test]
async fn sign_ins_and_sign_outs_are_not_counted_as_changes() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let changes = |html: &str| figure_value(html, "fig-audit").unwrap();
        let before = changes(&dashboard(&app, Role::Administrator).await);
        for _ in 0..2 {
            let (status, body, cookie) = login(&app, "auditor@example.org", PASSWORD).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let request = Request::builder()
                .method(Method::POST)
                .uri("/api/v1/auth/logout")
                .header(header::COOKIE, cookie.unwrap())
                .header("x-csrf-token", body["csrf_token"].as_str().unwrap())
                .body(Body::empty())
                .unwrap();
            let (status, _) = app.send(request).await;
            assert_eq!(status, StatusCode::NO_CONTENT);
        }
        let (status, _, _) = login(&app, "auditor@example.org", "wrong password!").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            app.audit_count("auth.login").await,
            2,
            "signed in, and audited"
        );
        assert_eq!(app.audit_count("auth.logout").await, 2);
        let after = changes(&dashboard(&app, Role::Administrator).await);
        assert_eq!(after, before, "sign-ins and sign-outs are not changes");
        // A change is.
        let (status, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/assessments/{}/results", app.ids.iso),
                Some(app.token(Role::Administrator)),
                Some(json!({"results": [{"requirement_id": "a.5.2", "value": "compliant"}]})),
            )
            .await;
        assert!(status.is_success(), "{status} {body}");
        assert!(changes(&dashboard(&app, Role::Administrator).await) > before);
    }
}
