//! The records of compliance work as stored and listed.

use hygeia_compliance::ResultValue;
use serde::{Deserialize, Serialize};

/// A requirement of some framework.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequirementRef {
    pub framework_id: String,
    pub requirement_id: String,
}

/// A control as a client sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ControlInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub owner: Option<String>,
    /// `planned`, `in_progress`, `implemented` or `retired`.
    pub status: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub implemented_on: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub next_review_on: Option<String>,
    /// Requirements of any framework this control helps to satisfy.
    #[serde(default)]
    pub requirements: Vec<RequirementRef>,
    /// On update: the version you read.
    #[serde(default)]
    pub version: Option<i64>,
}

/// An implemented (or planned) security measure of an entity, independent of frameworks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Control {
    pub id: String,
    pub entity_id: String,
    pub name: String,
    pub description: String,
    pub owner: Option<String>,
    pub status: String,
    pub implemented_on: Option<String>,
    pub next_review_on: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
    pub requirements: Vec<RequirementRef>,
}

/// An assessment as a client sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AssessmentInput {
    /// Framework id from the catalog (e.g. `iso27001-2022`); fixed once created.
    pub framework_id: String,
    pub name: String,
    #[serde(default)]
    pub scope: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub starts_on: Option<String>,
    /// `YYYY-MM-DD`, not before `starts_on`.
    #[serde(default)]
    pub ends_on: Option<String>,
    /// `planned`, `in_progress`, `completed` or `archived`.
    pub status: String,
    /// On update: the version you read.
    #[serde(default)]
    pub version: Option<i64>,
}

/// An assessment of one framework for one entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Assessment {
    pub id: String,
    pub entity_id: String,
    pub framework_id: String,
    pub name: String,
    pub scope: String,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub status: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
    /// Incremented by every write of the assessment's results (in the same transaction), so a
    /// summary of them can be cached under `(id, version, results_version)`.
    pub results_version: i64,
}

/// A result as a client sets it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResultInput {
    pub requirement_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "compliant"))]
    pub value: ResultValue,
    #[serde(default)]
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due_on: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
    /// Mandatory for `not_applicable`.
    #[serde(default)]
    pub justification: Option<String>,
}

impl ResultInput {
    pub fn new(requirement_id: impl Into<String>, value: ResultValue) -> Self {
        Self {
            requirement_id: requirement_id.into(),
            value,
            owner: None,
            due_on: None,
            notes: None,
            justification: None,
        }
    }
}

/// Where a stored result comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Set by a person.
    Manual,
    /// A derived result accepted as it was (the detail cites its sources).
    AcceptedDerivation,
    /// A derived result replaced by another value with a reason.
    OverriddenDerivation,
}

impl Origin {
    pub fn code(self) -> &'static str {
        match self {
            Origin::Manual => "manual",
            Origin::AcceptedDerivation => "accepted_derivation",
            Origin::OverriddenDerivation => "overridden_derivation",
        }
    }

    pub(crate) fn parse(code: &str) -> Option<Self> {
        [
            Origin::Manual,
            Origin::AcceptedDerivation,
            Origin::OverriddenDerivation,
        ]
        .into_iter()
        .find(|o| o.code() == code)
    }
}

/// A stored result of one requirement.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StoredResult {
    pub assessment_id: String,
    pub requirement_id: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub value: ResultValue,
    pub owner: Option<String>,
    pub due_on: Option<String>,
    pub notes: Option<String>,
    pub justification: Option<String>,
    pub origin: Origin,
    /// For a derivation accepted or overridden: its source framework, rule, sources or reason.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub origin_detail: Option<serde_json::Value>,
    pub updated_at: String,
    pub updated_by: String,
}

/// How current a piece of evidence is, on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Expiry {
    /// No end date.
    NoEndDate,
    Valid,
    /// Ends within 30 days.
    ExpiringSoon,
    Expired,
}

impl Expiry {
    /// The state of evidence valid until `valid_until` (inclusive) on `today`.
    pub fn on(today: chrono::NaiveDate, valid_until: Option<&str>) -> Self {
        let Some(end) =
            valid_until.and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            return Expiry::NoEndDate;
        };
        if end < today {
            Expiry::Expired
        } else if (end - today).num_days() <= super::EXPIRING_WITHIN_DAYS {
            Expiry::ExpiringSoon
        } else {
            Expiry::Valid
        }
    }
}

/// When an open gap (a non-compliant or partially compliant result) is due, seen from a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DueBucket {
    /// Due before today.
    Overdue,
    /// Due today or within 7 days.
    Week,
    /// Due in 8 to 30 days.
    Month,
    /// Due in more than 30 days.
    Later,
    /// No (readable) due date.
    None,
}

impl DueBucket {
    pub const ALL: [DueBucket; 5] = [
        DueBucket::Overdue,
        DueBucket::Week,
        DueBucket::Month,
        DueBucket::Later,
        DueBucket::None,
    ];

