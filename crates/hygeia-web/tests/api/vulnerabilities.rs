//! The hub end to end on the real shared data: a sensor batch dissected from the shared S7 and
//! EtherNet/IP captures, CISA's CSAF bundle and KEV catalog imported through the API, the
//! matches listed in priority order, triaged with audit, scoped by entity, and shown on the
//! pages. Skipped, with the reason, when the shared files are absent.

use std::path::{Path, PathBuf};

use hygeia_monitor::{CaptureSource, analyze};

use super::forms::Browser;
use super::*;

fn shared(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared")
        .join(relative)
}

const S7: &str = "pcaps/ot/s7comm/icsnpp-s7ident.pcap";
const ENIP: &str = "pcaps/ot/enip/iti-enip_test.pcap";
const BUNDLE: &str = "advisories/cisa-csaf-2024-10-24.tar.gz";
const KEV: &str = "advisories/cisa-kev-2025-08-25.json";

async fn post_file(app: &TestApp, name: &str, bytes: Vec<u8>) -> Value {
    let path = format!("/api/v1/advisories/imports?name={name}");
    let body = app
        .raw(
            Method::POST,
            &path,
            app.token(Role::Administrator),
            Some(Body::from(bytes)),
        )
        .await;
    serde_json::from_slice(&body).unwrap()
}

