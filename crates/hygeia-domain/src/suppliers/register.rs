//! A supplier as entered in an entity's register: what it provides, who to reach, what it
//! touches (the criticality answers), its ecosystem ratings, its own sub-contractors, and
//! when it was last reviewed.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::criticality::{TierAnswers, TierAssessment};
use super::ecosystem::EcosystemRating;
use crate::org::check_country;
use crate::validation::{FieldError, ValidationErrors, Validator};

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 4000;
/// Most contacts and sub-contractors one supplier lists.
pub const MAX_CONTACTS: usize = 20;
pub const MAX_SUBCONTRACTORS: usize = 50;

/// What a supplier provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SupplierCategory {
    /// Contract manufacturing or packaging (CMO, CDMO).
    ContractManufacturer,
    /// Laboratory or research organisation (analyses, CRO).
    Laboratory,
    /// Logistics, cold chain, distribution.
    Logistics,
    /// OT integration and maintenance of plant or building systems.
    OtIntegrator,
    /// Maker of medical devices in use.
    MedicalDevice,
    /// IT services, software, managed services.
    ItProvider,
    /// Cloud and hosting (health data hosting included).
    CloudProvider,
    Other,
}

impl SupplierCategory {
    pub const ALL: [SupplierCategory; 8] = [
        SupplierCategory::ContractManufacturer,
        SupplierCategory::Laboratory,
        SupplierCategory::Logistics,
        SupplierCategory::OtIntegrator,
        SupplierCategory::MedicalDevice,
        SupplierCategory::ItProvider,
        SupplierCategory::CloudProvider,
        SupplierCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SupplierCategory::ContractManufacturer => "contract_manufacturer",
            SupplierCategory::Laboratory => "laboratory",
            SupplierCategory::Logistics => "logistics",
            SupplierCategory::OtIntegrator => "ot_integrator",
            SupplierCategory::MedicalDevice => "medical_device",
            SupplierCategory::ItProvider => "it_provider",
            SupplierCategory::CloudProvider => "cloud_provider",
            SupplierCategory::Other => "other",
        }
    }

    pub fn parse(text: &str) -> Option<SupplierCategory> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    pub fn codes() -> Vec<&'static str> {
        Self::ALL.iter().map(|c| c.as_str()).collect()
    }
}

/// Where the relationship stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SupplierStatus {
    Onboarding,
    Active,
    Ended,
}

impl SupplierStatus {
    pub const ALL: [SupplierStatus; 3] = [
        SupplierStatus::Onboarding,
        SupplierStatus::Active,
        SupplierStatus::Ended,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SupplierStatus::Onboarding => "onboarding",
            SupplierStatus::Active => "active",
            SupplierStatus::Ended => "ended",
        }
    }

    pub fn parse(text: &str) -> Option<SupplierStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A person to reach at the supplier.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactInput {
    pub name: String,
    pub email: String,
    /// What they answer for (security contact, account manager, DPO…).
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub phone: String,
}

/// A supplier's own supplier that takes part in the service (a sub-processor).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubcontractorInput {
    pub name: String,
    #[serde(default)]
    pub service: String,
    /// ISO 3166-1 alpha-2 country where it works.
    #[serde(default)]
    pub country: Option<String>,
}

/// A supplier as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SupplierInput {
    pub name: String,
    /// One of the categories (`ot_integrator`, `cloud_provider`…).
    pub category: String,
    /// `active` (default), `onboarding` or `ended`.
    #[serde(default)]
    pub status: Option<String>,
    /// The services it provides.
    #[serde(default)]
    pub services: String,
    /// ISO 3166-1 alpha-2 country of establishment.
    #[serde(default)]
    pub country: Option<String>,
    /// Who answers for the relationship inside the entity (an e-mail address).
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub notes: String,
    /// The criticality questionnaire.
    #[serde(flatten)]
    pub criticality: TierAnswers,
    /// Ecosystem ratings, 1–4, all three or none.
    #[serde(default)]
    pub penetration: Option<u8>,
    #[serde(default)]
    pub maturity: Option<u8>,
    #[serde(default)]
    pub trust: Option<u8>,
    /// `YYYY-MM-DD` of the last review.
    #[serde(default)]
    pub last_review_on: Option<String>,
    #[serde(default)]
    pub contacts: Vec<ContactInput>,
    #[serde(default)]
    pub subcontractors: Vec<SubcontractorInput>,
    /// The version read, for a change (a newer one is refused).
    #[serde(default)]
    pub version: Option<i64>,
}

