//! Vulnerabilities of the inventory (ADR 11): advisories imported from files ([`feeds`]), the
//! matches of each asset against them kept current ([`matching`]), and what users read and
//! decide about them here: the prioritised list, one match, one advisory, and the triage of a
//! match (audited, scoped to the entities the user may see).

pub mod feeds;
pub mod matching;
pub mod planning;

use hygeia_domain::access::EntityScope;
use hygeia_domain::vulnerabilities::{MatchState, Triage, TriageDecision, needs_action};
use serde::{Deserialize, Serialize};

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::keyset::Keyset;
use crate::paging::{Page, PageRequest};
use crate::sql::Filter;
use crate::{Actor, Store};

pub use feeds::{AdvisoryFeed, AdvisoryImport, FeedStatus};
pub use matching::{MatchRun, identity};
pub use planning::{MaintenanceWindow, OverduePlans, RemediationPlan};

/// A CVSS base score in tenths (9.8 → 98), as stored.
pub(crate) fn cvss_tenths(score: f64) -> i64 {
    // A base score is 0.0–10.0; the cast is of a small rounded value.
    (score.clamp(0.0, 10.0) * 10.0).round() as i64
}

fn score(tenths: Option<i64>) -> Option<f64> {
    tenths.map(|t| t as f64 / 10.0)
}

/// A product of the advisory that a match rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchProduct {
    /// The advisory's `product_id`.
    pub id: String,
    pub name: String,
    /// The version or range the advisory gives for it.
    pub version_spec: Option<String>,
}

/// A remediation of the advisory that applies to the matched product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MatchRemediation {
    /// `vendor_fix`, `mitigation`, `workaround`, `no_fix_planned`…
    pub category: String,
    pub details: String,
    pub url: Option<String>,
}

/// One advisory matched against one asset, with its triage.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VulnerabilityMatch {
    pub id: String,
    pub entity_id: String,
    pub asset_id: String,
    /// The asset's key in the inventory (its MAC or address).
    pub asset_key: String,
    pub asset_names: Vec<String>,
    pub asset_model: Option<String>,
    pub asset_firmware: Option<String>,
    pub asset_roles: Vec<String>,
    /// Where the asset sits on the map (`zone:NAME`, `net:CIDR`).
    pub asset_place: Option<String>,
    pub advisory_id: String,
    /// The advisory's tracking id, e.g. `ICSA-20-042-05`.
    pub tracking_id: String,
    pub title: String,
    /// `affected`, `possibly_affected`, `unknown` or `fixed`.
    pub status: MatchState,
    /// How the asset was recognised: `model_number`, `cpe`, `product_name` or `family`.
    pub basis: String,
    /// 0–100.
    pub confidence: i64,
    pub cves: Vec<String>,
    /// Highest CVSS base score of those CVEs for the matched products.
    pub cvss: Option<f64>,
    /// One of the CVEs is in CISA's Known Exploited Vulnerabilities catalog.
    pub kev: bool,
    /// CISA knows of ransomware campaigns using one of them.
    pub known_ransomware: bool,
    pub products: Vec<MatchProduct>,
    pub remediations: Vec<MatchRemediation>,
    /// Why this status, in one English sentence.
    pub reason: String,
    /// The list's order, larger first (KEV, ransomware, CVSS, role, status).
    pub priority: i64,
    pub first_seen: String,
    pub updated_at: String,
    pub triage: Triage,
    pub triage_note: Option<String>,
    /// End of a risk acceptance (`YYYY-MM-DD`).
    pub triage_until: Option<String>,
    pub triaged_by: Option<String>,
    pub triaged_at: Option<String>,
    /// Whether the match still asks for work today (exposed, and not closed by its triage).
    pub needs_action: bool,
    /// Its remediation plan, when one is set.
    pub plan: Option<RemediationPlan>,
}

const MATCH_COLUMNS: &str = "m.id, m.entity_id, m.asset_id, a.asset_key, a.names AS asset_names, \
    a.model AS asset_model, a.firmware AS asset_firmware, a.roles AS asset_roles, \
    a.place AS asset_place, m.advisory_id, d.tracking_id, d.title, m.status, m.basis, \
    m.confidence, m.cves, m.cvss_tenths, m.kev, m.known_ransomware, m.products, m.remediations, \
    m.reason, m.priority, m.first_seen, m.updated_at, m.triage, m.triage_note, m.triage_until, \
    m.triaged_by, m.triaged_at, p.action AS plan_action, p.window_id AS plan_window_id, \
    p.owner AS plan_owner, p.due_on AS plan_due_on, p.status AS plan_status, \
    p.done_at AS plan_done_at, p.updated_at AS plan_updated_at, p.updated_by AS plan_updated_by";
