//! The item layout: every key format and every item codec, in one place.
//!
//! | item | pk | sk | notes |
//! |---|---|---|---|
//! | entity meta | `E#<name>` | `#` | name, driver, type, eid, `ver` (optimistic lock), `nc` (content rows), `c#<key>` auto-number counters; GSI `by-driver`: `D#<driver>` / eid |
//! | attribute row | `E#<name>` | `A#<rid>` | key, subkey, number, datatype, value (none for a stored None; + target for relations, + claim key for allocations); GSI `by-key`: `K#<key>` / rid |
//! | back-reference | `E#<target>` | `B#<rid>` | one per relation row pointing at the target (same rid): gives parents, manager `count`, and what to clean on delete |
//! | sequence counter | `E#<manager>` | `C#next` | name/number managers' atomic counter |
//! | IP hint | `E#<manager>` | `H#lastip` | where the next IP scan starts (best effort) |
//! | resource claim | `R#<attr>#<bucket>` | `<value>` | one per allocated resource; its `NotExists` condition makes allocation unique |
//! | idempotency record | `I#<key>` | `<principal>` | a request's claim and answer, with a TTL (`expires`); its codec is [`crate::idempotency`]'s own |
//!
//! An entity is one item collection: a single Query of `E#<name>` returns its meta,
//! attributes, parents (back-references of `_contains` rows) and counters. Every item of
//! the collection carries the entity's `eid`, so rows left over from an earlier entity of the
//! same name (possible only if a multi-transaction delete was interrupted) are ignored.

use std::collections::BTreeMap;

use clusto_store::{Condition, Item, Key, Value, WriteOp, schema};
use serde_json::Value as Json;

use crate::drivers::{self, Driver};
use crate::value::{AttrValue, format_datetime, parse_stored_datetime};
use crate::{EntityRef, ModelError, ModelResult};

/// Sort key of an entity's meta item.
pub const META_SK: &str = "#";
/// Sort-key prefix of attribute rows.
pub const ROW_PREFIX: &str = "A#";
/// Sort-key prefix of back-references.
pub const BACKREF_PREFIX: &str = "B#";
/// Sort key of a manager's sequence counter.
pub const NEXT_SK: &str = "C#next";
/// Sort key of an IP manager's scan hint.
pub const LASTIP_SK: &str = "H#lastip";
/// The attribute key of containment rows.
pub const CONTAINS: &str = "_contains";

/// Partition key of an entity's item collection.
pub fn entity_pk(name: &str) -> String {
    format!("E#{name}")
}

/// Key of an entity's meta item.
pub fn meta_key(name: &str) -> Key {
    Key::new(entity_pk(name), META_SK)
}

/// Key of a manager's sequence counter.
pub fn next_key(manager: &str) -> Key {
    Key::new(entity_pk(manager), NEXT_SK)
}

/// A manager's sequence counter item holding `value` in `attr`: what
/// `ItemStore::increment` creates (the key and that one attribute).
pub fn next_item(manager: &str, attr: &str, value: i64) -> Item {
    let mut item = base_item(entity_pk(manager), NEXT_SK.into());
    item.insert(attr.into(), Value::N(value));
    item
}

/// The attribute of a manager's sequence counter item that holds the counter of one
/// incarnation (entity id) of the manager: a manager deleted and made again starts anew.
pub fn sequence_attr(eid: &str) -> String {
    format!("n{eid}")
}

/// Key of an IP manager's scan hint.
pub fn lastip_key(manager: &str) -> Key {
    Key::new(entity_pk(manager), LASTIP_SK)
}

/// GSI `by-driver` partition of a driver.
pub fn driver_partition(driver: &str) -> String {
    format!("D#{driver}")
}

/// GSI `by-key` partition of an attribute key.
pub fn key_partition(key: &str) -> String {
    format!("K#{key}")
}

