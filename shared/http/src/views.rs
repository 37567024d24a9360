//! How entities and attributes are shown (`clusto-model.md` §8.4, §2.1).
//!
//! Compact: `"/<driver>/<name>"`. Expanded: `attrs` (visible attributes), `contents` and
//! `parents` (compact), `driver`, `name`, `type`, plus `count` for resource managers or
//! `ips` for drivers that have IPs. Expanded listings load their entities concurrently.

use clusto_model::{Attribute, Clusto, Entity, EntityRef};
use serde_json::{Map, Value, json};

use crate::error::ApiResult;
use crate::headers::Mode;

/// An attribute object: `{"datatype", "key", "number", "subkey", "value"}`.
pub fn attribute(a: &Attribute) -> Value {
    json!({
        "datatype": a.value.datatype(),
        "key": a.key,
        "number": a.number,
        "subkey": a.subkey,
        "value": a.value.to_json(),
    })
}

/// A list of attribute objects.
pub fn attributes(list: &[Attribute]) -> Value {
    Value::Array(list.iter().map(attribute).collect())
}

/// The compact form of an entity.
pub fn compact(r: &EntityRef) -> Value {
    Value::String(r.compact())
}

fn compact_list(list: &[EntityRef]) -> Value {
    Value::Array(list.iter().map(compact).collect())
}

/// The expanded form of a loaded entity.
pub fn expanded(e: &Entity) -> Value {
    let mut obj = Map::new();
    obj.insert("attrs".into(), attributes(&e.attrs()));
    obj.insert("contents".into(), compact_list(&e.contents()));
    obj.insert("driver".into(), json!(e.driver().name));
    obj.insert("name".into(), json!(e.name()));
    obj.insert("parents".into(), compact_list(&e.parents()));
    obj.insert("type".into(), json!(e.type_name()));
    if let Some(count) = e.count() {
        obj.insert("count".into(), json!(count));
    } else if let Some(ips) = e.ips() {
        obj.insert("ips".into(), json!(ips));
    }
    Value::Object(obj)
}

/// One loaded entity in the requested mode.
pub fn entity(e: &Entity, mode: Mode) -> Value {
    match mode {
        Mode::Compact => compact(e.reference()),
        Mode::Expanded => expanded(e),
    }
}

/// A list of entities in the requested mode. Expanded: every entity is read (concurrently,
/// keeping order and repeats); one deleted in the meantime shows as `null`.
pub async fn entities(clusto: &Clusto, refs: &[EntityRef], mode: Mode) -> ApiResult<Value> {
    if mode == Mode::Compact {
        return Ok(compact_list(refs));
    }
    let names: Vec<String> = refs.iter().map(|r| r.name.clone()).collect();
    let loaded = clusto.load_many(&names).await?;
    Ok(Value::Array(
        loaded
            .iter()
            .map(|e| e.as_ref().map_or(Value::Null, expanded))
            .collect(),
    ))
}

/// Like [`entities`], for a list with gaps (`by-names`): missing entries stay `null`.
pub async fn optional_entities(
    clusto: &Clusto,
    refs: &[Option<EntityRef>],
    mode: Mode,
) -> ApiResult<Value> {
    let found: Vec<EntityRef> = refs.iter().flatten().cloned().collect();
    let mut shown = match entities(clusto, &found, mode).await? {
        Value::Array(list) => list.into_iter(),
        _ => Vec::new().into_iter(),
    };
    Ok(Value::Array(
        refs.iter()
            .map(|r| match r {
                Some(_) => shown.next().unwrap_or(Value::Null),
                None => Value::Null,
            })
            .collect(),
    ))
}
