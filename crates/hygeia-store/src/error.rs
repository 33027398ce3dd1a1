use hygeia_domain::validation::ValidationErrors;

/// What can go wrong in storage, typed so the edges can answer precisely.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} '{id}' was not found")]
    NotFound { what: &'static str, id: String },
    #[error("{field}: {message}")]
    Conflict {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    /// A right the change needs, found missing on the state read in its transaction.
    #[error(transparent)]
    Denied(#[from] hygeia_domain::access::Denied),
    #[error("the database URL is not valid: {0}")]
    BadUrl(String),
    #[error("the database schema could not be migrated: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("the database schema is not current: {0}")]
    SchemaNotCurrent(String),
    #[error("a stored value is not valid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error(
        "the backup's audit trail ends at record {backup}, before record {known} named by the last anchor: restoring it would roll the trail back (use --allow-rollback if that is intended)"
    )]
    Rollback { backup: i64, known: i64 },
    #[error("file error on {path}: {source}")]
    File {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl StoreError {
    pub(crate) fn not_found(what: &'static str, id: &str) -> Self {
        StoreError::NotFound {
            what,
            id: id.to_owned(),
        }
    }

    /// Turns a unique-constraint violation into a field-level conflict.
    pub(crate) fn on_unique(
        field: &'static str,
        message: &str,
    ) -> impl FnOnce(sqlx::Error) -> Self {
        let message = message.to_owned();
        move |error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict { field, message }
            }
            _ => StoreError::Database(error),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
