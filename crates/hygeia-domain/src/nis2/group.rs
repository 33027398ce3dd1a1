//! The figures that decide the size class of an entity that belongs to a group, under
//! Commission Recommendation 2003/361/EC (Annex, Arts. 3 and 6) as NIS2 Art. 2(1) applies it.
//!
//! - An autonomous enterprise is measured on its own accounts (Annex Art. 6(1)).
//! - A **linked** enterprise (one controls the other, typically more than 50 % of the voting
//!   rights, Annex Art. 3(3)) is counted in full, unless already included in consolidated
//!   accounts (Annex Art. 6(2), third subparagraph).
//! - A **partner** enterprise (25 % or more, without control, Annex Art. 3(2)) is counted in
//!   proportion to the share held, capital or voting rights whichever is greater (Annex
//!   Art. 6(2), second subparagraph).
//! - Consolidated accounts, where they exist, replace the entity's own figures and those of the
//!   enterprises they include (Annex Art. 6(2), first subparagraph).
//! - NIS2 recital 16 lets a Member State take into account that the entity is independent of
//!   its partner and linked enterprises as regards the network and information systems it uses
//!   and the services it provides: it may then be measured on its own figures. That is a
//!   national choice, recorded here with its justification.

use serde::{Deserialize, Serialize};

use super::Step;

const REC: &str = "Recommendation 2003/361/EC, Annex, Art. 6(2)";

/// Size figures of one enterprise: staff in annual work units, money in EUR. `None` means
/// unknown (not recorded), never zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Figures {
    pub employees: u32,
    pub annual_turnover_eur: Option<u64>,
    pub balance_sheet_eur: Option<u64>,
}

/// How another enterprise relates to the entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Control relationship (Annex Art. 3(3)): counted in full.
    Linked,
    /// 25 % or more without control (Annex Art. 3(2)): counted pro rata.
    Partner,
}

impl LinkKind {
    pub const ALL: [LinkKind; 2] = [LinkKind::Linked, LinkKind::Partner];

    pub fn code(self) -> &'static str {
        match self {
            LinkKind::Linked => "linked",
            LinkKind::Partner => "partner",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A linked or partner enterprise with the share of capital or voting rights held (whichever
/// is greater), in basis points (2 500 = 25 %).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedEnterprise {
    pub name: String,
    pub kind: LinkKind,
    pub share_basis_points: u32,
    pub figures: Figures,
}

/// What is known of the entity's group.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GroupInfo {
    /// The entity has a parent (recorded in Hygeia), so it is probably not autonomous.
    pub has_parent: bool,
    /// Consolidated figures of the accounts that include the entity, where they exist.
    pub consolidated: Option<Figures>,
    /// Linked and partner enterprises recorded one by one.
    pub related: Vec<RelatedEnterprise>,
    /// Why the entity's network and information systems and its services are independent of
    /// the group, when the national option of NIS2 recital 16 is relied on.
    pub independent_systems_justification: Option<String>,
}

impl GroupInfo {
    fn independence(&self) -> Option<&str> {
        self.independent_systems_justification
            .as_deref()
            .map(str::trim)
            .filter(|j| !j.is_empty())
    }

    /// Whether any group figure was recorded.
    pub fn has_figures(&self) -> bool {
        self.consolidated.is_some() || !self.related.is_empty()
    }
}

/// `value × share`, rounded to the nearest unit.
fn pro_rata(value: u64, basis_points: u32) -> u64 {
    let v = (u128::from(value) * u128::from(basis_points) + 5_000) / 10_000;
    u64::try_from(v).unwrap_or(u64::MAX)
}

/// Adds figures; an unknown amount is skipped and reported through `incomplete`.
struct Sum {
    employees: u64,
    turnover: Option<u64>,
    balance: Option<u64>,
    incomplete: bool,
}

impl Sum {
    fn new(base: Figures) -> Self {
        Self {
            employees: u64::from(base.employees),
            turnover: base.annual_turnover_eur,
            balance: base.balance_sheet_eur,
            incomplete: false,
        }
    }

