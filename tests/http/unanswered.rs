//! Writes whose change committed but whose answer then failed (the database failing between
//! the change and the reading of its result): the answer says the change was made, with or
//! without `Idempotency-Key`, and never "nothing was changed", which would invite a repeat
//! that creates or allocates a second time.

use std::sync::Arc;

use clusto_store::ItemStore;
use clusto_store::testing::{Faults, FaultyStore};

use crate::support::{Answer, Api, on_fresh_table};

const IPM: &str = "/resourcemanager/ipmanager/ipm";

/// Every call after the first commit is throttled, for good.
const FAILING_AFTER_A_COMMIT: Faults = Faults {
    throttle: 1.0,
    server_error: 0.0,
    timeout: 0.0,
    lost_answer: 0.0,
    transactions_only: false,
    after_commit: true,
};

/// Sends one write to a server whose database fails right after the write's first commit.
async fn send_failing_after_commit(
    store: &Arc<dyn ItemStore>,
    key: Option<&str>,
    (method, path, pairs): (&str, &str, &[(&str, &str)]),
) -> Answer {
    let faulty = FaultyStore::new(store.clone(), FAILING_AFTER_A_COMMIT, 1);
    let api = Api::start_on(Arc::new(faulty)).await;
    let headers: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
    api.form_h(method, path, &headers, pairs).await
}

const MADE: &str = "The request made its change, but its answer could not be made or kept; \
                    read the data to see the result.";

/// The write's own answer, or that it was made: never an error that says otherwise.
#[track_caller]
fn assert_answered(a: &Answer, status: u16, what: &str) {
    if a.status != status {
        a.assert_error(409, MADE);
        assert!(a.header("retry-after").is_none(), "{what}: {a:?}");
    }
}

async fn changes_whose_answers_failed_say_they_were_made(store: Arc<dyn ItemStore>) {
    let clean = Api::start_on(store.clone()).await;
    clean.ip_manager("ipm", "255.255.255.0").await;
    clean.create("pool", &["p1"]).await;
    for key in [None, Some("k")] {
        let server = format!("s-{}", key.unwrap_or("plain"));
        let key = |write: &str| key.map(|k| format!("{k}-{write}"));
        // Creating reads the entity back after its commit: that read fails.
        let pairs = [("name", server.as_str())];
        let a = send_failing_after_commit(
            &store,
            key("create").as_deref(),
            ("POST", "/entity/basicserver", &pairs),
        )
        .await;
        a.assert_error(409, MADE);
        assert!(clean.exists(&server).await, "{server} was created");

        let path = format!("/attribute/{server}");
        let pairs = [("key", "k"), ("value", "v")];
        let a = send_failing_after_commit(&store, key("attr").as_deref(), ("POST", &path, &pairs))
            .await;
        assert_answered(&a, 201, "attribute");
        let pairs = [("action", "insert"), ("device", server.as_str())];
        let a = send_failing_after_commit(
            &store,
            key("insert").as_deref(),
            ("POST", "/entity/pool/p1", &pairs),
        )
        .await;
        assert_answered(&a, 200, "insert");
        let pairs = [("object", server.as_str())];
        let a =
            send_failing_after_commit(&store, key("ip").as_deref(), ("POST", IPM, &pairs)).await;
        assert_answered(&a, 201, "allocate");

        let e = clean.state.clusto.get(&server, None).await.unwrap();
        assert_eq!(e.ips().unwrap().len(), 1, "one address for {server}");
        assert_eq!(e.parents().len(), 1, "{server} is in p1");
        let attrs = clean.get(&format!("/attribute/{server}/k")).await;
        assert_eq!(attrs.json().as_array().map(Vec::len), Some(1), "{attrs:?}");

        let path = format!("/entity/basicserver/{server}");
        let a = send_failing_after_commit(&store, key("delete").as_deref(), ("DELETE", &path, &[]))
            .await;
        assert_answered(&a, 204, "delete");
        assert!(!clean.exists(&server).await, "{server} was deleted");
    }
}

fn memory() -> Arc<dyn ItemStore> {
    Arc::new(clusto_store_embedded::EmbeddedStore::memory().unwrap())
}

#[tokio::test]
async fn changes_whose_answers_failed_say_they_were_made_embedded() {
    changes_whose_answers_failed_say_they_were_made(memory()).await;
}

#[tokio::test]
#[ignore = "needs a DynamoDB endpoint: scripts/test starts moto"]
async fn changes_whose_answers_failed_say_they_were_made_dynamodb() {
    on_fresh_table(changes_whose_answers_failed_say_they_were_made).await;
}
