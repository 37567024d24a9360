//! Test support (feature `test-util`): a [`DynamoStore`] on a new table of its own.
//!
//! The endpoint comes from `AWS_ENDPOINT_URL_DYNAMODB`, which `scripts/test` points at a
//! moto server it starts. Set it yourself (with real region and credentials) to run the
//! same tests against DynamoDB Local or AWS.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::Credentials;

use crate::DynamoStore;

/// A store on a freshly created, uniquely named, empty table.
///
/// The name is `$CLUSTO_TEST_TABLE_PREFIX` (default `clusto-test`) plus the process id, a
/// counter and the time, so parallel tests and test processes never share a table. Region
/// and credentials default to `us-east-1` and `test`/`test` when `AWS_REGION` and
/// `AWS_ACCESS_KEY_ID` are unset, which is what local endpoints accept.
///
/// Nothing deletes the table for you: call [`DynamoStore::delete_table`] at the end of the
/// test. Against moto, tables a failed test leaves behind go away with the server.
///
/// # Panics
/// If `AWS_ENDPOINT_URL_DYNAMODB` is unset, or the table cannot be created.
pub async fn fresh_table() -> DynamoStore {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some(),
        "DynamoDB tests need AWS_ENDPOINT_URL_DYNAMODB: run scripts/test, which starts a local moto server"
    );
    let prefix =
        std::env::var("CLUSTO_TEST_TABLE_PREFIX").unwrap_or_else(|_| "clusto-test".to_owned());
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let table = format!(
        "{prefix}-{}-{}-{millis}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let store = DynamoStore::new(client().await, table);
    store
        .create_table_if_missing()
        .await
        .unwrap_or_else(|e| panic!("creating test table {}: {e}", store.table()));
    store
}

/// A second, independent store (its own SDK client and connections) on the same table as
/// `store`: what two processes sharing one table look like.
pub async fn another_client(store: &DynamoStore) -> DynamoStore {
    DynamoStore::new(client().await, store.table())
}

/// A client from the environment, with local-endpoint defaults.
///
/// Built per call on purpose, not cached in a static: each `#[tokio::test]` has its own
/// runtime, and a client's connection pool keeps connections whose tasks live on the
/// runtime that opened them. Reusing it from the next test fails with "runtime dropped the
/// dispatch task". Loading the config from the environment takes well under a millisecond.
///
/// Timeouts are far longer than [`crate::ATTEMPT_TIMEOUT`]: the test moto answers one request
/// at a time, so on a loaded machine a call can wait behind many others; and moto ignores
/// transaction tokens, so a transaction sent again after a timeout, having committed in
/// fact, would be refused there as if another client's change were in its way.
async fn client() -> Client {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(30))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts);
    if std::env::var_os("AWS_REGION").is_none() {
        loader = loader.region(Region::new("us-east-1"));
    }
    if std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
        loader = loader.credentials_provider(Credentials::new(
            "test",
            "test",
            None,
            None,
            "clusto-test",
        ));
    }
    Client::new(&loader.load().await)
}
