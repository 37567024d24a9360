//! Resource managers: allocate and deallocate names, numbers and IP addresses
//! (`clusto-model.md` §6).
//!
//! Every allocated resource has a claim item; writing it with a `NotExists` condition in
//! the allocation's transaction is what makes a resource go to exactly one owner, across
//! processes. Sequence numbers come from an atomic counter on the manager (one request, no
//! contention failures); IP addresses are found by scanning the claims of the network's /24
//! blocks from a per-manager hint. When concurrent allocators collide on an address, each
//! retry picks at random among a doubling window of free addresses, so a crowd spreads out
//! in a few rounds instead of one winner per round.
//!
//! Allocation numbers are per (object, attribute): one more than the highest number the
//! object already holds (quirk 39), guarded by the object's version.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use clusto_store::{Condition, Index, Query, StoreError, WriteOp};

use crate::attrs::{delete_row_ops, parse_int, put_row_ops};
use crate::drivers::{Driver, ManagerKind};
use crate::entity::{Entity, lock, property_rows};
use crate::items::{self, Claim, Meta, Row};
use crate::retry::{self, retry};
use crate::value::AttrValue;
use crate::{Attribute, Clusto, EntityRef, MAX_NAME_BYTES, ModelError, ModelResult, ids};

pub mod ip;

/// What to allocate a resource to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Thing {
    /// A driver: `simpleentitynamemanager` creates a new entity of it.
    Driver(&'static Driver),
    /// An existing entity, by name.
    Object(String),
}

/// What an allocation produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Allocated {
    /// The `(attr, null, n)` row written on the object.
    Attribute(Attribute),
    /// The entity a `simpleentitynamemanager` created.
    Entity(EntityRef),
}

fn text_of(manager: &Entity, property: &str) -> Option<String> {
    match manager.property(property)? {
        AttrValue::Str(s) => Some(s),
        AttrValue::Int(n) => Some(n.to_string()),
        _ => None,
    }
}

fn int_of(manager: &Entity, property: &str) -> ModelResult<Option<i64>> {
    match manager.property(property) {
        None => Ok(None),
        Some(AttrValue::Int(n)) => Ok(Some(n)),
        Some(AttrValue::Str(s)) => parse_int(&s).map(Some),
        Some(other) => Err(ModelError::Invalid(format!(
            "The property {property} is a {}, not an integer.",
            other.datatype()
        ))),
    }
}

fn network_of(manager: &Entity) -> Option<ip::Network> {
    ip::Network::from_properties(
        text_of(manager, "baseip").as_deref(),
        text_of(manager, "netmask").as_deref(),
        text_of(manager, "gateway").as_deref(),
    )
}

/// The name a simple name manager makes of sequence number `n`.
fn format_name(manager: &Entity, n: i64) -> ModelResult<String> {
    let basename = text_of(manager, "basename").unwrap_or_default();
    let digits = int_of(manager, "digits")?.unwrap_or(2);
    let leading = int_of(manager, "leadingZeros")?.unwrap_or(1) != 0;
    let number = if leading {
        format!("{n:0width$}", width = usize::try_from(digits).unwrap_or(0))
    } else {
        n.to_string()
    };
    if number.len() as i64 > digits {
        return Err(ModelError::Conflict(format!(
            "Out of digits for the integer. Max of {digits} digits and we're at number {n}."
        )));
    }
    Ok(format!("{basename}{number}"))
}

/// The resource a name or number manager makes of sequence number `n`.
fn sequence_value(kind: ManagerKind, manager: &Entity, n: i64) -> ModelResult<AttrValue> {
    if kind == ManagerKind::Name {
        return Ok(AttrValue::Str(format_name(manager, n)?));
    }
    if let Some(max) = int_of(manager, "maxnum")?.filter(|max| n > *max) {
        return Err(ModelError::Conflict(format!(
            "Out of numbers. Max of {max} reached."
        )));
    }
    Ok(AttrValue::Int(n))
}

/// The attribute of the manager's sequence counter item (per incarnation of the manager).
fn counter_attr(manager: &Entity) -> String {
    items::sequence_attr(&manager.reference().id)
}

fn manager_kind(manager: &Entity) -> ModelResult<ManagerKind> {
    manager
        .driver()
        .manager
        .ok_or_else(|| ModelError::NotAManager(manager.name().to_owned()))
}

