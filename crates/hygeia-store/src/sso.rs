//! Single sign-on: OpenID Connect providers configured by administrators, the accounts linked
//! to them by (issuer, subject), and the sign-ins sent to a provider and not back yet. Client
//! secrets and PKCE verifiers are encrypted under a key derived from the instance key and are
//! never returned by a listing. Sign-ins in progress and linked accounts: `sso/sign_in.rs`.

mod sign_in;

use std::collections::BTreeSet;

use hygeia_domain::access::Role;
use hygeia_domain::validation::Validator;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::secrets::{open_secret, seal_secret};
use crate::{Actor, Store, User, new_id};

/// One mapping rule: a value of the provider's groups claim gives a role, an entity grant,
/// or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SsoRule {
    /// A value of the groups claim (compared exactly).
    pub group: String,
    /// `administrator`, `compliance_manager`, `contributor` or `auditor`. When several rules
    /// match, the first one with a role gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// An entity granted to the members of the group (need-to-know).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id: Option<String>,
}

/// What an administrator enters for a provider.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SsoProviderInput {
    /// Shown on the sign-in page ("Sign in with …").
    pub name: String,
    /// The issuer identifier, exactly as the provider's ID tokens carry it.
    pub issuer: String,
    /// Read the endpoints from `ISSUER/.well-known/openid-configuration` (default). Without
    /// it, the three endpoints below are required.
    #[serde(default = "yes")]
    pub discovery: bool,
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint: Option<String>,
    #[serde(default)]
    pub jwks_uri: Option<String>,
    pub client_id: String,
    /// Write-only: absent or empty on an update keeps the stored secret.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Scopes asked for besides `openid` (default `email profile`).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The ID token claim that lists the user's groups (default `groups`).
    #[serde(default)]
    pub groups_claim: String,
    #[serde(default)]
    pub rules: Vec<SsoRule>,
    /// When not empty, only e-mail addresses in these domains may sign in.
    #[serde(default)]
    pub email_domains: Vec<String>,
    /// Create an account at the first sign-in of someone the rules give a role.
    #[serde(default)]
    pub create_accounts: bool,
    /// Accept the provider's multi-factor sign-in (ID token `amr`, or `acr` equal to
    /// `mfa_acr`) instead of Hygeia's own second factor.
    #[serde(default)]
    pub trust_mfa: bool,
    #[serde(default)]
    pub mfa_acr: Option<String>,
    /// Treat e-mail addresses without an `email_verified` claim as verified (Microsoft Entra
    /// ID, which never sends it: only for a single-tenant issuer whose domains you own).
    #[serde(default)]
    pub assume_email_verified: bool,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// A provider as listed: never its client secret, only whether one is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoProvider {
    pub id: String,
    #[serde(skip)]
    pub organisation_id: String,
    pub name: String,
    pub issuer: String,
    pub discovery: bool,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
    pub client_id: String,
    pub has_client_secret: bool,
    pub scopes: Vec<String>,
    pub groups_claim: String,
    pub rules: Vec<SsoRule>,
    pub email_domains: Vec<String>,
    pub create_accounts: bool,
    pub trust_mfa: bool,
    pub mfa_acr: Option<String>,
    pub assume_email_verified: bool,
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// A sign-in sent to a provider, read back (and ended) at its callback.
#[derive(Debug, Clone)]
pub struct SsoFlow {
    pub provider_id: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub redirect_uri: String,
    pub lang: String,
}

/// A user found by their identity at a provider.
#[derive(Debug, Clone)]
pub struct SsoLinked {
    pub user: User,
    /// Created by the provider: role and grants follow its mapping rules.
    pub managed: bool,
}

/// Sign-ins in progress kept at once (each lives ten minutes at most).
const MAX_OPEN_FLOWS: i64 = 10_000;

const COLUMNS: &str = "id, organisation_id, name, issuer, discovery, authorization_endpoint, token_endpoint, \
    jwks_uri, client_id, client_secret_enc, scopes, groups_claim, rules_json, email_domains, \
    create_accounts, trust_mfa, mfa_acr, assume_email_verified, enabled, created_at, updated_at";

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

fn flag(row: &AnyRow, column: &str) -> Result<bool> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

