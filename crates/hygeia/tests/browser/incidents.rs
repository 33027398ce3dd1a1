//! Declaring an incident and following its NIS2 clocks in a real browser, in French (the demo
//! administrator's language) then in English: the 24-hour clock from awareness, the early
//! warning drafted (prefilled) and recorded as sent, the 72-hour clock, then the final report's
//! date one calendar month (Paris) after the notification was sent.

use chrono::{DateTime, Duration, DurationRound, Utc};
use hygeia_domain::clock::zone_of_country;
use hygeia_domain::incidents::deadlines::add_months;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_s_clocks_follow_its_reports_in_a_real_browser() -> Result<()> {
    if no_chromedriver() {
        return Ok(());
    }
    let db_dir = std::env::temp_dir().join(format!("hygeia-incidents-{}", uuid::Uuid::now_v7()));
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

/// A `datetime-local` value and the page's French and English renderings of an instant, at
/// minute precision, in Paris time.
struct Local {
    input: String,
    fr: String,
    en: String,
}

fn paris(at: DateTime<Utc>) -> Local {
    let local = at.with_timezone(&zone_of_country("FR"));
    Local {
        input: local.format("%Y-%m-%dT%H:%M").to_string(),
        fr: local.format("%d/%m/%Y %H:%M").to_string(),
        en: local.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// Sets a form field's value (date-time inputs do not take typed text reliably).
async fn set_value(b: &Browser, css: &str, value: &str) -> Result<()> {
    b.script(
        "document.querySelector(arguments[0]).value = arguments[1];",
        vec![serde_json::json!(css), serde_json::json!(value)],
    )
    .await?;
    Ok(())
}

async fn flow(b: &Browser, password: &str) -> Result<()> {
    b.open("/login").await?;
    b.type_into("#email", "admin@hygee-demo.example").await?;
    b.type_into("#password", password).await?;
    b.click("form.stack button").await?;
    assert_eq!(b.path().await?, "/");

    // Declare: detected 90 minutes ago, the entity aware an hour ago (minute precision).
    let now = Utc::now();
    let minute = |t: DateTime<Utc>| t.duration_trunc(Duration::minutes(1)).unwrap_or(t);
    let detected = paris(minute(now - Duration::minutes(90)));
    let aware_at = minute(now - Duration::minutes(60));
    let aware = paris(aware_at);
    b.open("/incidents").await?;
    assert_eq!(b.text("h1").await?, "Incidents");
    b.script(
        "const s = document.querySelector('#i-entity'); \
         s.value = [...s.options].find(o => o.text === arguments[0]).value;",
        vec![serde_json::json!("Laboratoires Hygée SAS")],
    )
    .await?;
    b.type_into("#i-title", "Rançongiciel — essai navigateur")
        .await?;
    set_value(b, "#i-detected", &detected.input).await?;
    set_value(b, "#i-aware", &aware.input).await?;
    b.click("#declare-form button").await?;
    let incident = b.path().await?;
    assert!(incident.starts_with("/incidents/"), "{incident}");
    b.snapshot("incident-declared-fr").await?;

    // The 24-hour clock runs from awareness, as a precaution while significance is unknown.
    let early = b.text("#stage-nis2-art23-early_warning").await?;
    let early_due = paris(aware_at + Duration::hours(24));
    assert!(early.contains(&early_due.fr), "{early}");
    assert!(early.contains("échéance dans 2"), "{early}");
    assert!(b.text("#next-deadline").await?.contains("Alerte précoce"));

    // Significant: yes, with its reasoning.
    b.type_into("#r-significant", "Production arrêtée plus de 24 heures.")
        .await?;
    b.script(
        "document.querySelector('#v-significant').value = 'yes';",
        Vec::new(),
    )
    .await?;
    b.click("#verdict-significant form button").await?;
    assert!(b.text("#verdict-significant").await?.contains("Oui"));
    // No personal data: the GDPR notification is not owed.
    b.type_into(
        "#r-personal_data",
        "Aucune donnée personnelle sur la ligne.",
    )
    .await?;
    b.script(
        "document.querySelector('#v-personal_data').value = 'no';",
        Vec::new(),
    )
    .await?;
    b.click("#verdict-personal_data form button").await?;
    assert!(b.text("#obligation-gdpr-art33").await?.contains("Non due"));

    // Draft the early warning (prefilled from the incident) and record it as sent.
    b.open(&format!("{incident}/reports/nis2-art23/early_warning"))
        .await?;
    let entity = b
        .driver
        .find(By::Css("#f-entity"))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    assert_eq!(entity, "Laboratoires Hygée SAS");
    b.click("#report-form button").await?;
    assert!(b.text("#versions").await?.contains("Version 1"));
    let sent_early = minute(now - Duration::minutes(30));
    set_value(b, "#s-at", &paris(sent_early).input).await?;
    b.type_into("#s-channel", "Portail de l'ANSSI").await?;
    b.click("#submission-form button").await?;
    let early = b.text("#stage-nis2-art23-early_warning").await?;
    assert!(early.contains("Envoyé"), "{early}");
    // Now the 72-hour clock is the next one.
    let notification_due = paris(aware_at + Duration::hours(72));
    let next = b.text("#next-deadline").await?;
    assert!(next.contains("Notification d'incident"), "{next}");
    assert!(next.contains(&notification_due.fr), "{next}");

    // The notification sent: the final report is due one calendar month later (Paris).
    let sent_notification = minute(now - Duration::minutes(10));
    b.open(&format!("{incident}/reports/nis2-art23/notification"))
        .await?;
    set_value(b, "#s-at", &paris(sent_notification).input).await?;
    b.type_into("#s-channel", "Portail de l'ANSSI").await?;
    b.type_into("#s-ref", "CERTFR-TEST-1").await?;
    b.click("#submission-form button").await?;
    let final_due = paris(add_months(sent_notification, 1, &zone_of_country("FR")));
    let final_row = b.text("#stage-nis2-art23-final_report").await?;
    assert!(final_row.contains(&final_due.fr), "{final_row}");
    b.snapshot("incident-clocks-fr").await?;

    // The same in English.
    b.click("#switch-lang").await?;
    b.open(&incident).await?;
    let final_row = b.text("#stage-nis2-art23-final_report").await?;
    assert!(final_row.contains("Final report"), "{final_row}");
    assert!(final_row.contains(&final_due.en), "{final_row}");
    assert!(final_row.contains("due in"), "{final_row}");
    let early = b.text("#stage-nis2-art23-early_warning").await?;
    assert!(early.contains("Sent"), "{early}");
    b.snapshot("incident-clocks-en").await?;
    // The register lists it with its next deadline.
    b.open("/incidents").await?;
    let rows = b.all_text("#incidents-table tbody tr").await?;
    assert!(
        rows.iter()
            .any(|r| r.contains("Rançongiciel — essai navigateur") && r.contains(&final_due.en)),
        "{rows:?}"
    );
    Ok(())
}
