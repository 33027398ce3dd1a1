//! Appending to, reading and verifying the hash-chained audit trail.

use std::collections::HashMap;

use hygeia_domain::access::EntityScope;
use hygeia_domain::audit::{AuditEntry, AuditKey, AuditRecord, ChainBreak, ChainVerifier};
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::database::WriteTx;
use crate::error::Result;
use crate::paging::{Page, PageRequest};
use crate::sql::Filter;
use crate::{Actor, Store};

/// One change to record: what happened to which object, with its state before and after.
#[derive(Debug, Clone)]
pub(crate) struct Change<'a> {
    pub action: &'a str,
    pub object_type: &'a str,
    pub object_id: &'a str,
    pub entity_id: Option<&'a str>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Appends one record inside the caller's transaction. The head row is updated first: on
/// PostgreSQL that row lock orders concurrent writers, so the chain never forks.
///
/// Lock order: a transaction takes the row locks of what it changes *before* its first
/// append, and after that only touches rows no other writer locks first (the rows it is
/// writing under its own earlier locks). Locking another shared row after appending (say an
/// assessment's counter) would deadlock against a writer that holds that row and waits for the
/// head.
pub(crate) async fn append(
    conn: &mut WriteTx,
    actor: &Actor,
    at: &str,
    change: Change<'_>,
) -> Result<AuditRecord> {
    let key = conn.audit_key.clone();
    let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut **conn)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;
    let record = AuditEntry {
        at: at.to_owned(),
        actor_id: actor.user_id.clone(),
        actor_label: actor.label.clone(),
        source: actor.source.clone(),
        request_id: actor.request_id.clone(),
        action: change.action.to_owned(),
        object_type: change.object_type.to_owned(),
        object_id: change.object_id.to_owned(),
        entity_id: change.entity_id.map(str::to_owned),
        before: change.before.map(|v| v.to_string()),
        after: change.after.map(|v| v.to_string()),
    }
    .seal(seq, &prev_hash, key.as_deref());
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, actor_label, source, request_id, action, \
         object_type, object_id, entity_id, before_json, after_json, prev_hash, hash, mac) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
    )
    .bind(record.seq)
    .bind(&record.at)
    .bind(&record.actor_id)
    .bind(&record.actor_label)
    .bind(&record.source)
    .bind(&record.request_id)
    .bind(&record.action)
    .bind(&record.object_type)
    .bind(&record.object_id)
    .bind(&record.entity_id)
    .bind(&record.before)
    .bind(&record.after)
    .bind(&record.prev_hash)
    .bind(&record.hash)
    .bind(&record.mac)
    .execute(&mut **conn)
    .await?;
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&record.hash)
        .execute(&mut **conn)
        .await?;
    Ok(record)
}

/// Object types whose names the trail shows: (type, table, column holding the name).
const NAMED: [(&str, &str, &str); 9] = [
    ("entity", "entities", "name"),
    ("site", "sites", "name"),
    ("assessment", "assessments", "name"),
    ("control", "controls", "name"),
    ("evidence", "evidence", "title"),
    ("asset", "assets", "asset_key"),
    ("user", "users", "display_name"),
    ("api_token", "api_tokens", "name"),
    ("sso_provider", "sso_providers", "name"),
];

/// At most this many names are read by one query.
const NAMES_PER_QUERY: usize = 500;

const COLUMNS: &str = "seq, at, actor_id, actor_label, source, request_id, action, object_type, \
                       object_id, entity_id, before_json, after_json, prev_hash, hash, mac";

/// An audit record read from a row.
struct AuditRow(AuditRecord);

impl<'r> sqlx::FromRow<'r, AnyRow> for AuditRow {
    fn from_row(row: &'r AnyRow) -> sqlx::Result<Self> {
        record_from_row(row).map(AuditRow)
    }
}

