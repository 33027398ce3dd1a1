//! Users, their entity grants and API tokens (sessions and sign-in attempts: `sessions.rs`).
//!
//! Secrets never reach this crate in clear: it stores Argon2id password hashes and SHA-256
//! hashes of session identifiers and API tokens, computed by the caller.

use std::collections::BTreeSet;

use hygeia_domain::access::{EntityScope, Principal, Role, TokenScope};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::paging::{Page, PageRequest};
use crate::{Actor, Store, new_id};

/// A person who can sign in. Never carries the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: String,
    pub organisation_id: String,
    pub email: String,
    pub display_name: String,
    /// `administrator`, `compliance_manager`, `contributor` or `auditor`.
    pub role: String,
    /// `en` or `fr`.
    pub locale: String,
    /// Entities granted (need-to-know); administrators see all entities regardless.
    pub entity_ids: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
    pub deactivated_at: Option<String>,
    pub last_login_at: Option<String>,
    /// The time zone the pages show times in (IANA name); none: each entity's own zone.
    pub time_zone: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub(crate) id: String,
    organisation_id: String,
    email: String,
    display_name: String,
    role: String,
    locale: String,
    created_at: String,
    updated_at: String,
    deactivated_at: Option<String>,
    last_login_at: Option<String>,
    time_zone: Option<String>,
}

impl UserRow {
    pub(crate) fn into_user(self, entity_ids: Vec<String>) -> User {
        User {
            id: self.id,
            organisation_id: self.organisation_id,
            email: self.email,
            display_name: self.display_name,
            role: self.role,
            locale: self.locale,
            entity_ids,
            created_at: self.created_at,
            updated_at: self.updated_at,
            deactivated_at: self.deactivated_at,
            last_login_at: self.last_login_at,
            time_zone: self.time_zone,
        }
    }
}

/// The same columns read through the alias `u` in joins.
pub(crate) const USER_COLUMNS_U: &str = "u.id, u.organisation_id, u.email, u.display_name, u.role, u.locale, u.time_zone, \
                              u.created_at, u.updated_at, u.deactivated_at, u.last_login_at";
const USER_COLUMNS: &str = "id, organisation_id, email, display_name, role, locale, time_zone, created_at, \
                            updated_at, deactivated_at, last_login_at";

/// A user who may see an entity, as a result's owner: the e-mail address is what is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityMember {
    pub email: String,
    pub display_name: String,
}

/// What is needed to create a user.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub locale: String,
    pub entity_ids: Vec<String>,
    /// Argon2id PHC string; none for a user who will sign in through SSO only.
    pub password_hash: Option<String>,
}

/// A personal API token, as listed (the secret itself is shown once, at creation, by the caller).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub name: String,
    /// The first characters of the token, to recognise it.
    pub prefix: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
    /// `full`, `read` or `ingest` (see the domain's `TokenScope`).
    pub scope: String,
    /// The one entity the token reaches, when it is limited to one.
    pub entity_id: Option<String>,
}

const TOKEN_COLUMNS: &str = "id, user_id, name, prefix, created_at, expires_at, revoked_at, \
                             last_used_at, scope, entity_id";

/// What a new token carries besides its secret.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub user_id: &'a str,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub prefix: &'a str,
    pub expires_at: Option<&'a str>,
    pub scope: TokenScope,
    pub entity_id: Option<&'a str>,
}

impl<'a> NewToken<'a> {
    /// A token carrying all of its owner's rights, on every entity they see.
    pub fn full(user_id: &'a str, name: &'a str, token_hash: &'a str, prefix: &'a str) -> Self {
        Self {
            user_id,
            name,
            token_hash,
            prefix,
            expires_at: None,
            scope: TokenScope::Full,
            entity_id: None,
        }
    }
}

/// The user behind a valid token, with the token's id, scope and entity.
#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub token_id: String,
    pub user: User,
    pub last_used_at: Option<String>,
    pub scope: TokenScope,
    pub entity_id: Option<String>,
}

fn user_json(user: &User) -> Option<serde_json::Value> {
    serde_json::to_value(user).ok()
}

