//! The management body's report as PDF: typeset in the language asked, the entity's name and
//! the sections in that language (text read back from the PDF), what the automated checks
//! observe included; need-to-know applies; each download is audited.

use super::forms::audited;
use super::incidents::pdf_text;
use super::*;

#[tokio::test]
async fn the_board_report_is_typeset_in_the_language_asked_and_audited() {
    for db in testing::all().await {
        let name = db.name;
        let app = TestApp::new(db).await;
        hygeia_web::checks::run(&app.state, "test").await.unwrap();
        let manager = app.token(Role::ComplianceManager).to_owned();
        let contributor = app.token(Role::Contributor).to_owned();
        let entity = app.store.entity(&app.ids.entity_a).await.unwrap();
        let path = format!("/api/v1/entities/{}/reports/board", app.ids.entity_a);
        for (lang, words) in [
            (
                "fr",
                [
                    "Rapport à l'organe de direction",
                    "Conformité par mesure de l'article 21, paragraphe 2",
                    "Ce que constatent les contrôles automatiques",
                    "Administrateurs sans second facteur",
                    "Approbations, formation et politiques (article 20)",
                    "jamais été approuvées par",
                ],
            ),
            (
                "en",
                [
                    "Management body report",
                    "Compliance per Art. 21(2) measure",
                    "What the automated checks observe",
                    "Administrators without a second factor",
                    "Approvals, training and policies (Art. 20)",
                    "has not recorded an approval of the risk-management measures",
                ],
            ),
        ] {
            let pdf = app
                .raw(Method::GET, &format!("{path}?lang={lang}"), &manager, None)
                .await;
            assert!(pdf.starts_with(b"%PDF-"), "{name} {lang}: not a PDF");
            match pdf_text(&pdf, &format!("board-{name}-{lang}")) {
                Some(text) => {
                    // pdftotext may break a long line; compare with the spaces folded.
                    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    assert!(folded.contains(&entity.name), "{name} {lang}: {folded}");
                    for w in words {
                        assert!(folded.contains(w), "{name} {lang}: '{w}' in {folded}");
                    }
                }
                None => println!("skipping the PDF text check ({lang}): pdftotext is not on PATH"),
            }
        }
        assert_eq!(audited(&app, "export.download").await, 2, "{name}");

        // Need-to-know: entity B is outside the contributor's grants.
        let other = format!("/api/v1/entities/{}/reports/board", app.ids.entity_b);
        let (status, _) = app
            .call(Method::GET, &other, Some(&contributor), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{name}");
        let (status, problem) = app
            .call(
                Method::GET,
                &format!("{path}?lang=de"),
                Some(&manager),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{name}");
        assert!(problem.to_string().contains("lang"), "{name}: {problem}");
    }
}
