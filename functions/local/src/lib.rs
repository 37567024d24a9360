//! `clusto-local`: the whole Clusto API (the four apps that run as Lambda functions in
//! AWS) on one local HTTP server, over the embedded store (a directory, or memory) or a
//! DynamoDB table. It is how a new user runs the API on a laptop, and what the HTTP tests
//! and the executable docs start.
//!
//! # Layout
//! - this file: [`Options`] (the command line), [`state`], [`app`], [`serve`], [`start`]
//! - `fixture`: loading entities from a JSON file (`--fixture`)
//! - [`commands`]: `import` and `export`, which move data instead of serving

#![warn(missing_docs)]

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use clap::Parser;
use clusto_http::{AppState, Config};
use clusto_model::Clusto;
use clusto_store::ItemStore;
use clusto_store_dynamodb::DynamoStore;
use clusto_store_embedded::EmbeddedStore;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub mod commands;
pub mod fixture;

pub use fixture::{FixtureAttr, FixtureEntity};

/// Any error of starting the server.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// How long open connections may take to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The command line of `clusto-local`.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "clusto-local",
    version,
    about = "The Clusto API on a local HTTP server"
)]
pub struct Options {
    /// Address (host:port) to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Directory of the embedded database (created if missing).
    #[arg(long, value_name = "DIR", default_value = "./clusto-data", conflicts_with_all = ["memory", "dynamodb_table"])]
    pub data: PathBuf,

    /// Keep the database in memory: it is gone when the server stops.
    #[arg(long, conflicts_with = "dynamodb_table")]
    pub memory: bool,

    /// With --dynamodb-table: create the table (keys and indexes of the clusto schema) if
    /// it does not exist. Region, credentials and endpoint come from the standard AWS
    /// environment (`AWS_ENDPOINT_URL_DYNAMODB` for a local endpoint).
    #[arg(long, requires = "dynamodb_table")]
    pub create_table: bool,

    /// Load entities from a JSON file at start: an array of `{"name", "driver",
    /// "properties", "parents", "attrs"}` objects, as in functions/local/fixture.example.json.
    /// Entities that already exist are left as they are.
    #[arg(long, value_name = "FILE")]
    pub fixture: Option<PathBuf>,

    /// Settings shared with the Lambda functions.
    #[command(flatten)]
    pub config: Config,

    /// Instead of serving: import into the store, or export it.
    #[command(subcommand)]
    pub command: Option<commands::Command>,
}

/// The store the options ask for.
pub async fn store(options: &Options) -> Result<Arc<dyn ItemStore>, BoxError> {
    if let Some(table) = &options.config.dynamodb_table {
        let store = DynamoStore::from_env(table.clone()).await;
        if options.create_table {
            store.create_table_if_missing().await?;
        }
        return Ok(Arc::new(store));
    }
    if options.memory {
        return Ok(Arc::new(EmbeddedStore::memory()?));
    }
    Ok(Arc::new(EmbeddedStore::open(&options.data)?))
}

/// Opens the store, initialises the database, loads the fixture.
pub async fn state(options: &Options) -> Result<AppState, BoxError> {
    let clusto = Clusto::new(store(options).await?);
    clusto.init().await?;
    if let Some(path) = &options.fixture {
        fixture::load_file(&clusto, path).await?;
    }
    Ok(AppState::new(clusto, options.config.clone()))
}

/// The four apps on one router, with the shared middleware.
pub fn app(state: AppState) -> Router {
    let routes = clusto_root::routes()
        .merge(clusto_entity::routes())
        .merge(clusto_attribute::routes())
        .merge(clusto_resourcemanager::routes());
    clusto_http::finish(routes, state)
}

/// Serves `app` on `listener` until `shutdown` completes, then lets open connections
/// finish (up to 10 s). HTTP/1.1 (and 1.0) with Title-Case header names, as the original
/// wrote them (`Content-Length`, `Warnings`: quirk 38) — which is why this uses hyper's
/// connection builder rather than `axum::serve`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder.title_case_headers(true).timer(TokioTimer::new());
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let connection = builder.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after the shutdown grace period");
    }
    Ok(())
}

/// A server started with [`start`].
#[derive(Debug)]
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// The base URL, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops the server and waits until it has.
    pub async fn stop(self) -> std::io::Result<()> {
        let _ = self.stop.send(());
        self.task.await.map_err(std::io::Error::other)?
    }
}

/// Starts the whole API for `state` on a free port of 127.0.0.1 in the background (tests,
/// the executable docs).
pub async fn start(state: AppState) -> std::io::Result<Running> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let task = tokio::spawn(serve(listener, app(state), shutdown));
    Ok(Running { addr, stop, task })
}

/// An in-memory state with the given settings (tests).
pub async fn memory_state(config: Config) -> Result<AppState, BoxError> {
    let clusto = Clusto::new(Arc::new(EmbeddedStore::memory()?));
    clusto.init().await?;
    Ok(AppState::new(clusto, config))
}
