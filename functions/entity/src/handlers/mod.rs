//! The entity app's handlers, one module per route group.

use axum::http::HeaderMap;
use axum::response::Response;

pub mod list;
pub mod manage;
pub mod show;

/// `GET /entity/__doc__[/]`: the API reference.
pub async fn doc(headers: HeaderMap) -> Response {
    clusto_http::reference_page(&headers)
}
