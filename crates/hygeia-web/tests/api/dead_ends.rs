//! No dead ends (issue 10, item 3): every link a page shows answers a page, the remaining gaps of
//! a NIS2 assessment, section headings, the entity list, no "coming" text for what exists.

use hygeia_web::page_check::local_links as links;

use super::*;

/// A page as a browser gets it: status, body and `Location` (errors are HTML pages here, not
/// problem documents, so this does not go through `TestApp::send`).
async fn fetch(app: &TestApp, token: &str, path: &str) -> (StatusCode, String, Option<String>) {
    let request = Request::builder()
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let answer = app.exchange(request).await;
    (
        answer.status,
        answer.body.clone(),
        answer.header(header::LOCATION),
    )
}

#[tokio::test]
async fn remaining_gaps_of_a_nis2_assessment_are_its_own_open_points() {
    let app = TestApp::new(testing::sqlite()).await;
    let admin = app.token(Role::Administrator).to_owned();
    let nis2 = app.ids.nis2.clone();
    let iso = app.ids.iso.clone();
    let (status, body) = app
        .call(
            Method::POST,
            &format!("/api/v1/assessments/{nis2}/results"),
            Some(&admin),
            Some(json!({"results": [
                {"requirement_id": "1.1.1.a", "value": "non_compliant"},
                {"requirement_id": "1.1.1.b", "value": "compliant"}
            ]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for path in [
        format!("/compliance/assessments/{nis2}/gaps"),
        format!("/compliance/assessments/{nis2}/gaps?target=nis2-2024-2690"),
        format!("/compliance/assessments/{nis2}/gaps?target=nis2-2024-2690&art21=a"),
    ] {
        let (status, html, _) = fetch(&app, &admin, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        // The own open points, grouped by Art. 21(2) letter, the first letter listed.
        assert!(html.contains("id=\"gaps-next\""), "{path}");
        assert!(html.contains("reuse view of the entity"), "{path}");
        assert!(html.contains("21(2)(a)"), "{path}");
        assert!(
            html.contains(&format!(
                "href=\"/compliance/assessments/{nis2}/requirements/1.1.1.a\""
            )),
            "{path}"
        );
        // The compliant point is no gap; no gap-analysis export of a reuse that is not one.
        assert!(!html.contains("/requirements/1.1.1.b\""), "{path}");
        assert!(!html.contains("gap-analysis"), "{path}");
        assert!(html.contains("Non-compliant"), "{path}");
    }
    // Every link of the page leads somewhere (the letters, the points, the exports).
    let (_, html, _) = fetch(
        &app,
        &admin,
        &format!("/compliance/assessments/{nis2}/gaps"),
    )
    .await;
    for href in links(&html) {
        let (status, _, _) = fetch(&app, &admin, &href).await;
        assert_eq!(status, StatusCode::OK, "{href}");
    }
    // Another letter on demand.
    let (status, html, _) = fetch(
        &app,
        &admin,
        &format!("/compliance/assessments/{nis2}/gaps?target=nis2-2024-2690&art21=b"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("/requirements/1.1.1.a\""));
    // A framework no crosswalk leads to: the own open points with a notice, not a refusal.
    for target in ["eu-gmp-annex11", "no-such-framework"] {
        let path = format!("/compliance/assessments/{iso}/gaps?target={target}");
        let (status, html, _) = fetch(&app, &admin, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {html}");
        assert!(html.contains("id=\"gaps-notice\""), "{path}");
        assert!(
            html.contains("Record each result in the assessment."),
            "{path}"
        );
        assert!(!html.contains("reuse view of the entity"), "{path}");
        assert!(
            html.contains(&format!(
                "href=\"/compliance/assessments/{iso}/requirements/a.8.22\""
            )),
            "{path}"
        );
    }
    // In French, in French.
    app.speak(Role::Administrator, "fr").await;
    let (status, html, _) = fetch(
        &app,
        &admin,
        &format!("/compliance/assessments/{nis2}/gaps"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Écarts restants") && html.contains("Non conforme"));
    assert!(html.contains("ne sont pas encore conformes dans cette évaluation"));
}

#[tokio::test]
async fn section_headings_link_to_the_catalog_not_to_a_missing_result() {
    let app = TestApp::new(testing::sqlite()).await;
    let admin = app.token(Role::Administrator).to_owned();
    let nis2 = app.ids.nis2.clone();
    // The NIS2 assessment's reuse view (carried to the Directive's Art. 21): its provenance
    // names the Annex sections ("1", "2", …), which have no result of their own.
    let mut followed = 0;
    let mut offset = 0;
    loop {
        let (status, html, _) = fetch(
            &app,
            &admin,
            &format!("/compliance/assessments/{nis2}/reuse?offset={offset}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        if offset == 0 {
            assert!(
                html.contains("href=\"/compliance/frameworks/nis2-2024-2690/requirements/1\""),
                "section 1 does not link to the catalog"
            );
        }
        for href in links(&html)
            .into_iter()
            .filter(|h| h.contains("/requirements/"))
        {
            let (status, _, _) = fetch(&app, &admin, &href).await;
            assert_eq!(status, StatusCode::OK, "{href}");
            followed += 1;
        }
        if !html.contains(&format!("offset={}", offset + 12)) {
            break;
        }
        offset += 12;
    }
    assert!(followed > 10, "{followed}");
    // An old address of a heading's "result" goes to its catalog page.
    let (status, _, location) = fetch(
        &app,
        &admin,
        &format!("/compliance/assessments/{nis2}/requirements/1.1"),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/compliance/frameworks/nis2-2024-2690/requirements/1.1")
    );
    // A requirement that does not exist still answers 404.
    let (status, _, _) = fetch(
        &app,
        &admin,
        &format!("/compliance/assessments/{nis2}/requirements/99.99"),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_entity_list_shows_the_entities_the_user_may_see() {
    let app = TestApp::new(testing::sqlite()).await;
    let admin = app.token(Role::Administrator).to_owned();
    let auditor = app.token(Role::Auditor).to_owned();
    let (a, b) = (app.ids.entity_a.clone(), app.ids.entity_b.clone());
    let (status, html, _) = fetch(&app, &admin, "/entities").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>Legal entities</h1>"), "{html}");
    assert!(html.contains(&format!("href=\"/entities/{a}\">Hôpital A</a>")));
    assert!(html.contains(&format!("href=\"/entities/{b}\">Laboratoire B</a>")));
    assert!(html.contains("Essential entity") && html.contains("1,500"));
    assert!(html.contains("href=\"/entities/new\""));
    // Reachable from the navigation, marked as the current area.
    assert!(html.contains("<a href=\"/entities\" aria-current=\"page\">Entities"));
    // Filtered by name.
    let (_, html, _) = fetch(&app, &admin, "/entities?q=Labo").await;
    assert!(html.contains("Laboratoire B") && !html.contains(&format!("/entities/{a}\"")));
    // Need-to-know: the auditor sees entity A only, and cannot add one.
    let (status, html, _) = fetch(&app, &auditor, "/entities").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&format!("href=\"/entities/{a}\"")));
    assert!(!html.contains(&format!("/entities/{b}")) && !html.contains("Laboratoire B"));
    assert!(!html.contains("href=\"/entities/new\""));
    // In French.
    app.speak(Role::Auditor, "fr").await;
    let (_, html, _) = fetch(&app, &auditor, "/entities").await;
    assert!(html.contains("<h1>Entités juridiques</h1>") && html.contains("Entité essentielle"));
    assert!(html.contains("1\u{202f}500"), "{html}");
    // The entity page leads back to the list and to its assessments.
    let (_, html, _) = fetch(&app, &auditor, &format!("/entities/{a}")).await;
    assert!(html.contains("href=\"/entities\""));
    assert!(html.contains(&format!(
        "href=\"/compliance/assessments/{}\"",
        app.ids.nis2
    )));
}

#[tokio::test]
async fn no_page_says_that_existing_features_are_coming() {
    let app = TestApp::new(testing::sqlite()).await;
    let admin = app.token(Role::Administrator).to_owned();
    let pages = [
        "/".to_owned(),
        "/compliance".into(),
        format!("/entities/{}", app.ids.entity_a),
        format!("/entities/{}", app.ids.entity_b),
        "/compliance/frameworks/iso27001-2022/requirements/a.8.22".into(),
        "/suppliers".into(),
        "/suppliers/new".into(),
    ];
    for locale in ["en", "fr"] {
        app.speak(Role::Administrator, locale).await;
        for path in &pages {
            let (status, html, _) = fetch(&app, &admin, path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            // The visible text (tags dropped: class names are no text).
            let mut lower = String::new();
            for piece in html.split('<') {
                lower.push_str(piece.split_once('>').map_or(piece, |(_, text)| text));
                lower.push(' ');
            }
            let lower = lower.to_lowercase();
            for stale in [
                "soon",
                "comes with",
                "next part",
                "roadmap",
                "once assessments exist",
                "bientôt",
                "arrive avec",
                "prochaine partie",
                "est prévu",
                "apparaîtront ici avec",
            ] {
                assert!(!lower.contains(stale), "{path} ({locale}) says {stale:?}");
            }
        }
    }
}

/// Follows every link of the dashboard and of the pages it links to, as an administrator and as
/// an auditor limited to entity A, in both languages: each answers 200 (the auditor may meet an
/// intended 403), and no French page shows an English phrase of the interface.
#[tokio::test]
async fn every_link_reachable_from_the_dashboard_answers_a_page() {
    let app = TestApp::new(testing::sqlite()).await;
    let phrases = hygeia_web::page_check::english_phrases();
    assert!(phrases.len() > 200, "only {} phrases", phrases.len());
    let mut failures = Vec::new();
    let mut french_pages = 0;
    let mut check_french = |locale: &str, href: &str, html: &str, failures: &mut Vec<String>| {
        if locale != "fr" || href.starts_with("/api/") || href.starts_with("/assets/hygeia.") {
            return;
        }
        french_pages += 1;
        for phrase in hygeia_web::page_check::english_in(html, &phrases) {
            failures.push(format!("{href} (fr) shows English: \"{phrase}\""));
        }
    };
    for role in [Role::Administrator, Role::Auditor] {
        let token = app.token(role).to_owned();
        for locale in ["en", "fr"] {
            app.speak(role, locale).await;
            let mut seen: BTreeSet<String> = BTreeSet::new();
            let (status, home, _) = fetch(&app, &token, "/").await;
            assert_eq!(status, StatusCode::OK);
            seen.insert("/".to_owned());
            let mut level_two = Vec::new();
            for href in links(&home) {
                if !seen.insert(href.clone()) {
                    continue;
                }
                let (status, html, _) = fetch(&app, &token, &href).await;
                let allowed = status == StatusCode::OK
                    || (role == Role::Auditor && status == StatusCode::FORBIDDEN);
                if !allowed {
                    failures.push(format!("{role} {locale}: / → {href}: {status}"));
                    continue;
                }
                check_french(locale, &href, &html, &mut failures);
                if status == StatusCode::OK
                    && !href.starts_with("/api/")
                    && !href.starts_with("/assets/hygeia.")
                {
                    level_two.extend(links(&html).into_iter().map(|h| (href.clone(), h)));
                }
            }
            for (from, href) in level_two {
                if !seen.insert(href.clone()) {
                    continue;
                }
                let (status, html, _) = fetch(&app, &token, &href).await;
                let allowed = status == StatusCode::OK
                    || (role == Role::Auditor && status == StatusCode::FORBIDDEN);
                if !allowed {
                    failures.push(format!("{role} {locale}: {from} → {href}: {status}"));
                }
                check_french(locale, &href, &html, &mut failures);
            }
            assert!(
                seen.len() > 40,
                "{role} {locale}: only {} links",
                seen.len()
            );
        }
    }
    assert!(
        french_pages > 80,
        "only {french_pages} French pages checked"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
