//! OSCAL catalog (JSON, OSCAL 1.1) export and import.
//!
//! Export writes one OSCAL `control` per requirement, nested as in the framework. What OSCAL has
//! no field for (stable id, French texts, assessable flag, tags, Art. 21(2) letters, framework
//! metadata) travels in `props` in the Hygeia namespace [`NS`], so that export then import gives
//! back the same framework. Importing a foreign OSCAL catalog maps groups to non-assessable
//! requirements and controls to assessable ones; French texts fall back to the English ones.

use serde_json::{Map, Value, json};

use crate::error::CatalogError;
use crate::load::{framework_from_typed, is_token};
use crate::model::{Art21Letter, Framework, FrameworkKind, FrameworkMeta, Requirement, Text};

/// Namespace of Hygeia-specific OSCAL props.
pub const NS: &str = "https://hygeia.example.invalid/ns/oscal";
const OSCAL_VERSION: &str = "1.1.2";

fn prop(name: &str, value: &str) -> Value {
    json!({ "name": name, "ns": NS, "value": value })
}

/// A deterministic RFC 4122-shaped UUID from a string (FNV-1a 128), so exports are stable.
fn stable_uuid(seed: &str) -> String {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in seed.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    let mut bytes = h.to_be_bytes();
    if let Some(b) = bytes.get_mut(6) {
        *b = (*b & 0x0f) | 0x50;
    }
    if let Some(b) = bytes.get_mut(8) {
        *b = (*b & 0x3f) | 0x80;
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex.get(0..8).unwrap_or_default(),
        hex.get(8..12).unwrap_or_default(),
        hex.get(12..16).unwrap_or_default(),
        hex.get(16..20).unwrap_or_default(),
        hex.get(20..32).unwrap_or_default()
    )
}

/// OSCAL ids must start with a letter or `_`.
fn oscal_id(id: &str) -> String {
    let cleaned: String = id
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
    {
        cleaned
    } else {
        format!("r-{cleaned}")
    }
}

fn kind_code(k: FrameworkKind) -> &'static str {
    match k {
        FrameworkKind::Regulation => "regulation",
        FrameworkKind::Standard => "standard",
        FrameworkKind::Framework => "framework",
        FrameworkKind::Referential => "referential",
        FrameworkKind::Other => "other",
    }
}

/// Export a framework as an OSCAL catalog. `last_modified` is an RFC 3339 timestamp supplied
/// by the caller (time is injected, never read here).
pub fn export(fw: &Framework, last_modified: &str) -> Value {
    let m = &fw.meta;
    let mut props = vec![prop("framework-id", &m.id), prop("title-fr", &m.name.fr)];
    props.push(prop("kind", kind_code(m.kind)));
    for (name, v) in [
        ("publisher", &m.publisher),
        ("licence", &m.licence),
        ("source-url", &m.source_url),
    ] {
        if !v.is_empty() {
            props.push(prop(name, v));
        }
    }
    if let Some(n) = &m.notice {
        props.push(prop("notice-en", &n.en));
        props.push(prop("notice-fr", &n.fr));
    }
    if let Some(d) = &m.description {
        props.push(prop("description-en", &d.en));
        props.push(prop("description-fr", &d.fr));
    }
    let mut metadata = json!({
        "title": m.name.en,
        "last-modified": last_modified,
        "version": if m.version.is_empty() { "1" } else { m.version.as_str() },
        "oscal-version": OSCAL_VERSION,
        "props": props,
    });
    if let (Some(n), Some(obj)) = (&m.notice, metadata.as_object_mut()) {
        obj.insert("remarks".to_owned(), Value::String(n.en.clone()));
    }
    let controls: Vec<Value> = fw.tree().iter().map(control).collect();
    json!({
        "catalog": {
            "uuid": stable_uuid(&format!("hygeia-catalog:{}:{}", m.id, m.version)),
            "metadata": metadata,
            "controls": controls,
        }
    })
}