/// A checked supplier.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedSupplier {
    pub name: String,
    pub category: SupplierCategory,
    pub status: SupplierStatus,
    pub services: String,
    pub country: Option<String>,
    pub owner: Option<String>,
    pub notes: String,
    pub criticality: TierAnswers,
    pub assessment: TierAssessment,
    pub ecosystem: Option<EcosystemRating>,
    pub last_review_on: Option<NaiveDate>,
    pub contacts: Vec<ContactInput>,
    pub subcontractors: Vec<SubcontractorInput>,
}

fn given(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

fn check_scale(v: &mut Validator, field: &str, value: u8) {
    if !(1..=4).contains(&value) {
        v.push(FieldError::out_of_range(field, 1, 4));
    }
}

fn check_email(v: &mut Validator, field: &str, email: &str) {
    if !email.contains('@') || email.chars().count() > 254 || email.contains(char::is_whitespace) {
        v.not_email(field, email);
    }
}

/// Parses a `YYYY-MM-DD` day, recording a `bad_date` error against `field`.
pub(super) fn day(v: &mut Validator, field: &str, text: Option<&str>) -> Option<NaiveDate> {
    let text = given(text)?;
    let parsed = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    if parsed.is_none() {
        v.bad_date(field);
    }
    parsed
}

impl SupplierInput {
    /// Checks the whole input; problems are named by field (`contacts[1].email`).
    pub fn check(&self) -> Result<CheckedSupplier, ValidationErrors> {
        let mut v = Validator::new();
        v.text("name", &self.name, MAX_NAME_CHARS);
        let category = SupplierCategory::parse(self.category.trim());
        if category.is_none() {
            v.one_of("category", &SupplierCategory::codes());
        }
        let status = match given(self.status.as_deref()) {
            None => Some(SupplierStatus::Active),
            Some(text) => SupplierStatus::parse(text),
        };
        if status.is_none() {
            v.one_of("status", &["onboarding", "active", "ended"]);
        }
        v.optional_text("services", Some(&self.services), MAX_TEXT_CHARS);
        v.optional_text("notes", Some(&self.notes), MAX_TEXT_CHARS);
        let country = given(self.country.as_deref()).map(str::to_ascii_uppercase);
        if let Some(country) = &country {
            check_country(&mut v, "country", country);
        }
        let owner = given(self.owner.as_deref());
        if let Some(owner) = owner {
            check_email(&mut v, "owner", owner);
        }
        check_scale(&mut v, "dependency", self.criticality.dependency);
        check_scale(
            &mut v,
            "substitutability",
            self.criticality.substitutability,
        );
        let ratings = [
            ("penetration", self.penetration),
            ("maturity", self.maturity),
            ("trust", self.trust),
        ];
        for (field, value) in ratings {
            if let Some(value) = value {
                check_scale(&mut v, field, value);
            }
        }
        let given_ratings = ratings.iter().filter(|(_, r)| r.is_some()).count();
        if given_ratings != 0 && given_ratings != ratings.len() {
            let missing = ratings
                .iter()
                .find(|(_, r)| r.is_none())
                .map_or("", |(f, _)| *f);
            v.push(FieldError::invalid(
                missing,
                "penetration, maturity and trust are given together or not at all",
            ));
        }
        let last_review_on = day(&mut v, "last_review_on", self.last_review_on.as_deref());
        if self.contacts.len() > MAX_CONTACTS {
            v.push(FieldError::out_of_range("contacts", 0, MAX_CONTACTS));
        }
        for (i, c) in self.contacts.iter().enumerate() {
            v.text(&format!("contacts[{i}].name"), &c.name, MAX_NAME_CHARS);
            check_email(&mut v, &format!("contacts[{i}].email"), c.email.trim());
            v.optional_text(
                &format!("contacts[{i}].role"),
                Some(&c.role),
                MAX_NAME_CHARS,
            );
            v.optional_text(&format!("contacts[{i}].phone"), Some(&c.phone), 40);
        }
        if self.subcontractors.len() > MAX_SUBCONTRACTORS {
            v.push(FieldError::out_of_range(
                "subcontractors",
                0,
                MAX_SUBCONTRACTORS,
            ));
        }
        let mut subcontractors = Vec::with_capacity(self.subcontractors.len());
        for (i, s) in self.subcontractors.iter().enumerate() {
            v.text(
                &format!("subcontractors[{i}].name"),
                &s.name,
                MAX_NAME_CHARS,
            );
            v.optional_text(
                &format!("subcontractors[{i}].service"),
                Some(&s.service),
                MAX_NAME_CHARS,
            );
            let country = given(s.country.as_deref()).map(str::to_ascii_uppercase);
            if let Some(country) = &country {
                check_country(&mut v, &format!("subcontractors[{i}].country"), country);
            }
            subcontractors.push(SubcontractorInput {
                name: s.name.trim().to_owned(),
                service: s.service.trim().to_owned(),
                country,
            });
        }
        v.finish()?;
        let ecosystem = match (self.penetration, self.maturity, self.trust) {
            (Some(penetration), Some(maturity), Some(trust)) => Some(EcosystemRating {
                dependency: self.criticality.dependency,
                penetration,
                maturity,
                trust,
            }),
            _ => None,
        };
        Ok(CheckedSupplier {
            name: self.name.trim().to_owned(),
            category: category.unwrap_or(SupplierCategory::Other),
            status: status.unwrap_or(SupplierStatus::Active),
            services: self.services.trim().to_owned(),
            country,
            owner: owner.map(str::to_owned),
            notes: self.notes.trim().to_owned(),
            criticality: self.criticality,
            assessment: self.criticality.assess(),
            ecosystem,
            last_review_on,
            contacts: self
                .contacts
                .iter()
                .map(|c| ContactInput {
                    name: c.name.trim().to_owned(),
                    email: c.email.trim().to_owned(),
                    role: c.role.trim().to_owned(),
                    phone: c.phone.trim().to_owned(),
                })
                .collect(),
            subcontractors,
        })
    }
}

/// When a supplier of a tier reviewed on `last` is next due; a supplier never reviewed is due
/// at once (`None`).
pub fn next_review(last: Option<NaiveDate>, review_months: u32) -> Option<NaiveDate> {
    last.and_then(|d| d.checked_add_months(Months::new(review_months)))
}

/// Whether a review is overdue on `today`: never done, or past its due day. An ended
/// relationship is never due.
pub fn review_overdue(
    status: SupplierStatus,
    next_review_on: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    status != SupplierStatus::Ended && next_review_on.is_none_or(|due| due < today)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::criticality::Tier;
    use super::*;

    fn integrator() -> SupplierInput {
        SupplierInput {
            name: " Automation Services SARL ".into(),
            category: "ot_integrator".into(),
            country: Some("fr".into()),
            criticality: TierAnswers {
                ot_access: true,
                dependency: 3,
                substitutability: 3,
                ..TierAnswers::default()
            },
            penetration: Some(4),
            maturity: Some(2),
            trust: Some(2),
            last_review_on: Some("2026-01-15".into()),
            contacts: vec![ContactInput {
                name: "Léa Martin".into(),
                email: "lea.martin@automation.example".into(),
                role: "Security contact".into(),
                ..ContactInput::default()
            }],
            ..SupplierInput::default()
        }
    }

    #[test]
    fn a_supplier_is_checked_whole_with_its_tier_and_threat() {
        let checked = integrator().check().unwrap();
        assert_eq!(checked.name, "Automation Services SARL");
        assert_eq!(checked.country.as_deref(), Some("FR"));
        assert_eq!(checked.status, SupplierStatus::Active);
        assert_eq!(checked.assessment.tier, Tier::High);
        let ecosystem = checked.ecosystem.unwrap();
        assert_eq!(ecosystem.dependency, 3, "the questionnaire's dependency");
        assert!((ecosystem.threat() - 3.0).abs() < f64::EPSILON);
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let errors = SupplierInput {
            name: " ".into(),
            category: "broker".into(),
            status: Some("paused".into()),
            country: Some("France".into()),
            owner: Some("nobody".into()),
            criticality: TierAnswers {
                dependency: 0,
                substitutability: 5,
                ..TierAnswers::default()
            },
            penetration: Some(2),
            last_review_on: Some("15/01/2026".into()),
            contacts: vec![ContactInput {
                name: "A".into(),
                email: "a at b".into(),
                ..ContactInput::default()
            }],
            subcontractors: vec![SubcontractorInput {
                name: String::new(),
                country: Some("XXX".into()),
                ..SubcontractorInput::default()
            }],
            ..SupplierInput::default()
        }
        .check()
        .unwrap_err()
        .0;
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "category",
                "status",
                "country",
                "owner",
                "dependency",
                "substitutability",
                "maturity",
                "last_review_on",
                "contacts[0].email",
                "subcontractors[0].name",
                "subcontractors[0].country"
            ]
        );
    }

    #[test]
    fn reviews_fall_due_by_tier_cadence() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let next = next_review(Some(day("2026-01-15")), Tier::Critical.review_months());
        assert_eq!(next, Some(day("2026-07-15")));
        assert!(!review_overdue(
            SupplierStatus::Active,
            next,
            day("2026-07-15")
        ));
        assert!(review_overdue(
            SupplierStatus::Active,
            next,
            day("2026-07-16")
        ));
        assert!(
            review_overdue(SupplierStatus::Onboarding, None, day("2026-01-01")),
            "never reviewed"
        );
        assert!(!review_overdue(
            SupplierStatus::Ended,
            None,
            day("2026-01-01")
        ));
    }
}
