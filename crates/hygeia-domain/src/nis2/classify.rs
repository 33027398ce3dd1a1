//! Essential / important / out-of-scope classification (NIS2 Art. 2 and 3). Its consequences
//! (Art. 3(4), 27, 32, 33, 34) are in `consequences`, group figures in `group`, several
//! activities in `activities`.

use serde::{Deserialize, Serialize};

use super::Step;
use super::activities;
use super::consequences::{CompetentAuthority, Registration, Supervision, consequences};
use super::entity_type::{Annex, EntityType, Sector};
use super::group::{Figures, GroupInfo, size_figures};
use super::size::{SizeClass, size_class};

/// What we know about one legal entity.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct EntityProfile {
    pub entity_type: EntityType,
    /// Staff headcount in annual work units.
    pub employees: u32,
    /// The entity's own annual turnover in EUR; `None` when unknown.
    pub annual_turnover_eur: Option<u64>,
    /// The entity's own annual balance-sheet total in EUR; `None` when unknown.
    pub balance_sheet_eur: Option<u64>,
    /// Identified by a Member State under Art. 2(2)(b)–(e) (sole provider, public-health or
    /// safety impact, systemic risk, national/regional importance), or, for regional public
    /// administration, under Art. 2(2)(f)(ii). Such an entity is essential (Art. 3(1)(e)) unless
    /// `designated_as_important` is set.
    pub designated_by_member_state: bool,
    /// The Member State identified the entity as important rather than essential (Art. 3(2)).
    pub designated_as_important: bool,
    /// Identified as a critical entity under the CER Directive (EU) 2022/2557 (Art. 2(3),
    /// essential under Art. 3(1)(f)).
    pub cer_critical_entity: bool,
    /// Identified as an operator of essential services under NIS1 before 16 January 2023, where
    /// the Member State chose to keep them essential (Art. 3(1)(g)).
    pub nis1_operator_of_essential_services: bool,
    /// Other activities of the entity (further entity types); the most demanding one decides.
    pub other_activities: Vec<EntityType>,
    /// A local public administration entity that the Member State brought into scope under
    /// the option of Art. 2(5)(a).
    pub local_public_administration: bool,
    /// Owned or run by a public authority (a public hospital, for instance): Art. 34(7).
    pub public_body: bool,
    /// ISO 3166-1 alpha-2 Member State of establishment (Art. 26), for the national authority.
    pub member_state: String,
    /// Links to the group, for the size class (Recommendation 2003/361/EC, Annex Art. 6).
    pub group: GroupInfo,
    /// Total worldwide annual turnover of the undertaking (the group) in the preceding
    /// financial year, in EUR: the base of the Art. 34 fine ceiling.
    pub group_worldwide_turnover_eur: Option<u64>,
}

/// Outcome of the classification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    OutOfScope,
    Important,
    Essential,
}

impl Class {
    pub fn code(self) -> &'static str {
        match self {
            Class::OutOfScope => "out_of_scope",
            Class::Important => "important",
            Class::Essential => "essential",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Class::OutOfScope => "out of scope",
            Class::Important => "important entity",
            Class::Essential => "essential entity",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Class::OutOfScope => "hors champ",
            Class::Important => "entité importante",
            Class::Essential => "entité essentielle",
        }
    }
}

/// Administrative fine ceiling of Art. 34 (Member States may set higher ceilings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FineCeiling {
    pub article: String,
    /// Fixed amount (EUR 10 M essential, EUR 7 M important).
    pub fixed_eur: u64,
    /// Percentage of worldwide annual turnover, in basis points (200 = 2 %, 140 = 1.4 %).
    pub turnover_basis_points: u32,
    /// The turnover-based amount, when a turnover was given.
    pub turnover_based_eur: Option<u64>,
    /// Whichever is higher of the two (the fixed amount when no turnover was given).
    pub max_fine_eur: u64,
}

/// The classification with its reasoning and consequences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// `essential`, `important` or `out_of_scope`.
    pub classification: Class,
    pub entity_type: EntityType,
    pub entity_type_label_en: String,
    pub entity_type_label_fr: String,
    pub annex: Option<Annex>,
    pub annex_reference: String,
    pub sector: Sector,
    pub size_class: SizeClass,
    /// Reasoning, in the order applied.
    pub steps: Vec<Step>,
    /// `None` when out of scope.
    pub supervision: Option<Supervision>,
    /// Art. 34 ceiling; `None` when out of scope.
    pub fine: Option<FineCeiling>,
    /// Same as `fine.max_fine_eur`, flattened for simple clients.
    pub max_fine_eur: Option<u64>,
    pub registration_required: bool,
    pub registration: Option<Registration>,
    /// The national competent authority and registration channel, where known.
    pub competent_authority: Option<CompetentAuthority>,
    /// Every activity considered, the main one first; `entity_type` is the one that decided.
    pub activities: Vec<EntityType>,
    /// The figures the size class rests on (the entity's own, or the group's).
    pub size_figures: Figures,
}

fn pct(turnover: u64, basis_points: u32) -> u64 {
    let v = u128::from(turnover) * u128::from(basis_points) / 10_000;
    u64::try_from(v).unwrap_or(u64::MAX)
}

/// Fine ceiling for a class and a turnover (Art. 34(4)–(5)).
pub fn fine_ceiling(class: Class, turnover_eur: Option<u64>) -> Option<FineCeiling> {
    let (article, fixed, bp) = match class {
        Class::Essential => ("Art. 34(4)", 10_000_000, 200),
        Class::Important => ("Art. 34(5)", 7_000_000, 140),
        Class::OutOfScope => return None,
    };
    let turnover_based = turnover_eur.map(|t| pct(t, bp));
    Some(FineCeiling {
        article: article.to_owned(),
        fixed_eur: fixed,
        turnover_basis_points: bp,
        turnover_based_eur: turnover_based,
        max_fine_eur: turnover_based.map_or(fixed, |t| t.max(fixed)),
    })
}

