//! A small, DynamoDB-shaped item interface that the clusto model is written against.
//!
//! The model never talks to a database directly: it reads and writes *items* (maps of
//! named values) addressed by a partition key `pk` and a sort key `sk`, through the
//! [`ItemStore`] trait. Two backends implement it over the same item layout:
//! `clusto-store-dynamodb` (production) and `clusto-store-embedded` (redb, local default).
//!
//! The interface is deliberately the subset of DynamoDB the model needs:
//! strongly consistent point reads, ordered queries of one partition (of the table or of a
//! global secondary index), single conditional writes, all-or-nothing transactions of at
//! most [`MAX_TRANSACTION_OPS`] operations, and an atomic counter. Every invariant the model
//! enforces (unique names, pool rules, resource ownership) is expressed as a [`Condition`]
//! on a write, never as a read followed by an unconditional write.
//!
//! # Layout
//! - this file: values, items, keys, conditions, write operations, the trait, errors
//! - [`schema`]: the one definition of the table's keys and indexes
//! - `testing` (feature `test-util`): the backend conformance suite, a request counter and
//!   a fault injector

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;

pub mod schema;
#[cfg(feature = "test-util")]
pub mod testing;

pub use schema::{Index, KeyAttr, TableSchema, schema};

/// DynamoDB's limit on the number of operations in one `TransactWriteItems` call.
pub const MAX_TRANSACTION_OPS: usize = 100;
/// DynamoDB's limit on the length of a `ClientRequestToken`.
pub const MAX_TOKEN_LEN: usize = 36;

/// One attribute value of an item: DynamoDB's `S` (string) or `N` (number, always an
/// integer here).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    /// A UTF-8 string (`S`).
    S(String),
    /// A 64-bit signed integer (`N`).
    N(i64),
}

impl Value {
    /// The string, if this is an `S` value.
    pub fn as_s(&self) -> Option<&str> {
        match self {
            Value::S(s) => Some(s),
            Value::N(_) => None,
        }
    }

    /// The integer, if this is an `N` value.
    pub fn as_n(&self) -> Option<i64> {
        match self {
            Value::N(n) => Some(*n),
            Value::S(_) => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::S(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::S(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::N(n)
    }
}

/// An item: named values, always including the table keys `pk` and `sk`.
pub type Item = BTreeMap<String, Value>;

/// The primary key of an item.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    /// Partition key.
    pub pk: String,
    /// Sort key.
    pub sk: String,
}

impl Key {
    /// A key from its two parts.
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Key {
            pk: pk.into(),
            sk: sk.into(),
        }
    }

    /// The key of an item, if it has string `pk` and `sk` values.
    pub fn of(item: &Item) -> Option<Key> {
        Some(Key::new(
            item.get(schema::PK)?.as_s()?,
            item.get(schema::SK)?.as_s()?,
        ))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {})", self.pk, self.sk)
    }
}

/// A condition on the item a write targets, evaluated atomically with the write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// No condition.
    None,
    /// The item must not exist (`attribute_not_exists(pk)`).
    NotExists,
    /// The item must exist (`attribute_exists(pk)`).
    Exists,
    /// The item must exist and its attribute `attr` must equal `value` (`#a = :v`).
    Equals {
        /// Attribute name.
        attr: String,
        /// Expected value.
        value: Value,
    },
}

impl Condition {
    /// Shorthand for [`Condition::Equals`].
    pub fn equals(attr: impl Into<String>, value: impl Into<Value>) -> Self {
        Condition::Equals {
            attr: attr.into(),
            value: value.into(),
        }
    }

    /// Whether an item (or its absence) satisfies the condition. Backends that evaluate
    /// conditions themselves (the embedded one) use this; DynamoDB evaluates its own.
    pub fn holds(&self, current: Option<&Item>) -> bool {
        match self {
            Condition::None => true,
            Condition::NotExists => current.is_none(),
            Condition::Exists => current.is_some(),
            Condition::Equals { attr, value } => current.and_then(|i| i.get(attr)) == Some(value),
        }
    }
}

/// One write, alone ([`ItemStore::write`]) or inside a transaction ([`ItemStore::transact`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOp {
    /// Create or replace a whole item (the item carries its own `pk` and `sk`).
    Put {
        /// The new item.
        item: Item,
        /// Condition on the existing item.
        condition: Condition,
    },
    /// Delete an item (deleting a missing item is not an error unless the condition says so).
    Delete {
        /// Key of the item.
        key: Key,
        /// Condition on the existing item.
        condition: Condition,
    },
    /// Write nothing; only check a condition on an item (transactions only).
    Check {
        /// Key of the item.
        key: Key,
        /// The condition that must hold.
        condition: Condition,
    },
}

