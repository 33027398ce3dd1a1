//! The dashboard's automated-checks tile: observations open (and the critical or high ones)
//! and result changes waiting for a decision, leading to the checks page.

use hygeia_store::checks::CheckOverview;

use super::compliance::ComplianceFigure;
use crate::ui::i18n::Tr;

pub fn tile(tr: Tr, overview: &CheckOverview) -> Vec<ComplianceFigure> {
    let figure = |id, key: &str, value: i64, anchor: &str| ComplianceFigure {
        id,
        label: tr.t(&format!("checks.fig.{key}")).to_owned(),
        value: tr.num(value),
        href: format!("/compliance/checks{anchor}"),
    };
    vec![
        figure(
            "fig-checks-open",
            "open",
            overview.open,
            "#observations-section",
        ),
        figure(
            "fig-checks-severe",
            "severe",
            overview.open_severe,
            "#observations-section",
        ),
        figure(
            "fig-checks-waiting",
            "waiting",
            overview.proposals_waiting,
            "#proposals-section",
        ),
    ]
}
