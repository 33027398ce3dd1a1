//! Field-level validation errors shared by every input of the domain.
//!
//! Each [`FieldError`] carries a stable machine [`Code`], its [`Params`] as typed data, and the
//! English message. They are built only by the constructors below (the struct is
//! `#[non_exhaustive]`), so a code, its parameters and its English text cannot drift apart;
//! the web layer renders the code in the user's language from `validation.<code>` keys.

use serde::Serialize;

/// What is wrong with a field, as a stable machine code (`snake_case` in JSON and in the
/// translation keys `validation.<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    /// A required value is empty.
    Empty,
    /// Longer than `max` characters.
    TooLong,
    /// Shorter than `min` characters.
    TooShort,
    /// A number outside `min`..=`max`.
    OutOfRange,
    /// A count or amount below zero.
    Negative,
    /// `value` is not an e-mail address.
    NotEmail,
    /// `value` is not an ISO 3166-1 alpha-2 country code.
    NotCountry,
    /// `value` is not a NIS2 entity type.
    UnknownEntityType,
    /// Not one of the `allowed` values.
    OneOf,
    /// Not a `YYYY-MM-DD` date.
    BadDate,
    /// Not an RFC 3339 time with its offset (`2026-05-04T10:00:00+02:00`).
    BadTime,
    /// A date before the date of the `other` field.
    DateOrder,
    /// No `framework` in the catalog.
    UnknownFramework,
    /// `framework` has no `requirement`.
    UnknownRequirement,
    /// `requirement` is a grouping node of `framework`, not assessable.
    NotAssessable,
    /// `value` is given more than once.
    Duplicate,
    /// `value` is not a result value.
    NotAResult,
    /// `value` is not an Art. 21(2) letter.
    NotALetter,
    /// A not-applicable result for `requirement` without a justification.
    NeedsJustification,
    /// A refined crosswalk pair without a rationale.
    NeedsRationale,
    /// Overriding the derived result of `requirement` without a reason.
    NeedsReason,
    /// `requirement` is not in the derived (reuse) view.
    NotDerived,
    /// `requirement` has no coverage to accept: it must be assessed.
    NothingToAccept,
    /// No mapping set `value`.
    UnknownMappingSet,
    /// The mapping set `value` has no pair `source` → `target`.
    UnknownPair,
    /// Not an `http://` or `https://` address.
    BadUrl,
    /// An uploaded file without content.
    EmptyFile,
    /// Evidence attached to neither a control nor a requirement, or to both.
    OneTarget,
    /// `value` names nothing the caller may use (an entity, a control…).
    NotFound,
    /// `value` is not a user with access to the entity (a result's owner).
    NotAnOwner,
    /// An entity would become its own ancestor.
    OwnAncestor,
    /// A catalog entry's parent `value` is not in the framework.
    UnknownParent,
    /// A catalog entry's parent links form a cycle.
    ParentCycle,
    /// A framework or mapping set `value` is already loaded.
    AlreadyExists,
    /// A catalog value refused for the English `reason`.
    BadValue,
    /// A password that is not the user's current one.
    WrongPassword,
    /// A new password made of the account's own names.
    PasswordPersonal,
    /// A new password that is mostly a repeated or sequential run.
    PasswordPredictable,
    /// A new password found in the offline list of breached passwords.
    PasswordBreached,
    /// A day that has not come yet where only a past or present day makes sense (an
    /// approval, a training completed).
    InFuture,
    /// `value` is a member who did not sit on the management body on the day given.
    NotSitting,
    /// `value` is not an IP range in CIDR notation.
    NotCidr,
    /// `value` is a private, loopback, link-local or documentation range, not a public one.
    PrivateRange,
    /// A refusal the web layer words itself, in English only (`reason`).
    Invalid,
}

