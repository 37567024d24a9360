//! Moving clusto data in and out of a store: `clusto-local import --from-sql URL` (an
//! existing clusto database on SQLite, PostgreSQL or MySQL), `clusto-local export` and
//! `clusto-local import --from-dump FILE` (the versioned JSON Lines dump of a whole store).
//!
//! Every way in goes through one [`Snapshot`]: a source is read completely and checked
//! before anything is written (what cannot be carried over is listed as [`Skip`]s), then
//! [`load`] writes it in bulk. Imported ids are made from the source's own (clusto's
//! `entity_id` and `attr_id`, a dump's ids verbatim), so writing the same source again
//! writes the same items: an interrupted import is finished by running it again, and never
//! duplicates anything. Entity meta items go last, so an entity becomes visible only when
//! everything it holds is written.
//!
//! # Layout
//! - [`snapshot`]: the logical contents of a store ([`Snapshot`]) and what was skipped
//! - [`sql`]: reading clusto's SQL schema (`clusto-sql.md`) into a snapshot
//! - [`dump`]: the dump format, version 1: writing and reading it
//! - [`export`]: reading a whole store into a snapshot
//! - [`load`]: writing a snapshot into a store (clash checks first, then bulk puts)
//! - [`progress`]: the progress bar (or periodic lines) and the closing summary
//! - [`error`]: the one error type, [`MigrateError`]

#![warn(missing_docs)]

pub mod dump;
pub mod error;
pub mod export;
pub mod load;
pub mod progress;
pub mod snapshot;
pub mod sql;

pub use error::{MigrateError, MigrateResult};
pub use load::{Summary, load};
pub use snapshot::{Skip, Snapshot};
