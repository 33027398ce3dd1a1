//! The dashboard's governance tile (Art. 20): entities whose measures await the management
//! body's approval, trainings to renew, policies due for review, each leading to the
//! governance page.

use hygeia_store::governance::GovernanceOverview;

use super::compliance::ComplianceFigure;
use crate::ui::i18n::Tr;

pub fn tile(tr: Tr, overview: &GovernanceOverview, only: Option<&str>) -> Vec<ComplianceFigure> {
    let href = match only {
        Some(entity) => format!("/governance?entity={}", crate::ui::url_encode(entity)),
        None => "/governance".to_owned(),
    };
    let figure = |id, key: &str, value: i64, anchor: &str| ComplianceFigure {
        id,
        label: tr.t(&format!("governance.fig.{key}")).to_owned(),
        value: tr.num(value),
        href: format!("{href}{anchor}"),
    };
    vec![
        figure(
            "fig-governance-measures",
            "measures_due",
            overview.measures_due,
            "#standing-h",
        ),
        figure(
            "fig-governance-training",
            "trainings_to_renew",
            overview.trainings_to_renew,
            "#training-h",
        ),
        figure(
            "fig-governance-policies",
            "policies_review_due",
            overview.policies_review_due,
            "#policies-h",
        ),
    ]
}
