//! Keeping the matches current: an asset is matched again when it is new, when its vendor,
//! model or firmware changed (the merge sets its `vuln_generation` back to 0), and when an
//! import changed the feed (the generation moved on). Work goes in batches, each one
//! transaction: the batch's assets are claimed (on PostgreSQL `FOR UPDATE SKIP LOCKED`, so two
//! hub instances never match the same asset at once, and a sensor batch merging one of them
//! waits), their matches are written where they changed, and the assets marked current. An
//! asset newly affected, or no longer exposed, gets one event in the inventory's change log.

use std::collections::HashMap;

use hygeia_advisories::{AssetIdentity, Match, MatchStatus};
use hygeia_domain::vulnerabilities::{MatchState, PriorityInput, priority, role_rank};
use serde::Serialize;

use crate::audit::{Change, append};
use crate::database::WriteTx;
use crate::error::Result;
use crate::monitoring::EventDetail;
use crate::monitoring::events::EventSink;
use crate::sql::Filter;
use crate::{Actor, Backend, Store, new_id};

use super::feeds::AdvisoryFeed;
use super::{MatchProduct, MatchRemediation, cvss_tenths};

/// Assets matched per transaction.
const BATCH: i64 = 500;

/// How many advisories an event names (it counts them all).
const NAMED_IN_EVENT: usize = 5;

/// What one matching run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchRun {
    /// Assets matched (every stale asset, with or without an identity).
    pub assets: i64,
    /// Matches stored for the first time.
    pub matches_new: i64,
    /// Stored matches whose status, score or remediations changed.
    pub matches_changed: i64,
    /// Matches removed (the asset no longer matches the advisory).
    pub matches_removed: i64,
    /// Assets newly affected, and assets no longer exposed (one event each).
    pub assets_newly_affected: i64,
    pub assets_fixed: i64,
    /// Assets left to match when the run stopped at its deadline (the next run matches them).
    pub assets_left: i64,
}

#[derive(sqlx::FromRow)]
struct StaleAsset {
    id: String,
    entity_id: String,
    asset_key: String,
    vendor: Option<String>,
    model: Option<String>,
    product_name: Option<String>,
    firmware: Option<String>,
    roles: String,
}

/// The computed columns of a match: what a new run compares to decide whether to write.
#[derive(Debug, Clone, PartialEq)]
struct Computed {
    status: MatchState,
    basis: String,
    confidence: i64,
    cves: String,
    cvss_tenths: Option<i64>,
    kev: i64,
    known_ransomware: i64,
    products: String,
    remediations: String,
    reason: String,
    priority: i64,
}

#[derive(sqlx::FromRow)]
struct StoredComputed {
    id: String,
    asset_id: String,
    advisory_id: String,
    status: String,
    basis: String,
    confidence: i64,
    cves: String,
    cvss_tenths: Option<i64>,
    kev: i64,
    known_ransomware: i64,
    products: String,
    remediations: String,
    reason: String,
    priority: i64,
    triage: String,
    triage_note: Option<String>,
    plan_action: Option<String>,
}

impl StoredComputed {
    fn computed(&self) -> Option<Computed> {
        Some(Computed {
            status: MatchState::parse(&self.status)?,
            basis: self.basis.clone(),
            confidence: self.confidence,
            cves: self.cves.clone(),
            cvss_tenths: self.cvss_tenths,
            kev: self.kev,
            known_ransomware: self.known_ransomware,
            products: self.products.clone(),
            remediations: self.remediations.clone(),
            reason: self.reason.clone(),
            priority: self.priority,
        })
    }
}

fn state_of(status: MatchStatus) -> Option<MatchState> {
    match status {
        MatchStatus::Affected => Some(MatchState::Affected),
        MatchStatus::PossiblyAffected => Some(MatchState::PossiblyAffected),
        MatchStatus::Unknown => Some(MatchState::Unknown),
        MatchStatus::Fixed => Some(MatchState::Fixed),
        MatchStatus::NotAffected => None,
    }
}

