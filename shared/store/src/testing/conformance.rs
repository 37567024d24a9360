//! The backend conformance suite: every `ItemStore` implementation must pass it.
//!
//! Each check is a private function covering one clause of the [`ItemStore`] contract. It
//! panics with a message naming the clause when the backend differs. Every check keeps to
//! its own partitions (a unique `pk` and index-key prefix), so the checks cannot see each
//! other's items. The sizes are chosen to force the DynamoDB backend through its paging:
//! more than 100 keys for `batch_get`, more than 1 MB for `query`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt, stream};

use crate::{
    CancelReason, Condition, Index, Item, ItemStore, Key, MAX_TRANSACTION_OPS, Query, StoreError,
    StoreResult, Value, WriteOp,
};

/// Runs every conformance check against `store`, which must be empty. Panics on the first
/// behaviour that differs from the `ItemStore` contract. Runs inside a tokio runtime: the
/// concurrency checks spawn tasks (use a multi-threaded one to make them race for real).
pub async fn conformance(store: Arc<dyn ItemStore>) {
    let s = store.as_ref();
    round_trip(s).await;
    overwrite_replaces_the_whole_item(s).await;
    put_conditions(s).await;
    delete_conditions(s).await;
    check_alone_is_invalid(s).await;
    oversize_item_is_invalid(s).await;
    batch_get_many_with_missing(s).await;
    query_table_partition(s).await;
    query_indexes(s).await;
    query_more_than_a_page(s).await;
    transaction_is_all_or_nothing(s).await;
    transaction_delete_and_put(s).await;
    transaction_limits(s).await;
    increment(s).await;
    put_many(s).await;
    concurrent_conditional_puts(&store).await;
    concurrent_increments(&store).await;
}

fn item(pk: &str, sk: &str, attrs: &[(&str, Value)]) -> Item {
    let mut item = Item::from([("pk".into(), pk.into()), ("sk".into(), sk.into())]);
    item.extend(attrs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    item
}

fn put(item: &Item, condition: Condition) -> WriteOp {
    WriteOp::Put {
        item: item.clone(),
        condition,
    }
}

fn delete(key: &Key, condition: Condition) -> WriteOp {
    WriteOp::Delete {
        key: key.clone(),
        condition,
    }
}

fn key(item: &Item) -> Key {
    Key::of(item).expect("test items have keys")
}

async fn put_all(store: &dyn ItemStore, items: &[Item]) {
    stream::iter(items)
        .map(|i| store.write(put(i, Condition::None)))
        .buffer_unordered(16)
        .try_collect::<Vec<()>>()
        .await
        .expect("unconditional puts succeed");
}

async fn put_one(store: &dyn ItemStore, item: &Item) {
    put_all(store, std::slice::from_ref(item)).await;
}

async fn get(store: &dyn ItemStore, key: &Key) -> Option<Item> {
    let result = store.get(key).await;
    result.unwrap_or_else(|e| panic!("get {key} failed: {e}"))
}

async fn query(store: &dyn ItemStore, q: Query) -> Vec<Item> {
    let result = store.query(&q).await;
    result.unwrap_or_else(|e| panic!("{q:?} failed: {e}"))
}

/// Index queries are eventually consistent: waits up to 5 s for the expected result.
async fn query_index(store: &dyn ItemStore, q: Query, expected: &[Item], what: &str) {
    let mut got = query(store, q.clone()).await;
    for _ in 0..50 {
        if got == expected {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        got = query(store, q.clone()).await;
    }
    assert_eq!(got, expected, "{what}");
}

fn assert_condition_failed(result: StoreResult<()>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::ConditionFailed)),
        "{what}: expected ConditionFailed, got {result:?}"
    );
}

fn assert_invalid<T: std::fmt::Debug>(result: StoreResult<T>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::Invalid(_))),
        "{what}: expected Invalid, got {result:?}"
    );
}

