//! The DynamoDB backend against a real endpoint: the shared conformance suite, then the
//! behaviours only this backend has (the table it creates, DynamoDB's paging and batching
//! limits, how SDK errors arrive).
//!
//! Every test needs `AWS_ENDPOINT_URL_DYNAMODB`, so all are `#[ignore]`d: plain
//! `cargo test` skips them, and `scripts/test` starts moto and runs them with
//! `--include-ignored`. Each test gets a table of its own and deletes it when it passes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use clusto_store::{
    CancelReason, Condition, Index, Item, ItemStore, Key, MAX_TRANSACTION_OPS, Query, StoreError,
    Value, WriteOp, schema,
};
use clusto_store_dynamodb::DynamoStore;
use clusto_store_dynamodb::testing::fresh_table;

fn item(pk: &str, sk: &str, extra: &[(&str, Value)]) -> Item {
    let mut item = Item::from([
        ("pk".to_owned(), Value::from(pk)),
        ("sk".to_owned(), Value::from(sk)),
    ]);
    item.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    item
}

fn put(item: Item, condition: Condition) -> WriteOp {
    WriteOp::Put { item, condition }
}

async fn put_all(store: &DynamoStore, items: impl IntoIterator<Item = Item>) {
    for i in items {
        store.write(put(i, Condition::None)).await.unwrap();
    }
}

// ---- the shared contract ----------------------------------------------------------------

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn conformance_suite() {
    let store = Arc::new(fresh_table().await);
    clusto_store::testing::conformance(store.clone()).await;
    store.delete_table().await.unwrap();
}

// ---- the table ------------------------------------------------------------------------

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn create_table_if_missing_is_idempotent_and_follows_the_schema() {
    // GIVEN a fresh table (created once already)
    let store = fresh_table().await;
    // WHEN it is "created" twice more, once concurrently with itself
    store.create_table_if_missing().await.unwrap();
    let (a, b) = tokio::join!(
        store.create_table_if_missing(),
        store.create_table_if_missing()
    );
    a.unwrap();
    b.unwrap();
    // THEN DynamoDB describes exactly the keys and indexes of schema()
    let table = store
        .client()
        .describe_table()
        .table_name(store.table())
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    let s = schema();
    let keys = |k: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<(String, String)> {
        k.iter()
            .map(|e| {
                (
                    e.attribute_name().to_owned(),
                    e.key_type().as_str().to_owned(),
                )
            })
            .collect()
    };
    let expected_keys = |k: &[clusto_store::KeyAttr]| -> Vec<(String, String)> {
        k.iter()
            .map(|a| (a.name.to_owned(), a.key_type.to_owned()))
            .collect()
    };
    assert_eq!(keys(table.key_schema()), expected_keys(&s.key_schema));
    let gsis: BTreeMap<String, (Vec<(String, String)>, String)> = table
        .global_secondary_indexes()
        .iter()
        .map(|g| {
            let projection = g.projection().unwrap().projection_type().unwrap().as_str();
            (
                g.index_name().unwrap().to_owned(),
                (keys(g.key_schema()), projection.to_owned()),
            )
        })
        .collect();
    let expected_gsis: BTreeMap<String, (Vec<(String, String)>, String)> = s
        .global_secondary_indexes
        .iter()
        .map(|(n, k)| ((*n).to_owned(), (expected_keys(k), "ALL".to_owned())))
        .collect();
    assert_eq!(gsis, expected_gsis);
    let attributes: BTreeSet<(String, String)> = table
        .attribute_definitions()
        .iter()
        .map(|a| {
            (
                a.attribute_name().to_owned(),
                a.attribute_type().as_str().to_owned(),
            )
        })
        .collect();
    let expected_attributes: BTreeSet<(String, String)> = s
        .attribute_definitions
        .iter()
        .map(|a| ((*a).to_owned(), "S".to_owned()))
        .collect();
    assert_eq!(attributes, expected_attributes);
    store.delete_table().await.unwrap();
    store.delete_table().await.unwrap();
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn an_existing_table_with_another_schema_is_refused() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    // GIVEN a table keyed on `pk` alone, without the GSIs
    let ours = fresh_table().await;
    let name = format!("{}-other", ours.table());
    ours.client()
        .create_table()
        .table_name(&name)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    // WHEN a store is pointed at it THEN it refuses to use it
    let other = DynamoStore::new(ours.client().clone(), name);
    let err = other.create_table_if_missing().await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert!(err.to_string().contains("does not match"), "{err}");
    other.delete_table().await.unwrap();
    ours.delete_table().await.unwrap();
}

