//! `hygeia nis2 …`: quick NIS2 checks from the command line, no database needed.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use hygeia_domain::nis2::{
    EntityProfile, EntityType, Figures, GUIDANCE, GroupInfo, LinkKind, RelatedEnterprise, classify,
};

use crate::config::ConfigError;

fn entity_types_help() -> String {
    let mut help = String::from(
        "NIS2 sector and entity type, as a code or a readable name (case-insensitive). Known types:\n",
    );
    for kind in EntityType::ALL {
        help.push_str(&format!("  {:<44} {}\n", kind.code(), kind.label_en()));
    }
    help.push_str("\nWhich type?\n");
    for (_, en, _) in GUIDANCE {
        help.push_str(&format!("  - {en}\n"));
    }
    help
}

const LINK_HELP: &str = "NAME:SHARE:STAFF[:TURNOVER[:BALANCE]], share in percent of capital or \
voting rights (whichever is greater), staff in annual work units, amounts in euros (empty when \
unknown), e.g. \"Groupe SA:60:1350:400000000\". Repeat for several enterprises.";

#[derive(Debug, Subcommand)]
pub enum Nis2Command {
    /// Classify an entity as essential, important or out of scope, with the reasoning
    #[command(
        after_help = "Examples:\n  hygeia nis2 classify --sector-entity hospital --employees 1200 --turnover-eur 150000000\n  \
        hygeia nis2 classify --sector-entity medical_device_manufacturing --employees 120 --turnover-eur 60000000 --balance-sheet-eur 30000000 --json\n  \
        hygeia nis2 classify --sector-entity pharma --employees 180 --turnover-eur 30000000 --linked \"Groupe SA:60:1350:400000000\" --group-turnover-eur 430000000 --country FR"
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
        /// Other NIS2 entity types of the entity (several activities); the most demanding wins
        #[arg(long = "other-activity", value_name = "TYPE")]
        other_activities: Vec<String>,
        /// Identified by a Member State under Art. 2(2)(b)–(e) (as essential unless
        /// --designated-important)
        #[arg(long)]
        designated: bool,
        /// The Member State designated the entity as important rather than essential
        #[arg(long, requires = "designated")]
        designated_important: bool,
        /// Identified as a critical entity under the CER Directive (Art. 2(3))
        #[arg(long)]
        cer_critical_entity: bool,
        /// Operator of essential services under NIS1, kept essential (Art. 3(1)(g))
        #[arg(long)]
        nis1_operator: bool,
        /// Local public administration brought into scope by the Member State (Art. 2(5)(a))
        #[arg(long)]
        local_public_administration: bool,
        /// Public body, e.g. a public hospital (Art. 34(7) on fines)
        #[arg(long)]
        public_body: bool,
        /// ISO 3166-1 alpha-2 Member State of establishment (FR names ANSSI and its service)
        #[arg(long, value_name = "CC", default_value = "")]
        country: String,
        /// Worldwide annual turnover of the group in euros, for the fine ceiling (Art. 34)
        #[arg(long, value_name = "EUR")]
        group_turnover_eur: Option<u64>,
        /// The entity has a parent company (reasoning warns when no group figure is given)
        #[arg(long)]
        has_parent: bool,
        /// Staff of the consolidated accounts including the entity (replace own and linked)
        #[arg(long, value_name = "N")]
        consolidated_employees: Option<u32>,
        /// Turnover of the consolidated accounts in euros
        #[arg(long, value_name = "EUR", requires = "consolidated_employees")]
        consolidated_turnover_eur: Option<u64>,
        /// Balance-sheet total of the consolidated accounts in euros
        #[arg(long, value_name = "EUR", requires = "consolidated_employees")]
        consolidated_balance_sheet_eur: Option<u64>,
        /// A linked enterprise (control), counted in full
        #[arg(long = "linked", value_name = "LINK", long_help = LINK_HELP)]
        linked: Vec<String>,
        /// A partner enterprise (25 % to 50 % without control), counted pro rata
        #[arg(long = "partner", value_name = "LINK", long_help = LINK_HELP)]
        partners: Vec<String>,
        /// Why the entity's network and information systems are independent of the group
        /// (NIS2 recital 16): it is then measured on its own figures
        #[arg(long, value_name = "TEXT")]
        independent_systems: Option<String>,
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

fn parse_type(setting: &'static str, text: &str) -> Result<EntityType, ConfigError> {
    text.parse().map_err(
        |e: hygeia_domain::nis2::UnknownEntityType| ConfigError::Setting {
            setting,
            message: e.to_string(),
        },
    )
}

/// Reads `NAME:SHARE:STAFF[:TURNOVER[:BALANCE]]`.
fn related(
    setting: &'static str,
    kind: LinkKind,
    text: &str,
) -> Result<RelatedEnterprise, ConfigError> {
    let bad = |message: String| ConfigError::Setting { setting, message };
    let parts: Vec<&str> = text.split(':').map(str::trim).collect();
    if !(3..=5).contains(&parts.len()) || parts[0].is_empty() {
        return Err(bad(format!(
            "expected NAME:SHARE:STAFF[:TURNOVER[:BALANCE]], got {text:?}"
        )));
    }
    let share: f64 = parts[1]
        .trim_end_matches('%')
        .replace(',', ".")
        .parse()
        .map_err(|_| bad(format!("share {:?} is not a percentage", parts[1])))?;
    let (min, max) = match kind {
        LinkKind::Partner => (25.0, 50.0),
        LinkKind::Linked => (0.0, 100.0),
    };
    if !(min..=max).contains(&share) {
        return Err(bad(format!(
            "share {share} % must be between {min} and {max} %"
        )));
    }
    let amount = |i: usize| -> Result<Option<u64>, ConfigError> {
        match parts.get(i).filter(|p| !p.is_empty()) {
            None => Ok(None),
            Some(p) => p
                .parse()
                .map(Some)
                .map_err(|_| bad(format!("{p:?} is not a whole number of euros"))),
        }
    };
    Ok(RelatedEnterprise {
        name: parts[0].to_owned(),
        kind,
        // Rounded to a basis point; the range was checked above.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        share_basis_points: (share * 100.0).round() as u32,
        figures: Figures {
            employees: parts[2]
                .parse()
                .map_err(|_| bad(format!("staff {:?} is not a whole number", parts[2])))?,
            annual_turnover_eur: amount(3)?,
            balance_sheet_eur: amount(4)?,
        },
    })
}

pub fn run(command: &Nis2Command) -> anyhow::Result<ExitCode> {
    let Nis2Command::Classify {
        sector_entity,
        employees,
        turnover_eur,
        balance_sheet_eur,
        other_activities,
        designated,
        designated_important,
        cer_critical_entity,
        nis1_operator,
        local_public_administration,
        public_body,
        country,
        group_turnover_eur,
        has_parent,
        consolidated_employees,
        consolidated_turnover_eur,
        consolidated_balance_sheet_eur,
        linked,
        partners,
        independent_systems,
        json,
    } = command;
    let entity_type = parse_type("--sector-entity", sector_entity)?;
    let other_activities = other_activities
        .iter()
        .map(|t| parse_type("--other-activity", t))
        .collect::<Result<Vec<_>, _>>()?;
    let mut related_enterprises = Vec::new();
    for l in linked {
        related_enterprises.push(related("--linked", LinkKind::Linked, l)?);
    }
    for p in partners {
        related_enterprises.push(related("--partner", LinkKind::Partner, p)?);
    }
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
        designated_as_important: *designated_important,
        cer_critical_entity: *cer_critical_entity,
        nis1_operator_of_essential_services: *nis1_operator,
        other_activities,
        local_public_administration: *local_public_administration,
        public_body: *public_body,
        member_state: country.trim().to_uppercase(),
        group: GroupInfo {
            has_parent: *has_parent,
            consolidated: consolidated_employees.map(|employees| Figures {
                employees,
                annual_turnover_eur: *consolidated_turnover_eur,
                balance_sheet_eur: *consolidated_balance_sheet_eur,
            }),
            related: related_enterprises,
            independent_systems_justification: independent_systems.clone(),
        },
        group_worldwide_turnover_eur: *group_turnover_eur,
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
    if let Some(authority) = &result.competent_authority {
        println!(
            "Competent authority: {} via {} ({}){}",
            authority.authority,
            authority.registration_channel,
            authority.url,
            if authority.confirmed {
                ""
            } else {
                " — to be confirmed"
            }
        );
    }
    let catalog = hygeia_catalog::Catalog::load_embedded().context("cannot load the catalog")?;
    if let Some(note) = catalog.transposition(&profile.member_state) {
        println!(
            "Transposition in {}, as of {} (sources up to {}): {}",
            note.country, note.as_of, note.known_until, note.note.en
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