fn computed(m: &Match, state: MatchState, roles: &[String]) -> Computed {
    let cvss = m.max_cvss.map(cvss_tenths);
    let products: Vec<MatchProduct> = m
        .products
        .iter()
        .map(|p| MatchProduct {
            id: p.id.clone(),
            name: p.name.clone(),
            version_spec: p.version_spec.clone(),
        })
        .collect();
    let remediations: Vec<MatchRemediation> = m
        .remediations
        .iter()
        .map(|r| MatchRemediation {
            category: r.category.clone(),
            details: r.details.clone(),
            url: r.url.clone(),
        })
        .collect();
    Computed {
        status: state,
        basis: m.basis.as_str().to_owned(),
        confidence: i64::from(m.confidence),
        cves: serde_json::to_string(&m.cves).unwrap_or_default(),
        cvss_tenths: cvss,
        kev: i64::from(m.kev),
        known_ransomware: i64::from(m.known_ransomware),
        products: serde_json::to_string(&products).unwrap_or_default(),
        remediations: serde_json::to_string(&remediations).unwrap_or_default(),
        reason: m.reason.clone(),
        priority: priority(PriorityInput {
            state,
            kev: m.kev,
            known_ransomware: m.known_ransomware,
            cvss_tenths: cvss,
            role_rank: role_rank(roles),
        }),
    }
}

/// What a stored asset is known as, for matching.
pub fn identity(
    vendor: Option<&str>,
    model: Option<&str>,
    product_name: Option<&str>,
    firmware: Option<&str>,
) -> AssetIdentity {
    AssetIdentity {
        vendor: vendor.map(str::to_owned),
        model: model.map(str::to_owned),
        product_name: product_name.map(str::to_owned),
        firmware: firmware.map(str::to_owned),
        cpe: None,
    }
}

/// Whether a match (or its absence) leaves the asset exposed, as the list's "to handle" says.
fn exposed(state: Option<MatchState>) -> bool {
    state.is_some_and(MatchState::is_exposed)
}

impl Store {
    /// Matches every asset that is not current with `feed` (of one entity, or all), batch by
    /// batch until none is left.
    pub async fn match_stale_assets(
        &self,
        feed: &AdvisoryFeed,
        entity_id: Option<&str>,
    ) -> Result<MatchRun> {
        self.match_stale_assets_until(feed, entity_id, None).await
    }