impl Code {
    /// Every code, so tests can check that each one is translated.
    pub const ALL: &[Code] = &[
        Code::Empty,
        Code::TooLong,
        Code::TooShort,
        Code::OutOfRange,
        Code::Negative,
        Code::NotEmail,
        Code::NotCountry,
        Code::UnknownEntityType,
        Code::OneOf,
        Code::BadDate,
        Code::BadTime,
        Code::DateOrder,
        Code::UnknownFramework,
        Code::UnknownRequirement,
        Code::NotAssessable,
        Code::Duplicate,
        Code::NotAResult,
        Code::NotALetter,
        Code::NeedsJustification,
        Code::NeedsRationale,
        Code::NeedsReason,
        Code::NotDerived,
        Code::NothingToAccept,
        Code::UnknownMappingSet,
        Code::UnknownPair,
        Code::BadUrl,
        Code::EmptyFile,
        Code::OneTarget,
        Code::NotFound,
        Code::NotAnOwner,
        Code::OwnAncestor,
        Code::UnknownParent,
        Code::ParentCycle,
        Code::AlreadyExists,
        Code::BadValue,
        Code::WrongPassword,
        Code::PasswordPersonal,
        Code::PasswordPredictable,
        Code::PasswordBreached,
        Code::InFuture,
        Code::NotSitting,
        Code::NotCidr,
        Code::PrivateRange,
        Code::Invalid,
    ];

    /// The code as it appears in JSON and in translation keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Empty => "empty",
            Code::TooLong => "too_long",
            Code::TooShort => "too_short",
            Code::OutOfRange => "out_of_range",
            Code::Negative => "negative",
            Code::NotEmail => "not_email",
            Code::NotCountry => "not_country",
            Code::UnknownEntityType => "unknown_entity_type",
            Code::OneOf => "one_of",
            Code::BadDate => "bad_date",
            Code::BadTime => "bad_time",
            Code::DateOrder => "date_order",
            Code::UnknownFramework => "unknown_framework",
            Code::UnknownRequirement => "unknown_requirement",
            Code::NotAssessable => "not_assessable",
            Code::Duplicate => "duplicate",
            Code::NotAResult => "not_a_result",
            Code::NotALetter => "not_a_letter",
            Code::NeedsJustification => "needs_justification",
            Code::NeedsRationale => "needs_rationale",
            Code::NeedsReason => "needs_reason",
            Code::NotDerived => "not_derived",
            Code::NothingToAccept => "nothing_to_accept",
            Code::UnknownMappingSet => "unknown_mapping_set",
            Code::UnknownPair => "unknown_pair",
            Code::BadUrl => "bad_url",
            Code::EmptyFile => "empty_file",
            Code::OneTarget => "one_target",
            Code::NotFound => "not_found",
            Code::NotAnOwner => "not_an_owner",
            Code::OwnAncestor => "own_ancestor",
            Code::UnknownParent => "unknown_parent",
            Code::ParentCycle => "parent_cycle",
            Code::AlreadyExists => "already_exists",
            Code::BadValue => "bad_value",
            Code::WrongPassword => "wrong_password",
            Code::PasswordPersonal => "password_personal",
            Code::PasswordPredictable => "password_predictable",
            Code::PasswordBreached => "password_breached",
            Code::InFuture => "in_future",
            Code::NotSitting => "not_sitting",
            Code::NotCidr => "not_cidr",
            Code::PrivateRange => "private_range",
            Code::Invalid => "invalid",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The parameters of a [`FieldError`], typed; absent ones are left out of the JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Params {
    /// Minimum length in characters, or smallest accepted number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<usize>,
    /// Maximum length in characters, or largest accepted number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<usize>,
    /// The accepted values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    /// The refused value as given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Another field the rule compares with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
    /// Source and target requirement of a crosswalk pair.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// File and entry of a catalog problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// An English explanation that has no code of its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Params {
    /// Each parameter that is set, as text (lists joined with `, `), for message templates.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        for (name, value) in [("min", self.min), ("max", self.max)] {
            if let Some(v) = value {
                out.push((name, v.to_string()));
            }
        }
        if !self.allowed.is_empty() {
            out.push(("allowed", self.allowed.join(", ")));
        }
        for (name, value) in [
            ("value", &self.value),
            ("other", &self.other),
            ("framework", &self.framework),
            ("requirement", &self.requirement),
            ("source", &self.source),
            ("target", &self.target),
            ("file", &self.file),
            ("entry", &self.entry),
            ("reason", &self.reason),
        ] {
            if let Some(v) = value {
                out.push((name, v.clone()));
            }
        }
        out
    }
}