const MATCH_TABLES: &str = "vulnerability_matches m JOIN assets a ON a.id = m.asset_id \
    JOIN advisories d ON d.id = m.advisory_id LEFT JOIN remediation_plans p ON p.match_id = m.id";

#[derive(sqlx::FromRow)]
struct MatchRow {
    id: String,
    entity_id: String,
    asset_id: String,
    asset_key: String,
    asset_names: String,
    asset_model: Option<String>,
    asset_firmware: Option<String>,
    asset_roles: String,
    asset_place: Option<String>,
    advisory_id: String,
    tracking_id: String,
    title: String,
    status: String,
    basis: String,
    confidence: i64,
    cves: String,
    cvss_tenths: Option<i64>,
    kev: i64,
    known_ransomware: i64,
    products: String,
    remediations: String,
    reason: String,
    priority: i64,
    first_seen: String,
    updated_at: String,
    triage: String,
    triage_note: Option<String>,
    triage_until: Option<String>,
    triaged_by: Option<String>,
    triaged_at: Option<String>,
    #[sqlx(flatten)]
    plan: planning::PlanColumns,
}

fn json_list<T: for<'de> Deserialize<'de>>(text: &str) -> Vec<T> {
    serde_json::from_str(text).unwrap_or_default()
}

impl MatchRow {
    fn into_match(self, today: &str) -> VulnerabilityMatch {
        let status = MatchState::parse(&self.status).unwrap_or(MatchState::Unknown);
        let triage = Triage::parse(&self.triage).unwrap_or(Triage::New);
        VulnerabilityMatch {
            needs_action: needs_action(status, triage, self.triage_until.as_deref(), today),
            id: self.id,
            entity_id: self.entity_id,
            asset_id: self.asset_id,
            asset_key: self.asset_key,
            asset_names: json_list(&self.asset_names),
            asset_model: self.asset_model,
            asset_firmware: self.asset_firmware,
            asset_roles: json_list(&self.asset_roles),
            asset_place: self.asset_place,
            advisory_id: self.advisory_id,
            tracking_id: self.tracking_id,
            title: self.title,
            status,
            basis: self.basis,
            confidence: self.confidence,
            cves: json_list(&self.cves),
            cvss: score(self.cvss_tenths),
            kev: self.kev != 0,
            known_ransomware: self.known_ransomware != 0,
            products: json_list(&self.products),
            remediations: json_list(&self.remediations),
            reason: self.reason,
            priority: self.priority,
            first_seen: self.first_seen,
            updated_at: self.updated_at,
            triage,
            triage_note: self.triage_note,
            triage_until: self.triage_until,
            triaged_by: self.triaged_by,
            triaged_at: self.triaged_at,
            plan: self.plan.into_plan(today),
        }
    }
}

/// Filters of the vulnerability list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VulnerabilityFilter {
    pub entity_id: Option<String>,
    pub asset_id: Option<String>,
    pub advisory_id: Option<String>,
    /// `affected`, `possibly_affected`, `unknown` or `fixed`.
    pub status: Option<String>,
    /// `new`, `confirmed`, `false_positive`, `accepted_risk` or `mitigated`.
    pub triage: Option<String>,
    /// Only matches with a CVE in the KEV catalog.
    pub kev: Option<bool>,
    /// Only matches that still ask for work (exposed, not closed by their triage).
    pub open: Option<bool>,
    /// Only matches whose plan waits for this maintenance window.
    pub window_id: Option<String>,
    /// `overdue` (a plan not done past its due day), `planned` (a plan not done yet),
    /// `done`, or `none` (no plan).
    pub plan: Option<String>,
    /// Continue after this cursor (a page's `next`).
    pub after: Option<String>,
}

/// Restricts `f` (over `vulnerability_matches m`) to the matches that still ask for work on
/// `today`, `YYYY-MM-DD`: the SQL of [`needs_action`]. Exposed is a priority above 0 (a fixed
/// match has 0); the triage has not closed it (an accepted risk closes it until its day).
pub(crate) fn open_only(f: &mut Filter, today: &str) {
    f.with_values(
        "m.priority > 0 AND (m.triage IN ('new', 'confirmed') OR \
         (m.triage = 'accepted_risk' AND (m.triage_until IS NULL OR m.triage_until < {0})))",
        &[today],
    );
}

/// Restricts `f` (over `vulnerability_matches m`) to the matches with a KEV-listed CVE. When
/// only exposed matches are wanted, they are one range of the priority
/// ([`hygeia_domain::vulnerabilities::KEV_WEIGHT`]), read along the index.
pub(crate) fn kev_only(f: &mut Filter, exposed_only: bool) {
    f.condition("m.kev = 1");
    if exposed_only {
        f.cmp_integer(
            "m.priority",
            ">",
            hygeia_domain::vulnerabilities::KEV_WEIGHT,
        );
    }
}

