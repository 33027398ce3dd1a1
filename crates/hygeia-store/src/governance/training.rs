//! Training records of the management body's members (Art. 20(2)) and of staff: recorded,
//! corrected or removed when entered by mistake; each is lasting, valid, expiring (within the
//! reminder notice) or expired on the day read.

use chrono::NaiveDate;
use hygeia_domain::access::EntityScope;
use hygeia_domain::governance::training::{TrainingInput, state};
use hygeia_domain::validation::{FieldError, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

use super::members::member_in;
use super::{Target, day_text, entity_check, stored_day, user_check};
use crate::assessments::evidence::evidence_check;
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

/// A training followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TrainingRecord {
    pub id: String,
    pub entity_id: String,
    pub person_name: String,
    pub member_id: Option<String>,
    pub user_id: Option<String>,
    pub course: String,
    pub provider: String,
    pub completed_on: String,
    pub valid_until: Option<String>,
    pub evidence_id: Option<String>,
    /// `lasting`, `valid`, `expiring` or `expired`, on the day read.
    #[sqlx(skip)]
    pub state: String,
}

const COLUMNS: &str = "id, entity_id, person_name, member_id, user_id, course, provider, \
                       completed_on, valid_until, evidence_id";

fn with_state(mut t: TrainingRecord, today: NaiveDate) -> Result<TrainingRecord> {
    let until = t.valid_until.as_deref().map(stored_day).transpose()?;
    t.state = state(until, today).as_str().to_owned();
    Ok(t)
}

/// The training records of an entity, latest completion first.
pub(super) async fn training_of(
    conn: &mut AnyConnection,
    entity_id: &str,
    today: NaiveDate,
) -> Result<Vec<TrainingRecord>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM training_records WHERE entity_id = $1 \
         ORDER BY completed_on DESC, person_name, id"
    );
    let rows: Vec<TrainingRecord> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(entity_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.into_iter().map(|t| with_state(t, today)).collect()
}

async fn training_in(
    conn: &mut AnyConnection,
    scope: &EntityScope,
    id: &str,
    today: NaiveDate,
) -> Result<TrainingRecord> {
    let sql = format!("SELECT {COLUMNS} FROM training_records WHERE id = $1");
    let row: Option<TrainingRecord> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let record = row
        .filter(|t| scope.contains(&t.entity_id))
        .ok_or_else(|| StoreError::not_found("training record", id))?;
    with_state(record, today)
}

/// The person's name: as given, else the member's, else the account's.
async fn person_name(
    conn: &mut AnyConnection,
    scope: &EntityScope,
    entity_id: &str,
    given: &str,
    (member_id, user_id): (Option<&str>, Option<&str>),
    today: NaiveDate,
) -> Result<String> {
    let mut name = given.to_owned();
    if let Some(member_id) = member_id {
        let member = member_in(conn, scope, member_id, today)
            .await
            .ok()
            .filter(|m| m.entity_id == entity_id)
            .ok_or_else(|| {
                StoreError::from(ValidationErrors(vec![FieldError::not_found(
                    "member_id",
                    member_id,
                )]))
            })?;
        if name.is_empty() {
            name = member.name;
        }
    }
    user_check(conn, "user_id", user_id, entity_id).await?;
    if name.is_empty()
        && let Some(user_id) = user_id
    {
        name = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?;
    }
    Ok(name)
}

impl Store {
    /// Records a training followed; audited `governance.training.add`.
    pub async fn add_training(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        entity_id: &str,
        input: &TrainingInput,
    ) -> Result<TrainingRecord> {
        self.write_training(actor, scope, Target::New(entity_id), input)
            .await
    }

    /// Corrects a training record (a renewal is a new record: the history stays); audited.
    pub async fn update_training(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        input: &TrainingInput,
    ) -> Result<TrainingRecord> {
        self.write_training(actor, scope, Target::Existing(id), input)
            .await
    }

    async fn write_training(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        target: Target<'_>,
        input: &TrainingInput,
    ) -> Result<TrainingRecord> {
        let today = self.today();
        let checked = input.check(today)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let (entity_id, before) = match target {
            Target::New(entity_id) => {
                entity_check(&mut tx, scope, entity_id).await?;
                (entity_id.to_owned(), None)
            }
            Target::Existing(id) => {
                let record = training_in(&mut tx, scope, id, today).await?;
                (record.entity_id.clone(), Some(record))
            }
        };
        let entity_id = entity_id.as_str();
        let name = person_name(
            &mut tx,
            scope,
            entity_id,
            &checked.person_name,
            (checked.member_id.as_deref(), checked.user_id.as_deref()),
            today,
        )
        .await?;
        evidence_check(
            &mut tx,
            "evidence_id",
            checked.evidence_id.as_deref(),
            entity_id,
        )
        .await?;
        let id = before.as_ref().map_or_else(new_id, |b| b.id.clone());
        let sql = if before.is_some() {
            "UPDATE training_records SET person_name = $3, member_id = $4, user_id = $5, \
             course = $6, provider = $7, completed_on = $8, valid_until = $9, \
             evidence_id = $10, updated_at = $11 WHERE id = $1 AND entity_id = $2"
        } else {
            "INSERT INTO training_records (id, entity_id, person_name, member_id, user_id, \
             course, provider, completed_on, valid_until, evidence_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)"
        };
        sqlx::query(sql)
            .bind(&id)
            .bind(entity_id)
            .bind(&name)
            .bind(&checked.member_id)
            .bind(&checked.user_id)
            .bind(&checked.course)
            .bind(&checked.provider)
            .bind(day_text(checked.completed_on))
            .bind(checked.valid_until.map(day_text))
            .bind(&checked.evidence_id)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        let after = training_in(&mut tx, scope, &id, today).await?;
        let change = Change {
            action: if before.is_some() {
                "governance.training.update"
            } else {
                "governance.training.add"
            },
            object_type: "training_record",
            object_id: &id,
            entity_id: Some(entity_id),
            before: before.and_then(|b| serde_json::to_value(b).ok()),
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Removes a training record entered by mistake; audited `governance.training.remove`
    /// with what it said.
    pub async fn remove_training(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
    ) -> Result<()> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = training_in(&mut tx, scope, id, self.today()).await?;
        sqlx::query("DELETE FROM training_records WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            action: "governance.training.remove",
            object_type: "training_record",
            object_id: id,
            entity_id: Some(&before.entity_id),
            before: serde_json::to_value(&before).ok(),
            after: None,
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(())
    }
}
