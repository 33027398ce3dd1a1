//! Supply-chain security in a real browser, in French: the demo's supplier tile, a
//! questionnaire sent from a supplier's page; its link opened in a second, fresh browser as
//! the supplier (no account): a draft saved, evidence uploaded, the answers submitted and the
//! link closed; then the reviewer scores the answers and the supplier's maturity follows;
//! the review page read again in English.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_questionnaire_is_sent_answered_through_its_link_and_reviewed_in_real_browsers()
-> Result<()> {
    if no_chromedriver() {
        return Ok(());
    }
    let db_dir = std::env::temp_dir().join(format!("hygeia-suppliers-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&db_dir)?;
    let (_server, base, password) = start_server(&db_dir, &["--mfa-required-roles", "none"])?;
    let (_chromedriver, driver_url) = start_chromedriver()?;
    let reviewer = Browser {
        driver: chrome(&driver_url, "fr-FR").await?,
        base: base.clone(),
        shots: screenshots_dir(),
    };
    let supplier = Browser {
        driver: chrome(&driver_url, "fr-FR").await?,
        base,
        shots: screenshots_dir(),
    };
    let outcome = flow(&reviewer, &supplier, &password, &db_dir).await;
    let quit = reviewer.driver.quit().await;
    let quit_supplier = supplier.driver.quit().await;
    let _ = std::fs::remove_dir_all(&db_dir);
    outcome?;
    quit?;
    quit_supplier?;
    Ok(())
}

/// Sets every select of the page whose name starts with `prefix` to `value`.
async fn set_all(b: &Browser, prefix: &str, value: &str) -> Result<()> {
    b.script(
        "document.querySelectorAll('select').forEach(s => { \
           if (s.name.startsWith(arguments[0])) s.value = arguments[1]; });",
        vec![serde_json::json!(prefix), serde_json::json!(value)],
    )
    .await?;
    Ok(())
}

async fn flow(
    reviewer: &Browser,
    supplier: &Browser,
    password: &str,
    dir: &std::path::Path,
) -> Result<()> {
    let r = reviewer;
    r.open("/login").await?;
    r.type_into("#email", "admin@hygee-demo.example").await?;
    r.type_into("#password", password).await?;
    r.click("form.stack button").await?;
    assert_eq!(r.path().await?, "/");

    // The dashboard's supplier tile: the OT integrator, the LIMS questionnaire to review.
    assert_eq!(r.figure("fig-suppliers-ot").await?, 1);
    assert_eq!(r.figure("fig-suppliers-review").await?, 1);

    // The OT integrator's page: its tier and why; send it the short questionnaire.
    r.open("/suppliers").await?;
    assert_eq!(r.text("h1").await?, "Fournisseurs");
    r.click_link("Automatismes Picardie").await?;
    assert_eq!(r.text("#supplier-tier").await?, "Élevé");
    assert!(r.text("#tier-factors").await?.contains("Accès à l'OT"));
    r.script(
        "document.querySelector('#q-template').value = 'nis2-supplier-short';",
        Vec::new(),
    )
    .await?;
    r.click("#send-questionnaire").await?;
    assert_eq!(r.text("h1").await?, "Questionnaire envoyé");
    let link = r
        .driver
        .find(By::Css("#link"))
        .await?
        .prop("value")
        .await?
        .context("the link is shown")?;
    assert!(link.contains("/portal/hqs_"), "{link}");
    r.snapshot("questionnaire-sent-fr").await?;

    // The supplier, in a fresh browser with no session: only the questionnaire.
    let s = supplier;
    s.driver.goto(&link).await?;
    assert_eq!(
        s.text("h1").await?,
        "Sécurité des fournisseurs — questionnaire court"
    );
    assert!(s.text("#asked-by").await?.contains("Automatismes Picardie"));
    assert!(
        s.driver.find(By::Css("nav")).await.is_err(),
        "no navigation of Hygeia"
    );
    set_all(s, "answer.gov.policy", "yes").await?;
    s.type_into("#c-gov\\.policy", "Politique revue en janvier.")
        .await?;
    s.click("#save-draft").await?;
    assert_eq!(
        s.text("#portal-notice").await?,
        "Vos réponses sont enregistrées."
    );

    // Evidence: a PDF attached to the policy question.
    let pdf = dir.join("politique-securite.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\n% demo policy\n")?;
    s.script(
        "document.querySelector('#e-question').value = 'gov.policy';",
        Vec::new(),
    )
    .await?;
    s.driver
        .find(By::Css("#e-file"))
        .await?
        .send_keys(pdf.display().to_string())
        .await?;
    s.click("#attach").await?;
    assert!(
        s.text("#portal-notice")
            .await?
            .contains("politique-securite.pdf est joint")
    );
    assert!(
        s.text("#q-gov\\.policy")
            .await?
            .contains("politique-securite.pdf")
    );

    // Every answer, then the submission; the link closes.
    set_all(s, "answer.", "yes").await?;
    for area in s
        .driver
        .find_all(By::Css("textarea[name^='answer.']"))
        .await?
    {
        area.send_keys("Voir la politique jointe.").await?;
    }
    s.snapshot("portal-fr").await?;
    s.click("#submit-answers").await?;
    assert_eq!(s.text("h1").await?, "Merci : vos réponses sont soumises");
    s.driver.goto(&link).await?;
    assert_eq!(
        s.text("#portal-closed").await?,
        "Ce questionnaire a déjà été soumis"
    );

    // The reviewer scores the answers; the supplier's maturity follows.
    r.open("/suppliers").await?;
    r.click_link("Automatismes Picardie").await?;
    let listed = r.text("#questionnaires").await?;
    assert!(listed.contains("soumis, à examiner"), "{listed}");
    r.click("#questionnaires tbody tr:first-child a").await?;
    assert!(r.text("#answers").await?.contains("politique-securite.pdf"));
    set_all(r, "score.", "100").await?;
    r.press("#complete-review").await?;
    r.click("#save-review").await?;
    assert_eq!(r.text("#questionnaire-score").await?, "score 100/100");
    assert_eq!(r.text("#questionnaire-status").await?, "examiné");
    r.snapshot("questionnaire-reviewed-fr").await?;
    let review = r.path().await?;
    r.click_link("Automatismes Picardie").await?;
    assert!(
        r.text("#threat").await?.contains("Zone de contrôle"),
        "maturity 4: 12/12 = 1"
    );

    // The review page in English.
    r.click("#switch-lang").await?;
    r.open(&review).await?;
    assert_eq!(r.text("#questionnaire-status").await?, "reviewed");
    r.snapshot("questionnaire-reviewed-en").await?;
    Ok(())
}
