//! Flattening a CSAF product tree into [`Product`]s.
//!
//! CSAF nests products as `vendor → product_name → product_version_range` branches (CISA's ICS
//! advisories always do), sometimes with a `product_family` level; the identity of a product is
//! spread over that path. Flattening gathers it at each leaf, so that matching looks at one
//! list. Products defined by `relationships` (`firmware X installed_on hardware Y`) become
//! products too: the hardware gives the identity, the installed firmware the version, because
//! a device on the network reports its hardware model and its firmware.

use crate::csaf::Product;
use crate::identity::{family_in_name, normalize_name};
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub(crate) struct RawProductTree {
    #[serde(default)]
    branches: Vec<RawBranch>,
    #[serde(default)]
    full_product_names: Vec<RawProduct>,
    #[serde(default)]
    relationships: Vec<RawRelationship>,
}

#[derive(Deserialize)]
struct RawBranch {
    category: String,
    name: String,
    #[serde(default)]
    branches: Vec<RawBranch>,
    #[serde(default)]
    product: Option<RawProduct>,
}

#[derive(Deserialize)]
struct RawProduct {
    name: String,
    product_id: String,
    #[serde(default)]
    product_identification_helper: Option<RawHelper>,
}

#[derive(Deserialize, Default)]
struct RawHelper {
    #[serde(default)]
    cpe: Option<String>,
    #[serde(default)]
    purl: Option<String>,
    /// CSAF 2.1 replaces `purl` with a list.
    #[serde(default)]
    purls: Vec<String>,
    #[serde(default)]
    model_numbers: Vec<String>,
    #[serde(default)]
    skus: Vec<String>,
}

#[derive(Deserialize)]
struct RawRelationship {
    category: String,
    product_reference: String,
    relates_to_product_reference: String,
    full_product_name: RawProduct,
}

/// What the branches above a leaf said.
#[derive(Clone, Default)]
struct Path {
    vendor: Option<String>,
    names: Vec<String>,
    family: Option<String>,
    version: Option<String>,
    /// The innermost naming branch was a `product_family`.
    family_level: bool,
}

pub(crate) fn flatten(tree: RawProductTree) -> Vec<Product> {
    let mut out = Vec::new();
    for b in tree.branches {
        walk(b, Path::default(), &mut out);
    }
    for p in tree.full_product_names {
        out.push(leaf(p, &Path::default()));
    }
    let composed: Vec<Product> = tree
        .relationships
        .into_iter()
        .filter_map(|r| compose(r, &out))
        .collect();
    out.extend(composed);
    out
}

fn walk(branch: RawBranch, mut path: Path, out: &mut Vec<Product>) {
    let name = branch.name.trim().to_string();
    match branch.category.as_str() {
        "vendor" => path.vendor = Some(name),
        "product_family" => {
            path.family = Some(name.clone());
            path.names.push(name);
            path.family_level = true;
        }
        "product_name" => {
            path.names.push(name);
            path.family_level = false;
        }
        "product_version" | "product_version_range" => path.version = Some(name),
        // architecture, host_name, language, legacy, patch_level, service_pack, specification:
        // they do not identify a device.
        _ => {}
    }
    if let Some(product) = branch.product {
        out.push(leaf(product, &path));
    }
    for b in branch.branches {
        walk(b, path.clone(), out);
    }
}

fn leaf(p: RawProduct, path: &Path) -> Product {
    let helper = p.product_identification_helper.unwrap_or_default();
    let name = if path.names.is_empty() {
        p.name.trim().to_string()
    } else {
        path.names.join(" ")
    };
    let named_family = family_in_name(&normalize_name(&name)).is_some();
    let family = path.family.clone().or_else(|| {
        let norm = normalize_name(&name);
        family_in_name(&norm).map(|_| name.clone())
    });
    Product {
        id: p.product_id.trim().to_string(),
        vendor: path.vendor.clone(),
        name,
        full_name: p.name,
        family,
        is_family: path.family_level || named_family,
        version_spec: path.version.clone(),
        model_numbers: helper.model_numbers,
        skus: helper.skus,
        cpe: helper.cpe,
        purl: helper.purl.or_else(|| helper.purls.into_iter().next()),
    }
}

/// A product defined by a relationship, identified like the product it relates to.
fn compose(r: RawRelationship, products: &[Product]) -> Option<Product> {
    let find = |id: &str| products.iter().find(|p| p.id == id.trim());
    let component = find(&r.product_reference)?;
    let platform = find(&r.relates_to_product_reference)?;
    // `installed_on`: the platform is the device, the component its firmware or software, so
    // the version is the component's. For `*_component_of` the platform is the product the
    // component is part of, with its own version.
    let version_spec = if r.category == "installed_on" {
        component.version_spec.clone()
    } else {
        platform.version_spec.clone()
    };
    Some(Product {
        id: r.full_product_name.product_id.trim().to_string(),
        vendor: platform.vendor.clone(),
        name: platform.name.clone(),
        full_name: r.full_product_name.name,
        family: platform.family.clone(),
        is_family: platform.is_family,
        version_spec,
        model_numbers: platform.model_numbers.clone(),
        skus: platform.skus.clone(),
        cpe: platform.cpe.clone(),
        purl: platform.purl.clone(),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn leaves_gather_vendor_names_and_version() {
        let tree: RawProductTree = serde_json::from_str(
            r#"{"branches":[{"category":"vendor","name":"Siemens","branches":[
                {"category":"product_name","name":"SIMATIC S7-300 CPU family (incl. SIPLUS)","branches":[
                  {"category":"product_version_range","name":"< V3.X.14","product":{"name":"S7-300","product_id":"F"}}]},
                {"category":"product_name","name":"CPU 315-2 PN/DP","branches":[
                  {"category":"product_version_range","name":"vers:all/<V3.2.17","product":{"name":"CPU 315-2 PN/DP","product_id":"P1",
                   "product_identification_helper":{"model_numbers":["6ES7315-2EH14-0AB0"],"cpe":"cpe:2.3:h:siemens:x:-:*:*:*:*:*:*:*"}}}]}]}],
              "relationships":[{"category":"installed_on","product_reference":"P1","relates_to_product_reference":"F",
                "full_product_name":{"name":"combo","product_id":"R1"}}],
              "unknown_field": 1}"#,
        )
        .unwrap();
        let ps = flatten(tree);
        assert_eq!(ps.len(), 3);
        let fam = &ps[0];
        assert!(fam.is_family);
        assert_eq!(fam.version_spec.as_deref(), Some("< V3.X.14"));
        let p = &ps[1];
        assert_eq!(p.vendor.as_deref(), Some("Siemens"));
        assert_eq!(p.name, "CPU 315-2 PN/DP");
        assert!(!p.is_family);
        assert_eq!(p.model_numbers, vec!["6ES7315-2EH14-0AB0".to_string()]);
        assert!(p.cpe.is_some());
        let r = &ps[2];
        assert_eq!(r.id, "R1");
        assert_eq!(r.version_spec.as_deref(), Some("vers:all/<V3.2.17"));
        assert!(r.is_family);
    }
}
