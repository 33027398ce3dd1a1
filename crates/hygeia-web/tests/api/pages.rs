//! Server-rendered pages: escaping, headers, redirects.

use super::*;

#[tokio::test]
async fn pages_escape_what_users_typed() {
    let app = TestApp::new(testing::sqlite()).await;
    let admin = app.token(Role::Administrator).to_owned();
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/entities",
            Some(&admin),
            Some(entity_body("<script>alert(1)</script>")),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let request = Request::builder()
        .uri("/")
        .header(header::AUTHORIZATION, format!("Bearer {admin}"))
        .body(Body::empty())
        .unwrap();
    let (status, page) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    let html = page.as_str().unwrap();
    // The templates escape with numeric character references (askama's choice).
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(!html.contains("<script>alert"));
    let request = Request::builder().uri("/").body(Body::empty()).unwrap();
    let response = app.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        response
            .headers()
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("script-src 'self'")
    );
}

// ----- forms: entity profile, sites, own password, evidence list -----

/// A signed-in browser: the session cookie and the CSRF token forms carry.
struct Browser<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: String,
}

/// What a page answered: status, HTML, and where a redirect points.
struct Answer {
    status: StatusCode,
    html: String,
    location: Option<String>,
    set_cookie: Option<String>,
}

impl<'a> Browser<'a> {
    async fn sign_in(app: &'a TestApp, email: &str) -> Self {
        let (status, body, cookie) = login(app, email, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{email}: {body}");
        Self {
            app,
            cookie: cookie.unwrap(),
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    async fn request(&self, method: Method, path: &str, body: Option<String>) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, &self.cookie);
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let mut request = request
            .body(body.map_or_else(Body::empty, Body::from))
            .unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 7], 40000))));
        let response = self.app.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let value_of = |name: header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let location = value_of(header::LOCATION);
        let set_cookie = value_of(header::SET_COOKIE);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            html: String::from_utf8_lossy(&bytes).into_owned(),
            location,
            set_cookie,
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.request(Method::GET, path, None).await
    }

    /// Posts a form with the session's CSRF token.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        body.append_pair("csrf", &self.csrf);
        for (name, value) in fields {
            body.append_pair(name, value);
        }
        self.request(Method::POST, path, Some(body.finish())).await
    }
}

/// Checks a form page with the markup rules every page follows (one `h1`, a label on every
/// control, CSRF in every form that posts…; see `accessibility`).
fn assert_accessible_form(path: &str, html: &str) {
    let problems = super::accessibility::problems(html);
    assert!(problems.is_empty(), "{path}:\n{}", problems.join("\n"));
}

/// How many audit records of `action` there are.
async fn audited(app: &TestApp, action: &str) -> i64 {
    app.store
        .list_audit(
            &hygeia_domain::access::EntityScope::All,
            &hygeia_store::AuditFilter {
                action: Some(action.into()),
                ..Default::default()
            },
            hygeia_store::PageRequest::default(),
        )
        .await
        .unwrap()
        .total
}

/// The profile form's fields for entity A, with some values replaced.
fn profile<'a>(version: &'a str, changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("version", version),
        ("name", "Hôpital A"),
        ("country", "FR"),
        ("entity_type", "healthcare_provider"),
        ("employees", "1500"),
        ("annual_turnover_eur", "140000000"),
        ("balance_sheet_eur", "90000000"),
        ("parent_entity_id", ""),
        ("registration_number", ""),
    ];
    for (name, value) in changes {
        if let Some(field) = fields.iter_mut().find(|(n, _)| n == name) {
            field.1 = value;
        }
    }
    fields
}

