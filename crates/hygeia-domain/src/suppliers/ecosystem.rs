//! The threat a supplier brings into the entity's ecosystem, after EBIOS RM's workshop 3:
//! (dependency × penetration) / (maturity × trust), each rated 1–4. A high dependency and a
//! deep access (penetration) raise the threat; a mature supplier one trusts lowers it.
//!
//! The three zones and their thresholds are Hygeia's defaults, stated on the supplier page:
//! danger from 2.5 (act: contract clauses, audit, fewer accesses), control from 1 (follow
//! up), watch below 1.

use serde::{Deserialize, Serialize};

/// The 1–4 scale of each rating.
pub const ECOSYSTEM_SCALE: (u8, u8) = (1, 4);
/// Threat from which a supplier is in the danger zone.
pub const DANGER_FROM: f64 = 2.5;
/// Threat from which a supplier is in the control zone (below: watch).
pub const CONTROL_FROM: f64 = 1.0;

/// The ratings of a supplier as a stakeholder of the ecosystem (dependency is the tier
/// questionnaire's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EcosystemRating {
    /// 1 marginal … 4 essential.
    pub dependency: u8,
    /// How far it reaches into the systems: 1 none, 2 office IT, 3 privileged or critical
    /// systems, 4 OT or health data, permanently.
    pub penetration: u8,
    /// Its security maturity: 1 unknown or weak … 4 certified and proven.
    pub maturity: u8,
    /// The trust the entity places in it (history, transparency): 1 low … 4 high.
    pub trust: u8,
}

/// Where a supplier stands on the ecosystem map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ThreatZone {
    Danger,
    Control,
    Watch,
}

impl ThreatZone {
    pub fn as_str(self) -> &'static str {
        match self {
            ThreatZone::Danger => "danger",
            ThreatZone::Control => "control",
            ThreatZone::Watch => "watch",
        }
    }
}

impl EcosystemRating {
    /// Whether every rating is on the 1–4 scale.
    pub fn in_scale(&self) -> bool {
        [self.dependency, self.penetration, self.maturity, self.trust]
            .iter()
            .all(|r| (ECOSYSTEM_SCALE.0..=ECOSYSTEM_SCALE.1).contains(r))
    }

    /// (dependency × penetration) / (maturity × trust), from 1/16 to 16.
    pub fn threat(&self) -> f64 {
        let exposure = f64::from(self.dependency) * f64::from(self.penetration);
        let reliability = f64::from(self.maturity.max(1)) * f64::from(self.trust.max(1));
        exposure / reliability
    }

    pub fn zone(&self) -> ThreatZone {
        let threat = self.threat();
        if threat >= DANGER_FROM {
            ThreatZone::Danger
        } else if threat >= CONTROL_FROM {
            ThreatZone::Control
        } else {
            ThreatZone::Watch
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(dependency: u8, penetration: u8, maturity: u8, trust: u8) -> EcosystemRating {
        EcosystemRating {
            dependency,
            penetration,
            maturity,
            trust,
        }
    }

    #[test]
    fn threat_is_exposure_over_reliability_in_three_zones() {
        let integrator = rating(3, 4, 2, 2);
        assert!((integrator.threat() - 3.0).abs() < f64::EPSILON);
        assert_eq!(integrator.zone(), ThreatZone::Danger);
        let certified_host = rating(4, 4, 4, 3);
        assert!((certified_host.threat() - 16.0 / 12.0).abs() < 1e-9);
        assert_eq!(certified_host.zone(), ThreatZone::Control);
        let courier = rating(2, 1, 2, 3);
        assert_eq!(courier.zone(), ThreatZone::Watch);
        assert!((rating(4, 4, 1, 1).threat() - 16.0).abs() < f64::EPSILON);
        assert!((rating(1, 1, 4, 4).threat() - 1.0 / 16.0).abs() < f64::EPSILON);
        assert!(!rating(0, 1, 1, 1).in_scale());
        assert!(!rating(1, 1, 5, 1).in_scale());
        assert_eq!(
            rating(2, 2, 2, 2).zone(),
            ThreatZone::Control,
            "1 is control"
        );
        assert_eq!(
            rating(5, 1, 2, 1).zone(),
            ThreatZone::Danger,
            "2.5 is danger"
        );
    }
}
