//! What each signal reads, as one query per signal over every entity: the records that fail
//! it, counted per entity, with the first [`RECORDS_KEPT`] of each entity kept as provenance
//! (a window function on both engines).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use hygeia_domain::checks::Signal;
use hygeia_domain::checks::observations::{RECORDS_KEPT, RecordRef};
use hygeia_domain::clock::format_instant;
use sqlx::AnyConnection;

use crate::error::Result;

/// The failing records of one signal: `SELECT entity_id, id, label, sort FROM …`, with the
/// values it binds in order ($1, $2…), and the kind of record it lists.
struct SignalQuery {
    base: &'static str,
    binds: Vec<String>,
    kind: &'static str,
}

/// Assets of an OT zone (Purdue levels 0 to 3) with no vendor, model or product name yet.
const UNKNOWN_ASSETS: &str = "SELECT a.entity_id, a.id, \
    a.asset_key || ' (' || SUBSTR(a.place, 6) || ')' AS label, a.first_seen AS sort \
    FROM assets a WHERE a.place LIKE 'zone:%' AND a.place_band <= 3 \
    AND a.vendor IS NULL AND a.model IS NULL AND a.product_name IS NULL";

/// Zone findings of flows that change a controller's state (write, program, control: the
/// analyser rates those `high`) where no conduit allows them, unless reviewed as false.
const FLOWS_OUTSIDE_CONDUITS: &str = "SELECT f.entity_id, f.id, f.summary AS label, \
    f.first_seen AS sort FROM monitor_findings f \
    LEFT JOIN finding_reviews r ON r.finding_id = f.id \
    WHERE f.kind = 'conduit_violation' AND f.severity = 'high' \
    AND (r.state IS NULL OR r.state <> 'false_positive')";

/// Evidence past its validity date that still supports a control or a requirement.
const EVIDENCE_EXPIRED: &str = "SELECT e.entity_id, e.id, \
    e.title || ' (' || e.valid_until || ')' AS label, e.valid_until AS sort FROM evidence e \
    WHERE e.valid_until < $1 AND EXISTS (SELECT 1 FROM evidence_links l WHERE l.evidence_id = e.id)";

/// Active administrators who sign in with a password and have no confirmed second factor
/// (accounts of a single sign-on provider authenticate there), for every entity of their
/// organisation.
const ADMINS_WITHOUT_MFA: &str = "SELECT n.id AS entity_id, u.id, u.email AS label, \
    u.email AS sort FROM users u JOIN entities n ON n.organisation_id = u.organisation_id \
    WHERE u.role = 'administrator' AND u.deactivated_at IS NULL AND u.password_hash IS NOT NULL \
    AND NOT EXISTS (SELECT 1 FROM totp_factors t WHERE t.user_id = u.id \
        AND t.confirmed_at IS NOT NULL) \
    AND NOT EXISTS (SELECT 1 FROM security_keys k WHERE k.user_id = u.id)";

/// Active accounts whose last sign-in (or creation, never signed in) is older than the window.
const ACCOUNTS_UNUSED: &str = "SELECT n.id AS entity_id, u.id, u.email AS label, \
    COALESCE(u.last_login_at, u.created_at) AS sort FROM users u \
    JOIN entities n ON n.organisation_id = u.organisation_id \
    WHERE u.deactivated_at IS NULL AND COALESCE(u.last_login_at, u.created_at) < $1";

/// Incidents with a report still to send past its deadline.
const INCIDENT_STAGES_OVERDUE: &str = "SELECT i.entity_id, i.id, \
    i.reference || ' ' || i.title AS label, i.next_due_at AS sort FROM incidents i \
    WHERE i.next_due_at IS NOT NULL AND i.next_due_at < $1";

/// Certificates of suppliers still in business that ended with no later one of the same
/// scheme and name (a renewal supersedes).
const SUPPLIER_CERTIFICATE_EXPIRED: &str = "SELECT s.entity_id, c.id, \
    s.name || ': ' || COALESCE(NULLIF(c.name, ''), c.scheme) || ' (' || c.valid_until || ')' \
    AS label, c.valid_until AS sort \
    FROM supplier_certifications c JOIN suppliers s ON s.id = c.supplier_id \
    WHERE s.status <> 'ended' AND c.valid_until < $1 \
    AND NOT EXISTS (SELECT 1 FROM supplier_certifications n WHERE n.supplier_id = c.supplier_id \
        AND n.scheme = c.scheme AND n.name = c.name AND n.valid_until > c.valid_until)";

/// Risks accepted until a day that has passed.
const RISK_ACCEPTANCE_EXPIRED: &str = "SELECT r.entity_id, r.id, \
    r.reference || ' ' || r.title AS label, r.accepted_until AS sort FROM risks r \
    WHERE r.treatment = 'accept' AND r.accepted_until < $1";

/// KEV-listed matches still affecting an asset (not fixed, not triaged away) since before
/// the window.
const KEV_UNPATCHED: &str = "SELECT m.entity_id, m.id, \
    a.asset_key || ' ' || REPLACE(REPLACE(REPLACE(m.cves, '[', ''), ']', ''), '\"', '') \
    AS label, m.first_seen AS sort \
    FROM vulnerability_matches m JOIN assets a ON a.id = m.asset_id \
    WHERE m.kev = 1 AND m.status IN ('affected', 'possibly_affected') \
    AND m.triage IN ('new', 'confirmed') AND m.first_seen < $1";

