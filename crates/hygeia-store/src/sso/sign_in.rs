//! Single sign-on: the sign-ins sent to a provider and not back yet (single use, expiring,
//! their PKCE verifier encrypted), and the accounts linked to an identity at a provider.

use sqlx::Row;

use super::{MAX_OPEN_FLOWS, SsoFlow, SsoLinked};
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::secrets::{open_secret, seal_secret};
use crate::users::check_new_user;
use crate::{Actor, NewUser, Store, User};

impl Store {
    // ---- sign-ins in progress ----------------------------------------------------------

    /// Records a sign-in sent to a provider, named by the hash of the browser's flow cookie
    /// (expired ones are dropped on the way).
    pub async fn create_sso_flow(
        &self,
        id_hash: &str,
        flow: &SsoFlow,
        expires_at: &str,
    ) -> Result<()> {
        let verifier = seal_secret(self.sso_key()?, id_hash, flow.pkce_verifier.as_bytes())?;
        let now = self.now();
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sso_flows WHERE expires_at < $1")
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        // Starting a sign-in needs no account: bound what anonymous visitors can store.
        let open: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sso_flows")
            .fetch_one(&mut *tx)
            .await?;
        if open >= MAX_OPEN_FLOWS {
            return Err(StoreError::Conflict {
                field: "sso",
                message: "too many single sign-ons in progress: try again in a few minutes".into(),
            });
        }
        sqlx::query(
            "INSERT INTO sso_flows (id_hash, provider_id, state, nonce, verifier_enc, \
             redirect_uri, lang, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id_hash)
        .bind(&flow.provider_id)
        .bind(&flow.state)
        .bind(&flow.nonce)
        .bind(&verifier)
        .bind(&flow.redirect_uri)
        .bind(&flow.lang)
        .bind(&now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends the sign-in of this flow cookie's hash and returns it if it had not expired: a
    /// flow is used once, whatever the outcome.
    pub async fn take_sso_flow(&self, id_hash: &str) -> Result<Option<SsoFlow>> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "DELETE FROM sso_flows WHERE id_hash = $1 RETURNING provider_id, state, nonce, \
             verifier_enc, redirect_uri, lang, expires_at",
        )
        .bind(id_hash)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        if row.try_get::<String, _>("expires_at")? <= now {
            return Ok(None);
        }
        let verifier = open_secret(
            self.sso_key()?,
            id_hash,
            &row.try_get::<String, _>("verifier_enc")?,
        )?;
        Ok(Some(SsoFlow {
            provider_id: row.try_get("provider_id")?,
            state: row.try_get("state")?,
            nonce: row.try_get("nonce")?,
            pkce_verifier: String::from_utf8(verifier)
                .map_err(|_| StoreError::Corrupt("a PKCE verifier is not text".into()))?,
            redirect_uri: row.try_get("redirect_uri")?,
            lang: row.try_get("lang")?,
        }))
    }

    // ---- linked accounts ---------------------------------------------------------------

    /// The user whose identity at `issuer` is `subject`.
    pub async fn sso_linked_user(&self, issuer: &str, subject: &str) -> Result<Option<SsoLinked>> {
        let found: Option<(String, i64)> = sqlx::query_as(
            "SELECT user_id, managed FROM sso_links WHERE issuer = $1 AND subject = $2",
        )
        .bind(issuer)
        .bind(subject)
        .fetch_optional(self.reader())
        .await?;
        match found {
            Some((user_id, managed)) => Ok(Some(SsoLinked {
                user: self.user(&user_id).await?,
                managed: managed != 0,
            })),
            None => Ok(None),
        }
    }

    async fn insert_link(
        tx: &mut crate::database::WriteTx,
        provider_id: &str,
        identity: (&str, &str),
        user_id: &str,
        managed: bool,
        now: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sso_links (issuer, subject, provider_id, user_id, managed, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(identity.0)
        .bind(identity.1)
        .bind(provider_id)
        .bind(user_id)
        .bind(i64::from(managed))
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::on_unique(
            "subject",
            "this identity is already linked",
        ))?;
        Ok(())
    }

    /// Links an existing account to its identity at a provider (first sign-in with a
    /// verified e-mail address); audited.
    pub async fn link_sso_account(
        &self,
        actor: &Actor,
        provider_id: &str,
        identity: (&str, &str),
        user_id: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        Self::insert_link(&mut tx, provider_id, identity, user_id, false, &now).await?;
        let change = Change {
            action: "sso.link",
            object_type: "user",
            object_id: user_id,
            entity_id: None,
            before: None,
            after: Some(serde_json::json!({
                "provider_id": provider_id, "issuer": identity.0, "subject": identity.1,
            })),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates an account just in time for a provider's user, linked to their identity, in
    /// one transaction (audited as `user.create` and `sso.link`). SSO accounts have no
    /// password.
    pub async fn create_sso_user(
        &self,
        actor: &Actor,
        organisation_id: &str,
        provider_id: &str,
        identity: (&str, &str),
        new: &NewUser,
    ) -> Result<User> {
        check_new_user(new)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let user = Self::insert_user(&mut tx, actor, organisation_id, new, &now).await?;
        Self::insert_link(&mut tx, provider_id, identity, &user.id, true, &now).await?;
        let change = Change {
            action: "sso.link",
            object_type: "user",
            object_id: &user.id,
            entity_id: None,
            before: None,
            after: Some(serde_json::json!({
                "provider_id": provider_id, "issuer": identity.0, "subject": identity.1,
                "created_just_in_time": true,
            })),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Records a sign-in through a provider (audited as `auth.sso_login`).
    pub async fn record_sso_sign_in(
        &self,
        actor: &Actor,
        provider_id: &str,
        identity: (&str, &str),
        user_id: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1")
            .bind(user_id)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE sso_links SET last_used_at = $3 WHERE issuer = $1 AND subject = $2")
            .bind(identity.0)
            .bind(identity.1)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: "auth.sso_login",
            object_type: "user",
            object_id: user_id,
            entity_id: None,
            before: None,
            after: Some(serde_json::json!({ "provider_id": provider_id })),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(())
    }
}
