//! Test support (feature `test-util`): the backend conformance suite, [`CountingStore`],
//! a wrapper that counts the requests the model issues and how many overlap in time, and
//! [`FaultyStore`], a wrapper that injects DynamoDB's failures.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;

use crate::{Item, ItemStore, Key, Query, StoreResult, WriteOp};

mod conformance;
mod faults;
pub use conformance::conformance;
pub use faults::{Faults, FaultyStore, Injected};

/// Request counts by kind, as seen by a [`CountingStore`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// `get` calls.
    pub get: usize,
    /// `batch_get` calls.
    pub batch_get: usize,
    /// `query` calls.
    pub query: usize,
    /// `write` calls.
    pub write: usize,
    /// `transact` calls.
    pub transact: usize,
    /// `increment` calls.
    pub increment: usize,
    /// `put_many` calls.
    pub put_many: usize,
    /// The most requests that were in flight at the same moment.
    pub max_in_flight: usize,
}

impl Counts {
    /// Read requests (get, batch_get, query).
    pub fn reads(&self) -> usize {
        self.get + self.batch_get + self.query
    }

    /// Write requests (write, transact, increment, put_many).
    pub fn writes(&self) -> usize {
        self.write + self.transact + self.increment + self.put_many
    }

    /// Every request.
    pub fn total(&self) -> usize {
        self.reads() + self.writes()
    }
}

#[derive(Default)]
struct Counters {
    get: AtomicUsize,
    batch_get: AtomicUsize,
    query: AtomicUsize,
    write: AtomicUsize,
    transact: AtomicUsize,
    increment: AtomicUsize,
    put_many: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

/// Wraps a store, counting every request. With a `latency`, each request also waits that
/// long before it runs, so requests issued concurrently visibly overlap (`max_in_flight`)
/// even on a backend that answers instantly.
pub struct CountingStore {
    inner: Arc<dyn ItemStore>,
    latency: Option<Duration>,
    counters: Counters,
}

impl CountingStore {
    /// Counts requests to `inner`.
    pub fn new(inner: Arc<dyn ItemStore>) -> Self {
        CountingStore {
            inner,
            latency: None,
            counters: Counters::default(),
        }
    }

    /// Adds a fixed delay to every request.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = Some(latency);
        self
    }

    /// The counts so far.
    pub fn counts(&self) -> Counts {
        let c = &self.counters;
        Counts {
            get: c.get.load(Ordering::SeqCst),
            batch_get: c.batch_get.load(Ordering::SeqCst),
            query: c.query.load(Ordering::SeqCst),
            write: c.write.load(Ordering::SeqCst),
            transact: c.transact.load(Ordering::SeqCst),
            increment: c.increment.load(Ordering::SeqCst),
            put_many: c.put_many.load(Ordering::SeqCst),
            max_in_flight: c.max_in_flight.load(Ordering::SeqCst),
        }
    }

    /// Sets every count back to zero.
    pub fn reset(&self) {
        let c = &self.counters;
        for a in [
            &c.get,
            &c.batch_get,
            &c.query,
            &c.write,
            &c.transact,
            &c.increment,
            &c.put_many,
            &c.max_in_flight,
        ] {
            a.store(0, Ordering::SeqCst);
        }
    }

    async fn track<T>(&self, counter: &AtomicUsize, fut: impl Future<Output = T>) -> T {
        counter.fetch_add(1, Ordering::SeqCst);
        let now = self.counters.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.counters.max_in_flight.fetch_max(now, Ordering::SeqCst);
        if let Some(latency) = self.latency {
            tokio::time::sleep(latency).await;
        }
        let out = fut.await;
        self.counters.in_flight.fetch_sub(1, Ordering::SeqCst);
        out
    }
}

#[async_trait]
impl ItemStore for CountingStore {
    async fn get(&self, key: &Key) -> StoreResult<Option<Item>> {
        self.track(&self.counters.get, self.inner.get(key)).await
    }

    async fn batch_get(&self, keys: &[Key]) -> StoreResult<Vec<Item>> {
        self.track(&self.counters.batch_get, self.inner.batch_get(keys))
            .await
    }

    async fn query(&self, query: &Query) -> StoreResult<Vec<Item>> {
        self.track(&self.counters.query, self.inner.query(query))
            .await
    }

    async fn write(&self, op: WriteOp) -> StoreResult<()> {
        self.track(&self.counters.write, self.inner.write(op)).await
    }

    async fn transact(&self, ops: Vec<WriteOp>, token: &str) -> StoreResult<()> {
        self.track(&self.counters.transact, self.inner.transact(ops, token))
            .await
    }

    async fn put_many(&self, items: Vec<Item>) -> StoreResult<()> {
        self.track(&self.counters.put_many, self.inner.put_many(items))
            .await
    }

    async fn increment(&self, key: &Key, attr: &str, start: i64, by: i64) -> StoreResult<i64> {
        self.track(
            &self.counters.increment,
            self.inner.increment(key, attr, start, by),
        )
        .await
    }
}