/// The vulnerability list: its filter and order (priority, larger first).
fn vulnerability_list(
    scope: &EntityScope,
    filter: &VulnerabilityFilter,
    today: &str,
) -> Result<(Filter, Keyset<'static>)> {
    let mut f = Filter::new();
    f.eq_opt("m.entity_id", filter.entity_id.as_deref());
    f.eq_opt("m.asset_id", filter.asset_id.as_deref());
    f.eq_opt("m.advisory_id", filter.advisory_id.as_deref());
    f.eq_opt("p.window_id", filter.window_id.as_deref());
    if let Some(status) = filter.status.as_deref().filter(|s| !s.is_empty()) {
        let state = MatchState::parse(status).ok_or_else(|| {
            let names: Vec<&str> = MatchState::ALL.iter().map(|s| s.as_str()).collect();
            hygeia_domain::validation::ValidationErrors(vec![
                hygeia_domain::validation::FieldError::one_of("status", &names),
            ])
        })?;
        f.eq_opt("m.status", Some(state.as_str()));
    }
    if let Some(triage) = filter.triage.as_deref().filter(|t| !t.is_empty()) {
        let triage = Triage::parse(triage).ok_or_else(|| {
            let names: Vec<&str> = Triage::ALL.iter().map(|t| t.as_str()).collect();
            hygeia_domain::validation::ValidationErrors(vec![
                hygeia_domain::validation::FieldError::one_of("triage", &names),
            ])
        })?;
        f.eq_opt("m.triage", Some(triage.as_str()));
    }
    if filter.open == Some(true) {
        open_only(&mut f, today);
    }
    if filter.kev == Some(true) {
        kev_only(&mut f, filter.open == Some(true));
    }
    match filter.plan.as_deref().filter(|p| !p.is_empty()) {
        None => {}
        Some("overdue") => f.with_values("p.status = 'planned' AND p.due_on < {0}", &[today]),
        Some("planned") => f.condition("p.status = 'planned'"),
        Some("done") => f.condition("p.status = 'done'"),
        Some("none") => f.condition("p.match_id IS NULL"),
        Some(_) => {
            return Err(hygeia_domain::validation::ValidationErrors(vec![
                hygeia_domain::validation::FieldError::one_of(
                    "plan",
                    &["overdue", "planned", "done", "none"],
                ),
            ])
            .into());
        }
    }
    f.scope("m.entity_id", scope);
    let by_plan =
        filter.window_id.is_some() || filter.plan.as_deref().is_some_and(|p| !p.is_empty());
    let keyset = Keyset {
        from: MATCH_TABLES,
        columns: MATCH_COLUMNS,
        sort: "m.priority",
        id: "m.id",
        integer_sort: true,
        // The rows are counted and picked along `(priority, id)` on the matches alone; the
        // assets and advisories are read for the page's rows only.
        pick_from: Some(if by_plan {
            "vulnerability_matches m LEFT JOIN remediation_plans p ON p.match_id = m.id"
        } else {
            "vulnerability_matches m"
        }),
    };
    Ok((f, keyset))
}

/// One advisory as stored (its summary; the document itself is read with
/// [`Store::advisory_document`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredAdvisory {
    pub id: String,
    /// The publisher's name, e.g. `CISA`.
    pub publisher: String,
    pub tracking_id: String,
    pub version: String,
    pub current_release_date: String,
    pub title: String,
    pub cves: Vec<String>,
    /// Highest CVSS base score in the advisory.
    pub cvss: Option<f64>,
    /// SHA-256 of the document as imported.
    pub digest: String,
    /// The file it was read from.
    pub source: String,
    pub updated_at: String,
}

#[derive(sqlx::FromRow)]
struct AdvisoryRow {
    id: String,
    publisher_name: String,
    tracking_id: String,
    version: String,
    current_release_date: String,
    title: String,
    cves: String,
    cvss_tenths: Option<i64>,
    digest: String,
    source: String,
    updated_at: String,
}

/// How many of one entity's assets an advisory concerns, by status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdvisoryExposure {
    pub entity_id: String,
    pub status: MatchState,
    pub assets: i64,
}

impl Store {
    /// The prioritised list of matches the scope may see.
    pub async fn list_vulnerabilities(
        &self,
        scope: &EntityScope,
        filter: &VulnerabilityFilter,
        page: PageRequest,
    ) -> Result<Page<VulnerabilityMatch>> {
        let today = self.today().format("%Y-%m-%d").to_string();
        let (f, keyset) = vulnerability_list(scope, filter, &today)?;
        let rows: Page<MatchRow> = keyset
            .page(self.reader(), f, page, filter.after.as_deref())
            .await?;
        Ok(rows.map(|r| r.into_match(&today)))
    }

