//! `hygeia serve`: migrate, optionally seed the demo, then serve until SIGINT/SIGTERM.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use hygeia_store::Actor;
use hygeia_web::catalog::CatalogCache;
use hygeia_web::{AppState, WebConfig};
use tracing_subscriber::EnvFilter;

use crate::cli::Setup;
use crate::config::{self, ConfigError};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "HYGEIA_LISTEN")]
    pub listen: Option<String>,
    /// On an empty database, create a demo group and an administrator (credentials printed once)
    #[arg(long)]
    pub demo: bool,
    /// Name of the organisation created on first start (without --demo)
    #[arg(long, env = "HYGEIA_ORGANISATION", default_value = "My organisation")]
    pub organisation: String,
    /// Do not mark session cookies Secure (plain-HTTP setups other than localhost only)
    #[arg(long, env = "HYGEIA_INSECURE_COOKIES")]
    pub insecure_cookies: bool,
    /// Log format: text or json
    #[arg(long, env = "HYGEIA_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Largest evidence file accepted, in MiB (1–1024) [default: 25]
    #[arg(long, env = "HYGEIA_EVIDENCE_MAX_MB")]
    pub evidence_max_mb: Option<u64>,
    /// Reverse proxies whose X-Forwarded-For is believed, comma-separated addresses or blocks
    /// (e.g. 10.0.0.5,192.168.0.0/16) [default: none]
    #[arg(long, env = "HYGEIA_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,
    /// Connections served at once (16–65536) [default: 1024]
    #[arg(long, env = "HYGEIA_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Seconds a client has to send a request's head before the connection is closed
    /// (1–300) [default: 10]
    #[arg(long, env = "HYGEIA_HEADER_TIMEOUT")]
    pub header_timeout: Option<u64>,
    /// An offline list of breached passwords (the "Pwned Passwords" SHA-1 download, sorted by
    /// hash) that new passwords are checked against [default: none]
    #[arg(long, env = "HYGEIA_BREACHED_PASSWORDS")]
    pub breached_passwords: Option<std::path::PathBuf>,
    /// Roles that must sign in with a second factor, comma-separated, or `none`
    /// [default: administrator]
    #[arg(long, env = "HYGEIA_MFA_REQUIRED_ROLES")]
    pub mfa_required_roles: Option<String>,
}

/// The roles that must use a second factor: flag/env (comma-separated) first, then the file.
fn mfa_policy(
    flag: Option<&str>,
    file: &crate::config::FileConfig,
) -> Result<hygeia_domain::mfa::MfaPolicy, ConfigError> {
    let listed: Option<Vec<String>> = match flag {
        Some(text) => Some(
            text.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty() && *t != "none")
                .map(str::to_owned)
                .collect(),
        ),
        None => file.mfa_required_roles.clone(),
    };
    let Some(listed) = listed else {
        return Ok(hygeia_domain::mfa::MfaPolicy::default());
    };
    let required_roles =
        listed
            .iter()
            .map(|role| {
                role.parse().map_err(|e: hygeia_domain::access::UnknownRole| ConfigError::Setting {
                setting: "mfa_required_roles (--mfa-required-roles, HYGEIA_MFA_REQUIRED_ROLES)",
                message: e.to_string(),
            })
            })
            .collect::<Result<_, _>>()?;
    Ok(hygeia_domain::mfa::MfaPolicy { required_roles })
}

fn init_logs(format: &str) -> Result<(), ConfigError> {
    let filter =
        EnvFilter::try_from_env("HYGEIA_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let result = match format {
        "json" => builder.json().try_init(),
        "text" => builder.try_init(),
        other => {
            return Err(ConfigError::Setting {
                setting: "log_format (--log-format, HYGEIA_LOG_FORMAT)",
                message: format!("'{other}' is not one of: text, json"),
            });
        }
    };
    // A subscriber already set (tests) is fine.
    let _ = result;
    Ok(())
}

