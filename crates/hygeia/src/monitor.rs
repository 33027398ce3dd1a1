//! `hygeia monitor …` and `hygeia sensor`: passive discovery from captures, standalone or
//! feeding the hub's inventory.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use hygeia_monitor::capture::window::CaptureWindows;
use hygeia_monitor::{Analyzer, CaptureSource, Report, ZonePolicy, analyze, protocol_label};
use hygeia_store::monitoring::ObservedReport;
use hygeia_store::{Actor, Store};
use serde_json::{Value, json};

use crate::cli::Setup;
use crate::config::ConfigError;
use crate::hub_client::{Hub, call_hub};
use crate::table::{Align, Table};

#[derive(Debug, Subcommand)]
pub enum MonitorCommand {
    /// Analyse captures offline (no database): assets, flows, zone findings
    #[command(
        after_help = "Examples:\n  hygeia monitor analyze plant.pcap --zones zones.toml\n  \
        tcpdump -i eth1 -w - -c 100000 | hygeia monitor analyze - --json > report.json"
    )]
    Analyze {
        /// pcap or pcapng files; `-` reads standard input
        #[arg(required = true)]
        captures: Vec<String>,
        /// Zones and allowed conduits (TOML, see docs/zone-policy.md); without it, flows are
        /// not checked and the report says so
        #[arg(long, value_name = "FILE")]
        zones: Option<PathBuf>,
        /// Print the whole report as JSON (warnings also go to standard error)
        #[arg(long)]
        json: bool,
    },
    /// Analyse captures and merge what they show into an entity's inventory in the database
    #[command(
        after_help = "Example:\n  hygeia monitor ingest line1-2026-11-28.pcap --entity 0193… --zones zones.toml"
    )]
    Ingest {
        #[arg(required = true)]
        captures: Vec<String>,
        /// The legal entity whose network was captured
        #[arg(long)]
        entity: String,
        /// Zones and allowed conduits (TOML, see docs/zone-policy.md)
        #[arg(long, value_name = "FILE")]
        zones: Option<PathBuf>,
        /// Name recorded as the source of the observations
        #[arg(long, default_value = "cli")]
        sensor: String,
    },
    /// Import an asset list (CSV: ip, mac, name, vendor, model, firmware, serial, role) or a Zeek
    /// conn.log (TSV or JSON) into an entity's inventory, all-or-nothing
    #[command(
        after_help = "Examples:\n  hygeia monitor import assets.csv --entity 0193…\n  hygeia monitor import --zeek conn.log --entity 0193…"
    )]
    Import {
        file: PathBuf,
        #[arg(long)]
        entity: String,
        /// The file is a Zeek conn.log
        #[arg(long)]
        zeek: bool,
    },
}

/// `hygeia sensor`: watch a capture stream next to an OT network and push to the hub.
#[derive(Debug, Args)]
#[command(after_help = "Example (on the sensor box, mirror port eth1):\n  \
    tcpdump -i eth1 -U -w - | hygeia sensor --capture - --hub http://hub.plant.local:8080 \\\n      \
    --token \"$HYGEIA_TOKEN\" --entity 0193… --zones zones.toml")]
pub struct SensorArgs {
    /// A capture file, or `-` for a live stream on standard input. Without --zones, the
    /// entity's zone policy is fetched from the hub (and refreshed every five minutes).
    #[arg(long)]
    pub capture: String,
    /// The hub's base URL (https://HOST[:PORT], or http:// on a trusted link)
    #[arg(long, env = "HYGEIA_HUB")]
    pub hub: String,
    /// PEM file of the authorities that sign the hub's certificate [default: the system's]
    #[arg(long, env = "HYGEIA_CA_FILE")]
    pub ca_file: Option<PathBuf>,
    /// Accept only the hub certificate with this SHA-256 (hex; `openssl x509 -noout
    /// -fingerprint -sha256 -in hub.pem` prints it)
    #[arg(long, env = "HYGEIA_PIN_SHA256")]
    pub pin_sha256: Option<String>,
    /// An API token of scope `ingest` for the entity (`hygeia token create --scope ingest
    /// --entity ID`)
    #[arg(long, env = "HYGEIA_TOKEN", hide_env_values = true)]
    pub token: String,
    /// The legal entity whose network the sensor watches
    #[arg(long)]
    pub entity: String,
    /// Seconds per batch
    #[arg(long, default_value_t = 30)]
    pub interval: u64,
    #[arg(long)]
    pub zones: Option<PathBuf>,
    /// The sensor's name [default: the host name]
    #[arg(long)]
    pub name: Option<String>,
}

