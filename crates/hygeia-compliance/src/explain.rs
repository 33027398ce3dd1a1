//! Plain-language explanations (English and French) of a derived result.

use hygeia_catalog::{Framework, Text};

use crate::derive::{Contribution, Provenance};
use crate::result::ResultValue;
use crate::review::ReviewState;
use crate::reviewed::{self, ReviewedCoverage};
use crate::rules::Rule;

/// How many references a list shows before "and N more".
const SHOWN_REFERENCES: usize = 6;

/// Explain why `rule` concluded, naming the source requirements that matter.
pub(crate) fn explain(
    rule: Rule,
    provenance: &[Provenance],
    review: Option<&ReviewedCoverage>,
    source: &Framework,
    target: &Framework,
) -> Text {
    let (src_en, src_fr) = (&source.meta.name.en, &source.meta.name.fr);
    let (tgt_en, tgt_fr) = (&target.meta.name.en, &target.meta.name.fr);
    // Sources that count: neither rejected nor not applicable.
    let counted = |p: &&Provenance| {
        !matches!(
            p.counted_as,
            Contribution::IgnoredRejected | Contribution::IgnoredNotApplicable
        )
    };
    let refs_where = |keep: &dyn Fn(&Provenance) -> bool| -> (String, String) {
        let refs: Vec<&str> = provenance
            .iter()
            .filter(counted)
            .filter(|p| keep(p))
            .map(|p| p.source_ref.as_str())
            .collect();
        list(&refs)
    };
    let all = refs_where(&|_| true);
    let not_applicable = list(
        &provenance
            .iter()
            .filter(|p| p.counted_as == Contribution::IgnoredNotApplicable)
            .map(|p| p.source_ref.as_str())
            .collect::<Vec<_>>(),
    );
    let non_compliant = refs_where(&|p| p.source_result == ResultValue::NonCompliant);
    let mut text = match rule {
        Rule::NoPair => Text::new(
            format!(
                "No crosswalk pair links this requirement to {src_en}: it is specific to {tgt_en} and must be assessed on its own."
            ),
            format!(
                "Aucune paire de correspondance ne relie cette exigence à {src_fr} : elle est propre à {tgt_fr} et doit être évaluée en tant que telle."
            ),
        ),
        Rule::AllPairsRejected => Text::new(
            format!(
                "Every pair linking this requirement to {src_en} was rejected in review ({}): assess it on its own.",
                provenance.len()
            ),
            format!(
                "Toutes les paires reliant cette exigence à {src_fr} ont été rejetées en revue ({}) : évaluez-la en tant que telle.",
                provenance.len()
            ),
        ),
        Rule::OnlyNotApplicableSources => Text::new(
            format!(
                "The linked requirements of {src_en} ({}) are not applicable, which gives no coverage: assess this requirement on its own.",
                not_applicable.0
            ),
            format!(
                "Les exigences liées de {src_fr} ({}) sont non applicables, ce qui n'apporte aucune couverture : évaluez cette exigence en tant que telle.",
                not_applicable.1
            ),
        ),
        Rule::SourcesNotAssessed => Text::new(
            format!(
                "The linked requirements of {src_en} ({}) are not assessed yet.",
                all.0
            ),
            format!(
                "Les exigences liées de {src_fr} ({}) ne sont pas encore évaluées.",
                all.1
            ),
        ),
        Rule::EqualSourceNonCompliant => {
            let equal = refs_where(&|p| {
                p.source_result == ResultValue::NonCompliant
                    && p.relationship == hygeia_catalog::Relationship::Equal
            });
            Text::new(
                format!(
                    "Non-compliant: {} has the same content and is non-compliant.",
                    equal.0
                ),
                format!(
                    "Non conforme : {} a le même contenu et est non conforme.",
                    equal.1
                ),
            )
        }
        Rule::AllSourcesNonCompliant => Text::new(
            format!(
                "Non-compliant: every assessed linked requirement is non-compliant ({}).",
                non_compliant.0
            ),
            format!(
                "Non conforme : toutes les exigences liées évaluées sont non conformes ({}).",
                non_compliant.1
            ),
        ),
        Rule::SomeSourceNonCompliant => Text::new(
            format!(
                "At best partially compliant, because linked requirements are non-compliant: {}.",
                non_compliant.0
            ),
            format!(
                "Au mieux partiellement conforme, car des exigences liées sont non conformes : {}.",
                non_compliant.1
            ),
        ),
        Rule::CoveredByCompliantSources => {
            let covering = refs_where(&|p| p.counted_as == Contribution::Covers);
            Text::new(
                format!(
                    "Compliant: {} covers this requirement (equal or superset) and every linked requirement is compliant ({}).",
                    covering.0, all.0
                ),
                format!(
                    "Conforme : {} couvre cette exigence (égalité ou sur-ensemble) et toutes les exigences liées sont conformes ({}).",
                    covering.1, all.1
                ),
            )
        }
        Rule::PartialRelationshipsOnly => Text::new(
            format!(
                "Partially compliant: every linked requirement is compliant ({}), but each covers only part of this requirement (intersect or subset); check the rest before accepting.",
                all.0
            ),
            format!(
                "Partiellement conforme : toutes les exigences liées sont conformes ({}), mais chacune ne couvre qu'une partie de cette exigence (intersection ou sous-ensemble) ; vérifiez le reste avant d'accepter.",
                all.1
            ),
        ),
        Rule::MixedSourceResults => {
            let partial = refs_where(&|p| p.source_result == ResultValue::PartiallyCompliant);
            let pending = refs_where(&|p| p.source_result == ResultValue::NotAssessed);
            let (mut en, mut fr) = (
                String::from("Partially compliant: not every linked requirement is compliant"),
                String::from(
                    "Partiellement conforme : les exigences liées ne sont pas toutes conformes",
                ),
            );
            if !partial.0.is_empty() {
                en.push_str(&format!("; partially compliant: {}", partial.0));
                fr.push_str(&format!(" ; partiellement conformes : {}", partial.1));
            }
            if !pending.0.is_empty() {
                en.push_str(&format!("; not assessed: {}", pending.0));
                fr.push_str(&format!(" ; non évaluées : {}", pending.1));
            }
            Text::new(format!("{en}."), format!("{fr}."))
        }
        Rule::CoveredByReview
        | Rule::DeltaToConfirm
        | Rule::DeltaConfirmed
        | Rule::NotCoveredByReview => review
            .and_then(|r| reviewed::explain(rule, r, source))
            .unwrap_or_else(|| {
                Text::new(
                    format!("Decided by a reviewed crosswalk between {src_en} and {tgt_en}."),
                    format!("Décidé par une correspondance revue entre {src_fr} et {tgt_fr}."),
                )
            }),
    };
    if rule != Rule::OnlyNotApplicableSources && !not_applicable.0.is_empty() {
        text.en.push_str(&format!(
            " Not applicable, not counted: {}.",
            not_applicable.0
        ));
        text.fr.push_str(&format!(
            " Non applicables, non prises en compte : {}.",
            not_applicable.1
        ));
    }
    append_group_failures(&mut text, provenance);
    append_reviews(&mut text, provenance);
    text
}

