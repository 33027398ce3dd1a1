//! An entity's registration data (NIS2 Art. 3(4), Art. 27(2)): saved whole, audited with what
//! it said before, scoped to the entities the user may see.

use hygeia_domain::access::EntityScope;
use hygeia_domain::org::registration::{Registration, RegistrationInput};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store};

/// The registration data as saved, with when and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SavedRegistration {
    pub entity_id: String,
    #[serde(flatten)]
    pub data: Registration,
    /// How many times it was saved.
    pub version: i64,
    pub updated_at: String,
    pub updated_by: String,
}

fn list(row: &sqlx::any::AnyRow, column: &str) -> Result<Vec<String>> {
    let text: String = row.try_get(column)?;
    serde_json::from_str(&text).map_err(|_| StoreError::Corrupt(format!("registration {column}")))
}

fn json(items: &[String]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".to_owned())
}

async fn registration_of(
    conn: &mut AnyConnection,
    entity_id: &str,
) -> Result<Option<SavedRegistration>> {
    let row = sqlx::query(
        "SELECT entity_id, address, other_establishments, emails, phones, member_states, \
         ip_ranges, representative, version, updated_at, updated_by \
         FROM entity_registrations WHERE entity_id = $1",
    )
    .bind(entity_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        Ok(SavedRegistration {
            entity_id: row.try_get("entity_id")?,
            data: Registration {
                address: row.try_get("address")?,
                other_establishments: list(&row, "other_establishments")?,
                emails: list(&row, "emails")?,
                phones: list(&row, "phones")?,
                member_states: list(&row, "member_states")?,
                ip_ranges: list(&row, "ip_ranges")?,
                representative: row.try_get("representative")?,
            },
            version: row.try_get("version")?,
            updated_at: row.try_get("updated_at")?,
            updated_by: row.try_get("updated_by")?,
        })
    })
    .transpose()
}

impl Store {
    /// The registration data of an entity the caller may see; none until first saved.
    pub async fn registration(
        &self,
        scope: &EntityScope,
        entity_id: &str,
    ) -> Result<Option<SavedRegistration>> {
        if !scope.contains(entity_id) {
            return Err(StoreError::not_found("entity", entity_id));
        }
        let mut conn = self.reader().acquire().await?;
        Store::entity_in(&mut conn, entity_id).await?;
        registration_of(&mut conn, entity_id).await
    }

    /// Saves the registration data whole (checked first: nothing is stored when an item is
    /// wrong); audited `entity.registration.update` with before and after.
    pub async fn save_registration(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        entity_id: &str,
        input: &RegistrationInput,
    ) -> Result<SavedRegistration> {
        if !scope.contains(entity_id) {
            return Err(StoreError::not_found("entity", entity_id));
        }
        let data = input.check()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        Store::entity_in(&mut tx, entity_id).await?;
        let before = registration_of(&mut tx, entity_id).await?;
        let sql = if before.is_some() {
            "UPDATE entity_registrations SET address = $2, other_establishments = $3, \
             emails = $4, phones = $5, member_states = $6, ip_ranges = $7, \
             representative = $8, version = version + 1, updated_at = $9, updated_by = $10 \
             WHERE entity_id = $1"
        } else {
            "INSERT INTO entity_registrations (entity_id, address, other_establishments, \
             emails, phones, member_states, ip_ranges, representative, version, updated_at, \
             updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10)"
        };
        sqlx::query(sql)
            .bind(entity_id)
            .bind(&data.address)
            .bind(json(&data.other_establishments))
            .bind(json(&data.emails))
            .bind(json(&data.phones))
            .bind(json(&data.member_states))
            .bind(json(&data.ip_ranges))
            .bind(&data.representative)
            .bind(&now)
            .bind(&actor.label)
            .execute(&mut *tx)
            .await?;
        let after = registration_of(&mut tx, entity_id)
            .await?
            .ok_or_else(|| StoreError::not_found("registration", entity_id))?;
        let change = Change {
            action: "entity.registration.update",
            object_type: "entity",
            object_id: entity_id,
            entity_id: Some(entity_id),
            before: before.and_then(|b| serde_json::to_value(b.data).ok()),
            after: serde_json::to_value(&after.data).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}