/// One thing wrong with one field of an input: a machine code with its parameters, and the
/// English message. Built only through the constructors, one per code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct FieldError {
    pub field: String,
    pub code: Code,
    pub params: Params,
    pub message: String,
}

fn owned(value: &str) -> Option<String> {
    Some(value.to_owned())
}

impl FieldError {
    fn new(field: &str, code: Code, params: Params, message: String) -> Self {
        FieldError {
            field: field.to_owned(),
            code,
            params,
            message,
        }
    }

    pub fn empty(field: &str) -> Self {
        Self::new(
            field,
            Code::Empty,
            Params::default(),
            "must not be empty".into(),
        )
    }

    pub fn too_long(field: &str, max: usize) -> Self {
        let params = Params {
            max: Some(max),
            ..Params::default()
        };
        Self::new(
            field,
            Code::TooLong,
            params,
            format!("must be at most {max} characters"),
        )
    }

    pub fn too_short(field: &str, min: usize) -> Self {
        let params = Params {
            min: Some(min),
            ..Params::default()
        };
        let message = format!("must be at least {min} characters long");
        Self::new(field, Code::TooShort, params, message)
    }

    pub fn out_of_range(field: &str, min: usize, max: usize) -> Self {
        let params = Params {
            min: Some(min),
            max: Some(max),
            ..Params::default()
        };
        let message = format!("must be between {min} and {max}");
        Self::new(field, Code::OutOfRange, params, message)
    }

    /// A new password refused by the password policy (`crate::password_policy`).
    pub fn weak_password(field: &str, weakness: &crate::password_policy::Weakness) -> Self {
        use crate::password_policy::Weakness;
        match weakness {
            Weakness::TooShort => Self::too_short(field, crate::password_policy::MIN_CHARS),
            Weakness::TooLong => Self::too_long(field, crate::password_policy::MAX_BYTES),
            Weakness::Personal => Self::new(
                field,
                Code::PasswordPersonal,
                Params::default(),
                weakness.to_string(),
            ),
            Weakness::Predictable => Self::new(
                field,
                Code::PasswordPredictable,
                Params::default(),
                weakness.to_string(),
            ),
            Weakness::Breached => Self::new(
                field,
                Code::PasswordBreached,
                Params::default(),
                weakness.to_string(),
            ),
        }
    }

    pub fn wrong_password(field: &str) -> Self {
        let message = "is not your current password".into();
        Self::new(field, Code::WrongPassword, Params::default(), message)
    }

    pub fn negative(field: &str) -> Self {
        let message = "must not be negative".into();
        Self::new(field, Code::Negative, Params::default(), message)
    }

    pub fn not_email(field: &str, value: &str) -> Self {
        let message = format!("'{value}' is not an e-mail address");
        Self::valued(field, Code::NotEmail, value, message)
    }

    pub fn not_country(field: &str, value: &str) -> Self {
        let message =
            format!("'{value}' is not an ISO 3166-1 alpha-2 country code such as FR or DE");
        Self::valued(field, Code::NotCountry, value, message)
    }

    pub fn unknown_entity_type(field: &str, value: &str) -> Self {
        let message = format!("unknown NIS2 entity type '{value}'");
        Self::valued(field, Code::UnknownEntityType, value, message)
    }

    pub fn one_of(field: &str, allowed: &[&str]) -> Self {
        let message = format!("must be one of {}", allowed.join(", "));
        let params = Params {
            allowed: allowed.iter().map(|a| (*a).to_owned()).collect(),
            ..Params::default()
        };
        Self::new(field, Code::OneOf, params, message)
    }

