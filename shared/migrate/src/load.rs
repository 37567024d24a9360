//! Writing a [`Snapshot`] into a store: first every check that could refuse the import
//! (names the store already gives to other entities, resources other entities hold), then
//! the items in bulk with [`ItemStore::put_many`]: rows with their back-references and
//! claims, then sequence counters and scan positions, and entity metas last, so that an
//! entity appears only when all it holds is written and an interrupted load, run again,
//! simply writes the same items again.
//!
//! The `clustometa` entity is merged: a store that has one keeps it, and the source's is
//! not written again.
//!
//! [`ItemStore::put_many`]: clusto_store::ItemStore::put_many

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::Instant;

use clusto_model::items::{self, Claim, Meta, Row};
use clusto_model::{AttrValue, Clusto, EntityFilter, EntityRef};
use clusto_store::{Item, Key};

use crate::progress::Progress;
use crate::{MigrateError, MigrateResult, Snapshot};

/// Items per bulk put: one embedded transaction, or 200 DynamoDB `BatchWriteItem`s.
const CHUNK_ITEMS: usize = 5000;

/// What a load wrote, for the closing line.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    /// Entities written (a merged `clustometa` is not counted).
    pub entities: usize,
    /// Attribute rows written, memberships included.
    pub rows: usize,
    /// Of those, `_contains` rows.
    pub memberships: usize,
    /// Resource claims written.
    pub claims: usize,
    /// What the source had that was not imported.
    pub skipped: usize,
    /// Seconds the whole import took.
    pub seconds: f64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "imported {} entities, {} attribute rows, {} memberships, {} claims; skipped {}; {:.1} s",
            self.entities, self.rows, self.memberships, self.claims, self.skipped, self.seconds
        )
    }
}

/// How each entity of the snapshot is written.
enum Fate {
    /// Written under its own name and id (new, or left by an earlier run of this import).
    Write,
    /// `clustometa`, merged into the store's own: neither it nor its rows are written.
    Merged(EntityRef),
}

/// The text of a resource for a clash message (`ip 10.0.0.2`, `simplename app001`).
fn resource_text(row: &Row) -> String {
    match (&row.value, row.key.as_str()) {
        (AttrValue::Int(n), "ip") => {
            let ip = clusto_model::resources::ip::decode(*n);
            format!("ip {}", clusto_model::resources::ip::dotted(ip))
        }
        (v, key) => format!("{key} {}", v.to_json()),
    }
}

/// Decides each entity's fate and lists every clash, reading only what the store has.
async fn plan(clusto: &Clusto, snapshot: &Snapshot) -> MigrateResult<Vec<Fate>> {
    let existing: HashMap<String, EntityRef> = clusto
        .list(&EntityFilter::default())
        .await?
        .into_iter()
        .map(|e| (e.name.clone(), e))
        .collect();
    let mut clashes = Vec::new();
    let mut fates = Vec::with_capacity(snapshot.entities.len());
    let mut ours = 0;
    for meta in &snapshot.entities {
        let e = &meta.entity;
        fates.push(match existing.get(&e.name) {
            None => Fate::Write,
            Some(had) if had.id == e.id && had.driver == e.driver => {
                ours += 1;
                Fate::Write
            }
            Some(had) if had.driver.name == "clustometa" && e.driver.name == "clustometa" => {
                ours += 1;
                Fate::Merged(had.clone())
            }
            Some(had) => {
                clashes.push(format!(
                    "entity {}: the store has {} (another entity of that name)",
                    e.name,
                    had.compact()
                ));
                Fate::Write
            }
        });
    }
    // Claims can clash only with entities this import does not write.
    if existing.len() > ours {
        let wanted: BTreeMap<Key, (&Row, &EntityRef)> = snapshot
            .rows
            .iter()
            .filter_map(|(owner, row)| {
                let claim = row.claim.clone()?;
                Some((claim, (row, &snapshot.entities[*owner].entity)))
            })
            .collect();
        let keys: Vec<Key> = wanted.keys().cloned().collect();
        for item in clusto.store().batch_get(&keys).await? {
            let held = Claim::from_item(&item)?;
            if let Some((row, owner)) = wanted.get(&held.key)
                && held.owner.id != owner.id
            {
                clashes.push(format!(
                    "resource {} of {}: the store gives it to {}",
                    resource_text(row),
                    owner.name,
                    held.owner.compact()
                ));
            }
        }
    }
    if clashes.is_empty() {
        Ok(fates)
    } else {
        Err(MigrateError::Clashes(clashes))
    }
}