// ---- single writes ----------------------------------------------------------------------

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn items_round_trip_with_reserved_word_attributes() {
    let store = fresh_table().await;
    let it = item(
        "E#web1",
        "META",
        &[
            ("name", "web1".into()),
            ("type", "server".into()),
            ("size", Value::N(-7)),
        ],
    );
    store
        .write(put(it.clone(), Condition::NotExists))
        .await
        .unwrap();
    assert_eq!(
        store.get(&Key::new("E#web1", "META")).await.unwrap(),
        Some(it)
    );
    assert_eq!(store.get(&Key::new("E#web1", "nope")).await.unwrap(), None);
    store.delete_table().await.unwrap();
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn write_conditions_hold_or_fail_with_condition_failed() {
    let store = fresh_table().await;
    let key = Key::new("E#a", "META");
    let v1 = item("E#a", "META", &[("name", "a".into()), ("v", Value::N(1))]);

    // Exists on a missing item fails; NotExists creates it, once.
    let err = store
        .write(put(v1.clone(), Condition::Exists))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed), "{err:?}");
    store
        .write(put(v1.clone(), Condition::NotExists))
        .await
        .unwrap();
    let err = store
        .write(put(v1.clone(), Condition::NotExists))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed), "{err:?}");

    // Equals compares the value and its type.
    let v2 = item("E#a", "META", &[("name", "a".into()), ("v", Value::N(2))]);
    for wrong in [
        Condition::equals("v", 2),
        Condition::equals("v", "1"),
        Condition::equals("missing", 1),
    ] {
        let err = store.write(put(v2.clone(), wrong)).await.unwrap_err();
        assert!(matches!(err, StoreError::ConditionFailed), "{err:?}");
    }
    store
        .write(put(v2.clone(), Condition::equals("v", 1)))
        .await
        .unwrap();
    assert_eq!(store.get(&key).await.unwrap(), Some(v2));

    // Deletes: conditional, and unconditional on a missing item.
    let delete = |condition| WriteOp::Delete {
        key: key.clone(),
        condition,
    };
    let err = store
        .write(delete(Condition::equals("v", 1)))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed), "{err:?}");
    store
        .write(delete(Condition::equals("v", 2)))
        .await
        .unwrap();
    store.write(delete(Condition::None)).await.unwrap();
    let err = store.write(delete(Condition::Exists)).await.unwrap_err();
    assert!(matches!(err, StoreError::ConditionFailed), "{err:?}");
    assert_eq!(store.get(&key).await.unwrap(), None);
    store.delete_table().await.unwrap();
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn malformed_requests_are_invalid() {
    let store = fresh_table().await;
    let check = WriteOp::Check {
        key: Key::new("a", "b"),
        condition: Condition::Exists,
    };
    assert!(matches!(
        store.write(check).await,
        Err(StoreError::Invalid(_))
    ));
    let keyless = Item::from([("pk".to_owned(), Value::from("a"))]);
    assert!(matches!(
        store.write(put(keyless, Condition::None)).await,
        Err(StoreError::Invalid(_))
    ));
    // DynamoDB's own ValidationException (here: an item over 400 KB) is Invalid too.
    let huge = item("a", "b", &[("blob", "x".repeat(410_000).into())]);
    let err = store.write(put(huge, Condition::None)).await.unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    store.delete_table().await.unwrap();
}

// ---- transactions -----------------------------------------------------------------------

