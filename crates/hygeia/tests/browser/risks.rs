//! The risk register in a real browser, in French (the demo administrator's language) then in
//! English: the demo plant's risks on the heat map, a library scenario taken for the plant,
//! rated on its form, found in its cell of the heat map, accepted with an end date, and the
//! dashboard's risk section.

use chrono::{Duration, Utc};

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_library_scenario_is_taken_rated_and_accepted_in_a_real_browser() -> Result<()> {
    if no_chromedriver() {
        return Ok(());
    }
    let db_dir = std::env::temp_dir().join(format!("hygeia-risks-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&db_dir)?;
    let (_server, base, password) = start_server(&db_dir, &["--mfa-required-roles", "none"])?;
    let (_chromedriver, driver_url) = start_chromedriver()?;
    let b = Browser {
        driver: chrome(&driver_url, "fr-FR").await?,
        base,
        shots: screenshots_dir(),
    };
    let outcome = flow(&b, &password).await;
    let quit = b.driver.quit().await;
    let _ = std::fs::remove_dir_all(&db_dir);
    outcome?;
    quit?;
    Ok(())
}

/// Chooses the option of the select `css` whose value is `value`.
async fn choose(b: &Browser, css: &str, value: &str) -> Result<()> {
    b.script(
        "document.querySelector(arguments[0]).value = arguments[1];",
        vec![serde_json::json!(css), serde_json::json!(value)],
    )
    .await?;
    Ok(())
}

/// Selects by id, escaping the dots the form's ids hold.
fn id(name: &str) -> String {
    format!("#f-{}", name.replace('.', "\\."))
}

async fn flow(b: &Browser, password: &str) -> Result<()> {
    b.open("/login").await?;
    b.type_into("#email", "admin@hygee-demo.example").await?;
    b.type_into("#password", password).await?;
    b.click("form.stack button").await?;
    assert_eq!(b.path().await?, "/");

    // The dashboard's risk section counts the demo plant's risks.
    assert_eq!(b.figure("fig-risks").await?, 3);
    assert_eq!(b.figure("fig-risks-to-rate").await?, 1);
    assert_eq!(b.figure("fig-acceptances-ending").await?, 1);
    assert_eq!(b.figure("fig-actions-overdue").await?, 1);

    // Take a scenario of the library for the plant.
    b.open("/risks/library").await?;
    assert_eq!(b.text("h1").await?, "Bibliothèque de scénarios");
    b.script(
        "const s = document.querySelector('#entity-ot-parameter-tampering'); \
         s.value = [...s.options].find(o => o.text === arguments[0]).value;",
        vec![serde_json::json!("Laboratoires Hygée SAS")],
    )
    .await?;
    b.click("#scenario-ot-parameter-tampering form button")
        .await?;
    let risk = b.path().await?;
    assert!(risk.starts_with("/risks/"), "{risk}");
    assert_eq!(b.text("#to-rate").await?, "Ce risque reste à coter.");

    // Rate it on its form and accept it until a day two months ahead.
    b.click("#edit-risk").await?;
    assert!(b.path().await?.ends_with("/edit"));
    choose(b, &id("inherent.likelihood"), "4").await?;
    b.type_into(
        &id("inherent.likelihood_justification"),
        "Accès de télémaintenance permanent.",
    )
    .await?;
    choose(b, &id("inherent.impact.product_quality"), "5").await?;
    b.type_into(
        &id("inherent.justification.product_quality"),
        "Lots libérés hors spécification.",
    )
    .await?;
    choose(b, &id("current.likelihood"), "3").await?;
    b.type_into(
        &id("current.likelihood_justification"),
        "Automates en mode RUN, clé retirée.",
    )
    .await?;
    choose(b, &id("current.impact.product_quality"), "4").await?;
    b.type_into(
        &id("current.justification.product_quality"),
        "Contrôle qualité en fin de ligne.",
    )
    .await?;
    choose(b, "#f-treatment", "accept").await?;
    b.type_into(&id("acceptance.approver"), "Directeur du site")
        .await?;
    b.type_into(
        &id("acceptance.justification"),
        "Remplacement des automates en 2027.",
    )
    .await?;
    let until = (Utc::now() + Duration::days(60))
        .format("%Y-%m-%d")
        .to_string();
    choose(b, &id("acceptance.expires_on"), &until).await?;
    b.click("#save-risk").await?;
    assert_eq!(b.path().await?, risk);
    let acceptance = b.text("#acceptance").await?;
    assert!(acceptance.contains("Directeur du site"), "{acceptance}");
    assert!(acceptance.contains(&until), "{acceptance}");
    assert_eq!(b.text("#treatment").await?, "Accepter");
    b.snapshot("risk-accepted-fr").await?;

    // On the heat map of current ratings, its cell opens the register at that cell.
    b.open("/risks?stage=current").await?;
    let cell = b
        .driver
        .find(By::Css(
            "#heat-map tbody tr:nth-child(3) td:nth-child(5) a.cell-count",
        ))
        .await?;
    b.follow(cell).await?;
    let listed = b.all_text("#risks tbody tr").await?;
    assert!(listed.iter().any(|row| row.contains("Élevé")), "{listed:?}");
    assert!(b.path().await?.contains("likelihood=3"));

    // The same risk in English.
    b.click("#switch-lang").await?;
    b.open(&risk).await?;
    assert_eq!(b.text("#treatment").await?, "Accept");
    assert!(b.text("main").await?.contains("Accepted by"));
    b.snapshot("risk-accepted-en").await?;
    Ok(())
}
