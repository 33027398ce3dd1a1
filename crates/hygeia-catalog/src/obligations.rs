//! Reporting obligations as data: who receives a report about an incident, which verdicts
//! trigger it, its stages with their deadline rules, and the fields each stage asks for.
//!
//! The shipped templates (NIS2 Art. 23, French health-sector reporting, GDPR Arts. 33 and
//! 34) are YAML files embedded in the binary; users add templates (another Member State's
//! duties) as files validated the same way. A broken file is refused whole, each problem
//! named by file, entry and field. Format: `docs/obligations-format.md`.

use std::collections::HashSet;

use hygeia_domain::incidents::Question;
use hygeia_domain::incidents::deadlines::{Anchor, Delay, StageRule, WhenOngoing};
use hygeia_domain::incidents::obligations::AppliesTo;
use serde::{Deserialize, Serialize};

use crate::error::{CatalogError, IssueKind, Issues};
use crate::load::{RawText, is_token, non_empty, parse_yaml, required_text};
use crate::model::Text;

/// The templates shipped in the binary.
pub const EMBEDDED_OBLIGATIONS: &[(&str, &str)] = &[
    (
        "data/obligations/nis2-art23.yaml",
        include_str!("../data/obligations/nis2-art23.yaml"),
    ),
    (
        "data/obligations/fr-health-serious-incidents.yaml",
        include_str!("../data/obligations/fr-health-serious-incidents.yaml"),
    ),
    (
        "data/obligations/gdpr-art33.yaml",
        include_str!("../data/obligations/gdpr-art33.yaml"),
    ),
    (
        "data/obligations/gdpr-art34.yaml",
        include_str!("../data/obligations/gdpr-art34.yaml"),
    ),
];

/// Where a report field's first draft comes from.
pub const PREFILL_SOURCES: &[&str] = &[
    "entity.name",
    "entity.country",
    "entity.registration_number",
    "entity.nis2_class",
    "incident.title",
    "incident.reference",
    "incident.detected_at",
    "incident.aware_at",
    "incident.ended_at",
    "incident.status",
    "incident.severity",
    "incident.description",
    "incident.affected_services",
    "incident.affected_assets",
    "incident.impact",
    "incident.indicators",
    "incident.measures",
    "incident.root_cause",
    "incident.contact",
    "verdict.significant",
    "verdict.malicious",
    "verdict.cross_border",
    "verdict.personal_data",
    "verdict.high_risk_to_people",
];

/// One field a report stage asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageField {
    pub key: String,
    pub label: Text,
    /// One of [`PREFILL_SOURCES`]: the incident's data the draft starts from.
    pub prefill: Option<String>,
}

/// One stage of an obligation (an early warning, a notification, a final report…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObligationStage {
    pub rule: StageRule,
    pub title: Text,
    /// What the stage must contain, in plain words.
    pub help: Text,
    pub fields: Vec<StageField>,
}

impl ObligationStage {
    pub fn key(&self) -> &str {
        &self.rule.key
    }
}

/// A reporting obligation template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    pub id: String,
    pub title: Text,
    /// Who receives the reports.
    pub recipient: Text,
    /// The legal source, cited.
    pub legal_basis: Text,
    pub notice: Option<Text>,
    pub applies_to: AppliesTo,
    /// Questions that must all be answered yes for the obligation to be owed.
    pub trigger: Vec<Question>,
    pub stages: Vec<ObligationStage>,
    /// File it was loaded from (embedded path or user file name).
    pub file: String,
}

impl Obligation {
    pub fn stage(&self, key: &str) -> Option<&ObligationStage> {
        self.stages.iter().find(|s| s.key() == key)
    }

