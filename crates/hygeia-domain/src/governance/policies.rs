//! Policies and their lifecycle: a version is drafted, approved (by the management body or
//! whoever the entity delegates), then published; a published policy is due for review on its
//! review day, and a revision starts a new draft version. Staff acknowledge the published
//! version that applies to them; an acknowledgement of an older version does not count.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::{MAX_NAME_CHARS, MAX_TEXT_CHARS, optional_id};
use crate::access::Role;
use crate::validation::{FieldError, ValidationErrors, Validator};

/// The default and the longest time between two reviews of a policy.
pub const DEFAULT_REVIEW_MONTHS: u32 = 12;
pub const MAX_REVIEW_MONTHS: u32 = 36;

/// A policy as entered: what it is, who owns it, whom it applies to, how often it is reviewed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyInput {
    pub title: String,
    /// Who maintains it (a name or a function: the CISO, the quality director).
    #[serde(default)]
    pub owner: String,
    /// The roles of the entity's users who must acknowledge it; none means every user.
    #[serde(default)]
    pub audience_roles: Vec<String>,
    /// Months between reviews (1–36, 12 when not given).
    #[serde(default)]
    pub review_months: Option<u32>,
}

/// A checked policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedPolicy {
    pub title: String,
    pub owner: String,
    pub audience_roles: Vec<Role>,
    pub review_months: u32,
}

impl PolicyInput {
    pub fn check(&self) -> Result<CheckedPolicy, ValidationErrors> {
        let mut v = Validator::new();
        v.text("title", &self.title, MAX_NAME_CHARS);
        v.optional_text("owner", Some(&self.owner), MAX_NAME_CHARS);
        let mut audience_roles = Vec::new();
        for (i, code) in self.audience_roles.iter().enumerate() {
            match code.parse::<Role>() {
                Ok(role) if !audience_roles.contains(&role) => audience_roles.push(role),
                Ok(_) => v.duplicate(&format!("audience_roles[{i}]"), code),
                Err(_) => v.one_of(
                    &format!("audience_roles[{i}]"),
                    &Role::ALL.map(|r| r.code()),
                ),
            }
        }
        let review_months = self.review_months.unwrap_or(DEFAULT_REVIEW_MONTHS);
        if !(1..=MAX_REVIEW_MONTHS).contains(&review_months) {
            v.push(FieldError::out_of_range(
                "review_months",
                1,
                MAX_REVIEW_MONTHS as usize,
            ));
        }
        v.finish()?;
        audience_roles.sort();
        Ok(CheckedPolicy {
            title: self.title.trim().to_owned(),
            owner: self.owner.trim().to_owned(),
            audience_roles,
            review_months,
        })
    }
}

/// A new version drafted: what changed, and the document itself among the evidence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DraftInput {
    /// What this version says or changes, in a few lines.
    pub summary: String,
    #[serde(default)]
    pub evidence_id: Option<String>,
}

impl DraftInput {
    pub fn check(&self) -> Result<(String, Option<String>), ValidationErrors> {
        let mut v = Validator::new();
        v.text("summary", &self.summary, MAX_TEXT_CHARS);
        v.finish()?;
        Ok((
            self.summary.trim().to_owned(),
            optional_id(self.evidence_id.as_deref()),
        ))
    }
}

/// A publication: the day the version took effect, today when not given (an existing policy
/// brought into Hygeia keeps its real day).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublishInput {
    /// `YYYY-MM-DD`, not after today and not before the version's approval.
    #[serde(default)]
    pub published_on: Option<String>,
}

impl PublishInput {
    /// The day of publication on `today`, after the approval on `approved_on`.
    pub fn check(
        &self,
        approved_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<NaiveDate, ValidationErrors> {
        let mut v = Validator::new();
        let day = super::day(&mut v, "published_on", self.published_on.as_deref()).unwrap_or(today);
        if day > today {
            v.in_future("published_on");
        }
        if approved_on.is_some_and(|approved| day < approved) {
            v.date_order("published_on", "approved_on");
        }
        v.finish()?;
        Ok(day)
    }
}

/// The day a version published on `published_on` is due for review.
pub fn next_review(published_on: NaiveDate, review_months: u32) -> NaiveDate {
    published_on
        .checked_add_months(Months::new(review_months))
        .unwrap_or(published_on)
}

/// Where a policy version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PolicyState {
    Draft,
    Approved,
    Published,
    /// Replaced by a later published version.
    Superseded,
}

/// What can be done to a policy version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PolicyAction {
    Approve,
    Publish,
    /// Starts a new draft version from a published one.
    Revise,
}

/// A change the lifecycle does not allow, named for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a {} policy version cannot be {}", .from.as_str(), .action.past())]
pub struct TransitionRefused {
    pub from: PolicyState,
    pub action: PolicyAction,
}

impl PolicyState {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyState::Draft => "draft",
            PolicyState::Approved => "approved",
            PolicyState::Published => "published",
            PolicyState::Superseded => "superseded",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        [
            PolicyState::Draft,
            PolicyState::Approved,
            PolicyState::Published,
            PolicyState::Superseded,
        ]
        .into_iter()
        .find(|s| s.as_str() == code)
    }
}

