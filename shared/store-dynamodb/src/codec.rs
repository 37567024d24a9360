//! The one place where clusto items, keys and conditions become DynamoDB attribute maps and
//! expressions, and where attribute maps read back become items.
//!
//! Expressions always go through placeholders (`#name`, `:value`): attribute names such as
//! `name` or `type` are DynamoDB reserved words, and placeholders make every name safe.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem};
use clusto_store::{Condition, Item, Key, StoreResult, Value, WriteOp, schema};

use crate::error::{backend, build_error};

/// An item or key as the SDK carries it.
pub(crate) type AttrMap = HashMap<String, AttributeValue>;

/// The update that [`clusto_store::ItemStore::increment`] sends.
pub(crate) const INCREMENT: &str = "SET #a = if_not_exists(#a, :start) + :by";

/// One value.
pub(crate) fn value(value: Value) -> AttributeValue {
    match value {
        Value::S(s) => AttributeValue::S(s),
        Value::N(n) => AttributeValue::N(n.to_string()),
    }
}

/// A whole item.
pub(crate) fn item(item: Item) -> AttrMap {
    item.into_iter().map(|(k, v)| (k, value(v))).collect()
}

/// The table key of an item.
pub(crate) fn key(key: &Key) -> AttrMap {
    HashMap::from([
        (schema::PK.to_owned(), AttributeValue::S(key.pk.clone())),
        (schema::SK.to_owned(), AttributeValue::S(key.sk.clone())),
    ])
}

/// Reads one attribute back. Only `S` and integer `N` exist in clusto items; anything else
/// means the table holds data this code did not write.
pub(crate) fn read_value(name: &str, attr: AttributeValue) -> StoreResult<Value> {
    match attr {
        AttributeValue::S(s) => Ok(Value::S(s)),
        AttributeValue::N(n) => n.parse().map(Value::N).map_err(|_| {
            backend(format!(
                "attribute `{name}` holds the number {n}, which is not a 64-bit integer"
            ))
        }),
        other => Err(backend(format!(
            "attribute `{name}` has DynamoDB type {}, but clusto items hold only S and N",
            type_name(&other)
        ))),
    }
}

/// Reads a whole item back.
pub(crate) fn read_item(attrs: AttrMap) -> StoreResult<Item> {
    attrs
        .into_iter()
        .map(|(name, attr)| Ok((name.clone(), read_value(&name, attr)?)))
        .collect::<StoreResult<BTreeMap<_, _>>>()
}

fn type_name(attr: &AttributeValue) -> &'static str {
    match attr {
        AttributeValue::B(_) => "B",
        AttributeValue::Bool(_) => "BOOL",
        AttributeValue::Bs(_) => "BS",
        AttributeValue::L(_) => "L",
        AttributeValue::M(_) => "M",
        AttributeValue::N(_) => "N",
        AttributeValue::Ns(_) => "NS",
        AttributeValue::Null(_) => "NULL",
        AttributeValue::S(_) => "S",
        AttributeValue::Ss(_) => "SS",
        _ => "(unknown)",
    }
}

/// An expression with its placeholders, split the way every SDK builder takes it
/// (`set_condition_expression`, `set_expression_attribute_names`, `..._values`).
/// DynamoDB rejects empty placeholder maps, so absent parts are `None`.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Expr {
    pub expression: Option<String>,
    pub names: Option<HashMap<String, String>>,
    pub values: Option<AttrMap>,
}

impl Expr {
    fn new(
        expression: impl Into<String>,
        names: &[(&str, &str)],
        values: Vec<(&str, Value)>,
    ) -> Self {
        let names = names
            .iter()
            .map(|(p, n)| ((*p).to_owned(), (*n).to_owned()))
            .collect();
        let values: AttrMap = values
            .into_iter()
            .map(|(p, v)| (p.to_owned(), value(v)))
            .collect();
        Expr {
            expression: Some(expression.into()),
            names: Some(names),
            values: (!values.is_empty()).then_some(values),
        }
    }
}

/// The `ConditionExpression` for a condition; [`Condition::None`] is no expression.
pub(crate) fn condition(condition: &Condition) -> Expr {
    match condition {
        Condition::None => Expr::default(),
        Condition::NotExists => {
            Expr::new("attribute_not_exists(#pk)", &[("#pk", schema::PK)], vec![])
        }
        Condition::Exists => Expr::new("attribute_exists(#pk)", &[("#pk", schema::PK)], vec![]),
        Condition::Equals { attr, value } => {
            Expr::new("#c = :c", &[("#c", attr)], vec![(":c", value.clone())])
        }
    }
}

/// A `ConditionCheck` needs an expression; `Check` with [`Condition::None`] checks nothing,
/// so it gets one that always holds (the item still takes part in the transaction).
fn check_condition(cond: &Condition) -> Expr {
    match cond {
        Condition::None => Expr::new(
            "attribute_exists(#pk) OR attribute_not_exists(#pk)",
            &[("#pk", schema::PK)],
            vec![],
        ),
        other => condition(other),
    }
}

