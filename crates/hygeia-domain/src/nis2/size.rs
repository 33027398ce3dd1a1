//! Enterprise size class under Commission Recommendation 2003/361/EC (Annex, Art. 2).
//!
//! A category applies when the staff headcount is below its ceiling **and** either the annual
//! turnover **or** the balance-sheet total does not exceed its ceiling. Staff are counted in
//! annual work units. NIS2 Art. 2(1) uses the medium-sized ceilings as its size cap.

use serde::{Deserialize, Serialize};

use super::Step;

/// Size class of an enterprise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    Micro,
    Small,
    Medium,
    Large,
}

impl SizeClass {
    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            SizeClass::Micro => "micro enterprise",
            SizeClass::Small => "small enterprise",
            SizeClass::Medium => "medium-sized enterprise",
            SizeClass::Large => "large enterprise",
        }
    }

    /// French label.
    pub fn label_fr(self) -> &'static str {
        match self {
            SizeClass::Micro => "microentreprise",
            SizeClass::Small => "petite entreprise",
            SizeClass::Medium => "moyenne entreprise",
            SizeClass::Large => "grande entreprise",
        }
    }

    /// At least medium-sized: the NIS2 size cap of Art. 2(1) is met.
    pub fn meets_nis2_size_cap(self) -> bool {
        self >= SizeClass::Medium
    }
}

/// Ceilings of one category of the Recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ceiling {
    pub class: SizeClass,
    /// Headcount must be strictly below this.
    pub staff_below: u32,
    /// Turnover must not exceed this (EUR).
    pub turnover_max_eur: u64,
    /// Balance-sheet total must not exceed this (EUR).
    pub balance_sheet_max_eur: u64,
}

/// Micro, small and medium ceilings, smallest first.
pub const CEILINGS: [Ceiling; 3] = [
    Ceiling {
        class: SizeClass::Micro,
        staff_below: 10,
        turnover_max_eur: 2_000_000,
        balance_sheet_max_eur: 2_000_000,
    },
    Ceiling {
        class: SizeClass::Small,
        staff_below: 50,
        turnover_max_eur: 10_000_000,
        balance_sheet_max_eur: 10_000_000,
    },
    Ceiling {
        class: SizeClass::Medium,
        staff_below: 250,
        turnover_max_eur: 50_000_000,
        balance_sheet_max_eur: 43_000_000,
    },
];

/// Whether the financial test of a ceiling passes: within when the turnover **or** the
/// balance sheet is within. A missing figure cannot prove "within"; when both are missing the
/// test is taken as passed (headcount alone decides) and the caller records the assumption.
fn financially_within(c: &Ceiling, turnover: Option<u64>, balance: Option<u64>) -> bool {
    match (turnover, balance) {
        (None, None) => true,
        (t, b) => {
            t.is_some_and(|t| t <= c.turnover_max_eur)
                || b.is_some_and(|b| b <= c.balance_sheet_max_eur)
        }
    }
}

fn eur_m(v: u64) -> String {
    // Render as millions with up to two decimals, without float formatting surprises.
    let whole = v / 1_000_000;
    let frac = (v % 1_000_000) / 10_000;
    if frac == 0 {
        format!("EUR {whole} M")
    } else {
        format!("EUR {whole}.{frac:02} M")
    }
}

fn fig(v: Option<u64>) -> String {
    v.map_or_else(|| "unknown".to_owned(), eur_m)
}

fn fig_fr(v: Option<u64>) -> String {
    v.map_or_else(|| "inconnu".to_owned(), |v| eur_m(v).replace('.', ","))
}