/// The stored value of a requested resource, for managers that record allocations.
fn normalise(kind: ManagerKind, manager: &Entity, resource: &str) -> ModelResult<AttrValue> {
    match kind {
        ManagerKind::Ip => {
            let addr = ip::parse_resource(resource)?;
            if network_of(manager).is_some_and(|net| !net.contains(addr)) {
                return Err(ModelError::Invalid(format!(
                    "The ip {} is out of range for this IP manager.  Should be in {}/{}",
                    ip::dotted(addr),
                    text_of(manager, "baseip").unwrap_or_default(),
                    text_of(manager, "netmask").unwrap_or_default()
                )));
            }
            Ok(AttrValue::Int(ip::encode(addr)))
        }
        ManagerKind::Num => Ok(AttrValue::Int(parse_int(resource)?)),
        // A name resource is a name (and the key of its claim item), so it has the limit of
        // entity names: refused here rather than by the store.
        _ if resource.len() > MAX_NAME_BYTES => Err(ModelError::TooLarge(format!(
            "Resource names are limited to {MAX_NAME_BYTES} bytes."
        ))),
        _ => Ok(AttrValue::Str(resource.to_owned())),
    }
}

impl Clusto {
    /// The sequence number this allocation holds: reserved from the manager's atomic
    /// counter (starting at its `next` property) on first use, then kept across retries so
    /// a lost race does not burn numbers. Cleared when the number's name turned out taken.
    async fn reserve(&self, manager: &Entity, slot: &Mutex<Option<i64>>) -> ModelResult<i64> {
        if let Some(n) = *lock(slot) {
            return Ok(n);
        }
        let start = int_of(manager, "next")?.unwrap_or(0);
        let new = self
            .store
            .increment(
                &items::next_key(manager.name()),
                &counter_attr(manager),
                start,
                1,
            )
            .await
            // An increment whose answer was lost may have counted: asking again can at worst
            // skip a number, never hand one out twice, so it is retried like a busy store.
            .map_err(|e| match e {
                StoreError::Unknown(message) => StoreError::Busy(message),
                e => e,
            })?;
        *lock(slot) = Some(new - 1);
        Ok(new - 1)
    }

    /// Gives the reserved number back after the allocation failed on it (out of digits or
    /// numbers): clusto moves its counter only when an allocation succeeds, so the next
    /// attempt, e.g. after `digits` was raised, continues with this number. A
    /// compare-and-set: if someone reserved a later number meanwhile, this one is skipped.
    async fn give_back(&self, manager: &Entity, slot: &Mutex<Option<i64>>) {
        let Some(n) = lock(slot).take() else {
            return;
        };
        let attr = counter_attr(manager);
        let op = WriteOp::Put {
            item: items::next_item(manager.name(), &attr, n),
            condition: Condition::equals(attr.as_str(), n + 1),
        };
        match self.store.write(op).await {
            Ok(()) | Err(StoreError::ConditionFailed) => {}
            Err(e) => {
                let manager = manager.name();
                tracing::warn!(error = %e, manager, n, "could not give back a sequence number");
            }
        }
    }

    /// Whether someone holds the resource `value` under `attr`.
    async fn claimed(&self, attr: &str, value: &AttrValue) -> ModelResult<bool> {
        let key = items::claim_key(attr, value);
        Ok(self.store.get(&key).await?.is_some())
    }

    /// Picks a free IP address: the first free one in scan order on the first attempt,
    /// later a random one among the first 2^attempt free ones.
    async fn pick_ip(&self, manager: &Entity, attempt: u32) -> ModelResult<AttrValue> {
        let net = network_of(manager).ok_or_else(|| {
            ModelError::Conflict("Cannot generate an IP for an ipManager with no baseip".into())
        })?;
        let want = 1usize << attempt.min(8);
        let mut taken: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
        let mut free = Vec::new();
        for addr in net.scan_order(manager.part.lastip) {
            let block = addr >> 8;
            if let std::collections::btree_map::Entry::Vacant(slot) = taken.entry(block) {
                let claims = self
                    .store
                    .query(&Query::partition(Index::Table, items::ip_bucket(block)))
                    .await?;
                slot.insert(
                    claims
                        .iter()
                        .filter_map(|c| Claim::from_item(c).ok())
                        .filter_map(|c| c.key.sk.parse::<u32>().ok())
                        .collect(),
                );
            }
            if !taken[&block].contains(&(addr & 0xff)) {
                free.push(addr);
                if free.len() >= want {
                    break;
                }
            }
        }
        let chosen = match free.len() {
            0 => return Err(ModelError::Conflict("out of available ips.".into())),
            n => {
                free[if attempt == 0 {
                    0
                } else {
                    fastrand::usize(..n)
                }]
            }
        };
        Ok(AttrValue::Int(ip::encode(chosen)))
    }

