//! The dashboard's risk section: the register in figures (per level, to rate, reviews due,
//! acceptances ending or expired, overdue treatment actions) and the most severe risks.

use hygeia_domain::risks::matrix::RiskMatrix;
use hygeia_store::risks::{RiskOverview, RiskSummary};

use super::compliance::ComplianceFigure;
use crate::ui::i18n::Tr;
use crate::ui::risks::{LevelBadge, badge};

/// How many risks stand at one level.
pub struct LevelFigure {
    pub badge: Option<LevelBadge>,
    pub count: String,
}

/// One of the most severe risks.
pub struct TopRisk {
    pub href: String,
    pub label: String,
    pub level: Option<LevelBadge>,
}

/// The section as shown.
pub struct RiskSection {
    pub figures: Vec<ComplianceFigure>,
    pub levels: Vec<LevelFigure>,
    pub top: Vec<TopRisk>,
    /// The register of the same scope.
    pub href: String,
}

pub fn section(
    tr: Tr,
    matrix: &RiskMatrix,
    overview: &RiskOverview,
    top: &[RiskSummary],
    only: Option<&str>,
) -> RiskSection {
    let href = match only {
        Some(entity) => format!("/risks?entity={}", crate::ui::url_encode(entity)),
        None => "/risks".to_owned(),
    };
    let figure = |id, key: &str, value: i64| ComplianceFigure {
        id,
        label: tr.t(&format!("dashboard_risks.{key}")).to_owned(),
        value: tr.num(value),
        href: href.clone(),
    };
    // Most severe level first.
    let levels = matrix
        .levels
        .iter()
        .rev()
        .map(|level| {
            let count = overview
                .by_level
                .iter()
                .find(|c| c.level == level.id)
                .map_or(0, |c| c.risks);
            LevelFigure {
                badge: badge(tr, matrix, Some(&level.id)),
                count: tr.num(count),
            }
        })
        .collect();
    RiskSection {
        figures: vec![
            figure("fig-risks", "risks", overview.risks),
            figure("fig-risks-to-rate", "to_rate", overview.to_rate),
            figure("fig-risks-undecided", "undecided", overview.undecided),
            figure("fig-risks-review-due", "review_due", overview.review_due),
            figure(
                "fig-acceptances-ending",
                "acceptances_ending",
                overview.acceptances_ending,
            ),
            figure(
                "fig-acceptances-expired",
                "acceptances_expired",
                overview.acceptances_expired,
            ),
            figure(
                "fig-actions-overdue",
                "actions_overdue",
                overview.actions_overdue,
            ),
        ],
        levels,
        top: top
            .iter()
            .filter(|r| r.severity >= 0)
            .map(|r| TopRisk {
                href: format!("/risks/{}", r.id),
                label: format!("{} — {}", r.reference, r.title),
                level: badge(
                    tr,
                    matrix,
                    r.current_level.as_deref().or(r.inherent_level.as_deref()),
                ),
            })
            .collect(),
        href,
    }
}
