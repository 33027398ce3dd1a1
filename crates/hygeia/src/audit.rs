//! `hygeia audit`: verify the trail (links, seals, anchor), export its head as an anchor to
//! keep elsewhere, and export records for a SIEM or an auditor (JSON lines or syslog RFC 5424,
//! optionally sealed).
//!
//! The anchor file (`audit-anchor.json`, beside the instance key) is the last head this instance
//! exported; `verify` checks against it and `restore` refuses a backup older than it.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use hygeia_domain::audit_export;
use hygeia_store::{AuditAnchor, Store};

use crate::cli::{Setup, open_store};
use crate::config::ConfigError;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the trail: links, hashes, seals (with the instance key) and the anchor; exit 0 when
    /// intact, 1 with the first tampered, forged or missing record
    #[command(
        after_help = "Examples:\n  hygeia audit verify && echo 'audit trail intact'\n  \
        hygeia audit verify --expect-head 1842:4be1…   # against an anchor kept elsewhere"
    )]
    Verify {
        /// An anchor printed earlier by `hygeia audit head` (SEQ:HASH); by default the anchor
        /// file beside the instance key, when there is one
        #[arg(long)]
        expect_head: Option<String>,
    },
    /// Print the newest record as a sealed anchor (and keep it in the anchor file): store it
    /// somewhere the database's administrators cannot write (mail, ticket, write-once storage)
    #[command(
        after_help = "Example:\n  hygeia audit head --json | mail -s 'Hygeia audit anchor' audit@example.org"
    )]
    Head {
        /// Print the whole anchor as JSON instead of SEQ:HASH
        #[arg(long)]
        json: bool,
    },
    /// Write records for a SIEM or an auditor on standard output
    #[command(
        after_help = "Examples:\n  hygeia audit export --format syslog --after 1200 | logger --rfc5424 -n siem.example.org\n  \
        hygeia audit export --format jsonl --sealed > audit-2026-q4.jsonl\n  \
        hygeia audit check-export audit-2026-q4.jsonl"
    )]
    Export {
        /// jsonl (one JSON record a line) or syslog (RFC 5424 messages)
        #[arg(long, value_enum, default_value = "jsonl")]
        format: ExportFormat,
        /// Only records after this sequence number
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// End with a line that seals the export with the instance key
        #[arg(long)]
        sealed: bool,
    },
    /// Check a sealed export against the instance key
    #[command(name = "check-export")]
    CheckExport {
        /// The exported file
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Syslog,
}

/// Where the anchor file lives: beside the instance key.
pub fn anchor_path(setup: &Setup) -> PathBuf {
    setup.key_file.parent().map_or_else(
        || PathBuf::from("audit-anchor.json"),
        |d| d.join("audit-anchor.json"),
    )
}

/// The last anchor this instance kept, if any.
pub fn read_anchor(setup: &Setup) -> anyhow::Result<Option<AuditAnchor>> {
    let path = anchor_path(setup);
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the anchor file {}", path.display()))?;
    let anchor = serde_json::from_str(&text)
        .with_context(|| format!("the anchor file {} is not an anchor", path.display()))?;
    Ok(Some(anchor))
}

/// Writes the current head to the anchor file, unless the file already names a later record
/// (another instance of a shared database may have written it).
pub async fn keep_anchor(setup: &Setup, store: &Store) -> anyhow::Result<AuditAnchor> {
    let anchor = store.audit_anchor().await?;
    let newer_kept = read_anchor(setup)?.is_some_and(|kept| kept.seq > anchor.seq);
    if !newer_kept {
        let path = anchor_path(setup);
        let staging = path.with_extension("json.new");
        std::fs::write(&staging, serde_json::to_string_pretty(&anchor)?)
            .with_context(|| format!("cannot write {}", staging.display()))?;
        std::fs::rename(&staging, &path)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(anchor)
}

fn parse_expected(text: &str) -> Result<(i64, String), ConfigError> {
    let bad = || ConfigError::Setting {
        setting: "--expect-head",
        message: format!("'{text}' is not SEQ:HASH as printed by `hygeia audit head`"),
    };
    let (seq, hash) = text.split_once(':').ok_or_else(bad)?;
    let seq = seq.trim().parse().map_err(|_| bad())?;
    let hash = hash.trim();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok((seq, hash.to_ascii_lowercase()))
}

pub async fn run(command: AuditCommand, setup: &Setup) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify { expect_head } => verify(setup, expect_head.as_deref()).await,
        AuditCommand::Head { json } => {
            let store = open_store(setup).await?;
            let anchor = keep_anchor(setup, &store).await?;
            store.close().await;
            if json {
                println!("{}", serde_json::to_string_pretty(&anchor)?);
            } else {
                println!("{}", anchor.short());
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Export {
            format,
            after,
            sealed,
        } => export(setup, format, after, sealed).await,
        AuditCommand::CheckExport { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let (key, _) = hygeia_store::secrets::load_or_create_key(&setup.key_file)?;
            match audit_export::check_export(&text, &key) {
                Ok(lines) => {
                    println!(
                        "OK: {lines} lines, sealed by this instance ({})",
                        key.fingerprint()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(problem) => {
                    println!("NOT INTACT: {problem}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

async fn verify(setup: &Setup, expect_head: Option<&str>) -> anyhow::Result<ExitCode> {
    let anchor = match expect_head {
        Some(text) => Some(parse_expected(text)?),
        None => read_anchor(setup)?.map(|a| (a.seq, a.hash)),
    };
    let store = open_store(setup).await?;
    let report = store
        .verify_audit_chain_against(anchor.as_ref().map(|(seq, hash)| (*seq, hash.as_str())))
        .await?;
    store.close().await;
    let against = anchor
        .as_ref()
        .map(|(seq, _)| format!(", anchored at record {seq}"))
        .unwrap_or_default();
    match report.first_break {
        None => {
            println!(
                "OK: audit trail intact ({} records; {} sealed, {} from before the instance key{against})",
                report.records, report.sealed, report.unsealed_before_key
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(problem) => {
            println!(
                "TAMPERED: {problem} (record {}; {} records before it verified)",
                report.broken_at.unwrap_or_default(),
                report.records
            );
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn export(
    setup: &Setup,
    format: ExportFormat,
    after: i64,
    sealed: bool,
) -> anyhow::Result<ExitCode> {
    let store = open_store(setup).await?;
    let hostname = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "hygeia".into());
    let mut lines = Vec::new();
    let mut next = after;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    loop {
        let batch = store.audit_records_after(next, 1000).await?;
        let Some(last) = batch.last() else {
            break;
        };
        next = last.seq;
        for record in &batch {
            let line = match format {
                ExportFormat::Jsonl => audit_export::json_line(record),
                ExportFormat::Syslog => audit_export::syslog_line(record, &hostname),
            };
            writeln!(out, "{line}")?;
            if sealed {
                lines.push(line);
            }
        }
    }
    if sealed {
        let (key, _) = hygeia_store::secrets::load_or_create_key(&setup.key_file)?;
        writeln!(out, "{}", audit_export::export_seal(&lines, &key))?;
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
