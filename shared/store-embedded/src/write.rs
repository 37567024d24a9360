//! The write operations: conditional writes, transactions and the counter.
//!
//! Every write runs in one redb write transaction. redb admits one writer at a time, so
//! reading the current items, evaluating the conditions and writing the results cannot
//! interleave with another write: that is what makes conditions and the counter atomic.
//! The item and its index entries change in the same transaction.

use clusto_store::{CancelReason, Index, Item, Key, StoreError, StoreResult, Value, WriteOp};
use redb::{Database, ReadableTable, Table, WriteTransaction};

use crate::tables::{self, EXPIRY, ExpiryKey, ITEMS, IndexKey, ItemKey};
use crate::{codec, rules};

/// The tables of one write transaction.
struct Tables<'txn> {
    items: Table<'txn, ItemKey, &'static [u8]>,
    indexes: Vec<(Index, Table<'txn, IndexKey, ()>)>,
    expiry: Table<'txn, ExpiryKey, ()>,
}

impl<'txn> Tables<'txn> {
    fn open(txn: &'txn WriteTransaction) -> StoreResult<Self> {
        let items = txn.open_table(ITEMS).map_err(StoreError::backend)?;
        let mut indexes = Vec::new();
        for index in Index::ALL {
            if let Some(def) = tables::index_table(index) {
                indexes.push((index, txn.open_table(def).map_err(StoreError::backend)?));
            }
        }
        let expiry = txn.open_table(EXPIRY).map_err(StoreError::backend)?;
        Ok(Tables {
            items,
            indexes,
            expiry,
        })
    }

    fn load(&self, key: &Key) -> StoreResult<Option<Item>> {
        tables::read_item(&self.items, key)
    }

    /// Replaces the item at `key` (currently `old`) with `new` (or removes it), moving its
    /// index entries along.
    fn replace(&mut self, key: &Key, old: Option<&Item>, new: Option<&Item>) -> StoreResult<()> {
        let table_key = (key.pk.as_str(), key.sk.as_str());
        match new {
            Some(item) => {
                let bytes = codec::encode(item);
                self.items
                    .insert(table_key, bytes.as_slice())
                    .map_err(StoreError::backend)?;
            }
            None => {
                self.items.remove(table_key).map_err(StoreError::backend)?;
            }
        }
        for (index, table) in &mut self.indexes {
            let before = old.and_then(|i| tables::index_entry(*index, i));
            let after = new.and_then(|i| tables::index_entry(*index, i));
            if before == after {
                continue;
            }
            if let Some((ipk, isk)) = before {
                table
                    .remove((ipk, isk, table_key.0, table_key.1))
                    .map_err(StoreError::backend)?;
            }
            if let Some((ipk, isk)) = after {
                table
                    .insert((ipk, isk, table_key.0, table_key.1), ())
                    .map_err(StoreError::backend)?;
            }
        }
        let (before, after) = (
            old.and_then(tables::expiry_of),
            new.and_then(tables::expiry_of),
        );
        if before != after {
            if let Some(at) = before {
                self.expiry
                    .remove((at, table_key.0, table_key.1))
                    .map_err(StoreError::backend)?;
            }
            if let Some(at) = after {
                self.expiry
                    .insert((at, table_key.0, table_key.1), ())
                    .map_err(StoreError::backend)?;
            }
        }
        Ok(())
    }
}

/// Deletes every item whose TTL attribute is before `now` (seconds since the Unix epoch),
/// as DynamoDB's TTL would; returns how many.
pub(crate) fn purge_expired(db: &Database, now: i64) -> StoreResult<usize> {
    let txn = db.begin_write().map_err(StoreError::backend)?;
    let purged = {
        let mut t = Tables::open(&txn)?;
        let mut expired = Vec::new();
        for entry in t
            .expiry
            .range(..(now, "", ""))
            .map_err(StoreError::backend)?
        {
            let (key, _) = entry.map_err(StoreError::backend)?;
            let (_, pk, sk) = key.value();
            expired.push(Key::new(pk, sk));
        }
        for key in &expired {
            let old = t.load(key)?;
            t.replace(key, old.as_ref(), None)?;
        }
        expired.len()
    };
    txn.commit().map_err(StoreError::backend)?;
    Ok(purged)
}

