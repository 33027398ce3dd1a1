//! Patch planning for plants: a line cannot be stopped on a whim, so fixes wait for a
//! maintenance window (a production stop, a validation campaign, a shutdown) of a site or a
//! zone, and each match gets a remediation plan — what will be done, by whom, in which window or
//! by which date. A plan not done by its due date is overdue.

use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, ValidationErrors, Validator};

/// Longest name, action or note kept.
pub const MAX_TEXT_CHARS: usize = 500;

/// Longest a maintenance window may last, in days.
pub const MAX_WINDOW_DAYS: i64 = 366;

/// What stops in a maintenance window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WindowKind {
    /// A planned production stop (the line is down).
    ProductionStop,
    /// A validation campaign (GMP: changes are qualified together).
    ValidationCampaign,
    /// A routine maintenance slot (the system may be patched without stopping production).
    Maintenance,
}

impl WindowKind {
    pub const ALL: [WindowKind; 3] = [
        WindowKind::ProductionStop,
        WindowKind::ValidationCampaign,
        WindowKind::Maintenance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WindowKind::ProductionStop => "production_stop",
            WindowKind::ValidationCampaign => "validation_campaign",
            WindowKind::Maintenance => "maintenance",
        }
    }

    pub fn parse(text: &str) -> Option<WindowKind> {
        WindowKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A maintenance window as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WindowInput {
    pub name: String,
    /// `production_stop`, `validation_campaign` or `maintenance`.
    pub kind: String,
    /// What it covers: empty for the whole entity, `zone:NAME` for a zone of the entity's
    /// policy, `site:ID` for one of its sites.
    #[serde(default)]
    pub scope: String,
    /// First day (`YYYY-MM-DD`).
    pub starts_on: String,
    /// Last day (`YYYY-MM-DD`), not before the first.
    pub ends_on: String,
    #[serde(default)]
    pub notes: Option<String>,
}

/// A checked maintenance window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    pub name: String,
    pub kind: WindowKind,
    pub scope: String,
    pub starts_on: String,
    pub ends_on: String,
    pub notes: Option<String>,
}

fn date(text: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

fn optional(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

impl WindowInput {
    /// Checks the window; every refusal names its field. The scope's zone or site is checked
    /// against the entity by the store.
    pub fn check(&self) -> Result<Window, ValidationErrors> {
        let mut v = Validator::new();
        v.text("name", &self.name, MAX_TEXT_CHARS);
        let kind = WindowKind::parse(self.kind.trim());
        if kind.is_none() {
            let names: Vec<&str> = WindowKind::ALL.iter().map(|k| k.as_str()).collect();
            v.push(FieldError::one_of("kind", &names));
        }
        let scope = self.scope.trim();
        if !(scope.is_empty() || scope.starts_with("zone:") || scope.starts_with("site:")) {
            v.push(FieldError::bad_value(
                "scope",
                "empty (the whole entity), zone:NAME or site:ID",
            ));
        }
        let starts = date(&self.starts_on);
        let ends = date(&self.ends_on);
        if starts.is_none() {
            v.push(FieldError::bad_date("starts_on"));
        }
        if ends.is_none() {
            v.push(FieldError::bad_date("ends_on"));
        }
        if let (Some(starts), Some(ends)) = (starts, ends) {
            if ends < starts {
                v.push(FieldError::date_order("ends_on", "starts_on"));
            } else if (ends - starts).num_days() > MAX_WINDOW_DAYS {
                v.push(FieldError::bad_value(
                    "ends_on",
                    "a window lasts a year at most",
                ));
            }
        }
        let notes = optional(self.notes.as_deref());
        v.optional_text("notes", notes.as_deref(), MAX_TEXT_CHARS);
        v.finish()?;
        Ok(Window {
            name: self.name.trim().to_owned(),
            kind: kind.unwrap_or(WindowKind::Maintenance),
            scope: scope.to_owned(),
            starts_on: self.starts_on.trim().to_owned(),
            ends_on: self.ends_on.trim().to_owned(),
            notes,
        })
    }
}

/// Where a remediation plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Planned,
    Done,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Planned => "planned",
            PlanStatus::Done => "done",
        }
    }

    pub fn parse(text: &str) -> Option<PlanStatus> {
        [PlanStatus::Planned, PlanStatus::Done]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A remediation plan as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanInput {
    /// What will be done (apply the vendor's fix, replace the module, close port 102…).
    pub action: String,
    /// The maintenance window it waits for; its last day is then the due date.
    #[serde(default)]
    pub window_id: Option<String>,
    /// The due date (`YYYY-MM-DD`) when no window is given.
    #[serde(default)]
    pub due_on: Option<String>,
    /// Who does it (free text: a person, a team, a contractor).
    #[serde(default)]
    pub owner: Option<String>,
    /// `planned` (default) or `done`.
    #[serde(default)]
    pub status: Option<String>,
}

/// A checked plan; with a window, the store sets the due date to the window's last day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub action: String,
    pub window_id: Option<String>,
    pub due_on: Option<String>,
    pub owner: Option<String>,
    pub status: PlanStatus,
}