/// The condition on `users u` that keeps the active users who may see the entity bound as
/// `$1`: administrators of its organisation, and those granted it. The one definition of who
/// sees an entity in SQL.
pub(crate) const WITH_ACCESS_TO_ENTITY: &str = "u.deactivated_at IS NULL \
    AND u.organisation_id = (SELECT organisation_id FROM entities WHERE id = $1) \
    AND (u.role = 'administrator' OR EXISTS (SELECT 1 FROM user_entities g \
         WHERE g.user_id = u.id AND g.entity_id = $1))";

impl Store {
    pub(crate) async fn grants_in(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT entity_id FROM user_entities WHERE user_id = $1 ORDER BY entity_id",
        )
        .bind(user_id)
        .fetch_all(&mut *conn)
        .await?)
    }

    async fn user_in(conn: &mut AnyConnection, id: &str) -> Result<User> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row: UserRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("user", id))?;
        let grants = Self::grants_in(conn, id).await?;
        Ok(row.into_user(grants))
    }

    pub async fn user(&self, id: &str) -> Result<User> {
        let mut conn = self.reader().acquire().await?;
        Self::user_in(&mut conn, id).await
    }

    /// The user with this e-mail address (case-insensitive) and their password hash.
    pub async fn user_by_email(&self, email: &str) -> Result<Option<(User, Option<String>)>> {
        let mut conn = self.reader().acquire().await?;
        let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1");
        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(normalise_email(email))
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = found else { return Ok(None) };
        use sqlx::{FromRow, Row};
        let hash: Option<String> = row.try_get("password_hash")?;
        let user_row = UserRow::from_row(&row)?;
        let grants = Self::grants_in(&mut conn, &user_row.id).await?;
        Ok(Some((user_row.into_user(grants), hash)))
    }

    /// The active users who may see `entity_id` (administrators, and those granted the
    /// entity), by name: the people a result of the entity can be given to.
    pub async fn users_with_access(&self, entity_id: &str) -> Result<Vec<EntityMember>> {
        let sql = format!(
            "SELECT u.email, u.display_name FROM users u WHERE {WITH_ACCESS_TO_ENTITY} \
             ORDER BY u.display_name, u.email"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(entity_id)
            .fetch_all(self.reader())
            .await?;
        use sqlx::Row;
        rows.iter()
            .map(|row| {
                Ok(EntityMember {
                    email: row.try_get("email")?,
                    display_name: row.try_get("display_name")?,
                })
            })
            .collect()
    }

    pub async fn list_users(&self, organisation_id: &str, page: PageRequest) -> Result<Page<User>> {
        let total: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE organisation_id = $1")
                .bind(organisation_id)
                .fetch_one(self.reader())
                .await?;
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE organisation_id = $1 ORDER BY email LIMIT {} OFFSET {}",
            page.limit, page.offset
        );
        let rows: Vec<UserRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(organisation_id)
            .fetch_all(self.reader())
            .await?;
        let grants: Vec<(String, String)> = sqlx::query_as(
            "SELECT g.user_id, g.entity_id FROM user_entities g JOIN users u ON u.id = g.user_id \
             WHERE u.organisation_id = $1 ORDER BY g.entity_id",
        )
        .bind(organisation_id)
        .fetch_all(self.reader())
        .await?;
        let items = rows
            .into_iter()
            .map(|row| {
                let ids = grants
                    .iter()
                    .filter(|(user, _)| *user == row.id)
                    .map(|(_, entity)| entity.clone())
                    .collect();
                row.into_user(ids)
            })
            .collect();
        Ok(Page::new(items, total, page))
    }

    async fn check_grants(
        conn: &mut AnyConnection,
        organisation_id: &str,
        ids: &[String],
    ) -> Result<()> {
        for id in ids {
            let found: Option<String> = sqlx::query_scalar(
                "SELECT id FROM entities WHERE id = $1 AND organisation_id = $2",
            )
            .bind(id)
            .bind(organisation_id)
            .fetch_optional(&mut *conn)
            .await?;
            if found.is_none() {
                let mut v = hygeia_domain::validation::Validator::new();
                v.not_found("entity_ids", id);
                v.finish()?;
            }
        }
        Ok(())
    }

    async fn replace_grants(conn: &mut AnyConnection, user_id: &str, ids: &[String]) -> Result<()> {
        sqlx::query("DELETE FROM user_entities WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
        let unique: BTreeSet<&String> = ids.iter().collect();
        for id in unique {
            sqlx::query("INSERT INTO user_entities (user_id, entity_id) VALUES ($1, $2)")
                .bind(user_id)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    }

    pub async fn create_user(
        &self,
        actor: &Actor,
        organisation_id: &str,
        new: &NewUser,
    ) -> Result<User> {
        check_new_user(new)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let user = Self::insert_user(&mut tx, actor, organisation_id, new, &now).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Creates a user inside the caller's transaction, with its audit record (input already
    /// validated by the caller).
    pub(crate) async fn insert_user(
        tx: &mut crate::database::WriteTx,
        actor: &Actor,
        organisation_id: &str,
        new: &NewUser,
        now: &str,
    ) -> Result<User> {
        let email = normalise_email(&new.email);
        let id = new_id();
        Self::check_grants(tx, organisation_id, &new.entity_ids).await?;
        sqlx::query(
            "INSERT INTO users (id, organisation_id, email, display_name, password_hash, role, \
             locale, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(&id)
        .bind(organisation_id)
        .bind(&email)
        .bind(new.display_name.trim())
        .bind(&new.password_hash)
        .bind(new.role.code())
        .bind(&new.locale)
        .bind(now)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::on_unique(
            "email",
            "a user with this e-mail address already exists",
        ))?;
        Self::replace_grants(tx, &id, &new.entity_ids).await?;
        let user = Self::user_in(tx, &id).await?;
        let change = Change {
            action: "user.create",
            object_type: "user",
            object_id: &id,
            entity_id: None,
            before: None,
            after: user_json(&user),
        };
        append(tx, actor, now, change).await?;
        Ok(user)
    }

    /// Changes a user's role, grants, name, locale or active state.
    pub async fn update_user(&self, actor: &Actor, id: &str, update: &UserUpdate) -> Result<User> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = Self::user_in(&mut tx, id).await?;
        if let Some(ids) = &update.entity_ids {
            Self::check_grants(&mut tx, &before.organisation_id, ids).await?;
            Self::replace_grants(&mut tx, id, ids).await?;
        }
        if let Some(locale) = &update.locale
            && !matches!(locale.as_str(), "en" | "fr")
        {
            let mut v = hygeia_domain::validation::Validator::new();
            v.one_of("locale", &["en", "fr"]);
            v.finish()?;
        }
        if let Some(Some(zone)) = &update.time_zone
            && hygeia_domain::clock::parse_zone(zone).is_none()
        {
            let mut v = hygeia_domain::validation::Validator::new();
            v.push(hygeia_domain::validation::FieldError::invalid(
                "time_zone",
                &format!("`{zone}` is not a time zone name such as Europe/Paris"),
            ));
            v.finish()?;
        }
        let deactivated_at = match update.active {
            Some(true) => None,
            Some(false) => before.deactivated_at.clone().or_else(|| Some(now.clone())),
            None => before.deactivated_at.clone(),
        };
        sqlx::query(
            "UPDATE users SET role = $2, display_name = $3, locale = $4, deactivated_at = $5, \
             updated_at = $6, time_zone = $7 WHERE id = $1",
        )
        .bind(id)
        .bind(
            update
                .role
                .map_or(before.role.clone(), |r| r.code().to_owned()),
        )
        .bind(
            update
                .display_name
                .as_deref()
                .map_or(before.display_name.clone(), |n| n.trim().to_owned()),
        )
        .bind(
            update
                .locale
                .clone()
                .unwrap_or_else(|| before.locale.clone()),
        )
        .bind(&deactivated_at)
        .bind(&now)
        .bind(
            update
                .time_zone
                .clone()
                .unwrap_or_else(|| before.time_zone.clone())
                .map(|z| z.trim().to_owned()),
        )
        .execute(&mut *tx)
        .await?;
        let after = Self::user_in(&mut tx, id).await?;
        let privileges_changed = after.role != before.role || after.entity_ids != before.entity_ids;
        if deactivated_at.is_some() || privileges_changed {
            // A deactivated user loses every way in at once; a user whose role or grants
            // changed signs in again, so no session carries the old privileges.
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        if deactivated_at.is_some() {
            // Revoked for good: reactivating the user does not bring the tokens back.
            Self::revoke_all_tokens(&mut tx, id, &now).await?;
        }
        let change = Change {
            action: "user.update",
            object_type: "user",
            object_id: id,
            entity_id: None,
            before: user_json(&before),
            after: user_json(&after),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Revokes every live token of a user (inside the caller's transaction).
    async fn revoke_all_tokens(conn: &mut AnyConnection, user_id: &str, now: &str) -> Result<u64> {
        Ok(sqlx::query(
            "UPDATE api_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        )
        .bind(user_id)
        .bind(now)
        .execute(&mut *conn)
        .await?
        .rows_affected())
    }

    /// Replaces a user's password hash, ends their sessions and revokes their tokens.
    pub async fn set_password_hash(&self, actor: &Actor, id: &str, hash: &str) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        Self::user_in(&mut tx, id).await?;
        sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(hash)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        // Tokens made before the change may have been made by whoever knew the old password.
        Self::revoke_all_tokens(&mut tx, id, &now).await?;
        let change = Change {
            action: "user.password_change",
            object_type: "user",
            object_id: id,
            entity_id: None,
            before: None,
            after: None,
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The principal of a user: role and need-to-know scope.
    pub fn principal(user: &User) -> Result<Principal> {
        let role: Role = user
            .role
            .parse()
            .map_err(|e: hygeia_domain::access::UnknownRole| StoreError::Corrupt(e.to_string()))?;
        let scope = if role.sees_all_entities() {
            EntityScope::All
        } else {
            EntityScope::Only(user.entity_ids.iter().cloned().collect())
        };
        Ok(Principal {
            user_id: user.id.clone(),
            organisation_id: user.organisation_id.clone(),
            email: user.email.clone(),
            role,
            scope,
            token_scope: TokenScope::Full,
        })
    }

    // ---- API tokens ------------------------------------------------------------------------

    pub async fn create_token(&self, actor: &Actor, new: &NewToken<'_>) -> Result<ApiToken> {
        let mut v = hygeia_domain::validation::Validator::new();
        v.text("name", new.name, 100);
        v.finish()?;
        let now = self.now();
        let token = ApiToken {
            id: new_id(),
            user_id: new.user_id.to_owned(),
            name: new.name.trim().to_owned(),
            prefix: new.prefix.to_owned(),
            created_at: now.clone(),
            expires_at: new.expires_at.map(str::to_owned),
            revoked_at: None,
            last_used_at: None,
            scope: new.scope.code().to_owned(),
            entity_id: new.entity_id.map(str::to_owned),
        };
        let mut tx = self.begin().await?;
        let owner = Self::user_in(&mut tx, new.user_id).await?;
        if let Some(entity) = new.entity_id {
            let exists: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM entities WHERE id = $1 AND organisation_id = $2",
            )
            .bind(entity)
            .bind(&owner.organisation_id)
            .fetch_one(&mut *tx)
            .await?;
            let role: Role =
                owner
                    .role
                    .parse()
                    .map_err(|e: hygeia_domain::access::UnknownRole| {
                        StoreError::Corrupt(e.to_string())
                    })?;
            let granted = role.sees_all_entities() || owner.entity_ids.iter().any(|e| e == entity);
            if exists == 0 || !granted {
                // Not revealing whether an entity outside the owner's scope exists.
                let mut v = hygeia_domain::validation::Validator::new();
                v.not_found("entity_id", entity);
                v.finish()?;
            }
        }
        sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at, \
             expires_at, scope, entity_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(&token.id)
        .bind(new.user_id)
        .bind(&token.name)
        .bind(new.token_hash)
        .bind(new.prefix)
        .bind(&now)
        .bind(&token.expires_at)
        .bind(&token.scope)
        .bind(&token.entity_id)
        .execute(&mut *tx)
        .await?;
        let change = Change {
            action: "api_token.create",
            object_type: "api_token",
            object_id: &token.id,
            entity_id: None,
            before: None,
            after: serde_json::to_value(&token).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Tokens of one user, or of everybody in the organisation.
    pub async fn list_tokens(
        &self,
        organisation_id: &str,
        user_id: Option<&str>,
    ) -> Result<Vec<ApiToken>> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id IN \
             (SELECT id FROM users WHERE organisation_id = $1) AND ($2 = '' OR user_id = $2) \
             ORDER BY created_at DESC"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(organisation_id)
            .bind(user_id.unwrap_or(""))
            .fetch_all(self.reader())
            .await?)
    }

    pub async fn token(&self, id: &str) -> Result<ApiToken> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1");
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or_else(|| StoreError::not_found("API token", id))
    }

    pub async fn revoke_token(&self, actor: &Actor, id: &str) -> Result<ApiToken> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1");
        let before: ApiToken = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| StoreError::not_found("API token", id))?;
        sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        let after: ApiToken = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let change = Change {
            action: "api_token.revoke",
            object_type: "api_token",
            object_id: id,
            entity_id: None,
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The active owner of an unrevoked, unexpired token.
    pub async fn token_owner(&self, token_hash: &str) -> Result<Option<TokenOwner>> {
        use sqlx::{FromRow, Row};
        // One connection, two queries: this runs on every API request.
        let mut conn = self.reader().acquire().await?;
        let sql = format!(
            "SELECT {USER_COLUMNS_U}, t.id AS token_id, t.last_used_at AS token_last_used_at, \
             t.scope AS token_scope, t.entity_id AS token_entity_id \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL \
             AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.deactivated_at IS NULL"
        );
        let found = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(self.now())
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = found else {
            return Ok(None);
        };
        let token_id: String = row.try_get("token_id")?;
        let last_used_at: Option<String> = row.try_get("token_last_used_at")?;
        let scope: String = row.try_get("token_scope")?;
        let scope: TokenScope =
            scope
                .parse()
                .map_err(|e: hygeia_domain::access::UnknownTokenScope| {
                    StoreError::Corrupt(e.to_string())
                })?;
        let entity_id: Option<String> = row.try_get("token_entity_id")?;
        let user = UserRow::from_row(&row)?;
        let grants = Self::grants_in(&mut conn, &user.id).await?;
        Ok(Some(TokenOwner {
            token_id,
            user: user.into_user(grants),
            last_used_at,
            scope,
            entity_id,
        }))
    }

    /// Notes that a token was used (callers throttle this; it is not audited).
    pub async fn touch_token(&self, id: &str) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(self.now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Changes to a user; absent fields stay as they are.
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub role: Option<Role>,
    pub display_name: Option<String>,
    pub locale: Option<String>,
    /// `Some(None)` clears it (each entity's own zone again).
    pub time_zone: Option<Option<String>>,
    pub entity_ids: Option<Vec<String>>,
    pub active: Option<bool>,
}

/// Checks what a new user is given (e-mail, name, locale).
pub(crate) fn check_new_user(new: &NewUser) -> Result<()> {
    let email = normalise_email(&new.email);
    let mut v = hygeia_domain::validation::Validator::new();
    if !looks_like_email(&email) {
        v.not_email("email", &new.email);
    }
    v.text("display_name", &new.display_name, 120);
    if !matches!(new.locale.as_str(), "en" | "fr") {
        v.one_of("locale", &["en", "fr"]);
    }
    v.finish()?;
    Ok(())
}

/// E-mail addresses are compared without case or surrounding spaces.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn looks_like_email(email: &str) -> bool {
    let mut parts = email.split('@');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None)
            if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
                && !email.contains(char::is_whitespace) && email.len() <= 254
    )
}
