//! The supplier register stored (issue 15): suppliers of an entity with their criticality
//! answers, tier and ecosystem threat ([`register`]), the processes, sites and assets they
//! touch ([`links`]), their certifications ([`certifications`]) and the security clauses of
//! their contracts ([`contracts`]), and what depends on them ([`exposure`]). Every change is
//! audited in its transaction and scoped to the entities the user may see (a supplier
//! elsewhere is not found).

mod certifications;
mod contracts;
mod exposure;
mod links;
mod register;

pub use certifications::Certification;
pub use contracts::{Clause, Contract};
pub use exposure::{
    RemoteAccessHolder, SupplierAlert, SupplierExposure, SupplierOverview, TierCount,
};
pub use links::{LinkedSite, SupplierLinks, SupplyingProcess};
pub use register::{Contact, Ecosystem, Subcontractor, Supplier, SupplierFilter, SupplierSummary};