    /// Allocates a resource from `manager` to `thing`: the given `resource`, or the next
    /// one the manager's allocator picks. One transaction per attempt.
    pub async fn allocate(
        &self,
        manager: &str,
        manager_driver: Option<&str>,
        thing: Thing,
        resource: Option<&str>,
    ) -> ModelResult<Allocated> {
        let m = self.get(manager, manager_driver).await?;
        let kind = manager_kind(&m)?;
        match (kind, thing) {
            (ManagerKind::EntityName, Thing::Driver(d)) => {
                self.allocate_entity(manager, d, resource).await
            }
            (ManagerKind::EntityName, Thing::Object(name)) => Err(ModelError::Conflict(format!(
                "{name} is not a Driver class: a {} allocates new entities; send a driver.",
                m.driver().name
            ))),
            (_, Thing::Driver(d)) => Err(ModelError::Conflict(format!(
                "{} is not of type Driver: a {} allocates to existing objects; send an object.",
                d.name,
                m.driver().name
            ))),
            (kind, Thing::Object(object)) => {
                self.allocate_to(manager, manager_driver, kind, &object, resource)
                    .await
            }
        }
    }

    async fn allocate_to(
        &self,
        manager: &str,
        manager_driver: Option<&str>,
        kind: ManagerKind,
        object: &str,
        resource: Option<&str>,
    ) -> ModelResult<Allocated> {
        let attr = kind.attr();
        let slot = &Mutex::new(None);
        retry(|attempt| async move {
            let (m, t) =
                futures::try_join!(self.get(manager, manager_driver), self.get(object, None))?;
            let value = match resource {
                Some(r) => {
                    let v = normalise(kind, &m, r)?;
                    if self.claimed(attr, &v).await? {
                        return Err(ModelError::Conflict(
                            "Requested resource is not available.".into(),
                        ));
                    }
                    v
                }
                None => match kind {
                    ManagerKind::Ip => self.pick_ip(&m, attempt).await?,
                    ManagerKind::Name | ManagerKind::Num => {
                        let n = self.reserve(&m, slot).await?;
                        let v = match sequence_value(kind, &m, n) {
                            Ok(v) => v,
                            Err(e) => {
                                self.give_back(&m, slot).await;
                                return Err(e);
                            }
                        };
                        if self.claimed(attr, &v).await? {
                            // Someone took this one explicitly: move on to the next number.
                            *lock(slot) = None;
                            return Err(StoreError::ConditionFailed.into());
                        }
                        v
                    }
                    ManagerKind::Base | ManagerKind::EntityName => {
                        return Err(ModelError::Conflict(format!(
                            "A {} cannot pick a resource by itself; send a resource.",
                            m.driver().name
                        )));
                    }
                },
            };
            let number = t
                .part
                .rows
                .iter()
                .filter(|r| r.key == attr)
                .filter_map(|r| r.number)
                .max()
                .map_or(0, |n| n + 1);
            let tref = t.reference().clone();
            let claim = Claim {
                key: items::claim_key(attr, &value),
                owner: tref.clone(),
                number,
            };
            let row = |subkey: Option<&str>, value: AttrValue| Row {
                rid: ids::new_id(),
                key: attr.to_owned(),
                subkey: subkey.map(str::to_owned),
                number: Some(number),
                value,
                claim: None,
            };
            let mut rows = vec![
                Row {
                    claim: Some(claim.key.clone()),
                    ..row(None, value.clone())
                },
                row(Some("manager"), AttrValue::Relation(m.reference().clone())),
            ];
            let net = network_of(&m);
            if let (ManagerKind::Ip, AttrValue::Int(encoded)) = (kind, &value) {
                let addr = ip::decode(*encoded);
                let prefix = net.map_or(32, |n| n.prefix());
                rows.push(row(Some("ipstring"), AttrValue::Str(ip::dotted(addr))));
                rows.push(row(
                    Some("cidr"),
                    AttrValue::Str(format!("{}/{prefix}", ip::dotted(addr))),
                ));
            }
            let mut ops = vec![WriteOp::Put {
                item: claim.to_item(),
                condition: Condition::NotExists,
            }];
            let mut checked = BTreeSet::new();
            for r in &rows {
                ops.extend(put_row_ops(&tref, r, &mut checked));
            }
            let mut meta = t.part.meta.clone();
            meta.ver += 1;
            ops.push(meta.put_if_version(Some(t.part.meta.ver)));
            retry::transact(&*self.store, ops).await?;
            if let (ManagerKind::Ip, AttrValue::Int(encoded)) = (kind, &value) {
                let hint = items::lastip_item(m.reference(), ip::decode(*encoded));
                if let Err(e) = self
                    .store
                    .write(WriteOp::Put {
                        item: hint,
                        condition: Condition::None,
                    })
                    .await
                {
                    tracing::warn!(error = %e, manager, "could not record the IP scan hint");
                }
            }
            Ok(Allocated::Attribute(Attribute {
                key: attr.to_owned(),
                subkey: None,
                number: Some(number),
                value,
            }))
        })
        .await
    }

