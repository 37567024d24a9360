//! What one request adds to the first transaction it commits, whichever operation it runs:
//! the write that marks its idempotency record as used (see [`crate::idempotency`]) and the
//! `If-Match` check of an entity's version; and whether any of its transactions committed,
//! so that a write whose answer fails after its change never claims to have changed nothing.
//!
//! Both must be *inside* the operation's own transaction to mean anything: a record written
//! after the change could be missed by a crash, and a version compared before it could move
//! on in between. Every model operation commits through [`crate::retry::transact`], which
//! asks [`add_guards`] what to add; the request sets the guards once around the whole
//! operation (task-local, so no operation needs a parameter for them). Only the first
//! committed transaction carries them: a later one of the same request (a long delete in
//! parts) would find the version moved on by the request itself.

use std::cell::Cell;
use std::future::Future;

use clusto_store::{Condition, StoreError, WriteOp};

use crate::items::meta_key;
use crate::{ModelError, ModelResult};

/// Whether a request changed anything (and so, with a key, whether its idempotency marker
/// was written: it rides in the first committed transaction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marked {
    /// No transaction of the request committed: it changed nothing.
    No,
    /// A transaction of the request committed.
    Yes,
    /// A transaction was sent, none is known to have committed, and one's outcome stayed
    /// unknown.
    Unknown,
}

struct Tracker {
    marker: Option<WriteOp>,
    state: Cell<Marked>,
}

struct ExpectScope {
    name: String,
    ver: i64,
    done: Cell<bool>,
}

tokio::task_local! {
    static TRACKER: Tracker;
    static EXPECT: ExpectScope;
}

/// Runs `fut` (one write request) and says whether it changed anything.
pub async fn tracked<F: Future>(fut: F) -> (F::Output, Marked) {
    track(None, fut).await
}

/// [`tracked`], with `marker` added to the first committed transaction.
pub(crate) async fn with_marker<F: Future>(marker: WriteOp, fut: F) -> (F::Output, Marked) {
    track(Some(marker), fut).await
}

async fn track<F: Future>(marker: Option<WriteOp>, fut: F) -> (F::Output, Marked) {
    let tracker = Tracker {
        marker,
        state: Cell::new(Marked::No),
    };
    TRACKER
        .scope(tracker, async move {
            let output = fut.await;
            (output, TRACKER.with(|t| t.state.get()))
        })
        .await
}

/// Runs `fut` (one request's write to entity `name`) so that it writes only while the
/// entity's version is still `ver` (`If-Match`): otherwise it fails with
/// [`ModelError::Modified`] and writes nothing.
pub async fn expecting_version<F: Future>(name: &str, ver: i64, fut: F) -> F::Output {
    let scope = ExpectScope {
        name: name.to_owned(),
        ver,
        done: Cell::new(false),
    };
    EXPECT.scope(scope, fut).await
}

/// Where [`add_guards`] put its operations in a transaction.
#[derive(Debug, Default)]
pub(crate) struct Guards {
    /// The request is tracked and none of its transactions has committed yet.
    first: bool,
    marker_at: Option<usize>,
    check_at: Option<usize>,
    expect: bool,
}

/// The refusal of a write whose `If-Match` version is no longer the entity's.
pub fn modified(name: &str) -> ModelError {
    ModelError::Modified(format!(
        "{name} has changed since the version given in If-Match; nothing was changed."
    ))
}

/// Adds the guards of the current request that no committed transaction carried yet to
/// `ops`. An `If-Match` on an entity the transaction writes with a version condition of its
/// own needs no extra check: that condition must name the expected version.
pub(crate) fn add_guards(ops: &mut Vec<WriteOp>) -> ModelResult<Guards> {
    let mut guards = Guards::default();
    let _ = TRACKER.try_with(|t| {
        if t.state.get() != Marked::Yes {
            guards.first = true;
            if let Some(marker) = &t.marker {
                guards.marker_at = Some(ops.len());
                ops.push(marker.clone());
            }
        }
    });
    let expect = EXPECT.try_with(|e| {
        if e.done.get() {
            return Ok(());
        }
        guards.expect = true;
        let key = meta_key(&e.name);
        let expected = Condition::equals("ver", e.ver);
        match ops.iter().find(|op| op.key() == key) {
            Some(op) if *op.condition() == expected => Ok(()),
            // Created, or written without reading its version: not the entity tagged.
            Some(_) => Err(modified(&e.name)),
            None => {
                guards.check_at = Some(ops.len());
                ops.push(WriteOp::Check {
                    key,
                    condition: expected,
                });
                Ok(())
            }
        }
    });
    if let Ok(result) = expect {
        result?;
    }
    Ok(guards)
}

impl Guards {
    /// The transaction carrying these guards committed.
    pub(crate) fn committed(&self) {
        if self.first {
            let _ = TRACKER.try_with(|t| t.state.set(Marked::Yes));
        }
        if self.expect {
            let _ = EXPECT.try_with(|e| e.done.set(true));
        }
    }

    /// The transaction's outcome stayed unknown.
    pub(crate) fn unknown(&self) {
        if self.first {
            let _ = TRACKER.try_with(|t| t.state.set(Marked::Unknown));
        }
    }

    /// A refusal caused by a guard, as the request's answer: a version that moved on is
    /// [`ModelError::Modified`]; a marker whose record was taken over by a repeat of the
    /// request (possible only after the request outlived its lease) is a conflict.
    pub(crate) fn refusal(&self, e: &StoreError) -> Option<ModelError> {
        if self.check_at.is_some_and(|i| e.condition_failed_at(i)) {
            return EXPECT.try_with(|x| modified(&x.name)).ok();
        }
        if self.marker_at.is_some_and(|i| e.condition_failed_at(i)) {
            return Some(ModelError::Conflict(
                "A repeat of this request with the same Idempotency-Key took it over; \
                 nothing was changed."
                    .into(),
            ));
        }
        None
    }
}
