//! What a match says about one asset and one advisory, and how its status is decided.
//!
//! The status is conservative in both directions: "affected" needs a strong identity (order
//! number, CPE or a bounded model in the product name) *and* a firmware inside the affected
//! range (or a range covering all versions); a missing firmware or a family-only identity gives
//! "possibly affected"; a range we cannot read gives "unknown" — never "not affected".

use crate::csaf::Advisory;
use crate::kev::KevCatalog;
use crate::links::ProductLinks;
use crate::range::{Verdict, VersionRange};
use crate::version::Version;
use serde::{Deserialize, Serialize};

/// How a device identifies itself; every field optional. Built by the caller from what the
/// passive sensor reported (vendor, model or order number, firmware) or from an asset list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetIdentity {
    /// Vendor as reported (`Siemens`, `Rockwell Automation/Allen-Bradley`).
    pub vendor: Option<String>,
    /// Model or order number as reported (`6ES7 315-2EH14-0AB0`, `1756-ENBT/A`).
    pub model: Option<String>,
    /// A product or module name (`CPU 315-2 PN/DP`, `SIMATIC S7-300`).
    pub product_name: Option<String>,
    /// Firmware or software version (`V3.2.6`, `4.3`).
    pub firmware: Option<String>,
    /// A CPE 2.3 name (or 2.2 URI) when one is known.
    pub cpe: Option<String>,
}

/// The product name to match besides the model, from the model names a device reported as
/// (value, confidence 0–100, times seen): the most trusted one that is not `model` itself. An
/// S7 CPU reports its order number, which becomes the model, and its module name.
pub fn product_name<'a>(
    model: Option<&str>,
    reported: impl IntoIterator<Item = (&'a str, u8, u64)>,
) -> Option<String> {
    reported
        .into_iter()
        .filter(|(value, _, _)| Some(*value) != model)
        .max_by_key(|&(_, confidence, count)| (confidence, count))
        .map(|(value, _, _)| value.to_owned())
}

/// What the advisory means for the asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchStatus {
    /// Strong identity and the firmware is inside the affected range.
    Affected,
    /// The firmware is unknown, or only the product family matched.
    PossiblyAffected,
    /// The affected range (or the reported firmware) cannot be read.
    Unknown,
    /// The firmware is at or past the fix, or the product is listed as fixed.
    Fixed,
    /// Listed as not affected, or the firmware is outside a readable range.
    NotAffected,
}

impl MatchStatus {
    /// Order of concern, highest first, to pick one status per advisory.
    fn severity(self) -> u8 {
        match self {
            MatchStatus::Affected => 5,
            MatchStatus::PossiblyAffected => 4,
            MatchStatus::Unknown => 3,
            MatchStatus::Fixed => 2,
            MatchStatus::NotAffected => 1,
        }
    }

    /// The label used in exports and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchStatus::Affected => "affected",
            MatchStatus::PossiblyAffected => "possibly_affected",
            MatchStatus::Unknown => "unknown",
            MatchStatus::Fixed => "fixed",
            MatchStatus::NotAffected => "not_affected",
        }
    }
}

/// On what the identity match rests, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The order or model number equals one in `model_numbers` (or `skus`).
    ModelNumber,
    /// The CPE vendor and product agree.
    Cpe,
    /// The model stands, bounded, in the product name.
    ProductName,
    /// Only the product family matched (e.g. `S7-300` for `SIMATIC S7-300 CPU family`).
    Family,
}

impl Basis {
    /// The label used in exports and the API (as serialised).
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::ModelNumber => "model_number",
            Basis::Cpe => "cpe",
            Basis::ProductName => "product_name",
            Basis::Family => "family",
        }
    }

    /// Confidence in the identity, 0–100, before the vendor check.
    pub fn confidence(self) -> u8 {
        match self {
            Basis::ModelNumber => 95,
            Basis::Cpe => 90,
            Basis::ProductName => 75,
            Basis::Family => 40,
        }
    }
}

/// One advisory that concerns one asset.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    /// `document.tracking.id`.
    pub tracking_id: String,
    /// `document.title`.
    pub title: String,
    /// `document.publisher.name`.
    pub publisher: String,
    /// `document.tracking.version`.
    pub advisory_version: String,
    /// `document.tracking.current_release_date`.
    pub current_release_date: String,
    /// The status.
    pub status: MatchStatus,
    /// The identity basis.
    pub basis: Basis,
    /// 0–100.
    pub confidence: u8,
    /// The products of the advisory this status rests on.
    pub products: Vec<MatchedProduct>,
    /// CVEs whose `product_status` names those products.
    pub cves: Vec<String>,
    /// Highest CVSS base score of those CVEs for those products.
    pub max_cvss: Option<f64>,
    /// Whether one of the CVEs is in the KEV catalog.
    pub kev: bool,
    /// The CVEs found in the KEV catalog.
    pub kev_cves: Vec<String>,
    /// Whether one of them is known to be used by ransomware campaigns.
    pub known_ransomware: bool,
    /// Remediations of those CVEs that name those products.
    pub remediations: Vec<RemediationRef>,
    /// A sentence explaining the status.
    pub reason: String,
}

