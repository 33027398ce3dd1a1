//! The hub side of passive monitoring: merging what sensors observed into the stored asset
//! inventory, communication map and zone findings, and raising events for what changed.
//!
//! Input is the JSON report of `hygeia-monitor` (only the fields the hub keeps are read), so a
//! sensor can push its report as it is. One batch is merged in one transaction; its summary
//! (counts of new assets, flows, changes) goes to the audit trail.

use hygeia_domain::access::EntityScope;
use serde::{Deserialize, Serialize};

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::keyset::Keyset;
use crate::paging::{Page, PageRequest};
use crate::sql::Filter;
use crate::{Actor, Store};

pub(crate) mod events;
mod ingest;
pub mod map;
mod plans;
mod terms;

pub use plans::QueryPlan;
pub use terms::AssetFacets;

pub use events::{AssetEvent, EventDetail, FindingZones};
pub(crate) use ingest::lock_entity;

/// The part of a monitor report the hub merges.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObservedReport {
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub assets: Vec<ObservedAsset>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub flows: Vec<ObservedFlow>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub findings: Vec<ObservedFinding>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ObservedAsset {
    /// The report's stable key (`mac:…` or `ip:…`).
    pub id: String,
    pub mac: Option<String>,
    #[serde(default)]
    pub ips: Vec<String>,
    #[serde(default)]
    pub names: Vec<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub protocols: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
    #[serde(default)]
    pub packets_sent: i64,
    /// What the sensor saw, field by field (the model names above all).
    #[serde(default)]
    pub attributes: Vec<ObservedAttribute>,
}

/// One attribute of an observed asset, as the sensor's report gives it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ObservedAttribute {
    /// `name`, `vendor`, `model`, `firmware`…
    pub kind: String,
    pub value: String,
    /// 0–100.
    #[serde(default)]
    pub confidence: u8,
    /// How many packets showed it.
    #[serde(default)]
    pub count: u64,
}

