//! Optimistic concurrency: run an operation (read, validate, conditional write) again from
//! the start when its write lost a race.
//!
//! Writes carry conditions on what the operation read (an entity's `ver`, a name or a
//! resource that must still be free). When one fails, or DynamoDB reports a transaction
//! conflict or throttling, the operation is repeated from its reads after a short jittered
//! backoff: the new read either shows the winner's change (and validation turns it into the
//! right domain error, e.g. "already exists") or lets the operation succeed. Only store
//! errors are retried; domain errors are answers.
//!
//! A transaction whose outcome is unknown (its answer was lost) is never decided anew: it
//! may have committed, and a fresh read would then see the operation's own write as someone
//! else's ("already exists", a second IP allocated). [`transact`] sends the very same
//! transaction again with the same token, which the store answers from its record of the
//! first commit; if the outcome stays unknown, the operation fails with
//! [`StoreError::Unknown`] and is not retried here.
//!
//! A request may run under a deadline ([`within`]; the HTTP layer sets one from the Lambda
//! function's own): no loop here starts a wait that would end past it, and the operation
//! fails with the error it has instead, so the answer is a clean 503 rather than the
//! function being stopped mid-request.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use clusto_store::{CancelReason, ItemStore, StoreError, StoreResult, WriteOp};

use crate::{ModelError, ModelResult, scope};

/// How many times an operation is attempted before giving up with [`StoreError::Busy`].
pub const MAX_ATTEMPTS: u32 = 40;
/// How many times [`transact`] sends one transaction while the store is busy or its outcome
/// unknown (1.6 to 3.2 s of backoff in all, well inside DynamoDB's 10-minute token window).
pub const SAME_TOKEN_ATTEMPTS: u32 = 8;

tokio::task_local! {
    static DEADLINE: Instant;
}

/// Runs `fut` (one request) so that no retry in it waits past `deadline`.
pub async fn within<F: Future>(deadline: Instant, fut: F) -> F::Output {
    DEADLINE.scope(deadline, fut).await
}

/// Sleeps for `wait` and says `true`, or says `false` at once when the wait would end past
/// the current deadline.
async fn pause(wait: Duration) -> bool {
    let end = Instant::now() + wait;
    if DEADLINE.try_with(|d| end >= *d).unwrap_or(false) {
        return false;
    }
    tokio::time::sleep_until(end).await;
    true
}

fn lost_race(e: &ModelError) -> bool {
    match e {
        ModelError::Store(StoreError::ConditionFailed | StoreError::Busy(_)) => true,
        ModelError::Store(StoreError::TransactionCanceled { reasons }) => reasons.iter().any(|r| {
            matches!(
                r,
                CancelReason::ConditionFailed | CancelReason::Conflict | CancelReason::Throttled
            )
        }),
        _ => false,
    }
}

/// Whether sending the same transaction again, unchanged, is the answer: the store was too
/// busy to run it, or it may have committed unseen.
fn resend(e: &StoreError) -> bool {
    match e {
        StoreError::Unknown(_) | StoreError::Busy(_) => true,
        StoreError::TransactionCanceled { reasons } => {
            reasons.contains(&CancelReason::Throttled)
                && !reasons.contains(&CancelReason::ConditionFailed)
        }
        _ => false,
    }
}

/// A new transaction token: 32 random hex digits (DynamoDB accepts up to 36 characters).
fn new_token() -> String {
    format!("{:032x}", fastrand::u128(..))
}

/// Writes `ops`, with the current request's guards ([`scope`]), as one transaction under
/// a token of its own, sending it again with that token, after a jittered backoff, while
/// the store is busy or the outcome unknown. Once any attempt's outcome was unknown the
/// final failure is [`StoreError::Unknown`] too, even if later attempts were merely refused
/// as busy: the first may still have committed.
pub(crate) async fn transact(store: &dyn ItemStore, mut ops: Vec<WriteOp>) -> ModelResult<()> {
    let guards = scope::add_guards(&mut ops)?;
    let token = new_token();
    let mut unknown = None;
    let mut attempt = 0;
    loop {
        let e = match store.transact(ops.clone(), &token).await {
            Ok(()) => {
                guards.committed();
                return Ok(());
            }
            Err(e) if resend(&e) => e,
            // A definite refusal after an unknown outcome means the first attempt did not
            // commit either (a repeat of a committed one succeeds): the caller may decide
            // anew.
            Err(e) => return Err(guards.refusal(&e).unwrap_or_else(|| e.into())),
        };
        if let StoreError::Unknown(message) = &e {
            unknown = Some(message.clone());
        }
        attempt += 1;
        if attempt >= SAME_TOKEN_ATTEMPTS || !backoff(attempt).await {
            if unknown.is_some() {
                guards.unknown();
            }
            return Err(match unknown {
                Some(message) => StoreError::Unknown(message),
                None => e,
            }
            .into());
        }
    }
}

/// Waits before sending a request again for the `attempt`th time (from 1): jittered,
/// doubling from 25 ms to 800 ms. `false` (at once) when there is no time left for it.
pub(crate) async fn backoff(attempt: u32) -> bool {
    let cap = 25u64 << attempt.min(5);
    pause(Duration::from_millis(cap / 2 + fastrand::u64(0..cap / 2))).await
}

/// Runs one store call, again after a backoff while it fails in a way `again` says may
/// pass, up to [`SAME_TOKEN_ATTEMPTS`] times in all (fewer when the deadline comes first).
pub(crate) async fn settled<T, F, Fut>(
    again: fn(&StoreError) -> bool,
    mut call: F,
) -> ModelResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<T>>,
{
    let mut attempt = 0;
    loop {
        match call().await {
            Err(e) if again(&e) && attempt + 1 < SAME_TOKEN_ATTEMPTS => {
                attempt += 1;
                if !backoff(attempt).await {
                    return Err(e.into());
                }
            }
            other => return Ok(other?),
        }
    }
}

/// Runs `op(attempt)` until it succeeds, fails with a domain error, or has lost
/// [`MAX_ATTEMPTS`] races (or the deadline comes). `attempt` starts at 0; allocators use it
/// to spread out.
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
                let cap = 2u64 << attempt.min(6);
                let wait = Duration::from_millis(1 + fastrand::u64(0..cap));
                if attempt >= MAX_ATTEMPTS || !pause(wait).await {
                    return Err(ModelError::Store(StoreError::Busy(format!(
                        "gave up after {attempt} attempts lost to concurrent changes or a \
                         busy database"
                    ))));
                }
            }
            other => return other,
        }
    }
}
