//! The crate's one error type: why an import or export stopped. Rows that cannot be carried
//! over are not errors: they are [`crate::Skip`]s, and the import goes on without them.

use clusto_model::ModelError;
use clusto_store::StoreError;

/// Why an import or export failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The SQL database could not be reached or read.
    #[error("cannot read the SQL database: {0}")]
    Sql(#[from] sqlx::Error),
    /// The SQL URL names no database we read.
    #[error("{0}")]
    BadUrl(String),
    /// A file could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// Which file, doing what.
        what: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A dump line that does not follow the format (line numbers start at 1).
    #[error("line {line} of the dump: {reason}")]
    BadDump {
        /// The line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The target store holds other entities (or resource owners) with the names (or
    /// resources) the import would write; nothing was written.
    #[error(
        "the store already holds {} of the names or resources this import writes; nothing was written:\n  {}",
        .0.len(),
        .0.join("\n  ")
    )]
    Clashes(Vec<String>),
    /// The model could not read the store.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl MigrateError {
    /// An I/O error on `what`.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        MigrateError::Io {
            what: what.into(),
            source,
        }
    }
}

/// Result of an import or export step.
pub type MigrateResult<T> = Result<T, MigrateError>;
