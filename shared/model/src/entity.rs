//! Entities: loading one (a single Query of its item collection), loading many
//! (concurrently), listing by driver/type/name (GSI Queries, never a Scan), creating
//! (one transaction, names guarded by `NotExists`) and deleting (one transaction that also
//! removes every relation pointing at the entity).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};

use clusto_store::{Condition, Index, Item, Key, Query, Value, WriteOp};
use futures::stream::{self, StreamExt, TryStreamExt};

use crate::drivers::{self, Driver, ManagerKind, PropDefault};
use crate::items::{self, CONTAINS, Meta, Partition, Row};
use crate::retry::{self, retry};
use crate::value::AttrValue;
use crate::{
    Attribute, Clusto, EntityRef, MAX_CHANGED_ITEMS, MAX_NAME_BYTES, ModelError, ModelResult,
    READ_CONCURRENCY, ids,
};

/// A loaded entity: its meta, attributes, parents and contents, as of one consistent read.
#[derive(Debug, Clone)]
pub struct Entity {
    pub(crate) part: Partition,
}

impl Entity {
    /// Name, driver and id.
    pub fn reference(&self) -> &EntityRef {
        &self.part.meta.entity
    }

    /// The entity's name.
    pub fn name(&self) -> &str {
        &self.part.meta.entity.name
    }

    /// The entity's driver.
    pub fn driver(&self) -> &'static Driver {
        self.part.meta.entity.driver
    }

    /// The optimistic-lock version: every change of the entity's rows or parents moves it
    /// on (what an `ETag` names, with the id).
    pub fn version(&self) -> i64 {
        self.part.meta.ver
    }

    /// The stored type.
    pub fn type_name(&self) -> &str {
        &self.part.meta.type_name
    }

    /// Every attribute row, hidden ones included, in clusto's order: stable by key (code
    /// point order), creation order within a key.
    pub(crate) fn all_attrs(&self) -> Vec<Attribute> {
        let mut rows: Vec<&Row> = self.part.rows.iter().collect();
        rows.sort_by(|a, b| a.key.cmp(&b.key));
        rows.into_iter()
            .map(|r| Attribute {
                key: r.key.clone(),
                subkey: r.subkey.clone(),
                number: r.number,
                value: r.value.clone(),
            })
            .collect()
    }

    /// The visible attributes (keys not starting with `_`), in clusto's order.
    pub fn attrs(&self) -> Vec<Attribute> {
        let mut all = self.all_attrs();
        all.retain(|a| !a.key.starts_with('_'));
        all
    }

    /// The contained entities, de-duplicated, in id order of the children.
    pub fn contents(&self) -> Vec<EntityRef> {
        let mut seen = BTreeSet::new();
        let mut out: Vec<EntityRef> = self
            .part
            .rows
            .iter()
            .filter(|r| r.key == CONTAINS)
            .filter_map(|r| r.target())
            .filter(|t| seen.insert(t.name.clone()))
            .cloned()
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }

    /// The containers, de-duplicated, in creation order of their `_contains` rows.
    pub fn parents(&self) -> Vec<EntityRef> {
        let mut seen = BTreeSet::new();
        self.part
            .backrefs
            .iter()
            .filter(|b| b.key == CONTAINS)
            .filter(|b| seen.insert(b.source.name.clone()))
            .map(|b| b.source.clone())
            .collect()
    }

    /// For resource managers: how many allocations point at this manager.
    pub fn count(&self) -> Option<usize> {
        let kind = self.driver().manager?;
        Some(
            self.part
                .backrefs
                .iter()
                .filter(|b| b.key == kind.attr() && b.subkey.as_deref() == Some("manager"))
                .count(),
        )
    }

    /// For drivers with IPs: the `(ip, 'ipstring', *)` values in attribute order.
    pub fn ips(&self) -> Option<Vec<String>> {
        if !self.driver().has_ips || self.driver().manager.is_some() {
            return None;
        }
        Some(
            self.all_attrs()
                .into_iter()
                .filter(|a| a.key == "ip" && a.subkey.as_deref() == Some("ipstring"))
                .filter_map(|a| match a.value {
                    AttrValue::Str(s) => Some(s),
                    _ => None,
                })
                .collect(),
        )
    }

    /// A property: the `(name, 'property', null)` row if present, else the default.
    pub fn property(&self, name: &str) -> Option<AttrValue> {
        let row = self.part.rows.iter().rev().find(|r| {
            r.key == name && r.subkey.as_deref() == Some("property") && r.number.is_none()
        });
        match (row, self.driver().property(name)) {
            (Some(r), _) => Some(r.value.clone()),
            (None, Some(PropDefault::Str(s))) => Some(AttrValue::Str(s.to_owned())),
            (None, Some(PropDefault::Int(n))) => Some(AttrValue::Int(n)),
            _ => None,
        }
    }
}

