//! The NIS2 profile of an entity through the API and the pages: unknown figures, designation
//! and other grounds, several activities, the group (linked in full, partners pro rata,
//! independence) and the fine on the group's turnover.

use super::forms::{Browser, audited};
use super::*;

fn steps(c: &Value) -> Vec<String> {
    c["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_api_stores_the_profile_and_the_group_and_classifies_with_them() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let admin = app.token(Role::Administrator).to_owned();
        let a = app.ids.entity_a.clone();
        let entity_path = format!("/api/v1/entities/{a}");
        let nis2 = format!("/api/v1/entities/{a}/nis2");
        let group = format!("/api/v1/entities/{a}/group");

        // 180 staff, unknown figures, also an IVD maker, API alias, French group turnover.
        let body = serde_json::json!({
            "name": "Hôpital A", "country": "FR", "entity_type": "API manufacturing",
            "employees": 180, "annual_turnover_eur": null,
            "other_activities": ["ivd"], "public_body": true,
            "group_worldwide_turnover_eur": 2_500_000_000_i64,
        });
        let (status, e) = app
            .call(Method::PUT, &entity_path, Some(&admin), Some(body))
            .await;
        assert_eq!(status, StatusCode::OK, "{e}");
        assert_eq!(e["entity_type"], "basic_pharmaceutical_manufacturing");
        assert_eq!(
            e["other_activities"],
            serde_json::json!(["medical_device_manufacturing"])
        );
        assert!(e["annual_turnover_eur"].is_null() && e["balance_sheet_eur"].is_null());
        assert_eq!(e["designation"], "none");
        let (_, c) = app.call(Method::GET, &nis2, Some(&admin), None).await;
        assert_eq!(c["classification"], "important", "{c}");
        let codes = steps(&c);
        for code in [
            "several_activities",
            "activity_on_both_annexes",
            "size_financials_missing",
            "size_two_consecutive_years",
            "group_autonomous",
            "competent_authority",
        ] {
            assert!(codes.contains(&code.to_owned()), "{code} in {codes:?}");
        }
        // The fine is on the group's turnover (1.4 % of EUR 2.5 bn), Art. 34(7) mentioned.
        assert_eq!(c["max_fine_eur"], 35_000_000);
        let fine = c["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["code"] == "fine_ceiling")
            .unwrap();
        assert!(fine["article"].as_str().unwrap().contains("34(7)"));

        // A linked parent counted in full makes it large and essential.
        let (status, g) = app
            .call(
                Method::PUT,
                &group,
                Some(&admin),
                Some(serde_json::json!({"links": [
                    {"kind": "linked", "name": "Groupe SA", "share_basis_points": 6000,
                     "employees": 1350, "annual_turnover_eur": 400_000_000_i64},
                ]})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{g}");
        assert_eq!(g["links"][0]["kind"], "linked");
        let (_, c) = app.call(Method::GET, &nis2, Some(&admin), None).await;
        assert_eq!(c["classification"], "essential");
        assert_eq!(c["size_figures"]["employees"], 1530);
        assert!(steps(&c).contains(&"group_linked_in_full".to_owned()));

        // The independence justification brings back the entity's own figures; a stale
        // version is refused; a bad partner share is a coded field error.
        let version = g["version"].as_i64().unwrap();
        let (status, _) = app
            .call(
                Method::PUT,
                &group,
                Some(&admin),
                Some(serde_json::json!({"version": version - 1})),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, bad) = app
            .call(
                Method::PUT,
                &group,
                Some(&admin),
                Some(serde_json::json!({"links": [
                    {"kind": "partner", "name": "P", "share_basis_points": 7000, "employees": 1}]})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            bad.to_string().contains("links[0].share_basis_points"),
            "{bad}"
        );
        let (status, _) = app
            .call(
                Method::PUT,
                &group,
                Some(&admin),
                Some(serde_json::json!({
                    "version": version,
                    "independent_systems_justification": "Own network and identity provider",
                    "links": g["links"],
                })),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, c) = app.call(Method::GET, &nis2, Some(&admin), None).await;
        assert_eq!(c["classification"], "important");
        assert!(steps(&c).contains(&"group_independent_systems".to_owned()));
        assert_eq!(audited(&app, "entity.group.update").await, 2);
    }
}

#[tokio::test]
async fn the_pages_edit_the_profile_and_the_group_in_both_languages() {
    let app = TestApp::new(testing::sqlite()).await;
    let a = app.ids.entity_a.clone();
    let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;
    let edit = format!("/entities/{a}/edit");
    let form = manager.get(&edit).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("name=\"designation\""));
    assert!(form.html.contains("name=\"cer_critical_entity\""));
    assert!(form.html.contains("name=\"other_activities\" multiple"));
    assert!(form.html.contains("Public hospital"));
    let version = app.store.entity(&a).await.unwrap().version.to_string();
    let saved = manager
        .post(
            &edit,
            &[
                ("version", &version),
                ("name", "Hôpital A"),
                ("country", "FR"),
                ("entity_type", "healthcare_provider"),
                ("employees", "20"),
                ("annual_turnover_eur", ""),
                ("balance_sheet_eur", ""),
                ("parent_entity_id", ""),
                ("registration_number", ""),
                ("designation", "important"),
                ("nis1_operator_of_essential_services", "1"),
                ("group_worldwide_turnover_eur", ""),
                ("other_activities", "eu_reference_laboratory"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let stored = app.store.entity(&a).await.unwrap();
    assert_eq!(stored.annual_turnover_eur, None);
    assert_eq!(stored.designation, "important");
    assert!(stored.nis1_operator_of_essential_services && !stored.cer_critical_entity);
    assert_eq!(stored.other_activities, ["eu_reference_laboratory"]);
    let page = manager.get(&format!("/entities/{a}")).await;
    assert!(page.html.contains("badge essential"), "{}", page.html);
    assert!(page.html.contains("Designated as an important entity"));
    assert!(page.html.contains("Former NIS1 operator"));
    assert!(page.html.contains("annual work units"));
    assert!(page.html.contains("id=\"competent-authority\""));
    assert!(page.html.contains(&format!("href=\"/entities/{a}/group\"")));

    // The group page: one partner row; blank rows are ignored.
    let group = format!("/entities/{a}/group");
    let form = manager.get(&group).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.html);
    assert!(form.html.contains("name=\"link_name_2\""));
    let version = app.store.entity(&a).await.unwrap().version.to_string();
    let refused = manager
        .post(
            &group,
            &[
                ("version", &version),
                ("rows", "3"),
                ("link_name_0", "Partenaire SAS"),
                ("link_kind_0", "partner"),
                ("link_share_0", "70"),
                ("link_employees_0", "300"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.html);
    assert!(refused.html.contains("value=\"Partenaire SAS\""));
    let saved = manager
        .post(
            &group,
            &[
                ("version", &version),
                ("rows", "3"),
                ("link_name_0", "Partenaire SAS"),
                ("link_kind_0", "partner"),
                ("link_share_0", "25,5"),
                ("link_employees_0", "300"),
                ("link_turnover_0", ""),
                ("link_name_1", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
    let links = app.store.group_links(&a).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].share_basis_points, 2_550);
    assert_eq!(links[0].annual_turnover_eur, None);
    assert_eq!(audited(&app, "entity.group.update").await, 1);

    // In French: the same page in the legal vocabulary.
    let user = app
        .store
        .user_by_email("compliance_manager@example.org")
        .await
        .unwrap()
        .unwrap()
        .0;
    app.store
        .update_user(
            &Actor::system(),
            &user.id,
            &hygeia_store::UserUpdate {
                locale: Some("fr".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let page = manager.get(&format!("/entities/{a}")).await;
    assert!(
        page.html.contains("unités de travail annuel"),
        "{}",
        page.html
    );
    assert!(page.html.contains("Désignée entité importante"));
    assert!(page.html.contains("Partenaire (comptée au prorata)"));
    let form = manager.get(&group).await;
    assert!(form.html.contains("Réseaux et systèmes d"), "{}", form.html);
    super::forms::assert_accessible_form(&group, &form.html);
}
