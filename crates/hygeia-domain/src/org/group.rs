//! An entity's links to its group as submitted: consolidated figures, linked and partner
//! enterprises with the share held, and the justification when the entity's network and
//! information systems are independent of the group (see [`crate::nis2::size_figures`]).

use serde::{Deserialize, Serialize};

use super::{MAX_EMPLOYEES, MAX_EUROS, check_amount};
use crate::nis2::{Figures, GroupInfo, LinkKind, RelatedEnterprise};
use crate::validation::{FieldError, ValidationErrors, Validator};

/// At most this many linked and partner enterprises per entity.
pub const MAX_GROUP_LINKS: usize = 50;

/// A linked or partner enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupLinkInput {
    /// `linked` (control: counted in full) or `partner` (25 % to 50 % without control:
    /// counted pro rata).
    pub kind: String,
    pub name: String,
    /// Share of capital or voting rights held, whichever is greater, in basis points
    /// (2 500 = 25 %). Partners: 2 500 to 5 000.
    pub share_basis_points: i64,
    /// Staff in annual work units.
    pub employees: i64,
    #[serde(default)]
    pub annual_turnover_eur: Option<i64>,
    #[serde(default)]
    pub balance_sheet_eur: Option<i64>,
}

/// The group of an entity, replaced as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupInput {
    /// Staff of the consolidated accounts that include the entity; with it the consolidated
    /// figures replace the entity's own and its linked enterprises'.
    #[serde(default)]
    pub consolidated_employees: Option<i64>,
    #[serde(default)]
    pub consolidated_turnover_eur: Option<i64>,
    #[serde(default)]
    pub consolidated_balance_sheet_eur: Option<i64>,
    /// Why the entity's network and information systems and services are independent of the
    /// group (NIS2 recital 16); when given, the entity is measured on its own figures.
    #[serde(default)]
    pub independent_systems_justification: Option<String>,
    #[serde(default)]
    pub links: Vec<GroupLinkInput>,
}

fn figure(v: Option<i64>) -> Option<u64> {
    v.and_then(|v| u64::try_from(v).ok())
}

fn staff(v: i64) -> u32 {
    u32::try_from(v.max(0)).unwrap_or(u32::MAX)
}

impl GroupInput {
    /// Checks every field, naming link fields `links[i].field`.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut v = Validator::new();
        check_amount(
            &mut v,
            "consolidated_employees",
            self.consolidated_employees,
            MAX_EMPLOYEES,
        );
        for (field, value) in [
            ("consolidated_turnover_eur", self.consolidated_turnover_eur),
            (
                "consolidated_balance_sheet_eur",
                self.consolidated_balance_sheet_eur,
            ),
        ] {
            check_amount(&mut v, field, value, MAX_EUROS);
        }
        if self.consolidated_employees.is_none()
            && (self.consolidated_turnover_eur.is_some()
                || self.consolidated_balance_sheet_eur.is_some())
        {
            v.empty("consolidated_employees");
        }
        v.optional_text(
            "independent_systems_justification",
            self.independent_systems_justification.as_deref(),
            2_000,
        );
        if self.links.len() > MAX_GROUP_LINKS {
            v.push(FieldError::out_of_range("links", 0, MAX_GROUP_LINKS));
        }
        for (i, link) in self.links.iter().enumerate() {
            let f = |name: &str| format!("links[{i}].{name}");
            let kind = LinkKind::parse(&link.kind);
            if kind.is_none() {
                v.one_of(&f("kind"), &["linked", "partner"]);
            }
            v.text(&f("name"), &link.name, 200);
            let (min, max) = match kind {
                Some(LinkKind::Partner) => (2_500, 5_000),
                _ => (0, 10_000),
            };
            if !(min..=max).contains(&link.share_basis_points) {
                v.push(FieldError::out_of_range(
                    &f("share_basis_points"),
                    usize::try_from(min).unwrap_or(0),
                    usize::try_from(max).unwrap_or(0),
                ));
            }
            check_amount(&mut v, &f("employees"), Some(link.employees), MAX_EMPLOYEES);
            check_amount(
                &mut v,
                &f("annual_turnover_eur"),
                link.annual_turnover_eur,
                MAX_EUROS,
            );
            check_amount(
                &mut v,
                &f("balance_sheet_eur"),
                link.balance_sheet_eur,
                MAX_EUROS,
            );
        }
        v.finish()
    }

    /// The group as the classifier reads it (call after [`GroupInput::validate`]).
    pub fn to_group_info(&self, has_parent: bool) -> GroupInfo {
        GroupInfo {
            has_parent,
            consolidated: self.consolidated_employees.map(|e| Figures {
                employees: staff(e),
                annual_turnover_eur: figure(self.consolidated_turnover_eur),
                balance_sheet_eur: figure(self.consolidated_balance_sheet_eur),
            }),
            related: self
                .links
                .iter()
                .filter_map(|l| {
                    Some(RelatedEnterprise {
                        name: l.name.trim().to_owned(),
                        kind: LinkKind::parse(&l.kind)?,
                        share_basis_points: u32::try_from(l.share_basis_points.clamp(0, 10_000))
                            .unwrap_or(0),
                        figures: Figures {
                            employees: staff(l.employees),
                            annual_turnover_eur: figure(l.annual_turnover_eur),
                            balance_sheet_eur: figure(l.balance_sheet_eur),
                        },
                    })
                })
                .collect(),
            independent_systems_justification: self
                .independent_systems_justification
                .as_deref()
                .map(str::trim)
                .filter(|j| !j.is_empty())
                .map(str::to_owned),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn link(kind: &str, share: i64) -> GroupLinkInput {
        GroupLinkInput {
            kind: kind.into(),
            name: "Groupe Exemple SA".into(),
            share_basis_points: share,
            employees: 1_350,
            annual_turnover_eur: Some(400_000_000),
            balance_sheet_eur: None,
        }
    }

    #[test]
    fn a_group_is_valid_and_read_by_the_classifier() {
        let input = GroupInput {
            links: vec![link("linked", 10_000), link("partner", 2_500)],
            independent_systems_justification: Some("  ".into()),
            ..GroupInput::default()
        };
        assert_eq!(input.validate(), Ok(()));
        let info = input.to_group_info(true);
        assert_eq!(info.related.len(), 2);
        assert_eq!(info.related[1].kind, LinkKind::Partner);
        assert_eq!(info.independent_systems_justification, None);
        assert!(info.has_parent && info.consolidated.is_none());
    }

    #[test]
    fn problems_are_named_per_link() {
        let input = GroupInput {
            consolidated_turnover_eur: Some(5),
            links: vec![
                link("cousin", 10_000),
                link("partner", 6_000),
                GroupLinkInput {
                    name: " ".into(),
                    employees: -1,
                    ..link("linked", 10_000)
                },
            ],
            ..GroupInput::default()
        };
        let errors = input.validate().unwrap_err().0;
        let got: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("consolidated_employees", "empty"),
                ("links[0].kind", "one_of"),
                ("links[1].share_basis_points", "out_of_range"),
                ("links[2].name", "empty"),
                ("links[2].employees", "negative"),
            ]
        );
    }
}
