//! [`FaultyStore`]: a wrapper that makes a healthy store fail the way DynamoDB does under
//! stress, at chosen rates from a seed, so tests can check that nothing the model
//! acknowledges is lost or done twice.
//!
//! The faults, per call:
//! - **throttling**: nothing happens; reads and single writes answer [`StoreError::Busy`], a
//!   transaction half the time `Busy` (`ThrottlingException`) and half the time a
//!   cancellation whose reasons say [`CancelReason::Throttled`];
//! - **server error** (a 500) and **timeout**: nothing happens; a read answers `Busy`, a write
//!   [`StoreError::Unknown`] (the caller cannot know that nothing happened);
//! - **lost answer**: the write happens, and the caller is told `Unknown` all the same.
//!
//! Transactions keep DynamoDB's `ClientRequestToken` rule, which moto does not: a repeat of
//! the same operations with the token of a commit made less than 10 minutes ago succeeds
//! without writing; the same token with other operations is refused as invalid.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::{CancelReason, Item, ItemStore, Key, Query, StoreError, StoreResult, WriteOp};

/// How long DynamoDB remembers a transaction's token after its commit.
const TOKEN_WINDOW: Duration = Duration::from_secs(600);

/// How often each fault happens, as a probability per call (0.0 to 1.0).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Faults {
    /// Throttling: the call is refused, nothing written.
    pub throttle: f64,
    /// A 500 from the service: nothing written, a write's outcome unknown to the caller.
    pub server_error: f64,
    /// A timeout before the request arrived: as a 500.
    pub timeout: f64,
    /// A write that commits but whose answer is lost.
    pub lost_answer: f64,
    /// Faults only in transactions; every other call runs normally. With a fixed seed and
    /// one transaction at a time, the faults then fall on the same calls in every run.
    pub transactions_only: bool,
    /// No faults until a transaction has committed, then faults in every call: as when the
    /// database starts failing between a change and the reading of its result.
    pub after_commit: bool,
}

/// What a call drew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Throttle,
    ServerError,
    Timeout,
    LostAnswer,
}

/// How many faults a [`FaultyStore`] injected, and how many transaction repeats it answered
/// from a token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Injected {
    /// Throttled calls.
    pub throttled: usize,
    /// Calls failed with a server error or a timeout.
    pub failed: usize,
    /// Writes applied whose answer was lost.
    pub lost_answers: usize,
    /// Transactions answered from the record of an earlier commit with the same token.
    pub token_repeats: usize,
}

