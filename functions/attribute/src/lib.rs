//! The attribute app of the Clusto API (`clustoapi.apps.attribute`): query, add, set and
//! delete an entity's attributes. `clusto-model.md` §8.5–§8.8.
//!
//! # Layout
//! - [`routes`] / [`router`]: the route table (full paths, as API Gateway forwards them)
//! - `handlers::path`: the `{name}/{key}/{subkey}/{number}` path and its filter
//! - `handlers::read`: `GET` (query) and `DELETE`
//! - `handlers::write`: `POST` (add) and `PUT` (set), form or JSON
//! - `handlers::spec`: turning form parameters or a JSON body into validated writes

#![warn(missing_docs)]

use axum::Router;
use axum::routing::get;
use clusto_http::AppState;

mod handlers;

use handlers::{read, write};

/// The attribute app's routes, without state or middleware (for merging into
/// `clusto-local`). As in the original: no `POST` on `/{name}/{key}`, no `PUT` on
/// `/{name}`, no trailing-slash form after `{subkey}`.
pub fn routes() -> Router<AppState> {
    let q = || get(read::query);
    Router::new()
        .route("/attribute/__doc__", get(handlers::doc))
        .route("/attribute/__doc__/", get(handlers::doc))
        .route("/attribute/{name}", q().post(write::add))
        .route("/attribute/{name}/", q())
        .route(
            "/attribute/{name}/{key}",
            q().put(write::set).delete(read::delete),
        )
        .route("/attribute/{name}/{key}/", q())
        .route(
            "/attribute/{name}/{key}/{subkey}",
            q().post(write::add).put(write::set).delete(read::delete),
        )
        .route(
            "/attribute/{name}/{key}/{subkey}/{number}",
            q().post(write::add).put(write::set).delete(read::delete),
        )
        .route("/attribute/{name}/{key}/{subkey}/{number}/", q())
}

/// The attribute app as a complete service (what its Lambda function runs).
pub fn router(state: AppState) -> Router {
    clusto_http::finish(routes(), state)
}
