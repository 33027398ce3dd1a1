//! A medical device maker's MDS2 form through the supplier's page, in French, and the API: a
//! filled workbook laid out as makers do (the answers in the fourth column, references after
//! the note) imported from the page, read whole with its findings; a form with a bad answer
//! refused whole with its sheet and line named; read-only roles kept out; scoping.

use axum::body::Body;

use super::forms::Browser;
use super::*;

/// A filled form: a header, then one row per (id, question, answer, note), with the
/// standards' references after the note as makers lay them out.
fn form(rows: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let headers = [
        "Question ID",
        "Question",
        "Yes, No, N/A, or See Note",
        "Note #",
        "IEC TR 80001-2-2:2012",
        "NIST SP 800-53 Rev. 4",
    ];
    let mut table = hygeia_report::Table::new("MDS2", &headers);
    for (id, question, answer, note) in rows {
        table.rows.push(vec![
            (*id).to_owned(),
            (*question).to_owned(),
            (*answer).to_owned(),
            (*note).to_owned(),
            "Section 5.1".to_owned(),
            "AC-12".to_owned(),
        ]);
    }
    hygeia_report::to_xlsx(&table).unwrap()
}

const ROWS: [(&str, &str, &str, &str); 9] = [
    ("DOC-1", "Manufacturer Name", "Perfusia SA", ""),
    ("DOC-3", "Device Model", "Infusa 300", ""),
    (
        "DOC-8",
        "Coordinated vulnerability disclosure program?",
        "Yes",
        "",
    ),
    ("ALOF-1", "Configurable auto-logoff?", "Yes", ""),
    (
        "PAUT-8",
        "Multi-factor authentication?",
        "No",
        "Planned for 2027",
    ),
    ("SBOM-1", "Is the SBOM available?", "See Note", "On request"),
    ("STCF-1", "Can the device encrypt data at rest?", "Yes", ""),
    ("RMOT-1", "Remote service connections?", "Yes, VPN", ""),
    ("CONN-1", "Hardware connectivity capabilities?", "", ""),
];

#[tokio::test]
async fn a_makers_mds2_form_is_imported_whole_and_read_against_the_entitys_duties() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let a = app.ids.entity_a.clone();
        app.speak(Role::ComplianceManager, "fr").await;
        let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;
        let token = app.token(Role::ComplianceManager).to_owned();
        let (status, maker) = app
            .call(
                Method::POST,
                "/api/v1/suppliers",
                Some(&token),
                Some(
                    json!({"entity_id": a, "name": "Perfusia", "category": "medical_device",
                            "services": "Pompes à perfusion", "health_data": true,
                            "dependency": 3, "substitutability": 2}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {maker}");
        let maker_id = maker["id"].as_str().unwrap().to_owned();
        let page = format!("/suppliers/{maker_id}");
        let empty = manager.get(&page).await.html;
        assert!(
            empty.contains("id=\"no-disclosures\"") && empty.contains("id=\"disclosure-form\""),
            "{name}"
        );

        // A bad answer refuses the whole file, naming its sheet and line.
        let mut bad = ROWS.to_vec();
        bad[3].2 = "Partiellement";
        let refused = manager
            .post_file(
                &format!("{page}/device-disclosures"),
                ("infusa.xlsx", &form(&bad)),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            refused.html.contains("line 5 (ALOF-1)") && refused.html.contains("Partiellement"),
            "{name}: {}",
            refused.html
        );
        let (_, listed) = app
            .call(
                Method::GET,
                &format!("/api/v1/suppliers/{maker_id}/device-disclosures"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(listed, json!([]), "{name}: nothing kept");

        // The good file, from the page: its findings in French.
        let imported = manager
            .post_file(
                &format!("{page}/device-disclosures"),
                ("infusa.xlsx", &form(&ROWS)),
            )
            .await;
        assert_eq!(
            imported.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            imported.html
        );
        let shown_at = imported.location.unwrap();
        let shown = manager.get(&shown_at).await;
        assert_eq!(shown.status, StatusCode::OK, "{name}");
        let findings = shown
            .html
            .split("id=\"findings\"")
            .nth(1)
            .and_then(|rest| rest.split("</table>").next())
            .unwrap_or_default();
        for expected in [
            "PAUT-8",
            "SBOM-1",
            "RMOT-1",
            "Écart",
            "À vérifier",
            "2024/2690 11.7",
        ] {
            assert!(
                findings.contains(expected),
                "{name}: {expected} in {findings}"
            );
        }
        for kept_out in ["ALOF-1", "STCF-1", "DOC-8"] {
            assert!(
                !findings.contains(kept_out),
                "{name}: {kept_out} answered as expected"
            );
        }
        assert!(
            shown.html.contains("Perfusia SA") && shown.html.contains("Planned for 2027"),
            "{name}"
        );
        assert!(manager.get(&page).await.html.contains(&shown_at), "{name}");

        // The API: the same reading, in English.
        let id = shown_at.rsplit('/').next().unwrap().to_owned();
        let (status, view) = app
            .call(
                Method::GET,
                &format!("/api/v1/device-disclosures/{id}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(view["device"], json!("Infusa 300"), "{name}");
        assert_eq!(view["questions"], json!(9), "{name}");
        let states: Vec<(String, String)> = view["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["question_id"].as_str().unwrap().to_owned(),
                    f["state"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            states,
            [
                ("PAUT-8".to_owned(), "gap".to_owned()),
                ("SBOM-1".to_owned(), "to_check".to_owned()),
                ("RMOT-1".to_owned(), "gap".to_owned())
            ],
            "{name}"
        );
        let auth_group = view["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["code"] == json!("PAUT"))
            .cloned()
            .unwrap();
        assert_eq!(
            (auth_group["no"].clone(), auth_group["yes"].clone()),
            (json!(1), json!(0)),
            "{name}"
        );

        // The octet-stream import for the API, refused to a contributor.
        let request = |supplier: &str, bearer: &str| {
            Request::builder()
                .method(Method::POST)
                .uri(format!(
                    "/api/v1/suppliers/{supplier}/device-disclosures?file_name=infusa-2.xlsx"
                ))
                .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(Body::from(form(&ROWS)))
                .unwrap()
        };
        let (status, _) = app
            .send(request(&maker_id, app.token(Role::Contributor)))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let (status, second) = app.send(request(&maker_id, &token)).await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {second}");
        assert_eq!(second["file_name"], json!("infusa-2.xlsx"), "{name}");

        // Removed from its page.
        let removed = manager.post(&format!("{shown_at}/remove"), &[]).await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER, "{name}");
        let (_, left) = app
            .call(
                Method::GET,
                &format!("/api/v1/suppliers/{maker_id}/device-disclosures"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(left.as_array().map(Vec::len), Some(1), "{name}: {left}");

        // A disclosure of entity B is not found by a user of entity A.
        let admin = app.token(Role::Administrator).to_owned();
        let (_, other) = app
            .call(
                Method::POST,
                "/api/v1/suppliers",
                Some(&admin),
                Some(json!({"entity_id": app.ids.entity_b, "name": "Perfusia B",
                            "category": "medical_device", "dependency": 1,
                            "substitutability": 1})),
            )
            .await;
        let (status, hidden) = app
            .send(request(other["id"].as_str().unwrap(), &admin))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {hidden}");
        let (status, _) = app
            .call(
                Method::GET,
                &format!(
                    "/api/v1/device-disclosures/{}",
                    hidden["id"].as_str().unwrap()
                ),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
    }
}
