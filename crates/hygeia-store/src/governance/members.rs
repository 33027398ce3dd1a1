//! The management body's members: appointed, their details corrected, their leaving recorded
//! (a member is never removed: the approvals they signed keep their signatory).

use hygeia_domain::access::EntityScope;
use hygeia_domain::governance::members::MemberInput;
use hygeia_domain::governance::sits_on;
use serde::Serialize;
use sqlx::AnyConnection;

use super::{Target, day_text, entity_check, stored_day, user_check};
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

/// A member of an entity's management body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoardMember {
    pub id: String,
    pub entity_id: String,
    pub name: String,
    pub title: String,
    pub email: String,
    pub user_id: Option<String>,
    pub appointed_on: String,
    pub left_on: Option<String>,
    /// Whether they sit on the body on the day read.
    #[sqlx(skip)]
    pub sitting: bool,
}

const COLUMNS: &str = "id, entity_id, name, title, email, user_id, appointed_on, left_on";

fn with_sitting(mut m: BoardMember, today: chrono::NaiveDate) -> Result<BoardMember> {
    let left = m.left_on.as_deref().map(stored_day).transpose()?;
    m.sitting = sits_on(stored_day(&m.appointed_on)?, left, today);
    Ok(m)
}

/// The members of an entity, those sitting first, by appointment.
pub(super) async fn members_of(
    conn: &mut AnyConnection,
    entity_id: &str,
    today: chrono::NaiveDate,
) -> Result<Vec<BoardMember>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM board_members WHERE entity_id = $1 ORDER BY appointed_on, name, id"
    );
    let rows: Vec<BoardMember> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(entity_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut members = rows
        .into_iter()
        .map(|m| with_sitting(m, today))
        .collect::<Result<Vec<_>>>()?;
    members.sort_by_key(|m| !m.sitting);
    Ok(members)
}

/// One member of an entity the caller may see.
pub(super) async fn member_in(
    conn: &mut AnyConnection,
    scope: &EntityScope,
    id: &str,
    today: chrono::NaiveDate,
) -> Result<BoardMember> {
    let sql = format!("SELECT {COLUMNS} FROM board_members WHERE id = $1");
    let row: Option<BoardMember> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let member = row
        .filter(|m| scope.contains(&m.entity_id))
        .ok_or_else(|| StoreError::not_found("management body member", id))?;
    with_sitting(member, today)
}

impl Store {
    /// One member of the management body of an entity the caller may see.
    pub async fn board_member(&self, scope: &EntityScope, id: &str) -> Result<BoardMember> {
        let mut conn = self.reader().acquire().await?;
        member_in(&mut conn, scope, id, self.today()).await
    }

    /// The members of an entity the caller may see, those sitting first.
    pub async fn board_members(
        &self,
        scope: &EntityScope,
        entity_id: &str,
    ) -> Result<Vec<BoardMember>> {
        let mut conn = self.reader().acquire().await?;
        entity_check(&mut conn, scope, entity_id).await?;
        members_of(&mut conn, entity_id, self.today()).await
    }

    /// Appoints a member to an entity's management body; audited `governance.member.add`.
    pub async fn add_board_member(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        entity_id: &str,
        input: &MemberInput,
    ) -> Result<BoardMember> {
        self.write_board_member(actor, scope, Target::New(entity_id), input)
            .await
    }

    /// Corrects a member's details or records their leaving; audited with before and after.
    pub async fn update_board_member(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        input: &MemberInput,
    ) -> Result<BoardMember> {
        self.write_board_member(actor, scope, Target::Existing(id), input)
            .await
    }

    async fn write_board_member(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        target: Target<'_>,
        input: &MemberInput,
    ) -> Result<BoardMember> {
        let checked = input.check()?;
        let now = self.now();
        let today = self.today();
        let mut tx = self.begin().await?;
        let (entity_id, before) = match target {
            Target::New(entity_id) => {
                entity_check(&mut tx, scope, entity_id).await?;
                (entity_id.to_owned(), None)
            }
            Target::Existing(id) => {
                let member = member_in(&mut tx, scope, id, today).await?;
                (member.entity_id.clone(), Some(member))
            }
        };
        let entity_id = entity_id.as_str();
        user_check(&mut tx, "user_id", checked.user_id.as_deref(), entity_id).await?;
        let id = before.as_ref().map_or_else(new_id, |b| b.id.clone());
        let sql = if before.is_some() {
            "UPDATE board_members SET name = $3, title = $4, email = $5, user_id = $6, \
             appointed_on = $7, left_on = $8, updated_at = $9 WHERE id = $1 AND entity_id = $2"
        } else {
            "INSERT INTO board_members (id, entity_id, name, title, email, user_id, \
             appointed_on, left_on, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)"
        };
        sqlx::query(sql)
            .bind(&id)
            .bind(entity_id)
            .bind(&checked.name)
            .bind(&checked.title)
            .bind(&checked.email)
            .bind(&checked.user_id)
            .bind(day_text(checked.appointed_on))
            .bind(checked.left_on.map(day_text))
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        let after = member_in(&mut tx, scope, &id, today).await?;
        let change = Change {
            action: if before.is_some() {
                "governance.member.update"
            } else {
                "governance.member.add"
            },
            object_type: "board_member",
            object_id: &id,
            entity_id: Some(entity_id),
            before: before.and_then(|b| serde_json::to_value(b).ok()),
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}
