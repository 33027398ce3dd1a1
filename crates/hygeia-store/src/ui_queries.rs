//! Small read queries for the web pages: counts and facets the REST list endpoints do not need.
//! Each one respects the caller's entity scope like `list_audit` does.

use hygeia_domain::access::EntityScope;
use sqlx::Row;

use crate::assessments::{HistoryEntry, LinkedControl, ResultValue};
use crate::database::Store;
use crate::error::StoreError;
use crate::sql::Filter;

type Result<T> = std::result::Result<T, StoreError>;

/// At most this many values of each audit facet are offered.
const AUDIT_FACET_LIMIT: i64 = 200;

/// Values seen in the audit trail, to offer as filter choices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFacets {
    pub actions: Vec<String>,
    pub object_types: Vec<String>,
    pub actors: Vec<String>,
}

/// The monitoring inventory in figures, for the dashboard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonitoringCounts {
    /// Assets per distinct list of protocols seen (few distinct lists, however many assets).
    pub assets_by_protocols: Vec<(Vec<String>, i64)>,
    /// Zone and conduit findings.
    pub findings: i64,
    /// Inventory change events at or after the given instant.
    pub events_since: i64,
    /// Matches with a CVE exploited in the wild (KEV) still to handle.
    pub kev_to_handle: i64,
    /// Remediation plans not done past their due day.
    pub plans_overdue: i64,
}

fn scoped(scope: &EntityScope) -> Filter {
    let mut f = Filter::new();
    f.scope("entity_id", scope);
    f
}

impl Store {
    /// Changes recorded in the audit trail per UTC day (`YYYY-MM-DD`, ascending) at or after
    /// `since` (RFC 3339), limited to what `scope` may see; sign-ins and traced reads are not
    /// changes and are left out. Days without changes are absent.
    pub async fn audit_counts_per_day(
        &self,
        scope: &EntityScope,
        since: &str,
    ) -> Result<Vec<(String, i64)>> {
        Ok(self.audit_counts_per_day_after(scope, since, 0).await?.1)
    }

    /// As [`Store::audit_counts_per_day`], over the records numbered after `after` only, up
    /// to the chain head read first (returned with the counts). Records are appended under a
    /// lock on the head and never removed, so every record up to the head is committed and
    /// visible: adding these counts to those of an earlier call (up to `after`) gives the
    /// counts up to the head, and a caller can keep a running tally without re-reading the log.
    pub async fn audit_counts_per_day_after(
        &self,
        scope: &EntityScope,
        since: &str,
        after: i64,
    ) -> Result<(i64, Vec<(String, i64)>)> {
        let head: i64 = sqlx::query_scalar("SELECT seq FROM audit_head WHERE id = 1")
            .fetch_one(self.reader())
            .await?;
        if head <= after {
            return Ok((head, Vec::new()));
        }
        let mut f = scoped(scope);
        f.cmp_opt("at", ">=", Some(since));
        // Changes only: sign-ins, sign-outs, second factors and traced reads (downloads,
        // exports) are in the trail but are not changes to count.
        f.condition(
            "action NOT LIKE 'auth.%' AND action NOT IN ('evidence.download', 'export.download')",
        );
        // Both bounds are integers of our own, written into the SQL text.
        let rows = f
            .query(format!(
                "SELECT SUBSTR(at, 1, 10) AS day, COUNT(*) AS n FROM audit_log{} \
                 AND seq > {after} AND seq <= {head} GROUP BY SUBSTR(at, 1, 10) ORDER BY day",
                f.where_clause()
            ))
            .fetch_all(self.reader())
            .await?;
        let counts = rows
            .iter()
            .map(|row| {
                Ok((
                    row.try_get::<String, _>("day")?,
                    row.try_get::<i64, _>("n")?,
                ))
            })
            .collect::<Result<_>>()?;
        Ok((head, counts))
    }

