//! The dashboard's supplier tile: critical suppliers, who reaches OT, reviews overdue,
//! certificates ending or ended, contracts missing clauses and questionnaires to review,
//! each leading to the register.

use hygeia_store::suppliers::SupplierOverview;

use super::compliance::ComplianceFigure;
use crate::ui::i18n::Tr;

/// The tile as shown.
pub struct SupplierTile {
    pub figures: Vec<ComplianceFigure>,
    /// The register of the same scope.
    pub href: String,
}

pub fn tile(tr: Tr, overview: &SupplierOverview, only: Option<&str>) -> SupplierTile {
    let href = match only {
        Some(entity) => format!("/suppliers?entity={}", crate::ui::url_encode(entity)),
        None => "/suppliers".to_owned(),
    };
    let critical = overview
        .by_tier
        .iter()
        .find(|t| t.tier == "critical")
        .map_or(0, |t| t.suppliers);
    let figure = |id, key: &str, value: i64, anchor: &str| ComplianceFigure {
        id,
        label: tr.t(&format!("suppliers.fig.{key}")).to_owned(),
        value: tr.num(value),
        href: format!("{href}{anchor}"),
    };
    SupplierTile {
        figures: vec![
            figure("fig-suppliers-critical", "critical", critical, "#suppliers"),
            figure(
                "fig-suppliers-ot",
                "ot_access",
                overview.ot_access,
                "#ot-access",
            ),
            figure(
                "fig-suppliers-overdue",
                "reviews_overdue",
                overview.reviews_overdue,
                "#attention",
            ),
            figure(
                "fig-suppliers-expiring",
                "certificates_expiring",
                overview.certificates_expiring,
                "#attention",
            ),
            figure(
                "fig-suppliers-expired",
                "certificates_expired",
                overview.certificates_expired,
                "#attention",
            ),
            figure(
                "fig-suppliers-gaps",
                "with_clause_gaps",
                overview.with_clause_gaps,
                "#attention",
            ),
            figure(
                "fig-suppliers-review",
                "questionnaires_to_review",
                overview.questionnaires_to_review,
                "#attention",
            ),
        ],
        href,
    }
}
