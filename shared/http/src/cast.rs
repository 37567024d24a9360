//! Type casting of attribute values by the `datatype` parameter (`clusto-model.md` §8.8),
//! shared by the attribute writes and the `clusto-local` fixture loader.
//!
//! Without a datatype a value keeps its own type (form values are text; JSON values keep
//! their JSON type). With one, the value's text is cast, and a failure is a 400 with the
//! original's text: `Error casting abc into a(n) int: invalid literal for int() …`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use clusto_model::{AttrValue, NewValue, parse_int};
use serde_json::Value;

use crate::error::ApiError;

/// The default `mask` of the `datetime` datatype (Python `strptime` syntax).
pub const DEFAULT_MASK: &str = "%Y-%m-%dT%H:%M:%S.%f";

const DATATYPES: &str = "('int', 'string', 'datetime', 'relation', 'json')";

/// The text a value is cast from (Python's `str()` of it).
pub fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

fn casting_error(value: &Value, datatype: &str, reason: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!(
        "Error casting {} into a(n) {datatype}: {reason}",
        text_of(value)
    ))
}

fn out_of_range(value: &Value) -> ApiError {
    ApiError::BadRequest(format!(
        "The integer {value} is out of range: integers must fit in 64 bits \
         (-9223372036854775808 to 9223372036854775807)."
    ))
}

/// A value as written, typed by the `datatype` (and `mask`) given with it.
pub fn cast(
    value: Value,
    datatype: Option<&str>,
    mask: Option<&str>,
) -> Result<NewValue, ApiError> {
    let plain = |v: AttrValue| Ok(NewValue::Plain(v));
    match datatype {
        None => match AttrValue::from_json(value.clone()) {
            Some(v) => plain(v),
            None => Err(out_of_range(&value)),
        },
        Some("string") => plain(AttrValue::Str(text_of(&value))),
        Some("int") => match &value {
            Value::Bool(b) => plain(AttrValue::Int(i64::from(*b))),
            Value::Number(n) if n.is_i64() => plain(AttrValue::Int(n.as_i64().unwrap_or(0))),
            Value::Number(n) if n.is_u64() => Err(out_of_range(&value)),
            Value::Number(n) => plain(AttrValue::Int(n.as_f64().unwrap_or(0.0).trunc() as i64)),
            Value::String(s) => match parse_int(s) {
                Ok(n) => plain(AttrValue::Int(n)),
                Err(e) => Err(casting_error(&value, "int", e)),
            },
            _ => Err(casting_error(
                &value,
                "int",
                "int() argument must be a string or a number",
            )),
        },
        Some("datetime") => {
            let mask = mask.unwrap_or(DEFAULT_MASK);
            let text = text_of(&value);
            match parse_datetime(&text, mask) {
                Some(d) => plain(AttrValue::DateTime(d)),
                None => Err(casting_error(
                    &value,
                    "datetime",
                    format!("time data '{text}' does not match format '{mask}'"),
                )),
            }
        }
        Some("relation") => relation(&value),
        Some("json") => {
            let decoded = match value {
                Value::String(ref s) => serde_json::from_str::<Value>(s)
                    .map_err(|e| casting_error(&value, "json", e))?,
                other => other,
            };
            match AttrValue::from_json(decoded.clone()) {
                Some(v) => plain(v),
                None => Err(out_of_range(&decoded)),
            }
        }
        Some(other) => Err(ApiError::BadRequest(format!(
            "{other} is not a valid datatype. datatypes include: {DATATYPES}"
        ))),
    }
}

/// `/<driver>/<name>`: exactly three `/`-separated parts, the first ignored; an empty
/// driver means "any driver".
fn relation(value: &Value) -> Result<NewValue, ApiError> {
    let text = text_of(value);
    let parts: Vec<&str> = text.split('/').collect();
    match parts.as_slice() {
        [_, driver, name] => Ok(NewValue::Relation {
            name: (*name).to_owned(),
            driver: Some((*driver).to_owned()).filter(|d| !d.is_empty()),
        }),
        [_] => Err(casting_error(
            value,
            "relation",
            "need more than 1 value to unpack",
        )),
        [_, _] => Err(casting_error(
            value,
            "relation",
            "need more than 2 values to unpack",
        )),
        _ => Err(casting_error(
            value,
            "relation",
            "too many values to unpack",
        )),
    }
}

