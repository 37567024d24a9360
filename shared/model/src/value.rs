//! Typed attribute values: the five clusto datatypes, how they are stored in an item, and how
//! the API renders them (`unclusto`).

use chrono::NaiveDateTime;
use serde_json::Value as Json;

use crate::EntityRef;

/// The largest attribute value accepted, in bytes of its stored text (both backends alike).
/// Larger values are rejected with [`crate::ModelError::TooLarge`]; the limit keeps every
/// item well under DynamoDB's 400 KB.
pub const MAX_VALUE_BYTES: usize = 256 * 1024;

/// The datetime text format clusto uses (microseconds optional on output).
const DATETIME_OUT: &str = "%Y-%m-%dT%H:%M:%S%.f";

/// A stored attribute value. The datatype is always the value's own type.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// `string`
    Str(String),
    /// `int` (64-bit)
    Int(i64),
    /// `datetime` (no timezone, microsecond precision)
    DateTime(NaiveDateTime),
    /// `relation`: a reference to another entity.
    Relation(EntityRef),
    /// `json`: a list or an object.
    Json(Json),
    /// Python's `None`: clusto stores it as a `string` row whose value columns are all
    /// NULL, and the API shows it as `null` (datatype `string`).
    Null,
}

impl AttrValue {
    /// The datatype name shown by the API.
    pub fn datatype(&self) -> &'static str {
        match self {
            AttrValue::Str(_) | AttrValue::Null => "string",
            AttrValue::Int(_) => "int",
            AttrValue::DateTime(_) => "datetime",
            AttrValue::Relation(_) => "relation",
            AttrValue::Json(_) => "json",
        }
    }

    /// The value as the API renders it.
    pub fn to_json(&self) -> Json {
        match self {
            AttrValue::Str(s) => Json::String(s.clone()),
            AttrValue::Int(n) => Json::from(*n),
            AttrValue::DateTime(d) => Json::String(format_datetime(d)),
            AttrValue::Relation(r) => Json::String(r.compact()),
            AttrValue::Json(j) => j.clone(),
            AttrValue::Null => Json::Null,
        }
    }

    /// The text a `value=` filter compares against: only `string` and `json` rows have one
    /// (`by-attr` with `value=45` never matches the int 45; a stored `None` has no text, as
    /// SQL's `string_value = 'x'` never matches NULL). For `json` it is the text clusto
    /// stores, Python's `json.dumps` (see [`python_json_text`]).
    pub fn filter_text(&self) -> Option<String> {
        match self {
            AttrValue::Str(s) => Some(s.clone()),
            AttrValue::Json(j) => Some(python_json_text(j)),
            _ => None,
        }
    }

    /// Clusto's value equality for `set`: same type and same value (`"6"` ≠ `6`).
    pub fn same_as(&self, other: &AttrValue) -> bool {
        match (self, other) {
            (AttrValue::Relation(a), AttrValue::Relation(b)) => a.name == b.name,
            _ => self == other,
        }
    }

    /// A value from a JSON value, typed by its runtime type as clusto does: integers (and
    /// booleans) → int, strings → string, lists and objects → json, anything else → its
    /// text, and `null` → [`AttrValue::Null`]. `None` for integers outside the 64-bit range.
    pub fn from_json(value: Json) -> Option<AttrValue> {
        Some(match value {
            Json::Bool(b) => AttrValue::Int(i64::from(b)),
            Json::Number(n) if n.is_i64() => AttrValue::Int(n.as_i64()?),
            Json::Number(n) if n.is_u64() => return None,
            Json::Number(n) => AttrValue::Str(python_float(n.as_f64().unwrap_or(f64::NAN))),
            Json::String(s) => AttrValue::Str(s),
            Json::Null => AttrValue::Null,
            j @ (Json::Array(_) | Json::Object(_)) => AttrValue::Json(j),
        })
    }
}

/// Renders a datetime as clusto does: ISO 8601 without timezone, microseconds only when
/// non-zero (`2015-01-01T00:00:00`, `1991-07-09T14:46:51.321435`).
pub fn format_datetime(d: &NaiveDateTime) -> String {
    let micros = d.and_utc().timestamp_subsec_micros();
    if micros == 0 {
        d.format("%Y-%m-%dT%H:%M:%S").to_string()
    } else {
        format!("{}.{micros:06}", d.format("%Y-%m-%dT%H:%M:%S"))
    }
}

/// Python's `json.dumps(value)` text, which clusto stores for `json` attributes: separators
/// `, ` and `: `, non-ASCII escaped as `\uXXXX` (`["a", {"b": "\u00e9"}]`). Object keys
/// come in sorted order (Python 2's dict order is arbitrary anyway).
pub fn python_json_text(j: &Json) -> String {
    let mut out = String::new();
    write_python_json(j, &mut out);
    out
}

fn write_python_json(j: &Json, out: &mut String) {
    match j {
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python_json(item, out);
            }
            out.push(']');
        }
        Json::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_python_json(&Json::String(k.clone()), out);
                out.push_str(": ");
                write_python_json(v, out);
            }
            out.push('}');
        }
        Json::String(_) => {
            for c in j.to_string().chars() {
                if c.is_ascii() {
                    out.push(c);
                } else {
                    for unit in c.encode_utf16(&mut [0; 2]) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
            }
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Parses the stored datetime text (the inverse of [`format_datetime`]).
pub fn parse_stored_datetime(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, DATETIME_OUT).ok()
}

/// Python's `str(float)` for the common cases (`1.5`, `2.0`, `1e+20`).
fn python_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_drop_a_zero_microsecond_part() {
        let d = NaiveDateTime::parse_from_str("2015-01-01T00:00:00", "%Y-%m-%dT%H:%M:%S").unwrap();
        assert_eq!(format_datetime(&d), "2015-01-01T00:00:00");
        let d = parse_stored_datetime("1991-07-09T14:46:51.321435").unwrap();
        assert_eq!(format_datetime(&d), "1991-07-09T14:46:51.321435");
        assert_eq!(parse_stored_datetime(&format_datetime(&d)), Some(d));
    }

    #[test]
    fn json_values_are_typed_by_their_runtime_type() {
        use serde_json::json;
        assert_eq!(AttrValue::from_json(json!(true)), Some(AttrValue::Int(1)));
        assert_eq!(AttrValue::from_json(json!(5)), Some(AttrValue::Int(5)));
        assert_eq!(
            AttrValue::from_json(json!("s")),
            Some(AttrValue::Str("s".into()))
        );
        assert_eq!(
            AttrValue::from_json(json!(1.5)),
            Some(AttrValue::Str("1.5".into()))
        );
        assert_eq!(AttrValue::from_json(json!(u64::MAX)), None);
        assert_eq!(
            AttrValue::from_json(json!([1, 2])).map(|v| v.datatype()),
            Some("json")
        );
    }

    #[test]
    fn json_text_is_pythons_json_dumps() {
        use serde_json::json;
        let j = json!(["a", 1, null, true, {"b": "é😀", "a": [], "c": "q\"\n"}]);
        assert_eq!(
            python_json_text(&j),
            r#"["a", 1, null, true, {"a": [], "b": "\u00e9\ud83d\ude00", "c": "q\"\n"}]"#
        );
    }

    #[test]
    fn string_six_is_not_int_six() {
        assert!(!AttrValue::Str("6".into()).same_as(&AttrValue::Int(6)));
        assert!(AttrValue::Int(6).same_as(&AttrValue::Int(6)));
    }
}
