//! Suppliers read: one with everything attached (its tier's reasoning, ecosystem threat,
//! links, certifications, contracts, questionnaires, incidents), or the register a page at a
//! time, most critical first. They are written in [`super::changes`].

use chrono::NaiveDate;
use hygeia_domain::access::EntityScope;
use hygeia_domain::suppliers::criticality::{TierAnswers, TierAssessment};
use hygeia_domain::suppliers::ecosystem::EcosystemRating;
use hygeia_domain::suppliers::register::{SupplierStatus, review_overdue};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::certifications::{Certification, certifications_of};
use super::contracts::{Contract, contracts_of};
use super::links::{
    LinkedSite, SupplierIncident, SupplyingProcess, incidents_of, processes_of, sites_of,
};
use super::questionnaires::{QuestionnaireSummary, questionnaires_of};
use crate::error::{Result, StoreError};
use crate::keyset::Keyset;
use crate::risks::LinkedAsset;
use crate::risks::supporting::{AssetsOf, linked_assets_in};
use crate::sql::Filter;
use crate::{Page, PageRequest, Store};

/// A person to reach at the supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contact {
    pub name: String,
    pub email: String,
    pub role: String,
    pub phone: String,
}

/// A sub-contractor of the supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Subcontractor {
    pub name: String,
    pub service: String,
    pub country: Option<String>,
}

/// The supplier as a stakeholder of the ecosystem.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Ecosystem {
    pub dependency: i64,
    pub penetration: i64,
    pub maturity: i64,
    pub trust: i64,
    /// (dependency × penetration) / (maturity × trust).
    pub threat: f64,
    /// `danger`, `control` or `watch`.
    pub zone: String,
}

/// A supplier with everything known of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Supplier {
    pub id: String,
    pub entity_id: String,
    pub name: String,
    pub category: String,
    pub status: String,
    pub services: String,
    pub country: Option<String>,
    pub owner: Option<String>,
    pub notes: String,
    /// The criticality questionnaire as answered.
    pub criticality: TierAnswers,
    /// The tier with each answer's points and the rule that raised it.
    pub tier: TierAssessment,
    /// How deep the tier says it is assessed.
    pub depth: String,
    pub review_months: u32,
    pub ecosystem: Option<Ecosystem>,
    pub last_review_on: Option<String>,
    pub next_review_on: Option<String>,
    /// Never reviewed, or past its next review (an ended relationship never is).
    pub review_overdue: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    pub contacts: Vec<Contact>,
    pub subcontractors: Vec<Subcontractor>,
    pub processes: Vec<SupplyingProcess>,
    pub sites: Vec<LinkedSite>,
    pub assets: Vec<LinkedAsset>,
    /// Zones of the entity's policy its linked assets sit in.
    pub zones: Vec<String>,
    pub certifications: Vec<Certification>,
    pub contracts: Vec<Contract>,
    /// Newest first.
    pub questionnaires: Vec<QuestionnaireSummary>,
    /// Incidents it was involved in, newest first.
    pub incidents: Vec<SupplierIncident>,
}

/// A supplier as the register lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierSummary {
    pub id: String,
    pub entity_id: String,
    pub name: String,
    pub category: String,
    pub status: String,
    pub country: Option<String>,
    pub tier: String,
    pub tier_points: i64,
    pub threat_zone: Option<String>,
    #[sqlx(try_from = "i64")]
    pub ot_access: IntFlag,
    #[sqlx(try_from = "i64")]
    pub health_data: IntFlag,
    pub next_review_on: Option<String>,
    /// Processes it supports.
    pub processes: i64,
    /// Its certificates ending within 90 days, and those already ended.
    pub expiring_certificates: i64,
    pub expired_certificates: i64,
    /// Clauses its tier and accesses need that its contracts lack.
    pub clause_gaps: i64,
    /// The score (0–100) of its latest reviewed questionnaire.
    pub score: Option<i64>,
    /// Never reviewed, or past its next review (an ended relationship never is).
    #[sqlx(skip)]
    pub review_overdue: bool,
}

/// A 0/1 column read as a boolean.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct IntFlag(pub bool);

impl From<i64> for IntFlag {
    fn from(value: i64) -> Self {
        IntFlag(value != 0)
    }
}

