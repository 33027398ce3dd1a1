//! The post-incident review: a lesson learned becomes a new control of the entity, linked to the
//! incident in the same transaction (both audited), through the API and the page; the page
//! offers the entity's latest evidence to tick instead of ids to type.

use super::forms::{Browser, audited};
use super::*;

#[tokio::test]
async fn a_lesson_becomes_a_control_linked_to_the_incident() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let manager = app.token(Role::ComplianceManager).to_owned();
        let path = format!("/api/v1/incidents/{}/controls", app.ids.incident);
        let (controls_before, links_before) = (
            audited(&app, "control.create").await,
            audited(&app, "incident.links").await,
        );
        let (status, control) = app
            .call(
                Method::POST,
                &path,
                Some(&manager),
                Some(
                    json!({"name": "Offline backup restore drill", "status": "planned",
                            "description": "Lesson: the restore had never been tried."}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}: {control}");
        assert_eq!(control["entity_id"], json!(app.ids.entity_a));
        let control_id = control["id"].as_str().unwrap();
        let (_, detail) = app
            .call(
                Method::GET,
                &format!("/api/v1/incidents/{}", app.ids.incident),
                Some(&manager),
                None,
            )
            .await;
        assert!(
            detail["links"]
                .as_array()
                .unwrap()
                .iter()
                .any(|l| l["kind"] == "control" && l["target"] == control_id),
            "{name}: {}",
            detail["links"]
        );
        assert_eq!(
            audited(&app, "control.create").await,
            controls_before + 1,
            "{name}"
        );
        assert_eq!(
            audited(&app, "incident.links").await,
            links_before + 1,
            "{name}"
        );

        // A refused control (its name is taken) leaves neither a control nor a link.
        let (status, refused) = app
            .call(
                Method::POST,
                &path,
                Some(&manager),
                Some(json!({"name": "Offline backup restore drill", "status": "planned"})),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}: {refused}");
        assert_eq!(
            audited(&app, "incident.links").await,
            links_before + 1,
            "{name}"
        );
        assert_eq!(
            audited(&app, "control.create").await,
            controls_before + 1,
            "{name}"
        );
        let controls = app.store.list_controls(&app.ids.entity_a).await.unwrap();
        assert_eq!(
            controls
                .iter()
                .filter(|c| c.name == "Offline backup restore drill")
                .count(),
            1
        );
    }
}

#[tokio::test]
async fn the_page_turns_a_lesson_into_a_control_and_offers_the_latest_evidence() {
    let app = TestApp::new(testing::sqlite()).await;
    let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;
    let page_path = format!("/incidents/{}", app.ids.incident);
    let page = manager.get(&page_path).await;
    assert!(
        page.html.contains(r#"id="control-from-lesson""#),
        "{}",
        page.html
    );
    // The fixture's evidence file is offered as a box to tick.
    let evidence_box = format!(r#"name="evidence_pick" value="{}""#, app.ids.evidence);
    assert!(page.html.contains(&evidence_box), "{}", page.html);

    let created = manager
        .post(
            &format!("/incidents/{}/controls", app.ids.incident),
            &[
                ("name", "Segment the PACS network"),
                ("description", "From the review."),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.html);
    let linked = manager
        .post(
            &format!("/incidents/{}/links", app.ids.incident),
            &[("evidence_pick", &app.ids.evidence), ("evidence", "")],
        )
        .await;
    assert_eq!(linked.status, StatusCode::SEE_OTHER, "{}", linked.html);
    let page = manager.get(&page_path).await;
    assert!(page.html.contains("Segment the PACS network") || page.html.contains("control: "));
    assert!(
        page.html.contains(&format!("{evidence_box} checked")),
        "{}",
        page.html
    );

    // An auditor reads the incident but is offered no form.
    let auditor = Browser::sign_in(&app, "auditor@example.org").await;
    let page = auditor.get(&page_path).await;
    assert!(!page.html.contains(r#"id="control-from-lesson""#));
}
