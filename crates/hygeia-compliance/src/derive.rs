//! The reuse engine: one framework's assessment results carried over to another framework,
//! requirement by requirement, with provenance and an explanation.

use hygeia_catalog::{Catalog, Framework, Relationship, Text};
use serde::{Deserialize, Serialize};

use crate::error::ComplianceError;
use crate::explain::explain;
use crate::index::{CoverageIndex, Reach};
use crate::result::{ResultValue, SourceResult, validate_results};
use crate::review::{PairReview, ReviewState, Reviews};
use crate::reviewed::{ConfirmedDeltas, ReviewIndex, ReviewedCoverage};
use crate::rules::{DerivedValue, Evidence, Rule, conclude, covers};
use crate::source::{GroupResult, SourceResults};
use crate::source_assessment::{SourceAssessment, SourceCaveat};

/// How one linked source result counted in the conclusion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Contribution {
    /// Assessed, and the source covers the whole target (equal or superset).
    Covers,
    /// Assessed, and the source covers only part of the target (subset or intersect).
    Overlaps,
    /// Not assessed yet: it blocks a compliant conclusion but proves nothing.
    NotAssessed,
    /// Not applicable to the entity: no coverage.
    IgnoredNotApplicable,
    /// The pair was rejected in review.
    IgnoredRejected,
}

/// One source result behind a derived result, and the pair that links them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// Source framework node the pair names (an assessable requirement or a grouping node).
    pub source_requirement: String,
    /// Its reference as users cite it (`A.8.22`).
    pub source_ref: String,
    /// Its result (aggregated for a grouping node).
    pub source_result: ResultValue,
    /// For a grouping node: its members' results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_group: Option<GroupResult>,
    pub mapping_set: String,
    /// The pair as the mapping set states it (the ids a [`PairReview`] names).
    pub pair_source: String,
    pub pair_target: String,
    /// The relationship the rules used, read "the source requirement is … of the target
    /// requirement": after review and after carrying it through the requirement tree.
    pub relationship: Relationship,
    /// The shipped relationship of the pair, read the same way (source node … target node).
    pub shipped_relationship: Relationship,
    pub review: ReviewState,
    /// Whether the pair names the target requirement, an ancestor or a descendant of it.
    pub reach: Reach,
    pub counted_as: Contribution,
}

/// The derived result of one target requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Derived {
    pub requirement_id: String,
    /// Reference as users cite it (`6.8.2(a)`).
    pub reference: String,
    pub value: DerivedValue,
    pub rule: Rule,
    /// Every pair reaching the requirement, including ignored ones, in mapping-set order.
    pub provenance: Vec<Provenance>,
    /// Hygeia's review of the requirement against the source framework, when one exists
    /// (`decided` says whether it concluded the result).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewedCoverage>,
    pub explanation: Text,
    /// The source assessment's caveats (not completed, scope not attested), on every result.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caveats: Vec<SourceCaveat>,
}

/// Counts of derived values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DerivedCounts {
    pub compliant: usize,
    pub partially_compliant: usize,
    pub non_compliant: usize,
    pub not_assessed: usize,
    pub no_coverage: usize,
}

impl DerivedCounts {
    fn add(&mut self, value: DerivedValue) {
        match value {
            DerivedValue::Compliant => self.compliant += 1,
            DerivedValue::PartiallyCompliant => self.partially_compliant += 1,
            DerivedValue::NonCompliant => self.non_compliant += 1,
            DerivedValue::NotAssessed => self.not_assessed += 1,
            DerivedValue::NoCoverage => self.no_coverage += 1,
        }
    }

    pub fn get(&self, value: DerivedValue) -> usize {
        match value {
            DerivedValue::Compliant => self.compliant,
            DerivedValue::PartiallyCompliant => self.partially_compliant,
            DerivedValue::NonCompliant => self.non_compliant,
            DerivedValue::NotAssessed => self.not_assessed,
            DerivedValue::NoCoverage => self.no_coverage,
        }
    }
}

/// The derived results of every assessable requirement of the target framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReuseView {
    pub source_framework: String,
    pub target_framework: String,
    /// Mapping sets used (credit them with the view).
    pub mapping_sets: Vec<String>,
    /// In the target framework's file order.
    pub derived: Vec<Derived>,
    pub counts: DerivedCounts,
    /// The assessment the view was derived from, when the caller named it
    /// ([`ReuseView::with_source`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceAssessment>,
    /// The source assessment's caveats.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub caveats: Vec<SourceCaveat>,
}

