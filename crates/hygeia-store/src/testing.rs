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

/// A fresh PostgreSQL database, or `None` (with a printed reason) when no server is configured.
pub async fn postgres() -> Option<TestDb> {
    let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
        eprintln!("skipping PostgreSQL half: {POSTGRES_URL_VAR} is not set");
        return None;
    };
    let name = format!("hygeia_t_{}", uuid::Uuid::now_v7().simple());
    let mut conn = match PgConnection::connect(&admin_url).await {
        Ok(conn) => conn,
        Err(e) => panic!("{POSTGRES_URL_VAR} is set but PostgreSQL is unreachable: {e}"),
    };
    if let Err(e) = conn
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .await
    {
        panic!("cannot create test database {name}: {e}");
    }
    let _ = conn.close().await;
    let mut url = match url::Url::parse(&admin_url) {
        Ok(url) => url,
        Err(e) => panic!("{POSTGRES_URL_VAR} is not a URL: {e}"),
    };
    url.set_path(&format!("/{name}"));
    Some(TestDb {
        name: "postgres",
        url: DatabaseUrl::Postgres(url.to_string()),
        cleanup: Cleanup::Database { admin_url, name },
    })
}

/// The databases every storage test runs on: SQLite always, PostgreSQL when configured.
pub async fn all() -> Vec<TestDb> {
    let mut dbs = vec![sqlite()];
    dbs.extend(postgres().await);
    dbs
}
