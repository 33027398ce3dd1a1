//! Validated catalog types: frameworks, requirements, mapping sets.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// A text in English and French (both required for titles).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Text {
    pub en: String,
    pub fr: String,
}

impl Text {
    pub fn new(en: impl Into<String>, fr: impl Into<String>) -> Self {
        Self {
            en: en.into(),
            fr: fr.into(),
        }
    }

    /// The text in a language (`"fr"` gives French, anything else English).
    pub fn get(&self, lang: &str) -> &str {
        if lang.eq_ignore_ascii_case("fr") {
            &self.fr
        } else {
            &self.en
        }
    }
}

/// A point of Art. 21(2) of NIS2, `a` to `j`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Art21Letter(char);

impl Art21Letter {
    /// All ten letters.
    pub fn all() -> impl Iterator<Item = Art21Letter> {
        ('a'..='j').map(Art21Letter)
    }

    pub fn new(c: char) -> Option<Self> {
        let c = c.to_ascii_lowercase();
        ('a'..='j').contains(&c).then_some(Self(c))
    }

    pub fn as_char(self) -> char {
        self.0
    }
}

impl fmt::Display for Art21Letter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for Art21Letter {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().trim_start_matches('(').trim_end_matches(')');
        let mut chars = t.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Art21Letter::new(c),
            _ => None,
        }
        .ok_or_else(|| format!("`{s}` is not an Art. 21(2) letter (a to j)"))
    }
}

impl TryFrom<String> for Art21Letter {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Art21Letter> for String {
    fn from(l: Art21Letter) -> String {
        l.0.to_string()
    }
}

/// Kind of framework, for display and filtering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum FrameworkKind {
    /// Binding legal text (directive, regulation).
    Regulation,
    /// A standard (ISO, IEC).
    Standard,
    /// A voluntary framework (NIST CSF).
    Framework,
    /// A national certification referential (HDS).
    Referential,
    /// Anything else (user frameworks).
    #[default]
    Other,
}

/// Descriptive data of a framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameworkMeta {
    /// Stable id, e.g. `iso27001-2022`.
    pub id: String,
    pub name: Text,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub publisher: String,
    #[serde(default)]
    pub kind: FrameworkKind,
    /// Licence of the content as shipped (our titles are Apache-2.0 unless stated).
    #[serde(default)]
    pub licence: String,
    /// Copyright or applicability notice shown with the framework.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source_url: String,
}

/// One requirement (or grouping node) of a framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    /// Stable id, unique in its framework (e.g. `a.8.22`, `11.7.1`).
    pub id: String,
    /// Reference as users know it (e.g. `A.8.22`, `21(2)(d)`, `11.7.1`).
    #[serde(rename = "ref")]
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Whether an assessment scores this item (grouping nodes are not assessable).
    pub assessable: bool,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// NIS2 Art. 21(2) letters this item implements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nis2_art21: Vec<Art21Letter>,
    /// For frameworks graded by security level (IEC 62443-3-3): the lowest level, 1 to 4, at
    /// which this item is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_level: Option<u8>,
}

impl Requirement {
    /// Whether Hygeia added this requirement to the framework (tag [`crate::SUPPLEMENT_TAG`]):
    /// it is not part of the framework's source text.
    pub fn is_hygeia_supplement(&self) -> bool {
        self.tags.iter().any(|t| t == crate::SUPPLEMENT_TAG)
    }

    /// Whether a system targeting security level `target` (1–4) must meet this item: items
    /// without a level are required at every level.
    pub fn required_at(&self, target: u8) -> bool {
        self.security_level.is_none_or(|level| level <= target)
    }
}

/// A validated framework with its requirement tree.
#[derive(Debug, Clone)]
pub struct Framework {
    pub meta: FrameworkMeta,
    /// File the framework was loaded from.
    pub file: String,
    requirements: Vec<Requirement>,
    by_id: HashMap<String, usize>,
    by_ref: HashMap<String, usize>,
    children: Vec<Vec<usize>>,
    roots: Vec<usize>,
}