#[tokio::test]
async fn entity_profiles_are_edited_through_the_form_with_the_version_read() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let a = app.ids.entity_a.clone();
        let edit = format!("/entities/{a}/edit");
        let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;

        let page = manager.get(&format!("/entities/{a}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains("badge essential"), "{}", page.html);
        assert!(page.html.contains(&format!("href=\"{edit}\"")));
        assert!(page.html.contains(&format!("href=\"/entities/{a}/sites\"")));

        let form = manager.get(&edit).await;
        assert_eq!(form.status, StatusCode::OK, "{}", form.html);
        let version = app.store.entity(&a).await.unwrap().version.to_string();
        assert!(
            form.html
                .contains(&format!("name=\"version\" value=\"{version}\""))
        );
        assert!(form.html.contains("<label for=\"f-employees\">"));
        assert!(form.html.contains("name=\"csrf\""));
        // Every type of the Annexes and "not listed", labelled in the user's language.
        for t in hygeia_domain::nis2::EntityType::ALL {
            assert!(
                form.html
                    .contains(&format!("<option value=\"{}\"", t.code()))
            );
        }
        assert!(form.html.contains("selected>Healthcare provider</option>"));
        assert_accessible_form(&edit, &form.html);
        assert!(form.html.contains("value=\"healthcare_provider\" selected"));

        // A medium-sized healthcare provider: important, no longer essential.
        let smaller = profile(
            &version,
            &[
                ("employees", "60"),
                ("annual_turnover_eur", "15 000 000"),
                ("balance_sheet_eur", "12000000"),
            ],
        );
        let saved = manager.post(&edit, &smaller).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
        assert_eq!(
            saved.location.as_deref(),
            Some(format!("/entities/{a}").as_str())
        );
        let page = manager.get(&format!("/entities/{a}")).await;
        assert!(page.html.contains("badge important"));
        assert!(page.html.contains("Important entity"));
        let stored = app.store.entity(&a).await.unwrap();
        assert_eq!(
            (stored.employees, stored.annual_turnover_eur),
            (60, 15_000_000)
        );
        assert_eq!(audited(&app, "entity.update").await, 1);

        // The form read before that change is refused; the change stays.
        let stale = manager
            .post(&edit, &profile(&version, &[("employees", "999")]))
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert!(stale.html.contains("id=\"stale-error\""));
        assert!(stale.html.contains("Someone else changed this entity"));
        assert_eq!(app.store.entity(&a).await.unwrap().employees, 60);

        // Bad numbers are refused naming the field, with what was typed kept; nothing stored.
        let current = stored.version.to_string();
        for (typed, says) in [
            ("-5", "must not be negative"),
            ("many", "must be a whole number"),
            ("", "is required"),
        ] {
            let refused = manager
                .post(
                    &edit,
                    &profile(&current, &[("employees", typed), ("name", "Renamed <b>")]),
                )
                .await;
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{typed}");
            assert!(
                refused
                    .html
                    .contains("href=\"#f-employees\">Employees (annual work units)</a>: ")
            );
            assert!(refused.html.contains(says), "{typed}: {}", refused.html);
            assert!(
                refused
                    .html
                    .contains(&format!("name=\"employees\" value=\"{typed}\""))
            );
            assert!(refused.html.contains("value=\"Renamed &#60;b&#62;\""));
            assert!(
                refused
                    .html
                    .contains("id=\"f-employees\" name=\"employees\"")
            );
            assert!(refused.html.contains("aria-invalid=\"true\""));
        }
        let unchanged = app.store.entity(&a).await.unwrap();
        assert_eq!(
            (unchanged.version, unchanged.name.as_str()),
            (stored.version, "Hôpital A")
        );
        assert_eq!(audited(&app, "entity.update").await, 1);

        // Without EntityUpdate: 403; outside the need-to-know: 404 (also for writes).
        for email in ["contributor@example.org", "auditor@example.org"] {
            let other = Browser::sign_in(&app, email).await;
            assert_eq!(
                other.get(&edit).await.status,
                StatusCode::FORBIDDEN,
                "{email}"
            );
            let post = other.post(&edit, &profile(&current, &[])).await;
            assert_eq!(post.status, StatusCode::FORBIDDEN, "{email}");
            assert!(
                !other
                    .get(&format!("/entities/{a}"))
                    .await
                    .html
                    .contains(&edit)
            );
        }
        let b_edit = format!("/entities/{}/edit", app.ids.entity_b);
        assert_eq!(manager.get(&b_edit).await.status, StatusCode::NOT_FOUND);
        let post = manager.post(&b_edit, &profile("1", &[])).await;
        assert_eq!(post.status, StatusCode::NOT_FOUND);
        // A parent outside the scope is refused like the API does.
        let refused = manager
            .post(
                &edit,
                &profile(&current, &[("parent_entity_id", app.ids.entity_b.as_str())]),
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(refused.html.contains("href=\"#f-parent_entity_id\""));
        assert_eq!(audited(&app, "entity.update").await, 1);

        // The types are labelled in the user's language.
        app.store
            .update_user(
                &hygeia_store::Actor::system(),
                &app.store
                    .user_by_email("compliance_manager@example.org")
                    .await
                    .unwrap()
                    .unwrap()
                    .0
                    .id,
                &hygeia_store::UserUpdate {
                    locale: Some("fr".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let french = manager.get(&edit).await;
        assert!(
            french
                .html
                .contains("selected>Prestataire de soins de santé</option>")
        );
        assert!(french.html.contains("Effectif (unités de travail annuel)"));

        // Administrators add entities; others may not.
        let creations = audited(&app, "entity.create").await;
        assert_eq!(
            manager.get("/entities/new").await.status,
            StatusCode::FORBIDDEN
        );
        let admin = Browser::sign_in(&app, "administrator@example.org").await;
        assert!(
            admin
                .get("/settings")
                .await
                .html
                .contains("href=\"/entities/new\"")
        );
        assert_eq!(admin.get("/entities/new").await.status, StatusCode::OK);
        let mut new = profile("", &[("name", "Clinique C"), ("entity_type", "not_listed")]);
        new.retain(|(n, _)| *n != "version");
        let created = admin.post("/entities/new", &new).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
        let location = created.location.unwrap();
        let page = admin.get(&location).await;
        assert!(page.html.contains("Clinique C"));
        assert!(page.html.contains("badge out_of_scope"));
        assert_eq!(audited(&app, "entity.create").await, creations + 1);
    }
}

#[tokio::test]
async fn sites_are_added_edited_and_deleted_through_forms() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let a = app.ids.entity_a.clone();
        let sites = format!("/entities/{a}/sites");
        let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;
        let created = audited(&app, "site.create").await;
        let page = manager.get(&sites).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.html.contains("Bloc"));
        assert!(page.html.contains("<label for=\"f-city\">"));
        assert_accessible_form(&sites, &page.html);

        let added = manager
            .post(
                &sites,
                &[
                    ("name", "Pharmacie"),
                    ("kind", "laboratory"),
                    ("city", "Rennes"),
                    ("country", "fr"),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
        let listed = app.store.list_sites(&a).await.unwrap();
        let pharmacie = listed.iter().find(|s| s.name == "Pharmacie").unwrap();
        assert_eq!(
            (pharmacie.kind.as_str(), pharmacie.country.as_str()),
            ("laboratory", "FR")
        );

        let refused = manager
            .post(
                &sites,
                &[
                    ("name", " "),
                    ("kind", "laboratory"),
                    ("city", "Saint-Malo"),
                    ("country", "FR"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert!(refused.html.contains("Site name</a>: must not be empty"));
        assert!(refused.html.contains("value=\"Saint-Malo\""));
        assert_eq!(app.store.list_sites(&a).await.unwrap().len(), 2);

        let site = format!("{sites}/{}", app.ids.site_a);
        let form = manager.get(&site).await;
        assert_eq!(form.status, StatusCode::OK);
        assert_accessible_form(&site, &form.html);
        let edited = manager
            .post(
                &site,
                &[
                    ("name", "Bloc opératoire"),
                    ("kind", "hospital"),
                    ("city", "Rennes"),
                    ("country", "FR"),
                ],
            )
            .await;
        assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.html);
        assert_eq!(
            app.store.site(&app.ids.site_a).await.unwrap().name,
            "Bloc opératoire"
        );

        let confirm = manager.get(&format!("{site}/delete")).await;
        assert_eq!(confirm.status, StatusCode::OK);
        assert!(confirm.html.contains(&format!("action=\"{site}/delete\"")));
        assert!(confirm.html.contains("Bloc opératoire"));
        assert_accessible_form("delete", &confirm.html);
        assert_eq!(
            app.store.list_sites(&a).await.unwrap().len(),
            2,
            "asking deleted"
        );
        let deleted = manager.post(&format!("{site}/delete"), &[]).await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER);
        assert!(app.store.site(&app.ids.site_a).await.is_err());

        // Entity B's site through entity A's address, or entity B itself: not found.
        let b_sites = app.store.list_sites(&app.ids.entity_b).await.unwrap();
        let b_site = &b_sites[0].id;
        assert_eq!(
            manager.get(&format!("{sites}/{b_site}")).await.status,
            StatusCode::NOT_FOUND
        );
        let b = format!("/entities/{}/sites/{b_site}/delete", app.ids.entity_b);
        assert_eq!(manager.post(&b, &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            app.store.list_sites(&app.ids.entity_b).await.unwrap().len(),
            1
        );
        // Contributors see the sites but may not change them.
        let contributor = Browser::sign_in(&app, "contributor@example.org").await;
        let page = contributor.get(&sites).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.html.contains("id=\"site-form\""));
        let post = contributor
            .post(
                &sites,
                &[
                    ("name", "X"),
                    ("kind", "office"),
                    ("city", "Y"),
                    ("country", "FR"),
                ],
            )
            .await;
        assert_eq!(post.status, StatusCode::FORBIDDEN);

        assert_eq!(audited(&app, "site.create").await, created + 1);
        assert_eq!(audited(&app, "site.update").await, 1);
        assert_eq!(audited(&app, "site.delete").await, 1);
    }
}

#[tokio::test]
async fn own_password_changes_on_the_settings_page() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let me = Browser::sign_in(&app, "contributor@example.org").await;
        let other_session = Browser::sign_in(&app, "contributor@example.org").await;
        let settings = me.get("/settings").await;
        assert!(settings.html.contains("<label for=\"f-current_password\">"));
        assert_accessible_form("/settings", &settings.html);
        let new = "a brand new passphrase";

        let wrong = me
            .post(
                "/settings/password",
                &[
                    ("current_password", "not my password"),
                    ("new_password", new),
                    ("confirm_password", new),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
        assert!(
            wrong
                .html
                .contains("Current password</a>: is not your current password")
        );
        assert!(
            !wrong.html.contains("not my password"),
            "a password was echoed"
        );
        let mismatch = me
            .post(
                "/settings/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", new),
                    ("confirm_password", "something else"),
                ],
            )
            .await;
        assert_eq!(mismatch.status, StatusCode::BAD_REQUEST);
        assert!(
            mismatch
                .html
                .contains("New password again</a>: does not match")
        );
        let short = me
            .post(
                "/settings/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", "short"),
                    ("confirm_password", "short"),
                ],
            )
            .await;
        assert_eq!(short.status, StatusCode::BAD_REQUEST);
        assert!(
            short
                .html
                .contains("New password</a>: must be at least 12 characters")
        );
        assert_eq!(audited(&app, "user.password_change").await, 0);

        let changed = me
            .post(
                "/settings/password",
                &[
                    ("current_password", PASSWORD),
                    ("new_password", new),
                    ("confirm_password", new),
                ],
            )
            .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.html);
        assert_eq!(
            changed.location.as_deref(),
            Some("/login?lang=en&changed=1")
        );
        assert!(changed.set_cookie.unwrap().contains("Max-Age=0"));
        assert_eq!(audited(&app, "user.password_change").await, 1);
        // Every session ended, this one and the other one.
        for session in [&me, &other_session] {
            let page = session.get("/settings").await;
            assert_eq!(page.status, StatusCode::SEE_OTHER);
            assert_eq!(page.location.as_deref(), Some("/login"));
        }
        let notice = me.get("/login?lang=en&changed=1").await;
        assert!(notice.html.contains("Your password was changed"));
        let (status, _, _) = login(&app, "contributor@example.org", PASSWORD).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _, _) = login(&app, "contributor@example.org", new).await;
        assert_eq!(status, StatusCode::OK);
    }
}