    /// Assets (grouped by their protocol lists), findings and recent change events of the
    /// monitoring inventory visible to `scope`, counted in the database.
    pub async fn monitoring_counts(
        &self,
        scope: &EntityScope,
        since: &str,
    ) -> Result<MonitoringCounts> {
        let mut f = Filter::new();
        f.scope("entity_id", scope);
        // Kept by the merge (`asset_protocol_counts`): a few rows, whatever the inventory.
        let assets = f
            .query(format!(
                "SELECT protocols, CAST(SUM(assets) AS BIGINT) AS n FROM asset_protocol_counts{} GROUP BY protocols",
                f.where_clause()
            ))
            .fetch_all(self.reader());
        // Findings a reviewer marked as false positives are not counted.
        let mut real = Filter::new();
        real.scope("entity_id", scope);
        real.condition(
            "id NOT IN (SELECT finding_id FROM finding_reviews WHERE state = 'false_positive')",
        );
        let findings = real
            .scalar(format!(
                "SELECT COUNT(*) FROM monitor_findings{}",
                real.where_clause()
            ))
            .fetch_one(self.reader());
        let mut recent = Filter::new();
        recent.scope("entity_id", scope);
        recent.cmp_opt("at", ">=", Some(since));
        let events = recent
            .scalar(format!(
                "SELECT COUNT(*) FROM asset_events{}",
                recent.where_clause()
            ))
            .fetch_one(self.reader());
        let today = self.today().format("%Y-%m-%d").to_string();
        let mut kev = Filter::new();
        kev.scope("m.entity_id", scope);
        crate::vulnerabilities::open_only(&mut kev, &today);
        crate::vulnerabilities::kev_only(&mut kev, true);
        let kev_to_handle = kev
            .scalar(format!(
                "SELECT COUNT(*) FROM vulnerability_matches m{}",
                kev.where_clause()
            ))
            .fetch_one(self.reader());
        let mut overdue = Filter::new();
        overdue.scope("entity_id", scope);
        overdue.condition("status = 'planned'");
        overdue.with_values("due_on < {0}", &[&today]);
        let plans_overdue = overdue
            .scalar(format!(
                "SELECT COUNT(*) FROM remediation_plans{}",
                overdue.where_clause()
            ))
            .fetch_one(self.reader());
        let (assets, findings, events_since) =
            futures_util::future::try_join3(assets, findings, events).await?;
        let (kev_to_handle, plans_overdue) =
            futures_util::future::try_join(kev_to_handle, plans_overdue).await?;
        let assets_by_protocols = assets
            .iter()
            .map(|row| {
                let protocols: String = row.try_get("protocols")?;
                let protocols = serde_json::from_str(&protocols)
                    .map_err(|e| StoreError::Corrupt(format!("assets.protocols: {e}")))?;
                Ok((protocols, row.try_get::<i64, _>("n")?))
            })
            .collect::<Result<_>>()?;
        Ok(MonitoringCounts {
            assets_by_protocols,
            findings,
            events_since,
            kev_to_handle,
            plans_overdue,
        })
    }

