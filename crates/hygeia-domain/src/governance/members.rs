//! The management body's members (Art. 20): who sits on it, in which capacity, from when to
//! when. A member who leaves keeps their record: what they approved stays signed by them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{MAX_NAME_CHARS, day, optional_id, required_day};
use crate::validation::{ValidationErrors, Validator};

/// A member as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberInput {
    pub name: String,
    /// Their capacity on the body: chief executive, chair of the board, finance director…
    pub title: String,
    #[serde(default)]
    pub email: String,
    /// Their Hygeia account, when they have one (to acknowledge policies, read reports).
    #[serde(default)]
    pub user_id: Option<String>,
    /// `YYYY-MM-DD`.
    pub appointed_on: String,
    /// `YYYY-MM-DD`, the day they no longer sit on the body.
    #[serde(default)]
    pub left_on: Option<String>,
}

/// A checked member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedMember {
    pub name: String,
    pub title: String,
    pub email: String,
    pub user_id: Option<String>,
    pub appointed_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
}

impl MemberInput {
    /// Checks the whole input; every problem is named by its field.
    pub fn check(&self) -> Result<CheckedMember, ValidationErrors> {
        let mut v = Validator::new();
        v.text("name", &self.name, MAX_NAME_CHARS);
        v.text("title", &self.title, MAX_NAME_CHARS);
        let email = self.email.trim();
        if !email.is_empty()
            && (!email.contains('@') || email.contains(char::is_whitespace) || email.len() > 254)
        {
            v.not_email("email", email);
        }
        let appointed_on = required_day(&mut v, "appointed_on", &self.appointed_on);
        let left_on = day(&mut v, "left_on", self.left_on.as_deref());
        if let (Some(from), Some(to)) = (appointed_on, left_on)
            && to <= from
        {
            v.date_order("left_on", "appointed_on");
        }
        v.finish()?;
        Ok(CheckedMember {
            name: self.name.trim().to_owned(),
            title: self.title.trim().to_owned(),
            email: email.to_owned(),
            user_id: optional_id(self.user_id.as_deref()),
            appointed_on: appointed_on.unwrap_or_default(),
            left_on,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_needs_a_name_a_capacity_and_an_appointment_before_leaving() {
        let refused = MemberInput {
            email: "not an address".into(),
            appointed_on: "2026-02-30".into(),
            ..MemberInput::default()
        }
        .check()
        .map_err(|e| e.0.into_iter().map(|f| f.field).collect::<Vec<_>>());
        assert_eq!(
            refused,
            Err(vec![
                "name".to_owned(),
                "title".to_owned(),
                "email".to_owned(),
                "appointed_on".to_owned()
            ])
        );
        let backwards = MemberInput {
            name: "Claire Martin".into(),
            title: "Directrice générale".into(),
            appointed_on: "2026-01-10".into(),
            left_on: Some("2026-01-10".into()),
            ..MemberInput::default()
        }
        .check();
        assert!(backwards.is_err_and(|e| e.0[0].field == "left_on"));
        let member = MemberInput {
            name: " Claire Martin ".into(),
            title: "Directrice générale".into(),
            user_id: Some(" ".into()),
            appointed_on: "2026-01-10".into(),
            left_on: Some(String::new()),
            ..MemberInput::default()
        }
        .check();
        assert!(member.is_ok_and(|m| m.name == "Claire Martin"
            && m.user_id.is_none()
            && m.left_on.is_none()));
    }
}
