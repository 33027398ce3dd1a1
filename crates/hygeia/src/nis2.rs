//! `hygeia nis2 …`: quick NIS2 checks from the command line, no database needed.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use hygeia_domain::nis2::{EntityProfile, EntityType, classify};

use crate::config::ConfigError;

fn entity_types_help() -> String {
    let mut help = String::from(
        "NIS2 sector and entity type, as a code or a readable name (case-insensitive). Known types:\n",
    );
    for kind in EntityType::ALL {
        help.push_str(&format!("  {:<44} {}\n", kind.code(), kind.label_en()));
    }
    help
}

#[derive(Debug, Subcommand)]
pub enum Nis2Command {
    /// Classify an entity as essential, important or out of scope, with the reasoning
    #[command(
        after_help = "Examples:\n  hygeia nis2 classify --sector-entity hospital --employees 1200 --turnover-eur 150000000\n  \
        hygeia nis2 classify --sector-entity medical_device_manufacturing --employees 120 --turnover-eur 60000000 --balance-sheet-eur 30000000 --json"
    )]
    Classify {
        #[arg(long, value_name = "TYPE", long_help = entity_types_help())]
        sector_entity: String,
        /// Staff headcount (annual work units)
        #[arg(long, value_name = "N", allow_negative_numbers = true)]
        employees: i64,
        /// Annual turnover in euros
        #[arg(long, value_name = "EUR", allow_negative_numbers = true)]
        turnover_eur: Option<i64>,
        /// Annual balance-sheet total in euros
        #[arg(long, value_name = "EUR", allow_negative_numbers = true)]
        balance_sheet_eur: Option<i64>,
        /// Identified by a Member State under Art. 2(2)(b)–(e)
        #[arg(long)]
        designated: bool,
        /// Print JSON (field `classification`: essential, important or out_of_scope; `steps`)
        #[arg(long)]
        json: bool,
    },
}

fn non_negative(setting: &'static str, value: i64) -> Result<u64, ConfigError> {
    u64::try_from(value).map_err(|_| ConfigError::Setting {
        setting,
        message: format!("must not be negative (got {value})"),
    })
}

pub fn run(command: &Nis2Command) -> anyhow::Result<ExitCode> {
    let Nis2Command::Classify {
        sector_entity,
        employees,
        turnover_eur,
        balance_sheet_eur,
        designated,
        json,
    } = command;
    let entity_type: EntityType =
        sector_entity
            .parse()
            .map_err(
                |e: hygeia_domain::nis2::UnknownEntityType| ConfigError::Setting {
                    setting: "--sector-entity",
                    message: e.to_string(),
                },
            )?;
    let employees = u32::try_from(non_negative("--employees", *employees)?).map_err(|_| {
        ConfigError::Setting {
            setting: "--employees",
            message: "is too large".into(),
        }
    })?;
    let profile = EntityProfile {
        entity_type,
        employees,
        annual_turnover_eur: turnover_eur
            .map(|v| non_negative("--turnover-eur", v))
            .transpose()?,
        balance_sheet_eur: balance_sheet_eur
            .map(|v| non_negative("--balance-sheet-eur", v))
            .transpose()?,
        designated_by_member_state: *designated,
        ..EntityProfile::default()
    };
    let result = classify(&profile);
    if *json {
        println!(
            "{}",
            serde_json::to_string_pretty(&result).context("cannot write JSON")?
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}: {}",
        result.entity_type_label_en,
        result.classification.label_en()
    );
    for (i, step) in result.steps.iter().enumerate() {
        println!("  {}. {} [{}]", i + 1, step.en, step.article);
    }
    if let Some(supervision) = &result.supervision {
        println!("Supervision: {} [{}]", supervision.en, supervision.article);
    }
    if let Some(fine) = &result.fine {
        println!(
            "Maximum fine: EUR {} [{}]",
            group_thousands(fine.max_fine_eur),
            fine.article
        );
    }
    if let Some(registration) = &result.registration {
        println!(
            "Registration: {} [{}]",
            registration.en, registration.article
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
