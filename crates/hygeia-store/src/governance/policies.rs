//! Policies and their versions: a policy starts with a draft; the draft is approved (through
//! [`super::approvals`]), then published, which supersedes the version published before and
//! sets the next review; a revision of the published version starts the next draft. The users
//! a policy applies to acknowledge the published version; who has not yet is listed.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use hygeia_domain::access::{EntityScope, Role};
use hygeia_domain::governance::policies::{
    DraftInput, PolicyAction, PolicyInput, PolicyState, PublishInput, acknowledgements,
    next_review, review_due, transition,
};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

use super::{day_text, entity_check, stored_day};
use crate::assessments::evidence::evidence_check;
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::users::WITH_ACCESS_TO_ENTITY;
use crate::{Actor, Store, new_id};

/// A user a policy applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Person {
    pub user_id: String,
    pub name: String,
    pub email: String,
}

/// A policy in a list: its latest version and where the published one stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicySummary {
    pub id: String,
    pub entity_id: String,
    pub title: String,
    pub owner: String,
    /// Role codes of the users who must acknowledge it; empty: every user of the entity.
    pub audience_roles: Vec<String>,
    pub review_months: i64,
    /// The latest version and its state (`draft`, `approved`, `published`).
    pub latest_version: i64,
    pub latest_state: String,
    /// The version in force, if one is published.
    pub published_version: Option<i64>,
    pub published_on: Option<String>,
    pub next_review_on: Option<String>,
    /// The published version's review day has come.
    pub review_due: bool,
    /// Users it applies to, and how many acknowledged the published version.
    pub audience: i64,
    pub acknowledged: i64,
}

/// One version of a policy, with the approval that let it be published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyVersion {
    pub version: i64,
    pub state: String,
    pub summary: String,
    pub evidence_id: Option<String>,
    pub drafted_at: String,
    pub drafted_by: String,
    pub approved_on: Option<String>,
    /// The signatory's name and capacity.
    pub approved_by: Option<String>,
    pub published_on: Option<String>,
    pub next_review_on: Option<String>,
}

/// Who has and has not acknowledged the published version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyAcknowledgements {
    pub version: i64,
    pub acknowledged: Vec<Person>,
    pub missing: Vec<Person>,
}

/// A policy with every version, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Policy {
    #[serde(flatten)]
    pub summary: PolicySummary,
    pub versions: Vec<PolicyVersion>,
    /// None until a version is published.
    pub acknowledgements: Option<PolicyAcknowledgements>,
}

fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

fn roles_of(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The active users who may see the entity, with their role.
async fn people_of(conn: &mut AnyConnection, entity_id: &str) -> Result<Vec<(Person, String)>> {
    let sql = format!(
        "SELECT u.id, u.display_name, u.email, u.role FROM users u \
         WHERE {WITH_ACCESS_TO_ENTITY} ORDER BY u.display_name, u.email"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(entity_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                Person {
                    user_id: row.try_get("id")?,
                    name: row.try_get("display_name")?,
                    email: row.try_get("email")?,
                },
                row.try_get("role")?,
            ))
        })
        .collect()
}

/// The people among `people` a policy for `roles` applies to.
fn audience<'a>(people: &'a [(Person, String)], roles: &[String]) -> Vec<&'a Person> {
    people
        .iter()
        .filter(|(_, role)| roles.is_empty() || roles.contains(role))
        .map(|(p, _)| p)
        .collect()
}