/// Where the type is listed.
fn annex_step(t: EntityType) -> Step {
    match t.annex() {
        Some(annex) => Step::new(
            match annex {
                Annex::I => "annex_i",
                Annex::II => "annex_ii",
            },
            format!(
                "\"{}\" is an entity type of {} ({}), sector {}.",
                t.label_en(),
                annex,
                t.annex_reference(),
                t.sector().label_en()
            ),
            format!(
                "« {} » est un type d'entité de l'annexe {} ({}), secteur {}.",
                t.label_fr(),
                match annex {
                    Annex::I => "I",
                    Annex::II => "II",
                },
                crate::legal_ref::in_french(t.annex_reference()),
                t.sector().label_fr()
            ),
            "Art. 2(1), Annexes I and II",
        ),
        None => Step::new(
            "not_listed",
            "The entity type is not listed in Annex I or II.",
            "Le type d'entité ne figure ni à l'annexe I ni à l'annexe II.",
            "Art. 2(1)",
        ),
    }
}

/// The rules of Art. 2 and 3 for one entity type at a given size: the class and its steps.
fn type_rules(p: &EntityProfile, t: EntityType, size: SizeClass) -> (Class, Vec<Step>) {
    let mut steps = vec![annex_step(t)];
    let mut class = Class::OutOfScope;

    // 3. CER critical entity: applies regardless of size and type.
    if p.cer_critical_entity {
        class = class.max(Class::Essential);
        steps.push(Step::new(
            "cer_critical_entity",
            "Identified as a critical entity under the CER Directive (EU) 2022/2557: in scope regardless of size, and essential.",
            "Identifiée comme entité critique au titre de la directive REC (UE) 2022/2557 : dans le champ quelle que soit sa taille, et essentielle.",
            "Art. 2(3), Art. 3(1)(f)",
        ));
    }

    if let Some(annex) = t.annex() {
        // 4. Size-independent types (Art. 2(2)(a) and (f)).
        match t {
            EntityType::QualifiedTrustServiceProvider
            | EntityType::TldNameRegistry
            | EntityType::DnsServiceProvider => {
                class = class.max(Class::Essential);
                steps.push(Step::new(
                    "size_independent_essential",
                    "Qualified trust service providers, TLD name registries and DNS service providers are covered whatever their size and are always essential.",
                    "Les prestataires de services de confiance qualifiés, les registres de noms de domaine de premier niveau et les fournisseurs de services DNS sont couverts quelle que soit leur taille et sont toujours essentiels.",
                    "Art. 2(2)(a), Art. 3(1)(b)",
                ));
            }
            EntityType::PublicElectronicCommunications => {
                let c = if size >= SizeClass::Medium {
                    Class::Essential
                } else {
                    Class::Important
                };
                class = class.max(c);
                steps.push(Step::new(
                    "size_independent_electronic_communications",
                    if c == Class::Essential {
                        "Providers of public electronic communications networks or services are covered whatever their size; at medium size or above they are essential."
                    } else {
                        "Providers of public electronic communications networks or services are covered whatever their size; below medium size they are important."
                    },
                    if c == Class::Essential {
                        "Les fournisseurs de réseaux ou services de communications électroniques publics sont couverts quelle que soit leur taille ; à partir de la taille moyenne, ils sont essentiels."
                    } else {
                        "Les fournisseurs de réseaux ou services de communications électroniques publics sont couverts quelle que soit leur taille ; en dessous de la taille moyenne, ils sont importants."
                    },
                    if c == Class::Essential { "Art. 2(2)(a), Art. 3(1)(c)" } else { "Art. 2(2)(a), Art. 3(2)" },
                ));
            }
            EntityType::TrustServiceProvider => {
                let c = if size == SizeClass::Large {
                    Class::Essential
                } else {
                    Class::Important
                };
                class = class.max(c);
                steps.push(Step::new(
                    "size_independent_trust_service",
                    if c == Class::Essential {
                        "Non-qualified trust service providers are covered whatever their size; a large one is essential as an Annex I entity above the medium ceilings."
                    } else {
                        "Non-qualified trust service providers are covered whatever their size; below the large size they are important."
                    },
                    if c == Class::Essential {
                        "Les prestataires de services de confiance non qualifiés sont couverts quelle que soit leur taille ; une grande entreprise est essentielle comme entité de l'annexe I dépassant les plafonds des moyennes entreprises."
                    } else {
                        "Les prestataires de services de confiance non qualifiés sont couverts quelle que soit leur taille ; en dessous de la grande taille, ils sont importants."
                    },
                    if c == Class::Essential { "Art. 2(2)(a), Art. 3(1)(a)" } else { "Art. 2(2)(a), Art. 3(2)" },
                ));
            }
            EntityType::CentralPublicAdministration => {
                class = class.max(Class::Essential);
                steps.push(Step::new(
                    "size_independent_public_administration",
                    "Central government public administration entities are covered whatever their size and are essential.",
                    "Les entités de l'administration publique centrale sont couvertes quelle que soit leur taille et sont essentielles.",
                    "Art. 2(2)(f)(i), Art. 3(1)(d)",
                ));
            }
            EntityType::RegionalPublicAdministration => {
                if p.designated_by_member_state {
                    class = class.max(Class::Important);
                    steps.push(Step::new(
                        "regional_public_administration_identified",
                        "The Member State identified this regional public administration entity after a risk-based assessment: covered whatever its size, as an important entity.",
                        "L'État membre a identifié cette entité de l'administration publique régionale après une évaluation fondée sur les risques : couverte quelle que soit sa taille, comme entité importante.",
                        "Art. 2(2)(f)(ii), Art. 3(2)",
                    ));
                } else {
                    steps.push(Step::new(
                        "regional_public_administration_not_identified",
                        "Regional public administration is covered only when the Member State identifies the entity after a risk-based assessment; no such identification was given.",
                        "L'administration publique régionale n'est couverte que si l'État membre identifie l'entité après une évaluation fondée sur les risques ; aucune identification n'a été indiquée.",
                        "Art. 2(2)(f)(ii)",
                    ));
                }
            }
            _ => {}
        }

        // 5. The size-cap rule for every other type.
        let size_rule_applies = !matches!(
            t,
            EntityType::CentralPublicAdministration | EntityType::RegionalPublicAdministration
        );
        if size_rule_applies {
            let by_size = match (annex, size) {
                (Annex::I, SizeClass::Large) => Class::Essential,
                (_, SizeClass::Medium | SizeClass::Large) => Class::Important,
                _ => Class::OutOfScope,
            };
            match by_size {
                Class::Essential => steps.push(Step::new(
                    "annex_i_large",
                    "An Annex I entity that exceeds the medium-sized ceilings is essential.",
                    "Une entité de l'annexe I qui dépasse les plafonds des moyennes entreprises est essentielle.",
                    "Art. 2(1), Art. 3(1)(a)",
                )),
                Class::Important => steps.push(Step::new(
                    if annex == Annex::I { "annex_i_medium" } else { "annex_ii_medium_or_large" },
                    if annex == Annex::I {
                        "A medium-sized Annex I entity meets the size cap without exceeding it: it is important."
                    } else {
                        "An Annex II entity of medium size or above meets the size cap and is important, whatever its size beyond that."
                    },
                    if annex == Annex::I {
                        "Une entité de l'annexe I de taille moyenne atteint le seuil de taille sans le dépasser : elle est importante."
                    } else {
                        "Une entité de l'annexe II de taille moyenne ou plus atteint le seuil de taille et est importante, quelle que soit sa taille au-delà."
                    },
                    "Art. 2(1), Art. 3(2)",
                )),
                Class::OutOfScope => {
                    if class == Class::OutOfScope {
                        steps.push(Step::new(
                            "below_size_cap",
                            format!(
                                "A {} is below the NIS2 size cap (medium-sized enterprise or larger) and no size-independent rule applies.",
                                size.label_en()
                            ),
                            format!(
                                "Une {} est sous le seuil de taille de NIS2 (moyenne entreprise ou plus) et aucune règle indépendante de la taille ne s'applique.",
                                size.label_fr()
                            ),
                            "Art. 2(1)",
                        ));
                    }
                }
            }
            class = class.max(by_size);
        }

        // 6. Member-State designation (Art. 2(2)(b)–(e)).
        if p.designated_by_member_state && t != EntityType::RegionalPublicAdministration {
            let c = if p.designated_as_important {
                Class::Important
            } else {
                Class::Essential
            };
            let before = class;
            class = class.max(c);
            steps.push(Step::new(
                "member_state_designation",
                format!(
                    "The Member State identified the entity under Art. 2(2)(b)–(e) (for instance because a disruption could significantly affect public health) as {}{}.",
                    c.label_en(),
                    if before > c { "; the size rule already gives a higher class, which prevails" } else { "" }
                ),
                format!(
                    "L'État membre a identifié l'entité au titre de l'art. 2, par. 2, points b) à e) (par exemple parce qu'une perturbation pourrait avoir un impact important sur la santé publique) comme {}{}.",
                    c.label_fr(),
                    if before > c { " ; la règle de taille donne déjà une classe supérieure, qui prévaut" } else { "" }
                ),
                if c == Class::Essential { "Art. 2(2)(b)–(e), Art. 3(1)(e)" } else { "Art. 2(2)(b)–(e), Art. 3(2)" },
            ));
        } else if class == Class::OutOfScope && t.sector() == Sector::Health {
            steps.push(Step::new(
                "health_no_size_exemption_without_designation",
                "No health entity type is covered regardless of size: a smaller health entity comes into scope only if the Member State identifies it, e.g. because a disruption could significantly affect public health.",
                "Aucun type d'entité de santé n'est couvert indépendamment de sa taille : une entité de santé plus petite n'entre dans le champ que si l'État membre l'identifie, par exemple parce qu'une perturbation pourrait avoir un impact important sur la santé publique.",
                "Art. 2(2)(c)",
            ));
        }

        // 7. NIS1 operators of essential services (Member-State option).
        if p.nis1_operator_of_essential_services {
            class = class.max(Class::Essential);
            steps.push(Step::new(
                "nis1_operator_of_essential_services",
                "Identified as an operator of essential services under NIS1 before 16 January 2023, and the Member State keeps such entities essential.",
                "Identifiée comme opérateur de services essentiels au titre de NIS1 avant le 16 janvier 2023, et l'État membre maintient ces entités comme essentielles.",
                "Art. 3(1)(g)",
            ));
        }

        // 8. Lex specialis for finance.
        if matches!(
            t,
            EntityType::Banking | EntityType::FinancialMarketInfrastructure
        ) && class != Class::OutOfScope
        {
            steps.push(Step::new(
                "lex_specialis_dora",
                "For this financial entity, DORA (Regulation (EU) 2022/2554) replaces the NIS2 risk-management and reporting duties as a sector-specific act.",
                "Pour cette entité financière, DORA (règlement (UE) 2022/2554) remplace les obligations de gestion des risques et de notification de NIS2 en tant qu'acte sectoriel.",
                "Art. 4",
            ));
        }
    } else if p.designated_by_member_state && class == Class::OutOfScope {
        steps.push(Step::new(
            "designation_requires_listed_type",
            "A Member-State designation under Art. 2(2) only concerns entities of a type listed in Annex I or II.",
            "Une désignation par l'État membre au titre de l'art. 2, par. 2 ne vise que des entités d'un type listé à l'annexe I ou II.",
            "Art. 2(2)",
        ));
    }

    (class, steps)
}

