//! Single sign-on in a real browser through the test OpenID Connect provider.

use super::*;

/// The test OpenID Connect provider (`crates/hygeia-web/tests/oidc`) installed under
/// `target/oidc-provider`, or why it cannot be.
fn oidc_provider_dir() -> std::result::Result<PathBuf, String> {
    for tool in ["node", "npm"] {
        if !Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Err(format!("{tool} is not available"));
        }
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let source = root.join("crates/hygeia-web/tests/oidc");
    let dir = root.join("target/oidc-provider");
    let lock = std::fs::read(source.join("package-lock.json")).map_err(|e| e.to_string())?;
    let fresh = std::fs::read(dir.join("package-lock.json")).ok() == Some(lock)
        && dir.join("node_modules/oidc-provider").exists();
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    for file in ["package.json", "package-lock.json", "provider.mjs"] {
        std::fs::copy(source.join(file), dir.join(file)).map_err(|e| e.to_string())?;
    }
    if !fresh {
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return Err("npm ci failed".into());
        }
    }
    Ok(dir)
}

/// A JSON request to the server over plain HTTP/1.1 (no client library needed); the answer's
/// body.
fn api_call(base: &str, method: &str, path: &str, token: &str, body: &str) -> Result<String> {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host)?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    std::io::Write::write_all(&mut stream, request.as_bytes())?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").context("no HTTP answer")?;
    if !head.starts_with("HTTP/1.1 2") {
        bail!("{method} {path}: {head} {body}");
    }
    Ok(body.to_owned())
}

/// Single sign-on in a real browser: "Sign in with …" on Hygeia's page (at `localhost`), the
/// provider's own sign-in and consent pages (at `127.0.0.1`, another site), and back, signed in
/// with an account created just in time. The provider being another site checks that the
/// session cookie (`SameSite=Strict`) set on the way back is kept and sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_through_the_openid_provider_in_a_real_browser() -> Result<()> {
    if no_chromedriver() {
        return Ok(());
    }
    let idp_dir = match oidc_provider_dir() {
        Ok(dir) => dir,
        Err(why) => {
            eprintln!("skipped: the OIDC provider cannot run: {why}");
            return Ok(());
        }
    };
    let db_dir = std::env::temp_dir().join(format!("hygeia-sso-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&db_dir)?;
    let (_server, base, _) = start_server(&db_dir, &[])?;
    let base = base.replace("127.0.0.1", "localhost");
    let token = Command::new(BIN)
        .args(["token", "create", "--email", "admin@hygee-demo.example"])
        .args(["--name", "sso-setup"])
        .env(
            "HYGEIA_DB",
            format!("sqlite://{}/hygeia.db", db_dir.display()),
        )
        .env_remove("HYGEIA_CONFIG")
        .output()?;
    let token = String::from_utf8(token.stdout)?.trim().to_owned();
    let idp_port = free_port()?;
    let _idp = Running(
        Command::new("node")
            .arg("provider.mjs")
            .current_dir(&idp_dir)
            .env("PORT", idp_port.to_string())
            .env("REDIRECT_URI", format!("{base}/login/sso/callback"))
            .env("SECRET", "browser-test-secret")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", idp_port)).is_err() {
        if Instant::now() > deadline {
            bail!("the OIDC provider did not listen");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let provider = serde_json::json!({
        "name": "CHU Identity", "issuer": format!("http://127.0.0.1:{idp_port}"),
        "client_id": "hygeia", "client_secret": "browser-test-secret",
        "scopes": ["email", "profile", "groups"],
        "rules": [{"group": "hygeia-contributors", "role": "contributor"}],
        "create_accounts": true,
    });
    api_call(
        &base,
        "POST",
        "/api/v1/sso/providers",
        &token,
        &provider.to_string(),
    )?;

    let (_chromedriver, driver_url) = start_chromedriver()?;
    let b = Browser {
        driver: chrome(&driver_url, "en-GB").await?,
        base,
        shots: screenshots_dir(),
    };
    let outcome = async {
        b.open("/login").await?;
        b.snapshot("login-sso-en").await?;
        b.click("#sso-providers a").await?;
        // The provider's own pages: any login with a password, then consent.
        b.type_into("input[name=login]", "alice").await?;
        b.type_into("input[name=password]", "anything").await?;
        b.click("button[type=submit]").await?;
        b.click("button[type=submit]").await?;
        // Back at Hygeia: a page that moves on to the dashboard by itself.
        let deadline = Instant::now() + Duration::from_secs(15);
        while b.path().await? != "/" {
            if Instant::now() > deadline {
                bail!("not signed in: at {}", b.path().await?);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(b.text("a.who").await?, "Alice Martin");
        b.snapshot("sso-signed-in-en").await?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    let quit = b.driver.quit().await;
    let _ = std::fs::remove_dir_all(&db_dir);
    outcome?;
    quit?;
    Ok(())
}