impl Derived {
    /// The source requirements the result rests on, each once, as (id, reference): those of
    /// the reviewed crosswalk when it decided, else those of the pairs that counted (covering
    /// or overlapping, neither rejected nor not applicable).
    pub fn counted_sources(&self) -> Vec<(&str, &str)> {
        if let Some(review) = self.review.as_ref().filter(|r| r.decided) {
            return review
                .by_ids
                .iter()
                .zip(&review.by)
                .map(|(id, reference)| (id.as_str(), reference.as_str()))
                .collect();
        }
        let mut sources: Vec<(&str, &str)> = Vec::new();
        for p in &self.provenance {
            let counted = matches!(p.counted_as, Contribution::Covers | Contribution::Overlaps);
            if counted && !sources.iter().any(|(id, _)| *id == p.source_requirement) {
                sources.push((&p.source_requirement, &p.source_ref));
            }
        }
        sources
    }
}

impl ReuseView {
    /// The derived result of one requirement.
    pub fn get(&self, requirement_id: &str) -> Option<&Derived> {
        self.derived
            .iter()
            .find(|d| d.requirement_id == requirement_id)
    }

    /// The derived results as assessment results of the target framework, to chain a second
    /// reuse (2024/2690 → NIS2 Directive). No coverage becomes not assessed.
    pub fn to_source_results(&self) -> Vec<SourceResult> {
        self.derived
            .iter()
            .map(|d| SourceResult::new(d.requirement_id.clone(), d.value.as_result()))
            .collect()
    }
}

/// Reuse from one framework to another, with the pairs between them indexed once. Build it
/// once per (source, target) and derive as many assessments as needed.
#[derive(Debug, Clone)]
pub struct Reuse<'c> {
    catalog: &'c Catalog,
    source: &'c Framework,
    target: &'c Framework,
    index: CoverageIndex<'c>,
    reviews: ReviewIndex<'c>,
}

