//! The `Idempotency-Key` request header (IETF httpapi draft "The Idempotency-Key HTTP
//! Header Field"), on every `POST`, `PUT` and `DELETE`: a request repeated with the same key
//! takes effect once and gets the first answer again, byte for byte, with
//! `Idempotent-Replayed: true`.
//!
//! This layer turns requests and answers into what [`clusto_model::idempotency`] keeps: the
//! key (1 to 255 visible ASCII characters, optionally as a quoted string), the caller (the
//! IAM principal of the API Gateway request context; [`LOCAL_PRINCIPAL`] when the request
//! did not come through API Gateway), and a SHA-256 fingerprint of the method, path, query,
//! `Content-Type` and body. Answers: a repeat of a running request 409 (with `Retry-After`),
//! a key reused for another request 422; a request whose change was made but whose answer
//! failed after it (or was lost, or is too large to keep) 409 `Unanswered`, and so do its
//! repeats. A 5xx of a request that changed nothing is not kept, so its
//! repeat runs again; a 503 "unconfirmed" is not kept either, and its repeat waits for the
//! lease (a minute) to tell whether the change was made.
//!
//! A write without a key is tracked too: when its change committed but its answer is a 5xx
//! (reading the result failed after the change), it answers 409 `Unanswered` instead of an
//! error that would say nothing was changed.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use clusto_model::idempotency::{Answer, Begin, Claim, IdempotentRequest};
use clusto_model::scope::{self, Marked};
use lambda_http::request::RequestContext;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;
use crate::params::read_body;

/// The request header.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// The header marking a replayed answer (as Stripe names it).
pub const REPLAYED: &str = "idempotent-replayed";
/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;
/// The caller of a request that did not come through API Gateway (`clusto-local`).
pub const LOCAL_PRINCIPAL: &str = "local";
/// The caller of a request through API Gateway without IAM authorisation.
pub const ANONYMOUS_PRINCIPAL: &str = "anonymous";

/// The key of a request, if it has one: `Ok(None)` when the header is absent.
fn key_of(parts: &Parts) -> Result<Option<String>, ApiError> {
    let Some(value) = parts.headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or_default();
    let key = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::BadRequest(format!(
            "The Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters."
        )));
    }
    Ok(Some(key.to_owned()))
}

/// The IAM principal API Gateway authorised the request for.
fn principal_of(parts: &Parts) -> String {
    match parts.extensions.get::<RequestContext>() {
        None => LOCAL_PRINCIPAL.to_owned(),
        Some(RequestContext::ApiGatewayV2(context)) => context
            .authorizer
            .as_ref()
            .and_then(|a| a.iam.as_ref())
            .and_then(|iam| iam.user_arn.clone())
            .unwrap_or_else(|| ANONYMOUS_PRINCIPAL.to_owned()),
        Some(_) => ANONYMOUS_PRINCIPAL.to_owned(),
    }
}

