//! Security keys and passkeys (WebAuthn) of users, as second factors. The credential itself
//! (public key, signature counter) is opaque here: the web layer checks the ceremonies and
//! hands over its serialised form, which is sealed under a key derived from the instance key
//! and bound to its user and credential id, so a row written or moved without that key does
//! not open. Ceremonies in progress keep their challenge state server-side until they expire.

use serde::Serialize;
use sqlx::Row;

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::secrets::{open_secret, seal_secret};
use crate::{Actor, Store};

/// Most keys one user may register.
pub const MAX_SECURITY_KEYS: i64 = 10;

/// A registered key, as listed to its owner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityKey {
    pub id: String,
    /// The name its owner gave it ("YubiKey on my keyring").
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// A key's stored credential, opened, to check a sign-in against.
#[derive(Debug, Clone)]
pub struct SecurityKeyCredential {
    pub id: String,
    pub credential_id: String,
    /// The web layer's serialised credential.
    pub credential: Vec<u8>,
}

/// Which ceremony is in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ceremony {
    Register,
    SignIn,
}

impl Ceremony {
    fn code(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SignIn => "sign_in",
        }
    }
}

/// A key about to be stored, after its registration was checked.
#[derive(Debug, Clone)]
pub struct NewSecurityKey<'a> {
    pub name: &'a str,
    pub credential_id: &'a str,
    pub credential: &'a [u8],
}

fn seal_owner(user_id: &str, credential_id: &str) -> String {
    format!("security-key/{user_id}/{credential_id}")
}