#[tokio::test]
async fn captured_assets_are_matched_against_the_cisa_bundle_and_triaged() {
    let files = [S7, ENIP, BUNDLE, KEV];
    if let Some(missing) = files.iter().find(|f| !shared(f).is_file()) {
        eprintln!("skipped: {} not found", shared(missing).display());
        return;
    }
    let sources = [
        CaptureSource::Path(shared(S7)),
        CaptureSource::Path(shared(ENIP)),
    ];
    let report = serde_json::to_value(analyze(&sources, None).unwrap()).unwrap();
    let bundle = std::fs::read(shared(BUNDLE)).unwrap();
    let kev = std::fs::read(shared(KEV)).unwrap();
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let batch =
            json!({"sensor": "plant-sensor", "entity_id": app.ids.entity_a, "report": report});
        let (status, body) = app
            .call(
                Method::POST,
                "/api/v1/monitor/batches",
                Some(&admin),
                Some(batch),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {body}");

        let imported = post_file(&app, "cisa-csaf-2024-10-24.tar.gz", bundle.clone()).await;
        assert!(
            imported["import"]["advisories_new"].as_i64().unwrap() > 2_000,
            "{name}: {imported}"
        );
        assert!(
            imported["matching"]["assets"].as_i64().unwrap() > 0,
            "{name}: {imported}"
        );
        let with_kev = post_file(&app, "cisa-kev-2025-08-25.json", kev.clone()).await;
        assert_eq!(
            with_kev["import"]["kev_version"], "2025.08.25",
            "{name}: {with_kev}"
        );
        let list = format!(
            "/api/v1/vulnerabilities?entity_id={}&limit=500",
            app.ids.entity_a
        );
        let (status, page) = app.call(Method::GET, &list, Some(&admin), None).await;
        assert_eq!(status, StatusCode::OK, "{name}: {page}");
        let items = page["items"].as_array().unwrap();
        let of = |model_part: &str, advisory: &str| {
            items.iter().find(|m| {
                m["tracking_id"] == advisory
                    && m["asset_model"]
                        .as_str()
                        .is_some_and(|x| x.contains(model_part))
            })
        };
        for advisory in ["ICSA-20-042-05", "ICSA-19-283-02", "ICSA-22-314-02"] {
            let m = of("6ES7 315-2EH14-0AB0", advisory)
                .unwrap_or_else(|| panic!("{name}: the S7-300 is not matched by {advisory}"));
            assert_eq!(m["status"], "affected", "{name}: {m}");
            assert_eq!(m["basis"], "model_number", "{name}: {m}");
        }
        // The module name the CPU reports beside its order number is kept and matched on.
        let s7 = of("6ES7 315-2EH14-0AB0", "ICSA-20-042-05").unwrap();
        let asset = format!("/api/v1/assets/{}", s7["asset_id"].as_str().unwrap());
        let (status, asset) = app.call(Method::GET, &asset, Some(&admin), None).await;
        assert_eq!(status, StatusCode::OK, "{name}: {asset}");
        assert_eq!(asset["product_name"], "CPU 315-2 PN/DP", "{name}: {asset}");
        let rockwell = of("1756-ENBT", "ICSA-18-310-02")
            .unwrap_or_else(|| panic!("{name}: the 1756-ENBT is not matched by ICSA-18-310-02"));
        assert!(rockwell["status"] != "fixed", "{name}: {rockwell}");
        let priorities: Vec<i64> = items
            .iter()
            .map(|m| m["priority"].as_i64().unwrap())
            .collect();
        assert!(
            priorities.windows(2).all(|w| w[0] >= w[1]),
            "{name}: not in priority order"
        );

        // Triage: a refusal names its field and changes nothing; then it is recorded.
        let id = of("6ES7 315-2EH14-0AB0", "ICSA-20-042-05").unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let triage = format!("/api/v1/vulnerabilities/{id}/triage");
        let contributor = app.token(Role::Contributor).to_owned();
        let (status, problem) = app
            .call(
                Method::PUT,
                &triage,
                Some(&contributor),
                Some(json!({"triage": "false_positive"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "note", "{name}");
        let accept = json!({"triage": "accepted_risk", "note": "Line stops in March", "until": "2026-09-30"});
        let (status, _) = app
            .call(
                Method::PUT,
                &triage,
                Some(&contributor),
                Some(accept.clone()),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{name}: contributors do not accept risks"
        );
        let manager = app.token(Role::ComplianceManager).to_owned();
        let (status, triaged) = app
            .call(Method::PUT, &triage, Some(&manager), Some(accept))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {triaged}");
        assert_eq!(
            (
                triaged["triage"].as_str(),
                triaged["needs_action"].as_bool()
            ),
            (Some("accepted_risk"), Some(false)),
            "{name}"
        );
        assert_eq!(app.audit_count("vulnerability.triage").await, 1, "{name}");
        assert_eq!(app.audit_count("advisories.import").await, 2, "{name}");
        let open = format!("{list}&open=true");
        let (_, open) = app.call(Method::GET, &open, Some(&admin), None).await;
        assert!(
            open["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|m| m["id"] != id.as_str()),
            "{name}: an accepted risk is not to handle"
        );

        // The export carries the list and the data's credit.
        let csv = app
            .raw(
                Method::GET,
                &format!(
                    "/api/v1/vulnerabilities/export?format=csv&lang=fr&entity_id={}",
                    app.ids.entity_a
                ),
                &admin,
                None,
            )
            .await;
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            csv.contains("ICSA-20-042-05") && csv.contains("Qualification") && csv.contains("CISA"),
            "{name}"
        );

        // Entity B's users see none of it.
        let b_list = format!("/api/v1/vulnerabilities?entity_id={}", app.ids.entity_b);
        let (_, b_page) = app.call(Method::GET, &b_list, Some(&admin), None).await;
        assert_eq!(b_page["total"], 0, "{name}");

        // The pages: the list, the match, the advisory, the asset, in English and French.
        let advisory_id = triaged["advisory_id"].as_str().unwrap().to_owned();
        let asset_id = triaged["asset_id"].as_str().unwrap().to_owned();
        let browser = Browser::sign_in(&app, "compliance_manager@example.org").await;
        let listed = browser.get("/vulnerabilities?view=all").await.html;
        assert!(
            listed.contains("ICSA-19-283-02") && listed.contains("KEV"),
            "{name}"
        );
        let page = format!("/vulnerabilities/{id}");
        let shown = browser.get(&page).await.html;
        assert!(
            shown.contains("Line stops in March") && shown.contains("6.10"),
            "{name}: {shown}"
        );
        super::forms::assert_accessible_form(&page, &shown);
        let advisory = browser
            .get(&format!("/vulnerabilities/advisories/{advisory_id}"))
            .await
            .html;
        assert!(
            advisory.contains("6ES7 315-2EH14-0AB0") && advisory.contains("SHA-256"),
            "{name}"
        );
        let asset = browser.get(&format!("/assets/{asset_id}")).await.html;
        assert!(asset.contains("ICSA-20-042-05"), "{name}");
        let feeds = browser.get("/vulnerabilities/feeds").await.html;
        assert!(
            feeds.contains("2025.08.25") && feeds.contains("CISA"),
            "{name}"
        );

        // The page's form: a mitigation without its control is refused (400, what was typed
        // kept), then recorded.
        let action = format!("/vulnerabilities/{id}/triage");
        let refused = browser
            .post(&action, &[("triage", "mitigated"), ("note", "")])
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(refused.html.contains("form-error"), "{name}");
        let saved = browser
            .post(
                &action,
                &[
                    ("triage", "mitigated"),
                    ("note", "Port 102 closed at the cell firewall"),
                ],
            )
            .await;
        assert_eq!(saved.location.as_deref(), Some(page.as_str()), "{name}");
        assert_eq!(app.audit_count("vulnerability.triage").await, 2, "{name}");

        // Patch planning: a window added on its page, the plan set on the match's page; past
        // its window's last day (the test clock says 2026-03-02) it is overdue on the dashboard.
        let entity = app.ids.entity_a.clone();
        let added = browser
            .post(
                "/vulnerabilities/windows",
                &[
                    ("entity", &entity),
                    ("name", "Winter stop"),
                    ("kind", "production_stop"),
                    ("scope", ""),
                    ("starts_on", "2026-02-16"),
                    ("ends_on", "2026-02-27"),
                    ("notes", ""),
                ],
            )
            .await;
        assert!(added.location.is_some(), "{name}: {}", added.status);
        let refused = browser
            .post(
                "/vulnerabilities/windows",
                &[
                    ("entity", &entity),
                    ("name", "Backwards"),
                    ("kind", "production_stop"),
                    ("scope", ""),
                    ("starts_on", "2026-02-27"),
                    ("ends_on", "2026-02-16"),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            refused.html.contains("Backwards"),
            "{name}: what was typed is kept"
        );
        let windows_page = format!("/vulnerabilities/windows?entity={entity}");
        let listed = browser.get(&windows_page).await.html;
        assert!(listed.contains("Winter stop"), "{name}");
        super::forms::assert_accessible_form(&windows_page, &listed);
        let (_, windows) = app
            .call(
                Method::GET,
                &format!("/api/v1/entities/{entity}/maintenance-windows"),
                Some(&admin),
                None,
            )
            .await;
        let window_id = windows[0]["id"].as_str().unwrap().to_owned();
        let planned = browser
            .post(
                &format!("/vulnerabilities/{id}/plan"),
                &[
                    ("action", "Update the CPU to the fixed firmware"),
                    ("owner", "OT team"),
                    ("window_id", &window_id),
                    ("due_on", ""),
                ],
            )
            .await;
        assert!(planned.location.is_some(), "{name}: {}", planned.html);
        let (_, shown) = app
            .call(
                Method::GET,
                &format!("/api/v1/vulnerabilities/{id}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(shown["plan"]["due_on"], "2026-02-27", "{name}: {shown}");
        assert_eq!(shown["plan"]["overdue"], true, "{name}");
        let overdue = format!("/api/v1/vulnerabilities?plan=overdue&entity_id={entity}");
        let (_, late) = app.call(Method::GET, &overdue, Some(&admin), None).await;
        assert_eq!(late["total"], 1, "{name}: {late}");
        let dashboard = browser.get("/").await.html;
        assert!(
            dashboard.contains("fig-plans-overdue")
                && dashboard.contains("/vulnerabilities?plan=overdue"),
            "{name}"
        );
        assert_eq!(app.audit_count("vulnerability.plan").await, 1, "{name}");

        app.store
            .update_user(
                &Actor::system(),
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
        let shown = browser.get(&page).await.html;
        assert!(
            shown.contains("Atténuée") && shown.contains("Que faire"),
            "{name}: {shown}"
        );
    }
}
