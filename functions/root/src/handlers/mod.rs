//! The root app's handlers, one module per route group.

pub mod meta;
pub mod queries;
