//! Password checks (reserved before they run, for throttling), known devices, and browser
//! sessions with their idle and absolute limits.
//!
//! Secrets never reach this crate in clear: session identifiers and device cookies arrive as
//! SHA-256 hashes computed by the caller.

use chrono::{DateTime, Duration, Utc};
use hygeia_domain::clock::{format_instant, parse_instant};
use hygeia_domain::throttle::{AttemptHistory, ThrottlePolicy, Verdict};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::audit::{Change, append};
use crate::database::Backend;
use crate::error::{Result, StoreError};
use crate::users::{USER_COLUMNS_U, UserRow};
use crate::{Actor, Store, User, normalise_email};

/// A password check that may run: its attempt is already counted as a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservedCheck {
    pub attempt_id: i64,
    /// Whether the browser showed a known-device cookie of this account.
    pub known_device: bool,
}

/// The outcome of asking to check a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckReservation {
    Reserved(ReservedCheck),
    /// Too many recent failures: try again after this many seconds.
    Refused {
        retry_after_secs: i64,
    },
}

/// A browser session as stored.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: String,
    pub last_seen_at: String,
}

/// What a user sees of one of their sessions (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionInfo {
    /// A handle to revoke it by: the SHA-256 of the cookie's secret (the secret cannot be
    /// derived from it).
    pub id: String,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
    pub source: String,
    pub user_agent: String,
}

/// A new session's details.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub user_id: &'a str,
    pub id_hash: &'a str,
    pub csrf_token: &'a str,
    pub expires_at: &'a str,
    pub source: &'a str,
    pub user_agent: &'a str,
    /// The session the browser held before signing in (ended: sessions rotate at sign-in).
    pub replaces: Option<&'a str>,
    /// Whether a second factor was given.
    pub mfa: bool,
}

fn instant(text: Option<String>) -> Option<DateTime<Utc>> {
    text.and_then(|t| parse_instant(&t).ok())
}

/// A 63-bit key for PostgreSQL's advisory locks, from a text.
fn lock_key(text: &str) -> i64 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(text.as_bytes());
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes) & i64::MAX
}

impl Store {
    /// Takes the locks that make counting and reserving attempts atomic. SQLite's write
    /// transaction already excludes every other writer; PostgreSQL takes transaction-scoped
    /// advisory locks on the account, then the source (always in that order).
    async fn lock_attempts(
        &self,
        conn: &mut AnyConnection,
        email: &str,
        source: &str,
    ) -> Result<()> {
        if self.backend() == Backend::Postgres {
            for key in [format!("login:{email}"), format!("source:{source}")] {
                sqlx::query("SELECT pg_advisory_xact_lock($1)")
                    .bind(lock_key(&key))
                    .execute(&mut *conn)
                    .await?;
            }
        }
        Ok(())
    }

    async fn count_failures(
        conn: &mut AnyConnection,
        sql: &'static str,
        a: &str,
        b: Option<&str>,
        since: &str,
    ) -> Result<(i64, Option<DateTime<Utc>>)> {
        let mut query = sqlx::query(sql).bind(a);
        if let Some(b) = b {
            query = query.bind(b);
        }
        let row = query.bind(since).fetch_one(&mut *conn).await?;
        let count: i64 = row.try_get(0)?;
        let last: Option<String> = row.try_get(1)?;
        Ok((count, instant(last)))
    }