/// What the register list shows.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SupplierFilter {
    /// One entity; all those the caller sees when absent.
    pub entity_id: Option<String>,
    /// `critical`, `high`, `moderate` or `low`.
    pub tier: Option<String>,
    pub category: Option<String>,
    /// `onboarding`, `active` or `ended`.
    pub status: Option<String>,
    /// Only those reaching OT systems.
    pub ot_access: Option<bool>,
    /// Only those reaching health data.
    pub health_data: Option<bool>,
    /// Words of the name or services.
    pub q: Option<String>,
    /// The cursor of the next page (`next` of the previous one).
    pub after: Option<String>,
}

const COLUMNS: &str = "id, entity_id, name, category, status, services, country, owner, notes, \
    ot_access, health_data, dependency, substitutability, concentration, penetration, maturity, \
    trust, last_review_on, next_review_on, version, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct SupplierRow {
    id: String,
    entity_id: String,
    name: String,
    category: String,
    status: String,
    services: String,
    country: Option<String>,
    owner: Option<String>,
    notes: String,
    ot_access: i64,
    health_data: i64,
    dependency: i64,
    substitutability: i64,
    concentration: i64,
    penetration: Option<i64>,
    maturity: Option<i64>,
    trust: Option<i64>,
    last_review_on: Option<String>,
    next_review_on: Option<String>,
    version: i64,
    created_at: String,
    updated_at: String,
}

fn small(value: i64) -> u8 {
    u8::try_from(value).unwrap_or(0)
}

fn parse_day(text: Option<&str>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text?, "%Y-%m-%d").ok()
}

/// Whether a supplier's review is overdue on `today`, from its stored columns.
pub(super) fn overdue(status: &str, next_review_on: Option<&str>, today: NaiveDate) -> bool {
    let status = SupplierStatus::parse(status).unwrap_or(SupplierStatus::Active);
    review_overdue(status, parse_day(next_review_on), today)
}

impl SupplierRow {
    fn answers(&self) -> TierAnswers {
        TierAnswers {
            ot_access: self.ot_access != 0,
            health_data: self.health_data != 0,
            dependency: small(self.dependency),
            substitutability: small(self.substitutability),
            concentration: self.concentration != 0,
        }
    }

    fn ecosystem(&self) -> Option<Ecosystem> {
        let rating = EcosystemRating {
            dependency: small(self.dependency),
            penetration: small(self.penetration?),
            maturity: small(self.maturity?),
            trust: small(self.trust?),
        };
        Some(Ecosystem {
            dependency: self.dependency,
            penetration: i64::from(rating.penetration),
            maturity: i64::from(rating.maturity),
            trust: i64::from(rating.trust),
            threat: rating.threat(),
            zone: rating.zone().as_str().to_owned(),
        })
    }
}

/// A supplier's criticality answers alone, without reading everything attached to it.
pub(super) async fn answers_of(conn: &mut AnyConnection, supplier_id: &str) -> Result<TierAnswers> {
    let sql = format!("SELECT {COLUMNS} FROM suppliers WHERE id = $1");
    let row: SupplierRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(supplier_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("supplier", supplier_id))?;
    Ok(row.answers())
}

