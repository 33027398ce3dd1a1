//! Reports from the command line: the management body's report of an entity as PDF, and its
//! registration data as PDF or JSON, typeset by this binary (no service needed, works offline).

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
    /// The data an entity registers with its competent authority (NIS2 Art. 3(4), or Art. 27(2)
    /// for digital providers): identity, sector and type, addresses, contacts, Member States
    /// served, public IP ranges, and what is still missing
    #[command(after_help = "Examples:
  hygeia report registration --entity 0193… --lang fr --out registration.pdf
  hygeia report registration --entity 0193… --format json --out registration.json")]
    Registration {
        /// The entity's id
        #[arg(long)]
        entity: String,
        /// en or fr (for the PDF)
        #[arg(long, default_value = "en")]
        lang: String,
        /// pdf or json
        #[arg(long, default_value = "pdf")]
        format: String,
        /// The file to write (must not exist)
        #[arg(long)]
        out: PathBuf,
    },
}

pub async fn run(store: &Store, command: ReportCommand) -> anyhow::Result<ExitCode> {
    let lang = match &command {
        ReportCommand::Board { lang, .. } | ReportCommand::Registration { lang, .. } => lang,
    };
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
    let (bytes, out, entity, object, details) = match command {
        ReportCommand::Board { entity, lang, out } => {
            let (_, pdf) = hygeia_web::reports::board_pdf(&state, &principal, &entity, &lang)
                .await
                .map_err(|e| anyhow::anyhow!("cannot make the report: {e}"))?;
            let details = serde_json::json!({ "format": "pdf", "lang": lang, "bytes": pdf.len() });
            (pdf, out, entity, "board_report", details)
        }
        ReportCommand::Registration {
            entity,
            lang,
            format,
            out,
        } => {
            if !matches!(format.as_str(), "pdf" | "json") {
                eprintln!("error: --format: '{format}' is not pdf or json");
                return Ok(ExitCode::from(2));
            }
            let bytes = registration(&state, &principal, &entity, &lang, &format).await?;
            let details =
                serde_json::json!({ "format": format, "lang": lang, "bytes": bytes.len() });
            (bytes, out, entity, "registration", details)
        }
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&out)
        .with_context(|| format!("cannot create {}", out.display()))?;
    std::io::Write::write_all(&mut file, &bytes)
        .with_context(|| format!("cannot write {}", out.display()))?;
    store
        .record_access(
            &hygeia_store::Actor::cli(),
            "export.download",
            (object, &entity),
            Some(&entity),
            details,
        )
        .await?;
    println!("{}: {} bytes", out.display(), bytes.len());
    Ok(ExitCode::SUCCESS)
}

/// The registration sheet of `entity_id` as PDF or pretty JSON.
async fn registration(
    state: &AppState,
    principal: &Principal,
    entity_id: &str,
    lang: &str,
    format: &str,
) -> anyhow::Result<Vec<u8>> {
    use hygeia_web::reports::registration::{sheet, sheet_pdf};
    let entity = state
        .store
        .entity(entity_id)
        .await
        .with_context(|| format!("--entity: no entity '{entity_id}'"))?;
    let sheet = sheet(state, principal, &entity)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the registration data: {e}"))?;
    if format == "json" {
        let mut json = serde_json::to_vec_pretty(&sheet)?;
        json.push(b'\n');
        return Ok(json);
    }
    sheet_pdf(state, &sheet, lang)
        .await
        .map_err(|e| anyhow::anyhow!("cannot make the registration sheet: {e}"))
}
