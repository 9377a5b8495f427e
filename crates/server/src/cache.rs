//! A cache of rendered tiles and answers bounded by memory: CLOCK eviction (an entry read
//! since the hand last passed survives one more round), one lock, no allocation
//! on a hit.

use std::collections::VecDeque;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use rustc_hash::FxHashMap;

/// Something whose memory the cache counts.
pub trait Weigh {
    /// Bytes held, roughly.
    fn weight(&self) -> usize;
}

/// Rendered answers (statistics tables) weigh their bytes.
impl Weigh for Vec<u8> {
    fn weight(&self) -> usize {
        self.len()
    }
}

struct Slot<V> {
    value: Arc<V>,
    referenced: bool,
}

struct Inner<K, V> {
    map: FxHashMap<K, Slot<V>>,
    clock: VecDeque<K>,
    bytes: usize,
    hits: u64,
    misses: u64,
}

/// Entries up to a number of bytes.
pub struct Cache<K, V> {
    max_bytes: usize,
    inner: Mutex<Inner<K, V>>,
}

/// What the cache holds and how often it answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Entries held.
    pub entries: usize,
    /// Bytes held.
    pub bytes: usize,
    /// Lookups answered from the cache.
    pub hits: u64,
    /// Lookups that were not.
    pub misses: u64,
}

impl<K: Hash + Eq + Clone, V: Weigh> Cache<K, V> {
    /// An empty cache holding at most `max_bytes`.
    #[must_use]
    pub fn new(max_bytes: usize) -> Self {
        Cache {
            max_bytes,
            inner: Mutex::new(Inner {
                map: FxHashMap::default(),
                clock: VecDeque::new(),
                bytes: 0,
                hits: 0,
                misses: 0,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        // A panic while holding the lock leaves consistent data (every update
        // is a few assignments), so a poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The entry for `key`, marked as recently used.
    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        let mut inner = self.lock();
        let found = inner.map.get_mut(key).map(|slot| {
            slot.referenced = true;
            Arc::clone(&slot.value)
        });
        if found.is_some() {
            inner.hits += 1;
        } else {
            inner.misses += 1;
        }
        found
    }

    /// The entry for `key`, marked as recently used, without counting a hit or a
    /// miss (a second look by a request already counted).
    pub fn peek(&self, key: &K) -> Option<Arc<V>> {
        let mut inner = self.lock();
        inner.map.get_mut(key).map(|slot| {
            slot.referenced = true;
            Arc::clone(&slot.value)
        })
    }

    /// Stores an entry (too large for the cache: not stored), evicting until the
    /// total fits.
    pub fn insert(&self, key: K, value: Arc<V>) {
        let w = value.weight();
        if w > self.max_bytes {
            return;
        }
        let mut inner = self.lock();
        if let Some(old) = inner.map.insert(
            key.clone(),
            Slot {
                value,
                referenced: false,
            },
        ) {
            inner.bytes -= old.value.weight();
        } else {
            inner.clock.push_back(key);
        }
        inner.bytes += w;
        while inner.bytes > self.max_bytes {
            let Some(k) = inner.clock.pop_front() else {
                break;
            };
            let second_chance = match inner.map.get_mut(&k) {
                Some(slot) if slot.referenced => {
                    slot.referenced = false;
                    true
                }
                _ => false,
            };
            if second_chance {
                inner.clock.push_back(k);
            } else if let Some(slot) = inner.map.remove(&k) {
                inner.bytes -= slot.value.weight();
            }
        }
    }

    /// Entries, bytes, hits and misses.
    pub fn stats(&self) -> CacheStats {
        let inner = self.lock();
        CacheStats {
            entries: inner.map.len(),
            bytes: inner.bytes,
            hits: inner.hits,
            misses: inner.misses,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_under_its_bound_and_keeps_what_is_read() {
        let c: Cache<u32, Vec<u8>> = Cache::new(100);
        for k in 0..5 {
            c.insert(k, Arc::new(vec![0; 30]));
        }
        let s = c.stats();
        assert!(s.bytes <= 100 && s.entries == 3, "{s:?}");
        // 2, 3, 4 are held; reading 2 saves it from the next eviction.
        assert!(c.get(&2).is_some());
        c.insert(5, Arc::new(vec![0; 30]));
        assert!(c.get(&2).is_some());
        assert!(c.get(&3).is_none());
        c.insert(9, Arc::new(vec![0; 500]));
        assert!(c.get(&9).is_none(), "larger than the whole cache");
        let s = c.stats();
        assert_eq!((s.hits, s.misses), (2, 2));
    }
}
