//! Reports from the command line: the management body's report of an entity as PDF, typeset
//! by this binary (no service needed, works offline).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use hygeia_domain::access::{EntityScope, Principal, Role, TokenScope};
use hygeia_store::Store;
use hygeia_web::catalog::CatalogCache;
use hygeia_web::{AppState, WebConfig};

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The management body's report of an entity (NIS2 class and Art. 20 duties, compliance
    /// per Art. 21(2) measure with its trend, gaps, automated checks, risks, incidents)
    #[command(
        after_help = "Example:\n  hygeia report board --entity 0193… --lang fr --out board-report.pdf"
    )]
    Board {
        /// The entity's id (see `hygeia` pages or `GET /api/v1/entities`)
        #[arg(long)]
        entity: String,
        /// en or fr
        #[arg(long, default_value = "en")]
        lang: String,
        /// The PDF file to write (must not exist)
        #[arg(long)]
        out: PathBuf,
    },
}

pub async fn run(store: &Store, command: ReportCommand) -> anyhow::Result<ExitCode> {
    let ReportCommand::Board { entity, lang, out } = command;
    if !matches!(lang.as_str(), "en" | "fr") {
        eprintln!("error: --lang: '{lang}' is not a language of the reports (en or fr)");
        return Ok(ExitCode::from(2));
    }
    let organisation = store
        .organisation()
        .await?
        .context("no organisation yet: start the server once or create a user")?;
    let catalog = CatalogCache::load(store)
        .await
        .map_err(anyhow::Error::msg)?;
    let state = AppState::new(store.clone(), WebConfig::default(), catalog);
    // Whoever runs the command line holds the database: they read every part.
    let principal = Principal {
        user_id: "cli".into(),
        organisation_id: organisation.id,
        email: "cli".into(),
        role: Role::Administrator,
        scope: EntityScope::All,
        token_scope: TokenScope::Full,
    };
    let (_, pdf) = hygeia_web::reports::board_pdf(&state, &principal, &entity, &lang)
        .await
        .map_err(|e| anyhow::anyhow!("cannot make the report: {e}"))?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&out)
        .with_context(|| format!("cannot create {}", out.display()))?;
    std::io::Write::write_all(&mut file, &pdf)
        .with_context(|| format!("cannot write {}", out.display()))?;
    store
        .record_access(
            &hygeia_store::Actor::cli(),
            "export.download",
            ("board_report", &entity),
            Some(&entity),
            serde_json::json!({ "format": "pdf", "lang": lang, "bytes": pdf.len() }),
        )
        .await?;
    println!("{}: {} bytes", out.display(), pdf.len());
    Ok(ExitCode::SUCCESS)
}
