//! `Idempotency-Key` over real HTTP, on both backends: a repeat is answered from the first
//! answer byte for byte and writes nothing, refusals included; a key reused for another
//! request is refused; concurrent repeats run once; records expire.

use std::sync::Arc;
use std::time::Duration;

use clusto_http::Config;
use clusto_store::ItemStore;

use crate::support::{Answer, Api, on_fresh_table};

const IPM: &str = "/resourcemanager/ipmanager/ipm";

async fn api_on(store: Arc<dyn ItemStore>, config: Config) -> Api {
    let api = Api::start_with(store, config).await;
    api.ip_manager("ipm", "255.255.255.0").await;
    api.create("basicserver", &["s1", "s2"]).await;
    api
}

async fn ips(api: &Api, name: &str) -> Vec<String> {
    let e = api.state.clusto.get(name, None).await.unwrap();
    e.ips().expect("a server has ips")
}

async fn allocate(api: &Api, key: &str, object: &str) -> Answer {
    api.form_h(
        "POST",
        IPM,
        &[("idempotency-key", key)],
        &[("object", object)],
    )
    .await
}

/// The same answer: status, body and every header but the date and the replay mark.
#[track_caller]
fn assert_replayed(first: &Answer, again: &Answer) {
    assert_eq!(again.status, first.status, "{again:?}");
    assert_eq!(again.text, first.text);
    assert_eq!(first.header("idempotent-replayed"), None);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let headers = |a: &Answer| {
        let mut h: Vec<(String, String)> = a
            .headers
            .iter()
            .filter(|(n, _)| !matches!(n.as_str(), "date" | "idempotent-replayed"))
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        h.sort();
        h
    };
    assert_eq!(headers(again), headers(first));
}

async fn repeats_are_answered_from_the_first_answer(store: Arc<dyn ItemStore>) {
    let api = api_on(store, Config::default()).await;
    // An allocation, repeated: one address, the same answer.
    let first = allocate(&api, "alloc-1", "s1").await;
    assert_eq!(first.status, 201, "{first:?}");
    let again = allocate(&api, "alloc-1", "s1").await;
    assert_replayed(&first, &again);
    assert_eq!(ips(&api, "s1").await, ["10.0.0.1"]);
    // A create, repeated: 201 both times (without the key the repeat says 202).
    let create = |key: &'static str| {
        let api = &api;
        async move {
            api.form_h(
                "POST",
                "/entity/basicserver",
                &[("idempotency-key", key)],
                &[("name", "s3")],
            )
            .await
        }
    };
    let first = create("create-1").await;
    assert_eq!(first.status, 201, "{first:?}");
    assert_replayed(&first, &create("create-1").await);
    assert_eq!(create("create-2").await.status, 202);
    // A refusal is an answer too: allocating to a missing server, repeated after the
    // server was made, is still refused and allocates nothing.
    let first = allocate(&api, "alloc-2", "s4").await;
    assert_eq!(first.status, 404, "{first:?}");
    api.create("basicserver", &["s4"]).await;
    assert_replayed(&first, &allocate(&api, "alloc-2", "s4").await);
    assert_eq!(ips(&api, "s4").await, Vec::<String>::new());
    // A deallocation and an attribute write, repeated.
    let free = [("object", "s1"), ("resource", "10.0.0.1")];
    let key = [("idempotency-key", "free-1")];
    let first = api.form_h("DELETE", IPM, &key, &free).await;
    assert_eq!(first.status, 204, "{first:?}");
    assert_replayed(&first, &api.form_h("DELETE", IPM, &key, &free).await);
    let key = [("idempotency-key", "attr-1")];
    let attr = [("key", "k"), ("value", "v")];
    let first = api.form_h("POST", "/attribute/s2", &key, &attr).await;
    assert_eq!(first.status, 201, "{first:?}");
    assert_replayed(
        &first,
        &api.form_h("POST", "/attribute/s2", &key, &attr).await,
    );
    let filter = Default::default();
    let attrs = api.state.clusto.attrs("s2", None, &filter).await.unwrap();
    assert_eq!(attrs.iter().filter(|a| a.key == "k").count(), 1);
    // Keys are per request kind: the same key for another request is refused, writing
    // nothing; a key is not needed on GET and ignored there.
    let other = allocate(&api, "alloc-1", "s2").await;
    assert_eq!(other.status, 422, "{other:?}");
    assert!(other.text.contains("different request"), "{other:?}");
    assert_eq!(ips(&api, "s2").await, Vec::<String>::new());
    let got = api
        .get_h("/by-name/s2", &[("idempotency-key", "alloc-1")])
        .await;
    assert_eq!(got.status, 200);
    // Malformed keys are refused before anything runs.
    for bad in ["", "two words", &"k".repeat(256)] {
        let a = allocate(&api, bad, "s2").await;
        a.assert_error(
            400,
            "The Idempotency-Key must be 1 to 255 visible ASCII characters.",
        );
    }
    assert_eq!(ips(&api, "s2").await, Vec::<String>::new());
}

async fn concurrent_repeats_run_once(store: Arc<dyn ItemStore>) {
    let api = api_on(store, Config::default()).await;
    let answers = futures::future::join_all((0..8).map(|_| allocate(&api, "burst", "s1"))).await;
    let done: Vec<&Answer> = answers.iter().filter(|a| a.status == 201).collect();
    assert!(!done.is_empty(), "{answers:?}");
    for a in &answers {
        match a.status {
            201 => assert_eq!(a.text, done[0].text),
            409 => {
                assert!(a.text.contains("being processed"), "{a:?}");
                assert_eq!(a.header("retry-after"), Some("1"));
            }
            _ => panic!("{a:?}"),
        }
    }
    assert_eq!(ips(&api, "s1").await, ["10.0.0.1"], "allocated once");
    let again = allocate(&api, "burst", "s1").await;
    assert_eq!((again.status, &again.text), (201, &done[0].text));
}

async fn records_expire(store: Arc<dyn ItemStore>) {
    let config = Config {
        idempotency_ttl: Some(4),
        ..Config::default()
    };
    let api = api_on(store, config).await;
    let first = allocate(&api, "short", "s1").await;
    assert_eq!(first.status, 201);
    assert_replayed(&first, &allocate(&api, "short", "s1").await);
    tokio::time::sleep(Duration::from_millis(4500)).await;
    // Past its expiry the key is new again: the request runs anew.
    let again = allocate(&api, "short", "s1").await;
    assert_eq!(again.status, 201, "{again:?}");
    assert_eq!(again.header("idempotent-replayed"), None);
    assert_eq!(ips(&api, "s1").await, ["10.0.0.1", "10.0.0.2"]);
}

fn memory() -> Arc<dyn ItemStore> {
    Arc::new(clusto_store_embedded::EmbeddedStore::memory().unwrap())
}

#[tokio::test]
async fn repeats_are_answered_from_the_first_answer_embedded() {
    repeats_are_answered_from_the_first_answer(memory()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_repeats_run_once_embedded() {
    concurrent_repeats_run_once(memory()).await;
}

#[tokio::test]
async fn records_expire_embedded() {
    records_expire(memory()).await;
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn repeats_are_answered_from_the_first_answer_dynamodb() {
    on_fresh_table(repeats_are_answered_from_the_first_answer).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn concurrent_repeats_run_once_dynamodb() {
    on_fresh_table(concurrent_repeats_run_once).await;
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn records_expire_dynamodb() {
    on_fresh_table(records_expire).await;
}
