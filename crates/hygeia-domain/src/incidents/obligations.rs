//! Which reporting obligations an incident owes: an obligation applies to some entities (by
//! country, NIS2 entity type, NIS2 scope) and is triggered by verdicts on the incident (all of
//! its questions answered yes). While a triggering question is not yet known the obligation
//! is *possible*: its clock is shown, since the deadline runs from awareness either way.

use serde::Serialize;

use super::{Question, Verdict, Verdicts};

/// The entities an obligation concerns. Empty lists mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppliesTo {
    /// ISO 3166-1 alpha-2 countries of establishment.
    pub countries: Vec<String>,
    /// NIS2 entity type codes (any of the entity's activities).
    pub entity_types: Vec<String>,
    /// Only entities NIS2 classifies as essential or important.
    pub nis2_entities_only: bool,
}

/// What is known of an entity to decide whether an obligation concerns it.
#[derive(Debug, Clone, Copy)]
pub struct EntityFacts<'a> {
    pub country: &'a str,
    /// The entity's NIS2 entity types (main and other activities).
    pub entity_types: &'a [String],
    pub nis2_in_scope: bool,
}

impl AppliesTo {
    pub fn covers(&self, entity: EntityFacts<'_>) -> bool {
        (self.countries.is_empty() || self.countries.iter().any(|c| c == entity.country))
            && (self.entity_types.is_empty()
                || self
                    .entity_types
                    .iter()
                    .any(|t| entity.entity_types.contains(t)))
            && (!self.nis2_entities_only || entity.nis2_in_scope)
    }
}

/// Whether an incident owes an obligation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Applicability {
    /// Every triggering question is answered yes.
    Owed,
    /// None is answered no, but these are not yet known.
    Possible { pending: Vec<Question> },
    /// This question is answered no.
    NotOwed { because: Question },
    /// The obligation does not concern the incident's entity.
    OutOfScope,
}

impl Applicability {
    /// The obligation's clocks run (owed, or possibly owed).
    pub fn runs(&self) -> bool {
        matches!(self, Self::Owed | Self::Possible { .. })
    }
}

/// Applicability of an obligation triggered by `all_yes` (an empty list: every incident of
/// an entity it covers).
pub fn applicability(
    applies_to: &AppliesTo,
    all_yes: &[Question],
    entity: EntityFacts<'_>,
    verdicts: &Verdicts,
) -> Applicability {
    if !applies_to.covers(entity) {
        return Applicability::OutOfScope;
    }
    let mut pending = Vec::new();
    for &question in all_yes {
        match verdicts.get(question) {
            Verdict::Yes => {}
            Verdict::No => return Applicability::NotOwed { because: question },
            Verdict::Unknown => pending.push(question),
        }
    }
    if pending.is_empty() {
        Applicability::Owed
    } else {
        Applicability::Possible { pending }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn french_hospital(types: &[String]) -> EntityFacts<'_> {
        EntityFacts {
            country: "FR",
            entity_types: types,
            nis2_in_scope: true,
        }
    }

    #[test]
    fn verdicts_decide_owed_possible_or_not_owed() {
        let types = vec!["healthcare_provider".to_owned()];
        let nis2 = AppliesTo {
            nis2_entities_only: true,
            ..AppliesTo::default()
        };
        let mut verdicts = Verdicts::new();
        let trigger = [Question::Significant];
        assert_eq!(
            applicability(&nis2, &trigger, french_hospital(&types), &verdicts),
            Applicability::Possible {
                pending: vec![Question::Significant]
            }
        );
        verdicts.set(Question::Significant, Verdict::Yes);
        assert_eq!(
            applicability(&nis2, &trigger, french_hospital(&types), &verdicts),
            Applicability::Owed
        );
        verdicts.set(Question::Significant, Verdict::No);
        let not_owed = applicability(&nis2, &trigger, french_hospital(&types), &verdicts);
        assert_eq!(
            not_owed,
            Applicability::NotOwed {
                because: Question::Significant
            }
        );
        assert!(!not_owed.runs());
    }

    #[test]
    fn scope_follows_country_entity_type_and_nis2() {
        let types = vec!["healthcare_provider".to_owned()];
        let cert_sante = AppliesTo {
            countries: vec!["FR".into()],
            entity_types: vec!["healthcare_provider".into()],
            nis2_entities_only: false,
        };
        assert!(cert_sante.covers(french_hospital(&types)));
        let german = EntityFacts {
            country: "DE",
            ..french_hospital(&types)
        };
        assert!(!cert_sante.covers(german));
        let drug_maker = vec!["basic_pharmaceutical_manufacturing".to_owned()];
        assert!(!cert_sante.covers(french_hospital(&drug_maker)));
        let out_of_nis2 = EntityFacts {
            nis2_in_scope: false,
            ..french_hospital(&types)
        };
        let nis2 = AppliesTo {
            nis2_entities_only: true,
            ..AppliesTo::default()
        };
        assert_eq!(
            applicability(&nis2, &[], out_of_nis2, &Verdicts::new()),
            Applicability::OutOfScope
        );
        assert_eq!(
            applicability(&nis2, &[], french_hospital(&types), &Verdicts::new()),
            Applicability::Owed
        );
    }
}