fn record_from_row(row: &AnyRow) -> sqlx::Result<AuditRecord> {
    Ok(AuditRecord {
        seq: row.try_get("seq")?,
        at: row.try_get("at")?,
        actor_id: row.try_get("actor_id")?,
        actor_label: row.try_get("actor_label")?,
        source: row.try_get("source")?,
        request_id: row.try_get("request_id")?,
        action: row.try_get("action")?,
        object_type: row.try_get("object_type")?,
        object_id: row.try_get("object_id")?,
        entity_id: row.try_get("entity_id")?,
        before: row.try_get("before_json")?,
        after: row.try_get("after_json")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
        mac: row.try_get("mac")?,
    })
}

/// Filters for listing the audit trail; all optional and combined with AND.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AuditFilter {
    /// Exact action, such as `entity.update`.
    pub action: Option<String>,
    /// Object type, such as `entity`, `user`, `api_token`.
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// Only records about this legal entity.
    pub entity_id: Option<String>,
    /// Actor's e-mail address (or `system`, `cli`).
    pub actor: Option<String>,
    /// Records at or after this instant (RFC 3339).
    pub since: Option<String>,
    /// Records strictly before this instant (RFC 3339).
    pub until: Option<String>,
}

/// One page of the audit trail for browsing, with the matching records counted only up to a
/// cap: an exact count would read the whole log on every page, however large it grows.
#[derive(Debug, Clone)]
pub struct AuditWindow {
    /// The records of the page, newest first.
    pub items: Vec<AuditRecord>,
    /// How many records match, counted up to the cap.
    pub total: i64,
    /// Whether more than `total` records match (the count stopped at the cap).
    pub more: bool,
}

/// What `hygeia audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// How many records were checked.
    pub records: i64,
    /// The first break, if the chain is not intact.
    pub first_break: Option<String>,
    /// The sequence number where the break was found.
    pub broken_at: Option<i64>,
    /// Records whose seal was checked with the instance key (0 when verified without it).
    pub sealed: i64,
    /// Records written before the instance had a key (chained, not sealed).
    pub unsealed_before_key: i64,
}

/// The newest record of the trail, to keep outside the database (printed, mailed, written to
/// write-once storage) and compare with later: `hygeia audit verify --expect-head`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnchor {
    pub seq: i64,
    pub hash: String,
    pub at: String,
    /// HMAC of (seq, hash) under the instance key, so an anchor cannot be forged; none without
    /// a key.
    pub seal: Option<String>,
    /// Which key sealed it.
    pub key_fingerprint: Option<String>,
}

impl AuditAnchor {
    /// `SEQ:HASH`, the form `--expect-head` takes.
    pub fn short(&self) -> String {
        format!("{}:{}", self.seq, self.hash)
    }
}

/// The conditions of `filter`, restricted to what `scope` may see. Organisation-level records
/// (users, grants, sign-ins, settings) carry no entity: only those who see every entity
/// (administrators) read them.
fn audit_filter(filter: &AuditFilter, scope: &EntityScope) -> Filter {
    let mut f = Filter::new();
    f.eq_opt("action", filter.action.as_deref());
    f.eq_opt("object_type", filter.object_type.as_deref());
    f.eq_opt("object_id", filter.object_id.as_deref());
    f.eq_opt("entity_id", filter.entity_id.as_deref());
    f.eq_opt("actor_label", filter.actor.as_deref());
    f.cmp_opt("at", ">=", filter.since.as_deref());
    f.cmp_opt("at", "<", filter.until.as_deref());
    f.scope("entity_id", scope);
    f
}

