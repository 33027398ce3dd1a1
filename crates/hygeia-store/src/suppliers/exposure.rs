//! What depends on suppliers: for one supplier, the processes, assets, zones and sites it
//! touches and the risks running through them; across the register, who holds access to OT
//! and what needs attention (reviews due, certificates ending, clauses missing).

use hygeia_domain::access::EntityScope;
use serde::Serialize;

use super::Supplier;
use super::links::{LinkedSite, SupplyingProcess};
use crate::Store;
use crate::error::Result;
use crate::risks::{LinkedAsset, ThreateningRisk};
use crate::sql::Filter;

/// Most rows the attention list and the OT access list show.
const MAX_LISTED: i64 = 500;

/// What depends on one supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierExposure {
    pub supplier_id: String,
    pub name: String,
    pub tier: String,
    pub ot_access: bool,
    pub health_data: bool,
    /// Most critical first.
    pub processes: Vec<SupplyingProcess>,
    /// Of those, the critical ones (criticality 4).
    pub critical_processes: i64,
    pub assets: Vec<LinkedAsset>,
    pub zones: Vec<String>,
    pub sites: Vec<LinkedSite>,
    /// Risks threatening the processes it supports, going through the assets it reaches, or
    /// whose attack path goes through it; most severe first.
    pub risks: Vec<ThreateningRisk>,
}

/// A supplier holding access to OT systems.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemoteAccessHolder {
    pub id: String,
    pub entity_id: String,
    pub name: String,
    pub tier: String,
    pub status: String,
    /// OT assets it is linked to.
    pub assets: i64,
    /// Whether one of its contracts has the remote access clause in order.
    pub clause_present: i64,
}

/// A supplier needing attention, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierAlert {
    pub supplier_id: String,
    pub entity_id: String,
    pub name: String,
    pub tier: String,
    /// `review_overdue`, `certificate_expired`, `certificate_expiring`, `clause_gaps`,
    /// `questionnaire_overdue`, `questionnaire_to_review` or `open_incident` (the
    /// incident's reference as detail).
    pub reason: String,
    /// The due day or end day it is about, or the number of clauses missing.
    pub detail: String,
}

/// How many suppliers a tier holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierCount {
    pub tier: String,
    pub suppliers: i64,
}

/// The register in figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierOverview {
    /// Suppliers not ended, by tier: critical, high, moderate, low.
    pub by_tier: Vec<TierCount>,
    pub ot_access: i64,
    pub health_data: i64,
    pub danger_zone: i64,
    pub reviews_overdue: i64,
    pub certificates_expiring: i64,
    pub certificates_expired: i64,
    pub with_clause_gaps: i64,
    /// Questionnaires still waiting for answers, those past their end, and those answered
    /// and waiting for review.
    pub questionnaires_open: i64,
    pub questionnaires_overdue: i64,
    pub questionnaires_to_review: i64,
    /// Why each supplier needs attention, most critical supplier first (at most 500).
    pub alerts: Vec<SupplierAlert>,
}

/// The latest certificate per scheme and name of each supplier (a renewal supersedes).
const LATEST_CERTIFICATES: &str = "SELECT c.supplier_id, c.scheme, c.name, \
    MAX(c.valid_until) AS latest FROM supplier_certifications c \
    GROUP BY c.supplier_id, c.scheme, c.name";

impl Store {
    /// What depends on one supplier; outside `scope` it is not found.
    pub async fn supplier_exposure(
        &self,
        scope: &EntityScope,
        id: &str,
    ) -> Result<SupplierExposure> {
        Ok(self.supplier_with_exposure(scope, id).await?.1)
    }

