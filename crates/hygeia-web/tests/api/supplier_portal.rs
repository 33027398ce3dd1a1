//! The supplier portal end to end: a questionnaire sent from the supplier's page (its link
//! shown once), opened without an account in the language it was sent in, a draft saved, an
//! unaccepted file refused and a document attached, a submission refused until complete;
//! the API with the link's token; closed and unknown links; guessing throttled; the review.

use axum::body::Body;
use axum::extract::ConnectInfo;
use std::net::SocketAddr;

use super::forms::Browser;
use super::*;

/// A request from an anonymous browser at `ip`.
async fn anonymous(app: &TestApp, request: Request<Body>, ip: [u8; 4]) -> Exchange {
    let mut request = request;
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((ip, 40000))));
    let response = app.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Exchange {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn get(path: &str) -> Request<Body> {
    Request::builder().uri(path).body(Body::empty()).unwrap()
}

fn form(path: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        body.append_pair(name, value);
    }
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.finish()))
        .unwrap()
}

fn multipart(path: &str, question: &str, file_name: &str, content: &[u8]) -> Request<Body> {
    let boundary = "hygeia-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"question_id\"\r\n\r\n{question}\r\n").as_bytes(),
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/pdf\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn a_supplier_answers_through_its_link_only_and_the_answers_are_reviewed() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let a = app.ids.entity_a.clone();
        app.speak(Role::ComplianceManager, "fr").await;
        let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;
        let token = app.token(Role::ComplianceManager).to_owned();
        let (status, supplier) = app
            .call(
                Method::POST,
                "/api/v1/suppliers",
                Some(&token),
                Some(
                    json!({"entity_id": a, "name": "Hébergeur Santé", "category": "cloud_provider",
                            "health_data": true, "dependency": 3, "substitutability": 3,
                            "penetration": 4, "maturity": 1, "trust": 2,
                            "contacts": [{"name": "Léa Martin", "email": "lea@host.example"}]}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {supplier}");
        let supplier_id = supplier["id"].as_str().unwrap().to_owned();

        // Sent from the supplier's page: the link is shown once.
        let page = manager.get(&format!("/suppliers/{supplier_id}")).await.html;
        assert!(
            page.contains("id=\"send-form\"") && page.contains("lea@host.example"),
            "{name}"
        );
        let sent = manager
            .post(
                &format!("/suppliers/{supplier_id}/questionnaires"),
                &[
                    ("template_id", "nis2-supplier-short"),
                    ("contact_name", "Léa Martin"),
                    ("contact_email", "lea@host.example"),
                    ("language", "fr"),
                    ("expires_in_days", "30"),
                ],
            )
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{name}: {}", sent.html);
        let link = sent
            .html
            .split("id=\"link\" class=\"mono secret\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        let path = link
            .split_once("/portal/")
            .map(|(_, t)| format!("/portal/{t}"))
            .unwrap();
        let link_token = path.trim_start_matches("/portal/").to_owned();
        assert!(
            link_token.starts_with("hqs_") && link_token.len() > 40,
            "{name}: {link}"
        );
        assert!(sent.html.contains("mailto:lea%40host.example"), "{name}");

        // Opened without an account, in French; nothing is cached, no referrer leaves.
        let opened = anonymous(&app, get(&path), [203, 0, 113, 5]).await;
        assert_eq!(opened.status, StatusCode::OK, "{name}: {}", opened.body);
        assert!(
            opened.body.contains("Hôpital A pose à Hébergeur Santé"),
            "{name}"
        );
        assert!(
            opened.body.contains("Avez-vous une politique de sécurité"),
            "{name}"
        );
        assert_eq!(
            opened.headers[header::REFERRER_POLICY],
            "no-referrer",
            "{name}"
        );
        assert_eq!(opened.headers[header::CACHE_CONTROL], "no-store", "{name}");
        assert!(
            !opened.body.contains("/settings") && !opened.body.contains("Fournisseurs"),
            "{name}: nothing else of Hygeia"
        );

        // A draft is kept; a submission with answers missing is refused and keeps them.
        let saved = anonymous(
            &app,
            form(
                &path,
                &[
                    ("answer.gov.policy", "yes"),
                    ("comment.gov.policy", "Revue en janvier"),
                    ("action", "save"),
                ],
            ),
            [203, 0, 113, 5],
        )
        .await;
        assert!(
            saved.body.contains("Vos réponses sont enregistrées"),
            "{name}: {}",
            saved.body
        );
        let early = anonymous(
            &app,
            form(
                &path,
                &[("answer.access.mfa", "partly"), ("action", "submit")],
            ),
            [203, 0, 113, 5],
        )
        .await;
        assert_eq!(early.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            early.body.contains("10 questions attendent encore"),
            "{name}: {}",
            early.body
        );

        // An unaccepted kind of file is refused; a PDF is attached to its answer.
        let exe = anonymous(
            &app,
            multipart(
                &format!("{path}/evidence"),
                "gov.policy",
                "setup.exe",
                b"MZ",
            ),
            [203, 0, 113, 5],
        )
        .await;
        assert_eq!(exe.status, StatusCode::BAD_REQUEST, "{name}");
        let pdf = anonymous(
            &app,
            multipart(
                &format!("{path}/evidence"),
                "gov.policy",
                "politique.pdf",
                b"%PDF-1.7",
            ),
            [203, 0, 113, 5],
        )
        .await;
        assert_eq!(pdf.status, StatusCode::OK, "{name}: {}", pdf.body);
        assert!(pdf.body.contains("politique.pdf est joint"), "{name}");

        // The API with the link's token: a wrong one is unknown; the right one submits.
        let portal = |token: &str, method: Method, uri: &str, body: Option<Value>| {
            let mut request = Request::builder()
                .method(method)
                .uri(uri)
                .header("x-questionnaire-token", token);
            if body.is_some() {
                request = request.header(header::CONTENT_TYPE, "application/json");
            }
            request
                .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
                .unwrap()
        };
        let wrong = anonymous(
            &app,
            portal(
                "hqs_wrong",
                Method::GET,
                "/api/v1/portal/questionnaire",
                None,
            ),
            [203, 0, 113, 5],
        )
        .await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND, "{name}");
        let read = anonymous(
            &app,
            portal(
                &link_token,
                Method::GET,
                "/api/v1/portal/questionnaire",
                None,
            ),
            [203, 0, 113, 5],
        )
        .await;
        assert_eq!(read.status, StatusCode::OK, "{name}");
        let view: Value = serde_json::from_str(&read.body).unwrap();
        assert_eq!(
            view["answers"][0]["comment"],
            json!("Revue en janvier"),
            "{name}"
        );
        assert!(
            view.get("actions").is_none() && !read.body.contains("review_score"),
            "{name}: nothing of the review"
        );
        let questions: Vec<String> = view["template"]["sections"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["questions"].as_array().unwrap().clone())
            .map(|q| q["id"].as_str().unwrap().to_owned())
            .collect();
        let answers: Vec<Value> = questions
            .iter()
            .map(|q| {
                let answer =
                    if q == "gov.certification" || q == "inc.notify" || q.starts_with("sc.") {
                        "Voir la pièce jointe"
                    } else {
                        "yes"
                    };
                json!({"question_id": q, "answer": answer})
            })
            .collect();
        let submitted = anonymous(
            &app,
            portal(
                &link_token,
                Method::PUT,
                "/api/v1/portal/answers",
                Some(json!({"answers": answers, "submit": true})),
            ),
            [203, 0, 113, 5],
        )
        .await;
        assert_eq!(
            submitted.status,
            StatusCode::OK,
            "{name}: {}",
            submitted.body
        );
        // Closed now: the page says so, the API answers 410.
        let closed = anonymous(&app, get(&path), [203, 0, 113, 5]).await;
        assert_eq!(closed.status, StatusCode::GONE, "{name}");
        assert!(closed.body.contains("id=\"portal-closed\""), "{name}");
        let again = anonymous(
            &app,
            portal(
                &link_token,
                Method::GET,
                "/api/v1/portal/questionnaire",
                None,
            ),
            [203, 0, 113, 5],
        )
        .await;
        assert_eq!(again.status, StatusCode::GONE, "{name}");

        // Guessing from one address is throttled; another address is not affected.
        for i in 0..20 {
            let guess =
                anonymous(&app, get(&format!("/portal/hqs_guess{i}")), [192, 0, 2, 66]).await;
            assert_eq!(guess.status, StatusCode::NOT_FOUND, "{name}");
        }
        let throttled = anonymous(
            &app,
            portal(
                "hqs_guess",
                Method::GET,
                "/api/v1/portal/questionnaire",
                None,
            ),
            [192, 0, 2, 66],
        )
        .await;
        assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS, "{name}");
        assert!(
            throttled.headers.contains_key(header::RETRY_AFTER),
            "{name}"
        );

        // The review: scores saved, the review completed, the maturity set.
        let (_, stored) = app
            .call(
                Method::GET,
                &format!("/api/v1/suppliers/{supplier_id}"),
                Some(&token),
                None,
            )
            .await;
        let questionnaire_id = stored["questionnaires"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            stored["questionnaires"][0]["status"],
            json!("submitted"),
            "{name}"
        );
        let review_page = manager
            .get(&format!("/suppliers/questionnaires/{questionnaire_id}"))
            .await;
        assert!(
            review_page.html.contains("politique.pdf")
                && review_page.html.contains("id=\"review-form\""),
            "{name}"
        );
        let mut fields: Vec<(String, String)> = questions
            .iter()
            .map(|q| {
                (
                    format!("score.{q}"),
                    if q == "access.mfa" {
                        "0".to_owned()
                    } else {
                        "100".to_owned()
                    },
                )
            })
            .collect();
        fields.push(("complete".into(), "yes".into()));
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let reviewed = manager
            .post(
                &format!("/suppliers/questionnaires/{questionnaire_id}/review"),
                &pairs,
            )
            .await;
        assert_eq!(
            reviewed.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            reviewed.html
        );
        let (_, after) = app
            .call(
                Method::GET,
                &format!("/api/v1/suppliers/{supplier_id}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(after["questionnaires"][0]["score"], json!(89), "{name}");
        let (_, register) = app
            .call(Method::GET, "/api/v1/suppliers", Some(&token), None)
            .await;
        assert_eq!(
            register["items"][0]["score"],
            json!(89),
            "{name}: the register shows it"
        );
        assert_eq!(after["ecosystem"]["maturity"], json!(4), "{name}");
        // A follow-up action raised from the page, then marked done there.
        let raised = manager
            .post(
                &format!("/suppliers/questionnaires/{questionnaire_id}/actions"),
                &[
                    ("title", "Enforce MFA for administrators"),
                    ("question_id", "access.mfa"),
                    ("due_on", "2026-06-30"),
                ],
            )
            .await;
        assert_eq!(raised.status, StatusCode::SEE_OTHER, "{name}");
        let (_, read) = app
            .call(
                Method::GET,
                &format!("/api/v1/questionnaires/{questionnaire_id}"),
                Some(&token),
                None,
            )
            .await;
        let action_id = read["actions"][0]["id"].as_str().unwrap().to_owned();
        let page = manager
            .get(&format!("/suppliers/questionnaires/{questionnaire_id}"))
            .await;
        assert!(
            page.html.contains(&format!("id=\"done-{action_id}\"")),
            "{name}"
        );
        let closed = manager
            .post(
                &format!("/suppliers/questionnaires/{questionnaire_id}/actions/{action_id}"),
                &[("status", "done")],
            )
            .await;
        assert_eq!(closed.status, StatusCode::SEE_OTHER, "{name}");
        let (status, reopened) = app
            .call(
                Method::PUT,
                &format!("/api/v1/questionnaires/{questionnaire_id}/actions/{action_id}"),
                Some(&token),
                Some(json!({"status": "open"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(reopened["status"], json!("open"), "{name}");
        let (_, trail) = app
            .call(
                Method::GET,
                "/api/v1/audit?action=supplier.questionnaire.action_status",
                Some(app.token(Role::Administrator)),
                None,
            )
            .await;
        let recorded = trail["items"].as_array().map_or(0, Vec::len);
        assert_eq!(recorded, 2, "{name}: both changes audited");
        // The contributor may read but not review.
        let (status, _) = app
            .call(
                Method::PUT,
                &format!("/api/v1/questionnaires/{questionnaire_id}/review"),
                Some(app.token(Role::Contributor)),
                Some(json!({"scores": [], "complete": true})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
    }
}