impl ObservedAsset {
    /// The product name advisories are matched on besides the model
    /// ([`hygeia_advisories::product_name`]).
    pub fn product_name(&self) -> Option<String> {
        hygeia_advisories::product_name(
            self.model.as_deref(),
            self.attributes
                .iter()
                .filter(|a| a.kind == "model")
                .map(|a| (a.value.as_str(), a.confidence, a.count)),
        )
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ObservedFlow {
    pub src: String,
    pub dst: String,
    pub protocol: String,
    #[serde(default)]
    pub packets: i64,
    #[serde(default)]
    pub bytes: i64,
    #[serde(default)]
    pub operations: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ObservedFinding {
    pub kind: String,
    pub severity: String,
    pub summary: String,
    pub src: String,
    pub dst: String,
    pub protocol: String,
    #[serde(default)]
    pub operations: Vec<String>,
    #[serde(default)]
    pub references: Vec<serde_json::Value>,
    #[serde(default)]
    pub evidence: Option<serde_json::Value>,
    /// The zone of the client (absent: in no zone).
    #[serde(default)]
    pub src_zone: Option<String>,
    /// The zone of the server (absent: in no zone).
    #[serde(default)]
    pub dst_zone: Option<String>,
}

/// What one batch changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IngestSummary {
    pub assets_new: i64,
    pub assets_updated: i64,
    pub flows_new: i64,
    pub flows_updated: i64,
    pub findings_new: i64,
    /// Events raised (new asset, new flow, new operation on a flow, firmware change, finding).
    pub events: i64,
}

/// A stored asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredAsset {
    pub id: String,
    pub entity_id: String,
    pub asset_key: String,
    pub mac: Option<String>,
    pub ips: Vec<String>,
    pub names: Vec<String>,
    pub vendor: Option<String>,
    pub model: Option<String>,
    /// Another model name the device reported (a module name beside an order number).
    pub product_name: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub roles: Vec<String>,
    pub protocols: Vec<String>,
    pub sensors: Vec<String>,
    pub packets: i64,
    pub first_seen: String,
    pub last_seen: String,
    /// Where the asset sits on the communication map (`zone:NAME` or `net:CIDR`).
    pub place: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AssetRow {
    id: String,
    entity_id: String,
    asset_key: String,
    mac: Option<String>,
    ips: String,
    names: String,
    vendor: Option<String>,
    model: Option<String>,
    product_name: Option<String>,
    firmware: Option<String>,
    serial: Option<String>,
    roles: String,
    protocols: String,
    sensors: String,
    packets: i64,
    first_seen: String,
    last_seen: String,
    place: Option<String>,
}

fn list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

fn text(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

impl From<AssetRow> for StoredAsset {
    fn from(r: AssetRow) -> Self {
        StoredAsset {
            id: r.id,
            entity_id: r.entity_id,
            asset_key: r.asset_key,
            mac: r.mac,
            ips: list(&r.ips),
            names: list(&r.names),
            vendor: r.vendor,
            model: r.model,
            product_name: r.product_name,
            firmware: r.firmware,
            serial: r.serial,
            roles: list(&r.roles),
            protocols: list(&r.protocols),
            sensors: list(&r.sensors),
            packets: r.packets,
            first_seen: r.first_seen,
            last_seen: r.last_seen,
            place: r.place,
        }
    }
}

/// A stored flow of the communication map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredFlow {
    pub id: String,
    pub entity_id: String,
    pub src: String,
    pub dst: String,
    pub protocol: String,
    pub packets: i64,
    pub bytes: i64,
    pub operations: Vec<String>,
    pub first_seen: String,
    pub last_seen: String,
    /// Where each end sits on the communication map.
    pub src_place: Option<String>,
    pub dst_place: Option<String>,
}

#[derive(sqlx::FromRow)]
struct FlowRow {
    id: String,
    entity_id: String,
    src: String,
    dst: String,
    protocol: String,
    packets: i64,
    bytes: i64,
    operations: String,
    first_seen: String,
    last_seen: String,
    src_place: Option<String>,
    dst_place: Option<String>,
}

impl From<FlowRow> for StoredFlow {
    fn from(r: FlowRow) -> Self {
        StoredFlow {
            id: r.id,
            entity_id: r.entity_id,
            src: r.src,
            dst: r.dst,
            protocol: r.protocol,
            packets: r.packets,
            bytes: r.bytes,
            operations: list(&r.operations),
            first_seen: r.first_seen,
            last_seen: r.last_seen,
            src_place: r.src_place,
            dst_place: r.dst_place,
        }
    }
}

/// A stored zone/conduit violation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredFinding {
    pub id: String,
    pub entity_id: String,
    pub kind: String,
    pub severity: String,
    pub summary: String,
    pub src: String,
    pub dst: String,
    pub protocol: String,
    pub operations: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub references: Vec<serde_json::Value>,
    pub occurrences: i64,
    pub first_seen: String,
    pub last_seen: String,
    /// `open` (never reviewed, or reopened), `acknowledged` or `false_positive`.
    pub state: String,
    /// The current review: who said so, when and why (absent if never reviewed).
    pub review: Option<FindingReview>,
    /// The zones of both ends (absent on findings recorded before release 0.6).
    pub zones: Option<FindingZones>,
}

/// The states a finding can be reviewed into.
pub const FINDING_STATES: [&str; 3] = ["open", "acknowledged", "false_positive"];

/// What a reviewer said of a finding. Every review is in the audit trail as well.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FindingReview {
    /// `open`, `acknowledged` or `false_positive`.
    pub state: String,
    /// Why: the ticket, the accepted risk, what makes it a false positive.
    pub reason: String,
    pub reviewed_by: String,
    pub reviewed_at: String,
    /// The finding's occurrences when it was reviewed: fewer than `occurrences` means the flow
    /// was seen again since.
    pub occurrences_at_review: i64,
}

#[derive(sqlx::FromRow)]
struct FindingRow {
    id: String,
    entity_id: String,
    kind: String,
    severity: String,
    summary: String,
    src: String,
    dst: String,
    protocol: String,
    operations: String,
    refs: String,
    occurrences: i64,
    first_seen: String,
    last_seen: String,
    review_state: Option<String>,
    review_reason: Option<String>,
    reviewed_by: Option<String>,
    reviewed_at: Option<String>,
    occurrences_at_review: Option<i64>,
    zones: Option<String>,
}

