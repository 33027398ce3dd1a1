//! The Assets area: the inventory fed by passive monitoring, an asset's detail and the change
//! events (the communication map is `asset_map`, the findings `asset_findings`). Need-to-know
//! applies to every list.

use askama::Template;
use axum::extract::{Path, Query, State};
use hygeia_domain::access::Permission;
use hygeia_monitor::protocol_label;
use hygeia_store::PageRequest;
use hygeia_store::monitoring::{AssetFilter, StoredAsset, StoredFlow};
use serde::Deserialize;

use super::{Area, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of};
use crate::AppState;

const PAGE_SIZE: i64 = 100;

/// Operation classes that change a device's state (shown as warnings on the map).
const CHANGING: [&str; 3] = ["write", "program", "control"];

#[derive(Debug, Default, Deserialize)]
pub struct InventoryQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    protocol: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    page: Option<i64>,
}

pub struct AssetRow {
    pub id: String,
    pub name: String,
    pub ips: String,
    pub mac: String,
    pub vendor: String,
    pub model: String,
    pub firmware: String,
    pub roles: String,
    pub protocols: String,
    pub last_seen: String,
}

/// "1 asset", "12 assets": the key's `_one` form for one (and for none, in French).
pub(super) fn counted(tr: super::i18n::Tr, key: &str, n: u64) -> String {
    let one = n == 1 || (n == 0 && tr.code() == "fr");
    let key = if one {
        format!("{key}_one")
    } else {
        key.to_owned()
    };
    tr.tf(&key, &[("count", &tr.unum(n))])
}

pub(super) fn nonempty(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

fn row(tr: &super::i18n::Tr, a: &StoredAsset) -> AssetRow {
    AssetRow {
        id: a.id.clone(),
        name: a
            .names
            .first()
            .cloned()
            .unwrap_or_else(|| a.asset_key.clone()),
        ips: a.ips.join(", "),
        mac: a.mac.clone().unwrap_or_default(),
        vendor: a.vendor.clone().unwrap_or_default(),
        model: a.model.clone().unwrap_or_default(),
        firmware: a.firmware.clone().unwrap_or_default(),
        roles: a.roles.join(", "),
        protocols: a
            .protocols
            .iter()
            .map(|p| protocol_label(p))
            .collect::<Vec<_>>()
            .join(", "),
        last_seen: tr.datetime(&a.last_seen),
    }
}

#[derive(Template)]
#[template(path = "assets.html")]
struct InventoryPage {
    shell: Shell,
    rows: Vec<AssetRow>,
    total: String,
    q: String,
    roles: Vec<super::Choice>,
    protocols: Vec<super::Choice>,
    filtered: bool,
    /// Findings still open ("3 open").
    findings: String,
    events: Vec<EventRow>,
    next: Option<String>,
    previous: Option<String>,
}

pub struct EventRow {
    pub at: String,
    pub kind: String,
    pub summary: String,
    /// `en` when the summary is a stored English sentence on a page in another language.
    pub summary_lang: Option<&'static str>,
    pub sensor: String,
}

impl EventRow {
    fn new(tr: super::i18n::Tr, event: hygeia_store::monitoring::AssetEvent) -> Self {
        let said = super::asset_sentences::event(tr, &event);
        EventRow {
            at: tr.datetime(&event.at),
            kind: tr.label("assets.event", &event.kind),
            summary: said.text,
            summary_lang: said.lang,
            sensor: event.sensor,
        }
    }
}

fn page_link(query: &InventoryQuery, page: i64) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in [
        ("q", &query.q),
        ("role", &query.role),
        ("protocol", &query.protocol),
        ("entity", &query.entity),
    ] {
        if !value.is_empty() {
            s.append_pair(key, value);
        }
    }
    s.append_pair("page", &page.to_string());
    format!("/assets?{}", s.finish())
}