/// Name the failing members of grouping nodes, so a failure inside a clause still shows.
fn append_group_failures(text: &mut Text, provenance: &[Provenance]) {
    for p in provenance {
        if p.counted_as == Contribution::IgnoredRejected {
            continue;
        }
        if let Some(group) = &p.source_group
            && !group.non_compliant_members.is_empty()
        {
            let members: Vec<&str> = group
                .non_compliant_members
                .iter()
                .map(String::as_str)
                .collect();
            let (en, fr) = list(&members);
            text.en
                .push_str(&format!(" Within {}, non-compliant: {en}.", p.source_ref));
            text.fr
                .push_str(&format!(" Dans {}, non conformes : {fr}.", p.source_ref));
        }
    }
}

/// Say which pairs a review changed.
fn append_reviews(text: &mut Text, provenance: &[Provenance]) {
    let refined: Vec<String> = provenance
        .iter()
        .filter(|p| matches!(p.review, ReviewState::Refined { .. }))
        .map(|p| format!("{} ({})", p.source_ref, p.relationship.code()))
        .collect();
    let rejected: Vec<&str> = provenance
        .iter()
        .filter(|p| matches!(p.review, ReviewState::Rejected { .. }))
        .map(|p| p.source_ref.as_str())
        .collect();
    if !refined.is_empty() {
        let refs: Vec<&str> = refined.iter().map(String::as_str).collect();
        let (en, fr) = list(&refs);
        text.en.push_str(&format!(" Refined in review: {en}."));
        text.fr.push_str(&format!(" Affinées en revue : {fr}."));
    }
    if !rejected.is_empty()
        && provenance
            .iter()
            .any(|p| p.counted_as != Contribution::IgnoredRejected)
    {
        let (en, fr) = list(&rejected);
        text.en
            .push_str(&format!(" Rejected in review, ignored: {en}."));
        text.fr
            .push_str(&format!(" Rejetées en revue, ignorées : {fr}."));
    }
}

/// Distinct references, the first few then "and N more" (English, French).
fn list(refs: &[&str]) -> (String, String) {
    let mut distinct: Vec<&str> = Vec::new();
    for r in refs {
        if !distinct.contains(r) {
            distinct.push(r);
        }
    }
    let shown = distinct
        .iter()
        .take(SHOWN_REFERENCES)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    let more = distinct.len().saturating_sub(SHOWN_REFERENCES);
    if more == 0 {
        (shown.clone(), shown)
    } else {
        (
            format!("{shown} and {more} more"),
            format!("{shown} et {more} autres"),
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::list;

    #[test]
    fn lists_are_distinct_and_capped() {
        assert_eq!(list(&["A.5.1", "A.5.1", "5.2"]).0, "A.5.1, 5.2");
        let many = ["1", "2", "3", "4", "5", "6", "7", "8"];
        let (en, fr) = list(&many);
        assert_eq!(en, "1, 2, 3, 4, 5, 6 and 2 more");
        assert_eq!(fr, "1, 2, 3, 4, 5, 6 et 2 autres");
    }
}
