//! Idempotency records: what makes a request sent twice (a client retrying after a timeout)
//! take effect once, and answer the same both times.
//!
//! One record per caller and key, item `I#<key>` / `<principal>`, holds the request's
//! fingerprint, the claim of the attempt running it (a random id and a lease), whether its
//! change committed, and once it is answered, the answer. The steps:
//!
//! 1. [`Clusto::claim_idempotency`]: a request whose key is new, expired, or held by an
//!    attempt whose lease ran out before it changed anything claims the record (a
//!    conditional put: of two concurrent requests only one wins). Otherwise the record
//!    decides: the stored answer, "in progress", "different request", or "changed but not
//!    answered" (the attempt stopped between its change and its answer).
//! 2. [`Claim::run`]: the operation runs with the claim's *marker* in its first committed
//!    transaction ([`crate::scope`]): the record says "committed" exactly when the change
//!    did. The marker's condition is the claim, so once a later attempt has taken the record
//!    over, a straggler of the old one cannot commit any more.
//! 3. [`Clusto::record_answer`] stores the answer, or [`Clusto::release_idempotency`] frees
//!    the key when the request changed nothing and failed in a way worth retrying (a 503).
//!
//! Records carry the table's TTL attribute ([`schema::EXPIRES`]) and count as absent once
//! it has passed, whether or not the database has deleted them yet.

use std::future::Future;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use clusto_store::{Condition, Item, Key, StoreError, Value, WriteOp, schema};

use crate::items::{self, corrupt};
use crate::scope::{self, Marked};
use crate::{Clusto, ModelError, ModelResult, ids, retry};

/// How long an attempt holds its record before a repeat may take it over (when the attempt
/// changed nothing): longer than any request runs (the Lambda functions stop at 28 s).
pub const LEASE_SECONDS: i64 = 60;
/// The largest answer body kept (DynamoDB items hold 400 KB; the body is stored in base64).
pub const MAX_KEPT_BODY_BYTES: usize = 256 * 1024;

/// Who sent a request with which key, and what the request was.
#[derive(Debug, Clone)]
pub struct IdempotentRequest<'a> {
    /// The caller (the IAM principal); keys of different callers never meet.
    pub principal: &'a str,
    /// The `Idempotency-Key`.
    pub key: &'a str,
    /// A digest of the method, path, parameters and body.
    pub fingerprint: &'a str,
}

/// An answer as stored: status, headers and body, replayed byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// What the record says about a request with a key.
#[derive(Debug)]
pub enum Begin {
    /// The request is the first (or the earlier attempts changed nothing): run it.
    Run(Claim),
    /// The request was answered before: this is the answer.
    Replay(Answer),
    /// An attempt of the request is running now.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
    /// The request's change was made but its answer was not kept (the attempt stopped
    /// before it, or the answer was too large).
    Unanswered,
}

/// The right of one attempt to run a request: the record as this attempt wrote it.
#[derive(Debug)]
pub struct Claim {
    record: Item,
}

fn record_key(request: &IdempotentRequest<'_>) -> Key {
    Key::new(format!("I#{}", request.key), request.principal)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn n(item: &Item, field: &str) -> i64 {
    item.get(field).and_then(Value::as_n).unwrap_or(0)
}

fn s<'a>(item: &'a Item, field: &str) -> &'a str {
    item.get(field).and_then(Value::as_s).unwrap_or("")
}

fn answer_of(item: &Item) -> ModelResult<Option<Answer>> {
    let Some(status) = item.get("status").and_then(Value::as_n) else {
        return Ok(None);
    };
    let headers = serde_json::from_str(s(item, "headers"))
        .map_err(|e| corrupt(item, &format!("stored headers: {e}")))?;
    let body = BASE64
        .decode(s(item, "body"))
        .map_err(|e| corrupt(item, &format!("stored body: {e}")))?;
    Ok(Some(Answer {
        status: u16::try_from(status).map_err(|_| corrupt(item, "stored status"))?,
        headers,
        body,
    }))
}

impl Claim {
    fn claim_condition(&self) -> Condition {
        Condition::equals("claim", self.record["claim"].clone())
    }

    fn key(&self) -> Key {
        Key::of(&self.record).expect("a record has its keys")
    }

    /// Runs `operation` (the whole request) with this claim's marker in its first committed
    /// transaction, and says whether that transaction committed.
    pub async fn run<F: Future>(&self, operation: F) -> (F::Output, Marked) {
        let mut marked = self.record.clone();
        marked.insert("committed".into(), Value::N(1));
        let marker = WriteOp::Put {
            item: marked,
            condition: self.claim_condition(),
        };
        scope::with_marker(marker, operation).await
    }
}