/// Local public administration under the national option of Art. 2(5)(a).
fn local_public_administration(p: &EntityProfile, class: Class) -> Option<(Class, Step)> {
    if !p.local_public_administration {
        return None;
    }
    let c = class.max(Class::Important);
    Some((
        c,
        Step::new(
            "local_public_administration_option",
            "The Member State applies NIS2 to public administration entities at local level, and this entity is one of them. The Directive leaves their class to national law: shown here as important at least, to be confirmed against the national text.",
            "L'État membre applique NIS2 aux entités de l'administration publique au niveau local, dont cette entité fait partie. La directive laisse leur catégorie au droit national : elle est indiquée ici comme au moins importante, à confirmer au regard du texte national.",
            "Art. 2(5)(a)",
        ),
    ))
}

/// A step for a public healthcare provider: still a healthcare provider.
fn public_health_step(p: &EntityProfile, t: EntityType) -> Option<Step> {
    (p.public_body && t == EntityType::HealthcareProvider).then(|| Step::new(
        "public_healthcare_provider",
        "A public hospital remains a healthcare provider (Annex I, health), not a public administration entity; and for NIS2 an entity held 25 % or more by public bodies is still measured by the size ceilings (the Recommendation's Annex Art. 3(4) does not apply).",
        "Un hôpital public reste un prestataire de soins de santé (annexe I, santé), et non une entité de l'administration publique ; pour NIS2, une entité détenue à 25 % ou plus par des organismes publics reste mesurée selon les plafonds de taille (l'article 3, paragraphe 4, de l'annexe de la recommandation ne s'applique pas).",
        "Art. 2(1); Recommendation 2003/361/EC, Annex, Art. 3(4)",
    ))
}