impl<'c> Reuse<'c> {
    /// Index every pair between the two frameworks (in either direction). Fails when a
    /// framework is unknown or no mapping set links them.
    pub fn new(
        catalog: &'c Catalog,
        source_framework: &str,
        target_framework: &str,
    ) -> Result<Self, ComplianceError> {
        let find = |field: &'static str, id: &str| {
            catalog
                .framework(id)
                .ok_or_else(|| ComplianceError::UnknownFramework {
                    field,
                    framework: id.to_owned(),
                })
        };
        let source = find("source_framework", source_framework)?;
        let target = find("target_framework", target_framework)?;
        if source.id() == target.id() {
            return Err(ComplianceError::SameFramework(source.id().to_owned()));
        }
        let index = CoverageIndex::build(catalog, source, target);
        if index.mapping_sets.is_empty() {
            return Err(ComplianceError::NoMapping {
                source_framework: source.id().to_owned(),
                target_framework: target.id().to_owned(),
            });
        }
        let reviews = ReviewIndex::build(&index.mapping_sets, source, target);
        Ok(Self {
            catalog,
            source,
            target,
            index,
            reviews,
        })
    }

    pub fn source(&self) -> &'c Framework {
        self.source
    }

    pub fn target(&self) -> &'c Framework {
        self.target
    }

    /// Ids of the mapping sets between the two frameworks.
    pub fn mapping_sets(&self) -> Vec<&'c str> {
        self.index.mapping_sets.iter().map(|s| s.id()).collect()
    }

    /// Validate the results (of the source framework) and the reviews, then derive.
    pub fn derive(
        &self,
        results: &[SourceResult],
        reviews: &[PairReview],
    ) -> Result<ReuseView, ComplianceError> {
        validate_results(self.source, results).map_err(ComplianceError::InvalidResults)?;
        let reviews =
            Reviews::validate(self.catalog, reviews).map_err(ComplianceError::InvalidReviews)?;
        Ok(self.derive_validated(results, &reviews))
    }

    /// [`Reuse::derive`], with the deltas the entity confirmed.
    pub fn derive_with_deltas(
        &self,
        results: &[SourceResult],
        reviews: &[PairReview],
        confirmed: &ConfirmedDeltas,
    ) -> Result<ReuseView, ComplianceError> {
        validate_results(self.source, results).map_err(ComplianceError::InvalidResults)?;
        let reviews =
            Reviews::validate(self.catalog, reviews).map_err(ComplianceError::InvalidReviews)?;
        Ok(self.derive_confirmed(results, &reviews, confirmed))
    }

    /// Derive from results the caller has validated (results naming unknown requirements
    /// are ignored; of two results for one requirement, the last wins).
    pub fn derive_validated(&self, results: &[SourceResult], reviews: &Reviews) -> ReuseView {
        self.derive_confirmed(results, reviews, &ConfirmedDeltas::default())
    }

    /// [`Reuse::derive_validated`], with the deltas the entity confirmed (requirements that
    /// a reviewed crosswalk covers except a delta become compliant once it is confirmed).
    pub fn derive_confirmed(
        &self,
        results: &[SourceResult],
        reviews: &Reviews,
        confirmed: &ConfirmedDeltas,
    ) -> ReuseView {
        let mut book = SourceResults::new(self.source, results);
        let mut counts = DerivedCounts::default();
        let mut derived = Vec::new();
        for target in self.target.assessable() {
            let mut provenance = Vec::new();
            let mut evidence = Vec::new();
            // Which links come from a reviewed crosswalk (whose verdicts decide per point).
            let mut from_review = Vec::new();
            for (link, reach) in self.index.reaching(&target.id) {
                from_review.push(!link.set.coverage.is_empty());
                let (reviewed, review) = reviews.apply(link.set.id(), link.pair);
                let rejected = reviewed.is_none();
                let relationship =
                    reach.carry(link.orient(reviewed.unwrap_or(link.pair.relationship)));
                let node = link.source_node();
                let (value, group) = book.value_of(node);
                evidence.push(Evidence {
                    relationship,
                    value,
                    rejected,
                });
                provenance.push(Provenance {
                    source_requirement: node.to_owned(),
                    source_ref: self
                        .source
                        .requirement(node)
                        .map_or_else(|| node.to_owned(), |r| r.reference.clone()),
                    source_result: value,
                    source_group: group,
                    mapping_set: link.set.id().to_owned(),
                    pair_source: link.pair.source.clone(),
                    pair_target: link.pair.target.clone(),
                    relationship,
                    shipped_relationship: link.orient(link.pair.relationship),
                    review,
                    reach: reach.clone(),
                    counted_as: contribution(rejected, value, relationship),
                });
            }
            let organisation_reviewed = provenance
                .iter()
                .any(|p| p.review != ReviewState::Unreviewed);
            // The reviewed crosswalk's own pairs count in the pair rules only where no other
            // crosswalk links the point; and when the organisation reviewed a pair reaching
            // it, its reviews win: the reviewed crosswalk steps aside with its unreviewed
            // pairs, and the pairs as reviewed decide.
            if organisation_reviewed || from_review.iter().any(|review_pair| !review_pair) {
                let keep: Vec<bool> = provenance
                    .iter()
                    .zip(&from_review)
                    .map(|(p, review_pair)| !review_pair || p.review != ReviewState::Unreviewed)
                    .collect();
                let mut flags = keep.iter();
                provenance.retain(|_| *flags.next().unwrap_or(&true));
                let mut flags = keep.iter();
                evidence.retain(|_| *flags.next().unwrap_or(&true));
            }
            let linked_non_compliant = evidence
                .iter()
                .any(|e| !e.rejected && e.value == ResultValue::NonCompliant);
            let review = self.reviews.apply(
                &target.id,
                self.source,
                &mut book,
                confirmed,
                organisation_reviewed,
                linked_non_compliant,
            );
            let rule = review
                .as_ref()
                .and_then(|(rule, _)| *rule)
                .unwrap_or_else(|| conclude(&evidence));
            let review = review.map(|(_, shown)| shown);
            let value = rule.value();
            counts.add(value);
            let explanation = explain(rule, &provenance, review.as_ref(), self.source, self.target);
            derived.push(Derived {
                requirement_id: target.id.clone(),
                reference: target.reference.clone(),
                value,
                rule,
                provenance,
                review,
                explanation,
                caveats: Vec::new(),
            });
        }
        ReuseView {
            source_framework: self.source.id().to_owned(),
            target_framework: self.target.id().to_owned(),
            mapping_sets: self.mapping_sets().into_iter().map(str::to_owned).collect(),
            derived,
            counts,
            source: None,
            caveats: Vec::new(),
        }
    }
}

