//! How critical a supplier is: a short documented questionnaire (access to OT, access to
//! health data, dependency, substitutability, concentration) turned into a tier with the
//! reasoning shown, and the tier into the depth of the assessment and the review cadence
//! (NIS2 Art. 21(2)(d) and 21(3): assess suppliers in proportion to what they can harm).
//!
//! The rule, Hygeia's own and stated on the supplier page:
//! - access to OT systems (remote maintenance, integration): 3 points;
//! - access to health data (hosting, processing, support with access): 3 points;
//! - dependency of the entity's processes on the supplier, 1–4: 0–3 points;
//! - difficulty of replacing it, 1–4: 0–3 points;
//! - concentration (one supplier behind several critical processes or entities): 1 point.
//!
//! 8 points or more make a critical supplier, 5–7 a high one, 2–4 a moderate one, fewer a
//! low one. Access to OT or to health data makes a supplier at least high; an essential
//! supplier (dependency 4) that cannot be replaced (4) is critical whatever else.

use serde::{Deserialize, Serialize};

/// The 1–4 scale of the dependency and substitutability answers.
pub const ANSWER_SCALE: (u8, u8) = (1, 4);

/// The answers of the criticality questionnaire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierAnswers {
    /// The supplier reaches OT systems (remote maintenance, integration, on-site access).
    #[serde(default)]
    pub ot_access: bool,
    /// The supplier hosts, processes or can reach health data.
    #[serde(default)]
    pub health_data: bool,
    /// How much the entity's processes depend on it: 1 marginal, 2 useful, 3 important,
    /// 4 essential (the process stops without it).
    pub dependency: u8,
    /// How hard it is to replace: 1 within days, 2 within weeks, 3 within months, 4 not
    /// replaceable (sole source, validated GMP supplier, certified device).
    pub substitutability: u8,
    /// The same supplier stands behind several critical processes or entities.
    #[serde(default)]
    pub concentration: bool,
}

/// A supplier's tier, most critical first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Critical,
    High,
    Moderate,
    Low,
}

/// How deep a supplier of a tier is assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssessmentDepth {
    /// The full questionnaire, evidence of certifications, and a right-to-audit clause used.
    FullWithAudit,
    /// The full questionnaire with evidence.
    Full,
    /// The short questionnaire.
    Short,
    /// A declaration at onboarding; no periodic questionnaire.
    Declaration,
}

impl AssessmentDepth {
    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentDepth::FullWithAudit => "full_with_audit",
            AssessmentDepth::Full => "full",
            AssessmentDepth::Short => "short",
            AssessmentDepth::Declaration => "declaration",
        }
    }
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Critical, Tier::High, Tier::Moderate, Tier::Low];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Critical => "critical",
            Tier::High => "high",
            Tier::Moderate => "moderate",
            Tier::Low => "low",
        }
    }

    pub fn parse(text: &str) -> Option<Tier> {
        Self::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// 1 (critical) to 4 (low), the order the register sorts by.
    pub fn rank(self) -> u8 {
        match self {
            Tier::Critical => 1,
            Tier::High => 2,
            Tier::Moderate => 3,
            Tier::Low => 4,
        }
    }

    /// Months between two reviews of a supplier of this tier.
    pub fn review_months(self) -> u32 {
        match self {
            Tier::Critical => 6,
            Tier::High => 12,
            Tier::Moderate => 24,
            Tier::Low => 36,
        }
    }

    /// How deep a supplier of this tier is assessed.
    pub fn depth(self) -> AssessmentDepth {
        match self {
            Tier::Critical => AssessmentDepth::FullWithAudit,
            Tier::High => AssessmentDepth::Full,
            Tier::Moderate => AssessmentDepth::Short,
            Tier::Low => AssessmentDepth::Declaration,
        }
    }
}

/// One answer's share of the tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierFactor {
    /// `ot_access`, `health_data`, `dependency`, `substitutability` or `concentration`.
    pub factor: &'static str,
    /// The answer: 0/1 for yes/no questions, 1–4 for the scales.
    pub answer: u8,
    pub points: u8,
}

/// A rule that set the tier above what the points alone give.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TierFloor {
    /// Access to OT or to health data: at least high.
    SensitiveAccess,
    /// Essential and not replaceable: critical.
    EssentialSoleSource,
}

/// The tier with its reasoning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TierAssessment {
    pub tier: Tier,
    pub points: u8,
    pub factors: Vec<TierFactor>,
    /// The rule that raised the tier, when one did.
    pub floor: Option<TierFloor>,
}

fn scale_points(answer: u8) -> u8 {
    answer.clamp(ANSWER_SCALE.0, ANSWER_SCALE.1) - 1
}