/// Filters of an entity listing: AND of the non-empty filters, OR within each list.
#[derive(Debug, Clone, Default)]
pub struct EntityFilter {
    /// Exact names.
    pub names: Vec<String>,
    /// Types (exact, no inheritance).
    pub types: Vec<String>,
    /// Drivers (exact, no inheritance).
    pub drivers: Vec<String>,
}

/// The result of a create: one reference per requested name (repeats kept), and the
/// entities that existed before the request, in request order.
#[derive(Debug, Clone)]
pub struct Created {
    /// One per requested name.
    pub entities: Vec<EntityRef>,
    /// Those that already existed (returned unchanged).
    pub existing: Vec<EntityRef>,
}

/// Locks a mutex, ignoring poisoning (the data is plain values).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Validates an entity name: non-empty and within the key size limit.
pub(crate) fn check_name(name: &str) -> ModelResult<()> {
    if name.is_empty() {
        return Err(ModelError::Invalid(
            "An entity name may not be empty.".into(),
        ));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(ModelError::Invalid(format!(
            "Entity names are limited to {MAX_NAME_BYTES} bytes."
        )));
    }
    Ok(())
}

/// [`ModelError::WrongDriver`] unless the entity is an instance of `wanted` (if given).
fn check_is_a(entity: &EntityRef, wanted: Option<&Driver>) -> ModelResult<()> {
    match wanted {
        Some(d) if !entity.driver.is_a(d.name) => Err(ModelError::WrongDriver {
            name: entity.name.clone(),
            driver: d.name.to_owned(),
        }),
        _ => Ok(()),
    }
}

/// A registered driver by name, or [`ModelError::UnknownDriver`].
pub fn driver(name: &str) -> ModelResult<&'static Driver> {
    drivers::registered(name).ok_or_else(|| ModelError::UnknownDriver(name.to_owned()))
}

/// The property rows a new entity of `driver` stores: every declared property whose value
/// (the default, or the one given, cast to the default's type) is not null, in declaration
/// order. Unknown properties are ignored.
pub(crate) fn property_rows(driver: &Driver, given: &[(String, String)]) -> ModelResult<Vec<Row>> {
    let mut rows = Vec::new();
    for (name, default) in driver.properties {
        let given = given.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
        let value = match (default, given) {
            (PropDefault::Str(_) | PropDefault::NoneStr, Some(v)) => {
                Some(AttrValue::Str(v.clone()))
            }
            (PropDefault::Int(_) | PropDefault::NoneInt, Some(v)) => {
                Some(AttrValue::Int(crate::attrs::parse_int(v)?))
            }
            (PropDefault::Str(s), None) => Some(AttrValue::Str((*s).to_owned())),
            (PropDefault::Int(n), None) => Some(AttrValue::Int(*n)),
            (PropDefault::NoneStr | PropDefault::NoneInt, None) => None,
        };
        if let Some(value) = value {
            if driver.manager == Some(ManagerKind::Ip) {
                crate::resources::ip::check_property(name, &value)?;
            }
            rows.push(Row {
                rid: ids::new_id(),
                key: (*name).to_owned(),
                subkey: Some("property".into()),
                number: None,
                value,
                claim: None,
            });
        }
    }
    Ok(rows)
}

/// Splits operations into transactions of at most [`MAX_CHANGED_ITEMS`], keeping each
/// group (one entity's items) together.
pub(crate) fn chunk_groups(groups: Vec<Vec<WriteOp>>) -> Vec<Vec<WriteOp>> {
    let mut chunks: Vec<Vec<WriteOp>> = Vec::new();
    for group in groups {
        match chunks.last_mut() {
            Some(last) if last.len() + group.len() <= MAX_CHANGED_ITEMS => last.extend(group),
            _ => chunks.push(group),
        }
    }
    chunks
}

impl Clusto {
    /// Creates the `clustometa` entity if the database has none (idempotent).
    pub async fn init(&self) -> ModelResult<()> {
        let meta = driver("clustometa")?;
        self.create(meta, &["clustometa".to_owned()], &[]).await?;
        Ok(())
    }

    /// Reads an entity's whole item collection (one Query). `None` if it does not exist.
    pub async fn load(&self, name: &str) -> ModelResult<Option<Entity>> {
        let items = self.partition_items(name).await?;
        Ok(Partition::from_items(&items)?.map(|part| Entity { part }))
    }

    pub(crate) async fn partition_items(&self, name: &str) -> ModelResult<Vec<Item>> {
        if check_name(name).is_err() {
            // No entity can have this name, and the store may refuse such a key: the answer
            // is known without asking.
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .query(&Query::partition(Index::Table, items::entity_pk(name)))
            .await?)
    }

