//! The job runner and its page: the recurring work queued once whatever the number of
//! runners, run and queued again for its next time; a job of an unknown kind failing and
//! retried later; the figures and the list for administrators only, in French too.

use hygeia_web::checks::RUN as CHECKS_RUN;
use hygeia_web::jobs::{MATCH_STALE, PURGE, Runner, STATISTICS};

use super::forms::Browser;
use super::*;

#[tokio::test]
async fn recurring_work_runs_once_across_runners_and_shows_on_its_page() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let first = Runner::new(app.state.clone());
        let second = Runner::new(app.state.clone());
        assert_ne!(first.worker(), second.worker(), "{name}");
        first.schedule().await.unwrap();
        second.schedule().await.unwrap();
        let admin = app.token(Role::Administrator).to_owned();
        let (status, listed) = app
            .call(Method::GET, "/api/v1/jobs", Some(&admin), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(
            listed["counts"]["queued"],
            json!(4),
            "{name}: once per kind: {listed}"
        );

        // Each is run by one runner, then queued again for its next time.
        let mut ran = 0;
        loop {
            let (a, b) = tokio::join!(first.run_one(), second.run_one());
            let now = usize::from(a.unwrap()) + usize::from(b.unwrap());
            if now == 0 {
                break;
            }
            ran += now;
        }
        assert_eq!(ran, 4, "{name}");
        let (_, listed) = app
            .call(Method::GET, "/api/v1/jobs", Some(&admin), None)
            .await;
        assert_eq!(
            (
                listed["counts"]["done"].clone(),
                listed["counts"]["queued"].clone()
            ),
            (json!(4), json!(4)),
            "{name}: {listed}"
        );
        let kinds: BTreeSet<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            BTreeSet::from([CHECKS_RUN, MATCH_STALE, STATISTICS, PURGE]),
            "{name}"
        );

        // An unknown kind fails and waits for its retry; a job that has not failed is not
        // retried by hand.
        let now = hygeia_domain::clock::format_instant(app.store.clock().now());
        let odd = app
            .store
            .enqueue_job("test.unknown", None, &json!({}), &now)
            .await
            .unwrap()
            .unwrap();
        assert!(first.run_one().await.unwrap(), "{name}");
        let (_, failed) = app
            .call(Method::GET, "/api/v1/jobs?state=queued", Some(&admin), None)
            .await;
        let row = failed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["id"] == json!(odd))
            .cloned()
            .unwrap();
        assert_eq!(row["attempts"], json!(1), "{name}");
        assert!(
            row["last_error"].as_str().unwrap().contains("test.unknown"),
            "{name}: {row}"
        );
        let (status, _) = app
            .call(
                Method::POST,
                &format!("/api/v1/jobs/{odd}/retry"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{name}");
        let (status, _) = app
            .call(Method::GET, "/api/v1/jobs?state=lost", Some(&admin), None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");

        // The page, in French, for administrators only.
        app.speak(Role::Administrator, "fr").await;
        let browser = Browser::sign_in(&app, "administrator@example.org").await;
        let page = browser.get("/settings/jobs").await;
        assert_eq!(page.status, StatusCode::OK, "{name}");
        assert!(
            page.html.contains("Tâches de fond") && page.html.contains("test.unknown"),
            "{name}"
        );
        assert!(
            browser
                .get("/settings")
                .await
                .html
                .contains("id=\"jobs-link\""),
            "{name}"
        );
        let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;
        assert_eq!(
            manager.get("/settings/jobs").await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
    }
}
