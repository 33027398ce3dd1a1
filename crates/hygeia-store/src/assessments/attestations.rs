//! A user's statement that a source assessment's scope covers its whole entity, asked before
//! its results are reused for another framework. The scope attested is kept, so an attestation
//! stops applying when the assessment's scope text changes.

use hygeia_domain::access::EntityScope;
use hygeia_domain::validation::Validator;
use serde::Serialize;

use super::assessment::assessment_in;
use super::json;
use crate::audit::{Change, append};
use crate::error::Result;
use crate::{Actor, Store};

/// Who attested that a source assessment's scope covers the entity, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScopeAttestation {
    pub source_assessment_id: String,
    pub entity_id: String,
    /// The assessment's scope as it was when attested.
    pub scope: String,
    /// The user's statement (why the scope covers the entity).
    pub statement: String,
    /// E-mail address of the user who attested.
    pub attested_by: String,
    pub attested_at: String,
}

impl ScopeAttestation {
    /// Whether the attestation still applies to an assessment whose scope is `current_scope`.
    pub fn covers(&self, current_scope: &str) -> bool {
        self.scope.trim() == current_scope.trim()
    }
}

const COLUMNS: &str = "source_assessment_id, entity_id, scope, statement, attested_by, attested_at";

impl Store {
    /// The attestation recorded for a source assessment, if any (whether or not it still
    /// matches the assessment's scope: see [`ScopeAttestation::covers`]).
    pub async fn scope_attestation(
        &self,
        source_assessment_id: &str,
    ) -> Result<Option<ScopeAttestation>> {
        let sql =
            format!("SELECT {COLUMNS} FROM reuse_attestations WHERE source_assessment_id = $1");
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(source_assessment_id)
            .fetch_optional(self.reader())
            .await?)
    }

    /// Records (or renews) the attestation that the assessment's current scope covers its
    /// entity, with the user's statement. Audited as `reuse.attest_scope`.
    pub async fn attest_scope(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        source_assessment_id: &str,
        statement: &str,
    ) -> Result<ScopeAttestation> {
        let mut v = Validator::new();
        v.text("statement", statement, 2_000);
        v.finish()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let source = assessment_in(&mut tx, source_assessment_id).await?;
        super::in_scope(scope, &source.entity_id, "assessment", source_assessment_id)?;
        let sql =
            format!("SELECT {COLUMNS} FROM reuse_attestations WHERE source_assessment_id = $1");
        let before: Option<ScopeAttestation> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(source_assessment_id)
            .fetch_optional(&mut *tx)
            .await?;
        let attestation = ScopeAttestation {
            source_assessment_id: source.id.clone(),
            entity_id: source.entity_id.clone(),
            scope: source.scope.clone(),
            statement: statement.trim().to_owned(),
            attested_by: actor.label.clone(),
            attested_at: now.clone(),
        };
        sqlx::query("DELETE FROM reuse_attestations WHERE source_assessment_id = $1")
            .bind(source_assessment_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO reuse_attestations (source_assessment_id, entity_id, scope, statement, \
             attested_by, attested_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&attestation.source_assessment_id)
        .bind(&attestation.entity_id)
        .bind(&attestation.scope)
        .bind(&attestation.statement)
        .bind(&attestation.attested_by)
        .bind(&attestation.attested_at)
        .execute(&mut *tx)
        .await?;
        let change = Change {
            action: "reuse.attest_scope",
            object_type: "assessment",
            object_id: &source.id,
            entity_id: Some(&source.entity_id),
            before: before.as_ref().and_then(json),
            after: json(&attestation),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(attestation)
    }
}
