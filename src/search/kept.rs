//! What a searcher keeps across searches, what was not used lately going
//! first.
//!
//! The sets of common words ([`super::matching::DenseSets`]) and the
//! champion lists ([`super::champions`]) differ a hundredfold in size from
//! one value to the next (a bitset is as large as its segment), so they are
//! bounded by bytes ([`Kept`]). Answers, plans, shown measures and terms
//! are of about one size each and bounded by count ([`Recent`]).

use std::borrow::{Borrow, Cow};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hash};
use std::sync::{Arc, Mutex, MutexGuard};

/// A cache of about the last `capacity` values used, shared between
/// threads. A lookup hands out a clone, so values are cheap to clone
/// (`Arc`s, or answers whose parts are).
///
/// Which values go is decided as CLOCK does, not as an exact LRU: a lookup
/// only marks its value used, and when the cache is full a sweep lets the
/// oldest unmarked values go, giving the marked ones a second chance (see
/// `RecentInner::sweep`). An LRU list moves the
/// value to its front at every lookup, writing to it and to both its
/// neighbours, which were seldom in the processor's cache: a search looks
/// up some thirty terms, and the list's writes were most of the time a
/// fresh search spent in its caches.
pub struct Recent<K: Hash + Eq, V: Clone> {
    inner: Mutex<RecentInner<K, V>>,
}

struct RecentInner<K, V> {
    values: HashMap<K, Entry<V>, foldhash::fast::RandomState>,
    capacity: usize,
    /// Counts the values put and the sweeps: what `Entry::since` reads.
    clock: u64,
    doorkeeper: Option<Doorkeeper>,
}

struct Entry<V> {
    value: V,
    /// Looked up since it was put or last swept.
    used: bool,
    /// When it was put, or last found used by a sweep: its place in the
    /// queue of values to let go, the oldest first.
    since: u64,
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
        assert!(capacity > 0, "a positive capacity");
        Recent {
            inner: Mutex::new(RecentInner {
                values: HashMap::with_capacity_and_hasher(capacity + 1, Default::default()),
                capacity,
                clock: 0,
                doorkeeper,
            }),
        }
    }

    /// The value of `key`, now marked used.
    pub fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.lock().used(key)
    }

    /// The value of each of `keys`, under one lock.
    pub fn get_each<'k>(&self, keys: impl IntoIterator<Item = &'k K>) -> Vec<Option<V>>
    where
        K: 'k,
    {
        let mut inner = self.lock();
        keys.into_iter().map(|k| inner.used(k)).collect()
    }

    /// Keeps `value` under `key` if the doorkeeper (if any) lets it in,
    /// sweeping out the values not used lately when the cache is full.
    pub fn put(&self, key: K, value: V)
    where
        K: Clone,
    {
        self.admit(Cow::Owned(key), value);
    }

    /// [`Recent::put`] with a key that is copied only if the value is
    /// kept, given as anything the key borrows as (a `&str` for a
    /// `String`), as [`Recent::get`] takes it. Behind a doorkeeper most
    /// are not kept: a search request, or a query's text, copied to be
    /// dropped again was an allocation and a free or more of every new
    /// search.
    pub fn put_copied<Q>(&self, key: &Q, value: V)
    where
        K: Borrow<Q>,
        Q: Hash + ToOwned<Owned = K> + ?Sized,
    {
        self.admit(Cow::Borrowed(key), value);
    }

    /// The doorkeeper hashes `key` as borrowed: `Borrow` promises the
    /// same hash as the owned key's, so a key put owned and later
    /// borrowed (or the other way round) is seen as the same.
    fn admit<Q>(&self, key: Cow<'_, Q>, value: V)
    where
        K: Borrow<Q>,
        Q: Hash + ToOwned<Owned = K> + ?Sized,
    {
        let let_go = {
            let mut inner = self.lock();
            let admitted = (inner.doorkeeper.as_mut()).is_none_or(|d| d.seen_before(&*key));
            if admitted {
                inner.keep(key.into_owned(), value)
            } else {
                Vec::new()
            }
        };
        // Freed after the lock is released: an answer or a plan let go is
        // hundreds of allocations, and other searches wait on the lock.
        drop(let_go);
    }

    /// Whether a value is kept under `key`, without marking it used.
    #[cfg(test)]
    fn holds(&self, key: &K) -> bool {
        self.lock().values.contains_key(key)
    }

    fn lock(&self) -> MutexGuard<'_, RecentInner<K, V>> {
        // A panic while holding the lock leaves only a cache behind.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<K: Hash + Eq, V: Clone> RecentInner<K, V> {
    fn used<Q: Hash + Eq + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let entry = self.values.get_mut(key)?;
        entry.used = true;
        Some(entry.value.clone())
    }

    /// Keeps `value`, unused as yet; returns what is let go, for the
    /// caller to free.
    fn keep(&mut self, key: K, value: V) -> Vec<V> {
        let mut let_go = if self.values.len() >= self.capacity {
            self.sweep()
        } else {
            Vec::new()
        };
        self.clock += 1;
        let entry = Entry {
            value,
            used: false,
            since: self.clock,
        };
        let_go.extend(self.values.insert(key, entry).map(|old| old.value));
        let_go
    }

    /// CLOCK's hand, an eighth of the capacity at a time: a value used
    /// since it was put or last swept gets a second chance (it goes to the
    /// back of the queue, unmarked), and the eighth of the values longest
    /// in the queue are let go. So a value put stays for at least seven
    /// eighths of the capacity of values put after it, and one used that
    /// long for as long again; and a sweep, which reads every value, comes
    /// once per eighth of the capacity of values put.
    fn sweep(&mut self) -> Vec<V> {
        self.clock += 1;
        let now = self.clock;
        let mut since: Vec<u64> = Vec::with_capacity(self.values.len());
        for entry in self.values.values_mut() {
            if std::mem::replace(&mut entry.used, false) {
                entry.since = now;
            }
            since.push(entry.since);
        }
        let out = (self.capacity / 8).clamp(1, since.len());
        let (older, &mut bar, _) = since.select_nth_unstable(out - 1);
        // Every value put before `bar` goes, and as many put at `bar` as
        // make up the eighth.
        let mut at_bar = out - older.iter().filter(|&&t| t < bar).count();
        self.values
            .extract_if(|_, entry| {
                let goes = entry.since < bar || (entry.since == bar && at_bar > 0);
                if entry.since == bar && goes {
                    at_bar -= 1;
                }
                goes
            })
            .map(|(_, entry)| entry.value)
            .collect()
    }
}