    /// `simpleentitynamemanager`: creates an entity of `driver` named by the next name in
    /// the sequence (or `resource`, verbatim). Records nothing on the manager.
    async fn allocate_entity(
        &self,
        manager: &str,
        driver: &'static Driver,
        resource: Option<&str>,
    ) -> ModelResult<Allocated> {
        if let Some(name) = resource {
            crate::entity::check_name(name)?;
        }
        let slot = Mutex::new(None);
        retry(|_| async {
            let m = self.get(manager, None).await?;
            let name = match resource {
                Some(r) => r.to_owned(),
                None => match format_name(&m, self.reserve(&m, &slot).await?) {
                    Ok(name) => name,
                    Err(e) => {
                        self.give_back(&m, &slot).await;
                        return Err(e);
                    }
                },
            };
            if self.store.get(&items::meta_key(&name)).await?.is_some() {
                if resource.is_some() {
                    return Err(ModelError::Conflict(format!(
                        "Driver with the name {name} already exists."
                    )));
                }
                // Taken by someone else: move on to the next number.
                *lock(&slot) = None;
                return Err(StoreError::ConditionFailed.into());
            }
            let meta = Meta::new(&name, driver, ids::new_id());
            let mut ops = vec![meta.put_if_version(None), m.part.meta.check_exists()];
            for row in property_rows(driver, &[])? {
                ops.push(WriteOp::Put {
                    item: row.to_item(&meta.entity),
                    condition: Condition::NotExists,
                });
            }
            retry::transact(&*self.store, ops).await?;
            Ok(Allocated::Entity(meta.entity))
        })
        .await
    }

    /// Deallocates from `object`: the given resource (nothing happens if nobody holds it;
    /// another owner is an error), or every resource it holds from this manager.
    pub async fn deallocate(
        &self,
        manager: &str,
        manager_driver: Option<&str>,
        object: &str,
        resource: Option<&str>,
    ) -> ModelResult<()> {
        let m = self.get(manager, manager_driver).await?;
        let kind = manager_kind(&m)?;
        if kind == ManagerKind::EntityName {
            return Err(ModelError::Conflict(
                "can't deallocate an entity name, delete the entity instead.".into(),
            ));
        }
        let attr = kind.attr();
        let mref = m.reference().clone();
        retry(|_| async {
            let t = self.get(object, None).await?;
            let managed: BTreeSet<i64> = t
                .part
                .rows
                .iter()
                .filter(|r| r.key == attr && r.subkey.as_deref() == Some("manager"))
                .filter(|r| r.target().is_some_and(|x| x.name == mref.name))
                .filter_map(|r| r.number)
                .collect();
            let numbers: BTreeSet<i64> = match resource {
                None => managed,
                Some(r) => {
                    let v = normalise(kind, &m, r)?;
                    let key = items::claim_key(attr, &v);
                    let Some(item) = self.store.get(&key).await? else {
                        return Ok(());
                    };
                    let claim = Claim::from_item(&item)?;
                    if claim.owner.name != t.name() {
                        return Err(ModelError::Conflict(format!(
                            "{} isn't assigned resource {r}",
                            t.name()
                        )));
                    }
                    managed.into_iter().filter(|n| *n == claim.number).collect()
                }
            };
            let me = t.reference();
            let mut ops: Vec<WriteOp> = t
                .part
                .rows
                .iter()
                .filter(|r| r.key == attr && r.number.is_some_and(|n| numbers.contains(&n)))
                .flat_map(|r| delete_row_ops(me, r))
                .collect();
            if ops.is_empty() {
                return Ok(());
            }
            let mut meta = t.part.meta.clone();
            meta.ver += 1;
            ops.push(meta.put_if_version(Some(t.part.meta.ver)));
            retry::transact(&*self.store, ops).await?;
            Ok(())
        })
        .await
    }

    /// The entities holding `resource` (as the manager normalises it): at most one here,
    /// since claims make allocations unique.
    pub async fn owners(&self, manager: &str, resource: &str) -> ModelResult<Vec<EntityRef>> {
        let m = self.get(manager, None).await?;
        let kind = manager_kind(&m)?;
        let v = normalise(kind, &m, resource)?;
        let key = items::claim_key(kind.attr(), &v);
        match self.store.get(&key).await? {
            Some(item) => Ok(vec![Claim::from_item(&item)?.owner]),
            None => Ok(Vec::new()),
        }
    }
}