/// SHA-256 over the method, path, query, `Content-Type` and body, each length-prefixed so
/// that no two requests share a digest by moving bytes between parts.
fn fingerprint(parts: &Parts, body: &[u8]) -> String {
    let content_type = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    let mut hash = Sha256::new();
    for part in [
        parts.method.as_str().as_bytes(),
        parts.uri.path().as_bytes(),
        parts.uri.query().unwrap_or_default().as_bytes(),
        content_type,
        body,
    ] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn replay(answer: Answer) -> Response {
    let mut response = Response::new(Body::from(answer.body));
    *response.status_mut() = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    for (name, value) in answer.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.append(name, value);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

/// Runs the request under its claim and keeps (or releases) the outcome.
async fn run(state: &AppState, claim: Claim, request: Request, next: Next) -> Response {
    let (response, marked) = claim.run(next.run(request)).await;
    let (parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(e) => return ApiError::Internal(Box::new(e)).into_response(),
    };
    let clusto = &state.clusto;
    let failed = parts.status.is_server_error();
    let (kept, response) = match marked {
        // Nothing changed and the failure may pass: the repeat should run.
        Marked::No if failed => (
            clusto.release_idempotency(&claim).await,
            Response::from_parts(parts, Body::from(body)),
        ),
        // Whether the change was made is not known yet: the lease settles it.
        Marked::Unknown => (Ok(()), Response::from_parts(parts, Body::from(body))),
        // The change was made, but the answer failed after it (reading the result): the
        // error would say otherwise, so the request and its repeats say what is known.
        Marked::Yes if failed => (
            clusto.record_answer(&claim, None, marked).await,
            ApiError::Unanswered.into_response(),
        ),
        marked => {
            let answer = Answer {
                status: parts.status.as_u16(),
                headers: parts
                    .headers
                    .iter()
                    .filter_map(|(n, v)| Some((n.to_string(), v.to_str().ok()?.to_owned())))
                    .collect(),
                body: body.to_vec(),
            };
            (
                clusto.record_answer(&claim, Some(&answer), marked).await,
                Response::from_parts(parts, Body::from(body)),
            )
        }
    };
    if let Err(e) = kept {
        // The answer stands; a repeat finds the record unanswered and says so.
        tracing::warn!(error = %e, "could not keep the answer of an idempotent request");
    }
    response
}

/// Runs a write without a key, answering [`ApiError::Unanswered`] when its change was made
/// but its answer is a 5xx.
async fn run_plain(request: Request, next: Next) -> Response {
    match scope::tracked(next.run(request)).await {
        (response, Marked::Yes) if response.status().is_server_error() => {
            ApiError::Unanswered.into_response()
        }
        (response, _) => response,
    }
}

/// The middleware: methods other than `POST`, `PUT` and `DELETE` pass through untouched.
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !matches!(
        *request.method(),
        Method::POST | Method::PUT | Method::DELETE
    ) {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let key = match key_of(&parts) {
        Ok(Some(key)) => key,
        Ok(None) => return run_plain(Request::from_parts(parts, body), next).await,
        Err(e) => return e.into_response(),
    };
    let body = match read_body(&parts.headers, body).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    let principal = principal_of(&parts);
    let fingerprint = fingerprint(&parts, &body);
    let request = IdempotentRequest {
        principal: &principal,
        key: &key,
        fingerprint: &fingerprint,
    };
    let ttl = state.config.idempotency_ttl();
    match state.clusto.claim_idempotency(&request, ttl).await {
        Ok(Begin::Run(claim)) => {
            run(
                &state,
                claim,
                Request::from_parts(parts, Body::from(body)),
                next,
            )
            .await
        }
        Ok(Begin::Replay(answer)) => replay(answer),
        Ok(Begin::InProgress) => ApiError::InProgress.into_response(),
        Ok(Begin::Mismatch) => ApiError::KeyReused.into_response(),
        Ok(Begin::Unanswered) => ApiError::Unanswered.into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(method: &str, uri: &str, key: Option<&str>) -> Parts {
        let mut builder = axum::http::Request::builder().method(method).uri(uri);
        if let Some(key) = key {
            builder = builder.header(IDEMPOTENCY_KEY, key);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn keys_are_visible_ascii_up_to_255() {
        let key = |k: &str| key_of(&parts("POST", "/", Some(k)));
        assert_eq!(key("abc-1").unwrap().as_deref(), Some("abc-1"));
        assert_eq!(key("\"quoted\"").unwrap().as_deref(), Some("quoted"));
        assert!(key(&"k".repeat(255)).is_ok());
        for bad in ["", "\"\"", "with space", &"k".repeat(256)] {
            assert!(key(bad).is_err(), "{bad:?}");
        }
        assert!(key_of(&parts("POST", "/", None)).unwrap().is_none());
    }

    #[test]
    fn fingerprints_tell_requests_apart() {
        let a = fingerprint(&parts("POST", "/x?a=1", None), b"");
        assert_eq!(a, fingerprint(&parts("POST", "/x?a=1", None), b""));
        assert_ne!(a, fingerprint(&parts("PUT", "/x?a=1", None), b""));
        assert_ne!(a, fingerprint(&parts("POST", "/x?a=2", None), b""));
        assert_ne!(a, fingerprint(&parts("POST", "/x?a=1", None), b"b"));
        assert_ne!(
            fingerprint(&parts("POST", "/x?ab", None), b""),
            fingerprint(&parts("POST", "/x?a", None), b"b")
        );
    }

    #[test]
    fn requests_outside_api_gateway_are_local() {
        assert_eq!(principal_of(&parts("POST", "/", None)), LOCAL_PRINCIPAL);
    }
}
