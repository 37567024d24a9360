//! Attribute writes (`clusto-model.md` §2.1, 2.4): key rules, datatypes, rendering, add and
//! set matching, multi-attribute writes and limits. Reads and deletes: `attribute_queries.rs`.

mod common;

use std::sync::Arc;

use clusto_model::value::parse_stored_datetime;
use clusto_model::{AttrValue, AttrWrite, Attribute, MAX_VALUE_BYTES, NewValue, WriteMode};
use clusto_store::ItemStore;
use common::*;
use serde_json::json;

use WriteMode::{Add, Set};

fn relation(mode: WriteMode, key: &str, target: &str, driver: Option<&str>) -> AttrWrite {
    AttrWrite {
        mode,
        key: key.into(),
        subkey: None,
        number: None,
        value: NewValue::Relation {
            name: target.into(),
            driver: driver.map(Into::into),
        },
    }
}

async fn keys_must_follow_the_name_rule(store: Arc<dyn ItemStore>) {
    // GIVEN a server
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    // WHEN a key or a non-empty subkey breaks ^[A-Za-z_]+[0-9A-Za-z_-]*$, THEN it is refused
    for bad in ["1abc", "a.b", "a,b", "-a", "a b", "é", ""] {
        let r = c
            .write_attrs("s1", None, &[write(Add, bad, None, None, s("v"))])
            .await;
        let expected = format!(
            "Attribute name {bad} is invalid. Attribute names may not contain periods or comas."
        );
        assert_eq!(err_text(r), expected);
        if !bad.is_empty() {
            let r = c
                .write_attrs("s1", None, &[write(Add, "k", Some(bad), None, s("v"))])
                .await;
            assert_eq!(err_text(r), expected);
        }
    }
    assert!(visible(&c, "s1").await.is_empty());
    // AND names the rule allows are accepted
    for good in ["_x", "a-b", "A1", "a_1-x", "Zed"] {
        add(&c, "s1", good, Some(good), None, s("v")).await;
    }
    assert_eq!(
        attrs_of(&c, "s1", filter(Some("_x"), None, None, None))
            .await
            .len(),
        1
    );
    assert_eq!(visible(&c, "s1").await.len(), 4);
}

async fn an_empty_subkey_is_not_checked(store: Arc<dyn ItemStore>) {
    // GIVEN a server
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    // WHEN an attribute with an empty (not null) subkey is added
    add(&c, "s1", "k", Some(""), None, s("v")).await;
    // THEN it is stored with that subkey, which a null-subkey set does not match
    set(&c, "s1", "k", None, None, s("w")).await;
    assert_eq!(
        visible(&c, "s1").await,
        [
            attr("k", Some(""), None, s("v")),
            attr("k", None, None, s("w"))
        ]
    );
}

async fn datatypes_come_from_the_runtime_type(store: Arc<dyn ItemStore>) {
    // GIVEN JSON values as a client sends them
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    let sent = [
        json!(true),
        json!(false),
        json!(5),
        json!(-3),
        json!(i64::MAX),
        json!(i64::MIN),
        json!("text"),
        json!(1.5),
        json!(null),
        json!([1, "a"]),
        json!({"b": 1, "a": {"d": 4, "c": 3}}),
    ];
    // WHEN each is stored
    let writes: Vec<AttrWrite> = sent
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let value = AttrValue::from_json(v.clone()).expect("in range");
            write(Add, "v", None, Some(i as i64), value)
        })
        .collect();
    c.write_attrs("s1", None, &writes).await.unwrap();
    // THEN each has the datatype of its runtime type (bool → int) and renders back
    let got: Vec<(&str, serde_json::Value)> = visible(&c, "s1")
        .await
        .iter()
        .map(|a| (a.value.datatype(), a.value.to_json()))
        .collect();
    assert_eq!(
        got,
        [
            ("int", json!(1)),
            ("int", json!(0)),
            ("int", json!(5)),
            ("int", json!(-3)),
            ("int", json!(i64::MAX)),
            ("int", json!(i64::MIN)),
            ("string", json!("text")),
            ("string", json!("1.5")),
            ("string", json!(null)),
            ("json", json!([1, "a"])),
            ("json", json!({"a": {"c": 3, "d": 4}, "b": 1})),
        ]
    );
    // AND nested object keys come out sorted
    assert_eq!(got[10].1.to_string(), r#"{"a":{"c":3,"d":4},"b":1}"#);
}