/// Classify an entity. Never fails: every profile has an answer, with its reasoning.
pub fn classify(p: &EntityProfile) -> Classification {
    let activities = activities::distinct(p.entity_type, &p.other_activities);

    // 1. The figures: the entity's own or the group's, then the size class on them.
    let own = Figures {
        employees: p.employees,
        annual_turnover_eur: p.annual_turnover_eur,
        balance_sheet_eur: p.balance_sheet_eur,
    };
    let (used, mut size_steps) = size_figures(own, &p.group);
    let (size, class_steps) = size_class(
        used.employees,
        used.annual_turnover_eur,
        used.balance_sheet_eur,
    );
    size_steps.extend(class_steps);

    // 2. Each activity under the rules; the most demanding wins (class, then Annex I).
    let rank = |c: Class, t: EntityType| (c, t.annex() == Some(Annex::I));
    let mut best: Option<(EntityType, Class, Vec<Step>)> = None;
    for t in &activities {
        let (c, s) = type_rules(p, *t, size);
        if best
            .as_ref()
            .is_none_or(|(bt, bc, _)| rank(c, *t) > rank(*bc, *bt))
        {
            best = Some((*t, c, s));
        }
    }
    let (t, mut class, type_steps) =
        best.unwrap_or_else(|| (p.entity_type, Class::OutOfScope, Vec::new()));

    let mut steps = Vec::new();
    if activities.len() > 1 {
        let list_en = activities
            .iter()
            .map(|a| a.label_en())
            .collect::<Vec<_>>()
            .join("; ");
        let list_fr = activities
            .iter()
            .map(|a| a.label_fr())
            .collect::<Vec<_>>()
            .join(" ; ");
        steps.push(Step::new(
            "several_activities",
            format!(
                "The entity has several activities ({list_en}); each is assessed and the most demanding result is retained: \"{}\".",
                t.label_en()
            ),
            format!(
                "L'entité exerce plusieurs activités ({list_fr}) ; chacune est examinée et le résultat le plus exigeant est retenu : « {} ».",
                t.label_fr()
            ),
            "Art. 2(1), Art. 3, Annexes I and II",
        ));
        steps.extend(activities::overlap_steps(&activities));
    }
    let mut type_steps = type_steps.into_iter();
    steps.extend(type_steps.next());
    steps.extend(size_steps);
    steps.push(Step::new(
        "size_two_consecutive_years",
        "Figures are those of the last closed accounting period, on an annual basis, staff in annual work units. Crossing a ceiling changes the size class only when it happens in two consecutive accounting periods.",
        "Les données sont celles du dernier exercice comptable clôturé, calculées sur une base annuelle, l'effectif en unités de travail annuel. Le franchissement d'un plafond ne change la catégorie de taille que s'il se produit sur deux exercices consécutifs.",
        "Recommendation 2003/361/EC, Annex, Arts. 4(1)–(2) and 5",
    ));
    steps.extend(public_health_step(p, t));
    steps.extend(type_steps);
    if let Some((c, step)) = local_public_administration(p, class) {
        class = c;
        steps.push(step);
    }

    // 3. Result and consequences.
    steps.push(Step::new(
        "result",
        format!("Result: {}.", class.label_en()),
        format!("Résultat : {}.", class.label_fr()),
        match class {
            Class::Essential => "Art. 3(1)",
            Class::Important => "Art. 3(2)",
            Class::OutOfScope => "Art. 2",
        },
    ));
    let c = consequences(p, t, class, &mut steps);

    Classification {
        classification: class,
        entity_type: t,
        entity_type_label_en: t.label_en().to_owned(),
        entity_type_label_fr: t.label_fr().to_owned(),
        annex: t.annex(),
        annex_reference: t.annex_reference().to_owned(),
        sector: t.sector(),
        size_class: size,
        steps,
        supervision: c.supervision,
        max_fine_eur: c.fine.as_ref().map(|f| f.max_fine_eur),
        fine: c.fine,
        registration_required: c.registration.is_some(),
        registration: c.registration,
        competent_authority: c.competent_authority,
        activities,
        size_figures: used,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::SupervisionRegime;
    use super::*;
    use EntityType as T;

    const M: u64 = 1_000_000;

    fn profile(
        t: EntityType,
        employees: u32,
        turnover: Option<u64>,
        balance: Option<u64>,
    ) -> EntityProfile {
        EntityProfile {
            entity_type: t,
            employees,
            annual_turnover_eur: turnover,
            balance_sheet_eur: balance,
            ..EntityProfile::default()
        }
    }

    fn codes(c: &Classification) -> Vec<&str> {
        c.steps.iter().map(|s| s.code.as_str()).collect()
    }

    #[test]
    fn table_of_edge_cases() {
        use Class::*;
        // (type, employees, turnover, balance sheet, expected class, a step code that must appear)
        type Case = (
            EntityType,
            u32,
            Option<u64>,
            Option<u64>,
            Class,
            &'static str,
        );
        let cases: &[Case] = &[
            // Annex I health: large essential, medium important, small out.
            (
                T::HealthcareProvider,
                1200,
                Some(150 * M),
                Some(90 * M),
                Essential,
                "annex_i_large",
            ),
            (
                T::HealthcareProvider,
                250,
                Some(5 * M),
                Some(5 * M),
                Essential,
                "annex_i_large",
            ),
            (
                T::HealthcareProvider,
                249,
                Some(50 * M),
                Some(43 * M),
                Important,
                "annex_i_medium",
            ),
            (
                T::HealthcareProvider,
                249,
                Some(51 * M),
                Some(43 * M),
                Important,
                "annex_i_medium",
            ),
            (
                T::HealthcareProvider,
                249,
                Some(51 * M),
                Some(44 * M),
                Essential,
                "annex_i_large",
            ),
            (
                T::HealthcareProvider,
                49,
                Some(9 * M),
                Some(9 * M),
                OutOfScope,
                "below_size_cap",
            ),
            (
                T::HealthcareProvider,
                49,
                Some(11 * M),
                Some(11 * M),
                Important,
                "annex_i_medium",
            ),
            (
                T::HealthcareProvider,
                49,
                Some(11 * M),
                Some(9 * M),
                OutOfScope,
                "health_no_size_exemption_without_designation",
            ),
            (
                T::HealthcareProvider,
                50,
                None,
                None,
                Important,
                "size_financials_missing",
            ),
            (
                T::BasicPharmaceuticalManufacturing,
                40,
                Some(80 * M),
                Some(60 * M),
                Essential,
                "annex_i_large",
            ),
            (
                T::MedicinalProductRd,
                120,
                Some(20 * M),
                None,
                Important,
                "annex_i_medium",
            ),
            (
                T::EuReferenceLaboratory,
                8,
                Some(M),
                Some(M),
                OutOfScope,
                "below_size_cap",
            ),
            (
                T::CriticalMedicalDeviceManufacturing,
                300,
                None,
                None,
                Essential,
                "annex_i_large",
            ),
            // Annex II: medium or large important, small out.
            (
                T::MedicalDeviceManufacturing,
                5000,
                Some(900 * M),
                Some(800 * M),
                Important,
                "annex_ii_medium_or_large",
            ),
            (
                T::MedicalDeviceManufacturing,
                60,
                Some(8 * M),
                Some(6 * M),
                Important,
                "annex_ii_medium_or_large",
            ),
            (
                T::MedicalDeviceManufacturing,
                30,
                Some(8 * M),
                Some(6 * M),
                OutOfScope,
                "below_size_cap",
            ),
            (
                T::ChemicalsManufacturing,
                300,
                None,
                None,
                Important,
                "annex_ii_medium_or_large",
            ),
            // Size-independent types.
            (
                T::QualifiedTrustServiceProvider,
                3,
                Some(M),
                Some(M),
                Essential,
                "size_independent_essential",
            ),
            (
                T::DnsServiceProvider,
                3,
                None,
                None,
                Essential,
                "size_independent_essential",
            ),
            (
                T::TldNameRegistry,
                20,
                None,
                None,
                Essential,
                "size_independent_essential",
            ),
            (
                T::TrustServiceProvider,
                3,
                None,
                None,
                Important,
                "size_independent_trust_service",
            ),
            (
                T::TrustServiceProvider,
                400,
                None,
                None,
                Essential,
                "size_independent_trust_service",
            ),
            (
                T::PublicElectronicCommunications,
                5,
                None,
                None,
                Important,
                "size_independent_electronic_communications",
            ),
            (
                T::PublicElectronicCommunications,
                60,
                None,
                None,
                Essential,
                "size_independent_electronic_communications",
            ),
            (
                T::CentralPublicAdministration,
                5,
                None,
                None,
                Essential,
                "size_independent_public_administration",
            ),
            (
                T::RegionalPublicAdministration,
                5000,
                None,
                None,
                OutOfScope,
                "regional_public_administration_not_identified",
            ),
            // Not listed.
            (
                T::NotListed,
                10_000,
                Some(5_000 * M),
                Some(5_000 * M),
                OutOfScope,
                "not_listed",
            ),
            // Finance: in scope, DORA noted.
            (
                T::Banking,
                1000,
                None,
                None,
                Essential,
                "lex_specialis_dora",
            ),
        ];
        for (t, e, tu, b, want, code) in cases {
            let c = classify(&profile(*t, *e, *tu, *b));
            assert_eq!(
                c.classification, *want,
                "{t:?} {e} {tu:?} {b:?}: {:#?}",
                c.steps
            );
            assert!(
                codes(&c).contains(code),
                "{t:?} {e}: missing {code} in {:?}",
                codes(&c)
            );
            assert_eq!(codes(&c).iter().filter(|s| **s == "result").count(), 1);
            assert_eq!(c.registration_required, *want != OutOfScope);
            assert_eq!(c.supervision.is_some(), *want != OutOfScope);
            assert_eq!(c.max_fine_eur.is_some(), *want != OutOfScope);
            for s in &c.steps {
                assert!(
                    !s.en.is_empty() && !s.fr.is_empty() && !s.article.is_empty(),
                    "{s:?}"
                );
            }
        }
    }

    #[test]
    fn designation_brings_small_health_entities_in() {
        let mut p = profile(T::HealthcareProvider, 20, Some(3 * M), Some(3 * M));
        p.designated_by_member_state = true;
        let c = classify(&p);
        assert_eq!(c.classification, Class::Essential);
        assert!(codes(&c).contains(&"member_state_designation"));

        p.designated_as_important = true;
        assert_eq!(classify(&p).classification, Class::Important);

        // A designation as important does not downgrade a large Annex I entity.
        let mut big = profile(T::HealthcareProvider, 2000, None, None);
        big.designated_by_member_state = true;
        big.designated_as_important = true;
        assert_eq!(classify(&big).classification, Class::Essential);

        // Designation does not apply to unlisted types.
        let mut other = profile(T::NotListed, 20, None, None);
        other.designated_by_member_state = true;
        let c = classify(&other);
        assert_eq!(c.classification, Class::OutOfScope);
        assert!(codes(&c).contains(&"designation_requires_listed_type"));

        // Regional public administration needs identification and is then important.
        let mut reg = profile(T::RegionalPublicAdministration, 100, None, None);
        reg.designated_by_member_state = true;
        assert_eq!(classify(&reg).classification, Class::Important);
    }

    #[test]
    fn cer_and_nis1_make_essential() {
        let mut p = profile(T::NotListed, 5, None, None);
        p.cer_critical_entity = true;
        assert_eq!(classify(&p).classification, Class::Essential);
        let mut p = profile(T::MedicalDeviceManufacturing, 100, None, None);
        p.nis1_operator_of_essential_services = true;
        assert_eq!(classify(&p).classification, Class::Essential);
    }

    #[test]
    fn fine_ceilings() {
        // Essential: max(EUR 10 M, 2 %).
        let c = classify(&profile(T::HealthcareProvider, 1000, Some(400 * M), None));
        assert_eq!(c.max_fine_eur, Some(10 * M)); // 2 % of 400 M = 8 M < 10 M
        let c = classify(&profile(T::HealthcareProvider, 1000, Some(2_000 * M), None));
        assert_eq!(c.max_fine_eur, Some(40 * M));
        // Important: max(EUR 7 M, 1.4 %).
        let c = classify(&profile(
            T::MedicalDeviceManufacturing,
            1000,
            Some(1_000 * M),
            None,
        ));
        assert_eq!(c.max_fine_eur, Some(14 * M));
        let c = classify(&profile(
            T::MedicalDeviceManufacturing,
            100,
            Some(20 * M),
            None,
        ));
        assert_eq!(c.max_fine_eur, Some(7 * M));
        let c = classify(&profile(T::MedicalDeviceManufacturing, 100, None, None));
        assert_eq!(c.max_fine_eur, Some(7 * M));
        // No overflow on absurd turnover.
        let f = fine_ceiling(Class::Essential, Some(u64::MAX)).unwrap();
        assert!(f.max_fine_eur > 10 * M);
        assert_eq!(fine_ceiling(Class::OutOfScope, Some(M)), None);
    }

    #[test]
    fn supervision_and_registration() {
        let c = classify(&profile(T::HealthcareProvider, 1000, None, None));
        assert_eq!(
            c.supervision.as_ref().unwrap().regime,
            SupervisionRegime::ExAnte
        );
        assert_eq!(c.supervision.as_ref().unwrap().article, "Art. 32");
        let c = classify(&profile(T::HealthcareProvider, 100, None, None));
        assert_eq!(
            c.supervision.as_ref().unwrap().regime,
            SupervisionRegime::ExPost
        );
        assert_eq!(c.supervision.as_ref().unwrap().article, "Art. 33");
        let c = classify(&profile(T::CloudComputingProvider, 100, None, None));
        assert_eq!(c.registration.as_ref().unwrap().article, "Art. 27");
    }

    #[test]
    fn json_shape() {
        let c = classify(&profile(T::HealthcareProvider, 100, Some(20 * M), None));
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["classification"], "important");
        assert_eq!(v["entity_type"], "healthcare_provider");
        assert_eq!(v["annex"], "I");
        assert_eq!(v["size_class"], "medium");
        assert_eq!(v["supervision"]["regime"], "ex_post");
        assert_eq!(v["max_fine_eur"], 7_000_000);
        assert_eq!(v["registration_required"], true);
        assert!(
            v["steps"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["code"].is_string()
                    && s["en"].is_string()
                    && s["fr"].is_string()
                    && s["article"].is_string())
        );
        let out = classify(&profile(T::HealthcareProvider, 10, Some(M), None));
        let v = serde_json::to_value(&out).unwrap();
        assert_eq!(v["classification"], "out_of_scope");
        assert!(v["supervision"].is_null());
    }

    #[test]
    fn table_of_profile_flags() {
        use Class::*;
        // (type, employees, designated, as important, CER, NIS1, local option, expected, code)
        type Case = (EntityType, u32, [bool; 5], Class, &'static str);
        let cases: &[Case] = &[
            // Designation under Art. 2(2)(b)-(e): a small hospital comes in, essential or important.
            (
                T::HealthcareProvider,
                20,
                [true, false, false, false, false],
                Essential,
                "member_state_designation",
            ),
            (
                T::HealthcareProvider,
                20,
                [true, true, false, false, false],
                Important,
                "member_state_designation",
            ),
            (
                T::HealthcareProvider,
                20,
                [false, false, false, false, false],
                OutOfScope,
                "health_no_size_exemption_without_designation",
            ),
            (
                T::NotListed,
                20,
                [true, false, false, false, false],
                OutOfScope,
                "designation_requires_listed_type",
            ),
            // CER critical entity (Art. 2(3), 3(1)(f)), whatever the size or type.
            (
                T::NotListed,
                5,
                [false, false, true, false, false],
                Essential,
                "cer_critical_entity",
            ),
            (
                T::MedicalDeviceManufacturing,
                5,
                [false, false, true, false, false],
                Essential,
                "cer_critical_entity",
            ),
            // Former NIS1 operator of essential services (Art. 3(1)(g)).
            (
                T::MedicalDeviceManufacturing,
                100,
                [false, false, false, true, false],
                Essential,
                "nis1_operator_of_essential_services",
            ),
            (
                T::HealthcareProvider,
                100,
                [false, false, false, true, false],
                Essential,
                "nis1_operator_of_essential_services",
            ),
            // Local public administration under the national option (Art. 2(5)(a)).
            (
                T::NotListed,
                40,
                [false, false, false, false, true],
                Important,
                "local_public_administration_option",
            ),
            (
                T::NotListed,
                40,
                [false, false, true, false, true],
                Essential,
                "local_public_administration_option",
            ),
        ];
        for (t, e, [designated, as_important, cer, nis1, local], want, code) in cases {
            let p = EntityProfile {
                entity_type: *t,
                employees: *e,
                designated_by_member_state: *designated,
                designated_as_important: *as_important,
                cer_critical_entity: *cer,
                nis1_operator_of_essential_services: *nis1,
                local_public_administration: *local,
                ..EntityProfile::default()
            };
            let c = classify(&p);
            assert_eq!(c.classification, *want, "{t:?} {e}: {:?}", codes(&c));
            assert!(
                codes(&c).contains(code),
                "{t:?}: {code} not in {:?}",
                codes(&c)
            );
            assert_eq!(c.registration_required, *want != OutOfScope);
        }
    }

    #[test]
    fn several_activities_the_most_demanding_wins() {
        // A large IVD maker that also makes diagnostic preparations (NACE 21.20).
        let mut p = profile(T::MedicalDeviceManufacturing, 600, Some(120 * M), None);
        assert_eq!(classify(&p).classification, Class::Important);
        p.other_activities = vec![T::BasicPharmaceuticalManufacturing];
        let c = classify(&p);
        assert_eq!(c.classification, Class::Essential);
        assert_eq!(c.entity_type, T::BasicPharmaceuticalManufacturing);
        assert_eq!(c.annex, Some(Annex::I));
        assert_eq!(
            c.activities,
            [
                T::MedicalDeviceManufacturing,
                T::BasicPharmaceuticalManufacturing
            ]
        );
        let got = codes(&c);
        assert_eq!(got[0], "several_activities");
        assert!(got.contains(&"activity_on_both_annexes"));
        assert!(got.contains(&"annex_i_large"));
        // At equal class, Annex I is preferred; a repeated activity counts once.
        let mut p = profile(T::ChemicalsManufacturing, 100, None, None);
        p.other_activities = vec![
            T::BasicPharmaceuticalManufacturing,
            T::ChemicalsManufacturing,
        ];
        let c = classify(&p);
        assert_eq!(c.classification, Class::Important);
        assert_eq!(c.entity_type, T::BasicPharmaceuticalManufacturing);
        assert_eq!(c.activities.len(), 2);
        // Without an overlapping pair there is no warning.
        let mut p = profile(T::HealthcareProvider, 100, None, None);
        p.other_activities = vec![T::ResearchOrganisation];
        assert!(!codes(&classify(&p)).contains(&"activity_on_both_annexes"));
    }

    #[test]
    fn group_figures_decide_the_size() {
        use super::super::{Figures, LinkKind, RelatedEnterprise};
        let parent = |share| RelatedEnterprise {
            name: "Groupe Exemple SA".into(),
            kind: LinkKind::Linked,
            share_basis_points: share,
            figures: Figures {
                employees: 1_350,
                annual_turnover_eur: Some(400 * M),
                balance_sheet_eur: Some(350 * M),
            },
        };
        // 180 staff, EUR 30 M / 20 M: medium and important on its own figures...
        let mut p = profile(
            T::BasicPharmaceuticalManufacturing,
            180,
            Some(30 * M),
            Some(20 * M),
        );
        p.group.has_parent = true;
        let c = classify(&p);
        assert_eq!(c.classification, Class::Important);
        assert!(codes(&c).contains(&"group_figures_missing"));
        // ...large and essential with the linked parent counted in full, even at 51 %.
        p.group.related = vec![parent(5_100)];
        let c = classify(&p);
        assert_eq!(c.size_class, SizeClass::Large);
        assert_eq!(c.classification, Class::Essential);
        assert_eq!(c.size_figures.employees, 1_530);
        assert!(codes(&c).contains(&"group_linked_in_full"));
        // A partner at 25 % counts pro rata: 180 + 25 % of 280 = 250 staff, large.
        let mut q = profile(
            T::BasicPharmaceuticalManufacturing,
            180,
            Some(30 * M),
            Some(20 * M),
        );
        q.group.related = vec![RelatedEnterprise {
            name: "Partenaire".into(),
            kind: LinkKind::Partner,
            share_basis_points: 2_500,
            figures: Figures {
                employees: 280,
                annual_turnover_eur: Some(8 * M),
                balance_sheet_eur: Some(4 * M),
            },
        }];
        let c = classify(&q);
        assert_eq!(c.size_figures.employees, 250);
        assert_eq!(c.classification, Class::Essential);
        assert!(codes(&c).contains(&"group_partners_pro_rata"));
        q.group.related[0].share_basis_points = 2_000;
        assert_eq!(classify(&q).classification, Class::Important);
        // Independent network and information systems: own figures, with the justification.
        p.group.independent_systems_justification =
            Some("Separate network, own identity provider, no shared hosting".into());
        let c = classify(&p);
        assert_eq!(c.classification, Class::Important);
        assert!(codes(&c).contains(&"group_independent_systems"));
        // Consolidated figures replace own and linked ones.
        let mut r = profile(T::MedicalDeviceManufacturing, 40, Some(5 * M), Some(5 * M));
        r.group.consolidated = Some(Figures {
            employees: 300,
            annual_turnover_eur: None,
            balance_sheet_eur: None,
        });
        let c = classify(&r);
        assert_eq!(c.classification, Class::Important);
        assert!(codes(&c).contains(&"group_consolidated"));
        assert!(codes(&c).contains(&"size_two_consecutive_years"));
    }

    #[test]
    fn fines_use_the_worldwide_turnover_of_the_group() {
        let mut p = profile(
            T::BasicPharmaceuticalManufacturing,
            900,
            Some(180 * M),
            None,
        );
        // Own turnover only: 2 % of 180 M = 3.6 M < 10 M; the step says it understates.
        let c = classify(&p);
        assert_eq!(c.max_fine_eur, Some(10 * M));
        let fine = c.steps.iter().find(|s| s.code == "fine_ceiling").unwrap();
        assert!(fine.en.contains("not recorded"), "{}", fine.en);
        // Group worldwide turnover EUR 2.5 bn: 2 % = 50 M.
        p.group_worldwide_turnover_eur = Some(2_500 * M);
        let c = classify(&p);
        assert_eq!(c.max_fine_eur, Some(50 * M));
        assert_eq!(c.fine.as_ref().unwrap().turnover_based_eur, Some(50 * M));
        let fine = c.steps.iter().find(|s| s.code == "fine_ceiling").unwrap();
        assert!(
            fine.en.contains("group turnover EUR 2,500,000,000"),
            "{}",
            fine.en
        );
        assert!(fine.fr.contains("2 500 000 000 EUR"), "{}", fine.fr);
        // Important: 1.4 % of the group turnover.
        let mut q = profile(T::MedicalDeviceManufacturing, 100, Some(20 * M), None);
        q.group_worldwide_turnover_eur = Some(1_000 * M);
        assert_eq!(classify(&q).max_fine_eur, Some(14 * M));
        // Public bodies: Art. 34(7) is mentioned.
        let mut h = profile(T::HealthcareProvider, 3_000, Some(300 * M), None);
        h.public_body = true;
        let c = classify(&h);
        let fine = c.steps.iter().find(|s| s.code == "fine_ceiling").unwrap();
        assert!(fine.article.contains("Art. 34(7)"));
        assert!(codes(&c).contains(&"public_healthcare_provider"));
        let c = classify(&profile(T::CentralPublicAdministration, 10, None, None));
        let fine = c.steps.iter().find(|s| s.code == "fine_ceiling").unwrap();
        assert!(fine.article.contains("Art. 34(7)"));
    }

    #[test]
    fn france_names_the_authority_and_its_registration_service() {
        let mut p = profile(T::HealthcareProvider, 1_000, None, None);
        p.member_state = "FR".into();
        let c = classify(&p);
        let a = c.competent_authority.as_ref().unwrap();
        assert!(a.authority.starts_with("ANSSI"));
        assert_eq!(a.registration_channel, "MonEspaceNIS2");
        assert!(!a.confirmed);
        let step = c
            .steps
            .iter()
            .find(|s| s.code == "competent_authority")
            .unwrap();
        assert!(step.article.contains("to be confirmed"));
        // Out of scope: no registration, no authority; another Member State: not known.
        p.employees = 10;
        assert!(classify(&p).competent_authority.is_none());
        let mut d = profile(T::HealthcareProvider, 1_000, None, None);
        d.member_state = "DE".into();
        assert!(classify(&d).competent_authority.is_none());
    }

    #[test]
    fn unknown_figures_and_work_units_are_said() {
        let c = classify(&profile(T::HealthcareProvider, 100, None, None));
        let step = c
            .steps
            .iter()
            .find(|s| s.code == "size_financials_missing")
            .unwrap();
        assert!(step.en.contains("not the same as zero"));
        let size = c.steps.iter().find(|s| s.code == "size_class").unwrap();
        assert!(size.en.contains("annual work units"), "{}", size.en);
        assert!(size.fr.contains("unités de travail annuel"), "{}", size.fr);
    }

    #[test]
    fn monotone_in_size_for_listed_types() {
        // Growing an entity never lowers its class (property checked on a grid).
        for t in EntityType::ALL {
            let mut last = Class::OutOfScope;
            for e in [0u32, 9, 10, 49, 50, 249, 250, 10_000] {
                let c = classify(&profile(*t, e, None, None)).classification;
                assert!(c >= last, "{t:?} at {e}");
                last = c;
            }
        }
    }
}