impl Clusto {
    /// Step 1: claims the record of `request` for this attempt, or says why not. Records
    /// live for `ttl`.
    pub async fn claim_idempotency(
        &self,
        request: &IdempotentRequest<'_>,
        ttl: Duration,
    ) -> ModelResult<Begin> {
        let key = record_key(request);
        // The claim last written whose outcome was unknown: if the record shows it, it is ours.
        let mut sent: Option<Item> = None;
        // A lost race (another attempt claimed in between) is settled by reading again.
        for _ in 0..retry::SAME_TOKEN_ATTEMPTS {
            let now = now();
            let current = retry::settled(StoreError::is_transient, || self.store.get(&key)).await?;
            if let (Some(item), Some(record)) = (&current, &sent)
                && item.get("claim") == record.get("claim")
            {
                return Ok(Begin::Run(Claim {
                    record: record.clone(),
                }));
            }
            let condition = match current {
                None => Condition::NotExists,
                Some(item) if n(&item, schema::EXPIRES) <= now => {
                    Condition::equals("claim", s(&item, "claim"))
                }
                Some(item) => {
                    if s(&item, "fp") != request.fingerprint {
                        return Ok(Begin::Mismatch);
                    }
                    if let Some(answer) = answer_of(&item)? {
                        return Ok(Begin::Replay(answer));
                    }
                    if n(&item, "lease") > now {
                        return Ok(Begin::InProgress);
                    }
                    if n(&item, "committed") == 1 {
                        return Ok(Begin::Unanswered);
                    }
                    Condition::equals("claim", s(&item, "claim"))
                }
            };
            let mut record = items::base_item(key.pk.clone(), key.sk.clone());
            record.insert("fp".into(), request.fingerprint.into());
            record.insert("claim".into(), ids::new_id().into());
            record.insert("committed".into(), Value::N(0));
            record.insert("lease".into(), Value::N(now + LEASE_SECONDS));
            let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2);
            record.insert(schema::EXPIRES.into(), Value::N(now.saturating_add(ttl)));
            let put = WriteOp::Put {
                item: record.clone(),
                condition,
            };
            match self.store.write(put).await {
                Ok(()) => return Ok(Begin::Run(Claim { record })),
                Err(StoreError::ConditionFailed) => {}
                // Whether the claim was written is told by the record itself.
                Err(StoreError::Unknown(_)) => sent = Some(record),
                Err(e) if e.is_transient() => {
                    if !retry::backoff(1).await {
                        return Err(e.into());
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Begin::InProgress)
    }

    /// Step 3: keeps `answer` as the request's answer. `marked` says whether the change
    /// committed. Without an answer (`None`, or one too large to keep) the record says
    /// "changed but unanswered" if the change committed, and is free for a repeat if not.
    pub async fn record_answer(
        &self,
        claim: &Claim,
        answer: Option<&Answer>,
        marked: Marked,
    ) -> ModelResult<()> {
        let mut item = claim.record.clone();
        item.insert(
            "committed".into(),
            Value::N(i64::from(marked == Marked::Yes)),
        );
        item.insert("lease".into(), Value::N(0));
        if let Some(answer) = answer.filter(|a| a.body.len() <= MAX_KEPT_BODY_BYTES) {
            item.insert("status".into(), Value::N(i64::from(answer.status)));
            let headers = serde_json::to_string(&answer.headers).expect("strings serialise");
            item.insert("headers".into(), headers.into());
            item.insert("body".into(), BASE64.encode(&answer.body).into());
        }
        let put = WriteOp::Put {
            item,
            condition: claim.claim_condition(),
        };
        // Repeating the put is harmless: the claim it is conditioned on stays ours.
        self.write_settled(&put).await
    }

    /// Step 3, for a request that changed nothing and may succeed when repeated: frees its
    /// key, so that the repeat runs.
    pub async fn release_idempotency(&self, claim: &Claim) -> ModelResult<()> {
        let delete = WriteOp::Delete {
            key: claim.key(),
            condition: claim.claim_condition(),
        };
        match self.write_settled(&delete).await {
            // Gone already: an earlier attempt of this delete committed unseen.
            Err(ModelError::Store(StoreError::ConditionFailed)) => Ok(()),
            other => other,
        }
    }

    /// Writes `op`, sending it again while the store is busy or the outcome unknown: the
    /// answer and the release must not be lost to a passing fault, or the key would stay
    /// blocked until its lease runs out.
    async fn write_settled(&self, op: &WriteOp) -> ModelResult<()> {
        let again = |e: &StoreError| matches!(e, StoreError::Busy(_) | StoreError::Unknown(_));
        retry::settled(again, || self.store.write(op.clone())).await
    }
}