pub async fn run(args: ServeArgs, setup: Setup) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let format = args
        .log_format
        .clone()
        .or_else(|| setup.file.log_format.clone())
        .unwrap_or_else(|| "text".into());
    init_logs(&format)?;
    let listen: SocketAddr = config::listen_address(args.listen.as_deref(), &setup.file)?;
    let secure_cookies = !args.insecure_cookies && setup.file.secure_cookies.unwrap_or(true);
    let evidence_max_mb = args
        .evidence_max_mb
        .or(setup.file.evidence_max_mb)
        .unwrap_or(25);
    if !(1..=1024).contains(&evidence_max_mb) {
        return Err(ConfigError::Setting {
            setting: "evidence_max_mb (--evidence-max-mb, HYGEIA_EVIDENCE_MAX_MB)",
            message: format!("{evidence_max_mb} is not between 1 and 1024"),
        }
        .into());
    }
    let trusted_proxies = config::trusted_proxies(args.trusted_proxies.as_deref(), &setup.file)?;
    let mfa_policy = mfa_policy(args.mfa_required_roles.as_deref(), &setup.file)?;
    let breached_passwords = match args
        .breached_passwords
        .clone()
        .or_else(|| setup.file.breached_passwords.clone())
    {
        Some(path) => Some(
            hygeia_web::breached::BreachedList::open(&path).map_err(|e| ConfigError::Setting {
                setting: "breached_passwords (--breached-passwords, HYGEIA_BREACHED_PASSWORDS)",
                message: format!("cannot open {}: {e}", path.display()),
            })?,
        ),
        None => None,
    };
    let header_timeout = args.header_timeout.unwrap_or(10);
    if !(1..=300).contains(&header_timeout) {
        return Err(ConfigError::Setting {
            setting: "header_timeout (--header-timeout, HYGEIA_HEADER_TIMEOUT)",
            message: format!("{header_timeout} is not between 1 and 300 seconds"),
        }
        .into());
    }
    let max_connections = args
        .max_connections
        .or(setup.file.max_connections)
        .unwrap_or(1024);
    if !(16..=65536).contains(&max_connections) {
        return Err(ConfigError::Setting {
            setting: "max_connections (--max-connections, HYGEIA_MAX_CONNECTIONS)",
            message: format!("{max_connections} is not between 16 and 65536"),
        }
        .into());
    }

    tracing::info!(database = %setup.url, "opening the database");
    let store = crate::cli::open_store(&setup)
        .await
        .context("refusing to start: the database could not be opened and migrated")?;
    if store.organisation().await?.is_none() {
        if args.demo {
            let credentials = crate::demo::seed(&store)
                .await
                .context("cannot create the demo data")?;
            // Beside the embedded database, else in the data folder.
            let dir = match &setup.url {
                hygeia_store::DatabaseUrl::Sqlite(path) => path
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .map_or_else(|| setup.data_dir.clone(), std::path::Path::to_path_buf),
                hygeia_store::DatabaseUrl::Postgres(_) => setup.data_dir.clone(),
            };
            crate::demo::hand_over(&credentials, &listen, &dir)?;
        } else {
            store
                .ensure_organisation(&Actor::system(), &args.organisation)
                .await?;
            eprintln!(
                "\n  New installation. Create the first administrator:\n    \
                 hygeia user create --email YOU@EXAMPLE.ORG --role administrator --password-stdin\n"
            );
        }
    } else if args.demo {
        tracing::info!("the database already has data: --demo leaves it as it is");
    }

    let public_url = setup.file.public_url.clone();
    if let Some(url) = &public_url
        && !url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "https" | "http"))
    {
        return Err(ConfigError::Setting {
            setting: "public_url",
            message: format!("'{url}' is not an http:// or https:// address"),
        }
        .into());
    }
    let organisation = store.organisation().await?;
    let config = WebConfig {
        public_url,
        secure_cookies,
        trusted_proxies,
        mfa_policy,
        breached_passwords,
        mfa_issuer: organisation
            .map_or_else(|| "Hygeia".into(), |o| format!("Hygeia ({})", o.name)),
        evidence_max_bytes: usize::try_from(evidence_max_mb * 1024 * 1024).unwrap_or(usize::MAX),
        ..WebConfig::default()
    };
    let catalog = CatalogCache::load(&store).await.map_err(|e| {
        anyhow::anyhow!("refusing to start: the compliance catalogs are invalid: {e}")
    })?;
    let state = AppState::new(store.clone(), config, catalog);
    let app = hygeia_web::router(state.clone());
    // The audit anchor beside the instance key: now, every five minutes, and at the end, so a
    // restore cannot quietly roll the trail back past it.
    crate::audit::keep_anchor(&setup, &store)
        .await
        .context("cannot keep the audit anchor")?;
    let anchoring = {
        let store = store.clone();
        let setup = setup.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(300));
            every.tick().await;
            loop {
                every.tick().await;
                if let Err(error) = crate::audit::keep_anchor(&setup, &store).await {
                    tracing::warn!(%error, "could not keep the audit anchor");
                }
            }
        })
    };
    // Recurring work (advisory matching of assets no run has matched, the planner's
    // statistics, finished jobs purged) and queued jobs, run once across every instance
    // sharing the database.
    let runner = hygeia_web::jobs::Runner::new(state);
    tracing::info!(worker = runner.worker(), "the job runner starts");
    let jobs = tokio::spawn(runner.run());
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    // Install the signal handlers before announcing readiness, so that a stop request sent
    // right after start-up is a graceful shutdown rather than the default abrupt exit.
    let shutdown = shutdown_signal()?;
    tracing::info!(address = %listen, startup_ms = started.elapsed().as_millis() as u64, "ready");
    eprintln!("Hygeia is listening on http://{listen}/");
    let limits = hygeia_web::server::ServerLimits {
        max_connections,
        header_read_timeout: std::time::Duration::from_secs(header_timeout),
        ..hygeia_web::server::ServerLimits::default()
    };
    hygeia_web::server::serve(listener, app, limits, shutdown)
        .await
        .context("the server stopped with an error")?;
    anchoring.abort();
    jobs.abort();
    if let Err(error) = crate::audit::keep_anchor(&setup, &store).await {
        tracing::warn!(%error, "could not keep the audit anchor");
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// A future that completes on Ctrl-C or SIGTERM; the handlers are registered when it is built.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("cannot install the SIGTERM handler")?;
    let interrupt = tokio::signal::ctrl_c();
    Ok(async move {
        #[cfg(unix)]
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
        #[cfg(not(unix))]
        let _ = interrupt.await;
        tracing::info!("shutting down: finishing requests in flight");
    })
}