fn load_zones(path: Option<&Path>) -> anyhow::Result<Option<ZonePolicy>> {
    path.map(|p| {
        ZonePolicy::from_file(p).map_err(|e| {
            ConfigError::Setting {
                setting: "--zones",
                message: e.to_string(),
            }
            .into()
        })
    })
    .transpose()
}

fn report_value(report: &Report) -> anyhow::Result<Value> {
    serde_json::to_value(report).context("cannot serialise the report")
}

fn observed(report: &Report) -> anyhow::Result<ObservedReport> {
    serde_json::from_value(report_value(report)?).context("cannot read the report back")
}

/// A list cell: the items separated by commas, or `-` when there is none.
fn list(value: &Value, show: impl Fn(&str) -> String) -> String {
    let items: Vec<String> = value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(show)
        .collect();
    if items.is_empty() {
        "-".to_owned()
    } else {
        items.join(", ")
    }
}

fn strings(value: &Value) -> String {
    list(value, str::to_owned)
}

/// Protocol codes as tables show them: numbers with a known name get it (`MRP (ether/0x88e3)`).
fn protocols(value: &Value) -> String {
    list(value, protocol_label)
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or("-")
}

fn count(value: &Value) -> String {
    value.as_u64().unwrap_or(0).to_string()
}

/// The report's warnings on standard error (also with --json, whose report carries them too).
fn print_warnings(report: &Value) {
    for warning in report["warnings"].as_array().into_iter().flatten() {
        eprintln!("warning: {}", text(&warning["message"]));
    }
}

fn print_summary(report: &Value) {
    let stats = &report["stats"];
    println!(
        "{} packets, {} bytes, {} malformed, {} ms",
        stats["packets"], stats["bytes"], stats["malformed"], stats["elapsed_ms"]
    );
    let assets = report["assets"].as_array().cloned().unwrap_or_default();
    println!("\nAssets ({}):", assets.len());
    let mut table = Table::new(&[
        ("ip", Align::Left),
        ("mac", Align::Left),
        ("name", Align::Left),
        ("vendor", Align::Left),
        ("model", Align::Left),
        ("firmware", Align::Left),
        ("roles", Align::Left),
        ("protocols", Align::Left),
    ]);
    for a in &assets {
        table.row(vec![
            strings(&a["ips"]),
            text(&a["mac"]).to_owned(),
            text(&a["names"][0]).to_owned(),
            text(&a["vendor"]).to_owned(),
            text(&a["model"]).to_owned(),
            text(&a["firmware"]).to_owned(),
            strings(&a["roles"]),
            protocols(&a["protocols"]),
        ]);
    }
    print!("{}", table.render("  "));
    let flows = report["flows"].as_array().cloned().unwrap_or_default();
    println!("\nFlows ({}, busiest first):", flows.len());
    let mut sorted = flows.clone();
    sorted.sort_by_key(|f| std::cmp::Reverse(f["packets"].as_u64().unwrap_or(0)));
    let mut table = Table::new(&[
        ("client", Align::Left),
        ("server", Align::Left),
        ("protocol", Align::Left),
        ("packets", Align::Right),
        ("bytes", Align::Right),
        ("operations", Align::Left),
    ]);
    for f in sorted.iter().take(30) {
        table.row(vec![
            text(&f["src"]).to_owned(),
            text(&f["dst"]).to_owned(),
            protocol_label(text(&f["protocol"])),
            count(&f["packets"]),
            count(&f["bytes"]),
            strings(&f["operations"]),
        ]);
    }
    print!("{}", table.render("  "));
    if flows.len() > 30 {
        println!("  … {} more in --json", flows.len() - 30);
    }
    let findings = report["findings"].as_array().cloned().unwrap_or_default();
    if report["zone_policy"].is_null() {
        println!(
            "\nFindings: not checked, no zone policy was applied (give one with --zones FILE)"
        );
        return;
    }
    println!("\nFindings ({}):", findings.len());
    let mut table = Table::new(&[
        ("severity", Align::Left),
        ("kind", Align::Left),
        ("client", Align::Left),
        ("client zone", Align::Left),
        ("server", Align::Left),
        ("server zone", Align::Left),
        ("protocol", Align::Left),
        ("operations", Align::Left),
        ("first packet", Align::Right),
        ("packets", Align::Right),
    ]);
    for f in &findings {
        table.row(vec![
            text(&f["severity"]).to_owned(),
            text(&f["kind"]).to_owned(),
            text(&f["src"]).to_owned(),
            text(&f["src_zone"]).to_owned(),
            text(&f["dst"]).to_owned(),
            text(&f["dst_zone"]).to_owned(),
            protocol_label(text(&f["protocol"])),
            strings(&f["operations"]),
            count(&f["evidence"]["first_packet"]),
            count(&f["evidence"]["packets"]),
        ]);
    }
    if !findings.is_empty() {
        print!("{}", table.render("  "));
    }
}

