//! The assessment a reuse view was derived from, as users must see it beside every derived
//! result: its status (a derivation from an assessment that is not completed is provisional),
//! its scope and date, and whether a user attested that the scope covers the entity.

use serde::{Deserialize, Serialize};

use crate::derive::ReuseView;

/// The source assessment of a reuse view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceAssessment {
    pub assessment_id: String,
    pub name: String,
    /// `planned`, `in_progress`, `completed` or `archived`.
    pub status: String,
    /// The scope the assessment states (sites, activities, systems…).
    pub scope: String,
    /// `YYYY-MM-DD`: when completed, its end date (or its last change when it has none);
    /// otherwise its last change.
    pub date: String,
    /// Whether a user attested that this scope (unchanged since) covers the whole entity.
    pub scope_attested: bool,
}

/// Why a derived result must be read with care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceCaveat {
    /// The source assessment is not completed: its results may still change, so the derived
    /// results are provisional.
    SourceNotCompleted,
    /// Nobody attested that the source assessment's scope covers the entity: results of a
    /// narrower scope (one site, one activity) would overstate the entity's compliance.
    ScopeNotAttested,
}

impl SourceCaveat {
    pub fn code(self) -> &'static str {
        match self {
            Self::SourceNotCompleted => "source_not_completed",
            Self::ScopeNotAttested => "scope_not_attested",
        }
    }
}

impl SourceAssessment {
    pub fn completed(&self) -> bool {
        self.status == "completed"
    }

    /// The caveats every result derived from this assessment carries.
    pub fn caveats(&self) -> Vec<SourceCaveat> {
        let mut caveats = Vec::new();
        if !self.completed() {
            caveats.push(SourceCaveat::SourceNotCompleted);
        }
        if !self.scope_attested {
            caveats.push(SourceCaveat::ScopeNotAttested);
        }
        caveats
    }
}

impl ReuseView {
    /// The view with its source assessment named, and the source's caveats on the view and on
    /// every derived result.
    pub fn with_source(mut self, source: SourceAssessment) -> Self {
        let caveats = source.caveats();
        for derived in &mut self.derived {
            derived.caveats.clone_from(&caveats);
        }
        self.caveats = caveats;
        self.source = Some(source);
        self
    }

    /// Whether the view was derived from an assessment that is not completed.
    pub fn provisional(&self) -> bool {
        self.caveats.contains(&SourceCaveat::SourceNotCompleted)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::derive::Reuse;
    use crate::derive::tests::fixture;
    use crate::result::{ResultValue, SourceResult};

    fn source(status: &str, scope_attested: bool) -> SourceAssessment {
        SourceAssessment {
            assessment_id: "a1".into(),
            name: "ISO 2026".into(),
            status: status.into(),
            scope: "Site de Rennes".into(),
            date: "2026-06-30".into(),
            scope_attested,
        }
    }

    #[test]
    fn a_source_not_completed_flags_every_derived_result() {
        let cat = fixture();
        let reuse = Reuse::new(&cat, "src", "tgt").unwrap();
        let view = reuse
            .derive(&[SourceResult::new("s1", ResultValue::Compliant)], &[])
            .unwrap();
        assert!(view.caveats.is_empty() && view.source.is_none());
        let flagged = view.clone().with_source(source("in_progress", false));
        assert!(flagged.provisional());
        let both = [
            SourceCaveat::SourceNotCompleted,
            SourceCaveat::ScopeNotAttested,
        ];
        assert_eq!(flagged.caveats, both);
        assert!(flagged.derived.iter().all(|d| d.caveats == both));
        // The derivation itself is unchanged: flagged, not refused.
        assert_eq!(flagged.counts, view.counts);
        let json = serde_json::to_value(&flagged).unwrap();
        assert_eq!(json["source"]["status"], "in_progress");
        assert_eq!(json["derived"][0]["caveats"][0], "source_not_completed");

        let attested = view.clone().with_source(source("archived", true));
        assert_eq!(attested.caveats, [SourceCaveat::SourceNotCompleted]);
        let done = view.with_source(source("completed", true));
        assert!(!done.provisional() && done.caveats.is_empty());
        assert!(done.derived.iter().all(|d| d.caveats.is_empty()));
        let json = serde_json::to_value(&done).unwrap();
        assert!(json["derived"][0].get("caveats").is_none());
    }
}
