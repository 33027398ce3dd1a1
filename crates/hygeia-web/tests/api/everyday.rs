//! Everyday editing: result owners are users with access to the entity (free-text owners of
//! older data kept), and a result's history says who changed what.

use super::forms::Browser;
use super::*;

/// A user granted entity B only (no access to entity A's results).
async fn outsider(app: &TestApp) {
    let org = app
        .store
        .user(&app.ids.contributor)
        .await
        .unwrap()
        .organisation_id;
    app.store
        .create_user(
            &Actor::system(),
            &org,
            &NewUser {
                email: "outsider@example.org".into(),
                display_name: "Olivia Outsider".into(),
                role: Role::Contributor,
                locale: "en".into(),
                entity_ids: vec![app.ids.entity_b.clone()],
                password_hash: None,
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn owners_are_users_with_access_and_old_free_text_stays() {
    use hygeia_compliance::ResultValue;
    use hygeia_store::assessments::ResultInput;
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        outsider(&app).await;
        let iso = app.ids.iso.clone();
        let manager = app.token(Role::ComplianceManager);
        let put = |owner: &'static str, requirement: &'static str| {
            let app = &app;
            let iso = iso.clone();
            async move {
                app.call(
                    Method::PUT,
                    &format!("/api/v1/assessments/{iso}/results/{requirement}"),
                    Some(manager),
                    Some(json!({"value": "partially_compliant", "owner": owner})),
                )
                .await
            }
        };
        // A user with access, whatever the case of the address: stored as the user's address.
        let (status, body) = put("Contributor@Example.org", "a.5.1").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["owner"], "contributor@example.org");
        // Administrators see every entity.
        let (status, body) = put("administrator@example.org", "a.5.1").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        // Someone unknown, or a user without access to the entity: a field error on `owner`.
        for refused in [
            "nobody@example.org",
            "outsider@example.org",
            "Équipe qualité",
        ] {
            let (status, problem) = put(refused, "a.5.1").await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}: {problem}");
            assert_eq!(problem["errors"][0]["field"], "owner", "{problem}");
            assert_eq!(problem["errors"][0]["code"], "not_an_owner", "{problem}");
        }
        // The bulk form of the API too, all or nothing.
        let (status, problem) = app
            .call(
                Method::POST,
                &format!("/api/v1/assessments/{iso}/results"),
                Some(manager),
                Some(json!({"results": [
                    {"requirement_id": "a.5.2", "value": "compliant", "owner": "contributor@example.org"},
                    {"requirement_id": "a.5.3", "value": "compliant", "owner": "outsider@example.org"}
                ]})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "owner");
        let stored = app.store.results(&iso).await.unwrap();
        assert!(!stored.iter().any(|r| r.requirement_id == "a.5.2"));

        // A free-text owner written before owners were users is kept when unchanged.
        let mut old = ResultInput::new("a.8.22", ResultValue::NonCompliant);
        old.owner = Some("Équipe qualité".into());
        app.store
            .set_results(
                &Actor::system(),
                &hygeia_domain::access::EntityScope::All,
                &iso,
                &[old],
                &hygeia_catalog::Catalog::load_embedded().unwrap(),
            )
            .await
            .unwrap();
        let (status, body) = put("Équipe qualité", "a.8.22").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["owner"], "Équipe qualité");
        // …and shown as such on the requirement page, beside the users to choose from.
        let browser = Browser::sign_in(&app, "compliance_manager@example.org").await;
        let page = browser
            .get(&format!(
                "/compliance/assessments/{iso}/requirements/a.8.22"
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let html = &page.html;
        assert!(
            html.contains("<select id=\"r-owner\" name=\"owner\""),
            "{html}"
        );
        assert!(
            html.contains("<option value=\"contributor@example.org\">contributor (contributor@example.org)</option>"),
            "{html}"
        );
        assert!(!html.contains("outsider@example.org"), "{html}");
        assert!(
            html.contains("selected>Équipe qualité (free text, not a user)</option>"),
            "{html}"
        );
        super::forms::assert_accessible_form("requirement", html);

        // The page's form refuses an owner who is not a user with access, in the page.
        let path = format!("/compliance/assessments/{iso}/requirements/a.8.22");
        let refused = browser
            .post(
                &path,
                &[
                    ("value", "non_compliant"),
                    ("owner", "outsider@example.org"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(
            refused
                .html
                .contains("is not a user with access to this entity"),
            "{}",
            refused.html
        );
        let saved = browser
            .post(
                &path,
                &[
                    ("value", "non_compliant"),
                    ("owner", "contributor@example.org"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);

        // The bulk change of the assessment page offers the same users.
        let list = browser.get(&format!("/compliance/assessments/{iso}")).await;
        assert!(
            list.html.contains("<select id=\"b-owner\" name=\"owner\">"),
            "{}",
            list.html
        );
        let bulk = browser
            .post(
                &format!("/compliance/assessments/{iso}/results"),
                &[
                    ("req", "a.5.1"),
                    ("bulk", "1"),
                    ("owner", "outsider@example.org"),
                ],
            )
            .await;
        assert_eq!(bulk.status, StatusCode::BAD_REQUEST);
        assert!(bulk.html.contains("outsider@example.org"), "{}", bulk.html);
    }
}

#[tokio::test]
async fn the_history_says_who_changed_what() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let iso = app.ids.iso.clone();
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/api/v1/assessments/{iso}/results/a.8.22"),
                Some(app.token(Role::ComplianceManager)),
                Some(
                    json!({"value": "partially_compliant", "owner": "contributor@example.org",
                            "due_on": "2026-04-01"}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let browser = Browser::sign_in(&app, "auditor@example.org").await;
        let page = browser
            .get(&format!(
                "/compliance/assessments/{iso}/requirements/a.8.22"
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let html = &page.html;
        let table = &html[html.find("id=\"history-table\"").unwrap()..];
        let rows: Vec<&str> = table.split("<tr>").skip(2).collect();
        assert_eq!(rows.len(), 2, "{table}");
        // Newest first: the manager, by name, from non-compliant to partially compliant,
        // with the owner and due date that came with it.
        assert!(
            rows[0].contains(
                "<span title=\"compliance_manager@example.org\">compliance_manager</span>"
            ),
            "{}",
            rows[0]
        );
        assert!(
            rows[0].contains("Non-compliant → Partially compliant"),
            "{}",
            rows[0]
        );
        assert!(
            rows[0].contains("Owner: — → contributor@example.org"),
            "{}",
            rows[0]
        );
        assert!(rows[0].contains("Due date: — → 2026-04-01"), "{}", rows[0]);
        // The first value, set by the system (no user): its label, from nothing.
        assert!(rows[1].contains(">system</span>"), "{}", rows[1]);
        assert!(rows[1].contains("— → Non-compliant"), "{}", rows[1]);
        // The owner is shown by name to readers.
        assert!(
            html.contains("<dd>contributor (contributor@example.org)</dd>"),
            "{html}"
        );
    }
}

/// A GET with the given cookies: status, `Set-Cookie` and body.
async fn get_with(
    app: &TestApp,
    cookies: &str,
    path: &str,
) -> (StatusCode, Option<String>, String) {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(header::COOKIE, cookies)
        .body(Body::empty())
        .unwrap();
    let answer = app.exchange(request).await;
    (
        answer.status,
        answer.header(header::SET_COOKIE),
        answer.body.clone(),
    )
}

fn selected_entity(html: &str, id: &str) -> bool {
    html.contains(&format!("<option value=\"{id}\" selected>"))
}

#[tokio::test]
async fn the_evidence_register_opens_on_the_users_entity_and_shows_hashes() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let (a, b) = (app.ids.entity_a.clone(), app.ids.entity_b.clone());
        let sha256 = app
            .store
            .evidence(&hygeia_domain::access::EntityScope::All, &app.ids.evidence)
            .await
            .unwrap()
            .sha256
            .unwrap();
        assert_eq!(sha256.len(), 64);

        // A contributor granted entity A opens on it, and sees each file's SHA-256 in full;
        // a remembered choice outside the scope is ignored.
        let (_, _, contributor) = login(&app, "contributor@example.org", PASSWORD).await;
        let contributor = contributor.unwrap();
        for cookies in [
            contributor.clone(),
            format!("{contributor}; hygeia_entity={b}"),
        ] {
            let (status, _, html) = get_with(&app, &cookies, "/compliance/evidence").await;
            assert_eq!(status, StatusCode::OK, "{html}");
            assert!(selected_entity(&html, &a), "{html}");
            assert!(html.contains(&format!("<code>{sha256}</code>")), "{html}");
        }

        // The switcher remembers the administrator's choice; the register opens on it.
        let (_, _, admin) = login(&app, "administrator@example.org", PASSWORD).await;
        let admin = admin.unwrap();
        let (status, set_cookie, _) = get_with(&app, &admin, &format!("/switch?entity={b}")).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let set_cookie = set_cookie.unwrap();
        assert!(
            set_cookie.starts_with(&format!("hygeia_entity={b}; ")),
            "{set_cookie}"
        );
        assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
        let remembered = format!("{admin}; hygeia_entity={b}");
        let (_, _, html) = get_with(&app, &remembered, "/compliance/evidence").await;
        assert!(selected_entity(&html, &b), "{html}");
        // An entity named in the address still wins.
        let (_, _, html) = get_with(
            &app,
            &remembered,
            &format!("/compliance/evidence?entity={a}"),
        )
        .await;
        assert!(selected_entity(&html, &a), "{html}");
        // "All entities" forgets the choice.
        let (_, set_cookie, _) = get_with(&app, &admin, "/switch?entity=").await;
        assert!(set_cookie.unwrap().contains("Max-Age=0"));
    }
}

#[test]
fn long_result_labels_are_not_cut() {
    let css = include_str!("../../assets/hygeia.css");
    let rule = css
        .lines()
        .find(|l| l.starts_with("table.results form.inline select"))
        .unwrap();
    assert!(rule.contains("max-width: none"), "{rule}");
    for line in css
        .lines()
        .filter(|l| l.contains("table.results") || l.starts_with(".v"))
    {
        assert!(
            !line.contains("ellipsis") && !line.contains("nowrap"),
            "{line}"
        );
    }
}

/// A multipart form: text fields, then one file.
pub(super) fn multipart(fields: &[(&str, &str)], file: (&str, &[u8])) -> (String, Vec<u8>) {
    let boundary = "EvErYdAy";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .into_bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: text/plain\r\n\r\n",
            file.0
        )
        .into_bytes(),
    );
    body.extend_from_slice(file.1);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

async fn post_multipart(
    app: &TestApp,
    cookie: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Option<String>, String) {
    let request = Request::builder()
        .method(Method::POST)
        .uri("/compliance/evidence")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap();
    let answer = app.exchange(request).await;
    (
        answer.status,
        answer.header(header::LOCATION),
        answer.body.clone(),
    )
}

#[tokio::test]
async fn one_upload_is_attached_to_several_requirements_and_controls() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let a = app.ids.entity_a.clone();
        let (status, body, cookie) = login(&app, "compliance_manager@example.org", PASSWORD).await;
        assert_eq!(status, StatusCode::OK);
        let cookie = cookie.unwrap();
        let csrf = body["csrf_token"].as_str().unwrap().to_owned();

        // The form offers the entity's controls and its assessed frameworks' requirements.
        let (_, _, html) = get_with(&app, &cookie, "/compliance/evidence").await;
        assert!(html.contains("id=\"upload-form\""), "{html}");
        assert!(
            html.contains(&format!("value=\"{}\"", app.ids.control)),
            "{html}"
        );
        assert!(html.contains("value=\"iso27001-2022|a.5.1\""), "{html}");
        super::forms::assert_accessible_form("/compliance/evidence", &html);

        let before = super::forms::audited(&app, "evidence.upload").await;
        let fields = [
            ("csrf", csrf.as_str()),
            ("entity", a.as_str()),
            ("title", "Politique de sécurité"),
            ("control", app.ids.control.as_str()),
            ("requirement", "iso27001-2022|a.5.1"),
            ("requirement", "nis2-2024-2690|1.1.1"),
        ];
        let (content_type, body) = multipart(&fields, ("policy.txt", b"signed policy"));
        let (status, location, html) = post_multipart(&app, &cookie, &content_type, body).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
        assert_eq!(
            location.unwrap(),
            format!("/compliance/evidence?entity={a}")
        );
        assert_eq!(
            super::forms::audited(&app, "evidence.upload").await,
            before + 1
        );
        let listed = app
            .store
            .list_evidence_page(&a, None, hygeia_store::PageRequest::default())
            .await
            .unwrap();
        let stored = listed
            .items
            .iter()
            .find(|e| e.title == "Politique de sécurité")
            .unwrap();
        assert_eq!(stored.attachments.len(), 3, "{:?}", stored.attachments);
        assert!(
            stored
                .attachments
                .iter()
                .any(|t| t.control_id.as_deref() == Some(app.ids.control.as_str()))
        );
        assert!(
            stored
                .attachments
                .iter()
                .any(|t| t.requirement_id.as_deref() == Some("1.1.1"))
        );

        // All or nothing: an unknown requirement stores nothing and says why, in the page.
        let fields = [
            ("csrf", csrf.as_str()),
            ("entity", a.as_str()),
            ("title", "Rejected"),
            ("control", app.ids.control.as_str()),
            ("requirement", "iso27001-2022|a.99"),
        ];
        let (content_type, body) = multipart(&fields, ("x.txt", b"x"));
        let (status, _, html) = post_multipart(&app, &cookie, &content_type, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");
        assert!(html.contains("id=\"upload-error\""), "{html}");
        assert_eq!(
            super::forms::audited(&app, "evidence.upload").await,
            before + 1
        );

        // Entity B is outside the manager's need-to-know: 404, nothing stored.
        let fields = [
            ("csrf", csrf.as_str()),
            ("entity", app.ids.entity_b.as_str()),
        ];
        let (content_type, body) = multipart(&fields, ("x.txt", b"x"));
        let (status, _, _) = post_multipart(&app, &cookie, &content_type, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Without the CSRF token: refused.
        let fields = [("entity", a.as_str())];
        let (content_type, body) = multipart(&fields, ("x.txt", b"x"));
        let (status, _, _) = post_multipart(&app, &cookie, &content_type, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert_eq!(
            super::forms::audited(&app, "evidence.upload").await,
            before + 1
        );
    }
}
