//! The redb tables behind the store, and the read operations.
//!
//! - `items`: `(pk, sk)` → the encoded item ([`crate::codec`]). redb orders `&str` keys by
//!   their UTF-8 bytes, which is DynamoDB's order for string keys, so a table query is one
//!   range scan.
//! - one table per GSI: `(index pk, index sk, pk, sk)` → `()`. An item has an entry only if
//!   it has both of the index's key attributes (as strings), which makes the indexes sparse
//!   like DynamoDB's. Items with equal index keys come out in table-key order. Entries are
//!   written in the same transaction as their item, so the indexes are never stale.
//! - `expiry`: `(expires, pk, sk)` → `()` for every item with a number in the TTL attribute
//!   ([`clusto_store::schema::EXPIRES`]), kept like an index: what DynamoDB's TTL would
//!   delete is one range scan away ([`crate::write::purge_expired`]).

use std::collections::BTreeSet;

use clusto_store::{Index, Item, Key, Query, StoreError, StoreResult, Value};
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use crate::codec;

/// Key of the `items` table: `(pk, sk)`.
pub(crate) type ItemKey = (&'static str, &'static str);
/// Key of an index table: `(index pk, index sk, pk, sk)`.
pub(crate) type IndexKey = (&'static str, &'static str, &'static str, &'static str);
/// Key of the expiry table: `(expires, pk, sk)`.
pub(crate) type ExpiryKey = (i64, &'static str, &'static str);

/// Every item, by table key.
pub(crate) const ITEMS: TableDefinition<ItemKey, &[u8]> = TableDefinition::new("items");
const BY_DRIVER: TableDefinition<IndexKey, ()> = TableDefinition::new("index-by-driver");
const BY_KEY: TableDefinition<IndexKey, ()> = TableDefinition::new("index-by-key");
/// Items that expire, by expiry time.
pub(crate) const EXPIRY: TableDefinition<ExpiryKey, ()> = TableDefinition::new("expiry");

/// The table holding a GSI's entries (`None` for the table itself).
pub(crate) fn index_table(index: Index) -> Option<TableDefinition<'static, IndexKey, ()>> {
    match index {
        Index::Table => None,
        Index::ByDriver => Some(BY_DRIVER),
        Index::ByKey => Some(BY_KEY),
    }
}

/// The `(index pk, index sk)` of an item in a GSI, if the item belongs to it.
pub(crate) fn index_entry(index: Index, item: &Item) -> Option<(&str, &str)> {
    let (hash, range) = index.key_attrs();
    Some((item.get(hash)?.as_s()?, item.get(range)?.as_s()?))
}

/// When an item expires (its TTL attribute), if it does.
pub(crate) fn expiry_of(item: &Item) -> Option<i64> {
    item.get(clusto_store::schema::EXPIRES)?.as_n()
}

/// An index entry points at an item that does not exist: the file was damaged.
#[derive(Debug)]
struct IndexOutOfSync(Key);

impl std::fmt::Display for IndexOutOfSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an index entry points at the missing item {}", self.0)
    }
}

impl std::error::Error for IndexOutOfSync {}

/// Creates every table, so that read transactions can open them on a fresh database.
pub(crate) fn create_tables(db: &Database) -> StoreResult<()> {
    let txn = db.begin_write().map_err(StoreError::backend)?;
    txn.open_table(ITEMS).map_err(StoreError::backend)?;
    txn.open_table(EXPIRY).map_err(StoreError::backend)?;
    for def in Index::ALL.into_iter().filter_map(index_table) {
        txn.open_table(def).map_err(StoreError::backend)?;
    }
    txn.commit().map_err(StoreError::backend)
}

/// Reads one item from the `items` table of a read or a write transaction.
pub(crate) fn read_item(
    items: &impl ReadableTable<ItemKey, &'static [u8]>,
    key: &Key,
) -> StoreResult<Option<Item>> {
    let found = items
        .get((key.pk.as_str(), key.sk.as_str()))
        .map_err(StoreError::backend)?;
    found
        .map(|bytes| codec::decode(bytes.value()).map_err(StoreError::backend))
        .transpose()
}

/// One item, from a fresh snapshot.
pub(crate) fn get(db: &Database, key: &Key) -> StoreResult<Option<Item>> {
    let txn = db.begin_read().map_err(StoreError::backend)?;
    let items = txn.open_table(ITEMS).map_err(StoreError::backend)?;
    read_item(&items, key)
}

/// Many items from one snapshot; missing ones are left out and duplicates read once.
pub(crate) fn batch_get(db: &Database, keys: &[Key]) -> StoreResult<Vec<Item>> {
    let txn = db.begin_read().map_err(StoreError::backend)?;
    let items = txn.open_table(ITEMS).map_err(StoreError::backend)?;
    let unique: BTreeSet<&Key> = keys.iter().collect();
    let mut out = Vec::with_capacity(unique.len());
    for key in unique {
        out.extend(read_item(&items, key)?);
    }
    Ok(out)
}

/// One partition of the table or of a GSI, in ascending sort-key order.
pub(crate) fn query(db: &Database, q: &Query) -> StoreResult<Vec<Item>> {
    let txn = db.begin_read().map_err(StoreError::backend)?;
    let items = txn.open_table(ITEMS).map_err(StoreError::backend)?;
    // Keys sharing a prefix are contiguous and start at the prefix itself, so the scan
    // starts there and stops at the first key outside the partition or the prefix.
    let prefix = q.sk_prefix.as_deref().unwrap_or("");
    let mut out = Vec::new();
    let Some(def) = index_table(q.index) else {
        let range = items
            .range((q.pk.as_str(), prefix)..)
            .map_err(StoreError::backend)?;
        for entry in range {
            let (key, bytes) = entry.map_err(StoreError::backend)?;
            let (pk, sk) = key.value();
            if pk != q.pk || !sk.starts_with(prefix) {
                break;
            }
            out.push(codec::decode(bytes.value()).map_err(StoreError::backend)?);
        }
        return Ok(out);
    };
    let index = txn.open_table(def).map_err(StoreError::backend)?;
    let range = index
        .range((q.pk.as_str(), prefix, "", "")..)
        .map_err(StoreError::backend)?;
    for entry in range {
        let (key, _) = entry.map_err(StoreError::backend)?;
        let (index_pk, index_sk, pk, sk) = key.value();
        if index_pk != q.pk || !index_sk.starts_with(prefix) {
            break;
        }
        let key = Key::new(pk, sk);
        match read_item(&items, &key)? {
            Some(item) => out.push(item),
            None => return Err(StoreError::backend(IndexOutOfSync(key))),
        }
    }
    Ok(out)
}

/// A fresh item holding only its key, for an increment that creates it.
pub(crate) fn key_only_item(key: &Key) -> Item {
    Item::from([
        (
            clusto_store::schema::PK.to_owned(),
            Value::S(key.pk.clone()),
        ),
        (
            clusto_store::schema::SK.to_owned(),
            Value::S(key.sk.clone()),
        ),
    ])
}