impl PlanInput {
    /// Checks the plan: an action, and a window or a due date (not both).
    pub fn check(&self) -> Result<Plan, ValidationErrors> {
        let mut v = Validator::new();
        v.text("action", &self.action, MAX_TEXT_CHARS);
        let window_id = optional(self.window_id.as_deref());
        let due_on = optional(self.due_on.as_deref());
        match (&window_id, &due_on) {
            (None, None) => v.push(FieldError::empty("due_on")),
            (Some(_), Some(_)) => v.push(FieldError::bad_value(
                "due_on",
                "give a maintenance window or a due date, not both",
            )),
            (None, Some(text)) if date(text).is_none() => v.push(FieldError::bad_date("due_on")),
            _ => {}
        }
        let owner = optional(self.owner.as_deref());
        v.optional_text("owner", owner.as_deref(), MAX_TEXT_CHARS);
        let status = match optional(self.status.as_deref()) {
            None => Some(PlanStatus::Planned),
            Some(text) => PlanStatus::parse(&text),
        };
        if status.is_none() {
            v.push(FieldError::one_of("status", &["planned", "done"]));
        }
        v.finish()?;
        Ok(Plan {
            action: self.action.trim().to_owned(),
            window_id,
            due_on,
            owner,
            status: status.unwrap_or(PlanStatus::Planned),
        })
    }
}

/// Whether a plan is overdue on `today` (`YYYY-MM-DD`): not done, and its due day has passed.
pub fn is_overdue(status: PlanStatus, due_on: &str, today: &str) -> bool {
    status == PlanStatus::Planned && due_on < today
}

#[cfg(test)]
#[allow(clippy::panic)]
mod tests {
    use super::*;
    use crate::validation::Code;

    fn refused<T: std::fmt::Debug>(result: Result<T, ValidationErrors>) -> Vec<(String, Code)> {
        match result {
            Ok(ok) => panic!("accepted {ok:?}"),
            Err(e) => e.0.iter().map(|f| (f.field.clone(), f.code)).collect(),
        }
    }

    fn window(kind: &str, scope: &str, starts: &str, ends: &str) -> WindowInput {
        WindowInput {
            name: "Summer stop, line 2".into(),
            kind: kind.into(),
            scope: scope.into(),
            starts_on: starts.into(),
            ends_on: ends.into(),
            notes: None,
        }
    }

    #[test]
    fn a_window_has_a_kind_a_scope_and_ordered_days() {
        let ok = window("production_stop", "zone:cell-2", "2027-07-26", "2027-08-06").check();
        assert_eq!(ok.map(|w| w.kind), Ok(WindowKind::ProductionStop));
        assert_eq!(
            refused(window("holiday", "", "2027-07-26", "2027-08-06").check()),
            vec![("kind".into(), Code::OneOf)]
        );
        assert_eq!(
            refused(window("maintenance", "line 2", "2027-07-26", "2027-08-06").check()),
            vec![("scope".into(), Code::BadValue)]
        );
        assert_eq!(
            refused(window("maintenance", "", "2027-08-06", "2027-07-26").check()),
            vec![("ends_on".into(), Code::DateOrder)]
        );
        assert_eq!(
            refused(window("maintenance", "", "26/07/2027", "2027-07-26").check()),
            vec![("starts_on".into(), Code::BadDate)]
        );
        assert_eq!(
            refused(window("maintenance", "", "2027-01-01", "2028-06-01").check()),
            vec![("ends_on".into(), Code::BadValue)]
        );
    }

    #[test]
    fn a_plan_has_an_action_and_a_window_or_a_date() {
        let plan = |window: Option<&str>, due: Option<&str>, status: Option<&str>| PlanInput {
            action: "Update the CPU to V3.2.17".into(),
            window_id: window.map(Into::into),
            due_on: due.map(Into::into),
            owner: Some("OT team".into()),
            status: status.map(Into::into),
        };
        assert_eq!(
            plan(Some("w1"), None, None).check().map(|p| p.status),
            Ok(PlanStatus::Planned)
        );
        assert_eq!(
            refused(plan(None, None, None).check()),
            vec![("due_on".into(), Code::Empty)]
        );
        assert_eq!(
            refused(plan(Some("w1"), Some("2027-01-01"), None).check()),
            vec![("due_on".into(), Code::BadValue)]
        );
        assert_eq!(
            refused(plan(None, Some("soon"), Some("later")).check()),
            vec![
                ("due_on".into(), Code::BadDate),
                ("status".into(), Code::OneOf)
            ]
        );
        let empty = PlanInput {
            due_on: Some("2027-01-01".into()),
            ..PlanInput::default()
        };
        assert_eq!(refused(empty.check()), vec![("action".into(), Code::Empty)]);
    }

    #[test]
    fn a_plan_is_overdue_the_day_after_it_is_due() {
        assert!(!is_overdue(PlanStatus::Planned, "2026-12-03", "2026-12-03"));
        assert!(is_overdue(PlanStatus::Planned, "2026-12-02", "2026-12-03"));
        assert!(!is_overdue(PlanStatus::Done, "2026-12-02", "2026-12-03"));
    }
}
