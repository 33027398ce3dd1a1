//! The interface in both languages: sign-in with an authenticator app, the dashboard, an
//! entity's reasoning, a framework, the audit trail, keyboard, tablet width and print.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_interface_works_in_a_real_browser_in_english_and_french() -> Result<()> {
    if no_chromedriver() {
        return Ok(());
    }
    let db_dir = std::env::temp_dir().join(format!("hygeia-browser-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&db_dir)?;
    let (_server, base, password) = start_server(&db_dir, &[])?;
    let (_chromedriver, driver_url) = start_chromedriver()?;
    let driver = chrome(&driver_url, "en-GB").await?;
    let browser = Browser {
        driver,
        base,
        shots: screenshots_dir(),
    };
    let outcome = flow(&browser, &password, &db_dir).await;
    let quit = browser.driver.quit().await;
    let _ = std::fs::remove_dir_all(&db_dir);
    outcome?;
    quit?;
    Ok(())
}

async fn flow(b: &Browser, password: &str, work_dir: &std::path::Path) -> Result<()> {
    // Signed out, every page leads to the sign-in page, in the browser's language.
    b.open("/").await?;
    assert_eq!(b.path().await?, "/login");
    assert_eq!(b.text("h1").await?, "Sign in to Hygeia");
    b.snapshot("login-en").await?;
    b.type_into("#email", "admin@hygee-demo.example").await?;
    b.type_into("#password", "not the password").await?;
    b.click("form.stack button").await?;
    assert_eq!(
        b.text("p.error").await?,
        "Wrong e-mail address or password."
    );
    b.type_into("#email", "admin@hygee-demo.example").await?;
    b.type_into("#password", password).await?;
    b.click("form.stack button").await?;
    // Administrators set up two-step sign-in before any session: scan (here: read) the key,
    // give a code, keep the recovery codes.
    assert!(b.path().await?.starts_with("/login/second-factor"));
    b.snapshot("second-factor-enrol-en").await?;
    let secret = b.text("#totp-secret").await?;
    assert!(
        b.driver.find(By::Css("#totp-qr")).await.is_ok(),
        "no QR code to scan"
    );
    b.type_into("#code", "000000").await?;
    b.click("#second-factor-form button").await?;
    assert!(b.text("p.error").await?.contains("not right"));
    b.type_into("#code", &totp(&secret, 0)?).await?;
    b.click("#second-factor-form button").await?;
    let codes = b.all_text("#recovery-codes li").await?;
    assert_eq!(codes.len(), 10, "{codes:?}");
    b.snapshot("recovery-codes-en").await?;
    b.click("#continue").await?;
    assert_eq!(b.path().await?, "/");

    // The demo administrator reads French; switch to English from the header.
    assert!(
        b.text("nav.areas").await?.contains("Tableau de bord"),
        "the demo administrator's pages are in French"
    );
    b.click("#switch-lang").await?;
    assert_eq!(b.path().await?, "/");
    assert_eq!(b.text("h1").await?, "Groupe Hygée Santé (demo)");
    let nav = b.text("nav.areas").await?;
    for area in [
        "Dashboard",
        "Compliance",
        "Risks",
        "Assets",
        "Suppliers",
        "Incidents",
        "Audit trail",
        "Settings",
    ] {
        assert!(nav.contains(area), "navigation lacks {area}: {nav}");
    }
    let figures = b.all_text(".figures li").await?;
    assert!(
        figures
            .iter()
            .any(|f| f == "4\nLegal entities" || f == "4 Legal entities"),
        "{figures:?}"
    );
    assert!(
        figures
            .iter()
            .any(|f| f.starts_with('7') && f.contains("Sites")),
        "{figures:?}"
    );
    // Both charts are there, each with its accessible title and data table.
    assert_eq!(
        b.text("#chart-nis2 figcaption").await?,
        "Entities by NIS2 class"
    );
    assert_eq!(
        b.driver
            .find_all(By::Css("#chart-audit .chart-data tbody tr"))
            .await?
            .len(),
        30
    );
    let rows = b.all_text(".entities tbody tr").await?;
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(
        rows.iter()
            .any(|r| r.contains("Hygée Distribution SARL") && r.contains("Out of scope"))
    );
    b.snapshot("dashboard-en").await?;

    // Drill down from the chart's data to the out-of-scope entities.
    b.press("#chart-nis2 details summary").await?;
    b.click("#chart-nis2 .chart-data a[href*='out_of_scope']")
        .await?;
    assert!(b.path().await?.contains("class=out_of_scope"));
    let rows = b.all_text(".entities tbody tr").await?;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("Hygée Distribution SARL"));

    // An entity and its NIS2 reasoning.
    b.open("/").await?;
    b.click_link("Laboratoires Hygée SAS").await?;
    assert_eq!(b.text("h1").await?, "Laboratoires Hygée SAS");
    assert_eq!(b.text("#nis2-class").await?, "Essential entity");
    let steps = b.all_text("#reasoning li").await?;
    assert!(steps.len() >= 2, "{steps:?}");
    assert!(steps.iter().any(|s| s.contains("Art.")), "{steps:?}");
    assert!(b.text("dl.facts").await?.contains("1,350"));
    assert!(b.text("main").await?.contains("Usine de Tours"));
    b.snapshot("entity-en").await?;

    // Frameworks, a requirement search, and a requirement with its crosswalk neighbours.
    b.click("nav.areas a[href='/compliance']").await?;
    assert_eq!(b.text("h1").await?, "Compliance");
    b.click("a[href='/compliance/frameworks/iso27001-2022']")
        .await?;
    assert!(b.text("#req-count").await?.ends_with("requirements"));
    b.snapshot("framework-en").await?;
    b.type_into("#f-q", "segregation networks").await?;
    b.click(".filters button").await?;
    let hits = b.all_text("ol.tree li").await?;
    assert!(
        hits.iter()
            .any(|h| h.starts_with("A.8.22 Segregation of networks")),
        "{hits:?}"
    );
    b.click_link("Segregation of networks").await?;
    assert!(b.text("h1").await?.contains("A.8.22"));
    let neighbours = b.all_text("#neighbours tbody tr").await?;
    assert!(!neighbours.is_empty(), "A.8.22 has crosswalk neighbours");
    b.snapshot("requirement-en").await?;
    // The search box on every page looks through everything the user may see at once.
    b.type_into("#top-q", "backup").await?;
    b.click("form.search button").await?;
    assert_eq!(b.text("h1").await?, "Search");
    let requirements = b.all_text("#found-requirements li").await?;
    assert!(
        requirements
            .iter()
            .any(|r| r.starts_with("4.2 Backup and redundancy management")),
        "{requirements:?}"
    );
    b.snapshot("search-en").await?;
    b.click("#found-requirements p a").await?;
    assert_eq!(b.path().await?, "/compliance/search?q=backup");
    // Filtering a framework by Art. 21(2) letter (d): supply chain security.
    b.open("/compliance").await?;
    let frameworks = b
        .driver
        .find_all(By::Css("table a[href^='/compliance/frameworks/']"))
        .await?;
    assert!(frameworks.len() >= 5, "the shipped frameworks are listed");
    b.open("/compliance/frameworks/nis2-2024-2690?art21=d")
        .await?;
    assert!(b.text("#req-count").await?.contains("matching"));
    assert!(!b.all_text("ol.tree li").await?.is_empty());

    // The audit trail, filtered by action.
    b.click("nav.areas a[href='/audit']").await?;
    assert_eq!(b.text("h1").await?, "Audit trail");
    b.press("#a-action option[value='entity.create']").await?;
    b.click("#audit-filters button").await?;
    assert!(b.path().await?.contains("action=entity.create"));
    assert_eq!(b.text("#audit-summary").await?, "Records 1–4 of 4");
    // Actions read in the reader's language; the code stays in the filter's value.
    let actions = b.all_text("#audit-table tbody td:nth-child(4)").await?;
    assert_eq!(actions, vec!["Entity created"; 4]);
    b.snapshot("audit-en").await?;

    // Compliance: the dashboard's figures, then a result changed, evidence uploaded and
    // downloaded back, a derived NIS2 result accepted, and the dashboard figures moving.
    b.open("/").await?;
    assert_eq!(
        b.text("#chart-frameworks figcaption").await?,
        "Compliance per framework"
    );
    let framework_rows = b.contents("#chart-frameworks .chart-data tbody tr").await?;
    assert!(
        framework_rows.iter().any(|r| r.contains("ISO/IEC 27001")),
        "{framework_rows:?}"
    );
    assert_eq!(
        b.driver
            .find_all(By::Css("#chart-letters .chart-data tbody tr"))
            .await?
            .len(),
        10,
        "one bar per Art. 21(2) letter"
    );
    assert!(
        b.text("#letter-sources").await?.contains("derived from"),
        "the empty NIS2 assessment: Art. 21(2) scores derived from ISO/IEC 27001"
    );
    let owners = b.contents("#chart-owners .chart-data tbody tr").await?;
    assert!(
        owners.iter().any(|o| o.contains("Responsable OT")),
        "{owners:?}"
    );
    assert!(b.figure("fig-gaps").await? > 0);
    assert_eq!(
        b.figure("fig-expired").await?,
        1,
        "the demo's expired evidence"
    );
    assert_eq!(
        b.figure("fig-expiring").await?,
        1,
        "the demo's expiring evidence"
    );
    let assessed_before = b.figure("fig-assessed").await?;
    b.script(
        "document.getElementById('compliance').scrollIntoView();",
        Vec::new(),
    )
    .await?;
    b.snapshot("dashboard-compliance-en").await?;
    // Drill down from the framework chart to the ISO assessment.
    b.press("#chart-frameworks details summary").await?;
    b.click_link("ISO/IEC 27001 — audit de surveillance")
        .await?;
    assert!(b.text("h1").await?.contains("ISO/IEC 27001"));
    let iso = b.path().await?;
    assert!(iso.starts_with("/compliance/assessments/"), "{iso}");
    b.open("/compliance/assessments").await?;
    assert_eq!(b.text("h1").await?, "Assessments");
    let lines = b.all_text("#assessments-table tbody tr").await?;
    assert_eq!(lines.len(), 2, "{lines:?}");
    b.snapshot("assessments-en").await?;
    b.open(&iso).await?;
    assert!(
        b.driver
            .find_all(By::Css("#results-table tbody tr"))
            .await?
            .len()
            > 10
    );
    b.snapshot("assessment-en").await?;

    // A requirement not yet assessed in the demo becomes compliant.
    let detail = format!("{iso}/requirements/a.5.30");
    b.open(&detail).await?;
    assert_eq!(b.text("#current-result").await?, "Not assessed");
    b.press("#r-value option[value='compliant']").await?;
    b.click("#save-result").await?;
    assert_eq!(b.text("#current-result").await?, "Compliant");
    assert!(b.text("#history-table").await?.contains("Compliant"));

    // Evidence uploaded on it, downloaded back through the page's link, byte for byte.
    let content = format!("Plan de continuité — exercice {}\n", uuid::Uuid::now_v7());
    let file = work_dir.join("continuity-exercise.txt");
    std::fs::write(&file, &content)?;
    b.type_into("#u-title", "Continuity exercise report")
        .await?;
    b.driver
        .find(By::Css("#u-file"))
        .await?
        .send_keys(file.display().to_string())
        .await?;
    b.click("#upload").await?;
    let evidence = b.text("#evidence-table").await?;
    assert!(
        evidence.contains("Continuity exercise report")
            && evidence.contains("continuity-exercise.txt"),
        "{evidence}"
    );
    b.snapshot("requirement-detail-en").await?;
    let fetched = b
        .script(
            "const link = [...document.querySelectorAll('#evidence-table a.download')] \
                 .find(a => a.textContent.trim() === arguments[0]); \
             if (!link) { return null; } \
             return (async () => { \
               const r = await fetch(link.href, { credentials: 'same-origin' }); \
               const bytes = await r.arrayBuffer(); \
               const digest = await crypto.subtle.digest('SHA-256', bytes); \
               const hex = [...new Uint8Array(digest)] \
                 .map(x => x.toString(16).padStart(2, '0')).join(''); \
               return [r.status, new TextDecoder().decode(bytes), hex, \
                       r.headers.get('X-Content-SHA256')]; \
             })();",
            vec![serde_json::json!("continuity-exercise.txt")],
        )
        .await?;
    assert_eq!(fetched[0].as_i64(), Some(200), "{fetched}");
    assert_eq!(
        fetched[1].as_str(),
        Some(content.as_str()),
        "same bytes back"
    );
    if let Some(header) = fetched[3].as_str() {
        assert_eq!(Some(header), fetched[2].as_str(), "X-Content-SHA256");
    }

    // The reuse view: accept a derived NIS2 result and see it decided.
    b.open(&iso).await?;
    b.click(&format!("a[href='{iso}/reuse']")).await?;
    assert_eq!(b.text("h1").await?, "Reuse for another framework");
    b.snapshot("reuse-en").await?;
    let mut chosen = None;
    for item in b
        .driver
        .find_all(By::Css("#derived-list li.derived-item"))
        .await?
    {
        let class = item.attr("class").await?.unwrap_or_default();
        if class.contains("decided") {
            continue;
        }
        if !item.find_all(By::Css("button.accept")).await?.is_empty() {
            chosen = item.attr("id").await?;
            break;
        }
    }
    let chosen = chosen.context("no undecided derived result to accept")?;
    b.click(&format!("#{chosen} button.accept")).await?;
    let class = b
        .driver
        .find(By::Css(format!("#{chosen}")))
        .await?
        .attr("class")
        .await?
        .unwrap_or_default();
    assert!(class.contains("decided"), "{chosen}: {class}");
    assert!(
        !b.driver
            .find_all(By::Css("#derived-list li.decided"))
            .await?
            .is_empty()
    );

    // The remaining gaps, by Art. 21(2) letter.
    b.open(&format!("{iso}/gaps")).await?;
    assert!(!b.all_text("#gap-letters tbody tr").await?.is_empty());
    b.snapshot("gaps-en").await?;

    // Back on the dashboard: two more results recorded, NIS2 now scored from its own results.
    b.open("/").await?;
    assert_eq!(b.figure("fig-assessed").await?, assessed_before + 2);
    assert!(
        b.text("#letter-sources")
            .await?
            .contains("from its NIS2 assessment"),
        "{}",
        b.text("#letter-sources").await?
    );
    b.script(
        "document.getElementById('compliance').scrollIntoView();",
        Vec::new(),
    )
    .await?;
    b.snapshot("dashboard-after-en").await?;

    // Switch to French in the settings and see French labels, numbers and dates.
    b.click("nav.areas a[href='/settings']").await?;
    b.press("#locale option[value='fr']").await?;
    b.click("#save-locale").await?;
    assert_eq!(b.text("h1").await?, "Paramètres");
    b.open("/").await?;
    assert!(b.text("nav.areas").await?.contains("Journal d'audit"));
    assert!(b.text(".entities h2").await?.contains("Entités juridiques"));
    assert_eq!(
        b.text("#chart-nis2 figcaption").await?,
        "Entités par catégorie NIS2"
    );
    b.snapshot("dashboard-fr").await?;
    b.click_link("Laboratoires Hygée SAS").await?;
    assert_eq!(b.text("#nis2-class").await?, "Entité essentielle");
    assert!(b.text("dl.facts").await?.contains("1\u{202f}350"));
    assert!(
        b.text("#reasoning").await?.contains("art.")
            || b.text("#reasoning").await?.contains("Art.")
    );
    b.snapshot("entity-fr").await?;
    b.open("/compliance/frameworks/iso27001-2022").await?;
    assert!(b.text("#req-count").await?.ends_with("exigences"));
    b.snapshot("framework-fr").await?;
    b.open("/compliance/frameworks/iso27001-2022/requirements/a.8.22")
        .await?;
    assert!(
        b.text("main")
            .await?
            .contains("Exigences liées dans d'autres référentiels")
    );
    b.snapshot("requirement-fr").await?;
    b.open("/audit?action=entity.create").await?;
    assert_eq!(
        b.text("#audit-summary").await?,
        "Enregistrements 1 à 4 sur 4"
    );
    let when = b.all_text("#audit-table tbody td:nth-child(2)").await?;
    assert!(
        when.iter().all(|w| w.as_bytes().get(2) == Some(&b'/')),
        "French dates: {when:?}"
    );
    b.snapshot("audit-fr").await?;

    // The compliance pages in French.
    b.open("/").await?;
    assert_eq!(
        b.text("#chart-frameworks figcaption").await?,
        "Conformité par référentiel"
    );
    assert!(b.text("#compliance").await?.contains("Preuves expirées"));
    b.script(
        "document.getElementById('compliance').scrollIntoView();",
        Vec::new(),
    )
    .await?;
    b.snapshot("dashboard-compliance-fr").await?;
    b.open("/compliance/assessments").await?;
    assert_eq!(b.text("h1").await?, "Évaluations");
    b.snapshot("assessments-fr").await?;
    b.open(&detail).await?;
    assert_eq!(b.text("#current-result").await?, "Conforme");
    b.snapshot("requirement-detail-fr").await?;
    b.open(&format!("{iso}/reuse")).await?;
    assert!(
        !b.driver
            .find_all(By::Css("#derived-list li.decided"))
            .await?
            .is_empty()
    );
    b.snapshot("reuse-fr").await?;
    b.open(&format!("{iso}/gaps")).await?;
    assert!(!b.all_text("#gap-letters tbody tr").await?.is_empty());
    b.snapshot("gaps-fr").await?;

    keyboard_tablet_and_print(b, &detail).await?;

    // Sign out: back to the sign-in page, in French, and the pages are closed again.
    b.click("#sign-out").await?;
    assert!(b.path().await?.starts_with("/login"));
    assert_eq!(b.text("h1").await?, "Connexion à Hygeia");
    b.snapshot("login-fr").await?;
    b.open("/audit").await?;
    assert!(b.path().await?.starts_with("/login"));

    // Sign in again: the password, then the code of the app (the next one: a code works once).
    b.open("/login?lang=fr").await?;
    b.type_into("#email", "admin@hygee-demo.example").await?;
    b.type_into("#password", password).await?;
    b.click("form.stack button").await?;
    assert!(b.path().await?.starts_with("/login/second-factor"));
    assert_eq!(b.text("h1").await?, "Connexion en deux étapes");
    assert!(
        b.driver.find(By::Css("#totp-qr")).await.is_err(),
        "set up again"
    );
    b.snapshot("second-factor-code-fr").await?;
    b.type_into("#code", &totp(&secret, 1)?).await?;
    b.click("#second-factor-form button").await?;
    assert_eq!(b.path().await?, "/");
    b.open("/settings").await?;
    assert!(b.text("#mfa-status").await?.contains("Activée"));
    Ok(())
}

