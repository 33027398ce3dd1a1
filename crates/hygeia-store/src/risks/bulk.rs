//! One change applied to many risks at once, all or nothing: a new owner, a new review
//! period, or the periodic review recorded as done today.

use hygeia_domain::access::EntityScope;
use hygeia_domain::risks::treatment::next_review;
use hygeia_domain::validation::{FieldError, ValidationErrors, Validator};
use serde::{Deserialize, Serialize};

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store};

/// Most risks one bulk change may touch.
pub const MAX_BULK_RISKS: usize = 500;

/// What to change on every risk listed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkRiskChange {
    pub risk_ids: Vec<String>,
    /// The new owner (free text: a person or a role); an empty text clears it.
    #[serde(default)]
    pub owner: Option<String>,
    /// The new review period, 1–36 months (the next review is counted again from today).
    #[serde(default)]
    pub review_every_months: Option<i64>,
    /// The periodic review was held today: the next one is one period from today.
    #[serde(default)]
    pub reviewed: bool,
}

/// What a bulk change did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkRiskOutcome {
    pub changed: usize,
}

impl BulkRiskChange {
    fn check(&self) -> std::result::Result<(), ValidationErrors> {
        let mut v = Validator::new();
        if self.risk_ids.is_empty() || self.risk_ids.len() > MAX_BULK_RISKS {
            v.push(FieldError::out_of_range("risk_ids", 1, MAX_BULK_RISKS));
        }
        if let Some(owner) = &self.owner {
            v.optional_text("owner", Some(owner.trim()), 200);
        }
        if let Some(months) = self.review_every_months
            && !(1..=36).contains(&months)
        {
            v.push(FieldError::out_of_range("review_every_months", 1, 36));
        }
        if self.owner.is_none() && self.review_every_months.is_none() && !self.reviewed {
            v.push(FieldError::bad_value(
                "owner",
                "say what to change: owner, review_every_months or reviewed",
            ));
        }
        v.finish()
    }
}

impl Store {
    /// Applies `change` to every risk it lists in one transaction: a risk outside `scope`
    /// (or unknown) refuses the whole change, naming its position, and nothing is written.
    /// Each risk's change is audited `risk.update` with before and after.
    pub async fn bulk_update_risks(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        change: &BulkRiskChange,
    ) -> Result<BulkRiskOutcome> {
        change.check()?;
        let today = self.today();
        let now = self.now();
        let mut tx = self.begin().await?;
        let mut befores = Vec::with_capacity(change.risk_ids.len());
        let mut missing = Vec::new();
        for (i, id) in change.risk_ids.iter().enumerate() {
            match self.risk_in(&mut tx, scope, id).await {
                Ok(risk) => befores.push(risk),
                Err(StoreError::NotFound { .. }) => {
                    missing.push(FieldError::not_found(&format!("risk_ids[{i}]"), id));
                }
                Err(other) => return Err(other),
            }
        }
        if !missing.is_empty() {
            return Err(ValidationErrors(missing).into());
        }
        befores.sort_by(|a, b| a.id.cmp(&b.id));
        befores.dedup_by(|a, b| a.id == b.id);
        for before in &befores {
            let owner = match &change.owner {
                Some(owner) => Some(owner.trim()).filter(|o| !o.is_empty()),
                None => before.owner.as_deref(),
            };
            let months = change
                .review_every_months
                .unwrap_or(before.review_every_months);
            let next_review_on = if change.reviewed || change.review_every_months.is_some() {
                next_review(today, u32::try_from(months).unwrap_or(12))
                    .format("%Y-%m-%d")
                    .to_string()
            } else {
                before.next_review_on.clone()
            };
            sqlx::query(
                "UPDATE risks SET owner = $2, review_every_months = $3, next_review_on = $4, \
                 version = version + 1, updated_at = $5, updated_by = $6 WHERE id = $1",
            )
            .bind(&before.id)
            .bind(owner)
            .bind(months)
            .bind(&next_review_on)
            .bind(&now)
            .bind(&actor.label)
            .execute(&mut *tx)
            .await?;
            let after = self.risk_in(&mut tx, scope, &before.id).await?;
            let audited = Change {
                action: if change.reviewed {
                    "risk.review"
                } else {
                    "risk.update"
                },
                object_type: "risk",
                object_id: &before.id,
                entity_id: Some(&before.entity_id),
                before: serde_json::to_value(before).ok(),
                after: serde_json::to_value(&after).ok(),
            };
            append(&mut tx, actor, &now, audited).await?;
        }
        tx.commit().await?;
        Ok(BulkRiskOutcome {
            changed: befores.len(),
        })
    }
}