/// The claim key of a resource value allocated under `attr`. IP claims are bucketed by /24
/// so the allocator can list the taken addresses of a block with one Query; other
/// resources get a partition each (integers by number, anything else by its text).
pub fn claim_key(attr: &str, resource: &AttrValue) -> Key {
    let resource = match resource {
        AttrValue::Int(n) => Value::N(*n),
        other => Value::S(other.filter_text().unwrap_or_default()),
    };
    match (attr, &resource) {
        ("ip", Value::N(encoded)) => {
            let ip = crate::resources::ip::decode(*encoded);
            Key::new(ip_bucket(ip >> 8), format!("{:03}", ip & 0xff))
        }
        (_, Value::N(n)) => Key::new(format!("R#{attr}#{n}"), "#"),
        (_, Value::S(s)) => Key::new(format!("R#{attr}#{s}"), "#"),
    }
}

/// The claim partition of one /24 block of IP addresses.
pub fn ip_bucket(block: u32) -> String {
    format!("R#ip#{block}")
}

fn s(v: &str) -> Value {
    Value::S(v.to_owned())
}

fn get_s<'a>(item: &'a Item, field: &str) -> ModelResult<&'a str> {
    item.get(field)
        .and_then(Value::as_s)
        .ok_or_else(|| corrupt(item, &format!("missing string field {field}")))
}

fn get_n(item: &Item, field: &str) -> ModelResult<i64> {
    item.get(field)
        .and_then(Value::as_n)
        .ok_or_else(|| corrupt(item, &format!("missing number field {field}")))
}

fn opt_s(item: &Item, field: &str) -> Option<String> {
    item.get(field).and_then(Value::as_s).map(str::to_owned)
}

fn opt_n(item: &Item, field: &str) -> Option<i64> {
    item.get(field).and_then(Value::as_n)
}

/// An item that does not decode.
pub(crate) fn corrupt(item: &Item, reason: &str) -> ModelError {
    ModelError::Corrupt {
        key: Key::of(item).map(|k| k.to_string()).unwrap_or_default(),
        reason: reason.to_owned(),
    }
}

fn driver_of(item: &Item, field: &str) -> ModelResult<&'static Driver> {
    let name = get_s(item, field)?;
    drivers::lookup(name).ok_or_else(|| corrupt(item, &format!("unknown driver {name}")))
}

/// An item holding only its keys.
pub(crate) fn base_item(pk: String, sk: String) -> Item {
    let mut item = Item::new();
    item.insert(schema::PK.into(), Value::S(pk));
    item.insert(schema::SK.into(), Value::S(sk));
    item
}

/// The meta item of an entity.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The entity (name, driver, id).
    pub entity: EntityRef,
    /// The stored type.
    pub type_name: String,
    /// Optimistic-lock version: every change of the entity's own rows or parents bumps it.
    pub ver: i64,
    /// Number of `_contains` rows (contents), so recursion can skip leaves without a Query.
    pub nc: i64,
    /// Auto-number counters by attribute key (next number to hand out).
    pub counters: BTreeMap<String, i64>,
}

impl Meta {
    /// A new entity's meta.
    pub fn new(name: &str, driver: &'static Driver, eid: String) -> Meta {
        Meta {
            entity: EntityRef {
                name: name.to_owned(),
                driver,
                id: eid,
            },
            type_name: driver.type_name.to_owned(),
            ver: 0,
            nc: 0,
            counters: BTreeMap::new(),
        }
    }

    /// The item.
    pub fn to_item(&self) -> Item {
        let e = &self.entity;
        let mut item = base_item(entity_pk(&e.name), META_SK.into());
        item.insert("name".into(), s(&e.name));
        item.insert("driver".into(), s(e.driver.name));
        item.insert("type".into(), s(&self.type_name));
        item.insert("eid".into(), s(&e.id));
        item.insert("ver".into(), Value::N(self.ver));
        item.insert("nc".into(), Value::N(self.nc));
        for (k, v) in &self.counters {
            item.insert(format!("c#{k}"), Value::N(*v));
        }
        let (gpk, gsk) = clusto_store::Index::ByDriver.key_attrs();
        item.insert(gpk.into(), Value::S(driver_partition(e.driver.name)));
        item.insert(gsk.into(), s(&e.id));
        item
    }

