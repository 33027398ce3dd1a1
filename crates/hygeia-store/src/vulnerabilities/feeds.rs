//! Advisory feeds as files, stored: one import of CSAF advisories and the KEV catalog is
//! all-or-nothing and idempotent (an advisory is keyed by its publisher and tracking id; a newer
//! revision replaces the stored one, an older or equal one changes nothing), and every hub
//! instance rebuilds the same matching index from what is stored ([`AdvisoryFeed`]).

use std::collections::HashMap;
use std::io::{Read, Write};

use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use hygeia_advisories::{Advisory, AdvisoryIndex, Feed, KevCatalog};
use hygeia_domain::validation::{FieldError, ValidationErrors};
use serde::Serialize;

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

use super::cvss_tenths;

/// Why an import that met another one running at the same time was refused.
const CONCURRENT_IMPORT: &str =
    "another import was running at the same time: nothing was stored, try again";

/// One import of feed files, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvisoryImport {
    /// Order of the import.
    pub seq: i64,
    /// The files (or upload names) read.
    pub file_names: Vec<String>,
    /// Advisories stored for the first time.
    pub advisories_new: i64,
    /// Advisories replaced by a newer revision.
    pub advisories_updated: i64,
    /// Advisories whose stored revision is the one imported.
    pub advisories_unchanged: i64,
    /// Documents older than the revision already stored (the stored one is kept).
    pub advisories_older: i64,
    /// The KEV catalog version now stored, when this import replaced it.
    pub kev_version: Option<String>,
    /// Whether anything stored changed (then every asset is matched again).
    pub changed: bool,
    pub created_at: String,
    pub created_by: String,
}

#[derive(sqlx::FromRow)]
struct ImportRow {
    seq: i64,
    file_names: String,
    advisories_new: i64,
    advisories_updated: i64,
    advisories_unchanged: i64,
    advisories_older: i64,
    kev_version: Option<String>,
    changed: i64,
    created_at: String,
    created_by: String,
}

impl From<ImportRow> for AdvisoryImport {
    fn from(r: ImportRow) -> Self {
        AdvisoryImport {
            seq: r.seq,
            file_names: serde_json::from_str(&r.file_names).unwrap_or_default(),
            advisories_new: r.advisories_new,
            advisories_updated: r.advisories_updated,
            advisories_unchanged: r.advisories_unchanged,
            advisories_older: r.advisories_older,
            kev_version: r.kev_version,
            changed: r.changed != 0,
            created_at: r.created_at,
            created_by: r.created_by,
        }
    }
}

/// What the hub holds of its feeds: the counts shown on the feeds page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FeedStatus {
    /// Advisories stored.
    pub advisories: i64,
    /// The newest `current_release_date` among them.
    pub newest_release: Option<String>,
    /// The KEV catalog version stored, and its number of entries.
    pub kev_version: Option<String>,
    pub kev_entries: i64,
    /// The feed generation assets are matched at (0: nothing imported).
    pub generation: i64,
}

/// The stored feed, ready to match assets: the index and, for each advisory, its row id.
pub struct AdvisoryFeed {
    pub generation: i64,
    pub index: AdvisoryIndex,
    ids: HashMap<(String, String), String>,
    tracking_ids: HashMap<String, String>,
}

impl AdvisoryFeed {
    /// The stored id of the advisory a match names (publisher name and tracking id).
    pub fn advisory_id(&self, publisher: &str, tracking_id: &str) -> Option<&str> {
        self.ids
            .get(&(
                publisher.trim().to_owned(),
                tracking_id.trim().to_uppercase(),
            ))
            .map(String::as_str)
    }

    /// The tracking id of a stored advisory.
    pub fn tracking_id(&self, advisory_id: &str) -> Option<&str> {
        self.tracking_ids.get(advisory_id).map(String::as_str)
    }
}

