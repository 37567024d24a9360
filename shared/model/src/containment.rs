//! Containment: insert / remove with each container driver's rule, recursive contents, and
//! `get_from_pools`.
//!
//! "A contains B" is a `(_contains, null, n) = B` row on A (n from A's `_contains`
//! counter) plus its back-reference on B. Inserting writes both and bumps the versions of
//! A and B in one transaction, so a rule checked against B's parents (unique and exclusive
//! pools) cannot be broken by a concurrent insert of B elsewhere.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use clusto_store::{Condition, WriteOp};

use crate::drivers::{ContainerRule, Driver};
use crate::entity::{Entity, chunk_groups, driver};
use crate::items::{CONTAINS, Row};
use crate::retry::{self, retry};
use crate::value::AttrValue;
use crate::{Clusto, EntityRef, MAX_CHANGED_ITEMS, ModelError, ModelResult, drivers, ids};

/// Devices per transaction: each needs 3 items (row, back-reference, its meta), plus the
/// container's meta, within [`MAX_CHANGED_ITEMS`].
const DEVICES_PER_TRANSACTION: usize = (MAX_CHANGED_ITEMS - 1) / 3;

fn repr_list(list: &[&EntityRef]) -> String {
    let inner: Vec<String> = list.iter().map(|e| e.repr()).collect();
    format!("[{}]", inner.join(", "))
}

/// Checks the container rule of `a` for inserting `b`, whose current containers are
/// `parents`. The texts are clusto's.
fn check_rule(a: &EntityRef, b: &EntityRef, parents: &[EntityRef]) -> ModelResult<()> {
    let conflict = |msg: String| Err(ModelError::Conflict(msg));
    let pools: Vec<&EntityRef> = parents.iter().filter(|p| p.driver.is_pool()).collect();
    match a.driver.container {
        ContainerRule::Rack => {
            return conflict(format!(
                "Inserting into the rack {} needs a rack unit, which this API cannot pass.",
                a.name
            ));
        }
        ContainerRule::Plain => {
            if let Some(p) = parents.first() {
                return conflict(format!(
                    "{} is already in {} and cannot be inserted into {}.",
                    b.name, p.name, a.name
                ));
            }
        }
        ContainerRule::Location => {
            let same: Vec<&EntityRef> = parents.iter().filter(|p| p.driver == a.driver).collect();
            if !same.is_empty() {
                return conflict(format!(
                    "{} is already in location(s) {}",
                    b.repr(),
                    repr_list(&same)
                ));
            }
        }
        ContainerRule::UniquePool => {
            let uniques: Vec<&EntityRef> = pools
                .iter()
                .copied()
                .filter(|p| p.driver.name == "unique_pool" && p.name != a.name)
                .collect();
            if !uniques.is_empty() {
                return conflict(format!(
                    "{} is already in UniquePool(s) {}",
                    b.repr(),
                    repr_list(&uniques)
                ));
            }
        }
        ContainerRule::ExclusivePool if !pools.is_empty() => {
            return conflict(format!(
                "{} is already in pools {}, cannot insert exclusively.",
                b.repr(),
                repr_list(&pools)
            ));
        }
        ContainerRule::ExclusivePool | ContainerRule::Pool => {}
    }
    if let Some(x) = pools
        .iter()
        .find(|p| a.driver.is_pool() && p.driver.name == "exclusive_pool")
    {
        return conflict(format!("{} is in ExclusivePool {}", b.repr(), x.repr()));
    }
    Ok(())
}

fn dedup(names: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    names
        .iter()
        .filter(|n| seen.insert(n.as_str()))
        .cloned()
        .collect()
}

impl Clusto {
    /// Inserts each device into the container, skipping those already in it. Every device
    /// is checked against the container's rule before anything is written; a violation
    /// writes nothing. Returns the container after the insert.
    pub async fn insert(
        &self,
        container: &str,
        driver_name: Option<&str>,
        devices: &[String],
    ) -> ModelResult<Entity> {
        let devices = dedup(devices);
        if devices.iter().any(|d| d == container) {
            return Err(ModelError::Conflict(format!(
                "{container} cannot be inserted into itself."
            )));
        }
        if devices.len() > DEVICES_PER_TRANSACTION {
            // Several transactions: check every device before the first one is written.
            let a = self.get(container, driver_name).await?;
            self.devices_to_insert(&a, &devices).await?;
        }
        for chunk in devices.chunks(DEVICES_PER_TRANSACTION) {
            retry(|_| self.insert_chunk(container, driver_name, chunk)).await?;
        }
        self.get(container, driver_name).await
    }