    /// Decodes a meta item.
    pub fn from_item(item: &Item) -> ModelResult<Meta> {
        let counters = item
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("c#")?.to_owned(), v.as_n()?)))
            .collect();
        Ok(Meta {
            entity: EntityRef {
                name: get_s(item, "name")?.to_owned(),
                driver: driver_of(item, "driver")?,
                id: get_s(item, "eid")?.to_owned(),
            },
            type_name: get_s(item, "type")?.to_owned(),
            ver: get_n(item, "ver")?,
            nc: get_n(item, "nc")?,
            counters,
        })
    }

    /// The meta item's key.
    pub fn key(&self) -> Key {
        meta_key(&self.entity.name)
    }

    /// A put of this meta, valid only if the stored version is still `expected_ver`
    /// (or, for a new entity, if none is stored).
    pub fn put_if_version(&self, expected_ver: Option<i64>) -> WriteOp {
        WriteOp::Put {
            item: self.to_item(),
            condition: match expected_ver {
                Some(v) => Condition::equals("ver", v),
                None => Condition::NotExists,
            },
        }
    }

    /// A check that this entity still exists (same incarnation), without locking it.
    pub fn check_exists(&self) -> WriteOp {
        WriteOp::Check {
            key: self.key(),
            condition: Condition::equals("eid", self.entity.id.as_str()),
        }
    }
}

/// One attribute row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Row id: creation order.
    pub rid: String,
    /// Attribute key.
    pub key: String,
    /// Subkey (`None` = null).
    pub subkey: Option<String>,
    /// Number (`None` = null).
    pub number: Option<i64>,
    /// The typed value.
    pub value: AttrValue,
    /// The resource claim this row holds (allocation value rows only).
    pub claim: Option<Key>,
}

impl Row {
    /// Key of this row's item on `owner`.
    pub fn key_on(&self, owner: &str) -> Key {
        Key::new(entity_pk(owner), format!("{ROW_PREFIX}{}", self.rid))
    }

    /// The item on `owner`.
    pub fn to_item(&self, owner: &EntityRef) -> Item {
        let mut item = base_item(entity_pk(&owner.name), format!("{ROW_PREFIX}{}", self.rid));
        item.insert("eid".into(), s(&owner.id));
        item.insert("ed".into(), s(owner.driver.name));
        item.insert("key".into(), s(&self.key));
        if let Some(sub) = &self.subkey {
            item.insert("sub".into(), s(sub));
        }
        if let Some(n) = self.number {
            item.insert("num".into(), Value::N(n));
        }
        item.insert("dt".into(), s(self.value.datatype()));
        let v = match &self.value {
            AttrValue::Str(v) => Some(s(v)),
            AttrValue::Int(n) => Some(Value::N(*n)),
            AttrValue::DateTime(d) => Some(Value::S(format_datetime(d))),
            AttrValue::Json(j) => Some(Value::S(j.to_string())),
            AttrValue::Relation(r) => {
                item.insert("rd".into(), s(r.driver.name));
                item.insert("re".into(), s(&r.id));
                Some(s(&r.name))
            }
            // A stored None is a `string` row without a value, as clusto's all-NULL row.
            AttrValue::Null => None,
        };
        if let Some(v) = v {
            item.insert("v".into(), v);
        }
        if let Some(c) = &self.claim {
            item.insert("cpk".into(), s(&c.pk));
            item.insert("csk".into(), s(&c.sk));
        }
        let (gpk, gsk) = clusto_store::Index::ByKey.key_attrs();
        item.insert(gpk.into(), Value::S(key_partition(&self.key)));
        item.insert(gsk.into(), s(&self.rid));
        item
    }

