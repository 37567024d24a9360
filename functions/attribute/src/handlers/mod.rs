//! The attribute app's handlers.

use axum::http::HeaderMap;
use axum::response::Response;

pub mod path;
pub mod read;
pub mod spec;
pub mod write;

/// `GET /attribute/__doc__[/]`: the API reference.
pub async fn doc(headers: HeaderMap) -> Response {
    clusto_http::reference_page(&headers)
}