async fn round_trip(store: &dyn ItemStore) {
    let stored = item(
        "c-rt#ENTITY#rack/1",
        "#META#ünïcødé ☃ 日本",
        &[
            ("name", "a/b#c d".into()),
            ("unicode", "naïve ☃ 日本語 🚀".into()),
            ("zero", Value::N(0)),
            ("negative", Value::N(-42)),
            ("max", Value::N(i64::MAX)),
            ("min", Value::N(i64::MIN)),
        ],
    );
    assert_eq!(
        get(store, &key(&stored)).await,
        None,
        "get of a missing item"
    );
    store
        .write(put(&stored, Condition::None))
        .await
        .expect("put");
    assert_eq!(
        get(store, &key(&stored)).await,
        Some(stored),
        "put/get round trip"
    );
}

async fn overwrite_replaces_the_whole_item(store: &dyn ItemStore) {
    let first = item("c-ow", "a", &[("x", "1".into()), ("y", Value::N(2))]);
    let second = item("c-ow", "a", &[("z", "3".into())]);
    put_all(store, &[first]).await;
    put_one(store, &second).await;
    assert_eq!(
        get(store, &key(&second)).await,
        Some(second),
        "a put replaces, not merges"
    );
}

async fn put_conditions(store: &dyn ItemStore) {
    let v1 = item("c-pc", "a", &[("v", Value::N(1)), ("s", "x".into())]);
    let v2 = item("c-pc", "a", &[("v", Value::N(2))]);
    let k = key(&v1);
    let write = |i: &Item, c: Condition| store.write(put(i, c));
    assert_condition_failed(write(&v1, Condition::Exists).await, "put Exists on missing");
    assert_eq!(get(store, &k).await, None, "a failed put writes nothing");
    write(&v1, Condition::NotExists)
        .await
        .expect("put NotExists on missing");
    assert_condition_failed(
        write(&v2, Condition::NotExists).await,
        "put NotExists on existing",
    );
    for (c, what) in [
        (Condition::equals("v", 2), "Equals with another value"),
        (
            Condition::equals("v", "1"),
            "Equals with a string for a number",
        ),
        (
            Condition::equals("missing", 1),
            "Equals on a missing attribute",
        ),
    ] {
        assert_condition_failed(write(&v2, c).await, what);
    }
    assert_eq!(
        get(store, &k).await,
        Some(v1.clone()),
        "failed puts leave the item"
    );
    write(&v2, Condition::equals("s", "x"))
        .await
        .expect("put Equals that holds");
    write(&v1, Condition::Exists)
        .await
        .expect("put Exists on existing");
    write(&v2, Condition::None)
        .await
        .expect("unconditional put");
    assert_eq!(get(store, &k).await, Some(v2), "conditional puts write");
}

async fn delete_conditions(store: &dyn ItemStore) {
    let stored = item("c-dc", "a", &[("v", Value::N(1))]);
    let k = key(&stored);
    let missing = Key::new("c-dc", "missing");
    store
        .write(delete(&missing, Condition::None))
        .await
        .expect("deleting a missing item is not an error");
    let exists = store.write(delete(&missing, Condition::Exists)).await;
    assert_condition_failed(exists, "delete Exists on missing");
    put_one(store, &stored).await;
    for (c, what) in [
        (Condition::NotExists, "delete NotExists on existing"),
        (
            Condition::equals("v", 2),
            "delete Equals with another value",
        ),
    ] {
        assert_condition_failed(store.write(delete(&k, c)).await, what);
    }
    assert_eq!(
        get(store, &k).await,
        Some(stored),
        "failed deletes leave the item"
    );
    let equals = delete(&k, Condition::equals("v", 1));
    store.write(equals).await.expect("delete Equals that holds");
    assert_eq!(get(store, &k).await, None, "a delete removes the item");
}

async fn check_alone_is_invalid(store: &dyn ItemStore) {
    let check = WriteOp::Check {
        key: Key::new("c-ck", "a"),
        condition: Condition::NotExists,
    };
    assert_invalid(store.write(check).await, "a Check outside a transaction");
}

async fn oversize_item_is_invalid(store: &dyn ItemStore) {
    let big = item("c-big", "a", &[("blob", "x".repeat(500 * 1024).into())]);
    let result = store.write(put(&big, Condition::None)).await;
    assert_invalid(result, "an item over 400 KB");
    assert_eq!(
        get(store, &key(&big)).await,
        None,
        "a rejected item is not written"
    );
}

