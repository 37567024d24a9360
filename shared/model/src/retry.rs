//! Optimistic concurrency: run an operation (read, validate, conditional write) again from
//! the start when its write lost a race.
//!
//! Writes carry conditions on what the operation read (an entity's `ver`, a name or a
//! resource that must still be free). When one fails, or DynamoDB reports a transaction
//! conflict or throttling, the operation is repeated from its reads after a short jittered
//! backoff: the new read either shows the winner's change (and validation turns it into the
//! right domain error, e.g. "already exists") or lets the operation succeed. Only store
//! errors are retried; domain errors are answers.

use std::future::Future;
use std::time::Duration;

use clusto_store::{CancelReason, StoreError};

use crate::{ModelError, ModelResult};

/// How many times an operation is attempted before giving up with [`StoreError::Busy`].
pub const MAX_ATTEMPTS: u32 = 40;

fn lost_race(e: &ModelError) -> bool {
    match e {
        ModelError::Store(StoreError::ConditionFailed | StoreError::Busy(_)) => true,
        ModelError::Store(StoreError::TransactionCanceled { reasons }) => reasons
            .iter()
            .any(|r| matches!(r, CancelReason::ConditionFailed | CancelReason::Conflict)),
        _ => false,
    }
}

/// Runs `op(attempt)` until it succeeds, fails with a domain error, or has lost
/// [`MAX_ATTEMPTS`] races. `attempt` starts at 0; allocators use it to spread out.
pub async fn retry<T, F, Fut>(mut op: F) -> ModelResult<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = ModelResult<T>>,
{
    let mut attempt = 0;
    loop {
        match op(attempt).await {
            Err(e) if lost_race(&e) => {
                attempt += 1;
                if attempt >= MAX_ATTEMPTS {
                    return Err(ModelError::Store(StoreError::Busy(format!(
                        "gave up after {attempt} attempts lost to concurrent changes"
                    ))));
                }
                let cap = 2u64 << attempt.min(6);
                tokio::time::sleep(Duration::from_millis(1 + fastrand::u64(0..cap))).await;
            }
            other => return other,
        }
    }
}