impl Store {
    /// The keys `user_id` registered, oldest first.
    pub async fn security_keys(&self, user_id: &str) -> Result<Vec<SecurityKey>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, last_used_at FROM security_keys \
             WHERE user_id = $1 ORDER BY created_at, id",
        )
        .bind(user_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SecurityKey {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    created_at: row.try_get("created_at")?,
                    last_used_at: row.try_get("last_used_at")?,
                })
            })
            .collect()
    }

    /// The opened credentials of `user_id`'s keys.
    pub async fn security_key_credentials(
        &self,
        user_id: &str,
    ) -> Result<Vec<SecurityKeyCredential>> {
        let key = self.instance_key()?;
        let rows = sqlx::query(
            "SELECT id, credential_id, credential_enc FROM security_keys WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|row| {
                let credential_id: String = row.try_get("credential_id")?;
                let sealed: String = row.try_get("credential_enc")?;
                Ok(SecurityKeyCredential {
                    id: row.try_get("id")?,
                    credential: open_secret(key, &seal_owner(user_id, &credential_id), &sealed)?,
                    credential_id,
                })
            })
            .collect()
    }

    /// Stores a checked registration of `user_id`, audited. When the user has no unused
    /// recovery code left, `recovery_codes` are stored with it and `true` is returned: the
    /// caller shows them once.
    pub async fn add_security_key(
        &self,
        actor: &Actor,
        user_id: &str,
        new: NewSecurityKey<'_>,
        recovery_codes: &[String],
    ) -> Result<(SecurityKey, bool)> {
        let key = self.instance_key()?.clone();
        let sealed = seal_secret(
            &key,
            &seal_owner(user_id, new.credential_id),
            new.credential,
        )?;
        let at = self.now();
        let mut tx = self.begin().await?;
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM security_keys WHERE user_id = $1")
                .bind(user_id)
                .fetch_one(&mut *tx)
                .await?;
        if count >= MAX_SECURITY_KEYS {
            return Err(StoreError::Conflict {
                field: "name",
                message: format!(
                    "at most {MAX_SECURITY_KEYS} security keys per user: remove one first"
                ),
            });
        }
        let taken: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM security_keys WHERE credential_id = $1")
                .bind(new.credential_id)
                .fetch_one(&mut *tx)
                .await?;
        if taken > 0 {
            return Err(StoreError::Conflict {
                field: "credential",
                message: "this security key is already registered".into(),
            });
        }
        let id = uuid::Uuid::now_v7().to_string();
        sqlx::query(
            "INSERT INTO security_keys (id, user_id, name, credential_id, credential_enc, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(user_id)
        .bind(new.name)
        .bind(new.credential_id)
        .bind(&sealed)
        .bind(&at)
        .execute(&mut *tx)
        .await?;
        let codes_left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(&mut *tx)
        .await?;
        let issue_codes = codes_left == 0 && !recovery_codes.is_empty();
        if issue_codes {
            Self::store_recovery_codes(&mut tx, &key, user_id, recovery_codes, &at).await?;
        }
        let change = Change {
            action: "mfa.security_key_add",
            object_type: "user",
            object_id: user_id,
            entity_id: None,
            before: None,
            after: Some(serde_json::json!({
                "security_key": id,
                "name": new.name,
                "recovery_codes": if issue_codes { recovery_codes.len() } else { 0 },
            })),
        };
        append(&mut tx, actor, &at, change).await?;
        tx.commit().await?;
        let added = SecurityKey {
            id,
            name: new.name.to_owned(),
            created_at: at,
            last_used_at: None,
        };
        Ok((added, issue_codes))
    }

    /// Records a sign-in with key `key_id` of `user_id`: its updated credential (counter) and
    /// when it was used.
    pub async fn security_key_used(
        &self,
        user_id: &str,
        key_id: &str,
        credential_id: &str,
        credential: &[u8],
    ) -> Result<()> {
        let sealed = seal_secret(
            self.instance_key()?,
            &seal_owner(user_id, credential_id),
            credential,
        )?;
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE security_keys SET credential_enc = $3, last_used_at = $4 \
             WHERE id = $1 AND user_id = $2",
        )
        .bind(key_id)
        .bind(user_id)
        .bind(&sealed)
        .bind(self.now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes key `key_id` of `user_id`, audited.
    pub async fn remove_security_key(
        &self,
        actor: &Actor,
        user_id: &str,
        key_id: &str,
    ) -> Result<()> {
        let at = self.now();
        let mut tx = self.begin().await?;
        let name: Option<String> = sqlx::query_scalar(
            "DELETE FROM security_keys WHERE id = $1 AND user_id = $2 RETURNING name",
        )
        .bind(key_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let name = name.ok_or_else(|| StoreError::not_found("security key", key_id))?;
        let change = Change {
            action: "mfa.security_key_remove",
            object_type: "user",
            object_id: user_id,
            entity_id: None,
            before: Some(serde_json::json!({ "security_key": key_id, "name": name })),
            after: None,
        };
        append(&mut tx, actor, &at, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Keeps the state of a ceremony of `user_id` until `expires_at`, replacing one of the
    /// same kind in progress.
    pub async fn begin_security_key_ceremony(
        &self,
        user_id: &str,
        ceremony: Ceremony,
        state: &str,
        name: &str,
        expires_at: &str,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM security_key_ceremonies WHERE user_id = $1 AND kind = $2")
            .bind(user_id)
            .bind(ceremony.code())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO security_key_ceremonies (user_id, kind, state, name, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user_id)
        .bind(ceremony.code())
        .bind(state)
        .bind(name)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes (and ends) the unexpired ceremony of `user_id`: its state and the name given at
    /// its start. A challenge is answered once.
    pub async fn take_security_key_ceremony(
        &self,
        user_id: &str,
        ceremony: Ceremony,
    ) -> Result<Option<(String, String)>> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "DELETE FROM security_key_ceremonies WHERE user_id = $1 AND kind = $2 \
             RETURNING state, name, expires_at",
        )
        .bind(user_id)
        .bind(ceremony.code())
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let expires_at: String = row.try_get("expires_at")?;
        if expires_at <= self.now() {
            return Ok(None);
        }
        Ok(Some((row.try_get("state")?, row.try_get("name")?)))
    }
}
