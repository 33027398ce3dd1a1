//! Reuse names its source assessment: a source that is not completed flags every derived
//! result, the gap view and the exports; the scope attestation is stored, audited and shown;
//! organisation-refined pairs are labelled in the exports.

use super::forms::{Browser, audited};
use super::*;

/// The gap analysis as CSV: header and rows, and the whole text (notes after the rows).
async fn gap_csv(app: &TestApp, iso: &str, token: &str) -> (Vec<String>, Vec<Vec<String>>, String) {
    let path = format!("/api/v1/assessments/{iso}/exports/gap-analysis?format=csv");
    let text = String::from_utf8(app.raw(Method::GET, &path, token, None).await).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect::<Vec<_>>())
        .take_while(|r: &Vec<String>| !r[1].is_empty())
        .collect();
    (headers, rows, text)
}

fn column(headers: &[String], name: &str) -> usize {
    headers.iter().position(|h| h == name).unwrap()
}

#[tokio::test]
async fn a_source_not_completed_is_flagged_until_completed_and_its_scope_attested() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let manager = app.token(Role::ComplianceManager).to_owned();
        let auditor = app.token(Role::Auditor).to_owned();
        let body = json!({"framework_id": "iso27001-2022", "name": "ISO 2026",
                          "scope": "Tous les sites", "status": "in_progress",
                          "starts_on": "2026-01-05", "ends_on": "2026-06-30"});
        let (status, iso) = app
            .call(
                Method::POST,
                &format!("/api/v1/entities/{}/assessments", app.ids.entity_a),
                Some(&admin),
                Some(body.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{iso}");
        let id = iso["id"].as_str().unwrap().to_owned();
        let results = json!({"results": [{"requirement_id": "a.8.22", "value": "compliant"}]});
        let path = format!("/api/v1/assessments/{id}/results");
        let (status, _) = app
            .call(Method::POST, &path, Some(&admin), Some(results))
            .await;
        assert_eq!(status, StatusCode::OK);

        // Not completed, not attested: the view, every derived result and the gaps say so.
        let reuse_path = format!("/api/v1/assessments/{id}/reuse");
        let (_, reuse) = app
            .call(Method::GET, &reuse_path, Some(&auditor), None)
            .await;
        let view = &reuse["view"];
        assert_eq!(view["source"]["assessment_id"], id.as_str());
        assert_eq!(view["source"]["status"], "in_progress");
        assert_eq!(view["source"]["scope"], "Tous les sites");
        let (_, fresh) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{id}"),
                Some(&admin),
                None,
            )
            .await;
        let changed = &fresh["updated_at"].as_str().unwrap()[..10];
        assert_eq!(view["source"]["date"], changed);
        assert_eq!(
            view["caveats"],
            json!(["source_not_completed", "scope_not_attested"])
        );
        assert!(
            view["derived"]
                .as_array()
                .unwrap()
                .iter()
                .all(|d| d["caveats"][0] == "source_not_completed")
        );
        assert!(reuse["scope_attestation"].is_null());
        let (_, gaps) = app
            .call(
                Method::GET,
                &format!("/api/v1/assessments/{id}/gaps"),
                Some(&auditor),
                None,
            )
            .await;
        assert_eq!(gaps["caveats"][0], "source_not_completed");
        assert_eq!(gaps["source"]["scope"], "Tous les sites");
        let (headers, rows, text) = gap_csv(&app, &id, &auditor).await;
        let (st, sc, dt, at) = (
            column(&headers, "Source status"),
            column(&headers, "Source scope"),
            column(&headers, "Source date"),
            column(&headers, "Source scope attested"),
        );
        assert!(!rows.is_empty());
        for row in &rows {
            assert_eq!(row[st], "NOT COMPLETED (in_progress)");
            assert_eq!(
                (row[sc].as_str(), row[dt].as_str()),
                ("Tous les sites", changed)
            );
            assert_eq!(row[at], "NO");
        }
        assert!(
            text.contains("WARNING: the source assessment is not completed"),
            "{text}"
        );

        // Attesting: compliance managers only, within their need-to-know, with a statement.
        let attest = format!("/api/v1/assessments/{id}/scope-attestations");
        let statement = json!({"statement": "Le certificat couvre tous les sites"});
        let (status, _) = app
            .call(
                Method::POST,
                &attest,
                Some(&auditor),
                Some(statement.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, problem) = app
            .call(
                Method::POST,
                &attest,
                Some(&manager),
                Some(json!({"statement": " "})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert!(problem.to_string().contains("statement"), "{problem}");
        let (_, other) = app
            .call(
                Method::POST,
                &format!("/api/v1/entities/{}/assessments", app.ids.entity_b),
                Some(&admin),
                Some(body.clone()),
            )
            .await;
        let (status, _) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/assessments/{}/scope-attestations",
                    other["id"].as_str().unwrap()
                ),
                Some(&manager),
                Some(statement.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(audited(&app, "reuse.attest_scope").await, 0);
        let (status, stored) = app
            .call(Method::POST, &attest, Some(&manager), Some(statement))
            .await;
        assert_eq!(status, StatusCode::OK, "{stored}");
        assert_eq!(stored["scope"], "Tous les sites");
        assert_eq!(stored["attested_by"], "compliance_manager@example.org");
        assert_eq!(audited(&app, "reuse.attest_scope").await, 1);
        let (_, reuse) = app
            .call(Method::GET, &reuse_path, Some(&auditor), None)
            .await;
        assert_eq!(reuse["view"]["source"]["scope_attested"], true);
        assert_eq!(reuse["view"]["caveats"], json!(["source_not_completed"]));
        assert_eq!(
            reuse["scope_attestation"]["statement"],
            "Le certificat couvre tous les sites"
        );

        // Completed: the flag goes; the date is the end date.
        let mut done = body.clone();
        done["status"] = json!("completed");
        done["version"] = fresh["version"].clone();
        let (status, updated) = app
            .call(
                Method::PUT,
                &format!("/api/v1/assessments/{id}"),
                Some(&admin),
                Some(done),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        let (_, reuse) = app
            .call(Method::GET, &reuse_path, Some(&auditor), None)
            .await;
        assert!(
            reuse["view"].get("caveats").is_none(),
            "{}",
            reuse["view"]["caveats"]
        );
        assert!(reuse["view"]["derived"][0].get("caveats").is_none());
        assert_eq!(reuse["view"]["source"]["date"], "2026-06-30");

        // An organisation-refined pair is labelled in the exported rows and in the notes.
        let refine = json!({"mapping_set": "enisa-2024-2690-to-iso27001-2022", "source": "6.8.1",
            "target": "a.8.22", "decision": {"kind": "refined", "relationship": "superset",
            "rationale": "A.8.22 ne couvre que le réseau"}});
        let (status, review) = app
            .call(
                Method::PUT,
                "/api/v1/mapping-reviews",
                Some(&admin),
                Some(refine),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{review}");
        let (headers, rows, text) = gap_csv(&app, &id, &auditor).await;
        let refined = column(&headers, "Organisation-refined pairs");
        let row = rows.iter().find(|r| r[1] == "6.8.1").unwrap();
        assert!(
            row[refined].contains("A.8.22: refined by the organisation (intersect → subset)"),
            "{row:?}"
        );
        assert!(row[refined].contains("ne couvre que le réseau"));
        assert!(rows.iter().any(|r| r[refined].is_empty()));
        for row in &rows {
            assert_eq!(row[st], "completed");
            assert_eq!((row[dt].as_str(), row[at].as_str()), ("2026-06-30", "yes"));
        }
        assert!(!text.contains("WARNING"), "{text}");
        assert!(text.contains("Organisation-refined pairs (not the published crosswalk): 6.8.1"));

        // A new scope text voids the attestation.
        let mut wider = body.clone();
        wider["status"] = json!("completed");
        wider["scope"] = json!("Site de Rennes seulement");
        wider["version"] = updated["version"].clone();
        let (status, _) = app
            .call(
                Method::PUT,
                &format!("/api/v1/assessments/{id}"),
                Some(&admin),
                Some(wider),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, reuse) = app
            .call(Method::GET, &reuse_path, Some(&auditor), None)
            .await;
        assert_eq!(reuse["view"]["caveats"], json!(["scope_not_attested"]));
        assert!(reuse["scope_attestation"].is_null());
    }
}

#[tokio::test]
async fn the_reuse_page_flags_the_source_and_attests_its_scope() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let iso = app.ids.iso.clone();
        let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;
        let page = manager
            .get(&format!("/compliance/assessments/{iso}/reuse"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.html.contains("id=\"source-not-completed\""),
            "{}",
            page.html
        );
        assert!(page.html.contains("Source not completed"));
        assert!(page.html.contains("class=\"badge warn provisional\""));
        assert!(page.html.contains("Derived from <a href=\"#source\">"));
        assert!(page.html.contains("id=\"attest-form\""));
        super::forms::assert_accessible_form("reuse", &page.html);
        let gaps = manager
            .get(&format!("/compliance/assessments/{iso}/gaps"))
            .await;
        assert!(gaps.html.contains("id=\"source-not-completed\""));
        assert!(gaps.html.contains("id=\"attest-call\""));

        let action = format!("/compliance/assessments/{iso}/reuse/attest");
        let empty = manager
            .post(&action, &[("statement", ""), ("back", "")])
            .await;
        assert_eq!(empty.status, StatusCode::BAD_REQUEST);
        assert!(empty.html.contains("Nothing was saved"));
        let done = manager
            .post(
                &action,
                &[
                    ("statement", "Tout l'hôpital"),
                    ("back", "target=nis2-2024-2690"),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        assert!(
            done.location
                .unwrap()
                .contains("/reuse?target=nis2-2024-2690")
        );
        assert_eq!(audited(&app, "reuse.attest_scope").await, 1);
        let page = manager
            .get(&format!("/compliance/assessments/{iso}/reuse"))
            .await;
        assert!(
            page.html
                .contains("Attested by compliance_manager@example.org")
        );
        assert!(
            page.html.contains("Tout l&#x27;hôpital") || page.html.contains("Tout l&#39;hôpital")
        );
        assert!(!page.html.contains("id=\"attest-form\""));

        let auditor = Browser::sign_in(&app, "auditor@example.org").await;
        let refused = auditor
            .post(&action, &[("statement", "x"), ("back", "")])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
}
