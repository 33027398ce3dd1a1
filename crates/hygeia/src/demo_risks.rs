//! Demo risks of the plant, kept as data (`demo/risks.json`): what is at stake (the filling
//! line, batch records, formulas) with the demo inventory's controllers supporting it, two
//! scenarios of the library rated, treated and tied to them, one still to rate. Dates are
//! days from the day the demo starts, so overdue actions and an acceptance ending soon show
//! whenever it runs.

use std::collections::BTreeMap;

use anyhow::Context;
use chrono::Duration;
use hygeia_catalog::Catalog;
use hygeia_catalog::risks::scenarios::shipped_scenarios;
use hygeia_domain::access::EntityScope;
use hygeia_domain::risks::plan::ActionInput;
use hygeia_domain::risks::processes::ProcessInput;
use hygeia_domain::risks::register::RiskInput;
use hygeia_domain::risks::treatment::AcceptanceInput;
use hygeia_store::monitoring::AssetFilter;
use hygeia_store::risks::RiskLinks;
use hygeia_store::{Actor, PageRequest, Store};
use serde::Deserialize;

/// The demo risks, kept as data.
const RISKS: &str = include_str!("../demo/risks.json");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoRisks {
    /// What the file holds, for its readers.
    #[serde(rename = "about")]
    _about: String,
    processes: Vec<DemoProcess>,
    risks: Vec<DemoRisk>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoProcess {
    process: ProcessInput,
    /// Names of demo inventory assets.
    assets: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoRisk {
    scenario_id: String,
    risk: RiskInput,
    #[serde(default)]
    acceptance: Option<DemoAcceptance>,
    /// Names of demo inventory assets.
    assets: Vec<String>,
    /// Names of the demo processes it threatens.
    processes: Vec<String>,
    actions: Vec<DemoAction>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoAcceptance {
    approver: String,
    justification: String,
    expires_in_days: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoAction {
    title: String,
    due_in_days: i64,
    #[serde(default)]
    done: bool,
}

/// Adds the demo risks to the plant's register.
pub async fn seed(store: &Store, actor: &Actor, plant_entity: &str) -> anyhow::Result<()> {
    let demo: DemoRisks = serde_json::from_str(RISKS).context("the demo risks are not valid")?;
    let catalog = Catalog::load_embedded()?;
    let scenarios = shipped_scenarios(&catalog)?;
    let scope = EntityScope::All;
    let today = store.clock().now().date_naive();
    let day = |days: i64| {
        (today + Duration::days(days))
            .format("%Y-%m-%d")
            .to_string()
    };
    let filter = AssetFilter {
        entity_id: Some(plant_entity.to_owned()),
        ..AssetFilter::default()
    };
    let assets: BTreeMap<String, String> = store
        .list_assets(&scope, &filter, PageRequest::new(Some(200), None))
        .await?
        .items
        .into_iter()
        .flat_map(|a| {
            let id = a.id.clone();
            a.names.into_iter().map(move |n| (n, id.clone()))
        })
        .collect();
    let asset_ids = |names: &[String]| {
        names
            .iter()
            .map(|name| {
                assets
                    .get(name)
                    .cloned()
                    .with_context(|| format!("demo: no demo asset named '{name}'"))
            })
            .collect::<anyhow::Result<Vec<String>>>()
    };
    let mut processes = BTreeMap::new();
    for entry in demo.processes {
        let process = store
            .create_process(actor, &scope, plant_entity, &entry.process)
            .await
            .with_context(|| format!("demo process '{}'", entry.process.name))?;
        store
            .set_process_links(actor, &scope, &process.id, &asset_ids(&entry.assets)?, &[])
            .await?;
        processes.insert(process.name, process.id);
    }
    for entry in demo.risks {
        let scenario = scenarios
            .iter()
            .find(|s| s.id == entry.scenario_id)
            .with_context(|| format!("demo risk: no scenario '{}'", entry.scenario_id))?;
        let mut input = entry.risk;
        input.acceptance = entry.acceptance.map(|a| AcceptanceInput {
            approver: a.approver,
            justification: a.justification,
            expires_on: day(a.expires_in_days),
        });
        let risk = store
            .create_risk(
                actor,
                &scope,
                &catalog,
                plant_entity,
                &input,
                &RiskLinks::of_scenario(scenario),
                Ok(()),
            )
            .await
            .with_context(|| format!("demo risk '{}'", input.title))?;
        let linked = asset_ids(&entry.assets)?;
        if !linked.is_empty() {
            store
                .set_risk_assets(actor, &scope, &risk.id, &linked)
                .await?;
        }
        let threatened = entry
            .processes
            .iter()
            .map(|name| {
                processes
                    .get(name)
                    .cloned()
                    .with_context(|| format!("demo risk: no demo process named '{name}'"))
            })
            .collect::<anyhow::Result<Vec<String>>>()?;
        store
            .set_risk_processes(actor, &scope, &risk.id, &threatened)
            .await?;
        for action in entry.actions {
            let input = ActionInput {
                title: action.title,
                due_on: Some(day(action.due_in_days)),
                status: Some(if action.done { "done" } else { "open" }.to_owned()),
                ..ActionInput::default()
            };
            store
                .add_risk_action(actor, &scope, &risk.id, &input)
                .await?;
        }
    }
    Ok(())
}
