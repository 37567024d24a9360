//! Attribute reads and deletes (`clusto-model.md` §2.2–2.4, 2.6, §5 by-attr): omitted fields
//! match anything, hidden keys, ordering, number and value filters, by-attr, properties.

mod common;

use std::sync::Arc;

use clusto_model::{AttrFilter, AttrValue};
use clusto_store::ItemStore;
use common::*;
use serde_json::json;

async fn delete_with_omitted_fields_matches_anything(store: Arc<dyn ItemStore>) {
    // GIVEN group rows of several subkeys and numbers, and another key
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    add(&c, "s1", "group", Some("admin"), Some(0), s("apache")).await;
    add(&c, "s1", "group", Some("member"), Some(1), s("webapp")).await;
    add(&c, "s1", "group", None, None, s("x")).await;
    add(&c, "s1", "group", Some("member"), Some(2), int(7)).await;
    add(&c, "s1", "other", Some("member"), Some(1), s("webapp")).await;
    let d = |f: AttrFilter| {
        let c = c.clone();
        async move { c.delete_attrs("s1", None, &f).await.unwrap().attrs() }
    };
    // WHEN deleting by subkey and number, THEN only those rows go
    let left = d(filter(Some("group"), Some("member"), Some(1), None)).await;
    assert_eq!(left.len(), 4);
    // WHEN deleting by value, THEN only text rows with that text go
    let left = d(filter(Some("group"), None, None, Some("x"))).await;
    assert_eq!(
        left,
        [
            attr("group", Some("admin"), Some(0), s("apache")),
            attr("group", Some("member"), Some(2), int(7)),
            attr("other", Some("member"), Some(1), s("webapp")),
        ]
    );
    // WHEN deleting the key alone, THEN every row of it goes, all subkeys and numbers
    let left = d(filter(Some("group"), None, None, None)).await;
    assert_eq!(left, [attr("other", Some("member"), Some(1), s("webapp"))]);
    // AND deleting what is not there is no error
    assert_eq!(d(filter(Some("nothing"), None, None, None)).await.len(), 1);
}

async fn hidden_keys_show_only_for_a_hidden_key_filter(store: Arc<dyn ItemStore>) {
    // GIVEN a hidden and a visible row with the same subkey
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    add(&c, "s1", "_h", Some("s"), Some(0), s("secret")).await;
    add(&c, "s1", "h", Some("s"), Some(0), s("plain")).await;
    let plain = attr("h", Some("s"), Some(0), s("plain"));
    // THEN reads without a `_` key hide it
    assert_eq!(visible(&c, "s1").await, vec![plain.clone()]);
    assert_eq!(
        c.get("s1", None).await.unwrap().attrs(),
        vec![plain.clone()]
    );
    assert_eq!(
        attrs_of(&c, "s1", filter(None, Some("s"), Some(0), None)).await,
        [plain]
    );
    // AND a `_` key filter shows it
    let hidden = attr("_h", Some("s"), Some(0), s("secret"));
    assert_eq!(
        attrs_of(&c, "s1", filter(Some("_h"), None, None, None)).await,
        vec![hidden.clone()]
    );
    // AND deletes without a `_` key leave it alone
    c.delete_attrs("s1", None, &filter(None, Some("s"), None, None))
        .await
        .unwrap();
    assert_eq!(
        attrs_of(&c, "s1", filter(Some("_h"), None, None, None)).await,
        [hidden]
    );
    c.delete_attrs("s1", None, &filter(Some("_h"), None, None, None))
        .await
        .unwrap();
    assert!(
        attrs_of(&c, "s1", filter(Some("_h"), None, None, None))
            .await
            .is_empty()
    );
}

async fn attributes_are_ordered_by_key_code_point_then_creation(store: Arc<dyn ItemStore>) {
    // GIVEN rows added in this order
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    add(&c, "s1", "k", None, None, s("1")).await;
    add(&c, "s1", "aa", Some("z"), Some(9), s("2")).await;
    add(&c, "s1", "Zed", None, None, s("3")).await;
    add(&c, "s1", "aa", Some("a"), Some(1), s("4")).await;
    add(&c, "s1", "aa", None, None, s("5")).await;
    add(&c, "s1", "a", None, None, s("6")).await;
    // THEN they come sorted by key alone (Zed < a < aa < k), creation order within a key
    let values: Vec<AttrValue> = visible(&c, "s1")
        .await
        .into_iter()
        .map(|a| a.value)
        .collect();
    assert_eq!(values, ["3", "6", "2", "4", "5", "1"].map(s));
}

async fn number_zero_is_a_real_filter(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1"]).await;
    add(&c, "s1", "k", None, Some(0), s("zero")).await;
    add(&c, "s1", "k", None, Some(1), s("one")).await;
    add(&c, "s1", "k", None, None, s("none")).await;
    assert_eq!(
        attrs_of(&c, "s1", filter(Some("k"), None, Some(0), None)).await,
        [attr("k", None, Some(0), s("zero"))]
    );
    let left = c
        .delete_attrs("s1", None, &filter(None, None, Some(0), None))
        .await
        .unwrap();
    assert_eq!(
        left.attrs(),
        [
            attr("k", None, Some(1), s("one")),
            attr("k", None, None, s("none"))
        ]
    );
}

