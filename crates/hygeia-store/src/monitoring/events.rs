//! The change log of the inventory: each event keeps what it is about as fields
//! ([`EventDetail`]), so that pages say it in the reader's language, and an English sentence
//! for the API and for readers of the raw table.

use hygeia_domain::access::EntityScope;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use crate::error::Result;
use crate::keyset::Keyset;
use crate::paging::{Page, PageRequest};
use crate::sql::Filter;
use crate::{Store, new_id};

/// A change noticed while merging.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssetEvent {
    pub id: String,
    pub entity_id: String,
    pub at: String,
    /// `new_asset`, `new_flow`, `new_operation`, `firmware_changed`, `new_finding`,
    /// `newly_affected` or `no_longer_affected`.
    pub kind: String,
    /// The asset key, flow or finding concerned.
    pub subject: String,
    /// The change in one English sentence.
    pub summary: String,
    pub sensor: String,
    /// The change as fields (absent on events recorded before release 0.6).
    pub detail: Option<EventDetail>,
}

/// What an event is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EventDetail {
    /// An asset seen for the first time: its key, first name and model, and its roles.
    NewAsset { asset: String, roles: Vec<String> },
    /// A firmware version that changed between two observations.
    FirmwareChanged {
        asset: String,
        before: String,
        after: String,
    },
    /// A flow seen for the first time, with the operations it carried.
    NewFlow {
        src: String,
        dst: String,
        protocol: String,
        operations: Vec<String>,
    },
    /// Operations seen on a known flow for the first time.
    NewOperation {
        src: String,
        dst: String,
        protocol: String,
        operations: Vec<String>,
    },
    /// A zone or conduit violation seen for the first time.
    NewFinding {
        src: String,
        dst: String,
        protocol: String,
        operations: Vec<String>,
        zones: FindingZones,
    },
    /// Advisories that newly concern an asset (affected or possibly affected): the first few
    /// tracking ids, and how many in all.
    NewlyAffected {
        asset: String,
        advisories: Vec<String>,
        count: i64,
    },
    /// Advisories that no longer expose an asset (its firmware is fixed, or it no longer
    /// matches them).
    NoLongerAffected {
        asset: String,
        advisories: Vec<String>,
        count: i64,
    },
}

/// The zones of a finding's two ends, as the sensor's zone policy placed them (`None`: the
/// address is in no zone).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FindingZones {
    pub src: Option<String>,
    pub dst: Option<String>,
}

impl EventDetail {
    /// The event kind this detail belongs to.
    pub fn kind(&self) -> &'static str {
        match self {
            EventDetail::NewAsset { .. } => "new_asset",
            EventDetail::FirmwareChanged { .. } => "firmware_changed",
            EventDetail::NewFlow { .. } => "new_flow",
            EventDetail::NewOperation { .. } => "new_operation",
            EventDetail::NewFinding { .. } => "new_finding",
            EventDetail::NewlyAffected { .. } => "newly_affected",
            EventDetail::NoLongerAffected { .. } => "no_longer_affected",
        }
    }

    /// The change in one English sentence.
    pub fn english(&self) -> String {
        let listed = |ops: &[String], none: &str| {
            if ops.is_empty() {
                none.to_owned()
            } else {
                ops.join(", ")
            }
        };
        match self {
            EventDetail::NewAsset { asset, roles } if roles.is_empty() => {
                format!("new asset {asset}")
            }
            EventDetail::NewAsset { asset, roles } => {
                format!("new asset {asset} ({})", roles.join(", "))
            }
            EventDetail::FirmwareChanged {
                asset,
                before,
                after,
            } => format!("firmware of {asset} changed from {before} to {after}"),
            EventDetail::NewFlow {
                src,
                dst,
                protocol,
                operations,
            } => format!(
                "{src} → {dst} over {protocol} ({})",
                listed(operations, "no operation")
            ),
            EventDetail::NewOperation {
                src,
                dst,
                protocol,
                operations,
            } => format!(
                "{src} → {dst} over {protocol}: first {}",
                operations.join(", ")
            ),
            EventDetail::NewFinding {
                src,
                dst,
                protocol,
                operations,
                zones,
            } => format!(
                "{protocol} {} from {src} (zone {}) to {dst} (zone {}) is not allowed by any conduit",
                listed(operations, "traffic"),
                zones.src.as_deref().unwrap_or("none"),
                zones.dst.as_deref().unwrap_or("none"),
            ),
            EventDetail::NewlyAffected {
                asset,
                advisories,
                count,
            } => format!(
                "{asset} is affected by {count} more advisories ({}{})",
                advisories.join(", "),
                more(advisories.len(), *count)
            ),
            EventDetail::NoLongerAffected {
                asset,
                advisories,
                count,
            } => format!(
                "{asset} is no longer exposed to {count} advisories ({}{})",
                advisories.join(", "),
                more(advisories.len(), *count)
            ),
        }
    }
}