    pub fn bad_date(field: &str) -> Self {
        let message = "must be a date written YYYY-MM-DD".into();
        Self::new(field, Code::BadDate, Params::default(), message)
    }

    pub fn bad_time(field: &str) -> Self {
        let message =
            "must be a time with its offset, written like 2026-05-04T10:00:00+02:00".into();
        Self::new(field, Code::BadTime, Params::default(), message)
    }

    /// The member `value` did not sit on the management body on the day given.
    pub fn not_sitting(field: &str, value: &str) -> Self {
        let message = format!("'{value}' did not sit on the management body on that day");
        Self::valued(field, Code::NotSitting, value, message)
    }

    /// `value` is not an IP range written in CIDR notation.
    pub fn not_cidr(field: &str, value: &str) -> Self {
        let message =
            format!("'{value}' is not an IP range written like 198.51.100.0/24 or 2001:db8::/32");
        Self::valued(field, Code::NotCidr, value, message)
    }

    /// `value` is not a public range.
    pub fn private_range(field: &str, value: &str) -> Self {
        let message = format!(
            "'{value}' is a private, local or reserved range: list the public ranges the entity holds"
        );
        Self::valued(field, Code::PrivateRange, value, message)
    }

    /// The day of `field` has not come yet.
    pub fn in_future(field: &str) -> Self {
        Self::new(
            field,
            Code::InFuture,
            Params::default(),
            "must not be after today".to_owned(),
        )
    }

    /// The date of `field` is before the date of the `other` field.
    pub fn date_order(field: &str, other: &str) -> Self {
        let params = Params {
            other: owned(other),
            ..Params::default()
        };
        let message = format!("must not be before {other}");
        Self::new(field, Code::DateOrder, params, message)
    }

    pub fn unknown_framework(field: &str, framework: &str) -> Self {
        let params = Params {
            framework: owned(framework),
            ..Params::default()
        };
        let message = format!("no framework '{framework}' in the catalog");
        Self::new(field, Code::UnknownFramework, params, message)
    }

    pub fn unknown_requirement(field: &str, framework: &str, requirement: &str) -> Self {
        let message = format!("'{framework}' has no requirement '{requirement}'");
        Self::new(
            field,
            Code::UnknownRequirement,
            Self::requirement_params(framework, requirement),
            message,
        )
    }

    pub fn not_assessable(field: &str, framework: &str, requirement: &str) -> Self {
        let message = format!(
            "'{requirement}' is a grouping node of '{framework}', not an assessable requirement"
        );
        Self::new(
            field,
            Code::NotAssessable,
            Self::requirement_params(framework, requirement),
            message,
        )
    }

    pub fn duplicate(field: &str, value: &str) -> Self {
        let message = format!("'{value}' is given more than once");
        Self::valued(field, Code::Duplicate, value, message)
    }

    pub fn not_a_result(field: &str, value: &str) -> Self {
        let message = format!("'{value}' is not a result value");
        Self::valued(field, Code::NotAResult, value, message)
    }

    pub fn not_a_letter(field: &str, value: &str) -> Self {
        let message = format!("'{value}' is not an Art. 21(2) letter (a–j)");
        Self::valued(field, Code::NotALetter, value, message)
    }

    pub fn needs_justification(field: &str, requirement: &str) -> Self {
        let message = format!("a not-applicable result for '{requirement}' needs a justification");
        Self::with_requirement(field, Code::NeedsJustification, requirement, message)
    }

    pub fn needs_rationale(field: &str) -> Self {
        let message = "a refinement needs a rationale".into();
        Self::new(field, Code::NeedsRationale, Params::default(), message)
    }

    pub fn needs_reason(field: &str, requirement: &str) -> Self {
        let message = format!("overriding the derived result of '{requirement}' needs a reason");
        Self::with_requirement(field, Code::NeedsReason, requirement, message)
    }

    pub fn not_derived(field: &str, requirement: &str) -> Self {
        let message = format!("'{requirement}' is not in the derived view");
        Self::with_requirement(field, Code::NotDerived, requirement, message)
    }