    /// The devices not yet in `a`, loaded, each checked against `a`'s container rule.
    async fn devices_to_insert(&self, a: &Entity, devices: &[String]) -> ModelResult<Vec<Entity>> {
        let members: BTreeSet<String> = a.contents().into_iter().map(|c| c.name).collect();
        let todo: Vec<String> = devices
            .iter()
            .filter(|d| !members.contains(*d))
            .cloned()
            .collect();
        let mut out = Vec::with_capacity(todo.len());
        for (name, b) in todo.iter().zip(self.load_many(&todo).await?) {
            let b = b.ok_or_else(|| ModelError::DoesNotExist(name.clone()))?;
            check_rule(a.reference(), b.reference(), &b.parents())?;
            out.push(b);
        }
        Ok(out)
    }

    async fn insert_chunk(
        &self,
        container: &str,
        driver_name: Option<&str>,
        devices: &[String],
    ) -> ModelResult<()> {
        let a = self.get(container, driver_name).await?;
        let todo = self.devices_to_insert(&a, devices).await?;
        if todo.is_empty() {
            return Ok(());
        }
        let me = a.reference().clone();
        let mut meta = a.part.meta.clone();
        let first = meta.counters.get(CONTAINS).copied().unwrap_or(0);
        let mut ops = Vec::new();
        for (i, b) in todo.iter().enumerate() {
            let row = Row {
                rid: ids::new_id(),
                key: CONTAINS.into(),
                subkey: None,
                number: Some(first + i as i64),
                value: AttrValue::Relation(b.reference().clone()),
                claim: None,
            };
            let back = row.backref(&me).expect("a containment row is a relation");
            let mut bmeta = b.part.meta.clone();
            bmeta.ver += 1;
            ops.push(WriteOp::Put {
                item: row.to_item(&me),
                condition: Condition::NotExists,
            });
            ops.push(WriteOp::Put {
                item: back.to_item(b.reference()),
                condition: Condition::NotExists,
            });
            ops.push(bmeta.put_if_version(Some(b.part.meta.ver)));
        }
        meta.ver += 1;
        meta.nc += todo.len() as i64;
        meta.counters
            .insert(CONTAINS.into(), first + todo.len() as i64);
        ops.push(meta.put_if_version(Some(a.part.meta.ver)));
        retry::transact(&*self.store, ops).await?;
        Ok(())
    }

    /// Removes each device from the container (every `_contains` row pointing at it);
    /// devices not in it are skipped. Returns the container after the removal.
    pub async fn remove(
        &self,
        container: &str,
        driver_name: Option<&str>,
        devices: &[String],
    ) -> ModelResult<Entity> {
        let devices = dedup(devices);
        for chunk in devices.chunks(DEVICES_PER_TRANSACTION) {
            retry(|_| self.remove_chunk(container, driver_name, chunk)).await?;
        }
        self.get(container, driver_name).await
    }

    async fn remove_chunk(
        &self,
        container: &str,
        driver_name: Option<&str>,
        devices: &[String],
    ) -> ModelResult<()> {
        let a = self.get(container, driver_name).await?;
        let me = a.reference().clone();
        let wanted: BTreeSet<&str> = devices.iter().map(String::as_str).collect();
        let rows: Vec<&Row> = a
            .part
            .rows
            .iter()
            .filter(|r| r.key == CONTAINS)
            .filter(|r| r.target().is_some_and(|t| wanted.contains(t.name.as_str())))
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        let mut groups: BTreeMap<String, Vec<WriteOp>> = BTreeMap::new();
        for row in &rows {
            let target = row.target().expect("filtered on relations");
            groups
                .entry(target.name.clone())
                .or_default()
                .extend(crate::attrs::delete_row_ops(&me, row));
        }
        let names: Vec<String> = groups.keys().cloned().collect();
        for (name, bmeta) in self.metas(&names).await? {
            let mut bumped = bmeta.clone();
            bumped.ver += 1;
            if let Some(group) = groups.get_mut(&name) {
                group.push(bumped.put_if_version(Some(bmeta.ver)));
            }
        }
        let mut meta = a.part.meta.clone();
        meta.ver += 1;
        meta.nc = (meta.nc - rows.len() as i64).max(0);
        let mut all: Vec<Vec<WriteOp>> = groups.into_values().collect();
        all.push(vec![meta.put_if_version(Some(a.part.meta.ver))]);
        for chunk in chunk_groups(all) {
            retry::transact(&*self.store, chunk).await?;
        }
        Ok(())
    }