/// Size class with the reasoning steps that led to it.
pub fn size_class(
    employees: u32,
    annual_turnover_eur: Option<u64>,
    balance_sheet_eur: Option<u64>,
) -> (SizeClass, Vec<Step>) {
    let mut steps = Vec::new();
    const ART: &str = "Recommendation 2003/361/EC, Annex, Art. 2";

    if annual_turnover_eur.is_none() && balance_sheet_eur.is_none() {
        steps.push(Step::new(
            "size_financials_missing",
            "Annual turnover and balance-sheet total are unknown (not recorded, which is not the same as zero): the size class rests on the staff count alone, which understates it when either amount would exceed a ceiling. Record them to confirm the class.",
            "Le chiffre d'affaires annuel et le total du bilan sont inconnus (non renseignés, ce qui n'équivaut pas à zéro) : la catégorie de taille repose sur le seul effectif, ce qui la sous-estime si l'un de ces montants dépasse un plafond. Renseignez-les pour confirmer la catégorie.",
            ART,
        ));
    } else if annual_turnover_eur.is_none() || balance_sheet_eur.is_none() {
        steps.push(Step::new(
            "size_financials_partial",
            "Only one of turnover and balance-sheet total is known; the other is unknown (not zero): a ceiling counts as met only when the known amount is within it, the unknown one is not presumed to be within.",
            "Seul l'un des deux montants (chiffre d'affaires, total du bilan) est connu ; l'autre est inconnu (et non nul) : un plafond n'est considéré respecté que si le montant connu s'y trouve, le montant inconnu n'est pas présumé inférieur.",
            ART,
        ));
    }

    for c in &CEILINGS {
        let staff_ok = employees < c.staff_below;
        let money_ok = financially_within(c, annual_turnover_eur, balance_sheet_eur);
        if staff_ok && money_ok {
            steps.push(Step::new(
                "size_class",
                format!(
                    "{} annual work units of staff (below {}) with turnover {} (ceiling {}) or balance sheet {} (ceiling {}) within a ceiling: {}.",
                    employees,
                    c.staff_below,
                    fig(annual_turnover_eur),
                    eur_m(c.turnover_max_eur),
                    fig(balance_sheet_eur),
                    eur_m(c.balance_sheet_max_eur),
                    c.class.label_en()
                ),
                format!(
                    "Effectif de {} unités de travail annuel (moins de {}) et chiffre d'affaires {} (plafond {}) ou total du bilan {} (plafond {}) sous un plafond : {}.",
                    employees,
                    c.staff_below,
                    fig_fr(annual_turnover_eur),
                    eur_m(c.turnover_max_eur).replace('.', ","),
                    fig_fr(balance_sheet_eur),
                    eur_m(c.balance_sheet_max_eur).replace('.', ","),
                    c.class.label_fr()
                ),
                ART,
            ));
            return (c.class, steps);
        }
        if c.class == SizeClass::Medium {
            let (why_en, why_fr) = if !staff_ok {
                (
                    format!(
                        "{employees} annual work units of staff reach the medium ceiling of 250"
                    ),
                    format!(
                        "un effectif de {employees} unités de travail annuel atteint le plafond de 250 des moyennes entreprises"
                    ),
                )
            } else {
                (
                    format!(
                        "turnover {} exceeds EUR 50 M and balance sheet {} exceeds EUR 43 M",
                        fig(annual_turnover_eur),
                        fig(balance_sheet_eur)
                    ),
                    format!(
                        "le chiffre d'affaires {} dépasse 50 M EUR et le total du bilan {} dépasse 43 M EUR",
                        fig_fr(annual_turnover_eur),
                        fig_fr(balance_sheet_eur)
                    ),
                )
            };
            steps.push(Step::new(
                "size_class",
                format!("The medium-sized ceilings are exceeded ({why_en}): large enterprise."),
                format!("Les plafonds des moyennes entreprises sont dépassés ({why_fr}) : grande entreprise."),
                ART,
            ));
        }
    }
    (SizeClass::Large, steps)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    const M: u64 = 1_000_000;

    #[test]
    fn table_of_edge_cases() {
        use SizeClass::*;
        // (employees, turnover, balance sheet, expected)
        let cases: &[(u32, Option<u64>, Option<u64>, SizeClass)] = &[
            (0, None, None, Micro),
            (9, Some(2 * M), Some(2 * M), Micro),
            (9, Some(2 * M + 1), Some(2 * M), Micro), // balance sheet within: OR rule
            (9, Some(2 * M + 1), Some(2 * M + 1), Small),
            (10, Some(M), Some(M), Small), // headcount decides
            (49, Some(10 * M), None, Small),
            (49, Some(10 * M + 1), Some(10 * M + 1), Medium),
            (50, Some(M), Some(M), Medium), // 50 staff: no longer small
            (249, Some(50 * M), Some(43 * M), Medium),
            (249, Some(50 * M + 1), Some(43 * M), Medium), // balance sheet within
            (249, Some(50 * M), Some(43 * M + 1), Medium), // turnover within
            (249, Some(50 * M + 1), Some(43 * M + 1), Large), // both exceed
            (250, Some(M), Some(M), Large),                // headcount alone makes it large
            (250, None, None, Large),
            (249, None, None, Medium),
            (20, Some(60 * M), None, Large), // only turnover given, above every ceiling
            (20, None, Some(5 * M), Small),
            (5, Some(300 * M), Some(M), Micro), // tiny balance sheet keeps it micro
        ];
        for &(e, t, b, want) in cases {
            let (got, steps) = size_class(e, t, b);
            assert_eq!(got, want, "employees {e}, turnover {t:?}, balance {b:?}");
            assert!(steps.iter().any(|s| s.code == "size_class"));
        }
    }

    #[test]
    fn records_missing_financials() {
        let (_, steps) = size_class(100, None, None);
        assert_eq!(steps[0].code, "size_financials_missing");
        let (_, steps) = size_class(100, Some(M), None);
        assert_eq!(steps[0].code, "size_financials_partial");
    }

    #[test]
    fn size_cap() {
        assert!(!SizeClass::Small.meets_nis2_size_cap());
        assert!(SizeClass::Medium.meets_nis2_size_cap());
        assert!(SizeClass::Large.meets_nis2_size_cap());
    }

    #[test]
    fn money_rendering() {
        assert_eq!(eur_m(43 * M), "EUR 43 M");
        assert_eq!(eur_m(12_500_000), "EUR 12.50 M");
    }
}
