//! The HTTP layer shared by the four apps of the Clusto API (root, entity, attribute,
//! resourcemanager) and by `clusto-local`: state and settings, request parameters and
//! headers, JSON rendering, entity views, errors, and the middleware every response goes
//! through. The apps keep only their routes and handlers.
//!
//! # Layout
//! - [`config`]: [`Config`], one definition for the CLI and the Lambda environment
//! - [`bootstrap`]: cold-start initialisation of a Lambda function
//! - [`params`]: query + form parameters, the [`ApiRequest`] and [`ApiPath`] extractors
//! - [`headers`]: `Clusto-Mode`, paging, `Clusto-Minify`
//! - [`render`]: JSON exactly as Python's `json.dumps` wrote it
//! - [`views`]: compact and expanded entities, attribute objects
//! - [`cast`]: the `datatype` casts of attribute values
//! - [`etag`]: `ETag`, `If-None-Match` (304) and `If-Match` (412)
//! - [`error`]: [`ApiError`], the only place errors become responses
//! - [`middleware`]: OPTIONS, 404/405, configured headers, `Clusto-Minify` echo, access log
//! - [`idempotency`]: the `Idempotency-Key` header (stored answers, replays)
//! - [`docs`]: the API reference served at `/__doc__`

#![warn(missing_docs)]

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use clusto_model::Clusto;

pub mod bootstrap;
pub mod cast;
pub mod config;
pub mod docs;
pub mod error;
pub mod etag;
pub mod headers;
pub mod idempotency;
pub mod middleware;
pub mod params;
pub mod render;
pub mod views;

pub use config::Config;
pub use error::{ApiError, ApiResult};
pub use headers::{Mode, Paging};
pub use middleware::{finish, finish_read_only};
pub use params::{ApiPath, ApiRequest, Params};
pub use render::JsonAnswer;

/// The version of the Clusto API Server this API answers as.
pub const SERVER_VERSION: &str = "0.5.2";

/// What every handler shares: the model and the settings. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The clusto database.
    pub clusto: Clusto,
    /// The settings.
    pub config: Arc<Config>,
}

impl AppState {
    /// State over a model and settings.
    pub fn new(clusto: Clusto, config: Config) -> Self {
        AppState {
            clusto,
            config: Arc::new(config),
        }
    }
}

/// The API reference: `text/plain` (the Markdown) when `Accept` is exactly `text/plain` or
/// absent, otherwise the HTML page (`text/html; charset=UTF-8`).
pub fn reference_page(request_headers: &HeaderMap) -> Response {
    let plain = request_headers
        .get(header::ACCEPT)
        .is_none_or(|v| v.as_bytes() == b"text/plain");
    let (content_type, body): (&'static str, String) = if plain {
        ("text/plain", docs::reference_text().to_owned())
    } else {
        (
            "text/html; charset=UTF-8",
            docs::reference_html().to_string(),
        )
    };
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