    /// The deadline rules of its stages, in order.
    pub fn rules(&self) -> Vec<StageRule> {
        self.stages.iter().map(|s| s.rule.clone()).collect()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    obligation: RawObligation,
    #[serde(default)]
    stages: Vec<RawStage>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawObligation {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    title: Option<RawText>,
    #[serde(default)]
    recipient: Option<RawText>,
    #[serde(default)]
    legal_basis: Option<RawText>,
    #[serde(default)]
    notice: Option<RawText>,
    #[serde(default)]
    applies_to: RawAppliesTo,
    #[serde(default)]
    trigger: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAppliesTo {
    #[serde(default)]
    countries: Vec<String>,
    #[serde(default)]
    entity_types: Vec<String>,
    #[serde(default)]
    nis2_entities_only: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    title: Option<RawText>,
    #[serde(default)]
    due: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    when_ongoing: Option<String>,
    #[serde(default)]
    help: Option<RawText>,
    #[serde(default)]
    fields: Vec<RawField>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    label: Option<RawText>,
    #[serde(default)]
    prefill: Option<String>,
}

/// Parses and validates one obligation file. All problems are reported together.
pub fn parse_obligation(file: &str, text: &str) -> Result<Obligation, CatalogError> {
    let raw: RawFile = parse_yaml(file, text)?;
    let mut issues = Issues::default();
    let meta = raw.obligation;
    let id = non_empty(meta.id).unwrap_or_default();
    if id.is_empty() {
        issues.push(file, "obligation", "id", IssueKind::Missing);
    } else if !is_token(&id) {
        issues.push(
            file,
            "obligation",
            "id",
            IssueKind::InvalidValue(format!("`{id}`: use lower-case letters, digits, `-`, `_`")),
        );
    }
    let entry = "obligation";
    let title = required_text(&mut issues, file, entry, "title", meta.title);
    let recipient = required_text(&mut issues, file, entry, "recipient", meta.recipient);
    let legal_basis = required_text(&mut issues, file, entry, "legal_basis", meta.legal_basis);
    let notice = meta
        .notice
        .map(|n| required_text(&mut issues, file, entry, "notice", Some(n)));
    let applies_to = applies_to(&mut issues, file, meta.applies_to);
    let mut trigger = Vec::new();
    for (i, code) in meta.trigger.iter().enumerate() {
        match Question::parse(code.trim()) {
            Some(q) if !trigger.contains(&q) => trigger.push(q),
            Some(_) => issues.push(
                file,
                entry,
                &format!("trigger[{i}]"),
                IssueKind::DuplicateId,
            ),
            None => issues.push(
                file,
                entry,
                &format!("trigger[{i}]"),
                IssueKind::InvalidValue(format!(
                    "`{code}` is not a question: use {}",
                    question_codes()
                )),
            ),
        }
    }
    if raw.stages.is_empty() {
        issues.push(file, entry, "stages", IssueKind::Missing);
    }
    let mut stages: Vec<ObligationStage> = Vec::new();
    for (i, stage) in raw.stages.into_iter().enumerate() {
        if let Some(stage) = parse_stage(&mut issues, file, i, stage, &stages) {
            stages.push(stage);
        }
    }
    issues.into_result(Obligation {
        id,
        title,
        recipient,
        legal_basis,
        notice,
        applies_to,
        trigger,
        stages,
        file: file.to_owned(),
    })
}

fn question_codes() -> String {
    Question::ALL
        .iter()
        .map(|q| q.code())
        .collect::<Vec<_>>()
        .join(", ")
}

fn applies_to(issues: &mut Issues, file: &str, raw: RawAppliesTo) -> AppliesTo {
    for (i, c) in raw.countries.iter().enumerate() {
        if c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_uppercase()) {
            issues.push(
                file,
                "obligation",
                &format!("applies_to.countries[{i}]"),
                IssueKind::InvalidValue(format!("`{c}` is not an ISO 3166-1 alpha-2 code")),
            );
        }
    }
    for (i, t) in raw.entity_types.iter().enumerate() {
        let canonical = t
            .parse::<hygeia_domain::nis2::EntityType>()
            .is_ok_and(|e| e.code() == t);
        if !canonical {
            issues.push(
                file,
                "obligation",
                &format!("applies_to.entity_types[{i}]"),
                IssueKind::InvalidValue(format!("`{t}` is not a NIS2 entity type")),
            );
        }
    }
    AppliesTo {
        countries: raw.countries,
        entity_types: raw.entity_types,
        nis2_entities_only: raw.nis2_entities_only,
    }
}

fn parse_stage(
    issues: &mut Issues,
    file: &str,
    index: usize,
    raw: RawStage,
    earlier: &[ObligationStage],
) -> Option<ObligationStage> {
    let key = non_empty(raw.key).unwrap_or_default();
    let entry = if key.is_empty() {
        format!("stages[{index}]")
    } else {
        key.clone()
    };
    let mut ok = true;
    if key.is_empty() {
        issues.push(file, &entry, "key", IssueKind::Missing);
        ok = false;
    } else if !is_token(&key) {
        issues.push(
            file,
            &entry,
            "key",
            IssueKind::InvalidValue(format!("`{key}`: use lower-case letters, digits, `_`")),
        );
        ok = false;
    } else if earlier.iter().any(|s| s.key() == key) {
        issues.push(file, &entry, "key", IssueKind::DuplicateId);
        ok = false;
    }
    let title = required_text(issues, file, &entry, "title", raw.title);
    let help = required_text(issues, file, &entry, "help", raw.help);
    let delay = match non_empty(raw.due).map(|d| d.parse::<Delay>()) {
        Some(Ok(delay)) => Some(delay),
        Some(Err(e)) => {
            issues.push(file, &entry, "due", IssueKind::InvalidValue(e.to_string()));
            None
        }
        None => {
            issues.push(file, &entry, "due", IssueKind::Missing);
            None
        }
    };
    let from = non_empty(raw.from).unwrap_or_else(|| "awareness".into());
    let anchor = match Anchor::parse(&from) {
        Some(Anchor::Stage(k)) if !earlier.iter().any(|s| s.key() == k) => {
            issues.push(
                file,
                &entry,
                "from",
                IssueKind::InvalidValue(format!(
                    "`{k}` is not an earlier stage of this obligation"
                )),
            );
            None
        }
        Some(anchor) => Some(anchor),
        None => {
            issues.push(
                file,
                &entry,
                "from",
                IssueKind::InvalidValue(format!(
                    "`{from}`: use `awareness`, `incident_end` or `submitted:<earlier stage>`"
                )),
            );
            None
        }
    };
    let when_ongoing = match non_empty(raw.when_ongoing).as_deref() {
        None => None,
        Some("only_if_ongoing") => Some(WhenOngoing::OnlyIfOngoing),
        Some("moves_to_end") => Some(WhenOngoing::MovesToEnd),
        Some(other) => {
            issues.push(
                file,
                &entry,
                "when_ongoing",
                IssueKind::InvalidValue(format!(
                    "`{other}`: use `only_if_ongoing` or `moves_to_end`"
                )),
            );
            ok = false;
            None
        }
    };
    let mut fields = Vec::new();
    let mut seen = HashSet::new();
    for (i, f) in raw.fields.into_iter().enumerate() {
        let fkey = non_empty(f.key).unwrap_or_default();
        let at = format!("fields[{i}]");
        if fkey.is_empty() {
            issues.push(file, &entry, &format!("{at}.key"), IssueKind::Missing);
        } else if !seen.insert(fkey.clone()) {
            issues.push(file, &entry, &format!("{at}.key"), IssueKind::DuplicateId);
        }
        let label = required_text(issues, file, &entry, &format!("{at}.label"), f.label);
        let prefill = non_empty(f.prefill);
        if let Some(p) = &prefill
            && !PREFILL_SOURCES.contains(&p.as_str())
        {
            issues.push(
                file,
                &entry,
                &format!("{at}.prefill"),
                IssueKind::InvalidValue(format!("`{p}` is not a prefill source")),
            );
        }
        fields.push(StageField {
            key: fkey,
            label,
            prefill,
        });
    }
    if fields.is_empty() {
        issues.push(file, &entry, "fields", IssueKind::Missing);
    }
    let (Some(delay), Some(anchor), true) = (delay, anchor, ok) else {
        return None;
    };
    Some(ObligationStage {
        rule: StageRule {
            key,
            delay,
            anchor,
            when_ongoing,
        },
        title,
        help,
        fields,
    })
}

#[cfg(test)]
mod tests;
