//! [`ApiError`]: every way a request can fail, and the one place that turns a failure into
//! an HTTP response.
//!
//! Client errors are answered with their status and a JSON string saying what was wrong
//! (`clusto-model.md` §8.6; where the original crashed with a 500, §10 says which 4xx to
//! answer instead). Server errors are logged with their cause and answered with a generic
//! text: a cause is never rendered.

use std::error::Error as StdError;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clusto_model::ModelError;
use clusto_store::StoreError;
use serde_json::Value;

use crate::render::json_response;

/// What a 503 asks clients to wait before retrying, in seconds: long enough for throttling
/// to ease (DynamoDB adapts on-demand capacity within seconds), short for a client.
const RETRY_AFTER_SECONDS: &str = "1";

/// A failed request.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed input (a parameter, a header, a body, an attribute key, an IP …).
    #[error("{0}")]
    BadRequest(String),
    /// 404: an object, a driver or a path that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// 404 with no body and the literal header `Content-Type: None`, as the original's
    /// entity `DELETE` of a missing entity answered (quirk 2; a documented example checks it).
    #[error("not found")]
    NotFoundNoBody,
    /// 405: the path exists, the method does not; `allow` lists the methods that do.
    #[error("The method {method} is not allowed on {path}; allowed: {allow}")]
    MethodNotAllowed {
        /// The request method.
        method: String,
        /// The request path.
        path: String,
        /// The value of the `Allow` header.
        allow: String,
    },
    /// 409: the request conflicts with the data (wrong driver, containment rule, taken or
    /// exhausted resource, ambiguous set) or asks for an invalid `Clusto-Mode`.
    #[error("{0}")]
    Conflict(String),
    /// 409 with `Retry-After`: an earlier attempt of this request (same `Idempotency-Key`)
    /// is running now.
    #[error(
        "A request with this Idempotency-Key is being processed; repeat it once that one \
         has been answered."
    )]
    InProgress,
    /// 409: the request (or the first one with its `Idempotency-Key`) made its change, but
    /// its answer could not be made or kept.
    #[error(
        "The request made its change, but its answer could not be made or kept; read the \
         data to see the result."
    )]
    Unanswered,
    /// 412: a required parameter is missing, or a driver named in the request does not exist.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 412: `If-Match` names a version of the entity that is no longer current.
    #[error("{0}")]
    Modified(String),
    /// 413: a value or a request body over the stated limits.
    #[error("{0}")]
    TooLarge(String),
    /// 422: an `Idempotency-Key` used before for a different request.
    #[error(
        "This Idempotency-Key was used for a different request (another method, path, \
         parameters or body); use a new key for a new request."
    )]
    KeyReused,
    /// 503 with `Retry-After`: the database is throttling or too busy to finish, and nothing
    /// was written; the client may retry.
    #[error("The database is busy; nothing was changed. Please retry the request.")]
    Busy(#[source] StoreError),
    /// 503 with `Retry-After`: the database did not confirm a change, even when asked again,
    /// so it may or may not have been made.
    #[error(
        "The database did not confirm the change, so it may or may not have been made; \
         read the data before repeating the request."
    )]
    Unconfirmed(#[source] StoreError),
    /// 500: a bug or a backend failure. Logged with its cause; answered generically.
    #[error("internal error")]
    Internal(#[source] Box<dyn StdError + Send + Sync>),
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The shared lookup's "object not found" answer: 404
    /// `Object "N" not found (N does not exist.)`.
    pub fn object_not_found(name: &str) -> Self {
        ApiError::NotFound(format!(
            "Object \"{name}\" not found ({})",
            ModelError::DoesNotExist(name.to_owned())
        ))
    }

    /// The status code of each variant.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) | ApiError::NotFoundNoBody => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) | ApiError::InProgress | ApiError::Unanswered => {
                StatusCode::CONFLICT
            }
            ApiError::PreconditionFailed(_) | ApiError::Modified(_) => {
                StatusCode::PRECONDITION_FAILED
            }
            ApiError::KeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Busy(_) | ApiError::Unconfirmed(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// The default meaning of each model error: the texts of the shared lookup `get(name,
/// driver)` for lookup errors (412 unknown driver, 404 missing, 409 wrong driver), and the
/// library's own text for the rest. Endpoints with texts of their own map those cases
/// before converting.
impl From<ModelError> for ApiError {
    fn from(e: ModelError) -> Self {
        match e {
            ModelError::UnknownDriver(d) => {
                ApiError::PreconditionFailed(format!("The driver \"{d}\" is not a valid driver"))
            }
            ModelError::DoesNotExist(name) => ApiError::object_not_found(&name),
            e @ (ModelError::WrongDriver { .. }
            | ModelError::NotAPool(_)
            | ModelError::NotAManager(_)
            | ModelError::Conflict(_)) => ApiError::Conflict(e.to_string()),
            ModelError::Invalid(msg) => ApiError::BadRequest(msg),
            ModelError::TooLarge(msg) => ApiError::TooLarge(msg),
            ModelError::Modified(msg) => ApiError::Modified(msg),
            ModelError::Store(e @ StoreError::Unknown(_)) => ApiError::Unconfirmed(e),
            ModelError::Store(e) if e.is_transient() => ApiError::Busy(e),
            e @ (ModelError::Store(_) | ModelError::Corrupt { .. }) => {
                ApiError::Internal(Box::new(e))
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            ApiError::NotFoundNoBody => {
                let mut response = status.into_response();
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("None"));
                return response;
            }
            ApiError::Internal(cause) => {
                tracing::error!(error = %cause, source = ?cause.source(), "request failed");
            }
            ApiError::Busy(cause) => tracing::warn!(error = %cause, "store busy"),
            ApiError::Unconfirmed(cause) => tracing::error!(error = %cause, "write unconfirmed"),
            _ => {}
        }
        let message = match &self {
            ApiError::Internal(_) => {
                "Internal server error: the request failed; the server log has the cause.".into()
            }
            other => other.to_string(),
        };
        let mut response = json_response(status, &Value::String(message), false);
        if let ApiError::MethodNotAllowed { allow, .. } = &self
            && let Ok(value) = HeaderValue::from_str(allow)
        {
            response.headers_mut().insert(header::ALLOW, value);
        }
        if status == StatusCode::SERVICE_UNAVAILABLE || matches!(self, ApiError::InProgress) {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(RETRY_AFTER_SECONDS),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_errors_have_the_shared_texts() {
        let e = ApiError::from(ModelError::DoesNotExist("nonserver".into()));
        assert_eq!(e.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            e.to_string(),
            "Object \"nonserver\" not found (nonserver does not exist.)"
        );
        let e = ApiError::from(ModelError::UnknownDriver("nondriver".into()));
        assert_eq!(e.status(), StatusCode::PRECONDITION_FAILED);
        assert_eq!(
            e.to_string(),
            "The driver \"nondriver\" is not a valid driver"
        );
        let e = ApiError::from(ModelError::WrongDriver {
            name: "testserver1".into(),
            driver: "pool".into(),
        });
        assert_eq!(e.status(), StatusCode::CONFLICT);
    }

    #[test]
    fn store_failures_are_500_or_503() {
        let busy = ApiError::from(ModelError::Store(StoreError::Busy("x".into())));
        assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
        let bad = ApiError::from(ModelError::Store(StoreError::Invalid("x".into())));
        assert_eq!(bad.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn throttled_and_unconfirmed_writes_are_503_with_retry_after() {
        let throttled = StoreError::TransactionCanceled {
            reasons: vec![
                clusto_store::CancelReason::None,
                clusto_store::CancelReason::Throttled,
            ],
        };
        let unknown = StoreError::Unknown("lost answer".into());
        for (e, text) in [
            (throttled, "nothing was changed"),
            (unknown, "may or may not"),
        ] {
            let error = ApiError::from(ModelError::Store(e));
            assert!(error.to_string().contains(text), "{error}");
            let response = error.into_response();
            assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(response.headers()[header::RETRY_AFTER], RETRY_AFTER_SECONDS);
        }
    }
}
