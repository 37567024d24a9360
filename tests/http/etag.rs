//! `ETag`, `If-None-Match` and `If-Match` over real HTTP, on both backends: entity answers
//! carry the entity's tag, a read whose tag still holds is a 304, and a write whose
//! `If-Match` tag moved on is a 412 that writes nothing, also when writers race.

use std::sync::Arc;

use clusto_store::ItemStore;

use crate::support::{Answer, Api, on_fresh_table};

fn tag(a: &Answer) -> String {
    a.header("etag")
        .unwrap_or_else(|| panic!("no ETag: {a:?}"))
        .to_owned()
}

async fn attr_values(api: &Api, name: &str, key: &str) -> Vec<String> {
    let filter = Default::default();
    let attrs = api.state.clusto.attrs(name, None, &filter).await.unwrap();
    attrs
        .iter()
        .filter(|a| a.key == key)
        .filter_map(|a| a.value.filter_text())
        .collect()
}

async fn reads_are_tagged_and_conditional(store: Arc<dyn ItemStore>) {
    let api = Api::start_on(store).await;
    api.create("basicserver", &["s1"]).await;
    let shown = api.get("/entity/basicserver/s1").await;
    let t = tag(&shown);
    assert!(t.starts_with('"') && t.ends_with('"'), "{t}");
    for path in ["/by-name/s1", "/attribute/s1"] {
        assert_eq!(tag(&api.get(path).await), t, "{path}");
    }
    // The tag still holds: 304 with no body.
    for path in ["/entity/basicserver/s1", "/by-name/s1", "/attribute/s1"] {
        let a = api.get_h(path, &[("if-none-match", &t)]).await;
        assert_eq!(a.status, 304, "{path}: {a:?}");
        assert_eq!(a.text, "");
        assert_eq!(tag(&a), t);
    }
    // A write moves it on and answers the new one.
    let w = api
        .form("POST", "/attribute/s1", &[("key", "k"), ("value", "1")])
        .await;
    assert_eq!(w.status, 201, "{w:?}");
    let moved = tag(&w);
    assert_ne!(moved, t);
    let a = api.get_h("/by-name/s1", &[("if-none-match", &t)]).await;
    assert_eq!((a.status, tag(&a)), (200, moved.clone()));
    let list = format!("\"other\", W/{moved}");
    let a = api.get_h("/by-name/s1", &[("if-none-match", &list)]).await;
    assert_eq!(a.status, 304, "a weak tag in a list: {a:?}");
}