/// `, …` when a list names fewer items than it counts.
fn more(named: usize, count: i64) -> &'static str {
    if i64::try_from(named).unwrap_or(i64::MAX) < count {
        ", …"
    } else {
        ""
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: String,
    entity_id: String,
    at: String,
    kind: String,
    subject: String,
    summary: String,
    sensor: String,
    detail: Option<String>,
}

impl From<EventRow> for AssetEvent {
    fn from(r: EventRow) -> Self {
        AssetEvent {
            detail: r
                .detail
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok()),
            id: r.id,
            entity_id: r.entity_id,
            at: r.at,
            kind: r.kind,
            subject: r.subject,
            summary: r.summary,
            sensor: r.sensor,
        }
    }
}

/// Where the events of one batch go: they share its entity, sensor and time.
pub(crate) struct EventSink<'a> {
    pub entity_id: &'a str,
    pub sensor: &'a str,
    pub at: &'a str,
    pub count: i64,
}

impl EventSink<'_> {
    pub async fn raise(
        &mut self,
        conn: &mut AnyConnection,
        subject: &str,
        detail: EventDetail,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO asset_events (id, entity_id, at, kind, subject, summary, sensor, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new_id())
        .bind(self.entity_id)
        .bind(self.at)
        .bind(detail.kind())
        .bind(subject)
        .bind(detail.english())
        .bind(self.sensor)
        .bind(serde_json::to_string(&detail).ok())
        .execute(&mut *conn)
        .await?;
        self.count += 1;
        Ok(())
    }
}

/// The change log's list: its filter and order.
pub(super) fn event_list(
    scope: &EntityScope,
    entity_id: Option<&str>,
    kind: Option<&str>,
) -> (Filter, Keyset<'static>) {
    let mut f = Filter::new();
    f.eq_opt("entity_id", entity_id);
    f.eq_opt("kind", kind);
    f.scope("entity_id", scope);
    let keyset = Keyset {
        from: "asset_events",
        columns: "id, entity_id, at, kind, subject, summary, sensor, detail",
        sort: "at",
        id: "id",
        integer_sort: false,
        pick_from: None,
    };
    (f, keyset)
}

impl Store {
    /// The inventory's change log, newest first; `after` continues after a previous page's
    /// `next`.
    pub async fn list_asset_events(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
        kind: Option<&str>,
        page: PageRequest,
        after: Option<&str>,
    ) -> Result<Page<AssetEvent>> {
        let (f, keyset) = event_list(scope, entity_id, kind);
        let rows: Page<EventRow> = keyset.page(self.reader(), f, page, after).await?;
        Ok(rows.map(AssetEvent::from))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn details_round_trip_through_their_stored_form_and_say_the_change_in_english() {
        let detail = EventDetail::NewFinding {
            src: "10.0.1.5".into(),
            dst: "10.0.2.9".into(),
            protocol: "s7comm".into(),
            operations: vec!["program".into()],
            zones: FindingZones {
                src: Some("office".into()),
                dst: None,
            },
        };
        let stored = serde_json::to_string(&detail).unwrap();
        assert!(stored.contains(r#""kind":"new_finding""#), "{stored}");
        assert_eq!(
            serde_json::from_str::<EventDetail>(&stored).unwrap(),
            detail
        );
        assert_eq!(
            detail.english(),
            "s7comm program from 10.0.1.5 (zone office) to 10.0.2.9 (zone none) is not allowed by any conduit"
        );
        let flow = EventDetail::NewFlow {
            src: "a".into(),
            dst: "b".into(),
            protocol: "modbus".into(),
            operations: vec![],
        };
        assert_eq!(flow.english(), "a → b over modbus (no operation)");
        assert_eq!(flow.kind(), "new_flow");
    }
}
