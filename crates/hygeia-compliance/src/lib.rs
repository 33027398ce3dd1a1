//! Hygeia's compliance rules: assessment results, reuse of one framework's results for another
//! (ISO/IEC 27001 → NIS2) with provenance, pair reviews, the remaining-gap view and scores.
//!
//! This crate owns the result values and their validation ([`ResultValue`], [`SourceResult`]),
//! the reuse engine ([`Reuse`], producing a [`ReuseView`] of [`Derived`] results with their
//! [`Provenance`]), the conservative reuse [`Rule`]s documented in `docs/reuse-rules.md`,
//! accepting or overriding a derived result ([`accept_derived`], [`override_derived`]),
//! crosswalk [`PairReview`]s, the [`GapView`] with suggested controls (from
//! `data/suggestions.tsv`, written in our own words) and [`Scores`].
//!
//! It is pure: plain inputs in, serializable results out. It depends only on `hygeia-catalog`,
//! `serde` and `thiserror`; it must not depend on a database, the web, the file system or the
//! clock. Storing results and reviews, authorisation and audit belong to the store and web
//! layers, which call this crate.
//!
//! ```
//! use hygeia_catalog::{Catalog, ids};
//! use hygeia_compliance::{DerivedValue, Reuse, ResultValue, SourceResult};
//!
//! let catalog = Catalog::load_embedded().unwrap();
//! let reuse = Reuse::new(&catalog, ids::ISO27001_2022, ids::NIS2_2024_2690).unwrap();
//! let results = [SourceResult::new("a.8.22", ResultValue::NonCompliant)];
//! let view = reuse.derive(&results, &[]).unwrap();
//! let segmentation = view.get("6.8.1").unwrap();
//! assert_eq!(segmentation.value, DerivedValue::NonCompliant);
//! assert!(segmentation.explanation.en.contains("A.8.22"));
//! ```

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod decision;
mod derive;
mod error;
mod explain;
mod gaps;
mod index;
mod merged;
mod result;
mod review;
mod reviewed;
mod rules;
mod score;
mod source;
mod source_assessment;
mod suggestions;

pub use decision::{
    DecidedResult, DecisionError, ResultOrigin, accept_all_derived, accept_derived,
    override_derived,
};
pub use derive::{Contribution, Derived, DerivedCounts, Provenance, Reuse, ReuseView};
pub use error::{ComplianceError, ResultError, ReviewError};
pub use gaps::{Gap, GapCounts, GapKind, GapView, LetterGaps, gap_view};
pub use index::Reach;
pub use merged::{
    DerivedOutcome, Merged, MergedCounts, MergedOrigin, MergedResult, merge, merge_view,
};
pub use result::{ResultValue, SourceResult, validate_results};
pub use review::{PairReview, ReviewDecision, ReviewState, Reviews};
pub use reviewed::{ConfirmedDeltas, ReviewedCoverage};
pub use rules::{DerivedValue, Evidence, Rule, conclude, covers};
pub use score::{LetterScore, Score, Scores, score_results, score_view};
pub use source::{GroupResult, ValueCounts};
pub use source_assessment::{SourceAssessment, SourceCaveat};
pub use suggestions::{
    EMBEDDED_SUGGESTIONS, Suggestion, SuggestionBasis, Suggestions, SuggestionsError,
};
