//! Risk management (issue 14): what a risk is rated on and how a rating becomes a level.
//!
//! A risk is rated on a likelihood scale and, per impact dimension, on an impact scale; its
//! impact is the worst of its dimensions, and the [`matrix::RiskMatrix`] of the organisation
//! turns a (likelihood, impact) pair into a level. The matrix is data: shipped as a 5×5 default,
//! replaceable by a custom one, checked before it is used.

pub mod matrix;
pub mod paths;
pub mod plan;
pub mod processes;
pub mod rating;
pub mod register;
pub mod treatment;

use serde::{Deserialize, Serialize};

/// What a risk can harm, as health and pharmaceutical organisations weigh it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImpactDimension {
    /// Harm to patients (care delayed or wrong, a device misbehaving).
    PatientSafety,
    /// A plant, a laboratory or a hospital service stopped.
    ProductionContinuity,
    /// A batch or a product out of its specification (GMP).
    ProductQuality,
    /// Health data, formulas or trial data disclosed.
    Confidentiality,
    /// Obligations breached (NIS2, GDPR, GMP, health authorities).
    Regulatory,
    /// Money lost.
    Financial,
}

impl ImpactDimension {
    pub const ALL: [ImpactDimension; 6] = [
        ImpactDimension::PatientSafety,
        ImpactDimension::ProductionContinuity,
        ImpactDimension::ProductQuality,
        ImpactDimension::Confidentiality,
        ImpactDimension::Regulatory,
        ImpactDimension::Financial,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImpactDimension::PatientSafety => "patient_safety",
            ImpactDimension::ProductionContinuity => "production_continuity",
            ImpactDimension::ProductQuality => "product_quality",
            ImpactDimension::Confidentiality => "confidentiality",
            ImpactDimension::Regulatory => "regulatory",
            ImpactDimension::Financial => "financial",
        }
    }

    pub fn parse(text: &str) -> Option<ImpactDimension> {
        Self::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

/// The overall impact of a rating: the worst of its dimensions (`None` when none is rated).
pub fn overall_impact(impacts: impl IntoIterator<Item = u8>) -> Option<u8> {
    impacts.into_iter().max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_read_back_by_name_and_the_worst_one_is_the_impact() {
        for d in ImpactDimension::ALL {
            assert_eq!(ImpactDimension::parse(d.as_str()), Some(d));
        }
        assert_eq!(ImpactDimension::parse("reputation"), None);
        assert_eq!(overall_impact([2, 5, 3]), Some(5));
        assert_eq!(overall_impact([]), None);
    }
}
