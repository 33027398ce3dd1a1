//! Where an entity's governance stands: the whole picture for its page, and the figures the
//! management body report and the dashboard show (members trained, the measures' last
//! approval, trainings to renew, policies to review or acknowledge).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use hygeia_domain::access::EntityScope;
use hygeia_domain::governance::approvals::measures_renewal_due;
use hygeia_domain::governance::training::TrainingState;
use serde::Serialize;
use sqlx::AnyConnection;

use super::approvals::{Approval, approvals_of};
use super::members::{BoardMember, members_of};
use super::policies::{PolicySummary, policies_of};
use super::training::{TrainingRecord, training_of};
use super::{entity_check, stored_day};
use crate::Store;
use crate::error::Result;

/// The figures of an entity's governance on the day read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GovernanceStatus {
    /// Members sitting on the body today, and those of them with a training in force.
    pub members_sitting: i64,
    pub members_trained: i64,
    /// Names of the sitting members without a training in force.
    pub members_untrained: Vec<String>,
    /// The latest approval of the risk-management measures.
    pub measures_approved_on: Option<String>,
    pub measures_version: Option<String>,
    pub measures_signatory: Option<String>,
    /// Never approved, or approved more than a year ago.
    pub measures_renewal_due: bool,
    /// The latest training of each person and course that is expiring or expired: to renew.
    pub trainings_to_renew: Vec<TrainingRecord>,
    pub policies_published: i64,
    /// Policies whose latest version waits for approval or publication.
    pub policies_pending: i64,
    pub policies_review_due: i64,
    /// Acknowledgements of published versions still missing, over every policy.
    pub acknowledgements_missing: i64,
}

/// An entity's governance in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Governance {
    pub entity_id: String,
    pub members: Vec<BoardMember>,
    /// Latest first.
    pub approvals: Vec<Approval>,
    /// Latest completion first.
    pub training: Vec<TrainingRecord>,
    pub policies: Vec<PolicySummary>,
    pub status: GovernanceStatus,
}

fn in_force(t: &TrainingRecord) -> bool {
    t.state != TrainingState::Expired.as_str()
}

/// Who a record is about, to find each person's latest training of a course.
fn person_key(t: &TrainingRecord) -> String {
    match (&t.member_id, &t.user_id) {
        (Some(m), _) => format!("m:{m}"),
        (None, Some(u)) => format!("u:{u}"),
        (None, None) => format!("n:{}", t.person_name.to_lowercase()),
    }
}

fn status_of(
    members: &[BoardMember],
    approvals: &[Approval],
    training: &[TrainingRecord],
    policies: &[PolicySummary],
    today: NaiveDate,
) -> Result<GovernanceStatus> {
    let sitting: Vec<&BoardMember> = members.iter().filter(|m| m.sitting).collect();
    let trained = |m: &BoardMember| {
        training.iter().any(|t| {
            in_force(t)
                && (t.member_id.as_deref() == Some(m.id.as_str())
                    || (m.user_id.is_some() && t.user_id == m.user_id))
        })
    };
    let members_untrained: Vec<String> = sitting
        .iter()
        .filter(|m| !trained(m))
        .map(|m| m.name.clone())
        .collect();
    let measures = approvals.iter().find(|a| a.subject == "measures");
    let approved_on = measures.map(|a| stored_day(&a.approved_on)).transpose()?;
    let mut latest: BTreeMap<(String, String), &TrainingRecord> = BTreeMap::new();
    for t in training {
        let key = (person_key(t), t.course.to_lowercase());
        // Latest completion first: the first seen of a key is its latest.
        latest.entry(key).or_insert(t);
    }
    let trainings_to_renew = latest
        .into_values()
        .filter(|t| t.state == "expiring" || t.state == "expired")
        .cloned()
        .collect();
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    Ok(GovernanceStatus {
        members_sitting: count(sitting.len()),
        members_trained: count(sitting.len() - members_untrained.len()),
        members_untrained,
        measures_approved_on: measures.map(|a| a.approved_on.clone()),
        measures_version: measures.map(|a| a.version.clone()),
        measures_signatory: measures.map(|a| a.signatory.clone()),
        measures_renewal_due: measures_renewal_due(approved_on, today),
        trainings_to_renew,
        policies_published: count(
            policies
                .iter()
                .filter(|p| p.published_version.is_some())
                .count(),
        ),
        policies_pending: count(
            policies
                .iter()
                .filter(|p| p.latest_state == "draft" || p.latest_state == "approved")
                .count(),
        ),
        policies_review_due: count(policies.iter().filter(|p| p.review_due).count()),
        acknowledgements_missing: policies
            .iter()
            .filter(|p| p.published_version.is_some())
            .map(|p| p.audience - p.acknowledged)
            .sum(),
    })
}