#[test]
fn integers_beyond_64_bits_are_rejected() {
    assert_eq!(
        AttrValue::from_json(json!(9_223_372_036_854_775_808u64)),
        None
    );
    assert_eq!(AttrValue::from_json(json!(u64::MAX)), None);
    assert_eq!(AttrValue::from_json(json!(i64::MAX)), Some(int(i64::MAX)));
}

async fn datetimes_render_without_a_zero_microsecond_part(store: Arc<dyn ItemStore>) {
    // GIVEN two datetimes, one without microseconds
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    let whole = parse_stored_datetime("2015-01-01T00:00:00").expect("datetime");
    let fine = parse_stored_datetime("1991-07-09T14:46:51.321435").expect("datetime");
    // WHEN they are stored and read back
    add(&c, "s1", "when", None, None, AttrValue::DateTime(whole)).await;
    add(&c, "s1", "when", None, None, AttrValue::DateTime(fine)).await;
    // THEN they keep their value and render as ISO 8601, microseconds only when non-zero
    let got = visible(&c, "s1").await;
    assert_eq!(got[0].value, AttrValue::DateTime(whole));
    assert_eq!(got[1].value, AttrValue::DateTime(fine));
    assert_eq!(got[0].value.datatype(), "datetime");
    assert_eq!(got[0].value.to_json(), json!("2015-01-01T00:00:00"));
    assert_eq!(got[1].value.to_json(), json!("1991-07-09T14:46:51.321435"));
}

async fn relations_render_with_the_targets_real_driver(store: Arc<dyn ItemStore>) {
    // GIVEN a virtual server
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    create(&c, "basicvirtualserver", &["vs"]).await;
    // WHEN a relation to it is written naming an ancestor driver
    let w = relation(Add, "peer", "vs", Some("basicserver"));
    c.write_attrs("s1", None, &[w]).await.unwrap();
    // THEN it is a relation rendered with the target's own driver
    let got = visible(&c, "s1").await;
    assert_eq!(got[0].value.datatype(), "relation");
    assert_eq!(got[0].value.to_json(), json!("/basicvirtualserver/vs"));
    assert_eq!(got[0].value, rel(&c, "vs").await);
}

async fn a_relation_to_a_missing_or_mistyped_entity_is_refused(store: Arc<dyn ItemStore>) {
    // GIVEN a server and a pool
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    create(&c, "pool", &["p"]).await;
    let ok = write(Add, "k", None, None, s("v"));
    // WHEN a relation points at nothing or at the wrong driver, THEN nothing is written
    let r = c
        .write_attrs(
            "s1",
            None,
            &[ok.clone(), relation(Add, "peer", "ghost", None)],
        )
        .await;
    assert_eq!(err_text(r), "ghost does not exist.");
    let r = c
        .write_attrs(
            "s1",
            None,
            &[ok, relation(Add, "peer", "p", Some("basicserver"))],
        )
        .await;
    assert_eq!(
        err_text(r),
        "The driver for object \"p\" is not \"basicserver\""
    );
    assert!(visible(&c, "s1").await.is_empty());
}

async fn writes_need_an_existing_entity_of_the_driver(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "pool", &["p"]).await;
    let w = [write(Add, "k", None, None, s("v"))];
    assert_eq!(
        err_text(c.write_attrs("ghost", None, &w).await),
        "ghost does not exist."
    );
    assert_eq!(
        err_text(c.write_attrs("p", Some("basicserver"), &w).await),
        "The driver for object \"p\" is not \"basicserver\""
    );
    // AND a write returns the entity as it is afterwards
    let after = c.write_attrs("p", Some("entity"), &w).await.unwrap();
    assert_eq!(after.attrs(), [attr("k", None, None, s("v"))]);
}

