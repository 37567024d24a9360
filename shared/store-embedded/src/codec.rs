//! The bytes stored for one item in the `items` table.
//!
//! A hand-written binary format, because items are only ever read back by this crate and a
//! compact, dependency-free encoding keeps large partitions cheap to scan:
//!
//! ```text
//! version:u8  then per attribute, in name order:
//!   name_len:u32le name:utf8  tag:u8 ('S' | 'N')
//!   'S': len:u32le bytes:utf8        'N': value:i64le
//! ```

use std::fmt;

use clusto_store::{Item, Value};

/// Bumped if the layout above ever changes; decoding refuses other versions.
const VERSION: u8 = 1;
const TAG_S: u8 = b'S';
const TAG_N: u8 = b'N';

/// The stored bytes of an item could not be decoded: the file is damaged or was written by
/// an incompatible version of this crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CorruptItem(&'static str);

impl fmt::Display for CorruptItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "corrupt stored item: {}", self.0)
    }
}

impl std::error::Error for CorruptItem {}

/// Encodes an item. Lengths fit in `u32` because items are limited to 400 KB before they
/// get here.
pub(crate) fn encode(item: &Item) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.push(VERSION);
    for (name, value) in item {
        put_str(&mut out, name);
        match value {
            Value::S(s) => {
                out.push(TAG_S);
                put_str(&mut out, s);
            }
            Value::N(n) => {
                out.push(TAG_N);
                out.extend_from_slice(&n.to_le_bytes());
            }
        }
    }
    out
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    let len = u32::try_from(s.len()).expect("items are size-checked before encoding");
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Decodes what [`encode`] wrote.
pub(crate) fn decode(bytes: &[u8]) -> Result<Item, CorruptItem> {
    let mut r = Reader(bytes);
    if r.take(1)? != [VERSION] {
        return Err(CorruptItem("unknown format version"));
    }
    let mut item = Item::new();
    while !r.0.is_empty() {
        let name = r.string()?;
        let value = match r.take(1)?[0] {
            TAG_S => Value::S(r.string()?),
            TAG_N => {
                let raw = r.take(8)?.try_into().expect("took 8 bytes");
                Value::N(i64::from_le_bytes(raw))
            }
            _ => return Err(CorruptItem("unknown value tag")),
        };
        item.insert(name, value);
    }
    Ok(item)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CorruptItem> {
        if self.0.len() < n {
            return Err(CorruptItem("truncated"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn string(&mut self) -> Result<String, CorruptItem> {
        let raw = self.take(4)?.try_into().expect("took 4 bytes");
        let len = u32::from_le_bytes(raw) as usize;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| CorruptItem("invalid UTF-8"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Item {
        Item::from([
            ("pk".to_owned(), Value::from("ENTITY#héllo/wörld")),
            ("sk".to_owned(), Value::from("#META")),
            ("n".to_owned(), Value::N(i64::MIN)),
            ("m".to_owned(), Value::N(-1)),
            ("e".to_owned(), Value::from("")),
            ("big".to_owned(), Value::from("x".repeat(70_000))),
        ])
    }

    #[test]
    fn round_trips_strings_numbers_and_unicode() {
        // GIVEN an item with every kind of value
        let item = sample();
        // WHEN it is encoded and decoded
        let back = decode(&encode(&item));
        // THEN it is unchanged
        assert_eq!(back, Ok(item));
    }

    #[test]
    fn rejects_truncated_bytes_instead_of_panicking() {
        let bytes = encode(&sample());
        for cut in 0..bytes.len() {
            // Every strict prefix either fails or decodes to a smaller item; none panics.
            if let Ok(item) = decode(&bytes[..cut]) {
                assert!(item.len() < sample().len());
            }
        }
        assert_eq!(decode(&[]), Err(CorruptItem("truncated")));
    }

    #[test]
    fn rejects_unknown_version_and_tag() {
        assert_eq!(decode(&[9]), Err(CorruptItem("unknown format version")));
        let mut bytes = vec![VERSION];
        put_str(&mut bytes, "a");
        bytes.push(b'X');
        assert_eq!(decode(&bytes), Err(CorruptItem("unknown value tag")));
    }
}