/// The fingerprints of the last keys put, each the first time it came.
struct Doorkeeper {
    /// The fingerprints in the order they came, the oldest next to go.
    ring: Vec<u64>,
    next: usize,
    members: HashSet<u64, foldhash::fast::RandomState>,
    /// Makes a key's fingerprint. Not SipHash (std's default): hashing an
    /// answer's request with it, then its fingerprint again, was about 3%
    /// of answering a new search of a small collection, and a fingerprint
    /// that collides only lets a value in on its first sight.
    hasher: foldhash::fast::RandomState,
}

impl Doorkeeper {
    fn new(capacity: usize) -> Self {
        Doorkeeper {
            ring: Vec::with_capacity(capacity),
            next: 0,
            members: HashSet::with_capacity_and_hasher(capacity, Default::default()),
            hasher: Default::default(),
        }
    }

    /// Whether `key`'s fingerprint is among the last ones seen; if not, it
    /// is remembered now, in place of the oldest. (So the ring never holds
    /// a fingerprint twice.)
    fn seen_before<Q: Hash + ?Sized>(&mut self, key: &Q) -> bool {
        let fingerprint = self.hasher.hash_one(key);
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

/// What a kept value costs beyond its own bytes: its key (a term or a
/// phrase of a few words, a segment's id) and the cache's node. Small sets
/// (a phrase's in a segment of a hundred measures is two words) would
/// otherwise be counted as nearly free, and a budget meant for megabytes of
/// sets could hold millions of them.
pub const ENTRY_BYTES: usize = 256;

/// An LRU cache of `Arc<V>` bounded by the values' bytes, each counted
/// [`ENTRY_BYTES`] more for its key and place.
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
        inner.bytes += weight(&value);
        if let Some(old) = inner.values.put(key, value.clone()) {
            inner.bytes -= weight(&old);
        }
        while inner.bytes > self.budget_bytes {
            let Some((_, out)) = inner.values.pop_lru() else {
                break;
            };
            inner.bytes -= weight(&out);
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

/// The bytes a kept value counts for.
fn weight<V: Weighed>(value: &Arc<V>) -> usize {
    value.bytes() + ENTRY_BYTES
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

    /// Past its capacity the cache lets go of what was not used since the
    /// last sweep; a lookup marks a value used.
    #[test]
    fn recent_keeps_the_values_used() {
        let recent = Recent::new(2);
        recent.put("a".to_owned(), 1);
        recent.put("b".to_owned(), 2);
        assert_eq!(recent.get("a"), Some(1), "a is now used");
        recent.put("c".to_owned(), 3);
        assert_eq!(recent.get("b"), None, "b was not used");
        let keys = ["a", "b", "c"].map(String::from);
        assert_eq!(recent.get_each(&keys), [Some(1), None, Some(3)]);
    }

    /// A sweep lets the oldest unused eighth go, gives the used ones a
    /// second chance, and the cache never holds more than its capacity.
    #[test]
    fn a_sweep_lets_the_oldest_unused_go_and_keeps_the_cache_within_its_capacity() {
        let recent = Recent::new(64);
        for key in 0..64 {
            recent.put(key, key);
        }
        let keys: Vec<u32> = (0..128).collect();
        for key in (0..64).step_by(2) {
            assert_eq!(recent.get(&key), Some(key));
        }
        for key in 64..72 {
            recent.put(key, key);
        }
        for key in &keys {
            let gone = *key >= 72 || (*key < 16 && key % 2 == 1);
            assert_eq!(recent.holds(key), !gone, "{key}");
        }
        // The used ones outlast every unused one put before them.
        for key in 72..96 {
            recent.put(key, key);
        }
        for key in 0..64 {
            assert_eq!(recent.holds(&key), key % 2 == 0, "{key}");
        }
        // Everything used all the time: values still go.
        for key in 0..10_000u32 {
            recent.put(key % 128, key);
            let held = recent.get_each(&keys).iter().flatten().count();
            assert!(held <= 64, "{held} values held after {key}");
        }
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

    /// A key put borrowed (a `&str` for a `String` key) meets the
    /// doorkeeper as the same key put owned does.
    #[test]
    fn a_borrowed_key_is_the_owned_key_to_the_doorkeeper() {
        let recent: Recent<String, i32> = Recent::kept_on_second_sight(2);
        recent.put_copied("a", 1);
        assert_eq!(recent.get("a"), None, "a is new");
        recent.put("a".to_owned(), 1);
        assert_eq!(recent.get("a"), Some(1), "a came again, owned");
        recent.put("b".to_owned(), 2);
        recent.put_copied("b", 2);
        assert_eq!(recent.get("b"), Some(2), "b came again, borrowed");
    }

    /// Past its budget the cache lets the least recently used go, and
    /// counts its bytes right as values come, go and are replaced.
    #[test]
    fn keeps_the_most_recent_within_the_budget() {
        let entry = |bytes| bytes + ENTRY_BYTES;
        let kept = Kept::new(3 * entry(100));
        for key in ["a", "b", "c"] {
            kept.put(key, Bytes(100));
        }
        assert_eq!(kept.size(), (3, 3 * entry(100)));
        assert!(kept.get(&"a").is_some(), "a is now recent");
        kept.put("d", Bytes(100));
        assert_eq!(kept.size(), (3, 3 * entry(100)));
        assert!(kept.get(&"b").is_none(), "b was least recent");
        kept.put("d", Bytes(50));
        assert_eq!(kept.size(), (3, 2 * entry(100) + entry(50)));
        assert_eq!(kept.get(&"d").unwrap().0, 50);
        kept.put("e", Bytes(3 * entry(100)));
        assert_eq!(kept.size(), (0, 0), "a value over the budget is not kept");
        kept.put("f", Bytes(10));
        kept.clear();
        assert_eq!(kept.size(), (0, 0));
        assert!(kept.get(&"f").is_none());
    }
}
