//! The search box: every kind of thing found, within need-to-know.

use super::*;

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
        // (The entity's full name: "laboratoire" alone now finds requirement descriptions.)
        let html = search(Role::Administrator, "laboratoire b").await;
        assert_eq!(found(&html, "found-entities"), ["Laboratoire B"]);
        let html = search(Role::Contributor, "laboratoire b").await;
        assert!(found(&html, "found-entities").is_empty());
        assert!(found(&html, "found-controls").is_empty());
        assert!(!html.contains("Laboratoire B"));
        let html = search(Role::Contributor, "xqzv").await;
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
