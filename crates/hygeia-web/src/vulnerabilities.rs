//! The advisory feed as the hub matches with it (ADR 11): each instance keeps the matching
//! index built from the stored feed, under the generation it was built from; when an import
//! (here or on another instance) moves the generation on, the next use rebuilds it. Assets are
//! matched when a sensor batch changed them, after an import, and once at start-up for
//! whatever an interrupted run left.

use std::sync::Arc;

use hygeia_store::vulnerabilities::{AdvisoryFeed, MatchRun};
use hygeia_store::{Store, StoreError};
use tokio::sync::Mutex;

use crate::AppState;

/// The index of the stored feed, shared by the handlers of one instance.
#[derive(Clone, Default)]
pub struct FeedCache {
    built: Arc<Mutex<Option<Arc<AdvisoryFeed>>>>,
}

impl FeedCache {
    /// The index of the stored feed, rebuilt when its generation moved on; `None` before any
    /// advisory was imported. One instance builds it once at a time (callers wait).
    pub async fn current(&self, store: &Store) -> Result<Option<Arc<AdvisoryFeed>>, StoreError> {
        let generation = store.advisory_generation().await?;
        if generation == 0 {
            return Ok(None);
        }
        let mut built = self.built.lock().await;
        if let Some(feed) = built.as_ref()
            && feed.generation == generation
        {
            return Ok(Some(feed.clone()));
        }
        let started = std::time::Instant::now();
        let feed = store.load_advisory_feed().await?.map(Arc::new);
        if let Some(feed) = &feed {
            tracing::info!(
                generation = feed.generation,
                advisories = feed.index.advisories().len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "advisory index built"
            );
        }
        built.clone_from(&feed);
        Ok(feed)
    }
}

/// Matches the assets that are not current with the stored feed (of one entity, or all);
/// nothing to do before any import.
pub async fn match_stale(
    state: &AppState,
    entity_id: Option<&str>,
) -> Result<MatchRun, StoreError> {
    match state.advisories.current(&state.store).await? {
        None => Ok(MatchRun::default()),
        Some(feed) => state.store.match_stale_assets(&feed, entity_id).await,
    }
}

/// How long an import waits for the matching it caused before answering; a larger inventory
/// goes on being matched in the background.
const IMPORT_MATCHING_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// After an import: the whole inventory matched against the new feed, for at most
/// [`IMPORT_MATCHING_WAIT`]; what is left goes on in the background (logged; the ten-minute
/// sweep takes over if that fails).
pub async fn match_after_import(state: &AppState) -> Result<MatchRun, StoreError> {
    let Some(feed) = state.advisories.current(&state.store).await? else {
        return Ok(MatchRun::default());
    };
    let deadline = std::time::Instant::now() + IMPORT_MATCHING_WAIT;
    let run = state
        .store
        .match_stale_assets_until(&feed, None, Some(deadline))
        .await?;
    if run.assets_left > 0 {
        let state = state.clone();
        tokio::spawn(async move {
            match match_stale(&state, None).await {
                Ok(rest) => tracing::info!(
                    assets = rest.assets,
                    new = rest.matches_new,
                    "the import's matching finished in the background"
                ),
                Err(error) => {
                    tracing::warn!(%error, "the import's matching stopped in the background")
                }
            }
        });
    }
    Ok(run)
}

/// After a sensor batch: its new and changed assets are matched. A failure is logged, not
/// returned: the batch itself is stored, and the next batch or start-up matches again.
pub async fn match_after_ingest(state: &AppState, entity_id: &str) {
    match match_stale(state, Some(entity_id)).await {
        Ok(run) if run.matches_new + run.matches_changed + run.matches_removed > 0 => {
            tracing::info!(
                entity_id,
                assets = run.assets,
                new = run.matches_new,
                changed = run.matches_changed,
                removed = run.matches_removed,
                "vulnerability matches updated"
            );
        }
        Ok(_) => {}
        Err(error) => {
            tracing::warn!(entity_id, %error, "matching the batch's assets against the advisories failed")
        }
    }
}
