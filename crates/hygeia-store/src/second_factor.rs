//! Second factors of users: an authenticator app (TOTP) and single-use recovery codes, and the
//! sign-ins that wait for one. Secrets are encrypted and codes hashed under keys derived from
//! the instance key (`secrets.rs`); without that key none of this can be used.

use hygeia_domain::mfa;
use serde::Serialize;
use sqlx::Row;

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::secrets::{open_secret, recovery_hash, seal_secret};
use crate::{Actor, Store, User};

/// What a user has set up.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecondFactorStatus {
    /// An authenticator app is set up and confirmed.
    pub totp: bool,
    /// Recovery codes not used yet.
    pub recovery_codes_left: i64,
    /// Security keys and passkeys registered.
    pub security_keys: i64,
}

impl SecondFactorStatus {
    /// Whether any second factor is set up (recovery codes alone are not one).
    pub fn any(&self) -> bool {
        self.totp || self.security_keys > 0
    }
}

/// How a second factor was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorUsed {
    Totp,
    RecoveryCode,
    SecurityKey,
}

/// A sign-in waiting for its second factor.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    pub user: User,
    /// The user must first set up a second factor (their role requires one).
    pub must_enrol: bool,
    pub attempts: i64,
    pub source: String,
}

/// Wrong codes a pending sign-in may take before it is dropped (the password is asked again,
/// under its own throttle).
pub const MAX_CODE_ATTEMPTS: i64 = 5;

impl Store {
    pub(crate) fn instance_key(&self) -> Result<&hygeia_domain::audit::AuditKey> {
        self.key().ok_or_else(|| {
            StoreError::Corrupt("second factors need the instance key, and none is loaded".into())
        })
    }

