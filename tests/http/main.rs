//! The HTTP API over real HTTP: `clusto-local`'s server on 127.0.0.1:0 over an in-memory
//! store, talked to with reqwest. The documented examples run in `api_docs.rs`; these tests
//! cover what the examples do not: every endpoint's error paths, paging arithmetic, headers,
//! awkward names, limits, and that a rejected request writes nothing. The Lambda entry
//! path (API Gateway events) is tested in `lambda_events.rs`.
//!
//! # Layout
//! - `support`: starting a server, sending requests, reading answers
//! - `server`: the middleware, rendering and the root app
//! - `entity`, `attribute`, `resourcemanager`: the three apps
//! - `etag`: `ETag`, `If-None-Match` and `If-Match`, racing writers included
//! - `idempotency`: `Idempotency-Key` repeats, reuse, concurrency and expiry
//! - `limits`: names, keys and values over the store's limits, on every path
//! - `soak`: 8 clients over a store that injects faults; nothing lost or duplicated
//! - `unanswered`: a change made whose answer then failed says it was made
//! - `dynamodb`: a session over DynamoDB (ignored unless an endpoint is configured)

mod attribute;
mod dynamodb;
mod entity;
mod etag;
mod idempotency;
mod limits;
mod resourcemanager;
mod server;
mod soak;
mod support;
mod unanswered;
