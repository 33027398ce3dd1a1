//! Medical device makers' security disclosures: MDS2 forms imported for a supplier, each kept
//! whole with the device's facts; a new import of a device is a new disclosure, the older ones
//! stay for the record until removed.

use hygeia_domain::access::EntityScope;
use hygeia_domain::suppliers::mds2::Mds2Form;
use hygeia_domain::validation::{FieldError, ValidationErrors, Validator};
use serde::Serialize;
use sqlx::AnyConnection;

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

/// Longest file name kept.
const MAX_FILE_NAME_CHARS: usize = 200;

/// A disclosure as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisclosureSummary {
    pub id: String,
    pub supplier_id: String,
    pub entity_id: String,
    /// The device's model (DOC-3), else its description (DOC-2).
    pub device: String,
    pub manufacturer: Option<String>,
    pub document_id: Option<String>,
    pub released_on: Option<String>,
    pub file_name: String,
    /// Questions read.
    pub questions: i64,
    pub imported_at: String,
    pub imported_by: String,
}

/// A disclosure whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceDisclosure {
    #[serde(flatten)]
    pub summary: DisclosureSummary,
    pub form: Mds2Form,
}

const COLUMNS: &str = "id, supplier_id, entity_id, device, manufacturer, document_id, \
    released_on, file_name, questions, imported_at, imported_by";

async fn disclosure_in(
    conn: &mut AnyConnection,
    scope: &EntityScope,
    id: &str,
) -> Result<DeviceDisclosure> {
    let sql = format!("SELECT {COLUMNS}, form FROM device_disclosures WHERE id = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("device disclosure", id))?;
    let summary = <DisclosureSummary as sqlx::FromRow<_>>::from_row(&row)?;
    if !scope.contains(&summary.entity_id) {
        return Err(StoreError::not_found("device disclosure", id));
    }
    let text: String = sqlx::Row::try_get(&row, "form")?;
    let form = serde_json::from_str(&text)
        .map_err(|e| StoreError::Corrupt(format!("device_disclosures {id}: {e}")))?;
    Ok(DeviceDisclosure { summary, form })
}

impl Store {
    /// Records a maker's MDS2 form read whole for a supplier; the form must name its device
    /// (DOC-3 or DOC-2). Audited `supplier.device_disclosure.import`.
    pub async fn import_device_disclosure(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        supplier_id: &str,
        file_name: &str,
        form: &Mds2Form,
    ) -> Result<DeviceDisclosure> {
        let mut v = Validator::new();
        v.text("file_name", file_name, MAX_FILE_NAME_CHARS);
        v.finish()?;
        let device = form
            .device()
            .map(str::to_owned)
            .ok_or_else(|| ValidationErrors(vec![FieldError::empty("DOC-3")]))?;
        let text = serde_json::to_string(form)
            .map_err(|e| StoreError::Corrupt(format!("MDS2 form: {e}")))?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let entity_id = self.supplier_entity_in(&mut tx, scope, supplier_id).await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO device_disclosures (id, supplier_id, entity_id, device, manufacturer, \
             document_id, released_on, file_name, form, questions, imported_at, imported_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(&id)
        .bind(supplier_id)
        .bind(&entity_id)
        .bind(&device)
        .bind(form.manufacturer.as_deref())
        .bind(form.document_id.as_deref())
        .bind(form.released_on.as_deref())
        .bind(file_name.trim())
        .bind(&text)
        .bind(i64::try_from(form.rows.len()).unwrap_or(i64::MAX))
        .bind(&now)
        .bind(&actor.label)
        .execute(&mut *tx)
        .await?;
        let stored = disclosure_in(&mut tx, scope, &id).await?;
        let change = Change {
            action: "supplier.device_disclosure.import",
            object_type: "supplier",
            object_id: supplier_id,
            entity_id: Some(&entity_id),
            before: None,
            after: serde_json::to_value(&stored.summary).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// A supplier's disclosures, newest first.
    pub async fn device_disclosures(
        &self,
        scope: &EntityScope,
        supplier_id: &str,
    ) -> Result<Vec<DisclosureSummary>> {
        let mut conn = self.reader().acquire().await?;
        self.supplier_entity_in(&mut conn, scope, supplier_id)
            .await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM device_disclosures WHERE supplier_id = $1 \
             ORDER BY imported_at DESC, id"
        );
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(supplier_id)
            .fetch_all(&mut *conn)
            .await?)
    }

    /// One disclosure whole; outside `scope` it is not found.
    pub async fn device_disclosure(
        &self,
        scope: &EntityScope,
        id: &str,
    ) -> Result<DeviceDisclosure> {
        let mut conn = self.reader().acquire().await?;
        disclosure_in(&mut conn, scope, id).await
    }

    /// Removes a disclosure (imported by mistake, or superseded); audited with what it was.
    pub async fn remove_device_disclosure(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
    ) -> Result<DisclosureSummary> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = disclosure_in(&mut tx, scope, id).await?.summary;
        sqlx::query("DELETE FROM device_disclosures WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: "supplier.device_disclosure.remove",
            object_type: "supplier",
            object_id: &before.supplier_id,
            entity_id: Some(&before.entity_id),
            before: serde_json::to_value(&before).ok(),
            after: None,
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(before)
    }
}