/// A product of the advisory that matched.
#[derive(Debug, Clone, Serialize)]
pub struct MatchedProduct {
    /// `product_id`.
    pub id: String,
    /// Full product name.
    pub name: String,
    /// The version text of the leaf.
    pub version_spec: Option<String>,
}

/// A remediation, as shown with a match.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RemediationRef {
    /// `vendor_fix`, `mitigation`, `workaround`…
    pub category: String,
    /// What to do.
    pub details: String,
    /// Where.
    pub url: Option<String>,
}

/// The firmware of the asset, read once per match.
pub(crate) enum Firmware {
    Missing,
    Unreadable(String),
    Known(Version),
}

impl Firmware {
    pub(crate) fn read(text: Option<&str>) -> Firmware {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => Firmware::Missing,
            Some(t) => Version::parse(t)
                .map_or_else(|| Firmware::Unreadable(t.to_string()), Firmware::Known),
        }
    }
}

/// `product_status` lists naming a product, as bits.
pub(crate) mod flags {
    pub const AFFECTED: u8 = 1;
    pub const INVESTIGATING: u8 = 2;
    pub const FIXED: u8 = 4;
    pub const FIRST_FIXED: u8 = 8;
    pub const NOT_AFFECTED: u8 = 16;
}

/// Why a product got its status; turned into a sentence only for the match shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Why {
    AllVersions,
    FirmwareMissing,
    Inside,
    Outside,
    Past,
    RangeUnreadable,
    FirmwareUnreadable,
    FixedVersion,
    AfterFirstFix,
    ListedNotAffected,
}

/// The status of one matched product and why, plus whether the reason is only "under
/// investigation" or a family match; `None` when the product says nothing about this asset (a
/// "fixed" entry for another version, a product only in `recommended`).
pub(crate) fn product_status(
    status_flags: u8,
    range: &VersionRange,
    firmware: &Firmware,
    basis: Basis,
) -> Option<(MatchStatus, Why)> {
    use MatchStatus::*;
    let verdict = match firmware {
        Firmware::Known(v) => Some(range.contains(v)),
        Firmware::Unreadable(_) if matches!(range, VersionRange::All) => Some(Verdict::Inside),
        Firmware::Unreadable(_) => Some(Verdict::Unknown),
        Firmware::Missing => None,
    };
    let (status, why) = if status_flags & (flags::AFFECTED | flags::INVESTIGATING) != 0 {
        let (status, why) = match (range, verdict) {
            (VersionRange::Unreadable(_), _) => (Unknown, Why::RangeUnreadable),
            (VersionRange::All, _) => (Affected, Why::AllVersions),
            (_, None) => (PossiblyAffected, Why::FirmwareMissing),
            (_, Some(Verdict::Inside)) => (Affected, Why::Inside),
            (_, Some(Verdict::Unknown)) => (Unknown, Why::FirmwareUnreadable),
            (_, Some(Verdict::Outside)) => match firmware {
                Firmware::Known(v) if range.is_past(v) => (Fixed, Why::Past),
                _ => (NotAffected, Why::Outside),
            },
        };
        // Only "under investigation": not a confirmed "affected".
        if status_flags & flags::AFFECTED == 0 && status == Affected {
            (PossiblyAffected, why)
        } else {
            (status, why)
        }
    } else if status_flags & (flags::FIXED | flags::FIRST_FIXED) != 0 {
        let first_fixed = status_flags & flags::FIRST_FIXED != 0;
        let past = matches!(firmware, Firmware::Known(v) if first_fixed && range.is_past(v));
        match verdict {
            Some(Verdict::Inside) => (Fixed, Why::FixedVersion),
            Some(Verdict::Outside) if past => (Fixed, Why::AfterFirstFix),
            _ => return None,
        }
    } else if status_flags & flags::NOT_AFFECTED != 0 {
        match (verdict, range) {
            (Some(Verdict::Inside), _) | (None, VersionRange::All) => {
                (NotAffected, Why::ListedNotAffected)
            }
            _ => return None,
        }
    } else {
        return None;
    };
    if basis == Basis::Family && status == Affected {
        return Some((PossiblyAffected, why));
    }
    Some((status, why))
}

/// The sentence shown with a match.
fn explain(why: Why, status_flags: u8, basis: Basis, spec: &str, firmware: &Firmware) -> String {
    let fw = match firmware {
        Firmware::Known(v) => v.as_str(),
        Firmware::Unreadable(t) => t.as_str(),
        Firmware::Missing => "",
    };
    let mut text = match why {
        Why::AllVersions => "all versions affected".to_string(),
        Why::FirmwareMissing => format!("firmware not known; affected: {spec}"),
        Why::Inside => format!("firmware {fw} inside {spec}"),
        Why::Outside => format!("firmware {fw} outside {spec}"),
        Why::Past => format!("firmware {fw} past {spec}"),
        Why::RangeUnreadable => format!("affected versions unreadable: {spec:?}"),
        Why::FirmwareUnreadable => format!("firmware {fw:?} unreadable; affected: {spec}"),
        Why::FixedVersion => format!("firmware {fw} is a fixed version ({spec})"),
        Why::AfterFirstFix => format!("firmware {fw} after the first fix {spec}"),
        Why::ListedNotAffected => format!("listed as not affected ({spec})"),
    };
    if status_flags & flags::AFFECTED == 0 && status_flags & flags::INVESTIGATING != 0 {
        text.push_str(" (under investigation)");
    }
    if basis == Basis::Family {
        text.push_str(", family match only");
    }
    text
}

