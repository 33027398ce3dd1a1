//! Approvals by the management body: of the risk-management measures as a whole, or of the
//! draft version of a policy (which it moves to "approved"). The signatory must be a member
//! sitting on the body on the day of the approval. An approval is recorded once and never
//! changed; the audit trail holds who recorded it.

use chrono::NaiveDate;
use hygeia_domain::access::EntityScope;
use hygeia_domain::governance::approvals::{ApprovalInput, ApprovalSubject};
use hygeia_domain::governance::policies::PolicyAction;
use hygeia_domain::governance::sits_on;
use hygeia_domain::validation::{FieldError, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

use super::members::member_in;
use super::policies::advance;
use super::{day_text, entity_check, stored_day};
use crate::assessments::evidence::evidence_check;
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

/// An approval recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Approval {
    pub id: String,
    pub entity_id: String,
    /// `measures` or `policy`.
    pub subject: String,
    pub policy_id: Option<String>,
    pub policy_title: Option<String>,
    pub policy_version: Option<i64>,
    /// The version approved, as named (for a policy, `v` and its number).
    pub version: String,
    pub approved_on: String,
    pub member_id: String,
    /// The signatory's name and capacity on the body.
    pub signatory: String,
    pub signatory_title: String,
    pub reference: String,
    pub note: String,
    pub evidence_id: Option<String>,
    pub recorded_at: String,
    pub recorded_by: String,
}

const SELECT: &str = "SELECT a.id, a.entity_id, a.subject, a.policy_id, p.title AS policy_title, \
    a.policy_version, a.version, a.approved_on, a.member_id, m.name AS signatory, \
    m.title AS signatory_title, a.reference, a.note, a.evidence_id, a.recorded_at, \
    a.recorded_by FROM governance_approvals a JOIN board_members m ON m.id = a.member_id \
    LEFT JOIN policies p ON p.id = a.policy_id";

/// The approvals of an entity, latest first.
pub(super) async fn approvals_of(
    conn: &mut AnyConnection,
    entity_id: &str,
) -> Result<Vec<Approval>> {
    let sql = format!(
        "{SELECT} WHERE a.entity_id = $1 ORDER BY a.approved_on DESC, a.recorded_at DESC, a.id"
    );
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(entity_id)
        .fetch_all(&mut *conn)
        .await?)
}

async fn approval_in(conn: &mut AnyConnection, id: &str) -> Result<Approval> {
    let sql = format!("{SELECT} WHERE a.id = $1");
    sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("approval", id))
}

/// The error naming `member_id` unless it is a member of the entity sitting on `day`.
async fn signatory_check(
    conn: &mut AnyConnection,
    scope: &EntityScope,
    entity_id: &str,
    member_id: &str,
    (day, today): (NaiveDate, NaiveDate),
) -> Result<()> {
    let refused = |error: FieldError| StoreError::from(ValidationErrors(vec![error]));
    let member = member_in(conn, scope, member_id, today)
        .await
        .ok()
        .filter(|m| m.entity_id == entity_id)
        .ok_or_else(|| refused(FieldError::not_found("member_id", member_id)))?;
    let left = member.left_on.as_deref().map(stored_day).transpose()?;
    if sits_on(stored_day(&member.appointed_on)?, left, day) {
        Ok(())
    } else {
        Err(refused(FieldError::not_sitting("member_id", &member.name)))
    }
}

impl Store {
    /// The approvals of an entity the caller may see, latest first.
    pub async fn approvals(&self, scope: &EntityScope, entity_id: &str) -> Result<Vec<Approval>> {
        let mut conn = self.reader().acquire().await?;
        entity_check(&mut conn, scope, entity_id).await?;
        approvals_of(&mut conn, entity_id).await
    }

    /// Records an approval by the management body. For a policy, its draft version becomes
    /// approved (ready to publish); anything else is refused with the state it is in. Audited
    /// `governance.approval.record`.
    pub async fn record_approval(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        entity_id: &str,
        input: &ApprovalInput,
    ) -> Result<Approval> {
        let today = self.today();
        let checked = input.check(today)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        entity_check(&mut tx, scope, entity_id).await?;
        signatory_check(
            &mut tx,
            scope,
            entity_id,
            &checked.member_id,
            (checked.approved_on, today),
        )
        .await?;
        evidence_check(
            &mut tx,
            "evidence_id",
            checked.evidence_id.as_deref(),
            entity_id,
        )
        .await?;
        let (policy_version, version) = match (checked.subject, &checked.policy_id) {
            (ApprovalSubject::Policy, Some(policy_id)) => {
                let of: Option<String> =
                    sqlx::query_scalar("SELECT entity_id FROM policies WHERE id = $1")
                        .bind(policy_id)
                        .fetch_optional(&mut *tx)
                        .await?;
                if of.as_deref() != Some(entity_id) {
                    return Err(ValidationErrors(vec![FieldError::not_found(
                        "policy_id",
                        policy_id,
                    )])
                    .into());
                }
                let (number, _) = advance(&mut tx, policy_id, PolicyAction::Approve).await?;
                (Some(number), format!("v{number}"))
            }
            _ => (None, checked.version.clone()),
        };
        let id = new_id();
        sqlx::query(
            "INSERT INTO governance_approvals (id, entity_id, subject, policy_id, \
             policy_version, version, approved_on, member_id, reference, note, evidence_id, \
             recorded_at, recorded_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&id)
        .bind(entity_id)
        .bind(checked.subject.as_str())
        .bind(&checked.policy_id)
        .bind(policy_version)
        .bind(&version)
        .bind(day_text(checked.approved_on))
        .bind(&checked.member_id)
        .bind(&checked.reference)
        .bind(&checked.note)
        .bind(&checked.evidence_id)
        .bind(&now)
        .bind(&actor.label)
        .execute(&mut *tx)
        .await?;
        let after = approval_in(&mut tx, &id).await?;
        let change = Change {
            action: "governance.approval.record",
            object_type: "approval",
            object_id: &id,
            entity_id: Some(entity_id),
            before: None,
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}
