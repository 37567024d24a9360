//! Attributes: queries (`attrs()`), add / set / delete with clusto's matching rules, and
//! the `by-attr` search on the `by-key` index.
//!
//! A write request (one attribute, or a JSON array of them) is validated completely, then
//! applied to an in-memory copy of the entity's rows in order (so a later `set` sees an
//! earlier `add`), and the difference is written as one transaction guarded by the
//! entity's version. Relation values also write a back-reference on their target and check
//! that the target still exists.

use std::collections::{BTreeMap, BTreeSet};

use clusto_store::{Condition, Index, Key, Query, Value, WriteOp};

use crate::entity::Entity;
use crate::items::{self, CONTAINS, Row};
use crate::retry::{self, retry};
use crate::value::{AttrValue, MAX_VALUE_BYTES};
use crate::{
    Attribute, Clusto, EntityRef, MAX_CHANGED_ITEMS, MAX_KEY_BYTES, ModelError, ModelResult,
    drivers, ids,
};

/// Add (always a new row) or set (replace the one row with exactly this key, subkey and
/// number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// `add_attr`
    Add,
    /// `set_attr`
    Set,
}

/// A value to write: a plain typed value, or a relation to be resolved by name.
#[derive(Debug, Clone, PartialEq)]
pub enum NewValue {
    /// Any non-relation value.
    Plain(AttrValue),
    /// A relation to the entity `name`, which must be an instance of `driver` if given.
    Relation {
        /// Target entity name.
        name: String,
        /// Expected driver (is-a check).
        driver: Option<String>,
    },
}

/// One attribute write.
#[derive(Debug, Clone, PartialEq)]
pub struct AttrWrite {
    /// Add or set.
    pub mode: WriteMode,
    /// Key.
    pub key: String,
    /// Subkey (`None` = null).
    pub subkey: Option<String>,
    /// Number (`None` = null).
    pub number: Option<i64>,
    /// Value.
    pub value: NewValue,
}

/// Which attributes a read or delete matches: omitted fields match anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttrFilter {
    /// Exact key. Hidden (`_`) rows match only when the key itself starts with `_`.
    pub key: Option<String>,
    /// Exact subkey.
    pub subkey: Option<String>,
    /// Exact number (0 included).
    pub number: Option<i64>,
    /// Text of a `string` or `json` value.
    pub value: Option<String>,
}

impl AttrFilter {
    fn matches(&self, a: &Attribute) -> bool {
        let hidden_ok = self.key.as_deref().is_some_and(|k| k.starts_with('_'));
        (hidden_ok || !a.key.starts_with('_'))
            && self.key.as_ref().is_none_or(|k| *k == a.key)
            && self
                .subkey
                .as_ref()
                .is_none_or(|s| a.subkey.as_ref() == Some(s))
            && self.number.is_none_or(|n| a.number == Some(n))
            && self
                .value
                .as_ref()
                .is_none_or(|v| a.value.filter_text().as_ref() == Some(v))
    }
}

/// Python's `int(text)`, with its error text.
pub fn parse_int(text: &str) -> ModelResult<i64> {
    let t = text.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ModelError::Invalid(format!(
            "invalid literal for int() with base 10: '{text}'"
        )));
    }
    t.parse::<i64>().map_err(|_| {
        ModelError::Invalid(format!(
            "The integer {t} is out of range: integers must fit in 64 bits \
             (-9223372036854775808 to 9223372036854775807)."
        ))
    })
}

/// Checks an attribute key (and, when non-empty, a subkey) against clusto's name rule.
pub fn check_key(key: &str) -> ModelResult<()> {
    let mut chars = key.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return Err(ModelError::Invalid(format!(
            "Attribute name {key} is invalid. Attribute names may not contain periods or comas."
        )));
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(ModelError::Invalid(format!(
            "Attribute keys and subkeys are limited to {MAX_KEY_BYTES} bytes."
        )));
    }
    Ok(())
}

/// [`ModelError::TooLarge`] unless the value's stored text fits [`MAX_VALUE_BYTES`] (both
/// backends alike; imports check with it too).
pub fn check_value_size(v: &AttrValue) -> ModelResult<()> {
    let len = match v {
        AttrValue::Str(s) => s.len(),
        AttrValue::Json(j) => j.to_string().len(),
        _ => 0,
    };
    if len > MAX_VALUE_BYTES {
        return Err(ModelError::TooLarge(format!(
            "Attribute values are limited to {MAX_VALUE_BYTES} bytes; this one has {len}."
        )));
    }
    Ok(())
}

