//! Command-line interface: subcommands, their help and examples, and the dispatch.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use hygeia_domain::access::Role;
use hygeia_domain::clock::{Clock, format_instant};
use hygeia_store::{Actor, DatabaseUrl, NewUser, Store};

use crate::config::{self, ConfigError, FileConfig};

/// Exit code for configuration and usage errors (as clap uses for bad flags).
const EXIT_CONFIG: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "hygeia",
    version,
    about = "Hygeia: NIS2 compliance hub for healthcare and pharma",
    long_about = "Hygeia: NIS2 compliance hub for healthcare and pharma.\n\n\
    One binary: the web server with its REST API, the administration commands, and tools.\n\
    The embedded SQLite database is the default; set --db postgres://… for PostgreSQL.",
    after_help = "Examples:\n  hygeia serve --demo                 try it with demo data on http://127.0.0.1:8080\n  \
    hygeia serve --db postgres://hygeia@db/hygeia --listen 0.0.0.0:8080\n  \
    hygeia nis2 classify --sector-entity hospital --employees 1200 --turnover-eur 150000000\n  \
    hygeia incident deadlines --aware-at 2026-05-04T10:00:00+02:00 --time-zone Europe/Paris"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Database URL: postgres://USER@HOST/DB or sqlite://PATH [default: DATA_DIR/hygeia.db]
    #[arg(long, global = true, env = "HYGEIA_DB", hide_env_values = true)]
    pub db: Option<String>,
    /// Folder for the embedded database [default: ./hygeia-data]
    #[arg(long, global = true, env = "HYGEIA_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Optional TOML configuration file (keys: db, data_dir, secret_key_file, listen, secure_cookies, log_format, evidence_max_mb, trusted_proxies, max_connections, mfa_required_roles, public_url)
    #[arg(long, global = true, env = "HYGEIA_CONFIG")]
    pub config: Option<PathBuf>,
    /// The instance key (seals the audit trail, protects second-factor secrets); created if
    /// absent. Share it between instances of one PostgreSQL database [default: secret.key
    /// beside the SQLite database, else in DATA_DIR]
    #[arg(long, global = true, env = "HYGEIA_SECRET_KEY_FILE")]
    pub secret_key_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (UI and REST API)
    #[command(
        after_help = "Examples:\n  hygeia serve --demo\n  hygeia serve --listen 0.0.0.0:8443 --db postgres://hygeia@db.internal/hygeia"
    )]
    Serve(crate::serve::ServeArgs),
    /// Apply database migrations and exit
    #[command(after_help = "Example:\n  hygeia migrate --db postgres://hygeia@db.internal/hygeia")]
    Migrate,
    /// Database upkeep: planner statistics and query plans
    #[command(subcommand)]
    Db(crate::db::DbCommand),
    /// Manage users
    #[command(subcommand)]
    User(UserCommand),
    /// Manage personal API tokens
    #[command(subcommand)]
    Token(TokenCommand),
    /// Inspect the tamper-evident audit trail
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent copy of the embedded SQLite database (the server may keep running)
    #[command(after_help = "Example:\n  hygeia backup --to /backups/hygeia-2026-11-29.db")]
    Backup {
        /// The backup file to create (must not exist)
        #[arg(long)]
        to: PathBuf,
    },
    /// Replace the embedded SQLite database by a backup (stop the server first)
    #[command(after_help = "Example:\n  hygeia restore --from /backups/hygeia-2026-11-29.db")]
    Restore {
        /// The backup file to restore
        #[arg(long)]
        from: PathBuf,
        /// Restore even if the backup is older than the last audit anchor (its newer audit
        /// records are lost; the restore itself is reported in the new trail)
        #[arg(long)]
        allow_rollback: bool,
    },
    /// NIS2 tools
    #[command(subcommand)]
    Nis2(crate::nis2::Nis2Command),
    /// Incident tools: reporting deadlines (no database needed)
    #[command(subcommand)]
    Incident(crate::incident::IncidentCommand),
    /// Automated checks: run them now, list the open observations
    #[command(subcommand)]
    Checks(crate::checks::ChecksCommand),
    /// Reports: the management body's report of an entity (PDF), its registration data (PDF or
    /// JSON)
    #[command(subcommand)]
    Report(crate::report::ReportCommand),
    /// Compliance catalogs: frameworks and crosswalks
    #[command(subcommand)]
    Catalog(crate::catalog::CatalogCommand),
    /// Passive asset discovery from network captures (OT must never be scanned)
    #[command(subcommand)]
    Monitor(crate::monitor::MonitorCommand),
    /// Security advisories (CSAF, CISA KEV) matched against discovered assets, from files
    #[command(subcommand)]
    Advisories(crate::advisories::AdvisoriesCommand),
    /// Sensor mode: analyse a capture stream next to an OT network and push it to the hub
    Sensor(crate::monitor::SensorArgs),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input
    #[command(
        after_help = "Example:\n  printf '%s' \"$PASSWORD\" | hygeia user create --email ciso@example.org --role administrator --password-stdin\n  \
        hygeia user create --email dpo@example.org --role auditor --entity 0193… --password-stdin < pw.txt"
    )]
    Create {
        #[arg(long)]
        email: String,
        /// administrator, compliance_manager, contributor or auditor
        #[arg(long)]
        role: String,
        /// Entity the user may see (repeat for several); administrators see all
        #[arg(long = "entity")]
        entities: Vec<String>,
        /// Display name [default: the e-mail address]
        #[arg(long)]
        name: Option<String>,
        /// Read the password from standard input (at least 12 characters)
        #[arg(long)]
        password_stdin: bool,
        /// Preferred language: en or fr
        #[arg(long, default_value = "en")]
        locale: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it (once) on standard output
    #[command(
        after_help = "Examples:\n  TOKEN=$(hygeia token create --email ciso@example.org --name ci-export --expires-in 30 --scope read)\n  \
        curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:8080/api/v1/entities\n  \
        hygeia token create --email sensor@example.org --name plant-1 --scope ingest --entity ENTITY_ID"
    )]
    Create {
        #[arg(long)]
        email: String,
        /// A name to recognise the token by
        #[arg(long)]
        name: String,
        /// Days until it expires
        #[arg(long, default_value_t = 90)]
        expires_in: i64,
        /// What the token may do: full (the user's rights), read (reads only), ingest
        /// (sensor batches only; needs --entity)
        #[arg(long, default_value = "full")]
        scope: String,
        /// Limit the token to one entity (id)
        #[arg(long)]
        entity: Option<String>,
    },
}

