//! Entities with several activities (several NIS2 entity types), the activities that can sit
//! on both Annexes, and guidance for the types users most often hesitate over.

use super::Step;
use super::entity_type::EntityType;

/// A pair of entity types whose scopes overlap: the same product or activity can be read
/// under an Annex I entry and an Annex II one. Listed by their Annex I type first.
pub struct Overlap {
    pub annex_i: EntityType,
    pub annex_ii: EntityType,
    pub en: &'static str,
    pub fr: &'static str,
}

/// The overlaps Hygeia warns about (paraphrased; NACE Rev. 2 class notes and the Annexes).
pub const OVERLAPS: &[Overlap] = &[
    Overlap {
        annex_i: EntityType::BasicPharmaceuticalManufacturing,
        annex_ii: EntityType::MedicalDeviceManufacturing,
        en: "Medical diagnostic preparations are pharmaceutical preparations under NACE 21.20 (Annex I, health) and can also be in vitro diagnostic medical devices under Regulation (EU) 2017/746 (Annex II, point 5(a)).",
        fr: "Les préparations de diagnostic médical relèvent des préparations pharmaceutiques de la NACE 21.20 (annexe I, santé) et peuvent aussi être des dispositifs médicaux de diagnostic in vitro au sens du règlement (UE) 2017/746 (annexe II, point 5 a)).",
    },
    Overlap {
        annex_i: EntityType::BasicPharmaceuticalManufacturing,
        annex_ii: EntityType::ChemicalsManufacturing,
        en: "Active pharmaceutical ingredients are basic pharmaceutical products under NACE 21.10 (Annex I, health) and are also substances manufactured within the meaning of REACH (Annex II, point 3).",
        fr: "Les principes actifs pharmaceutiques sont des produits pharmaceutiques de base de la NACE 21.10 (annexe I, santé) et aussi des substances fabriquées au sens de REACH (annexe II, point 3).",
    },
    Overlap {
        annex_i: EntityType::CriticalMedicalDeviceManufacturing,
        annex_ii: EntityType::MedicalDeviceManufacturing,
        en: "A device on the public-health-emergency critical devices list moves its manufacturer from Annex II, point 5(a), to Annex I (health, 5th indent); Annex II excludes those manufacturers.",
        fr: "Un dispositif figurant sur la liste des dispositifs critiques en cas d'urgence de santé publique fait passer son fabricant de l'annexe II, point 5 a), à l'annexe I (santé, 5e tiret) ; l'annexe II exclut ces fabricants.",
    },
];

/// The entity's activities: the main type first, then the others, without repeats.
pub fn distinct(main: EntityType, others: &[EntityType]) -> Vec<EntityType> {
    let mut all = vec![main];
    for t in others {
        if !all.contains(t) {
            all.push(*t);
        }
    }
    all
}

/// A warning for every overlapping pair among the activities.
pub fn overlap_steps(activities: &[EntityType]) -> Vec<Step> {
    OVERLAPS
        .iter()
        .filter(|o| activities.contains(&o.annex_i) && activities.contains(&o.annex_ii))
        .map(|o| {
            Step::new(
                "activity_on_both_annexes",
                format!(
                    "Warning: {} The Annex I reading is the more demanding one and is retained; check which entry the competent authority applies.",
                    o.en
                ),
                format!(
                    "Attention : {} La lecture de l'annexe I, plus exigeante, est retenue ; vérifiez l'entrée qu'applique l'autorité compétente.",
                    o.fr
                ),
                "Art. 2(1), Annexes I and II",
            )
        })
        .collect()
}

/// Guidance for types users hesitate over, as (topic code, English, French).
pub const GUIDANCE: &[(&str, &str, &str)] = &[
    (
        "public_hospital",
        "A public hospital is a healthcare provider (Annex I, health), not a public administration entity: its public status does not move it to the public administration sector. The Recommendation's rule that an enterprise 25 % or more held by public bodies is not an SME does not apply for NIS2.",
        "Un hôpital public est un prestataire de soins de santé (annexe I, santé), pas une entité de l'administration publique : son statut public ne le fait pas relever du secteur de l'administration publique. La règle de la recommandation selon laquelle une entreprise détenue à 25 % ou plus par des organismes publics n'est pas une PME ne s'applique pas pour NIS2.",
    ),
    (
        "cro",
        "A contract research organisation that carries out research and development of medicinal products for sponsors is usually an entity carrying out R&D of medicinal products (Annex I, health, 3rd indent).",
        "Une organisation de recherche sous contrat qui mène des activités de recherche et développement de médicaments pour des promoteurs relève en général des entités exerçant des activités de recherche et de développement de médicaments (annexe I, santé, 3e tiret).",
    ),
    (
        "wholesaler",
        "Wholesale distribution of medicinal products is not an entity type of the health sector: a wholesaler that neither manufactures nor carries out R&D is outside the Annexes unless the Member State designates it; chemical distribution (Annex II, point 3) concerns substances and mixtures under REACH.",
        "La distribution en gros de médicaments n'est pas un type d'entité du secteur de la santé : un grossiste-répartiteur qui ne fabrique pas et ne fait pas de recherche et développement est hors des annexes sauf désignation par l'État membre ; la distribution de produits chimiques (annexe II, point 3) vise les substances et mélanges au sens de REACH.",
    ),
    (
        "api",
        "Manufacturing active pharmaceutical ingredients is NACE 21.10, basic pharmaceutical products: Annex I, health, 4th indent (not Annex II chemicals).",
        "La fabrication de principes actifs pharmaceutiques relève de la NACE 21.10, produits pharmaceutiques de base : annexe I, santé, 4e tiret (et non les produits chimiques de l'annexe II).",
    ),
];

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::Annex;
    use super::*;

    #[test]
    fn overlaps_pair_annex_i_with_annex_ii() {
        for o in OVERLAPS {
            assert_eq!(o.annex_i.annex(), Some(Annex::I));
            assert_eq!(o.annex_ii.annex(), Some(Annex::II));
        }
    }

    #[test]
    fn warns_only_when_both_are_present() {
        use EntityType as T;
        assert!(overlap_steps(&[T::BasicPharmaceuticalManufacturing]).is_empty());
        let both = distinct(
            T::BasicPharmaceuticalManufacturing,
            &[
                T::MedicalDeviceManufacturing,
                T::BasicPharmaceuticalManufacturing,
            ],
        );
        assert_eq!(both.len(), 2);
        let steps = overlap_steps(&both);
        assert_eq!(steps.len(), 1);
        assert!(steps[0].en.contains("21.20"));
    }
}