fn from_row(row: &AnyRow) -> Result<SsoProvider> {
    let rules: String = row.try_get("rules_json")?;
    Ok(SsoProvider {
        id: row.try_get("id")?,
        organisation_id: row.try_get("organisation_id")?,
        name: row.try_get("name")?,
        issuer: row.try_get("issuer")?,
        discovery: flag(row, "discovery")?,
        authorization_endpoint: row.try_get("authorization_endpoint")?,
        token_endpoint: row.try_get("token_endpoint")?,
        jwks_uri: row.try_get("jwks_uri")?,
        client_id: row.try_get("client_id")?,
        has_client_secret: row
            .try_get::<Option<String>, _>("client_secret_enc")?
            .is_some(),
        scopes: words(&row.try_get::<String, _>("scopes")?),
        groups_claim: row.try_get("groups_claim")?,
        rules: serde_json::from_str(&rules)
            .map_err(|e| StoreError::Corrupt(format!("SSO mapping rules: {e}")))?,
        email_domains: words(&row.try_get::<String, _>("email_domains")?),
        create_accounts: flag(row, "create_accounts")?,
        trust_mfa: flag(row, "trust_mfa")?,
        mfa_acr: row.try_get("mfa_acr")?,
        assume_email_verified: flag(row, "assume_email_verified")?,
        enabled: flag(row, "enabled")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// An `https://` address (or `http://` on a loopback host, for tests and local providers).
fn web_address(text: &str) -> bool {
    match url::Url::parse(text) {
        Ok(url) if url.scheme() == "https" => url.host().is_some(),
        Ok(url) if url.scheme() == "http" => {
            matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
        }
        _ => false,
    }
}

/// The owner a secret of this provider is bound to (another row's ciphertext does not open).
fn secret_owner(provider_id: &str) -> String {
    format!("sso-provider:{provider_id}")
}

impl SsoProviderInput {
    /// Trims, fills defaults and checks every field; the entities named by rules must belong
    /// to the organisation (checked by the caller's transaction).
    fn normalised(&self) -> Result<Self> {
        let mut input = self.clone();
        let mut v = Validator::new();
        input.name = input.name.trim().to_owned();
        v.text("name", &input.name, 100);
        input.issuer = input.issuer.trim().trim_end_matches('/').to_owned();
        if !web_address(&input.issuer) {
            v.bad_url("issuer");
        }
        for (field, value) in [
            ("authorization_endpoint", &mut input.authorization_endpoint),
            ("token_endpoint", &mut input.token_endpoint),
            ("jwks_uri", &mut input.jwks_uri),
        ] {
            *value = value
                .as_deref()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned);
            match value {
                Some(text) if !web_address(text) => v.bad_url(field),
                None if !input.discovery => v.empty(field),
                _ => {}
            }
        }
        input.client_id = input.client_id.trim().to_owned();
        v.text("client_id", &input.client_id, 255);
        if input
            .client_secret
            .as_deref()
            .is_some_and(|s| s.len() > 1024)
        {
            v.too_long("client_secret", 1024);
        }
        input
            .scopes
            .retain(|s| !s.trim().is_empty() && s != "openid");
        if input.scopes.is_empty() {
            input.scopes = vec!["email".into(), "profile".into()];
        }
        if input
            .scopes
            .iter()
            .any(|s| s.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            v.push(hygeia_domain::validation::FieldError::invalid(
                "scopes",
                "a scope has no spaces",
            ));
        }
        input.groups_claim = input.groups_claim.trim().to_owned();
        if input.groups_claim.is_empty() {
            input.groups_claim = "groups".into();
        }
        v.text("groups_claim", &input.groups_claim, 100);
        for rule in &mut input.rules {
            rule.group = rule.group.trim().to_owned();
            v.text("rules", &rule.group, 255);
            if let Some(role) = &rule.role
                && role.parse::<Role>().is_err()
            {
                let codes: Vec<&str> = Role::ALL.iter().map(|r| r.code()).collect();
                v.one_of("rules", &codes);
            }
            if rule.role.is_none() && rule.entity_id.is_none() {
                v.push(hygeia_domain::validation::FieldError::invalid(
                    "rules",
                    "a rule gives a role, an entity, or both",
                ));
            }
        }
        input.email_domains = input
            .email_domains
            .iter()
            .map(|d| d.trim().trim_start_matches('@').to_lowercase())
            .filter(|d| !d.is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if input
            .email_domains
            .iter()
            .any(|d| !d.contains('.') || d.contains(char::is_whitespace))
        {
            v.push(hygeia_domain::validation::FieldError::invalid(
                "email_domains",
                "a domain such as example.org",
            ));
        }
        input.mfa_acr = input
            .mfa_acr
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        v.finish()?;
        Ok(input)
    }
}

impl Store {
    fn sso_key(&self) -> Result<&hygeia_domain::audit::AuditKey> {
        self.key().ok_or_else(|| {
            StoreError::Corrupt("single sign-on needs the instance key, and none is loaded".into())
        })
    }

    /// The organisation's providers, by name.
    pub async fn list_sso_providers(&self, organisation_id: &str) -> Result<Vec<SsoProvider>> {
        let sql =
            format!("SELECT {COLUMNS} FROM sso_providers WHERE organisation_id = $1 ORDER BY name");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(organisation_id)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// Enabled providers of every organisation, for the sign-in page: (id, name).
    pub async fn enabled_sso_providers(&self) -> Result<Vec<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT id, name FROM sso_providers WHERE enabled = 1 ORDER BY name")
                .fetch_all(self.reader())
                .await?,
        )
    }

    pub async fn sso_provider(&self, id: &str) -> Result<SsoProvider> {
        let sql = format!("SELECT {COLUMNS} FROM sso_providers WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or_else(|| StoreError::not_found("SSO provider", id))?;
        from_row(&row)
    }

    /// The provider's client secret in clear, to authenticate at its token endpoint.
    pub async fn sso_client_secret(&self, id: &str) -> Result<Option<String>> {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT client_secret_enc FROM sso_providers WHERE id = $1")
                .bind(id)
                .fetch_optional(self.reader())
                .await?
                .flatten();
        stored
            .map(|s| {
                let bytes = open_secret(self.sso_key()?, &secret_owner(id), &s)?;
                String::from_utf8(bytes)
                    .map_err(|_| StoreError::Corrupt("an SSO client secret is not text".into()))
            })
            .transpose()
    }

    async fn check_rule_entities(
        tx: &mut crate::database::WriteTx,
        organisation_id: &str,
        rules: &[SsoRule],
    ) -> Result<()> {
        for id in rules.iter().filter_map(|r| r.entity_id.as_deref()) {
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM entities WHERE id = $1 AND organisation_id = $2",
            )
            .bind(id)
            .bind(organisation_id)
            .fetch_one(&mut **tx)
            .await?;
            if n == 0 {
                let mut v = Validator::new();
                v.not_found("rules", id);
                v.finish()?;
            }
        }
        Ok(())
    }

    /// Adds a provider (audited; the secret is never written to the audit record).
    pub async fn create_sso_provider(
        &self,
        actor: &Actor,
        organisation_id: &str,
        input: &SsoProviderInput,
    ) -> Result<SsoProvider> {
        let input = input.normalised()?;
        let id = new_id();
        let secret = match input.client_secret.as_deref().filter(|s| !s.is_empty()) {
            Some(secret) => Some(seal_secret(
                self.sso_key()?,
                &secret_owner(&id),
                secret.as_bytes(),
            )?),
            None => None,
        };
        let now = self.now();
        let mut tx = self.begin().await?;
        Self::check_rule_entities(&mut tx, organisation_id, &input.rules).await?;
        sqlx::query(
            "INSERT INTO sso_providers (id, organisation_id, name, issuer, discovery, \
             authorization_endpoint, token_endpoint, jwks_uri, client_id, client_secret_enc, \
             scopes, groups_claim, rules_json, email_domains, create_accounts, trust_mfa, mfa_acr, \
             assume_email_verified, enabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, \
             $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)",
        )
        .bind(&id)
        .bind(organisation_id)
        .bind_provider(&input, secret)?
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::on_unique(
            "name",
            "a provider with this name already exists",
        ))?;
        let after = Self::sso_provider_in(&mut tx, &id).await?;
        let change = Change {
            action: "sso_provider.create",
            object_type: "sso_provider",
            object_id: &id,
            entity_id: None,
            before: None,
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    async fn sso_provider_in(tx: &mut crate::database::WriteTx, id: &str) -> Result<SsoProvider> {
        let sql = format!("SELECT {COLUMNS} FROM sso_providers WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| StoreError::not_found("SSO provider", id))?;
        from_row(&row)
    }

    /// Changes a provider; an absent or empty client secret keeps the stored one.
    pub async fn update_sso_provider(
        &self,
        actor: &Actor,
        organisation_id: &str,
        id: &str,
        input: &SsoProviderInput,
    ) -> Result<SsoProvider> {
        let input = input.normalised()?;
        let secret = match input.client_secret.as_deref().filter(|s| !s.is_empty()) {
            Some(secret) => Some(seal_secret(
                self.sso_key()?,
                &secret_owner(id),
                secret.as_bytes(),
            )?),
            None => None,
        };
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = Self::sso_provider_in(&mut tx, id).await?;
        if before.organisation_id != organisation_id {
            return Err(StoreError::not_found("SSO provider", id));
        }
        Self::check_rule_entities(&mut tx, organisation_id, &input.rules).await?;
        let kept: Option<String> =
            sqlx::query_scalar("SELECT client_secret_enc FROM sso_providers WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        sqlx::query(
            "UPDATE sso_providers SET name = $3, issuer = $4, discovery = $5, \
             authorization_endpoint = $6, token_endpoint = $7, jwks_uri = $8, client_id = $9, \
             client_secret_enc = $10, scopes = $11, groups_claim = $12, rules_json = $13, \
             email_domains = $14, create_accounts = $15, trust_mfa = $16, mfa_acr = $17, \
             assume_email_verified = $18, enabled = $19, updated_at = $20 \
             WHERE id = $1 AND organisation_id = $2",
        )
        .bind(id)
        .bind(organisation_id)
        .bind_provider(&input, secret.or(kept))?
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::on_unique(
            "name",
            "a provider with this name already exists",
        ))?;
        let after = Self::sso_provider_in(&mut tx, id).await?;
        let change = Change {
            action: "sso_provider.update",
            object_type: "sso_provider",
            object_id: id,
            entity_id: None,
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Removes a provider with its links and sign-ins in progress. The accounts stay.
    pub async fn delete_sso_provider(
        &self,
        actor: &Actor,
        organisation_id: &str,
        id: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = Self::sso_provider_in(&mut tx, id).await?;
        if before.organisation_id != organisation_id {
            return Err(StoreError::not_found("SSO provider", id));
        }
        for sql in [
            "DELETE FROM sso_flows WHERE provider_id = $1",
            "DELETE FROM sso_links WHERE provider_id = $1",
        ] {
            sqlx::query(sql).bind(id).execute(&mut *tx).await?;
        }
        sqlx::query("DELETE FROM sso_providers WHERE id = $1 AND organisation_id = $2")
            .bind(id)
            .bind(organisation_id)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: "sso_provider.delete",
            object_type: "sso_provider",
            object_id: id,
            entity_id: None,
            before: serde_json::to_value(&before).ok(),
            after: None,
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Binds the provider's columns in the order the insert and the update share ($3..$19).
trait BindProvider<'q>: Sized {
    fn bind_provider(self, input: &SsoProviderInput, secret: Option<String>) -> Result<Self>;
}

impl<'q> BindProvider<'q> for sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    fn bind_provider(self, input: &SsoProviderInput, secret: Option<String>) -> Result<Self> {
        let rules = serde_json::to_string(&input.rules)
            .map_err(|e| StoreError::Corrupt(format!("SSO mapping rules: {e}")))?;
        Ok(self
            .bind(input.name.clone())
            .bind(input.issuer.clone())
            .bind(i64::from(input.discovery))
            .bind(input.authorization_endpoint.clone())
            .bind(input.token_endpoint.clone())
            .bind(input.jwks_uri.clone())
            .bind(input.client_id.clone())
            .bind(secret)
            .bind(input.scopes.join(" "))
            .bind(input.groups_claim.clone())
            .bind(rules)
            .bind(input.email_domains.join(" "))
            .bind(i64::from(input.create_accounts))
            .bind(i64::from(input.trust_mfa))
            .bind(input.mfa_acr.clone())
            .bind(i64::from(input.assume_email_verified))
            .bind(i64::from(input.enabled)))
    }
}