    /// The bucket of a due date (`YYYY-MM-DD`) on `today`.
    pub fn on(today: chrono::NaiveDate, due_on: Option<&str>) -> Self {
        let Some(due) = due_on.and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            return DueBucket::None;
        };
        match (due - today).num_days() {
            ..0 => DueBucket::Overdue,
            0..=7 => DueBucket::Week,
            8..=30 => DueBucket::Month,
            _ => DueBucket::Later,
        }
    }

    /// The filter value: `overdue`, `week`, `month`, `later` or `none`.
    pub fn code(self) -> &'static str {
        match self {
            DueBucket::Overdue => "overdue",
            DueBucket::Week => "week",
            DueBucket::Month => "month",
            DueBucket::Later => "later",
            DueBucket::None => "none",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|b| b.code() == code)
    }
}

/// What a piece of evidence is attached to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// A control of the same entity…
    #[serde(default)]
    pub control_id: Option<String>,
    /// …or a requirement (for every assessment of its framework).
    #[serde(default)]
    pub framework_id: Option<String>,
    #[serde(default)]
    pub requirement_id: Option<String>,
}

/// A file or link supporting controls and requirements.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evidence {
    pub id: String,
    pub entity_id: String,
    /// `file` or `link`.
    pub kind: String,
    pub title: String,
    pub file_name: Option<String>,
    pub media_type: Option<String>,
    pub size_bytes: Option<i64>,
    /// Hex SHA-256 of the file.
    pub sha256: Option<String>,
    pub url: Option<String>,
    /// Last day of validity (`YYYY-MM-DD`).
    pub valid_until: Option<String>,
    pub expiry: Expiry,
    pub expired: bool,
    pub expiring_soon: bool,
    pub created_at: String,
    pub created_by: String,
    pub attachments: Vec<Attachment>,
}

/// Evidence behind one requirement, counted on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvidenceCounts {
    pub total: usize,
    pub expired: usize,
    pub expiring_soon: usize,
}

/// A control linked to a requirement, as listed with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkedControl {
    pub id: String,
    pub name: String,
    pub status: String,
}

/// One assessable requirement of an assessment, with its result, controls and evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequirementRow {
    pub requirement_id: String,
    pub reference: String,
    pub title_en: String,
    pub title_fr: String,
    pub tags: Vec<String>,
    /// Art. 21(2) letters.
    pub letters: Vec<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub value: ResultValue,
    pub owner: Option<String>,
    pub due_on: Option<String>,
    pub notes: Option<String>,
    pub justification: Option<String>,
    pub origin: Option<Origin>,
    pub controls: Vec<LinkedControl>,
    pub evidence: EvidenceCounts,
}

/// A stored review of one crosswalk pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MappingReview {
    pub id: String,
    pub mapping_set: String,
    pub source: String,
    pub target: String,
    /// `confirmed`, `refined` or `rejected`.
    pub decision: String,
    pub relationship: Option<String>,
    pub rationale: Option<String>,
    pub reviewed_at: String,
    pub reviewed_by: String,
}

/// One change of a result, for trends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub requirement_id: String,
    pub value: ResultValue,
    pub at: String,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn expiry_is_inclusive_and_flags_the_next_30_days() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(Expiry::on(today, None), Expiry::NoEndDate);
        assert_eq!(Expiry::on(today, Some("2026-03-01")), Expiry::Expired);
        assert_eq!(Expiry::on(today, Some("2026-03-02")), Expiry::ExpiringSoon);
        assert_eq!(Expiry::on(today, Some("2026-04-01")), Expiry::ExpiringSoon);
        assert_eq!(Expiry::on(today, Some("2026-04-02")), Expiry::Valid);
        assert_eq!(Expiry::on(today, Some("garbage")), Expiry::NoEndDate);
    }

    #[test]
    fn due_buckets_count_days_from_today() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let on = |d| DueBucket::on(today, d);
        assert_eq!(on(None), DueBucket::None);
        assert_eq!(on(Some("garbage")), DueBucket::None);
        assert_eq!(on(Some("2026-03-01")), DueBucket::Overdue);
        assert_eq!(on(Some("2026-03-02")), DueBucket::Week);
        assert_eq!(on(Some("2026-03-09")), DueBucket::Week);
        assert_eq!(on(Some("2026-03-10")), DueBucket::Month);
        assert_eq!(on(Some("2026-04-01")), DueBucket::Month);
        assert_eq!(on(Some("2026-04-02")), DueBucket::Later);
        for b in DueBucket::ALL {
            assert_eq!(DueBucket::parse(b.code()), Some(b));
        }
        assert_eq!(DueBucket::parse("soon"), None);
    }

    #[test]
    fn origins_round_trip() {
        for o in [
            Origin::Manual,
            Origin::AcceptedDerivation,
            Origin::OverriddenDerivation,
        ] {
            assert_eq!(Origin::parse(o.code()), Some(o));
        }
    }
}