/// Applies operations all-or-nothing. The operations must already have passed
/// [`clusto_store::validate_transaction`] and [`rules::check_ops`]. If a condition fails,
/// nothing is written and the result is the per-operation reasons.
pub(crate) fn apply(db: &Database, ops: &[WriteOp]) -> StoreResult<Result<(), Vec<CancelReason>>> {
    let txn = db.begin_write().map_err(StoreError::backend)?;
    {
        let mut t = Tables::open(&txn)?;
        let keys: Vec<Key> = ops.iter().map(WriteOp::key).collect();
        let current = keys
            .iter()
            .map(|key| t.load(key))
            .collect::<StoreResult<Vec<_>>>()?;
        let reasons: Vec<CancelReason> = ops
            .iter()
            .zip(&current)
            .map(|(op, item)| {
                if op.condition().holds(item.as_ref()) {
                    CancelReason::None
                } else {
                    CancelReason::ConditionFailed
                }
            })
            .collect();
        if reasons.contains(&CancelReason::ConditionFailed) {
            drop(t);
            txn.abort().map_err(StoreError::backend)?;
            return Ok(Err(reasons));
        }
        for ((op, key), old) in ops.iter().zip(&keys).zip(&current) {
            match op {
                WriteOp::Put { item, .. } => t.replace(key, old.as_ref(), Some(item))?,
                WriteOp::Delete { .. } if old.is_some() => t.replace(key, old.as_ref(), None)?,
                WriteOp::Delete { .. } | WriteOp::Check { .. } => {}
            }
        }
    }
    txn.commit().map_err(StoreError::backend)?;
    Ok(Ok(()))
}