/// The key an advisory is stored under: its publisher (namespace, else name, lower-case) and
/// its tracking id (upper-case), as the feed reader keeps one revision per key.
fn key_of(advisory: &Advisory) -> (String, String) {
    let publisher = advisory
        .publisher_namespace
        .as_deref()
        .unwrap_or(&advisory.publisher);
    (
        publisher.trim().to_lowercase(),
        advisory.tracking_id.trim().to_uppercase(),
    )
}

fn compress(value: &impl Serialize) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    let written = encoder.write_all(&json).and_then(|()| encoder.finish());
    written.map_err(|e| StoreError::Corrupt(format!("cannot compress an advisory: {e}")))
}

fn decompress(bytes: &[u8], what: &str) -> Result<Vec<u8>> {
    let mut json = Vec::new();
    GzDecoder::new(bytes)
        .read_to_end(&mut json)
        .map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))?;
    Ok(json)
}

/// Refuses a feed with unreadable documents (naming each and why), or with nothing in it.
fn check_complete(feed: &Feed) -> Result<()> {
    if !feed.refused.is_empty() {
        let errors = feed
            .refused
            .iter()
            .map(|r| FieldError::bad_value(&r.path, &r.reason))
            .collect();
        return Err(ValidationErrors(errors).into());
    }
    if feed.advisories.is_empty() && feed.kev.is_none() {
        return Err(ValidationErrors(vec![FieldError::bad_value(
            "files",
            "neither a CSAF advisory nor the KEV catalog was found",
        )])
        .into());
    }
    Ok(())
}

struct StoredRevision {
    id: String,
    version: String,
    current_release_date: String,
}

