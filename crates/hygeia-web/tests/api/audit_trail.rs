//! The audit trail page and its exports: object names instead of ids, the before/after view,
//! CSV and JSON lines within need-to-know, and exports recorded in the trail.

use super::forms::Browser;
use super::*;

/// Renames site A through the API (a name a spreadsheet would run as a formula, with markup),
/// and adds then deletes a second site, whose records keep only its id.
async fn changes(app: &TestApp) -> String {
    let admin = app.token(Role::Administrator);
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/api/v1/sites/{}", app.ids.site_a),
            Some(admin),
            Some(json!({"name": "=1+1 <b>Bloc</b>", "kind": "hospital", "city": "Rennes", "country": "FR"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, gone) = app
        .call(
            Method::POST,
            &format!("/api/v1/entities/{}/sites", app.ids.entity_a),
            Some(admin),
            Some(json!({"name": "Annexe", "kind": "hospital", "city": "Brest", "country": "FR"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{gone}");
    let gone = gone["id"].as_str().unwrap().to_owned();
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/sites/{gone}"),
            Some(admin),
            None,
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    gone
}

#[tokio::test]
async fn the_trail_shows_names_and_a_before_after_view() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let gone = changes(&app).await;
        let browser = Browser::sign_in(&app, "administrator@example.org").await;
        let page = browser.get("/audit?object_type=site").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = &page.html;
        // The renamed site by its (escaped) name, its entity by name, never raw markup.
        assert!(
            html.contains("<strong>=1+1 &#60;b&#62;Bloc&#60;/b&#62;</strong>"),
            "{html}"
        );
        assert!(!html.contains("<b>Bloc</b>"), "{html}");
        assert!(html.contains("<td>Hôpital A</td>"), "{html}");
        // The deleted site: its id, no name.
        assert!(html.contains(&format!("<span class=\"muted id\">{gone}</span>")));
        // Before → after, field by field: the name changed, the city did not.
        assert!(html.contains("<del>Bloc</del>"), "{html}");
        assert!(
            html.contains("<ins>=1+1 &#60;b&#62;Bloc&#60;/b&#62;</ins>"),
            "{html}"
        );
        assert!(
            html.contains("<div><dt>city</dt><dd>Rennes</dd></div>"),
            "{html}"
        );
        assert!(
            html.contains("<div class=\"changed\"><dt>name</dt>"),
            "{html}"
        );
        assert!(
            html.contains("Before and after (fields changed: 1)"),
            "{html}"
        );
        // The exports of the filtered records are linked.
        assert!(
            html.contains(
                "href=\"/api/v1/audit/export?format=csv&#38;lang=en&#38;object_type=site\""
            ),
            "{html}"
        );
        assert!(
            html.contains("/api/v1/audit/export?format=jsonl&#38;lang=en&#38;object_type=site")
        );
        super::forms::assert_accessible_form("/audit", html);

        // Users are named too (organisation-level records, administrators only).
        let users = browser.get("/audit?object_type=user").await;
        assert!(
            users.html.contains("<strong>contributor</strong>"),
            "{}",
            users.html
        );

        // In French: the labels and the export links in French.
        let switched = browser.post("/settings/locale", &[("locale", "fr")]).await;
        assert!(switched.status.is_redirection(), "{}", switched.status);
        let fr = browser.get("/audit?object_type=site").await;
        assert!(
            fr.html.contains("Avant et après (champs modifiés : 1)"),
            "{}",
            fr.html
        );
        assert!(
            fr.html
                .contains("format=csv&#38;lang=fr&#38;object_type=site")
        );
    }
}

#[tokio::test]
async fn exports_are_escaped_scoped_and_recorded() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        changes(&app).await;
        let admin = app.token(Role::Administrator);
        let before = super::forms::audited(&app, "export.download").await;

        // French CSV: BOM, `;`, French headers and labels, names, formulas neutralised.
        let csv = app
            .raw(
                Method::GET,
                "/api/v1/audit/export?format=csv&lang=fr&object_type=site",
                admin,
                None,
            )
            .await;
        let text = String::from_utf8(csv).unwrap();
        assert!(text.starts_with('\u{feff}'), "{text}");
        let mut lines = text.trim_start_matches('\u{feff}').lines();
        let header = lines.next().unwrap();
        assert!(header.starts_with("N°;Date (UTC);Auteur;"), "{header}");
        assert!(
            header.contains(";Nom de l'objet;Entité;Avant;Après"),
            "{header}"
        );
        assert!(text.contains(";Site;"), "{text}");
        assert!(text.contains(";'=1+1 <b>Bloc</b>;Hôpital A;"), "{text}");
        assert!(text.contains("Exporté par;administrator <administrator@example.org>"));
        // English CSV splits on commas.
        let en = app
            .raw(
                Method::GET,
                "/api/v1/audit/export?lang=en&object_type=site",
                admin,
                None,
            )
            .await;
        let en = String::from_utf8(en).unwrap();
        assert!(
            en.trim_start_matches('\u{feff}')
                .starts_with("No.,When (UTC),Who,")
        );

        // JSON lines: every record with its seal and names; organisation-level records too.
        let jsonl = app
            .raw(
                Method::GET,
                "/api/v1/audit/export?format=jsonl",
                admin,
                None,
            )
            .await;
        let records: Vec<Value> = String::from_utf8(jsonl)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(
            records
                .windows(2)
                .all(|w| w[0]["seq"].as_i64() < w[1]["seq"].as_i64())
        );
        assert!(
            records
                .iter()
                .all(|r| r["hash"].is_string() && r["mac"].is_string())
        );
        assert!(records.iter().any(|r| r["entity_id"].is_null()));
        assert!(
            records
                .iter()
                .any(|r| r["object_name"] == "=1+1 <b>Bloc</b>" && r["entity_name"] == "Hôpital A")
        );
        assert!(
            records
                .iter()
                .any(|r| r["entity_id"] == json!(app.ids.entity_b))
        );

        // Need-to-know: the auditor of entity A exports entity A's records only.
        let auditor = app.token(Role::Auditor);
        let mine = app
            .raw(
                Method::GET,
                "/api/v1/audit/export?format=jsonl",
                auditor,
                None,
            )
            .await;
        let mine: Vec<Value> = String::from_utf8(mine)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(!mine.is_empty());
        assert!(
            mine.iter()
                .all(|r| r["entity_id"] == json!(app.ids.entity_a)),
            "{mine:?}"
        );

        // Each export is recorded, with its format, size and filters.
        assert_eq!(
            super::forms::audited(&app, "export.download").await,
            before + 4
        );
        let (_, trail) = app
            .call(
                Method::GET,
                "/api/v1/audit?action=export.download&object_type=audit_log",
                Some(admin),
                None,
            )
            .await;
        let newest = &trail["items"][0];
        assert_eq!(newest["actor_label"], "auditor@example.org", "{trail}");
        let details: Value = serde_json::from_str(newest["after"].as_str().unwrap()).unwrap();
        assert_eq!(details["kind"], "audit-trail");
        assert_eq!(details["format"], "jsonl");
        assert_eq!(details["rows"], mine.len());
        let oldest = &trail["items"][3];
        let details: Value = serde_json::from_str(oldest["after"].as_str().unwrap()).unwrap();
        assert_eq!(details["filter"]["object_type"], "site");

        // A format the export does not know is a field error.
        let (status, problem) = app
            .call(
                Method::GET,
                "/api/v1/audit/export?format=xml",
                Some(admin),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(problem["errors"][0]["field"], "format", "{problem}");
    }
}
