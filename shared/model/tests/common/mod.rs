//! Test support for the model suite: one set of behaviour tests, run on both backends.
//!
//! Each test file defines `async fn name(store: Arc<dyn ItemStore>)` tests and lists them in
//! `on_both_backends!`, which makes a `embedded::name` test (an in-memory redb store) and a
//! `dynamodb::name` test (a fresh table at `AWS_ENDPOINT_URL_DYNAMODB`; ignored unless run
//! with `--include-ignored`, as `scripts/test` does after starting moto).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use clusto_model::{
    Allocated, AttrFilter, AttrValue, AttrWrite, Attribute, Clusto, ModelResult, NewValue, Thing,
    WriteMode, drivers,
};
use clusto_store::{Index, Item, ItemStore, Key, Query};

/// A fresh in-memory embedded store.
pub async fn embedded() -> Arc<dyn ItemStore> {
    Arc::new(clusto_store_embedded::EmbeddedStore::memory().expect("in-memory redb"))
}

/// A store on a fresh DynamoDB table.
pub async fn dynamodb() -> Arc<dyn ItemStore> {
    Arc::new(clusto_store_dynamodb::testing::fresh_table().await)
}

/// Generates `embedded::<test>` and `dynamodb::<test>` for each listed test function.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::common::embedded().await).await
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                #[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
                async fn $name() {
                    super::$name(super::common::dynamodb().await).await
                }
            )*
        }
    };
}

/// A model on `store`, initialised (clustometa exists).
pub async fn clusto(store: Arc<dyn ItemStore>) -> Clusto {
    let c = Clusto::new(store);
    c.init().await.expect("init");
    c
}

/// Creates entities of a driver.
pub async fn create(c: &Clusto, driver: &str, names: &[&str]) {
    let d = drivers::registered(driver).expect("registered driver");
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    c.create(d, &names, &[]).await.expect("create");
}

/// Names as owned strings.
pub fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|n| n.to_string()).collect()
}

/// Compact forms of references.
pub fn compact(refs: &[clusto_model::EntityRef]) -> Vec<String> {
    refs.iter().map(|r| r.compact()).collect()
}

/// An add or set of a plain value.
pub fn write(
    mode: WriteMode,
    key: &str,
    subkey: Option<&str>,
    number: Option<i64>,
    value: AttrValue,
) -> AttrWrite {
    AttrWrite {
        mode,
        key: key.into(),
        subkey: subkey.map(Into::into),
        number,
        value: NewValue::Plain(value),
    }
}

/// A string value.
pub fn s(v: &str) -> AttrValue {
    AttrValue::Str(v.into())
}

/// Every item of the given table partitions (full partition keys, e.g. `E#a`), plus
/// every index partition the model uses for the drivers and the given attribute keys:
/// what a test compares before and after an operation that must change nothing.
pub async fn snapshot(
    store: &Arc<dyn ItemStore>,
    partitions: &[&str],
    attr_keys: &[&str],
) -> BTreeMap<Key, Item> {
    let mut queries: Vec<Query> = partitions
        .iter()
        .map(|pk| Query::partition(Index::Table, *pk))
        .collect();
    queries.extend(
        drivers::DRIVERS
            .iter()
            .map(|d| Query::partition(Index::ByDriver, format!("D#{}", d.name))),
    );
    queries.extend(
        attr_keys
            .iter()
            .map(|k| Query::partition(Index::ByKey, format!("K#{k}"))),
    );
    let mut out = BTreeMap::new();
    for q in queries {
        for item in store.query(&q).await.expect("query") {
            out.insert(Key::of(&item).expect("keyed item"), item);
        }
    }
    out
}

// ---- helpers of the behaviour suite (entities, attributes, containment, resources) ----

/// An int value.
pub fn int(n: i64) -> AttrValue {
    AttrValue::Int(n)
}

/// An attribute as `attrs()` returns it.
pub fn attr(key: &str, subkey: Option<&str>, number: Option<i64>, value: AttrValue) -> Attribute {
    Attribute {
        key: key.into(),
        subkey: subkey.map(Into::into),
        number,
        value,
    }
}

/// A relation value pointing at the existing entity `name`.
pub async fn rel(c: &Clusto, name: &str) -> AttrValue {
    let e = c.get(name, None).await.expect("relation target");
    AttrValue::Relation(e.reference().clone())
}

/// Adds one plain attribute.
pub async fn add(
    c: &Clusto,
    name: &str,
    key: &str,
    subkey: Option<&str>,
    number: Option<i64>,
    value: AttrValue,
) {
    c.write_attrs(
        name,
        None,
        &[write(WriteMode::Add, key, subkey, number, value)],
    )
    .await
    .expect("add_attr");
}

/// Sets one plain attribute.
pub async fn set(
    c: &Clusto,
    name: &str,
    key: &str,
    subkey: Option<&str>,
    number: Option<i64>,
    value: AttrValue,
) {
    c.write_attrs(
        name,
        None,
        &[write(WriteMode::Set, key, subkey, number, value)],
    )
    .await
    .expect("set_attr");
}

/// An attribute filter; `None` fields match anything.
pub fn filter(
    key: Option<&str>,
    subkey: Option<&str>,
    number: Option<i64>,
    value: Option<&str>,
) -> AttrFilter {
    AttrFilter {
        key: key.map(Into::into),
        subkey: subkey.map(Into::into),
        number,
        value: value.map(Into::into),
    }
}

/// The attributes of `name` matching `f`.
pub async fn attrs_of(c: &Clusto, name: &str, f: AttrFilter) -> Vec<Attribute> {
    c.attrs(name, None, &f).await.expect("attrs")
}

/// The visible attributes of `name` (no filter).
pub async fn visible(c: &Clusto, name: &str) -> Vec<Attribute> {
    attrs_of(c, name, AttrFilter::default()).await
}

/// Compact names of the contents of `name`.
pub async fn contents_of(c: &Clusto, name: &str) -> Vec<String> {
    compact(&c.get(name, None).await.expect("container").contents())
}

/// Compact names of the parents of `name`.
pub async fn parents_of(c: &Clusto, name: &str) -> Vec<String> {
    compact(&c.get(name, None).await.expect("entity").parents())
}

/// The error text of a result that must be an error.
pub fn err_text<T: std::fmt::Debug>(r: ModelResult<T>) -> String {
    r.expect_err("an error").to_string()
}

/// Creates a manager (registered or library-only driver) with text properties.
pub async fn manager(c: &Clusto, driver: &str, name: &str, props: &[(&str, &str)]) {
    let d = drivers::lookup(driver).expect("driver");
    let props: Vec<(String, String)> = props
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    c.create(d, &names(&[name]), &props)
        .await
        .expect("create manager");
}

/// Allocates from manager `m` to the entity `object` (the given resource, or the next).
pub async fn alloc(
    c: &Clusto,
    m: &str,
    object: &str,
    resource: Option<&str>,
) -> ModelResult<Allocated> {
    c.allocate(m, None, Thing::Object(object.into()), resource)
        .await
}
