//! The [`ItemStore`] backend that needs no AWS: clusto's items in a [redb] database, either a
//! durable file in a directory ([`EmbeddedStore::open`]) or in memory
//! ([`EmbeddedStore::memory`]). It is the local default (`clusto-local`, tests).
//!
//! It behaves like DynamoDB, not merely like a map: conditions are evaluated atomically with
//! their writes, transactions are all-or-nothing with index-aligned cancellation reasons,
//! both GSIs are maintained (sparse, in index sort-key order) in the same transaction as their
//! item, items past their TTL attribute are deleted (when the store opens), and DynamoDB's validation rules (400 KB items, non-empty key strings, 100-operation
//! transactions…) are enforced, so code that passes here does not fail on DynamoDB. The
//! shared conformance suite (`clusto_store::testing::conformance`) holds both backends to
//! that.
//!
//! # Layout
//! - this file: [`EmbeddedStore`], opening the database, running redb's blocking calls on
//!   tokio's blocking pool
//! - `tables`: the redb tables (items, one per GSI, expiry) and the read operations
//! - `write`: conditional writes, transactions, the counter, purging expired items
//! - `rules`: DynamoDB's request validation
//! - `codec`: the stored bytes of an item
//!
//! # Concurrency
//! Clone one [`EmbeddedStore`] to share it between tasks: clones share the database. redb
//! runs one write transaction at a time and gives readers consistent snapshots, so every
//! guarantee of [`ItemStore`] holds between tasks. A directory is opened by one process at a
//! time: a second [`EmbeddedStore::open`] of it fails rather than risk the data.
//!
//! [redb]: https://docs.rs/redb

#![warn(missing_docs)]

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use clusto_store::{
    Condition, Item, ItemStore, Key, Query, StoreError, StoreResult, WriteOp, validate_put_many,
    validate_transaction,
};
use redb::Database;

mod codec;
mod rules;
mod tables;
mod write;

/// An [`ItemStore`] on a redb database. Cheap to clone; clones share the database.
#[derive(Clone)]
pub struct EmbeddedStore {
    db: Arc<Database>,
    /// The database file, or `None` in memory.
    path: Option<Arc<PathBuf>>,
}

impl fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "EmbeddedStore({})", path.display()),
            None => f.write_str("EmbeddedStore(memory)"),
        }
    }
}

/// Opening the database failed; says which file.
#[derive(Debug)]
struct OpenError {
    path: PathBuf,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot open the store at {}: {}",
            self.path.display(),
            self.source
        )
    }
}

impl std::error::Error for OpenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.source.as_ref())
    }
}

impl EmbeddedStore {
    /// The name of the database file inside the directory given to [`EmbeddedStore::open`].
    pub const FILE_NAME: &'static str = "clusto.redb";

    /// Opens the durable store in `dir`, creating the directory and the database as needed.
    /// Every write is on disk when it returns. Fails if another process has it open.
    pub fn open(dir: &Path) -> StoreResult<Self> {
        let failed = |path: &Path, source: Box<dyn std::error::Error + Send + Sync>| {
            StoreError::backend(OpenError {
                path: path.to_owned(),
                source,
            })
        };
        std::fs::create_dir_all(dir).map_err(|e| failed(dir, e.into()))?;
        let path = dir.join(Self::FILE_NAME);
        let db = Database::create(&path).map_err(|e| failed(&path, e.into()))?;
        Self::init(db, Some(path))
    }

    /// A new, empty store in memory; its data goes when the last clone is dropped.
    pub fn memory() -> StoreResult<Self> {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(StoreError::backend)?;
        Self::init(db, None)
    }

    fn init(db: Database, path: Option<PathBuf>) -> StoreResult<Self> {
        tables::create_tables(&db)?;
        // DynamoDB deletes expired items in the background; here opening does it.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        write::purge_expired(&db, now)?;
        Ok(EmbeddedStore {
            db: Arc::new(db),
            path: path.map(Arc::new),
        })
    }

    /// Runs blocking database work on tokio's blocking pool, so that async callers never
    /// stall the runtime while redb reads, waits for the writer lock or syncs the file.
    async fn run<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Database) -> StoreResult<T> + Send + 'static,
    {
        let db = Arc::clone(&self.db);
        match tokio::task::spawn_blocking(move || work(&db)).await {
            Ok(result) => result,
            // A panic is a bug here, not a store failure: let it surface as one.
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => Err(StoreError::backend(e)),
        }
    }
}

