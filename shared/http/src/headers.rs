//! The custom request headers (`clusto-model.md` §8.2): `Clusto-Mode`, `Clusto-Page`,
//! `Clusto-Per-Page` and `Clusto-Minify`, and the paging arithmetic with its response
//! headers.

use axum::http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::ApiError;

/// `Clusto-Mode`
pub const MODE: HeaderName = HeaderName::from_static("clusto-mode");
/// `Clusto-Page`
pub const PAGE: HeaderName = HeaderName::from_static("clusto-page");
/// `Clusto-Per-Page`
pub const PER_PAGE: HeaderName = HeaderName::from_static("clusto-per-page");
/// `Clusto-Pages` (response only)
pub const PAGES: HeaderName = HeaderName::from_static("clusto-pages");
/// `Clusto-Minify`
pub const MINIFY: HeaderName = HeaderName::from_static("clusto-minify");
/// `Warnings` (plural, non-standard: quirk 27)
pub const WARNINGS: HeaderName = HeaderName::from_static("warnings");

/// The page size when `Clusto-Per-Page` is absent.
pub const DEFAULT_PER_PAGE: i64 = 50;

/// How entities are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `"/<driver>/<name>"`
    Compact,
    /// The full object (§8.4).
    Expanded,
}

/// `Clusto-Mode` (exact spelling), or `default` when absent. Anything else is a 409.
pub fn mode(headers: &HeaderMap, default: Mode) -> Result<Mode, ApiError> {
    let Some(value) = headers.get(MODE) else {
        return Ok(default);
    };
    match value.as_bytes() {
        b"compact" => Ok(Mode::Compact),
        b"expanded" => Ok(Mode::Expanded),
        other => Err(ApiError::Conflict(format!(
            "'{}' is not a valid mode. Please choose from: {{compact,expanded}}.",
            String::from_utf8_lossy(other)
        ))),
    }
}

/// Whether `Clusto-Minify` asks for one-line JSON (`true`, any case).
pub fn minify(headers: &HeaderMap) -> bool {
    headers
        .get(MINIFY)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"))
}

/// Python's `int()` of a header value, with its error text (quirk 4).
fn header_int(headers: &HeaderMap, name: &HeaderName, default: i64) -> Result<i64, ApiError> {
    let Some(value) = headers.get(name) else {
        return Ok(default);
    };
    let text = String::from_utf8_lossy(value.as_bytes());
    clusto_model::parse_int(&text).map_err(|e| ApiError::BadRequest(e.to_string()))
}

/// The paging a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// Page number from 1; 0 = no paging.
    pub page: i64,
    /// Items per page (≥ 1).
    pub per_page: i64,
}

impl Paging {
    /// `Clusto-Page` (default 0) and `Clusto-Per-Page` (default 50). Not integers, a
    /// negative page or a page size below 1: 400.
    pub fn from_headers(headers: &HeaderMap) -> Result<Paging, ApiError> {
        let page = header_int(headers, &PAGE, 0)?;
        let per_page = header_int(headers, &PER_PAGE, DEFAULT_PER_PAGE)?;
        if page < 0 {
            return Err(ApiError::BadRequest(format!(
                "Clusto-Page must be 0 (no paging) or a page number from 1, not {page}."
            )));
        }
        if per_page < 1 {
            return Err(ApiError::BadRequest(format!(
                "Clusto-Per-Page must be at least 1, not {per_page}."
            )));
        }
        Ok(Paging { page, per_page })
    }

    /// One page of `items` (`items[(page−1)·per : page·per]`) and the response headers
    /// (`Clusto-Pages` = ⌈len/per⌉, `Clusto-Page`, `Clusto-Per-Page`), or everything and
    /// no headers when paging is off. Paging happens after the whole result is computed.
    pub fn apply<T>(&self, items: Vec<T>) -> (Vec<T>, Vec<(HeaderName, HeaderValue)>) {
        if self.page == 0 {
            return (items, Vec::new());
        }
        let len = items.len() as u128;
        let per = self.per_page as u128;
        let pages = len.div_ceil(per);
        let first = ((self.page as u128 - 1) * per).min(len) as usize;
        let last = (self.page as u128 * per).min(len) as usize;
        let page: Vec<T> = items.into_iter().take(last).skip(first).collect();
        let headers = vec![
            (PAGES, HeaderValue::from(pages as u64)),
            (PAGE, HeaderValue::from(self.page)),
            (PER_PAGE, HeaderValue::from(self.per_page)),
        ];
        (page, headers)
    }
}

/// A header value carrying text: visible ASCII as it is, anything else (non-ASCII,
/// control characters) as a `\u{..}` escape, so any entity name can appear in a header.
pub fn text_header(text: &str) -> HeaderValue {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (' '..='~').contains(&c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", u32::from(c)));
        }
    }
    HeaderValue::from_str(&out).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn modes_are_case_sensitive() {
        assert_eq!(mode(&headers(&[]), Mode::Compact).unwrap(), Mode::Compact);
        let h = headers(&[("clusto-mode", "expanded")]);
        assert_eq!(mode(&h, Mode::Compact).unwrap(), Mode::Expanded);
        let e = mode(&headers(&[("clusto-mode", "Compact")]), Mode::Compact).unwrap_err();
        assert_eq!(
            e.to_string(),
            "'Compact' is not a valid mode. Please choose from: {compact,expanded}."
        );
    }

    #[test]
    fn page_headers_parse_like_python_int() {
        let e = Paging::from_headers(&headers(&[("clusto-page", "notanint")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid literal for int() with base 10: 'notanint'"
        );
        assert!(Paging::from_headers(&headers(&[("clusto-per-page", "0")])).is_err());
        assert!(Paging::from_headers(&headers(&[("clusto-page", "-1")])).is_err());
    }

    #[test]
    fn paging_slices_and_counts_pages() {
        let p = Paging {
            page: 2,
            per_page: 3,
        };
        let (items, h) = p.apply((1..=7).collect::<Vec<_>>());
        assert_eq!(items, vec![4, 5, 6]);
        assert_eq!(h[0].1, "3");
        let (items, h) = Paging {
            page: 100,
            per_page: 100,
        }
        .apply(vec![1, 2]);
        assert!(items.is_empty());
        assert_eq!(h[0].1, "1");
        let (items, h) = Paging {
            page: 1,
            per_page: 5,
        }
        .apply(Vec::<i32>::new());
        assert!(items.is_empty());
        assert_eq!(h[0].1, "0");
        let (items, h) = Paging {
            page: 0,
            per_page: 1,
        }
        .apply(vec![1, 2]);
        assert_eq!((items.len(), h.len()), (2, 0));
    }
}