impl Store {
    /// Lists audit records, newest first, restricted to what `scope` may see: records about an
    /// entity outside the scope are hidden, and so are organisation-level records (other
    /// users' e-mail addresses, grants and sign-in addresses) unless the scope is everything.
    pub async fn list_audit(
        &self,
        scope: &EntityScope,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditRecord>> {
        let f = audit_filter(filter, scope);
        let rows: Page<AuditRow> = f
            .page(self.reader(), "audit_log", COLUMNS, "seq DESC", page)
            .await?;
        Ok(rows.map(|row| row.0))
    }

    /// As [`Store::list_audit`], for browsing: the page is read over the sequence number (an
    /// index walk, newest first) and the matching records are counted only up to `cap`, so
    /// the cost does not grow with the size of the log.
    pub async fn browse_audit(
        &self,
        scope: &EntityScope,
        filter: &AuditFilter,
        page: PageRequest,
        cap: i64,
    ) -> Result<AuditWindow> {
        let f = audit_filter(filter, scope);
        let cap = cap.max(0);
        // The limits are integers of our own, written into the SQL text.
        let rows = f
            .query(format!(
                "SELECT {COLUMNS} FROM audit_log{} ORDER BY seq DESC LIMIT {} OFFSET {}",
                f.where_clause(),
                page.limit,
                page.offset
            ))
            .fetch_all(self.reader());
        let counted = f
            .scalar(format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM audit_log{} LIMIT {}) capped",
                f.where_clause(),
                cap + 1
            ))
            .fetch_one(self.reader());
        let (rows, counted) = futures_util::future::try_join(rows, counted).await?;
        let items = rows
            .iter()
            .map(record_from_row)
            .collect::<sqlx::Result<Vec<_>>>()?;
        Ok(AuditWindow {
            items,
            total: counted.min(cap),
            more: counted > cap,
        })
    }

    /// Records a read worth tracing — an evidence file downloaded, a report exported — in the
    /// audit trail, with what was read (never the content).
    pub async fn record_access(
        &self,
        actor: &Actor,
        action: &str,
        object: (&str, &str),
        entity_id: Option<&str>,
        details: serde_json::Value,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let change = Change {
            action,
            object_type: object.0,
            object_id: object.1,
            entity_id,
            before: None,
            after: Some(details),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Walks the whole chain in order and reports the first break, if any: links, hashes,
    /// the head, the seals when the store has the key, and the anchor when one is given.
    pub async fn verify_audit_chain(&self) -> Result<ChainReport> {
        self.verify_audit_chain_against(None).await
    }

    /// As [`Store::verify_audit_chain`], also requiring record `anchor.0` to have hash
    /// `anchor.1` (an anchor kept outside the database).
    pub async fn verify_audit_chain_against(
        &self,
        anchor: Option<(i64, &str)>,
    ) -> Result<ChainReport> {
        use futures_util::TryStreamExt;
        let mut verifier = ChainVerifier::new();
        if let Some(key) = self.key() {
            verifier = verifier.with_key(key.clone());
        }
        if let Some((seq, hash)) = anchor {
            verifier = verifier.expecting(seq, hash);
        }
        let mut checked = 0i64;
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM audit_log ORDER BY seq"
        )))
        .fetch(self.reader());
        while let Some(row) = rows.try_next().await? {
            let record = record_from_row(&row)?;
            if let Err(broken) = verifier.check(&record) {
                return Ok(report_break(checked, &broken, verifier.seal_counts()));
            }
            checked += 1;
        }
        drop(rows);
        let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(self.reader())
            .await?;
        let head_seq: i64 = head.try_get("seq")?;
        let head_hash: String = head.try_get("hash")?;
        let seals = verifier.seal_counts();
        Ok(match verifier.finish(head_seq, &head_hash) {
            Ok(records) => ChainReport {
                records,
                first_break: None,
                broken_at: None,
                unsealed_before_key: seals.0,
                sealed: seals.1,
            },
            Err(broken) => report_break(checked, &broken, seals),
        })
    }

    /// Up to `limit` records after record `after`, in order (every record, whatever its
    /// entity: for exports by administrators and the command line).
    pub async fn audit_records_after(&self, after: i64, limit: i64) -> Result<Vec<AuditRecord>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT {}",
            limit.clamp(1, 10_000)
        )))
        .bind(after)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(record_from_row)
            .collect::<sqlx::Result<Vec<_>>>()?)
    }

    /// The newest record as an anchor, sealed with the instance key when there is one.
    pub async fn audit_anchor(&self) -> Result<AuditAnchor> {
        let row = sqlx::query(
            "SELECT h.seq AS seq, h.hash AS hash, COALESCE(l.at, '') AS at \
             FROM audit_head h LEFT JOIN audit_log l ON l.seq = h.seq WHERE h.id = 1",
        )
        .fetch_one(self.reader())
        .await?;
        let seq: i64 = row.try_get("seq")?;
        let hash: String = row.try_get("hash")?;
        let at: String = row.try_get("at")?;
        Ok(AuditAnchor {
            seal: self.key().map(|k| k.seal_head(seq, &hash)),
            key_fingerprint: self.key().map(AuditKey::fingerprint),
            seq,
            hash,
            at,
        })
    }

    /// The names of the objects the audit records of one page are about, in one query for the
    /// whole page: `refs` are (object type, id) pairs; the answer maps each pair whose object
    /// still exists to its name (entities, sites, assessments, controls, evidence, assets,
    /// users, API tokens, identity providers). Pairs of other types, or whose object is gone,
    /// are left out, and the caller shows the id.
    pub async fn audit_object_names(
        &self,
        refs: &[(String, String)],
    ) -> Result<HashMap<(String, String), String>> {
        let mut wanted: Vec<(&str, &str)> = refs
            .iter()
            .filter(|(kind, _)| NAMED.iter().any(|(k, _, _)| k == kind))
            .map(|(kind, id)| (kind.as_str(), id.as_str()))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut names = HashMap::new();
        // A page needs one query; an export of many records one per chunk, so that the
        // number of bound parameters stays far below the engines' limits.
        for chunk in wanted.chunks(NAMES_PER_QUERY) {
            let mut parts = Vec::new();
            let mut values: Vec<&str> = Vec::new();
            for (kind, table, column) in NAMED {
                let mut placeholders = Vec::new();
                for (_, id) in chunk.iter().filter(|(k, _)| *k == kind) {
                    values.push(id);
                    placeholders.push(format!("${}", values.len()));
                }
                if placeholders.is_empty() {
                    continue;
                }
                // Table, column and kind are constants of ours; the ids are bound.
                parts.push(format!(
                    "SELECT '{kind}' AS kind, id, {column} AS name FROM {table} WHERE id IN ({})",
                    placeholders.join(", ")
                ));
            }
            let mut query = sqlx::query(sqlx::AssertSqlSafe(parts.join(" UNION ALL ")));
            for value in values {
                query = query.bind(value.to_owned());
            }
            for row in query.fetch_all(self.reader()).await? {
                let kind: String = row.try_get("kind")?;
                let id: String = row.try_get("id")?;
                let name: String = row.try_get("name")?;
                names.insert((kind, id), name);
            }
        }
        Ok(names)
    }

    /// The records about one object (a result: `assessment_result`, `ASSESSMENT/REQUIREMENT`),
    /// newest first, at most `limit`: who changed it, when, from what to what. The caller has
    /// checked that the object's entity is within the reader's scope.
    pub async fn object_trail(
        &self,
        object_type: &str,
        object_id: &str,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        // The limit is an integer of our own, written into the SQL text.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM audit_log WHERE object_type = $1 AND object_id = $2 \
             ORDER BY seq DESC LIMIT {}",
            limit.clamp(1, 10_000)
        )))
        .bind(object_type)
        .bind(object_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .iter()
            .map(record_from_row)
            .collect::<sqlx::Result<Vec<_>>>()?)
    }

    /// The records matching `filter` that `scope` may see (as [`Store::list_audit`]: records
    /// about other entities and, unless the scope is everything, organisation-level records
    /// are left out), oldest first, at most `limit + 1` of them so that the caller can tell
    /// when more match than it exports.
    pub async fn export_audit(
        &self,
        scope: &EntityScope,
        filter: &AuditFilter,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        let f = audit_filter(filter, scope);
        // The limit is an integer of our own, written into the SQL text.
        let rows = f
            .query(format!(
                "SELECT {COLUMNS} FROM audit_log{} ORDER BY seq LIMIT {}",
                f.where_clause(),
                limit.max(0) + 1
            ))
            .fetch_all(self.reader())
            .await?;
        Ok(rows
            .iter()
            .map(record_from_row)
            .collect::<sqlx::Result<Vec<_>>>()?)
    }

    /// Whether an anchor was sealed by this instance's key (false without a key or a seal).
    pub fn anchor_is_ours(&self, anchor: &AuditAnchor) -> bool {
        match (self.key(), &anchor.seal) {
            (Some(key), Some(seal)) => key.seal_head(anchor.seq, &anchor.hash) == *seal,
            _ => false,
        }
    }
}

