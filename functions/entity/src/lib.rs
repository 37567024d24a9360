//! The entity app of the Clusto API (`clustoapi.apps.entity`): list, create, show and
//! delete entities, and insert entities into or remove them from a container.
//! `clusto-model.md` §8.5, §8.6.
//!
//! # Layout
//! - [`routes`] / [`router`]: the route table (full paths, as API Gateway forwards them)
//! - `handlers::list`: `GET /entity[/]`, `GET /entity/{driver}[/]`
//! - `handlers::manage`: `POST /entity/{driver}` (create), `DELETE /entity/{driver}/{name}`
//! - `handlers::show`: `GET /entity/{driver}/{name}[/]`, `POST /entity/{driver}/{name}`
//!   (insert / remove)

#![warn(missing_docs)]

use axum::Router;
use axum::routing::get;
use clusto_http::AppState;

mod handlers;

use handlers::{list, manage, show};

/// The entity app's routes, without state or middleware (for merging into `clusto-local`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/entity/__doc__", get(handlers::doc))
        .route("/entity/__doc__/", get(handlers::doc))
        .route("/entity", get(list::all))
        .route("/entity/", get(list::all))
        .route(
            "/entity/{driver}",
            get(list::by_driver).post(manage::create),
        )
        .route("/entity/{driver}/", get(list::by_driver))
        .route(
            "/entity/{driver}/{name}",
            get(show::show).post(show::action).delete(manage::delete),
        )
        .route("/entity/{driver}/{name}/", get(show::show))
}

/// The entity app as a complete service (what its Lambda function runs).
pub fn router(state: AppState) -> Router {
    clusto_http::finish(routes(), state)
}
