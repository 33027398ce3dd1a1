//! No dead ends, in a real browser: signed in as an administrator and as an auditor limited to
//! one entity, in English and in French, every link reachable from the dashboard (two levels)
//! is fetched by Chromium with the session's cookie; each must answer 200 (the auditor may meet
//! an intended 403), and no French page may show an English phrase of the interface.

use std::collections::BTreeSet;
use std::io::Write;

use hygeia_web::page_check::{english_in, english_phrases, local_links};

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_link_from_the_dashboard_answers_in_a_real_browser() -> Result<()> {
    if no_chromedriver() {
        return Ok(());
    }
    let db_dir = std::env::temp_dir().join(format!("hygeia-crawl-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&db_dir)?;
    let (_server, base, password) = start_server(&db_dir, &["--mfa-required-roles", "none"])?;
    let (_chromedriver, driver_url) = start_chromedriver()?;
    let b = Browser {
        driver: chrome(&driver_url, "en-GB").await?,
        base,
        shots: screenshots_dir(),
    };
    let outcome = flow(&b, &password, &db_dir).await;
    let quit = b.driver.quit().await;
    let _ = std::fs::remove_dir_all(&db_dir);
    outcome?;
    quit?;
    Ok(())
}

/// Fetches `path` from the page, with the browser's cookies: status and body.
async fn fetch(b: &Browser, path: &str) -> Result<(u16, String)> {
    let answer = b
        .script(
            "return fetch(arguments[0], {credentials: 'same-origin'}) \
             .then(r => r.text().then(t => [r.status, t]));",
            vec![serde_json::json!(path)],
        )
        .await?;
    let status = answer[0].as_u64().unwrap_or_default();
    Ok((
        u16::try_from(status)?,
        answer[1].as_str().unwrap_or_default().to_owned(),
    ))
}

async fn sign_in(b: &Browser, email: &str, password: &str) -> Result<()> {
    b.open("/login").await?;
    b.type_into("#email", email).await?;
    b.type_into("#password", password).await?;
    b.click("form.stack button").await?;
    anyhow::ensure!(
        b.path().await? == "/",
        "{email} did not reach the dashboard"
    );
    Ok(())
}

/// Shows the pages in `lang` (the header's language switch).
async fn speak(b: &Browser, lang: &str) -> Result<()> {
    b.open("/").await?;
    let current = b
        .script("return document.documentElement.lang;", Vec::new())
        .await?;
    if current.as_str() != Some(lang) {
        b.click("#switch-lang").await?;
    }
    Ok(())
}

/// Crawls two levels from the dashboard; returns the number of pages fetched.
async fn crawl(
    b: &Browser,
    who: &str,
    lang: &str,
    may_refuse: bool,
    phrases: &[String],
    failures: &mut Vec<String>,
) -> Result<usize> {
    let (status, home) = fetch(b, "/").await?;
    anyhow::ensure!(
        status == 200,
        "{who} {lang}: the dashboard answered {status}"
    );
    let mut seen: BTreeSet<String> = BTreeSet::from(["/".to_owned()]);
    let mut queue: Vec<(String, String, bool)> = local_links(&home)
        .into_iter()
        .map(|h| ("/".to_owned(), h, true))
        .collect();
    let mut index = 0;
    while let Some((from, href, follow)) = queue.get(index).cloned() {
        index += 1;
        if !seen.insert(href.clone()) {
            continue;
        }
        let (status, html) = fetch(b, &href).await?;
        if !(status == 200 || (may_refuse && status == 403)) {
            failures.push(format!("{who} {lang}: {from} → {href}: {status}"));
            continue;
        }
        let page = !href.starts_with("/api/") && !href.starts_with("/assets/hygeia.");
        if lang == "fr" && page {
            for phrase in english_in(&html, phrases) {
                failures.push(format!("{who}: {href} (fr) shows English: \"{phrase}\""));
            }
        }
        if follow && page && status == 200 {
            queue.extend(
                local_links(&html)
                    .into_iter()
                    .map(|h| (href.clone(), h, false)),
            );
        }
    }
    Ok(seen.len())
}

async fn flow(b: &Browser, password: &str, db_dir: &std::path::Path) -> Result<()> {
    let phrases = english_phrases();
    anyhow::ensure!(phrases.len() > 200, "only {} phrases", phrases.len());
    sign_in(b, "admin@hygee-demo.example", password).await?;
    // An auditor of the drug maker only, created as an operator would at the command line.
    let (_, entities) = fetch(b, "/api/v1/entities").await?;
    let entities: serde_json::Value = serde_json::from_str(&entities)?;
    let plant = entities["items"]
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .find(|e| e["name"] == "Laboratoires Hygée SAS")
                .and_then(|e| e["id"].as_str())
        })
        .context("no demo entity")?
        .to_owned();
    let auditor_password = "a long passphrase for the auditor 2026";
    let mut create = Command::new(BIN)
        .args(["user", "create", "--email", "auditeur@hygee-demo.example"])
        .args(["--role", "auditor", "--entity", &plant, "--password-stdin"])
        .env(
            "HYGEIA_DB",
            format!("sqlite://{}/hygeia.db", db_dir.display()),
        )
        .env_remove("HYGEIA_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    create
        .stdin
        .take()
        .context("no stdin")?
        .write_all(auditor_password.as_bytes())?;
    let created = create.wait_with_output()?;
    anyhow::ensure!(
        created.status.success(),
        "user create: {}",
        String::from_utf8_lossy(&created.stderr)
    );

    let mut failures = Vec::new();
    for lang in ["en", "fr"] {
        speak(b, lang).await?;
        let pages = crawl(b, "administrator", lang, false, &phrases, &mut failures).await?;
        anyhow::ensure!(pages > 60, "administrator {lang}: only {pages} pages");
    }
    b.driver.delete_all_cookies().await?;
    sign_in(b, "auditeur@hygee-demo.example", auditor_password).await?;
    for lang in ["en", "fr"] {
        speak(b, lang).await?;
        let pages = crawl(b, "auditor", lang, true, &phrases, &mut failures).await?;
        anyhow::ensure!(pages > 30, "auditor {lang}: only {pages} pages");
    }
    anyhow::ensure!(failures.is_empty(), "{}", failures.join("\n"));
    Ok(())
}