/// The code an authenticator app shows now, `steps` steps ahead (a code works once, and the
/// server accepts the next step for a phone whose clock runs a little fast).
fn totp(secret: &str, steps: i64) -> Result<String> {
    let secret = hygeia_domain::mfa::base32_decode(secret).context("the key is not base32")?;
    let step = hygeia_domain::mfa::step_at(chrono::Utc::now()) + steps;
    Ok(hygeia_domain::mfa::hotp(&secret, u64::try_from(step)?))
}

/// Keyboard use (skip link first, visible focus), tablet width without sideways scrolling, and
/// the print style (navigation and forms hidden, the page content kept).
async fn keyboard_tablet_and_print(b: &Browser, detail: &str) -> Result<()> {
    b.open("/").await?;
    b.driver
        .action_chain()
        .send_keys(Key::Tab + "")
        .perform()
        .await?;
    let focused = b
        .script(
            "const e = document.activeElement, r = e.getBoundingClientRect(), \
             s = getComputedStyle(e); \
             return [e.className, r.top >= 0 && r.height > 0, s.outlineStyle, s.outlineWidth];",
            Vec::new(),
        )
        .await?;
    assert_eq!(focused[0], "skip", "first Tab: {focused}");
    assert_eq!(focused[1], true, "the skip link shows when focused");
    assert_eq!(focused[2], "solid", "focus is visible: {focused}");
    assert_eq!(focused[3], "3px");
    b.driver
        .action_chain()
        .send_keys(Key::Enter + "")
        .perform()
        .await?;
    let active = b
        .script("return document.activeElement.id;", Vec::new())
        .await?;
    assert_eq!(active, "main", "the skip link moves focus to the content");

    // A tablet held upright: no page scrolls sideways (wide tables scroll in their own box).
    b.driver.set_window_rect(0, 0, 768, 1024).await?;
    for path in [
        "/",
        "/compliance/assessments",
        detail,
        "/compliance/frameworks/nis2-2024-2690",
        "/assets",
        "/audit",
        "/settings",
    ] {
        b.open(path).await?;
        let overflow = b
            .script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;",
                Vec::new(),
            )
            .await?;
        if overflow.as_i64().is_none_or(|o| o > 0) {
            // Name the elements that stick out, outermost first.
            let wide = b
                .script(
                    "const w = document.documentElement.clientWidth; \
                     return [...document.querySelectorAll('body *')] \
                       .filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > w + 1) \
                       .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id);",
                    Vec::new(),
                )
                .await?;
            panic!("{path} scrolls sideways by {overflow} px at 768 px: {wide}");
        }
    }
    b.open("/").await?;
    b.snapshot("dashboard-tablet-fr").await?;
    b.open(detail).await?;
    b.snapshot("requirement-detail-tablet-fr").await?;
    b.driver.set_window_rect(0, 0, 1280, 1000).await?;

    // Print: the board gets the content, not the navigation or the forms.
    let dev_tools = b.driver.cdp();
    dev_tools
        .send_raw(
            "Emulation.setEmulatedMedia",
            serde_json::json!({"media": "print"}),
        )
        .await?;
    b.open("/").await?;
    let shown = b
        .script(
            "const d = s => getComputedStyle(document.querySelector(s)).display; \
             return [d('header.top'), d('nav.areas'), d('form.switcher'), d('main'), d('#chart-frameworks')];",
            Vec::new(),
        )
        .await?;
    assert_eq!(shown[0], "none", "print hides the header: {shown}");
    assert_eq!(shown[1], "none", "print hides the navigation: {shown}");
    assert_eq!(shown[2], "none", "print hides forms: {shown}");
    assert_ne!(shown[3], "none", "print keeps the content: {shown}");
    assert_ne!(shown[4], "none", "print keeps the charts: {shown}");
    b.snapshot("dashboard-print-fr").await?;
    dev_tools
        .send_raw(
            "Emulation.setEmulatedMedia",
            serde_json::json!({"media": ""}),
        )
        .await?;
    Ok(())
}
