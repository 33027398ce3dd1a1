//! What the dashboard needs of one assessment (score, open gaps by owner and by due date, the
//! weekly trend), computed once and cached by each instance.
//!
//! A summary depends only on the assessment's own fields, its results and the catalog. The key
//! is read from the database on every request: `version` (bumped by every edit of the
//! assessment), `results_version` (bumped in the transaction of every result write) and the
//! catalog generation (the number of imports). A write through another instance on the same
//! PostgreSQL database therefore changes the key, and a cached summary is never shown after
//! its results changed. Nothing in a summary depends on the day: due dates are kept as dates
//! and bucketed when the page is drawn.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::{StreamExt, TryStreamExt};
use hygeia_catalog::Catalog;
use hygeia_catalog::ids::NIS2_2024_2690;
use hygeia_compliance::{
    DerivedOutcome, MergedCounts, ResultValue, Score, Scores, SourceResult, score_results,
};
use hygeia_store::assessments::Assessment;

use crate::AppState;
use crate::api::assessments::compliance_error;
use crate::api::assessments::reuse::source_results;
use crate::api::assessments::scores::{TrendPoint, trend};
use crate::error::ApiResult;

/// At most this many assessments are kept; past it the least recently used quarter goes.
const CAPACITY: usize = 4096;

/// The database's word on whether a summary is still current.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp {
    version: i64,
    results_version: i64,
    catalog_generation: i64,
}

impl Stamp {
    /// The versions of `assessment` (as read) under a catalog generation.
    pub(crate) fn of(assessment: &Assessment, catalog_generation: i64) -> Stamp {
        Stamp {
            version: assessment.version,
            results_version: assessment.results_version,
            catalog_generation,
        }
    }
}

/// One assessment as the dashboard counts it.
#[derive(Debug)]
pub(crate) struct AssessmentSummary {
    /// Scores of the assessment's own results.
    pub overall: Score,
    /// Whether any result naming a requirement of the catalog is recorded.
    pub has_results: bool,
    /// NIS2 (Implementing Regulation) assessments: their results, for the merge with the
    /// results derived from the entity's other assessments.
    pub nis2_results: Option<Vec<SourceResult>>,
    /// Open gaps (non-compliant or partially compliant) per owner (`""` for none).
    pub gaps_by_owner: BTreeMap<String, i64>,
    /// Open gaps per due date (`None` for none).
    pub gaps_by_due: BTreeMap<Option<String>, i64>,
    /// The score at the end of each day on which results changed (the scores API's trend).
    pub trend: Vec<TrendPoint>,
}

/// One cached value, the stamp it was computed under and when it was last served.
#[derive(Debug)]
struct Entry<S, V> {
    stamp: S,
    value: Arc<V>,
    used: u64,
}

/// Values by assessment id, and a clock counting cache uses.
#[derive(Debug)]
struct Entries<S, V> {
    map: HashMap<String, Entry<S, V>>,
    tick: u64,
}

/// Values computed from an assessment, by its id, each served only under the stamp (versions
/// read from the database) it was computed for; shared by the requests of one instance.
#[derive(Debug)]
pub(crate) struct StampedCache<S, V> {
    inner: Arc<Mutex<Entries<S, V>>>,
}

impl<S, V> Clone for StampedCache<S, V> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<S, V> Default for StampedCache<S, V> {
    fn default() -> Self {
        Self {
            inner: Arc::new(Mutex::new(Entries {
                map: HashMap::new(),
                tick: 0,
            })),
        }
    }
}

/// The summaries of assessments.
pub(crate) type SummaryCache = StampedCache<Stamp, AssessmentSummary>;

/// The NIS2 (2024/2690) results derived from an assessment of another framework (value and
/// rule per point), under its stamp and the derivation marker (`Store::derivation_marker`:
/// pair reviews and delta confirmations).
pub(crate) type DerivedCache = StampedCache<(Stamp, i64), Vec<DerivedOutcome>>;

/// What one entity's NIS2 standing was computed from: its NIS2 assessment's stamp, and the
/// source assessment's stamp with the derivation marker (each `None` when there is none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MergedStamp {
    pub nis2: Option<Stamp>,
    pub source: Option<(Stamp, i64)>,
}

/// An entity's NIS2 standing: its own NIS2 results completed by those derived from another
/// assessment (`hygeia_compliance::merge`), as scores and counts.
#[derive(Debug)]
pub(crate) struct MergedNis2 {
    pub scores: Scores,
    pub counts: MergedCounts,
}

/// Entities' NIS2 standings, by entity and the assessments they were computed from, under
/// those assessments' stamps and the derivation marker.
pub(crate) type MergedCache = StampedCache<MergedStamp, MergedNis2>;

impl<S: Copy + PartialEq, V> StampedCache<S, V> {
    fn lock(&self) -> MutexGuard<'_, Entries<S, V>> {
        match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub(crate) fn get(&self, id: &str, stamp: S) -> Option<Arc<V>> {
        let mut entries = self.lock();
        entries.tick += 1;
        let tick = entries.tick;
        let entry = entries.map.get_mut(id).filter(|e| e.stamp == stamp)?;
        entry.used = tick;
        Some(entry.value.clone())
    }

    pub(crate) fn put(&self, id: &str, stamp: S, value: Arc<V>) {
        let mut entries = self.lock();
        entries.tick += 1;
        let used = entries.tick;
        if entries.map.len() >= CAPACITY && !entries.map.contains_key(id) {
            // Forget the least recently used quarter (rare: one sort per CAPACITY / 4 puts).
            let mut ticks: Vec<u64> = entries.map.values().map(|e| e.used).collect();
            ticks.sort_unstable();
            let cut = ticks.get(CAPACITY / 4).copied().unwrap_or(0);
            entries.map.retain(|_, e| e.used >= cut);
        }
        entries
            .map
            .insert(id.to_owned(), Entry { stamp, value, used });
    }