/// `SET attr = if_not_exists(attr, start) + by` on the item at `key`, creating it with only
/// its key and `attr` if it is missing; returns the new value. The key and `attr` must
/// already have passed [`rules::check_key`] and [`rules::check_counter_attr`].
pub(crate) fn increment(
    db: &Database,
    key: &Key,
    attr: &str,
    start: i64,
    by: i64,
) -> StoreResult<i64> {
    let txn = db.begin_write().map_err(StoreError::backend)?;
    let new = {
        let mut t = Tables::open(&txn)?;
        let old = t.load(key)?;
        let mut item = old.clone().unwrap_or_else(|| tables::key_only_item(key));
        let base = match item.get(attr) {
            None => start,
            Some(Value::N(n)) => *n,
            Some(Value::S(_)) => {
                return Err(StoreError::Invalid(format!(
                    "cannot increment {attr} of {key}: it is not a number"
                )));
            }
        };
        let new = base.checked_add(by).ok_or_else(|| {
            StoreError::Invalid(format!("incrementing {attr} of {key} overflows"))
        })?;
        item.insert(attr.to_owned(), Value::N(new));
        if rules::item_size(&item) > rules::MAX_ITEM_BYTES {
            return Err(StoreError::Invalid(format!(
                "incrementing {attr} would make {key} larger than {} bytes",
                rules::MAX_ITEM_BYTES
            )));
        }
        t.replace(key, old.as_ref(), Some(&item))?;
        new
    };
    txn.commit().map_err(StoreError::backend)?;
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clusto_store::{Condition, Query};

    fn db() -> Database {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .expect("in-memory database");
        tables::create_tables(&db).expect("tables");
        db
    }

    fn item(pk: &str, sk: &str, extra: &[(&str, &str)]) -> Item {
        let mut item = tables::key_only_item(&Key::new(pk, sk));
        for (k, v) in extra {
            item.insert((*k).to_owned(), (*v).into());
        }
        item
    }

    fn put(item: Item) -> WriteOp {
        WriteOp::Put {
            item,
            condition: Condition::None,
        }
    }

    fn by_driver(db: &Database, driver: &str) -> Vec<Item> {
        tables::query(db, &Query::partition(Index::ByDriver, driver)).expect("query")
    }

    #[test]
    fn purging_deletes_exactly_the_items_past_their_expiry() {
        // GIVEN items expiring at 100, at 200 (moved there from 50), and never
        let db = db();
        let at = |pk: &str, t: i64| {
            let mut i = item(pk, "#", &[]);
            i.insert(clusto_store::schema::EXPIRES.into(), Value::N(t));
            i
        };
        let never = item("never", "#", &[]);
        apply(
            &db,
            &[
                put(at("early", 100)),
                put(at("moved", 50)),
                put(never.clone()),
            ],
        )
        .expect("io")
        .expect("written");
        apply(&db, &[put(at("moved", 200))])
            .expect("io")
            .expect("written");
        // WHEN the items before 150 are purged, twice
        assert_eq!(purge_expired(&db, 150).expect("purge"), 1);
        assert_eq!(purge_expired(&db, 150).expect("purge"), 0);
        // THEN only the early one is gone; the moved one goes after 200
        let get = |pk: &str| tables::get(&db, &Key::new(pk, "#")).expect("get");
        assert_eq!(get("early"), None);
        assert_eq!(get("moved"), Some(at("moved", 200)));
        assert_eq!(get("never"), Some(never));
        assert_eq!(purge_expired(&db, 201).expect("purge"), 1);
        assert_eq!(get("moved"), None);
    }

    #[test]
    fn replacing_an_item_moves_its_index_entry() {
        // GIVEN an item in the by-driver index under "server"
        let db = db();
        let old = item("e1", "#", &[("gsi1pk", "server"), ("gsi1sk", "1")]);
        apply(&db, &[put(old)]).expect("io").expect("written");
        // WHEN it is replaced by one under "switch"
        let new = item("e1", "#", &[("gsi1pk", "switch"), ("gsi1sk", "1")]);
        apply(&db, &[put(new.clone())])
            .expect("io")
            .expect("written");
        // THEN only the new entry remains
        assert_eq!(by_driver(&db, "server"), vec![]);
        assert_eq!(by_driver(&db, "switch"), vec![new]);
    }

    #[test]
    fn dropping_an_index_attribute_removes_the_item_from_the_index() {
        let db = db();
        let indexed = item("e1", "#", &[("gsi1pk", "server"), ("gsi1sk", "1")]);
        apply(&db, &[put(indexed)]).expect("io").expect("written");
        // WHEN the item loses its index sort key
        let sparse = item("e1", "#", &[("gsi1pk", "server")]);
        apply(&db, &[put(sparse)]).expect("io").expect("written");
        // THEN it is no longer in the index
        assert_eq!(by_driver(&db, "server"), vec![]);
    }

    #[test]
    fn deleting_an_item_removes_its_index_entries() {
        let db = db();
        let i = item(
            "e1",
            "#",
            &[
                ("gsi1pk", "d"),
                ("gsi1sk", "1"),
                ("gsi2pk", "k"),
                ("gsi2sk", "1"),
            ],
        );
        apply(&db, &[put(i)]).expect("io").expect("written");
        let delete = WriteOp::Delete {
            key: Key::new("e1", "#"),
            condition: Condition::Exists,
        };
        apply(&db, &[delete]).expect("io").expect("deleted");
        assert_eq!(by_driver(&db, "d"), vec![]);
        let by_key = tables::query(&db, &Query::partition(Index::ByKey, "k")).expect("query");
        assert_eq!(by_key, vec![]);
    }

    #[test]
    fn a_cancelled_transaction_leaves_items_and_indexes_untouched() {
        // GIVEN a transaction whose second operation fails its condition
        let db = db();
        let ops = [
            put(item("e1", "#", &[("gsi1pk", "d"), ("gsi1sk", "1")])),
            WriteOp::Check {
                key: Key::new("e2", "#"),
                condition: Condition::Exists,
            },
        ];
        // WHEN it is applied
        let reasons = apply(&db, &ops).expect("io").expect_err("cancelled");
        // THEN the reasons are index-aligned and nothing was written anywhere
        assert_eq!(reasons, [CancelReason::None, CancelReason::ConditionFailed]);
        assert_eq!(tables::get(&db, &Key::new("e1", "#")).expect("get"), None);
        assert_eq!(by_driver(&db, "d"), vec![]);
    }

    #[test]
    fn increment_keeps_other_attributes_and_index_entries() {
        let db = db();
        let i = item("c", "#", &[("gsi1pk", "d"), ("gsi1sk", "1"), ("name", "x")]);
        apply(&db, &[put(i.clone())]).expect("io").expect("written");
        assert_eq!(
            increment(&db, &Key::new("c", "#"), "n", 10, 1).expect("inc"),
            11
        );
        let mut expected = i;
        expected.insert("n".into(), Value::N(11));
        assert_eq!(by_driver(&db, "d"), vec![expected]);
    }

    #[test]
    fn increment_rejects_strings_and_overflow_without_writing() {
        let db = db();
        let key = Key::new("c", "#");
        apply(&db, &[put(item("c", "#", &[("s", "text")]))])
            .expect("io")
            .expect("written");
        assert!(matches!(
            increment(&db, &key, "s", 0, 1),
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(
            increment(&db, &key, "n", i64::MAX - 1, 1).expect("inc"),
            i64::MAX
        );
        assert!(matches!(
            increment(&db, &key, "n", 0, 1),
            Err(StoreError::Invalid(_))
        ));
        let stored = tables::get(&db, &key).expect("get").expect("exists");
        assert_eq!(stored.get("n"), Some(&Value::N(i64::MAX)));
    }
}
