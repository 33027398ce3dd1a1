//! The automated checks from the command line: run them now (as the hub does every 15
//! minutes) and print what changed, or list the open observations.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use hygeia_domain::access::EntityScope;
use hygeia_store::Store;
use hygeia_store::checks::ObservationFilter;
use hygeia_web::catalog::CatalogCache;

use crate::table::{Align, Table};

#[derive(Debug, Subcommand)]
pub enum ChecksCommand {
    /// Run every check over every entity now; observations and proposals are audited
    #[command(
        after_help = "Example:\n  hygeia checks run --db postgres://hygeia@db.internal/hygeia"
    )]
    Run {
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
    /// List the open observations, most recent first
    #[command(
        after_help = "Examples:\n  hygeia checks observations\n  hygeia checks observations --entity 0193… --json"
    )]
    Observations {
        /// One entity [default: all]
        #[arg(long)]
        entity: Option<String>,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(store: &Store, command: ChecksCommand) -> anyhow::Result<ExitCode> {
    // The catalog in force: the embedded files plus the imports kept in the database.
    let cache = CatalogCache::load(store)
        .await
        .map_err(anyhow::Error::msg)?;
    let catalog = cache
        .current(store)
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the catalog: {e:?}"))?;
    let rules = hygeia_catalog::checks::shipped_checks(&catalog)
        .context("the shipped checks do not fit the catalog")?;
    match command {
        ChecksCommand::Run { json } => {
            let run = store.run_checks(&rules, "cli").await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&run)?);
            } else {
                println!(
                    "{} checks run: {} observation(s) opened, {} still open, {} closed, {} result change(s) proposed; {} open in all",
                    run.checks, run.opened, run.refreshed, run.closed, run.proposed, run.open_total
                );
            }
        }
        ChecksCommand::Observations { entity, json } => {
            let filter = ObservationFilter {
                entity_id: entity,
                state: Some("open".into()),
                check_ids: None,
            };
            let open = store.list_observations(&EntityScope::All, &filter).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&open)?);
                return Ok(ExitCode::SUCCESS);
            }
            let mut table = Table::new(&[
                ("check", Align::Left),
                ("severity", Align::Left),
                ("records", Align::Right),
                ("since", Align::Left),
                ("entity", Align::Left),
            ]);
            let mut names = std::collections::BTreeMap::new();
            for o in &open {
                if !names.contains_key(&o.entity_id) {
                    let entity = store.entity(&o.entity_id).await?;
                    names.insert(o.entity_id.clone(), entity.name);
                }
            }
            for o in &open {
                let title = rules
                    .iter()
                    .find(|r| r.id == o.check_id)
                    .map_or(o.check_id.as_str(), |r| r.title.en.as_str());
                table.row(vec![
                    title.to_owned(),
                    o.severity.clone(),
                    o.record_count.to_string(),
                    o.opened_at
                        .get(..16)
                        .unwrap_or(&o.opened_at)
                        .replace('T', " "),
                    names.get(&o.entity_id).cloned().unwrap_or_default(),
                ]);
            }
            if open.is_empty() {
                println!("no open observation: every check passes");
            } else {
                print!("{}", table.render(""));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
