//! The remaining-gap view: target requirements a reuse leaves uncovered or only partly
//! covered, grouped by NIS2 Art. 21(2) letter, each with a suggested control.

use hygeia_catalog::{Art21Letter, Catalog, Text};
use serde::{Deserialize, Serialize};

use crate::derive::{Derived, ReuseView};
use crate::error::ComplianceError;
use crate::result::ResultValue;
use crate::rules::{DerivedValue, Rule};
use crate::source_assessment::{SourceAssessment, SourceCaveat};
use crate::suggestions::{Suggestion, Suggestions};

/// Why a requirement is in the gap view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// Nothing in the source framework covers it: the target-specific work (for NIS2, the
    /// "NIS2-specific gap").
    NoCoverage,
    /// A linked source result is non-compliant.
    NonCompliant,
    /// Covered only in part, or by partially compliant results.
    Partial,
    /// Linked source requirements are not assessed yet.
    NotAssessed,
    /// The reviewed crosswalk credits the requirement except a stated delta, which the entity
    /// has still to confirm: the only work left is that delta.
    DeltaToConfirm,
}

impl GapKind {
    fn of(value: DerivedValue, rule: Rule) -> Option<GapKind> {
        if rule == Rule::DeltaToConfirm {
            return Some(GapKind::DeltaToConfirm);
        }
        match value {
            DerivedValue::Compliant => None,
            DerivedValue::PartiallyCompliant => Some(GapKind::Partial),
            DerivedValue::NonCompliant => Some(GapKind::NonCompliant),
            DerivedValue::NotAssessed => Some(GapKind::NotAssessed),
            DerivedValue::NoCoverage => Some(GapKind::NoCoverage),
        }
    }
}

/// One requirement still to work on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub requirement_id: String,
    pub reference: String,
    pub title: Text,
    pub kind: GapKind,
    pub value: DerivedValue,
    pub rule: Rule,
    /// The requirement's Art. 21(2) letters (a requirement may serve several).
    pub letters: Vec<Art21Letter>,
    pub suggestion: Suggestion,
    /// For [`GapKind::DeltaToConfirm`]: what the requirement asks beyond the source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<Text>,
    /// What is already in place: the compliant source requirements that count (`A.5.1`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_place: Vec<String>,
}

/// Counts of gaps by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct GapCounts {
    pub no_coverage: usize,
    pub non_compliant: usize,
    pub partial: usize,
    pub not_assessed: usize,
    #[serde(default)]
    pub delta_to_confirm: usize,
}

impl GapCounts {
    fn add(&mut self, kind: GapKind) {
        match kind {
            GapKind::NoCoverage => self.no_coverage += 1,
            GapKind::NonCompliant => self.non_compliant += 1,
            GapKind::Partial => self.partial += 1,
            GapKind::NotAssessed => self.not_assessed += 1,
            GapKind::DeltaToConfirm => self.delta_to_confirm += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.no_coverage
            + self.non_compliant
            + self.partial
            + self.not_assessed
            + self.delta_to_confirm
    }
}

/// The gaps of one Art. 21(2) letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterGaps {
    pub letter: Art21Letter,
    pub counts: GapCounts,
    /// In the target framework's order.
    pub gaps: Vec<Gap>,
}

/// The remaining gaps of a reuse view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapView {
    pub source_framework: String,
    pub target_framework: String,
    /// Distinct requirements (a requirement under several letters counts once).
    pub counts: GapCounts,
    /// All ten letters, a to j, even when empty.
    pub letters: Vec<LetterGaps>,
    /// Gaps of requirements without an Art. 21(2) letter (e.g. Art. 20 and 23 of the
    /// Directive, or frameworks other than NIS2).
    pub without_letter: Vec<Gap>,
    /// The assessment the gaps were derived from, and its caveats (see
    /// [`ReuseView::with_source`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceAssessment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caveats: Vec<SourceCaveat>,
}

impl GapView {
    /// The gaps no source result covers at all, in order, each once.
    pub fn no_coverage(&self) -> Vec<&Gap> {
        let mut seen = std::collections::HashSet::new();
        self.letters
            .iter()
            .flat_map(|l| l.gaps.iter())
            .chain(self.without_letter.iter())
            .filter(|g| g.kind == GapKind::NoCoverage && seen.insert(g.requirement_id.as_str()))
            .collect()
    }
}

/// The compliant source requirements a derived result rests on (what is already in place).
fn in_place(derived: &Derived) -> Vec<String> {
    let compliant = |id: &str| {
        derived
            .provenance
            .iter()
            .find(|p| p.source_requirement == id)
            .is_none_or(|p| p.source_result == ResultValue::Compliant)
    };
    derived
        .counted_sources()
        .into_iter()
        .filter(|(id, _)| compliant(id))
        .map(|(_, reference)| reference.to_owned())
        .collect()
}

/// Build the gap view of a reuse view.
pub fn gap_view(
    catalog: &Catalog,
    view: &ReuseView,
    suggestions: &Suggestions,
) -> Result<GapView, ComplianceError> {
    let target = catalog.framework(&view.target_framework).ok_or_else(|| {
        ComplianceError::UnknownFramework {
            field: "target_framework",
            framework: view.target_framework.clone(),
        }
    })?;
    let mut letters: Vec<LetterGaps> = Art21Letter::all()
        .map(|letter| LetterGaps {
            letter,
            counts: GapCounts::default(),
            gaps: Vec::new(),
        })
        .collect();
    let mut without_letter = Vec::new();
    let mut counts = GapCounts::default();
    for derived in &view.derived {
        let Some(kind) = GapKind::of(derived.value, derived.rule) else {
            continue;
        };
        let Some(requirement) = target.requirement(&derived.requirement_id) else {
            continue;
        };
        counts.add(kind);
        let in_place = in_place(derived);
        let delta = derived
            .review
            .as_ref()
            .filter(|_| kind == GapKind::DeltaToConfirm)
            .and_then(|r| r.delta.clone());
        let suggestion = match &delta {
            Some(delta) => Suggestion::for_delta(delta, &in_place),
            None => suggestions.for_requirement(target, requirement),
        };
        let gap = Gap {
            requirement_id: derived.requirement_id.clone(),
            reference: derived.reference.clone(),
            title: requirement.title.clone(),
            kind,
            value: derived.value,
            rule: derived.rule,
            letters: requirement.nis2_art21.clone(),
            suggestion,
            delta,
            in_place,
        };
        if requirement.nis2_art21.is_empty() {
            without_letter.push(gap);
            continue;
        }
        for letter in &requirement.nis2_art21 {
            if let Some(group) = letters.iter_mut().find(|g| g.letter == *letter) {
                group.counts.add(kind);
                group.gaps.push(gap.clone());
            }
        }
    }
    Ok(GapView {
        source_framework: view.source_framework.clone(),
        target_framework: view.target_framework.clone(),
        counts,
        letters,
        without_letter,
        source: view.source.clone(),
        caveats: view.caveats.clone(),
    })
}
