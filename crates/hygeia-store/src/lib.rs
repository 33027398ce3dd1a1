//! Hygeia's storage: one SQL schema on two engines (embedded SQLite by default, PostgreSQL for
//! larger and multi-instance deployments), migrations, repositories and the audit trail.
//!
//! Every write runs in one transaction together with the audit record that describes it, so a
//! change and its trace are stored together or not at all. Queries are written once in portable
//! SQL with `$n` parameters and run through sqlx's `Any` driver; see `docs/adr/0002-storage.md`.
//!
//! This crate depends on the domain core only; it must not know about HTTP, templates or the CLI.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod assessments;
mod audit;
mod backup;
mod catalog_imports;
pub mod checks;
mod database;
mod entity_group;
mod error;
mod files;
pub mod governance;
pub mod incidents;
pub mod jobs;
mod keyset;
pub mod monitoring;
mod orgs;
mod paging;
pub mod registrations;
pub mod risks;
pub mod search;
mod second_factor;
pub mod secrets;
mod security_keys;
mod sessions;
mod sql;
mod sso;
pub mod suppliers;
mod ui_queries;
mod users;
pub mod vulnerabilities;

#[cfg(feature = "testing")]
pub mod testing;

pub use audit::{AuditAnchor, AuditFilter, AuditWindow, ChainReport};
pub use backup::{backup_sqlite, restore_sqlite};
pub use catalog_imports::CatalogImport;
pub use database::{Backend, DatabaseUrl, Store};
pub use entity_group::{GroupLink, group_input, nis2_profile};
pub use error::StoreError;
pub use orgs::EntityFilter;
pub use orgs::{Entity, Organisation, Site};
pub use paging::{Page, PageRequest};
pub use second_factor::{FactorUsed, MAX_CODE_ATTEMPTS, PendingSignIn, SecondFactorStatus};
pub use security_keys::{
    Ceremony, MAX_SECURITY_KEYS, NewSecurityKey, SecurityKey, SecurityKeyCredential,
};
pub use sessions::{CheckReservation, NewSession, ReservedCheck, SessionInfo, SessionRecord};
pub use sso::{SsoFlow, SsoLinked, SsoProvider, SsoProviderInput, SsoRule};
pub use ui_queries::{AuditFacets, MonitoringCounts};
pub use users::{
    ApiToken, EntityMember, NewToken, NewUser, TokenOwner, User, UserUpdate, normalise_email,
};

pub use hygeia_domain::audit::AuditRecord;

/// Who performs a change and from where: copied into every audit record it causes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<String>,
    /// E-mail address of the user, or `system` / `cli`.
    pub label: String,
    /// Client IP address, or `cli`.
    pub source: String,
    pub request_id: Option<String>,
}

impl Actor {
    /// Hygeia itself (start-up, demo data).
    pub fn system() -> Self {
        Self {
            user_id: None,
            label: "system".into(),
            source: "local".into(),
            request_id: None,
        }
    }

    /// An operator at the command line, who is trusted as the machine's administrator.
    pub fn cli() -> Self {
        Self {
            user_id: None,
            label: "cli".into(),
            source: "cli".into(),
            request_id: None,
        }
    }
}

/// A fresh, time-ordered identifier (UUID v7) as text.
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
