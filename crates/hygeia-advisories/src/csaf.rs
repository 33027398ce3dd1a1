//! The parts of a CSAF 2.0 advisory that matching needs, read with serde.
//!
//! Only what is used is modelled; unknown fields are ignored so that newer documents (CSAF 2.1
//! adds fields) still load. What CSAF requires and matching cannot do without — the tracking
//! id, version and release date, the publisher, the title, each product's id — is required
//! here too, and a document without it is refused with the JSON path of the field
//! ([`Error::Malformed`]). The product tree is flattened into [`Product`]s by [`crate::tree`].

use crate::error::Error;
use crate::tree::{RawProductTree, flatten};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One advisory, with its product tree flattened. It serialises and reads back as itself, so
/// that a hub can store what it imported and rebuild its index without the original files.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Advisory {
    /// `document.tracking.id`, e.g. `ICSA-19-283-02`.
    pub tracking_id: String,
    /// `document.title`.
    pub title: String,
    /// `document.publisher.name`, e.g. `CISA`.
    pub publisher: String,
    /// `document.publisher.namespace`, e.g. `https://www.cisa.gov/`.
    pub publisher_namespace: Option<String>,
    /// `document.tracking.version`: the revision, e.g. `2` or `1.0.1`.
    pub version: String,
    /// `document.tracking.current_release_date` (RFC 3339 text).
    pub current_release_date: String,
    /// `document.tracking.initial_release_date`.
    pub initial_release_date: Option<String>,
    /// `document.tracking.revision_history`.
    pub revision_history: Vec<Revision>,
    /// Every product of the product tree (branch leaves, full product names, relationships).
    pub products: Vec<Product>,
    /// `vulnerabilities`.
    pub vulnerabilities: Vec<Vulnerability>,
    /// Where the document came from (file path or name inside a bundle).
    pub source: String,
    /// SHA-256 of the document's bytes as read (lower-case hex).
    #[serde(default)]
    pub digest: String,
}

/// A product of the tree, flattened: vendor, name words and version text gathered from the
/// branches above its leaf.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Product {
    /// `product_id`, referred to by `product_status`, scores and remediations.
    pub id: String,
    /// The `vendor` branch above the leaf.
    pub vendor: Option<String>,
    /// Words of the `product_family` and `product_name` branches above the leaf, joined with
    /// spaces (`SIMATIC S7-300 CPU 315-2 PN/DP (6ES7315-2EH14-0AB0)`).
    pub name: String,
    /// The product's own `name` (full product name).
    pub full_name: String,
    /// The `product_family` branch, or the family a name such as `… CPU family` designates.
    pub family: Option<String>,
    /// Whether the product stands for a whole family rather than one model.
    pub is_family: bool,
    /// The `product_version` or `product_version_range` text at the leaf (`vers:all/<V3.2.17`,
    /// `<= 10.10`, `5.028`); `None` when the tree gives no version (the product as a whole).
    pub version_spec: Option<String>,
    /// `product_identification_helper.model_numbers` (CSAF 2.1: may hold `*` wildcards).
    pub model_numbers: Vec<String>,
    /// `product_identification_helper.skus`.
    pub skus: Vec<String>,
    /// `product_identification_helper.cpe`.
    pub cpe: Option<String>,
    /// `product_identification_helper.purl` (or the first of 2.1's `purls`).
    pub purl: Option<String>,
}

/// One entry of `document.tracking.revision_history`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Revision {
    /// Revision number.
    pub number: String,
    /// Date of the revision.
    pub date: String,
    /// What changed.
    #[serde(default)]
    pub summary: Option<String>,
}

/// One vulnerability of an advisory.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Vulnerability {
    /// The CVE id, when there is one.
    #[serde(default)]
    pub cve: Option<String>,
    /// A short title.
    #[serde(default)]
    pub title: Option<String>,
    /// CVSS scores, each for a list of products.
    #[serde(default)]
    pub scores: Vec<Score>,
    /// Which products are affected, fixed, not affected…
    #[serde(default)]
    pub product_status: ProductStatus,
    /// Fixes, mitigations and workarounds, each for a list of products.
    #[serde(default)]
    pub remediations: Vec<Remediation>,
}

/// One `scores[]` entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Score {
    /// The products this score applies to.
    #[serde(default)]
    pub products: Vec<String>,
    /// CVSS v3.x.
    #[serde(default)]
    pub cvss_v3: Option<Cvss>,
    /// CVSS v4.0 (CSAF 2.1).
    #[serde(default)]
    pub cvss_v4: Option<Cvss>,
}