impl From<FindingRow> for StoredFinding {
    fn from(r: FindingRow) -> Self {
        let review = match (
            r.review_state,
            r.review_reason,
            r.reviewed_by,
            r.reviewed_at,
        ) {
            (Some(state), Some(reason), Some(reviewed_by), Some(reviewed_at)) => {
                Some(FindingReview {
                    state,
                    reason,
                    reviewed_by,
                    reviewed_at,
                    occurrences_at_review: r.occurrences_at_review.unwrap_or(0),
                })
            }
            _ => None,
        };
        StoredFinding {
            zones: r
                .zones
                .as_deref()
                .and_then(|z| serde_json::from_str(z).ok()),
            id: r.id,
            entity_id: r.entity_id,
            kind: r.kind,
            severity: r.severity,
            summary: r.summary,
            src: r.src,
            dst: r.dst,
            protocol: r.protocol,
            operations: list(&r.operations),
            references: serde_json::from_str(&r.refs).unwrap_or_default(),
            occurrences: r.occurrences,
            first_seen: r.first_seen,
            last_seen: r.last_seen,
            state: review
                .as_ref()
                .map_or_else(|| "open".to_owned(), |v| v.state.clone()),
            review,
        }
    }
}

/// Filters for the findings list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FindingFilter {
    pub entity_id: Option<String>,
    /// `open`, `acknowledged` or `false_positive`.
    pub state: Option<String>,
    /// `high` or `medium`.
    pub severity: Option<String>,
    /// Continue after this cursor (a page's `next`) instead of at an offset.
    pub after: Option<String>,
}

/// Filters for the asset list.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssetFilter {
    pub entity_id: Option<String>,
    /// Words separated by spaces, each the start of a name, address, MAC, vendor, model,
    /// firmware or serial, or of a word in one (see `terms`).
    pub q: Option<String>,
    /// A role such as `plc`, `hmi`, `pacs`.
    pub role: Option<String>,
    /// A protocol such as `modbus`, `dicom`.
    pub protocol: Option<String>,
    /// Only the assets at one place of the communication map (`zone:NAME`, `net:CIDR`).
    pub place: Option<String>,
    /// Continue after this cursor (a page's `next`) instead of at an offset.
    pub after: Option<String>,
}

const ASSET_COLUMNS: &str = "id, entity_id, asset_key, mac, ips, names, vendor, model, product_name, firmware, serial, \
                             roles, protocols, sensors, packets, first_seen, last_seen, place";
const FLOW_COLUMNS: &str = "id, entity_id, src, dst, protocol, packets, bytes, operations, first_seen, last_seen, src_place, dst_place";
/// Findings with their current review (the review columns are NULL when there is none).
const FINDING_COLUMNS: &str = "f.id, f.entity_id, f.kind, f.severity, f.summary, f.src, f.dst, f.protocol, \
                               f.operations, f.refs, f.occurrences, f.first_seen, f.last_seen, \
                               r.state AS review_state, r.reason AS review_reason, r.reviewed_by, \
                               r.reviewed_at, r.occurrences_at_review, f.zones";
const FINDING_TABLES: &str =
    "monitor_findings f LEFT JOIN finding_reviews r ON r.finding_id = f.id";

/// The asset list: its filter and order.
fn asset_list(scope: &EntityScope, filter: &AssetFilter) -> (Filter, Keyset<'static>) {
    let mut f = Filter::new();
    f.eq_opt("entity_id", filter.entity_id.as_deref());
    f.eq_opt("place", filter.place.as_deref());
    let entity = filter.entity_id.as_deref();
    if let Some(q) = filter.q.as_deref() {
        terms::matching(&mut f, entity, q);
    }
    if let Some(role) = filter.role.as_deref().filter(|r| !r.trim().is_empty()) {
        terms::with_role(&mut f, entity, role);
    }
    if let Some(protocol) = filter.protocol.as_deref().filter(|p| !p.trim().is_empty()) {
        terms::with_protocol(&mut f, entity, protocol);
    }
    f.scope("entity_id", scope);
    let keyset = Keyset {
        from: "assets",
        columns: ASSET_COLUMNS,
        sort: "last_seen",
        id: "id",
        integer_sort: false,
        pick_from: None,
    };
    (f, keyset)
}

/// The flow list: its filter and order.
fn flow_list(
    scope: &EntityScope,
    entity_id: Option<&str>,
    endpoint: Option<&str>,
) -> (Filter, Keyset<'static>) {
    let mut f = Filter::new();
    f.eq_opt("entity_id", entity_id);
    if let Some(endpoint) = endpoint {
        f.any_eq(&["src", "dst"], endpoint);
    }
    f.scope("entity_id", scope);
    (f, FLOW_KEYSET)
}

/// Flows, busiest first.
const FLOW_KEYSET: Keyset = Keyset {
    from: "asset_flows",
    columns: FLOW_COLUMNS,
    sort: "packets",
    id: "id",
    integer_sort: true,
    pick_from: None,
};

