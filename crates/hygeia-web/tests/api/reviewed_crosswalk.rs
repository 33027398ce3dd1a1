//! Hygeia's reviewed crosswalk through the API: a fully compliant ISO/IEC 27001 assessment
//! credits the 2024/2690 points the review covers, leaves deltas to confirm and the points
//! ISO does not cover; confirming deltas (all or nothing, audited per point, evidence linked)
//! credits them; accepting a whole Art. 21(2) letter at once keeps results of one's own and
//! links the sources' evidence.

use super::*;

async fn all_compliant_iso(app: &TestApp, token: &str) -> String {
    let catalog = hygeia_catalog::Catalog::load_embedded().unwrap();
    let (status, iso) = app
        .call(
            Method::POST,
            &format!("/api/v1/entities/{}/assessments", app.ids.entity_a),
            Some(token),
            Some(
                json!({"framework_id": "iso27001-2022", "name": "ISO 2026 certification",
                        "scope": "Whole company", "status": "completed",
                        "starts_on": "2026-01-05", "ends_on": "2026-06-30"}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{iso}");
    let iso = iso["id"].as_str().unwrap().to_owned();
    let results: Vec<Value> = catalog
        .framework("iso27001-2022")
        .unwrap()
        .assessable()
        .map(|r| json!({"requirement_id": r.id, "value": "compliant"}))
        .collect();
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/assessments/{iso}/results"),
            Some(token),
            Some(json!({ "results": results })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    iso
}

fn derived<'v>(reuse: &'v Value, requirement: &str) -> &'v Value {
    reuse["view"]["derived"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["requirement_id"] == requirement)
        .unwrap()
}

async fn audit_actions(app: &TestApp, action: &str) -> usize {
    app.store
        .audit_records_after(0, 100_000)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.action == action)
        .count()
}

#[tokio::test]
async fn deltas_are_confirmed_all_or_nothing_and_credit_the_points() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let manager = app.token(Role::ComplianceManager).to_owned();
        let iso = all_compliant_iso(&app, &manager).await;
        let reuse = format!("/api/v1/assessments/{iso}/reuse");
        let (status, view) = app.call(Method::GET, &reuse, Some(&manager), None).await;
        assert_eq!(status, StatusCode::OK);
        let counts = &view["view"]["counts"];
        assert_eq!(
            (
                &counts["compliant"],
                &counts["partially_compliant"],
                &counts["no_coverage"]
            ),
            (&json!(101), &json!(237), &json!(17))
        );
        let with_rule = |view: &Value, rule: &str| -> Vec<String> {
            view["view"]["derived"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["rule"] == rule)
                .map(|d| d["requirement_id"].as_str().unwrap().to_owned())
                .collect()
        };
        let deltas = with_rule(&view, "delta_to_confirm");
        let covered = with_rule(&view, "covered_by_review");
        assert_eq!((deltas.len(), covered.len()), (237, 101));
        let (first, second) = (deltas[0].clone(), deltas[1].clone());
        let delta_fr = derived(&view, &first)["review"]["delta"]["fr"].clone();
        assert!(delta_fr.as_str().unwrap().len() > 10);

        // The gap view separates what ISO does not cover from what only needs its delta.
        let (_, gaps) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/gaps"),
                Some(&manager),
                None,
            )
            .await;
        assert_eq!(gaps["counts"]["delta_to_confirm"], 237);
        assert_eq!(gaps["counts"]["no_coverage"], 17);

        // All or nothing: a point without a delta spoils the whole request.
        let confirmations = format!("/api/v1/entities/{}/delta-confirmations", app.ids.entity_a);
        let (status, refused) = app
            .call(
                Method::POST,
                &confirmations,
                Some(&manager),
                Some(json!({"requirement_ids": [first, covered[0]], "note": "Minutes"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(refused["errors"][0]["field"], "requirement_ids[1]");
        let (_, listed) = app
            .call(Method::GET, &confirmations, Some(&manager), None)
            .await;
        assert_eq!(listed, json!([]));
        // Evidence that is not the entity's is refused, nothing written.
        let (status, refused) = app
            .call(
                Method::POST,
                &confirmations,
                Some(app.token(Role::Administrator)),
                Some(json!({"requirement_ids": [first], "evidence_id": "no-such-evidence"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(refused["errors"][0]["field"], "evidence_id", "{refused}");
        let (_, listed) = app
            .call(Method::GET, &confirmations, Some(&manager), None)
            .await;
        assert_eq!(listed, json!([]));

        // Two deltas confirmed at once, with the entity's evidence.
        let (status, confirmed) = app
            .call(
                Method::POST,
                &confirmations,
                Some(&manager),
                Some(json!({"requirement_ids": [first, second],
                            "note": "Board minutes of 12 March 2026",
                            "evidence_id": app.ids.evidence})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{confirmed}");
        assert_eq!(confirmed.as_array().unwrap().len(), 2);
        assert_eq!(audit_actions(&app, "delta.confirm").await, 2);
        let (_, view) = app.call(Method::GET, &reuse, Some(&manager), None).await;
        let confirmed_point = derived(&view, &first);
        assert_eq!(confirmed_point["rule"], "delta_confirmed");
        assert_eq!(confirmed_point["value"], "compliant");
        assert_eq!(view["view"]["counts"]["compliant"], json!(101 + 2));
        // The evidence now supports the confirmed points.
        assert!(
            view["evidence"][first.as_str()]
                .as_array()
                .is_some_and(|e| e.iter().any(|e| e["id"] == app.ids.evidence.as_str()))
        );
        // An auditor reads them but cannot confirm.
        let auditor = app.token(Role::Auditor).to_owned();
        let (status, listed) = app
            .call(Method::GET, &confirmations, Some(&auditor), None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            listed
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["current"] == true)
        );

        // Withdrawn: back to a delta to confirm.
        let (status, _) = app
            .call(
                Method::DELETE,
                &format!("{confirmations}/nis2-2024-2690/{first}"),
                Some(&manager),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, view) = app.call(Method::GET, &reuse, Some(&manager), None).await;
        assert_eq!(derived(&view, &first)["rule"], "delta_to_confirm");
        assert_eq!(audit_actions(&app, "delta.withdraw").await, 1);
    }
}

#[tokio::test]
async fn a_whole_letter_is_accepted_with_one_justification() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let manager = app.token(Role::ComplianceManager).to_owned();
        let iso = all_compliant_iso(&app, &manager).await;
        // Evidence on ISO 5.2 (the policy), which the review credits for 1.1.1(a).
        let (status, body) = app
            .call(
                Method::POST,
                &format!("/api/v1/evidence/{}/attachments", app.ids.evidence),
                Some(&manager),
                Some(json!({"framework_id": "iso27001-2022", "requirement_id": "5.2"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // A result of its own on one point of letter (a), kept.
        let nis2 = app.ids.nis2.clone();
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/assessments/{nis2}/results/1.1.1.b"),
                Some(&manager),
                Some(json!({"value": "non_compliant"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let accept_all = format!("/api/v1/assessments/{nis2}/accept-all");
        let (status, refused) = app
            .call(
                Method::POST,
                &accept_all,
                Some(&manager),
                Some(json!({"source_assessment_id": iso, "art21": "a", "justification": " "})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(refused["errors"][0]["field"], "justification");
        let before = audit_actions(&app, "result.set").await;
        let (status, done) = app
            .call(
                Method::POST,
                &accept_all,
                Some(&manager),
                Some(json!({"source_assessment_id": iso, "art21": "a",
                            "justification": "ISO certificate 2026, audit report ref. 42"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{done}");
        let accepted = done["accepted"].as_array().unwrap();
        assert_eq!(done["kept"], json!(["1.1.1.b"]));
        // Letter (a) is sections 1 and 2: every point has coverage; one was kept.
        let catalog = hygeia_catalog::Catalog::load_embedded().unwrap();
        let letter_a = catalog
            .framework("nis2-2024-2690")
            .unwrap()
            .assessable()
            .filter(|r| r.nis2_art21.iter().any(|l| l.as_char() == 'a'))
            .count();
        assert_eq!(accepted.len() + 1, letter_a);
        for result in accepted {
            assert_eq!(result["origin"], "accepted_derivation");
            assert_eq!(
                result["origin_detail"]["reason"],
                "ISO certificate 2026, audit report ref. 42"
            );
        }
        let policy = accepted
            .iter()
            .find(|r| r["requirement_id"] == "1.1.1.a")
            .unwrap();
        assert_eq!(policy["value"], "compliant");
        assert_eq!(policy["origin_detail"]["rule"], "covered_by_review");
        // One audit record per accepted point.
        let after = audit_actions(&app, "result.set").await;
        assert!(after >= before + accepted.len(), "{before} → {after}");
        // The policy's evidence is linked to the accepted NIS2 point, not copied.
        let (_, evidence) = app
            .call(
                Method::GET,
                &format!("/api/v1/entities/{}/evidence", app.ids.entity_a),
                Some(&manager),
                None,
            )
            .await;
        let items = evidence["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{evidence}");
        assert!(
            items[0]["attachments"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["framework_id"] == "nis2-2024-2690" && a["requirement_id"] == "1.1.1.a"),
            "{evidence}"
        );
    }
}

#[tokio::test]
async fn deltas_and_whole_letters_are_handled_from_the_pages() {
    use super::forms::{Browser, assert_accessible_form};
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let iso = all_compliant_iso(&app, &admin).await;
        let browser = Browser::sign_in(&app, "compliance_manager@example.org").await;

        // The gap view of letter (a): counts by kind, a box to tick on each delta.
        let gaps_path = format!("/compliance/assessments/{iso}/gaps?target=nis2-2024-2690&art21=a");
        let page = browser.get(&gaps_path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_accessible_form(&gaps_path, &page.html);
        assert!(page.html.contains("id=\"gap-kinds\""));
        assert!(
            page.html.contains("credited except a delta to confirm"),
            "{}",
            page.html
        );
        let boxes = page.html.matches("type=\"checkbox\" name=\"req\"").count();
        assert_eq!(boxes, 21, "letter (a) has 21 deltas");
        let confirmed = browser
            .post(
                &format!("/compliance/assessments/{iso}/deltas"),
                &[
                    ("target", "nis2-2024-2690"),
                    ("art21", "a"),
                    ("return", "gaps"),
                    ("req", "1.1.2"),
                    ("req", "1.1.1.c"),
                    ("note", "Board minutes, 12 March 2026"),
                ],
            )
            .await;
        assert_eq!(
            confirmed.status,
            StatusCode::SEE_OTHER,
            "{}",
            confirmed.html
        );
        assert!(confirmed.location.as_deref().unwrap().contains("/gaps?"));
        let page = browser.get(&gaps_path).await;
        assert_eq!(
            page.html.matches("type=\"checkbox\" name=\"req\"").count(),
            19
        );

        // The reuse view says who confirmed, offers to withdraw, and to accept the letter.
        let reuse_path =
            format!("/compliance/assessments/{iso}/reuse?target=nis2-2024-2690&art21=a");
        let page = browser.get(&reuse_path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_accessible_form(&reuse_path, &page.html);
        assert!(page.html.contains("class=\"review-line small\""));
        assert!(
            page.html
                .contains("Confirmed by compliance_manager@example.org")
        );
        assert!(page.html.contains("id=\"accept-all-form\""));
        let accepted = browser
            .post(
                &format!("/compliance/assessments/{iso}/reuse/accept-all"),
                &[
                    ("target_assessment", &app.ids.nis2),
                    ("art21", "a"),
                    ("justification", "ISO certificate 2026"),
                    ("back", "target=nis2-2024-2690&art21=a"),
                ],
            )
            .await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.html);
        let (_, results) = app
            .call(
                Method::GET,
                &format!(
                    "/api/v1/assessments/{}/requirements?result=compliant",
                    app.ids.nis2
                ),
                Some(&admin),
                None,
            )
            .await;
        // Letter (a): 18 points covered in full, and the two confirmed deltas.
        assert_eq!(results["total"], 18 + 2, "{results}");
        assert_eq!(super::forms::audited(&app, "delta.confirm").await, 2);
    }
}

#[tokio::test]
async fn the_crosswalk_browser_shows_pairs_and_the_reviewed_points() {
    use super::forms::{Browser, assert_accessible_form};
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let browser = Browser::sign_in(&app, "auditor@example.org").await;
        let list = browser.get("/compliance/crosswalks").await;
        assert_eq!(list.status, StatusCode::OK);
        assert_accessible_form("/compliance/crosswalks", &list.html);
        assert!(
            list.html
                .contains("/compliance/crosswalks/hygeia-2024-2690-to-iso27001-2022")
        );
        assert!(
            list.html
                .contains("/compliance/crosswalks/enisa-2024-2690-to-iso27001-2022")
        );

        // The reviewed crosswalk, filtered on what ISO does not cover.
        let path = "/compliance/crosswalks/hygeia-2024-2690-to-iso27001-2022?verdict=not_covered";
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_accessible_form(path, &page.html);
        assert!(page.html.contains("of 17"), "{}", page.html);
        assert!(page.html.contains("3.5.3(a)"));
        // One point's review, with its delta.
        let page = browser
            .get("/compliance/crosswalks/hygeia-2024-2690-to-iso27001-2022?q=1.1.2")
            .await;
        assert!(
            page.html.contains("covered except a delta"),
            "{}",
            page.html
        );
        // ENISA's pairs, filtered on a section.
        let page = browser
            .get("/compliance/crosswalks/enisa-2024-2690-to-iso27001-2022?q=6.8")
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains("A.8.22"));
        assert!(page.html.contains("id=\"pairs\""));
        let missing = browser.get("/compliance/crosswalks/no-such-set").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);

        // The same over the API.
        let (status, set) = app
            .call(
                Method::GET,
                "/api/v1/mappings/hygeia-2024-2690-to-iso27001-2022",
                Some(app.token(Role::Auditor)),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(set["coverage"].as_array().unwrap().len(), 355);
        assert!(
            set["mapping"]["source"]
                .as_str()
                .unwrap()
                .contains("Hygeia")
        );
    }
}

/// The gap analysis of a fully compliant ISO assessment: one row per requirement (17 not
/// covered, 237 deltas), in the reader's language, with what the export is after the rows.
#[tokio::test]
async fn the_gap_analysis_has_one_row_per_requirement_and_says_what_it_is() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let iso = all_compliant_iso(&app, &admin).await;
        let bytes = app
            .raw(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/exports/gap-analysis?format=csv&lang=fr"),
                &admin,
                None,
            )
            .await;
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with('\u{feff}'));
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        assert_eq!(&reader.headers().unwrap()[1], "Exigence");
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let rows: Vec<&csv::StringRecord> =
            records.iter().take_while(|r| !r[1].is_empty()).collect();
        assert_eq!(rows.len(), 17 + 237, "one row per requirement");
        let mut seen = std::collections::HashSet::new();
        assert!(rows.iter().all(|r| seen.insert(r[1].to_owned())));
        assert_eq!(
            rows.iter().filter(|r| &r[3] == "écart à confirmer").count(),
            237
        );
        // Every row names its Art. 21(2) letters (several in one cell).
        assert!(rows.iter().all(|r| !r[0].is_empty()));
        // Sources are the ISO requirements of Hygeia's review.
        let policy = rows.iter().find(|r| &r[1] == "1.1.2").unwrap();
        assert!(!policy[6].is_empty());
        let about: Vec<(&str, &str)> = records
            .iter()
            .map(|r| (&r[0], &r[1]))
            .filter(|(label, _)| !label.is_empty())
            .collect();
        for label in [
            "Entité",
            "Évaluation",
            "Référentiel",
            "Référentiel cible",
            "Exporté le",
            "Exporté par",
        ] {
            assert!(
                about.iter().any(|(l, v)| *l == label && !v.is_empty()),
                "{label}: {about:?}"
            );
        }
        assert!(text.contains("Hygeia"), "credits name the review");
        // The same in English as XLSX: an About sheet.
        let bytes = app
            .raw(
                Method::GET,
                &format!("/api/v1/assessments/{iso}/exports/gap-analysis?format=xlsx"),
                &admin,
                None,
            )
            .await;
        use calamine::Reader;
        let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let about = book.worksheet_range("About").unwrap();
        let labels: Vec<String> = about.rows().map(|r| r[0].to_string()).collect();
        assert!(labels.contains(&"Entity".to_owned()), "{labels:?}");
        assert!(labels.contains(&"Exported by".to_owned()), "{labels:?}");
    }
}