    /// Like [`Store::match_stale_assets`], but stops after the batch that ends past
    /// `deadline`, saying how many assets it left (each batch is whole: its own transaction).
    pub async fn match_stale_assets_until(
        &self,
        feed: &AdvisoryFeed,
        entity_id: Option<&str>,
        deadline: Option<std::time::Instant>,
    ) -> Result<MatchRun> {
        let mut run = MatchRun::default();
        loop {
            let done = self.match_batch(feed, entity_id, &mut run).await?;
            if done == 0 {
                return Ok(run);
            }
            if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                run.assets_left = self.stale_asset_count().await?;
                return Ok(run);
            }
        }
    }

    /// How many assets are not current with the stored feed.
    pub async fn stale_asset_count(&self) -> Result<i64> {
        let generation = self.advisory_generation().await?;
        if generation == 0 {
            return Ok(0);
        }
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM assets WHERE vuln_generation < $1")
                .bind(generation)
                .fetch_one(self.reader())
                .await?,
        )
    }

    async fn match_batch(
        &self,
        feed: &AdvisoryFeed,
        entity_id: Option<&str>,
        run: &mut MatchRun,
    ) -> Result<i64> {
        let now = self.now();
        let mut tx = self.begin().await?;
        // An import that landed since the run began: stop, the next run uses the new feed
        // (matching with the old one would drop the new advisories' matches).
        let current: i64 = sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) FROM advisory_imports WHERE changed = 1",
        )
        .fetch_one(&mut *tx)
        .await?;
        if current != feed.generation {
            return Ok(0);
        }
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let scope = if entity_id.is_some() {
            " AND entity_id = $2"
        } else {
            ""
        };
        let sql = format!(
            "SELECT id, entity_id, asset_key, vendor, model, product_name, firmware, roles FROM assets \
             WHERE vuln_generation < $1{scope} ORDER BY vuln_generation, id LIMIT {BATCH}{lock}"
        );
        let mut query =
            sqlx::query_as::<_, StaleAsset>(sqlx::AssertSqlSafe(sql)).bind(feed.generation);
        if let Some(entity) = entity_id {
            query = query.bind(entity);
        }
        let assets: Vec<StaleAsset> = query.fetch_all(&mut *tx).await?;
        if assets.is_empty() {
            return Ok(0);
        }
        let mut ids = Filter::new();
        ids.in_set("m.asset_id", assets.iter().map(|a| a.id.as_str()));
        let stored: Vec<StoredComputed> = ids
            .query(format!(
                "SELECT m.id, m.asset_id, m.advisory_id, m.status, m.basis, m.confidence, m.cves, \
                 m.cvss_tenths, m.kev, m.known_ransomware, m.products, m.remediations, m.reason, \
                 m.priority, m.triage, m.triage_note, p.action AS plan_action \
                 FROM vulnerability_matches m LEFT JOIN remediation_plans p ON p.match_id = m.id{}",
                ids.where_clause()
            ))
            .try_map(|row| <StoredComputed as sqlx::FromRow<_>>::from_row(&row))
            .fetch_all(&mut *tx)
            .await?;
        let mut stored_by_asset: HashMap<&str, Vec<&StoredComputed>> = HashMap::new();
        for row in &stored {
            stored_by_asset.entry(&row.asset_id).or_default().push(row);
        }
        let mut new_matches = Vec::new();
        for asset in &assets {
            let before = stored_by_asset
                .remove(asset.id.as_str())
                .unwrap_or_default();
            self.match_asset(&mut tx, feed, asset, &before, &now, run)
                .await?
                .into_iter()
                .for_each(|(advisory_id, m)| new_matches.push((asset, advisory_id, m)));
        }
        insert_matches(&mut tx, &new_matches, &now).await?;
        let mut done = Filter::new();
        done.in_set("id", assets.iter().map(|a| a.id.as_str()));
        let sql = format!(
            "UPDATE assets SET vuln_generation = {}{}",
            done.placeholder_for(feed.generation),
            done.where_clause()
        );
        done.query(sql).execute(&mut *tx).await?;
        tx.commit().await?;
        let count = i64::try_from(assets.len()).unwrap_or(i64::MAX);
        run.assets += count;
        Ok(count)
    }

    /// Matches one asset, writes what changed against its stored matches (`before`), and
    /// raises its events; the matches it did not have before are returned, for the batch to
    /// insert them together.
    async fn match_asset(
        &self,
        tx: &mut WriteTx,
        feed: &AdvisoryFeed,
        asset: &StaleAsset,
        before: &[&StoredComputed],
        now: &str,
        run: &mut MatchRun,
    ) -> Result<Vec<(String, Computed)>> {
        let roles: Vec<String> = serde_json::from_str(&asset.roles).unwrap_or_default();
        let mut found: HashMap<String, Computed> = HashMap::new();
        if asset.model.is_some() {
            let who = identity(
                asset.vendor.as_deref(),
                asset.model.as_deref(),
                asset.product_name.as_deref(),
                asset.firmware.as_deref(),
            );
            for m in feed.index.match_asset(&who) {
                let (Some(state), Some(advisory_id)) = (
                    state_of(m.status),
                    feed.advisory_id(&m.publisher, &m.tracking_id),
                ) else {
                    continue;
                };
                found.insert(advisory_id.to_owned(), computed(&m, state, &roles));
            }
        }
        let mut newly = Vec::new();
        let mut fixed = Vec::new();
        for old in before {
            let old_state = MatchState::parse(&old.status);
            match found.get(&old.advisory_id) {
                None => {
                    self.withdraw(tx, feed, asset, old, now).await?;
                    run.matches_removed += 1;
                    if exposed(old_state) {
                        fixed.push(old.advisory_id.clone());
                    }
                }
                Some(new) if old.computed().as_ref() != Some(new) => {
                    update_match(tx, &old.id, new, now).await?;
                    run.matches_changed += 1;
                    if exposed(old_state) && !exposed(Some(new.status)) {
                        fixed.push(old.advisory_id.clone());
                    } else if !exposed(old_state) && exposed(Some(new.status)) {
                        newly.push(old.advisory_id.clone());
                    }
                }
                Some(_) => {}
            }
        }
        let new_matches: Vec<(String, Computed)> = found
            .into_iter()
            .filter(|(advisory_id, _)| !before.iter().any(|b| &b.advisory_id == advisory_id))
            .collect();
        for (advisory_id, new) in &new_matches {
            run.matches_new += 1;
            if exposed(Some(new.status)) {
                newly.push(advisory_id.clone());
            }
        }
        let mut events = EventSink {
            entity_id: &asset.entity_id,
            sensor: "hygeia",
            at: now,
            count: 0,
        };
        if let Some(detail) =
            named(feed, &newly).map(|(advisories, count)| EventDetail::NewlyAffected {
                asset: asset.asset_key.clone(),
                advisories,
                count,
            })
        {
            events.raise(tx, &asset.asset_key, detail).await?;
            run.assets_newly_affected += 1;
        }
        if let Some(detail) =
            named(feed, &fixed).map(|(advisories, count)| EventDetail::NoLongerAffected {
                asset: asset.asset_key.clone(),
                advisories,
                count,
            })
        {
            events.raise(tx, &asset.asset_key, detail).await?;
            run.assets_fixed += 1;
        }
        Ok(new_matches)
    }

    /// Deletes a match the asset no longer has. One that carried a user's decision (a triage
    /// or a remediation plan) leaves an audit record saying what went with it.
    async fn withdraw(
        &self,
        tx: &mut WriteTx,
        feed: &AdvisoryFeed,
        asset: &StaleAsset,
        old: &StoredComputed,
        now: &str,
    ) -> Result<()> {
        sqlx::query("DELETE FROM vulnerability_matches WHERE id = $1")
            .bind(&old.id)
            .execute(&mut **tx)
            .await?;
        if old.triage == "new" && old.plan_action.is_none() {
            return Ok(());
        }
        let change = Change {
            action: "vulnerability.withdraw",
            object_type: "vulnerability_match",
            object_id: &old.id,
            entity_id: Some(&asset.entity_id),
            before: Some(serde_json::json!({
                "asset": asset.asset_key,
                "advisory": feed.tracking_id(&old.advisory_id),
                "status": old.status,
                "triage": old.triage,
                "note": old.triage_note,
                "plan": old.plan_action,
            })),
            after: Some(serde_json::json!({
                "reason": "the asset no longer matches the advisory (its identity or the advisory changed)",
            })),
        };
        append(tx, &Actor::system(), now, change).await?;
        Ok(())
    }
}