pub async fn inventory_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<InventoryQuery>,
) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: hygeia_store::StoreError| PageError::new(tr, e.into());
    auth.principal
        .require(Permission::AssetRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let scope = &auth.principal.scope;
    let entity = nonempty(&query.entity).filter(|id| scope.contains(id));
    let filter = AssetFilter {
        entity_id: entity.clone(),
        q: nonempty(&query.q),
        role: nonempty(&query.role),
        protocol: nonempty(&query.protocol),
        place: None,
        after: None,
    };
    let page_no = super::page_number(query.page);
    let assets = state
        .store
        .list_assets(
            scope,
            &filter,
            PageRequest::new(Some(PAGE_SIZE), Some((page_no - 1) * PAGE_SIZE)),
        )
        .await
        .map_err(fail)?;
    // Filter choices: the distinct roles and protocols of the visible inventory.
    let facets = state
        .store
        .asset_facets(scope, entity.as_deref())
        .await
        .map_err(fail)?;
    let (roles, protocols) = (facets.roles, facets.protocols);
    let open_findings = state
        .store
        .list_findings(
            scope,
            &hygeia_store::monitoring::FindingFilter {
                entity_id: entity.clone(),
                state: Some("open".into()),
                severity: None,
                after: None,
            },
            PageRequest::new(Some(1), None),
        )
        .await
        .map_err(fail)?
        .total;
    let findings = counted(
        tr,
        "assets.open_count",
        u64::try_from(open_findings).unwrap_or(0),
    );
    let events = state
        .store
        .list_asset_events(
            scope,
            entity.as_deref(),
            None,
            PageRequest::new(Some(10), None),
            None,
        )
        .await
        .map_err(fail)?
        .items
        .into_iter()
        .map(|e| EventRow::new(tr, e))
        .collect();
    let title = tr.t("nav.assets").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Assets,
        title.clone(),
        vec![Crumb::here(title)],
        entity.as_deref(),
    )
    .await?;
    let shown = i64::try_from(assets.items.len()).unwrap_or(0);
    let page = InventoryPage {
        rows: assets.items.iter().map(|a| row(&tr, a)).collect(),
        total: tr.tf(
            if assets.total_exceeds {
                "assets.total_more"
            } else {
                "assets.total"
            },
            &[("count", &tr.num(assets.total))],
        ),
        q: query.q.trim().to_owned(),
        roles: super::choices(roles.into_iter().collect(), query.role.trim()),
        protocols: super::choices(protocols.into_iter().collect(), query.protocol.trim())
            .into_iter()
            .map(|c| super::Choice {
                label: protocol_label(&c.value),
                ..c
            })
            .collect(),
        filtered: filter.q.is_some() || filter.role.is_some() || filter.protocol.is_some(),
        findings,
        events,
        previous: (page_no > 1).then(|| page_link(&query, page_no - 1)),
        next: (assets.next.is_some() || (page_no - 1) * PAGE_SIZE + shown < assets.total)
            .then(|| page_link(&query, page_no + 1)),
        shell,
    };
    render(tr, &page)
}

pub struct FlowRow {
    pub src: String,
    pub dst: String,
    pub protocol: String,
    pub packets: String,
    pub operations: String,
    pub changing: bool,
    pub last_seen: String,
}

pub(super) fn flow_row(tr: &super::i18n::Tr, f: &StoredFlow) -> FlowRow {
    FlowRow {
        src: f.src.clone(),
        dst: f.dst.clone(),
        protocol: protocol_label(&f.protocol),
        packets: tr.num(f.packets),
        operations: super::asset_sentences::operations(*tr, &f.operations),
        changing: f
            .operations
            .iter()
            .any(|op| CHANGING.contains(&op.as_str())),
        last_seen: tr.datetime(&f.last_seen),
    }
}

#[derive(Template)]
#[template(path = "asset.html")]
struct AssetPage {
    shell: Shell,
    asset: AssetRow,
    names: String,
    serial: String,
    product_name: String,
    sensors: String,
    first_seen: String,
    packets: String,
    flows: Vec<FlowRow>,
    events: Vec<EventRow>,
    /// The asset's vulnerabilities (named `rows` for the shared table).
    rows: Vec<super::vulnerabilities::VulnerabilityRow>,
    /// Processes relying on it: link and label.
    stake_processes: Vec<(String, String)>,
    /// Risks going through it: link, label and level.
    stake_risks: Vec<(String, String, Option<super::risks::LevelBadge>)>,
    /// Suppliers reaching the asset: link, name, tier.
    stake_suppliers: Vec<(String, String, String)>,
}

