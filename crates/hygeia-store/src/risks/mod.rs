//! The risk register stored (issue 14): risks of an entity with their three ratings on the
//! organisation's matrix ([`matrix`]), their treatment and acceptance, the requirements and
//! supporting assets they relate to ([`supporting`]), what is at stake ([`processes`]), the controls already in place ([`controls`]), how it comes about ([`paths`]), their treatment plan ([`plan`]), the heat
//! map of a stage and the register in figures ([`overview`]), and changes to many risks at
//! once ([`bulk`]). Every change is audited and scoped to the entities
//! the user may see; a risk is checked whole against the matrix in force inside the
//! transaction that stores it.

mod bulk;
mod controls;
mod matrix;
mod overview;
mod paths;
mod plan;
mod processes;
mod register;
pub(crate) mod supporting;

pub use bulk::{BulkRiskChange, BulkRiskOutcome, MAX_BULK_RISKS};
pub use controls::LinkedControl;
pub use matrix::{MatrixChange, MatrixVersion};
pub use overview::{LevelCount, RegisterGap, RiskOverview};
pub use paths::{PathStep, PathSupplier, RiskPath};
pub use plan::RiskAction;
pub use processes::{
    DependedSupplier, LinkedProcess, Process, ProcessChoice, ProcessSite, ProcessSummary,
    ThreateningRisk,
};
pub use register::{
    HeatCell, RequirementLink, Risk, RiskFilter, RiskLinks, RiskStage, RiskSummary, StoredRating,
};
pub use supporting::{LinkedAsset, MAX_SUPPORTING_ASSETS, zones_of};
