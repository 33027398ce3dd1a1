//! Parsing and validation of framework and mapping files (YAML, format in
//! `docs/catalog-format.md`). Everything here takes text plus a file name; no I/O.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use crate::error::{CatalogError, IssueKind, Issues};
use crate::model::{
    Art21Letter, Framework, FrameworkKind, FrameworkMeta, MappingMeta, MappingPair, MappingSet,
    Relationship, Requirement, Text,
};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawText {
    #[serde(default)]
    en: Option<String>,
    #[serde(default)]
    fr: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    name: Option<RawText>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    publisher: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    licence: Option<String>,
    #[serde(default)]
    notice: Option<RawText>,
    #[serde(default)]
    description: Option<RawText>,
    #[serde(default)]
    source_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequirement {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "ref")]
    reference: Option<String>,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    assessable: Option<bool>,
    #[serde(default)]
    title: Option<RawText>,
    #[serde(default)]
    description: Option<RawText>,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    nis2_art21: Option<Vec<String>>,
    #[serde(default)]
    security_level: Option<u8>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFrameworkFile {
    framework: RawMeta,
    #[serde(default)]
    requirements: Vec<RawRequirement>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMappingMeta {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    title: Option<RawText>,
    #[serde(default)]
    source_framework: Option<String>,
    #[serde(default)]
    target_framework: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    licence: Option<String>,
    #[serde(default)]
    attribution: Option<String>,
    #[serde(default)]
    description: Option<RawText>,
    #[serde(default)]
    default_relationship: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMappingFile {
    mapping: RawMappingMeta,
    #[serde(default)]
    pairs: Vec<Vec<String>>,
    /// A reviewed coverage (`crate::coverage`), whose pairs join the explicit ones.
    #[serde(default)]
    coverage: Vec<crate::coverage::RawCoverage>,
}

pub(crate) fn parse_yaml<'a, T: Deserialize<'a>>(
    file: &str,
    text: &'a str,
) -> Result<T, CatalogError> {
    serde_saphyr::from_str(text).map_err(|e| CatalogError::Parse {
        file: file.to_owned(),
        message: e.to_string(),
    })
}

pub(crate) fn non_empty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A token id: lower-case letters, digits, `.`, `-`, `_`, starting with a letter or digit.
pub(crate) fn is_token(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
}

/// Both languages required.
pub(crate) fn required_text(
    issues: &mut Issues,
    file: &str,
    entry: &str,
    field: &str,
    raw: Option<RawText>,
) -> Text {
    let raw = raw.unwrap_or_default();
    let en = non_empty(raw.en);
    let fr = non_empty(raw.fr);
    if en.is_none() {
        issues.push(file, entry, &format!("{field}.en"), IssueKind::Missing);
    }
    if fr.is_none() {
        issues.push(file, entry, &format!("{field}.fr"), IssueKind::Missing);
    }
    Text {
        en: en.unwrap_or_default(),
        fr: fr.unwrap_or_default(),
    }
}

/// Optional, but when present both languages are required.
fn optional_text(
    issues: &mut Issues,
    file: &str,
    entry: &str,
    field: &str,
    raw: Option<RawText>,
) -> Option<Text> {
    let raw = raw?;
    if raw.en.as_deref().is_none_or(|s| s.trim().is_empty())
        && raw.fr.as_deref().is_none_or(|s| s.trim().is_empty())
    {
        return None;
    }
    Some(required_text(issues, file, entry, field, Some(raw)))
}

fn parse_kind(issues: &mut Issues, file: &str, kind: Option<String>) -> FrameworkKind {
    match non_empty(kind).as_deref() {
        None => FrameworkKind::Other,
        Some("regulation") => FrameworkKind::Regulation,
        Some("standard") => FrameworkKind::Standard,
        Some("framework") => FrameworkKind::Framework,
        Some("referential") => FrameworkKind::Referential,
        Some("other") => FrameworkKind::Other,
        Some(other) => {
            issues.push(
                file,
                "framework",
                "kind",
                IssueKind::InvalidValue(format!(
                    "`{other}`; expected regulation, standard, framework, referential or other"
                )),
            );
            FrameworkKind::Other
        }
    }
}

/// Parse and validate one framework file. All-or-nothing: any issue rejects the file.
pub fn parse_framework(file: &str, yaml: &str) -> Result<Framework, CatalogError> {
    let raw: RawFrameworkFile = parse_yaml(file, yaml)?;
    validate_framework(file, raw.framework, raw.requirements)
}

fn validate_framework(
    file: &str,
    m: RawMeta,
    raw_reqs: Vec<RawRequirement>,
) -> Result<Framework, CatalogError> {
    let mut issues = Issues::default();
    let id = non_empty(m.id).unwrap_or_default();
    if id.is_empty() {
        issues.push(file, "framework", "id", IssueKind::Missing);
    } else if !is_token(&id) {
        issues.push(
            file,
            "framework",
            "id",
            IssueKind::InvalidValue(format!(
                "`{id}`: use lower-case letters, digits, `.`, `-` or `_`"
            )),
        );
    }
    let name = required_text(&mut issues, file, "framework", "name", m.name);
    let kind = parse_kind(&mut issues, file, m.kind);
    let notice = optional_text(&mut issues, file, "framework", "notice", m.notice);
    let description = optional_text(&mut issues, file, "framework", "description", m.description);
    let meta = FrameworkMeta {
        id,
        name,
        version: non_empty(m.version).unwrap_or_default(),
        publisher: non_empty(m.publisher).unwrap_or_default(),
        kind,
        licence: non_empty(m.licence).unwrap_or_default(),
        notice,
        description,
        source_url: non_empty(m.source_url).unwrap_or_default(),
    };
    let requirements = validate_requirements(&mut issues, file, raw_reqs);
    let fw = Framework::from_parts(meta, file.to_owned(), requirements);
    issues.into_result(fw)
}

fn validate_requirements(
    issues: &mut Issues,
    file: &str,
    raw_reqs: Vec<RawRequirement>,
) -> Vec<Requirement> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(raw_reqs.len());
    for (i, r) in raw_reqs.into_iter().enumerate() {
        let id = non_empty(r.id);
        let entry = id.clone().unwrap_or_else(|| format!("requirements[{i}]"));
        let id = match id {
            None => {
                issues.push(file, &entry, "id", IssueKind::Missing);
                String::new()
            }
            Some(id) => {
                if id.chars().any(char::is_whitespace) {
                    issues.push(
                        file,
                        &entry,
                        "id",
                        IssueKind::InvalidValue("ids cannot contain spaces".to_owned()),
                    );
                }
                if !seen.insert(id.clone()) {
                    issues.push(file, &entry, "id", IssueKind::DuplicateId);
                }
                id
            }
        };
        let reference = non_empty(r.reference).unwrap_or_else(|| id.clone());
        let title = required_text(issues, file, &entry, "title", r.title);
        let description = optional_text(issues, file, &entry, "description", r.description);
        let assessable = match r.assessable {
            Some(a) => a,
            None => {
                issues.push(file, &entry, "assessable", IssueKind::Missing);
                false
            }
        };
        let mut tags = Vec::new();
        for (t_i, t) in r.tags.unwrap_or_default().into_iter().enumerate() {
            let t = t.trim().to_owned();
            if is_token(&t) {
                if !tags.contains(&t) {
                    tags.push(t);
                }
            } else {
                issues.push(
                    file,
                    &entry,
                    &format!("tags[{t_i}]"),
                    IssueKind::InvalidValue(format!("`{t}`: tags are lower-case tokens")),
                );
            }
        }
        let mut letters = Vec::new();
        for (l_i, l) in r.nis2_art21.unwrap_or_default().into_iter().enumerate() {
            match l.parse::<Art21Letter>() {
                Ok(l) => {
                    if !letters.contains(&l) {
                        letters.push(l);
                    }
                }
                Err(why) => issues.push(
                    file,
                    &entry,
                    &format!("nis2_art21[{l_i}]"),
                    IssueKind::InvalidValue(why),
                ),
            }
        }
        if let Some(level) = r.security_level
            && !(1..=4).contains(&level)
        {
            issues.push(
                file,
                &entry,
                "security_level",
                IssueKind::InvalidValue(format!("{level}: security levels are 1 to 4")),
            );
        }
        out.push(Requirement {
            id,
            reference,
            parent: non_empty(r.parent),
            assessable,
            title,
            description,
            tags,
            nis2_art21: letters,
            security_level: r.security_level,
        });
    }

    // Parents must exist, and following them must terminate.
    let index: HashMap<&str, usize> = out
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    for r in &out {
        let Some(p) = r.parent.as_deref() else {
            continue;
        };
        if !index.contains_key(p) {
            issues.push(
                file,
                &r.id,
                "parent",
                IssueKind::UnknownParent(p.to_owned()),
            );
            continue;
        }
        let mut cur = Some(p);
        let mut steps = 0usize;
        while let Some(c) = cur {
            if c == r.id || steps > out.len() {
                issues.push(file, &r.id, "parent", IssueKind::ParentCycle);
                break;
            }
            steps += 1;
            cur = index
                .get(c)
                .and_then(|&i| out.get(i))
                .and_then(|x| x.parent.as_deref());
        }
    }
    out
}

/// Parse and validate a mapping file against the frameworks it links.
pub fn parse_mapping(
    file: &str,
    yaml: &str,
    frameworks: &HashMap<&str, &Framework>,
) -> Result<MappingSet, CatalogError> {
    let raw: RawMappingFile = parse_yaml(file, yaml)?;
    let mut issues = Issues::default();
    let m = raw.mapping;
    let id = non_empty(m.id).unwrap_or_default();
    if id.is_empty() {
        issues.push(file, "mapping", "id", IssueKind::Missing);
    } else if !is_token(&id) {
        issues.push(
            file,
            "mapping",
            "id",
            IssueKind::InvalidValue(format!("`{id}` is not a lower-case token")),
        );
    }
    let title = required_text(&mut issues, file, "mapping", "title", m.title);
    let description = optional_text(&mut issues, file, "mapping", "description", m.description);
    let mut fw_of = |field: &str, v: Option<String>| -> Option<String> {
        match non_empty(v) {
            None => {
                issues.push(file, "mapping", field, IssueKind::Missing);
                None
            }
            Some(f) if !frameworks.contains_key(f.as_str()) => {
                issues.push(file, "mapping", field, IssueKind::UnknownFramework(f));
                None
            }
            Some(f) => Some(f),
        }
    };
    let source_fw = fw_of("source_framework", m.source_framework);
    let target_fw = fw_of("target_framework", m.target_framework);
    let default_rel = match non_empty(m.default_relationship) {
        None => Relationship::Intersect,
        Some(s) => Relationship::parse(&s).unwrap_or_else(|| {
            issues.push(
                file,
                "mapping",
                "default_relationship",
                IssueKind::InvalidValue(format!(
                    "`{s}`; expected equal, subset, superset or intersect"
                )),
            );
            Relationship::Intersect
        }),
    };
    let src = source_fw
        .as_deref()
        .and_then(|f| frameworks.get(f).copied());
    let tgt = target_fw
        .as_deref()
        .and_then(|f| frameworks.get(f).copied());

    let mut pairs = Vec::with_capacity(raw.pairs.len());
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for (i, row) in raw.pairs.into_iter().enumerate() {
        let entry = format!("pairs[{i}]");
        if !(2..=4).contains(&row.len()) {
            issues.push(
                file,
                &entry,
                "pair",
                IssueKind::InvalidValue(format!(
                    "expected [source, target, relationship?, rationale?], got {} items",
                    row.len()
                )),
            );
            continue;
        }
        let mut it = row.into_iter();
        let source = it.next().unwrap_or_default().trim().to_owned();
        let target = it.next().unwrap_or_default().trim().to_owned();
        let relationship = match it.next().map(|s| s.trim().to_owned()) {
            None => default_rel,
            Some(s) if s.is_empty() => default_rel,
            Some(s) => Relationship::parse(&s).unwrap_or_else(|| {
                issues.push(
                    file,
                    &entry,
                    "relationship",
                    IssueKind::InvalidValue(format!(
                        "`{s}`; expected equal, subset, superset or intersect"
                    )),
                );
                default_rel
            }),
        };
        let rationale = non_empty(it.next());
        if relationship != Relationship::Intersect && rationale.is_none() {
            issues.push(
                file,
                &entry,
                "rationale",
                IssueKind::InvalidValue(
                    "a relationship other than intersect must carry its rationale".to_owned(),
                ),
            );
        }
        for (field, fw, fw_id, rid) in [
            ("source", src, source_fw.as_deref(), &source),
            ("target", tgt, target_fw.as_deref(), &target),
        ] {
            if rid.is_empty() {
                issues.push(file, &entry, field, IssueKind::Missing);
            } else if let (Some(fw), Some(fw_id)) = (fw, fw_id)
                && fw.requirement(rid).is_none()
            {
                issues.push(
                    file,
                    &entry,
                    field,
                    IssueKind::DanglingReference {
                        framework: fw_id.to_owned(),
                        id: rid.clone(),
                    },
                );
            }
        }
        if !seen.insert((source.clone(), target.clone())) {
            issues.push(file, &entry, "pair", IssueKind::DuplicateId);
        }
        pairs.push(MappingPair {
            source,
            target,
            relationship,
            rationale,
        });
    }
    let coverage = crate::coverage::parse_coverage(&mut issues, file, raw.coverage, src, tgt);
    for pair in crate::coverage::implied_pairs(&coverage) {
        if seen.insert((pair.source.clone(), pair.target.clone())) {
            pairs.push(pair);
        }
    }
    let set = MappingSet {
        meta: MappingMeta {
            id,
            title,
            source_framework: source_fw.unwrap_or_default(),
            target_framework: target_fw.unwrap_or_default(),
            source: non_empty(m.source).unwrap_or_default(),
            licence: non_empty(m.licence).unwrap_or_default(),
            attribution: non_empty(m.attribution).unwrap_or_default(),
            description,
        },
        file: file.to_owned(),
        pairs,
        coverage,
    };
    issues.into_result(set)
}

/// Build a framework from already-typed parts (OSCAL import), with the same validation.
pub(crate) fn framework_from_typed(
    file: &str,
    meta: FrameworkMeta,
    requirements: Vec<Requirement>,
) -> Result<Framework, CatalogError> {
    let raw_meta = RawMeta {
        id: Some(meta.id),
        name: Some(RawText {
            en: Some(meta.name.en),
            fr: Some(meta.name.fr),
        }),
        version: Some(meta.version),
        publisher: Some(meta.publisher),
        kind: Some(
            match meta.kind {
                FrameworkKind::Regulation => "regulation",
                FrameworkKind::Standard => "standard",
                FrameworkKind::Framework => "framework",
                FrameworkKind::Referential => "referential",
                FrameworkKind::Other => "other",
            }
            .to_owned(),
        ),
        licence: Some(meta.licence),
        notice: meta.notice.map(|t| RawText {
            en: Some(t.en),
            fr: Some(t.fr),
        }),
        description: meta.description.map(|t| RawText {
            en: Some(t.en),
            fr: Some(t.fr),
        }),
        source_url: Some(meta.source_url),
    };
    let raw_reqs = requirements
        .into_iter()
        .map(|r| RawRequirement {
            id: Some(r.id),
            reference: Some(r.reference),
            parent: r.parent,
            assessable: Some(r.assessable),
            title: Some(RawText {
                en: Some(r.title.en),
                fr: Some(r.title.fr),
            }),
            description: r.description.map(|t| RawText {
                en: Some(t.en),
                fr: Some(t.fr),
            }),
            tags: Some(r.tags),
            nis2_art21: Some(r.nis2_art21.into_iter().map(String::from).collect()),
            security_level: r.security_level,
        })
        .collect();
    validate_framework(file, raw_meta, raw_reqs)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(is_token("iso27001-2022"));
        assert!(is_token("nist-csf-2.0"));
        assert!(!is_token("ISO"));
        assert!(!is_token("-x"));
        assert!(!is_token(""));
        assert!(!is_token("a b"));
    }

    #[test]
    fn plain_scalars_stay_text() {
        let y = "framework: {id: n, name: {en: N, fr: N}}\nrequirements:\n  - {id: 4.10, ref: 4.10, assessable: true, title: {en: A, fr: A}}\n";
        let fw = parse_framework("n.yaml", y).unwrap();
        assert_eq!(fw.requirements()[0].id, "4.10");
    }

    #[test]
    fn optional_text_needs_both_languages_when_present() {
        let y = "framework: {id: n, name: {en: N, fr: N}, notice: {en: only english}}\nrequirements: []\n";
        let err = parse_framework("n.yaml", y).unwrap_err();
        assert_eq!(err.issues()[0].field, "notice.fr");
    }

    #[test]
    fn mapping_rows_are_checked() {
        let fw = parse_framework(
            "f.yaml",
            "framework: {id: f, name: {en: F, fr: F}}\nrequirements:\n  - {id: a, assessable: true, title: {en: A, fr: A}}\n",
        )
        .unwrap();
        let fws: HashMap<&str, &Framework> = [("f", &fw)].into_iter().collect();
        let y = "mapping: {id: m, title: {en: M, fr: M}, source_framework: f, target_framework: g}\npairs:\n  - [a]\n  - [a, a, equal]\n  - [a, a, sideways, why]\n  - [a, a]\n";
        let err = parse_mapping("m.yaml", y, &fws).unwrap_err();
        let got: Vec<(&str, &str)> = err
            .issues()
            .iter()
            .map(|i| (i.entry.as_str(), i.field.as_str()))
            .collect();
        assert!(got.contains(&("mapping", "target_framework")), "{got:?}");
        assert!(got.contains(&("pairs[0]", "pair")), "{got:?}");
        assert!(got.contains(&("pairs[1]", "rationale")), "{got:?}");
        assert!(got.contains(&("pairs[2]", "relationship")), "{got:?}");
        assert!(got.contains(&("pairs[3]", "pair")), "duplicate: {got:?}");
    }
}