    /// One match; outside `scope` it is not found.
    pub async fn vulnerability(&self, scope: &EntityScope, id: &str) -> Result<VulnerabilityMatch> {
        let mut conn = self.reader().acquire().await?;
        self.vulnerability_in(&mut conn, scope, id).await
    }

    /// [`Store::vulnerability`] read on `conn` (inside a write, what it is about to change).
    pub(crate) async fn vulnerability_in(
        &self,
        conn: &mut sqlx::AnyConnection,
        scope: &EntityScope,
        id: &str,
    ) -> Result<VulnerabilityMatch> {
        let sql = format!("SELECT {MATCH_COLUMNS} FROM {MATCH_TABLES} WHERE m.id = $1");
        let row: Option<MatchRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        row.filter(|r| scope.contains(&r.entity_id))
            .map(|r| r.into_match(&self.today().format("%Y-%m-%d").to_string()))
            .ok_or_else(|| StoreError::not_found("vulnerability", id))
    }

    /// Records a user's triage of a match, replacing the previous one; audited with the
    /// triage before and after. A match outside `scope` is not found.
    pub async fn triage_vulnerability(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        decision: &TriageDecision,
    ) -> Result<VulnerabilityMatch> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = self.vulnerability_in(&mut tx, scope, id).await?;
        let updated = sqlx::query(
            "UPDATE vulnerability_matches SET triage = $2, triage_note = $3, triage_until = $4, \
             triaged_by = $5, triaged_at = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(decision.triage.as_str())
        .bind(&decision.note)
        .bind(&decision.until)
        .bind(&actor.label)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Err(StoreError::not_found("vulnerability", id));
        }
        let described = |triage: Triage, note: Option<&str>, until: Option<&str>| {
            serde_json::json!({
                "asset": before.asset_key,
                "advisory": before.tracking_id,
                "status": before.status,
                "triage": triage,
                "note": note,
                "until": until,
            })
        };
        let change = Change {
            action: "vulnerability.triage",
            object_type: "vulnerability_match",
            object_id: id,
            entity_id: Some(&before.entity_id),
            before: Some(described(
                before.triage,
                before.triage_note.as_deref(),
                before.triage_until.as_deref(),
            )),
            after: Some(described(
                decision.triage,
                decision.note.as_deref(),
                decision.until.as_deref(),
            )),
        };
        append(&mut tx, actor, &now, change).await?;
        let after = self.vulnerability_in(&mut tx, scope, id).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// One stored advisory.
    pub async fn advisory(&self, id: &str) -> Result<StoredAdvisory> {
        let row: Option<AdvisoryRow> = sqlx::query_as(
            "SELECT id, publisher_name, tracking_id, version, current_release_date, title, cves, \
             cvss_tenths, digest, source, updated_at FROM advisories WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(self.reader())
        .await?;
        let r = row.ok_or_else(|| StoreError::not_found("advisory", id))?;
        Ok(StoredAdvisory {
            id: r.id,
            publisher: r.publisher_name,
            tracking_id: r.tracking_id,
            version: r.version,
            current_release_date: r.current_release_date,
            title: r.title,
            cves: json_list(&r.cves),
            cvss: score(r.cvss_tenths),
            digest: r.digest,
            source: r.source,
            updated_at: r.updated_at,
        })
    }

    /// How many assets of each entity in `scope` an advisory concerns, by status.
    pub async fn advisory_exposure(
        &self,
        scope: &EntityScope,
        advisory_id: &str,
    ) -> Result<Vec<AdvisoryExposure>> {
        let mut f = Filter::new();
        f.eq_opt("advisory_id", Some(advisory_id));
        f.scope("entity_id", scope);
        let sql = format!(
            "SELECT entity_id, status, COUNT(*) AS assets FROM vulnerability_matches{} \
             GROUP BY entity_id, status ORDER BY entity_id, status",
            f.where_clause()
        );
        let rows = f
            .query(sql)
            .try_map(|row: sqlx::any::AnyRow| {
                use sqlx::Row;
                Ok((
                    row.try_get::<String, _>("entity_id")?,
                    row.try_get::<String, _>("status")?,
                    row.try_get::<i64, _>("assets")?,
                ))
            })
            .fetch_all(self.reader())
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(entity_id, status, assets)| {
                Some(AdvisoryExposure {
                    entity_id,
                    status: MatchState::parse(&status)?,
                    assets,
                })
            })
            .collect())
    }
}