/// Each user's latest acknowledged version of each policy of the entity.
async fn latest_acknowledgements(
    conn: &mut AnyConnection,
    entity_id: &str,
) -> Result<BTreeMap<String, BTreeMap<String, u32>>> {
    let rows = sqlx::query(
        "SELECT a.policy_id, a.user_id, MAX(a.version) AS version \
         FROM policy_acknowledgements a JOIN policies p ON p.id = a.policy_id \
         WHERE p.entity_id = $1 GROUP BY a.policy_id, a.user_id",
    )
    .bind(entity_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
    for row in rows {
        let version: i64 = row.try_get("version")?;
        out.entry(row.try_get("policy_id")?)
            .or_default()
            .insert(row.try_get("user_id")?, u32::try_from(version).unwrap_or(0));
    }
    Ok(out)
}

/// Who may see an entity (with their role) and each one's latest acknowledged version of each
/// policy: read once, for the summaries and a policy's acknowledgements alike.
struct Readers {
    people: Vec<(Person, String)>,
    acks: BTreeMap<String, BTreeMap<String, u32>>,
}

/// The policies of an entity (or one of them), by title, with the readers they were counted on.
async fn summaries(
    conn: &mut AnyConnection,
    entity_id: &str,
    only: Option<&str>,
    today: NaiveDate,
) -> Result<(Vec<PolicySummary>, Readers)> {
    let rows = sqlx::query(
        "SELECT p.id, p.title, p.owner, p.audience_roles, p.review_months, \
           l.version AS latest_version, l.state AS latest_state, \
           c.version AS published_version, c.published_on, c.next_review_on \
         FROM policies p \
         JOIN policy_versions l ON l.policy_id = p.id AND l.version = \
           (SELECT MAX(version) FROM policy_versions WHERE policy_id = p.id) \
         LEFT JOIN policy_versions c ON c.policy_id = p.id AND c.state = 'published' \
         WHERE p.entity_id = $1 AND ($2 = '' OR p.id = $2) ORDER BY p.title, p.id",
    )
    .bind(entity_id)
    .bind(only.unwrap_or_default())
    .fetch_all(&mut *conn)
    .await?;
    let people = people_of(conn, entity_id).await?;
    let acks = latest_acknowledgements(conn, entity_id).await?;
    let summaries = rows
        .iter()
        .map(|row| {
            let id: String = row.try_get("id")?;
            let audience_roles = roles_of(&row.try_get::<String, _>("audience_roles")?);
            let published_version: Option<i64> = row.try_get("published_version")?;
            let next_review_on: Option<String> = row.try_get("next_review_on")?;
            let next = next_review_on.as_deref().map(stored_day).transpose()?;
            let targets = audience(&people, &audience_roles);
            let acknowledged = published_version.map_or(0, |v| {
                let latest = acks.get(&id);
                targets
                    .iter()
                    .filter(|p| {
                        latest
                            .and_then(|l| l.get(&p.user_id))
                            .is_some_and(|a| i64::from(*a) >= v)
                    })
                    .count()
            });
            Ok(PolicySummary {
                entity_id: entity_id.to_owned(),
                title: row.try_get("title")?,
                owner: row.try_get("owner")?,
                review_months: row.try_get("review_months")?,
                latest_version: row.try_get("latest_version")?,
                latest_state: row.try_get("latest_state")?,
                published_on: row.try_get("published_on")?,
                review_due: review_due(
                    if published_version.is_some() {
                        PolicyState::Published
                    } else {
                        PolicyState::Draft
                    },
                    next,
                    today,
                ),
                next_review_on,
                published_version,
                audience: i64::try_from(targets.len()).unwrap_or(i64::MAX),
                acknowledged: i64::try_from(acknowledged).unwrap_or(i64::MAX),
                audience_roles,
                id,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((summaries, Readers { people, acks }))
}

/// The policies of an entity.
pub(super) async fn policies_of(
    conn: &mut AnyConnection,
    entity_id: &str,
    today: NaiveDate,
) -> Result<Vec<PolicySummary>> {
    Ok(summaries(conn, entity_id, None, today).await?.0)
}

async fn policy_entity_in(
    conn: &mut AnyConnection,
    scope: &EntityScope,
    id: &str,
) -> Result<String> {
    sqlx::query_scalar("SELECT entity_id FROM policies WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .filter(|entity_id: &String| scope.contains(entity_id))
        .ok_or_else(|| StoreError::not_found("policy", id))
}

async fn versions_of(conn: &mut AnyConnection, policy_id: &str) -> Result<Vec<PolicyVersion>> {
    let rows = sqlx::query(
        "SELECT v.version, v.state, v.summary, v.evidence_id, v.drafted_at, v.drafted_by, \
           v.published_on, v.next_review_on, a.approved_on, m.name AS signatory, \
           m.title AS signatory_title \
         FROM policy_versions v \
         LEFT JOIN governance_approvals a ON a.policy_id = v.policy_id \
           AND a.policy_version = v.version \
         LEFT JOIN board_members m ON m.id = a.member_id \
         WHERE v.policy_id = $1 ORDER BY v.version DESC",
    )
    .bind(policy_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let signatory: Option<String> = row.try_get("signatory")?;
            let title: Option<String> = row.try_get("signatory_title")?;
            Ok(PolicyVersion {
                version: row.try_get("version")?,
                state: row.try_get("state")?,
                summary: row.try_get("summary")?,
                evidence_id: row.try_get("evidence_id")?,
                drafted_at: row.try_get("drafted_at")?,
                drafted_by: row.try_get("drafted_by")?,
                approved_on: row.try_get("approved_on")?,
                approved_by: signatory.map(|s| match title {
                    Some(t) if !t.is_empty() => format!("{s} ({t})"),
                    _ => s,
                }),
                published_on: row.try_get("published_on")?,
                next_review_on: row.try_get("next_review_on")?,
            })
        })
        .collect()
}

async fn policy_in(
    conn: &mut AnyConnection,
    scope: &EntityScope,
    id: &str,
    today: NaiveDate,
) -> Result<Policy> {
    let entity_id = policy_entity_in(conn, scope, id).await?;
    let (mut found, mut readers) = summaries(conn, &entity_id, Some(id), today).await?;
    let summary = found
        .pop()
        .ok_or_else(|| StoreError::not_found("policy", id))?;
    let versions = versions_of(conn, id).await?;
    let acknowledgements = match summary.published_version {
        Some(version) => {
            let targets = audience(&readers.people, &summary.audience_roles);
            let required: BTreeSet<String> = targets.iter().map(|p| p.user_id.clone()).collect();
            let latest = readers.acks.remove(id).unwrap_or_default();
            let split = acknowledgements(&required, &latest, u32::try_from(version).unwrap_or(0));
            let person = |user_id: &String| {
                targets
                    .iter()
                    .find(|p| &p.user_id == user_id)
                    .map(|p| (*p).clone())
            };
            Some(PolicyAcknowledgements {
                version,
                acknowledged: split.acknowledged.iter().filter_map(person).collect(),
                missing: split.missing.iter().filter_map(person).collect(),
            })
        }
        None => None,
    };
    Ok(Policy {
        summary,
        versions,
        acknowledgements,
    })
}

/// The latest version of a policy and its state.
pub(super) async fn latest_version(
    conn: &mut AnyConnection,
    policy_id: &str,
) -> Result<(i64, PolicyState)> {
    let row = sqlx::query(
        "SELECT version, state FROM policy_versions WHERE policy_id = $1 \
         ORDER BY version DESC LIMIT 1",
    )
    .bind(policy_id)
    .fetch_one(&mut *conn)
    .await?;
    let state: String = row.try_get("state")?;
    Ok((
        row.try_get("version")?,
        PolicyState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("policy state '{state}'")))?,
    ))
}

/// Moves the latest version of a policy by `action`, or says why it cannot be.
pub(super) async fn advance(
    conn: &mut AnyConnection,
    policy_id: &str,
    action: PolicyAction,
) -> Result<(i64, PolicyState)> {
    let (version, from) = latest_version(conn, policy_id).await?;
    let to = transition(from, action).map_err(|refused| StoreError::Conflict {
        field: "state",
        message: refused.to_string(),
    })?;
    sqlx::query("UPDATE policy_versions SET state = $3 WHERE policy_id = $1 AND version = $2")
        .bind(policy_id)
        .bind(version)
        .bind(to.as_str())
        .execute(&mut *conn)
        .await?;
    Ok((version, to))
}

/// A published policy a user has still to acknowledge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PendingAcknowledgement {
    pub policy_id: String,
    pub title: String,
    pub entity_id: String,
    pub version: i64,
    pub published_on: Option<String>,
}

impl Store {
    /// The published policies that apply to `user_id` (an active user, on the entities they
    /// may see, by role) and whose version in force they have not acknowledged, oldest first.
    pub async fn policies_to_acknowledge(
        &self,
        user_id: &str,
    ) -> Result<Vec<PendingAcknowledgement>> {
        Ok(sqlx::query_as(
            "SELECT p.id AS policy_id, p.title, p.entity_id, v.version, v.published_on \
             FROM policies p JOIN policy_versions v ON v.policy_id = p.id \
             AND v.state = 'published' \
             JOIN entities n ON n.id = p.entity_id \
             JOIN users u ON u.id = $1 AND u.organisation_id = n.organisation_id \
             AND u.deactivated_at IS NULL \
             WHERE (u.role = 'administrator' OR EXISTS (SELECT 1 FROM user_entities g \
                    WHERE g.user_id = u.id AND g.entity_id = p.entity_id)) \
             AND (p.audience_roles = '' \
                  OR ',' || p.audience_roles || ',' LIKE '%,' || u.role || ',%') \
             AND NOT EXISTS (SELECT 1 FROM policy_acknowledgements a \
                  WHERE a.policy_id = p.id AND a.version = v.version AND a.user_id = u.id) \
             ORDER BY v.published_on, p.title, p.id",
        )
        .bind(user_id)
        .fetch_all(self.reader())
        .await?)
    }

    /// The policies of an entity the caller may see.
    pub async fn policies(
        &self,
        scope: &EntityScope,
        entity_id: &str,
    ) -> Result<Vec<PolicySummary>> {
        let mut conn = self.reader().acquire().await?;
        entity_check(&mut conn, scope, entity_id).await?;
        policies_of(&mut conn, entity_id, self.today()).await
    }

    /// One policy with its versions and who acknowledged the published one.
    pub async fn policy(&self, scope: &EntityScope, id: &str) -> Result<Policy> {
        let mut conn = self.reader().acquire().await?;
        policy_in(&mut conn, scope, id, self.today()).await
    }

    /// Creates a policy with its first draft; audited `governance.policy.create`.
    pub async fn create_policy(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        entity_id: &str,
        input: &PolicyInput,
        draft: &DraftInput,
    ) -> Result<Policy> {
        let checked = input.check()?;
        let (summary, evidence_id) = draft.check()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        entity_check(&mut tx, scope, entity_id).await?;
        evidence_check(&mut tx, "evidence_id", evidence_id.as_deref(), entity_id).await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO policies (id, entity_id, title, owner, audience_roles, review_months, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(&id)
        .bind(entity_id)
        .bind(&checked.title)
        .bind(&checked.owner)
        .bind(roles_text(&checked.audience_roles))
        .bind(i64::from(checked.review_months))
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        insert_draft(
            &mut tx,
            &id,
            1,
            (&summary, evidence_id.as_deref()),
            (&now, actor),
        )
        .await?;
        let after = policy_in(&mut tx, scope, &id, self.today()).await?;
        audit_policy(
            &mut tx,
            (actor, &now),
            "governance.policy.create",
            None,
            &after,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Changes a policy's title, owner, audience or review cadence; audited.
    pub async fn update_policy(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        input: &PolicyInput,
    ) -> Result<Policy> {
        let checked = input.check()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = policy_in(&mut tx, scope, id, self.today()).await?;
        sqlx::query(
            "UPDATE policies SET title = $2, owner = $3, audience_roles = $4, \
             review_months = $5, updated_at = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(&checked.title)
        .bind(&checked.owner)
        .bind(roles_text(&checked.audience_roles))
        .bind(i64::from(checked.review_months))
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let after = policy_in(&mut tx, scope, id, self.today()).await?;
        audit_policy(
            &mut tx,
            (actor, &now),
            "governance.policy.update",
            Some(&before),
            &after,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Rewrites the current draft, or starts the next draft from the published version (a
    /// revision); an approved version waiting to be published cannot change. Audited
    /// `governance.policy.draft`.
    pub async fn draft_policy(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        draft: &DraftInput,
    ) -> Result<Policy> {
        let (summary, evidence_id) = draft.check()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = policy_in(&mut tx, scope, id, self.today()).await?;
        evidence_check(
            &mut tx,
            "evidence_id",
            evidence_id.as_deref(),
            &before.summary.entity_id,
        )
        .await?;
        let (version, state) = latest_version(&mut tx, id).await?;
        if state == PolicyState::Draft {
            sqlx::query(
                "UPDATE policy_versions SET summary = $3, evidence_id = $4, drafted_at = $5, \
                 drafted_by = $6 WHERE policy_id = $1 AND version = $2",
            )
            .bind(id)
            .bind(version)
            .bind(&summary)
            .bind(&evidence_id)
            .bind(&now)
            .bind(&actor.label)
            .execute(&mut *tx)
            .await?;
        } else {
            transition(state, PolicyAction::Revise).map_err(|refused| StoreError::Conflict {
                field: "state",
                message: refused.to_string(),
            })?;
            let next = (summary.as_str(), evidence_id.as_deref());
            insert_draft(&mut tx, id, version + 1, next, (&now, actor)).await?;
        }
        let after = policy_in(&mut tx, scope, id, self.today()).await?;
        audit_policy(
            &mut tx,
            (actor, &now),
            "governance.policy.draft",
            Some(&before),
            &after,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Publishes the approved version on the day given (today by default): the one published
    /// before is superseded, the review is due after the policy's cadence. Audited
    /// `governance.policy.publish`.
    pub async fn publish_policy(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        input: &PublishInput,
    ) -> Result<Policy> {
        let now = self.now();
        let today = self.today();
        let mut tx = self.begin().await?;
        let before = policy_in(&mut tx, scope, id, today).await?;
        let approved_on = before
            .versions
            .first()
            .and_then(|v| v.approved_on.as_deref())
            .map(stored_day)
            .transpose()?;
        let published_on = input.check(approved_on, today)?;
        sqlx::query(
            "UPDATE policy_versions SET state = 'superseded' \
             WHERE policy_id = $1 AND state = 'published'",
        )
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let (version, _) = advance(&mut tx, id, PolicyAction::Publish).await?;
        let months = u32::try_from(before.summary.review_months).unwrap_or(12);
        sqlx::query(
            "UPDATE policy_versions SET published_on = $3, next_review_on = $4 \
             WHERE policy_id = $1 AND version = $2",
        )
        .bind(id)
        .bind(version)
        .bind(day_text(published_on))
        .bind(day_text(next_review(published_on, months)))
        .execute(&mut *tx)
        .await?;
        let after = policy_in(&mut tx, scope, id, today).await?;
        audit_policy(
            &mut tx,
            (actor, &now),
            "governance.policy.publish",
            Some(&before),
            &after,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The caller acknowledges the published version of a policy that applies to them
    /// (acknowledging it again changes nothing); audited `governance.policy.acknowledge`.
    pub async fn acknowledge_policy(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
    ) -> Result<Policy> {
        let user_id = actor.user_id.clone().ok_or_else(|| StoreError::Conflict {
            field: "user",
            message: "only a signed-in user acknowledges a policy".into(),
        })?;
        let now = self.now();
        let today = self.today();
        let mut tx = self.begin().await?;
        let before = policy_in(&mut tx, scope, id, today).await?;
        let Some(acks) = &before.acknowledgements else {
            return Err(StoreError::Conflict {
                field: "state",
                message: "no version of this policy is published yet".into(),
            });
        };
        let applies = acks
            .acknowledged
            .iter()
            .chain(&acks.missing)
            .any(|p| p.user_id == user_id);
        if !applies {
            return Err(StoreError::Conflict {
                field: "audience",
                message: "this policy does not apply to you".into(),
            });
        }
        if acks.acknowledged.iter().any(|p| p.user_id == user_id) {
            return Ok(before);
        }
        sqlx::query(
            "INSERT INTO policy_acknowledgements (policy_id, version, user_id, acknowledged_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(acks.version)
        .bind(&user_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let change = Change {
            action: "governance.policy.acknowledge",
            object_type: "policy",
            object_id: id,
            entity_id: Some(&before.summary.entity_id),
            before: None,
            after: Some(serde_json::json!({"version": acks.version, "user_id": user_id})),
        };
        append(&mut tx, actor, &now, change).await?;
        let after = policy_in(&mut tx, scope, id, today).await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// Appends the audit record of a policy change: its versions before and after.
async fn audit_policy(
    tx: &mut crate::database::WriteTx,
    (actor, now): (&Actor, &str),
    action: &str,
    before: Option<&Policy>,
    after: &Policy,
) -> Result<()> {
    let change = Change {
        action,
        object_type: "policy",
        object_id: &after.summary.id,
        entity_id: Some(&after.summary.entity_id),
        before: before.and_then(|b| serde_json::to_value(&b.versions).ok()),
        after: serde_json::to_value(&after.versions).ok(),
    };
    append(tx, actor, now, change).await.map(|_| ())
}

async fn insert_draft(
    conn: &mut AnyConnection,
    policy_id: &str,
    version: i64,
    (summary, evidence_id): (&str, Option<&str>),
    (now, actor): (&str, &Actor),
) -> Result<()> {
    sqlx::query(
        "INSERT INTO policy_versions (policy_id, version, state, summary, evidence_id, \
         drafted_at, drafted_by) VALUES ($1, $2, 'draft', $3, $4, $5, $6)",
    )
    .bind(policy_id)
    .bind(version)
    .bind(summary)
    .bind(evidence_id)
    .bind(now)
    .bind(&actor.label)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