    /// Counts recent failures and, if the policy allows, reserves one password check for
    /// `email` (counted as a failure until [`Store::finish_password_check`] says otherwise).
    /// Counting and reserving happen under one lock, so concurrent guesses cannot all pass.
    pub async fn reserve_password_check(
        &self,
        email: &str,
        source: &str,
        device_hash: Option<&str>,
        policy: &ThrottlePolicy,
    ) -> Result<CheckReservation> {
        let email = normalise_email(email);
        let now = self.clock().now();
        let since = format_instant(now - policy.window);
        let mut tx = self.begin().await?;
        self.lock_attempts(&mut tx, &email, source).await?;
        let known_device = match device_hash {
            Some(hash) => {
                sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM known_devices d JOIN users u ON u.id = d.user_id \
                 WHERE d.id_hash = $1 AND u.email = $2",
                )
                .bind(hash)
                .bind(&email)
                .fetch_one(&mut *tx)
                .await?
                    > 0
            }
            None => false,
        };
        let origin = match (known_device, device_hash) {
            (true, Some(hash)) => format!("device:{hash}"),
            _ => format!("address:{source}"),
        };
        let (origin_failures, origin_last_failure) = Self::count_failures(
            &mut tx,
            "SELECT COUNT(*), MAX(at) FROM login_attempts \
             WHERE email = $1 AND origin = $2 AND at >= $3 AND succeeded = 0",
            &email,
            Some(&origin),
            &since,
        )
        .await?;
        let (source_failures, source_last_failure) = Self::count_failures(
            &mut tx,
            "SELECT COUNT(*), MAX(at) FROM login_attempts \
             WHERE source = $1 AND at >= $2 AND succeeded = 0",
            source,
            None,
            &since,
        )
        .await?;
        let (account_failures, account_last_failure) = Self::count_failures(
            &mut tx,
            "SELECT COUNT(*), MAX(at) FROM login_attempts \
             WHERE email = $1 AND known_device = 0 AND at >= $2 AND succeeded = 0",
            &email,
            None,
            &since,
        )
        .await?;
        let history = AttemptHistory {
            origin_failures,
            origin_last_failure,
            source_failures,
            source_last_failure,
            account_failures,
            account_last_failure,
            known_device,
        };
        if let Verdict::Wait { seconds } = policy.judge(&history, now) {
            tx.rollback().await?;
            return Ok(CheckReservation::Refused {
                retry_after_secs: seconds,
            });
        }
        let attempt_id: i64 = sqlx::query_scalar(
            "INSERT INTO login_attempts (email, source, at, succeeded, origin, known_device) \
             VALUES ($1, $2, $3, 0, $4, $5) RETURNING id",
        )
        .bind(&email)
        .bind(source)
        .bind(format_instant(now))
        .bind(&origin)
        .bind(i64::from(known_device))
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(CheckReservation::Reserved(ReservedCheck {
            attempt_id,
            known_device,
        }))
    }

    /// Records the outcome of a reserved check: a success stops counting as a failure; both
    /// are written to the audit trail (`auth.login`, `auth.login_failed`, or `action` given).
    pub async fn finish_password_check(
        &self,
        actor: &Actor,
        check: &ReservedCheck,
        email: &str,
        user_id: Option<&str>,
        succeeded: bool,
        action: Option<&str>,
    ) -> Result<()> {
        let now = self.now();
        let email = normalise_email(email);
        let mut tx = self.begin().await?;
        if succeeded {
            sqlx::query("UPDATE login_attempts SET succeeded = 1 WHERE id = $1")
                .bind(check.attempt_id)
                .execute(&mut *tx)
                .await?;
            if let Some(id) = user_id {
                sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let default_action = if succeeded {
            "auth.login"
        } else {
            "auth.login_failed"
        };
        let change = Change {
            action: action.unwrap_or(default_action),
            object_type: "user",
            object_id: user_id.unwrap_or(&email),
            entity_id: None,
            before: None,
            after: Some(serde_json::json!({ "email": email, "known_device": check.known_device })),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- known devices ---------------------------------------------------------------------

    /// Notes a new use of a known-device cookie of `user_id`; false when the cookie is not one
    /// of theirs (unknown, or another user's).
    pub async fn refresh_device(&self, user_id: &str, id_hash: &str) -> Result<bool> {
        let mut tx = self.begin().await?;
        let updated = sqlx::query(
            "UPDATE known_devices SET last_used_at = $3 WHERE id_hash = $1 AND user_id = $2",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(self.now())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(updated > 0)
    }

    /// Remembers a new browser where `user_id` signed in (by its cookie's hash).
    pub async fn remember_device(&self, user_id: &str, id_hash: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO known_devices (id_hash, user_id, created_at, last_used_at) \
             VALUES ($1, $2, $3, $3)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- sessions --------------------------------------------------------------------------

    /// Opens a session (ending the one it replaces, and expired ones).
    pub async fn create_session(&self, new: &NewSession<'_>) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        if let Some(old) = new.replaces {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(old)
                .execute(&mut *tx)
                .await?;
        }
        let user_agent: String = new.user_agent.chars().take(200).collect();
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at, \
             last_seen_at, source, user_agent, mfa) VALUES ($1, $2, $3, $4, $5, $4, $6, $7, $8)",
        )
        .bind(new.id_hash)
        .bind(new.user_id)
        .bind(new.csrf_token)
        .bind(&now)
        .bind(new.expires_at)
        .bind(new.source)
        .bind(&user_agent)
        .bind(i64::from(new.mfa))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The active user of a session that has neither expired nor been idle for `idle`.
    pub async fn session(&self, id_hash: &str, idle: Duration) -> Result<Option<SessionRecord>> {
        use sqlx::FromRow;
        let now = self.clock().now();
        let mut conn = self.reader().acquire().await?;
        let sql = format!(
            "SELECT {USER_COLUMNS_U}, s.csrf_token, s.expires_at AS session_expires_at, \
             s.last_seen_at AS session_last_seen_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 \
             AND u.deactivated_at IS NULL"
        );
        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id_hash)
            .bind(format_instant(now))
            .bind(format_instant(now - idle))
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = found else {
            return Ok(None);
        };
        let csrf_token: String = row.try_get("csrf_token")?;
        let expires_at: String = row.try_get("session_expires_at")?;
        let last_seen_at: String = row.try_get("session_last_seen_at")?;
        let user = UserRow::from_row(&row)?;
        let grants = Self::grants_in(&mut conn, &user.id).await?;
        Ok(Some(SessionRecord {
            user: user.into_user(grants),
            csrf_token,
            expires_at,
            last_seen_at,
        }))
    }

    /// Notes activity on a session (callers do this at most once a minute; not audited).
    pub async fn touch_session(&self, id_hash: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1")
            .bind(id_hash)
            .bind(self.now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A user's open sessions, most recently used first.
    pub async fn list_sessions(&self, user_id: &str) -> Result<Vec<SessionInfo>> {
        let rows = sqlx::query(
            "SELECT id_hash, created_at, last_seen_at, expires_at, source, user_agent \
             FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC",
        )
        .bind(user_id)
        .bind(self.now())
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SessionInfo {
                    id: row.try_get("id_hash")?,
                    created_at: row.try_get("created_at")?,
                    last_seen_at: row.try_get("last_seen_at")?,
                    expires_at: row.try_get("expires_at")?,
                    source: row.try_get("source")?,
                    user_agent: row.try_get("user_agent")?,
                })
            })
            .collect()
    }

    /// Ends one session of `user_id` (signing out, or revoking it from "my sessions").
    pub async fn delete_session(&self, actor: &Actor, id_hash: &str, user_id: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let removed = sqlx::query("DELETE FROM sessions WHERE id_hash = $1 AND user_id = $2")
            .bind(id_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if removed == 0 {
            return Err(StoreError::not_found("session", id_hash));
        }
        let ended_by_owner = actor.user_id.as_deref() == Some(user_id);
        let change = Change {
            action: if ended_by_owner {
                "auth.logout"
            } else {
                "auth.session_revoke"
            },
            object_type: "user",
            object_id: user_id,
            entity_id: None,
            before: None,
            after: None,
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends every session of `user_id` but `keep` ("sign out everywhere else"), or all of
    /// them. Returns how many ended.
    pub async fn delete_sessions(
        &self,
        actor: &Actor,
        user_id: &str,
        keep: Option<&str>,
    ) -> Result<u64> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let removed = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(user_id)
            .bind(keep.unwrap_or(""))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let change = Change {
            action: "auth.logout_everywhere",
            object_type: "user",
            object_id: user_id,
            entity_id: None,
            before: None,
            after: Some(
                serde_json::json!({ "sessions_ended": removed, "kept_current": keep.is_some() }),
            ),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(removed)
    }
}
