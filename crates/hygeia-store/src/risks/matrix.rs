//! The organisation's risk matrix, version by version. Version 0 is the shipped default (no
//! row); a new version re-rates every stored rating in the same transaction and is audited
//! with how many risks it re-rated. A matrix too small for ratings already given is refused,
//! naming the risks to rate again first: no rating is changed behind its author's back.

use hygeia_catalog::risks::default_matrix;
use hygeia_domain::risks::matrix::RiskMatrix;
use hygeia_domain::risks::rating::Rating;
use serde::Serialize;
use sqlx::AnyConnection;

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store};

/// What a new matrix did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatrixChange {
    pub version: i64,
    /// Risks whose ratings were given the new matrix's levels.
    pub risks_rated: i64,
}

/// The matrix in force and its version, read on `conn`.
pub(crate) async fn matrix_in(conn: &mut AnyConnection) -> Result<(i64, RiskMatrix)> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT version, matrix FROM risk_matrices ORDER BY version DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        None => {
            let matrix = default_matrix()
                .map_err(|e| StoreError::Corrupt(format!("the shipped risk matrix: {e}")))?;
            Ok((0, matrix))
        }
        Some((version, text)) => {
            let matrix = serde_json::from_str(&text).map_err(|e| {
                StoreError::Corrupt(format!("risk_matrices version {version}: {e}"))
            })?;
            Ok((version, matrix))
        }
    }
}

/// What a level's rank is worth in a severity (the cell comes below it).
pub(crate) const RANK: i64 = 10_000;

/// The severity that orders the register: the level's rank of `rating`, then its cell; -1
/// for a risk still to rate.
pub(crate) fn severity(matrix: &RiskMatrix, rating: Option<&Rating>) -> i64 {
    let Some(rating) = rating else {
        return -1;
    };
    let rank = rating
        .level(matrix)
        .and_then(|level| matrix.rank(&level.id))
        .map_or(0, |r| i64::try_from(r).unwrap_or(0));
    rank * RANK + i64::from(rating.likelihood) * 100 + i64::from(rating.impact())
}

#[derive(sqlx::FromRow)]
struct StoredRatingRow {
    risk_id: String,
    stage: String,
    rating: String,
    reference: String,
}

impl Store {
    /// The matrix in force and its version (0: the shipped default).
    pub async fn risk_matrix(&self) -> Result<(i64, RiskMatrix)> {
        let mut conn = self.reader().acquire().await?;
        matrix_in(&mut conn).await
    }

    /// Puts a new matrix in force and re-rates every risk with it; audited.
    pub async fn set_risk_matrix(
        &self,
        actor: &Actor,
        matrix: &RiskMatrix,
    ) -> Result<MatrixChange> {
        matrix.check()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let (before_version, before) = matrix_in(&mut tx).await?;
        let rows: Vec<StoredRatingRow> = sqlx::query_as(
            "SELECT g.risk_id, g.stage, g.rating, r.reference FROM risk_ratings g \
             JOIN risks r ON r.id = g.risk_id ORDER BY r.reference, g.stage",
        )
        .fetch_all(&mut *tx)
        .await?;
        let mut ratings = Vec::with_capacity(rows.len());
        let mut misfits = Vec::new();
        for row in rows {
            let rating: Rating = serde_json::from_str(&row.rating)
                .map_err(|e| StoreError::Corrupt(format!("risk_ratings {}: {e}", row.risk_id)))?;
            if usize::from(rating.likelihood) > matrix.likelihood.len()
                || usize::from(rating.impact()) > matrix.impact.len()
            {
                misfits.push(row.reference.clone());
            }
            ratings.push((row, rating));
        }
        if !misfits.is_empty() {
            misfits.dedup();
            return Err(StoreError::Conflict {
                field: "matrix",
                message: format!(
                    "{} risks are rated beyond the new scales ({}{}): rate them again first",
                    misfits.len(),
                    misfits
                        .iter()
                        .take(10)
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", "),
                    if misfits.len() > 10 { ", …" } else { "" }
                ),
            });
        }
        let version = before_version + 1;
        let text = serde_json::to_string(matrix)
            .map_err(|e| StoreError::Corrupt(format!("risk matrix: {e}")))?;
        sqlx::query(
            "INSERT INTO risk_matrices (version, matrix, created_at, created_by) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(version)
        .bind(&text)
        .bind(&now)
        .bind(&actor.label)
        .execute(&mut *tx)
        .await?;
        for (row, rating) in &ratings {
            sqlx::query("UPDATE risk_ratings SET level = $3 WHERE risk_id = $1 AND stage = $2")
                .bind(&row.risk_id)
                .bind(&row.stage)
                .bind(rating.level(matrix).map(|l| l.id.clone()))
                .execute(&mut *tx)
                .await?;
        }
        let mut risks: Vec<&str> = ratings
            .iter()
            .map(|(row, _)| row.risk_id.as_str())
            .collect();
        risks.sort_unstable();
        risks.dedup();
        for risk_id in &risks {
            // The current rating, else the inherent one, orders the register.
            let rating = ["current", "inherent"].iter().find_map(|stage| {
                ratings
                    .iter()
                    .find(|(row, _)| row.risk_id == *risk_id && row.stage == *stage)
                    .map(|(_, rating)| rating)
            });
            sqlx::query("UPDATE risks SET severity = $2 WHERE id = $1")
                .bind(risk_id)
                .bind(severity(matrix, rating))
                .execute(&mut *tx)
                .await?;
        }
        let risks_rated = i64::try_from(risks.len()).unwrap_or(i64::MAX);
        let change = Change {
            action: "risk_matrix.update",
            object_type: "risk_matrix",
            object_id: &version.to_string(),
            entity_id: None,
            before: Some(serde_json::json!({ "version": before_version, "matrix": before })),
            after: Some(serde_json::json!({
                "version": version, "matrix": matrix, "risks_rated": risks_rated,
            })),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(MatrixChange {
            version,
            risks_rated,
        })
    }
}

/// A matrix put in force, as its history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatrixVersion {
    pub version: i64,
    pub created_at: String,
    pub created_by: String,
}

impl Store {
    /// Every matrix put in force, newest first (the shipped default, version 0, is not listed).
    pub async fn risk_matrix_history(&self) -> Result<Vec<MatrixVersion>> {
        Ok(sqlx::query_as(
            "SELECT version, created_at, created_by FROM risk_matrices ORDER BY version DESC",
        )
        .fetch_all(self.reader())
        .await?)
    }
}
