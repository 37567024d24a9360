//! `--fixture FILE`: entities loaded at start, through the model (the same rules as the
//! API: drivers, properties cast to their types, container rules, attribute casts).
//!
//! The file is a JSON array of entities, applied in order (so containers come before what
//! they contain, and creation order decides listing order):
//!
//! ```json
//! [
//!   {"name": "singlepool", "driver": "pool"},
//!   {"name": "testnames", "driver": "simpleentitynamemanager",
//!    "properties": {"basename": "s"}},
//!   {"name": "testserver1", "driver": "basicserver", "parents": ["singlepool"],
//!    "attrs": [{"key": "key1", "subkey": "subkey1", "value": "value1"},
//!              {"key": "born", "value": "2015-01-01", "datatype": "datetime", "mask": "%Y-%m-%d"}]}
//! ]
//! ```
//!
//! `properties` are a driver's properties (as `POST /resourcemanager/<driver>` takes them);
//! `parents` are inserted into in order; each attribute has `key` and `value` and optionally
//! `subkey`, `number`, `datatype` (`string`, `int`, `datetime`, `relation`, `json`) and
//! `mask`, as an attribute `POST` takes them. An entity that already exists (a database
//! kept from an earlier run) is left as it is, so loading a fixture twice changes nothing.

use std::collections::BTreeMap;
use std::path::Path;

use clusto_http::cast::{cast, text_of};
use clusto_model::{AttrWrite, Clusto, WriteMode, drivers};
use serde::Deserialize;
use serde_json::Value;

use crate::BoxError;

/// One entity of a fixture file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureEntity {
    /// Entity name.
    pub name: String,
    /// Driver name (`pool`, `basicserver`, `ipmanager` …).
    pub driver: String,
    /// Driver properties given at creation.
    #[serde(default)]
    pub properties: BTreeMap<String, Value>,
    /// Containers to insert the entity into, in order.
    #[serde(default)]
    pub parents: Vec<String>,
    /// Attributes to add, in order.
    #[serde(default)]
    pub attrs: Vec<FixtureAttr>,
}

/// One attribute of a fixture entity.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureAttr {
    /// Key.
    pub key: String,
    /// Subkey.
    #[serde(default)]
    pub subkey: Option<String>,
    /// Number.
    #[serde(default)]
    pub number: Option<i64>,
    /// Value (typed by its JSON type unless `datatype` is given).
    pub value: Value,
    /// Datatype to cast the value to.
    #[serde(default)]
    pub datatype: Option<String>,
    /// `strptime` mask for `datetime`.
    #[serde(default)]
    pub mask: Option<String>,
}

/// Reads and applies a fixture file.
pub async fn load_file(clusto: &Clusto, path: &Path) -> Result<(), BoxError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the fixture {}: {e}", path.display()))?;
    let entities: Vec<FixtureEntity> = serde_json::from_str(&text)
        .map_err(|e| format!("the fixture {} is not valid: {e}", path.display()))?;
    for entity in &entities {
        load_entity(clusto, entity)
            .await
            .map_err(|e| format!("fixture {}, entity {:?}: {e}", path.display(), entity.name))?;
    }
    tracing::info!(entities = entities.len(), file = %path.display(), "fixture loaded");
    Ok(())
}

/// Creates one entity, unless it exists, then inserts it and adds its attributes.
pub async fn load_entity(clusto: &Clusto, entity: &FixtureEntity) -> Result<(), BoxError> {
    let driver = drivers::registered(&entity.driver)
        .ok_or_else(|| format!("unknown driver {:?}", entity.driver))?;
    let props: Vec<(String, String)> = entity
        .properties
        .iter()
        .map(|(k, v)| (k.clone(), text_of(v)))
        .collect();
    let created = clusto
        .create(driver, std::slice::from_ref(&entity.name), &props)
        .await?;
    if !created.existing.is_empty() {
        tracing::info!(
            name = entity.name,
            "fixture entity exists already; left as it is"
        );
        return Ok(());
    }
    for parent in &entity.parents {
        clusto
            .insert(parent, None, std::slice::from_ref(&entity.name))
            .await?;
    }
    let mut writes = Vec::new();
    for a in &entity.attrs {
        let value = cast(a.value.clone(), a.datatype.as_deref(), a.mask.as_deref())
            .map_err(|e| format!("attribute {:?}: {e}", a.key))?;
        writes.push(AttrWrite {
            mode: WriteMode::Add,
            key: a.key.clone(),
            subkey: a.subkey.clone(),
            number: a.number,
            value,
        });
    }
    if !writes.is_empty() {
        clusto.write_attrs(&entity.name, None, &writes).await?;
    }
    Ok(())
}
