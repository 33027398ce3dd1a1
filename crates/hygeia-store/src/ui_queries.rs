//! Small read queries for the web pages: counts and facets the REST list endpoints do not need.
//! Each one respects the caller's entity scope like `list_audit` does.

use hygeia_domain::access::EntityScope;
use sqlx::Row;

use crate::database::Store;
use crate::error::StoreError;
use crate::sql::Filter;

type Result<T> = std::result::Result<T, StoreError>;

/// Values seen in the audit trail, to offer as filter choices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFacets {
    pub actions: Vec<String>,
    pub object_types: Vec<String>,
    pub actors: Vec<String>,
}

fn scoped(scope: &EntityScope) -> Filter {
    let mut f = Filter::new();
    if let EntityScope::Only(ids) = scope {
        f.null_or_in("entity_id", ids.iter().map(String::as_str));
    }
    f
}

impl Store {
    /// Audit records per UTC day (`YYYY-MM-DD`, ascending) at or after `since` (RFC 3339),
    /// limited to what `scope` may see. Days without records are absent.
    pub async fn audit_counts_per_day(
        &self,
        scope: &EntityScope,
        since: &str,
    ) -> Result<Vec<(String, i64)>> {
        let mut f = scoped(scope);
        f.cmp_opt("at", ">=", Some(since));
        let rows = f
            .query(format!(
                "SELECT SUBSTR(at, 1, 10) AS day, COUNT(*) AS n FROM audit_log{} \
                 GROUP BY SUBSTR(at, 1, 10) ORDER BY day",
                f.where_clause()
            ))
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get::<String, _>("day")?,
                    row.try_get::<i64, _>("n")?,
                ))
            })
            .collect()
    }

    /// Distinct actions, object types and actors in the audit trail visible to `scope`.
    pub async fn audit_facets(&self, scope: &EntityScope) -> Result<AuditFacets> {
        let f = scoped(scope);
        let mut facets = AuditFacets::default();
        for (column, out) in [
            ("action", &mut facets.actions),
            ("object_type", &mut facets.object_types),
            ("actor_label", &mut facets.actors),
        ] {
            let sql = match column {
                "action" => format!(
                    "SELECT DISTINCT action AS v FROM audit_log{} ORDER BY v LIMIT 200",
                    f.where_clause()
                ),
                "object_type" => format!(
                    "SELECT DISTINCT object_type AS v FROM audit_log{} ORDER BY v LIMIT 200",
                    f.where_clause()
                ),
                _ => format!(
                    "SELECT DISTINCT actor_label AS v FROM audit_log{} ORDER BY v LIMIT 200",
                    f.where_clause()
                ),
            };
            let rows = f.query(sql).fetch_all(self.reader()).await?;
            for row in &rows {
                out.push(row.try_get::<String, _>("v")?);
            }
        }
        Ok(facets)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::Actor;

    #[tokio::test]
    async fn counts_per_day_and_facets_follow_the_scope() {
        for db in crate::testing::all().await {
            let store = db.store(crate::testing::test_clock()).await;
            store
                .ensure_organisation(&Actor::system(), "Org")
                .await
                .unwrap();
            let days = store
                .audit_counts_per_day(&EntityScope::All, "2000-01-01T00:00:00Z")
                .await
                .unwrap();
            assert_eq!(days.iter().map(|(_, n)| n).sum::<i64>(), 1);
            assert_eq!(days[0].0.len(), 10);
            let none = store
                .audit_counts_per_day(&EntityScope::All, "2999-01-01T00:00:00Z")
                .await
                .unwrap();
            assert!(none.is_empty());
            let facets = store.audit_facets(&EntityScope::All).await.unwrap();
            assert_eq!(facets.actors, vec!["system".to_owned()]);
            assert_eq!(facets.object_types, vec!["organisation".to_owned()]);
            // Organisation-level records stay visible to a narrow scope.
            let narrow = EntityScope::Only(std::iter::once("x".to_owned()).collect());
            assert_eq!(store.audit_facets(&narrow).await.unwrap().actions.len(), 1);
        }
    }
}