fn control(node: &crate::model::TreeNode<'_>) -> Value {
    let r = node.requirement;
    let oid = oscal_id(&r.id);
    let mut props = vec![
        json!({ "name": "label", "value": r.reference }),
        prop("hygeia-id", &r.id),
        prop("assessable", if r.assessable { "true" } else { "false" }),
        prop("title-fr", &r.title.fr),
    ];
    props.extend(r.tags.iter().map(|t| prop("tag", t)));
    props.extend(
        r.nis2_art21
            .iter()
            .map(|l| prop("nis2-art21", &l.to_string())),
    );
    if let Some(level) = r.security_level {
        props.push(prop("security-level", &level.to_string()));
    }
    let mut obj = Map::new();
    obj.insert("id".to_owned(), Value::String(oid.clone()));
    obj.insert(
        "class".to_owned(),
        Value::String(if r.assessable { "requirement" } else { "group" }.to_owned()),
    );
    obj.insert("title".to_owned(), Value::String(r.title.en.clone()));
    obj.insert("props".to_owned(), Value::Array(props));
    if let Some(d) = &r.description {
        obj.insert(
            "parts".to_owned(),
            json!([
                { "id": format!("{oid}_smt"), "name": "statement", "prose": d.en },
                { "id": format!("{oid}_smt_fr"), "name": "statement-fr", "ns": NS, "prose": d.fr },
            ]),
        );
    }
    if !node.children.is_empty() {
        obj.insert(
            "controls".to_owned(),
            Value::Array(node.children.iter().map(control).collect()),
        );
    }
    Value::Object(obj)
}

/// Export as pretty-printed JSON text.
pub fn export_json(fw: &Framework, last_modified: &str) -> String {
    serde_json::to_string_pretty(&export(fw, last_modified)).unwrap_or_default()
}

fn props_of(v: &Value) -> Vec<(&str, Option<&str>, &str)> {
    v.get("props")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|p| {
                    Some((
                        p.get("name")?.as_str()?,
                        p.get("ns").and_then(Value::as_str),
                        p.get("value")?.as_str()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn our_prop<'a>(props: &[(&'a str, Option<&'a str>, &'a str)], name: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|(n, ns, _)| *n == name && *ns == Some(NS))
        .map(|(_, _, v)| *v)
}

fn our_props<'a>(props: &[(&'a str, Option<&'a str>, &'a str)], name: &str) -> Vec<&'a str> {
    props
        .iter()
        .filter(|(n, ns, _)| *n == name && *ns == Some(NS))
        .map(|(_, _, v)| *v)
        .collect()
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if is_token(&out) {
        out
    } else {
        "imported".to_owned()
    }
}

/// Collect prose of a part and its sub-parts.
fn prose_of(part: &Value, out: &mut Vec<String>) {
    if let Some(p) = part.get("prose").and_then(Value::as_str) {
        out.push(p.to_owned());
    }
    for sub in part
        .get("parts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        prose_of(sub, out);
    }
}

fn walk(
    node: &Value,
    parent: Option<&str>,
    is_group: bool,
    out: &mut Vec<Requirement>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    let props = props_of(node);
    let oscal_id = node.get("id").and_then(Value::as_str).unwrap_or_default();
    let id = our_prop(&props, "hygeia-id").unwrap_or(oscal_id).to_owned();
    let title_en = node
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let title_fr = our_prop(&props, "title-fr").map_or_else(|| title_en.clone(), str::to_owned);
    let reference = props
        .iter()
        .find(|(n, ns, _)| {
            *n == "label" && ns.is_none_or(|ns| ns == "http://csrc.nist.gov/ns/oscal")
        })
        .map_or_else(|| id.clone(), |(_, _, v)| (*v).to_owned());
    let assessable = match our_prop(&props, "assessable") {
        Some(v) => v == "true",
        None => !is_group,
    };
    let parts = node.get("parts").and_then(Value::as_array);
    let mut en = Vec::new();
    let mut fr = Vec::new();
    for p in parts.into_iter().flatten() {
        match p.get("name").and_then(Value::as_str) {
            Some("statement") => prose_of(p, &mut en),
            Some("statement-fr") => prose_of(p, &mut fr),
            _ => {}
        }
    }
    let description = if en.is_empty() && fr.is_empty() {
        None
    } else {
        let en = en.join("\n");
        let fr = if fr.is_empty() {
            en.clone()
        } else {
            fr.join("\n")
        };
        Some(Text { en, fr })
    };
    let nis2_art21 = our_props(&props, "nis2-art21")
        .into_iter()
        .filter_map(|l| l.parse::<Art21Letter>().ok())
        .collect();
    out.push(Requirement {
        id: id.clone(),
        reference,
        parent: parent.map(str::to_owned),
        assessable,
        title: Text::new(title_en, title_fr),
        description,
        tags: our_props(&props, "tag")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        nis2_art21,
        // A level that is not a small number is kept as 0, which validation refuses by name.
        security_level: our_prop(&props, "security-level").map(|l| l.parse().unwrap_or(0)),
    });
    for g in node
        .get("groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        walk(g, Some(&id), true, out, depth + 1);
    }
    for c in node
        .get("controls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        walk(c, Some(&id), false, out, depth + 1);
    }
}