/// The finding list (the filter's values checked by the caller): its filter and order.
fn finding_list(scope: &EntityScope, filter: &FindingFilter) -> (Filter, Keyset<'static>) {
    let mut f = Filter::new();
    f.eq_opt("f.entity_id", filter.entity_id.as_deref());
    f.eq_opt("f.severity", filter.severity.as_deref());
    match filter.state.as_deref() {
        Some("open") => f.condition("(r.state IS NULL OR r.state = 'open')"),
        state => f.eq_opt("r.state", state),
    }
    f.scope("f.entity_id", scope);
    let keyset = Keyset {
        from: FINDING_TABLES,
        columns: FINDING_COLUMNS,
        sort: "f.last_seen",
        id: "f.id",
        integer_sort: false,
        pick_from: None,
    };
    (f, keyset)
}

impl Store {
    pub async fn list_assets(
        &self,
        scope: &EntityScope,
        filter: &AssetFilter,
        page: PageRequest,
    ) -> Result<Page<StoredAsset>> {
        let (f, keyset) = asset_list(scope, filter);
        let rows: Page<AssetRow> = keyset
            .page(self.reader(), f, page, filter.after.as_deref())
            .await?;
        Ok(rows.map(StoredAsset::from))
    }

    pub async fn asset(&self, id: &str) -> Result<StoredAsset> {
        let sql = format!("SELECT {ASSET_COLUMNS} FROM assets WHERE id = $1");
        let row: Option<AssetRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.map(StoredAsset::from)
            .ok_or_else(|| StoreError::not_found("asset", id))
    }

    /// Flows of the communication map, busiest first, optionally only those touching one
    /// address; `after` continues after a previous page's `next`.
    pub async fn list_flows(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
        endpoint: Option<&str>,
        page: PageRequest,
        after: Option<&str>,
    ) -> Result<Page<StoredFlow>> {
        let (f, keyset) = flow_list(scope, entity_id, endpoint);
        let rows: Page<FlowRow> = keyset.page(self.reader(), f, page, after).await?;
        Ok(rows.map(StoredFlow::from))
    }

