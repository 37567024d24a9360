//! The shared backend conformance suite, on both kinds of embedded store, and durability of
//! the file-backed one across a reopen.

use std::sync::Arc;

use clusto_store::testing::conformance;
use clusto_store::{Condition, Index, Item, ItemStore, Key, Query, Value, WriteOp};
use clusto_store_embedded::EmbeddedStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn in_memory_store_conforms() {
    let store = EmbeddedStore::memory().expect("in-memory store");
    conformance(Arc::new(store)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn file_store_conforms_and_keeps_its_items_across_a_reopen() {
    // GIVEN a file store that has passed the suite and holds one more indexed item
    let dir = tempfile::tempdir().expect("tempdir");
    let store = EmbeddedStore::open(&dir.path().join("data")).expect("open");
    conformance(Arc::new(store.clone())).await;
    let kept = Item::from([
        ("pk".to_owned(), Value::from("durable")),
        ("sk".to_owned(), Value::from("#")),
        ("gsi1pk".to_owned(), Value::from("durable-driver")),
        ("gsi1sk".to_owned(), Value::from("1")),
        ("n".to_owned(), Value::N(7)),
    ]);
    let op = WriteOp::Put {
        item: kept.clone(),
        condition: Condition::NotExists,
    };
    store.write(op).await.expect("put");

    // WHEN it is closed and opened again
    drop(store);
    let reopened = EmbeddedStore::open(&dir.path().join("data")).expect("reopen");

    // THEN the item and its index entry are still there
    let got = reopened.get(&Key::new("durable", "#")).await.expect("get");
    assert_eq!(got, Some(kept.clone()));
    let q = Query::partition(Index::ByDriver, "durable-driver");
    assert_eq!(reopened.query(&q).await.expect("query"), vec![kept]);
}