/// Two frameworks are equal when they have the same metadata and the same tree: the same
/// requirements (by id, all fields) with the same roots and children in the same order. File
/// order and the file name do not matter.
impl PartialEq for Framework {
    fn eq(&self, other: &Self) -> bool {
        let ids = |fw: &Framework, list: &[usize]| -> Vec<String> {
            list.iter()
                .filter_map(|&i| fw.requirements.get(i).map(|r| r.id.clone()))
                .collect()
        };
        self.meta == other.meta
            && self.requirements.len() == other.requirements.len()
            && ids(self, &self.roots) == ids(other, &other.roots)
            && self.requirements.iter().enumerate().all(|(i, r)| {
                other.by_id.get(&r.id).is_some_and(|&j| {
                    other.requirements.get(j) == Some(r)
                        && ids(self, self.children.get(i).map_or(&[][..], Vec::as_slice))
                            == ids(other, other.children.get(j).map_or(&[][..], Vec::as_slice))
                })
            })
    }
}

impl Framework {
    /// Build the indices. The caller has validated ids and parents.
    pub(crate) fn from_parts(
        meta: FrameworkMeta,
        file: String,
        requirements: Vec<Requirement>,
    ) -> Self {
        let by_id: HashMap<String, usize> = requirements
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id.clone(), i))
            .collect();
        let mut by_ref = HashMap::new();
        for (i, r) in requirements.iter().enumerate() {
            by_ref.entry(normalise_ref(&r.reference)).or_insert(i);
        }
        let mut children = vec![Vec::new(); requirements.len()];
        let mut roots = Vec::new();
        for (i, r) in requirements.iter().enumerate() {
            match r.parent.as_ref().and_then(|p| by_id.get(p)) {
                Some(&p) => {
                    if let Some(c) = children.get_mut(p) {
                        c.push(i);
                    }
                }
                None => roots.push(i),
            }
        }
        Self {
            meta,
            file,
            requirements,
            by_id,
            by_ref,
            children,
            roots,
        }
    }

    pub fn id(&self) -> &str {
        &self.meta.id
    }

    /// Metadata with counts, for listings (serializable).
    pub fn summary(&self) -> FrameworkSummary<'_> {
        FrameworkSummary {
            meta: &self.meta,
            requirements: self.requirements.len(),
            assessable: self.assessable().count(),
        }
    }

    /// All requirements in file order (parents before children in shipped files).
    pub fn requirements(&self) -> &[Requirement] {
        &self.requirements
    }

    /// Assessable requirements only.
    pub fn assessable(&self) -> impl Iterator<Item = &Requirement> {
        self.requirements.iter().filter(|r| r.assessable)
    }

    /// Requirement by stable id.
    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.by_id.get(id).and_then(|&i| self.requirements.get(i))
    }

    /// Requirement by reference as users write it (`A.8.22`, `a.8.22`, `GV.OC-01`); falls back
    /// to the id. Case and surrounding spaces are ignored.
    pub fn by_ref(&self, reference: &str) -> Option<&Requirement> {
        self.by_ref
            .get(&normalise_ref(reference))
            .and_then(|&i| self.requirements.get(i))
            .or_else(|| self.requirement(reference.trim()))
    }

    /// Top-level requirements.
    pub fn roots(&self) -> impl Iterator<Item = &Requirement> {
        self.roots.iter().filter_map(|&i| self.requirements.get(i))
    }

    /// Direct children of a requirement.
    pub fn children(&self, id: &str) -> impl Iterator<Item = &Requirement> {
        self.by_id
            .get(id)
            .and_then(|&i| self.children.get(i))
            .into_iter()
            .flatten()
            .filter_map(|&i| self.requirements.get(i))
    }

    /// Ancestors from the parent up to the root.
    pub fn ancestors(&self, id: &str) -> Vec<&Requirement> {
        let mut out = Vec::new();
        let mut cur = self.requirement(id).and_then(|r| r.parent.as_deref());
        while let Some(p) = cur {
            match self.requirement(p) {
                Some(r) if out.len() <= self.requirements.len() => {
                    out.push(r);
                    cur = r.parent.as_deref();
                }
                _ => break,
            }
        }
        out
    }

    /// The requirement tree as nested nodes (for APIs and exports).
    pub fn tree(&self) -> Vec<TreeNode<'_>> {
        self.roots.iter().filter_map(|&i| self.node(i, 0)).collect()
    }

    fn node(&self, i: usize, depth: usize) -> Option<TreeNode<'_>> {
        let requirement = self.requirements.get(i)?;
        // Validation rules out cycles; the depth guard keeps this total anyway.
        let children = if depth > self.requirements.len() {
            Vec::new()
        } else {
            self.children
                .get(i)
                .into_iter()
                .flatten()
                .filter_map(|&c| self.node(c, depth + 1))
                .collect()
        };
        Some(TreeNode {
            requirement,
            children,
        })
    }
}