fn sources(captures: &[String]) -> Vec<CaptureSource> {
    captures
        .iter()
        .map(|c| CaptureSource::from_arg(c))
        .collect()
}

async fn open(setup: &Setup) -> anyhow::Result<Store> {
    crate::cli::open_store(setup).await
}

pub async fn run(command: MonitorCommand, setup: Option<Setup>) -> anyhow::Result<ExitCode> {
    match command {
        MonitorCommand::Analyze {
            captures,
            zones,
            json,
        } => {
            let zones = load_zones(zones.as_deref())?;
            let report =
                tokio::task::spawn_blocking(move || analyze(&sources(&captures), zones.as_ref()))
                    .await
                    .context("the analysis stopped")??;
            let value = report_value(&report)?;
            print_warnings(&value);
            if json {
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                print_summary(&value);
            }
            Ok(ExitCode::SUCCESS)
        }
        MonitorCommand::Ingest {
            captures,
            entity,
            zones,
            sensor,
        } => {
            let setup = setup.context("no database configuration")?;
            let zones = load_zones(zones.as_deref())?;
            let report =
                tokio::task::spawn_blocking(move || analyze(&sources(&captures), zones.as_ref()))
                    .await
                    .context("the analysis stopped")??;
            print_warnings(&report_value(&report)?);
            let store = open(&setup).await?;
            let summary = store
                .ingest_observations(&Actor::cli(), &entity, &sensor, &observed(&report)?)
                .await;
            store.close().await;
            let summary = summary.context("cannot merge the observations")?;
            println!("{}", serde_json::to_string(&summary)?);
            Ok(ExitCode::SUCCESS)
        }
        MonitorCommand::Import { file, entity, zeek } => {
            let setup = setup.context("no database configuration")?;
            let name = file.display().to_string();
            let input =
                std::fs::File::open(&file).with_context(|| format!("cannot open {name}"))?;
            let mut analyzer = Analyzer::new();
            let rows = if zeek {
                analyzer.import_zeek_conn(&name, BufReader::new(input))
            } else {
                analyzer.import_asset_csv(&name, BufReader::new(input))
            }?;
            let report = analyzer.finish(None);
            let store = open(&setup).await?;
            let summary = store
                .ingest_observations(
                    &Actor::cli(),
                    &entity,
                    &format!("import:{name}"),
                    &observed(&report)?,
                )
                .await;
            store.close().await;
            let summary = summary.context("cannot merge the import")?;
            println!("{rows} rows read; {}", serde_json::to_string(&summary)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Posts one batch; returns the hub's answer or why it failed.
fn post_batch(hub: &Hub, token: &str, body: &[u8]) -> anyhow::Result<String> {
    let (status, answer) = call_hub(hub, "POST", "/api/v1/monitor/batches", token, body)?;
    if status != 200 {
        bail!("the hub answered {status}: {}", answer.trim());
    }
    Ok(answer)
}

/// The entity's zone policy kept on the hub, if any.
fn fetch_zones(hub: &Hub, token: &str, entity: &str) -> anyhow::Result<Option<ZonePolicy>> {
    let (status, answer) = call_hub(
        hub,
        "GET",
        &format!("/api/v1/entities/{entity}/zones"),
        token,
        b"",
    )?;
    match status {
        200 => {
            let record: Value =
                serde_json::from_str(&answer).context("the hub sent an unreadable zone policy")?;
            let text = record["policy"].as_str().unwrap_or_default();
            Ok(Some(ZonePolicy::from_toml(text, "hub zone policy")?))
        }
        404 => Ok(None),
        other => bail!(
            "the hub answered {other} for the zone policy: {}",
            answer.trim()
        ),
    }
}

/// Reads the capture window by window, analyses each, pushes it; retries a failed push with the
/// next window (a bounded backlog, so memory stays bounded when the hub is away).
pub fn run_sensor(args: SensorArgs) -> anyhow::Result<ExitCode> {
    let trust = crate::hub_client::TlsTrust {
        ca_file: args.ca_file.clone(),
        pin_sha256: args.pin_sha256.clone(),
    };
    let hub = crate::hub_client::parse_hub(&args.hub, &trust)?;
    // A local policy file wins; otherwise the hub's policy for the entity, refreshed regularly.
    let local_zones = load_zones(args.zones.as_deref())?;
    let mut hub_zones: Option<ZonePolicy> = None;
    let mut zones_fetched: Option<std::time::Instant> = None;
    let name = args
        .name
        .clone()
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "sensor".into());
    let input: Box<dyn Read + Send> = if args.capture == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(&args.capture)
                .with_context(|| format!("cannot open {}", args.capture))?,
        )
    };
    let mut windows = CaptureWindows::new(BufReader::new(input), &args.capture)?;
    let interval = Duration::from_secs(args.interval.max(1));
    let mut backlog: Vec<Vec<u8>> = Vec::new();
    let mut pushed = 0usize;
    let mut failures = 0usize;
    while let Some(window) = windows.next_window(64 << 20, interval)? {
        if local_zones.is_none()
            && zones_fetched.is_none_or(|t| t.elapsed() > Duration::from_secs(300))
        {
            match fetch_zones(&hub, &args.token, &args.entity) {
                Ok(policy) => {
                    if policy.is_none() && zones_fetched.is_none() {
                        eprintln!(
                            "warning: no zone policy was applied: the hub has none for this \
                             entity and no --zones FILE was given, so flows are not checked \
                             against zones and conduits (format: docs/zone-policy.md)"
                        );
                    }
                    hub_zones = policy;
                    zones_fetched = Some(std::time::Instant::now());
                }
                Err(error) => eprintln!("warning: cannot refresh the zone policy: {error:#}"),
            }
        }
        let zones = local_zones.as_ref().or(hub_zones.as_ref());
        let mut analyzer = Analyzer::new();
        analyzer.feed("window", std::io::Cursor::new(window))?;
        let report = analyzer.finish(zones);
        let batch =
            json!({ "sensor": name, "entity_id": args.entity, "report": report_value(&report)? });
        backlog.push(serde_json::to_vec(&batch)?);
        if backlog.len() > 20 {
            backlog.remove(0);
            eprintln!(
                "warning: the hub has been unreachable for a while; the oldest batch was dropped"
            );
        }
        while let Some(body) = backlog.first() {
            match post_batch(&hub, &args.token, body) {
                Ok(answer) => {
                    pushed += 1;
                    eprintln!("pushed batch {pushed}: {}", answer.trim());
                    backlog.remove(0);
                }
                Err(error) => {
                    failures += 1;
                    eprintln!("warning: {error:#}; will retry with the next batch");
                    break;
                }
            }
        }
    }
    // End of the stream: one last attempt for what is left.
    for body in backlog.drain(..) {
        post_batch(&hub, &args.token, &body).context("cannot push the last batches")?;
        pushed += 1;
    }
    eprintln!("stream ended: {pushed} batches pushed, {failures} failed attempts");
    Ok(ExitCode::SUCCESS)
}