    pub async fn list_monitor_findings(
        &self,
        scope: &EntityScope,
        entity_id: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<StoredFinding>> {
        let filter = FindingFilter {
            entity_id: entity_id.map(str::to_owned),
            ..FindingFilter::default()
        };
        self.list_findings(scope, &filter, page).await
    }

    /// Findings newest first, by entity, review state and severity.
    pub async fn list_findings(
        &self,
        scope: &EntityScope,
        filter: &FindingFilter,
        page: PageRequest,
    ) -> Result<Page<StoredFinding>> {
        let mut v = hygeia_domain::validation::Validator::new();
        if let Some(state) = &filter.state
            && !FINDING_STATES.contains(&state.as_str())
        {
            v.one_of("state", &FINDING_STATES);
        }
        if let Some(severity) = &filter.severity
            && !["high", "medium"].contains(&severity.as_str())
        {
            v.one_of("severity", &["high", "medium"]);
        }
        v.finish()?;
        let (f, keyset) = finding_list(scope, filter);
        let rows: Page<FindingRow> = keyset
            .page(self.reader(), f, page, filter.after.as_deref())
            .await?;
        Ok(rows.map(StoredFinding::from))
    }

    /// One finding with its review.
    pub async fn monitor_finding(&self, id: &str) -> Result<StoredFinding> {
        let sql = format!("SELECT {FINDING_COLUMNS} FROM {FINDING_TABLES} WHERE f.id = $1");
        let row: Option<FindingRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(self.reader())
            .await?;
        row.map(StoredFinding::from)
            .ok_or_else(|| StoreError::not_found("finding", id))
    }

    /// Records a review of a finding (acknowledged, false positive, or open again) with its
    /// reason, replacing the previous one; audited with the review before and after. A finding
    /// outside `scope` is not found.
    pub async fn review_finding(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        state: &str,
        reason: &str,
    ) -> Result<StoredFinding> {
        let mut v = hygeia_domain::validation::Validator::new();
        if !FINDING_STATES.contains(&state) {
            v.one_of("state", &FINDING_STATES);
        }
        v.text("reason", reason, 1000);
        v.finish()?;
        let reason = reason.trim();
        let before = self
            .monitor_finding(id)
            .await
            .ok()
            .filter(|f| scope.contains(&f.entity_id))
            .ok_or_else(|| StoreError::not_found("finding", id))?;
        let now = self.now();
        let mut tx = self.begin().await?;
        // Read again inside the transaction: the occurrences to record, and whether it still
        // exists.
        let occurrences: Option<i64> =
            sqlx::query_scalar("SELECT occurrences FROM monitor_findings WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(occurrences) = occurrences else {
            return Err(StoreError::not_found("finding", id));
        };
        sqlx::query(
            "INSERT INTO finding_reviews (finding_id, entity_id, state, reason, reviewed_by, reviewed_at, \
             occurrences_at_review) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (finding_id) DO UPDATE SET state = excluded.state, reason = excluded.reason, \
             reviewed_by = excluded.reviewed_by, reviewed_at = excluded.reviewed_at, \
             occurrences_at_review = excluded.occurrences_at_review",
        )
        .bind(id)
        .bind(&before.entity_id)
        .bind(state)
        .bind(reason)
        .bind(&actor.label)
        .bind(&now)
        .bind(occurrences)
        .execute(&mut *tx)
        .await?;
        let review = FindingReview {
            state: state.to_owned(),
            reason: reason.to_owned(),
            reviewed_by: actor.label.clone(),
            reviewed_at: now.clone(),
            occurrences_at_review: occurrences,
        };
        let described = |review: Option<&FindingReview>| {
            serde_json::json!({
                "finding": before.summary,
                "state": review.map_or("open", |r| r.state.as_str()),
                "reason": review.map(|r| r.reason.as_str()),
            })
        };
        let change = Change {
            action: "finding.review",
            object_type: "monitor_finding",
            object_id: id,
            entity_id: Some(&before.entity_id),
            before: Some(described(before.review.as_ref())),
            after: Some(described(Some(&review))),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(StoredFinding {
            state: review.state.clone(),
            review: Some(review),
            occurrences,
            ..before
        })
    }
}

/// An entity's zone policy as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ZonePolicyRecord {
    pub entity_id: String,
    /// TOML text (zones and conduits).
    pub policy: String,
    pub updated_at: String,
    pub updated_by: String,
}

impl Store {
    /// The zone policies of the entities `scope` may see (entities without one are absent).
    pub async fn list_zone_policies(&self, scope: &EntityScope) -> Result<Vec<ZonePolicyRecord>> {
        use sqlx::FromRow;
        let mut f = Filter::new();
        f.scope("entity_id", scope);
        let rows = f
            .query(format!(
                "SELECT entity_id, policy, updated_at, updated_by FROM zone_policies{} ORDER BY entity_id",
                f.where_clause()
            ))
            .fetch_all(self.reader())
            .await?;
        Ok(rows
            .iter()
            .map(ZonePolicyRecord::from_row)
            .collect::<std::result::Result<_, _>>()?)
    }

    /// The zone policy of an entity, if one was set.
    pub async fn zone_policy(&self, entity_id: &str) -> Result<Option<ZonePolicyRecord>> {
        Ok(sqlx::query_as(
            "SELECT entity_id, policy, updated_at, updated_by FROM zone_policies WHERE entity_id = $1",
        )
        .bind(entity_id)
        .fetch_optional(self.reader())
        .await?)
    }

    /// Replaces an entity's zone policy; the caller has validated the text.
    pub async fn set_zone_policy(
        &self,
        actor: &Actor,
        entity_id: &str,
        policy: &str,
    ) -> Result<ZonePolicyRecord> {
        let now = self.now();
        let before = self.zone_policy(entity_id).await?;
        let mut tx = self.begin().await?;
        lock_entity(&mut tx, self.backend(), entity_id).await?;
        sqlx::query("DELETE FROM zone_policies WHERE entity_id = $1")
            .bind(entity_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO zone_policies (entity_id, policy, updated_at, updated_by) VALUES ($1, $2, $3, $4)")
            .bind(entity_id)
            .bind(policy)
            .bind(&now)
            .bind(&actor.label)
            .execute(&mut *tx)
            .await?;
        // A new policy places the entity's inventory again; the same text changes nothing.
        if before.as_ref().is_none_or(|b| b.policy != policy) {
            map::place_all(&mut tx, entity_id).await?;
        }
        let record = ZonePolicyRecord {
            entity_id: entity_id.to_owned(),
            policy: policy.to_owned(),
            updated_at: now.clone(),
            updated_by: actor.label.clone(),
        };
        let change = Change {
            action: "zone_policy.update",
            object_type: "zone_policy",
            object_id: entity_id,
            entity_id: Some(entity_id),
            before: before.and_then(|b| serde_json::to_value(b).ok()),
            after: serde_json::to_value(&record).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(record)
    }
}