    fn add(&mut self, f: Figures, basis_points: u32) {
        self.employees = self
            .employees
            .saturating_add(pro_rata(u64::from(f.employees), basis_points));
        for (total, part) in [
            (&mut self.turnover, f.annual_turnover_eur),
            (&mut self.balance, f.balance_sheet_eur),
        ] {
            match (part, total.as_mut()) {
                (Some(p), Some(t)) => *t = t.saturating_add(pro_rata(p, basis_points)),
                (Some(p), None) => {
                    *total = Some(pro_rata(p, basis_points));
                    self.incomplete = true;
                }
                (None, Some(_)) => self.incomplete = true,
                (None, None) => {}
            }
        }
    }

    fn figures(&self) -> Figures {
        Figures {
            employees: u32::try_from(self.employees).unwrap_or(u32::MAX),
            annual_turnover_eur: self.turnover,
            balance_sheet_eur: self.balance,
        }
    }
}

fn percent(basis_points: u32) -> String {
    let (whole, frac) = (basis_points / 100, basis_points % 100);
    if frac == 0 {
        format!("{whole} %")
    } else {
        format!("{whole}.{frac:02} %")
    }
}

fn names(related: &[&RelatedEnterprise]) -> String {
    related
        .iter()
        .map(|r| r.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The figures the size class rests on, with a reasoning step saying which were used and why.
pub fn size_figures(own: Figures, group: &GroupInfo) -> (Figures, Vec<Step>) {
    let mut steps = Vec::new();
    if let Some(why) = group.independence()
        && (group.has_figures() || group.has_parent)
    {
        steps.push(Step::new(
            "group_independent_systems",
            format!(
                "The entity is measured on its own figures although it belongs to a group: its network and information systems and its services are recorded as independent of its partner and linked enterprises (\u{201c}{why}\u{201d}). NIS2 lets the Member State take this independence into account; confirm that the national rules and the competent authority accept it."
            ),
            format!(
                "L'entité est mesurée sur ses propres données bien qu'elle appartienne à un groupe : ses réseaux et systèmes d'information et ses services sont déclarés indépendants de ses entreprises partenaires et liées (« {why} »). NIS2 permet à l'État membre de tenir compte de cette indépendance ; vérifiez que les règles nationales et l'autorité compétente l'admettent."
            ),
            "NIS2 recital 16; Recommendation 2003/361/EC, Annex, Art. 6(2)",
        ));
        return (own, steps);
    }
    let linked: Vec<_> = group
        .related
        .iter()
        .filter(|r| r.kind == LinkKind::Linked)
        .collect();
    let partners: Vec<_> = group
        .related
        .iter()
        .filter(|r| r.kind == LinkKind::Partner)
        .collect();
    if !group.has_figures() {
        if group.has_parent {
            steps.push(Step::new(
                "group_figures_missing",
                "The entity has a parent in the group, but neither consolidated figures nor linked or partner enterprises were recorded: the size class rests on the entity's own figures, which understates it when the parent controls the entity (linked enterprises count in full).",
                "L'entité a une société mère dans le groupe, mais ni données consolidées ni entreprises liées ou partenaires n'ont été enregistrées : la catégorie de taille repose sur les seules données de l'entité, ce qui la sous-estime si la société mère contrôle l'entité (les entreprises liées comptent pour 100 %).",
                "Recommendation 2003/361/EC, Annex, Arts. 3 and 6",
            ));
        } else {
            steps.push(Step::new(
                "group_autonomous",
                "No partner or linked enterprise was recorded: the entity is treated as autonomous and measured on its own accounts.",
                "Aucune entreprise partenaire ou liée n'a été enregistrée : l'entité est traitée comme autonome et mesurée sur ses propres comptes.",
                "Recommendation 2003/361/EC, Annex, Arts. 3(1) and 6(1)",
            ));
        }
        return (own, steps);
    }
    let mut sum = match group.consolidated {
        Some(c) => {
            steps.push(Step::new(
                "group_consolidated",
                if linked.is_empty() {
                    "Consolidated accounts including the entity were recorded: their figures replace the entity's own."
                        .to_owned()
                } else {
                    format!(
                        "Consolidated accounts including the entity were recorded: their figures replace the entity's own, and the linked enterprises recorded ({}) are taken as already included in them.",
                        names(&linked)
                    )
                },
                if linked.is_empty() {
                    "Des comptes consolidés incluant l'entité ont été enregistrés : leurs données remplacent celles de l'entité."
                        .to_owned()
                } else {
                    format!(
                        "Des comptes consolidés incluant l'entité ont été enregistrés : leurs données remplacent celles de l'entité, et les entreprises liées enregistrées ({}) sont considérées comme déjà reprises par consolidation.",
                        names(&linked)
                    )
                },
                REC,
            ));
            Sum::new(c)
        }
        None => {
            let mut sum = Sum::new(own);
            if !linked.is_empty() {
                for r in &linked {
                    sum.add(r.figures, 10_000);
                }
                steps.push(Step::new(
                    "group_linked_in_full",
                    format!(
                        "Linked enterprises ({}) are added in full to the entity's own figures, whatever the share held.",
                        names(&linked)
                    ),
                    format!(
                        "Les données des entreprises liées ({}) sont ajoutées à 100 % à celles de l'entité, quelle que soit la part détenue.",
                        names(&linked)
                    ),
                    REC,
                ));
            }
            sum
        }
    };
    if !partners.is_empty() {
        for r in &partners {
            sum.add(r.figures, r.share_basis_points);
        }
        let list = partners
            .iter()
            .map(|r| format!("{} {}", r.name, percent(r.share_basis_points)))
            .collect::<Vec<_>>()
            .join(", ");
        steps.push(Step::new(
            "group_partners_pro_rata",
            format!(
                "Partner enterprises are added in proportion to the share of capital or voting rights held, whichever is greater: {list}."
            ),
            format!(
                "Les données des entreprises partenaires sont ajoutées au prorata de la participation au capital ou des droits de vote, le plus élevé des deux : {}.",
                list.replace('.', ",")
            ),
            REC,
        ));
    }
    if sum.incomplete {
        steps.push(Step::new(
            "group_figures_incomplete",
            "A turnover or balance-sheet total of the group is unknown: the known amounts were added, so the resulting size class is a lower bound.",
            "Un chiffre d'affaires ou un total du bilan du groupe est inconnu : les montants connus ont été additionnés, la catégorie de taille obtenue est donc un minimum.",
            REC,
        ));
    }
    let used = sum.figures();
    steps.push(Step::new(
        "group_figures_used",
        format!(
            "Figures used for the size class: {} annual work units, turnover {}, balance-sheet total {}.",
            used.employees,
            money_en(used.annual_turnover_eur),
            money_en(used.balance_sheet_eur)
        ),
        format!(
            "Données retenues pour la catégorie de taille : {} unités de travail annuel, chiffre d'affaires {}, total du bilan {}.",
            used.employees,
            money_fr(used.annual_turnover_eur),
            money_fr(used.balance_sheet_eur)
        ),
        REC,
    ));
    (used, steps)
}

fn money_en(v: Option<u64>) -> String {
    v.map_or_else(|| "unknown".to_owned(), |v| format!("EUR {v}"))
}

fn money_fr(v: Option<u64>) -> String {
    v.map_or_else(|| "inconnu".to_owned(), |v| format!("{v} EUR"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const M: u64 = 1_000_000;

    fn figures(employees: u32, turnover: Option<u64>, balance: Option<u64>) -> Figures {
        Figures {
            employees,
            annual_turnover_eur: turnover,
            balance_sheet_eur: balance,
        }
    }

    fn related(kind: LinkKind, share: u32, f: Figures) -> RelatedEnterprise {
        RelatedEnterprise {
            name: format!("{} {share}", kind.code()),
            kind,
            share_basis_points: share,
            figures: f,
        }
    }

    fn codes(steps: &[Step]) -> Vec<&str> {
        steps.iter().map(|s| s.code.as_str()).collect()
    }

    #[test]
    fn linked_in_full_partners_pro_rata() {
        let own = figures(180, Some(30 * M), Some(20 * M));
        let group = GroupInfo {
            has_parent: true,
            related: vec![
                related(LinkKind::Linked, 6_000, figures(1_350, Some(400 * M), None)),
                related(
                    LinkKind::Partner,
                    2_550,
                    figures(100, Some(10 * M), Some(8 * M)),
                ),
            ],
            ..GroupInfo::default()
        };
        let (used, steps) = size_figures(own, &group);
        // 180 + 1350 (in full, not 60 %) + 25.5 % of 100 = 1555.5 → 1556.
        assert_eq!(used.employees, 1_556);
        assert_eq!(used.annual_turnover_eur, Some(432_550_000));
        // Linked balance sheet unknown: the known amounts are added, flagged as a lower bound.
        assert_eq!(used.balance_sheet_eur, Some(22_040_000));
        let c = codes(&steps);
        for code in [
            "group_linked_in_full",
            "group_partners_pro_rata",
            "group_figures_incomplete",
            "group_figures_used",
        ] {
            assert!(c.contains(&code), "{code} in {c:?}");
        }
        assert!(steps.iter().any(|s| s.fr.contains("25,50 %")));
    }

    #[test]
    fn consolidated_accounts_replace_own_and_linked() {
        let own = figures(180, Some(30 * M), Some(20 * M));
        let group = GroupInfo {
            consolidated: Some(figures(1_530, Some(430 * M), Some(300 * M))),
            related: vec![
                related(
                    LinkKind::Linked,
                    10_000,
                    figures(1_350, Some(400 * M), None),
                ),
                related(
                    LinkKind::Partner,
                    5_000,
                    figures(10, Some(2 * M), Some(2 * M)),
                ),
            ],
            ..GroupInfo::default()
        };
        let (used, steps) = size_figures(own, &group);
        assert_eq!(used.employees, 1_535);
        assert_eq!(used.annual_turnover_eur, Some(431 * M));
        assert_eq!(used.balance_sheet_eur, Some(301 * M));
        assert!(codes(&steps).contains(&"group_consolidated"));
        assert!(!codes(&steps).contains(&"group_linked_in_full"));
    }

    #[test]
    fn independence_keeps_own_figures_with_its_justification() {
        let own = figures(180, Some(30 * M), Some(20 * M));
        let group = GroupInfo {
            has_parent: true,
            related: vec![related(
                LinkKind::Linked,
                10_000,
                figures(5_000, None, None),
            )],
            independent_systems_justification: Some(
                "Own data centre, own network, no shared identity".into(),
            ),
            ..GroupInfo::default()
        };
        let (used, steps) = size_figures(own, &group);
        assert_eq!(used, own);
        assert_eq!(codes(&steps), ["group_independent_systems"]);
        assert!(steps[0].en.contains("Own data centre"));
        assert!(steps[0].article.contains("recital 16"));
        // A blank justification is no justification.
        let blank = GroupInfo {
            independent_systems_justification: Some("   ".into()),
            ..group
        };
        assert_eq!(size_figures(own, &blank).0.employees, 5_180);
    }

    #[test]
    fn no_group_data() {
        let own = figures(10, None, None);
        let (used, steps) = size_figures(own, &GroupInfo::default());
        assert_eq!(used, own);
        assert_eq!(codes(&steps), ["group_autonomous"]);
        let child = GroupInfo {
            has_parent: true,
            ..GroupInfo::default()
        };
        assert_eq!(
            codes(&size_figures(own, &child).1),
            ["group_figures_missing"]
        );
    }

    #[test]
    fn pro_rata_rounds_and_never_overflows() {
        assert_eq!(pro_rata(3, 5_000), 2); // 1.5 → 2
        assert_eq!(pro_rata(100, 2_500), 25);
        assert_eq!(pro_rata(u64::MAX, 10_000), u64::MAX);
        assert_eq!(percent(2_500), "25 %");
        assert_eq!(percent(3_333), "33.33 %");
    }
}