/// The advisories of an event: the first few tracking ids, sorted, and how many in all;
/// `None` when there are none.
fn named(feed: &AdvisoryFeed, advisory_ids: &[String]) -> Option<(Vec<String>, i64)> {
    if advisory_ids.is_empty() {
        return None;
    }
    let mut names: Vec<String> = advisory_ids
        .iter()
        .map(|id| feed.tracking_id(id).unwrap_or(id).to_owned())
        .collect();
    names.sort();
    let count = i64::try_from(names.len()).unwrap_or(i64::MAX);
    names.truncate(NAMED_IN_EVENT);
    Some((names, count))
}

/// Rows of one insert statement: 15 values each, well below both engines' bound on the
/// values of a statement (32,766 on SQLite, 65,535 on PostgreSQL).
const INSERT_ROWS: usize = 400;

/// Stores new matches (asset, advisory id, computed) a few hundred rows per statement: one
/// statement per match made the first matching of a large inventory slow on PostgreSQL.
async fn insert_matches(
    tx: &mut sqlx::AnyConnection,
    matches: &[(&StaleAsset, String, Computed)],
    now: &str,
) -> Result<()> {
    for chunk in matches.chunks(INSERT_ROWS) {
        // `$1` is the time, then 15 values a row.
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let values: Vec<String> = (0..15).map(|k| format!("${}", 2 + i * 15 + k)).collect();
                format!("({}, $1, $1)", values.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO vulnerability_matches (id, entity_id, asset_id, advisory_id, status, \
             basis, confidence, cves, cvss_tenths, kev, known_ransomware, products, remediations, \
             reason, priority, first_seen, updated_at) VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now.to_owned());
        for (asset, advisory_id, m) in chunk {
            query = query
                .bind(new_id())
                .bind(asset.entity_id.clone())
                .bind(asset.id.clone())
                .bind(advisory_id.clone())
                .bind(m.status.as_str())
                .bind(m.basis.clone())
                .bind(m.confidence)
                .bind(m.cves.clone())
                .bind(m.cvss_tenths)
                .bind(m.kev)
                .bind(m.known_ransomware)
                .bind(m.products.clone())
                .bind(m.remediations.clone())
                .bind(m.reason.clone())
                .bind(m.priority);
        }
        query.execute(&mut *tx).await?;
    }
    Ok(())
}

async fn update_match(
    tx: &mut sqlx::AnyConnection,
    id: &str,
    m: &Computed,
    now: &str,
) -> Result<()> {
    sqlx::query(
        "UPDATE vulnerability_matches SET status = $2, basis = $3, confidence = $4, cves = $5, \
         cvss_tenths = $6, kev = $7, known_ransomware = $8, products = $9, remediations = $10, \
         reason = $11, priority = $12, updated_at = $13 WHERE id = $1",
    )
    .bind(id)
    .bind(m.status.as_str())
    .bind(&m.basis)
    .bind(m.confidence)
    .bind(&m.cves)
    .bind(m.cvss_tenths)
    .bind(m.kev)
    .bind(m.known_ransomware)
    .bind(&m.products)
    .bind(&m.remediations)
    .bind(&m.reason)
    .bind(m.priority)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