/// The fields of a CVSS object that we show.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cvss {
    /// Base score, 0.0 to 10.0.
    #[serde(rename = "baseScore")]
    pub base_score: f64,
    /// The vector, e.g. `CVSS:3.1/AV:N/AC:L/...`.
    #[serde(rename = "vectorString", default)]
    pub vector_string: Option<String>,
    /// `3.0`, `3.1`, `4.0`.
    #[serde(default)]
    pub version: Option<String>,
}

/// `product_status`: product ids per status.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProductStatus {
    /// Affected.
    #[serde(default)]
    pub known_affected: Vec<String>,
    /// First affected version of a product.
    #[serde(default)]
    pub first_affected: Vec<String>,
    /// Last affected version of a product.
    #[serde(default)]
    pub last_affected: Vec<String>,
    /// Not yet known whether affected.
    #[serde(default)]
    pub under_investigation: Vec<String>,
    /// Contains the fix.
    #[serde(default)]
    pub fixed: Vec<String>,
    /// First version containing the fix.
    #[serde(default)]
    pub first_fixed: Vec<String>,
    /// Not affected.
    #[serde(default)]
    pub known_not_affected: Vec<String>,
    /// Recommended versions (no statement about the vulnerability itself).
    #[serde(default)]
    pub recommended: Vec<String>,
}

/// One `remediations[]` entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Remediation {
    /// `vendor_fix`, `mitigation`, `workaround`, `no_fix_planned`, `none_available`…
    pub category: String,
    /// What to do.
    #[serde(default)]
    pub details: String,
    /// The products it applies to.
    #[serde(default)]
    pub product_ids: Vec<String>,
    /// Where to read more or download the fix.
    #[serde(default)]
    pub url: Option<String>,
}

impl Vulnerability {
    /// The highest base score (v3 or v4) among `scores`, counting only scores that name one of
    /// `product_ids` (or all scores when none names a product).
    pub fn max_base_score<'a>(&self, product_ids: impl Fn(&str) -> bool + 'a) -> Option<f64> {
        let base = |s: &Score| {
            let v3 = s.cvss_v3.as_ref().map(|c| c.base_score);
            let v4 = s.cvss_v4.as_ref().map(|c| c.base_score);
            v3.into_iter()
                .chain(v4)
                .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))
        };
        let named: Vec<&Score> = self
            .scores
            .iter()
            .filter(|s| s.products.iter().any(|p| product_ids(p)))
            .collect();
        let pool: Vec<&Score> = if named.is_empty() {
            self.scores.iter().collect()
        } else {
            named
        };
        pool.into_iter()
            .filter_map(base)
            .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))))
    }
}

#[derive(Deserialize)]
struct RawDoc {
    document: RawDocument,
    #[serde(default)]
    product_tree: Option<RawProductTree>,
    #[serde(default)]
    vulnerabilities: Vec<Vulnerability>,
}

#[derive(Deserialize)]
struct RawDocument {
    title: String,
    publisher: RawPublisher,
    tracking: RawTracking,
}

#[derive(Deserialize)]
struct RawPublisher {
    name: String,
    #[serde(default)]
    namespace: Option<String>,
}

#[derive(Deserialize)]
struct RawTracking {
    id: String,
    current_release_date: String,
    #[serde(default)]
    initial_release_date: Option<String>,
    version: String,
    #[serde(default)]
    revision_history: Vec<Revision>,
}

impl Advisory {
    /// Reads one CSAF JSON document. `source` names it in errors and in [`Advisory::source`].
    pub fn from_slice(bytes: &[u8], source: &str) -> Result<Advisory, Error> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let raw: RawDoc =
            serde_path_to_error::deserialize(&mut de).map_err(|e| Error::malformed(source, e))?;
        de.end().map_err(|e| Error::Malformed {
            document: source.to_string(),
            field: String::new(),
            message: e.to_string(),
        })?;
        let tracking_id = raw.document.tracking.id.trim().to_string();
        if tracking_id.is_empty() {
            return Err(Error::Malformed {
                document: source.to_string(),
                field: "document.tracking.id".into(),
                message: "empty".into(),
            });
        }
        let products = raw.product_tree.map(flatten).unwrap_or_default();
        Ok(Advisory {
            tracking_id,
            title: raw.document.title,
            publisher: raw.document.publisher.name,
            publisher_namespace: raw.document.publisher.namespace,
            version: raw.document.tracking.version,
            current_release_date: raw.document.tracking.current_release_date,
            initial_release_date: raw.document.tracking.initial_release_date,
            revision_history: raw.document.tracking.revision_history,
            products,
            vulnerabilities: raw.vulnerabilities,
            source: source.to_string(),
            digest: hex::encode(Sha256::digest(bytes)),
        })
    }

    /// The product with this id.
    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id == id)
    }

    /// The CVE ids of the advisory.
    pub fn cves(&self) -> impl Iterator<Item = &str> {
        self.vulnerabilities.iter().filter_map(|v| v.cve.as_deref())
    }
}