    /// Decodes a row item.
    pub fn from_item(item: &Item) -> ModelResult<Row> {
        let sk = get_s(item, schema::SK)?;
        let rid = sk.strip_prefix(ROW_PREFIX).unwrap_or(sk).to_owned();
        let value = match get_s(item, "dt")? {
            "string" if !item.contains_key("v") => AttrValue::Null,
            "string" => AttrValue::Str(get_s(item, "v")?.to_owned()),
            "int" => AttrValue::Int(get_n(item, "v")?),
            "datetime" => AttrValue::DateTime(
                parse_stored_datetime(get_s(item, "v")?)
                    .ok_or_else(|| corrupt(item, "bad datetime"))?,
            ),
            "json" => AttrValue::Json(
                serde_json::from_str::<Json>(get_s(item, "v")?)
                    .map_err(|e| corrupt(item, &e.to_string()))?,
            ),
            "relation" => AttrValue::Relation(EntityRef {
                name: get_s(item, "v")?.to_owned(),
                driver: driver_of(item, "rd")?,
                id: get_s(item, "re")?.to_owned(),
            }),
            other => return Err(corrupt(item, &format!("unknown datatype {other}"))),
        };
        let claim = match (opt_s(item, "cpk"), opt_s(item, "csk")) {
            (Some(pk), Some(sk)) => Some(Key::new(pk, sk)),
            _ => None,
        };
        Ok(Row {
            rid,
            key: get_s(item, "key")?.to_owned(),
            subkey: opt_s(item, "sub"),
            number: opt_n(item, "num"),
            value,
            claim,
        })
    }

    /// The relation target, if this is a relation row.
    pub fn target(&self) -> Option<&EntityRef> {
        match &self.value {
            AttrValue::Relation(r) => Some(r),
            _ => None,
        }
    }

    /// The back-reference this row needs on its target, if it is a relation.
    pub fn backref(&self, owner: &EntityRef) -> Option<BackRef> {
        self.target().map(|_| BackRef {
            rid: self.rid.clone(),
            source: owner.clone(),
            key: self.key.clone(),
            subkey: self.subkey.clone(),
        })
    }
}

/// The owner side of a relation row, stored in the target's item collection.
#[derive(Debug, Clone, PartialEq)]
pub struct BackRef {
    /// The rid of the relation row (the same on both sides).
    pub rid: String,
    /// The entity holding the relation row.
    pub source: EntityRef,
    /// The relation row's key.
    pub key: String,
    /// The relation row's subkey.
    pub subkey: Option<String>,
}

impl BackRef {
    /// Key of this back-reference on `target`.
    pub fn key_on(&self, target: &str) -> Key {
        Key::new(entity_pk(target), format!("{BACKREF_PREFIX}{}", self.rid))
    }

    /// Key of the relation row it mirrors, on the source.
    pub fn row_key(&self) -> Key {
        Key::new(
            entity_pk(&self.source.name),
            format!("{ROW_PREFIX}{}", self.rid),
        )
    }

    /// The item on `target`.
    pub fn to_item(&self, target: &EntityRef) -> Item {
        let mut item = base_item(
            entity_pk(&target.name),
            format!("{BACKREF_PREFIX}{}", self.rid),
        );
        item.insert("eid".into(), s(&target.id));
        item.insert("src".into(), s(&self.source.name));
        item.insert("sd".into(), s(self.source.driver.name));
        item.insert("se".into(), s(&self.source.id));
        item.insert("key".into(), s(&self.key));
        if let Some(sub) = &self.subkey {
            item.insert("sub".into(), s(sub));
        }
        item
    }

