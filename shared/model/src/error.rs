//! The model's one error type. It knows nothing about HTTP: `clusto-http` maps each variant
//! to a status code in one place. Display texts are the original library's messages where
//! the API shows them.

use clusto_store::StoreError;

/// What went wrong in a model operation.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// No entity has this name (`LookupError`).
    #[error("{0} does not exist.")]
    DoesNotExist(String),
    /// A driver or type name that is not registered.
    #[error("driver name {0} doesn't exist.")]
    UnknownDriver(String),
    /// The entity exists but is not an instance of the requested driver.
    #[error("The driver for object \"{name}\" is not \"{driver}\"")]
    WrongDriver {
        /// Entity name.
        name: String,
        /// The driver it was expected to be.
        driver: String,
    },
    /// A pool was expected (from-pools).
    #[error("The object {0} is not an instance of <class 'clusto.drivers.categories.pool.Pool'>")]
    NotAPool(String),
    /// A resource manager was expected.
    #[error("The object \"{0}\" is not a resource manager")]
    NotAManager(String),
    /// The request conflicts with the current state: a containment rule, a taken or
    /// exhausted resource, an ambiguous set, a name that exists.
    #[error("{0}")]
    Conflict(String),
    /// Malformed input: a bad attribute key, an invalid IP, an out-of-range number.
    #[error("{0}")]
    Invalid(String),
    /// A value or request larger than the stated limits.
    #[error("{0}")]
    TooLarge(String),
    /// The entity changed since the version the request was made against (`If-Match`).
    #[error("{0}")]
    Modified(String),
    /// The store failed, or stayed too busy to finish the operation.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An item in the store does not decode: a bug or foreign data.
    #[error("corrupt item {key}: {reason}")]
    Corrupt {
        /// The item's key.
        key: String,
        /// What was wrong with it.
        reason: String,
    },
}

/// Result of a model operation.
pub type ModelResult<T> = Result<T, ModelError>;
