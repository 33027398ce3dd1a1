//! What a run of the checks changes (issue 16): each check is read for every entity, and what
//! it finds (how many records, the first few of them) becomes an observation. An observation
//! opens when a check fails for an entity, is refreshed while it keeps failing (its records
//! and count are the latest), and closes when the check passes again. A failing check
//! proposes a result change on the requirements it informs — never sets one: a person confirms
//! or dismisses it with a reason.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How many of the records a check found an observation keeps as its provenance.
pub const RECORDS_KEPT: usize = 20;

/// One record a check found (an asset, a flow, a piece of evidence, an account…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecordRef {
    /// What it is: `asset`, `finding`, `evidence`, `user`, `incident`, `certification`,
    /// `risk` or `vulnerability_match`.
    pub kind: String,
    pub id: String,
    /// How a reader recognises it (a name, a title, an address).
    pub label: String,
}

/// What one check found for one entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    pub entity_id: String,
    pub check_id: String,
    /// How many records fail the check (0: it passes).
    pub count: u64,
    /// The first of them, at most [`RECORDS_KEPT`].
    pub records: Vec<RecordRef>,
}

impl Reading {
    pub fn fails(&self) -> bool {
        self.count > 0
    }
}

/// An observation still open, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenObservation {
    pub id: String,
    pub entity_id: String,
    pub check_id: String,
}

/// One change a run makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The check fails where it passed: a new observation.
    Open(Reading),
    /// The check still fails: the observation keeps its opening date, takes the new records.
    Refresh { id: String, reading: Reading },
    /// The check passes again (or no longer exists): the observation closes.
    Close { id: String },
}

/// The steps that bring the open observations in line with what the checks read. `readings`
/// holds every (entity, check) pair read, failing or not; an open observation whose pair is
/// absent (its check was withdrawn from the rule file, its entity removed) closes as well.
pub fn plan(open: &[OpenObservation], readings: Vec<Reading>) -> Vec<Step> {
    let mut opened: BTreeMap<(String, String), &str> = open
        .iter()
        .map(|o| ((o.entity_id.clone(), o.check_id.clone()), o.id.as_str()))
        .collect();
    let mut steps = Vec::new();
    for mut reading in readings {
        let key = (reading.entity_id.clone(), reading.check_id.clone());
        let existing = opened.remove(&key);
        match (existing, reading.fails()) {
            (None, true) => {
                reading.records.truncate(RECORDS_KEPT);
                steps.push(Step::Open(reading));
            }
            (Some(id), true) => {
                reading.records.truncate(RECORDS_KEPT);
                steps.push(Step::Refresh {
                    id: id.to_owned(),
                    reading,
                });
            }
            (Some(id), false) => steps.push(Step::Close { id: id.to_owned() }),
            (None, false) => {}
        }
    }
    steps.extend(
        opened
            .into_values()
            .map(|id| Step::Close { id: id.to_owned() }),
    );
    steps
}

/// Whether a failing check proposes "non-compliant" on a requirement whose result is
/// `current` (a result code, `None` when not assessed yet): not when it already says so, nor
/// when the requirement was declared not applicable (with its justification).
pub fn proposes_on(current: Option<&str>) -> bool {
    !matches!(current, Some("non_compliant" | "not_applicable"))
}

/// The state of a proposed result change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProposalState {
    /// Waiting for a person.
    Proposed,
    /// Confirmed: the result was set to non-compliant.
    Confirmed,
    /// Dismissed with a reason.
    Dismissed,
    /// Withdrawn by Hygeia: the check passed again, or the result became non-compliant or
    /// not applicable by other means, before anyone decided.
    Withdrawn,
}

impl ProposalState {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalState::Proposed => "proposed",
            ProposalState::Confirmed => "confirmed",
            ProposalState::Dismissed => "dismissed",
            ProposalState::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [
            ProposalState::Proposed,
            ProposalState::Confirmed,
            ProposalState::Dismissed,
            ProposalState::Withdrawn,
        ]
        .into_iter()
        .find(|s| s.as_str() == code)
    }
}

/// The justification a confirmed proposal writes on the result, in the confirming person's
/// language (`fr`, else English), so that the result says where it comes from: the check,
/// since when (a `YYYY-MM-DD` day), and how many records.
pub fn justification(lang: &str, check_title: &str, since: &str, count: u64) -> String {
    if lang == "fr" {
        format!(
            "Contrôle automatique « {check_title} » : en échec depuis le {since} \
             ({count} enregistrement(s))."
        )
    } else {
        format!("Automated check \"{check_title}\": failing since {since} ({count} record(s)).")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(entity: &str, check: &str, count: u64) -> Reading {
        Reading {
            entity_id: entity.into(),
            check_id: check.into(),
            count,
            records: (0..count.min(30))
                .map(|i| RecordRef {
                    kind: "asset".into(),
                    id: format!("a{i}"),
                    label: format!("asset {i}"),
                })
                .collect(),
        }
    }

    fn open(id: &str, entity: &str, check: &str) -> OpenObservation {
        OpenObservation {
            id: id.into(),
            entity_id: entity.into(),
            check_id: check.into(),
        }
    }

    #[test]
    fn a_failing_check_opens_then_refreshes_then_closes() {
        let first = plan(&[], vec![reading("e1", "c", 3), reading("e2", "c", 0)]);
        assert_eq!(first, vec![Step::Open(reading("e1", "c", 3))]);

        let still = plan(&[open("o1", "e1", "c")], vec![reading("e1", "c", 30)]);
        assert!(
            matches!(still.first(), Some(Step::Refresh { id, reading: kept })
                if id == "o1" && kept.count == 30 && kept.records.len() == RECORDS_KEPT),
            "expected a refresh keeping {RECORDS_KEPT} records, got {still:?}"
        );

        let passes = plan(&[open("o1", "e1", "c")], vec![reading("e1", "c", 0)]);
        assert_eq!(passes, vec![Step::Close { id: "o1".into() }]);
    }

    #[test]
    fn an_observation_whose_check_is_gone_closes() {
        let steps = plan(
            &[open("o1", "e1", "withdrawn"), open("o2", "e1", "c")],
            vec![reading("e1", "c", 1)],
        );
        assert_eq!(steps.len(), 2);
        assert!(matches!(&steps[0], Step::Refresh { id, .. } if id == "o2"));
        assert_eq!(steps[1], Step::Close { id: "o1".into() });
    }

    #[test]
    fn proposals_skip_results_that_already_say_so() {
        assert!(proposes_on(None));
        assert!(proposes_on(Some("compliant")));
        assert!(proposes_on(Some("partially_compliant")));
        assert!(proposes_on(Some("not_assessed")));
        assert!(!proposes_on(Some("non_compliant")));
        assert!(!proposes_on(Some("not_applicable")));
        for state in [
            ProposalState::Proposed,
            ProposalState::Confirmed,
            ProposalState::Dismissed,
            ProposalState::Withdrawn,
        ] {
            assert_eq!(ProposalState::parse(state.as_str()), Some(state));
        }
        assert!(
            justification("en", "Unknown devices", "2026-12-01", 4).contains("since 2026-12-01")
        );
        assert!(justification("fr", "Inconnus", "2026-12-01", 4).contains("depuis le 2026-12-01"));
    }
}