    /// Per entity (of `entity_ids`): its evidence expired and expiring within
    /// [`crate::assessments::EXPIRING_WITHIN_DAYS`] days on the store clock's day, as
    /// [`crate::assessments::Expiry`] classes them, in one aggregate over an index. Entities
    /// without such evidence are absent.
    pub async fn evidence_expiry_counts(
        &self,
        entity_ids: &[&str],
    ) -> Result<Vec<(String, i64, i64)>> {
        if entity_ids.is_empty() {
            return Ok(Vec::new());
        }
        let today = self.clock().now().date_naive();
        let soon = today + chrono::Duration::days(crate::assessments::EXPIRING_WITHIN_DAYS);
        let (today, soon) = (
            today.format("%Y-%m-%d").to_string(),
            soon.format("%Y-%m-%d").to_string(),
        );
        let mut f = Filter::new();
        f.cmp_opt("valid_until", "<=", Some(&soon));
        f.in_set("entity_id", entity_ids.iter().copied());
        // Today is bound after the filter's own values (the date, then each entity).
        let n = 1 + entity_ids.len();
        let sql = format!(
            "SELECT entity_id, COUNT(CASE WHEN valid_until < ${a} THEN 1 END) AS expired, \
             COUNT(CASE WHEN valid_until >= ${a} THEN 1 END) AS expiring \
             FROM evidence{} GROUP BY entity_id ORDER BY entity_id",
            f.where_clause(),
            a = n + 1,
        );
        let rows = f.query(sql).bind(today).fetch_all(self.reader()).await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get::<String, _>("entity_id")?,
                    row.try_get::<i64, _>("expired")?,
                    row.try_get::<i64, _>("expiring")?,
                ))
            })
            .collect()
    }

    /// The entity's controls serving one requirement of a framework, by name (as
    /// [`Store::controls_by_requirement`] lists them for a whole framework).
    pub async fn controls_for_requirement(
        &self,
        entity_id: &str,
        framework_id: &str,
        requirement_id: &str,
    ) -> Result<Vec<LinkedControl>> {
        let rows = sqlx::query(
            "SELECT c.id, c.name, c.status FROM control_requirements cr \
             JOIN controls c ON c.id = cr.control_id \
             WHERE c.entity_id = $1 AND cr.framework_id = $2 AND cr.requirement_id = $3 \
             ORDER BY c.name",
        )
        .bind(entity_id)
        .bind(framework_id)
        .bind(requirement_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(LinkedControl {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    status: row.try_get("status")?,
                })
            })
            .collect()
    }

    /// The latest `limit` values one requirement's result took in an assessment, newest first
    /// (the tail of [`Store::result_history`] for that requirement, reversed).
    pub async fn requirement_history(
        &self,
        assessment_id: &str,
        requirement_id: &str,
        limit: i64,
    ) -> Result<Vec<HistoryEntry>> {
        // The limit is an integer of our own, written into the SQL text.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT requirement_id, value, at FROM result_history \
             WHERE assessment_id = $1 AND requirement_id = $2 \
             ORDER BY at DESC, id DESC LIMIT {}",
            limit.max(0)
        )))
        .bind(assessment_id)
        .bind(requirement_id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|r| {
                let value: String = r.try_get("value")?;
                Ok(HistoryEntry {
                    requirement_id: r.try_get("requirement_id")?,
                    value: ResultValue::parse(&value)
                        .ok_or_else(|| StoreError::Corrupt(format!("history value '{value}'")))?,
                    at: r.try_get("at")?,
                })
            })
            .collect()
    }

    /// Distinct actions, object types and actors in the audit trail visible to `scope` (at most
    /// [`AUDIT_FACET_LIMIT`] of each, in order). Each value is found by one step along an index
    /// (`MIN(column) WHERE column > previous`, a loose index scan written as a recursive query
    /// on both engines), so the cost follows the number of distinct values, not of records.
    pub async fn audit_facets(&self, scope: &EntityScope) -> Result<AuditFacets> {
        let mut facets = AuditFacets::default();
        for (column, out) in [
            ("action", &mut facets.actions),
            ("object_type", &mut facets.object_types),
            ("actor_label", &mut facets.actors),
        ] {
            *out = self.audit_distinct(scope, column).await?;
        }
        Ok(facets)
    }

    /// The distinct values of one column of the audit log, for [`Store::audit_facets`].
    async fn audit_distinct(
        &self,
        scope: &EntityScope,
        column: &'static str,
    ) -> Result<Vec<String>> {
        let first = scoped(scope);
        let mut step = scoped(scope);
        // Both filters bind the same values in the same order, so they share placeholders.
        step.condition(match column {
            "action" => "action > found.v",
            "object_type" => "object_type > found.v",
            _ => "actor_label > found.v",
        });
        let limit = AUDIT_FACET_LIMIT;
        let sql = format!(
            "WITH RECURSIVE found(v, n) AS (\
             SELECT (SELECT MIN({column}) FROM audit_log{first}), 1 \
             UNION ALL \
             SELECT (SELECT MIN({column}) FROM audit_log{step}), n + 1 FROM found \
             WHERE v IS NOT NULL AND n < {limit}) \
             SELECT v FROM found WHERE v IS NOT NULL ORDER BY v",
            first = first.where_clause(),
            step = step.where_clause(),
        );
        let rows = first.query(sql).fetch_all(self.reader()).await?;
        rows.iter()
            .map(|row| Ok(row.try_get::<String, _>("v")?))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Actor;
    use hygeia_domain::audit::AuditRecord;

    fn labo(name: &str) -> hygeia_domain::org::EntityInput {
        hygeia_domain::org::EntityInput {
            name: name.into(),
            country: "FR".into(),
            entity_type: "healthcare_provider".into(),
            employees: 10,
            annual_turnover_eur: Some(1),
            balance_sheet_eur: Some(1),
            parent_entity_id: None,
            registration_number: None,
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn the_browsed_audit_trail_and_its_facets_agree_with_the_full_listing() {
        use crate::{AuditFilter, PageRequest};
        use std::collections::BTreeSet;
        for db in crate::testing::all().await {
            let store = db.store(crate::testing::test_clock()).await;
            let org = store
                .ensure_organisation(&Actor::system(), "Org")
                .await
                .unwrap();
            let mut ids = Vec::new();
            for name in ["Labo A", "Labo B", "Labo C"] {
                let e = store
                    .create_entity(&Actor::system(), &org.id, &labo(name), |_| true)
                    .await
                    .unwrap();
                ids.push(e.id);
            }
            // Two records about the first entity, so a narrow scope sees more than one.
            let site = hygeia_domain::org::SiteInput {
                name: "Site".into(),
                kind: hygeia_domain::org::SiteKind::Laboratory,
                city: "Lyon".into(),
                country: "FR".into(),
            };
            store
                .create_site(&Actor::system(), &ids[0], &site)
                .await
                .unwrap();
            let narrow = EntityScope::Only(std::iter::once(ids[0].clone()).collect());
            for scope in [EntityScope::All, narrow] {
                let everything = store
                    .list_audit(
                        &scope,
                        &AuditFilter::default(),
                        PageRequest::new(Some(500), None),
                    )
                    .await
                    .unwrap();
                let window = store
                    .browse_audit(
                        &scope,
                        &AuditFilter::default(),
                        PageRequest::new(Some(2), None),
                        100,
                    )
                    .await
                    .unwrap();
                assert_eq!((window.total, window.more), (everything.total, false));
                assert_eq!(
                    window.items.iter().map(|r| r.seq).collect::<Vec<_>>(),
                    everything
                        .items
                        .iter()
                        .take(2)
                        .map(|r| r.seq)
                        .collect::<Vec<_>>()
                );
                // Past the cap the count stops and says so.
                let capped = store
                    .browse_audit(
                        &scope,
                        &AuditFilter::default(),
                        PageRequest::new(Some(1), Some(1)),
                        1,
                    )
                    .await
                    .unwrap();
                assert_eq!((capped.total, capped.more), (1, true));
                assert_eq!(capped.items[0].seq, everything.items[1].seq);
                // A filter narrows both the rows and the count.
                let action = everything.items[0].action.clone();
                let filter = AuditFilter {
                    action: Some(action.clone()),
                    ..AuditFilter::default()
                };
                let same = everything
                    .items
                    .iter()
                    .filter(|r| r.action == action)
                    .count();
                let filtered = store
                    .browse_audit(&scope, &filter, PageRequest::new(Some(500), None), 100)
                    .await
                    .unwrap();
                assert_eq!(filtered.total, i64::try_from(same).unwrap());
                assert!(filtered.items.iter().all(|r| r.action == action));
                // The facets are exactly the distinct values of the visible records, in order.
                let facets = store.audit_facets(&scope).await.unwrap();
                let distinct = |f: fn(&AuditRecord) -> &str| {
                    everything
                        .items
                        .iter()
                        .map(|r| f(r).to_owned())
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect::<Vec<_>>()
                };
                assert_eq!(facets.actions, distinct(|r| &r.action));
                assert_eq!(facets.object_types, distinct(|r| &r.object_type));
                assert_eq!(facets.actors, distinct(|r| &r.actor_label));
            }
            // Nothing to see: empty facets, an empty page.
            let nobody = EntityScope::Only(std::iter::once("x".to_owned()).collect());
            let filter = AuditFilter {
                object_type: Some("entity".into()),
                ..AuditFilter::default()
            };
            let none = store
                .browse_audit(&nobody, &filter, PageRequest::default(), 100)
                .await
                .unwrap();
            assert_eq!((none.items.len(), none.total, none.more), (0, 0, false));
        }
    }

    #[tokio::test]
    async fn counts_per_day_and_facets_follow_the_scope() {
        for db in crate::testing::all().await {
            let store = db.store(crate::testing::test_clock()).await;
            let org = store
                .ensure_organisation(&Actor::system(), "Org")
                .await
                .unwrap();
            let days = store
                .audit_counts_per_day(&EntityScope::All, "2000-01-01T00:00:00Z")
                .await
                .unwrap();
            assert_eq!(days.iter().map(|(_, n)| n).sum::<i64>(), 1);
            assert_eq!(days[0].0.len(), 10);
            // Sign-ins and downloads are in the trail, but are not changes.
            for action in ["auth.login", "auth.second_factor", "evidence.download"] {
                store
                    .record_access(
                        &Actor::system(),
                        action,
                        ("user", "u"),
                        None,
                        serde_json::json!({}),
                    )
                    .await
                    .unwrap();
            }
            let again = store
                .audit_counts_per_day(&EntityScope::All, "2000-01-01T00:00:00Z")
                .await
                .unwrap();
            assert_eq!(again, days);
            let none = store
                .audit_counts_per_day(&EntityScope::All, "2999-01-01T00:00:00Z")
                .await
                .unwrap();
            assert!(none.is_empty());
            let facets = store.audit_facets(&EntityScope::All).await.unwrap();
            assert_eq!(facets.actors, vec!["system".to_owned()]);
            assert_eq!(
                facets.object_types,
                vec!["organisation".to_owned(), "user".to_owned()]
            );
            // Organisation-level records are for those who see every entity only.
            let narrow = EntityScope::Only(std::iter::once("x".to_owned()).collect());
            assert!(
                store
                    .audit_facets(&narrow)
                    .await
                    .unwrap()
                    .actions
                    .is_empty()
            );
            // The running tally: everything up to the head, then nothing new, then the rest.
            let (head, all) = store
                .audit_counts_per_day_after(&EntityScope::All, "2000-01-01T00:00:00Z", 0)
                .await
                .unwrap();
            assert_eq!(all, days);
            let (same, nothing) = store
                .audit_counts_per_day_after(&EntityScope::All, "2000-01-01T00:00:00Z", head)
                .await
                .unwrap();
            assert_eq!((same, nothing.len()), (head, 0));
            store
                .create_entity(
                    &Actor::system(),
                    &org.id,
                    &hygeia_domain::org::EntityInput {
                        name: "Labo".into(),
                        country: "FR".into(),
                        entity_type: "healthcare_provider".into(),
                        employees: 10,
                        annual_turnover_eur: Some(1),
                        balance_sheet_eur: Some(1),
                        parent_entity_id: None,
                        registration_number: None,
                        ..Default::default()
                    },
                    |_| true,
                )
                .await
                .unwrap();
            let (next, more) = store
                .audit_counts_per_day_after(&EntityScope::All, "2000-01-01T00:00:00Z", head)
                .await
                .unwrap();
            assert!(next > head);
            assert_eq!(more.iter().map(|(_, n)| n).sum::<i64>(), next - head);
        }
    }
}
