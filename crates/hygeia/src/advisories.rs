//! `hygeia advisories match`: which published advisories concern the assets seen in captures,
//! without a database. The captures are dissected like `monitor analyze`; the feeds (CSAF
//! files, folders, `.tar.gz` bundles, the KEV catalog) are read from files, never fetched.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use hygeia_advisories::{AdvisoryIndex, AssetIdentity, Feed, Match, MatchStatus};
use hygeia_monitor::{Asset, AttrKind, CaptureSource, analyze};
use serde::Serialize;

use crate::table::{Align, Table};

use hygeia_advisories::CREDIT;

#[derive(Debug, Subcommand)]
pub enum AdvisoriesCommand {
    /// Match the assets seen in captures against advisory feeds (no database)
    #[command(
        after_help = "Feeds are files: CSAF 2.0 JSON documents, folders of them, .tar.gz \
                            bundles, and CISA's KEV catalog JSON; nothing is downloaded.\n\n\
                            Examples:\n  hygeia advisories match line1.pcap --feed cisa-csaf.tar.gz --feed kev.json\n  \
                            hygeia advisories match line1.pcap --feed csaf/ --json > matches.json"
    )]
    Match {
        /// pcap or pcapng files; `-` reads standard input
        #[arg(required = true)]
        captures: Vec<String>,
        /// An advisory feed: CSAF file, folder or .tar.gz bundle, or the KEV catalog (repeat)
        #[arg(long = "feed", required = true, value_name = "PATH")]
        feeds: Vec<PathBuf>,
        /// Also list the advisories the assets are fixed for or not affected by
        #[arg(long)]
        all: bool,
        /// Print JSON (`matches` and `stats`)
        #[arg(long)]
        json: bool,
    },
    /// Import advisory feeds into the hub's database and match the inventory against them
    #[command(
        after_help = "All-or-nothing: if one document cannot be read, it is named and nothing is \
                      stored. Idempotent: an advisory is kept once per publisher and tracking id, \
                      its newest revision. Nothing is downloaded.\n\n\
                      Examples:\n  hygeia advisories import cisa-csaf-2024-10-24.tar.gz cisa-kev.json\n  \
                      hygeia advisories import csaf-mirror/ --db postgres://hygeia@db.internal/hygeia"
    )]
    Import {
        /// CSAF files, folders or .tar.gz bundles, and the KEV catalog JSON
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
}

/// `hygeia advisories import`: stores the feeds, then matches every asset that is not current.
pub async fn import(store: &hygeia_store::Store, paths: Vec<PathBuf>) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let feed = tokio::task::spawn_blocking(move || Feed::read_all(&paths))
        .await
        .context("reading the feeds stopped")?
        .context("cannot read the feeds")?;
    let read_ms = started.elapsed().as_millis();
    let import = match store
        .import_advisories(&hygeia_store::Actor::cli(), &names, &feed)
        .await
    {
        Ok(import) => import,
        Err(hygeia_store::StoreError::Invalid(errors)) => {
            for error in &errors.0 {
                eprintln!("refused: {}: {}", error.field, error.message);
            }
            anyhow::bail!("nothing was imported: fix or remove the documents named above");
        }
        Err(other) => return Err(other).context("the import failed: nothing was stored"),
    };
    let stored_ms = started.elapsed().as_millis() - read_ms;
    println!(
        "import {}: {} new, {} updated, {} unchanged, {} older than the stored revision{}",
        import.seq,
        import.advisories_new,
        import.advisories_updated,
        import.advisories_unchanged,
        import.advisories_older,
        import
            .kev_version
            .as_deref()
            .map(|v| format!("; KEV catalog {v}"))
            .unwrap_or_default()
    );
    let matching_started = Instant::now();
    let run = match store.load_advisory_feed().await? {
        Some(feed) => store.match_stale_assets(&feed, None).await?,
        None => hygeia_store::vulnerabilities::MatchRun::default(),
    };
    println!(
        "matched {} assets: {} new matches, {} changed, {} removed; {} assets newly affected, {} no longer exposed",
        run.assets,
        run.matches_new,
        run.matches_changed,
        run.matches_removed,
        run.assets_newly_affected,
        run.assets_fixed
    );
    println!(
        "read {:.1} s, stored {:.1} s, matched {:.1} s",
        read_ms as f64 / 1000.0,
        stored_ms as f64 / 1000.0,
        matching_started.elapsed().as_secs_f64()
    );
    println!("{CREDIT}");
    Ok(ExitCode::SUCCESS)
}

/// An asset as the matches name it.
#[derive(Debug, Serialize)]
struct AssetOut {
    mac: Option<String>,
    ips: Vec<String>,
    vendor: Option<String>,
    model: Option<String>,
    firmware: Option<String>,
}

#[derive(Debug, Serialize)]
struct MatchOut<'a> {
    asset: &'a AssetOut,
    /// The CSAF `document.tracking.id`.
    advisory: &'a str,
    title: &'a str,
    publisher: &'a str,
    cves: &'a [String],
    status: MatchStatus,
    basis: hygeia_advisories::Basis,
    confidence: u8,
    max_cvss: Option<f64>,
    kev: bool,
    known_ransomware: bool,
    remediations: &'a [hygeia_advisories::RemediationRef],
    reason: &'a str,
}

#[derive(Debug, Serialize)]
struct Stats {
    advisories: usize,
    kev_entries: usize,
    refused: Vec<String>,
    assets: usize,
    assets_identified: usize,
    matches: BTreeMap<&'static str, usize>,
    elapsed_ms: u128,
}

