//! CISA's Known Exploited Vulnerabilities catalog, indexed by CVE.
//!
//! The catalog names products by vendor and product words, not by identifiers, so it cannot be
//! matched against assets by itself: it flags CVEs, and the CVE is the join key with the
//! advisories' vulnerabilities.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The KEV catalog.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KevCatalog {
    /// `title`.
    #[serde(default)]
    pub title: Option<String>,
    /// `catalogVersion`, e.g. `2025.08.25`.
    #[serde(rename = "catalogVersion")]
    pub catalog_version: String,
    /// `dateReleased`.
    #[serde(rename = "dateReleased")]
    pub date_released: String,
    /// `count` as the file states it.
    #[serde(default)]
    pub count: Option<u64>,
    /// The entries.
    pub vulnerabilities: Vec<KevEntry>,
    #[serde(skip)]
    by_cve: HashMap<String, usize>,
}

/// One exploited vulnerability.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KevEntry {
    /// `cveID`, e.g. `CVE-2017-0144`.
    #[serde(rename = "cveID")]
    pub cve_id: String,
    /// `vendorProject`.
    #[serde(rename = "vendorProject", default)]
    pub vendor_project: String,
    /// `product`.
    #[serde(default)]
    pub product: String,
    /// `vulnerabilityName`.
    #[serde(rename = "vulnerabilityName", default)]
    pub vulnerability_name: Option<String>,
    /// `dateAdded` (YYYY-MM-DD).
    #[serde(rename = "dateAdded", default)]
    pub date_added: String,
    /// `shortDescription`.
    #[serde(rename = "shortDescription", default)]
    pub short_description: String,
    /// `requiredAction`.
    #[serde(rename = "requiredAction", default)]
    pub required_action: Option<String>,
    /// `dueDate` (YYYY-MM-DD).
    #[serde(rename = "dueDate", default)]
    pub due_date: Option<String>,
    /// `knownRansomwareCampaignUse`: `Known` or `Unknown`.
    #[serde(rename = "knownRansomwareCampaignUse", default)]
    pub known_ransomware_campaign_use: String,
    /// `notes`.
    #[serde(default)]
    pub notes: Option<String>,
    /// `cwes`.
    #[serde(default)]
    pub cwes: Vec<String>,
}

impl KevEntry {
    /// Whether CISA knows of ransomware campaigns using this vulnerability.
    pub fn known_ransomware(&self) -> bool {
        self.known_ransomware_campaign_use
            .trim()
            .eq_ignore_ascii_case("known")
    }
}

/// CVE ids compare upper-case and trimmed.
pub(crate) fn cve_key(cve: &str) -> String {
    cve.trim().to_ascii_uppercase()
}

impl KevCatalog {
    /// Reads the catalog JSON; `source` names it in errors.
    pub fn from_slice(bytes: &[u8], source: &str) -> Result<KevCatalog, Error> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let mut catalog: KevCatalog =
            serde_path_to_error::deserialize(&mut de).map_err(|e| Error::malformed(source, e))?;
        catalog.reindex();
        Ok(catalog)
    }

    /// Builds a catalog from entries (tests, or a catalog assembled by the caller).
    pub fn new(catalog_version: &str, date_released: &str, entries: Vec<KevEntry>) -> KevCatalog {
        let mut catalog = KevCatalog {
            title: None,
            catalog_version: catalog_version.to_string(),
            date_released: date_released.to_string(),
            count: Some(entries.len() as u64),
            vulnerabilities: entries,
            by_cve: HashMap::new(),
        };
        catalog.reindex();
        catalog
    }

    fn reindex(&mut self) {
        self.by_cve = self
            .vulnerabilities
            .iter()
            .enumerate()
            .map(|(i, e)| (cve_key(&e.cve_id), i))
            .collect();
    }

    /// The entry for a CVE id, if the CVE is known to be exploited.
    pub fn get(&self, cve: &str) -> Option<&KevEntry> {
        self.by_cve
            .get(&cve_key(cve))
            .and_then(|&i| self.vulnerabilities.get(i))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.vulnerabilities.len()
    }

    /// Whether the catalog has no entries.
    pub fn is_empty(&self) -> bool {
        self.vulnerabilities.is_empty()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_and_indexes_by_cve() {
        let json = br#"{"title":"t","catalogVersion":"2025.08.25","dateReleased":"2025-08-25T17:04:19.9796Z","count":1,
            "vulnerabilities":[{"cveID":"CVE-2017-0144","vendorProject":"Microsoft","product":"SMBv1",
            "dateAdded":"2022-02-10","shortDescription":"x","dueDate":"2022-08-10","knownRansomwareCampaignUse":"Known","extra":1}]}"#;
        let kev = KevCatalog::from_slice(json, "kev.json").unwrap();
        assert_eq!(kev.len(), 1);
        let e = kev.get(" cve-2017-0144 ").unwrap();
        assert!(e.known_ransomware());
        assert!(kev.get("CVE-2017-0145").is_none());
    }

    #[test]
    fn a_malformed_catalog_names_the_field() {
        let json = br#"{"catalogVersion":"1","dateReleased":"d","vulnerabilities":[{"cveID":7}]}"#;
        let err = KevCatalog::from_slice(json, "kev.json")
            .unwrap_err()
            .to_string();
        assert!(err.contains("kev.json"), "{err}");
        assert!(err.contains("vulnerabilities[0].cveID"), "{err}");
    }
}