impl WriteOp {
    /// The key of the item this operation targets.
    pub fn key(&self) -> Key {
        match self {
            WriteOp::Put { item, .. } => Key::of(item).expect("a put item carries pk and sk"),
            WriteOp::Delete { key, .. } | WriteOp::Check { key, .. } => key.clone(),
        }
    }

    /// The condition this operation carries.
    pub fn condition(&self) -> &Condition {
        match self {
            WriteOp::Put { condition, .. }
            | WriteOp::Delete { condition, .. }
            | WriteOp::Check { condition, .. } => condition,
        }
    }
}

/// A query of one partition, of the table or of a global secondary index, in ascending
/// sort-key order. Backends follow pagination to the end: the result is complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The table or the index to query.
    pub index: Index,
    /// The partition key value (of the index, for an index query).
    pub pk: String,
    /// Only items whose sort key (of the index, for an index query) starts with this.
    pub sk_prefix: Option<String>,
}

impl Query {
    /// Every item of one partition of the table or of an index.
    pub fn partition(index: Index, pk: impl Into<String>) -> Self {
        Query {
            index,
            pk: pk.into(),
            sk_prefix: None,
        }
    }

    /// Only the items whose sort key starts with `prefix`.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.sk_prefix = Some(prefix.into());
        self
    }
}

/// Why one operation of a cancelled transaction failed, index-aligned with the operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelReason {
    /// This operation was fine; another one cancelled the transaction.
    None,
    /// This operation's condition did not hold.
    ConditionFailed,
    /// Another request was changing this item at the same time; retrying may succeed.
    Conflict,
    /// The database throttled this operation (`ThrottlingError`,
    /// `ProvisionedThroughputExceeded`); nothing was written and retrying later may succeed.
    Throttled,
    /// Anything else the database reported, with its code.
    Other(String),
}

/// What went wrong in a store operation. SDK and database errors never leave a backend
/// in any other form.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The condition of a single [`ItemStore::write`] did not hold.
    #[error("the conditional request failed")]
    ConditionFailed,
    /// A transaction was cancelled; `reasons` has one entry per operation, in order.
    #[error("transaction cancelled: {reasons:?}")]
    TransactionCanceled {
        /// One reason per operation of the transaction.
        reasons: Vec<CancelReason>,
    },
    /// The request was invalid for the store (too many operations, two operations on one
    /// item, a malformed item). This is a bug in the caller.
    #[error("invalid store request: {0}")]
    Invalid(String),
    /// The database is throttling or busy and did not carry out the request; it may be
    /// retried later.
    #[error("the store is busy: {0}")]
    Busy(String),
    /// A write whose outcome is unknown: it timed out or the connection failed after it was
    /// sent, so it may or may not have been applied. Never re-decided by reading again: a
    /// transaction is repeated with its token (see [`ItemStore::transact`]); past that, the
    /// caller is told to retry.
    #[error("the store did not confirm a write: {0}")]
    Unknown(String),
    /// Any other backend failure (I/O, network, the service).
    #[error("storage backend failure: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Wraps any backend error.
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        StoreError::Backend(Box::new(e))
    }

    /// Whether retrying the same request after a short wait may succeed
    /// (a transaction conflict or throttling), as opposed to a definite answer. A write of
    /// [unknown](StoreError::Unknown) outcome is not transient: it is not known to have failed.
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Busy(_) => true,
            StoreError::TransactionCanceled { reasons } => {
                reasons
                    .iter()
                    .any(|r| matches!(r, CancelReason::Conflict | CancelReason::Throttled))
                    && !reasons.contains(&CancelReason::ConditionFailed)
            }
            _ => false,
        }
    }

    /// For a cancelled transaction, whether operation `index` failed its condition.
    pub fn condition_failed_at(&self, index: usize) -> bool {
        match self {
            StoreError::TransactionCanceled { reasons } => {
                reasons.get(index) == Some(&CancelReason::ConditionFailed)
            }
            StoreError::ConditionFailed => index == 0,
            _ => false,
        }
    }
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// The storage interface. Implementations must be safe to share between tasks and between
/// processes on the same database: every guarantee below holds under concurrency.
#[async_trait]
pub trait ItemStore: Send + Sync {
    /// Strongly consistent read of one item.
    async fn get(&self, key: &Key) -> StoreResult<Option<Item>>;

