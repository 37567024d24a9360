//! The request rules DynamoDB enforces before it touches any data (its `ValidationException`s),
//! so that code which works on the embedded store does not fail on DynamoDB.
//!
//! All of them are [`StoreError::Invalid`]: a bug in the caller, never a condition failure.

use clusto_store::{Index, Item, Key, Query, StoreError, StoreResult, Value, WriteOp, schema};

/// DynamoDB's item size limit (400 KB, counted as attribute names plus values).
pub(crate) const MAX_ITEM_BYTES: usize = 400 * 1024;
/// DynamoDB's limit on the total size of the items of one transaction.
pub(crate) const MAX_TRANSACTION_BYTES: usize = 4 * 1024 * 1024;
/// DynamoDB's limit on a partition key value (of the table or of an index).
const MAX_PARTITION_KEY_BYTES: usize = 2048;
/// DynamoDB's limit on a sort key value (of the table or of an index).
const MAX_SORT_KEY_BYTES: usize = 1024;
/// DynamoDB stores a number in at most 21 bytes; every number is counted at that size, so
/// an item accepted here is never too large for DynamoDB.
const NUMBER_BYTES: usize = 21;

/// The size DynamoDB charges an item: the UTF-8 lengths of its attribute names and string
/// values, plus [`NUMBER_BYTES`] per number.
pub(crate) fn item_size(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| {
            name.len()
                + match value {
                    Value::S(s) => s.len(),
                    Value::N(_) => NUMBER_BYTES,
                }
        })
        .sum()
}

fn invalid<T>(message: String) -> StoreResult<T> {
    Err(StoreError::Invalid(message))
}

fn check_key_value(attr: &str, value: &str, max: usize) -> StoreResult<()> {
    if value.is_empty() {
        return invalid(format!("key attribute {attr} cannot be an empty string"));
    }
    if value.len() > max {
        return invalid(format!(
            "key attribute {attr} is {} bytes, more than the {max} allowed",
            value.len()
        ));
    }
    Ok(())
}

/// A table key must have non-empty parts within DynamoDB's length limits.
pub(crate) fn check_key(key: &Key) -> StoreResult<()> {
    check_key_value(schema::PK, &key.pk, MAX_PARTITION_KEY_BYTES)?;
    check_key_value(schema::SK, &key.sk, MAX_SORT_KEY_BYTES)
}

/// A query names a non-empty partition within DynamoDB's length limit.
pub(crate) fn check_query(query: &Query) -> StoreResult<()> {
    let (hash, _) = query.index.key_attrs();
    check_key_value(hash, &query.pk, MAX_PARTITION_KEY_BYTES)
}

/// An item to put: string table keys, index key attributes that are non-empty strings
/// (an index key of another type is rejected, a missing one leaves the item out of that
/// index), no empty attribute names, and at most [`MAX_ITEM_BYTES`].
pub(crate) fn check_item(item: &Item) -> StoreResult<Key> {
    let Some(key) = Key::of(item) else {
        return invalid("an item needs string pk and sk attributes".into());
    };
    check_key(&key)?;
    for index in Index::ALL {
        let (hash, range) = index.key_attrs();
        for (attr, max) in [(hash, MAX_PARTITION_KEY_BYTES), (range, MAX_SORT_KEY_BYTES)] {
            match item.get(attr) {
                None => {}
                Some(Value::S(s)) => check_key_value(attr, s, max)?,
                Some(Value::N(_)) => {
                    return invalid(format!("index key attribute {attr} must be a string"));
                }
            }
        }
    }
    if item.keys().any(String::is_empty) {
        return invalid("attribute names cannot be empty".into());
    }
    let size = item_size(item);
    if size > MAX_ITEM_BYTES {
        return invalid(format!(
            "item {key} is {size} bytes, more than the {MAX_ITEM_BYTES} allowed"
        ));
    }
    Ok(key)
}

/// Checks every operation of a single write or a transaction (the transaction-wide rules of
/// [`clusto_store::validate_transaction`] are checked by the caller).
pub(crate) fn check_ops(ops: &[WriteOp]) -> StoreResult<()> {
    let mut total = 0;
    for op in ops {
        match op {
            WriteOp::Put { item, .. } => {
                check_item(item)?;
                total += item_size(item);
            }
            WriteOp::Delete { key, .. } => check_key(key)?,
            WriteOp::Check { key, condition } => {
                check_key(key)?;
                if *condition == clusto_store::Condition::None {
                    return invalid(format!("a condition check on {key} needs a condition"));
                }
            }
        }
    }
    if total > MAX_TRANSACTION_BYTES {
        return invalid(format!(
            "the transaction writes {total} bytes, more than the {MAX_TRANSACTION_BYTES} allowed"
        ));
    }
    Ok(())
}