/// Collects items and writes them in chunks of [`CHUNK_ITEMS`].
struct Writer<'a> {
    clusto: &'a Clusto,
    progress: &'a Progress,
    pending: Vec<Item>,
}

impl Writer<'_> {
    async fn push(&mut self, item: Item) -> MigrateResult<()> {
        self.pending.push(item);
        if self.pending.len() >= CHUNK_ITEMS {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> MigrateResult<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let items = std::mem::take(&mut self.pending);
        let n = items.len() as u64;
        self.clusto.store().put_many(items).await?;
        self.progress.inc(n);
        Ok(())
    }
}

/// Writes `snapshot` into the store under `clusto`, after checking it clashes with
/// nothing there. `skipped` is how many things the reader left out (for the summary).
pub async fn load(clusto: &Clusto, snapshot: Snapshot, skipped: usize) -> MigrateResult<Summary> {
    let started = Instant::now();
    let fates = plan(clusto, &snapshot).await?;
    let progress = Progress::new("writing", snapshot.item_count() as u64);
    let mut out = Writer {
        clusto,
        progress: &progress,
        pending: Vec::new(),
    };
    let mut summary = Summary {
        skipped,
        ..Summary::default()
    };
    // A relation to a merged entity points at the store's own.
    let merged: HashMap<&str, &EntityRef> = snapshot
        .entities
        .iter()
        .zip(&fates)
        .filter_map(|(m, fate)| match fate {
            Fate::Merged(had) => Some((m.entity.name.as_str(), had)),
            Fate::Write => None,
        })
        .collect();
    let target_of = |r: &EntityRef| -> EntityRef {
        merged
            .get(r.name.as_str())
            .map_or_else(|| r.clone(), |had| (*had).clone())
    };
    let mut contents = vec![0i64; snapshot.entities.len()];
    for (owner, row) in &snapshot.rows {
        if matches!(fates[*owner], Fate::Merged(_)) {
            continue;
        }
        let me = &snapshot.entities[*owner].entity;
        let mut row = row.clone();
        if let AttrValue::Relation(target) = &row.value {
            row.value = AttrValue::Relation(target_of(target));
        }
        if row.key == items::CONTAINS {
            contents[*owner] += 1;
            summary.memberships += 1;
        }
        out.push(row.to_item(me)).await?;
        if let (Some(target), Some(back)) = (row.target(), row.backref(me)) {
            out.push(back.to_item(target)).await?;
        }
        if let Some(key) = &row.claim {
            let claim = Claim {
                key: key.clone(),
                owner: me.clone(),
                number: row.number.unwrap_or_default(),
            };
            out.push(claim.to_item()).await?;
            summary.claims += 1;
        }
        summary.rows += 1;
    }
    for (owner, next) in &snapshot.sequences {
        let e = &snapshot.entities[*owner].entity;
        let attr = items::sequence_attr(&e.id);
        out.push(items::next_item(&e.name, &attr, *next)).await?;
    }
    for (owner, ip) in &snapshot.lastips {
        out.push(items::lastip_item(&snapshot.entities[*owner].entity, *ip))
            .await?;
    }
    // Metas last: an entity is visible only once everything it holds is written.
    out.flush().await?;
    for (i, meta) in snapshot.entities.iter().enumerate() {
        if matches!(fates[i], Fate::Merged(_)) {
            continue;
        }
        let meta = Meta {
            nc: contents[i],
            ..meta.clone()
        };
        out.push(meta.to_item()).await?;
        summary.entities += 1;
    }
    out.flush().await?;
    progress.finish();
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
