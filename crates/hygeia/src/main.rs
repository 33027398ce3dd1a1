//! `hygeia`: the NIS2 compliance hub in one binary — server, administration CLI and tools.
//!
//! This crate is the edge: it reads configuration, wires the store and the web layer, and
//! reports errors with context (`anyhow`). Business rules live in the library crates.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod advisories;
mod audit;
mod catalog;
mod checks;
mod cli;
mod config;
mod db;
mod demo;
mod demo_compliance;
mod demo_governance;
mod demo_incidents;
mod demo_monitoring;
mod demo_risks;
mod demo_suppliers;
mod hub_client;
mod incident;
mod monitor;
mod nis2;
mod report;
mod serve;
mod table;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(cli::run(cli))
}
