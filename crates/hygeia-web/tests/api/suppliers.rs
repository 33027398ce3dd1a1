//! The supplier register through the pages, in French, and the API: a supplier written from
//! its form (a refused form keeps what was typed) with its tier explained, what it touches
//! linked, a certificate ending, a contract's clauses recorded, the register's figures and
//! attention list, and the exports.

use super::forms::Browser;
use super::*;

#[tokio::test]
async fn a_supplier_is_tiered_linked_certified_and_contracted_from_the_pages() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let a = app.ids.entity_a.clone();
        app.speak(Role::ComplianceManager, "fr").await;
        let manager = Browser::sign_in(&app, "compliance_manager@example.org").await;
        let token = app.token(Role::ComplianceManager).to_owned();

        let empty = manager.get("/suppliers").await;
        assert_eq!(empty.status, StatusCode::OK, "{name}");
        assert!(empty.html.contains("id=\"no-suppliers\""), "{name}");
        let mut fields = vec![
            ("entity_id", a.as_str()),
            ("name", "Automatismes Industriels"),
            ("category", "ot_integrator"),
            ("status", "active"),
            (
                "services",
                "Télémaintenance des automates de la ligne de remplissage",
            ),
            ("country", "FR"),
            ("ot_access", "yes"),
            ("dependency", "3"),
            ("substitutability", "3"),
            ("penetration", "4"),
            ("maturity", "2"),
            ("trust", ""),
            ("contact_name", "Léa Martin"),
            ("contact_email", "lea.martin@automatismes.example"),
            ("contact_role", "Responsable sécurité"),
            ("contact_phone", ""),
            ("contact_name", ""),
            ("contact_email", ""),
            ("contact_role", ""),
            ("contact_phone", ""),
        ];
        let refused = manager.post("/suppliers/new", &fields).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(
            refused.html.contains("Télémaintenance des automates")
                && refused.html.contains("trust"),
            "{name}: what was typed is kept and the missing rating named: {}",
            refused.html
        );
        fields[11] = ("trust", "2");
        let created = manager.post("/suppliers/new", &fields).await;
        assert_eq!(
            created.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            created.html
        );
        let page = created.location.unwrap();
        let supplier_id = page.trim_start_matches("/suppliers/").to_owned();
        let shown = manager.get(&page).await.html;
        assert!(
            shown.contains("id=\"supplier-tier\">Élevé<")
                && shown.contains("id=\"tier-points\">7<"),
            "{name}: the tier and why: {shown}"
        );
        assert!(
            shown.contains("Zone de danger") && shown.contains("3,00"),
            "{name}: 12/4"
        );

        // What it touches: a process of the entity, the site, an inventory asset.
        let (status, process) = app
            .call(
                Method::POST,
                "/api/v1/processes",
                Some(&token),
                Some(
                    json!({"entity_id": a, "name": "Remplissage aseptique", "confidentiality": 1,
                            "integrity": 4, "availability": 4, "product_quality": true}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{name}");
        let process_id = process["id"].as_str().unwrap().to_owned();
        let linked = manager
            .post(
                &format!("/suppliers/{supplier_id}/links"),
                &[
                    ("process_ids", process_id.as_str()),
                    ("site_ids", app.ids.site_a.as_str()),
                    ("asset_ids", app.ids.asset_a.as_str()),
                ],
            )
            .await;
        assert_eq!(
            linked.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            linked.html
        );
        let (_, exposure) = app
            .call(
                Method::GET,
                &format!("/api/v1/suppliers/{supplier_id}/exposure"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            (
                exposure["critical_processes"].clone(),
                exposure["zones"].clone()
            ),
            (json!(1), json!(["cell-1"])),
            "{name}: {exposure}"
        );

        // A certificate ending within 90 days; a bad date is refused and says so.
        let today = app.store.clock().now().date_naive();
        let soon = (today + chrono::Days::new(30))
            .format("%Y-%m-%d")
            .to_string();
        let bad = manager
            .post(
                &format!("/suppliers/{supplier_id}/certifications"),
                &[("scheme", "iec62443"), ("valid_until", "31/12/2026")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(bad.html.contains("AAAA-MM-JJ"), "{name}: {}", bad.html);
        let added = manager
            .post(
                &format!("/suppliers/{supplier_id}/certifications"),
                &[
                    ("scheme", "iec62443"),
                    ("scope", "Services de télémaintenance"),
                    ("valid_until", &soon),
                ],
            )
            .await;
        assert_eq!(
            added.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            added.html
        );

        // A contract: its clauses start missing; recording one closes it.
        let contract = manager
            .post(
                &format!("/suppliers/{supplier_id}/contracts"),
                &[
                    ("title", "Contrat de maintenance"),
                    ("starts_on", "2025-01-01"),
                ],
            )
            .await;
        assert_eq!(
            contract.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            contract.html
        );
        let (_, stored) = app
            .call(
                Method::GET,
                &format!("/api/v1/suppliers/{supplier_id}"),
                Some(&token),
                None,
            )
            .await;
        let contract_id = stored["contracts"][0]["id"].as_str().unwrap().to_owned();
        assert_eq!(
            stored["contracts"][0]["gaps"],
            json!(9),
            "{name}: 5.1.4 and remote access"
        );
        let clause = manager
            .post(
                &format!("/suppliers/{supplier_id}/contracts/{contract_id}/clauses/remote_access"),
                &[
                    ("status", "present"),
                    ("note", "Annexe 3 : accès par bastion"),
                ],
            )
            .await;
        assert_eq!(
            clause.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            clause.html
        );
        let shown = manager.get(&page).await.html;
        assert!(
            shown.contains("8 clauses nécessaires pas en ordre") && shown.contains("bientôt échu"),
            "{name}: {shown}"
        );

        // The fixture's incident involved the supplier: while it is open, it needs attention.
        let involved = manager
            .post(
                &format!("/suppliers/{supplier_id}/incidents"),
                &[("incident_ids", app.ids.incident.as_str())],
            )
            .await;
        assert_eq!(
            involved.status,
            StatusCode::SEE_OTHER,
            "{name}: {}",
            involved.html
        );
        let (status, refused) = app
            .call(
                Method::PUT,
                &format!("/api/v1/suppliers/{supplier_id}/incidents"),
                Some(&token),
                Some(json!({"incident_ids": ["no-such-incident"]})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}: {refused}");
        // The incident names the supplier, on its page and over the API.
        let incident_page = manager
            .get(&format!("/incidents/{}", app.ids.incident))
            .await
            .html;
        assert!(
            incident_page.contains(&format!("href=\"{page}\">Automatismes Industriels (Élevé)")),
            "{name}: {incident_page}"
        );
        let (status, involved) = app
            .call(
                Method::GET,
                &format!("/api/v1/incidents/{}/suppliers", app.ids.incident),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert_eq!(involved[0]["id"], json!(supplier_id), "{name}: {involved}");

        // The register: figures, what needs attention, who reaches OT.
        let register = manager.get("/suppliers").await.html;
        assert!(register.contains(&page), "{name}");
        let holders = register
            .split("id=\"ot-holders\"")
            .nth(1)
            .unwrap_or_default();
        assert!(
            holders.contains("Automatismes Industriels") && holders.contains("présente"),
            "{name}"
        );
        let attention = register.split("id=\"alerts\"").nth(1).unwrap_or_default();
        assert!(
            attention.contains("jamais revu")
                && attention.contains(&format!("certificat à échéance le {soon}"))
                && attention.contains(", toujours ouvert"),
            "{name}: {register}"
        );
        let reviewed = manager
            .post(&format!("/suppliers/{supplier_id}/reviewed"), &[])
            .await;
        assert_eq!(reviewed.status, StatusCode::SEE_OTHER, "{name}");
        let (_, overview) = app
            .call(
                Method::GET,
                "/api/v1/suppliers/overview",
                Some(&token),
                None,
            )
            .await;
        assert_eq!(
            (
                overview["reviews_overdue"].clone(),
                overview["certificates_expiring"].clone(),
                overview["with_clause_gaps"].clone()
            ),
            (json!(0), json!(1), json!(1)),
            "{name}: {overview}"
        );

        // The exports: French CSV with `;`, and a real XLSX workbook.
        let csv = app
            .raw(
                Method::GET,
                &format!("/api/v1/suppliers/export?entity_id={a}&lang=fr"),
                &token,
                None,
            )
            .await;
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            csv.contains("Automatismes Industriels;Intégrateur ou mainteneur OT;Actif;FR;Élevé;7;oui;non;Zone de danger;2027-03-02;non;1;1;0;8"),
            "{name}: {csv}"
        );
        let xlsx = app
            .raw(
                Method::GET,
                "/api/v1/suppliers/export?format=xlsx",
                &token,
                None,
            )
            .await;
        assert!(xlsx.starts_with(b"PK"), "{name}: a zip container");

        // Every change is in the audit trail.
        let (_, trail) = app
            .call(
                Method::GET,
                &format!("/api/v1/audit?object_id={supplier_id}&limit=50"),
                Some(app.token(Role::Administrator)),
                None,
            )
            .await;
        let mut actions: Vec<&str> = trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["action"].as_str())
            .collect();
        actions.sort_unstable();
        actions.dedup();
        assert_eq!(
            actions,
            [
                "supplier.certification.add",
                "supplier.clause.set",
                "supplier.contract.add",
                "supplier.create",
                "supplier.incidents.set",
                "supplier.links.set",
                "supplier.reviewed"
            ],
            "{name}"
        );
    }
}