/// `KeyConditionExpression` for one partition of the table or an index, with an optional
/// sort-key prefix (an empty prefix matches everything, so it is left out).
pub(crate) fn key_condition(index: clusto_store::Index, pk: &str, sk_prefix: Option<&str>) -> Expr {
    let (pk_attr, sk_attr) = index.key_attrs();
    match sk_prefix.filter(|p| !p.is_empty()) {
        None => Expr::new("#pk = :pk", &[("#pk", pk_attr)], vec![(":pk", pk.into())]),
        Some(prefix) => Expr::new(
            "#pk = :pk AND begins_with(#sk, :prefix)",
            &[("#pk", pk_attr), ("#sk", sk_attr)],
            vec![(":pk", pk.into()), (":prefix", prefix.into())],
        ),
    }
}

/// Placeholders for [`INCREMENT`].
pub(crate) fn increment(attr: &str, start: i64, by: i64) -> Expr {
    Expr::new(
        INCREMENT,
        &[("#a", attr)],
        vec![(":start", Value::N(start)), (":by", Value::N(by))],
    )
}

/// One operation of a `TransactWriteItems` request.
pub(crate) fn transact_item(table: &str, op: WriteOp) -> StoreResult<TransactWriteItem> {
    let item = match op {
        WriteOp::Put {
            item: it,
            condition: c,
        } => {
            let e = condition(&c);
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(item(it)))
                .set_condition_expression(e.expression)
                .set_expression_attribute_names(e.names)
                .set_expression_attribute_values(e.values)
                .build()
                .map_err(build_error)?;
            TransactWriteItem::builder().put(put)
        }
        WriteOp::Delete {
            key: k,
            condition: c,
        } => {
            let e = condition(&c);
            let delete = Delete::builder()
                .table_name(table)
                .set_key(Some(key(&k)))
                .set_condition_expression(e.expression)
                .set_expression_attribute_names(e.names)
                .set_expression_attribute_values(e.values)
                .build()
                .map_err(build_error)?;
            TransactWriteItem::builder().delete(delete)
        }
        WriteOp::Check {
            key: k,
            condition: c,
        } => {
            let e = check_condition(&c);
            let check = ConditionCheck::builder()
                .table_name(table)
                .set_key(Some(key(&k)))
                .set_condition_expression(e.expression)
                .set_expression_attribute_names(e.names)
                .set_expression_attribute_values(e.values)
                .build()
                .map_err(build_error)?;
            TransactWriteItem::builder().condition_check(check)
        }
    };
    Ok(item.build())
}

#[cfg(test)]
mod tests {
    use clusto_store::{Index, StoreError};

    use super::*;

    fn sample() -> Item {
        Item::from([
            ("pk".to_owned(), Value::from("ENTITY#a")),
            ("sk".to_owned(), Value::from("META")),
            ("n".to_owned(), Value::N(-42)),
        ])
    }

    #[test]
    fn items_round_trip() {
        // GIVEN an item with strings and a negative number
        // WHEN it is encoded and read back
        let back = read_item(item(sample())).unwrap();
        // THEN nothing changed
        assert_eq!(back, sample());
    }

    #[test]
    fn numbers_are_sent_as_decimal_strings() {
        assert_eq!(
            value(Value::N(i64::MIN)),
            AttributeValue::N("-9223372036854775808".into())
        );
    }

    #[test]
    fn a_fractional_number_is_a_backend_error_naming_the_attribute() {
        let err = read_value("size", AttributeValue::N("1.5".into())).unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)));
        assert!(err.to_string().contains("`size`"), "{err}");
        assert!(err.to_string().contains("1.5"), "{err}");
    }

    #[test]
    fn a_foreign_attribute_type_is_a_backend_error_naming_the_type() {
        let err = read_value("flag", AttributeValue::Bool(true)).unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)));
        assert!(err.to_string().contains("BOOL"), "{err}");
    }

    #[test]
    fn no_condition_is_no_expression() {
        assert_eq!(condition(&Condition::None), Expr::default());
    }

    #[test]
    fn equals_uses_placeholders_for_reserved_words() {
        // GIVEN a condition on `name`, a DynamoDB reserved word
        let e = condition(&Condition::equals("name", "web1"));
        // THEN the name and the value travel as placeholders
        assert_eq!(e.expression.as_deref(), Some("#c = :c"));
        assert_eq!(e.names.unwrap()["#c"], "name");
        assert_eq!(e.values.unwrap()[":c"], AttributeValue::S("web1".into()));
    }

    #[test]
    fn existence_conditions_carry_no_values() {
        let e = condition(&Condition::NotExists);
        assert_eq!(e.expression.as_deref(), Some("attribute_not_exists(#pk)"));
        assert_eq!(e.values, None);
    }

    #[test]
    fn an_index_query_uses_the_index_key_attributes() {
        let e = key_condition(Index::ByKey, "ip", Some("10."));
        let names = e.names.unwrap();
        assert_eq!(names["#pk"], "gsi2pk");
        assert_eq!(names["#sk"], "gsi2sk");
        assert!(e.expression.unwrap().contains("begins_with"));
    }

    #[test]
    fn an_empty_prefix_is_no_prefix() {
        let e = key_condition(Index::Table, "p", Some(""));
        assert_eq!(e.expression.as_deref(), Some("#pk = :pk"));
    }
}
