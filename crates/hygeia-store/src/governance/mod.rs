//! Governance stored (issue 16, item 3, NIS2 Art. 20): the management body's members
//! ([`members`]), its approvals of the risk-management measures and of policy versions
//! ([`approvals`]), training records of members and staff ([`training`]), policies with their
//! versions and acknowledgements ([`policies`]), and where the entity stands ([`status`]).
//! Every change is audited in its transaction and scoped to the entities the user may see.

mod approvals;
mod members;
mod policies;
mod status;
mod training;

pub use approvals::Approval;
pub use members::BoardMember;
pub use policies::{
    PendingAcknowledgement, Person, Policy, PolicyAcknowledgements, PolicySummary, PolicyVersion,
};
pub use status::{Governance, GovernanceOverview, GovernanceStatus};
pub use training::TrainingRecord;

use chrono::NaiveDate;
use hygeia_domain::access::EntityScope;
use hygeia_domain::validation::{FieldError, ValidationErrors};
use sqlx::AnyConnection;

use crate::Store;
use crate::error::{Result, StoreError};
use crate::users::WITH_ACCESS_TO_ENTITY;

/// A day as stored (`YYYY-MM-DD`).
pub(crate) fn day_text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// A stored day read back; a malformed one is corruption.
pub(crate) fn stored_day(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("day '{text}'")))
}

/// What a write is about: a new record of an entity, or an existing record.
#[derive(Debug, Clone, Copy)]
enum Target<'a> {
    New(&'a str),
    Existing(&'a str),
}

/// The entity named, when the caller may see it and it exists.
async fn entity_check(
    conn: &mut AnyConnection,
    scope: &EntityScope,
    entity_id: &str,
) -> Result<()> {
    if !scope.contains(entity_id) {
        return Err(StoreError::not_found("entity", entity_id));
    }
    Store::entity_in(conn, entity_id).await.map(|_| ())
}

/// The error naming `field` unless `user_id` is an active user who may see the entity.
async fn user_check(
    conn: &mut AnyConnection,
    field: &str,
    user_id: Option<&str>,
    entity_id: &str,
) -> Result<()> {
    let Some(user_id) = user_id else {
        return Ok(());
    };
    let sql = format!("SELECT u.id FROM users u WHERE u.id = $2 AND {WITH_ACCESS_TO_ENTITY}");
    let found: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(entity_id)
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(ValidationErrors(vec![FieldError::not_an_owner(field, user_id)]).into()),
    }
}