fn contribution(rejected: bool, value: ResultValue, relationship: Relationship) -> Contribution {
    if rejected {
        Contribution::IgnoredRejected
    } else {
        match value {
            ResultValue::NotApplicable => Contribution::IgnoredNotApplicable,
            ResultValue::NotAssessed => Contribution::NotAssessed,
            _ if covers(relationship) => Contribution::Covers,
            _ => Contribution::Overlaps,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(crate) mod tests {
    use super::*;
    use crate::review::ReviewDecision;
    use Relationship::*;
    use ResultValue::*;

    const SOURCE: &str = r#"
framework:
  id: src
  name: {en: "Source", fr: "Source"}
requirements:
  - {id: s1, ref: "S.1", assessable: true, title: {en: "one", fr: "un"}}
  - {id: s2, ref: "S.2", assessable: true, title: {en: "two", fr: "deux"}}
  - {id: s3, ref: "S.3", assessable: true, title: {en: "three", fr: "trois"}}
  - {id: s4, ref: "S.4", assessable: true, title: {en: "four", fr: "quatre"}}
  - {id: g, ref: "G", assessable: false, title: {en: "group", fr: "groupe"}}
  - {id: g1, ref: "G.1", parent: g, assessable: true, title: {en: "g one", fr: "g un"}}
  - {id: g2, ref: "G.2", parent: g, assessable: true, title: {en: "g two", fr: "g deux"}}
"#;

    const TARGET: &str = r#"
framework:
  id: tgt
  name: {en: "Target", fr: "Cible"}
requirements:
  - {id: t-eq, assessable: true, title: {en: "equal", fr: "égal"}}
  - {id: t-sup, assessable: true, title: {en: "superset", fr: "sur-ensemble"}}
  - {id: t-int, assessable: true, title: {en: "intersect", fr: "intersection"}}
  - {id: t-none, assessable: true, title: {en: "none", fr: "aucune"}, nis2_art21: [f]}
  - {id: sec, assessable: false, title: {en: "section", fr: "section"}}
  - {id: sec.a, parent: sec, assessable: true, title: {en: "point a", fr: "point a"}}
  - {id: t-parent, assessable: true, title: {en: "parent", fr: "parent"}}
  - {id: t-parent.x, parent: t-parent, assessable: true, title: {en: "part", fr: "partie"}}
  - {id: t-group, assessable: true, title: {en: "group-wide", fr: "groupe"}}
  - {id: t-rev, assessable: true, title: {en: "reverse", fr: "inverse"}}
"#;

    const FORWARD: &str = r#"
mapping:
  id: src-to-tgt
  title: {en: "S to T", fr: "S vers T"}
  source_framework: src
  target_framework: tgt
  default_relationship: intersect
pairs:
  - ["s1", "t-eq", "equal", "same text"]
  - ["s1", "t-sup", "superset", "s1 covers it"]
  - ["s1", "t-int"]
  - ["s2", "t-int"]
  - ["s3", "sec", "superset", "s3 covers the whole section"]
  - ["s2", "t-parent.x", "equal", "same as the part"]
  - ["g", "t-group", "superset", "the group covers it"]
"#;

    const BACKWARD: &str = r#"
mapping:
  id: tgt-to-src
  title: {en: "T to S", fr: "T vers S"}
  source_framework: tgt
  target_framework: src
  default_relationship: intersect
pairs:
  - ["t-rev", "s4", "subset", "t-rev is part of s4"]
"#;

    pub(crate) fn fixture() -> Catalog {
        let mut cat = Catalog::default();
        cat.import_framework("src.yaml", SOURCE).unwrap();
        cat.import_framework("tgt.yaml", TARGET).unwrap();
        cat.import_mapping("fwd.yaml", FORWARD).unwrap();
        cat.import_mapping("bwd.yaml", BACKWARD).unwrap();
        cat
    }

    fn results(values: &[(&str, ResultValue)]) -> Vec<SourceResult> {
        values
            .iter()
            .map(|(id, v)| {
                if *v == NotApplicable {
                    SourceResult::not_applicable(*id, "out of scope")
                } else {
                    SourceResult::new(*id, *v)
                }
            })
            .collect()
    }

    fn derive(values: &[(&str, ResultValue)], reviews: &[PairReview]) -> ReuseView {
        let cat = fixture();
        let reuse = Reuse::new(&cat, "src", "tgt").unwrap();
        reuse.derive(&results(values), reviews).unwrap()
    }

    fn all_compliant() -> Vec<(&'static str, ResultValue)> {
        ["s1", "s2", "s3", "s4", "g1", "g2"]
            .into_iter()
            .map(|id| (id, Compliant))
            .collect()
    }

    #[test]
    fn equal_or_superset_with_compliant_sources_is_compliant() {
        let view = derive(&all_compliant(), &[]);
        for id in ["t-eq", "t-sup"] {
            let d = view.get(id).unwrap();
            assert_eq!(d.value, DerivedValue::Compliant, "{id}");
            assert_eq!(d.rule, Rule::CoveredByCompliantSources);
            let p = &d.provenance[0];
            assert_eq!(p.source_requirement, "s1");
            assert_eq!(p.source_ref, "S.1");
            assert_eq!(p.source_result, Compliant);
            assert_eq!(p.mapping_set, "src-to-tgt");
            assert_eq!(p.reach, Reach::Direct);
            assert_eq!(p.review, ReviewState::Unreviewed);
            assert_eq!(p.counted_as, Contribution::Covers);
            assert!(d.explanation.en.starts_with("Compliant: S.1 covers"));
            assert!(d.explanation.fr.starts_with("Conforme : S.1 couvre"));
        }
        assert_eq!(view.get("t-eq").unwrap().provenance[0].relationship, Equal);
        assert_eq!(
            view.get("t-sup").unwrap().provenance[0].relationship,
            Superset
        );
    }

    #[test]
    fn intersect_alone_never_gives_compliant() {
        let view = derive(&all_compliant(), &[]);
        let d = view.get("t-int").unwrap();
        assert_eq!(d.value, DerivedValue::PartiallyCompliant);
        assert_eq!(d.rule, Rule::PartialRelationshipsOnly);
        let sources: Vec<(&str, Contribution)> = d
            .provenance
            .iter()
            .map(|p| (p.source_ref.as_str(), p.counted_as))
            .collect();
        assert_eq!(
            sources,
            [
                ("S.1", Contribution::Overlaps),
                ("S.2", Contribution::Overlaps)
            ]
        );
        assert!(d.explanation.en.contains("S.1, S.2"));
    }

    #[test]
    fn no_pair_is_no_coverage() {
        let view = derive(&all_compliant(), &[]);
        let d = view.get("t-none").unwrap();
        assert_eq!((d.value, d.rule), (DerivedValue::NoCoverage, Rule::NoPair));
        assert!(d.provenance.is_empty());
        assert!(d.explanation.en.contains("specific to Target"));
        assert_eq!(view.counts.no_coverage, 1);
    }

    #[test]
    fn non_compliant_sources_show() {
        let mut values = all_compliant();
        values.retain(|(id, _)| *id != "s1");
        values.push(("s1", NonCompliant));
        let view = derive(&values, &[]);
        let eq = view.get("t-eq").unwrap();
        assert_eq!(
            (eq.value, eq.rule),
            (DerivedValue::NonCompliant, Rule::EqualSourceNonCompliant)
        );
        let sup = view.get("t-sup").unwrap();
        assert_eq!(
            (sup.value, sup.rule),
            (DerivedValue::NonCompliant, Rule::AllSourcesNonCompliant)
        );
        let int = view.get("t-int").unwrap();
        assert_eq!(
            (int.value, int.rule),
            (
                DerivedValue::PartiallyCompliant,
                Rule::SomeSourceNonCompliant
            )
        );
        let named: Vec<&str> = int
            .provenance
            .iter()
            .filter(|p| p.source_result == NonCompliant)
            .map(|p| p.source_ref.as_str())
            .collect();
        assert_eq!(named, ["S.1"]);
        assert!(int.explanation.en.contains("non-compliant: S.1"));
        assert!(int.explanation.fr.contains("non conformes : S.1"));
    }

    #[test]
    fn not_applicable_sources_give_no_coverage() {
        let view = derive(&[("s1", NotApplicable), ("s2", NotApplicable)], &[]);
        let d = view.get("t-int").unwrap();
        assert_eq!(
            (d.value, d.rule),
            (DerivedValue::NoCoverage, Rule::OnlyNotApplicableSources)
        );
        assert!(
            d.provenance
                .iter()
                .all(|p| p.counted_as == Contribution::IgnoredNotApplicable)
        );
        assert!(d.explanation.en.contains("(S.1, S.2) are not applicable"));
        // With one applicable source left, only that one counts.
        let view = derive(&[("s1", NotApplicable), ("s2", Compliant)], &[]);
        let d = view.get("t-int").unwrap();
        assert_eq!(d.rule, Rule::PartialRelationshipsOnly);
        assert!(d.explanation.en.contains("is compliant (S.2)"));
        assert!(
            d.explanation
                .en
                .contains("Not applicable, not counted: S.1.")
        );
    }

    #[test]
    fn unassessed_and_mixed_sources() {
        let view = derive(&[], &[]);
        let d = view.get("t-eq").unwrap();
        assert_eq!(
            (d.value, d.rule),
            (DerivedValue::NotAssessed, Rule::SourcesNotAssessed)
        );
        assert_eq!(d.provenance[0].counted_as, Contribution::NotAssessed);
        let view = derive(&[("s1", Compliant), ("s2", PartiallyCompliant)], &[]);
        let d = view.get("t-int").unwrap();
        assert_eq!(
            (d.value, d.rule),
            (DerivedValue::PartiallyCompliant, Rule::MixedSourceResults)
        );
        assert!(d.explanation.en.contains("partially compliant: S.2"));
        // A pending source blocks "compliant" even next to a covering one.
        let view = derive(&[("s1", Compliant)], &[]);
        assert_eq!(view.get("t-int").unwrap().rule, Rule::MixedSourceResults);
    }

    #[test]
    fn pairs_on_an_ancestor_reach_its_points() {
        let view = derive(&all_compliant(), &[]);
        let d = view.get("sec.a").unwrap();
        assert_eq!(d.value, DerivedValue::Compliant);
        let p = &d.provenance[0];
        assert_eq!(p.reach, Reach::ViaAncestor { node: "sec".into() });
        assert_eq!(p.relationship, Superset);
        assert_eq!(p.pair_target, "sec");
    }

    #[test]
    fn pairs_on_a_part_cover_the_whole_only_partly() {
        let view = derive(&all_compliant(), &[]);
        let whole = view.get("t-parent").unwrap();
        assert_eq!(whole.value, DerivedValue::PartiallyCompliant);
        let p = &whole.provenance[0];
        assert_eq!(
            p.reach,
            Reach::ViaDescendant {
                node: "t-parent.x".into()
            }
        );
        assert_eq!((p.shipped_relationship, p.relationship), (Equal, Subset));
        assert_eq!(
            view.get("t-parent.x").unwrap().value,
            DerivedValue::Compliant
        );
    }

    #[test]
    fn a_mapping_set_in_the_other_direction_is_read_backwards() {
        let view = derive(&all_compliant(), &[]);
        let d = view.get("t-rev").unwrap();
        // The set says "t-rev is a subset of s4": s4 covers t-rev.
        assert_eq!(d.value, DerivedValue::Compliant);
        let p = &d.provenance[0];
        assert_eq!(
            (p.mapping_set.as_str(), p.relationship),
            ("tgt-to-src", Superset)
        );
        assert_eq!(
            (p.pair_source.as_str(), p.pair_target.as_str()),
            ("t-rev", "s4")
        );
    }

    #[test]
    fn grouping_nodes_aggregate_their_members() {
        let view = derive(&all_compliant(), &[]);
        assert_eq!(view.get("t-group").unwrap().value, DerivedValue::Compliant);
        let mut values = all_compliant();
        values.retain(|(id, _)| *id != "g2");
        values.push(("g2", NonCompliant));
        let view = derive(&values, &[]);
        let d = view.get("t-group").unwrap();
        assert_eq!(
            (d.value, d.rule),
            (DerivedValue::PartiallyCompliant, Rule::MixedSourceResults)
        );
        let group = d.provenance[0].source_group.as_ref().unwrap();
        assert_eq!(group.members.compliant, 1);
        assert_eq!(group.non_compliant_members, ["G.2"]);
        assert!(d.explanation.en.contains("Within G, non-compliant: G.2."));
    }

    #[test]
    fn reviews_change_derivations() {
        let before = derive(&all_compliant(), &[]);
        assert_eq!(
            before.get("t-int").unwrap().value,
            DerivedValue::PartiallyCompliant
        );

        // Refining s1 → t-int to superset makes the compliant s1 cover t-int.
        let refine = PairReview::new(
            "src-to-tgt",
            "s1",
            "t-int",
            ReviewDecision::Refined {
                relationship: Superset,
                rationale: "our S.1 procedure covers all of it".into(),
            },
        );
        let after = derive(&all_compliant(), std::slice::from_ref(&refine));
        let d = after.get("t-int").unwrap();
        assert_eq!(
            (d.value, d.rule),
            (DerivedValue::Compliant, Rule::CoveredByCompliantSources)
        );
        let p = &d.provenance[0];
        assert_eq!(p.relationship, Superset);
        assert_eq!(p.shipped_relationship, Intersect);
        assert_eq!(
            p.review,
            ReviewState::Refined {
                shipped: Intersect,
                rationale: "our S.1 procedure covers all of it".into()
            }
        );
        assert!(
            d.explanation
                .en
                .contains("Refined in review: S.1 (superset)")
        );

        // Rejecting the only pair of t-eq leaves it uncovered.
        let reject = PairReview::new(
            "src-to-tgt",
            "s1",
            "t-eq",
            ReviewDecision::Rejected {
                rationale: Some("not the same scope".into()),
            },
        );
        let after = derive(&all_compliant(), &[reject]);
        let d = after.get("t-eq").unwrap();
        assert_eq!(
            (d.value, d.rule),
            (DerivedValue::NoCoverage, Rule::AllPairsRejected)
        );
        assert_eq!(d.provenance[0].counted_as, Contribution::IgnoredRejected);

        // A refinement in the backward set is read in that set's direction.
        let weaken = PairReview::new(
            "tgt-to-src",
            "t-rev",
            "s4",
            ReviewDecision::Refined {
                relationship: Intersect,
                rationale: "only partly".into(),
            },
        );
        let after = derive(&all_compliant(), &[weaken]);
        assert_eq!(
            after.get("t-rev").unwrap().rule,
            Rule::PartialRelationshipsOnly
        );

        // Confirming changes nothing but the state.
        let confirm = PairReview::new("src-to-tgt", "s1", "t-eq", ReviewDecision::Confirmed);
        let after = derive(&all_compliant(), &[confirm]);
        let d = after.get("t-eq").unwrap();
        assert_eq!(d.value, DerivedValue::Compliant);
        assert_eq!(d.provenance[0].review, ReviewState::Confirmed);
    }

    #[test]
    fn bad_input_is_rejected_with_the_field() {
        let cat = fixture();
        let reuse = Reuse::new(&cat, "src", "tgt").unwrap();
        let err = reuse
            .derive(&[SourceResult::new("s1", NotApplicable)], &[])
            .unwrap_err();
        let ComplianceError::InvalidResults(errors) = err else {
            panic!("expected invalid results");
        };
        assert_eq!(errors[0].field(), "justification");
        let err = reuse
            .derive(
                &[
                    SourceResult::new("nope", Compliant),
                    SourceResult::new("g", Compliant),
                ],
                &[],
            )
            .unwrap_err();
        assert!(err.to_string().contains("`src` has no such requirement"));
        let err = reuse
            .derive(
                &[],
                &[PairReview::new(
                    "src-to-tgt",
                    "s9",
                    "t-eq",
                    ReviewDecision::Confirmed,
                )],
            )
            .unwrap_err();
        assert!(matches!(err, ComplianceError::InvalidReviews(_)));
        assert!(matches!(
            Reuse::new(&cat, "src", "nope"),
            Err(ComplianceError::UnknownFramework {
                field: "target_framework",
                ..
            })
        ));
        assert!(matches!(
            Reuse::new(&cat, "src", "src"),
            Err(ComplianceError::SameFramework(_))
        ));
    }

    #[test]
    fn views_serialize_with_stable_codes() {
        let view = derive(&all_compliant(), &[]);
        let json = serde_json::to_value(&view).unwrap();
        let t_int = json["derived"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["requirement_id"] == "t-int")
            .unwrap();
        assert_eq!(t_int["value"], "partially_compliant");
        assert_eq!(t_int["rule"], "partial_relationships_only");
        assert_eq!(t_int["provenance"][0]["relationship"], "intersect");
        assert_eq!(t_int["provenance"][0]["reach"]["kind"], "direct");
        assert_eq!(t_int["provenance"][0]["review"]["state"], "unreviewed");
        assert!(!t_int["explanation"]["fr"].as_str().unwrap().is_empty());
        let back: ReuseView = serde_json::from_value(json).unwrap();
        assert_eq!(back, view);
    }
}
