//! Registration data over the API and as PDF: a manager saves it (bad items named, nothing
//! saved), the sheet lists what is still missing and the competent authority, the PDF carries
//! it in the language asked; contributors read but do not save; need-to-know applies.

use super::forms::audited;
use super::incidents::pdf_text;
use super::*;

#[tokio::test]
async fn the_registration_sheet_is_saved_checked_and_typeset() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        let manager = app.token(Role::ComplianceManager).to_owned();
        let contributor = app.token(Role::Contributor).to_owned();
        let a = app.ids.entity_a.clone();
        let path = format!("/api/v1/entities/{a}/registration");

        let (status, empty) = app.call(Method::GET, &path, Some(&contributor), None).await;
        assert_eq!(status, StatusCode::OK, "{name}: {empty}");
        assert_eq!(
            empty["missing"],
            json!(["address", "emails", "phones", "member_states", "ip_ranges"]),
            "{name}"
        );
        assert_eq!(empty["version"], 0, "{name}");

        let body = json!({
            "address": "Zone industrielle nord, 60200 Compiègne",
            "emails": ["rssi@pharma.example"],
            "phones": ["+33 3 44 00 00 00"],
            "member_states": ["FR", "BE", "DE"],
            "ip_ranges": ["81.250.16.0/20", "192.168.10.0/24", "not a range"]
        });
        let (status, problem) = app
            .call(Method::PUT, &path, Some(&manager), Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        let named: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["field"].as_str())
            .collect();
        assert_eq!(named, ["ip_ranges[1]", "ip_ranges[2]"], "{name}: {problem}");
        let (_, still) = app.call(Method::GET, &path, Some(&manager), None).await;
        assert_eq!(still["version"], 0, "{name}: nothing saved");

        let mut good = body.clone();
        good["ip_ranges"] = json!(["81.250.16.0/20", "2a01:cb00::/28"]);
        let (status, _) = app
            .call(Method::PUT, &path, Some(&contributor), Some(good.clone()))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}");
        let (status, sheet) = app
            .call(Method::PUT, &path, Some(&manager), Some(good))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}: {sheet}");
        assert_eq!(sheet["missing"], json!([]), "{name}");
        assert_eq!(
            sheet["data"]["member_states"],
            json!(["BE", "DE", "FR"]),
            "{name}"
        );
        assert_eq!(sheet["version"], 1, "{name}");
        assert_eq!(
            audited(&app, "entity.registration.update").await,
            1,
            "{name}"
        );

        let entity = app.store.entity(&a).await.unwrap();
        for (lang, words) in [
            (
                "fr",
                [
                    "Données d'enregistrement",
                    "Plages IP publiques",
                    "81.250.16.0/20",
                ],
            ),
            (
                "en",
                ["Registration data", "Public IP ranges", "2a01:cb00::/28"],
            ),
        ] {
            let pdf = app
                .raw(
                    Method::GET,
                    &format!("{path}/pdf?lang={lang}"),
                    &contributor,
                    None,
                )
                .await;
            assert!(pdf.starts_with(b"%PDF-"), "{name} {lang}");
            match pdf_text(&pdf, &format!("registration-{name}-{lang}")) {
                Some(text) => {
                    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    assert!(folded.contains(&entity.name), "{name} {lang}: {folded}");
                    for w in words {
                        assert!(folded.contains(w), "{name} {lang}: '{w}' in {folded}");
                    }
                }
                None => println!("skipping the PDF text check: pdftotext is not on PATH"),
            }
        }
        assert_eq!(audited(&app, "export.download").await, 2, "{name}");
        let b = app.ids.entity_b.clone();
        let (status, _) = app
            .call(
                Method::GET,
                &format!("/api/v1/entities/{b}/registration"),
                Some(&contributor),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
    }
}
