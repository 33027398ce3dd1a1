//! # hygeia-advisories: vulnerabilities of the inventory, offline
//!
//! This crate owns the pure matching core of Hygeia's vulnerability view: it reads CSAF 2.0
//! advisories (one JSON file, a provider folder, or a `.tar.gz` bundle such as CISA's ICS
//! advisories) and CISA's Known Exploited Vulnerabilities catalog from files ([`Feed`]), and
//! matches them against the identities of discovered OT, medical and IT assets
//! ([`AdvisoryIndex::match_asset`]), saying for each advisory whether the asset is affected,
//! possibly affected, fixed, not affected or unknown, on what basis, with CVEs, CVSS, KEV and
//! ransomware flags and the remediations that apply.
//!
//! Plants are air-gapped: feeds arrive as files and nothing here opens a connection. The crate
//! must not depend on other Hygeia crates, on a database or on the web stack; the CLI and the
//! hub build [`AssetIdentity`] values from the monitor's assets and store or show the
//! [`Match`]es.
//!
//! ```no_run
//! use hygeia_advisories::{AdvisoryIndex, AssetIdentity, Feed};
//! # fn main() -> Result<(), hygeia_advisories::Error> {
//! let feed = Feed::read_all(&["cisa-csaf.tar.gz", "known_exploited_vulnerabilities.json"])?;
//! assert!(feed.is_complete(), "refused: {:?}", feed.refused);
//! let index = AdvisoryIndex::new(feed.advisories, feed.kev);
//! let plc = AssetIdentity {
//!     vendor: Some("Siemens".into()),
//!     model: Some("6ES7 315-2EH14-0AB0".into()),
//!     firmware: Some("V3.2.6".into()),
//!     ..AssetIdentity::default()
//! };
//! for m in index.match_asset(&plc) {
//!     println!("{} {} {:?} kev={}", m.tracking_id, m.status.as_str(), m.basis, m.kev);
//! }
//! # Ok(())
//! # }
//! ```

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![warn(missing_docs)]

pub mod csaf;
pub mod error;
pub mod feed;
pub mod identity;
mod index;
pub mod kev;
mod links;
pub mod matching;
pub mod range;
mod tree;
pub mod version;

pub use csaf::{
    Advisory, Cvss, Product, ProductStatus, Remediation, Revision, Score, Vulnerability,
};
pub use error::Error;
pub use feed::{Feed, Refusal, Skipped, Superseded};
pub use index::AdvisoryIndex;
pub use kev::{KevCatalog, KevEntry};
pub use matching::{
    AssetIdentity, Basis, Match, MatchStatus, MatchedProduct, RemediationRef, product_name,
};
pub use range::{Constraint, Op, Verdict, VersionRange};
pub use version::Version;

/// Whose data advisories and the KEV catalog are, said wherever they are shown (pages, exports,
/// the command line).
pub const CREDIT: &str = "Advisories: CSAF documents of their publishers (CISA's ICS advisories \
                          are US Government works, public domain); known exploited \
                          vulnerabilities: CISA's KEV catalog (CC0 1.0).";
