//! Risks: create, rate again, read, list by severity, and count per cell of the matrix.

use chrono::NaiveDate;
use hygeia_catalog::Catalog;
use hygeia_domain::access::{Denied, EntityScope};
use hygeia_domain::risks::plan::PlanProgress;
use hygeia_domain::risks::rating::Rating;
use hygeia_domain::risks::register::{CheckedRisk, RiskInput};
use hygeia_domain::risks::treatment::{AcceptanceState, acceptance_state, next_review};
use hygeia_domain::validation::{FieldError, ValidationErrors};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::controls::{LinkedControl, controls_of_risk};
use super::matrix::{matrix_in, severity};
use super::paths::{RiskPath, path_of_risk};
use super::plan::progress_in;
use super::processes::{LinkedProcess, processes_of_risk};
use super::supporting::{AssetsOf, LinkedAsset, linked_assets_in};
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::keyset::Keyset;
use crate::paging::{Page, PageRequest};
use crate::sql::Filter;
use crate::{Actor, Store, new_id};

/// The three moments a risk is rated at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RiskStage {
    Inherent,
    Current,
    Residual,
}

impl RiskStage {
    pub const ALL: [RiskStage; 3] = [RiskStage::Inherent, RiskStage::Current, RiskStage::Residual];

    pub fn as_str(self) -> &'static str {
        match self {
            RiskStage::Inherent => "inherent",
            RiskStage::Current => "current",
            RiskStage::Residual => "residual",
        }
    }
}

/// A rating as stored, with its cell and its level on the matrix in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredRating {
    #[serde(flatten)]
    pub rating: Rating,
    /// The worst impact of its dimensions.
    pub impact: u8,
    /// The level id; none if the matrix no longer has its cell.
    pub level: Option<String>,
}

/// A requirement of the catalog a risk relates to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequirementLink {
    pub framework_id: String,
    pub requirement_id: String,
}

/// Where a risk comes from and what it relates to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskLinks {
    /// The library scenario it was taken from.
    #[serde(default)]
    pub scenario_id: Option<String>,
    /// Requirements of the catalog.
    #[serde(default)]
    pub requirements: Vec<RequirementLink>,
}

impl RiskLinks {
    /// The links of a risk taken from a library scenario: the scenario and the requirements
    /// it relates to.
    pub fn of_scenario(scenario: &hygeia_catalog::risks::scenarios::Scenario) -> Self {
        RiskLinks {
            scenario_id: Some(scenario.id.clone()),
            requirements: scenario
                .requirements
                .iter()
                .map(|r| RequirementLink {
                    framework_id: r.framework.clone(),
                    requirement_id: r.id.clone(),
                })
                .collect(),
        }
    }
}

/// A risk of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Risk {
    pub id: String,
    pub entity_id: String,
    /// `RSK-0001`, per entity.
    pub reference: String,
    pub title: String,
    pub description: String,
    /// `event` or `asset`.
    pub kind: String,
    pub scenario_id: Option<String>,
    pub origin: Option<String>,
    pub objective: Option<String>,
    pub owner: Option<String>,
    pub inherent: Option<StoredRating>,
    pub current: Option<StoredRating>,
    pub residual: Option<StoredRating>,
    /// `mitigate`, `accept`, `transfer` or `avoid`.
    pub treatment: Option<String>,
    pub accepted_by: Option<String>,
    pub acceptance_reason: Option<String>,
    pub accepted_until: Option<String>,
    /// Where the acceptance stands today.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub acceptance_state: Option<AcceptanceState>,
    pub review_every_months: i64,
    pub next_review_on: String,
    /// The review day has come.
    pub review_due: bool,
    pub requirements: Vec<RequirementLink>,
    /// Inventory assets the scenario goes through, with their open vulnerabilities.
    pub assets: Vec<LinkedAsset>,
    /// Business processes and information it threatens.
    pub processes: Vec<LinkedProcess>,
    /// Controls of the entity already in place that its current rating counts on.
    pub controls: Vec<LinkedControl>,
    /// How far its treatment plan has come.
    pub plan: PlanProgress,
    /// How it comes about: the suppliers it goes through and its elementary actions.
    pub path: RiskPath,
    /// The register's order: the level's rank of the current (else inherent) rating, then
    /// its cell; -1 while still to rate.
    pub severity: i64,
    pub version: i64,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

