//! Shared helpers for the workspace-level tests in `tests/`.
//!
//! # Layout
//! - [`doctest`]: reads the curl examples out of `docs/api.md` and compares output by the
//!   original's doctest rules (`...`, whitespace, HTTP version);
//! - [`runner`]: runs examples with bash against a server and reports what passed;
//! - [`fixture`]: the entities the examples expect, created through the HTTP API;
//! - [`server`]: the whole API in process on a fresh database, embedded or DynamoDB.

pub mod doctest;
pub mod fixture;
pub mod runner;
pub mod server;