#[async_trait]
impl ItemStore for EmbeddedStore {
    async fn get(&self, key: &Key) -> StoreResult<Option<Item>> {
        rules::check_key(key)?;
        let key = key.clone();
        self.run(move |db| tables::get(db, &key)).await
    }

    async fn batch_get(&self, keys: &[Key]) -> StoreResult<Vec<Item>> {
        keys.iter().try_for_each(rules::check_key)?;
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let keys = keys.to_vec();
        self.run(move |db| tables::batch_get(db, &keys)).await
    }

    async fn query(&self, query: &Query) -> StoreResult<Vec<Item>> {
        rules::check_query(query)?;
        let query = query.clone();
        self.run(move |db| tables::query(db, &query)).await
    }

    async fn write(&self, op: WriteOp) -> StoreResult<()> {
        if let WriteOp::Check { .. } = op {
            return Err(StoreError::Invalid(
                "a condition check is only allowed inside a transaction".into(),
            ));
        }
        rules::check_ops(std::slice::from_ref(&op))?;
        match self.run(move |db| write::apply(db, &[op])).await? {
            Ok(()) => Ok(()),
            Err(_) => Err(StoreError::ConditionFailed),
        }
    }

    /// A redb commit either happens or fails before returning, never with an unknown
    /// outcome, so nobody needs to repeat one: the token is checked and not kept.
    async fn transact(&self, ops: Vec<WriteOp>, token: &str) -> StoreResult<()> {
        validate_transaction(&ops, token)?;
        rules::check_ops(&ops)?;
        match self.run(move |db| write::apply(db, &ops)).await? {
            Ok(()) => Ok(()),
            Err(reasons) => Err(StoreError::TransactionCanceled { reasons }),
        }
    }

    async fn put_many(&self, items: Vec<Item>) -> StoreResult<()> {
        validate_put_many(&items)?;
        items
            .iter()
            .try_for_each(|i| rules::check_item(i).map(drop))?;
        if items.is_empty() {
            return Ok(());
        }
        let ops: Vec<WriteOp> = items
            .into_iter()
            .map(|item| WriteOp::Put {
                item,
                condition: Condition::None,
            })
            .collect();
        // Without conditions nothing can cancel the transaction.
        match self.run(move |db| write::apply(db, &ops)).await? {
            Ok(()) => Ok(()),
            Err(reasons) => Err(StoreError::TransactionCanceled { reasons }),
        }
    }

    async fn increment(&self, key: &Key, attr: &str, start: i64, by: i64) -> StoreResult<i64> {
        rules::check_key(key)?;
        rules::check_counter_attr(attr)?;
        let (key, attr) = (key.clone(), attr.to_owned());
        self.run(move |db| write::increment(db, &key, &attr, start, by))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_invalid<T: fmt::Debug>(r: StoreResult<T>) -> bool {
        matches!(r, Err(StoreError::Invalid(_)))
    }

    #[tokio::test]
    async fn a_condition_check_alone_is_invalid() {
        let store = EmbeddedStore::memory().expect("store");
        let check = WriteOp::Check {
            key: Key::new("p", "s"),
            condition: Condition::NotExists,
        };
        assert!(is_invalid(store.write(check).await));
    }

    #[tokio::test]
    async fn empty_key_strings_are_invalid_everywhere() {
        let store = EmbeddedStore::memory().expect("store");
        let empty = Key::new("p", "");
        assert!(is_invalid(store.get(&empty).await));
        assert!(is_invalid(
            store.batch_get(std::slice::from_ref(&empty)).await
        ));
        assert!(is_invalid(store.increment(&empty, "n", 0, 1).await));
        let delete = WriteOp::Delete {
            key: empty,
            condition: Condition::None,
        };
        assert!(is_invalid(store.write(delete).await));
    }

    #[tokio::test]
    async fn batch_get_returns_a_repeated_key_once() {
        let store = EmbeddedStore::memory().expect("store");
        let key = Key::new("p", "s");
        store.increment(&key, "n", 0, 1).await.expect("created");
        let items = store
            .batch_get(&[key.clone(), key.clone()])
            .await
            .expect("read");
        assert_eq!(items.len(), 1);
    }

    #[tokio::test]
    async fn a_second_open_of_a_directory_fails_while_the_first_is_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = EmbeddedStore::open(dir.path()).expect("first open");
        let second = EmbeddedStore::open(dir.path());
        let message = second.expect_err("locked").to_string();
        assert!(message.contains("clusto.redb"), "{message}");
        drop(first);
        EmbeddedStore::open(dir.path()).expect("open after close");
    }
}