async fn add_always_inserts_even_exact_duplicates(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    // WHEN the same attribute is added twice
    add(&c, "s1", "k", Some("sub"), Some(1), s("v")).await;
    add(&c, "s1", "k", Some("sub"), Some(1), s("v")).await;
    // THEN there are two identical rows
    let row = attr("k", Some("sub"), Some(1), s("v"));
    assert_eq!(visible(&c, "s1").await, [row.clone(), row]);
}

async fn set_with_no_subkey_matches_only_null_subkeys(store: Arc<dyn ItemStore>) {
    // GIVEN rows (a, foo, 0..2)
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    for n in 0..3 {
        add(&c, "s1", "a", Some("foo"), Some(n), s("x")).await;
    }
    // WHEN a is set without subkey or number
    set(&c, "s1", "a", None, None, s("t1")).await;
    // THEN a new (a, null, null) row is added and the others stay
    let mut expected: Vec<Attribute> = (0..3)
        .map(|n| attr("a", Some("foo"), Some(n), s("x")))
        .collect();
    expected.push(attr("a", None, None, s("t1")));
    assert_eq!(visible(&c, "s1").await, expected);
    // AND setting it again replaces only that row
    set(&c, "s1", "a", None, None, s("t2")).await;
    expected[3] = attr("a", None, None, s("t2"));
    assert_eq!(visible(&c, "s1").await, expected);
}

async fn set_matches_the_number_exactly(store: Arc<dyn ItemStore>) {
    // GIVEN rows (k, null, 1) and (k, null, null)
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    add(&c, "s1", "k", None, Some(1), s("one")).await;
    add(&c, "s1", "k", None, None, s("none")).await;
    // WHEN (k, null, 1) and (k, null, 0) are set
    set(&c, "s1", "k", None, Some(1), s("uno")).await;
    set(&c, "s1", "k", None, Some(0), s("zero")).await;
    // THEN only the number-1 row was replaced (moving to the end), number 0 was added
    assert_eq!(
        visible(&c, "s1").await,
        [
            attr("k", None, None, s("none")),
            attr("k", None, Some(1), s("uno")),
            attr("k", None, Some(0), s("zero"))
        ]
    );
}

async fn set_matching_several_rows_is_an_error(store: Arc<dyn ItemStore>) {
    // GIVEN two (k, null, null) rows
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    add(&c, "s1", "k", None, None, s("a")).await;
    add(&c, "s1", "k", None, None, s("b")).await;
    // WHEN k is set, THEN an error, and nothing changed
    let r = c
        .write_attrs("s1", None, &[write(Set, "k", None, None, s("c"))])
        .await;
    assert_eq!(
        err_text(r),
        "cannot set an attribute when args match more than one value"
    );
    assert_eq!(
        visible(&c, "s1").await,
        [attr("k", None, None, s("a")), attr("k", None, None, s("b"))]
    );
}

async fn set_to_an_equal_value_changes_nothing(store: Arc<dyn ItemStore>) {
    // GIVEN rows of key k in the order (k,x)=1, (k,null)="6", (k,y)=2
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    add(&c, "s1", "k", Some("x"), None, int(1)).await;
    add(&c, "s1", "k", None, None, s("6")).await;
    add(&c, "s1", "k", Some("y"), None, int(2)).await;
    let before = visible(&c, "s1").await;
    // WHEN (k, null) is set to the equal value "6"
    set(&c, "s1", "k", None, None, s("6")).await;
    // THEN the row keeps its place
    assert_eq!(visible(&c, "s1").await, before);
    // WHEN it is set to the int 6 (not equal to "6")
    set(&c, "s1", "k", None, None, int(6)).await;
    // THEN it is replaced by a new row at the end of its key group
    assert_eq!(
        visible(&c, "s1").await,
        [
            attr("k", Some("x"), None, int(1)),
            attr("k", Some("y"), None, int(2)),
            attr("k", None, None, int(6))
        ]
    );
}