impl Store {
    /// The entity of a supplier in `scope` (else not found).
    pub(super) async fn supplier_entity_in(
        &self,
        conn: &mut AnyConnection,
        scope: &EntityScope,
        id: &str,
    ) -> Result<String> {
        sqlx::query_scalar("SELECT entity_id FROM suppliers WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .filter(|entity_id: &String| scope.contains(entity_id))
            .ok_or_else(|| StoreError::not_found("supplier", id))
    }

    pub(super) async fn supplier_in(
        &self,
        conn: &mut AnyConnection,
        scope: &EntityScope,
        id: &str,
    ) -> Result<Supplier> {
        let sql = format!("SELECT {COLUMNS} FROM suppliers WHERE id = $1");
        let row: SupplierRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .filter(|r: &SupplierRow| scope.contains(&r.entity_id))
            .ok_or_else(|| StoreError::not_found("supplier", id))?;
        let today = self.today();
        let today_text = today.format("%Y-%m-%d").to_string();
        let contacts: Vec<Contact> = sqlx::query_as(
            "SELECT name, email, role, phone FROM supplier_contacts WHERE supplier_id = $1 \
             ORDER BY position",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let subcontractors: Vec<Subcontractor> = sqlx::query_as(
            "SELECT name, service, country FROM supplier_subcontractors WHERE supplier_id = $1 \
             ORDER BY position",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        let assets = linked_assets_in(conn, AssetsOf::Supplier, id, &today_text).await?;
        let answers = row.answers();
        let tier = answers.assess();
        let certifications = certifications_of(conn, id, today).await?;
        let contracts = contracts_of(conn, id, &answers).await?;
        let questionnaires = questionnaires_of(conn, id, self.clock().now()).await?;
        Ok(Supplier {
            depth: tier.tier.depth().as_str().to_owned(),
            review_months: tier.tier.review_months(),
            ecosystem: row.ecosystem(),
            review_overdue: overdue(&row.status, row.next_review_on.as_deref(), today),
            processes: processes_of(conn, id).await?,
            sites: sites_of(conn, id).await?,
            zones: crate::risks::zones_of(&assets),
            assets,
            certifications,
            contracts,
            questionnaires,
            incidents: incidents_of(conn, id).await?,
            contacts,
            subcontractors,
            criticality: answers,
            tier,
            id: row.id,
            entity_id: row.entity_id,
            name: row.name,
            category: row.category,
            status: row.status,
            services: row.services,
            country: row.country,
            owner: row.owner,
            notes: row.notes,
            last_review_on: row.last_review_on,
            next_review_on: row.next_review_on,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    /// One supplier with everything attached; outside `scope` it is not found.
    pub async fn supplier(&self, scope: &EntityScope, id: &str) -> Result<Supplier> {
        let mut conn = self.reader().acquire().await?;
        self.supplier_in(&mut conn, scope, id).await
    }

    /// The register, most critical first, a page at a time (keyset: stable while suppliers
    /// are added).
    pub async fn list_suppliers(
        &self,
        scope: &EntityScope,
        filter: &SupplierFilter,
        page: PageRequest,
    ) -> Result<Page<SupplierSummary>> {
        let today = self.today();
        let mut f = Filter::new();
        f.eq_opt("s.entity_id", filter.entity_id.as_deref());
        f.eq_opt("s.tier", filter.tier.as_deref().filter(|t| !t.is_empty()));
        f.eq_opt(
            "s.category",
            filter.category.as_deref().filter(|c| !c.is_empty()),
        );
        f.eq_opt(
            "s.status",
            filter.status.as_deref().filter(|c| !c.is_empty()),
        );
        if let Some(ot) = filter.ot_access {
            f.cmp_integer("s.ot_access", "=", i64::from(ot));
        }
        if let Some(health) = filter.health_data {
            f.cmp_integer("s.health_data", "=", i64::from(health));
        }
        f.search_opt(&["s.name", "s.services"], filter.q.as_deref());
        f.scope("s.entity_id", scope);
        let soon = (today
            + chrono::Days::new(
                hygeia_domain::suppliers::certifications::EXPIRY_WARNING_DAYS as u64,
            ))
        .format("%Y-%m-%d")
        .to_string();
        let today_text = today.format("%Y-%m-%d").to_string();
        // A certification renewed under the same scheme and name supersedes the older one.
        let latest = "SELECT MAX(c.valid_until) AS latest FROM supplier_certifications c \
            WHERE c.supplier_id = s.id GROUP BY c.scheme, c.name";
        let columns = format!(
            "s.id, s.entity_id, s.name, s.category, s.status, s.country, s.tier, s.tier_points, \
             s.threat_zone, s.ot_access, s.health_data, s.next_review_on, s.clause_gaps, \
             (SELECT COUNT(*) FROM supplier_processes p WHERE p.supplier_id = s.id) AS processes, \
             (SELECT COUNT(*) FROM ({latest}) x WHERE x.latest >= '{today_text}' \
                AND x.latest <= '{soon}') AS expiring_certificates, \
             (SELECT COUNT(*) FROM ({latest}) x WHERE x.latest < '{today_text}') \
                AS expired_certificates, \
             (SELECT q.score FROM supplier_questionnaires q WHERE q.supplier_id = s.id \
                AND q.status = 'reviewed' ORDER BY q.reviewed_at DESC, q.id DESC LIMIT 1) \
                AS score"
        );
        let keyset = Keyset {
            from: "suppliers s",
            columns: &columns,
            sort: "s.priority",
            id: "s.id",
            integer_sort: true,
            pick_from: None,
        };
        let mut listed: Page<SupplierSummary> = keyset
            .page(self.reader(), f, page, filter.after.as_deref())
            .await?;
        for s in &mut listed.items {
            s.review_overdue = overdue(&s.status, s.next_review_on.as_deref(), today);
        }
        Ok(listed)
    }
}