pub(super) async fn governance_of(
    conn: &mut AnyConnection,
    entity_id: &str,
    today: NaiveDate,
) -> Result<Governance> {
    let members = members_of(conn, entity_id, today).await?;
    let approvals = approvals_of(conn, entity_id).await?;
    let training = training_of(conn, entity_id, today).await?;
    let policies = policies_of(conn, entity_id, today).await?;
    let status = status_of(&members, &approvals, &training, &policies, today)?;
    Ok(Governance {
        entity_id: entity_id.to_owned(),
        members,
        approvals,
        training,
        policies,
        status,
    })
}

/// What needs doing in governance over the entities the caller sees (or one of them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GovernanceOverview {
    /// Entities whose measures were never approved, or last approved a year ago or more.
    pub measures_due: i64,
    /// The latest training of a person and course, ending within the reminder notice or ended.
    pub trainings_to_renew: i64,
    /// Published policies whose review day has come.
    pub policies_review_due: i64,
}

/// Counts per entity, summed over the entities in view.
async fn per_entity(
    conn: &mut AnyConnection,
    sql: &'static str,
    day: &str,
    keep: &impl Fn(&str) -> bool,
) -> Result<i64> {
    let rows: Vec<(String, i64)> = sqlx::query_as(sql).bind(day).fetch_all(&mut *conn).await?;
    Ok(rows
        .iter()
        .filter(|(entity, _)| keep(entity))
        .map(|(_, n)| n)
        .sum())
}

/// Entities with no approval of the measures after the day given.
const MEASURES_DUE: &str = "SELECT n.id, CAST(1 AS BIGINT) FROM entities n WHERE NOT EXISTS \
    (SELECT 1 FROM governance_approvals a WHERE a.entity_id = n.id \
     AND a.subject = 'measures' AND a.approved_on > $1)";

/// The latest record of each person and course ending by the day given (a window function
/// ranks each person's records of a course, latest completion first: one pass, no per-record
/// subquery).
const TRAININGS_TO_RENEW: &str = "SELECT entity_id, COUNT(*) FROM (SELECT entity_id, \
    valid_until, ROW_NUMBER() OVER (PARTITION BY entity_id, LOWER(course), \
    COALESCE(member_id, user_id, LOWER(person_name)) \
    ORDER BY completed_on DESC, id DESC) AS rn FROM training_records) t \
    WHERE rn = 1 AND valid_until IS NOT NULL AND valid_until <= $1 GROUP BY entity_id";

/// Published policies whose review day is the day given or before.
const POLICIES_REVIEW_DUE: &str = "SELECT p.entity_id, COUNT(*) FROM policies p \
    JOIN policy_versions v ON v.policy_id = p.id \
    WHERE v.state = 'published' AND v.next_review_on <= $1 GROUP BY p.entity_id";

impl Store {
    /// What needs doing in governance over the entities in `scope` (only `only`, if given).
    pub async fn governance_overview(
        &self,
        scope: &EntityScope,
        only: Option<&str>,
    ) -> Result<GovernanceOverview> {
        use chrono::{Days, Months};
        use hygeia_domain::governance::approvals::MEASURES_RENEWAL_MONTHS;
        use hygeia_domain::governance::training::REMINDER_DAYS;
        let today = self.today();
        let keep = |entity: &str| scope.contains(entity) && only.is_none_or(|o| o == entity);
        let year_ago = today
            .checked_sub_months(Months::new(MEASURES_RENEWAL_MONTHS))
            .unwrap_or(today);
        let soon = today
            .checked_add_days(Days::new(REMINDER_DAYS))
            .unwrap_or(today);
        let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        let mut conn = self.reader().acquire().await?;
        Ok(GovernanceOverview {
            measures_due: per_entity(&mut conn, MEASURES_DUE, &day(year_ago), &keep).await?,
            trainings_to_renew: per_entity(&mut conn, TRAININGS_TO_RENEW, &day(soon), &keep)
                .await?,
            policies_review_due: per_entity(&mut conn, POLICIES_REVIEW_DUE, &day(today), &keep)
                .await?,
        })
    }

    /// An entity's governance: members, approvals, training, policies and where it stands.
    pub async fn governance(&self, scope: &EntityScope, entity_id: &str) -> Result<Governance> {
        let mut conn = self.reader().acquire().await?;
        entity_check(&mut conn, scope, entity_id).await?;
        governance_of(&mut conn, entity_id, self.today()).await
    }
}