/// A risk as the register lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskSummary {
    pub id: String,
    pub entity_id: String,
    pub reference: String,
    pub title: String,
    /// `event` or `asset`.
    pub kind: String,
    pub treatment: Option<String>,
    pub owner: Option<String>,
    pub inherent_level: Option<String>,
    pub current_level: Option<String>,
    pub residual_level: Option<String>,
    pub accepted_until: Option<String>,
    pub next_review_on: String,
    pub severity: i64,
}

/// Filters of the register.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RiskFilter {
    pub entity_id: Option<String>,
    /// `mitigate`, `accept`, `transfer`, `avoid`, or `none` (undecided).
    pub treatment: Option<String>,
    /// Only risks whose rating of `stage` (default current) sits in this cell (both given).
    pub likelihood: Option<i64>,
    pub impact: Option<i64>,
    pub stage: Option<RiskStage>,
    /// Only the risks threatening this process.
    pub process_id: Option<String>,
    /// Only the risks threatening a process run at this site.
    pub site_id: Option<String>,
    /// Continue after this cursor (a page's `next`).
    pub after: Option<String>,
}

impl RiskFilter {
    /// Narrows `f` to the risks of the filter's process and site, `risk` naming the column
    /// that holds a risk's id in the query.
    fn slice(&self, f: &mut Filter, risk: RiskColumn) {
        if let Some(process) = self.process_id.as_deref().filter(|p| !p.is_empty()) {
            f.with_values(
                match risk {
                    RiskColumn::Id => {
                        "r.id IN (SELECT p.risk_id FROM risk_processes p WHERE p.process_id = {0})"
                    }
                    RiskColumn::RiskId => {
                        "risk_id IN (SELECT p.risk_id FROM risk_processes p WHERE p.process_id = {0})"
                    }
                },
                &[process],
            );
        }
        if let Some(site) = self.site_id.as_deref().filter(|s| !s.is_empty()) {
            f.with_values(
                match risk {
                    RiskColumn::Id => {
                        "r.id IN (SELECT p.risk_id FROM risk_processes p JOIN process_sites s \
                         ON s.process_id = p.process_id WHERE s.site_id = {0})"
                    }
                    RiskColumn::RiskId => {
                        "risk_id IN (SELECT p.risk_id FROM risk_processes p JOIN process_sites s \
                         ON s.process_id = p.process_id WHERE s.site_id = {0})"
                    }
                },
                &[site],
            );
        }
    }
}

/// Where a query holds a risk's id: `r.id` (the register) or `risk_id` (the ratings).
#[derive(Clone, Copy)]
enum RiskColumn {
    Id,
    RiskId,
}

/// How many risks sit in one cell of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeatCell {
    pub likelihood: i64,
    pub impact: i64,
    pub risks: i64,
}

const COLUMNS: &str = "id, entity_id, reference, title, description, kind, scenario_id, origin, \
    objective, owner, treatment, accepted_by, acceptance_reason, accepted_until, \
    review_every_months, next_review_on, severity, version, created_at, created_by, updated_at, \
    updated_by";

#[derive(sqlx::FromRow)]
struct RiskRow {
    id: String,
    entity_id: String,
    reference: String,
    title: String,
    description: String,
    kind: String,
    scenario_id: Option<String>,
    origin: Option<String>,
    objective: Option<String>,
    owner: Option<String>,
    treatment: Option<String>,
    accepted_by: Option<String>,
    acceptance_reason: Option<String>,
    accepted_until: Option<String>,
    review_every_months: i64,
    next_review_on: String,
    severity: i64,
    version: i64,
    created_at: String,
    created_by: String,
    updated_at: String,
    updated_by: String,
}

fn day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn rating_of(checked: &CheckedRisk, stage: RiskStage) -> Option<&Rating> {
    match stage {
        RiskStage::Inherent => checked.inherent.as_ref(),
        RiskStage::Current => checked.current.as_ref(),
        RiskStage::Residual => checked.residual.as_ref(),
    }
}

/// Refuses requirement links the catalog does not have, naming each.
fn check_links(catalog: &Catalog, links: &RiskLinks) -> Result<()> {
    let errors: Vec<FieldError> = links
        .requirements
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            catalog
                .requirement(&r.framework_id, &r.requirement_id)
                .is_none()
        })
        .map(|(i, r)| {
            FieldError::unknown_requirement(
                &format!("requirements[{i}]"),
                &r.framework_id,
                &r.requirement_id,
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ValidationErrors(errors).into())
    }
}

