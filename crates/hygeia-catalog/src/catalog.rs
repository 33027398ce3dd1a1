//! The loaded catalog: frameworks and mapping sets with lookups, neighbours, search and filters.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::{CatalogError, IssueKind, Issues};
use crate::load::{parse_framework, parse_mapping};
use crate::model::{Art21Letter, Framework, MappingSet, Relationship, Requirement};
use crate::obligations::{EMBEDDED_OBLIGATIONS, Obligation, parse_obligation};
use crate::significance::SignificanceThresholds;
use crate::transposition::TranspositionNote;

/// Framework files shipped in the binary, in load order.
pub const EMBEDDED_FRAMEWORKS: &[(&str, &str)] = &[
    (
        "data/frameworks/nis2-directive.yaml",
        include_str!("../data/frameworks/nis2-directive.yaml"),
    ),
    (
        "data/frameworks/nis2-2024-2690.yaml",
        include_str!("../data/frameworks/nis2-2024-2690.yaml"),
    ),
    (
        "data/frameworks/iso27001-2022.yaml",
        include_str!("../data/frameworks/iso27001-2022.yaml"),
    ),
    (
        "data/frameworks/nist-csf-2.0.yaml",
        include_str!("../data/frameworks/nist-csf-2.0.yaml"),
    ),
    (
        "data/frameworks/hds-2024.yaml",
        include_str!("../data/frameworks/hds-2024.yaml"),
    ),
    (
        "data/frameworks/hds-2024-client-checklist.yaml",
        include_str!("../data/frameworks/hds-2024-client-checklist.yaml"),
    ),
    (
        "data/frameworks/iec62443-3-3.yaml",
        include_str!("../data/frameworks/iec62443-3-3.yaml"),
    ),
    (
        "data/frameworks/eu-gmp-annex11.yaml",
        include_str!("../data/frameworks/eu-gmp-annex11.yaml"),
    ),
    (
        "data/frameworks/recyf.yaml",
        include_str!("../data/frameworks/recyf.yaml"),
    ),
];

/// Mapping files shipped in the binary (loaded after the frameworks).
pub const EMBEDDED_MAPPINGS: &[(&str, &str)] = &[
    (
        "data/mappings/nis2-art21-to-2024-2690.yaml",
        include_str!("../data/mappings/nis2-art21-to-2024-2690.yaml"),
    ),
    (
        "data/mappings/enisa-2024-2690-to-iso27001-2022.yaml",
        include_str!("../data/mappings/enisa-2024-2690-to-iso27001-2022.yaml"),
    ),
    (
        "data/mappings/enisa-2024-2690-to-nist-csf-2.0.yaml",
        include_str!("../data/mappings/enisa-2024-2690-to-nist-csf-2.0.yaml"),
    ),
    (
        "data/mappings/nist-csf-2.0-to-iso27001-2022.yaml",
        include_str!("../data/mappings/nist-csf-2.0-to-iso27001-2022.yaml"),
    ),
    (
        "data/mappings/hds-2024-to-iso27001-2022.yaml",
        include_str!("../data/mappings/hds-2024-to-iso27001-2022.yaml"),
    ),
    (
        "data/mappings/hygeia-2024-2690-to-iso27001-2022.yaml",
        include_str!("../data/mappings/hygeia-2024-2690-to-iso27001-2022.yaml"),
    ),
    (
        "data/mappings/eu-gmp-annex11-to-2024-2690.yaml",
        include_str!("../data/mappings/eu-gmp-annex11-to-2024-2690.yaml"),
    ),
    (
        "data/mappings/anssi-recyf-to-iso27001-2022.yaml",
        include_str!("../data/mappings/anssi-recyf-to-iso27001-2022.yaml"),
    ),
    (
        "data/mappings/hygeia-recyf-to-2024-2690.yaml",
        include_str!("../data/mappings/hygeia-recyf-to-2024-2690.yaml"),
    ),
];

/// All frameworks and mapping sets.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    frameworks: Vec<Framework>,
    mappings: Vec<MappingSet>,
    obligations: Vec<Obligation>,
    /// The significant-incident thresholds of 2024/2690 (absent only in a catalog built by
    /// hand, never after [`Catalog::load_embedded`]).
    significance: Option<SignificanceThresholds>,
    /// Dated notes on national transpositions of NIS2.
    transpositions: Vec<TranspositionNote>,
}