    /// The shared lookup `get(name, driver?)`: an unknown driver, a missing entity, and an
    /// entity that is not an instance of the driver are errors, checked in that order.
    pub async fn get(&self, name: &str, driver_name: Option<&str>) -> ModelResult<Entity> {
        let wanted = driver_name.map(driver).transpose()?;
        let entity = self
            .load(name)
            .await?
            .ok_or_else(|| ModelError::DoesNotExist(name.to_owned()))?;
        check_is_a(entity.reference(), wanted)?;
        Ok(entity)
    }

    /// Loads many entities concurrently (at most [`READ_CONCURRENCY`] reads at once),
    /// keeping the order and repeats of `names`; `None` for missing ones.
    pub async fn load_many(&self, names: &[String]) -> ModelResult<Vec<Option<Entity>>> {
        // The futures are collected first: a stream over a borrowing closure makes the
        // caller's future fail the `Send` check that axum handlers need (rustc #102211).
        let loads: Vec<_> = names.iter().map(|n| self.load(n)).collect();
        stream::iter(loads)
            .buffered(READ_CONCURRENCY)
            .try_collect()
            .await
    }

    /// References (name, driver, id) of many entities with one batch read of their meta
    /// items, keeping the order and repeats of `names`; `None` for missing ones.
    pub async fn refs(&self, names: &[String]) -> ModelResult<Vec<Option<EntityRef>>> {
        let metas = self.metas(names).await?;
        Ok(names
            .iter()
            .map(|n| metas.get(n).map(|m| m.entity.clone()))
            .collect())
    }

    pub(crate) async fn metas(&self, names: &[String]) -> ModelResult<BTreeMap<String, Meta>> {
        let keys: BTreeSet<Key> = names
            .iter()
            .filter(|n| check_name(n).is_ok())
            .map(|n| items::meta_key(n))
            .collect();
        if keys.is_empty() {
            return Ok(BTreeMap::new());
        }
        let keys: Vec<Key> = keys.into_iter().collect();
        self.store
            .batch_get(&keys)
            .await?
            .iter()
            .map(|i| Meta::from_item(i).map(|m| (m.entity.name.clone(), m)))
            .collect()
    }

    /// Lists entities (compact references) matching `filter`, in id order — or name order
    /// when names are given, as the original's SQL does. Unknown driver or type names are
    /// errors. Uses the `by-driver` index: one Query per candidate driver, concurrently.
    pub async fn list(&self, filter: &EntityFilter) -> ModelResult<Vec<EntityRef>> {
        for d in &filter.drivers {
            driver(d)?;
        }
        for t in &filter.types {
            if !drivers::is_type(t) {
                return Err(ModelError::UnknownDriver(t.clone()));
            }
        }
        let keep = |d: &Driver| {
            (filter.drivers.is_empty() || filter.drivers.iter().any(|x| x == d.name))
                && (filter.types.is_empty() || filter.types.iter().any(|x| x == d.type_name))
        };
        if !filter.names.is_empty() {
            let mut refs: Vec<EntityRef> = self
                .metas(&filter.names)
                .await?
                .into_values()
                .map(|m| m.entity)
                .filter(|e| keep(e.driver))
                .collect();
            refs.sort_by(|a, b| a.name.cmp(&b.name));
            return Ok(refs);
        }
        let candidates: Vec<&Driver> = drivers::DRIVERS.iter().filter(|d| keep(d)).collect();
        let mut refs = self.by_drivers(&candidates).await?;
        refs.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(refs)
    }

    /// Every entity of the given drivers (exact), one `by-driver` Query per driver.
    pub(crate) async fn by_drivers(&self, list: &[&Driver]) -> ModelResult<Vec<EntityRef>> {
        // Collected first for the same `Send` reason as in `load_many`.
        let queries: Vec<_> = list
            .iter()
            .map(|d| {
                let query = Query::partition(Index::ByDriver, items::driver_partition(d.name));
                async move { self.store.query(&query).await }
            })
            .collect();
        let per_driver: Vec<Vec<Item>> = stream::iter(queries)
            .buffer_unordered(READ_CONCURRENCY)
            .try_collect()
            .await?;
        per_driver
            .iter()
            .flatten()
            .map(|i| Meta::from_item(i).map(|m| m.entity))
            .collect()
    }