#[tokio::test]
async fn the_evidence_list_filters_by_state_within_need_to_know() {
    use hygeia_store::assessments::EvidenceUpload;
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let a = app.ids.entity_a.clone();
        let upload = |title: &str, valid_until: &str| EvidenceUpload {
            title: title.into(),
            file_name: "proof.txt".into(),
            valid_until: Some(valid_until.into()),
            media_type: Some("text/plain".into()),
        };
        let actor = hygeia_store::Actor::system();
        // The test clock is at 2026-03-02.
        let expired = app
            .store
            .add_evidence_file(
                &actor,
                &a,
                &upload("<script>alert(1)</script>", "2026-01-31"),
                b"old",
            )
            .await
            .unwrap();
        app.store
            .add_evidence_file(&actor, &a, &upload("Valid policy", "2027-12-31"), b"new")
            .await
            .unwrap();

        let auditor = Browser::sign_in(&app, "auditor@example.org").await;
        let page = auditor
            .get(&format!("/compliance/evidence?entity={a}&expiry=expired"))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.html);
        assert!(
            page.html
                .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
        );
        assert!(!page.html.contains("<script>alert"));
        assert!(!page.html.contains("Valid policy"));
        assert!(
            page.html
                .contains(&format!("href=\"/api/v1/evidence/{}/content\"", expired.id))
        );
        assert!(page.html.contains("flag bad"));
        assert!(page.html.contains("<label for=\"e-state\">"));
        assert_accessible_form("/compliance/evidence", &page.html);
        let valid = auditor
            .get(&format!("/compliance/evidence?entity={a}&expiry=valid"))
            .await;
        assert!(valid.html.contains("Valid policy"));
        assert!(!valid.html.contains("alert(1)"));
        let all = auditor.get("/compliance/evidence").await;
        assert_eq!(all.status, StatusCode::OK);
        for title in ["Valid policy", "Network diagram", "alert(1)"] {
            assert!(all.html.contains(title), "{title}");
        }
        let soon = auditor
            .get(&format!(
                "/compliance/evidence?entity={a}&expiry=expiring_soon"
            ))
            .await;
        assert!(soon.html.contains("id=\"evidence-empty\""));
        assert!(soon.html.contains("None of this entity"));
        assert!(
            auditor
                .get("/compliance/assessments")
                .await
                .html
                .contains("href=\"/compliance/evidence\"")
        );
        // Outside the need-to-know: 404; a state that does not exist: 400.
        let b = format!("/compliance/evidence?entity={}", app.ids.entity_b);
        assert_eq!(auditor.get(&b).await.status, StatusCode::NOT_FOUND);
        let bad = auditor
            .get(&format!("/compliance/evidence?entity={a}&expiry=rotten"))
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        // Entity B has no evidence: the empty state says what to do next.
        let admin = Browser::sign_in(&app, "administrator@example.org").await;
        let empty = admin.get(&b).await;
        assert_eq!(empty.status, StatusCode::OK);
        assert!(
            empty
                .html
                .contains("No evidence is recorded for this entity yet")
        );
        assert!(empty.html.contains("href=\"/compliance/assessments\""));
    }
}

