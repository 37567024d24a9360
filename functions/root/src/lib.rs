//! The root app of the Clusto API (`clustoapi.server` in the original): the version, the
//! API reference, the driver and type registries, and the cross-cutting queries
//! (`/from-pools`, `/by-name`, `/by-names`, `/by-attr`). `clusto-model.md` §8.5, §8.6.
//!
//! # Layout
//! - [`routes`] / [`router`]: the route table (full paths, as API Gateway forwards them)
//! - `handlers::meta`: `/`, `HEAD /`, `/__doc__`, `/__meta__`, `/__version__`,
//!   `/favicon.ico`, `/driverlist`, `/typelist`
//! - `handlers::queries`: `/from-pools`, `/by-name/{name}`, `/by-names`, `/by-attr`

#![warn(missing_docs)]

use axum::Router;
use axum::routing::get;
use clusto_http::AppState;

mod handlers;

use handlers::{meta, queries};

/// The root app's routes, without state or middleware (for merging into `clusto-local`).
pub fn routes() -> Router<AppState> {
    Router::new()
        // `HEAD /` answers the version while `GET /` answers the docs.
        .route("/", get(meta::doc).head(meta::head))
        .route("/__doc__", get(meta::doc))
        .route("/__meta__", get(meta::meta))
        .route("/__version__", get(meta::version))
        .route("/favicon.ico", get(meta::favicon))
        .route("/driverlist", get(meta::driverlist))
        .route("/typelist", get(meta::typelist))
        .route("/from-pools", get(queries::from_pools))
        .route("/by-name/{name}", get(queries::by_name))
        .route("/by-names", get(queries::by_names))
        .route("/by-attr", get(queries::by_attr))
}

/// The root app as a complete service (what its Lambda function runs).
pub fn router(state: AppState) -> Router {
    clusto_http::finish_read_only(routes(), state)
}
