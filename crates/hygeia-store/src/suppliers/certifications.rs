//! A supplier's certifications with their validity and the certificate among the entity's
//! evidence; each is "valid", "expiring" (within 90 days) or "expired" on the day read.

use chrono::NaiveDate;
use hygeia_domain::access::EntityScope;
use hygeia_domain::suppliers::certifications::{CertificateState, CertificationInput};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::assessments::evidence::evidence_check;
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

/// A certification of a supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Certification {
    pub id: String,
    pub supplier_id: String,
    pub scheme: String,
    pub name: String,
    pub scope: String,
    pub issuer: String,
    pub valid_from: Option<String>,
    pub valid_until: String,
    pub evidence_id: Option<String>,
    /// `valid`, `expiring` or `expired`, on the day read.
    #[sqlx(skip)]
    pub state: String,
}

pub(super) async fn certifications_of(
    conn: &mut AnyConnection,
    supplier_id: &str,
    today: NaiveDate,
) -> Result<Vec<Certification>> {
    let mut certifications: Vec<Certification> = sqlx::query_as(
        "SELECT id, supplier_id, scheme, name, scope, issuer, valid_from, valid_until, \
         evidence_id FROM supplier_certifications WHERE supplier_id = $1 \
         ORDER BY valid_until DESC, scheme, id",
    )
    .bind(supplier_id)
    .fetch_all(&mut *conn)
    .await?;
    for c in &mut certifications {
        let until = NaiveDate::parse_from_str(&c.valid_until, "%Y-%m-%d")
            .map_err(|_| StoreError::Corrupt(format!("certification end '{}'", c.valid_until)))?;
        c.state = CertificateState::on(until, today).as_str().to_owned();
    }
    Ok(certifications)
}

fn day_text(day: Option<NaiveDate>) -> Option<String> {
    day.map(|d| d.format("%Y-%m-%d").to_string())
}

impl Store {
    async fn certification_in(
        &self,
        conn: &mut AnyConnection,
        supplier_id: &str,
        id: &str,
    ) -> Result<Certification> {
        certifications_of(conn, supplier_id, self.today())
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| StoreError::not_found("certification", id))
    }

    /// Adds a certification to a supplier (its certificate, when named, must be evidence of
    /// the supplier's entity); audited `supplier.certification.add`.
    pub async fn add_certification(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        supplier_id: &str,
        input: &CertificationInput,
    ) -> Result<Certification> {
        self.write_certification(actor, scope, supplier_id, None, input)
            .await
    }

    /// Rewrites a certification (a renewal, a corrected scope); audited with before and after.
    pub async fn update_certification(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        supplier_id: &str,
        id: &str,
        input: &CertificationInput,
    ) -> Result<Certification> {
        self.write_certification(actor, scope, supplier_id, Some(id), input)
            .await
    }

    async fn write_certification(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        supplier_id: &str,
        id: Option<&str>,
        input: &CertificationInput,
    ) -> Result<Certification> {
        let checked = input.check()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let entity_id = self.supplier_entity_in(&mut tx, scope, supplier_id).await?;
        evidence_check(
            &mut tx,
            "evidence_id",
            checked.evidence_id.as_deref(),
            &entity_id,
        )
        .await?;
        let before = match id {
            Some(id) => Some(self.certification_in(&mut tx, supplier_id, id).await?),
            None => None,
        };
        let id = id.map_or_else(new_id, str::to_owned);
        if before.is_none() {
            sqlx::query(
                "INSERT INTO supplier_certifications (id, supplier_id, scheme, name, scope, \
                 issuer, valid_from, valid_until, evidence_id, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
            )
            .bind(&id)
            .bind(supplier_id)
            .bind(&checked.scheme)
            .bind(&checked.name)
            .bind(&checked.scope)
            .bind(&checked.issuer)
            .bind(day_text(checked.valid_from))
            .bind(day_text(Some(checked.valid_until)))
            .bind(&checked.evidence_id)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "UPDATE supplier_certifications SET scheme = $2, name = $3, scope = $4, \
                 issuer = $5, valid_from = $6, valid_until = $7, evidence_id = $8, \
                 updated_at = $9 WHERE id = $1",
            )
            .bind(&id)
            .bind(&checked.scheme)
            .bind(&checked.name)
            .bind(&checked.scope)
            .bind(&checked.issuer)
            .bind(day_text(checked.valid_from))
            .bind(day_text(Some(checked.valid_until)))
            .bind(&checked.evidence_id)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        let after = self.certification_in(&mut tx, supplier_id, &id).await?;
        let change = Change {
            action: if before.is_some() {
                "supplier.certification.update"
            } else {
                "supplier.certification.add"
            },
            object_type: "supplier",
            object_id: supplier_id,
            entity_id: Some(&entity_id),
            before: before.and_then(|b| serde_json::to_value(b).ok()),
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Removes a certification entered by mistake (a lapsed one is kept: its history shows);
    /// audited `supplier.certification.remove`.
    pub async fn remove_certification(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        supplier_id: &str,
        id: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let entity_id = self.supplier_entity_in(&mut tx, scope, supplier_id).await?;
        let before = self.certification_in(&mut tx, supplier_id, id).await?;
        sqlx::query("DELETE FROM supplier_certifications WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: "supplier.certification.remove",
            object_type: "supplier",
            object_id: supplier_id,
            entity_id: Some(&entity_id),
            before: serde_json::to_value(&before).ok(),
            after: None,
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(())
    }
}