/// An increment may not target a key attribute: the table's cannot be updated, and the
/// indexes' must be strings.
pub(crate) fn check_counter_attr(attr: &str) -> StoreResult<()> {
    if attr.is_empty() {
        return invalid("attribute names cannot be empty".into());
    }
    let is_key = Index::ALL.into_iter().any(|index| {
        let (hash, range) = index.key_attrs();
        attr == hash || attr == range
    });
    if is_key {
        return invalid(format!("cannot increment the key attribute {attr}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clusto_store::Condition;

    fn item(pairs: &[(&str, Value)]) -> Item {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    fn is_invalid<T: std::fmt::Debug>(r: StoreResult<T>) -> bool {
        matches!(r, Err(StoreError::Invalid(_)))
    }

    #[test]
    fn counts_names_and_values_with_numbers_at_their_maximum() {
        let i = item(&[("pk", "ab".into()), ("n", Value::N(1))]);
        assert_eq!(item_size(&i), 2 + 2 + 1 + NUMBER_BYTES);
        // UTF-8 bytes, not chars: "é" is two bytes.
        assert_eq!(item_size(&item(&[("é", "é".into())])), 4);
    }

    #[test]
    fn accepts_an_item_at_the_limit_and_rejects_one_byte_more() {
        // GIVEN an item of exactly 400 KB
        let base = item(&[("pk", "p".into()), ("sk", "s".into())]);
        let filler = MAX_ITEM_BYTES - item_size(&base) - 1;
        let mut at_limit = base.clone();
        at_limit.insert("v".into(), "x".repeat(filler).into());
        assert_eq!(item_size(&at_limit), MAX_ITEM_BYTES);
        // THEN it is accepted, and one more byte is not
        assert!(check_item(&at_limit).is_ok());
        at_limit.insert("v".into(), "x".repeat(filler + 1).into());
        assert!(is_invalid(check_item(&at_limit)));
    }

    #[test]
    fn rejects_missing_empty_or_numeric_table_keys() {
        assert!(is_invalid(check_item(&item(&[("pk", "p".into())]))));
        assert!(is_invalid(check_item(&item(&[
            ("pk", "p".into()),
            ("sk", Value::N(1))
        ]))));
        assert!(is_invalid(check_item(&item(&[
            ("pk", "".into()),
            ("sk", "s".into())
        ]))));
        assert!(is_invalid(check_key(&Key::new("p", ""))));
        assert!(is_invalid(check_key(&Key::new("p", "s".repeat(1025)))));
        assert!(check_key(&Key::new("p".repeat(2048), "s".repeat(1024))).is_ok());
    }

    #[test]
    fn index_keys_must_be_non_empty_strings_when_present() {
        let base = || item(&[("pk", "p".into()), ("sk", "s".into())]);
        // A lone index attribute is fine: the item is simply not in that index.
        let mut lone = base();
        lone.insert("gsi1pk".into(), "d".into());
        assert!(check_item(&lone).is_ok());
        // A number or an empty string in an index key is rejected, as DynamoDB does.
        let mut numeric = base();
        numeric.insert("gsi2sk".into(), Value::N(3));
        assert!(is_invalid(check_item(&numeric)));
        let mut empty = base();
        empty.insert("gsi1sk".into(), "".into());
        assert!(is_invalid(check_item(&empty)));
    }

    #[test]
    fn a_transaction_is_limited_to_4_mb_in_total() {
        let big = |n: usize| WriteOp::Put {
            item: item(&[
                ("pk", "p".into()),
                ("sk", n.to_string().into()),
                ("v", "x".repeat(300_000).into()),
            ]),
            condition: Condition::None,
        };
        assert!(check_ops(&(0..13).map(big).collect::<Vec<_>>()).is_ok());
        assert!(is_invalid(check_ops(&(0..14).map(big).collect::<Vec<_>>())));
    }

    #[test]
    fn a_condition_check_needs_a_condition() {
        let check = |condition| WriteOp::Check {
            key: Key::new("p", "s"),
            condition,
        };
        assert!(is_invalid(check_ops(&[check(Condition::None)])));
        assert!(check_ops(&[check(Condition::Exists)]).is_ok());
    }

    #[test]
    fn a_query_needs_a_partition() {
        assert!(is_invalid(check_query(&Query::partition(Index::ByKey, ""))));
        assert!(check_query(&Query::partition(Index::ByKey, "k")).is_ok());
    }

    #[test]
    fn counters_cannot_be_key_attributes() {
        for attr in ["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", ""] {
            assert!(is_invalid(check_counter_attr(attr)), "{attr}");
        }
        assert!(check_counter_attr("next_id").is_ok());
    }
}
