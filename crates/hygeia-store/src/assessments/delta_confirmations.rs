//! An entity's confirmations of deltas: where a reviewed crosswalk credits a requirement
//! except a stated delta (what it asks beyond the source framework), the entity confirms that
//! the delta is in place, with a note and optional evidence. A confirmation is bound to the
//! delta's text by its fingerprint, so it stops counting if the shipped delta changes.

use hygeia_catalog::{Catalog, CoverageVerdict, Text};
use hygeia_compliance::ConfirmedDeltas;
use hygeia_domain::access::EntityScope;
use hygeia_domain::validation::{FieldError, Validator};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::evidence::link_to_requirement;
use super::{in_scope, json};
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store};

/// Longest note of a confirmation.
const MAX_NOTE_CHARS: usize = 2_000;

/// A confirmed delta.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeltaConfirmation {
    pub entity_id: String,
    pub framework_id: String,
    pub requirement_id: String,
    /// The fingerprint of the delta text confirmed.
    pub delta_fingerprint: String,
    pub note: String,
    pub evidence_id: Option<String>,
    /// E-mail address of who confirmed.
    pub confirmed_by: String,
    pub confirmed_at: String,
    /// The delta confirmed is still the shipped one (else the confirmation no longer counts).
    pub current: bool,
}

/// The fingerprint of a delta text (both languages).
pub fn delta_fingerprint(delta: &Text) -> String {
    let mut hash = Sha256::new();
    hash.update(delta.en.as_bytes());
    hash.update([0]);
    hash.update(delta.fr.as_bytes());
    hex::encode(hash.finalize())
}

/// The delta currently shipped for `requirement_id` of `framework_id`, if it has one.
fn current_delta<'c>(
    catalog: &'c Catalog,
    framework_id: &str,
    requirement_id: &str,
) -> Option<&'c Text> {
    catalog
        .reviewed_coverage(framework_id, requirement_id)
        .filter(|(_, c)| c.verdict == CoverageVerdict::Delta)
        .and_then(|(_, c)| c.delta.as_ref())
}

impl Store {
    /// The confirmations recorded for an entity and framework, each marked current or not.
    pub async fn delta_confirmations(
        &self,
        catalog: &Catalog,
        entity_id: &str,
        framework_id: &str,
    ) -> Result<Vec<DeltaConfirmation>> {
        let rows = sqlx::query(
            "SELECT requirement_id, delta_fingerprint, note, evidence_id, confirmed_by, \
             confirmed_at FROM delta_confirmations WHERE entity_id = $1 AND framework_id = $2 \
             ORDER BY requirement_id",
        )
        .bind(entity_id)
        .bind(framework_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|row| {
                let requirement_id: String = row.try_get("requirement_id")?;
                let delta_fingerprint: String = row.try_get("delta_fingerprint")?;
                let current = current_delta(catalog, framework_id, &requirement_id)
                    .is_some_and(|d| self::delta_fingerprint(d) == delta_fingerprint);
                Ok(DeltaConfirmation {
                    entity_id: entity_id.to_owned(),
                    framework_id: framework_id.to_owned(),
                    requirement_id,
                    delta_fingerprint,
                    note: row.try_get("note")?,
                    evidence_id: row.try_get("evidence_id")?,
                    confirmed_by: row.try_get("confirmed_by")?,
                    confirmed_at: row.try_get("confirmed_at")?,
                    current,
                })
            })
            .collect()
    }

    /// The requirements whose current delta the entity confirmed, for a derivation.
    pub async fn confirmed_deltas(
        &self,
        catalog: &Catalog,
        entity_id: &str,
        framework_id: &str,
    ) -> Result<ConfirmedDeltas> {
        let all = self
            .delta_confirmations(catalog, entity_id, framework_id)
            .await?;
        Ok(ConfirmedDeltas::new(
            all.into_iter()
                .filter(|c| c.current)
                .map(|c| c.requirement_id),
        ))
    }

