//! JSON exactly as the original wrote it: Python's `json.dumps(obj, sort_keys=True,
//! indent=4)` (pretty, the default) or `json.dumps(obj, sort_keys=True, separators=(', ',
//! ': '))` (minified, `Clusto-Minify: true`), both with `ensure_ascii`.
//!
//! Keys come out sorted because `serde_json::Map` is a `BTreeMap` in this build (no
//! `preserve_order` feature). What serde_json does differently from Python is handled by
//! [`PyFormatter`]: non-ASCII characters (and DEL) are written as `\uXXXX` escapes (astral
//! characters as surrogate pairs), minified output puts a space after `,` and `:`, and
//! floats use Python's `repr` (`1e+16`, `1.5e-05`).

use std::io::{self, Write};

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::Value;
use serde_json::ser::Formatter;

/// The `Content-Type` of every JSON answer.
pub const JSON_CONTENT_TYPE: &str = "application/json";

/// A `serde_json` formatter that writes what Python's `json.dumps` writes.
#[derive(Debug, Clone, Default)]
pub struct PyFormatter {
    /// One line (`, ` and `: ` separators) instead of 4-space indentation.
    minify: bool,
    level: usize,
    has_value: bool,
}

impl PyFormatter {
    /// Pretty (`indent=4`) or minified output.
    pub fn new(minify: bool) -> Self {
        PyFormatter {
            minify,
            level: 0,
            has_value: false,
        }
    }

    fn newline_indent<W: ?Sized + Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(b"\n")?;
        for _ in 0..self.level {
            w.write_all(b"    ")?;
        }
        Ok(())
    }

    fn begin_container<W: ?Sized + Write>(&mut self, w: &mut W, open: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(open)
    }

    fn end_container<W: ?Sized + Write>(&mut self, w: &mut W, close: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value && !self.minify {
            self.newline_indent(w)?;
        }
        self.has_value = true;
        w.write_all(close)
    }

    fn begin_item<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        match (first, self.minify) {
            (true, true) => Ok(()),
            (false, true) => w.write_all(b", "),
            (true, false) => self.newline_indent(w),
            (false, false) => {
                w.write_all(b",")?;
                self.newline_indent(w)
            }
        }
    }
}

impl Formatter for PyFormatter {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin_container(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end_container(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.begin_item(w, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.begin_container(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.end_container(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.begin_item(w, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn write_f64<W: ?Sized + Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        w.write_all(python_float_repr(value).as_bytes())
    }

    fn write_f32<W: ?Sized + Write>(&mut self, w: &mut W, value: f32) -> io::Result<()> {
        self.write_f64(w, f64::from(value))
    }

    /// serde_json has already escaped quotes, backslashes and control characters; what is
    /// left to do for `ensure_ascii` is everything outside printable ASCII.
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if c.is_ascii() && c != '\x7f' {
                continue;
            }
            w.write_all(&fragment.as_bytes()[start..i])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(w, "\\u{unit:04x}")?;
            }
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
}

/// Python's `repr(float)`: the shortest round-trip digits, positional for exponents in
/// −4..16, otherwise scientific with a signed exponent of at least two digits.
pub fn python_float_repr(f: f64) -> String {
    if !f.is_finite() {
        return if f.is_nan() {
            "NaN".into()
        } else if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if f.is_sign_negative() { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let body = if exp >= 0 {
            let point = exp as usize + 1;
            let int_part = format!("{digits:0<point$}");
            let (int_part, frac) = int_part.split_at(point);
            let frac = if frac.is_empty() { "0" } else { frac };
            format!("{int_part}.{frac}")
        } else {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        };
        format!("{sign}{body}")
    } else {
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exp.abs())
    }
}

/// Serializes `value` as the original would have.
pub fn to_json_string<T: Serialize + ?Sized>(value: &T, minify: bool) -> String {
    let mut out = Vec::with_capacity(128);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PyFormatter::new(minify));
    // Serializing a serde_json::Value (or plain data) into a Vec cannot fail.
    value
        .serialize(&mut ser)
        .expect("JSON serialization into memory");
    String::from_utf8(out).expect("the formatter writes ASCII only")
}

/// A JSON answer: status, body, extra headers, and whether to minify the body.
#[derive(Debug, Clone)]
pub struct JsonAnswer {
    /// HTTP status.
    pub status: StatusCode,
    /// The body.
    pub value: Value,
    /// One-line output.
    pub minify: bool,
    /// Extra response headers.
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl JsonAnswer {
    /// A 200 answer.
    pub fn ok(value: Value, minify: bool) -> Self {
        JsonAnswer {
            status: StatusCode::OK,
            value,
            minify,
            headers: Vec::new(),
        }
    }

    /// The same answer with another status.
    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The same answer with more headers.
    pub fn with_headers(
        mut self,
        headers: impl IntoIterator<Item = (HeaderName, HeaderValue)>,
    ) -> Self {
        self.headers.extend(headers);
        self
    }
}

impl IntoResponse for JsonAnswer {
    fn into_response(self) -> Response {
        // A 304 (a conditional GET whose tag still matches) has no body.
        let mut response = if self.status == StatusCode::NOT_MODIFIED {
            self.status.into_response()
        } else {
            json_response(self.status, &self.value, self.minify)
        };
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// A JSON response with `Content-Type: application/json`.
pub fn json_response(status: StatusCode, value: &Value, minify: bool) -> Response {
    let body = to_json_string(value, minify);
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pretty_output_matches_pythons_indent_4() {
        let v = json!({"b": [1, {"x": null}], "a": [], "c": {}});
        let want = "{\n    \"a\": [],\n    \"b\": [\n        1,\n        {\n            \"x\": null\n        }\n    ],\n    \"c\": {}\n}";
        assert_eq!(to_json_string(&v, false), want);
    }

    #[test]
    fn minified_output_keeps_pythons_spaces() {
        let v = json!(["/basicserver/testserver1", {"b": 1, "a": [true, false]}]);
        assert_eq!(
            to_json_string(&v, true),
            r#"["/basicserver/testserver1", {"a": [true, false], "b": 1}]"#
        );
        assert_eq!(to_json_string(&json!([]), true), "[]");
    }

    #[test]
    fn non_ascii_is_escaped_like_ensure_ascii() {
        assert_eq!(to_json_string(&json!("café"), false), r#""caf\u00e9""#);
        assert_eq!(to_json_string(&json!("😀"), false), r#""\ud83d\ude00""#);
        assert_eq!(
            to_json_string(&json!("a\"b\\c\n\u{1}\u{7f}"), false),
            r#""a\"b\\c\n\u0001\u007f""#
        );
        assert_eq!(to_json_string(&json!({"é": 1}), true), r#"{"\u00e9": 1}"#);
    }

    #[test]
    fn floats_follow_pythons_repr() {
        for (f, want) in [
            (1.5, "1.5"),
            (2.0, "2.0"),
            (123.0, "123.0"),
            (0.0001, "0.0001"),
            (1.5e-5, "1.5e-05"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (-0.25, "-0.25"),
            (1.2345e20, "1.2345e+20"),
        ] {
            assert_eq!(python_float_repr(f), want, "{f}");
        }
    }
}
