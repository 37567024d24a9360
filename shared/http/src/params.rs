//! Request parameters and the request extractor every handler uses.
//!
//! As in the original (bottle's `request.params`), parameters are the query string followed
//! by the request body parsed as `application/x-www-form-urlencoded`, for every method
//! (DELETE and PUT included). Repeated keys keep their order, query values first. A body
//! sent as `application/json` is not read as a form: it is kept for the attribute writes,
//! which read it as JSON (`clusto-model.md` §8.7).
//!
//! Names and values are UTF-8: percent-escapes that decode to anything else are a 400, never
//! a replacement character in stored data. Bodies are limited to what AWS Lambda accepts
//! (6 MB); a larger one is a 413 whether the server is a Lambda function or `clusto-local`.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The largest request body accepted: AWS Lambda's limit for a synchronous invocation.
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

/// The parameters of a request, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parameters from `key=value` pairs.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Params { pairs }
    }

    /// Every pair, in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Whether there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The last value of `key` (single-valued reads).
    pub fn last(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The last value of `key`, treating an empty value as absent (`driver=` = no driver).
    pub fn last_nonempty(&self, key: &str) -> Option<&str> {
        self.last(key).filter(|v| !v.is_empty())
    }

    /// Every value of `key`, in order (multi-valued reads).
    pub fn all(&self, key: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Whether `key` was given at all.
    pub fn contains(&self, key: &str) -> bool {
        self.pairs.iter().any(|(k, _)| k == key)
    }

    /// The first key not in `allowed`, if any.
    pub fn unknown_key(&self, allowed: &[&str]) -> Option<&str> {
        self.pairs
            .iter()
            .map(|(k, _)| k.as_str())
            .find(|k| !allowed.contains(k))
    }
}

/// Decodes one form-encoded component: `+` is a space, `%XX` a byte (a malformed escape
/// stays as it is, as Python's `unquote` leaves it); the result must be UTF-8.
fn decode_component(raw: &str) -> Result<String, ApiError> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| {
        ApiError::BadRequest(format!(
            "Parameters must be UTF-8 text; {raw:?} does not decode as UTF-8."
        ))
    })
}

/// Parses `application/x-www-form-urlencoded` text (a query string or a body) strictly.
pub fn parse_form(text: &str) -> Result<Vec<(String, String)>, ApiError> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((decode_component(k)?, decode_component(v)?))
        })
        .collect()
}

/// Whether the request says its body is JSON (`application/json`, any parameters).
pub fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
}

fn too_large() -> ApiError {
    ApiError::TooLarge(format!(
        "The request body is larger than {MAX_BODY_BYTES} bytes, the most this API accepts."
    ))
}

/// Reads a whole body, at most [`MAX_BODY_BYTES`].
pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: axum::body::Body,
) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|e| {
            let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(s) = source {
                if s.is::<http_body_util::LengthLimitError>() {
                    return too_large();
                }
                source = s.source();
            }
            ApiError::BadRequest(format!("The request body could not be read: {e}"))
        })
}

/// Everything a handler needs from a request besides its path: parameters, headers and
/// the raw body.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// Query string, then form body.
    pub params: Params,
    /// Request headers.
    pub headers: HeaderMap,
    /// The raw body (for JSON attribute writes).
    pub body: Bytes,
    /// Whether the URL had a (non-empty) query string.
    pub has_query: bool,
}

impl ApiRequest {
    /// Whether the body is JSON by its `Content-Type`.
    pub fn is_json(&self) -> bool {
        is_json(&self.headers)
    }
}

impl<S: Send + Sync> FromRequest<S> for ApiRequest {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        let (parts, body) = req.into_parts();
        let query = parts.uri.query().unwrap_or("");
        let mut pairs = parse_form(query)?;
        let body = read_body(&parts.headers, body).await?;
        if !is_json(&parts.headers) && !body.is_empty() {
            let text = std::str::from_utf8(&body)
                .map_err(|_| ApiError::BadRequest("The form body must be UTF-8 text.".into()))?;
            pairs.extend(parse_form(text)?);
        }
        Ok(ApiRequest {
            params: Params::from_pairs(pairs),
            headers: parts.headers,
            body,
            has_query: !query.is_empty(),
        })
    }
}

/// Path parameters, percent-decoded by the router; a segment that does not decode to UTF-8
/// is a 400 with a JSON body (instead of axum's plain-text rejection).
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|e| ApiError::BadRequest(format!("Invalid path: {}", e.body_text())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_plus_percent_and_keep_order() {
        let pairs = parse_form("name=a+b&name=c%2Fd&x=caf%C3%A9&flag&e=").unwrap();
        let p = Params::from_pairs(pairs);
        assert_eq!(p.all("name"), vec!["a b", "c/d"]);
        assert_eq!(p.last("x"), Some("café"));
        assert_eq!(p.last("flag"), Some(""));
        assert_eq!(p.last_nonempty("e"), None);
    }

    #[test]
    fn malformed_escapes_stay_and_non_utf8_is_rejected() {
        let p = Params::from_pairs(parse_form("a=100%&b=%zz&c=%4").unwrap());
        assert_eq!(p.last("a"), Some("100%"));
        assert_eq!(p.last("b"), Some("%zz"));
        assert_eq!(p.last("c"), Some("%4"));
        assert!(matches!(parse_form("a=%ff"), Err(ApiError::BadRequest(_))));
    }

    #[test]
    fn last_value_wins() {
        let p = Params::from_pairs(parse_form("k=1&k=2").unwrap());
        assert_eq!(p.last("k"), Some("2"));
        assert_eq!(p.unknown_key(&["k"]), None);
        assert_eq!(p.unknown_key(&["j"]), Some("k"));
    }
}