    /// What `user_id` has set up.
    pub async fn second_factor_status(&self, user_id: &str) -> Result<SecondFactorStatus> {
        let totp: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL",
        )
        .bind(user_id)
        .fetch_one(self.reader())
        .await?;
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.reader())
        .await?;
        let security_keys: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM security_keys WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(self.reader())
                .await?;
        Ok(SecondFactorStatus {
            totp: totp > 0,
            recovery_codes_left: left,
            security_keys,
        })
    }

    /// Starts setting up an authenticator app: stores `secret` unconfirmed (replacing an
    /// unconfirmed one). Refused when one is already confirmed: remove it first.
    pub async fn begin_totp_enrolment(&self, user_id: &str, secret: &[u8]) -> Result<()> {
        let sealed = seal_secret(self.instance_key()?, user_id, secret)?;
        let mut tx = self.begin().await?;
        let confirmed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL",
        )
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        if confirmed > 0 {
            return Err(StoreError::Conflict {
                field: "totp",
                message: "an authenticator app is already set up: remove it first".into(),
            });
        }
        sqlx::query("DELETE FROM totp_factors WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO totp_factors (user_id, secret_enc, created_at) VALUES ($1, $2, $3)",
        )
        .bind(user_id)
        .bind(&sealed)
        .bind(self.now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The secret of an enrolment in progress, to show it again (QR code) until confirmed.
    pub async fn pending_totp_secret(&self, user_id: &str) -> Result<Option<Vec<u8>>> {
        let stored: Option<String> = sqlx::query_scalar(
            "SELECT secret_enc FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NULL",
        )
        .bind(user_id)
        .fetch_optional(self.reader())
        .await?;
        stored
            .map(|s| open_secret(self.instance_key()?, user_id, &s))
            .transpose()
    }

    /// Confirms the enrolment with a first code from the app, and issues recovery codes
    /// (their hashes are stored; the codes themselves are returned to show once). `None` when
    /// the code is wrong.
    pub async fn confirm_totp_enrolment(
        &self,
        actor: &Actor,
        user_id: &str,
        code: &str,
        recovery_codes: &[String],
    ) -> Result<Option<()>> {
        let key = self.instance_key()?.clone();
        let now = self.clock().now();
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT secret_enc FROM totp_factors WHERE user_id = $1 AND confirmed_at IS NULL",
        )
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::not_found("authenticator enrolment", user_id))?;
        let secret = open_secret(&key, user_id, &row.try_get::<String, _>("secret_enc")?)?;
        let Some(step) = mfa::verify_totp(&secret, code, now, None) else {
            tx.rollback().await?;
            return Ok(None);
        };
        let at = hygeia_domain::clock::format_instant(now);
        sqlx::query("UPDATE totp_factors SET confirmed_at = $2, last_step = $3 WHERE user_id = $1")
            .bind(user_id)
            .bind(&at)
            .bind(step)
            .execute(&mut *tx)
            .await?;
        Self::store_recovery_codes(&mut tx, &key, user_id, recovery_codes, &at).await?;
        let change = Change {
            action: "mfa.totp_enrol",
            object_type: "user",
            object_id: user_id,
            entity_id: None,
            before: None,
            after: Some(serde_json::json!({ "recovery_codes": recovery_codes.len() })),
        };
        append(&mut tx, actor, &at, change).await?;
        tx.commit().await?;
        Ok(Some(()))
    }

    pub(crate) async fn store_recovery_codes(
        tx: &mut crate::database::WriteTx,
        key: &hygeia_domain::audit::AuditKey,
        user_id: &str,
        codes: &[String],
        at: &str,
    ) -> Result<()> {
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
        for code in codes {
            let hash = recovery_hash(key, user_id, &mfa::normalise_recovery_code(code));
            sqlx::query(
                "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES ($1, $2, $3)",
            )
            .bind(user_id)
            .bind(hash)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Replaces the user's recovery codes (the old ones stop working).
    pub async fn replace_recovery_codes(
        &self,
        actor: &Actor,
        user_id: &str,
        codes: &[String],
    ) -> Result<()> {
        let key = self.instance_key()?.clone();
        let at = self.now();
        let mut tx = self.begin().await?;
        Self::store_recovery_codes(&mut tx, &key, user_id, codes, &at).await?;
        let change = Change {
            action: "mfa.recovery_codes_replace",
            object_type: "user",
            object_id: user_id,
            entity_id: None,
            before: None,
            after: Some(serde_json::json!({ "recovery_codes": codes.len() })),
        };
        append(&mut tx, actor, &at, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks a code from the app, or a recovery code (used up), of `user_id`. A code works
    /// once. Not audited here: the caller records the sign-in or the refusal.
    pub async fn check_second_factor(
        &self,
        user_id: &str,
        code: &str,
    ) -> Result<Option<FactorUsed>> {
        let key = self.instance_key()?.clone();
        let now = self.clock().now();
        let at = hygeia_domain::clock::format_instant(now);
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "SELECT secret_enc, last_step FROM totp_factors \
             WHERE user_id = $1 AND confirmed_at IS NOT NULL",
        )
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = row {
            let secret = open_secret(&key, user_id, &row.try_get::<String, _>("secret_enc")?)?;
            let last: Option<i64> = row.try_get("last_step")?;
            if let Some(step) = mfa::verify_totp(&secret, code, now, last) {
                sqlx::query("UPDATE totp_factors SET last_step = $2 WHERE user_id = $1")
                    .bind(user_id)
                    .bind(step)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok(Some(FactorUsed::Totp));
            }
        }
        let hash = recovery_hash(&key, user_id, &mfa::normalise_recovery_code(code));
        let used = sqlx::query(
            "UPDATE recovery_codes SET used_at = $3 \
             WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
        )
        .bind(user_id)
        .bind(&hash)
        .bind(&at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok((used > 0).then_some(FactorUsed::RecoveryCode))
    }

    /// Removes every second factor of `user_id` (the user, or an administrator resetting a
    /// lost phone); audited. Their sessions end, so the next sign-in follows the policy again.
    pub async fn remove_second_factors(&self, actor: &Actor, user_id: &str) -> Result<()> {
        let at = self.now();
        let mut tx = self.begin().await?;
        for sql in [
            "DELETE FROM totp_factors WHERE user_id = $1",
            "DELETE FROM recovery_codes WHERE user_id = $1",
            "DELETE FROM security_keys WHERE user_id = $1",
            "DELETE FROM security_key_ceremonies WHERE user_id = $1",
            "DELETE FROM sessions WHERE user_id = $1",
        ] {
            sqlx::query(sql).bind(user_id).execute(&mut *tx).await?;
        }
        let change = Change {
            action: "mfa.reset",
            object_type: "user",
            object_id: user_id,
            entity_id: None,
            before: None,
            after: None,
        };
        append(&mut tx, actor, &at, change).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- sign-ins waiting for their second factor -----------------------------------------

    /// Records a sign-in whose password was right, waiting for its second factor until
    /// `expires_at`.
    pub async fn create_pending_sign_in(
        &self,
        user_id: &str,
        id_hash: &str,
        expires_at: &str,
        must_enrol: bool,
        source: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM pending_sign_ins WHERE expires_at < $1 OR user_id = $2")
            .bind(&now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO pending_sign_ins (id_hash, user_id, created_at, expires_at, must_enrol, source) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id_hash)
        .bind(user_id)
        .bind(&now)
        .bind(expires_at)
        .bind(i64::from(must_enrol))
        .bind(source)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The unexpired pending sign-in of this secret's hash, with its (active) user.
    pub async fn pending_sign_in(&self, id_hash: &str) -> Result<Option<PendingSignIn>> {
        let row = sqlx::query(
            "SELECT user_id, must_enrol, attempts, source FROM pending_sign_ins \
             WHERE id_hash = $1 AND expires_at > $2",
        )
        .bind(id_hash)
        .bind(self.now())
        .fetch_optional(self.reader())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user = self.user(&row.try_get::<String, _>("user_id")?).await?;
        if user.deactivated_at.is_some() {
            return Ok(None);
        }
        Ok(Some(PendingSignIn {
            user,
            must_enrol: row.try_get::<i64, _>("must_enrol")? != 0,
            attempts: row.try_get("attempts")?,
            source: row.try_get("source")?,
        }))
    }

    /// Counts a wrong code on a pending sign-in, dropping it after [`MAX_CODE_ATTEMPTS`];
    /// audited as a refused second factor. Returns whether it is still open.
    pub async fn refuse_pending_code(
        &self,
        actor: &Actor,
        id_hash: &str,
        user_id: &str,
    ) -> Result<bool> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let attempts: Option<i64> = sqlx::query_scalar(
            "UPDATE pending_sign_ins SET attempts = attempts + 1 WHERE id_hash = $1 RETURNING attempts",
        )
        .bind(id_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let open = attempts.is_some_and(|n| n < MAX_CODE_ATTEMPTS);
        if !open {
            sqlx::query("DELETE FROM pending_sign_ins WHERE id_hash = $1")
                .bind(id_hash)
                .execute(&mut *tx)
                .await?;
        }
        let change = Change {
            action: "auth.second_factor_failed",
            object_type: "user",
            object_id: user_id,
            entity_id: None,
            before: None,
            after: Some(serde_json::json!({ "attempts": attempts, "dropped": !open })),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(open)
    }

    /// Ends a pending sign-in (completed or abandoned).
    pub async fn delete_pending_sign_in(&self, id_hash: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM pending_sign_ins WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
