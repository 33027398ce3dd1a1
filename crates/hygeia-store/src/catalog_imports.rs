//! User-imported frameworks and crosswalks, kept as the original text so that every instance
//! can replay them on top of the embedded catalogs.

use serde::Serialize;

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store};

/// One imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogImport {
    /// Order of import (replayed in this order).
    pub seq: i64,
    /// The framework or mapping-set id the file defines.
    pub id: String,
    /// `framework` or `mapping`.
    pub kind: String,
    /// `yaml` or `oscal`.
    pub format: String,
    pub file_name: String,
    #[serde(skip)]
    pub content: String,
    pub created_at: String,
    pub created_by: String,
}

impl Store {
    /// Every import, oldest first.
    pub async fn catalog_imports(&self) -> Result<Vec<CatalogImport>> {
        Ok(sqlx::query_as(
            "SELECT seq, id, kind, format, file_name, content, created_at, created_by \
             FROM catalog_imports ORDER BY seq",
        )
        .fetch_all(self.reader())
        .await?)
    }

    /// How many imports exist: instances compare it to rebuild their catalog when it changes.
    pub async fn catalog_generation(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM catalog_imports")
            .fetch_one(self.reader())
            .await?)
    }

    /// Records an import that the caller has already validated against the current catalog.
    pub async fn add_catalog_import(
        &self,
        actor: &Actor,
        id: &str,
        kind: &str,
        format: &str,
        file_name: &str,
        content: &str,
    ) -> Result<CatalogImport> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM catalog_imports")
            .fetch_one(&mut *tx)
            .await?;
        let import = CatalogImport {
            seq,
            id: id.to_owned(),
            kind: kind.to_owned(),
            format: format.to_owned(),
            file_name: file_name.to_owned(),
            content: content.to_owned(),
            created_at: now.clone(),
            created_by: actor.label.clone(),
        };
        sqlx::query(
            "INSERT INTO catalog_imports (seq, id, kind, format, file_name, content, created_at, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(seq)
        .bind(id)
        .bind(kind)
        .bind(format)
        .bind(file_name)
        .bind(content)
        .bind(&now)
        .bind(&actor.label)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::on_unique("id", "a framework or mapping set with this id was already imported"))?;
        let change = Change {
            action: "catalog.import",
            object_type: kind,
            object_id: id,
            entity_id: None,
            before: None,
            after: serde_json::to_value(&import).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(import)
    }
}
