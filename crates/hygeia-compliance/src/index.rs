//! Which crosswalk pairs link a target requirement to the source framework.
//!
//! This follows the catalog's neighbour logic ([`hygeia_catalog::Catalog::neighbours`]): pairs
//! of every mapping set between the two frameworks, in either direction, naming the requirement
//! itself or one of its ancestors. It adds the pairs naming a descendant (a part) of the
//! requirement, as [`hygeia_catalog::Catalog::unmapped`] does, and indexes everything once so
//! a whole framework is derived in one pass.

use std::collections::HashMap;

use hygeia_catalog::{Catalog, Framework, MappingPair, MappingSet, Relationship, Requirement};
use serde::{Deserialize, Serialize};

/// How a pair reaches the target requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reach {
    /// The pair names the target requirement.
    Direct,
    /// The pair names `node`, an ancestor of the target requirement (a whole section).
    ViaAncestor { node: String },
    /// The pair names `node`, a descendant (a part) of the target requirement.
    ViaDescendant { node: String },
}

impl Reach {
    /// The relationship "source is … of the target requirement", from the relationship
    /// "source is … of the node the pair names".
    ///
    /// Through an ancestor, covering the ancestor covers the requirement, but overlapping the
    /// ancestor only tells us the source may overlap it. Through a descendant, the source can
    /// at most cover a part of the requirement.
    pub fn carry(&self, relationship: Relationship) -> Relationship {
        use Relationship::{Equal, Intersect, Subset, Superset};
        match (self, relationship) {
            (Self::Direct, r) => r,
            (Self::ViaAncestor { .. }, Equal | Superset) => Superset,
            (Self::ViaAncestor { .. }, Subset | Intersect) => Intersect,
            (Self::ViaDescendant { .. }, Equal | Subset) => Subset,
            (Self::ViaDescendant { .. }, Superset | Intersect) => Intersect,
        }
    }
}

/// One pair of a mapping set between the source and the target framework.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link<'c> {
    pub set: &'c MappingSet,
    pub pair: &'c MappingPair,
    /// The mapping set runs from the source framework to the target framework.
    pub forward: bool,
}

impl<'c> Link<'c> {
    /// The id the pair names on the source framework's side.
    pub fn source_node(&self) -> &'c str {
        if self.forward {
            &self.pair.source
        } else {
            &self.pair.target
        }
    }

    /// The id the pair names on the target framework's side.
    pub fn target_node(&self) -> &'c str {
        if self.forward {
            &self.pair.target
        } else {
            &self.pair.source
        }
    }

    /// A relationship in the mapping set's direction, read "source framework's node is … of
    /// the target framework's node".
    pub fn orient(&self, relationship: Relationship) -> Relationship {
        if self.forward {
            relationship
        } else {
            relationship.inverse()
        }
    }
}

/// The pairs reaching each target requirement.
#[derive(Debug, Clone)]
pub(crate) struct CoverageIndex<'c> {
    pub links: Vec<Link<'c>>,
    by_target: HashMap<&'c str, Vec<(usize, Reach)>>,
    pub mapping_sets: Vec<&'c MappingSet>,
}

impl<'c> CoverageIndex<'c> {
    pub fn build(catalog: &'c Catalog, source: &Framework, target: &'c Framework) -> Self {
        let mapping_sets: Vec<&MappingSet> = catalog
            .mapping_sets()
            .iter()
            .filter(|set| {
                let (from, to) = (&set.meta.source_framework, &set.meta.target_framework);
                (from == source.id() && to == target.id())
                    || (from == target.id() && to == source.id())
            })
            .collect();
        let mut links = Vec::new();
        let mut by_target: HashMap<&str, Vec<(usize, Reach)>> = HashMap::new();
        for set in &mapping_sets {
            let forward = set.meta.source_framework == source.id();
            for pair in &set.pairs {
                let link = Link { set, pair, forward };
                let index = links.len();
                links.push(link);
                let named = link.target_node();
                by_target
                    .entry(named)
                    .or_default()
                    .push((index, Reach::Direct));
                for ancestor in target.ancestors(named) {
                    if ancestor.assessable {
                        by_target.entry(ancestor.id.as_str()).or_default().push((
                            index,
                            Reach::ViaDescendant {
                                node: named.to_owned(),
                            },
                        ));
                    }
                }
                for descendant in descendants(target, named) {
                    if descendant.assessable {
                        by_target.entry(descendant.id.as_str()).or_default().push((
                            index,
                            Reach::ViaAncestor {
                                node: named.to_owned(),
                            },
                        ));
                    }
                }
            }
        }
        Self {
            links,
            by_target,
            mapping_sets,
        }
    }