async fn a_replaced_row_moves_to_the_end_of_its_key_group_only(store: Arc<dyn ItemStore>) {
    // GIVEN keys a, b, c with the b row first among two b rows
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    add(&c, "s1", "b", None, None, s("old")).await;
    add(&c, "s1", "b", Some("s"), None, s("other")).await;
    add(&c, "s1", "a", None, None, s("a")).await;
    add(&c, "s1", "c", None, None, s("c")).await;
    // WHEN (b, null) is set to a new value
    set(&c, "s1", "b", None, None, s("new")).await;
    // THEN it moves behind the other b row, but stays before c
    assert_eq!(
        visible(&c, "s1").await,
        [
            attr("a", None, None, s("a")),
            attr("b", Some("s"), None, s("other")),
            attr("b", None, None, s("new")),
            attr("c", None, None, s("c")),
        ]
    );
}

async fn a_multi_attribute_write_applies_in_order(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    // WHEN one request adds k and then sets it
    let w = [
        write(Add, "k", None, None, s("a")),
        write(Set, "k", None, None, s("b")),
        write(Add, "j", None, None, s("c")),
    ];
    c.write_attrs("s1", None, &w).await.unwrap();
    // THEN the set saw the add and replaced it
    assert_eq!(
        visible(&c, "s1").await,
        [attr("j", None, None, s("c")), attr("k", None, None, s("b"))]
    );
}

async fn a_multi_attribute_write_is_all_or_nothing(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    let ok = write(Add, "k", None, None, s("a"));
    // WHEN a later item has a bad key, or makes a set ambiguous, THEN nothing is written
    let r = c
        .write_attrs(
            "s1",
            None,
            &[ok.clone(), write(Add, "b.d", None, None, s("x"))],
        )
        .await;
    assert_eq!(
        err_text(r),
        "Attribute name b.d is invalid. Attribute names may not contain periods or comas."
    );
    let r = c
        .write_attrs(
            "s1",
            None,
            &[ok.clone(), ok.clone(), write(Set, "k", None, None, s("z"))],
        )
        .await;
    assert_eq!(
        err_text(r),
        "cannot set an attribute when args match more than one value"
    );
    assert!(visible(&c, "s1").await.is_empty());
}

async fn values_over_the_size_limit_are_too_large(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    // WHEN a value of exactly the limit is written, THEN it is stored
    add(&c, "s1", "big", None, None, s(&"x".repeat(MAX_VALUE_BYTES))).await;
    // WHEN a string or json value is one byte over, THEN TooLarge and nothing written
    let r = c
        .write_attrs(
            "s1",
            None,
            &[write(
                Add,
                "k",
                None,
                None,
                s(&"x".repeat(MAX_VALUE_BYTES + 1)),
            )],
        )
        .await;
    assert!(matches!(r, Err(clusto_model::ModelError::TooLarge(_))));
    assert_eq!(
        err_text(r),
        "Attribute values are limited to 262144 bytes; this one has 262145."
    );
    let list = AttrValue::Json(json!(["y".repeat(MAX_VALUE_BYTES)]));
    let r = c
        .write_attrs("s1", None, &[write(Add, "k", None, None, list)])
        .await;
    assert_eq!(
        err_text(r),
        "Attribute values are limited to 262144 bytes; this one has 262148."
    );
    assert_eq!(visible(&c, "s1").await.len(), 1);
}

on_both_backends!(
    keys_must_follow_the_name_rule,
    an_empty_subkey_is_not_checked,
    datatypes_come_from_the_runtime_type,
    datetimes_render_without_a_zero_microsecond_part,
    relations_render_with_the_targets_real_driver,
    a_relation_to_a_missing_or_mistyped_entity_is_refused,
    writes_need_an_existing_entity_of_the_driver,
    add_always_inserts_even_exact_duplicates,
    set_with_no_subkey_matches_only_null_subkeys,
    set_matches_the_number_exactly,
    set_matching_several_rows_is_an_error,
    set_to_an_equal_value_changes_nothing,
    a_replaced_row_moves_to_the_end_of_its_key_group_only,
    a_multi_attribute_write_applies_in_order,
    a_multi_attribute_write_is_all_or_nothing,
    values_over_the_size_limit_are_too_large,
);