async fn the_value_filter_matches_text_rows_only(store: Arc<dyn ItemStore>) {
    // GIVEN "45" as a string and an int, and json values
    let c = clusto(store).await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    add(&c, "s1", "k", None, None, s("45")).await;
    add(&c, "s1", "k", None, None, int(45)).await;
    let list = AttrValue::Json(json!(["a", 1, {"b": "é"}]));
    add(&c, "s1", "k", None, None, list.clone()).await;
    add(&c, "s2", "k", None, None, list.clone()).await;
    // THEN value "45" matches the string only
    assert_eq!(
        attrs_of(&c, "s1", filter(None, None, None, Some("45"))).await,
        [attr("k", None, None, s("45"))]
    );
    // AND json rows match by the text clusto stores: Python's json.dumps
    let text = r#"["a", 1, {"b": "\u00e9"}]"#;
    let by_text = attrs_of(&c, "s1", filter(Some("k"), None, None, Some(text))).await;
    assert_eq!(by_text, [attr("k", None, None, list)]);
    let found = c.by_attr("k", None, Some(text)).await.unwrap();
    assert_eq!(compact(&found), ["/basicserver/s1", "/basicserver/s2"]);
    let compact_text = r#"["a",1,{"b":"é"}]"#;
    assert!(
        attrs_of(&c, "s1", filter(Some("k"), None, None, Some(compact_text)))
            .await
            .is_empty()
    );
}

async fn by_attr_lists_one_entry_per_matching_row_in_creation_order(store: Arc<dyn ItemStore>) {
    // GIVEN role rows on three servers, added in this order
    let c = clusto(store).await;
    create(&c, "basicserver", &["s0", "s1", "s2"]).await;
    add(&c, "s1", "role", None, None, s("web")).await;
    add(&c, "s2", "role", None, None, s("db")).await;
    add(&c, "s0", "role", None, None, s("web")).await;
    add(&c, "s1", "role", Some("x"), None, s("web")).await;
    add(&c, "s2", "role", None, None, int(45)).await;
    add(&c, "s2", "roles", None, None, s("web")).await;
    let found = |subkey: Option<&'static str>, value: Option<&'static str>| {
        let c = c.clone();
        async move { compact(&c.by_attr("role", subkey, value).await.unwrap()) }
    };
    // THEN one entry per row, in row creation order, key and subkey exact
    assert_eq!(
        found(None, None).await,
        [
            "/basicserver/s1",
            "/basicserver/s2",
            "/basicserver/s0",
            "/basicserver/s1",
            "/basicserver/s2"
        ]
    );
    assert_eq!(found(Some("x"), None).await, ["/basicserver/s1"]);
    assert_eq!(
        found(None, Some("web")).await,
        ["/basicserver/s1", "/basicserver/s0", "/basicserver/s1"]
    );
    // AND value only matches text rows
    assert!(found(None, Some("45")).await.is_empty());
    assert!(c.by_attr("rol", None, None).await.unwrap().is_empty());
}

async fn by_attr_matches_hidden_rows_for_hidden_keys(store: Arc<dyn ItemStore>) {
    let c = clusto(store).await;
    create(&c, "pool", &["p"]).await;
    create(&c, "basicserver", &["s1", "s2"]).await;
    c.insert("p", None, &names(&["s1", "s2"])).await.unwrap();
    add(&c, "s1", "_note", None, None, s("n")).await;
    assert_eq!(
        compact(&c.by_attr("_contains", None, None).await.unwrap()),
        ["/pool/p", "/pool/p"]
    );
    assert_eq!(
        compact(&c.by_attr("_note", None, Some("n")).await.unwrap()),
        ["/basicserver/s1"]
    );
}

async fn properties_read_the_property_row_or_the_default(store: Arc<dyn ItemStore>) {
    // GIVEN a name manager with its default properties
    let c = clusto(store).await;
    create(&c, "simplenamemanager", &["m"]).await;
    // WHEN digits is set and basename's row deleted
    set(&c, "m", "digits", Some("property"), None, int(5)).await;
    c.delete_attrs("m", None, &filter(Some("basename"), None, None, None))
        .await
        .unwrap();
    // THEN digits reads the row, basename the default, and undeclared names nothing
    let m = c.get("m", None).await.unwrap();
    assert_eq!(m.property("digits"), Some(int(5)));
    assert_eq!(m.property("basename"), Some(s("")));
    assert_eq!(m.property("nothing"), None);
}

on_both_backends!(
    delete_with_omitted_fields_matches_anything,
    hidden_keys_show_only_for_a_hidden_key_filter,
    attributes_are_ordered_by_key_code_point_then_creation,
    number_zero_is_a_real_filter,
    the_value_filter_matches_text_rows_only,
    by_attr_lists_one_entry_per_matching_row_in_creation_order,
    by_attr_matches_hidden_rows_for_hidden_keys,
    properties_read_the_property_row_or_the_default,
);