    /// `contents(search_children=True)`: direct contents, then each direct child's (in id
    /// order) recursive contents, any depth, any driver; cycles are walked once. Children
    /// are read level by level: one batch read of their meta items, then a concurrent read
    /// of those that contain something.
    pub async fn contents_recursive(&self, root: &Entity) -> ModelResult<Vec<EntityRef>> {
        let mut contents: HashMap<String, Vec<EntityRef>> = HashMap::new();
        contents.insert(root.name().to_owned(), root.contents());
        let mut frontier: Vec<String> = root.contents().into_iter().map(|c| c.name).collect();
        while !frontier.is_empty() {
            let metas = self.metas(&frontier).await?;
            let containers: Vec<String> = frontier
                .iter()
                .filter(|n| !contents.contains_key(*n))
                .filter(|n| metas.get(*n).is_some_and(|m| m.nc > 0))
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut next = Vec::new();
            for entity in self.load_many(&containers).await?.into_iter().flatten() {
                let kids = entity.contents();
                next.extend(kids.iter().map(|k| k.name.clone()));
                contents.insert(entity.name().to_owned(), kids);
            }
            frontier = next;
        }
        let mut out = Vec::new();
        let mut expanded = BTreeSet::new();
        flatten(root.name(), &contents, &mut expanded, &mut out);
        Ok(out)
    }

    /// `get_from_pools`: the entities in every one of `pools` (intersection), filtered by
    /// type and driver (exact), searching children recursively when asked; in id order.
    pub async fn from_pools(
        &self,
        pools: &[String],
        types: &[String],
        drivers_filter: &[String],
        recursive: bool,
    ) -> ModelResult<Vec<EntityRef>> {
        for d in drivers_filter {
            driver(d)?;
        }
        for t in types {
            if !drivers::is_type(t) {
                return Err(ModelError::UnknownDriver(t.clone()));
            }
        }
        let keep = |d: &Driver| {
            (types.is_empty() || types.iter().any(|t| t == d.type_name))
                && (drivers_filter.is_empty() || drivers_filter.iter().any(|x| x == d.name))
        };
        let mut result: Option<BTreeMap<String, EntityRef>> = None;
        for (name, pool) in pools.iter().zip(self.load_many(pools).await?) {
            let pool = pool.ok_or_else(|| ModelError::DoesNotExist(name.clone()))?;
            if !pool.driver().is_pool() {
                return Err(ModelError::NotAPool(name.clone()));
            }
            let found = if recursive {
                self.contents_recursive(&pool).await?
            } else {
                pool.contents()
            };
            let set: BTreeMap<String, EntityRef> = found
                .into_iter()
                .filter(|e| keep(e.driver))
                .map(|e| (e.name.clone(), e))
                .collect();
            result = Some(match result {
                None => set,
                Some(prev) => prev
                    .into_iter()
                    .filter(|(n, _)| set.contains_key(n))
                    .collect(),
            });
        }
        let mut out: Vec<EntityRef> = result.unwrap_or_default().into_values().collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(out)
    }
}

fn flatten(
    name: &str,
    contents: &HashMap<String, Vec<EntityRef>>,
    expanded: &mut BTreeSet<String>,
    out: &mut Vec<EntityRef>,
) {
    if !expanded.insert(name.to_owned()) {
        return;
    }
    let Some(kids) = contents.get(name) else {
        return;
    };
    out.extend(kids.iter().cloned());
    for kid in kids {
        if contents.contains_key(&kid.name) {
            flatten(&kid.name, contents, expanded, out);
        }
    }
}
