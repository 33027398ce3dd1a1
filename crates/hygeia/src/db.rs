//! Database upkeep: the planner's statistics after a bulk load, and the plans of the
//! inventory's reads (to check that an index serves each of them on the data at hand).

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use hygeia_store::Store;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Refresh the query planner's statistics (after a large import; the server also keeps
    /// them current on its own)
    #[command(
        after_help = "Example:\n  hygeia db analyze --db postgres://hygeia@db.internal/hygeia"
    )]
    Analyze,
    /// Print how the database runs the inventory's lists, filters, search and deep pages
    #[command(
        after_help = "Each read is shown with its count and its rows statement and the engine's plan. \
                      A plan that reads a whole large table (SQLite `SCAN assets` without `USING`, \
                      PostgreSQL `Seq Scan on assets`) is what to look for.\n\nExamples:\n  \
                      hygeia db plans\n  hygeia db plans --entity 0193… --indexes-only --json"
    )]
    Plans {
        /// The entity whose reads are explained [default: the one with the most assets]
        #[arg(long)]
        entity: Option<String>,
        /// PostgreSQL: avoid sequential scans where an index can serve, to see whether one
        /// can (small tables are otherwise scanned whatever the indexes)
        #[arg(long)]
        indexes_only: bool,
        /// Print JSON instead of text
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(store: &Store, command: DbCommand) -> anyhow::Result<ExitCode> {
    match command {
        DbCommand::Analyze => {
            let started = std::time::Instant::now();
            store
                .optimize()
                .await
                .context("cannot refresh the statistics")?;
            println!(
                "planner statistics refreshed in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        DbCommand::Plans {
            entity,
            indexes_only,
            json,
        } => {
            let entity = match entity {
                Some(entity) => entity,
                None => store
                    .largest_inventory()
                    .await?
                    .context("no asset yet: pass --entity ID")?,
            };
            let plans = store.inventory_plans(&entity, indexes_only).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&plans)?);
            } else {
                for plan in plans {
                    println!("{}\n  {}\n", plan.label, plan.plan.join("\n  "));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
