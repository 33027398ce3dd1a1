//! The index built once over all advisories, so that matching a large inventory is a few hash
//! look-ups per asset rather than a scan of every product of every advisory.
//!
//! Four maps lead from what an asset reports to candidate products: normalised model numbers
//! (with a side list for CSAF 2.1 wildcard patterns, keyed by their literal start), CPE
//! `vendor:product`, alphanumeric words of product names (the rarest word of the asset's model
//! selects the few names to check for a bounded occurrence), and family keys such as `S7-300`.

use crate::csaf::{Advisory, Product};
use crate::identity::{
    alnum_tokens, contains_bounded, family_in_name, family_keys, keys_agree, model_without_series,
    names_more_than, normalize_model, normalize_name, series_after, series_in_name,
    series_of_model, vendor_key, wildcard_match, wildcard_prefix,
};
use crate::kev::KevCatalog;
use crate::links::{AdvisoryLinks, ProductLinks, link};
use crate::matching::{
    AssetIdentity, Basis, Firmware, Match, Scored, assemble, order, product_status,
};
use crate::range::VersionRange;
use std::collections::HashMap;

/// Length of the literal start of a wildcard model pattern used as its key.
const WILDCARD_KEY: usize = 3;

/// One product of one advisory, with what matching needs precomputed.
struct Entry {
    advisory: usize,
    product: usize,
    vendor_key: Option<String>,
    name: String,
    range: VersionRange,
    series: Option<char>,
    is_family: bool,
    /// Product-line words of the name (`S7-300`), to reach family-wide advisories.
    line_keys: Vec<String>,
    links: ProductLinks,
}

/// All advisories (and the KEV catalog) ready for matching.
pub struct AdvisoryIndex {
    advisories: Vec<Advisory>,
    kev: Option<KevCatalog>,
    entries: Vec<Entry>,
    /// Per advisory: its distinct remediations (see [`AdvisoryLinks`]).
    remediations: Vec<Vec<(u32, u32)>>,
    by_model: HashMap<String, Vec<usize>>,
    wildcards: HashMap<String, Vec<(String, usize)>>,
    by_cpe: HashMap<String, Vec<usize>>,
    by_word: HashMap<String, Vec<usize>>,
    by_family: HashMap<String, Vec<usize>>,
}

/// `vendor:product` and the version of a CPE 2.3 name or 2.2 URI, lower-case.
fn cpe_parts(cpe: &str) -> Option<(String, Option<String>)> {
    let lower = cpe.trim().to_lowercase();
    let rest = lower
        .strip_prefix("cpe:2.3:")
        .or_else(|| lower.strip_prefix("cpe:/"))?;
    let mut fields = rest.split(':');
    let _part = fields.next()?;
    let vendor = fields.next().filter(|v| !v.is_empty() && *v != "*")?;
    let product = fields.next().filter(|p| !p.is_empty() && *p != "*")?;
    let version = fields
        .next()
        .filter(|v| !v.is_empty() && *v != "*" && *v != "-")
        .map(str::to_string);
    Some((format!("{vendor}:{product}"), version))
}

impl AdvisoryIndex {
    /// Builds the index; `kev` flags CVEs known to be exploited.
    pub fn new(advisories: Vec<Advisory>, kev: Option<KevCatalog>) -> AdvisoryIndex {
        let mut index = AdvisoryIndex {
            advisories: Vec::new(),
            kev,
            entries: Vec::new(),
            remediations: Vec::new(),
            by_model: HashMap::new(),
            wildcards: HashMap::new(),
            by_cpe: HashMap::new(),
            by_word: HashMap::new(),
            by_family: HashMap::new(),
        };
        for (a, advisory) in advisories.iter().enumerate() {
            let (mut links, AdvisoryLinks { remediations }) = link(advisory);
            for (p, product) in advisory.products.iter().enumerate() {
                index.add(a, p, product, links.remove(product.id.trim()));
            }
            index.remediations.push(remediations);
        }
        index.advisories = advisories;
        index
    }

