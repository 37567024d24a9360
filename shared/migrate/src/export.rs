//! Reading a whole store into a [`Snapshot`]: the entity listing (the `by-driver` index, one
//! Query per driver), then each entity's item collection (one Query each, several at once).
//! Claims need no reads of their own: every claim is held by an attribute row, which
//! carries its key.

use clusto_model::items::{self, Partition};
use clusto_model::{Clusto, EntityFilter, READ_CONCURRENCY};
use clusto_store::{Index, Query};
use futures::{StreamExt, TryStreamExt, stream};

use crate::{MigrateResult, Snapshot};

/// Everything in the store under `clusto`, entities in id order.
pub async fn snapshot(clusto: &Clusto) -> MigrateResult<Snapshot> {
    let mut refs = clusto.list(&EntityFilter::default()).await?;
    refs.sort_by(|a, b| (&a.id, &a.name).cmp(&(&b.id, &b.name)));
    let reads: Vec<_> = refs
        .iter()
        .map(|r| {
            let store = clusto.store().clone();
            let query = Query::partition(Index::Table, items::entity_pk(&r.name));
            async move {
                let found = store.query(&query).await?;
                MigrateResult::Ok(Partition::from_items(&found)?)
            }
        })
        .collect();
    let parts: Vec<Option<Partition>> = stream::iter(reads)
        .buffered(READ_CONCURRENCY)
        .try_collect()
        .await?;
    let mut snapshot = Snapshot::default();
    // An entity deleted between the listing and its read is simply not there.
    for part in parts.into_iter().flatten() {
        let owner = snapshot.entities.len();
        snapshot
            .rows
            .extend(part.rows.into_iter().map(|row| (owner, row)));
        if let Some(next) = part.sequence {
            snapshot.sequences.push((owner, next));
        }
        if let Some(ip) = part.lastip {
            snapshot.lastips.push((owner, ip));
        }
        snapshot.entities.push(part.meta);
    }
    Ok(snapshot)
}
