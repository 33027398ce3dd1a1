//! Connecting to either engine, migrating, and the transaction discipline.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hygeia_domain::audit::AuditKey;
use hygeia_domain::clock::{Clock, format_instant};
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Executor, Transaction};

use crate::error::{Result, StoreError};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
pub(crate) static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where the database is. Its `Display` and `Debug` never show a password.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file, created if absent.
    Sqlite(PathBuf),
    /// A `postgres://` or `postgresql://` URL.
    Postgres(String),
}

impl DatabaseUrl {
    /// Reads `postgres://…`, `sqlite://PATH`, `sqlite:PATH` or a bare file path.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() {
            return Err(StoreError::BadUrl("it is empty".into()));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            url::Url::parse(text)
                .map_err(|e| StoreError::BadUrl(format!("{e} in a PostgreSQL URL")))?;
            return Ok(DatabaseUrl::Postgres(text.to_owned()));
        }
        if let Some(path) = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                return Err(StoreError::BadUrl(
                    "an SQLite URL needs a file path (sqlite://PATH)".into(),
                ));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if text.contains("://") {
            let scheme = text.split("://").next().unwrap_or_default();
            return Err(StoreError::BadUrl(format!(
                "unsupported scheme '{scheme}' (use postgres:// or sqlite://)"
            )));
        }
        Ok(DatabaseUrl::Sqlite(PathBuf::from(text)))
    }

    pub fn backend(&self) -> Backend {
        match self {
            DatabaseUrl::Sqlite(_) => Backend::Sqlite,
            DatabaseUrl::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite file, if this is an SQLite database.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            DatabaseUrl::Sqlite(path) => Some(path),
            DatabaseUrl::Postgres(_) => None,
        }
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(text) => match url::Url::parse(text) {
                Ok(mut url) => {
                    if url.password().is_some() {
                        let _ = url.set_password(Some("********"));
                    }
                    write!(f, "{url}")
                }
                Err(_) => f.write_str("postgres://(unreadable URL)"),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// A write transaction, carrying the key that seals the audit records it appends. It reads as
/// the connection it runs on (`&mut *tx` in queries).
pub(crate) struct WriteTx {
    inner: Transaction<'static, Any>,
    pub(crate) audit_key: Option<Arc<AuditKey>>,
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<()> {
        Ok(self.inner.commit().await?)
    }

    pub(crate) async fn rollback(self) -> Result<()> {
        Ok(self.inner.rollback().await?)
    }
}

/// The storage of one Hygeia instance: connection pools, engine and clock.
///
/// On SQLite, writes go through a pool of one connection (SQLite allows one writer at a time,
/// and `BEGIN IMMEDIATE` takes the write lock up front instead of failing half-way); reads use
/// their own pool and run concurrently thanks to WAL. On PostgreSQL both are the same pool.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    read: AnyPool,
    write: AnyPool,
    clock: Arc<dyn Clock>,
    /// Seals audit records and derives the keys of second-factor secrets; none on a store
    /// opened without one (records are then chained but not sealed).
    key: Option<Arc<AuditKey>>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Connects without touching the schema. Creates the SQLite file (and its folder) if absent.
    pub async fn connect(url: &DatabaseUrl, clock: Arc<dyn Clock>) -> Result<Self> {
        install_default_drivers();
        match url {
            DatabaseUrl::Sqlite(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    crate::files::private_dir(dir)?;
                }
                crate::files::private_database(path)?;
                let conn = format!("sqlite://{}?mode=rwc", path.display());
                let write = sqlite_pool(1).connect(&conn).await?;
                // WAL is a property of the file: set it once, before readers open it.
                write.execute("PRAGMA journal_mode = WAL").await?;
                let read = sqlite_pool(8).connect(&conn).await?;
                Ok(Self {
                    backend: Backend::Sqlite,
                    read,
                    write,
                    clock,
                    key: None,
                })
            }
            DatabaseUrl::Postgres(conn) => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .after_connect(|conn, _meta| {
                        // The hub serves many short reads at once: starting parallel workers
                        // costs more than they save (measured on the inventory's lists, ADR 10)
                        // and takes cores from the other requests.
                        Box::pin(async move {
                            conn.execute("SET max_parallel_workers_per_gather = 0")
                                .await?;
                            Ok(())
                        })
                    })
                    .connect(conn)
                    .await?;
                Ok(Self {
                    backend: Backend::Postgres,
                    read: pool.clone(),
                    write: pool,
                    clock,
                    key: None,
                })
            }
        }
    }

    /// Connects and brings the schema up to date; fails (and serves nothing) if a migration fails.
    pub async fn open(url: &DatabaseUrl, clock: Arc<dyn Clock>) -> Result<Self> {
        let store = Self::connect(url, clock).await?;
        store.migrate().await?;
        let indexed = store.index_unindexed_assets().await?;
        if indexed > 0 {
            tracing::info!(
                assets = indexed,
                "indexed assets stored before search terms existed"
            );
        }
        let placed = store.place_unplaced().await?;
        if placed > 0 {
            tracing::info!(
                entities = placed,
                "placed on the map the assets and flows stored before places existed"
            );
        }
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The same store with the instance key: audit records are sealed from now on, and
    /// second-factor secrets can be stored.
    pub fn with_key(mut self, key: AuditKey) -> Self {
        self.key = Some(Arc::new(key));
        self
    }

    pub(crate) fn key(&self) -> Option<&AuditKey> {
        self.key.as_deref()
    }

    fn migrator(&self) -> &'static Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies pending migrations, each in its own transaction.
    pub async fn migrate(&self) -> Result<()> {
        self.migrator().run(&self.write).await?;
        Ok(())
    }

    /// Succeeds when the database answers and every migration this build knows is applied.
    pub async fn check_ready(&self) -> Result<()> {
        let expected = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(&self.read)
                .await
                .map_err(|e| StoreError::SchemaNotCurrent(format!("no migration table ({e})")))?;
        match applied {
            Some(version) if version == expected => Ok(()),
            other => Err(StoreError::SchemaNotCurrent(format!(
                "schema version {} but this build needs {expected}",
                other.unwrap_or(0)
            ))),
        }
    }

    /// Begins a write transaction (taking SQLite's write lock at once).
    pub(crate) async fn begin(&self) -> Result<WriteTx> {
        let inner = match self.backend {
            Backend::Sqlite => self.write.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.write.begin().await?,
        };
        Ok(WriteTx {
            inner,
            audit_key: self.key.clone(),
        })
    }

    /// Refreshes the query planner's statistics, as after a bulk load: the inventory's
    /// filters pick between a scan in list order and an index lookup by how many rows a term
    /// has, which only statistics tell. SQLite: `ANALYZE`. PostgreSQL: `VACUUM (ANALYZE)`,
    /// which also marks the pages whose rows every transaction sees, so that numbered pages
    /// deep in a list are read from the index alone (autovacuum does both on its own, later).
    pub async fn optimize(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => self.write.execute("ANALYZE").await?,
            Backend::Postgres => self.write.execute("VACUUM (ANALYZE)").await?,
        };
        Ok(())
    }

    /// Keeps the planner's statistics current while the hub runs: SQLite's `PRAGMA optimize`
    /// analyses the tables that changed much since their last analysis (and does nothing
    /// otherwise); PostgreSQL's autovacuum does the same on its own.
    pub async fn keep_statistics(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            self.write.execute("PRAGMA optimize").await?;
        }
        Ok(())
    }

    pub(crate) fn reader(&self) -> &AnyPool {
        &self.read
    }

    /// The current instant, formatted for storage.
    pub(crate) fn now(&self) -> String {
        format_instant(self.clock.now())
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Closes the pools, waiting for running queries.
    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

fn sqlite_pool(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL;",
                )
                .await?;
                Ok(())
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_recognised_and_passwords_hidden() {
        let pg = DatabaseUrl::parse("postgres://hygeia:s3cret@db.example:5432/hygeia").ok();
        assert_eq!(
            pg.as_ref().map(DatabaseUrl::backend),
            Some(Backend::Postgres)
        );
        let shown = pg.map(|u| format!("{u} {u:?}")).unwrap_or_default();
        assert!(
            !shown.contains("s3cret") && shown.contains("********"),
            "{shown}"
        );

        assert_eq!(
            DatabaseUrl::parse("sqlite://data/h.db").ok(),
            Some(DatabaseUrl::Sqlite("data/h.db".into()))
        );
        assert_eq!(
            DatabaseUrl::parse("./h.db").ok(),
            Some(DatabaseUrl::Sqlite("./h.db".into()))
        );
        let err = DatabaseUrl::parse("mysql://x")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("unsupported scheme 'mysql'"), "{err}");
    }
}
