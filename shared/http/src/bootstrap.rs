//! Cold-start initialisation: logging, settings and the DynamoDB-backed model, done once per
//! Lambda execution environment and shared by every request it serves.

use std::sync::Arc;

use clusto_model::Clusto;
use clusto_store_dynamodb::DynamoStore;
use tracing_subscriber::EnvFilter;

use crate::{AppState, Config};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (CloudWatch Logs Insights can query the fields).
    Json,
    /// Human-readable lines (the local server).
    Text,
}

/// Installs the global tracing subscriber (level from `RUST_LOG`, default `info`). A second
/// call does nothing.
pub fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(false)
            .with_span_list(true)
            .try_init(),
        // stderr: stdout may carry data (`clusto-local export` writes the dump there).
        LogFormat::Text => builder.with_writer(std::io::stderr).try_init(),
    };
}

/// The state of a Lambda function: settings from the environment, the DynamoDB table named
/// by `CLUSTO_TABLE` (standard AWS configuration for region, credentials, endpoint), JSON
/// logs. Called once at cold start.
///
/// # Panics
/// If `CLUSTO_TABLE` is unset or the environment holds an invalid setting, so that a
/// misconfigured function fails its initialisation instead of its requests.
pub async fn lambda_state() -> AppState {
    init_tracing(LogFormat::Json);
    let config = Config::from_env().unwrap_or_else(|e| panic!("invalid configuration: {e}"));
    let table = config
        .dynamodb_table
        .clone()
        .expect("CLUSTO_TABLE must be set to the name of the clusto DynamoDB table");
    let clusto = Clusto::new(Arc::new(DynamoStore::from_env(table.clone()).await));
    // Creates `clustometa` on a new table. A read-only function cannot write it: then the
    // first function with write access creates it, and this one still serves reads.
    if let Err(e) = clusto.init().await {
        tracing::warn!(error = %e, table, "could not initialise the clusto database");
    }
    AppState::new(clusto, config)
}