async fn stale_writes_are_refused(store: Arc<dyn ItemStore>) {
    let api = Api::start_on(store).await;
    api.create("basicserver", &["s1", "s2"]).await;
    api.create("pool", &["p1"]).await;
    api.ip_manager("ipm", "255.255.255.0").await;
    // Two clients read the same version; the first write wins, the second is refused.
    let t = tag(&api.get("/by-name/s1").await);
    let first = api
        .form_h(
            "POST",
            "/attribute/s1",
            &[("if-match", &t)],
            &[("key", "k"), ("value", "a")],
        )
        .await;
    assert_eq!(first.status, 201, "{first:?}");
    let second = api
        .form_h(
            "POST",
            "/attribute/s1",
            &[("if-match", &t)],
            &[("key", "k"), ("value", "b")],
        )
        .await;
    second.assert_error(
        412,
        "s1 has changed since the version given in If-Match; nothing was changed.",
    );
    assert_eq!(attr_values(&api, "s1", "k").await, ["a"]);
    // Every kind of write honours it, and writes nothing when refused.
    let stale = [("if-match", t.as_str())];
    let paths = [
        ("PUT", "/attribute/s1/k", vec![("value", "c")]),
        ("DELETE", "/attribute/s1/k", vec![]),
        (
            "POST",
            "/resourcemanager/ipmanager/ipm",
            vec![("object", "s1")],
        ),
        ("DELETE", "/entity/basicserver/s1", vec![]),
    ];
    for (method, path, pairs) in &paths {
        let a = api.form_h(method, path, &stale, pairs).await;
        assert_eq!(a.status, 412, "{method} {path}: {a:?}");
    }
    assert_eq!(attr_values(&api, "s1", "k").await, ["a"]);
    let s1 = api.state.clusto.get("s1", None).await.unwrap();
    assert_eq!(s1.ips(), Some(vec![]));
    // The pool's tag guards inserts into it; a missing entity matches no tag, not even `*`.
    let p = tag(&api.get("/by-name/p1").await);
    let insert = [("action", "insert"), ("device", "s2")];
    let a = api
        .form_h("POST", "/entity/pool/p1", &[("if-match", &p)], &insert)
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let a = api
        .form_h("POST", "/entity/pool/p1", &[("if-match", &p)], &insert)
        .await;
    assert_eq!(a.status, 412, "{a:?}");
    let a = api
        .form_h(
            "DELETE",
            "/entity/basicserver/nope",
            &[("if-match", "*")],
            &[],
        )
        .await;
    assert_eq!(a.status, 412, "{a:?}");
    // The current tag (or `*`) lets the write through.
    let now = tag(&api.get("/by-name/s1").await);
    let a = api
        .form_h(
            "PUT",
            "/attribute/s1/k",
            &[("if-match", &now)],
            &[("value", "d")],
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    let a = api
        .form_h(
            "DELETE",
            "/entity/basicserver/s1",
            &[("if-match", "*")],
            &[],
        )
        .await;
    assert_eq!(a.status, 204, "{a:?}");
    // A delete too large for one transaction checks the version in its first part.
    api.create("basicserver", &["big"]).await;
    for part in 0..2 {
        let attrs: Vec<String> = (0..90)
            .map(|i| format!(r#"{{"key": "k{part}", "number": {i}, "value": {i}}}"#))
            .collect();
        let a = api
            .json("POST", "/attribute/big", &format!("[{}]", attrs.join(",")))
            .await;
        assert_eq!(a.status, 201, "{a:?}");
    }
    let old = tag(&api.get("/by-name/big").await);
    let a = api
        .form("POST", "/attribute/big", &[("key", "last"), ("value", "1")])
        .await;
    assert_eq!(a.status, 201, "{a:?}");
    let a = api
        .form_h(
            "DELETE",
            "/entity/basicserver/big",
            &[("if-match", &old)],
            &[],
        )
        .await;
    assert_eq!(a.status, 412, "{a:?}");
    let filter = Default::default();
    let left = api.state.clusto.attrs("big", None, &filter).await.unwrap();
    assert_eq!(left.len(), 181, "nothing deleted");
    let now = tag(&api.get("/by-name/big").await);
    let a = api
        .form_h(
            "DELETE",
            "/entity/basicserver/big",
            &[("if-match", &now)],
            &[],
        )
        .await;
    assert_eq!(a.status, 204, "{a:?}");
    assert!(!api.exists("big").await);
}

async fn racing_writers_with_one_tag_make_one_change(store: Arc<dyn ItemStore>) {
    let api = Api::start_on(store).await;
    api.create("basicserver", &["s1"]).await;
    let t = tag(&api.get("/by-name/s1").await);
    let writes = (0..8).map(|i| {
        let (api, t) = (&api, &t);
        async move {
            let value = i.to_string();
            api.form_h(
                "POST",
                "/attribute/s1",
                &[("if-match", t)],
                &[("key", "k"), ("value", &value)],
            )
            .await
        }
    });
    let answers = futures::future::join_all(writes).await;
    let won: Vec<&Answer> = answers.iter().filter(|a| a.status == 201).collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    assert!(
        answers.iter().all(|a| matches!(a.status, 201 | 412)),
        "{answers:?}"
    );
    assert_eq!(attr_values(&api, "s1", "k").await.len(), 1);
}

fn memory() -> Arc<dyn ItemStore> {
    Arc::new(clusto_store_embedded::EmbeddedStore::memory().unwrap())
}

#[tokio::test]
async fn reads_are_tagged_and_conditional_embedded() {
    reads_are_tagged_and_conditional(memory()).await;
}

#[tokio::test]
async fn stale_writes_are_refused_embedded() {
    stale_writes_are_refused(memory()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writers_with_one_tag_make_one_change_embedded() {
    racing_writers_with_one_tag_make_one_change(memory()).await;
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn reads_are_tagged_and_conditional_dynamodb() {
    on_fresh_table(reads_are_tagged_and_conditional).await;
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn stale_writes_are_refused_dynamodb() {
    on_fresh_table(stale_writes_are_refused).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn racing_writers_with_one_tag_make_one_change_dynamodb() {
    on_fresh_table(racing_writers_with_one_tag_make_one_change).await;
}