    /// A supplier and what depends on it, read once (its page shows both).
    pub async fn supplier_with_exposure(
        &self,
        scope: &EntityScope,
        id: &str,
    ) -> Result<(Supplier, SupplierExposure)> {
        let mut conn = self.reader().acquire().await?;
        let supplier = self.supplier_in(&mut conn, scope, id).await?;
        let risks: Vec<ThreateningRisk> = sqlx::query_as(
            "SELECT r.id, r.reference, r.title, COALESCE(c.level, i.level) AS level, r.severity \
             FROM risks r \
             LEFT JOIN risk_ratings i ON i.risk_id = r.id AND i.stage = 'inherent' \
             LEFT JOIN risk_ratings c ON c.risk_id = r.id AND c.stage = 'current' \
             WHERE r.id IN (SELECT l.risk_id FROM risk_processes l JOIN supplier_processes s \
                    ON s.process_id = l.process_id WHERE s.supplier_id = $1) \
                OR r.id IN (SELECT l.risk_id FROM risk_assets l JOIN supplier_assets s \
                    ON s.asset_id = l.asset_id WHERE s.supplier_id = $1) \
                OR r.id IN (SELECT p.risk_id FROM risk_path_suppliers p WHERE p.supplier_id = $1) \
                OR r.id IN (SELECT p.risk_id FROM risk_path_steps p WHERE p.supplier_id = $1) \
             ORDER BY r.severity DESC, r.reference",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let exposure = SupplierExposure {
            supplier_id: supplier.id.clone(),
            name: supplier.name.clone(),
            tier: supplier.tier.tier.as_str().to_owned(),
            ot_access: supplier.criticality.ot_access,
            health_data: supplier.criticality.health_data,
            critical_processes: supplier
                .processes
                .iter()
                .filter(|p| p.criticality >= 4)
                .count() as i64,
            processes: supplier.processes.clone(),
            assets: supplier.assets.clone(),
            zones: supplier.zones.clone(),
            sites: supplier.sites.clone(),
            risks,
        };
        Ok((supplier, exposure))
    }

    /// The suppliers (not ended) holding access to OT systems, most critical first.
    pub async fn ot_access_holders(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
    ) -> Result<Vec<RemoteAccessHolder>> {
        let mut f = Filter::new();
        f.condition("s.ot_access = 1 AND s.status <> 'ended'");
        f.eq_opt("s.entity_id", entity_id);
        f.scope("s.entity_id", scope);
        let sql = format!(
            "SELECT s.id, s.entity_id, s.name, s.tier, s.status, \
             (SELECT COUNT(*) FROM supplier_assets a WHERE a.supplier_id = s.id) AS assets, \
             (SELECT COUNT(*) FROM contract_clauses k JOIN supplier_contracts c \
                ON c.id = k.contract_id WHERE c.supplier_id = s.id \
                AND k.kind = 'remote_access' AND k.status = 'present') AS clause_present \
             FROM suppliers s{} ORDER BY s.priority DESC, s.id LIMIT {MAX_LISTED}",
            f.where_clause()
        );
        Ok(f.query(sql)
            .try_map(|row: sqlx::any::AnyRow| {
                <RemoteAccessHolder as sqlx::FromRow<_>>::from_row(&row)
            })
            .fetch_all(self.reader())
            .await?)
    }

    /// The register in figures with what needs attention, for the suppliers of `entity_id`
    /// (or of every entity in `scope`).
    pub async fn supplier_overview(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
    ) -> Result<SupplierOverview> {
        let today = self.today();
        let today_text = today.format("%Y-%m-%d").to_string();
        let soon = (today
            + chrono::Days::new(
                hygeia_domain::suppliers::certifications::EXPIRY_WARNING_DAYS.unsigned_abs(),
            ))
        .format("%Y-%m-%d")
        .to_string();
        let mut f = Filter::new();
        f.condition("s.status <> 'ended'");
        f.eq_opt("s.entity_id", entity_id);
        f.scope("s.entity_id", scope);
        let wanted = f.where_clause();
        let overdue = f.placeholder_for_text(&today_text);
        let soon = f.placeholder_for_text(&soon);
        let now = f.placeholder_for_text(&hygeia_domain::clock::format_instant(self.clock().now()));
        let sql = format!(
            "SELECT COALESCE(SUM(CASE WHEN s.tier = 'critical' THEN 1 ELSE 0 END), 0) AS critical, \
                COALESCE(SUM(CASE WHEN s.tier = 'high' THEN 1 ELSE 0 END), 0) AS high, \
                COALESCE(SUM(CASE WHEN s.tier = 'moderate' THEN 1 ELSE 0 END), 0) AS moderate, \
                COALESCE(SUM(CASE WHEN s.tier = 'low' THEN 1 ELSE 0 END), 0) AS low, \
                COALESCE(SUM(CASE WHEN s.ot_access = 1 THEN 1 ELSE 0 END), 0) AS ot_access, \
                COALESCE(SUM(CASE WHEN s.health_data = 1 THEN 1 ELSE 0 END), 0) AS health_data, \
                COALESCE(SUM(CASE WHEN s.threat_zone = 'danger' THEN 1 ELSE 0 END), 0) AS danger, \
                COALESCE(SUM(CASE WHEN s.next_review_on IS NULL OR s.next_review_on < {overdue} \
                    THEN 1 ELSE 0 END), 0) AS overdue, \
                COALESCE(SUM(CASE WHEN s.clause_gaps > 0 THEN 1 ELSE 0 END), 0) AS gaps, \
                (SELECT COUNT(*) FROM ({LATEST_CERTIFICATES}) x JOIN suppliers s ON s.id = x.supplier_id \
                    {wanted} AND x.latest >= {overdue} AND x.latest <= {soon}) AS expiring, \
                (SELECT COUNT(*) FROM ({LATEST_CERTIFICATES}) x JOIN suppliers s ON s.id = x.supplier_id \
                    {wanted} AND x.latest < {overdue}) AS expired, \
                (SELECT COUNT(*) FROM supplier_questionnaires q JOIN suppliers s ON s.id = q.supplier_id \
                    {wanted} AND q.status IN ('sent', 'draft')) AS q_open, \
                (SELECT COUNT(*) FROM supplier_questionnaires q JOIN suppliers s ON s.id = q.supplier_id \
                    {wanted} AND q.status IN ('sent', 'draft') AND q.expires_at <= {now}) AS q_overdue, \
                (SELECT COUNT(*) FROM supplier_questionnaires q JOIN suppliers s ON s.id = q.supplier_id \
                    {wanted} AND q.status = 'submitted') AS q_review \
             FROM suppliers s{wanted}"
        );
        let row = f.query(sql).fetch_one(self.reader()).await?;
        use sqlx::Row;
        let count = |name: &str| -> Result<i64> { Ok(row.try_get::<i64, _>(name)?) };
        let mut overview = SupplierOverview {
            by_tier: Vec::new(),
            ot_access: count("ot_access")?,
            health_data: count("health_data")?,
            danger_zone: count("danger")?,
            reviews_overdue: count("overdue")?,
            certificates_expiring: count("expiring")?,
            certificates_expired: count("expired")?,
            with_clause_gaps: count("gaps")?,
            questionnaires_open: count("q_open")?,
            questionnaires_overdue: count("q_overdue")?,
            questionnaires_to_review: count("q_review")?,
            alerts: Vec::new(),
        };
        for tier in ["critical", "high", "moderate", "low"] {
            overview.by_tier.push(TierCount {
                tier: tier.to_owned(),
                suppliers: count(tier)?,
            });
        }
        let sql = format!(
            "SELECT * FROM ( \
             SELECT s.id AS supplier_id, s.entity_id, s.name, s.tier, s.priority, \
                'review_overdue' AS reason, COALESCE(s.next_review_on, '') AS detail \
                FROM suppliers s{wanted} AND (s.next_review_on IS NULL OR s.next_review_on < {overdue}) \
             UNION ALL SELECT s.id, s.entity_id, s.name, s.tier, s.priority, \
                CASE WHEN x.latest < {overdue} THEN 'certificate_expired' \
                    ELSE 'certificate_expiring' END, x.latest \
                FROM ({LATEST_CERTIFICATES}) x JOIN suppliers s ON s.id = x.supplier_id \
                {wanted} AND x.latest <= {soon} \
             UNION ALL SELECT s.id, s.entity_id, s.name, s.tier, s.priority, 'clause_gaps', \
                CAST(s.clause_gaps AS TEXT) FROM suppliers s{wanted} AND s.clause_gaps > 0 \
             UNION ALL SELECT s.id, s.entity_id, s.name, s.tier, s.priority, \
                CASE WHEN q.status = 'submitted' THEN 'questionnaire_to_review' \
                    ELSE 'questionnaire_overdue' END, \
                CASE WHEN q.status = 'submitted' THEN COALESCE(q.submitted_at, '') \
                    ELSE q.expires_at END \
                FROM supplier_questionnaires q JOIN suppliers s ON s.id = q.supplier_id \
                {wanted} AND (q.status = 'submitted' \
                    OR (q.status IN ('sent', 'draft') AND q.expires_at <= {now})) \
             UNION ALL SELECT s.id, s.entity_id, s.name, s.tier, s.priority, 'open_incident', \
                i.reference FROM supplier_incidents l JOIN suppliers s ON s.id = l.supplier_id \
                JOIN incidents i ON i.id = l.incident_id \
                {wanted} AND i.status IN ('open', 'contained') \
             ) a ORDER BY a.priority DESC, a.supplier_id, a.reason LIMIT {MAX_LISTED}"
        );
        overview.alerts = f
            .query(sql)
            .try_map(|row: sqlx::any::AnyRow| <SupplierAlert as sqlx::FromRow<_>>::from_row(&row))
            .fetch_all(self.reader())
            .await?;
        Ok(overview)
    }
}
