//! What is at stake (ISO/IEC 27005's primary assets, EBIOS RM's business values): the
//! business processes and information of an entity — a filling line, batch records, patient
//! records, formulas — with their security needs (confidentiality, integrity, availability on a
//! 1–4 scale, plus patient safety and GMP product quality) and their recovery objectives.

use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, ValidationErrors, Validator};

/// Longest name, in characters; longest description.
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 2000;
/// The needs scale: 1 (low) to 4 (critical).
pub const NEED_SCALE: (u8, u8) = (1, 4);
/// Longest recovery objective, in hours (one year).
pub const MAX_OBJECTIVE_HOURS: u32 = 24 * 366;

/// Whether what is at stake is an activity or a body of information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StakeKind {
    /// A business process (drug production line, patient admission, pharmacovigilance).
    Process,
    /// Information (batch records, patient records, clinical-trial data, formulas).
    Information,
}

impl StakeKind {
    pub const ALL: [StakeKind; 2] = [StakeKind::Process, StakeKind::Information];

    pub fn as_str(self) -> &'static str {
        match self {
            StakeKind::Process => "process",
            StakeKind::Information => "information",
        }
    }

    pub fn parse(text: &str) -> Option<StakeKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A process or body of information as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProcessInput {
    pub name: String,
    /// `process` (default) or `information`.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub description: String,
    /// Who answers for it (a person or a role).
    #[serde(default)]
    pub owner: Option<String>,
    /// Needs from 1 (low) to 4 (critical).
    pub confidentiality: u8,
    pub integrity: u8,
    pub availability: u8,
    /// A failure can harm patients.
    #[serde(default)]
    pub patient_safety: bool,
    /// A failure can affect product quality under GMP (batch release, data integrity).
    #[serde(default)]
    pub product_quality: bool,
    /// Recovery time objective, in hours.
    #[serde(default)]
    pub rto_hours: Option<u32>,
    /// Recovery point objective (data loss accepted), in hours.
    #[serde(default)]
    pub rpo_hours: Option<u32>,
    /// The version read, for a change (a newer one is refused).
    #[serde(default)]
    pub version: Option<i64>,
}

/// A checked process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedProcess {
    pub name: String,
    pub kind: StakeKind,
    pub description: String,
    pub owner: Option<String>,
    pub confidentiality: u8,
    pub integrity: u8,
    pub availability: u8,
    pub patient_safety: bool,
    pub product_quality: bool,
    pub rto_hours: Option<u32>,
    pub rpo_hours: Option<u32>,
}

impl ProcessInput {
    /// Checks the whole input; problems are named by field.
    pub fn check(&self) -> Result<CheckedProcess, ValidationErrors> {
        let mut v = Validator::new();
        v.text("name", &self.name, MAX_NAME_CHARS);
        v.optional_text(
            "description",
            Some(&self.description),
            MAX_DESCRIPTION_CHARS,
        );
        v.optional_text("owner", self.owner.as_deref(), MAX_NAME_CHARS);
        let kind = match self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            None => Some(StakeKind::Process),
            Some(text) => StakeKind::parse(text),
        };
        if kind.is_none() {
            v.push(FieldError::one_of("kind", &["process", "information"]));
        }
        for (field, need) in [
            ("confidentiality", self.confidentiality),
            ("integrity", self.integrity),
            ("availability", self.availability),
        ] {
            if !(NEED_SCALE.0..=NEED_SCALE.1).contains(&need) {
                v.push(FieldError::out_of_range(
                    field,
                    usize::from(NEED_SCALE.0),
                    usize::from(NEED_SCALE.1),
                ));
            }
        }
        for (field, hours) in [("rto_hours", self.rto_hours), ("rpo_hours", self.rpo_hours)] {
            if hours.is_some_and(|h| h > MAX_OBJECTIVE_HOURS) {
                v.push(FieldError::out_of_range(
                    field,
                    0,
                    MAX_OBJECTIVE_HOURS as usize,
                ));
            }
        }
        v.finish()?;
        Ok(CheckedProcess {
            name: self.name.trim().to_owned(),
            kind: kind.unwrap_or(StakeKind::Process),
            description: self.description.trim().to_owned(),
            owner: self
                .owner
                .as_deref()
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned),
            confidentiality: self.confidentiality,
            integrity: self.integrity,
            availability: self.availability,
            patient_safety: self.patient_safety,
            product_quality: self.product_quality,
            rto_hours: self.rto_hours,
            rpo_hours: self.rpo_hours,
        })
    }
}

impl CheckedProcess {
    /// How much is at stake, 1–4: its highest need, raised to critical when patients or GMP
    /// product quality depend on it.
    pub fn criticality(&self) -> u8 {
        let highest = self
            .confidentiality
            .max(self.integrity)
            .max(self.availability);
        if self.patient_safety || self.product_quality {
            NEED_SCALE.1
        } else {
            highest
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn line() -> ProcessInput {
        ProcessInput {
            name: " Aseptic filling, line 1 ".into(),
            confidentiality: 1,
            integrity: 4,
            availability: 3,
            product_quality: true,
            rto_hours: Some(24),
            rpo_hours: Some(4),
            ..ProcessInput::default()
        }
    }

    #[test]
    fn a_process_is_checked_whole_and_named_by_field() {
        let checked = line().check().unwrap();
        assert_eq!(checked.name, "Aseptic filling, line 1");
        assert_eq!(checked.kind, StakeKind::Process);
        let errors = ProcessInput {
            name: String::new(),
            kind: Some("machine".into()),
            confidentiality: 0,
            integrity: 5,
            availability: 2,
            rto_hours: Some(MAX_OBJECTIVE_HOURS + 1),
            ..ProcessInput::default()
        }
        .check()
        .unwrap_err()
        .0;
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "kind", "confidentiality", "integrity", "rto_hours"]
        );
    }

    #[test]
    fn patients_and_gmp_make_a_process_critical() {
        let mut input = line();
        assert_eq!(input.check().unwrap().criticality(), 4);
        input.product_quality = false;
        assert_eq!(input.check().unwrap().criticality(), 4, "integrity 4");
        input.integrity = 2;
        assert_eq!(input.check().unwrap().criticality(), 3, "availability 3");
        input.patient_safety = true;
        assert_eq!(input.check().unwrap().criticality(), 4);
        for kind in StakeKind::ALL {
            assert_eq!(StakeKind::parse(kind.as_str()), Some(kind));
        }
    }
}
