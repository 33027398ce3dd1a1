//! The crate's one error type: failures that stop reading a feed as a whole.
//!
//! A single malformed document inside a folder or a bundle is not an error of the feed: it is
//! recorded as a [`crate::Refusal`] so that the caller can refuse the whole import and say why.
//! These variants are for what makes reading impossible (a missing path, a broken archive) and
//! for parsing one document on its own.

use std::path::PathBuf;

/// Why a feed or a document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or folder could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A `.tar.gz` bundle is damaged (bad gzip stream, truncated tar).
    #[error("{}: damaged bundle: {message}", path.display())]
    Archive {
        /// The bundle.
        path: PathBuf,
        /// What went wrong, with the entry when known.
        message: String,
    },
    /// A path given explicitly is neither a `.json` file, a `.tar.gz` bundle nor a folder.
    #[error("{}: not a feed (expected a CSAF or KEV .json file, a .tar.gz bundle or a folder)", path.display())]
    Unsupported {
        /// The path.
        path: PathBuf,
    },
    /// A document is not valid JSON, or a field has the wrong shape.
    #[error("{document}: {}{message}", field_prefix(field))]
    Malformed {
        /// The document (file name, or name inside a bundle).
        document: String,
        /// The JSON path of the field at fault (`vulnerabilities[3].scores[0].cvss_v3.baseScore`),
        /// empty when the error is not about one field (invalid JSON).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A JSON document that is neither a CSAF advisory nor the KEV catalog.
    #[error("{document}: {reason}")]
    NotAFeedDocument {
        /// The document.
        document: String,
        /// Why it was not recognised.
        reason: String,
    },
}

fn field_prefix(field: &str) -> String {
    if field.is_empty() || field == "." {
        String::new()
    } else {
        format!("field `{field}`: ")
    }
}

impl Error {
    /// Wraps a `serde_path_to_error` failure, keeping the path of the field at fault.
    pub(crate) fn malformed(
        document: &str,
        err: serde_path_to_error::Error<serde_json::Error>,
    ) -> Error {
        let field = err.path().to_string();
        let inner = err.into_inner();
        Error::Malformed {
            document: document.to_string(),
            field,
            message: inner.to_string(),
        }
    }
}