async fn batch_get_many_with_missing(store: &dyn ItemStore) {
    let items: Vec<Item> = (0..150)
        .map(|i| {
            item(
                &format!("c-bg#{}", i % 7),
                &format!("{i:03}"),
                &[("i", Value::N(i))],
            )
        })
        .collect();
    put_all(store, &items).await;
    let mut keys: Vec<Key> = items.iter().map(key).collect();
    keys.extend((0..10).map(|i| Key::new("c-bg#missing", format!("{i}"))));
    let mut got = store.batch_get(&keys).await.expect("batch_get succeeds");
    got.sort();
    let mut expected = items.clone();
    expected.sort();
    assert_eq!(got, expected, "batch_get of 160 keys, 10 missing");
    let none = store
        .batch_get(&[])
        .await
        .expect("empty batch_get succeeds");
    assert!(none.is_empty(), "batch_get of no keys");
}

fn sort_keys(items: &[Item]) -> Vec<&str> {
    items.iter().map(|i| i["sk"].as_s().expect("S")).collect()
}

async fn query_table_partition(store: &dyn ItemStore) {
    // Stored out of order; DynamoDB orders string keys by UTF-8 bytes.
    let sks = ["b#2", "é", "a#1", "B", "a#10", "a#2", "Z", "a"];
    let items: Vec<Item> = sks.iter().map(|sk| item("c-qt#p1", sk, &[])).collect();
    // Neighbouring partitions that must not leak in.
    let others = [item("c-qt#p10", "a#1", &[]), item("c-qt#p", "a#1", &[])];
    put_all(store, &items).await;
    put_all(store, &others).await;
    let all = query(store, Query::partition(Index::Table, "c-qt#p1")).await;
    let expected = ["B", "Z", "a", "a#1", "a#10", "a#2", "b#2", "é"];
    assert_eq!(sort_keys(&all), expected, "a partition in sort-key order");
    assert_eq!(all[0], items[3], "query returns whole items");
    let q = Query::partition(Index::Table, "c-qt#p1").with_prefix("a#");
    let prefixed = query(store, q).await;
    assert_eq!(
        sort_keys(&prefixed),
        ["a#1", "a#10", "a#2"],
        "a sort-key prefix"
    );
    let q = Query::partition(Index::Table, "c-qt#p1").with_prefix("c");
    assert!(query(store, q).await.is_empty(), "a prefix nothing has");
    let q = Query::partition(Index::Table, "c-qt#nothing");
    assert!(query(store, q).await.is_empty(), "an empty partition");
}