// ----- the home dashboard -----

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

// ----- the search box -----

/// The items listed under one section of the search page (`found-…`), in order.
fn found(html: &str, section: &str) -> Vec<String> {
    let Some(start) = html.find(&format!("<section aria-labelledby=\"{section}-h\"")) else {
        return Vec::new();
    };
    let rest = &html[start..];
    let rest = &rest[..rest.find("</section>").unwrap()];
    rest.split("<li><a href=\"")
        .skip(1)
        .map(|item| {
            let label = &item[item.find('>').unwrap() + 1..];
            label[..label.find("</a>").unwrap()].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn the_search_box_finds_every_kind_of_thing_within_need_to_know() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let search = |role: Role, q: &str| {
            let path = format!(
                "/search?q={}",
                url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
            );
            let token = app.token(role).to_owned();
            let app = &app;
            async move { String::from_utf8(app.raw(Method::GET, &path, &token, None).await).unwrap() }
        };
        // A control of entity B, outside the contributor's need-to-know.
        let catalog = hygeia_catalog::Catalog::load_embedded().unwrap();
        app.store
            .create_control(
                &Actor::system(),
                &app.ids.entity_b,
                &hygeia_store::assessments::ControlInput {
                    name: "Segmentation du laboratoire".into(),
                    status: "planned".into(),
                    ..Default::default()
                },
                &catalog,
            )
            .await
            .unwrap();

        let html = search(Role::Administrator, "segmentation").await;
        assert_eq!(
            found(&html, "found-controls"),
            ["Segmentation", "Segmentation du laboratoire"]
        );
        let html = search(Role::Contributor, "SEGMENTATION").await;
        assert_eq!(found(&html, "found-controls"), ["Segmentation"]);

        // Requirements of the catalogs, with a link to the full requirement search.
        let html = search(Role::Contributor, "a.8.22").await;
        let requirements = found(&html, "found-requirements");
        assert!(
            requirements.iter().any(|r| r.starts_with("A.8.22")),
            "{requirements:?}"
        );

        // Evidence by title, assets by address, entities by name.
        let html = search(Role::Auditor, "network diagram").await;
        assert_eq!(found(&html, "found-evidence"), ["Network diagram"]);
        let html = search(Role::Auditor, "10.1.0.5").await;
        assert_eq!(found(&html, "found-assets"), ["10.1.0.5"]);
        let html = search(Role::Administrator, "laboratoire").await;
        assert_eq!(found(&html, "found-entities"), ["Laboratoire B"]);
        let html = search(Role::Contributor, "laboratoire").await;
        assert!(found(&html, "found-entities").is_empty());
        assert!(found(&html, "found-controls").is_empty());
        assert!(html.contains("id=\"nothing-found\""));

        // Users only for those who manage them.
        let html = search(Role::Administrator, "auditor@").await;
        assert_eq!(found(&html, "found-users"), ["auditor"]);
        let html = search(Role::Contributor, "auditor@").await;
        assert!(!html.contains("found-users"));

        // What was typed comes back escaped; an empty query explains what to type.
        let html = search(Role::Auditor, "<script>x</script>").await;
        assert!(
            html.contains("value=\"&#60;script&#62;x&#60;/script&#62;\""),
            "{html}"
        );
        assert!(!html.contains("<script>x"));
        let html = search(Role::Auditor, "").await;
        assert!(html.contains("A.8.22"), "the hint gives an example");
    }
}

#[tokio::test]
async fn absurd_page_numbers_show_an_empty_page_instead_of_failing() {
    let app = TestApp::new(testing::sqlite()).await;
    let admin = app.token(Role::Administrator).to_owned();
    for path in [
        "/assets?page=9223372036854775807",
        "/audit?page=9223372036854775807",
        "/compliance/evidence?page=9223372036854775807",
        "/audit?page=-5",
    ] {
        let request = Request::builder()
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {admin}"))
            .body(Body::empty())
            .unwrap();
        let (status, _) = app.send(request).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }
}
