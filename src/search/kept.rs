//! What a searcher keeps across searches, the least recently used going
//! first.
//!
//! The sets of common words ([`super::matching::DenseSets`]) and the
//! champion lists ([`super::champions`]) differ a hundredfold in size from
//! one value to the next (a bitset is as large as its segment), so they are
//! bounded by bytes ([`Kept`]). Answers, plans, shown measures and terms
//! are of about one size each and bounded by count ([`Recent`]).

use std::borrow::Borrow;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard};

/// An LRU cache of the last `capacity` values, shared between threads.
/// A lookup hands out a clone, so values are cheap to clone (`Arc`s, or
/// answers whose parts are).
pub struct Recent<K: Hash + Eq, V: Clone>(Mutex<lru::LruCache<K, V>>);

impl<K: Hash + Eq, V: Clone> Recent<K, V> {
    pub fn new(capacity: usize) -> Self {
        let capacity = NonZeroUsize::new(capacity).expect("a positive capacity");
        Recent(Mutex::new(lru::LruCache::new(capacity)))
    }

    /// The value of `key`, now the most recently used.
    pub fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.lock().get(key).cloned()
    }

    /// The value of each of `keys`, under one lock.
    pub fn get_each<'k>(&self, keys: impl IntoIterator<Item = &'k K>) -> Vec<Option<V>>
    where
        K: 'k,
    {
        let mut values = self.lock();
        keys.into_iter().map(|k| values.get(k).cloned()).collect()
    }

    /// Keeps `value` under `key`, letting the least recently used go.
    pub fn put(&self, key: K, value: V) {
        let let_go = self.lock().push(key, value);
        // Freed after the lock is released: an answer or a plan let go is
        // hundreds of allocations, and other searches wait on the lock.
        drop(let_go);
    }

    fn lock(&self) -> MutexGuard<'_, lru::LruCache<K, V>> {
        // A panic while holding the lock leaves only a cache behind.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

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

    /// Past its capacity the cache lets the least recently used go; a
    /// lookup makes a value recent.
    #[test]
    fn recent_keeps_the_last_values_used() {
        let recent = Recent::new(2);
        recent.put("a".to_owned(), 1);
        recent.put("b".to_owned(), 2);
        assert_eq!(recent.get("a"), Some(1), "a is now recent");
        recent.put("c".to_owned(), 3);
        assert_eq!(recent.get("b"), None, "b was least recent");
        let keys = ["a", "b", "c"].map(String::from);
        assert_eq!(recent.get_each(&keys), [Some(1), None, Some(3)]);
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
