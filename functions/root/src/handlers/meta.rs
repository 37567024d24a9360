//! The server's own pages: version, meta, the reference, the registries, the favicon.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clusto_http::headers::minify;
use clusto_http::{JsonAnswer, SERVER_VERSION, reference_page};
use clusto_model::drivers;
use serde_json::{Value, json};

/// `GET /`, `GET /__doc__`: the API reference (text or HTML by `Accept`).
pub async fn doc(headers: HeaderMap) -> Response {
    reference_page(&headers)
}

/// `GET /__version__`: `"0.5.2"`.
pub async fn version(headers: HeaderMap) -> JsonAnswer {
    JsonAnswer::ok(json!(SERVER_VERSION), minify(&headers))
}

/// `HEAD /`: the version answer's status and headers (its `Content-Length` included),
/// without a body.
pub async fn head(headers: HeaderMap) -> Response {
    let full = version(headers).await.into_response();
    let (mut parts, body) = full.into_parts();
    let length = axum::body::to_bytes(body, usize::MAX)
        .await
        .map_or(0, |b| b.len());
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    Response::from_parts(parts, axum::body::Body::empty())
}

/// `GET /__meta__`: the mount points of the three apps.
pub async fn meta(headers: HeaderMap) -> JsonAnswer {
    let value = json!({
        "/attribute": "clustoapi.apps.attribute",
        "/entity": "clustoapi.apps.entity",
        "/resourcemanager": "clustoapi.apps.resourcemanager",
    });
    JsonAnswer::ok(value, minify(&headers))
}

/// `GET /favicon.ico`: 410 Gone, empty, as HTML.
pub async fn favicon() -> Response {
    let mut response = StatusCode::GONE.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=UTF-8"),
    );
    response
}

fn registry(map: std::collections::BTreeMap<&'static str, &'static str>) -> Value {
    Value::Object(map.into_iter().map(|(k, v)| (k.into(), json!(v))).collect())
}

/// `GET /driverlist`: driver name → class path.
pub async fn driverlist(headers: HeaderMap) -> JsonAnswer {
    JsonAnswer::ok(registry(drivers::driverlist()), minify(&headers))
}

/// `GET /typelist`: type → class path of the last driver registered with it.
pub async fn typelist(headers: HeaderMap) -> JsonAnswer {
    JsonAnswer::ok(registry(drivers::typelist()), minify(&headers))
}