    /// Strongly consistent read of many items, in any number; missing items are left out.
    /// The order of the result is unspecified.
    async fn batch_get(&self, keys: &[Key]) -> StoreResult<Vec<Item>>;

    /// All items of one partition in ascending sort-key order, following pagination.
    /// Table queries are strongly consistent; index queries are eventually consistent
    /// (as in DynamoDB).
    async fn query(&self, query: &Query) -> StoreResult<Vec<Item>>;

    /// One conditional write. A failed condition is [`StoreError::ConditionFailed`].
    async fn write(&self, op: WriteOp) -> StoreResult<()>;

    /// All-or-nothing writes: at most [`MAX_TRANSACTION_OPS`] operations, on distinct items.
    /// If any condition fails nothing is written and the error is
    /// [`StoreError::TransactionCanceled`] with one reason per operation.
    ///
    /// `token` (1 to [`MAX_TOKEN_LEN`] characters) makes a repeat safe, as DynamoDB's
    /// `ClientRequestToken` does: when the same operations are sent again with the same
    /// token within 10 minutes of their commit, the call succeeds without writing again
    /// (conditions are not evaluated a second time). That is how a caller settles a
    /// [`StoreError::Unknown`] outcome. A backend whose commits are never of unknown
    /// outcome (the embedded store) may ignore the token.
    async fn transact(&self, ops: Vec<WriteOp>, token: &str) -> StoreResult<()>;

    /// Unconditional puts of many items at once, for bulk loads (`clusto-local import`):
    /// each item is created or replaced whole. Not atomic as a whole: when it fails, some of
    /// the items may be written and others not; writing the same items again is harmless,
    /// which is what makes an interrupted bulk load resumable. The items must have distinct
    /// keys. DynamoDB writes them with `BatchWriteItem`, 25 items a request, several
    /// requests in flight, retrying what it leaves unprocessed; the embedded store in one
    /// transaction.
    async fn put_many(&self, items: Vec<Item>) -> StoreResult<()>;

    /// Atomically adds `by` to the integer attribute `attr` of the item at `key`, treating
    /// a missing item or attribute as `start`, and returns the new value
    /// (`SET #a = if_not_exists(#a, :start) + :by`, `UPDATED_NEW`). A missing item is
    /// created with only its key and that attribute.
    async fn increment(&self, key: &Key, attr: &str, start: i64, by: i64) -> StoreResult<i64>;
}

/// Checks what every backend rejects in a [`ItemStore::put_many`] before writing anything:
/// an item without string keys, or two items with the same key.
pub fn validate_put_many(items: &[Item]) -> StoreResult<()> {
    let mut seen = std::collections::BTreeSet::new();
    for item in items {
        let key = Key::of(item)
            .ok_or_else(|| StoreError::Invalid("a put item needs string pk and sk".into()))?;
        if !seen.insert(key.clone()) {
            return Err(StoreError::Invalid(format!(
                "two items of one bulk put have the key {key}"
            )));
        }
    }
    Ok(())
}

/// Checks the invariants every backend must reject before touching the database: the
/// operation count, distinct item keys and the token's length. Shared so both backends
/// reject alike.
pub fn validate_transaction(ops: &[WriteOp], token: &str) -> StoreResult<()> {
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(StoreError::Invalid(format!(
            "a transaction token needs 1 to {MAX_TOKEN_LEN} characters, got {}",
            token.len()
        )));
    }
    if ops.is_empty() || ops.len() > MAX_TRANSACTION_OPS {
        return Err(StoreError::Invalid(format!(
            "a transaction needs 1 to {MAX_TRANSACTION_OPS} operations, got {}",
            ops.len()
        )));
    }
    let mut seen = std::collections::BTreeSet::new();
    for op in ops {
        if let WriteOp::Put { item, .. } = op
            && Key::of(item).is_none()
        {
            return Err(StoreError::Invalid(
                "a put item needs string pk and sk".into(),
            ));
        }
        let key = op.key();
        if !seen.insert(key.clone()) {
            return Err(StoreError::Invalid(format!(
                "two operations in one transaction target the item {key}"
            )));
        }
    }
    Ok(())
}
