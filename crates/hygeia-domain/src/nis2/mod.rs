//! NIS2 applicability: entity types of Annexes I and II and the essential / important / out of
//! scope classification with its reasoning.
//!
//! Pure rules, no I/O. Entry point: [`classify`] takes an [`EntityProfile`] and returns a
//! [`Classification`] whose `steps` explain, in English and French, each rule applied with the
//! article it comes from (Directive (EU) 2022/2555 unless stated otherwise).
//!
//! ```
//! use hygeia_domain::nis2::{classify, EntityProfile, EntityType, Class};
//! let profile = EntityProfile {
//!     entity_type: "hospital".parse().unwrap(),
//!     employees: 1200,
//!     annual_turnover_eur: Some(150_000_000),
//!     ..EntityProfile::default()
//! };
//! let c = classify(&profile);
//! assert_eq!(c.classification, Class::Essential);
//! assert_eq!(c.max_fine_eur, Some(10_000_000));
//! ```

mod activities;
mod classify;
mod consequences;
mod entity_type;
mod group;
mod size;

pub use activities::{GUIDANCE, OVERLAPS, Overlap};
pub use classify::{Class, Classification, EntityProfile, FineCeiling, classify, fine_ceiling};
pub use consequences::{
    CompetentAuthority, Registration, Supervision, SupervisionRegime, competent_authority,
};
pub use entity_type::{Annex, EntityType, Sector, UnknownEntityType};
pub use group::{Figures, GroupInfo, LinkKind, RelatedEnterprise, size_figures};
pub use size::{CEILINGS, Ceiling, SizeClass, size_class};

use serde::Serialize;

/// One step of the reasoning: a stable code, the sentence in English and French, and the legal
/// reference it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Stable machine code (e.g. `size_class`, `annex_i_large`).
    pub code: String,
    pub en: String,
    pub fr: String,
    /// Article cited, e.g. "Art. 3(1)(a)".
    pub article: String,
}

impl Step {
    pub(crate) fn new(
        code: &str,
        en: impl Into<String>,
        fr: impl Into<String>,
        article: &str,
    ) -> Self {
        Self {
            code: code.to_owned(),
            en: en.into(),
            fr: fr.into(),
            article: article.to_owned(),
        }
    }
}