fn report_break(checked: i64, broken: &ChainBreak, seals: (i64, i64)) -> ChainReport {
    let at = match broken {
        ChainBreak::Missing { expected, .. } => *expected,
        ChainBreak::Altered { seq }
        | ChainBreak::Relinked { seq }
        | ChainBreak::HeadMismatch { seq }
        | ChainBreak::Forged { seq }
        | ChainBreak::AnchorMismatch { seq } => *seq,
        ChainBreak::Truncated { last_seq, .. } | ChainBreak::AnchorMissing { last_seq, .. } => {
            last_seq + 1
        }
    };
    ChainReport {
        records: checked,
        first_break: Some(broken.to_string()),
        broken_at: Some(at),
        unsealed_before_key: seals.0,
        sealed: seals.1,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Actor;

    #[tokio::test]
    async fn names_are_read_in_one_query_and_exports_keep_to_the_scope() {
        for db in crate::testing::all().await {
            let store = db.store(crate::testing::test_clock()).await;
            let org = store
                .ensure_organisation(&Actor::system(), "Org")
                .await
                .unwrap();
            let input = hygeia_domain::org::EntityInput {
                name: "Labo Nord".into(),
                country: "FR".into(),
                entity_type: "healthcare_provider".into(),
                employees: 10,
                annual_turnover_eur: Some(1),
                balance_sheet_eur: Some(1),
                ..Default::default()
            };
            let entity = store
                .create_entity(&Actor::system(), &org.id, &input, |_| true)
                .await
                .unwrap();
            let site = hygeia_domain::org::SiteInput {
                name: "Usine de Lyon".into(),
                kind: hygeia_domain::org::SiteKind::Laboratory,
                city: "Lyon".into(),
                country: "FR".into(),
            };
            let site = store
                .create_site(&Actor::system(), &entity.id, &site)
                .await
                .unwrap();
            let refs = vec![
                ("entity".to_owned(), entity.id.clone()),
                ("site".to_owned(), site.id.clone()),
                ("site".to_owned(), site.id.clone()),
                ("control".to_owned(), "gone".to_owned()),
                ("organisation".to_owned(), org.id.clone()),
            ];
            let names = store.audit_object_names(&refs).await.unwrap();
            assert_eq!(names.len(), 2, "{names:?}");
            assert_eq!(
                names[&("entity".to_owned(), entity.id.clone())],
                "Labo Nord"
            );
            assert_eq!(
                names[&("site".to_owned(), site.id.clone())],
                "Usine de Lyon"
            );
            assert!(store.audit_object_names(&[]).await.unwrap().is_empty());
            // More ids than one query reads: read in chunks, the known ones found.
            let mut many: Vec<(String, String)> = (0..1_200)
                .map(|n| ("control".to_owned(), format!("missing-{n}")))
                .collect();
            many.push(("site".to_owned(), site.id.clone()));
            let names = store.audit_object_names(&many).await.unwrap();
            assert_eq!(names.len(), 1);

            let all = store
                .export_audit(&EntityScope::All, &AuditFilter::default(), 100)
                .await
                .unwrap();
            assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
            assert!(all.iter().any(|r| r.entity_id.is_none()));
            let narrow = EntityScope::Only(std::iter::once(entity.id.clone()).collect());
            let mine = store
                .export_audit(&narrow, &AuditFilter::default(), 100)
                .await
                .unwrap();
            assert_eq!(mine.len(), 2, "entity and site created");
            assert!(
                mine.iter()
                    .all(|r| r.entity_id.as_deref() == Some(&entity.id))
            );
            let capped = store
                .export_audit(&EntityScope::All, &AuditFilter::default(), 1)
                .await
                .unwrap();
            assert_eq!(capped.len(), 2, "one more than the limit");
        }
    }
}