impl TierAnswers {
    /// Whether the scale answers are on the 1–4 scale (the other fields are yes/no).
    pub fn in_scale(&self) -> bool {
        [self.dependency, self.substitutability]
            .iter()
            .all(|a| (ANSWER_SCALE.0..=ANSWER_SCALE.1).contains(a))
    }

    /// The tier these answers give, with each answer's points and the rule that raised it.
    pub fn assess(&self) -> TierAssessment {
        let yes = |flag: bool, points: u8| if flag { points } else { 0 };
        let factors = vec![
            TierFactor {
                factor: "ot_access",
                answer: u8::from(self.ot_access),
                points: yes(self.ot_access, 3),
            },
            TierFactor {
                factor: "health_data",
                answer: u8::from(self.health_data),
                points: yes(self.health_data, 3),
            },
            TierFactor {
                factor: "dependency",
                answer: self.dependency,
                points: scale_points(self.dependency),
            },
            TierFactor {
                factor: "substitutability",
                answer: self.substitutability,
                points: scale_points(self.substitutability),
            },
            TierFactor {
                factor: "concentration",
                answer: u8::from(self.concentration),
                points: yes(self.concentration, 1),
            },
        ];
        let points: u8 = factors.iter().map(|f| f.points).sum();
        let by_points = match points {
            8.. => Tier::Critical,
            5..=7 => Tier::High,
            2..=4 => Tier::Moderate,
            _ => Tier::Low,
        };
        let floor = if self.dependency >= 4 && self.substitutability >= 4 {
            Some((TierFloor::EssentialSoleSource, Tier::Critical))
        } else if self.ot_access || self.health_data {
            Some((TierFloor::SensitiveAccess, Tier::High))
        } else {
            None
        }
        .filter(|(_, tier)| *tier < by_points);
        TierAssessment {
            tier: floor.map_or(by_points, |(_, tier)| tier),
            points,
            factors,
            floor: floor.map(|(rule, _)| rule),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(ot: bool, health: bool, dependency: u8, subst: u8, conc: bool) -> TierAnswers {
        TierAnswers {
            ot_access: ot,
            health_data: health,
            dependency,
            substitutability: subst,
            concentration: conc,
        }
    }

    #[test]
    fn points_give_the_tier_and_each_answer_shows_its_share() {
        let office_supplies = answers(false, false, 1, 1, false).assess();
        assert_eq!(
            (office_supplies.tier, office_supplies.points),
            (Tier::Low, 0)
        );
        let lab = answers(false, false, 3, 2, false).assess();
        assert_eq!((lab.tier, lab.points), (Tier::Moderate, 3));
        let logistics = answers(false, false, 4, 3, true).assess();
        assert_eq!((logistics.tier, logistics.points), (Tier::High, 6));
        let ehr_host = answers(false, true, 4, 3, false).assess();
        assert_eq!((ehr_host.tier, ehr_host.points), (Tier::Critical, 8));
        assert_eq!(ehr_host.floor, None);
        let shares: Vec<(&str, u8)> = ehr_host
            .factors
            .iter()
            .map(|f| (f.factor, f.points))
            .collect();
        assert_eq!(
            shares,
            [
                ("ot_access", 0),
                ("health_data", 3),
                ("dependency", 3),
                ("substitutability", 2),
                ("concentration", 0)
            ]
        );
    }

    #[test]
    fn sensitive_access_and_sole_sources_raise_the_tier() {
        let integrator = answers(true, false, 1, 1, false).assess();
        assert_eq!(integrator.points, 3);
        assert_eq!(integrator.tier, Tier::High, "OT access: at least high");
        assert_eq!(integrator.floor, Some(TierFloor::SensitiveAccess));
        let api_maker = answers(false, false, 4, 4, false).assess();
        assert_eq!(api_maker.points, 6);
        assert_eq!(api_maker.tier, Tier::Critical, "essential sole source");
        assert_eq!(api_maker.floor, Some(TierFloor::EssentialSoleSource));
        let remote_maintenance = answers(true, false, 3, 3, true).assess();
        assert_eq!(
            (remote_maintenance.tier, remote_maintenance.floor),
            (Tier::Critical, None)
        );
    }

    #[test]
    fn the_tier_sets_depth_and_cadence() {
        let cadence: Vec<u32> = Tier::ALL.iter().map(|t| t.review_months()).collect();
        assert_eq!(cadence, [6, 12, 24, 36]);
        assert_eq!(Tier::Critical.depth(), AssessmentDepth::FullWithAudit);
        assert_eq!(Tier::Low.depth(), AssessmentDepth::Declaration);
        for tier in Tier::ALL {
            assert_eq!(Tier::parse(tier.as_str()), Some(tier));
        }
        assert!(!answers(false, false, 0, 5, false).in_scale());
    }
}