/// Import an OSCAL catalog (JSON text) as a framework, validated like a YAML framework file.
pub fn import(file_name: &str, json_text: &str) -> Result<Framework, CatalogError> {
    let parse_err = |message: String| CatalogError::Parse {
        file: file_name.to_owned(),
        message,
    };
    let v: Value = serde_json::from_str(json_text).map_err(|e| parse_err(e.to_string()))?;
    let cat = v
        .get("catalog")
        .ok_or_else(|| parse_err("no `catalog` object: not an OSCAL catalog".to_owned()))?;
    let md = cat
        .get("metadata")
        .ok_or_else(|| parse_err("`catalog.metadata` is missing".to_owned()))?;
    let props = props_of(md);
    let title_en = md
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let text_pair = |en: &str, fr: &str| -> Option<Text> {
        match (our_prop(&props, en), our_prop(&props, fr)) {
            (Some(e), Some(f)) => Some(Text::new(e, f)),
            (Some(e), None) => Some(Text::new(e, e)),
            _ => None,
        }
    };
    let meta = FrameworkMeta {
        id: our_prop(&props, "framework-id").map_or_else(|| slug(&title_en), str::to_owned),
        name: Text::new(
            title_en.clone(),
            our_prop(&props, "title-fr").unwrap_or(&title_en),
        ),
        version: md
            .get("version")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        publisher: our_prop(&props, "publisher").unwrap_or_default().to_owned(),
        kind: match our_prop(&props, "kind") {
            Some("regulation") => FrameworkKind::Regulation,
            Some("standard") => FrameworkKind::Standard,
            Some("framework") => FrameworkKind::Framework,
            Some("referential") => FrameworkKind::Referential,
            _ => FrameworkKind::Other,
        },
        licence: our_prop(&props, "licence").unwrap_or_default().to_owned(),
        notice: text_pair("notice-en", "notice-fr"),
        description: text_pair("description-en", "description-fr"),
        source_url: our_prop(&props, "source-url")
            .unwrap_or_default()
            .to_owned(),
    };
    let mut reqs = Vec::new();
    for g in cat
        .get("groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        walk(g, None, true, &mut reqs, 0);
    }
    for c in cat
        .get("controls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        walk(c, None, false, &mut reqs, 0);
    }
    framework_from_typed(file_name, meta, reqs)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_uuids() {
        assert_eq!(oscal_id("1.1.1.a"), "r-1.1.1.a");
        assert_eq!(oscal_id("a.8.22"), "a.8.22");
        assert_eq!(oscal_id("x y"), "x_y");
        let u = stable_uuid("seed");
        assert_eq!(u, stable_uuid("seed"));
        assert_ne!(u, stable_uuid("other"));
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'5');
    }

    #[test]
    fn round_trip_detects_changes() {
        let y = "framework: {id: t, name: {en: T, fr: T}, version: '1'}\nrequirements:\n  - {id: a, assessable: false, title: {en: A, fr: Aa}}\n  - {id: b, parent: a, assessable: true, title: {en: B, fr: Bb}, tags: [it], nis2_art21: [b]}\n";
        let fw = crate::parse_framework("t.yaml", y).unwrap();
        let json = export_json(&fw, "2026-01-01T00:00:00Z");
        assert_eq!(import("t.json", &json).unwrap(), fw);
        let changed = json.replace("\"Bb\"", "\"Bx\"");
        assert_ne!(import("t.json", &changed).unwrap(), fw);
        assert_eq!(slug("Tiny Catalog!"), "tiny-catalog");
        assert_eq!(slug("***"), "imported");
    }
}