/// The write plan of one request against the rows it read.
struct Plan {
    rows: Vec<Row>,
    deleted: Vec<Row>,
    added: BTreeSet<String>,
}

impl Plan {
    fn apply(&mut self, w: &AttrWrite, value: AttrValue) -> ModelResult<()> {
        if w.mode == WriteMode::Set {
            let matches: Vec<usize> = (0..self.rows.len())
                .filter(|&i| {
                    let r = &self.rows[i];
                    r.key == w.key && r.subkey == w.subkey && r.number == w.number
                })
                .collect();
            match matches.as_slice() {
                [] => {}
                [i] if self.rows[*i].value.same_as(&value) => return Ok(()),
                [i] => {
                    let old = self.rows.remove(*i);
                    if !self.added.remove(&old.rid) {
                        self.deleted.push(old);
                    }
                }
                _ => {
                    return Err(ModelError::Conflict(
                        "cannot set an attribute when args match more than one value".into(),
                    ));
                }
            }
        }
        let row = Row {
            rid: ids::new_id(),
            key: w.key.clone(),
            subkey: w.subkey.clone(),
            number: w.number,
            value,
            claim: None,
        };
        self.added.insert(row.rid.clone());
        self.rows.push(row);
        Ok(())
    }
}

/// The operations that delete `row` from `owner`: the row, its back-reference and its claim.
pub(crate) fn delete_row_ops(owner: &EntityRef, row: &Row) -> Vec<WriteOp> {
    let mut ops = vec![WriteOp::Delete {
        key: row.key_on(&owner.name),
        condition: Condition::Exists,
    }];
    if let (Some(target), Some(back)) = (row.target(), row.backref(owner)) {
        ops.push(WriteOp::Delete {
            key: back.key_on(&target.name),
            condition: Condition::None,
        });
    }
    if let Some(claim) = &row.claim {
        ops.push(WriteOp::Delete {
            key: claim.clone(),
            condition: Condition::None,
        });
    }
    ops
}

/// The operations that add `row` to `owner`: the row, and for a relation its back-reference
/// and a check that the target still exists (unless the target is the owner itself).
pub(crate) fn put_row_ops(
    owner: &EntityRef,
    row: &Row,
    checked: &mut BTreeSet<String>,
) -> Vec<WriteOp> {
    let mut ops = vec![WriteOp::Put {
        item: row.to_item(owner),
        condition: Condition::NotExists,
    }];
    if let (Some(target), Some(back)) = (row.target(), row.backref(owner)) {
        ops.push(WriteOp::Put {
            item: back.to_item(target),
            condition: Condition::NotExists,
        });
        if target.name != owner.name && checked.insert(target.name.clone()) {
            ops.push(WriteOp::Check {
                key: items::meta_key(&target.name),
                condition: Condition::equals("eid", target.id.as_str()),
            });
        }
    }
    ops
}

impl Entity {
    /// The attributes matching `filter`, hidden ones included, in clusto's order.
    pub fn matching(&self, filter: &AttrFilter) -> Vec<Attribute> {
        self.all_attrs()
            .into_iter()
            .filter(|a| filter.matches(a))
            .collect()
    }
}

impl Clusto {
    /// `attrs()`: the entity's attributes matching `filter`, in clusto's order.
    pub async fn attrs(
        &self,
        name: &str,
        driver: Option<&str>,
        filter: &AttrFilter,
    ) -> ModelResult<Vec<Attribute>> {
        Ok(self.get(name, driver).await?.matching(filter))
    }

    /// Adds and sets attributes, all or nothing, in the given order. Returns the entity as
    /// it is after the write.
    pub async fn write_attrs(
        &self,
        name: &str,
        driver: Option<&str>,
        writes: &[AttrWrite],
    ) -> ModelResult<Entity> {
        let mut targets: BTreeMap<String, EntityRef> = BTreeMap::new();
        for w in writes {
            check_key(&w.key)?;
            // clusto checks a subkey only when it is non-empty: `''` is a stored subkey.
            if let Some(sub) = w.subkey.as_deref().filter(|s| !s.is_empty()) {
                check_key(sub)?;
            }
            match &w.value {
                NewValue::Plain(v) => check_value_size(v)?,
                NewValue::Relation { name, driver } => {
                    let target = self.get(name, driver.as_deref()).await?;
                    targets.insert(name.clone(), target.reference().clone());
                }
            }
        }
        retry(|_| async {
            let entity = self.get(name, driver).await?;
            let mut plan = Plan {
                rows: entity.part.rows.clone(),
                deleted: Vec::new(),
                added: BTreeSet::new(),
            };
            for w in writes {
                let value = match &w.value {
                    NewValue::Plain(v) => v.clone(),
                    NewValue::Relation { name, .. } => AttrValue::Relation(targets[name].clone()),
                };
                plan.apply(w, value)?;
            }
            self.commit(entity, plan).await
        })
        .await
    }