    /// How many assessments are cached (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().map.len()
    }
}

/// Computes a summary from the stored results and their history.
fn summarise(
    catalog: &Catalog,
    assessment: &Assessment,
    stored: Vec<hygeia_store::assessments::StoredResult>,
    history: &[hygeia_store::assessments::HistoryEntry],
) -> ApiResult<AssessmentSummary> {
    let mut gaps_by_owner: BTreeMap<String, i64> = BTreeMap::new();
    let mut gaps_by_due: BTreeMap<Option<String>, i64> = BTreeMap::new();
    for r in &stored {
        if matches!(
            r.value,
            ResultValue::NonCompliant | ResultValue::PartiallyCompliant
        ) {
            *gaps_by_owner
                .entry(r.owner.clone().unwrap_or_default())
                .or_default() += 1;
            *gaps_by_due.entry(r.due_on.clone()).or_default() += 1;
        }
    }
    let results = source_results(catalog, assessment, stored);
    let scores =
        score_results(catalog, &assessment.framework_id, &results).map_err(compliance_error)?;
    Ok(AssessmentSummary {
        overall: scores.overall,
        has_results: !results.is_empty(),
        nis2_results: (assessment.framework_id == NIS2_2024_2690).then_some(results),
        gaps_by_owner,
        gaps_by_due,
        trend: trend(catalog, &assessment.framework_id, history)?,
    })
}

/// The summaries of `assessments`, in order: cached ones as they are, the others read from
/// the store (concurrently) and cached.
pub(crate) async fn summaries(
    state: &AppState,
    catalog: &Catalog,
    catalog_generation: i64,
    assessments: &[&Assessment],
) -> ApiResult<Vec<Arc<AssessmentSummary>>> {
    let cache = &state.summaries;
    let stamp = |a: &Assessment| Stamp::of(a, catalog_generation);
    let found: Vec<Option<Arc<AssessmentSummary>>> = assessments
        .iter()
        .map(|a| cache.get(&a.id, stamp(a)))
        .collect();
    let store = &state.store;
    // A few at a time, so a cold cache does not queue hundreds of queries at once.
    let work: Vec<_> = assessments
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(a, _)| async move {
            let (stored, history) =
                futures_util::future::try_join(store.results(&a.id), store.result_history(&a.id))
                    .await?;
            let summary = Arc::new(summarise(catalog, a, stored, &history)?);
            // Keyed by the stamp read before the results: a write in between gives a newer
            // key, so this entry is never looked up again rather than served stale.
            cache.put(&a.id, stamp(a), summary.clone());
            ApiResult::Ok(summary)
        })
        .collect();
    let computed: Vec<Arc<AssessmentSummary>> = futures_util::stream::iter(work)
        .buffered(super::CONCURRENT_QUERIES)
        .try_collect()
        .await?;
    let mut computed = computed.into_iter();
    Ok(found
        .into_iter()
        .filter_map(|f| f.or_else(|| computed.next()))
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn summary() -> Arc<AssessmentSummary> {
        Arc::new(AssessmentSummary {
            overall: Score::default(),
            has_results: false,
            nis2_results: None,
            gaps_by_owner: BTreeMap::new(),
            gaps_by_due: BTreeMap::new(),
            trend: Vec::new(),
        })
    }

    #[test]
    fn a_summary_is_served_only_under_the_key_it_was_computed_for() {
        let cache = SummaryCache::default();
        let stamp = Stamp {
            version: 1,
            results_version: 3,
            catalog_generation: 0,
        };
        cache.put("a", stamp, summary());
        assert!(cache.get("a", stamp).is_some());
        for other in [
            Stamp {
                results_version: 4,
                ..stamp
            },
            Stamp {
                version: 2,
                ..stamp
            },
            Stamp {
                catalog_generation: 1,
                ..stamp
            },
        ] {
            assert!(cache.get("a", other).is_none());
        }
        assert!(cache.get("b", stamp).is_none());
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = SummaryCache::default();
        let stamp = Stamp {
            version: 1,
            results_version: 1,
            catalog_generation: 0,
        };
        for n in 0..CAPACITY + 10 {
            cache.put(&n.to_string(), stamp, summary());
            // A new version of the same assessment replaces the old one.
            cache.put(&n.to_string(), stamp, summary());
        }
        assert!(cache.len() <= CAPACITY);
    }

    #[test]
    fn a_full_cache_forgets_what_was_used_least_recently() {
        let cache = SummaryCache::default();
        let stamp = Stamp {
            version: 1,
            results_version: 1,
            catalog_generation: 0,
        };
        for n in 0..CAPACITY {
            cache.put(&n.to_string(), stamp, summary());
        }
        // The oldest entry is read again, so it is recent now.
        assert!(cache.get("0", stamp).is_some());
        cache.put("new", stamp, summary());
        assert!(
            cache.get("0", stamp).is_some(),
            "recently used entries stay"
        );
        assert!(cache.get("new", stamp).is_some());
        assert!(
            cache.get("1", stamp).is_none(),
            "the least recently used go"
        );
        assert!(cache.get(&(CAPACITY - 1).to_string(), stamp).is_some());
        assert!(cache.len() <= CAPACITY);
        assert!(cache.len() > CAPACITY / 2, "only a quarter is forgotten");
    }
}