/// A token of its own for each transaction: DynamoDB refuses a token reused with other
/// operations within 10 minutes.
fn token() -> String {
    format!("t-{:032x}", fastrand::u128(..))
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn a_cancelled_transaction_reports_a_reason_per_operation_and_writes_nothing() {
    let store = fresh_table().await;
    put_all(
        &store,
        [
            item("E#a", "META", &[("v", Value::N(1))]),
            item("E#c", "META", &[]),
        ],
    )
    .await;
    let ops = vec![
        put(item("E#b", "META", &[]), Condition::NotExists),
        WriteOp::Check {
            key: Key::new("E#a", "META"),
            condition: Condition::equals("v", 2),
        },
        WriteOp::Delete {
            key: Key::new("E#c", "META"),
            condition: Condition::None,
        },
        put(item("E#a2", "META", &[]), Condition::Exists),
    ];
    let err = store.transact(ops, &token()).await.unwrap_err();
    let StoreError::TransactionCanceled { reasons } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        reasons,
        &[
            CancelReason::None,
            CancelReason::ConditionFailed,
            CancelReason::None,
            CancelReason::ConditionFailed
        ]
    );
    assert!(err.condition_failed_at(1) && !err.condition_failed_at(0));
    assert!(!err.is_transient());
    assert_eq!(store.get(&Key::new("E#b", "META")).await.unwrap(), None);
    assert!(store.get(&Key::new("E#c", "META")).await.unwrap().is_some());
    store.delete_table().await.unwrap();
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn a_transaction_writes_everything_and_an_unconditional_check_passes() {
    let store = fresh_table().await;
    put_all(&store, [item("E#old", "META", &[])]).await;
    let mut ops: Vec<WriteOp> = (0..MAX_TRANSACTION_OPS - 2)
        .map(|i| {
            put(
                item("E#many", &format!("A#{i:03}"), &[]),
                Condition::NotExists,
            )
        })
        .collect();
    ops.push(WriteOp::Delete {
        key: Key::new("E#old", "META"),
        condition: Condition::Exists,
    });
    ops.push(WriteOp::Check {
        key: Key::new("E#nothing", "META"),
        condition: Condition::None,
    });
    store.transact(ops, &token()).await.unwrap();
    let written = store
        .query(&Query::partition(Index::Table, "E#many"))
        .await
        .unwrap();
    assert_eq!(written.len(), MAX_TRANSACTION_OPS - 2);
    assert_eq!(store.get(&Key::new("E#old", "META")).await.unwrap(), None);
    store.delete_table().await.unwrap();
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn oversized_or_duplicate_transactions_are_invalid_before_any_call() {
    let store = fresh_table().await;
    let too_many: Vec<WriteOp> = (0..=MAX_TRANSACTION_OPS)
        .map(|i| put(item("p", &i.to_string(), &[]), Condition::None))
        .collect();
    assert!(matches!(
        store.transact(too_many, &token()).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.transact(vec![], &token()).await,
        Err(StoreError::Invalid(_))
    ));
    let twice = vec![
        put(item("p", "s", &[]), Condition::None),
        WriteOp::Check {
            key: Key::new("p", "s"),
            condition: Condition::Exists,
        },
    ];
    assert!(matches!(
        store.transact(twice, &token()).await,
        Err(StoreError::Invalid(_))
    ));
    store.delete_table().await.unwrap();
}

// ---- reads ------------------------------------------------------------------------------

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn a_query_over_1_mb_follows_every_page_in_order() {
    // GIVEN a partition of about 1.8 MB, so DynamoDB answers in at least two pages
    let store = fresh_table().await;
    let blob = "x".repeat(300_000);
    let big: Vec<Item> = (0..6)
        .map(|i| {
            item(
                "E#big",
                &format!("A#{i}"),
                &[("blob", blob.as_str().into())],
            )
        })
        .collect();
    put_all(&store, big.iter().rev().cloned()).await;
    put_all(
        &store,
        [item("E#big", "B#0", &[]), item("E#other", "A#0", &[])],
    )
    .await;
    // WHEN the whole partition and the A# prefix are queried
    let all = store
        .query(&Query::partition(Index::Table, "E#big"))
        .await
        .unwrap();
    let a = store
        .query(&Query::partition(Index::Table, "E#big").with_prefix("A#"))
        .await
        .unwrap();
    // THEN every item comes back, in sort-key order
    assert_eq!(all.len(), 7);
    assert_eq!(a, big);
    store.delete_table().await.unwrap();
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn index_queries_use_the_index_keys() {
    let store = fresh_table().await;
    let gsi = |pk: &str, sk: &str, id: &str| {
        item(
            &format!("E#{id}"),
            "META",
            &[("gsi1pk", pk.into()), ("gsi1sk", sk.into())],
        )
    };
    put_all(
        &store,
        [
            gsi("server", "002", "b"),
            gsi("server", "001", "a"),
            gsi("pool", "001", "p"),
            item("E#none", "META", &[]),
        ],
    )
    .await;
    let servers = store
        .query(&Query::partition(Index::ByDriver, "server"))
        .await
        .unwrap();
    let ids: Vec<_> = servers.iter().map(|i| i["pk"].as_s().unwrap()).collect();
    assert_eq!(ids, ["E#a", "E#b"]);
    let prefixed = store
        .query(&Query::partition(Index::ByDriver, "server").with_prefix("002"))
        .await
        .unwrap();
    assert_eq!(prefixed.len(), 1);
    assert!(
        store
            .query(&Query::partition(Index::ByKey, "server"))
            .await
            .unwrap()
            .is_empty()
    );
    store.delete_table().await.unwrap();
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn batch_get_reads_more_than_100_keys_and_skips_missing_and_repeated_ones() {
    let store = fresh_table().await;
    let items: Vec<Item> = (0..230)
        .map(|i| item(&format!("E#{i:03}"), "META", &[("n", Value::N(i))]))
        .collect();
    put_all(&store, items.clone()).await;
    let mut keys: Vec<Key> = items.iter().map(|i| Key::of(i).unwrap()).collect();
    keys.extend((0..20).map(|i| Key::new(format!("E#missing{i}"), "META")));
    keys.extend(keys[..10].to_vec());
    let mut found = store.batch_get(&keys).await.unwrap();
    found.sort();
    assert_eq!(found, items);
    assert!(store.batch_get(&[]).await.unwrap().is_empty());
    store.delete_table().await.unwrap();
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn foreign_attribute_types_are_a_backend_error() {
    // GIVEN an item written by something else, with a BOOL and a fractional number
    let store = fresh_table().await;
    for (attr, value) in [
        ("flag", AttributeValue::Bool(true)),
        ("ratio", AttributeValue::N("0.5".into())),
    ] {
        let sk = attr;
        store
            .client()
            .put_item()
            .table_name(store.table())
            .item("pk", AttributeValue::S("X".into()))
            .item("sk", AttributeValue::S(sk.into()))
            .item(attr, value)
            .send()
            .await
            .unwrap();
        // WHEN it is read THEN the error names the attribute
        let err = store.get(&Key::new("X", sk)).await.unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
        assert!(err.to_string().contains(attr), "{err}");
    }
    store.delete_table().await.unwrap();
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn a_missing_table_is_a_backend_error() {
    let store = fresh_table().await;
    store.delete_table().await.unwrap();
    let err = store.get(&Key::new("a", "b")).await.unwrap_err();
    assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
    assert!(err.to_string().contains("GetItem"), "{err}");
}

// ---- the counter ------------------------------------------------------------------------

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn increment_counts_from_start_and_is_atomic() {
    let store = fresh_table().await;
    let key = Key::new("COUNTER", "ids");
    assert_eq!(store.increment(&key, "next", 100, 1).await.unwrap(), 101);
    assert_eq!(store.increment(&key, "next", 100, 5).await.unwrap(), 106);
    assert_eq!(store.increment(&key, "next", 100, -6).await.unwrap(), 100);
    assert_eq!(store.increment(&key, "next", 100, 0).await.unwrap(), 100);
    // A missing item is created with its key and the counter only.
    assert_eq!(
        store.get(&key).await.unwrap().unwrap(),
        item("COUNTER", "ids", &[("next", Value::N(100))])
    );
    // Concurrent increments each see a distinct value.
    let store = Arc::new(store);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (store, key) = (store.clone(), key.clone());
            tokio::spawn(async move { store.increment(&key, "next", 0, 1).await.unwrap() })
        })
        .collect();
    let mut seen = BTreeSet::new();
    for t in tasks {
        assert!(seen.insert(t.await.unwrap()));
    }
    assert_eq!(seen, (101..=120).collect());
    store.delete_table().await.unwrap();
}
