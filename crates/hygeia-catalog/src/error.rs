//! Typed errors: every problem names the file, the entry and the field.

use std::fmt;

/// What is wrong with one field of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueKind {
    /// A required field is absent or empty.
    Missing,
    /// Another entry already uses this id.
    DuplicateId,
    /// `parent` names no requirement of the framework.
    UnknownParent(String),
    /// Following `parent` links comes back to this entry.
    ParentCycle,
    /// A mapping names a framework that is not loaded.
    UnknownFramework(String),
    /// A mapping pair names a requirement that the framework does not have.
    DanglingReference { framework: String, id: String },
    /// A framework or mapping set with this id is already loaded.
    DuplicateFramework(String),
    /// The value is not one of the accepted ones, or malformed.
    InvalidValue(String),
}

impl fmt::Display for IssueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IssueKind::Missing => f.write_str("missing or empty"),
            IssueKind::DuplicateId => f.write_str("duplicate id"),
            IssueKind::UnknownParent(p) => write!(f, "unknown parent `{p}`"),
            IssueKind::ParentCycle => f.write_str("parent links form a cycle"),
            IssueKind::UnknownFramework(fw) => write!(f, "unknown framework `{fw}`"),
            IssueKind::DanglingReference { framework, id } => {
                write!(
                    f,
                    "dangling reference: `{framework}` has no requirement `{id}`"
                )
            }
            IssueKind::DuplicateFramework(id) => write!(f, "`{id}` is already loaded"),
            IssueKind::InvalidValue(why) => write!(f, "invalid value: {why}"),
        }
    }
}

/// One validation problem, located by file, entry and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: entry `{entry}`, field `{field}`: {kind}")]
pub struct Issue {
    /// File name as given by the caller (embedded path or user file name).
    pub file: String,
    /// Entry id (requirement id, `framework`, `mapping` or `pairs[N]`).
    pub entry: String,
    /// Field name, dotted for nested fields (`title.fr`, `pairs[3].target`).
    pub field: String,
    pub kind: IssueKind,
}

/// Loading or importing a catalog file failed; nothing was loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// The file is not valid YAML/JSON or does not have the expected shape.
    #[error("{file}: cannot read: {message}")]
    Parse { file: String, message: String },
    /// The file parsed but failed validation (at least one issue).
    #[error("{}", summarise(.0))]
    Invalid(Vec<Issue>),
}

impl CatalogError {
    /// Validation issues (empty for parse errors).
    pub fn issues(&self) -> &[Issue] {
        match self {
            CatalogError::Invalid(issues) => issues,
            CatalogError::Parse { .. } => &[],
        }
    }
}

fn summarise(issues: &[Issue]) -> String {
    const SHOWN: usize = 10;
    let mut s = issues
        .iter()
        .take(SHOWN)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if issues.len() > SHOWN {
        s.push_str(&format!(" (and {} more)", issues.len() - SHOWN));
    }
    s
}

/// Collects issues for one file.
#[derive(Debug, Default)]
pub(crate) struct Issues(pub(crate) Vec<Issue>);

impl Issues {
    pub(crate) fn push(&mut self, file: &str, entry: &str, field: &str, kind: IssueKind) {
        self.0.push(Issue {
            file: file.to_owned(),
            entry: entry.to_owned(),
            field: field.to_owned(),
            kind,
        });
    }

    pub(crate) fn into_result<T>(self, value: T) -> Result<T, CatalogError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(CatalogError::Invalid(self.0))
        }
    }
}