/// Python's `datetime.strptime(text, mask)`, for the directives chrono shares with it.
/// Python's `%f` takes 1 to 6 digits of microseconds: the input's fraction is padded to 6
/// digits and read with chrono's exact `%6f`. A mask without a date reads as 1900-01-01,
/// one without a time as midnight, as in Python.
pub fn parse_datetime(text: &str, mask: &str) -> Option<NaiveDateTime> {
    let (text, mask) = if mask.contains("%f") {
        (pad_fraction(text)?, mask.replace("%f", "%6f"))
    } else {
        (text.to_owned(), mask.to_owned())
    };
    NaiveDateTime::parse_from_str(&text, &mask)
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(&text, &mask)
                .ok()
                .map(|d| d.and_time(NaiveTime::MIN))
        })
        .or_else(|| {
            let t = NaiveTime::parse_from_str(&text, &mask).ok()?;
            Some(NaiveDate::from_ymd_opt(1900, 1, 1)?.and_time(t))
        })
}

/// Pads the one run of 1–6 digits after a `.` to 6 digits (`51.321` → `51.321000`).
/// `None` when there is no such run (Python's `%f` then fails too) or more than one.
fn pad_fraction(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut found = None;
    for (i, b) in bytes.iter().enumerate() {
        if *b != b'.' {
            continue;
        }
        let digits = bytes[i + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if (1..=6).contains(&digits) {
            if found.is_some() {
                return None;
            }
            found = Some((i + 1, digits));
        }
    }
    let (start, digits) = found?;
    let end = start + digits;
    Some(format!(
        "{}{:0<6}{}",
        &text[..start],
        &text[start..end],
        &text[end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(v: Value, dt: &str) -> String {
        cast(v, Some(dt), None).unwrap_err().to_string()
    }

    #[test]
    fn casting_errors_have_the_originals_texts() {
        assert_eq!(
            err(json!("abc"), "int"),
            "Error casting abc into a(n) int: invalid literal for int() with base 10: 'abc'"
        );
        assert_eq!(
            err(json!("2015-01-01"), "datetime"),
            "Error casting 2015-01-01 into a(n) datetime: time data '2015-01-01' does not match format '%Y-%m-%dT%H:%M:%S.%f'"
        );
        assert_eq!(
            err(json!("a1"), "relation"),
            "Error casting a1 into a(n) relation: need more than 1 value to unpack"
        );
        assert_eq!(
            err(json!("x"), "float"),
            "float is not a valid datatype. datatypes include: ('int', 'string', 'datetime', 'relation', 'json')"
        );
        assert!(err(json!("{bad"), "json").starts_with("Error casting {bad into a(n) json: "));
    }

    #[test]
    fn values_are_cast() {
        let v = cast(json!("6"), Some("int"), None).unwrap();
        assert_eq!(v, NewValue::Plain(AttrValue::Int(6)));
        let v = cast(json!("true"), Some("json"), None).unwrap();
        assert_eq!(v, NewValue::Plain(AttrValue::Int(1)));
        let v = cast(json!("x/pool/p"), Some("relation"), None).unwrap();
        assert_eq!(
            v,
            NewValue::Relation {
                name: "p".into(),
                driver: Some("pool".into())
            }
        );
        let v = cast(json!(7), None, Some("%Y")).unwrap();
        assert_eq!(v, NewValue::Plain(AttrValue::Int(7)));
    }

    #[test]
    fn datetimes_follow_strptime() {
        let d = parse_datetime("1991-07-09T14:46:51.321435", DEFAULT_MASK).unwrap();
        assert_eq!(d.to_string(), "1991-07-09 14:46:51.321435");
        let d = parse_datetime("1991-07-09T14:46:51.5", DEFAULT_MASK).unwrap();
        assert_eq!(d.to_string(), "1991-07-09 14:46:51.500");
        assert!(parse_datetime("1991-07-09T14:46:51", DEFAULT_MASK).is_none());
        assert!(parse_datetime("1991-07-09T14:46:51.1234567", DEFAULT_MASK).is_none());
        let d = parse_datetime("2015-01-01", "%Y-%m-%d").unwrap();
        assert_eq!(d.to_string(), "2015-01-01 00:00:00");
    }
}