    fn add(&mut self, a: usize, p: usize, product: &Product, links: Option<ProductLinks>) {
        // A product no status names (only `recommended`, or unused) cannot produce a match.
        let Some(links) = links else {
            return;
        };
        let e = self.entries.len();
        let cpe = product.cpe.as_deref().and_then(cpe_parts);
        let range = match (&product.version_spec, &cpe) {
            (Some(spec), _) => VersionRange::parse(spec),
            (None, Some((_, Some(v)))) => VersionRange::parse(v),
            (None, _) => VersionRange::All,
        };
        let name = normalize_name(&product.name);
        for m in product.model_numbers.iter().chain(&product.skus) {
            let m = normalize_model(m);
            if m.contains(['*', '?']) {
                let key: String = wildcard_prefix(&m).chars().take(WILDCARD_KEY).collect();
                self.wildcards.entry(key).or_default().push((m, e));
            } else if !m.is_empty() {
                self.by_model.entry(m).or_default().push(e);
            }
        }
        if let Some((key, _)) = cpe {
            self.by_cpe.entry(key).or_default().push(e);
        }
        let mut words: Vec<String> = alnum_tokens(&name).collect();
        words.sort_unstable();
        words.dedup();
        for w in words {
            self.by_word.entry(w).or_default().push(e);
        }
        if product.is_family {
            let family = product.family.as_deref().map(normalize_name);
            let text = family
                .as_deref()
                .and_then(family_in_name)
                .or(family.as_deref())
                .or_else(|| family_in_name(&name))
                .unwrap_or(&name)
                .to_string();
            for k in family_keys(&text) {
                self.by_family.entry(k).or_default().push(e);
            }
        }
        self.entries.push(Entry {
            advisory: a,
            product: p,
            vendor_key: product.vendor.as_deref().map(vendor_key),
            series: series_in_name(&name),
            line_keys: family_keys(&name),
            name,
            range,
            is_family: product.is_family,
            links,
        });
    }

    /// The advisories, in the order given.
    pub fn advisories(&self) -> &[Advisory] {
        &self.advisories
    }

    /// The KEV catalog, if one was given.
    pub fn kev(&self) -> Option<&KevCatalog> {
        self.kev.as_ref()
    }

    /// Number of products indexed (those some `product_status` names).
    pub fn product_count(&self) -> usize {
        self.entries.len()
    }

