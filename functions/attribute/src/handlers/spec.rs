//! What an attribute write asks for (`clusto-model.md` §8.7): the path values merged with
//! the form parameters, or a JSON body (one object, or an array of them) that replaces
//! both; then every attribute validated and cast before anything is written.

use clusto_http::cast::{cast, text_of};
use clusto_http::{ApiError, ApiRequest, ApiResult};
use clusto_model::{AttrWrite, WriteMode, parse_int};
use serde_json::{Map, Value};

use super::path::AttrPath;

/// One attribute as submitted: field name → value.
pub type Spec = Map<String, Value>;

/// The fields an attribute may have (`driver` selects the entity, as on reads: quirk 9;
/// `mask` without `datatype` is ignored).
const FIELDS: &[&str] = &[
    "key", "subkey", "number", "value", "datatype", "mask", "driver",
];

/// Python's `repr()` of a string, as the conflict message shows it (`'k'`).
fn py_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

fn conflict(field: &str, path: &str, param: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "Two different values were submitted for \"{field}\": [{path}, {}]",
        py_repr(param)
    ))
}

/// The path values merged with the parameters (last value of each). A field given in both
/// with different values is a 400; numbers compare as integers (quirk 14).
fn merged(path: &AttrPath, number: Option<i64>, req: &ApiRequest) -> ApiResult<Spec> {
    let mut spec = Spec::new();
    for (k, _) in req.params.pairs() {
        if !spec.contains_key(k) {
            let last = req.params.last(k).unwrap_or_default();
            spec.insert(k.clone(), Value::String(last.to_owned()));
        }
    }
    for (field, value) in [("key", &path.key), ("subkey", &path.subkey)] {
        let Some(value) = value else { continue };
        if let Some(given) = req.params.last(field).filter(|g| g != value) {
            return Err(conflict(field, &py_repr(value), given));
        }
        spec.insert(field.into(), Value::String(value.clone()));
    }
    if let Some(n) = number {
        if let Some(given) = req.params.last("number")
            && parse_int(given).ok() != Some(n)
        {
            return Err(conflict("number", &n.to_string(), given));
        }
        spec.insert("number".into(), Value::from(n));
    }
    Ok(spec)
}

/// The first integer literal of a JSON text that does not fit 64 bits. serde_json would
/// read it as a float (and `99999999999999999999` would be stored as `"1e+20"`); the
/// original's Python read it exactly and failed to store it (quirk 31): here it is a 400.
fn oversized_integer(text: &[u8]) -> Option<String> {
    let (mut i, mut in_string) = (0, false);
    while i < text.len() {
        let c = text[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else if c == b'"' {
            in_string = true;
        } else if c == b'-' || c.is_ascii_digit() {
            let start = i;
            while i < text.len()
                && matches!(text[i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
            {
                i += 1;
            }
            let token = String::from_utf8_lossy(&text[start..i]).into_owned();
            let integral = !token.contains(['.', 'e', 'E']);
            if integral && token.parse::<i64>().is_err() {
                return Some(token);
            }
            continue;
        }
        i += 1;
    }
    None
}

/// The attributes of a JSON body, or `None` when it holds nothing (empty, `[]`, `{}`).
fn from_json(body: &[u8]) -> ApiResult<Option<Vec<Spec>>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if let Some(n) = oversized_integer(body) {
        return Err(ApiError::BadRequest(format!(
            "The integer {n} is out of range: integers must fit in 64 bits \
             (-9223372036854775808 to 9223372036854775807)."
        )));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("The JSON body does not decode: {e}")))?;
    let items = match value {
        Value::Object(obj) if obj.is_empty() => return Ok(None),
        Value::Array(list) if list.is_empty() => return Ok(None),
        Value::Object(obj) => vec![Value::Object(obj)],
        Value::Array(list) => list,
        _ => {
            return Err(ApiError::BadRequest(
                "A JSON body must be an attribute object or an array of them.".into(),
            ));
        }
    };
    items
        .into_iter()
        .map(|item| match item {
            Value::Object(obj) => Ok(obj),
            _ => Err(ApiError::BadRequest(
                "Every item of a JSON array must be an attribute object.".into(),
            )),
        })
        .collect::<ApiResult<Vec<Spec>>>()
        .map(Some)
}

/// Step 1 and 2 of §8.7: the form (merged with the path), or a non-empty JSON body, which
/// replaces it and may not come with a query string.
pub fn collect(path: &AttrPath, number: Option<i64>, req: &ApiRequest) -> ApiResult<Vec<Spec>> {
    if req.is_json()
        && let Some(specs) = from_json(&req.body)?
    {
        if req.has_query {
            return Err(ApiError::BadRequest(
                "Error: json and query params may not be passed in the same request.".into(),
            ));
        }
        return Ok(specs);
    }
    Ok(vec![merged(path, number, req)?])
}

/// Text of an optional field; null and empty count as absent.
fn text_field(spec: &Spec, field: &str) -> Option<String> {
    match spec.get(field) {
        None | Some(Value::Null) => None,
        Some(v) => Some(text_of(v)).filter(|t| !t.is_empty()),
    }
}

/// The driver the entity is looked up with: the `driver` field, which every attribute
/// of the request must agree on.
pub fn driver(specs: &[Spec]) -> ApiResult<Option<String>> {
    let mut found: Option<String> = None;
    for d in specs.iter().filter_map(|s| text_field(s, "driver")) {
        match &found {
            Some(f) if *f != d => return Err(conflict("driver", &py_repr(f), &d)),
            _ => found = Some(d),
        }
    }
    Ok(found)
}

fn number(spec: &Spec) -> ApiResult<Option<i64>> {
    match spec.get("number") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
        Some(Value::String(s)) => parse_int(s).map(Some).map_err(ApiError::from),
        Some(other) => parse_int(&text_of(other)).map(Some).map_err(ApiError::from),
    }
}

