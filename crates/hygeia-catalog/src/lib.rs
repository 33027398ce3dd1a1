//! Hygeia's compliance content: framework catalogs and the crosswalks between them.
//!
//! This crate owns the catalog data format (YAML, documented in `docs/catalog-format.md`), the
//! shipped catalogs — NIS2 Directive obligations, the Annex of Implementing Regulation (EU)
//! 2024/2690, ISO/IEC 27001:2022 (identifiers and short titles only), NIST CSF 2.0, HDS 2024,
//! IEC 62443-3-3 and EU GMP Annex 11 outlines — embedded with `include_str!`, the mapping sets (ENISA, NIST and our
//! own, each with its credit), the reporting-obligation templates for incidents, the significant-incident thresholds of 2024/2690, their validation, lookups, neighbours, search and filters, user
//! framework import and OSCAL catalog export/import.
//!
//! It is pure: no I/O beyond `include_str!` of its own data; user files arrive as text with a
//! file name used in error messages. It must not depend on any Hygeia crate other than
//! `hygeia-domain` (whose incident rules the reporting obligations use), nor on a database, web framework or the clock.
//!
//! Requirement titles and descriptions are written in our own words. Standard texts are
//! copyrighted by their publishers (ISO, IEC); only identifiers and short titles are shipped.
//!
//! ```
//! let cat = hygeia_catalog::Catalog::load_embedded().unwrap();
//! let iso = cat.framework("iso27001-2022").unwrap();
//! assert_eq!(iso.by_ref("A.8.22").unwrap().title.en, "Segregation of networks");
//! ```

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod catalog;
pub mod checks;
mod coverage;
mod error;
pub mod french;
mod load;
mod model;
pub mod obligations;
pub mod oscal;
pub mod risks;
pub mod significance;
pub mod suppliers;
pub mod transposition;

pub use catalog::{Catalog, EMBEDDED_FRAMEWORKS, EMBEDDED_MAPPINGS, Filter, Hit, Neighbour};
pub use coverage::{CoverageVerdict, PointCoverage};
pub use error::{CatalogError, Issue, IssueKind};
pub use load::{parse_framework, parse_mapping};
pub use model::{
    Art21Letter, Framework, FrameworkKind, FrameworkMeta, FrameworkSummary, MappingMeta,
    MappingPair, MappingSet, MappingSummary, Relationship, Requirement, Text, TreeNode,
};

/// Tag of the requirements Hygeia adds to a shipped framework that are not part of its source
/// text (today: the Art. 21(2)(j) communications points `hyg.j.*` of the 2024/2690 framework,
/// see `docs/catalog-format.md`). Their refs start with `HYG`.
pub const SUPPLEMENT_TAG: &str = "hygeia-supplement";

/// Ids of the shipped frameworks.
pub mod ids {
    pub const NIS2_DIRECTIVE: &str = "nis2-directive";
    pub const NIS2_2024_2690: &str = "nis2-2024-2690";
    pub const ISO27001_2022: &str = "iso27001-2022";
    pub const NIST_CSF_2_0: &str = "nist-csf-2.0";
    pub const HDS_2024: &str = "hds-2024";
    pub const HDS_2024_CLIENT: &str = "hds-2024-client";
    pub const IEC62443_3_3: &str = "iec62443-3-3";
    pub const EU_GMP_ANNEX11: &str = "eu-gmp-annex11";
    pub const RECYF: &str = "recyf";
}
