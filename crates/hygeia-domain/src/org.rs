//! The organisation model: a group, its legal entities (the unit NIS2 applies to) and their
//! sites (hospitals, plants, laboratories…).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, ValidationErrors, Validator};

mod group;
pub mod registration;

pub use group::{GroupInput, GroupLinkInput, MAX_GROUP_LINKS};

/// Member states of the European Union, by ISO 3166-1 alpha-2 code (Greece as `GR`).
pub const EU_MEMBER_STATES: [&str; 27] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

/// Whether a country code names an EU member state.
pub fn is_eu_member_state(country: &str) -> bool {
    EU_MEMBER_STATES.contains(&country)
}

/// What a legal entity is, as submitted to create or update it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityInput {
    pub name: String,
    /// ISO 3166-1 alpha-2 country of establishment (`FR`, `DE`…).
    pub country: String,
    /// NIS2 sector and entity type code (see [`crate::nis2`]).
    pub entity_type: String,
    /// Staff headcount in annual work units.
    pub employees: i64,
    /// Annual turnover in euros; `None` when unknown (never stored as 0).
    pub annual_turnover_eur: Option<i64>,
    /// Annual balance-sheet total in euros; `None` when unknown.
    pub balance_sheet_eur: Option<i64>,
    /// The entity's parent in the group, if it is a subsidiary.
    #[serde(default)]
    pub parent_entity_id: Option<String>,
    /// National company registration number (SIREN, HRB…).
    #[serde(default)]
    pub registration_number: Option<String>,
    /// Other NIS2 entity type codes the entity also falls under (several activities).
    #[serde(default)]
    pub other_activities: Vec<String>,
    /// Member-State designation under NIS2 Art. 2(2)(b)–(e): one of [`DESIGNATIONS`].
    #[serde(default = "no_designation")]
    pub designation: String,
    /// Identified as a critical entity under the CER Directive (NIS2 Art. 2(3)).
    #[serde(default)]
    pub cer_critical_entity: bool,
    /// Operator of essential services under NIS1 kept essential (NIS2 Art. 3(1)(g)).
    #[serde(default)]
    pub nis1_operator_of_essential_services: bool,
    /// Local public administration brought into scope by the Member State (Art. 2(5)(a)).
    #[serde(default)]
    pub local_public_administration: bool,
    /// Owned or run by a public authority (Art. 34(7) on fines for public bodies).
    #[serde(default)]
    pub public_body: bool,
    /// Total worldwide annual turnover of the undertaking (the group), for the fine ceiling.
    #[serde(default)]
    pub group_worldwide_turnover_eur: Option<i64>,
}

impl Default for EntityInput {
    fn default() -> Self {
        Self {
            name: String::new(),
            country: String::new(),
            entity_type: String::new(),
            employees: 0,
            annual_turnover_eur: None,
            balance_sheet_eur: None,
            parent_entity_id: None,
            registration_number: None,
            other_activities: Vec::new(),
            designation: no_designation(),
            cer_critical_entity: false,
            nis1_operator_of_essential_services: false,
            local_public_administration: false,
            public_body: false,
            group_worldwide_turnover_eur: None,
        }
    }
}

/// Member-State designation values: none, designated essential, designated important.
pub const DESIGNATIONS: [&str; 3] = ["none", "essential", "important"];

/// At most this many other activities per entity.
pub const MAX_OTHER_ACTIVITIES: usize = 10;

fn no_designation() -> String {
    "none".to_owned()
}

/// More staff than any employer in the world has: a typing slip, not a figure.
pub const MAX_EMPLOYEES: i64 = 10_000_000;
/// Ten thousand billion euros, beyond any company's turnover or balance sheet.
pub const MAX_EUROS: i64 = 10_000_000_000_000;

impl EntityInput {
    /// Checks every field and reports all problems at once. `known_entity_type` decides whether
    /// an entity type code exists (the NIS2 module owns that list).
    pub fn validate(
        &self,
        known_entity_type: impl Fn(&str) -> bool,
    ) -> Result<(), ValidationErrors> {
        let mut v = Validator::new();
        v.text("name", &self.name, 200);
        check_country(&mut v, "country", &self.country);
        if !known_entity_type(&self.entity_type) {
            v.unknown_entity_type("entity_type", &self.entity_type);
        }
        check_amount(&mut v, "employees", Some(self.employees), MAX_EMPLOYEES);
        check_amount(
            &mut v,
            "annual_turnover_eur",
            self.annual_turnover_eur,
            MAX_EUROS,
        );
        check_amount(
            &mut v,
            "balance_sheet_eur",
            self.balance_sheet_eur,
            MAX_EUROS,
        );
        check_amount(
            &mut v,
            "group_worldwide_turnover_eur",
            self.group_worldwide_turnover_eur,
            MAX_EUROS,
        );
        if !DESIGNATIONS.contains(&self.designation.as_str()) {
            v.one_of("designation", &DESIGNATIONS);
        }
        if self.other_activities.len() > MAX_OTHER_ACTIVITIES {
            v.push(FieldError::out_of_range(
                "other_activities",
                0,
                MAX_OTHER_ACTIVITIES,
            ));
        }
        let mut seen: Vec<&str> = vec![self.entity_type.as_str()];
        for code in &self.other_activities {
            if !known_entity_type(code) {
                v.unknown_entity_type("other_activities", code);
            } else if seen.contains(&code.as_str()) {
                v.duplicate("other_activities", code);
            }
            seen.push(code);
        }
        if let Some(number) = &self.registration_number
            && number.chars().count() > 64
        {
            v.too_long("registration_number", 64);
        }
        v.finish()
    }
}

