//! The supplier register stored (issue 15): suppliers of an entity with their criticality
//! answers, tier and ecosystem threat ([`register`]), the processes, sites and assets they
//! touch ([`links`]), their certifications ([`certifications`]) and the security clauses of
//! their contracts ([`contracts`]), what depends on them ([`exposure`]), the questionnaires
//! sent to them ([`questionnaires`]), answered through the portal ([`portal`]) and reviewed
//! ([`reviews`]), and medical device makers' MDS2 disclosures ([`disclosures`]). Every change is
//! audited in its transaction and scoped to the entities the user may see (a supplier
//! elsewhere is not found).

mod certifications;
mod changes;
mod contracts;
mod disclosures;
mod exposure;
mod links;
mod portal;
mod questionnaires;
mod register;
mod reviews;
mod templates;

pub use certifications::Certification;
pub use contracts::{Clause, Contract};
pub use disclosures::{DeviceDisclosure, DisclosureSummary};
pub use exposure::{
    RemoteAccessHolder, SupplierAlert, SupplierExposure, SupplierOverview, TierCount,
};
pub use links::{LinkedSite, SupplierIncident, SupplierLinks, SupplyingProcess};
pub use portal::{PortalQuestionnaire, PortalResult};
pub use questionnaires::{Answer, AnswerEvidence, FollowUp, Questionnaire, QuestionnaireSummary};
pub use register::{
    Contact, Ecosystem, IntFlag, Subcontractor, Supplier, SupplierFilter, SupplierSummary,
};
pub use reviews::{FollowUpInput, ReviewInput, ReviewScore};
