//! The audit activity of the last 30 days, as a running tally per instance.
//!
//! The audit log is append-only and numbered: records are appended under a lock on the chain
//! head, so every record up to the head is committed. Each instance keeps, per scope and first
//! day, the counts per day up to the head it last read, and on each request adds only the
//! records numbered after it (an index range on the primary key), whichever instance wrote
//! them. A head below the tally's (a restored database) starts the tally again.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use hygeia_domain::access::EntityScope;
use hygeia_store::{Store, StoreError};

/// At most this many (scope, first day) tallies are kept.
const CAPACITY: usize = 256;

#[derive(Debug, Default)]
struct Tally {
    head: i64,
    days: BTreeMap<String, i64>,
}

/// Tallies by (scope, first day), shared by the requests of one instance.
#[derive(Debug, Clone, Default)]
pub(crate) struct ActivityCache {
    inner: Arc<Mutex<HashMap<(String, String), Tally>>>,
}

fn scope_key(scope: &EntityScope) -> String {
    match scope {
        EntityScope::All => "*".to_owned(),
        EntityScope::Only(ids) => {
            let mut ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            ids.sort_unstable();
            ids.join(",")
        }
    }
}

impl ActivityCache {
    /// Audit records per day (`YYYY-MM-DD`) at or after `since`, visible to `scope`.
    pub(crate) async fn counts(
        &self,
        store: &Store,
        scope: &EntityScope,
        since: &str,
    ) -> Result<BTreeMap<String, i64>, StoreError> {
        let key = (scope_key(scope), since.to_owned());
        let known = {
            let map = match self.inner.lock() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            map.get(&key).map(|t| (t.head, t.days.clone()))
        };
        let (after, mut days) = known.unwrap_or_default();
        let (head, new) = store
            .audit_counts_per_day_after(scope, since, after)
            .await?;
        if head < after {
            // The log is shorter than what was counted: count again from the start.
            let (head, all) = store.audit_counts_per_day_after(scope, since, 0).await?;
            let days: BTreeMap<String, i64> = all.into_iter().collect();
            self.store(key, head, &days);
            return Ok(days);
        }
        for (day, n) in new {
            *days.entry(day).or_default() += n;
        }
        self.store(key, head, &days);
        Ok(days)
    }

    fn store(&self, key: (String, String), head: i64, days: &BTreeMap<String, i64>) {
        let mut map = match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        // A concurrent request may have counted further already: keep the furthest tally.
        if map.get(&key).is_some_and(|t| t.head > head) {
            return;
        }
        // Tallies from an earlier first day are not looked up again.
        map.retain(|(_, since), _| *since == key.1);
        if map.len() >= CAPACITY && !map.contains_key(&key) {
            map.clear();
        }
        map.insert(
            key,
            Tally {
                head,
                days: days.clone(),
            },
        );
    }
}
