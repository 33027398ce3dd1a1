//! The questionnaire's spreadsheet round trip: exported with its questions, a returned file
//! with a bad line refused whole with each problem named by its line (nothing saved), the
//! corrected file recorded and submitted; and the same through the portal as a draft.

use axum::body::Body;

use super::*;

/// A returned workbook: the header, then one line per (question, answer, comment).
fn workbook(lines: &[(&str, &str, &str)]) -> Vec<u8> {
    let headers = [
        "ID", "Section", "Question", "Allowed", "Weight", "Refs", "Evidence", "Answer", "Comment",
    ];
    let mut table = hygeia_report::Table::new("Questionnaire", &headers);
    for (id, answer, comment) in lines {
        let mut row = vec![String::new(); 9];
        row[0] = (*id).to_owned();
        row[7] = (*answer).to_owned();
        row[8] = (*comment).to_owned();
        table.rows.push(row);
    }
    hygeia_report::to_xlsx(&table).unwrap()
}

async fn upload(
    app: &TestApp,
    method: Method,
    path: &str,
    header: (&str, &str),
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header.0, header.1)
        .header(
            header::CONTENT_TYPE,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        .body(Body::from(bytes))
        .unwrap();
    app.send(request).await
}

#[tokio::test]
async fn a_returned_workbook_is_read_whole_or_refused_line_by_line() {
    let short = hygeia_catalog::suppliers::shipped_questionnaires()
        .unwrap()
        .remove(0);
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let token = app.token(Role::ComplianceManager).to_owned();
        let bearer = format!("Bearer {token}");
        let (_, supplier) = app
            .call(
                Method::POST,
                "/api/v1/suppliers",
                Some(&token),
                Some(
                    json!({"entity_id": app.ids.entity_a, "name": "Laboratoire Sud",
                            "category": "laboratory", "dependency": 2, "substitutability": 2}),
                ),
            )
            .await;
        let supplier_id = supplier["id"].as_str().unwrap().to_owned();
        let send = json!({"template_id": "nis2-supplier-short", "contact_name": "Paul",
                          "contact_email": "paul@labo.example", "language": "fr"});
        let (status, sent) = app
            .call(
                Method::POST,
                &format!("/api/v1/suppliers/{supplier_id}/questionnaires"),
                Some(&token),
                Some(send.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {sent}");
        let id = sent["questionnaire"]["id"].as_str().unwrap().to_owned();

        // Exported in French with every question.
        let exported = app
            .raw(
                Method::GET,
                &format!("/api/v1/questionnaires/{id}/export"),
                &token,
                None,
            )
            .await;
        let rows = hygeia_report::read_first_sheet(&exported).unwrap();
        assert_eq!(rows[0].1[7], "Réponse", "{name}");
        assert_eq!(rows.len(), 1 + short.questions().count(), "{name}");
        assert_eq!(rows[1].1[0], "gov.policy", "{name}");

        // A file with a bad answer and an unknown question is refused whole, by line.
        let mut lines: Vec<(String, String, String)> = short
            .questions()
            .map(|q| {
                let answer = match q.kind {
                    hygeia_domain::suppliers::questionnaire::AnswerKind::YesNo => "Oui",
                    hygeia_domain::suppliers::questionnaire::AnswerKind::Text => "Voir l'annexe",
                };
                (q.id.clone(), answer.to_owned(), String::new())
            })
            .collect();
        lines[2].1 = "Peut-être".into();
        lines.push(("gov.nothing".into(), "Oui".into(), String::new()));
        let view: Vec<(&str, &str, &str)> = lines
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        let (status, problem) = upload(
            &app,
            Method::POST,
            &format!("/api/v1/questionnaires/{id}/import"),
            ("authorization", &bearer),
            workbook(&view),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {problem}");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["line 4", "line 14"], "{name}: {problem}");
        let (_, after) = app
            .call(
                Method::GET,
                &format!("/api/v1/questionnaires/{id}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            (
                after["status"].clone(),
                after["answers"].as_array().unwrap().len()
            ),
            (json!("sent"), 0),
            "{name}: nothing saved"
        );

        // Corrected, it is recorded on the supplier's behalf and submitted.
        lines[2].1 = "Partiellement".into();
        lines.pop();
        let view: Vec<(&str, &str, &str)> = lines
            .iter()
            .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
            .collect();
        let (status, imported) = upload(
            &app,
            Method::POST,
            &format!("/api/v1/questionnaires/{id}/import"),
            ("authorization", &bearer),
            workbook(&view),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {imported}");
        assert_eq!(imported["status"], json!("submitted"), "{name}");
        assert_eq!(imported["answers"][2]["answer"], json!("partly"), "{name}");
        assert_eq!(
            imported["answers"][2]["proposed_score"],
            json!(50),
            "{name}"
        );

        // Through the portal, a partly filled workbook is saved as a draft.
        let (_, second) = app
            .call(
                Method::POST,
                &format!("/api/v1/suppliers/{supplier_id}/questionnaires"),
                Some(&token),
                Some(send),
            )
            .await;
        let link = second["link"].as_str().unwrap();
        let link_token = link.rsplit('/').next().unwrap().to_owned();
        let (status, draft) = upload(
            &app,
            Method::PUT,
            "/api/v1/portal/workbook",
            ("x-questionnaire-token", &link_token),
            workbook(&[
                ("gov.policy", "Yes", "Approved in January"),
                ("access.mfa", "", ""),
            ]),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{name}: {draft}");
        assert_eq!(
            (
                draft["status"].clone(),
                draft["answers"].as_array().unwrap().len()
            ),
            (json!("draft"), 1),
            "{name}"
        );
    }
}

#[tokio::test]
async fn an_organisation_brings_its_own_template_checked_whole_and_versioned() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let token = app.token(Role::ComplianceManager).to_owned();
        let yaml = |id: &str, weight: u8| {
            format!(
                "id: {id}\nversion: 1\ntitle: {{en: Remote maintenance, fr: Télémaintenance}}\n\
                 description: {{en: For OT integrators, fr: Pour les intégrateurs OT}}\nsections:\n\
                 \x20 - id: access\n    title: {{en: Access, fr: Accès}}\n    questions:\n\
                 \x20     - id: ra.bastion\n        kind: yes_no\n        weight: {weight}\n\
                 \x20       text: {{en: Through our bastion?, fr: Par notre bastion ?}}\n"
            )
        };
        let post = |body: String| {
            Request::builder()
                .method(Method::POST)
                .uri("/api/v1/questionnaire-templates")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from(body))
                .unwrap()
        };
        // A shipped id is taken; a weight out of range is named by its field.
        let (status, taken) = app.send(post(yaml("nis2-supplier-short", 2))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{taken}");
        let (status, bad) = app.send(post(yaml("ot-remote-access", 7))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            bad.to_string().contains("sections[0].questions[0].weight"),
            "{bad}"
        );
        // Saved, then saved again as its next version; listed beside the shipped ones; sent.
        let (status, first) = app.send(post(yaml("ot-remote-access", 2))).await;
        assert_eq!(
            (status, first["version"].clone()),
            (StatusCode::CREATED, json!(1)),
            "{first}"
        );
        let (_, second) = app.send(post(yaml("ot-remote-access", 3))).await;
        assert_eq!(second["version"], json!(2), "{second}");
        let (_, listed) = app
            .call(
                Method::GET,
                "/api/v1/questionnaire-templates",
                Some(&token),
                None,
            )
            .await;
        let ids: Vec<(&str, bool)> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["id"].as_str().unwrap(), t["custom"].as_bool().unwrap()))
            .collect();
        assert_eq!(
            ids,
            [
                ("nis2-supplier-short", false),
                ("nis2-supplier-full", false),
                ("ot-remote-access", true)
            ]
        );
        let (_, supplier) = app
            .call(
                Method::POST,
                "/api/v1/suppliers",
                Some(&token),
                Some(json!({"entity_id": app.ids.entity_a, "name": "Intégrateur", "category": "ot_integrator",
                            "ot_access": true, "dependency": 3, "substitutability": 3})),
            )
            .await;
        let (status, sent) = app
            .call(
                Method::POST,
                &format!(
                    "/api/v1/suppliers/{}/questionnaires",
                    supplier["id"].as_str().unwrap()
                ),
                Some(&token),
                Some(
                    json!({"template_id": "ot-remote-access", "contact_name": "Paul",
                            "contact_email": "paul@integrateur.example"}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{sent}");
        assert_eq!(
            sent["questionnaire"]["template_version"],
            json!(2),
            "{sent}"
        );
    }
}