impl Store {
    /// Stores a feed read from files, all-or-nothing: a feed with a refused document is
    /// refused whole (each refusal named). Returns what changed; when something did, the feed
    /// generation moves on and every asset is due to be matched again.
    pub async fn import_advisories(
        &self,
        actor: &Actor,
        file_names: &[String],
        feed: &Feed,
    ) -> Result<AdvisoryImport> {
        check_complete(feed)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT id, publisher, tracking_id, version, current_release_date FROM advisories",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut stored: HashMap<(String, String), StoredRevision> = rows
            .into_iter()
            .map(
                |(id, publisher, tracking_id, version, current_release_date)| {
                    let revision = StoredRevision {
                        id,
                        version,
                        current_release_date,
                    };
                    ((publisher, tracking_id), revision)
                },
            )
            .collect();
        let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM advisory_imports")
            .fetch_one(&mut *tx)
            .await?;
        let mut import = AdvisoryImport {
            seq,
            file_names: file_names.to_vec(),
            advisories_new: 0,
            advisories_updated: 0,
            advisories_unchanged: 0,
            advisories_older: 0,
            kev_version: None,
            changed: false,
            created_at: now.clone(),
            created_by: actor.label.clone(),
        };
        let mut new_ids = Vec::new();
        let mut updated_ids = Vec::new();
        for advisory in &feed.advisories {
            let key = key_of(advisory);
            let cves: Vec<&str> = advisory.cves().collect();
            let cvss = advisory
                .vulnerabilities
                .iter()
                .filter_map(|v| v.max_base_score(|_| true))
                .fold(None, |max: Option<f64>, s| {
                    Some(max.map_or(s, |m| m.max(s)))
                });
            let content = compress(advisory)?;
            match stored.remove(&key) {
                None => {
                    sqlx::query(
                        "INSERT INTO advisories (id, publisher, tracking_id, publisher_name, version, \
                         current_release_date, title, cves, cvss_tenths, digest, source, content, \
                         import_seq, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                    )
                    .bind(new_id())
                    .bind(&key.0)
                    .bind(&key.1)
                    .bind(&advisory.publisher)
                    .bind(&advisory.version)
                    .bind(&advisory.current_release_date)
                    .bind(&advisory.title)
                    .bind(serde_json::to_string(&cves).unwrap_or_default())
                    .bind(cvss.map(cvss_tenths))
                    .bind(&advisory.digest)
                    .bind(&advisory.source)
                    .bind(content)
                    .bind(seq)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await
                    .map_err(StoreError::on_unique("import", CONCURRENT_IMPORT))?;
                    import.advisories_new += 1;
                    new_ids.push(advisory.tracking_id.clone());
                }
                Some(old) => {
                    let order = hygeia_advisories::feed::compare_revisions(
                        (&advisory.version, &advisory.current_release_date),
                        (&old.version, &old.current_release_date),
                    );
                    match order {
                        std::cmp::Ordering::Greater => {
                            sqlx::query(
                                "UPDATE advisories SET publisher_name = $2, version = $3, \
                                 current_release_date = $4, title = $5, cves = $6, cvss_tenths = $7, \
                                 digest = $8, source = $9, content = $10, import_seq = $11, \
                                 updated_at = $12 WHERE id = $1",
                            )
                            .bind(&old.id)
                            .bind(&advisory.publisher)
                            .bind(&advisory.version)
                            .bind(&advisory.current_release_date)
                            .bind(&advisory.title)
                            .bind(serde_json::to_string(&cves).unwrap_or_default())
                            .bind(cvss.map(cvss_tenths))
                            .bind(&advisory.digest)
                            .bind(&advisory.source)
                            .bind(content)
                            .bind(seq)
                            .bind(&now)
                            .execute(&mut *tx)
                            .await?;
                            import.advisories_updated += 1;
                            updated_ids.push(advisory.tracking_id.clone());
                        }
                        std::cmp::Ordering::Equal => import.advisories_unchanged += 1,
                        std::cmp::Ordering::Less => import.advisories_older += 1,
                    }
                }
            }
        }
        if let Some(kev) = &feed.kev {
            import.kev_version = store_kev(&mut tx, kev, seq, &now).await?;
        }
        import.changed =
            import.advisories_new + import.advisories_updated > 0 || import.kev_version.is_some();
        sqlx::query(
            "INSERT INTO advisory_imports (seq, file_names, advisories_new, advisories_updated, \
             advisories_unchanged, advisories_older, kev_version, changed, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(seq)
        .bind(serde_json::to_string(&import.file_names).unwrap_or_default())
        .bind(import.advisories_new)
        .bind(import.advisories_updated)
        .bind(import.advisories_unchanged)
        .bind(import.advisories_older)
        .bind(&import.kev_version)
        .bind(i64::from(import.changed))
        .bind(&now)
        .bind(&actor.label)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::on_unique("import", CONCURRENT_IMPORT))?;
        let mut after = serde_json::to_value(&import).unwrap_or_default();
        if let Some(object) = after.as_object_mut() {
            // Which advisories changed, so the trail says more than counts (capped: a first
            // import holds thousands).
            new_ids.truncate(200);
            updated_ids.truncate(200);
            object.insert("new".into(), serde_json::json!(new_ids));
            object.insert("updated".into(), serde_json::json!(updated_ids));
        }
        let change = Change {
            action: "advisories.import",
            object_type: "advisory_import",
            object_id: &seq.to_string(),
            entity_id: None,
            before: None,
            after: Some(after),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(import)
    }

    /// Every import, newest first.
    pub async fn advisory_imports(&self, limit: i64) -> Result<Vec<AdvisoryImport>> {
        let rows: Vec<ImportRow> = sqlx::query_as(
            "SELECT seq, file_names, advisories_new, advisories_updated, advisories_unchanged, \
             advisories_older, kev_version, changed, created_at, created_by \
             FROM advisory_imports ORDER BY seq DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        Ok(rows.into_iter().map(AdvisoryImport::from).collect())
    }

    /// The feed generation: the last import that changed something (0 before any). Assets
    /// matched at an older generation are due to be matched again.
    pub async fn advisory_generation(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) FROM advisory_imports WHERE changed = 1",
        )
        .fetch_one(self.reader())
        .await?)
    }