    pub fn nothing_to_accept(field: &str, requirement: &str) -> Self {
        let message =
            format!("'{requirement}' has no coverage: there is nothing to accept; assess it");
        Self::with_requirement(field, Code::NothingToAccept, requirement, message)
    }

    pub fn unknown_mapping_set(field: &str, mapping_set: &str) -> Self {
        let message = format!("no mapping set '{mapping_set}'");
        Self::valued(field, Code::UnknownMappingSet, mapping_set, message)
    }

    pub fn unknown_pair(field: &str, mapping_set: &str, source: &str, target: &str) -> Self {
        let params = Params {
            value: owned(mapping_set),
            source: owned(source),
            target: owned(target),
            ..Params::default()
        };
        let message = format!("'{mapping_set}' has no pair '{source}' → '{target}'");
        Self::new(field, Code::UnknownPair, params, message)
    }

    pub fn bad_url(field: &str) -> Self {
        let message = "must be an http:// or https:// address".into();
        Self::new(field, Code::BadUrl, Params::default(), message)
    }

    pub fn empty_file(field: &str) -> Self {
        let message = "the file is empty".into();
        Self::new(field, Code::EmptyFile, Params::default(), message)
    }

    pub fn one_target(field: &str) -> Self {
        let message = "name either a control_id, or a framework_id with a requirement_id".into();
        Self::new(field, Code::OneTarget, Params::default(), message)
    }

    pub fn not_found(field: &str, value: &str) -> Self {
        let message = format!("'{value}' does not exist");
        Self::valued(field, Code::NotFound, value, message)
    }

    /// An owner who is not a user with access to the entity.
    pub fn not_an_owner(field: &str, value: &str) -> Self {
        let message = format!("'{value}' is not a user with access to this entity");
        Self::valued(field, Code::NotAnOwner, value, message)
    }

    pub fn own_ancestor(field: &str) -> Self {
        let message = "an entity cannot be its own ancestor".into();
        Self::new(field, Code::OwnAncestor, Params::default(), message)
    }

    pub fn unknown_parent(field: &str, parent: &str) -> Self {
        let message = format!("unknown parent `{parent}`");
        Self::valued(field, Code::UnknownParent, parent, message)
    }

    pub fn parent_cycle(field: &str) -> Self {
        let message = "parent links form a cycle".into();
        Self::new(field, Code::ParentCycle, Params::default(), message)
    }

    pub fn already_exists(field: &str, id: &str) -> Self {
        let message = format!("`{id}` is already loaded");
        Self::valued(field, Code::AlreadyExists, id, message)
    }

    pub fn bad_value(field: &str, reason: &str) -> Self {
        let params = Params {
            reason: owned(reason),
            ..Params::default()
        };
        let message = format!("invalid value: {reason}");
        Self::new(field, Code::BadValue, params, message)
    }

    /// A refusal only the web layer knows, worded in English (`reason`); prefer a code.
    pub fn invalid(field: &str, reason: &str) -> Self {
        let params = Params {
            reason: owned(reason),
            ..Params::default()
        };
        Self::new(field, Code::Invalid, params, reason.to_owned())
    }

    /// Locates a problem of a catalog file: the file and entry join the parameters and lead
    /// the message (`acme.yaml: entry `p1`, field `title.fr`: …`).
    pub fn in_entry(mut self, file: &str, entry: &str) -> Self {
        self.message = format!(
            "{file}: entry `{entry}`, field `{}`: {}",
            self.field, self.message
        );
        self.params.file = owned(file);
        self.params.entry = owned(entry);
        self
    }

    fn valued(field: &str, code: Code, value: &str, message: String) -> Self {
        let params = Params {
            value: owned(value),
            ..Params::default()
        };
        Self::new(field, code, params, message)
    }

    fn with_requirement(field: &str, code: Code, requirement: &str, message: String) -> Self {
        let params = Params {
            requirement: owned(requirement),
            ..Params::default()
        };
        Self::new(field, code, params, message)
    }

