//! Supply-chain security (issue 15; NIS2 Art. 21(2)(d) and 21(3), Implementing Regulation
//! 2024/2690 section 5): suppliers of an entity, how critical each is ([`criticality`]) and
//! what threat it brings into the ecosystem ([`ecosystem`]), their certifications
//! ([`certifications`]), the security clauses of their contracts ([`contracts`]), and the
//! security disclosures of medical device makers ([`mds2`]).

pub mod certifications;
pub mod contracts;
pub mod criticality;
pub mod ecosystem;
pub mod mds2;
pub mod portal;
pub mod questionnaire;
pub mod register;