    /// `get_or_create` for each name: existing entities (of any driver) are returned
    /// unchanged; new ones are created with `driver` and its default properties (`props`
    /// override them, cast to the default's type). All new entities are written in one
    /// transaction (split only past DynamoDB's 100-item limit; each part is idempotent).
    pub async fn create(
        &self,
        driver: &'static Driver,
        names: &[String],
        props: &[(String, String)],
    ) -> ModelResult<Created> {
        for name in names {
            check_name(name)?;
            if driver.name == "clustometa" && name != "clustometa" {
                return Err(ModelError::Conflict(
                    "clustometa is a singleton: its only entity is named clustometa.".into(),
                ));
            }
        }
        property_rows(driver, props)?;
        // Names this call created, across retries (a Mutex only so the future stays Send).
        let made_here: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
        let metas = retry(|_| async {
            let metas = self.metas(names).await?;
            let mut groups = Vec::new();
            let mut planned = BTreeSet::new();
            for name in names {
                if metas.contains_key(name) || !planned.insert(name.clone()) {
                    continue;
                }
                let meta = Meta::new(name, driver, ids::new_id());
                let mut group = vec![meta.put_if_version(None)];
                for row in property_rows(driver, props)? {
                    group.push(WriteOp::Put {
                        item: row.to_item(&meta.entity),
                        condition: Condition::NotExists,
                    });
                }
                groups.push(group);
            }
            for chunk in chunk_groups(groups) {
                let created: Vec<String> = chunk
                    .iter()
                    .filter_map(|op| match op {
                        WriteOp::Put { item, .. } if op.key().sk == items::META_SK => {
                            item.get("name").and_then(Value::as_s).map(str::to_owned)
                        }
                        _ => None,
                    })
                    .collect();
                retry::transact(&*self.store, chunk).await?;
                lock(&made_here).extend(created);
            }
            self.metas(names).await
        })
        .await?;
        let made_here = made_here.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut existing = Vec::new();
        let mut entities = Vec::new();
        for name in names {
            let meta = metas
                .get(name)
                .ok_or_else(|| ModelError::DoesNotExist(name.clone()))?;
            if !made_here.contains(name) && !existing.contains(&meta.entity) {
                existing.push(meta.entity.clone());
            }
            entities.push(meta.entity.clone());
        }
        Ok(Created { entities, existing })
    }

    /// Deletes an entity and every attribute elsewhere whose value points at it (it leaves
    /// its pools; its children lose this parent). `driver` is checked with the is-a rule.
    /// Returns `false` if there was no such entity. One transaction, unless more than 100
    /// items are involved: then the parts run in order with the entity's meta last, and an
    /// interrupted delete can simply be repeated.
    pub async fn delete(&self, name: &str, driver_name: Option<&str>) -> ModelResult<bool> {
        let wanted = driver_name.map(driver).transpose()?;
        retry(|_| async {
            let raw = self.partition_items(name).await?;
            let Some(part) = Partition::from_items(&raw)? else {
                return Ok(false);
            };
            let me = &part.meta.entity;
            check_is_a(me, wanted)?;
            let mut ops: BTreeMap<Key, WriteOp> = BTreeMap::new();
            let mut delete = |key: Key| {
                ops.entry(key.clone()).or_insert(WriteOp::Delete {
                    key,
                    condition: Condition::None,
                });
            };
            for item in &raw {
                if let Some(key) = Key::of(item).filter(|k| k.sk != items::META_SK) {
                    delete(key);
                }
            }
            for row in &part.rows {
                if let Some(claim) = &row.claim {
                    delete(claim.clone());
                }
                if let (Some(target), Some(back)) = (row.target(), row.backref(me)) {
                    delete(back.key_on(&target.name));
                }
            }
            let mut removed_from: BTreeMap<String, i64> = BTreeMap::new();
            for back in &part.backrefs {
                delete(back.row_key());
                if back.key == CONTAINS && back.source.name != me.name {
                    *removed_from.entry(back.source.name.clone()).or_default() += 1;
                }
            }
            let containers: Vec<String> = removed_from.keys().cloned().collect();
            for (cname, meta) in self.metas(&containers).await? {
                let mut updated = meta.clone();
                updated.ver += 1;
                updated.nc = (updated.nc - removed_from[&cname]).max(0);
                ops.insert(meta.key(), updated.put_if_version(Some(meta.ver)));
            }
            let mut groups: Vec<Vec<WriteOp>> = ops.into_values().map(|op| vec![op]).collect();
            groups.push(vec![WriteOp::Delete {
                key: part.meta.key(),
                condition: Condition::equals("ver", part.meta.ver),
            }]);
            for chunk in chunk_groups(groups) {
                retry::transact(&*self.store, chunk).await?;
            }
            Ok(true)
        })
        .await
    }

    /// Resource managers, compact, in id order: all of them, or those of exactly `driver`
    /// (kept only if that driver manages resources).
    pub async fn managers(&self, driver: Option<&'static Driver>) -> ModelResult<Vec<EntityRef>> {
        let list: Vec<&Driver> = match driver {
            Some(d) => vec![d],
            None => drivers::drivers_of_type("resourcemanager").collect(),
        };
        let mut refs: Vec<EntityRef> = self
            .by_drivers(&list)
            .await?
            .into_iter()
            .filter(|e| e.driver.manager.is_some())
            .collect();
        refs.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(refs)
    }
}
