//! Fresh, migrated databases on both engines for tests.
//!
//! Every test runs against embedded SQLite (a new file in the temporary directory) and, when
//! `HYGEIA_TEST_POSTGRES_URL` names a PostgreSQL server, against a new database created there
//! for that test alone and dropped afterwards. Without the variable the PostgreSQL half is
//! skipped with a printed reason, so a developer without PostgreSQL still runs the SQLite half.
//!
//! Test support only (feature `testing`): a database that cannot be set up aborts the test.

#![allow(clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use hygeia_domain::clock::{Clock, FixedClock};
use sqlx::{Connection, Executor, PgConnection};

use crate::{DatabaseUrl, Store};

/// The variable naming the PostgreSQL server used by tests.
pub const POSTGRES_URL_VAR: &str = "HYGEIA_TEST_POSTGRES_URL";

/// A clock frozen at 2026-03-02 09:00 UTC.
pub fn test_clock() -> Arc<dyn Clock> {
    Arc::new(FixedClock(
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .unwrap_or_default(),
    ))
}

/// A database created for one test; dropped (PostgreSQL) or deleted (SQLite) with it.
pub struct TestDb {
    pub name: &'static str,
    pub url: DatabaseUrl,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Database { admin_url: String, name: String },
}

impl TestDb {
    /// Opens a migrated store on this database with the given clock.
    pub async fn store(&self, clock: Arc<dyn Clock>) -> Store {
        match Store::open(&self.url, clock).await {
            Ok(store) => store,
            Err(e) => panic!("cannot open the {} test database: {e}", self.name),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Database { admin_url, name } => {
                let admin_url = admin_url.clone();
                let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                // Dropping needs async I/O; do it on a short-lived thread of its own.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async move {
                        if let Ok(mut conn) = PgConnection::connect(&admin_url).await {
                            let _ = conn.execute(sqlx::AssertSqlSafe(sql)).await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// A fresh SQLite database file in its own temporary folder.
pub fn sqlite() -> TestDb {
    let dir = std::env::temp_dir().join(format!("hygeia-test-{}", uuid::Uuid::now_v7()));
    TestDb {
        name: "sqlite",
        url: DatabaseUrl::Sqlite(dir.join("hygeia.db")),
        cleanup: Cleanup::File(dir),
    }
}

/// The URL of database `name` on the server of `admin_url`.
fn database_url(admin_url: &str, name: &str) -> String {
    let mut url = match url::Url::parse(admin_url) {
        Ok(url) => url,
        Err(e) => panic!("{POSTGRES_URL_VAR} is not a URL: {e}"),
    };
    url.set_path(&format!("/{name}"));
    url.to_string()
}

async fn admin_connection(admin_url: &str) -> PgConnection {
    match PgConnection::connect(admin_url).await {
        Ok(conn) => conn,
        Err(e) => panic!("{POSTGRES_URL_VAR} is set but PostgreSQL is unreachable: {e}"),
    }
}

async fn run(conn: &mut PgConnection, sql: String) -> Result<(), sqlx::Error> {
    conn.execute(sqlx::AssertSqlSafe(sql)).await.map(|_| ())
}

/// The template database holding this build's migrated schema, named after the migrations'
/// checksums so that a changed migration gets a new one. Created once per server (under an
/// advisory lock, so parallel tests and test binaries wait for the first), then copied for
/// each test: a copy costs a fifth of running the migrations again.
async fn migrated_template(admin_url: &str) -> String {
    // FNV-1a over every migration's version and checksum.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for migration in crate::database::POSTGRES_MIGRATIONS.iter() {
        for byte in migration
            .version
            .to_le_bytes()
            .iter()
            .chain(migration.checksum.iter())
        {
            hash = (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let name = format!("hygeia_template_{hash:016x}");
    let mut conn = admin_connection(admin_url).await;
    // Any fixed key: only template builders take this lock.
    let lock = 0x6879_6765_6961_i64;
    if let Err(e) = run(&mut conn, format!("SELECT pg_advisory_lock({lock})")).await {
        panic!("cannot lock the test template: {e}");
    }
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("cannot look for the test template: {e}"));
    if exists.is_none() {
        let building = format!("{name}_building");
        let steps = async {
            run(
                &mut conn,
                format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"),
            )
            .await?;
            run(&mut conn, format!("CREATE DATABASE \"{building}\"")).await?;
            let url = DatabaseUrl::Postgres(database_url(admin_url, &building));
            let store = Store::open(&url, test_clock())
                .await
                .map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
            // A template must have no connection left when it is copied.
            store.close().await;
            run(
                &mut conn,
                format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\""),
            )
            .await
        };
        if let Err(e) = steps.await {
            panic!("cannot build the test template {name}: {e}");
        }
    }
    let _ = run(&mut conn, format!("SELECT pg_advisory_unlock({lock})")).await;
    let _ = conn.close().await;
    name
}

/// A new PostgreSQL database, migrated (a copy of the template) or empty, or `None` (with a
/// printed reason) when no server is configured.
async fn postgres_database(migrated: bool) -> Option<TestDb> {
    let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
        eprintln!("skipping PostgreSQL half: {POSTGRES_URL_VAR} is not set");
        return None;
    };
    let template = if migrated {
        Some(migrated_template(&admin_url).await)
    } else {
        None
    };
    let name = format!("hygeia_t_{}", uuid::Uuid::now_v7().simple());
    let mut conn = admin_connection(&admin_url).await;
    let sql = match &template {
        Some(template) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""),
        None => format!("CREATE DATABASE \"{name}\""),
    };
    if let Err(e) = run(&mut conn, sql).await {
        panic!("cannot create test database {name}: {e}");
    }
    // A test database is thrown away: its commits need not wait for the disk.
    let fast = format!("ALTER DATABASE \"{name}\" SET synchronous_commit = off");
    if let Err(e) = run(&mut conn, fast).await {
        panic!("cannot set up test database {name}: {e}");
    }
    let _ = conn.close().await;
    Some(TestDb {
        name: "postgres",
        url: DatabaseUrl::Postgres(database_url(&admin_url, &name)),
        cleanup: Cleanup::Database { admin_url, name },
    })
}

/// A fresh PostgreSQL database with this build's schema, or `None` (with a printed reason)
/// when no server is configured.
pub async fn postgres() -> Option<TestDb> {
    postgres_database(true).await
}

/// The databases every storage test runs on: SQLite always, PostgreSQL when configured; the
/// PostgreSQL one already has this build's schema.
pub async fn all() -> Vec<TestDb> {
    let mut dbs = vec![sqlite()];
    dbs.extend(postgres().await);
    dbs
}

/// Like [`all`], with databases that have no schema yet (for tests of the migrations).
pub async fn all_empty() -> Vec<TestDb> {
    let mut dbs = vec![sqlite()];
    dbs.extend(postgres_database(false).await);
    dbs
}
