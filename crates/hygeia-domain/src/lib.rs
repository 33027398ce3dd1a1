//! Hygeia's pure domain core: the organisation model, roles and permissions, NIS2 applicability
//! and the audit-chain arithmetic.
//!
//! This crate owns rules, not I/O: it must not depend on a database, a web framework, the file
//! system or the clock (time is passed in through [`clock::Clock`]). Every other Hygeia crate
//! depends on it; it depends on none of them.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod access;
pub mod audit;
pub mod audit_export;
pub mod checks;
pub mod clock;
pub mod governance;
pub mod incidents;
pub mod jobs;
pub mod legal_ref;
pub mod mfa;
pub mod nis2;
pub mod org;
pub mod password_policy;
pub mod risks;
pub mod suppliers;
pub mod throttle;
pub mod validation;
pub mod vulnerabilities;
