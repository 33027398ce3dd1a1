//! Security keys in a real browser: Chromium's virtual authenticator (through the DevTools
//! protocol) stands in for a USB key. Registering one on the settings page turns two-step
//! sign-in on and shows recovery codes once; the next sign-in asks for the key and opens the
//! session when it answers; a browser whose key is gone gets a message in the page's language
//! and signs in with a recovery code instead. The site is `localhost`: WebAuthn refuses IP
//! addresses as the relying party.

use super::*;

/// Polls until `ready` holds, or fails after a few seconds with `what`.
async fn wait_for<F, Fut>(what: &str, mut ready: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let deadline = Instant::now() + Duration::from_secs(15);
    while !ready().await? {
        if Instant::now() > deadline {
            bail!("timed out waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

async fn sign_in_with_password(b: &Browser, password: &str) -> Result<()> {
    b.open("/login").await?;
    b.type_into("#email", "admin@hygee-demo.example").await?;
    b.type_into("#password", password).await?;
    b.click("form.stack button").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signs_in_with_a_security_key_in_a_real_browser() -> Result<()> {
    if no_chromedriver() {
        return Ok(());
    }
    let db_dir = std::env::temp_dir().join(format!("hygeia-keys-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&db_dir)?;
    // No role is required to use a second factor: the administrator turns one on by choice.
    let (_server, base, password) = start_server(&db_dir, &["--mfa-required-roles", "none"])?;
    let (_chromedriver, driver_url) = start_chromedriver()?;
    let b = Browser {
        driver: chrome(&driver_url, "en-GB").await?,
        base: base.replace("127.0.0.1", "localhost"),
        shots: screenshots_dir(),
    };
    let outcome = flow(&b, &password).await;
    let quit = b.driver.quit().await;
    let _ = std::fs::remove_dir_all(&db_dir);
    outcome?;
    quit?;
    Ok(())
}

async fn flow(b: &Browser, password: &str) -> Result<()> {
    let dev_tools = b.driver.cdp();
    dev_tools
        .send_raw("WebAuthn.enable", serde_json::json!({ "enableUI": false }))
        .await?;
    let added = dev_tools
        .send_raw(
            "WebAuthn.addVirtualAuthenticator",
            serde_json::json!({ "options": {
                "protocol": "ctap2", "transport": "usb", "hasResidentKey": false,
                "hasUserVerification": true, "isUserVerified": true,
                "automaticPresenceSimulation": true,
            }}),
        )
        .await?;
    let authenticator = added["authenticatorId"]
        .as_str()
        .context("no virtual authenticator")?
        .to_owned();

    // Signed in with the password alone, the administrator registers a key.
    sign_in_with_password(b, password).await?;
    assert_eq!(b.path().await?, "/");
    b.open("/settings").await?;
    assert!(b.text("#no-security-keys").await.is_ok());
    b.type_into("#security-key-name", "Keyring key").await?;
    b.type_into("#security-key-password", "not my password")
        .await?;
    b.press("#add-security-key").await?;
    // The demo administrator reads Hygeia in French: the script's messages come from the page.
    wait_for("the wrong password to be refused", || async {
        Ok(b.text("#security-key-status").await? == "Votre mot de passe actuel n'est pas le bon.")
    })
    .await?;
    b.type_into("#security-key-password", password).await?;
    b.press("#add-security-key").await?;
    wait_for("the recovery codes", || async {
        Ok(b.all_text("#recovery-codes li").await?.len() == 10)
    })
    .await?;
    let codes = b.all_text("#recovery-codes li").await?;
    b.snapshot("security-key-added-fr").await?;
    b.open("/settings").await?;
    let rows = b.all_text("#security-keys tbody tr td:first-child").await?;
    assert_eq!(rows, ["Keyring key"]);
    assert!(b.text("#mfa-status").await?.starts_with("Activée"));

    // The next sign-in asks for the key; the virtual key answers.
    b.click("#sign-out").await?;
    sign_in_with_password(b, password).await?;
    assert!(b.path().await?.starts_with("/login/second-factor"));
    b.snapshot("second-factor-key").await?;
    b.press("#use-security-key").await?;
    wait_for("the dashboard after the key", || async {
        Ok(b.path().await? == "/")
    })
    .await?;
    b.open("/settings").await?;
    let last_used = b.text("#security-keys tbody tr td:nth-child(3)").await?;
    assert_ne!(last_used, "Jamais", "the key's use is recorded");

    // The audit trail names what happened, in the reader's language.
    b.open("/audit").await?;
    let trail = b.text("main").await?;
    assert!(trail.contains("Clé de sécurité ajoutée"), "{trail}");

    // The key is lost (its credentials wiped): the page says so in French, and a recovery
    // code still signs in.
    dev_tools
        .send_raw(
            "WebAuthn.clearCredentials",
            serde_json::json!({ "authenticatorId": authenticator }),
        )
        .await?;
    b.click("#sign-out").await?;
    b.open("/login?lang=fr").await?;
    b.type_into("#email", "admin@hygee-demo.example").await?;
    b.type_into("#password", password).await?;
    b.click("form.stack button").await?;
    assert!(b.path().await?.starts_with("/login/second-factor"));
    b.press("#use-security-key").await?;
    wait_for("the refusal", || async {
        let text = b.text("#security-key-status").await?;
        Ok(text.contains("annulée") || text.contains("pas été acceptée"))
    })
    .await?;
    b.snapshot("second-factor-key-refused-fr").await?;
    b.type_into("#code", &codes[0]).await?;
    b.click("#second-factor-form button").await?;
    assert_eq!(b.path().await?, "/");
    Ok(())
}