pub async fn asset_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: hygeia_store::StoreError| PageError::new(tr, e.into());
    auth.principal
        .require(Permission::AssetRead)
        .map_err(|e| PageError::new(tr, e.into()))?;
    let asset = state.store.asset(&id).await.map_err(fail)?;
    if !auth.principal.scope.contains(&asset.entity_id) {
        return Err(PageError::new(
            tr,
            crate::error::ApiError::NotFound(format!("asset '{id}' was not found")),
        ));
    }
    let scope = &auth.principal.scope;
    let mut flows = Vec::new();
    for ip in &asset.ips {
        let page = state
            .store
            .list_flows(
                scope,
                Some(&asset.entity_id),
                Some(ip),
                PageRequest::new(Some(200), None),
                None,
            )
            .await
            .map_err(fail)?;
        flows.extend(page.items.iter().map(|f| flow_row(&tr, f)));
    }
    let events = state
        .store
        .list_asset_events(
            scope,
            Some(&asset.entity_id),
            None,
            PageRequest::new(Some(200), None),
            None,
        )
        .await
        .map_err(fail)?
        .items
        .into_iter()
        .filter(|e| {
            e.subject == asset.asset_key
                || asset.ips.iter().any(|ip| e.subject.contains(ip.as_str()))
        })
        .take(30)
        .map(|e| EventRow::new(tr, e))
        .collect();
    let vulnerabilities = super::vulnerabilities::rows_of_asset(&state, &auth, &asset.id)
        .await
        .map_err(fail)?;
    // What is at stake on it, for those who may read the risk register.
    let stakes = if auth.principal.require(Permission::RiskRead).is_ok()
        || auth.principal.require(Permission::SupplierRead).is_ok()
    {
        Some(state.store.asset_stakes(&asset.id).await.map_err(fail)?)
    } else {
        None
    };
    // The suppliers that reach it, for those who may read the supplier register.
    let stake_suppliers: Vec<(String, String, String)> = match &stakes {
        Some(stakes) if auth.principal.require(Permission::SupplierRead).is_ok() => stakes
            .suppliers
            .iter()
            .map(|s| {
                (
                    format!("/suppliers/{}", s.id),
                    s.name.clone(),
                    tr.label("suppliers.tier", &s.tier),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    let (stake_processes, stake_risks) = if let Some(stakes) = stakes
        .as_ref()
        .filter(|_| auth.principal.require(Permission::RiskRead).is_ok())
    {
        let (_, matrix) = state.store.risk_matrix().await.map_err(fail)?;
        (
            stakes
                .processes
                .iter()
                .map(|p| (format!("/risks/processes/{}", p.id), p.name.clone()))
                .collect(),
            stakes
                .risks
                .iter()
                .map(|r| {
                    (
                        format!("/risks/{}", r.id),
                        format!("{} — {}", r.reference, r.title),
                        super::risks::badge(tr, &matrix, r.level.as_deref()),
                    )
                })
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let shown = row(&tr, &asset);
    let shell = Shell::new(
        &state,
        &auth,
        Area::Assets,
        shown.name.clone(),
        vec![
            Crumb::link(tr.t("nav.assets"), "/assets"),
            Crumb::here(shown.name.clone()),
        ],
        Some(&asset.entity_id),
    )
    .await?;
    let page = AssetPage {
        names: asset.names.join(", "),
        serial: asset.serial.clone().unwrap_or_default(),
        product_name: asset.product_name.clone().unwrap_or_default(),
        sensors: asset.sensors.join(", "),
        first_seen: tr.datetime(&asset.first_seen),
        packets: tr.num(asset.packets),
        asset: shown,
        flows,
        events,
        rows: vulnerabilities,
        stake_processes,
        stake_risks,
        stake_suppliers,
        shell,
    };
    render(tr, &page)
}