/// A requirement reached through a mapping, seen from the requirement asked about.
#[derive(Debug, Clone, Serialize)]
pub struct Neighbour<'a> {
    pub mapping_set: &'a str,
    pub framework: &'a str,
    pub requirement: &'a Requirement,
    /// Relationship read as "the requirement asked about is <relationship> of this neighbour".
    pub relationship: Relationship,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale: Option<&'a str>,
    /// The neighbour is an ancestor-level pair (the mapping names a parent of the requirement).
    pub via_ancestor: bool,
}

/// Criteria for [`Catalog::filter`] and [`Catalog::search`]. Empty criteria match everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub framework: Option<String>,
    pub tag: Option<String>,
    pub art21_letter: Option<Art21Letter>,
    pub assessable_only: bool,
    /// Only what a system targeting this security level (1–4) must meet (IEC 62443-3-3).
    pub security_level: Option<u8>,
}

/// A requirement with its framework id.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Hit<'a> {
    pub framework: &'a str,
    pub requirement: &'a Requirement,
}

impl Catalog {
    /// Load and validate every embedded framework and mapping set.
    pub fn load_embedded() -> Result<Catalog, CatalogError> {
        let mut cat = Catalog::default();
        let mut issues = Vec::new();
        for (file, text) in EMBEDDED_FRAMEWORKS {
            match cat.add_framework(parse_framework(file, text)) {
                Ok(()) => {}
                Err(CatalogError::Invalid(mut i)) => issues.append(&mut i),
                Err(e) => return Err(e),
            }
        }
        if !issues.is_empty() {
            return Err(CatalogError::Invalid(issues));
        }
        for (file, text) in EMBEDDED_MAPPINGS {
            let parsed = parse_mapping(file, text, &cat.framework_index());
            match cat.add_mapping(parsed) {
                Ok(()) => {}
                Err(CatalogError::Invalid(mut i)) => issues.append(&mut i),
                Err(e) => return Err(e),
            }
        }
        for (file, text) in EMBEDDED_OBLIGATIONS {
            match cat.add_obligation(parse_obligation(file, text)) {
                Ok(()) => {}
                Err(CatalogError::Invalid(mut i)) => issues.append(&mut i),
                Err(e) => return Err(e),
            }
        }
        match SignificanceThresholds::embedded() {
            Ok(thresholds) => cat.significance = Some(thresholds),
            Err(CatalogError::Invalid(mut i)) => issues.append(&mut i),
            Err(e) => return Err(e),
        }
        match crate::transposition::embedded() {
            Ok(notes) => cat.transpositions = notes,
            Err(CatalogError::Invalid(mut i)) => issues.append(&mut i),
            Err(e) => return Err(e),
        }
        if issues.is_empty() {
            Ok(cat)
        } else {
            Err(CatalogError::Invalid(issues))
        }
    }

    /// Where `country` (ISO 3166-1 alpha-2) stands in transposing NIS2, when we have a note.
    pub fn transposition(&self, country: &str) -> Option<&TranspositionNote> {
        self.transpositions.iter().find(|n| n.country == country)
    }

    /// When an incident is significant for the digital providers of 2024/2690 (Arts. 3–14).
    pub fn significance(&self) -> Option<&SignificanceThresholds> {
        self.significance.as_ref()
    }

    fn add_obligation(
        &mut self,
        obligation: Result<Obligation, CatalogError>,
    ) -> Result<(), CatalogError> {
        let obligation = obligation?;
        if self.obligation(&obligation.id).is_some() {
            let mut issues = Issues::default();
            issues.push(
                &obligation.file,
                "obligation",
                "id",
                IssueKind::DuplicateFramework(obligation.id.clone()),
            );
            return issues.into_result(());
        }
        self.obligations.push(obligation);
        Ok(())
    }

    /// Import a user reporting-obligation template (YAML, see `docs/obligations-format.md`).
    /// All-or-nothing: on any error the catalog is unchanged.
    pub fn import_obligation(
        &mut self,
        file_name: &str,
        yaml: &str,
    ) -> Result<&Obligation, CatalogError> {
        self.add_obligation(parse_obligation(file_name, yaml))?;
        self.obligations
            .last()
            .ok_or_else(|| CatalogError::Invalid(Vec::new()))
    }

    /// The reporting-obligation templates, shipped ones first.
    pub fn obligations(&self) -> &[Obligation] {
        &self.obligations
    }

    pub fn obligation(&self, id: &str) -> Option<&Obligation> {
        self.obligations.iter().find(|o| o.id == id)
    }

    fn framework_index(&self) -> HashMap<&str, &Framework> {
        self.frameworks.iter().map(|f| (f.id(), f)).collect()
    }

