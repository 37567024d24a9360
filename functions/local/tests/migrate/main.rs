//! Moving in and out: a clusto SQL database imported through `clusto-local import
//! --from-sql` (a SQLite file, and real PostgreSQL and MariaDB servers) answers over HTTP as
//! the original would on that database; allocation continues where clusto stopped; dumps
//! move a store between backends byte for byte; an interrupted import finishes when run
//! again; an import that would clash with the store writes nothing.
//!
//! The test database is `tests/migrate/rows.sql` (its comments say what each row is for);
//! the answers below are written from `clusto-model.md` for that database.
//!
//! The PostgreSQL, MariaDB and DynamoDB tests are `#[ignore]`d in a plain `cargo test`:
//! `scripts/test` starts those servers and runs them.

mod dump;
mod sql;
mod support;