/// A framework's metadata with its counts.
#[derive(Debug, Clone, Serialize)]
pub struct FrameworkSummary<'a> {
    #[serde(flatten)]
    pub meta: &'a FrameworkMeta,
    pub requirements: usize,
    pub assessable: usize,
}

/// A mapping set's metadata (with its credit) and pair count.
#[derive(Debug, Clone, Serialize)]
pub struct MappingSummary<'a> {
    #[serde(flatten)]
    pub meta: &'a MappingMeta,
    pub pairs: usize,
}

/// A requirement with its children.
#[derive(Debug, Clone, Serialize)]
pub struct TreeNode<'a> {
    #[serde(flatten)]
    pub requirement: &'a Requirement,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<TreeNode<'a>>,
}

pub(crate) fn normalise_ref(s: &str) -> String {
    s.trim().to_lowercase()
}

/// How the source requirement relates to the target requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    /// Same content.
    Equal,
    /// The source is covered by (is part of) the target.
    Subset,
    /// The source covers (includes) the target.
    Superset,
    /// They overlap; neither covers the other (ENISA's default grading).
    Intersect,
}

impl Relationship {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "equal" | "equivalent" => Some(Self::Equal),
            "subset" | "subset_of" => Some(Self::Subset),
            "superset" | "superset_of" => Some(Self::Superset),
            "intersect" | "intersects" | "intersects_with" => Some(Self::Intersect),
            _ => None,
        }
    }

    /// The relationship read from the target's side.
    pub fn inverse(self) -> Self {
        match self {
            Self::Subset => Self::Superset,
            Self::Superset => Self::Subset,
            other => other,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Equal => "equal",
            Self::Subset => "subset",
            Self::Superset => "superset",
            Self::Intersect => "intersect",
        }
    }
}

/// One pair of a mapping set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MappingPair {
    pub source: String,
    pub target: String,
    pub relationship: Relationship,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
}

/// Descriptive data of a mapping set, with its credit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappingMeta {
    pub id: String,
    pub title: Text,
    pub source_framework: String,
    pub target_framework: String,
    /// Who produced the pairs (credited in the product and in exports).
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub licence: String,
    #[serde(default)]
    pub attribution: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
}

/// A validated crosswalk between two frameworks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingSet {
    pub meta: MappingMeta,
    pub file: String,
    pub pairs: Vec<MappingPair>,
    /// A reviewed coverage of the source framework's requirements, when the set carries one
    /// (its pairs are among `pairs`).
    pub coverage: Vec<crate::coverage::PointCoverage>,
}

impl MappingSet {
    pub fn id(&self) -> &str {
        &self.meta.id
    }

    /// The review of `point` (a source framework requirement), when the set has one.
    pub fn coverage_of(&self, point: &str) -> Option<&crate::coverage::PointCoverage> {
        self.coverage.iter().find(|c| c.point == point)
    }

    /// Metadata with the pair count, for listings (serializable).
    pub fn summary(&self) -> MappingSummary<'_> {
        MappingSummary {
            meta: &self.meta,
            pairs: self.pairs.len(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn art21_letters() {
        assert_eq!("d".parse::<Art21Letter>().unwrap().as_char(), 'd');
        assert_eq!("(J)".parse::<Art21Letter>().unwrap().as_char(), 'j');
        assert!("k".parse::<Art21Letter>().is_err());
        assert!("ab".parse::<Art21Letter>().is_err());
        assert_eq!(Art21Letter::all().count(), 10);
        let l: Art21Letter = serde_json::from_str("\"h\"").unwrap();
        assert_eq!(serde_json::to_string(&l).unwrap(), "\"h\"");
    }

    #[test]
    fn relationships() {
        assert_eq!(Relationship::parse("Subset"), Some(Relationship::Subset));
        assert_eq!(
            Relationship::parse("intersects_with"),
            Some(Relationship::Intersect)
        );
        assert_eq!(Relationship::parse("nope"), None);
        assert_eq!(Relationship::Subset.inverse(), Relationship::Superset);
        assert_eq!(Relationship::Equal.inverse(), Relationship::Equal);
    }

    #[test]
    fn text_lang() {
        let t = Text::new("Hello", "Bonjour");
        assert_eq!(t.get("FR"), "Bonjour");
        assert_eq!(t.get("de"), "Hello");
    }
}