    /// What the stored feed holds.
    pub async fn feed_status(&self) -> Result<FeedStatus> {
        let (advisories, newest_release): (i64, Option<String>) =
            sqlx::query_as("SELECT COUNT(*), MAX(current_release_date) FROM advisories")
                .fetch_one(self.reader())
                .await?;
        let kev: Option<(String, i64)> =
            sqlx::query_as("SELECT catalog_version, entries FROM kev_catalogs WHERE id = 1")
                .fetch_optional(self.reader())
                .await?;
        Ok(FeedStatus {
            advisories,
            newest_release,
            kev_version: kev.as_ref().map(|k| k.0.clone()),
            kev_entries: kev.map_or(0, |k| k.1),
            generation: self.advisory_generation().await?,
        })
    }

    /// Rebuilds the matching index from what is stored; `None` when no advisory is stored.
    pub async fn load_advisory_feed(&self) -> Result<Option<AdvisoryFeed>> {
        let generation = self.advisory_generation().await?;
        let rows: Vec<(String, Vec<u8>)> = sqlx::query_as("SELECT id, content FROM advisories")
            .fetch_all(self.reader())
            .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let kev: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT content FROM kev_catalogs WHERE id = 1")
                .fetch_optional(self.reader())
                .await?;
        let mut advisories = Vec::with_capacity(rows.len());
        let mut ids = HashMap::with_capacity(rows.len());
        let mut tracking_ids = HashMap::with_capacity(rows.len());
        for (id, content) in rows {
            let json = decompress(&content, &format!("advisory {id}"))?;
            let advisory: Advisory = serde_json::from_slice(&json)
                .map_err(|e| StoreError::Corrupt(format!("advisory {id}: {e}")))?;
            tracking_ids.insert(id.clone(), advisory.tracking_id.clone());
            ids.insert(
                (
                    advisory.publisher.trim().to_owned(),
                    advisory.tracking_id.trim().to_uppercase(),
                ),
                id,
            );
            advisories.push(advisory);
        }
        let kev = match kev {
            None => None,
            Some(content) => {
                let json = decompress(&content, "the KEV catalog")?;
                let catalog = KevCatalog::from_slice(&json, "stored KEV catalog")
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                Some(catalog)
            }
        };
        Ok(Some(AdvisoryFeed {
            generation,
            index: AdvisoryIndex::new(advisories, kev),
            ids,
            tracking_ids,
        }))
    }

    /// The advisory as matching reads it (products, vulnerabilities, remediations).
    pub async fn advisory_document(&self, id: &str) -> Result<Advisory> {
        let content: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT content FROM advisories WHERE id = $1")
                .bind(id)
                .fetch_optional(self.reader())
                .await?;
        let content = content.ok_or_else(|| StoreError::not_found("advisory", id))?;
        let json = decompress(&content, &format!("advisory {id}"))?;
        serde_json::from_slice(&json)
            .map_err(|e| StoreError::Corrupt(format!("advisory {id}: {e}")))
    }
}

/// Stores the KEV catalog when it is newer than the stored one; returns its version then.
async fn store_kev(
    tx: &mut sqlx::AnyConnection,
    kev: &KevCatalog,
    seq: i64,
    now: &str,
) -> Result<Option<String>> {
    let stored: Option<(String, String)> =
        sqlx::query_as("SELECT catalog_version, date_released FROM kev_catalogs WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((version, released)) = &stored {
        let order = hygeia_advisories::feed::compare_revisions(
            (&kev.catalog_version, &kev.date_released),
            (version, released),
        );
        if order != std::cmp::Ordering::Greater {
            return Ok(None);
        }
    }
    let entries = i64::try_from(kev.len()).unwrap_or(i64::MAX);
    sqlx::query(
        "INSERT INTO kev_catalogs (id, catalog_version, date_released, entries, content, import_seq, \
         updated_at) VALUES (1, $1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET catalog_version = excluded.catalog_version, \
         date_released = excluded.date_released, entries = excluded.entries, \
         content = excluded.content, import_seq = excluded.import_seq, updated_at = excluded.updated_at",
    )
    .bind(&kev.catalog_version)
    .bind(&kev.date_released)
    .bind(entries)
    .bind(compress(kev)?)
    .bind(seq)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(Some(kev.catalog_version.clone()))
}
