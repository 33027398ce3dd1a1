//! Reading `application/x-www-form-urlencoded` bodies, including repeated fields (checkboxes).

/// The fields of a submitted form, in order.
#[derive(Debug, Default)]
pub struct Fields(Vec<(String, String)>);

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

    /// Every value of `name` (checkbox groups).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn repeated_fields_and_escapes_are_read() {
        let f = Fields::parse(b"csrf=a%2Bb&entity_ids=1&entity_ids=2&name=Jos%C3%A9+M");
        assert_eq!(f.get("csrf"), Some("a+b"));
        assert_eq!(f.all("entity_ids"), vec!["1", "2"]);
        assert_eq!(f.text("name"), "José M");
        assert_eq!(f.get("missing"), None);
    }
}
