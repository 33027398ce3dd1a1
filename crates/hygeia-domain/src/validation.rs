//! Field-level validation errors shared by every input of the domain.

use serde::Serialize;

/// One thing wrong with one field of an input, in words a person understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
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

impl Validator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// Checks a required, trimmed text of bounded length.
    pub fn text(&mut self, field: &str, value: &str, max_chars: usize) {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.error(field, "must not be empty");
        } else if trimmed.chars().count() > max_chars {
            self.error(field, format!("must be at most {max_chars} characters"));
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