async fn query_indexes(store: &dyn ItemStore) {
    let s = |v: &str| Value::from(v);
    // Table keys in the opposite order of index keys, to tell the two orders apart.
    let d3 = item(
        "c-qi#e1",
        "#",
        &[("gsi1pk", s("c-qi#srv")), ("gsi1sk", s("3"))],
    );
    let d1 = item(
        "c-qi#e2",
        "#",
        &[("gsi1pk", s("c-qi#srv")), ("gsi1sk", s("1"))],
    );
    let d20 = item(
        "c-qi#e3",
        "#",
        &[("gsi1pk", s("c-qi#srv")), ("gsi1sk", s("20"))],
    );
    // Sparse: missing the index sort key, or the whole index key.
    let half = item("c-qi#e4", "#", &[("gsi1pk", s("c-qi#srv"))]);
    let none = item("c-qi#e5", "#", &[("gsi2sk", s("1"))]);
    let both = item(
        "c-qi#e6",
        "attr#ip",
        &[
            ("gsi1pk", s("c-qi#sw")),
            ("gsi1sk", s("1")),
            ("gsi2pk", s("c-qi#ip")),
            ("gsi2sk", s("x#2")),
        ],
    );
    let key2 = item(
        "c-qi#e7",
        "attr#ip",
        &[("gsi2pk", s("c-qi#ip")), ("gsi2sk", s("x#1"))],
    );
    let other = item(
        "c-qi#e8",
        "attr#ip",
        &[("gsi2pk", s("c-qi#ip")), ("gsi2sk", s("y"))],
    );
    put_all(store, &[d3.clone(), d1.clone(), d20.clone(), half, none]).await;
    put_all(store, &[both.clone(), key2.clone(), other.clone()]).await;

    let by_driver = |pk: &str| Query::partition(Index::ByDriver, pk);
    let expected = [d1.clone(), d20.clone(), d3];
    query_index(
        store,
        by_driver("c-qi#srv"),
        &expected,
        "by-driver: sparse, in gsi1sk order",
    )
    .await;
    let q = by_driver("c-qi#srv").with_prefix("2");
    query_index(
        store,
        q,
        std::slice::from_ref(&d20),
        "by-driver with a gsi1sk prefix",
    )
    .await;
    query_index(
        store,
        by_driver("c-qi#sw"),
        std::slice::from_ref(&both),
        "an item in both indexes",
    )
    .await;
    let by_key = |pk: &str| Query::partition(Index::ByKey, pk);
    let all = [key2.clone(), both.clone(), other];
    query_index(store, by_key("c-qi#ip"), &all, "by-key in gsi2sk order").await;
    let q = by_key("c-qi#ip").with_prefix("x#");
    query_index(
        store,
        q,
        &[key2, both.clone()],
        "by-key with a gsi2sk prefix",
    )
    .await;
    query_index(
        store,
        by_key("c-qi#nothing"),
        &[],
        "an empty index partition",
    )
    .await;

    // Changing an item's index key moves it; deleting it removes it.
    let moved = item(
        "c-qi#e1",
        "#",
        &[("gsi1pk", s("c-qi#sw")), ("gsi1sk", s("0"))],
    );
    put_one(store, &moved).await;
    store
        .write(delete(&key(&d1), Condition::None))
        .await
        .expect("delete");
    query_index(
        store,
        by_driver("c-qi#srv"),
        &[d20],
        "after a move and a delete",
    )
    .await;
    query_index(
        store,
        by_driver("c-qi#sw"),
        &[moved, both],
        "the moved item",
    )
    .await;
}

async fn query_more_than_a_page(store: &dyn ItemStore) {
    // 40 items of 30 KB: 1.2 MB, more than one 1 MB DynamoDB page, in the table and an index.
    let blob = Value::from("x".repeat(30 * 1024));
    let items: Vec<Item> = (0..40)
        .map(|i| {
            let attrs = [
                ("blob", blob.clone()),
                ("gsi2pk", "c-qp#key".into()),
                ("gsi2sk", format!("{i:02}").into()),
            ];
            item("c-qp", &format!("{i:02}"), &attrs)
        })
        .collect();
    put_all(store, &items).await;
    let all = query(store, Query::partition(Index::Table, "c-qp")).await;
    assert!(
        all == items,
        "a 1.2 MB partition: got {} of 40 items",
        all.len()
    );
    let q = Query::partition(Index::ByKey, "c-qp#key");
    query_index(store, q, &items, "a 1.2 MB index partition").await;
}

/// A transaction token never used before (DynamoDB refuses a token reused with other
/// operations).
fn token() -> String {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("c-{nanos:x}-{n}")
}

async fn transaction_is_all_or_nothing(store: &dyn ItemStore) {
    let new = item("c-ta", "new", &[]);
    let check = WriteOp::Check {
        key: Key::new("c-ta", "missing"),
        condition: Condition::Exists,
    };
    let result = store
        .transact(vec![put(&new, Condition::None), check], &token())
        .await;
    let expected = [CancelReason::None, CancelReason::ConditionFailed];
    match &result {
        Err(e @ StoreError::TransactionCanceled { reasons }) if reasons == &expected => {
            assert!(e.condition_failed_at(1) && !e.condition_failed_at(0));
        }
        _ => panic!("put + failing check: expected reasons {expected:?}, got {result:?}"),
    }
    assert_eq!(
        get(store, &key(&new)).await,
        None,
        "a cancelled transaction writes nothing"
    );

    // A failing put among passing ones: the existing item is unchanged too.
    let old = item("c-ta", "old", &[("v", Value::N(1))]);
    put_one(store, &old).await;
    let replacement = item("c-ta", "old", &[("v", Value::N(2))]);
    let ops = vec![
        put(&new, Condition::NotExists),
        put(&replacement, Condition::equals("v", 5)),
    ];
    let result = store.transact(ops, &token()).await;
    assert!(
        result.as_ref().is_err_and(|e| e.condition_failed_at(1)),
        "{result:?}"
    );
    assert_eq!(
        get(store, &key(&new)).await,
        None,
        "nothing of a cancelled transaction"
    );
    assert_eq!(
        get(store, &key(&old)).await,
        Some(old),
        "the failed put did not write"
    );
}

