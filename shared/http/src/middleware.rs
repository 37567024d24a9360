//! What every response goes through, whichever app and whichever way it runs: `OPTIONS`
//! on any path, JSON bodies for 404 and 405, the `Clusto-Minify` echo on JSON answers, the
//! configured response headers (on every response, errors included: quirks 11 and 36),
//! `Idempotency-Key` ([`crate::idempotency`]), the Lambda function's deadline for the
//! model's retries, and one log line per request.

use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use clusto_model::retry;
use lambda_http::RequestExt;
use tracing::Instrument;

use crate::AppState;
use crate::error::ApiError;
use crate::headers::MINIFY;
use crate::idempotency;
use crate::render::JSON_CONTENT_TYPE;

/// Turns an app's routes into a complete service: 404 for unknown paths, the state, and
/// the shared middleware around the routing (`Router::layer` would wrap each route's
/// handler instead, after routing, where it could not see the router's own 405 answers).
/// `Idempotency-Key` handling sits inside the common layer, so a replayed answer gets the
/// configured headers and the log line like any other.
pub fn finish(routes: Router<AppState>, state: AppState) -> Router {
    complete(routes, state, true)
}

/// [`finish`] for an app that only reads (the root app): its function may not write, so
/// it keeps no `Idempotency-Key` records (a write method there is a 405 anyway).
pub fn finish_read_only(routes: Router<AppState>, state: AppState) -> Router {
    complete(routes, state, false)
}

fn complete(routes: Router<AppState>, state: AppState, idempotent: bool) -> Router {
    let routed = routes.fallback(not_found).with_state(state.clone());
    let mut service = Router::new().fallback_service(routed);
    if idempotent {
        service = service.layer(middleware::from_fn_with_state(
            state.clone(),
            idempotency::layer,
        ));
    }
    service.layer(middleware::from_fn_with_state(state, common))
}

/// Unknown path: 404 (the original answered 405 everywhere: quirk 10).
async fn not_found(request: Request) -> ApiError {
    ApiError::NotFound(format!(
        "Nothing here: no route matches {}",
        request.uri().path()
    ))
}

/// `OPTIONS` on any path: 204, empty, with no `Content-Type` and no `Content-Length`
/// (HTTP/1.1 forbids the latter on a 204: quirk 37).
fn options() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == JSON_CONTENT_TYPE.as_bytes())
}

/// A bare 405 from the router becomes a JSON error whose `Allow` also lists `OPTIONS`.
fn method_not_allowed(response: Response, method: &Method, path: &str) -> Response {
    let mut allow: Vec<String> = response
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(',')
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .collect();
    if !allow.iter().any(|m| m == "OPTIONS") {
        allow.push("OPTIONS".into());
    }
    ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: path.to_owned(),
        allow: allow.join(", "),
    }
    .into_response()
}

/// How long before the Lambda function's deadline the model stops retrying: time for the
/// last store call (the SDK gives up on one after [`clusto_store_dynamodb::CALL_TIMEOUT`])
/// and for the answer.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(6);

/// Runs the request under its Lambda function's deadline less [`DEADLINE_MARGIN`], if it
/// came through Lambda (`clusto-local` has no deadline: the retries' own limits bound it).
async fn under_deadline(request: Request, next: Next) -> Response {
    let Some(context) = request.lambda_context_ref() else {
        return next.run(request).await;
    };
    let left = context
        .deadline()
        .duration_since(SystemTime::now())
        .unwrap_or_default()
        .saturating_sub(DEADLINE_MARGIN);
    retry::within((Instant::now() + left).into(), next.run(request)).await
}

async fn common(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let minify = request.headers().get(MINIFY).cloned();
    let span = tracing::info_span!("request", %method, path);
    let mut response = if method == Method::OPTIONS {
        options()
    } else {
        under_deadline(request, next).instrument(span.clone()).await
    };
    if response.status() == StatusCode::METHOD_NOT_ALLOWED && !is_json(&response) {
        response = method_not_allowed(response, &method, &path);
    }
    let headers = response.headers_mut();
    if headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == JSON_CONTENT_TYPE.as_bytes())
    {
        let echo = minify.unwrap_or_else(|| HeaderValue::from_static("False"));
        headers.insert(MINIFY, echo);
    }
    for (name, value) in state.config.headers() {
        headers.insert(name.clone(), value.clone());
    }
    let status = response.status().as_u16();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| tracing::info!(status, duration_ms, "{method} {path} {status}"));
    response
}
