//! The logical contents of a store, as every import and export sees them: entities (their
//! meta), attribute rows in creation order, sequence counters and IP scan positions. The
//! item layout stays in `clusto_model::items`; a snapshot is made of its types.

use clusto_model::items::{Meta, Row};

/// Everything one import writes, or one export read.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Entities, in id order (their `nc` is recomputed on load from the rows).
    pub entities: Vec<Meta>,
    /// Attribute rows, each with the index of its owner in `entities`, in owner then row-id
    /// order. Relation values name their target (which is in `entities`).
    pub rows: Vec<(usize, Row)>,
    /// Name and number managers' sequence counters (the next number to hand out), by owner.
    pub sequences: Vec<(usize, i64)>,
    /// IP managers' scan positions (the last address handed out automatically), by owner.
    pub lastips: Vec<(usize, u32)>,
}

impl Snapshot {
    /// How many items loading this snapshot writes (for the progress bar).
    pub fn item_count(&self) -> usize {
        let rows: usize = self
            .rows
            .iter()
            .map(|(_, r)| 1 + usize::from(r.target().is_some()) + usize::from(r.claim.is_some()))
            .sum();
        rows + self.entities.len() + self.sequences.len() + self.lastips.len()
    }
}

/// Something of the source that is not imported, and why: an unknown driver, a value over
/// our limits, a dangling relation. Imports list every skip and exit with status 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// What was skipped, with the source's ids (`entity 12 "penguin01"`, `attr 345 ...`).
    pub what: String,
    /// Why.
    pub why: String,
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "skipped {}: {}", self.what, self.why)
    }
}
