//! Storage behaviour, run on SQLite and (when configured) PostgreSQL alike. One test binary;
//! the shared helpers live here, the cases in the modules below.

mod access;
mod checks;
mod compliance;
mod entity_profile;
mod governance;
mod incidents;
mod inventory;
mod jobs;
mod map;
mod monitoring;
mod plans;
mod platform;
mod registrations;
mod risk_paths;
mod risk_plans;
mod risk_processes;
mod risks;
mod security_keys;
mod sso;
mod supplier_disclosures;
mod supplier_questionnaires;
mod suppliers;
mod vulnerabilities;

use std::collections::BTreeSet;
use std::sync::Arc;

use hygeia_domain::access::{EntityScope, Role};
use hygeia_domain::org::{EntityInput, SiteInput, SiteKind};
use hygeia_store::testing::{self, test_clock};
use hygeia_store::{Actor, AuditFilter, EntityFilter, NewUser, PageRequest, Store, StoreError};
use sqlx::Executor;

fn entity(name: &str) -> EntityInput {
    EntityInput {
        name: name.into(),
        country: "FR".into(),
        entity_type: "basic_pharmaceutical_manufacturing".into(),
        employees: 820,
        annual_turnover_eur: Some(210_000_000),
        balance_sheet_eur: Some(160_000_000),
        parent_entity_id: None,
        registration_number: None,
        other_activities: vec![],
        designation: "none".into(),
        cer_critical_entity: false,
        nis1_operator_of_essential_services: false,
        local_public_administration: false,
        public_body: false,
        group_worldwide_turnover_eur: None,
    }
}

/// The default idle timeout of sessions.
const IDLE: chrono::Duration = chrono::Duration::minutes(30);

/// A full-scope token of `user_id` with the given hash.
fn token_for<'a>(
    user_id: &'a str,
    name: &'a str,
    hash: &'a str,
    expires_at: Option<&'a str>,
) -> hygeia_store::NewToken<'a> {
    hygeia_store::NewToken {
        expires_at,
        ..hygeia_store::NewToken::full(user_id, name, hash, "hyg_abcd")
    }
}

/// A session of `user_id` opened from 192.0.2.10.
fn session_for<'a>(
    user_id: &'a str,
    id_hash: &'a str,
    expires_at: &'a str,
) -> hygeia_store::NewSession<'a> {
    hygeia_store::NewSession {
        user_id,
        id_hash,
        csrf_token: "csrf",
        expires_at,
        source: "192.0.2.10",
        user_agent: "test",
        replaces: None,
        mfa: false,
    }
}

fn any_type(_: &str) -> bool {
    true
}

fn admin_actor() -> Actor {
    Actor {
        user_id: Some("admin".into()),
        label: "ciso@example.org".into(),
        source: "192.0.2.10".into(),
        request_id: Some("req-1".into()),
    }
}

async fn seeded(store: &Store) -> String {
    store
        .ensure_organisation(&Actor::system(), "Groupe Exemple")
        .await
        .map(|o| o.id)
        .unwrap_or_else(|e| panic!("organisation: {e}"))
}

/// A PLC (`plc-1`) seen by a sensor of `entity_id`: its asset id.
async fn observed_plc(store: &Store, entity_id: &str) -> String {
    let report: hygeia_store::monitoring::ObservedReport =
        serde_json::from_value(serde_json::json!({"assets": [
            {"id": "plc-1", "ips": ["10.1.0.5"], "names": ["PLC-1"], "roles": ["plc"],
             "protocols": ["s7comm"], "first_seen": "2026-03-01T08:00:00Z",
             "last_seen": "2026-03-01T09:00:00Z"}]}))
        .unwrap();
    store
        .ingest_observations(&admin_actor(), entity_id, "s1", &report)
        .await
        .unwrap();
    let filter = hygeia_store::monitoring::AssetFilter {
        entity_id: Some(entity_id.to_owned()),
        ..Default::default()
    };
    store
        .list_assets(&EntityScope::All, &filter, PageRequest::new(Some(5), None))
        .await
        .unwrap()
        .items[0]
        .id
        .clone()
}