/// One scored product of an advisory, input to [`assemble`].
pub(crate) struct Scored<'a> {
    pub product: usize,
    pub basis: Basis,
    pub status: MatchStatus,
    pub why: Why,
    pub links: &'a ProductLinks,
}

/// Picks the strongest basis, then the most concerning status, and gathers CVEs, scores, KEV
/// flags and remediations for the products it rests on.
pub(crate) fn assemble(
    advisory: &Advisory,
    remediations: &[(u32, u32)],
    kev: Option<&KevCatalog>,
    mut scored: Vec<Scored<'_>>,
    vendor_confirmed: bool,
    firmware: &Firmware,
) -> Option<Match> {
    scored.sort_by_key(|s| s.product);
    let basis = scored.iter().map(|s| s.basis).min()?;
    scored.retain(|s| s.basis == basis);
    let status = scored
        .iter()
        .map(|s| s.status)
        .max_by_key(|s| s.severity())?;
    scored.retain(|s| s.status == status);
    let mut products: Vec<MatchedProduct> = Vec::new();
    for s in &scored {
        let Some(p) = advisory.products.get(s.product) else {
            continue;
        };
        if !products.iter().any(|m| m.id == p.id) {
            products.push(MatchedProduct {
                id: p.id.clone(),
                name: p.full_name.clone(),
                version_spec: p.version_spec.clone(),
            });
        }
    }
    let union = |f: fn(&ProductLinks) -> &[u32]| {
        let mut all: Vec<u32> = scored.iter().flat_map(|s| f(s.links)).copied().collect();
        all.sort_unstable();
        all.dedup();
        all
    };
    let mut cves: Vec<String> = Vec::new();
    for i in union(|l| &l.vulns) {
        let cve = usize::try_from(i)
            .ok()
            .and_then(|i| advisory.vulnerabilities.get(i))
            .and_then(|v| v.cve.as_deref())
            .map(str::trim);
        if let Some(cve) = cve.filter(|c| !cves.iter().any(|k| k == c)) {
            cves.push(cve.to_string());
        }
    }
    let max_cvss = scored
        .iter()
        .filter_map(|s| s.links.max_cvss)
        .reduce(f64::max);
    let remediations: Vec<RemediationRef> = union(|l| &l.remediations)
        .into_iter()
        .filter_map(|i| {
            let &(v, r) = remediations.get(usize::try_from(i).ok()?)?;
            let v = advisory.vulnerabilities.get(usize::try_from(v).ok()?)?;
            let r = v.remediations.get(usize::try_from(r).ok()?)?;
            Some(RemediationRef {
                category: r.category.clone(),
                details: r.details.clone(),
                url: r.url.clone(),
            })
        })
        .collect();
    let kev_entries: Vec<_> = cves
        .iter()
        .filter_map(|c| kev.and_then(|k| k.get(c)))
        .collect();
    let confidence = basis
        .confidence()
        .saturating_sub(if vendor_confirmed { 0 } else { 10 });
    Some(Match {
        tracking_id: advisory.tracking_id.clone(),
        title: advisory.title.clone(),
        publisher: advisory.publisher.clone(),
        advisory_version: advisory.version.clone(),
        current_release_date: advisory.current_release_date.clone(),
        status,
        basis,
        confidence,
        reason: scored
            .first()
            .map(|s| {
                let spec = advisory
                    .products
                    .get(s.product)
                    .and_then(|p| p.version_spec.as_deref())
                    .unwrap_or("all versions");
                explain(s.why, s.links.flags, basis, spec, firmware)
            })
            .unwrap_or_default(),
        products,
        cves,
        max_cvss,
        kev: !kev_entries.is_empty(),
        kev_cves: kev_entries.iter().map(|e| e.cve_id.clone()).collect(),
        known_ransomware: kev_entries.iter().any(|e| e.known_ransomware()),
        remediations,
    })
}

/// Sort key of matches: most concerning first, then highest score, then tracking id.
pub(crate) fn order(a: &Match, b: &Match) -> std::cmp::Ordering {
    b.status
        .severity()
        .cmp(&a.status.severity())
        .then_with(|| {
            b.max_cvss
                .unwrap_or(0.0)
                .total_cmp(&a.max_cvss.unwrap_or(0.0))
        })
        .then_with(|| a.tracking_id.cmp(&b.tracking_id))
}
