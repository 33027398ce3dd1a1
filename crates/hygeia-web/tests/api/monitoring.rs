//! Zone policies and the Assets pages.

use super::forms::Browser;
use super::*;

#[tokio::test]
async fn zone_policies_are_checked_before_they_are_stored() {
    let app = TestApp::new(testing::sqlite()).await;
    let manager = app.token(Role::ComplianceManager).to_owned();
    let path = format!("/api/v1/entities/{}/zones", app.ids.entity_a);
    let broken = json!({"policy": "[[zone]]\nname = \"x\"\ncidrs = [\"10.0.0.0/33\"]\n"});
    let (status, problem) = app
        .call(Method::PUT, &path, Some(&manager), Some(broken))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["errors"][0]["field"], "policy");
    let (_, stored) = app.call(Method::GET, &path, Some(&manager), None).await;
    assert_eq!(
        stored["policy"], ZONES,
        "a refused policy replaced the stored one"
    );
    let other = format!("/api/v1/entities/{}/zones", app.ids.entity_b);
    let (status, _) = app
        .call(
            Method::PUT,
            &other,
            Some(&manager),
            Some(json!({"policy": ZONES})),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "out-of-scope entity");
}

#[tokio::test]
async fn asset_pages_show_the_inventory_within_need_to_know() {
    let app = TestApp::new(testing::sqlite()).await;
    let auditor = app.token(Role::Auditor).to_owned();
    let (status, list) = app
        .call(Method::GET, "/assets?role=plc", Some(&auditor), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_str().unwrap().to_owned();
    assert!(
        list.contains("10.1.0.5") && list.contains(&format!("/assets/{}", app.ids.asset_a)),
        "{list}"
    );
    let (status, detail) = app
        .call(
            Method::GET,
            &format!("/assets/{}", app.ids.asset_a),
            Some(&auditor),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(detail.as_str().unwrap().contains("00:1b:1b:0a:0b:0c"));
    for path in ["/assets/map", "/assets/findings"] {
        let (status, _) = app.call(Method::GET, path, Some(&auditor), None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
    }

    // Someone granted only entity B sees neither the asset nor its page.
    let outsider = app
        .store
        .create_user(
            &Actor::system(),
            &app.store.organisation().await.unwrap().unwrap().id,
            &NewUser {
                email: "outsider@example.org".into(),
                display_name: "Outsider".into(),
                role: Role::Auditor,
                locale: "en".into(),
                entity_ids: vec![app.ids.entity_b.clone()],
                password_hash: None,
            },
        )
        .await
        .unwrap();
    let (secret, hash, prefix) = auth::new_api_token();
    app.store
        .create_token(
            &Actor::system(),
            &hygeia_store::NewToken::full(&outsider.id, "t", &hash, &prefix),
        )
        .await
        .unwrap();
    let (_, list) = app.call(Method::GET, "/assets", Some(&secret), None).await;
    assert!(
        !list.as_str().unwrap().contains("10.1.0.5"),
        "an out-of-scope asset was listed"
    );
    let page = Request::builder()
        .uri(format!("/assets/{}", app.ids.asset_a))
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .body(Body::empty())
        .unwrap();
    let response = app.app.clone().oneshot(page).await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "an HTML page answers 404 for an out-of-scope asset"
    );
    let (status, api) = app
        .call(
            Method::GET,
            &format!("/api/v1/assets/{}", app.ids.asset_a),
            Some(&secret),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{api}");
}

/// Posts a form with `role`'s API token (no CSRF token needed); returns the status, the
/// `Location` header and the page.
async fn post_form(
    app: &TestApp,
    role: Role,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, Option<String>, String) {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        body.append_pair(name, value);
    }
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {}", app.token(role)))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.finish()))
        .unwrap();
    let answer = app.exchange(request).await;
    (
        answer.status,
        answer.header(header::LOCATION),
        answer.body.clone(),
    )
}

/// A page as `role` sees it, with askama's character references decoded.
async fn page_as(app: &TestApp, role: Role, path: &str) -> String {
    let (status, html) = app
        .call(Method::GET, path, Some(app.token(role)), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{path}");
    html.as_str()
        .unwrap()
        .replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&#38;", "&")
}

fn finding(summary: &str, src: &str, dst: &str) -> Value {
    json!({"kind": "conduit_violation", "severity": "high", "summary": summary, "src": src,
           "dst": dst, "protocol": "modbus", "operations": ["write"],
           "references": [{"framework": "ISO/IEC 27001:2022 Annex A", "id": "A.8.22"}],
           "evidence": {"first_packet": 5, "first_seen": "2026-03-01T09:01:00Z", "packets": 3}})
}

#[tokio::test]
async fn findings_are_acknowledged_or_dismissed_with_a_reason_by_api_and_page() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let name = app._db.name;
        let ingest = |entity: String, findings: Vec<Value>| {
            let store = app.store.clone();
            async move {
                let batch = serde_json::from_value(json!({ "findings": findings })).unwrap();
                store
                    .ingest_observations(&Actor::system(), &entity, "sensor-1", &batch)
                    .await
                    .unwrap();
            }
        };
        ingest(
            app.ids.entity_a.clone(),
            vec![
                finding("Office PC writes the PLC", "10.10.1.50", "10.1.0.5"),
                finding("Laptop writes the PLC", "10.10.1.77", "10.1.0.5"),
            ],
        )
        .await;
        ingest(
            app.ids.entity_b.clone(),
            vec![finding("B's PC writes B's PLC", "10.20.1.50", "10.2.0.5")],
        )
        .await;
        let manager = app.token(Role::ComplianceManager).to_owned();
        let (status, open) = app
            .call(
                Method::GET,
                "/api/v1/monitor/findings?state=open",
                Some(&manager),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            open["total"], 2,
            "{name}: entity B is outside the manager's scope"
        );
        let id_of = |summary: &str| {
            open["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["summary"] == summary)
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let office = id_of("Office PC writes the PLC");
        let laptop = id_of("Laptop writes the PLC");
        let review = |id: &str| format!("/api/v1/monitor/findings/{id}/review");

        // Refused: no reason, an unknown state, the wrong role, an entity out of scope.
        let (status, problem) = app
            .call(
                Method::PUT,
                &review(&office),
                Some(&manager),
                Some(json!({"state": "acknowledged", "reason": " "})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "reason");
        let (status, problem) = app
            .call(
                Method::PUT,
                &review(&office),
                Some(&manager),
                Some(json!({"state": "closed", "reason": "done"})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "state");
        for role in [Role::Contributor, Role::Auditor] {
            let (status, _) = app
                .call(
                    Method::PUT,
                    &review(&office),
                    Some(app.token(role)),
                    Some(json!({"state": "acknowledged", "reason": "x"})),
                )
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role}");
        }
        let admin = app.token(Role::Administrator).to_owned();
        let (_, all) = app
            .call(Method::GET, "/api/v1/monitor/findings", Some(&admin), None)
            .await;
        let b_finding = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["entity_id"] == app.ids.entity_b.as_str())
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (status, _) = app
            .call(
                Method::PUT,
                &review(&b_finding),
                Some(&manager),
                Some(json!({"state": "acknowledged", "reason": "x"})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}: out of scope");

        // Acknowledged through the API: the state, who and why come back.
        let (status, reviewed) = app
            .call(
                Method::PUT,
                &review(&office),
                Some(&manager),
                Some(
                    json!({"state": "acknowledged", "reason": "Firewall rule requested: CHG-1042"}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{reviewed}");
        assert_eq!(reviewed["state"], "acknowledged");
        assert_eq!(
            reviewed["review"]["reason"],
            "Firewall rule requested: CHG-1042"
        );
        assert_eq!(
            reviewed["review"]["reviewed_by"],
            "compliance_manager@example.org"
        );
        let (status, listed) = app
            .call(
                Method::GET,
                "/api/v1/monitor/findings?state=acknowledged",
                Some(&manager),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(listed["total"], 1);
        let (status, _) = app
            .call(
                Method::GET,
                "/api/v1/monitor/findings?state=whatever",
                Some(&manager),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // The page shows the state, who and why, and offers the form to those who may review.
        let html = page_as(&app, Role::ComplianceManager, "/assets/findings").await;
        assert!(html.contains("Firewall rule requested: CHG-1042"), "{html}");
        assert!(html.contains("by compliance_manager@example.org"), "{html}");
        assert!(html.contains(&format!("action=\"/assets/findings/{laptop}/review\"")));
        assert!(html.contains("2 findings"), "{html}");
        assert!(
            html.contains("1 open · 1 acknowledged · 0 false positives"),
            "{html}"
        );
        let problems = super::accessibility::problems(&html);
        assert!(problems.is_empty(), "{problems:?}");
        let auditor = page_as(&app, Role::Auditor, "/assets/findings").await;
        assert!(auditor.contains("Firewall rule requested"));
        assert!(
            !auditor.contains("/review\""),
            "an auditor was offered the form"
        );

        // Marked as a false positive from the page: back to the list at that finding.
        let back = format!("entity={}", app.ids.entity_a);
        let (status, location, _) = post_form(
            &app,
            Role::ComplianceManager,
            &format!("/assets/findings/{laptop}/review"),
            &[
                ("state", "false_positive"),
                (
                    "reason",
                    "The vendor's test bench, never on the plant network",
                ),
                ("back", &back),
            ],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(
            location.unwrap(),
            format!("/assets/findings?{back}#finding-{laptop}")
        );
        let dismissed = page_as(
            &app,
            Role::ComplianceManager,
            "/assets/findings?state=false_positive",
        )
        .await;
        assert!(dismissed.contains("The vendor's test bench"), "{dismissed}");
        assert!(dismissed.contains("1 finding "), "{dismissed}");
        assert!(!dismissed.contains("Firewall rule requested"));
        // Without a reason the form comes back, saying why, with what was chosen.
        let (status, _, refused) = post_form(
            &app,
            Role::ComplianceManager,
            &format!("/assets/findings/{office}/review"),
            &[("state", "open"), ("reason", ""), ("back", "")],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            refused.contains("The review was not saved: Reason: must not be empty"),
            "{refused}"
        );
        let (status, _, _) = post_form(
            &app,
            Role::Contributor,
            &format!("/assets/findings/{office}/review"),
            &[("state", "open"), ("reason", "x")],
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // In French: states, severities and the review's wording.
        app.speak(Role::ComplianceManager, "fr").await;
        let fr = page_as(&app, Role::ComplianceManager, "/assets/findings").await;
        for text in [
            "Pris en compte",
            "Faux positif",
            "Élevée",
            "par compliance_manager@example.org",
            "Enregistrer la revue",
        ] {
            assert!(fr.contains(text), "{text}: {fr}");
        }
        assert!(
            fr.contains("lang=\"en\""),
            "the sensors' English summaries are marked"
        );

        // Audited, each review with its reason.
        let (_, trail) = app
            .call(
                Method::GET,
                "/api/v1/audit?action=finding.review",
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(trail["total"], 2, "{name}: {trail}");
    }
}

#[tokio::test]
async fn the_map_groups_assets_by_purdue_level_and_zone() {
    let app = TestApp::new(testing::sqlite()).await;
    // The fixture: entity A's PLC 10.1.0.5 in zone cell-1 (Purdue level 1), and a station no
    // zone covers.
    let batch = serde_json::from_value(json!({
        "assets": [{"id": "ip:192.168.5.7", "ips": ["192.168.5.7"], "names": ["Poste de supervision — salle de contrôle"],
                    "roles": ["hmi"], "protocols": ["modbus", "ether/0x88e3"], "first_seen": "2026-03-01T08:00:00Z",
                    "last_seen": "2026-03-01T08:00:00Z", "packets_sent": 3}],
        "flows": [{"src": "192.168.5.7", "dst": "10.1.0.5", "protocol": "modbus", "packets": 12, "bytes": 900,
                   "operations": ["read", "write"], "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T08:00:00Z"}]
    }))
    .unwrap();
    app.store
        .ingest_observations(&Actor::system(), &app.ids.entity_a, "s", &batch)
        .await
        .unwrap();
    let html = page_as(&app, Role::Auditor, "/assets/map").await;
    for text in [
        "Purdue level 1 · Basic control (PLCs, RTUs)",
        "Outside every zone, by network",
        "Network 192.168.5.0/24",
        "cell-1",
        "target SL 3 · 10.1.0.0/24",
        // Names are written in full, and numbered protocols named.
        "Poste de supervision — salle de contrôle",
        "MRP (ether/0x88e3)",
        "Communications between groups",
    ] {
        assert!(html.contains(text), "{text}: {html}");
    }
    // The link from the unzoned network to the cell writes: flagged.
    assert!(html.contains("<tr class=\"changing\"><td class=\"wrap\">Network 192.168.5.0/24</td><td class=\"wrap\">cell-1</td>"), "{html}");
    let problems = super::accessibility::problems(&html);
    assert!(problems.is_empty(), "{problems:?}");
    app.speak(Role::Auditor, "fr").await;
    let fr = page_as(&app, Role::Auditor, "/assets/map").await;
    for text in [
        "Niveau de Purdue 1 · Contrôle de base",
        "Hors de toute zone, par réseau",
        "Communications entre groupes",
    ] {
        assert!(fr.contains(text), "{text}: {fr}");
    }
    // Entity B has assets and no policy: the map says so.
    app.store
        .ingest_observations(&Actor::system(), &app.ids.entity_b, "s", &batch)
        .await
        .unwrap();
    let admin = page_as(&app, Role::Administrator, "/assets/map").await;
    assert!(
        admin.contains("No zone policy for Laboratoire B"),
        "{admin}"
    );
    assert!(!admin.contains("No zone policy for Hôpital A"));
}

/// 1,000 assets in 12 zones over 4 Purdue levels plus unzoned networks, 3,000 flows: the map
/// stays one bounded diagram and collapsed lists, every name in full. Prints its size and
/// server time (see BENCHMARKS.md for release figures).
#[tokio::test]
async fn the_map_stays_readable_at_a_thousand_assets() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let name = app._db.name;
        let mut policy = String::from("unzoned = \"ignore\"\n");
        for z in 0..12 {
            policy.push_str(&format!(
                "\n[[zone]]\nname = \"Préparation stérile, ligne de remplissage {z} — bâtiment B\"\n\
                 cidrs = [\"10.{z}.0.0/16\"]\npurdue_level = {}\ntarget_sl = 2\n",
                z % 4
            ));
        }
        app.store
            .set_zone_policy(&Actor::system(), &app.ids.entity_b, &policy)
            .await
            .unwrap();
        let assets: Vec<Value> = (0..1000)
            .map(|i| {
                // 900 in zones, 100 in networks no zone covers.
                let ip = if i < 900 {
                    format!("10.{}.{}.{}", i % 12, i / 250, i % 250 + 1)
                } else {
                    format!("172.16.{}.{}", i % 4, i % 250 + 1)
                };
                json!({"id": format!("ip:{ip}"), "ips": [ip],
                       "names": [format!("Pompe doseuse n°{i} de la salle de préparation stérile, bâtiment B")],
                       "roles": [if i % 10 == 0 { "plc" } else { "hmi" }], "protocols": ["modbus"],
                       "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T08:00:00Z", "packets_sent": 3})
            })
            .collect();
        let ip_of = |i: usize| assets[i % 1000]["ips"][0].as_str().unwrap().to_owned();
        let flows: Vec<Value> = (0..3000)
            .map(|i| {
                // 3,000 distinct client → server pairs.
                json!({"src": ip_of(i), "dst": ip_of(i + 1 + 7 * (i / 1000)), "protocol": "modbus", "packets": 10 + i,
                       "bytes": 1000, "operations": [if i % 5 == 0 { "write" } else { "read" }],
                       "first_seen": "2026-03-01T08:00:00Z", "last_seen": "2026-03-01T08:00:00Z"})
            })
            .collect();
        let batch = serde_json::from_value(json!({ "assets": assets, "flows": flows })).unwrap();
        app.store
            .ingest_observations(&Actor::system(), &app.ids.entity_b, "s", &batch)
            .await
            .unwrap();
        let path = format!("/assets/map?entity={}", app.ids.entity_b);
        page_as(&app, Role::Administrator, &path).await; // warm
        let mut times = Vec::new();
        let mut html = String::new();
        for _ in 0..5 {
            let started = std::time::Instant::now();
            html = page_as(&app, Role::Administrator, &path).await;
            times.push(started.elapsed());
        }
        times.sort();
        eprintln!(
            "{name}: /assets/map with 1,000 assets and 3,000 flows: {} KB, median {:.0} ms (debug build)",
            html.len() / 1024,
            times[2].as_secs_f64() * 1000.0
        );
        assert!(html.len() < 200_000, "{name}: {} bytes", html.len());
        // One box per group in the diagram (12 zones, 4 networks), not one per asset; each
        // group counted, with its roles, and a link to its own view.
        assert_eq!(html.matches("class=\"zone-box").count(), 16, "{name}");
        assert_eq!(html.matches("<details class=\"zone\"").count(), 16);
        for level in 0..4 {
            assert!(html.contains(&format!("Purdue level {level} ·")), "{level}");
        }
        assert!(
            html.contains("1,000 assets in 16 groups, 3,000 flows"),
            "{name}"
        );
        assert!(html.contains("— 75 assets · hmi 60, plc 15"), "{name}");
        assert!(
            !html.contains("class=\"zone-assets\""),
            "{name}: no asset listed by group"
        );
        assert!(html.contains(">Préparation stérile, li…</text>"), "{name}");
        assert!(
            html.contains("<title>Préparation stérile, ligne de remplissage 3 — bâtiment B — ")
        );
        let problems = super::accessibility::problems(&html);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(
            times[2] < std::time::Duration::from_secs(5),
            "{name}: {times:?}"
        );

        // One zone: every asset named in full, the places it talks to, its flows.
        let zone = "zone:Préparation stérile, ligne de remplissage 0 — bâtiment B";
        let place = format!(
            "/assets/map?entity={}&place={}",
            app.ids.entity_b,
            url::form_urlencoded::byte_serialize(zone.as_bytes()).collect::<String>()
        );
        assert!(
            html.contains(&place) || html.contains(&place.replace('&', "&amp;")),
            "{name}: link to {place}"
        );
        let one = page_as(&app, Role::Administrator, &place).await;
        assert_eq!(
            one.matches("<tr><td class=\"wrap\"><a href=\"/assets/")
                .count(),
            75,
            "{name}"
        );
        for i in [0, 12, 888] {
            let full =
                format!("Pompe doseuse n°{i} de la salle de préparation stérile, bâtiment B");
            assert!(one.contains(&full), "{name}: {full}");
        }
        assert!(
            one.contains("Préparation stérile, ligne de remplissage 1 — bâtiment B"),
            "{name}: a neighbour zone"
        );
        assert!(
            !one.contains(">Préparation stérile, ligne de remplissage 5 — bâtiment B<"),
            "{name}: not a neighbour"
        );
        let problems = super::accessibility::problems(&one);
        assert!(problems.is_empty(), "{problems:?}");

        // One asset: its peers by place.
        let asset = app
            .store
            .list_assets(
                &hygeia_domain::access::EntityScope::All,
                &hygeia_store::monitoring::AssetFilter {
                    q: Some("10.0.0.1".into()),
                    ..Default::default()
                },
                hygeia_store::PageRequest::new(Some(200), None),
            )
            .await
            .unwrap()
            .items
            .into_iter()
            .find(|a| a.ips == ["10.0.0.1"])
            .unwrap();
        let peers = page_as(
            &app,
            Role::Administrator,
            &format!("/assets/map?asset={}", asset.id),
        )
        .await;
        assert!(
            peers.contains("Pompe doseuse n°0 de la salle"),
            "{name}: the asset"
        );
        // Flow 0 goes from asset 0 to asset 1; flow 999 from asset 999 to asset 0.
        assert!(
            peers.contains("Pompe doseuse n°1 de la salle"),
            "{name}: a server it reads"
        );
        assert!(
            peers.contains("Pompe doseuse n°999 de la salle"),
            "{name}: a client of it"
        );
        let problems = super::accessibility::problems(&peers);
        assert!(problems.is_empty(), "{problems:?}");

        // The API gives the same counts; need-to-know holds in every view (the other roles
        // of the fixture see entity A only, the map above is entity B's).
        let token = app.token(Role::Administrator);
        let api = format!("/api/v1/map?entity_id={}", app.ids.entity_b);
        let (status, map) = app.call(Method::GET, &api, Some(token), None).await;
        assert_eq!(status, StatusCode::OK, "{name}: {map}");
        let groups = map["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 16, "{name}");
        let counted: i64 = groups.iter().map(|g| g["assets"].as_i64().unwrap()).sum();
        assert_eq!(counted, 1000, "{name}");
        let manager = app.token(Role::ComplianceManager);
        let (status, map) = app.call(Method::GET, &api, Some(manager), None).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(map["groups"], json!([]), "{name}: another entity's places");
        assert_eq!(map["links"], json!([]), "{name}: another entity's links");
        let (status, refused) = app
            .call(Method::GET, "/api/v1/map?place=net%3A", Some(manager), None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(refused["errors"][0]["field"], "entity_id", "{name}");
        let elsewhere = page_as(&app, Role::ComplianceManager, &place).await;
        assert!(
            !elsewhere.contains("Pompe doseuse"),
            "{name}: another entity's assets"
        );
        assert!(
            !elsewhere.contains("Préparation stérile"),
            "{name}: another entity's zones"
        );
        let browser = Browser::sign_in(&app, "compliance_manager@example.org").await;
        let hidden = browser
            .get(&format!("/assets/map?asset={}", asset.id))
            .await;
        assert_eq!(
            hidden.status,
            StatusCode::NOT_FOUND,
            "{name}: another entity's asset"
        );
    }
}

#[tokio::test]
async fn changes_and_findings_are_said_in_the_readers_language() {
    let app = TestApp::new(testing::sqlite()).await;
    let batch = serde_json::from_value(json!({
        "assets": [{"id": "ip:10.1.0.5", "ips": ["10.1.0.5"], "names": ["plc-remplissage"], "roles": ["plc"],
                    "first_seen": "2026-03-01T09:00:00Z", "last_seen": "2026-03-01T09:05:00Z"}],
        "flows": [{"src": "10.10.1.50", "dst": "10.1.0.5", "protocol": "modbus", "operations": ["read", "write"],
                   "first_seen": "2026-03-01T09:00:00Z", "last_seen": "2026-03-01T09:05:00Z"}],
        "findings": [{"kind": "conduit_violation", "severity": "high",
                      "summary": "Modbus/TCP write from 10.10.1.50 (zone bureaux) to 10.1.0.5 (zone ligne-1) is not allowed by any conduit",
                      "src": "10.10.1.50", "dst": "10.1.0.5", "protocol": "modbus", "operations": ["write"],
                      "src_zone": "bureaux", "dst_zone": "ligne-1"}]
    }))
    .unwrap();
    app.store
        .ingest_observations(&Actor::system(), &app.ids.entity_a, "sonde-1", &batch)
        .await
        .unwrap();
    let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;
    let english = manager.get("/assets/findings").await.html;
    assert!(
        english.contains("is not allowed by any conduit"),
        "{english}"
    );
    let switched = manager.post("/settings/locale", &[("locale", "fr")]).await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);

    let findings = manager.get("/assets/findings").await.html;
    assert!(
        findings.contains("(écriture) de 10.10.1.50 (zone bureaux) vers 10.1.0.5 (zone ligne-1) : aucun conduit autorisé ne le permet"),
        "{findings}"
    );
    assert!(
        !findings.contains("not allowed"),
        "no English sentence left"
    );
    assert!(
        !findings.contains(r#"<span lang="en">"#),
        "nothing marked as English: {findings}"
    );

    let inventory = manager.get("/assets").await.html;
    for said in [
        "Nouvel équipement</strong> <span>ip:10.1.0.5 plc-remplissage (plc)",
        "10.10.1.50 → 10.1.0.5 en modbus (lecture, écriture)",
        "(zone bureaux) vers 10.1.0.5",
    ] {
        assert!(inventory.contains(said), "{said} in {inventory}");
    }
    assert!(!inventory.contains(" over "), "{inventory}");
}
