//! Values read from the database and kept in memory under the company revision they were read
//! at (the `company_revisions` counter, bumped by triggers in every transaction that changes
//! what signed-in pages show). A value is used only while the revision a request has just read
//! is the one it was stored under, so every server process sees another's changes on its next
//! request. A value stored under an older revision than it reflects is merely recomputed once:
//! readers read the revision before the data, never after.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, MutexGuard};

pub struct RevisionCache<K, V> {
    entries: Mutex<HashMap<K, (i64, V)>>,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> RevisionCache<K, V> {
    /// A cache of at most `capacity` values.
    pub fn new(capacity: usize) -> Self {
        RevisionCache {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, (i64, V)>> {
        // A panic while holding the lock cannot leave a half-written entry (inserts are one
        // call), so a poisoned map is still sound.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The value stored for `key` under exactly `revision`.
    pub fn get(&self, key: &K, revision: i64) -> Option<V> {
        match self.lock().get(key) {
            Some((r, v)) if *r == revision => Some(v.clone()),
            _ => None,
        }
    }

    /// Stores `value` as read at `revision`, unless a value read at a later revision is there
    /// already (a slow request must not put older data back).
    pub fn insert(&self, key: K, revision: i64, value: V) {
        let mut entries = self.lock();
        match entries.get(&key) {
            Some((r, _)) if *r > revision => return,
            Some(_) => {}
            None if entries.len() >= self.capacity => {
                // Full: drop an arbitrary entry (the hash order is as good as random here and
                // costs no bookkeeping on reads).
                if let Some(victim) = entries.keys().next().cloned() {
                    entries.remove(&victim);
                }
            }
            None => {}
        }
        entries.insert(key, (revision, value));
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_serve_only_their_revision() {
        let cache = RevisionCache::new(4);
        cache.insert(1, 7, "a");
        assert_eq!(cache.get(&1, 7), Some("a"));
        assert_eq!(cache.get(&1, 8), None);
        assert_eq!(cache.get(&2, 7), None);
    }

    #[test]
    fn older_reads_never_replace_newer_ones() {
        let cache = RevisionCache::new(4);
        cache.insert(1, 8, "new");
        cache.insert(1, 7, "old");
        assert_eq!(cache.get(&1, 8), Some("new"));
        cache.insert(1, 9, "newer");
        assert_eq!(cache.get(&1, 9), Some("newer"));
    }

    #[test]
    fn size_stays_within_capacity() {
        let cache = RevisionCache::new(3);
        for k in 0..10 {
            cache.insert(k, 1, k);
            assert!(cache.len() <= 3);
        }
        assert_eq!(cache.get(&9, 1), Some(9), "the newest entry is kept");
    }
}
