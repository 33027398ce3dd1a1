//! The dashboard's incident tile: ongoing incidents, those with a report past its deadline,
//! and the next deadline with the time left.

use hygeia_store::incidents::IncidentOverview;

use crate::ui::i18n::Tr;
use crate::ui::incidents::{Shown, remaining, shown};

/// The tile as shown.
pub struct IncidentTile {
    pub ongoing: String,
    pub overdue: String,
    pub any_overdue: bool,
    /// Link, "reference — title", time and time left.
    pub next: Option<(String, String, Shown, String)>,
    /// The list of the same scope.
    pub href: String,
}

pub fn tile(
    tr: Tr,
    overview: &IncidentOverview,
    zone: chrono_tz::Tz,
    only: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> IncidentTile {
    let entity = only.map_or_else(String::new, |id| {
        format!("entity_id={}&", crate::ui::url_encode(id))
    });
    IncidentTile {
        ongoing: tr.tf(
            "incidents.tile_open",
            &[("count", &tr.num(overview.ongoing))],
        ),
        overdue: tr.tf(
            "incidents.tile_overdue",
            &[("count", &tr.num(overview.overdue))],
        ),
        any_overdue: overview.overdue > 0,
        next: overview.next.as_ref().and_then(|i| {
            let due = i.next_due_at.as_deref()?;
            Some((
                format!("/incidents/{}", i.id),
                format!("{} — {}", i.reference, i.title),
                shown(tr, zone, due),
                remaining(tr, due, now),
            ))
        }),
        href: format!("/incidents?{entity}status=ongoing"),
    }
}
