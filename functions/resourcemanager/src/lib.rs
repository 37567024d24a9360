//! The resourcemanager app of the Clusto API (`clustoapi.apps.resourcemanager`): list,
//! create and show resource managers; allocate and deallocate their resources.
//! `clusto-model.md` §6, §8.5, §8.6, §8.9.
//!
//! # Layout
//! - [`routes`] / [`router`]: the route table (full paths, as API Gateway forwards them)
//! - `handlers::managers`: list, create, show
//! - `handlers::resources`: allocate, deallocate

#![warn(missing_docs)]

use axum::Router;
use axum::routing::get;
use clusto_http::AppState;

mod handlers;

use handlers::{managers, resources};

/// The resourcemanager app's routes, without state or middleware (for merging into
/// `clusto-local`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/resourcemanager/__doc__", get(handlers::doc))
        .route("/resourcemanager/__doc__/", get(handlers::doc))
        .route("/resourcemanager/", get(managers::list_all))
        .route(
            "/resourcemanager/{driver}",
            get(managers::list_driver).post(managers::create),
        )
        .route("/resourcemanager/{driver}/", get(managers::list_driver))
        .route(
            "/resourcemanager/{driver}/{manager}",
            get(managers::show)
                .post(resources::allocate)
                .delete(resources::deallocate),
        )
        .route("/resourcemanager/{driver}/{manager}/", get(managers::show))
}

/// The resourcemanager app as a complete service (what its Lambda function runs).
pub fn router(state: AppState) -> Router {
    clusto_http::finish(routes(), state)
}