    fn add_framework(&mut self, fw: Result<Framework, CatalogError>) -> Result<(), CatalogError> {
        let fw = fw?;
        if self.framework(fw.id()).is_some() {
            let mut issues = Issues::default();
            issues.push(
                &fw.file,
                "framework",
                "id",
                IssueKind::DuplicateFramework(fw.id().to_owned()),
            );
            return issues.into_result(());
        }
        self.frameworks.push(fw);
        Ok(())
    }

    fn add_mapping(&mut self, set: Result<MappingSet, CatalogError>) -> Result<(), CatalogError> {
        let set = set?;
        if self.mapping_set(set.id()).is_some() {
            let mut issues = Issues::default();
            issues.push(
                &set.file,
                "mapping",
                "id",
                IssueKind::DuplicateFramework(set.id().to_owned()),
            );
            return issues.into_result(());
        }
        self.mappings.push(set);
        Ok(())
    }

    /// Import a user framework file (YAML, see `docs/catalog-format.md`). All-or-nothing:
    /// on any error the catalog is unchanged.
    pub fn import_framework(
        &mut self,
        file_name: &str,
        yaml: &str,
    ) -> Result<&Framework, CatalogError> {
        self.insert_framework(parse_framework(file_name, yaml))
    }

    /// Add an already-built framework (e.g. from [`crate::oscal::import`]); fails if the id
    /// is taken.
    pub fn insert_framework(
        &mut self,
        fw: Result<Framework, CatalogError>,
    ) -> Result<&Framework, CatalogError> {
        self.add_framework(fw)?;
        self.frameworks
            .last()
            .ok_or_else(|| CatalogError::Invalid(Vec::new()))
    }

    /// Import a user mapping file between loaded frameworks. All-or-nothing.
    pub fn import_mapping(
        &mut self,
        file_name: &str,
        yaml: &str,
    ) -> Result<&MappingSet, CatalogError> {
        let parsed = parse_mapping(file_name, yaml, &self.framework_index());
        self.add_mapping(parsed)?;
        self.mappings
            .last()
            .ok_or_else(|| CatalogError::Invalid(Vec::new()))
    }

    pub fn frameworks(&self) -> &[Framework] {
        &self.frameworks
    }

    pub fn framework(&self, id: &str) -> Option<&Framework> {
        self.frameworks.iter().find(|f| f.id() == id)
    }

    pub fn mapping_sets(&self) -> &[MappingSet] {
        &self.mappings
    }

    pub fn mapping_set(&self, id: &str) -> Option<&MappingSet> {
        self.mappings.iter().find(|m| m.id() == id)
    }

    /// The reviewed coverage of requirement `point` of `framework`, and the set carrying it
    /// (the first mapping set from `framework` that reviews it).
    pub fn reviewed_coverage(
        &self,
        framework: &str,
        point: &str,
    ) -> Option<(&MappingSet, &crate::PointCoverage)> {
        self.mappings
            .iter()
            .filter(|m| m.meta.source_framework == framework)
            .find_map(|m| m.coverage_of(point).map(|c| (m, c)))
    }

    /// Requirement by framework id and requirement id.
    pub fn requirement(&self, framework: &str, id: &str) -> Option<&Requirement> {
        self.framework(framework)?.requirement(id)
    }

    /// Requirement by framework id and reference as users write it (`A.8.22`).
    pub fn by_ref(&self, framework: &str, reference: &str) -> Option<&Requirement> {
        self.framework(framework)?.by_ref(reference)
    }

