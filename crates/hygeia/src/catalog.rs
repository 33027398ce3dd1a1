//! `hygeia catalog …`: list, validate, import and export frameworks and crosswalks.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use hygeia_catalog::oscal;
use hygeia_domain::clock::format_instant;
use hygeia_store::{Actor, Store};
use hygeia_web::catalog::{CatalogCache, ImportFormat, ImportKind, apply_import, build};

use crate::cli::Setup;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    Framework,
    Mapping,
}

impl From<KindArg> for ImportKind {
    fn from(kind: KindArg) -> Self {
        match kind {
            KindArg::Framework => ImportKind::Framework,
            KindArg::Mapping => ImportKind::Mapping,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// List frameworks and crosswalks (with their credits)
    #[command(after_help = "Example:\n  hygeia catalog list")]
    List,
    /// Check a framework or crosswalk file without storing it
    #[command(
        after_help = "Examples:\n  hygeia catalog validate acme-policy.yaml\n  hygeia catalog validate --kind mapping acme-to-iso.yaml\n  hygeia catalog validate nist-800-53.oscal.json"
    )]
    Validate {
        /// YAML in Hygeia's catalog format, or OSCAL catalog JSON (*.json)
        file: PathBuf,
        #[arg(long, value_enum, default_value = "framework")]
        kind: KindArg,
    },
    /// Import a framework or crosswalk file (all-or-nothing) into the database
    #[command(
        after_help = "Examples:\n  hygeia catalog import acme-policy.yaml\n  hygeia catalog import --kind mapping acme-to-iso.yaml"
    )]
    Import {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "framework")]
        kind: KindArg,
    },
    /// Export a framework as an OSCAL catalog (JSON)
    #[command(
        after_help = "Examples:\n  hygeia catalog export nis2-2024-2690 --to nis2.oscal.json\n  hygeia catalog export iso27001-2022 | jq .catalog.groups[0].title"
    )]
    Export {
        framework: String,
        /// Write to this file instead of standard output
        #[arg(long)]
        to: Option<PathBuf>,
    },
}

fn format_of(path: &Path) -> ImportFormat {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => ImportFormat::Oscal,
        _ => ImportFormat::Yaml,
    }
}

fn read(path: &Path) -> anyhow::Result<(String, String)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok((name, text))
}

async fn open(setup: &Setup) -> anyhow::Result<Store> {
    crate::cli::open_store(setup).await
}

pub async fn run(command: CatalogCommand, setup: Setup) -> anyhow::Result<ExitCode> {
    match command {
        CatalogCommand::List => {
            let store = open(&setup).await?;
            let catalog = build(&store.catalog_imports().await?)?;
            store.close().await;
            println!("Frameworks:");
            for framework in catalog.frameworks() {
                let summary = framework.summary();
                println!(
                    "  {:<20} {:>5} requirements ({} assessable)  {}",
                    framework.id(),
                    summary.requirements,
                    summary.assessable,
                    framework.meta.name.en
                );
            }
            println!("Crosswalks:");
            for set in catalog.mapping_sets() {
                println!(
                    "  {:<42} {:>5} pairs  {} → {}  ({}; {})",
                    set.id(),
                    set.pairs.len(),
                    set.meta.source_framework,
                    set.meta.target_framework,
                    set.meta.source,
                    set.meta.licence
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        CatalogCommand::Validate { file, kind } => {
            let (name, text) = read(&file)?;
            let mut catalog = hygeia_catalog::Catalog::load_embedded()?;
            match apply_import(&mut catalog, kind.into(), format_of(&file), &name, &text) {
                Ok(id) => {
                    println!("{name}: valid ({id})");
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CatalogCommand::Import { file, kind } => {
            let (name, text) = read(&file)?;
            let store = open(&setup).await?;
            let cache = CatalogCache::load(&store)
                .await
                .map_err(anyhow::Error::msg)?;
            let result = cache
                .import(
                    &store,
                    &Actor::cli(),
                    kind.into(),
                    format_of(&file),
                    &name,
                    &text,
                )
                .await;
            store.close().await;
            match result {
                Ok((id, _)) => {
                    println!("imported {id} from {name}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    eprintln!("error: {error}; nothing was imported");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        CatalogCommand::Export { framework, to } => {
            let store = open(&setup).await?;
            let catalog = build(&store.catalog_imports().await?)?;
            store.close().await;
            let found = catalog.framework(&framework).with_context(|| {
                format!("no framework '{framework}' (see `hygeia catalog list`)")
            })?;
            let json = oscal::export_json(found, &format_instant(chrono::Utc::now()));
            match to {
                Some(path) => {
                    std::fs::write(&path, json)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    eprintln!("wrote {}", path.display());
                }
                None => println!("{json}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
