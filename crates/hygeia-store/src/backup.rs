//! Online backup and restore of the embedded SQLite database.

use std::path::Path;

use sqlx::{Connection, Executor, SqliteConnection};

use crate::error::{Result, StoreError};
use crate::{Backend, Store};

/// Writes a consistent copy of the live database to `to` with `VACUUM INTO`, which reads one
/// snapshot while the server keeps running. Refuses to overwrite an existing file.
pub async fn backup_sqlite(store: &Store, to: &Path) -> Result<u64> {
    if store.backend() != Backend::Sqlite {
        return Err(StoreError::BadUrl(
            "backup works on the embedded SQLite database; use pg_dump for PostgreSQL".into(),
        ));
    }
    if to.exists() {
        return Err(StoreError::File {
            path: to.display().to_string(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "the backup file already exists",
            ),
        });
    }
    let target = to.display().to_string();
    // Created empty and private first: SQLite writes into it and keeps its permissions, so
    // the copy of every secret hash and evidence file is never readable by other accounts.
    crate::files::new_private_file(to)?;
    sqlx::query("VACUUM INTO $1")
        .bind(&target)
        .execute(store.reader())
        .await?;
    std::fs::metadata(to)
        .map(|m| m.len())
        .map_err(|source| StoreError::File {
            path: target,
            source,
        })
}

/// Replaces the SQLite database at `db` by the backup `from`, after checking that the backup is
/// an intact Hygeia database and, with `known_head`, that its audit trail reaches at least that
/// record (an older backup would silently roll the trail back). The server must be stopped.
/// The old file is kept beside it with a `.before-restore` suffix, so a mistaken restore can be
/// undone.
pub async fn restore_sqlite(from: &Path, db: &Path, known_head: Option<i64>) -> Result<()> {
    let file_error = |path: &Path| {
        let path = path.display().to_string();
        move |source| StoreError::File { path, source }
    };
    std::fs::metadata(from).map_err(file_error(from))?;
    {
        let url = format!("sqlite://{}?mode=ro", from.display());
        let mut conn = SqliteConnection::connect(&url).await?;
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&mut conn)
            .await?;
        if check != "ok" {
            return Err(StoreError::Corrupt(format!(
                "the backup fails its integrity check: {check}"
            )));
        }
        let head: Option<i64> = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_optional(&mut conn)
            .await
            .map_err(|_| StoreError::Corrupt("the file is not a Hygeia database".into()))?;
        let Some(head) = head else {
            return Err(StoreError::Corrupt(
                "the file is not a Hygeia database".into(),
            ));
        };
        if let Some(known) = known_head
            && head < known
        {
            return Err(StoreError::Rollback {
                backup: head,
                known,
            });
        }
        conn.close().await?;
    }
    let staging = db.with_extension("restoring");
    std::fs::copy(from, &staging).map_err(file_error(&staging))?;
    crate::files::make_private(&staging)?;
    if db.exists() {
        // Fold the WAL into the old file so the kept copy is whole, then set it aside.
        if let Ok(mut conn) = SqliteConnection::connect(&format!("sqlite://{}", db.display())).await
        {
            let _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").await;
            let _ = conn.close().await;
        }
        let kept = db.with_extension("before-restore");
        std::fs::rename(db, &kept).map_err(file_error(db))?;
    }
    for suffix in ["-wal", "-shm"] {
        let side = format!("{}{suffix}", db.display());
        let _ = std::fs::remove_file(side);
    }
    std::fs::rename(&staging, db).map_err(file_error(db))?;
    Ok(())
}