/// Members sitting on the management body today with no training in force (recorded for the
/// member, or for their account).
const BOARD_MEMBERS_UNTRAINED: &str = "SELECT m.entity_id, m.id, \
    m.name || ' (' || m.title || ')' AS label, m.appointed_on AS sort FROM board_members m \
    WHERE m.appointed_on <= $1 AND (m.left_on IS NULL OR m.left_on > $1) \
    AND NOT EXISTS (SELECT 1 FROM training_records t WHERE t.entity_id = m.entity_id \
        AND (t.member_id = m.id OR (m.user_id IS NOT NULL AND t.user_id = m.user_id)) \
        AND (t.valid_until IS NULL OR t.valid_until >= $1))";

/// Each entity's latest approval of the risk-management measures, when it is older than the
/// window (an entity that never approved them has no record here: its governance page and the
/// board report say so).
const MEASURES_APPROVAL_LAPSED: &str = "SELECT a.entity_id, a.id, \
    a.version || ' (' || a.approved_on || ')' AS label, a.approved_on AS sort \
    FROM governance_approvals a WHERE a.subject = 'measures' AND a.approved_on < $1 \
    AND NOT EXISTS (SELECT 1 FROM governance_approvals b WHERE b.entity_id = a.entity_id \
        AND b.subject = 'measures' AND (b.approved_on > a.approved_on \
            OR (b.approved_on = a.approved_on AND b.id > a.id)))";

/// Published policy versions whose review day has passed.
const POLICY_REVIEW_OVERDUE: &str = "SELECT p.entity_id, p.id, \
    p.title || ' (' || v.next_review_on || ')' AS label, v.next_review_on AS sort \
    FROM policies p JOIN policy_versions v ON v.policy_id = p.id \
    WHERE v.state = 'published' AND v.next_review_on < $1";

fn query_for(signal: Signal, days: Option<u32>, now: DateTime<Utc>) -> SignalQuery {
    let today = now.date_naive().format("%Y-%m-%d").to_string();
    let before =
        |days: Option<u32>| format_instant(now - Duration::days(i64::from(days.unwrap_or(0))));
    let (base, binds, kind) = match signal {
        Signal::UnknownAssetsInOtZone => (UNKNOWN_ASSETS, vec![], "asset"),
        Signal::FlowsOutsideConduits => (FLOWS_OUTSIDE_CONDUITS, vec![], "finding"),
        Signal::EvidenceExpired => (EVIDENCE_EXPIRED, vec![today], "evidence"),
        Signal::AdminsWithoutMfa => (ADMINS_WITHOUT_MFA, vec![], "user"),
        Signal::AccountsUnused => (ACCOUNTS_UNUSED, vec![before(days)], "user"),
        Signal::IncidentStagesOverdue => (
            INCIDENT_STAGES_OVERDUE,
            vec![format_instant(now)],
            "incident",
        ),
        Signal::SupplierCertificateExpired => {
            (SUPPLIER_CERTIFICATE_EXPIRED, vec![today], "certification")
        }
        Signal::RiskAcceptanceExpired => (RISK_ACCEPTANCE_EXPIRED, vec![today], "risk"),
        Signal::KevUnpatched => (KEV_UNPATCHED, vec![before(days)], "vulnerability_match"),
        Signal::BoardMembersUntrained => (BOARD_MEMBERS_UNTRAINED, vec![today], "board_member"),
        Signal::MeasuresApprovalLapsed => {
            let day = (now - Duration::days(i64::from(days.unwrap_or(0))))
                .date_naive()
                .format("%Y-%m-%d")
                .to_string();
            (MEASURES_APPROVAL_LAPSED, vec![day], "approval")
        }
        Signal::PolicyReviewOverdue => (POLICY_REVIEW_OVERDUE, vec![today], "policy"),
    };
    SignalQuery { base, binds, kind }
}

/// What one signal finds per entity: how many records, and the first of them.
pub(super) async fn read_signal(
    conn: &mut AnyConnection,
    signal: Signal,
    days: Option<u32>,
    now: DateTime<Utc>,
) -> Result<BTreeMap<String, (u64, Vec<RecordRef>)>> {
    let query = query_for(signal, days, now);
    let sql = format!(
        "SELECT entity_id, id, label, n FROM (SELECT entity_id, id, label, \
         ROW_NUMBER() OVER (PARTITION BY entity_id ORDER BY sort, id) AS rn, \
         COUNT(*) OVER (PARTITION BY entity_id) AS n FROM ({}) b) x \
         WHERE rn <= {RECORDS_KEPT} ORDER BY entity_id, rn",
        query.base
    );
    let mut select =
        sqlx::query_as::<_, (String, String, Option<String>, i64)>(sqlx::AssertSqlSafe(sql));
    for value in &query.binds {
        select = select.bind(value.clone());
    }
    let rows = select.fetch_all(&mut *conn).await?;
    let mut found: BTreeMap<String, (u64, Vec<RecordRef>)> = BTreeMap::new();
    for (entity_id, id, label, count) in rows {
        let entry = found.entry(entity_id).or_default();
        entry.0 = u64::try_from(count).unwrap_or(0);
        entry.1.push(RecordRef {
            kind: query.kind.to_owned(),
            label: label.unwrap_or_else(|| id.clone()),
            id,
        });
    }
    Ok(found)
}
