//! The dashboard's monitoring figures: assets (OT and IT), zone and conduit findings and the
//! inventory's change events of the last 7 days, counted in the database.

use hygeia_monitor::Protocol;
use hygeia_store::MonitoringCounts;

use super::compliance::ComplianceFigure;
use crate::ui::i18n::Tr;

/// An asset is OT when one of its protocols is an industrial control protocol.
fn is_ot(protocols: &[String]) -> bool {
    protocols
        .iter()
        .any(|p| Protocol::parse(p).is_some_and(|p| p.is_ot()))
}

/// The figures, linking to the inventory and the findings (of `only`, the entity the
/// switcher chose, if any).
pub(super) fn figures(
    tr: Tr,
    counts: &MonitoringCounts,
    only: Option<&str>,
) -> Vec<ComplianceFigure> {
    let (mut ot, mut other) = (0i64, 0i64);
    for (protocols, n) in &counts.assets_by_protocols {
        if is_ot(protocols) {
            ot += n;
        } else {
            other += n;
        }
    }
    let figure = |id, key: &str, value: i64, href: &str| ComplianceFigure {
        id,
        label: tr.t(&format!("dashboard_monitoring.{key}")).to_owned(),
        value: tr.num(value),
        href: match only {
            Some(entity) => format!("{href}?entity={}", crate::ui::url_encode(entity)),
            None => href.to_owned(),
        },
    };
    vec![
        figure("fig-assets", "assets", ot + other, "/assets"),
        figure("fig-ot-assets", "ot_assets", ot, "/assets"),
        figure("fig-it-assets", "it_assets", other, "/assets"),
        figure(
            "fig-findings",
            "findings",
            counts.findings,
            "/assets/findings",
        ),
        figure("fig-events", "events_7d", counts.events_since, "/assets"),
        ComplianceFigure {
            href: with_entity("/vulnerabilities?kev=1", only),
            ..figure("fig-kev", "kev_to_handle", counts.kev_to_handle, "")
        },
        ComplianceFigure {
            href: with_entity("/vulnerabilities?plan=overdue&view=all", only),
            ..figure(
                "fig-plans-overdue",
                "plans_overdue",
                counts.plans_overdue,
                "",
            )
        },
    ]
}

/// `href` (which has a query already) narrowed to the switcher's entity.
fn with_entity(href: &str, only: Option<&str>) -> String {
    match only {
        Some(entity) => format!("{href}&entity={}", crate::ui::url_encode(entity)),
        None => href.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn industrial_protocols_make_an_asset_ot() {
        assert!(is_ot(&["http".to_owned(), "modbus".to_owned()]));
        assert!(!is_ot(&["http".to_owned(), "dicom".to_owned()]));
        assert!(!is_ot(&[]));
    }
}