async fn transaction_delete_and_put(store: &dyn ItemStore) {
    let old = item("c-td", "old", &[("v", Value::N(1))]);
    let new = item("c-td", "new", &[("v", Value::N(2))]);
    let guard = item("c-td", "guard", &[("state", "open".into())]);
    put_all(store, &[old.clone(), guard.clone()]).await;
    let ops = vec![
        delete(&key(&old), Condition::equals("v", 1)),
        put(&new, Condition::NotExists),
        WriteOp::Check {
            key: key(&guard),
            condition: Condition::equals("state", "open"),
        },
    ];
    store
        .transact(ops, &token())
        .await
        .expect("delete + put + passing check");
    assert_eq!(get(store, &key(&old)).await, None, "the delete happened");
    assert_eq!(get(store, &key(&new)).await, Some(new), "the put happened");
    assert_eq!(
        get(store, &key(&guard)).await,
        Some(guard),
        "a check writes nothing"
    );
}

async fn transaction_limits(store: &dyn ItemStore) {
    let ops = |n: usize| -> Vec<WriteOp> {
        (0..n)
            .map(|i| put(&item("c-tl", &format!("{i:03}"), &[]), Condition::None))
            .collect()
    };
    let too_many = store.transact(ops(MAX_TRANSACTION_OPS + 1), &token()).await;
    assert_invalid(too_many, "a transaction of 101 operations");
    assert!(
        get(store, &Key::new("c-tl", "000")).await.is_none(),
        "101 ops wrote nothing"
    );
    assert_invalid(
        store.transact(Vec::new(), &token()).await,
        "an empty transaction",
    );
    let one = || ops(1);
    assert_invalid(store.transact(one(), "").await, "an empty token");
    assert_invalid(
        store.transact(one(), &"t".repeat(37)).await,
        "a 37-character token",
    );
    let same = Key::new("c-tl", "same");
    let twice = vec![
        put(&item("c-tl", "same", &[]), Condition::None),
        WriteOp::Check {
            key: same.clone(),
            condition: Condition::NotExists,
        },
    ];
    assert_invalid(
        store.transact(twice, &token()).await,
        "two operations on one item",
    );
    assert_eq!(
        get(store, &same).await,
        None,
        "an invalid transaction wrote nothing"
    );
    store
        .transact(ops(MAX_TRANSACTION_OPS), &token())
        .await
        .expect("100 operations");
    let written = query(store, Query::partition(Index::Table, "c-tl")).await;
    assert_eq!(
        written.len(),
        MAX_TRANSACTION_OPS,
        "every operation of 100 was written"
    );
}

async fn increment(store: &dyn ItemStore) {
    let k = Key::new("c-inc", "counter");
    let n = store
        .increment(&k, "n", 1000, 1)
        .await
        .expect("increment a missing item");
    assert_eq!(n, 1001, "a missing item counts from start");
    let created = item("c-inc", "counter", &[("n", Value::N(1001))]);
    assert_eq!(
        get(store, &k).await,
        Some(created),
        "created with only its key and attr"
    );
    assert_eq!(
        store.increment(&k, "n", 0, 5).await.expect("again"),
        1006,
        "start unused"
    );
    assert_eq!(
        store.increment(&k, "n", 0, -10).await.expect("down"),
        996,
        "negative by"
    );

    let other = item("c-inc", "entity", &[("name", "x".into())]);
    put_one(store, &other).await;
    let k = key(&other);
    assert_eq!(
        store.increment(&k, "n", 7, 1).await.expect("new attr"),
        8,
        "missing attr"
    );
    let mut expected = other;
    expected.insert("n".into(), Value::N(8));
    assert_eq!(
        get(store, &k).await,
        Some(expected),
        "other attributes are kept"
    );
    let on_string = store.increment(&k, "name", 0, 1).await;
    assert_invalid(on_string, "incrementing a string attribute");
}

