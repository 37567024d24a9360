//! All or nothing: a rejected operation leaves the table exactly as it was (every item of
//! every partition it could have touched, and both indexes, compared before and after).

mod common;

use std::sync::Arc;

use clusto_model::{AttrValue, AttrWrite, Clusto, ModelError, NewValue, Thing, WriteMode, drivers};
use clusto_store::ItemStore;
use common::*;

async fn setup(store: &Arc<dyn ItemStore>) -> Clusto {
    let c = clusto(store.clone()).await;
    create(&c, "basicserver", &["a", "b"]).await;
    create(&c, "unique_pool", &["u1", "u2"]).await;
    c.write_attrs(
        "a",
        None,
        &[write(WriteMode::Add, "k", None, None, s("one"))],
    )
    .await
    .unwrap();
    c
}

/// Entity partitions, and the claim partition of 10.1.2.0/24 (655618 = 10.1.2.0 >> 8).
const PARTS: &[&str] = &[
    "E#a",
    "E#b",
    "E#u1",
    "E#u2",
    "E#ghost",
    "E#ipm",
    "R#ip#655618",
];
const KEYS: &[&str] = &["k", "x", "y", "_contains", "ip"];

async fn a_bad_item_in_a_bulk_attribute_write_writes_nothing(store: Arc<dyn ItemStore>) {
    // GIVEN an entity with one attribute
    let c = setup(&store).await;
    let before = snapshot(&store, PARTS, KEYS).await;
    // WHEN a bulk write's third item has an invalid key
    let writes = [
        write(WriteMode::Add, "x", None, None, s("1")),
        write(WriteMode::Set, "k", None, None, s("two")),
        write(WriteMode::Add, "bad.key", None, None, s("3")),
    ];
    let err = c.write_attrs("a", None, &writes).await.unwrap_err();
    // THEN it is rejected and nothing changed
    assert!(matches!(err, ModelError::Invalid(_)), "{err:?}");
    assert_eq!(snapshot(&store, PARTS, KEYS).await, before);
}

async fn an_ambiguous_set_in_a_bulk_write_writes_nothing(store: Arc<dyn ItemStore>) {
    let c = setup(&store).await;
    c.write_attrs(
        "a",
        None,
        &[write(WriteMode::Add, "y", None, None, s("dup"))],
    )
    .await
    .unwrap();
    c.write_attrs(
        "a",
        None,
        &[write(WriteMode::Add, "y", None, None, s("dup"))],
    )
    .await
    .unwrap();
    let before = snapshot(&store, PARTS, KEYS).await;
    let writes = [
        write(WriteMode::Add, "x", None, None, s("1")),
        write(WriteMode::Set, "y", None, None, s("z")),
    ];
    let err = c.write_attrs("a", None, &writes).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot set an attribute when args match more than one value"
    );
    assert_eq!(snapshot(&store, PARTS, KEYS).await, before);
}

async fn a_relation_to_a_missing_entity_writes_nothing(store: Arc<dyn ItemStore>) {
    let c = setup(&store).await;
    let before = snapshot(&store, PARTS, KEYS).await;
    let writes = [
        write(WriteMode::Add, "x", None, None, AttrValue::Int(5)),
        AttrWrite {
            mode: WriteMode::Add,
            key: "x".into(),
            subkey: None,
            number: None,
            value: NewValue::Relation {
                name: "ghost".into(),
                driver: None,
            },
        },
    ];
    let err = c.write_attrs("a", None, &writes).await.unwrap_err();
    assert!(matches!(err, ModelError::DoesNotExist(_)), "{err:?}");
    assert_eq!(snapshot(&store, PARTS, KEYS).await, before);
}

async fn a_pool_rule_violation_on_the_second_device_writes_nothing(store: Arc<dyn ItemStore>) {
    // GIVEN b is already in the unique pool u1
    let c = setup(&store).await;
    c.insert("u1", None, &names(&["b"])).await.unwrap();
    let before = snapshot(&store, PARTS, KEYS).await;
    // WHEN a and b are inserted into the unique pool u2 together
    let err = c.insert("u2", None, &names(&["a", "b"])).await.unwrap_err();
    // THEN b's rule violation rejects the whole request: a was not inserted either
    assert!(
        err.to_string().contains("is already in UniquePool(s)"),
        "{err}"
    );
    assert_eq!(snapshot(&store, PARTS, KEYS).await, before);
    assert!(c.get("a", None).await.unwrap().parents().is_empty());
}

async fn a_taken_resource_writes_nothing(store: Arc<dyn ItemStore>) {
    let c = setup(&store).await;
    manager(
        &c,
        "ipmanager",
        "ipm",
        &[("baseip", "10.1.2.0"), ("netmask", "255.255.255.0")],
    )
    .await;
    c.allocate("ipm", None, Thing::Object("a".into()), Some("10.1.2.9"))
        .await
        .unwrap();
    assert_eq!(clusto_model::items::ip_bucket(0x0a01_0209 >> 8), PARTS[6]);
    let before = snapshot(&store, PARTS, KEYS).await;
    assert!(
        before.keys().any(|k| k.pk == PARTS[6]),
        "the claim is part of the comparison"
    );
    let err = c
        .allocate("ipm", None, Thing::Object("b".into()), Some("10.1.2.9"))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "Requested resource is not available.");
    assert_eq!(snapshot(&store, PARTS, KEYS).await, before);
}

async fn a_bad_property_creates_no_entity(store: Arc<dyn ItemStore>) {
    let c = setup(&store).await;
    let before = snapshot(&store, &["E#n1", "E#n2"], KEYS).await;
    let props = [("digits".to_owned(), "three".to_owned())];
    let err = c
        .create(
            drivers::registered("simplenamemanager").unwrap(),
            &names(&["n1", "n2"]),
            &props,
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid literal for int() with base 10: 'three'"
    );
    assert_eq!(snapshot(&store, &["E#n1", "E#n2"], KEYS).await, before);
}

on_both_backends!(
    a_bad_item_in_a_bulk_attribute_write_writes_nothing,
    an_ambiguous_set_in_a_bulk_write_writes_nothing,
    a_relation_to_a_missing_entity_writes_nothing,
    a_pool_rule_violation_on_the_second_device_writes_nothing,
    a_taken_resource_writes_nothing,
    a_bad_property_creates_no_entity,
);