/// Writes the ratings of a checked risk (replacing those it had).
async fn write_ratings(
    conn: &mut AnyConnection,
    risk_id: &str,
    entity_id: &str,
    checked: &CheckedRisk,
    matrix: &hygeia_domain::risks::matrix::RiskMatrix,
) -> Result<()> {
    sqlx::query("DELETE FROM risk_ratings WHERE risk_id = $1")
        .bind(risk_id)
        .execute(&mut *conn)
        .await?;
    for stage in RiskStage::ALL {
        let Some(rating) = rating_of(checked, stage) else {
            continue;
        };
        let text = serde_json::to_string(rating)
            .map_err(|e| StoreError::Corrupt(format!("rating: {e}")))?;
        sqlx::query(
            "INSERT INTO risk_ratings (risk_id, entity_id, stage, likelihood, impact, level, rating) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(risk_id)
        .bind(entity_id)
        .bind(stage.as_str())
        .bind(i64::from(rating.likelihood))
        .bind(i64::from(rating.impact()))
        .bind(rating.level(matrix).map(|l| l.id.clone()))
        .bind(text)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Store {
    pub(super) async fn risk_in(
        &self,
        conn: &mut AnyConnection,
        scope: &EntityScope,
        id: &str,
    ) -> Result<Risk> {
        let sql = format!("SELECT {COLUMNS} FROM risks WHERE id = $1");
        let row: RiskRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .filter(|r: &RiskRow| scope.contains(&r.entity_id))
            .ok_or_else(|| StoreError::not_found("risk", id))?;
        let ratings: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT stage, rating, level FROM risk_ratings WHERE risk_id = $1")
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
        let stored = |stage: RiskStage| -> Result<Option<StoredRating>> {
            let Some((_, text, level)) = ratings.iter().find(|(s, _, _)| s == stage.as_str())
            else {
                return Ok(None);
            };
            let rating: Rating = serde_json::from_str(text)
                .map_err(|e| StoreError::Corrupt(format!("risk_ratings {id}: {e}")))?;
            Ok(Some(StoredRating {
                impact: rating.impact(),
                rating,
                level: level.clone(),
            }))
        };
        let (inherent, current, residual) = (
            stored(RiskStage::Inherent)?,
            stored(RiskStage::Current)?,
            stored(RiskStage::Residual)?,
        );
        let requirements: Vec<RequirementLink> = sqlx::query_as(
            "SELECT framework_id, requirement_id FROM risk_requirements WHERE risk_id = $1 \
             ORDER BY framework_id, requirement_id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let today = self.today();
        let today_text = today.format("%Y-%m-%d").to_string();
        let assets = linked_assets_in(&mut *conn, AssetsOf::Risk, id, &today_text).await?;
        let plan = progress_in(&mut *conn, id, &today_text).await?;
        let processes = processes_of_risk(&mut *conn, id).await?;
        let controls = controls_of_risk(&mut *conn, id).await?;
        let path = path_of_risk(&mut *conn, id).await?;
        Ok(Risk {
            path,
            controls,
            assets,
            processes,
            plan,
            acceptance_state: row
                .accepted_until
                .as_deref()
                .and_then(day)
                .map(|until| acceptance_state(until, today)),
            review_due: day(&row.next_review_on).is_some_and(|d| d <= today),
            id: row.id,
            entity_id: row.entity_id,
            reference: row.reference,
            title: row.title,
            description: row.description,
            kind: row.kind,
            scenario_id: row.scenario_id,
            origin: row.origin,
            objective: row.objective,
            owner: row.owner,
            inherent,
            current,
            residual,
            treatment: row.treatment,
            accepted_by: row.accepted_by,
            acceptance_reason: row.acceptance_reason,
            accepted_until: row.accepted_until,
            review_every_months: row.review_every_months,
            next_review_on: row.next_review_on,
            requirements,
            severity: row.severity,
            version: row.version,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
            updated_by: row.updated_by,
        })
    }

    /// One risk; outside `scope` it is not found.
    pub async fn risk(&self, scope: &EntityScope, id: &str) -> Result<Risk> {
        let mut conn = self.reader().acquire().await?;
        self.risk_in(&mut conn, scope, id).await
    }

    /// Adds a risk to an entity's register, checked whole against the matrix in force and
    /// its links against `catalog`; a risk accepted from the start needs `acceptance_right`.
    /// Audited.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_risk(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        catalog: &Catalog,
        entity_id: &str,
        input: &RiskInput,
        links: &RiskLinks,
        acceptance_right: Result<(), Denied>,
    ) -> Result<Risk> {
        if !scope.contains(entity_id) {
            return Err(StoreError::not_found("entity", entity_id));
        }
        check_links(catalog, links)?;
        let today = self.today();
        let now = self.now();
        let mut tx = self.begin().await?;
        crate::monitoring::lock_entity(&mut tx, self.backend(), entity_id).await?;
        let (_, matrix) = matrix_in(&mut tx).await?;
        let checked = input.check(&matrix, today)?;
        if checked.acceptance.is_some() {
            acceptance_right?;
        }
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM risks WHERE entity_id = $1")
            .bind(entity_id)
            .fetch_one(&mut *tx)
            .await?;
        let id = new_id();
        let reference = format!("RSK-{:04}", taken + 1);
        let acceptance = checked.acceptance.as_ref();
        sqlx::query(
            "INSERT INTO risks (id, entity_id, reference, title, description, kind, scenario_id, \
             origin, objective, owner, treatment, accepted_by, acceptance_reason, accepted_until, \
             review_every_months, next_review_on, severity, version, created_at, created_by, \
             updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
             $13, $14, $15, $16, $17, 1, $18, $19, $18, $19)",
        )
        .bind(&id)
        .bind(entity_id)
        .bind(&reference)
        .bind(&checked.title)
        .bind(&checked.description)
        .bind(checked.kind.as_str())
        .bind(&links.scenario_id)
        .bind(&checked.origin)
        .bind(&checked.objective)
        .bind(&checked.owner)
        .bind(checked.treatment.map(|t| t.as_str()))
        .bind(acceptance.map(|a| a.approver.clone()))
        .bind(acceptance.map(|a| a.justification.clone()))
        .bind(acceptance.map(|a| a.expires_on.format("%Y-%m-%d").to_string()))
        .bind(i64::from(checked.review_every_months))
        .bind(
            next_review(today, checked.review_every_months)
                .format("%Y-%m-%d")
                .to_string(),
        )
        .bind(severity(
            &matrix,
            checked.current.as_ref().or(checked.inherent.as_ref()),
        ))
        .bind(&now)
        .bind(&actor.label)
        .execute(&mut *tx)
        .await?;
        write_ratings(&mut tx, &id, entity_id, &checked, &matrix).await?;
        for link in &links.requirements {
            sqlx::query(
                "INSERT INTO risk_requirements (risk_id, framework_id, requirement_id) \
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(&id)
            .bind(&link.framework_id)
            .bind(&link.requirement_id)
            .execute(&mut *tx)
            .await?;
        }
        let risk = self.risk_in(&mut tx, scope, &id).await?;
        let change = Change {
            action: "risk.create",
            object_type: "risk",
            object_id: &id,
            entity_id: Some(entity_id),
            before: None,
            after: serde_json::to_value(&risk).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(risk)
    }

    /// Replaces what a risk says (its text, ratings, treatment, acceptance, review period),
    /// checked whole against the matrix in force. Giving or changing an acceptance needs
    /// `acceptance_right` (judged on the risk as read in the transaction). With
    /// `expected_version`, refuses to overwrite someone else's newer change. Audited with
    /// before and after.
    pub async fn update_risk(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        input: &RiskInput,
        expected_version: Option<i64>,
        acceptance_right: Result<(), Denied>,
    ) -> Result<Risk> {
        let today = self.today();
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = self.risk_in(&mut tx, scope, id).await?;
        if let Some(expected) = expected_version.filter(|v| *v != before.version) {
            return Err(StoreError::Conflict {
                field: "version",
                message: format!(
                    "the risk was changed by someone else (version {} now, {expected} expected): reload it",
                    before.version
                ),
            });
        }
        let (_, matrix) = matrix_in(&mut tx).await?;
        let checked = input.check(&matrix, today)?;
        let acceptance = checked.acceptance.as_ref();
        let expires_on = acceptance.map(|a| a.expires_on.format("%Y-%m-%d").to_string());
        let unchanged = before.accepted_by.as_deref() == acceptance.map(|a| a.approver.as_str())
            && before.acceptance_reason.as_deref() == acceptance.map(|a| a.justification.as_str())
            && before.accepted_until == expires_on;
        if acceptance.is_some() && !unchanged {
            acceptance_right?;
        }
        let next_review_on = if i64::from(checked.review_every_months) == before.review_every_months
        {
            before.next_review_on.clone()
        } else {
            next_review(today, checked.review_every_months)
                .format("%Y-%m-%d")
                .to_string()
        };
        sqlx::query(
            "UPDATE risks SET title = $2, description = $3, kind = $4, origin = $5, objective = $6, \
             owner = $7, treatment = $8, accepted_by = $9, acceptance_reason = $10, \
             accepted_until = $11, review_every_months = $12, next_review_on = $13, severity = $14, \
             version = version + 1, updated_at = $15, updated_by = $16 WHERE id = $1",
        )
        .bind(id)
        .bind(&checked.title)
        .bind(&checked.description)
        .bind(checked.kind.as_str())
        .bind(&checked.origin)
        .bind(&checked.objective)
        .bind(&checked.owner)
        .bind(checked.treatment.map(|t| t.as_str()))
        .bind(acceptance.map(|a| a.approver.clone()))
        .bind(acceptance.map(|a| a.justification.clone()))
        .bind(acceptance.map(|a| a.expires_on.format("%Y-%m-%d").to_string()))
        .bind(i64::from(checked.review_every_months))
        .bind(&next_review_on)
        .bind(severity(&matrix, checked.current.as_ref().or(checked.inherent.as_ref())))
        .bind(&now)
        .bind(&actor.label)
        .execute(&mut *tx)
        .await?;
        write_ratings(&mut tx, id, &before.entity_id, &checked, &matrix).await?;
        let after = self.risk_in(&mut tx, scope, id).await?;
        let change = Change {
            action: "risk.update",
            object_type: "risk",
            object_id: id,
            entity_id: Some(&before.entity_id),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The register, most severe first (risks still to rate last).
    pub async fn list_risks(
        &self,
        scope: &EntityScope,
        filter: &RiskFilter,
        page: PageRequest,
    ) -> Result<Page<RiskSummary>> {
        let mut f = Filter::new();
        f.eq_opt("r.entity_id", filter.entity_id.as_deref());
        match filter.treatment.as_deref().filter(|t| !t.is_empty()) {
            None => {}
            Some("none") => f.condition("r.treatment IS NULL"),
            Some(t) => f.eq_opt("r.treatment", Some(t)),
        }
        if let (Some(likelihood), Some(impact)) = (filter.likelihood, filter.impact) {
            // One cell of the heat map of `stage` (the current ratings unless told).
            f.with_text_and_integers(
                "r.id IN (SELECT g.risk_id FROM risk_ratings g WHERE g.stage = {0} \
                 AND g.likelihood = {1} AND g.impact = {2})",
                filter.stage.unwrap_or(RiskStage::Current).as_str(),
                &[likelihood, impact],
            );
        }
        filter.slice(&mut f, RiskColumn::Id);
        f.scope("r.entity_id", scope);
        let keyset = Keyset {
            from: "risks r \
                LEFT JOIN risk_ratings i ON i.risk_id = r.id AND i.stage = 'inherent' \
                LEFT JOIN risk_ratings c ON c.risk_id = r.id AND c.stage = 'current' \
                LEFT JOIN risk_ratings s ON s.risk_id = r.id AND s.stage = 'residual'",
            columns: "r.id, r.entity_id, r.reference, r.title, r.kind, r.treatment, r.owner, \
                i.level AS inherent_level, c.level AS current_level, s.level AS residual_level, \
                r.accepted_until, r.next_review_on, r.severity",
            sort: "r.severity",
            id: "r.id",
            integer_sort: true,
            pick_from: Some("risks r"),
        };
        keyset
            .page(self.reader(), f, page, filter.after.as_deref())
            .await
    }

    /// How many risks of `scope` sit in each cell for `stage`: of one entity, process or site
    /// when `slice` names one (its cell, treatment and cursor are not used).
    pub async fn risk_heat_map(
        &self,
        scope: &EntityScope,
        slice: &RiskFilter,
        stage: RiskStage,
    ) -> Result<Vec<HeatCell>> {
        let mut f = Filter::new();
        f.with_values("stage = {0}", &[stage.as_str()]);
        f.eq_opt("entity_id", slice.entity_id.as_deref());
        slice.slice(&mut f, RiskColumn::RiskId);
        f.scope("entity_id", scope);
        let sql = format!(
            "SELECT likelihood, impact, COUNT(*) AS risks FROM risk_ratings{} \
             GROUP BY likelihood, impact ORDER BY likelihood, impact",
            f.where_clause()
        );
        Ok(f.query(sql)
            .try_map(|row: sqlx::any::AnyRow| <HeatCell as sqlx::FromRow<_>>::from_row(&row))
            .fetch_all(self.reader())
            .await?)
    }
}
