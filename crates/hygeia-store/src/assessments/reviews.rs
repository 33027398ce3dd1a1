//! The organisation's reviews of crosswalk pairs: they change later derivations.

use hygeia_catalog::{Catalog, Relationship};
use hygeia_compliance::{PairReview, ReviewDecision, ReviewError, Reviews};
use hygeia_domain::validation::{FieldError, ValidationErrors};
use sqlx::Row;

use super::json;
use super::types::MappingReview;
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

const COLUMNS: &str = "id, mapping_set, pair_source, pair_target, decision, relationship, \
    rationale, reviewed_at, reviewed_by";

/// A review refused by the compliance rules, as a field error with its code.
fn review_error(e: &ReviewError) -> FieldError {
    let field = e.field();
    match e {
        ReviewError::UnknownMappingSet { mapping_set, .. } => {
            FieldError::unknown_mapping_set(field, mapping_set)
        }
        ReviewError::UnknownPair {
            mapping_set,
            source_id,
            target_id,
        } => FieldError::unknown_pair(field, mapping_set, source_id, target_id),
        ReviewError::MissingRationale { .. } => FieldError::needs_rationale(field),
        ReviewError::DuplicateReview { target_id, .. } => FieldError::duplicate(field, target_id),
    }
}

fn from_row(row: &sqlx::any::AnyRow) -> Result<MappingReview> {
    Ok(MappingReview {
        id: row.try_get("id")?,
        mapping_set: row.try_get("mapping_set")?,
        source: row.try_get("pair_source")?,
        target: row.try_get("pair_target")?,
        decision: row.try_get("decision")?,
        relationship: row.try_get("relationship")?,
        rationale: row.try_get("rationale")?,
        reviewed_at: row.try_get("reviewed_at")?,
        reviewed_by: row.try_get("reviewed_by")?,
    })
}

/// The stored review as the compliance engine reads it.
fn to_pair_review(review: &MappingReview) -> Result<PairReview> {
    let decision = match review.decision.as_str() {
        "confirmed" => ReviewDecision::Confirmed,
        "rejected" => ReviewDecision::Rejected {
            rationale: review.rationale.clone(),
        },
        "refined" => ReviewDecision::Refined {
            relationship: review
                .relationship
                .as_deref()
                .and_then(Relationship::parse)
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("review '{}' has no relationship", review.id))
                })?,
            rationale: review.rationale.clone().unwrap_or_default(),
        },
        other => return Err(StoreError::Corrupt(format!("review decision '{other}'"))),
    };
    Ok(PairReview::new(
        review.mapping_set.clone(),
        review.source.clone(),
        review.target.clone(),
        decision,
    ))
}

impl Store {
    /// The organisation's pair reviews.
    pub async fn list_mapping_reviews(&self, organisation_id: &str) -> Result<Vec<MappingReview>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM mapping_reviews WHERE organisation_id = $1 \
             ORDER BY mapping_set, pair_source, pair_target"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(organisation_id)
            .fetch_all(self.reader())
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The organisation's pair reviews, ready for the reuse engine.
    pub async fn pair_reviews(&self, organisation_id: &str) -> Result<Vec<PairReview>> {
        self.list_mapping_reviews(organisation_id)
            .await?
            .iter()
            .map(to_pair_review)
            .collect()
    }

    /// Records (or replaces) the organisation's review of one pair, validated against the
    /// catalog: the mapping set and pair must exist, a refinement needs a rationale.
    /// A number that changes whenever an input of derivations besides the results is written
    /// (a pair review, a delta confirmation): the audit sequence number of the latest one (no
    /// clock involved, so it holds across instances). Derived views can be cached under it.
    pub async fn derivation_marker(&self) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COALESCE(MAX(seq), 0) FROM audit_log              WHERE object_type IN ('mapping_review', 'delta_confirmation')",
        )
        .fetch_one(self.reader())
        .await?)
    }

    pub async fn review_pair(
        &self,
        actor: &Actor,
        organisation_id: &str,
        review: &PairReview,
        catalog: &Catalog,
    ) -> Result<MappingReview> {
        if let Err(errors) = Reviews::validate(catalog, std::slice::from_ref(review)) {
            return Err(StoreError::Invalid(ValidationErrors(
                errors.iter().map(review_error).collect(),
            )));
        }
        let (decision, relationship, rationale) = match &review.decision {
            ReviewDecision::Confirmed => ("confirmed", None, None),
            ReviewDecision::Refined {
                relationship,
                rationale,
            } => (
                "refined",
                Some(relationship.code()),
                Some(rationale.trim().to_owned()),
            ),
            ReviewDecision::Rejected { rationale } => (
                "rejected",
                None,
                rationale
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned),
            ),
        };
        let now = self.now();
        let mut tx = self.begin().await?;
        let select = format!(
            "SELECT {COLUMNS} FROM mapping_reviews WHERE organisation_id = $1 AND mapping_set = $2 \
             AND pair_source = $3 AND pair_target = $4"
        );
        let before = sqlx::query(sqlx::AssertSqlSafe(select.clone()))
            .bind(organisation_id)
            .bind(&review.mapping_set)
            .bind(&review.source)
            .bind(&review.target)
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(from_row)
            .transpose()?;
        sqlx::query(
            "INSERT INTO mapping_reviews (id, organisation_id, mapping_set, pair_source, \
             pair_target, decision, relationship, rationale, reviewed_at, reviewed_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (organisation_id, mapping_set, pair_source, pair_target) DO UPDATE SET \
             decision = excluded.decision, relationship = excluded.relationship, \
             rationale = excluded.rationale, reviewed_at = excluded.reviewed_at, \
             reviewed_by = excluded.reviewed_by",
        )
        .bind(new_id())
        .bind(organisation_id)
        .bind(&review.mapping_set)
        .bind(&review.source)
        .bind(&review.target)
        .bind(decision)
        .bind(relationship)
        .bind(rationale)
        .bind(&now)
        .bind(&actor.label)
        .execute(&mut *tx)
        .await?;
        let after_row = sqlx::query(sqlx::AssertSqlSafe(select))
            .bind(organisation_id)
            .bind(&review.mapping_set)
            .bind(&review.source)
            .bind(&review.target)
            .fetch_one(&mut *tx)
            .await?;
        let after = from_row(&after_row)?;
        let change = Change {
            action: "mapping_review.set",
            object_type: "mapping_review",
            object_id: &after.id,
            entity_id: None,
            before: before.as_ref().and_then(json),
            after: json(&after),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}
