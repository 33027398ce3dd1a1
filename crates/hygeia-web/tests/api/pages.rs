//! Server-rendered pages in general: escaping, headers, redirects, paging bounds.

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

#[tokio::test]
async fn breadcrumbs_run_root_first_and_unknown_pages_are_styled() {
    let app = TestApp::new(testing::sqlite()).await;
    let token = app.token(Role::Auditor).to_owned();
    let html = String::from_utf8(
        app.raw(
            Method::GET,
            "/compliance/frameworks/nis2-2024-2690/requirements/1.1.1.a",
            &token,
            None,
        )
        .await,
    )
    .unwrap();
    let crumbs = html
        .split("<nav class=\"crumbs\"")
        .nth(1)
        .and_then(|rest| rest.split("</nav>").next())
        .unwrap();
    let position = |label: &str| crumbs.find(&format!(">{label}<")).unwrap_or(usize::MAX);
    assert!(
        position("1") < position("1.1") && position("1.1") < position("1.1.1"),
        "{crumbs}"
    );
    // An address that is no page: a styled page in the reader's language, status 404.
    for (auth, expected) in [(Some(token.as_str()), "Not found"), (None, "Not found")] {
        let mut request = Request::builder().uri("/entities-list-that-does-not-exist");
        if let Some(token) = auth {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let mut request = request.body(Body::empty()).unwrap();
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 7], 40000))));
        let response = app.app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let page = String::from_utf8_lossy(&bytes);
        assert!(page.contains("<h1>") && page.contains(expected), "{page}");
    }
}
