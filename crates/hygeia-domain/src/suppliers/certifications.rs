//! A supplier's certifications (ISO/IEC 27001, HDS, SOC 2…) with their scope and validity;
//! a certificate nearing its end is flagged early enough to ask for the renewed one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::register::{MAX_NAME_CHARS, MAX_TEXT_CHARS, day};
use crate::validation::{ValidationErrors, Validator};

/// Days before its end from which a certificate is "expiring".
pub const EXPIRY_WARNING_DAYS: i64 = 90;

/// The certification schemes the register knows by name; `other` takes a free name.
pub const SCHEMES: [&str; 7] = [
    "iso27001", "hds", "soc2", "iso13485", "iec62443", "iso9001", "other",
];

/// A certification as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificationInput {
    /// One of `iso27001`, `hds`, `soc2`, `iso13485`, `iec62443`, `iso9001`, `other`.
    pub scheme: String,
    /// Its name as the certificate gives it (needed for `other`).
    #[serde(default)]
    pub name: String,
    /// What the certificate covers (sites, services).
    #[serde(default)]
    pub scope: String,
    /// The certification body, or the auditor of a SOC 2 report.
    #[serde(default)]
    pub issuer: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub valid_from: Option<String>,
    /// `YYYY-MM-DD`, required.
    #[serde(default)]
    pub valid_until: String,
    /// The certificate file among the entity's evidence.
    #[serde(default)]
    pub evidence_id: Option<String>,
}

/// A checked certification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCertification {
    pub scheme: String,
    pub name: String,
    pub scope: String,
    pub issuer: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: NaiveDate,
    pub evidence_id: Option<String>,
}

impl CertificationInput {
    pub fn check(&self) -> Result<CheckedCertification, ValidationErrors> {
        let mut v = Validator::new();
        let scheme = self.scheme.trim().to_ascii_lowercase();
        if !SCHEMES.contains(&scheme.as_str()) {
            v.one_of("scheme", &SCHEMES);
        }
        if scheme == "other" {
            v.text("name", &self.name, MAX_NAME_CHARS);
        } else {
            v.optional_text("name", Some(&self.name), MAX_NAME_CHARS);
        }
        v.optional_text("scope", Some(&self.scope), MAX_TEXT_CHARS);
        v.optional_text("issuer", Some(&self.issuer), MAX_NAME_CHARS);
        let valid_from = day(&mut v, "valid_from", self.valid_from.as_deref());
        let valid_until = day(&mut v, "valid_until", Some(&self.valid_until));
        if self.valid_until.trim().is_empty() {
            v.empty("valid_until");
        }
        if let (Some(from), Some(until)) = (valid_from, valid_until)
            && until < from
        {
            v.date_order("valid_until", "valid_from");
        }
        v.finish()?;
        Ok(CheckedCertification {
            scheme,
            name: self.name.trim().to_owned(),
            scope: self.scope.trim().to_owned(),
            issuer: self.issuer.trim().to_owned(),
            valid_from,
            valid_until: valid_until.unwrap_or_default(),
            evidence_id: self
                .evidence_id
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_owned),
        })
    }
}

/// Where a certificate stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertificateState {
    Valid,
    /// Ends within [`EXPIRY_WARNING_DAYS`].
    Expiring,
    Expired,
}

impl CertificateState {
    pub fn on(valid_until: NaiveDate, today: NaiveDate) -> CertificateState {
        let left = (valid_until - today).num_days();
        if left < 0 {
            CertificateState::Expired
        } else if left <= EXPIRY_WARNING_DAYS {
            CertificateState::Expiring
        } else {
            CertificateState::Valid
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CertificateState::Valid => "valid",
            CertificateState::Expiring => "expiring",
            CertificateState::Expired => "expired",
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_certification_needs_a_known_scheme_and_an_ordered_validity() {
        let hds = CertificationInput {
            scheme: " HDS ".into(),
            scope: "Hosting of the EHR, Paris data centres".into(),
            valid_from: Some("2024-03-01".into()),
            valid_until: "2027-02-28".into(),
            ..CertificationInput::default()
        }
        .check()
        .unwrap();
        assert_eq!(hds.scheme, "hds");
        let errors = CertificationInput {
            scheme: "other".into(),
            valid_from: Some("2026-03-01".into()),
            valid_until: "2025-03-01".into(),
            ..CertificationInput::default()
        }
        .check()
        .unwrap_err()
        .0;
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "valid_until"]);
        let errors = CertificationInput {
            scheme: "gdpr".into(),
            ..CertificationInput::default()
        }
        .check()
        .unwrap_err()
        .0;
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["scheme", "valid_until"]);
    }

    #[test]
    fn certificates_expire_with_a_warning_first() {
        let until = day("2026-12-31");
        assert_eq!(
            CertificateState::on(until, day("2026-10-02")),
            CertificateState::Expiring,
            "90 days left"
        );
        assert_eq!(
            CertificateState::on(until, day("2026-10-01")),
            CertificateState::Valid,
            "91 days left"
        );
        assert_eq!(
            CertificateState::on(until, until),
            CertificateState::Expiring
        );
        assert_eq!(
            CertificateState::on(until, day("2027-01-01")),
            CertificateState::Expired
        );
    }
}