pub use crate::audit::AuditCommand;

/// Runs a command and maps its outcome to an exit code.
pub async fn run(cli: Cli) -> ExitCode {
    match dispatch(cli).await {
        Ok(code) => code,
        Err(error) => {
            if let Some(config) = error.downcast_ref::<ConfigError>() {
                eprintln!("error: {config}");
                return ExitCode::from(EXIT_CONFIG);
            }
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// What every database command needs: the configuration file and the database URL.
#[derive(Clone)]
pub struct Setup {
    pub file: FileConfig,
    pub url: DatabaseUrl,
    /// The data folder (flag, environment, file, default), for local files besides the
    /// database.
    pub data_dir: std::path::PathBuf,
    /// The instance key file.
    pub key_file: std::path::PathBuf,
}

pub fn setup(global: &GlobalArgs) -> Result<Setup, ConfigError> {
    let file = FileConfig::load(global.config.as_deref())?;
    let url = config::database_url(global.db.as_deref(), global.data_dir.as_deref(), &file)?;
    let data_dir = global
        .data_dir
        .clone()
        .or_else(|| file.data_dir.clone())
        .unwrap_or_else(|| std::path::PathBuf::from(config::DEFAULT_DATA_DIR));
    // Beside the embedded database, else in the data folder.
    let local_dir = match &url {
        DatabaseUrl::Sqlite(path) => path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map_or_else(|| data_dir.clone(), std::path::Path::to_path_buf),
        DatabaseUrl::Postgres(_) => data_dir.clone(),
    };
    let key_file = global
        .secret_key_file
        .clone()
        .or_else(|| file.secret_key_file.clone())
        .unwrap_or_else(|| local_dir.join("secret.key"));
    Ok(Setup {
        file,
        url,
        data_dir: local_dir,
        key_file,
    })
}

pub fn system_clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
}

/// Opens and migrates the database, with the instance key (created when absent).
pub async fn open_store(setup: &Setup) -> anyhow::Result<Store> {
    let store = Store::open(&setup.url, system_clock())
        .await
        .with_context(|| format!("cannot open the database {}", setup.url))?;
    let (key, created) = hygeia_store::secrets::load_or_create_key(&setup.key_file)
        .with_context(|| format!("cannot use the key file {}", setup.key_file.display()))?;
    if created {
        tracing::info!(path = %setup.key_file.display(), fingerprint = %key.fingerprint(), "instance key created");
        eprintln!(
            "A new instance key was created in {} (fingerprint {}). Back it up apart from the database: \
             without it, the audit trail's seals cannot be checked and second factors stop working.",
            setup.key_file.display(),
            key.fingerprint()
        );
    }
    Ok(store.with_key(key))
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Nis2(command) => crate::nis2::run(&command),
        Command::Incident(command) => crate::incident::run(&command),
        Command::Advisories(command @ crate::advisories::AdvisoriesCommand::Match { .. }) => {
            crate::advisories::run(command).await
        }
        Command::Monitor(command @ crate::monitor::MonitorCommand::Analyze { .. }) => {
            crate::monitor::run(command, None).await
        }
        Command::Sensor(args) => {
            tokio::task::spawn_blocking(move || crate::monitor::run_sensor(args)).await?
        }
        command => dispatch_with_database(cli.global, command).await,
    }
}

async fn dispatch_with_database(global: GlobalArgs, command: Command) -> anyhow::Result<ExitCode> {
    let cli = Cli { global, command };
    let setup = setup(&cli.global)?;
    match cli.command {
        Command::Serve(args) => crate::serve::run(args, setup).await,
        Command::Advisories(crate::advisories::AdvisoriesCommand::Import { paths }) => {
            let store = open_store(&setup).await?;
            let result = crate::advisories::import(&store, paths).await;
            store.close().await;
            result
        }
        Command::Checks(command) => {
            let store = open_store(&setup).await?;
            let result = crate::checks::run(&store, command).await;
            store.close().await;
            result
        }
        Command::Report(command) => {
            let store = open_store(&setup).await?;
            let result = crate::report::run(&store, command).await;
            store.close().await;
            result
        }
        Command::Db(command) => {
            let store = open_store(&setup).await?;
            let result = crate::db::run(&store, command).await;
            store.close().await;
            result
        }
        Command::Migrate => {
            let store = open_store(&setup).await?;
            store.close().await;
            println!("database {} is up to date", setup.url);
            Ok(ExitCode::SUCCESS)
        }
        Command::User(UserCommand::Create {
            email,
            role,
            entities,
            name,
            password_stdin,
            locale,
        }) => {
            let role: Role = role
                .parse()
                .map_err(
                    |e: hygeia_domain::access::UnknownRole| ConfigError::Setting {
                        setting: "--role",
                        message: e.to_string(),
                    },
                )?;
            let password_hash = if password_stdin {
                let mut password = String::new();
                std::io::stdin()
                    .read_to_string(&mut password)
                    .context("cannot read the password from standard input")?;
                let password = password.trim_end_matches(['\r', '\n']).to_owned();
                hygeia_web::auth::check_password_strength(&password, &[&email])
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                Some(
                    hygeia_web::auth::hash_password(&password)
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                )
            } else {
                None
            };
            let store = open_store(&setup).await?;
            let Some(org) = store.organisation().await? else {
                bail!(
                    "the database has no organisation yet: start `hygeia serve` once (or `hygeia serve --demo`)"
                );
            };
            let new = NewUser {
                display_name: name.unwrap_or_else(|| email.clone()),
                email,
                role,
                locale,
                entity_ids: entities,
                password_hash,
            };
            let user = store
                .create_user(&Actor::cli(), &org.id, &new)
                .await
                .context("cannot create the user")?;
            store.close().await;
            println!(
                "created user {} ({}) with id {}",
                user.email, user.role, user.id
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(TokenCommand::Create {
            email,
            name,
            expires_in,
            scope,
            entity,
        }) => {
            if !(1..=730).contains(&expires_in) {
                return Err(ConfigError::Setting {
                    setting: "--expires-in",
                    message: "must be between 1 and 730 days".into(),
                }
                .into());
            }
            let scope: hygeia_domain::access::TokenScope =
                scope
                    .parse()
                    .map_err(|e: hygeia_domain::access::UnknownTokenScope| {
                        ConfigError::Setting {
                            setting: "--scope",
                            message: e.to_string(),
                        }
                    })?;
            if scope == hygeia_domain::access::TokenScope::Ingest && entity.is_none() {
                return Err(ConfigError::Setting {
                    setting: "--entity",
                    message: "an ingest token names the entity its sensor reports for".into(),
                }
                .into());
            }
            let store = open_store(&setup).await?;
            let (user, _) = store
                .user_by_email(&email)
                .await?
                .with_context(|| format!("no user has the e-mail address {email}"))?;
            let (secret, hash, prefix) = hygeia_web::auth::new_api_token();
            let expires = format_instant(chrono::Utc::now() + chrono::Duration::days(expires_in));
            let token = store
                .create_token(
                    &Actor::cli(),
                    &hygeia_store::NewToken {
                        user_id: &user.id,
                        name: &name,
                        token_hash: &hash,
                        prefix: &prefix,
                        expires_at: Some(&expires),
                        scope,
                        entity_id: entity.as_deref(),
                    },
                )
                .await
                .context("cannot create the token")?;
            store.close().await;
            eprintln!(
                "token '{}' ({}) for {} expires {}",
                token.name, token.scope, user.email, expires
            );
            println!("{secret}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(command) => crate::audit::run(command, &setup).await,
        Command::Backup { to } => {
            let store = open_store(&setup).await?;
            let bytes = hygeia_store::backup_sqlite(&store, &to)
                .await
                .context("backup failed")?;
            store.close().await;
            println!("backup written to {} ({bytes} bytes)", to.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore {
            from,
            allow_rollback,
        } => {
            let Some(path) = setup.url.sqlite_path() else {
                return Err(ConfigError::Setting {
                    setting: "db",
                    message: "restore works on the embedded SQLite database; use pg_restore for PostgreSQL".into(),
                }
                .into());
            };
            let anchor = crate::audit::read_anchor(&setup)?;
            let known = anchor.as_ref().map(|a| a.seq).filter(|_| !allow_rollback);
            hygeia_store::restore_sqlite(&from, path, known)
                .await
                .context("restore failed")?;
            if let (Some(anchor), true) = (&anchor, allow_rollback) {
                eprintln!(
                    "restored although the last anchor named record {}: remove or replace {} once checked",
                    anchor.seq,
                    crate::audit::anchor_path(&setup).display()
                );
            }
            println!("restored {} from {}", path.display(), from.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalog(command) => crate::catalog::run(command, setup).await,
        Command::Monitor(command) => crate::monitor::run(command, Some(setup)).await,
        Command::Nis2(_) | Command::Incident(_) | Command::Sensor(_) | Command::Advisories(_) => {
            Ok(ExitCode::SUCCESS)
        }
    }
}
