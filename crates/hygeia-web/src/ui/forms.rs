//! Reading `application/x-www-form-urlencoded` bodies, including repeated fields (checkboxes).

/// The fields of a submitted form, in order.
#[derive(Default)]
pub struct Fields(Vec<(String, String)>);

/// Names only: forms carry passwords and CSRF tokens, which must never reach a log.
impl std::fmt::Debug for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

impl Fields {
    pub fn parse(body: &[u8]) -> Self {
        Fields(url::form_urlencoded::parse(body).into_owned().collect())
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of `name`, trimmed, or "".
    pub fn text(&self, name: &str) -> String {
        self.get(name).map(str::trim).unwrap_or_default().to_owned()
    }

    /// The fields whose name starts with `prefix`, the prefix removed (`field.summary` →
    /// `summary`), first value of each.
    pub fn iter_prefixed<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.0
            .iter()
            .filter_map(move |(key, value)| Some((key.strip_prefix(prefix)?, value.as_str())))
    }

    /// Every value of `name` (checkbox groups).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }
}

/// One thing wrong with one field of a submitted form: the field's name (its input has the id
/// `f-{field}`), its label as the form shows it, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub label: String,
    pub message: String,
}

/// Everything wrong with a submitted form, shown above it (each naming its field) when the
/// form is shown again with what the user typed.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn add(&mut self, field: &str, label: &str, message: impl Into<String>) {
        self.0.push(Problem {
            field: field.to_owned(),
            label: label.to_owned(),
            message: message.into(),
        });
    }

    /// Whether `field` has a problem (its input is marked `aria-invalid`).
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|p| p.field == field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.0.iter()
    }
}

/// A whole number as people type it: spaces (also no-break ones) and `_` between digit groups
/// are accepted, anything else is not a number.
pub fn whole_number(text: &str) -> Option<i64> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '_'))
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_names_fields_without_their_values() {
        let f = Fields::parse(b"csrf=tok3n&current_password=hunter2&name=Ana");
        let shown = format!("{f:?}");
        assert_eq!(shown, r#"["csrf", "current_password", "name"]"#);
    }

    #[test]
    fn repeated_fields_and_escapes_are_read() {
        let f = Fields::parse(b"csrf=a%2Bb&entity_ids=1&entity_ids=2&name=Jos%C3%A9+M");
        assert_eq!(f.get("csrf"), Some("a+b"));
        assert_eq!(f.all("entity_ids"), vec!["1", "2"]);
        assert_eq!(f.text("name"), "José M");
        assert_eq!(f.get("missing"), None);
    }

    #[test]
    fn whole_numbers_accept_digit_groups_only() {
        assert_eq!(whole_number("1 500"), Some(1500));
        assert_eq!(whole_number("1\u{202f}500\u{a0}000"), Some(1_500_000));
        assert_eq!(whole_number("-3"), Some(-3));
        assert_eq!(whole_number("12a"), None);
        assert_eq!(whole_number("1.5"), None);
        assert_eq!(whole_number(""), None);
    }
}
