//! Demo monitoring data: what a sensor beside the Compiègne filling line would have reported
//! (PLCs, HMI, historian, and one maintenance laptop from the office zone programming a PLC),
//! with the plant's zone policy, so the Assets area is meaningful on first start.

use anyhow::Context;
use hygeia_store::monitoring::ObservedReport;
use hygeia_store::{Actor, Store};
use serde::Deserialize;

/// The demo batch, kept as data.
const OBSERVATIONS: &str = include_str!("../demo/observations.json");

#[derive(Deserialize)]
struct DemoBatch {
    sensor: String,
    zones: String,
    report: ObservedReport,
}

/// Records the demo zone policy and merges the demo batch into the plant entity's inventory.
pub async fn seed(store: &Store, actor: &Actor, entity_id: &str) -> anyhow::Result<()> {
    let batch: DemoBatch =
        serde_json::from_str(OBSERVATIONS).context("the demo observations are not valid")?;
    hygeia_monitor::ZonePolicy::from_toml(&batch.zones, "demo zone policy")?;
    store
        .set_zone_policy(actor, entity_id, &batch.zones)
        .await?;
    store
        .ingest_observations(actor, entity_id, &batch.sensor, &batch.report)
        .await?;
    Ok(())
}
