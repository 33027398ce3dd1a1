//! The web interface in a real browser: headless Chromium driven through chromedriver
//! (WebDriver) against the real `hygeia` binary with its demo data. It signs in, reads the
//! dashboard, an entity's NIS2 reasoning, browses and searches a framework, filters the audit
//! trail, switches to French and signs out, asserting on what the pages show. Screenshots of
//! the main pages in both languages go to `target/screenshots/` (not committed).
//!
//! Needs Debian's `chromium` and `chromium-driver`; without `chromedriver` the test says why
//! and passes without running.
//!
//! One binary, a module per journey: the interface in both languages, single sign-on through a
//! real OpenID provider, security keys through Chromium's virtual authenticator.

mod crawl;
mod incidents;
mod interface;
mod risks;
mod security_keys;
mod sso;
mod suppliers;

use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use thirtyfour::prelude::*;

const BIN: &str = env!("CARGO_BIN_EXE_hygeia");
/// Largest main page we accept, uncompressed, without the shared CSS and JavaScript.
const MAX_PAGE_BYTES: f64 = 150.0 * 1024.0;

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child process killed when dropped (the server, chromedriver).
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether chromedriver is missing: the test then says so and passes without running.
fn no_chromedriver() -> bool {
    let missing = Command::new("chromedriver")
        .arg("--version")
        .output()
        .is_err();
    if missing {
        eprintln!(
            "skipped: `chromedriver` is not installed (apt-get install chromium chromium-driver)"
        );
    }
    missing
}

/// Headless Chromium, driven through the chromedriver at `driver_url`, in language `lang`.
async fn chrome(driver_url: &str, lang: &str) -> Result<WebDriver> {
    let mut caps = DesiredCapabilities::chrome();
    if std::path::Path::new("/usr/bin/chromium").exists() {
        caps.set_binary("/usr/bin/chromium")?;
    }
    for arg in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1280,1000",
    ] {
        caps.add_arg(arg)?;
    }
    caps.add_arg(&format!("--lang={lang}"))?;
    Ok(WebDriver::new(driver_url, caps).await?)
}

/// Starts `hygeia serve --demo` (with `extra` flags) and returns it with its address and the
/// demo password.
fn start_server(db_dir: &std::path::Path, extra: &[&str]) -> Result<(Running, String, String)> {
    let port = free_port()?;
    let db = format!("sqlite://{}/hygeia.db", db_dir.display());
    let mut child = Command::new(BIN)
        .args(["serve", "--demo", "--insecure-cookies"])
        .args(extra)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .env("HYGEIA_DB", &db)
        .env_remove("HYGEIA_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot start hygeia")?;
    let stderr = child.stderr.take().context("no stderr")?;
    let running = Running(child);
    let mut reader = BufReader::new(stderr);
    let mut password = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut log = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || Instant::now() > deadline {
            bail!("hygeia did not start: {log}");
        }
        // The server's output is not a terminal: it names a private file holding the password.
        if let Some(path) = line.split("the password is in ").nth(1) {
            let text = std::fs::read_to_string(path.trim())?;
            password = text
                .lines()
                .find_map(|l| l.strip_prefix("password: "))
                .map(|p| p.trim().to_owned());
        }
        log.push_str(&line);
        if line.contains("is listening on") {
            break;
        }
    }
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = reader.read_to_string(&mut rest);
    });
    let password = password.with_context(|| format!("no demo password printed: {log}"))?;
    Ok((running, format!("http://127.0.0.1:{port}"), password))
}

fn start_chromedriver() -> Result<(Running, String)> {
    let port = free_port()?;
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start chromedriver")?;
    let running = Running(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("chromedriver did not listen on port {port}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok((running, format!("http://127.0.0.1:{port}")))
}

fn screenshots_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

struct Browser {
    driver: WebDriver,
    base: String,
    shots: PathBuf,
}

impl Browser {
    async fn open(&self, path: &str) -> Result<()> {
        self.driver.goto(format!("{}{path}", self.base)).await?;
        Ok(())
    }

    async fn text(&self, css: &str) -> Result<String> {
        Ok(self.driver.find(By::Css(css)).await?.text().await?)
    }

    async fn all_text(&self, css: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for element in self.driver.find_all(By::Css(css)).await? {
            out.push(element.text().await?);
        }
        Ok(out)
    }

    /// Clicks something that does not leave the page (an option, a disclosure).
    async fn press(&self, css: &str) -> Result<()> {
        self.driver.find(By::Css(css)).await?.click().await?;
        Ok(())
    }

    /// Clicks a link or a submit button and waits for the next page to load.
    async fn click(&self, css: &str) -> Result<()> {
        let element = self.driver.find(By::Css(css)).await?;
        self.follow(element).await
    }

    async fn follow(&self, element: WebElement) -> Result<()> {
        let old = self.driver.find(By::Css("html")).await?;
        element.click().await?;
        let deadline = Instant::now() + Duration::from_secs(15);
        // The old document's root goes stale once the browser has moved on.
        while old.tag_name().await.is_ok() {
            if Instant::now() > deadline {
                bail!("the page did not change after the click");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        loop {
            let state = self
                .driver
                .execute("return document.readyState", Vec::new())
                .await
                .map(|r| r.json().as_str() == Some("complete"));
            if matches!(state, Ok(true)) {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("the page did not finish loading");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    async fn click_link(&self, text: &str) -> Result<()> {
        let element = self.driver.find(By::PartialLinkText(text)).await?;
        self.follow(element).await
    }

    async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let input = self.driver.find(By::Css(css)).await?;
        input.clear().await?;
        input.send_keys(text).await?;
        Ok(())
    }

    /// The number shown by a dashboard figure (digits only, grouping removed).
    async fn figure(&self, id: &str) -> Result<i64> {
        let text = self.text(&format!("#{id} .value")).await?;
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        digits
            .parse()
            .with_context(|| format!("figure {id} shows {text:?}"))
    }

    /// The text content of every match, shown or not (a chart's data table is folded).
    async fn contents(&self, css: &str) -> Result<Vec<String>> {
        let found = self
            .script(
                "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent);",
                vec![serde_json::json!(css)],
            )
            .await?;
        Ok(found
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Runs an asynchronous script in the page and returns its JSON result.
    async fn script(&self, js: &str, args: Vec<serde_json::Value>) -> Result<serde_json::Value> {
        Ok(self.driver.execute(js, args).await?.json().clone())
    }

    async fn path(&self) -> Result<String> {
        let url = self.driver.current_url().await?;
        Ok(match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        })
    }

    /// Saves a screenshot and checks the page's size and server time (printed for the record).
    async fn snapshot(&self, name: &str) -> Result<()> {
        self.driver
            .screenshot(&self.shots.join(format!("{name}.png")))
            .await?;
        let timing = self
            .driver
            .execute(
                "const n = performance.getEntriesByType('navigation')[0]; \
                 return [n.decodedBodySize, n.responseStart - n.requestStart];",
                Vec::new(),
            )
            .await?
            .json()
            .clone();
        let size = timing[0].as_f64().unwrap_or(0.0);
        let wait = timing[1].as_f64().unwrap_or(0.0);
        eprintln!(
            "{name}: {:.1} KB, first byte after {wait:.0} ms",
            size / 1024.0
        );
        assert!(size < MAX_PAGE_BYTES, "{name} weighs {size} bytes");
        Ok(())
    }
}
