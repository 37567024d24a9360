//! Starting the whole API in process, on a fresh database, for HTTP-level tests.
//!
//! The server is `clusto-local`'s own (`clusto_local::start`: the four apps on one router,
//! served by hyper with Title-Case headers) on a free port of 127.0.0.1, running on the
//! test's tokio runtime. Use a multi-threaded runtime when the test itself blocks on
//! something the server must answer meanwhile (child processes such as curl are fine on
//! either, since tokio's process handling is asynchronous).

use std::sync::Arc;

use clusto_http::{AppState, Config};
use clusto_local::Running;
use clusto_model::Clusto;
use clusto_store::ItemStore;

/// The response header the documented examples' server is configured with.
pub const DOCUMENTED_RESPONSE_HEADER: &str = "Access-Control-Allow-Origin: *";

/// A storage backend for a test server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded (redb) store, in memory.
    Embedded,
    /// DynamoDB at `AWS_ENDPOINT_URL_DYNAMODB`, on a new table
    /// (`clusto_store_dynamodb::testing::fresh_table`).
    DynamoDb,
}

impl Backend {
    /// `embedded` or `dynamodb`, for reports.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Embedded => "embedded",
            Backend::DynamoDb => "dynamodb",
        }
    }

    /// A new, empty store of this backend.
    ///
    /// # Panics
    /// If the store cannot be opened (for DynamoDB: no endpoint, or the table cannot be
    /// created).
    pub async fn fresh_store(self) -> Arc<dyn ItemStore> {
        match self {
            Backend::Embedded => Arc::new(
                clusto_store_embedded::EmbeddedStore::memory().expect("in-memory embedded store"),
            ),
            Backend::DynamoDb => Arc::new(clusto_store_dynamodb::testing::fresh_table().await),
        }
    }
}

/// Starts the API on `store` (initialised: the `clustometa` entity) with `config`.
///
/// # Panics
/// If the database cannot be initialised or the port not bound.
pub async fn start(store: Arc<dyn ItemStore>, config: Config) -> Running {
    let clusto = Clusto::new(store);
    clusto
        .init()
        .await
        .expect("initialising the clusto database");
    clusto_local::start(AppState::new(clusto, config))
        .await
        .expect("starting the local server")
}

/// Starts the API as the documented examples expect it: a new database of `backend`,
/// [`DOCUMENTED_RESPONSE_HEADER`] configured, and the documented fixture created through
/// the HTTP API ([`crate::fixture::create_documented`]).
pub async fn start_documented(backend: Backend) -> Running {
    let config = Config::default()
        .with_headers(DOCUMENTED_RESPONSE_HEADER)
        .expect("a valid header");
    let server = start(backend.fresh_store().await, config).await;
    crate::fixture::create_documented(&server.url()).await;
    server
}