async fn put_many(store: &dyn ItemStore) {
    // 260 items over several partitions, some replacing items already there, and one in an
    // index: more than ten BatchWriteItem requests' worth.
    let old = item("c-pm#0", "000", &[("old", Value::N(1))]);
    put_one(store, &old).await;
    let items: Vec<Item> = (0..260)
        .map(|i| {
            item(
                &format!("c-pm#{}", i % 3),
                &format!("{i:03}"),
                &[
                    ("i", Value::N(i)),
                    ("gsi2pk", "c-pm#k".into()),
                    ("gsi2sk", format!("{i:03}").into()),
                ],
            )
        })
        .collect();
    store
        .put_many(items.clone())
        .await
        .expect("put_many succeeds");
    assert_eq!(
        get(store, &key(&old)).await.as_ref(),
        Some(&items[0]),
        "put_many replaces whole items"
    );
    let mut got: Vec<Item> = Vec::new();
    for p in 0..3 {
        got.extend(query(store, Query::partition(Index::Table, format!("c-pm#{p}"))).await);
    }
    got.sort();
    let mut expected = items.clone();
    expected.sort();
    assert_eq!(got, expected, "every item of put_many is written");
    // The index is maintained too, in index sort-key order.
    let q = Query::partition(Index::ByKey, "c-pm#k");
    query_index(store, q, &items, "put_many items in their index").await;
    // Writing the same items again changes nothing.
    store
        .put_many(items.clone())
        .await
        .expect("put_many again succeeds");
    let again = query(store, Query::partition(Index::Table, "c-pm#1")).await;
    assert_eq!(again.len(), 87, "a repeated put_many duplicates nothing");
    // Two items with one key, or an item without keys, are refused before any write.
    let twice = vec![item("c-pm#dup", "a", &[]), item("c-pm#dup", "a", &[])];
    assert_invalid(store.put_many(twice).await, "two items with one key");
    let keyless = Item::from([("x".to_owned(), Value::N(1))]);
    let first = item("c-pm#nokey", "a", &[]);
    assert_invalid(
        store.put_many(vec![first.clone(), keyless]).await,
        "an item without keys",
    );
    assert_eq!(
        get(store, &key(&first)).await,
        None,
        "a refused put_many writes nothing"
    );
    store
        .put_many(Vec::new())
        .await
        .expect("an empty put_many succeeds");
}

async fn concurrent_conditional_puts(store: &Arc<dyn ItemStore>) {
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let store = Arc::clone(store);
            let op = put(
                &item("c-cp", "one", &[("writer", Value::N(i))]),
                Condition::NotExists,
            );
            tokio::spawn(async move { (i, store.write(op).await) })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.expect("task") {
            (i, Ok(())) => winners.push(i),
            (_, result) => assert_condition_failed(result, "a losing concurrent put"),
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "exactly one of 50 concurrent NotExists puts wins"
    );
    let stored = get(store.as_ref(), &Key::new("c-cp", "one"))
        .await
        .expect("stored");
    assert_eq!(
        stored["writer"],
        Value::N(winners[0]),
        "the winner's item is stored"
    );
}

async fn concurrent_increments(store: &Arc<dyn ItemStore>) {
    let k = Key::new("c-ci", "counter");
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (store, k) = (Arc::clone(store), k.clone());
            tokio::spawn(async move { store.increment(&k, "n", 100, 1).await })
        })
        .collect();
    let mut seen = BTreeSet::new();
    for task in tasks {
        let n = task.await.expect("task").expect("concurrent increment");
        assert!(
            seen.insert(n),
            "two concurrent increments both returned {n}"
        );
    }
    assert_eq!(
        seen,
        (101..=150).collect(),
        "50 increments from 100 return 101..=150"
    );
    let stored = get(store.as_ref(), &k).await.expect("counter exists");
    assert_eq!(stored["n"], Value::N(150), "the final value is start + 50");
}
