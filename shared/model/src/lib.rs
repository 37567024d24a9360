//! The clusto data model over an [`ItemStore`]: entities of 21 drivers, typed attributes,
//! pools and containment, queries, and the name and IP resource managers, with the exact
//! behaviours of clusto 0.7.8 as the Clusto API Server uses it (`clusto-model.md` §§1–7),
//! minus the quirks its section 10 tells us to fix.
//!
//! Written once against the storage interface, it runs unchanged on DynamoDB and on the
//! embedded store. Every change of several items is one transaction; every invariant (unique
//! names, pool rules, resource ownership) is a condition on that transaction. Each entity
//! keeps an optimistic-lock version in its meta item: an operation reads what it needs,
//! validates, and writes with `ver = <what it read>` conditions; if anything changed in
//! between, the transaction fails as a whole and the operation starts again from the read
//! (see [`retry`]). There is no global counter anywhere.
//!
//! # Layout
//! - [`drivers`]: the driver registry (`/driverlist`, `/typelist`, is-a, properties)
//! - [`value`]: typed attribute values and their rendering
//! - [`items`]: the item layout (keys, codecs) — the only module that knows field names
//! - [`ids`]: sortable unique ids (creation order without a counter)
//! - `entity`: loading, listing, creating and deleting entities
//! - `attrs`: attribute queries and add / set / delete
//! - `containment`: insert / remove, contents, parents, from-pools
//! - [`resources`]: the resource managers (names, numbers, IPs)
//! - [`idempotency`]: `Idempotency-Key` records (claim, marker, stored answers)
//! - [`scope`]: what a request adds to its transactions (idempotency marker, `If-Match`)
//! - [`error`]: the model's error type, [`ModelError`]

#![warn(missing_docs)]

use std::sync::Arc;

use clusto_store::ItemStore;

mod attrs;
mod containment;
pub mod drivers;
mod entity;
pub mod error;
pub mod idempotency;
pub mod ids;
pub mod items;
pub mod resources;
pub mod retry;
pub mod scope;
pub mod value;

pub use attrs::{AttrFilter, AttrWrite, NewValue, WriteMode, check_value_size, parse_int};
pub use drivers::Driver;
pub use entity::{Created, Entity, EntityFilter};
pub use error::{ModelError, ModelResult};
pub use resources::{Allocated, Thing};
pub use value::{AttrValue, MAX_VALUE_BYTES};

/// Longest entity name accepted, in bytes (DynamoDB keys are limited to 1–2 KB).
pub const MAX_NAME_BYTES: usize = 1024;
/// Longest attribute key or subkey accepted, in bytes.
pub const MAX_KEY_BYTES: usize = 256;
/// The most items one transaction of an operation changes: DynamoDB's limit less the two
/// places kept for what the request adds to it (its idempotency marker and `If-Match`
/// check, see [`scope`]).
pub const MAX_CHANGED_ITEMS: usize = clusto_store::MAX_TRANSACTION_OPS - 2;
/// How many entity reads an expanded listing runs at once.
pub const READ_CONCURRENCY: usize = 16;

/// A reference to an entity: what the compact JSON form shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityRef {
    /// Entity name.
    pub name: String,
    /// Its driver.
    pub driver: &'static Driver,
    /// Its id (creation order).
    pub id: String,
}

impl EntityRef {
    /// The compact form `/<driver>/<name>`.
    pub fn compact(&self) -> String {
        format!("/{}/{}", self.driver.name, self.name)
    }

    /// Python's repr of the driver object, as clusto's error texts show it:
    /// `BasicServer(name=s1, type=server, driver=basicserver)`.
    pub fn repr(&self) -> String {
        format!(
            "{}(name={}, type={}, driver={})",
            self.driver.class_name(),
            self.name,
            self.driver.type_name,
            self.driver.name
        )
    }
}

/// One attribute, as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    /// Key.
    pub key: String,
    /// Subkey (`None` = null).
    pub subkey: Option<String>,
    /// Number (`None` = null).
    pub number: Option<i64>,
    /// Typed value.
    pub value: AttrValue,
}

/// The clusto database: the model's entry point. Cheap to clone.
#[derive(Clone)]
pub struct Clusto {
    store: Arc<dyn ItemStore>,
}

impl Clusto {
    /// The model over `store`. Call [`Clusto::init`] once before serving.
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Clusto { store }
    }

    /// The store underneath.
    pub fn store(&self) -> &Arc<dyn ItemStore> {
        &self.store
    }
}
