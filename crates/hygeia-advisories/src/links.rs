//! What an advisory says about each of its products, worked out once when the index is built.
//!
//! CISA's advisories list every product id under every remediation and score, and the large
//! Siemens ones have hundreds of products and dozens of CVEs: walking those lists for each
//! match would dominate matching time. So per product we keep the status lists naming it (as
//! bits), the vulnerabilities that do, its highest CVSS base score, and the remediations that
//! name it — as numbers into a list of the advisory's distinct remediations.

use crate::csaf::{Advisory, Score};
use crate::matching::flags;
use std::collections::HashMap;

/// What one product of an advisory is linked to.
#[derive(Debug, Default)]
pub(crate) struct ProductLinks {
    /// `flags::*` bits of the status lists naming the product.
    pub flags: u8,
    /// Indices of the vulnerabilities whose `product_status` names it.
    pub vulns: Vec<u32>,
    /// Highest CVSS base score of those vulnerabilities for this product (a vulnerability's
    /// scores that name no product at all count for every product).
    pub max_cvss: Option<f64>,
    /// Indices into [`AdvisoryLinks::remediations`] of the remediations naming it.
    pub remediations: Vec<u32>,
}

/// The links of every product of one advisory.
#[derive(Debug, Default)]
pub(crate) struct AdvisoryLinks {
    /// Distinct remediations (by category, details and URL) as (vulnerability, remediation)
    /// positions in the advisory.
    pub remediations: Vec<(u32, u32)>,
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn base_score(s: &Score) -> Option<f64> {
    let v3 = s.cvss_v3.as_ref().map(|c| c.base_score);
    let v4 = s.cvss_v4.as_ref().map(|c| c.base_score);
    match (v3, v4) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

fn raise(slot: &mut Option<f64>, score: f64) {
    *slot = Some(slot.map_or(score, |m| m.max(score)));
}

/// Links every product id that a `product_status` list names.
pub(crate) fn link(advisory: &Advisory) -> (HashMap<&str, ProductLinks>, AdvisoryLinks) {
    let mut products: HashMap<&str, ProductLinks> = HashMap::new();
    let mut out = AdvisoryLinks::default();
    let mut distinct: HashMap<(&str, &str, Option<&str>), u32> = HashMap::new();
    for (i, v) in advisory.vulnerabilities.iter().enumerate() {
        let vi = index(i);
        let st = &v.product_status;
        let lists = [
            (&st.known_affected, flags::AFFECTED),
            (&st.first_affected, flags::AFFECTED),
            (&st.last_affected, flags::AFFECTED),
            (&st.under_investigation, flags::INVESTIGATING),
            (&st.fixed, flags::FIXED),
            (&st.first_fixed, flags::FIRST_FIXED),
            (&st.known_not_affected, flags::NOT_AFFECTED),
        ];
        for (list, bit) in lists {
            for id in list {
                let links = products.entry(id.trim()).or_default();
                links.flags |= bit;
                if links.vulns.last() != Some(&vi) {
                    links.vulns.push(vi);
                }
            }
        }
        // Scores: per product named by a score, else the vulnerability's highest for all.
        let mut general: Option<f64> = None;
        let mut named: HashMap<&str, f64> = HashMap::new();
        for s in &v.scores {
            let Some(score) = base_score(s) else { continue };
            if s.products.is_empty() {
                raise(&mut general, score);
            }
            for p in &s.products {
                let slot = named.entry(p.trim()).or_insert(score);
                *slot = slot.max(score);
            }
        }
        let fallback = general.or_else(|| named.values().copied().reduce(f64::max));
        for (list, _) in lists {
            for id in list {
                let score = named.get(id.trim()).copied().or(fallback);
                if let (Some(links), Some(score)) = (products.get_mut(id.trim()), score) {
                    raise(&mut links.max_cvss, score);
                }
            }
        }
        for (j, r) in v.remediations.iter().enumerate() {
            let key = (r.category.as_str(), r.details.as_str(), r.url.as_deref());
            let next = index(out.remediations.len());
            let canon = *distinct.entry(key).or_insert(next);
            if canon == next {
                out.remediations.push((vi, index(j)));
            }
            for p in &r.product_ids {
                if let Some(links) = products.get_mut(p.trim())
                    && links.remediations.last() != Some(&canon)
                {
                    links.remediations.push(canon);
                }
            }
        }
    }
    for links in products.values_mut() {
        links.remediations.sort_unstable();
        links.remediations.dedup();
    }
    (products, out)
}
