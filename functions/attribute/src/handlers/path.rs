//! The path of an attribute request: `/attribute/{name}[/{key}[/{subkey}[/{number}]]]`.

use clusto_http::{ApiError, ApiResult};
use clusto_model::{AttrFilter, parse_int};
use serde::Deserialize;

/// The path parameters (percent-decoded).
#[derive(Debug, Clone, Deserialize)]
pub struct AttrPath {
    /// Entity name.
    pub name: String,
    /// Attribute key.
    pub key: Option<String>,
    /// Attribute subkey.
    pub subkey: Option<String>,
    /// Attribute number, as text (`-?\d+`).
    pub number: Option<String>,
}

impl AttrPath {
    /// The number: `-?\d+` or the route does not match (404, as for any unknown path);
    /// outside 64 bits: 400.
    pub fn number(&self) -> ApiResult<Option<i64>> {
        let Some(text) = &self.number else {
            return Ok(None);
        };
        let digits = text.strip_prefix('-').unwrap_or(text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::NotFound(format!(
                "Nothing here: an attribute number is an integer, not {text:?}"
            )));
        }
        parse_int(text).map(Some).map_err(ApiError::from)
    }

    /// The filter of a query or delete: the path's key, subkey and number (0 included:
    /// quirk 13).
    pub fn filter(&self) -> ApiResult<AttrFilter> {
        Ok(AttrFilter {
            key: self.key.clone(),
            subkey: self.subkey.clone(),
            number: self.number()?,
            value: None,
        })
    }
}