    /// Requirements linked to one requirement by any mapping set, in either direction. Pairs
    /// naming an ancestor of the requirement are included with `via_ancestor = true` (ENISA
    /// maps some whole sections).
    pub fn neighbours(&self, framework: &str, id: &str) -> Vec<Neighbour<'_>> {
        let Some(fw) = self.framework(framework) else {
            return Vec::new();
        };
        if fw.requirement(id).is_none() {
            return Vec::new();
        }
        let ancestors: Vec<&str> = fw.ancestors(id).iter().map(|r| r.id.as_str()).collect();
        let mut out = Vec::new();
        for set in &self.mappings {
            let forward = set.meta.source_framework == framework;
            let backward = set.meta.target_framework == framework;
            if !forward && !backward {
                continue;
            }
            for p in &set.pairs {
                let sides = [
                    (
                        forward,
                        &p.source,
                        &p.target,
                        &set.meta.target_framework,
                        p.relationship,
                    ),
                    (
                        backward,
                        &p.target,
                        &p.source,
                        &set.meta.source_framework,
                        p.relationship.inverse(),
                    ),
                ];
                for (active, mine, other, other_fw, rel) in sides {
                    if !active {
                        continue;
                    }
                    let direct = mine == id;
                    let via_ancestor = !direct && ancestors.contains(&mine.as_str());
                    if !direct && !via_ancestor {
                        continue;
                    }
                    if let Some(r) = self.requirement(other_fw, other) {
                        out.push(Neighbour {
                            mapping_set: set.id(),
                            framework: other_fw,
                            requirement: r,
                            relationship: rel,
                            rationale: p.rationale.as_deref(),
                            via_ancestor,
                        });
                    }
                }
            }
        }
        out
    }

    /// Assessable requirements of `framework` that no pair of `mapping_set` names (directly or
    /// through an ancestor or descendant): the gaps a crosswalk leaves.
    pub fn unmapped(&self, framework: &str, mapping_set: &str) -> Vec<&Requirement> {
        let (Some(fw), Some(set)) = (self.framework(framework), self.mapping_set(mapping_set))
        else {
            return Vec::new();
        };
        let named: std::collections::HashSet<&str> = set
            .pairs
            .iter()
            .filter_map(|p| {
                if set.meta.source_framework == framework {
                    Some(p.source.as_str())
                } else if set.meta.target_framework == framework {
                    Some(p.target.as_str())
                } else {
                    None
                }
            })
            .collect();
        fw.assessable()
            .filter(|r| {
                !named.contains(r.id.as_str())
                    && !fw
                        .ancestors(&r.id)
                        .iter()
                        .any(|a| named.contains(a.id.as_str()))
                    && !has_named_descendant(fw, &r.id, &named)
            })
            .collect()
    }

    /// Requirements matching the filter, in framework then file order.
    pub fn filter(&self, f: &Filter) -> Vec<Hit<'_>> {
        self.frameworks
            .iter()
            .filter(|fw| f.framework.as_deref().is_none_or(|id| id == fw.id()))
            .flat_map(|fw| {
                fw.requirements().iter().map(move |r| Hit {
                    framework: fw.id(),
                    requirement: r,
                })
            })
            .filter(|h| matches_filter(h.requirement, f))
            .collect()
    }

    /// Text search over reference, titles and descriptions in English and French. Case and
    /// accents are ignored; every word of the query must appear. Results are ordered by
    /// relevance (title matches first).
    pub fn search(&self, query: &str, f: &Filter) -> Vec<Hit<'_>> {
        let words: Vec<String> = fold(query).split_whitespace().map(str::to_owned).collect();
        if words.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(u32, Hit<'_>)> = self
            .filter(f)
            .into_iter()
            .filter_map(|h| {
                let r = h.requirement;
                let title = fold(&format!("{} {} {}", r.reference, r.title.en, r.title.fr));
                let body = r
                    .description
                    .as_ref()
                    .map(|d| fold(&format!("{} {}", d.en, d.fr)))
                    .unwrap_or_default();
                let mut score = 0;
                for w in &words {
                    if title.contains(w.as_str()) {
                        score += 3;
                    } else if body.contains(w.as_str()) {
                        score += 1;
                    } else {
                        return None;
                    }
                }
                Some((score, h))
            })
            .collect();
        scored.sort_by_key(|s| std::cmp::Reverse(s.0));
        scored.into_iter().map(|(_, h)| h).collect()
    }
}

fn has_named_descendant(fw: &Framework, id: &str, named: &std::collections::HashSet<&str>) -> bool {
    let mut stack: Vec<&Requirement> = fw.children(id).collect();
    let mut guard = 0usize;
    while let Some(r) = stack.pop() {
        guard += 1;
        if guard > fw.requirements().len() {
            break;
        }
        if named.contains(r.id.as_str()) {
            return true;
        }
        stack.extend(fw.children(&r.id));
    }
    false
}

fn matches_filter(r: &Requirement, f: &Filter) -> bool {
    (!f.assessable_only || r.assessable)
        && f.tag
            .as_deref()
            .is_none_or(|t| r.tags.iter().any(|x| x == t))
        && f.art21_letter.is_none_or(|l| r.nis2_art21.contains(&l))
        && f.security_level.is_none_or(|target| r.required_at(target))
}

/// Lower-case and strip the common Latin accents, for accent-insensitive French search.
pub(crate) fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'â' | 'ä' | 'á' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'î' | 'ï' | 'í' => 'i',
            'ô' | 'ö' | 'ó' => 'o',
            'ù' | 'û' | 'ü' | 'ú' => 'u',
            'ç' => 'c',
            'ÿ' => 'y',
            '’' => '\'',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_ignores_case_and_accents() {
        assert_eq!(fold("Sécurité Réseaux Ça"), "securite reseaux ca");
        assert_eq!(fold("l’accès"), "l'acces");
    }
}
