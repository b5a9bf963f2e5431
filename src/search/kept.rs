//! What a searcher keeps across searches within a memory budget: the
//! least recently used goes first once the values' bytes exceed it.
//!
//! The sets of common words ([`super::matching::DenseSets`]) and the
//! champion lists ([`super::champions`]) differ a hundredfold in size from
//! one value to the next (a bitset is as large as its segment), so they are
//! bounded by bytes, not by count.

use std::hash::Hash;
use std::sync::{Arc, Mutex, MutexGuard};

/// A value that knows how much memory it takes.
pub trait Weighed {
    fn bytes(&self) -> usize;
}

/// An LRU cache of `Arc<V>` bounded by the values' bytes.
pub struct Kept<K: Hash + Eq, V> {
    inner: Mutex<Inner<K, V>>,
    budget_bytes: usize,
}

struct Inner<K: Hash + Eq, V> {
    values: lru::LruCache<K, Arc<V>>,
    bytes: usize,
}

impl<K: Hash + Eq, V: Weighed> Kept<K, V> {
    pub fn new(budget_bytes: usize) -> Self {
        Kept {
            inner: Mutex::new(Inner {
                values: lru::LruCache::unbounded(),
                bytes: 0,
            }),
            budget_bytes,
        }
    }

    /// The value of `key`, now the most recently used.
    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        self.lock().values.get(key).cloned()
    }

    /// Keeps `value` under `key`, letting the least recently used go while
    /// the values take more than the budget (`value` too, when it alone
    /// exceeds it). Returns the value.
    pub fn put(&self, key: K, value: V) -> Arc<V> {
        let value = Arc::new(value);
        let mut inner = self.lock();
        inner.bytes += value.bytes();
        if let Some(old) = inner.values.put(key, value.clone()) {
            inner.bytes -= old.bytes();
        }
        while inner.bytes > self.budget_bytes {
            let Some((_, out)) = inner.values.pop_lru() else {
                break;
            };
            inner.bytes -= out.bytes();
        }
        value
    }

    /// How many values are kept, and their bytes.
    pub fn size(&self) -> (usize, usize) {
        let inner = self.lock();
        (inner.values.len(), inner.bytes)
    }

    /// Lets every value go.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.values.clear();
        inner.bytes = 0;
    }

    fn lock(&self) -> MutexGuard<'_, Inner<K, V>> {
        // A panic while holding the lock leaves only a cache behind.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Bytes(usize);

    impl Weighed for Bytes {
        fn bytes(&self) -> usize {
            self.0
        }
    }

    /// Past its budget the cache lets the least recently used go, and
    /// counts its bytes right as values come, go and are replaced.
    #[test]
    fn keeps_the_most_recent_within_the_budget() {
        let kept = Kept::new(300);
        for key in ["a", "b", "c"] {
            kept.put(key, Bytes(100));
        }
        assert_eq!(kept.size(), (3, 300));
        assert!(kept.get(&"a").is_some(), "a is now recent");
        kept.put("d", Bytes(100));
        assert_eq!(kept.size(), (3, 300));
        assert!(kept.get(&"b").is_none(), "b was least recent");
        kept.put("d", Bytes(50));
        assert_eq!(kept.size(), (3, 250));
        assert_eq!(kept.get(&"d").unwrap().0, 50);
        kept.put("e", Bytes(400));
        assert_eq!(kept.size(), (0, 0), "a value over the budget is not kept");
        kept.put("f", Bytes(10));
        kept.clear();
        assert_eq!(kept.size(), (0, 0));
        assert!(kept.get(&"f").is_none());
    }
}
