//! What a searcher keeps across searches, the least recently used going
//! first.
//!
//! The sets of common words ([`super::matching::DenseSets`]) and the
//! champion lists ([`super::champions`]) differ a hundredfold in size from
//! one value to the next (a bitset is as large as its segment), so they are
//! bounded by bytes ([`Kept`]). Answers, plans, shown measures and terms
//! are of about one size each and bounded by count ([`Recent`]).

use std::borrow::Borrow;
use std::collections::HashSet;
use std::hash::{BuildHasher, Hash, RandomState};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard};

/// An LRU cache of the last `capacity` values, shared between threads.
/// A lookup hands out a clone, so values are cheap to clone (`Arc`s, or
/// answers whose parts are).
pub struct Recent<K: Hash + Eq, V: Clone> {
    inner: Mutex<RecentInner<K, V>>,
    /// Tells keys apart for the doorkeeper.
    hasher: RandomState,
}

struct RecentInner<K: Hash + Eq, V> {
    values: lru::LruCache<K, V>,
    doorkeeper: Option<Doorkeeper>,
}

impl<K: Hash + Eq, V: Clone> Recent<K, V> {
    /// Keeps every value put, up to `capacity`.
    pub fn new(capacity: usize) -> Self {
        Self::with(capacity, None)
    }

    /// Keeps a value only when its key was put once already among the
    /// last `capacity` keys put (TinyLFU's doorkeeper, or "cache on second
    /// hit"). Most searches a front end sends as a person types are never
    /// sent again ("prostupné b", "prostupné by", …): keeping each would
    /// cost its insertion and, later, freeing it, and would push out the
    /// answers that are asked for again. A value asked for again soon is
    /// kept the second time, at the cost of working it out twice. With
    /// the doorkeeper remembering as many keys as the cache keeps values,
    /// that is the only lookup it turns into a miss: a key put again after
    /// more than `capacity` others would have been let go by then anyway.
    pub fn kept_on_second_sight(capacity: usize) -> Self {
        Self::with(capacity, Some(Doorkeeper::new(capacity)))
    }

    fn with(capacity: usize, doorkeeper: Option<Doorkeeper>) -> Self {
        let capacity = NonZeroUsize::new(capacity).expect("a positive capacity");
        Recent {
            inner: Mutex::new(RecentInner {
                values: lru::LruCache::new(capacity),
                doorkeeper,
            }),
            hasher: RandomState::new(),
        }
    }

    /// The value of `key`, now the most recently used.
    pub fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.lock().values.get(key).cloned()
    }

    /// The value of each of `keys`, under one lock.
    pub fn get_each<'k>(&self, keys: impl IntoIterator<Item = &'k K>) -> Vec<Option<V>>
    where
        K: 'k,
    {
        let mut inner = self.lock();
        keys.into_iter()
            .map(|k| inner.values.get(k).cloned())
            .collect()
    }

    /// Keeps `value` under `key`, letting the least recently used go, if
    /// the doorkeeper (if any) lets it in.
    pub fn put(&self, key: K, value: V) {
        let fingerprint = self.hasher.hash_one(&key);
        let let_go = {
            let mut inner = self.lock();
            let admitted = (inner.doorkeeper.as_mut()).is_none_or(|d| d.seen_before(fingerprint));
            if admitted {
                inner.values.push(key, value)
            } else {
                None
            }
        };
        // Freed after the lock is released: an answer or a plan let go is
        // hundreds of allocations, and other searches wait on the lock.
        drop(let_go);
    }

    fn lock(&self) -> MutexGuard<'_, RecentInner<K, V>> {
        // A panic while holding the lock leaves only a cache behind.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The fingerprints of the last keys put, each the first time it came.
struct Doorkeeper {
    /// The fingerprints in the order they came, the oldest next to go.
    ring: Vec<u64>,
    next: usize,
    members: HashSet<u64>,
}

impl Doorkeeper {
    fn new(capacity: usize) -> Self {
        Doorkeeper {
            ring: Vec::with_capacity(capacity),
            next: 0,
            members: HashSet::with_capacity(capacity),
        }
    }

    /// Whether `fingerprint` is among the last ones seen; if not, it is
    /// remembered now, in place of the oldest. (So the ring never holds a
    /// fingerprint twice.)
    fn seen_before(&mut self, fingerprint: u64) -> bool {
        if self.members.contains(&fingerprint) {
            return true;
        }
        if self.ring.len() < self.ring.capacity() {
            self.ring.push(fingerprint);
        } else {
            let oldest = std::mem::replace(&mut self.ring[self.next], fingerprint);
            self.members.remove(&oldest);
            self.next = (self.next + 1) % self.ring.len();
        }
        self.members.insert(fingerprint);
        false
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

    /// With a doorkeeper, a value is kept the second time its key is put
    /// among the last `capacity` keys, and not the first.
    #[test]
    fn a_doorkeeper_keeps_what_comes_again() {
        let recent = Recent::kept_on_second_sight(2);
        recent.put("a", 1);
        assert_eq!(recent.get("a"), None, "a is new");
        recent.put("a", 1);
        assert_eq!(recent.get("a"), Some(1), "a came again");
        for key in ["b", "c", "d"] {
            recent.put(key, 0);
        }
        recent.put("b", 2);
        assert_eq!(recent.get("b"), None, "b was forgotten after two others");
        recent.put("d", 4);
        assert_eq!(recent.get("d"), Some(4), "d was among the last two");
        assert_eq!(recent.get("a"), Some(1), "what was kept stays");
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
