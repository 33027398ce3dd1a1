//! Forms of the pages, signed in with a session cookie and its CSRF token: entity profile,
//! sites, own password, the evidence register.

use super::*;

/// A signed-in browser: the session cookie and the CSRF token forms carry.
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    cookie: String,
    csrf: String,
}

/// What a page answered: status, HTML, and where a redirect points.
pub(super) struct Answer {
    pub(super) status: StatusCode,
    pub(super) html: String,
    pub(super) location: Option<String>,
    set_cookie: Option<String>,
}

impl<'a> Browser<'a> {
    pub(super) async fn sign_in(app: &'a TestApp, email: &str) -> Self {
        let (status, body, cookie) = login(app, email, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{email}: {body}");
        Self {
            app,
            cookie: cookie.unwrap(),
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        }
    }

    /// Sends a request with the session's cookie and a body of its media type.
    async fn request(&self, method: Method, path: &str, body: Option<(&str, Vec<u8>)>) -> Answer {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::COOKIE, &self.cookie);
        if let Some((media_type, _)) = &body {
            request = request.header(header::CONTENT_TYPE, *media_type);
        }
        let mut request = request
            .body(body.map_or_else(Body::empty, |(_, bytes)| Body::from(bytes)))
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

    pub(super) async fn get(&self, path: &str) -> Answer {
        self.request(Method::GET, path, None).await
    }

    /// Posts a form with the session's CSRF token.
    pub(super) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut body = url::form_urlencoded::Serializer::new(String::new());
        body.append_pair("csrf", &self.csrf);
        for (name, value) in fields {
            body.append_pair(name, value);
        }
        let body = body.finish().into_bytes();
        self.request(
            Method::POST,
            path,
            Some(("application/x-www-form-urlencoded", body)),
        )
        .await
    }

    /// Posts an upload form (multipart: the CSRF token, then `file`).
    pub(super) async fn post_file(&self, path: &str, file: (&str, &[u8])) -> Answer {
        let (media_type, body) = super::everyday::multipart(&[("csrf", &self.csrf)], file);
        self.request(Method::POST, path, Some((&media_type, body)))
            .await
    }
}

/// Checks a form page with the markup rules every page follows (one `h1`, a label on every
/// control, CSRF in every form that posts…; see `accessibility`).
pub(super) fn assert_accessible_form(path: &str, html: &str) {
    let problems = super::accessibility::problems(html);
    assert!(problems.is_empty(), "{path}:\n{}", problems.join("\n"));
}

/// How many audit records of `action` there are.
pub(super) async fn audited(app: &TestApp, action: &str) -> i64 {
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
        match fields.iter_mut().find(|(n, _)| n == name) {
            Some(field) => field.1 = value,
            None => fields.push((name, value)),
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
            (60, Some(15_000_000))
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