impl PolicyAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyAction::Approve => "approve",
            PolicyAction::Publish => "publish",
            PolicyAction::Revise => "revise",
        }
    }

    fn past(self) -> &'static str {
        match self {
            PolicyAction::Approve => "approved",
            PolicyAction::Publish => "published",
            PolicyAction::Revise => "revised",
        }
    }
}

/// The state a version reaches by `action`; a revision leaves the published version as it is
/// (it is superseded only when the new version is published).
pub fn transition(
    from: PolicyState,
    action: PolicyAction,
) -> Result<PolicyState, TransitionRefused> {
    match (from, action) {
        (PolicyState::Draft, PolicyAction::Approve) => Ok(PolicyState::Approved),
        (PolicyState::Approved, PolicyAction::Publish) => Ok(PolicyState::Published),
        (PolicyState::Published, PolicyAction::Revise) => Ok(PolicyState::Published),
        _ => Err(TransitionRefused { from, action }),
    }
}

/// Whether a published version is due for review on `today`.
pub fn review_due(state: PolicyState, next_review_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    state == PolicyState::Published && next_review_on.is_some_and(|day| day <= today)
}

/// Who has acknowledged the current version, and who has not yet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Acknowledgements {
    pub acknowledged: Vec<String>,
    pub missing: Vec<String>,
}

/// Splits the people a policy applies to (`required`) by whether they acknowledged `version`
/// (`latest`: each person's latest acknowledged version); acknowledgements of people it no
/// longer applies to are left out.
pub fn acknowledgements(
    required: &BTreeSet<String>,
    latest: &BTreeMap<String, u32>,
    version: u32,
) -> Acknowledgements {
    let (acknowledged, missing) = required
        .iter()
        .cloned()
        .partition(|person| latest.get(person).is_some_and(|v| *v >= version));
    Acknowledgements {
        acknowledged,
        missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_is_drafted_approved_then_published_and_nothing_skips_a_step() {
        use PolicyAction::*;
        use PolicyState::*;
        assert_eq!(transition(Draft, Approve), Ok(Approved));
        assert_eq!(transition(Approved, Publish), Ok(Published));
        assert_eq!(transition(Published, Revise), Ok(Published));
        let refused = transition(Draft, Publish).map_err(|e| e.to_string());
        assert_eq!(
            refused,
            Err("a draft policy version cannot be published".to_owned())
        );
        assert!(transition(Superseded, Approve).is_err());
        assert!(transition(Approved, Approve).is_err());
        for s in [Draft, Approved, Published, Superseded] {
            assert_eq!(PolicyState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn reviews_fall_due_on_their_day_for_published_versions_only() {
        let day = |t: &str| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok();
        let today = day("2026-12-04").unwrap_or_default();
        assert!(review_due(PolicyState::Published, day("2026-12-04"), today));
        assert!(!review_due(
            PolicyState::Published,
            day("2026-12-05"),
            today
        ));
        assert!(!review_due(PolicyState::Draft, day("2026-01-01"), today));
        assert!(!review_due(PolicyState::Published, None, today));
    }

    #[test]
    fn a_policy_names_known_roles_once_and_a_review_cadence_within_three_years() {
        let refused = PolicyInput {
            audience_roles: vec!["auditor".into(), "Auditor".into(), "janitor".into()],
            review_months: Some(48),
            ..PolicyInput::default()
        }
        .check()
        .map_err(|e| e.0.into_iter().map(|f| f.field).collect::<Vec<_>>());
        assert_eq!(
            refused,
            Err(vec![
                "title".to_owned(),
                "audience_roles[1]".to_owned(),
                "audience_roles[2]".to_owned(),
                "review_months".to_owned()
            ])
        );
        let policy = PolicyInput {
            title: "Information security policy".into(),
            audience_roles: vec!["contributor".into(), "compliance manager".into()],
            ..PolicyInput::default()
        }
        .check();
        assert!(policy.is_ok_and(|p| p.review_months == 12
            && p.audience_roles == [Role::ComplianceManager, Role::Contributor]));
        let day = |t: &str| NaiveDate::parse_from_str(t, "%Y-%m-%d").unwrap_or_default();
        assert_eq!(next_review(day("2026-01-31"), 1), day("2026-02-28"));
        let today = day("2026-12-04");
        let on = |text: Option<&str>, approved: &str| {
            PublishInput {
                published_on: text.map(str::to_owned),
            }
            .check(Some(day(approved)), today)
            .map_err(|e| e.0[0].field.clone())
        };
        assert_eq!(on(None, "2026-12-01"), Ok(today));
        assert_eq!(on(Some("2026-12-02"), "2026-12-01"), Ok(day("2026-12-02")));
        assert_eq!(
            on(Some("2026-11-30"), "2026-12-01"),
            Err("published_on".into())
        );
        assert_eq!(
            on(Some("2026-12-05"), "2026-12-01"),
            Err("published_on".into())
        );
    }

    #[test]
    fn only_acknowledgements_of_the_current_version_count() {
        let required: BTreeSet<String> = ["ana", "bob", "eve"].map(String::from).into();
        let latest: BTreeMap<String, u32> = [("ana", 3), ("bob", 2), ("zoe", 3)]
            .map(|(p, v)| (p.to_owned(), v))
            .into();
        let split = acknowledgements(&required, &latest, 3);
        assert_eq!(split.acknowledged, vec!["ana".to_owned()]);
        assert_eq!(split.missing, vec!["bob".to_owned(), "eve".to_owned()]);
    }
}
