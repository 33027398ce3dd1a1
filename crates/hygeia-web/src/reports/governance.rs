//! The governance part of the management body's report: who sits on the body, its last
//! approval of the risk-management measures, the training of its members (Art. 20(2)) and the
//! policies with their reviews and acknowledgements.

use hygeia_domain::access::Principal;

use crate::AppState;
use crate::error::ApiResult;
use crate::ui::i18n::Tr;

/// The section, from the entity's governance records.
pub(super) async fn section(
    state: &AppState,
    principal: &Principal,
    entity_id: &str,
    tr: Tr,
) -> ApiResult<hygeia_pdf::Section> {
    let g = state.store.governance(&principal.scope, entity_id).await?;
    let s = &g.status;
    let mut lines = Vec::new();
    lines.push(match (&s.measures_approved_on, &s.measures_signatory) {
        (Some(day), Some(who)) => tr.tf(
            "board_report.measures_approved",
            &[
                ("date", &tr.date(day)),
                ("who", who),
                ("version", s.measures_version.as_deref().unwrap_or_default()),
            ],
        ),
        _ => tr.t("board_report.measures_never").to_owned(),
    });
    if s.measures_renewal_due && s.measures_approved_on.is_some() {
        lines.push(tr.t("board_report.measures_due").to_owned());
    }
    lines.push(String::new());
    let sitting: Vec<String> = g
        .members
        .iter()
        .filter(|m| m.sitting)
        .map(|m| format!("{} ({})", m.name, m.title))
        .collect();
    lines.push(if sitting.is_empty() {
        tr.t("board_report.no_members").to_owned()
    } else {
        tr.tf("board_report.members", &[("members", &sitting.join(", "))])
    });
    lines.push(tr.tf(
        "board_report.training",
        &[
            ("trained", &tr.num(s.members_trained)),
            ("sitting", &tr.num(s.members_sitting)),
        ],
    ));
    if !s.members_untrained.is_empty() {
        lines.push(tr.tf(
            "board_report.untrained",
            &[("names", &s.members_untrained.join(", "))],
        ));
    }
    for t in &s.trainings_to_renew {
        lines.push(tr.tf(
            "board_report.renew",
            &[
                ("person", &t.person_name),
                ("course", &t.course),
                ("state", &tr.label("governance.training_state", &t.state)),
                (
                    "date",
                    &tr.date(t.valid_until.as_deref().unwrap_or_default()),
                ),
            ],
        ));
    }
    lines.push(String::new());
    lines.push(tr.tf(
        "board_report.policies",
        &[
            ("published", &tr.num(s.policies_published)),
            ("pending", &tr.num(s.policies_pending)),
            ("due", &tr.num(s.policies_review_due)),
            ("missing", &tr.num(s.acknowledgements_missing)),
        ],
    ));
    for p in &g.policies {
        let state = match p.published_version {
            Some(v) => tr.tf(
                "board_report.policy_in_force",
                &[
                    ("version", &v.to_string()),
                    ("done", &tr.num(p.acknowledged)),
                    ("all", &tr.num(p.audience)),
                ],
            ),
            None => tr.label("governance.policy_state", &p.latest_state),
        };
        let due = if p.review_due {
            format!(" — {}", tr.t("governance.review_due"))
        } else {
            String::new()
        };
        lines.push(format!("{}: {state}{due}", p.title));
    }
    Ok(hygeia_pdf::Section {
        label: tr.t("board_report.governance").to_owned(),
        text: lines.join("\n"),
        table: None,
    })
}
