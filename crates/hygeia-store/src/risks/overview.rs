//! Where the register stands, in figures: levels, risks to rate, reviews due, acceptances
//! ending or expired, and treatment actions open, overdue and done.

use chrono::Duration;
use hygeia_domain::access::EntityScope;
use hygeia_domain::risks::treatment::EXPIRY_NOTICE_DAYS;
use serde::Serialize;

use super::matrix::RANK;
use crate::Store;
use crate::error::Result;
use crate::sql::Filter;

/// How many risks sit at one level (of their current rating, else their inherent one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelCount {
    pub level: String,
    pub risks: i64,
}

/// The register in figures, for one entity or all those in scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskOverview {
    pub risks: i64,
    /// Not rated yet (taken from the library and waiting).
    pub to_rate: i64,
    /// Rated, with no treatment decided.
    pub undecided: i64,
    pub by_level: Vec<LevelCount>,
    /// Whose review day has come.
    pub review_due: i64,
    /// Accepted until a day within the notice period.
    pub acceptances_ending: i64,
    /// Accepted until a day now past: to decide again.
    pub acceptances_expired: i64,
    pub actions_open: i64,
    pub actions_overdue: i64,
    pub actions_done: i64,
}

fn sum(value: Option<i64>) -> i64 {
    value.unwrap_or(0)
}

impl Store {
    /// The register of `entity_id` (or of every entity in `scope`) in figures.
    pub async fn risk_overview(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
    ) -> Result<RiskOverview> {
        let today = self.today();
        let notice = (today + Duration::days(EXPIRY_NOTICE_DAYS))
            .format("%Y-%m-%d")
            .to_string();
        let today = today.format("%Y-%m-%d").to_string();
        let (_, matrix) = self.risk_matrix().await?;
        let mut conn = self.reader().acquire().await?;

        let mut f = Filter::new();
        f.eq_opt("r.entity_id", entity_id);
        f.scope("r.entity_id", scope);
        let mut counts = f.clone();
        let (on_today, on_notice) = (
            counts.placeholder_for_text(&today),
            counts.placeholder_for_text(&notice),
        );
        let sql = format!(
            "SELECT COUNT(*) AS risks, \
                SUM(CASE WHEN r.severity < 0 THEN 1 ELSE 0 END) AS to_rate, \
                SUM(CASE WHEN r.severity >= 0 AND r.treatment IS NULL THEN 1 ELSE 0 END) AS undecided, \
                SUM(CASE WHEN r.next_review_on <= {today} THEN 1 ELSE 0 END) AS review_due, \
                SUM(CASE WHEN r.accepted_until >= {today} AND r.accepted_until <= {notice} THEN 1 ELSE 0 END) AS ending, \
                SUM(CASE WHEN r.accepted_until < {today} THEN 1 ELSE 0 END) AS expired \
             FROM risks r{}",
            counts.where_clause(),
            today = on_today,
            notice = on_notice,
        );
        let (risks, to_rate, undecided, review_due, ending, expired) = counts
            .query(sql)
            .try_map(|row: sqlx::any::AnyRow| {
                use sqlx::Row;
                Ok((
                    row.try_get::<i64, _>("risks")?,
                    sum(row.try_get("to_rate")?),
                    sum(row.try_get("undecided")?),
                    sum(row.try_get("review_due")?),
                    sum(row.try_get("ending")?),
                    sum(row.try_get("expired")?),
                ))
            })
            .fetch_one(&mut *conn)
            .await?;

        // Per level: the level's rank leads each rated risk's severity (kept with every rating
        // and re-rating), so the count reads the risks alone, not their ratings.
        let mut rated = f.clone();
        rated.condition("r.severity >= 0");
        let sql = format!(
            "SELECT r.severity / {RANK} AS rank, COUNT(*) AS risks FROM risks r{} \
             GROUP BY r.severity / {RANK}",
            rated.where_clause()
        );
        let by_level: Vec<LevelCount> = rated
            .query(sql)
            .try_map(|row: sqlx::any::AnyRow| {
                use sqlx::Row;
                Ok((
                    row.try_get::<i64, _>("rank")?,
                    row.try_get::<i64, _>("risks")?,
                ))
            })
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .filter_map(|(rank, risks)| {
                let level = matrix.levels.get(usize::try_from(rank).ok()?)?;
                Some(LevelCount {
                    level: level.id.clone(),
                    risks,
                })
            })
            .collect();

        let mut a = Filter::new();
        a.eq_opt("entity_id", entity_id);
        a.scope("entity_id", scope);
        let on_today = a.placeholder_for_text(&today);
        let sql = format!(
            "SELECT SUM(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS open, \
                SUM(CASE WHEN status = 'open' AND due_on < {today} THEN 1 ELSE 0 END) AS overdue, \
                SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS done \
             FROM risk_actions{}",
            a.where_clause(),
            today = on_today,
        );
        let (actions_open, actions_overdue, actions_done) = a
            .query(sql)
            .try_map(|row: sqlx::any::AnyRow| {
                use sqlx::Row;
                Ok((
                    sum(row.try_get("open")?),
                    sum(row.try_get("overdue")?),
                    sum(row.try_get("done")?),
                ))
            })
            .fetch_one(&mut *conn)
            .await?;

        Ok(RiskOverview {
            risks,
            to_rate,
            undecided,
            by_level,
            review_due,
            acceptances_ending: ending,
            acceptances_expired: expired,
            actions_open,
            actions_overdue,
            actions_done,
        })
    }
}

/// What the register says about risk management (NIS2 Art. 21(2)(a)): the weak points an
/// assessor should look at, none when the register is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RegisterGap {
    /// No risk in the register at all.
    Empty,
    ToRate,
    Undecided,
    ReviewDue,
    AcceptanceExpired,
    ActionsOverdue,
}

impl RegisterGap {
    pub fn as_str(self) -> &'static str {
        match self {
            RegisterGap::Empty => "empty",
            RegisterGap::ToRate => "to_rate",
            RegisterGap::Undecided => "undecided",
            RegisterGap::ReviewDue => "review_due",
            RegisterGap::AcceptanceExpired => "acceptance_expired",
            RegisterGap::ActionsOverdue => "actions_overdue",
        }
    }
}

impl RiskOverview {
    /// The register's weak points, most basic first.
    pub fn gaps(&self) -> Vec<RegisterGap> {
        if self.risks == 0 {
            return vec![RegisterGap::Empty];
        }
        [
            (self.to_rate, RegisterGap::ToRate),
            (self.undecided, RegisterGap::Undecided),
            (self.review_due, RegisterGap::ReviewDue),
            (self.acceptances_expired, RegisterGap::AcceptanceExpired),
            (self.actions_overdue, RegisterGap::ActionsOverdue),
        ]
        .into_iter()
        .filter(|(count, _)| *count > 0)
        .map(|(_, gap)| gap)
        .collect()
    }
}
