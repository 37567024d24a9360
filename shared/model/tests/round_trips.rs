//! Request counts per model operation, measured with a counting wrapper around each backend.
//!
//! The targets (design.md): one entity expanded in at most 2 concurrent requests (we do 1);
//! listings and searches are Queries (the store interface has no Scan at all); expanded
//! listings read entities concurrently; creating up to 100 entities is one write.
//! `CountingStore::with_latency` delays every request so overlap is visible even on the
//! in-memory backend.

mod common;

use std::sync::Arc;
use std::time::Duration;

use clusto_model::{Clusto, EntityFilter, READ_CONCURRENCY, Thing, WriteMode, drivers};
use clusto_store::ItemStore;
use clusto_store::testing::CountingStore;
use common::*;

async fn setup(store: Arc<dyn ItemStore>) -> (Arc<CountingStore>, Clusto) {
    let counting = Arc::new(CountingStore::new(store).with_latency(Duration::from_millis(5)));
    let c = clusto(counting.clone()).await;
    create(&c, "pool", &["p1", "p2"]).await;
    create(&c, "basicserver", &["s1", "s2", "s3"]).await;
    c.insert("p1", None, &names(&["s1", "s2"])).await.unwrap();
    c.insert("p2", None, &names(&["s1"])).await.unwrap();
    c.write_attrs(
        "s1",
        None,
        &[write(WriteMode::Add, "k", None, None, s("v"))],
    )
    .await
    .unwrap();
    counting.reset();
    (counting, c)
}

async fn one_entity_expanded_is_one_query(store: Arc<dyn ItemStore>) {
    // GIVEN a server with attributes, two parents
    let (counting, c) = setup(store).await;
    // WHEN it is read with everything the expanded view shows
    let e = c.get("s1", None).await.unwrap();
    assert_eq!(compact(&e.parents()), ["/pool/p1", "/pool/p2"]);
    assert_eq!(e.attrs().len(), 1);
    // THEN that took one Query of its item collection
    let n = counting.counts();
    assert_eq!((n.query, n.total()), (1, 1), "{n:?}");

    // AND a pool with its contents is one Query too
    counting.reset();
    let p = c.get("p1", None).await.unwrap();
    assert_eq!(
        compact(&p.contents()),
        ["/basicserver/s1", "/basicserver/s2"]
    );
    assert_eq!(counting.counts().total(), 1);
}

async fn a_manager_with_its_count_is_one_query(store: Arc<dyn ItemStore>) {
    let (counting, c) = setup(store).await;
    manager(
        &c,
        "ipmanager",
        "ips",
        &[("baseip", "10.0.0.0"), ("netmask", "255.255.255.0")],
    )
    .await;
    c.allocate("ips", None, Thing::Object("s1".into()), None)
        .await
        .unwrap();
    counting.reset();
    let m = c.get("ips", None).await.unwrap();
    assert_eq!(m.count(), Some(1));
    assert_eq!(counting.counts().total(), 1);
}

async fn listings_are_index_queries_issued_concurrently(store: Arc<dyn ItemStore>) {
    let (counting, c) = setup(store).await;
    // by driver: one Query of the by-driver index
    let filter = EntityFilter {
        drivers: names(&["basicserver"]),
        ..Default::default()
    };
    assert_eq!(c.list(&filter).await.unwrap().len(), 3);
    assert_eq!(counting.counts().query, 1);
    assert_eq!(counting.counts().total(), 1);

    // by type: one Query per driver of that type, at the same time
    counting.reset();
    let filter = EntityFilter {
        types: names(&["server"]),
        ..Default::default()
    };
    assert_eq!(c.list(&filter).await.unwrap().len(), 3);
    let n = counting.counts();
    assert_eq!((n.query, n.total(), n.max_in_flight), (2, 2, 2), "{n:?}");

    // every entity: one Query per driver, concurrently
    counting.reset();
    assert_eq!(c.list(&EntityFilter::default()).await.unwrap().len(), 6);
    let n = counting.counts();
    assert_eq!(n.query, drivers::DRIVERS.len());
    assert!(n.max_in_flight > 1, "{n:?}");

    // by attribute: one Query of the by-key index
    counting.reset();
    assert_eq!(
        compact(&c.by_attr("k", None, Some("v")).await.unwrap()),
        ["/basicserver/s1"]
    );
    assert_eq!(counting.counts().total(), 1);
}

async fn expanded_listings_read_entities_concurrently(store: Arc<dyn ItemStore>) {
    let (counting, c) = setup(store).await;
    let many: Vec<String> = (0..40).map(|i| format!("n{i:02}")).collect();
    c.create(drivers::registered("basicserver").unwrap(), &many, &[])
        .await
        .unwrap();
    counting.reset();
    let loaded = c.load_many(&many).await.unwrap();
    assert!(loaded.iter().all(Option::is_some));
    let n = counting.counts();
    assert_eq!(n.query, 40);
    assert_eq!(
        n.max_in_flight, READ_CONCURRENCY,
        "bounded, and not one after another"
    );
}

async fn from_pools_reads_the_pool_and_batches_its_children(store: Arc<dyn ItemStore>) {
    let (counting, c) = setup(store).await;
    // non-recursive: the pool's own Query
    let found = c
        .from_pools(&names(&["p1"]), &[], &[], false)
        .await
        .unwrap();
    assert_eq!(compact(&found), ["/basicserver/s1", "/basicserver/s2"]);
    assert_eq!(counting.counts().total(), 1);
    // recursive over leaves: plus one batch read of the children's meta items
    counting.reset();
    c.from_pools(&names(&["p1"]), &[], &[], true).await.unwrap();
    let n = counting.counts();
    assert_eq!((n.query, n.batch_get, n.total()), (1, 1, 2), "{n:?}");
}

/// As many entities as one transaction holds (DynamoDB's 100 less the request's two
/// guards) are created in one write.
async fn creating_a_transaction_of_entities_is_one_write(store: Arc<dyn ItemStore>) {
    let (counting, c) = setup(store).await;
    let full = clusto_model::MAX_CHANGED_ITEMS;
    let many: Vec<String> = (0..full).map(|i| format!("bulk{i:03}")).collect();
    let created = c
        .create(drivers::registered("basicserver").unwrap(), &many, &[])
        .await
        .unwrap();
    assert_eq!(created.entities.len(), full);
    assert!(created.existing.is_empty());
    let n = counting.counts();
    assert_eq!(n.writes(), 1, "{n:?}");
    assert_eq!(n.transact, 1);
}

async fn single_changes_are_one_transaction(store: Arc<dyn ItemStore>) {
    let (counting, c) = setup(store).await;
    c.write_attrs(
        "s2",
        None,
        &[write(WriteMode::Set, "k", None, None, s("x"))],
    )
    .await
    .unwrap();
    assert_eq!(counting.counts().writes(), 1);
    counting.reset();
    c.insert("p2", None, &names(&["s2", "s3"])).await.unwrap();
    assert_eq!(counting.counts().writes(), 1);
    counting.reset();
    assert!(c.delete("s1", None).await.unwrap());
    assert_eq!(counting.counts().writes(), 1);
}

on_both_backends!(
    one_entity_expanded_is_one_query,
    a_manager_with_its_count_is_one_query,
    listings_are_index_queries_issued_concurrently,
    expanded_listings_read_entities_concurrently,
    from_pools_reads_the_pool_and_batches_its_children,
    creating_a_transaction_of_entities_is_one_write,
    single_changes_are_one_transaction,
);