/// What an asset is known as: its best vendor, model and firmware, and another model-kind
/// value (a product or module name such as `CPU 315-2 PN/DP`) when it has one.
pub fn identity_of(asset: &Asset) -> AssetIdentity {
    let product_name = hygeia_advisories::product_name(
        asset.model.as_deref(),
        asset
            .attributes
            .iter()
            .filter(|a| a.kind == AttrKind::Model)
            .map(|a| (a.value.as_str(), a.confidence, a.count)),
    );
    AssetIdentity {
        vendor: asset.vendor.clone(),
        model: asset.model.clone(),
        product_name,
        firmware: asset.firmware.clone(),
        cpe: None,
    }
}

/// `hygeia advisories match` (the import needs the database: see [`import`]).
pub async fn run(command: AdvisoriesCommand) -> anyhow::Result<ExitCode> {
    let AdvisoriesCommand::Match {
        captures,
        feeds,
        all,
        json,
    } = command
    else {
        anyhow::bail!("`hygeia advisories import` needs the database");
    };
    let started = Instant::now();
    let (report, feed) = tokio::task::spawn_blocking(move || {
        let sources: Vec<CaptureSource> = captures
            .iter()
            .map(|c| CaptureSource::from_arg(c))
            .collect();
        let report = analyze(&sources, None).context("cannot read the captures")?;
        let feed = Feed::read_all(&feeds).context("cannot read the feeds")?;
        anyhow::Ok((report, feed))
    })
    .await
    .context("the matching stopped")??;
    for refusal in &feed.refused {
        eprintln!("warning: {}: refused: {}", refusal.path, refusal.reason);
    }
    // No advisory read would say "nothing concerns these assets" when nothing was checked.
    anyhow::ensure!(
        !feed.advisories.is_empty(),
        "no advisory could be read from the feeds given (see the refusals above): nothing was matched"
    );
    let kev_entries = feed.kev.as_ref().map_or(0, |k| k.len());
    let refused: Vec<String> = feed
        .refused
        .iter()
        .map(|r| format!("{}: {}", r.path, r.reason))
        .collect();
    let index = AdvisoryIndex::new(feed.advisories, feed.kev);
    let mut found: Vec<(AssetOut, Vec<Match>)> = Vec::new();
    let mut identified = 0;
    for asset in &report.assets {
        let identity = identity_of(asset);
        if identity.model.is_none() && identity.product_name.is_none() {
            continue;
        }
        identified += 1;
        let matches: Vec<Match> = index
            .match_asset(&identity)
            .into_iter()
            .filter(|m| all || !matches!(m.status, MatchStatus::Fixed | MatchStatus::NotAffected))
            .collect();
        if !matches.is_empty() {
            let out = AssetOut {
                mac: asset.mac.map(|m| m.to_string()),
                ips: asset.ips.iter().map(ToString::to_string).collect(),
                vendor: identity.vendor,
                model: identity.model,
                firmware: identity.firmware,
            };
            found.push((out, matches));
        }
    }
    let mut by_status: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (_, matches) in &found {
        for m in matches {
            *by_status.entry(m.status.as_str()).or_default() += 1;
        }
    }
    let stats = Stats {
        advisories: index.advisories().len(),
        kev_entries,
        refused,
        assets: report.assets.len(),
        assets_identified: identified,
        matches: by_status,
        elapsed_ms: started.elapsed().as_millis(),
    };
    if json {
        let matches: Vec<MatchOut<'_>> = found
            .iter()
            .flat_map(|(asset, matches)| {
                matches.iter().map(move |m| MatchOut {
                    asset,
                    advisory: &m.tracking_id,
                    title: &m.title,
                    publisher: &m.publisher,
                    cves: &m.cves,
                    status: m.status,
                    basis: m.basis,
                    confidence: m.confidence,
                    max_cvss: m.max_cvss,
                    kev: m.kev,
                    known_ransomware: m.known_ransomware,
                    remediations: &m.remediations,
                    reason: &m.reason,
                })
            })
            .collect();
        let out = serde_json::json!({ "matches": matches, "stats": stats, "credit": CREDIT });
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        print_text(&found, &stats);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_text(found: &[(AssetOut, Vec<Match>)], stats: &Stats) {
    println!(
        "{} advisories and {} known exploited vulnerabilities read; {} assets seen, {} identified by model; {} ms",
        stats.advisories,
        stats.kev_entries,
        stats.assets,
        stats.assets_identified,
        stats.elapsed_ms
    );
    if found.is_empty() {
        println!("No advisory names these assets.");
    }
    for (asset, matches) in found {
        let place = asset
            .ips
            .first()
            .cloned()
            .or_else(|| asset.mac.clone())
            .unwrap_or_default();
        println!(
            "\n{place}  {} {} {}",
            asset.vendor.as_deref().unwrap_or("?"),
            asset.model.as_deref().unwrap_or("?"),
            asset.firmware.as_deref().unwrap_or("(firmware unknown)")
        );
        let mut table = Table::new(&[
            ("advisory", Align::Left),
            ("status", Align::Left),
            ("basis", Align::Left),
            ("CVSS", Align::Right),
            ("KEV", Align::Left),
            ("CVEs", Align::Right),
            ("title", Align::Left),
        ]);
        for m in matches {
            table.row(vec![
                m.tracking_id.clone(),
                m.status.as_str().to_owned(),
                m.basis.as_str().to_owned(),
                m.max_cvss.map(|s| format!("{s:.1}")).unwrap_or_default(),
                match (m.kev, m.known_ransomware) {
                    (true, true) => "yes, ransomware".to_owned(),
                    (true, false) => "yes".to_owned(),
                    _ => String::new(),
                },
                m.cves.len().to_string(),
                m.title.clone(),
            ]);
        }
        print!("{}", table.render("  "));
    }
    println!("\n{CREDIT}");
}
