//! The sealed audit trail from the command line: a chain rewritten and re-hashed with the
//! database's own access fails its seals; removed records are caught by the anchor; a restore
//! cannot roll the trail back silently; exports for a SIEM and sealed exports for auditors.

use hygeia_domain::audit::{AuditRecord, record_hash};
use sqlx::Row;

use super::*;

/// Connects straight to the database, as an intruder with the database's credentials would.
pub(super) async fn raw(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let url = if url.starts_with("sqlite://") {
        format!("{url}?mode=rw")
    } else {
        url.to_owned()
    };
    sqlx::AnyPool::connect(&url).await.unwrap()
}

fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite://")
}

async fn drop_guards(pool: &sqlx::AnyPool, url: &str) {
    use sqlx::Executor;
    if is_sqlite(url) {
        pool.execute("DROP TRIGGER audit_log_no_update")
            .await
            .unwrap();
        pool.execute("DROP TRIGGER audit_log_no_delete")
            .await
            .unwrap();
    } else {
        pool.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
            .await
            .unwrap();
    }
}

/// Rewrites one record's actor and recomputes every hash after it, moving the head: the plain
/// hash chain is whole again. The seals cannot be recomputed without the key.
async fn rewrite_and_rehash(url: &str) {
    let pool = raw(url).await;
    drop_guards(&pool, url).await;
    let rows = sqlx::query(
        "SELECT seq, at, actor_id, actor_label, source, request_id, action, object_type, \
         object_id, entity_id, before_json, after_json, prev_hash, hash, mac FROM audit_log ORDER BY seq",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut records: Vec<AuditRecord> = rows
        .iter()
        .map(|r| AuditRecord {
            seq: r.get("seq"),
            at: r.get("at"),
            actor_id: r.get("actor_id"),
            actor_label: r.get("actor_label"),
            source: r.get("source"),
            request_id: r.get("request_id"),
            action: r.get("action"),
            object_type: r.get("object_type"),
            object_id: r.get("object_id"),
            entity_id: r.get("entity_id"),
            before: r.get("before_json"),
            after: r.get("after_json"),
            prev_hash: r.get("prev_hash"),
            hash: r.get("hash"),
            mac: r.get("mac"),
        })
        .collect();
    let target = records.len() / 2;
    records[target].actor_label = "intruder@example.org".into();
    for i in target..records.len() {
        if i > 0 {
            records[i].prev_hash = records[i - 1].hash.clone();
        }
        records[i].hash = record_hash(&records[i]);
        sqlx::query(
            "UPDATE audit_log SET actor_label = $1, prev_hash = $2, hash = $3 WHERE seq = $4",
        )
        .bind(&records[i].actor_label)
        .bind(&records[i].prev_hash)
        .bind(&records[i].hash)
        .bind(records[i].seq)
        .execute(&pool)
        .await
        .unwrap();
    }
    let last = records.last().unwrap();
    sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&last.hash)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
}

#[tokio::test]
async fn a_rewritten_and_rehashed_trail_fails_its_seals() {
    for (_db, url) in databases().await {
        create_entities(&url);
        let out = hygeia(&["audit", "verify"], &url);
        let report = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{report}");
        assert!(
            report.contains("sealed") && !report.contains(" 0 sealed"),
            "{report}"
        );
        // Without the anchor (an intruder could delete that file too), the seals alone tell.
        let _ = std::fs::remove_file(anchor_file(&url));
        rewrite_and_rehash(&url).await;
        let out = hygeia(&["audit", "verify"], &url);
        let report = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{report}");
        assert!(report.contains("no valid seal"), "{report}");
    }
}

fn anchor_file(url: &str) -> PathBuf {
    match url.strip_prefix("sqlite://") {
        Some(path) => Path::new(path).parent().unwrap().join("audit-anchor.json"),
        None => data_dir_for(url).join("audit-anchor.json"),
    }
}

#[tokio::test]
async fn removed_newest_records_are_caught_by_the_anchor() {
    for (_db, url) in databases().await {
        create_entities(&url);
        let out = hygeia(&["audit", "head"], &url);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let anchor = text(&out.stdout).trim().to_owned();
        let (seq, _) = anchor.split_once(':').unwrap();
        let seq: i64 = seq.parse().unwrap();
        assert!(anchor_file(&url).exists());
        // Delete the two newest records and move the head back: a consistent shorter chain.
        let pool = raw(&url).await;
        drop_guards(&pool, &url).await;
        sqlx::query("DELETE FROM audit_log WHERE seq > $1")
            .bind(seq - 2)
            .execute(&pool)
            .await
            .unwrap();
        let hash: String = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
            .bind(seq - 2)
            .fetch_one(&pool)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq - 2)
            .bind(&hash)
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        // The anchor file beside the key catches it, and so does an anchor given explicitly.
        let out = hygeia(&["audit", "verify"], &url);
        let report = text(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{report}");
        assert!(report.contains("records were removed"), "{report}");
        let _ = std::fs::remove_file(anchor_file(&url));
        let out = hygeia(&["audit", "verify"], &url);
        assert_eq!(
            out.status.code(),
            Some(0),
            "without an anchor the cut is invisible"
        );
        let out = hygeia(&["audit", "verify", "--expect-head", &anchor], &url);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
        let out = hygeia(&["audit", "verify", "--expect-head", "12:nothex"], &url);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    }
}

#[test]
fn a_restore_does_not_roll_the_trail_back_silently() {
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("live.db").display());
    create_entities(&url);
    let backup = dir.join("old.db");
    assert!(
        hygeia(&["backup", "--to", &backup.display().to_string()], &url)
            .status
            .success()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&backup).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a backup readable by other accounts");
        let mode = std::fs::metadata(dir.join("live.db"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let key = std::fs::metadata(dir.join("secret.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(key & 0o777, 0o600);
    }
    // Newer work, anchored.
    let out = hygeia(
        &[
            "token",
            "create",
            "--email",
            "admin@hygee-demo.example",
            "--name",
            "later",
        ],
        &url,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(hygeia(&["audit", "head"], &url).status.success());
    let backup_arg = backup.display().to_string();
    let out = hygeia(&["restore", "--from", &backup_arg], &url);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("roll the trail back"),
        "{}",
        text(&out.stderr)
    );
    let out = hygeia(
        &["restore", "--from", &backup_arg, "--allow-rollback"],
        &url,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn exports_feed_a_siem_and_a_sealed_copy_checks_out() {
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("h.db").display());
    create_entities(&url);
    let out = hygeia(
        &["audit", "export", "--format", "syslog", "--after", "2"],
        &url,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let syslog = text(&out.stdout);
    let first = syslog.lines().next().unwrap();
    assert!(
        first.starts_with("<10") && first.contains(" hygeia - "),
        "{first}"
    );
    assert!(first.contains("[audit@32473 seq=\"3\""), "{first}");
    let out = hygeia(&["audit", "export", "--format", "jsonl", "--sealed"], &url);
    let export = dir.join("audit.jsonl");
    std::fs::write(&export, &out.stdout).unwrap();
    let lines = text(&out.stdout).lines().count();
    assert!(lines > 5);
    let check = hygeia(
        &["audit", "check-export", &export.display().to_string()],
        &url,
    );
    assert!(check.status.success(), "{}", text(&check.stdout));
    // One record changed in the copy: detected.
    let changed = text(&out.stdout).replacen("entity.create", "entity.delete", 1);
    std::fs::write(&export, changed).unwrap();
    let check = hygeia(
        &["audit", "check-export", &export.display().to_string()],
        &url,
    );
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stdout));
    let _ = std::fs::remove_dir_all(dir);
}