/// A store that injects [`Faults`] into calls to `inner`.
pub struct FaultyStore {
    inner: Arc<dyn ItemStore>,
    faults: Faults,
    rng: Mutex<fastrand::Rng>,
    /// Committed transactions by token: their operations and when they committed.
    tokens: Mutex<HashMap<String, (Vec<WriteOp>, Instant)>>,
    committed: AtomicBool,
    throttled: AtomicUsize,
    failed: AtomicUsize,
    lost_answers: AtomicUsize,
    token_repeats: AtomicUsize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl FaultyStore {
    /// Injects `faults` into calls to `inner`, drawn from `seed`.
    pub fn new(inner: Arc<dyn ItemStore>, faults: Faults, seed: u64) -> Self {
        FaultyStore {
            inner,
            faults,
            rng: Mutex::new(fastrand::Rng::with_seed(seed)),
            tokens: Mutex::new(HashMap::new()),
            committed: AtomicBool::new(false),
            throttled: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            lost_answers: AtomicUsize::new(0),
            token_repeats: AtomicUsize::new(0),
        }
    }

    /// The store underneath, to check the data without faults.
    pub fn inner(&self) -> &Arc<dyn ItemStore> {
        &self.inner
    }

    /// What was injected so far.
    pub fn injected(&self) -> Injected {
        Injected {
            throttled: self.throttled.load(Ordering::SeqCst),
            failed: self.failed.load(Ordering::SeqCst),
            lost_answers: self.lost_answers.load(Ordering::SeqCst),
            token_repeats: self.token_repeats.load(Ordering::SeqCst),
        }
    }

    /// Draws this call's fault; `writes` says whether a lost answer is possible.
    fn draw(&self, transaction: bool, writes: bool) -> Option<Fault> {
        let f = self.faults;
        if (f.transactions_only && !transaction)
            || (f.after_commit && !self.committed.load(Ordering::SeqCst))
        {
            return None;
        }
        let x = lock(&self.rng).f64();
        let mut edge = 0.0;
        for (rate, fault) in [
            (f.throttle, Fault::Throttle),
            (f.server_error, Fault::ServerError),
            (f.timeout, Fault::Timeout),
            (if writes { f.lost_answer } else { 0.0 }, Fault::LostAnswer),
        ] {
            edge += rate;
            if x < edge {
                let counter = match fault {
                    Fault::Throttle => &self.throttled,
                    Fault::ServerError | Fault::Timeout => &self.failed,
                    Fault::LostAnswer => &self.lost_answers,
                };
                counter.fetch_add(1, Ordering::SeqCst);
                return Some(fault);
            }
        }
        None
    }

    /// A read, or an idempotent write (`put_many`): any fault but a lost answer makes it
    /// `Busy`; a lost answer (only for `put_many`) runs it first.
    async fn repeatable<T>(
        &self,
        writes: bool,
        call: impl Future<Output = StoreResult<T>>,
    ) -> StoreResult<T> {
        match self.draw(false, writes) {
            None => call.await,
            Some(Fault::LostAnswer) => {
                call.await?;
                Err(StoreError::Busy("injected: the answer was lost".into()))
            }
            Some(fault) => Err(StoreError::Busy(format!("injected: {fault:?}"))),
        }
    }

    /// A write that is not safe to repeat blindly (`write`, `increment`).
    async fn unsafe_write<T>(&self, call: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
        match self.draw(false, true) {
            None => call.await,
            Some(Fault::Throttle) => Err(StoreError::Busy("injected: ThrottlingException".into())),
            Some(Fault::LostAnswer) => {
                call.await?;
                Err(StoreError::Unknown("injected: the answer was lost".into()))
            }
            Some(fault) => Err(StoreError::Unknown(format!("injected: {fault:?}"))),
        }
    }
}

#[async_trait]
impl ItemStore for FaultyStore {
    async fn get(&self, key: &Key) -> StoreResult<Option<Item>> {
        self.repeatable(false, self.inner.get(key)).await
    }

    async fn batch_get(&self, keys: &[Key]) -> StoreResult<Vec<Item>> {
        self.repeatable(false, self.inner.batch_get(keys)).await
    }

    async fn query(&self, query: &Query) -> StoreResult<Vec<Item>> {
        self.repeatable(false, self.inner.query(query)).await
    }

    async fn write(&self, op: WriteOp) -> StoreResult<()> {
        self.unsafe_write(self.inner.write(op)).await
    }

    async fn transact(&self, ops: Vec<WriteOp>, token: &str) -> StoreResult<()> {
        if let Some((committed, at)) = lock(&self.tokens).get(token)
            && at.elapsed() < TOKEN_WINDOW
        {
            if *committed != ops {
                return Err(StoreError::Invalid(
                    "IdempotentParameterMismatch: the token was used with other operations".into(),
                ));
            }
            self.token_repeats.fetch_add(1, Ordering::SeqCst);
            return Ok(());
        }
        let fault = self.draw(true, true);
        match fault {
            Some(Fault::Throttle) if lock(&self.rng).bool() => {
                return Err(StoreError::Busy("injected: ThrottlingException".into()));
            }
            Some(Fault::Throttle) => {
                let mut reasons = vec![CancelReason::None; ops.len()];
                reasons[0] = CancelReason::Throttled;
                return Err(StoreError::TransactionCanceled { reasons });
            }
            Some(fault @ (Fault::ServerError | Fault::Timeout)) => {
                return Err(StoreError::Unknown(format!("injected: {fault:?}")));
            }
            Some(Fault::LostAnswer) | None => {}
        }
        let result = self.inner.transact(ops.clone(), token).await;
        if result.is_ok() {
            lock(&self.tokens).insert(token.to_owned(), (ops, Instant::now()));
            self.committed.store(true, Ordering::SeqCst);
        }
        match (fault, result) {
            (Some(Fault::LostAnswer), _) => {
                Err(StoreError::Unknown("injected: the answer was lost".into()))
            }
            (_, result) => result,
        }
    }

    async fn put_many(&self, items: Vec<Item>) -> StoreResult<()> {
        self.repeatable(true, self.inner.put_many(items)).await
    }

    async fn increment(&self, key: &Key, attr: &str, start: i64, by: i64) -> StoreResult<i64> {
        self.unsafe_write(self.inner.increment(key, attr, start, by))
            .await
    }
}
