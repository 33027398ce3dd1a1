//! The risk register stored (issue 14): risks of an entity with their three ratings on the
//! organisation's matrix ([`matrix`]), their treatment and acceptance, the requirements they
//! relate to, and the heat map of a stage. Every change is audited and scoped to the entities
//! the user may see; a risk is checked whole against the matrix in force inside the
//! transaction that stores it.

mod matrix;
mod register;

pub use matrix::MatrixChange;
pub use register::{
    HeatCell, RequirementLink, Risk, RiskFilter, RiskLinks, RiskStage, RiskSummary, StoredRating,
};