    /// The pairs reaching a target requirement, in mapping-set then pair order.
    pub fn reaching(&self, target_id: &str) -> impl Iterator<Item = (Link<'c>, &Reach)> {
        self.by_target
            .get(target_id)
            .into_iter()
            .flatten()
            .filter_map(|(i, reach)| self.links.get(*i).map(|link| (*link, reach)))
    }
}

/// Every descendant of a requirement, depth first.
pub(crate) fn descendants<'f>(framework: &'f Framework, id: &str) -> Vec<&'f Requirement> {
    let mut out = Vec::new();
    let mut stack: Vec<&Requirement> = framework.children(id).collect();
    while let Some(r) = stack.pop() {
        // Validation rules out cycles; the bound keeps the walk finite anyway.
        if out.len() > framework.requirements().len() {
            break;
        }
        out.push(r);
        stack.extend(framework.children(&r.id));
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use hygeia_catalog::ids::{ISO27001_2022, NIS2_2024_2690};
    use std::collections::HashSet;

    #[test]
    fn carrying_through_the_tree_never_strengthens() {
        use Relationship::*;
        let up = Reach::ViaAncestor { node: "6".into() };
        let down = Reach::ViaDescendant {
            node: "5.2.a".into(),
        };
        assert_eq!(up.carry(Equal), Superset);
        assert_eq!(up.carry(Superset), Superset);
        assert_eq!(up.carry(Subset), Intersect);
        assert_eq!(up.carry(Intersect), Intersect);
        assert_eq!(down.carry(Equal), Subset);
        assert_eq!(down.carry(Subset), Subset);
        assert_eq!(down.carry(Superset), Intersect);
        assert_eq!(Reach::Direct.carry(Superset), Superset);
    }

    /// The index agrees with the catalog: direct and ancestor pairs are exactly the catalog's
    /// neighbours in the source framework, and the targets no pair reaches are exactly the
    /// catalog's unmapped requirements.
    #[test]
    fn index_matches_catalog_neighbours_and_unmapped() {
        let cat = Catalog::load_embedded().unwrap();
        let iso = cat.framework(ISO27001_2022).unwrap();
        let nis2 = cat.framework(NIS2_2024_2690).unwrap();
        let index = CoverageIndex::build(&cat, iso, nis2);
        for r in nis2.assessable() {
            let mut ours: Vec<(String, bool)> = index
                .reaching(&r.id)
                .filter(|(_, reach)| !matches!(reach, Reach::ViaDescendant { .. }))
                .map(|(l, reach)| {
                    (
                        l.source_node().to_owned(),
                        matches!(reach, Reach::ViaAncestor { .. }),
                    )
                })
                .collect();
            let mut theirs: Vec<(String, bool)> = cat
                .neighbours(NIS2_2024_2690, &r.id)
                .into_iter()
                .filter(|n| n.framework == ISO27001_2022)
                .map(|n| (n.requirement.id.clone(), n.via_ancestor))
                .collect();
            ours.sort();
            theirs.sort();
            assert_eq!(ours, theirs, "{}", r.id);
        }
        let unreached: HashSet<&str> = nis2
            .assessable()
            .filter(|r| index.reaching(&r.id).next().is_none())
            .map(|r| r.id.as_str())
            .collect();
        // Unreached: what neither ENISA's pairs nor those of Hygeia's review name.
        let unmapped_by = |set: &str| -> HashSet<&str> {
            cat.unmapped(NIS2_2024_2690, set)
                .iter()
                .map(|r| r.id.as_str())
                .collect()
        };
        let unmapped: HashSet<&str> = unmapped_by("enisa-2024-2690-to-iso27001-2022")
            .intersection(&unmapped_by("hygeia-2024-2690-to-iso27001-2022"))
            .copied()
            .collect();
        assert_eq!(unreached, unmapped);
    }
}