/// Step 3: each attribute needs `key` and `value` (412; `"value": null` is a value), a
/// numeric `number` (null = absent), and a value that casts to its `datatype`.
fn write(spec: Spec, mode: WriteMode) -> ApiResult<AttrWrite> {
    if let Some(field) = spec.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::BadRequest(format!(
            "Unknown attribute field \"{field}\": use key, subkey, number, value, datatype (with mask), driver"
        )));
    }
    let key = text_field(&spec, "key");
    // A JSON `null` is a value (Python's None, stored as clusto stores it); only a missing
    // `value` is refused.
    let value = spec.get("value").cloned();
    let (Some(key), Some(value)) = (key, value) else {
        return Err(ApiError::PreconditionFailed(
            "Provide at least \"key\" and \"value\"".into(),
        ));
    };
    let number = number(&spec)?;
    let datatype = text_field(&spec, "datatype");
    let mask = text_field(&spec, "mask");
    Ok(AttrWrite {
        mode,
        key,
        subkey: text_field(&spec, "subkey"),
        number,
        value: cast(value, datatype.as_deref(), mask.as_deref())?,
    })
}

/// Every attribute of the request, validated and cast, in order.
pub fn writes(specs: Vec<Spec>, mode: WriteMode) -> ApiResult<Vec<AttrWrite>> {
    specs.into_iter().map(|s| write(s, mode)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_repr_of_strings() {
        assert_eq!(py_repr("k"), "'k'");
        assert_eq!(py_repr("it's"), "\"it's\"");
        assert_eq!(py_repr("a'\"b"), "'a\\'\"b'");
    }

    #[test]
    fn oversized_integers_are_found_outside_strings() {
        assert_eq!(
            oversized_integer(br#"{"v": 99999999999999999999}"#).as_deref(),
            Some("99999999999999999999")
        );
        assert_eq!(
            oversized_integer(br#"{"v": "99999999999999999999", "w": 1e30, "x": -5}"#),
            None
        );
        assert_eq!(
            oversized_integer(br#"["\"", 9223372036854775808]"#).as_deref(),
            Some("9223372036854775808")
        );
    }

    #[test]
    fn json_bodies_that_hold_nothing_fall_back() {
        assert!(from_json(b"[]").unwrap().is_none());
        assert!(from_json(b" {} ").unwrap().is_none());
        assert_eq!(from_json(br#"{"key":"a"}"#).unwrap().unwrap().len(), 1);
        assert!(from_json(b"5").is_err());
        assert!(from_json(b"{bad").is_err());
    }

    #[test]
    fn key_and_value_are_required() {
        let mut spec = Spec::new();
        spec.insert("key".into(), Value::from("a"));
        let e = write(spec.clone(), WriteMode::Add).unwrap_err();
        assert_eq!(e.to_string(), "Provide at least \"key\" and \"value\"");
        spec.insert("value".into(), Value::from(1));
        spec.insert("number".into(), Value::Null);
        let w = write(spec, WriteMode::Add).unwrap();
        assert_eq!(w.number, None);
    }

    #[test]
    fn a_null_value_is_a_value() {
        // GIVEN an attribute whose value is JSON null
        let mut spec = Spec::new();
        spec.insert("key".into(), Value::from("k"));
        spec.insert("value".into(), Value::Null);
        // WHEN it is validated THEN it is Python's None, datatype string
        let w = write(spec, WriteMode::Add).unwrap();
        assert_eq!(
            w.value,
            clusto_model::NewValue::Plain(clusto_model::AttrValue::Null)
        );
    }
}
