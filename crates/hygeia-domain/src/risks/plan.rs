//! The treatment plan of a risk: actions with an owner, a due date and, where one exists, the
//! control they put in place; an action past its due date and still open is overdue.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::validation::{FieldError, ValidationErrors, Validator};

/// Longest action title, in characters.
pub const MAX_ACTION_CHARS: usize = 500;

/// Where an action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    Done,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 2] = [ActionStatus::Open, ActionStatus::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::Done => "done",
        }
    }

    pub fn parse(text: &str) -> Option<ActionStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// An action of a treatment plan as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionInput {
    pub title: String,
    /// E-mail address of a user who may see the risk's entity.
    #[serde(default)]
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due_on: Option<String>,
    /// `open` (default) or `done`.
    #[serde(default)]
    pub status: Option<String>,
    /// The control of the entity this action puts in place or improves.
    #[serde(default)]
    pub control_id: Option<String>,
}

/// A checked action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAction {
    pub title: String,
    pub owner: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub status: ActionStatus,
    pub control_id: Option<String>,
}

fn given(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

impl ActionInput {
    /// Checks the action's own fields (whether the owner and the control exist is the
    /// store's to check); problems are named by field.
    pub fn check(&self) -> Result<CheckedAction, ValidationErrors> {
        let mut v = Validator::new();
        v.text("title", &self.title, MAX_ACTION_CHARS);
        let due_on = given(self.due_on.as_deref()).and_then(|d| {
            let parsed = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
            if parsed.is_none() {
                v.bad_date("due_on");
            }
            parsed
        });
        let status = match given(self.status.as_deref()) {
            None => Some(ActionStatus::Open),
            Some(text) => ActionStatus::parse(text),
        };
        if status.is_none() {
            v.push(FieldError::one_of("status", &["open", "done"]));
        }
        if let Some(owner) = given(self.owner.as_deref())
            && !owner.contains('@')
        {
            v.push(FieldError::not_email("owner", owner));
        }
        v.finish()?;
        Ok(CheckedAction {
            title: self.title.trim().to_owned(),
            owner: given(self.owner.as_deref()).map(str::to_owned),
            due_on,
            status: status.unwrap_or(ActionStatus::Open),
            control_id: given(self.control_id.as_deref()).map(str::to_owned),
        })
    }
}

/// Whether an action due on `due_on` is overdue on `today`: still open after its due day.
pub fn is_overdue(status: ActionStatus, due_on: Option<NaiveDate>, today: NaiveDate) -> bool {
    status == ActionStatus::Open && due_on.is_some_and(|due| due < today)
}

/// How far a treatment plan has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanProgress {
    pub actions: i64,
    pub done: i64,
    pub overdue: i64,
}

impl PlanProgress {
    /// Done actions as a whole percentage of all of them; none without actions.
    pub fn percent_done(&self) -> Option<i64> {
        (self.actions > 0).then(|| self.done * 100 / self.actions)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_action_needs_a_title_and_well_formed_fields() {
        let ok = ActionInput {
            title: " Segment the packaging line ".into(),
            owner: Some("ot.lead@plant.example".into()),
            due_on: Some("2027-03-31".into()),
            status: None,
            control_id: Some(" ".into()),
        }
        .check()
        .unwrap();
        assert_eq!(ok.title, "Segment the packaging line");
        assert_eq!(ok.status, ActionStatus::Open);
        assert_eq!(ok.due_on, Some(day("2027-03-31")));
        assert_eq!(ok.control_id, None);

        let errors = ActionInput {
            title: "  ".into(),
            owner: Some("nobody".into()),
            due_on: Some("31/03/2027".into()),
            status: Some("finished".into()),
            control_id: None,
        }
        .check()
        .unwrap_err()
        .0;
        let named: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("title", "empty"),
                ("due_on", "bad_date"),
                ("status", "one_of"),
                ("owner", "not_email"),
            ]
        );
    }

    #[test]
    fn open_actions_past_their_day_are_overdue() {
        let due = Some(day("2027-01-31"));
        assert!(!is_overdue(ActionStatus::Open, due, day("2027-01-31")));
        assert!(is_overdue(ActionStatus::Open, due, day("2027-02-01")));
        assert!(!is_overdue(ActionStatus::Done, due, day("2027-02-01")));
        assert!(!is_overdue(ActionStatus::Open, None, day("2030-01-01")));
        let progress = PlanProgress {
            actions: 3,
            done: 1,
            overdue: 1,
        };
        assert_eq!(progress.percent_done(), Some(33));
        assert_eq!(PlanProgress::default().percent_done(), None);
    }
}
