//! Storage behaviour, run on SQLite and (when configured) PostgreSQL alike. One test binary;
//! the shared helpers live here, the cases in the modules below.

mod compliance;
mod monitoring;
mod platform;

use std::collections::BTreeSet;

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
        annual_turnover_eur: 210_000_000,
        balance_sheet_eur: 160_000_000,
        parent_entity_id: None,
        registration_number: None,
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