    /// Confirms the deltas of `requirement_ids` (requirements of `framework_id` that a
    /// reviewed crosswalk credits except a delta) for an entity in `scope`, with one note and
    /// optional evidence of the entity (linked to each requirement). All or nothing; one
    /// audit record per requirement (`delta.confirm`).
    #[allow(clippy::too_many_arguments)]
    pub async fn confirm_deltas(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        catalog: &Catalog,
        entity_id: &str,
        framework_id: &str,
        requirement_ids: &[String],
        note: &str,
        evidence_id: Option<&str>,
    ) -> Result<Vec<DeltaConfirmation>> {
        in_scope(scope, entity_id, "entity", entity_id)?;
        let mut v = Validator::new();
        v.optional_text("note", Some(note), MAX_NOTE_CHARS);
        if requirement_ids.is_empty() {
            v.push(FieldError::empty("requirement_ids"));
        }
        let mut deltas = Vec::with_capacity(requirement_ids.len());
        for (i, requirement_id) in requirement_ids.iter().enumerate() {
            let field = format!("requirement_ids[{i}]");
            match current_delta(catalog, framework_id, requirement_id) {
                Some(delta) => deltas.push((requirement_id.as_str(), delta_fingerprint(delta))),
                None => v.push(FieldError::invalid(
                    &field,
                    &format!("`{requirement_id}` of `{framework_id}` has no delta to confirm"),
                )),
            }
            if requirement_ids[..i].contains(requirement_id) {
                v.push(FieldError::duplicate(&field, requirement_id));
            }
        }
        v.finish()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        if let Some(evidence_id) = evidence_id {
            let owner: Option<String> =
                sqlx::query_scalar("SELECT entity_id FROM evidence WHERE id = $1")
                    .bind(evidence_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if owner.as_deref() != Some(entity_id) {
                return Err(StoreError::Conflict {
                    field: "evidence_id",
                    message: format!("no evidence '{evidence_id}' of this entity"),
                });
            }
        }
        let mut confirmed = Vec::with_capacity(deltas.len());
        for (requirement_id, fingerprint) in deltas {
            sqlx::query(
                "DELETE FROM delta_confirmations WHERE entity_id = $1 AND framework_id = $2 \
                 AND requirement_id = $3",
            )
            .bind(entity_id)
            .bind(framework_id)
            .bind(requirement_id)
            .execute(&mut *tx)
            .await?;
            let confirmation = DeltaConfirmation {
                entity_id: entity_id.to_owned(),
                framework_id: framework_id.to_owned(),
                requirement_id: requirement_id.to_owned(),
                delta_fingerprint: fingerprint,
                note: note.trim().to_owned(),
                evidence_id: evidence_id.map(str::to_owned),
                confirmed_by: actor.label.clone(),
                confirmed_at: now.clone(),
                current: true,
            };
            sqlx::query(
                "INSERT INTO delta_confirmations (entity_id, framework_id, requirement_id, \
                 delta_fingerprint, note, evidence_id, confirmed_by, confirmed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(entity_id)
            .bind(framework_id)
            .bind(requirement_id)
            .bind(&confirmation.delta_fingerprint)
            .bind(&confirmation.note)
            .bind(evidence_id)
            .bind(&confirmation.confirmed_by)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
            if let Some(evidence_id) = evidence_id {
                link_to_requirement(&mut tx, evidence_id, framework_id, requirement_id, &now)
                    .await?;
            }
            let object = format!("{framework_id}/{requirement_id}");
            let change = Change {
                action: "delta.confirm",
                object_type: "delta_confirmation",
                object_id: &object,
                entity_id: Some(entity_id),
                before: None,
                after: json(&confirmation),
            };
            append(&mut tx, actor, &now, change).await?;
            confirmed.push(confirmation);
        }
        tx.commit().await?;
        Ok(confirmed)
    }

    /// Withdraws the confirmation of a delta (audited as `delta.withdraw`).
    pub async fn withdraw_delta(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        entity_id: &str,
        framework_id: &str,
        requirement_id: &str,
    ) -> Result<()> {
        in_scope(scope, entity_id, "entity", entity_id)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let removed = sqlx::query(
            "DELETE FROM delta_confirmations WHERE entity_id = $1 AND framework_id = $2 \
             AND requirement_id = $3",
        )
        .bind(entity_id)
        .bind(framework_id)
        .bind(requirement_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let object = format!("{framework_id}/{requirement_id}");
        if removed == 0 {
            return Err(StoreError::not_found("delta confirmation", &object));
        }
        let change = Change {
            action: "delta.withdraw",
            object_type: "delta_confirmation",
            object_id: &object,
            entity_id: Some(entity_id),
            before: None,
            after: None,
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(())
    }
}