    /// Deletes every attribute of the entity matching `filter` (key required). Returns the
    /// entity as it is after the delete.
    pub async fn delete_attrs(
        &self,
        name: &str,
        driver: Option<&str>,
        filter: &AttrFilter,
    ) -> ModelResult<Entity> {
        retry(|_| async {
            let entity = self.get(name, driver).await?;
            let (deleted, kept): (Vec<Row>, Vec<Row>) =
                entity.part.rows.iter().cloned().partition(|r| {
                    filter.matches(&Attribute {
                        key: r.key.clone(),
                        subkey: r.subkey.clone(),
                        number: r.number,
                        value: r.value.clone(),
                    })
                });
            if deleted.is_empty() {
                return Ok(entity);
            }
            let plan = Plan {
                rows: kept,
                deleted,
                added: BTreeSet::new(),
            };
            self.commit(entity, plan).await
        })
        .await
    }

    /// Writes a plan as one transaction guarded by the entity's version.
    async fn commit(&self, entity: Entity, plan: Plan) -> ModelResult<Entity> {
        let me = entity.reference().clone();
        let mut ops = Vec::new();
        for row in &plan.deleted {
            ops.extend(delete_row_ops(&me, row));
        }
        let mut checked = BTreeSet::new();
        for row in plan.rows.iter().filter(|r| plan.added.contains(&r.rid)) {
            ops.extend(put_row_ops(&me, row, &mut checked));
        }
        if ops.is_empty() {
            return Ok(entity);
        }
        let mut part = entity.part;
        let old_ver = part.meta.ver;
        part.meta.ver += 1;
        part.meta.nc = plan.rows.iter().filter(|r| r.key == CONTAINS).count() as i64;
        ops.push(part.meta.put_if_version(Some(old_ver)));
        if ops.len() > MAX_CHANGED_ITEMS {
            return Err(ModelError::TooLarge(format!(
                "This request would change {} items; one request may change at most \
                 {MAX_CHANGED_ITEMS} (send fewer attributes at once).",
                ops.len()
            )));
        }
        retry::transact(&*self.store, ops).await?;
        part.rows = plan.rows;
        Ok(Entity { part })
    }

    /// `get_by_attr`: one entity reference per matching attribute row, in creation order of
    /// the rows, any entity. Subkey compares exactly; `value` matches the text of `string`
    /// and `json` rows only. One Query of the `by-key` index (eventually consistent).
    pub async fn by_attr(
        &self,
        key: &str,
        subkey: Option<&str>,
        value: Option<&str>,
    ) -> ModelResult<Vec<EntityRef>> {
        if key.len() > MAX_KEY_BYTES {
            // No attribute has such a key, and the store may refuse it as an index key.
            return Ok(Vec::new());
        }
        let items = self
            .store
            .query(&Query::partition(Index::ByKey, items::key_partition(key)))
            .await?;
        let mut out = Vec::new();
        for item in &items {
            let row = Row::from_item(item)?;
            if subkey.is_some_and(|s| row.subkey.as_deref() != Some(s))
                || value.is_some_and(|v| row.value.filter_text().as_deref() != Some(v))
            {
                continue;
            }
            let owner = Key::of(item)
                .and_then(|k| k.pk.strip_prefix("E#").map(str::to_owned))
                .zip(
                    item.get("ed")
                        .and_then(Value::as_s)
                        .and_then(drivers::lookup),
                )
                .zip(item.get("eid").and_then(Value::as_s));
            if let Some(((name, driver), id)) = owner {
                out.push(EntityRef {
                    name,
                    driver,
                    id: id.to_owned(),
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_names_follow_clustos_rule() {
        for ok in ["group", "_contains", "a-b", "key1", "leadingZeros", "a_1-x"] {
            assert!(check_key(ok).is_ok(), "{ok}");
        }
        for bad in ["1abc", "a.b", "a,b", "", "-a", "a b", "é"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn int_parsing_reports_pythons_text() {
        assert_eq!(parse_int(" 42 ").unwrap(), 42);
        assert_eq!(parse_int("-3").unwrap(), -3);
        let e = parse_int("notanint").unwrap_err().to_string();
        assert_eq!(e, "invalid literal for int() with base 10: 'notanint'");
        assert!(parse_int("99999999999999999999").is_err());
    }
}