    /// Decodes a back-reference item.
    pub fn from_item(item: &Item) -> ModelResult<BackRef> {
        let sk = get_s(item, schema::SK)?;
        Ok(BackRef {
            rid: sk.strip_prefix(BACKREF_PREFIX).unwrap_or(sk).to_owned(),
            source: EntityRef {
                name: get_s(item, "src")?.to_owned(),
                driver: driver_of(item, "sd")?,
                id: get_s(item, "se")?.to_owned(),
            },
            key: get_s(item, "key")?.to_owned(),
            subkey: opt_s(item, "sub"),
        })
    }
}

/// A resource claim: who holds a resource, under which allocation number and manager.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// The claim item's key (from [`claim_key`]).
    pub key: Key,
    /// The owning entity.
    pub owner: EntityRef,
    /// The allocation number on the owner.
    pub number: i64,
}

impl Claim {
    /// The item.
    pub fn to_item(&self) -> Item {
        let mut item = base_item(self.key.pk.clone(), self.key.sk.clone());
        item.insert("owner".into(), s(&self.owner.name));
        item.insert("od".into(), s(self.owner.driver.name));
        item.insert("oe".into(), s(&self.owner.id));
        item.insert("num".into(), Value::N(self.number));
        item
    }

    /// Decodes a claim item.
    pub fn from_item(item: &Item) -> ModelResult<Claim> {
        Ok(Claim {
            key: Key::of(item).ok_or_else(|| corrupt(item, "no key"))?,
            owner: EntityRef {
                name: get_s(item, "owner")?.to_owned(),
                driver: driver_of(item, "od")?,
                id: get_s(item, "oe")?.to_owned(),
            },
            number: get_n(item, "num")?,
        })
    }
}

/// The IP scan hint item of a manager.
pub fn lastip_item(manager: &EntityRef, ip: u32) -> Item {
    let mut item = base_item(entity_pk(&manager.name), LASTIP_SK.into());
    item.insert("eid".into(), s(&manager.id));
    item.insert("v".into(), Value::N(i64::from(ip)));
    item
}

/// One entity's whole item collection, decoded.
#[derive(Debug, Clone)]
pub struct Partition {
    /// The meta item.
    pub meta: Meta,
    /// Attribute rows in creation order (hidden ones included).
    pub rows: Vec<Row>,
    /// Back-references in creation order of the rows they mirror.
    pub backrefs: Vec<BackRef>,
    /// The IP scan hint, if any.
    pub lastip: Option<u32>,
    /// A name or number manager's sequence counter (the next number to hand out), if it
    /// has handed out any.
    pub sequence: Option<i64>,
}

impl Partition {
    /// Decodes the items of `E#<name>` (as returned by a Query, in sk order). `None` when
    /// there is no meta item (no such entity).
    pub fn from_items(items: &[Item]) -> ModelResult<Option<Partition>> {
        let Some(meta_item) = items
            .iter()
            .find(|i| i.get(schema::SK).and_then(Value::as_s) == Some(META_SK))
        else {
            return Ok(None);
        };
        let meta = Meta::from_item(meta_item)?;
        let mut part = Partition {
            meta,
            rows: Vec::new(),
            backrefs: Vec::new(),
            lastip: None,
            sequence: None,
        };
        let counter = sequence_attr(&part.meta.entity.id);
        for item in items {
            // The counter item is shared by the manager's incarnations: no `eid` of its own.
            if item.get(schema::SK).and_then(Value::as_s) == Some(NEXT_SK) {
                part.sequence = opt_n(item, &counter);
                continue;
            }
            if item.get("eid").and_then(Value::as_s) != Some(part.meta.entity.id.as_str()) {
                continue;
            }
            let sk = get_s(item, schema::SK)?;
            if sk.starts_with(ROW_PREFIX) {
                part.rows.push(Row::from_item(item)?);
            } else if sk.starts_with(BACKREF_PREFIX) {
                part.backrefs.push(BackRef::from_item(item)?);
            } else if sk == LASTIP_SK {
                part.lastip = opt_n(item, "v").and_then(|v| u32::try_from(v).ok());
            }
        }
        Ok(Some(part))
    }
}