    /// Every advisory that concerns the asset, most concerning first. An identity with neither
    /// model, product name nor CPE matches nothing.
    pub fn match_asset(&self, asset: &AssetIdentity) -> Vec<Match> {
        let vendor = asset
            .vendor
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let model = asset
            .model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty());
        let series = model.and_then(series_of_model);
        let mut found: HashMap<usize, Basis> = HashMap::new();
        fn add_to(found: &mut HashMap<usize, Basis>, e: usize, basis: Basis) {
            let b = found.entry(e).or_insert(basis);
            *b = (*b).min(basis);
        }
        let mut models: Vec<&str> = model.into_iter().collect();
        models.extend(model.and_then(model_without_series));
        for m in &models {
            let m = normalize_model(m);
            for &e in self.by_model.get(&m).into_iter().flatten() {
                add_to(&mut found, e, Basis::ModelNumber);
            }
            // Patterns are keyed by up to WILDCARD_KEY literal characters: try each length.
            let keys = (0..=WILDCARD_KEY).map(|n| m.chars().take(n).collect::<String>());
            let patterns = keys.filter_map(|k| self.wildcards.get(&k));
            for (pattern, e) in patterns.flatten() {
                if m.starts_with(wildcard_prefix(pattern)) && wildcard_match(pattern, &m) {
                    add_to(&mut found, *e, Basis::ModelNumber);
                }
            }
        }
        let mut firmware_text = asset.firmware.clone();
        if let Some((key, version)) = asset.cpe.as_deref().and_then(cpe_parts) {
            for &e in self.by_cpe.get(&key).into_iter().flatten() {
                add_to(&mut found, e, Basis::Cpe);
            }
            firmware_text = firmware_text.or(version);
        }
        let mut needles: Vec<String> = Vec::new();
        for text in models.iter().copied().chain(asset.product_name.as_deref()) {
            for n in [normalize_name(text), normalize_model(text)] {
                let specific = n.chars().any(|c| c.is_ascii_digit()) && n.chars().count() >= 4;
                if specific && !needles.contains(&n) {
                    needles.push(n);
                }
            }
        }
        for needle in &needles {
            // Every word of a bounded occurrence is a word of the name: the rarest one selects
            // the few names worth checking (none if a word is absent from all names).
            let rarest = alnum_tokens(needle)
                .map(|w| self.by_word.get(&w).map_or(&[][..], Vec::as_slice))
                .min_by_key(|list| list.len());
            for &e in rarest.into_iter().flatten() {
                let Some(entry) = self.entries.get(e) else {
                    continue;
                };
                let named_series = entry.series.or_else(|| series_after(&entry.name, needle));
                let series_ok = match (series, named_series) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                };
                if series_ok && contains_bounded(&entry.name, needle) {
                    let basis = if names_more_than(&entry.name, needle) {
                        Basis::Family
                    } else {
                        Basis::ProductName
                    };
                    add_to(&mut found, e, basis);
                }
            }
        }
        // Families: keys such as `S7-300` from the asset itself and from the names of the
        // products it already matched (the order number's product names its product line).
        let mut keys: Vec<String> = Vec::new();
        for text in asset.product_name.iter().chain(asset.model.iter()) {
            keys.extend(family_keys(&normalize_name(text)));
        }
        for e in found.keys() {
            if let Some(entry) = self.entries.get(*e) {
                keys.extend(entry.line_keys.iter().cloned());
            }
        }
        keys.sort_unstable();
        keys.dedup();
        for k in &keys {
            for &e in self.by_family.get(k).into_iter().flatten() {
                add_to(&mut found, e, Basis::Family);
            }
        }
        self.evaluate(found, vendor, firmware_text.as_deref())
    }

    fn evaluate(
        &self,
        found: HashMap<usize, Basis>,
        vendor: Option<&str>,
        firmware: Option<&str>,
    ) -> Vec<Match> {
        // Each slash-separated part of the reported vendor, as a key, computed once.
        let vendor_keys: Vec<String> = vendor
            .map(|v| {
                v.split('/')
                    .map(vendor_key)
                    .filter(|k| !k.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let firmware = Firmware::read(firmware);
        let mut per_advisory: HashMap<usize, (Vec<Scored>, bool)> = HashMap::new();
        for (e, mut basis) in found {
            let Some(entry) = self.entries.get(e) else {
                continue;
            };
            let confirmed = match entry.vendor_key.as_deref() {
                Some(k) if !vendor_keys.is_empty() => {
                    if !vendor_keys.iter().any(|v| keys_agree(v, k)) {
                        continue;
                    }
                    true
                }
                _ => false,
            };
            if entry.is_family && basis != Basis::ModelNumber {
                basis = Basis::Family;
            }
            let Some((status, why)) =
                product_status(entry.links.flags, &entry.range, &firmware, basis)
            else {
                continue;
            };
            let slot = per_advisory.entry(entry.advisory).or_default();
            slot.0.push(Scored {
                product: entry.product,
                basis,
                status,
                why,
                links: &entry.links,
            });
            slot.1 |= confirmed;
        }
        let mut out: Vec<Match> = per_advisory
            .into_iter()
            .filter_map(|(a, (scored, confirmed))| {
                let advisory = self.advisories.get(a)?;
                let remediations = self.remediations.get(a).map_or(&[][..], Vec::as_slice);
                let kev = self.kev.as_ref();
                assemble(advisory, remediations, kev, scored, confirmed, &firmware)
            })
            .collect();
        out.sort_by(order);
        out
    }
}

#[cfg(test)]
mod tests;