    fn requirement_params(framework: &str, requirement: &str) -> Params {
        Params {
            framework: owned(framework),
            requirement: owned(requirement),
            ..Params::default()
        }
    }
}

/// All the problems found in one input (never empty when returned as an error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", summary(.0))]
pub struct ValidationErrors(pub Vec<FieldError>);

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Collects field errors while an input is checked.
#[derive(Debug, Default)]
pub struct Validator(Vec<FieldError>);

/// `v.code(field, …)` records `FieldError::code(field, …)`: one way to report each problem.
macro_rules! record {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {
        impl Validator {
            $(
                pub fn $name(&mut self, field: &str, $($arg: $ty),*) {
                    self.push(FieldError::$name(field, $($arg),*));
                }
            )*
        }
    };
}

record! {
    empty();
    too_long(max: usize);
    negative();
    not_email(value: &str);
    not_country(value: &str);
    unknown_entity_type(value: &str);
    one_of(allowed: &[&str]);
    bad_date();
    bad_time();
    date_order(other: &str);
    unknown_framework(framework: &str);
    unknown_requirement(framework: &str, requirement: &str);
    not_assessable(framework: &str, requirement: &str);
    duplicate(value: &str);
    not_a_result(value: &str);
    not_a_letter(value: &str);
    needs_justification(requirement: &str);
    needs_rationale();
    needs_reason(requirement: &str);
    not_derived(requirement: &str);
    nothing_to_accept(requirement: &str);
    unknown_mapping_set(mapping_set: &str);
    unknown_pair(mapping_set: &str, source: &str, target: &str);
    bad_url();
    empty_file();
    one_target();
    not_found(value: &str);
    own_ancestor();
    in_future();
    not_sitting(value: &str);
    not_cidr(value: &str);
    private_range(value: &str);
}

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error built elsewhere (e.g. from another crate's typed error).
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Checks a required, trimmed text of bounded length.
    pub fn text(&mut self, field: &str, value: &str, max_chars: usize) {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.empty(field);
        } else if trimmed.chars().count() > max_chars {
            self.too_long(field, max_chars);
        }
    }

    /// Checks an optional free text of bounded length.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max_chars: usize) {
        if let Some(text) = value
            && text.chars().count() > max_chars
        {
            self.too_long(field, max_chars);
        }
    }

    pub fn finish(self) -> Result<(), ValidationErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ValidationErrors(self.0))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_listed_once_and_named_as_serialised() {
        let mut seen = std::collections::BTreeSet::new();
        for code in Code::ALL {
            assert!(seen.insert(*code), "{code} listed twice");
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, serde_json::json!(code.as_str()));
        }
    }

    #[test]
    fn an_error_serialises_code_params_and_english_message() {
        let mut v = Validator::new();
        v.text("name", " ", 10);
        v.too_long("owner", 200);
        v.one_of("status", &["draft", "done"]);
        let errors = v.finish().unwrap_err();
        let json = serde_json::to_value(&errors.0).unwrap();
        assert_eq!(
            json,
            serde_json::json!([
                {"field": "name", "code": "empty", "params": {}, "message": "must not be empty"},
                {"field": "owner", "code": "too_long", "params": {"max": 200},
                 "message": "must be at most 200 characters"},
                {"field": "status", "code": "one_of", "params": {"allowed": ["draft", "done"]},
                 "message": "must be one of draft, done"},
            ])
        );
        assert_eq!(
            errors.to_string(),
            "name: must not be empty; owner: must be at most 200 characters; \
             status: must be one of draft, done"
        );
    }

    #[test]
    fn a_catalog_problem_names_file_and_entry() {
        let e = FieldError::unknown_parent("parent", "p9").in_entry("acme.yaml", "p1.1");
        assert_eq!(
            e.message,
            "acme.yaml: entry `p1.1`, field `parent`: unknown parent `p9`"
        );
        assert_eq!(e.params.entry.as_deref(), Some("p1.1"));
    }
}