/// A count or amount, when given, between 0 and `max`.
pub(crate) fn check_amount(v: &mut Validator, field: &str, value: Option<i64>, max: i64) {
    match value {
        Some(value) if value < 0 => v.negative(field),
        Some(value) if value > max => {
            let max = usize::try_from(max).unwrap_or(usize::MAX);
            v.push(FieldError::out_of_range(field, 0, max));
        }
        _ => {}
    }
}

pub(crate) fn check_country(v: &mut Validator, field: &str, country: &str) {
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        v.not_country(field, country);
    }
}

/// The kind of a physical site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    Hospital,
    Clinic,
    Plant,
    Laboratory,
    Warehouse,
    Office,
    DataCentre,
    Other,
}

impl SiteKind {
    pub const ALL: [SiteKind; 8] = [
        SiteKind::Hospital,
        SiteKind::Clinic,
        SiteKind::Plant,
        SiteKind::Laboratory,
        SiteKind::Warehouse,
        SiteKind::Office,
        SiteKind::DataCentre,
        SiteKind::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SiteKind::Hospital => "hospital",
            SiteKind::Clinic => "clinic",
            SiteKind::Plant => "plant",
            SiteKind::Laboratory => "laboratory",
            SiteKind::Warehouse => "warehouse",
            SiteKind::Office => "office",
            SiteKind::DataCentre => "data_centre",
            SiteKind::Other => "other",
        }
    }
}

impl fmt::Display for SiteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A site kind that Hygeia does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown site kind '{0}'")]
pub struct UnknownSiteKind(pub String);

impl FromStr for SiteKind {
    type Err = UnknownSiteKind;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        SiteKind::ALL
            .into_iter()
            .find(|kind| kind.code() == text)
            .ok_or_else(|| UnknownSiteKind(text.to_owned()))
    }
}

/// A site, as submitted to create or update it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInput {
    pub name: String,
    pub kind: SiteKind,
    pub city: String,
    /// ISO 3166-1 alpha-2 country.
    pub country: String,
}

impl SiteInput {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut v = Validator::new();
        v.text("name", &self.name, 200);
        v.text("city", &self.city, 120);
        check_country(&mut v, "country", &self.country);
        v.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entity() -> EntityInput {
        EntityInput {
            name: "Laboratoires Exemple SAS".into(),
            country: "FR".into(),
            entity_type: "basic_pharmaceutical_manufacturing".into(),
            employees: 900,
            annual_turnover_eur: Some(180_000_000),
            balance_sheet_eur: Some(150_000_000),
            parent_entity_id: None,
            registration_number: Some("552 100 554".into()),
            other_activities: vec![],
            designation: "none".into(),
            cer_critical_entity: false,
            nis1_operator_of_essential_services: false,
            local_public_administration: false,
            public_body: false,
            group_worldwide_turnover_eur: None,
        }
    }

    #[test]
    fn a_complete_entity_is_valid() {
        assert_eq!(entity().validate(|_| true), Ok(()));
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let bad = EntityInput {
            name: "  ".into(),
            country: "France".into(),
            employees: -1,
            ..entity()
        };
        let errors = bad
            .validate(|_| false)
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["name", "country", "entity_type", "employees"]);
    }

    #[test]
    fn absurd_figures_are_refused() {
        let bad = EntityInput {
            employees: i64::MAX,
            annual_turnover_eur: Some(MAX_EUROS + 1),
            ..entity()
        };
        let errors = bad
            .validate(|_| true)
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["employees", "annual_turnover_eur"]);
        let fine = EntityInput {
            employees: MAX_EMPLOYEES,
            ..entity()
        };
        assert_eq!(fine.validate(|_| true), Ok(()));
    }

    #[test]
    fn unknown_figures_activities_and_designation() {
        let unknown = EntityInput {
            annual_turnover_eur: None,
            balance_sheet_eur: None,
            other_activities: vec!["medical_device_manufacturing".into()],
            designation: "important".into(),
            ..entity()
        };
        assert_eq!(unknown.validate(|c| c != "bogus"), Ok(()));
        let bad = EntityInput {
            other_activities: vec!["bogus".into(), "basic_pharmaceutical_manufacturing".into()],
            designation: "maybe".into(),
            group_worldwide_turnover_eur: Some(-1),
            ..entity()
        };
        let errors = bad
            .validate(|c| c != "bogus")
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        let codes: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("group_worldwide_turnover_eur", "negative"),
                ("designation", "one_of"),
                ("other_activities", "unknown_entity_type"),
                ("other_activities", "duplicate"),
            ]
        );
    }

    #[test]
    fn site_kinds_round_trip_through_their_codes() {
        for kind in SiteKind::ALL {
            assert_eq!(kind.code().parse::<SiteKind>(), Ok(kind));
        }
        assert!(is_eu_member_state("FR") && !is_eu_member_state("CH"));
    }
}
