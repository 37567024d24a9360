//! Sortable unique ids: the creation order of entities and attribute rows without a global
//! sequence counter (which would put every write in the database on one DynamoDB item).
//!
//! An id is 24 lowercase hex digits: 14 of microseconds since the Unix epoch, then 10 of a
//! per-process sequence that starts at a random value. Within one process ids strictly
//! increase; across processes they are ordered by time to the microsecond, and the random
//! part makes a collision improbable (writes that create items by id also carry a
//! `NotExists` condition, so a collision fails and is retried rather than overwriting).

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

static LAST: Mutex<(u64, u64)> = Mutex::new((0, 0));

const SEQ_MASK: u64 = (1 << 40) - 1;

/// A new id, greater than every id this process made before.
pub fn new_id() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0);
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    let (micros, seq) = if now > last.0 {
        (now, fastrand::u64(..) & (SEQ_MASK >> 1))
    } else if last.1 < SEQ_MASK {
        (last.0, last.1 + 1)
    } else {
        (last.0 + 1, 0)
    };
    *last = (micros, seq);
    format!("{micros:014x}{seq:010x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_strictly_increase_and_have_a_fixed_width() {
        let ids: Vec<String> = (0..1000).map(|_| new_id()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids.iter().all(|i| i.len() == 24));
    }
}
