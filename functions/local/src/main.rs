//! `clusto-local`: parse the command line, then run an import or export, or open the store
//! and serve until SIGINT/SIGTERM.

use std::process::ExitCode;

use clap::Parser;
use clusto_http::bootstrap::{LogFormat, init_tracing};
use clusto_local::{Options, app, serve, state};
use tokio::net::TcpListener;

/// Completes on Ctrl-C (SIGINT) or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = interrupt => {}
                _ = term.recv() => {}
            },
            Err(_) => {
                let _ = interrupt.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("shutting down");
}

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing(LogFormat::Text);
    let options = Options::parse();
    if let Some(command) = &options.command {
        return ExitCode::from(clusto_local::commands::run(command, &options).await);
    }
    let state = match state(&options).await {
        Ok(state) => state,
        Err(e) => {
            tracing::error!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let listener = match TcpListener::bind(&options.listen).await {
        Ok(listener) => listener,
        Err(e) => {
            tracing::error!("cannot listen on {}: {e}", options.listen);
            return ExitCode::FAILURE;
        }
    };
    match listener.local_addr() {
        Ok(addr) => tracing::info!("Clusto API listening on http://{addr}"),
        Err(_) => tracing::info!("Clusto API listening on {}", options.listen),
    }
    match serve(listener, app(state), shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("server failed: {e}");
            ExitCode::FAILURE
        }
    }
}
