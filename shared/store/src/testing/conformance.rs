//! The backend conformance suite: every `ItemStore` implementation must pass it.

use std::sync::Arc;

use crate::ItemStore;

/// Runs every conformance check against `store`, which must be empty. Panics on the first
/// behaviour that differs from the `ItemStore` contract.
pub async fn conformance(store: Arc<dyn ItemStore>) {
    let _ = store;
    todo!("conformance suite")
}
