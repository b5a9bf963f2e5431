//! A set of a segment's documents as one bit each.
//!
//! A search works on whole sets before it looks at single measures: the
//! measures that match the words, those that pass each facet filter, those
//! that contain every word. As bits, a million measures are 16,000 words,
//! and combining two sets is a loop over them that the compiler vectorises;
//! tantivy's `BitSet` has no union, which is what matching words needs most.

use std::cell::RefCell;

use tantivy::DocId;

/// Documents `0..len` of a segment, one bit each.
#[derive(PartialEq, Eq)]
pub struct DocBits {
    words: Vec<u64>,
    len: u32,
}

thread_local! {
    /// Word buffers of dropped sets, for the next search on this thread. A
    /// search makes a handful of sets per segment; allocated afresh, a
    /// million-measure set is new pages the kernel must zero on first
    /// touch, which cost more than the search's set operations.
    static SPARE: RefCell<Vec<Vec<u64>>> = const { RefCell::new(Vec::new()) };
}

/// How many buffers a thread keeps.
const SPARE_KEPT: usize = 32;

fn words_of(len: u32, fill: u64) -> Vec<u64> {
    let n = (len as usize).div_ceil(64);
    let mut words = SPARE
        .with(|spare| spare.borrow_mut().pop())
        .unwrap_or_default();
    words.clear();
    words.resize(n, fill);
    words
}

impl Drop for DocBits {
    fn drop(&mut self) {
        let words = std::mem::take(&mut self.words);
        if words.capacity() > 0 {
            SPARE.with(|spare| {
                let mut spare = spare.borrow_mut();
                if spare.len() < SPARE_KEPT {
                    spare.push(words);
                }
            });
        }
    }
}

impl Clone for DocBits {
    fn clone(&self) -> Self {
        let mut words = words_of(self.len, 0);
        words.copy_from_slice(&self.words);
        DocBits {
            words,
            len: self.len,
        }
    }
}

impl super::kept::Weighed for DocBits {
    fn bytes(&self) -> usize {
        self.words.len() * std::mem::size_of::<u64>()
    }
}

impl std::fmt::Debug for DocBits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DocBits({} of {})", self.count(), self.len)
    }
}

impl DocBits {
    /// No document.
    pub fn empty(len: u32) -> Self {
        DocBits {
            words: words_of(len, 0),
            len,
        }
    }

    /// Every document `0..len`.
    pub fn full(len: u32) -> Self {
        let mut bits = DocBits {
            words: words_of(len, u64::MAX),
            len,
        };
        bits.clear_tail();
        bits
    }

    /// The bits past `len` in the last word stay zero, so that counting
    /// and iterating never see documents that do not exist.
    fn clear_tail(&mut self) {
        let used = self.len % 64;
        if used != 0
            && let Some(last) = self.words.last_mut()
        {
            *last &= (1u64 << used) - 1;
        }
    }

    /// How many documents the segment has (not how many are in the set).
    pub fn capacity(&self) -> u32 {
        self.len
    }

    #[inline]
    pub fn insert(&mut self, doc: DocId) {
        self.words[(doc / 64) as usize] |= 1 << (doc % 64);
    }

    /// Adds every document of `docs`, which must be below the capacity.
    #[inline]
    pub fn extend(&mut self, docs: &[DocId]) {
        for &doc in docs {
            self.insert(doc);
        }
    }

    #[inline]
    pub fn contains(&self, doc: DocId) -> bool {
        self.words
            .get((doc / 64) as usize)
            .is_some_and(|w| w & (1 << (doc % 64)) != 0)
    }

    /// The first document of the set at or after `doc`.
    #[inline]
    pub fn next_from(&self, doc: DocId) -> Option<DocId> {
        let mut at = (doc / 64) as usize;
        let mut word = *self.words.get(at)? & (u64::MAX << (doc % 64));
        while word == 0 {
            at += 1;
            word = *self.words.get(at)?;
        }
        Some(at as u32 * 64 + word.trailing_zeros())
    }

    /// How many documents are in the set.
    pub fn count(&self) -> u64 {
        self.words.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// How many documents are in both sets.
    pub fn count_common(&self, other: &DocBits) -> u64 {
        self.words
            .iter()
            .zip(&other.words)
            .map(|(a, b)| u64::from((a & b).count_ones()))
            .sum()
    }

    /// Calls `f` with each document in both sets, in increasing order.
    #[inline]
    pub fn for_each_common(&self, other: &DocBits, mut f: impl FnMut(DocId)) {
        for (at, (a, b)) in self.words.iter().zip(&other.words).enumerate() {
            let mut word = a & b;
            while word != 0 {
                f(at as u32 * 64 + word.trailing_zeros());
                word &= word - 1;
            }
        }
    }

    /// For each word, how many documents the words before it hold: with
    /// it, [`DocBits::count_before`] counts any prefix of the set in a
    /// couple of instructions.
    pub fn word_ranks(&self) -> Vec<u32> {
        let mut ranks = Vec::with_capacity(self.words.len() + 1);
        let mut sum = 0;
        ranks.push(0);
        for w in &self.words {
            sum += w.count_ones();
            ranks.push(sum);
        }
        ranks
    }

    /// How many documents of the set are below `doc`, given its
    /// [`DocBits::word_ranks`]; `doc` at most the capacity.
    #[inline]
    pub fn count_before(&self, ranks: &[u32], doc: DocId) -> u32 {
        let word = (doc / 64) as usize;
        let within = self
            .words
            .get(word)
            .map_or(0, |w| (w & ((1u64 << (doc % 64)) - 1)).count_ones());
        ranks[word] + within
    }

    /// How many 64-document words the set spans.
    pub fn word_count(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    pub fn union_with(&mut self, other: &DocBits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }

    pub fn intersect_with(&mut self, other: &DocBits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= b;
        }
    }

    pub fn subtract(&mut self, other: &DocBits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a &= !b;
        }
    }

    /// The documents, in increasing order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            words: &self.words,
            next_word: 0,
            current: 0,
            base: 0,
        }
    }
}

/// The documents of a [`DocBits`], lowest first.
pub struct Iter<'a> {
    words: &'a [u64],
    next_word: usize,
    /// What is left of the word being read, and its first document.
    current: u64,
    base: u32,
}

impl Iterator for Iter<'_> {
    type Item = DocId;

    #[inline]
    fn next(&mut self) -> Option<DocId> {
        while self.current == 0 {
            let word = *self.words.get(self.next_word)?;
            self.current = word;
            self.base = (self.next_word as u32) * 64;
            self.next_word += 1;
        }
        let bit = self.current.trailing_zeros();
        self.current &= self.current - 1;
        Some(self.base + bit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(len: u32, docs: &[DocId]) -> DocBits {
        let mut bits = DocBits::empty(len);
        bits.extend(docs);
        bits
    }

    #[test]
    fn set_operations_agree_with_sorted_lists() {
        let a = of(200, &[0, 3, 63, 64, 130, 199]);
        let b = of(200, &[3, 64, 65, 199]);
        let mut union = a.clone();
        union.union_with(&b);
        assert_eq!(
            union.iter().collect::<Vec<_>>(),
            [0, 3, 63, 64, 65, 130, 199]
        );
        let mut both = a.clone();
        both.intersect_with(&b);
        assert_eq!(both.iter().collect::<Vec<_>>(), [3, 64, 199]);
        let mut only_a = a.clone();
        only_a.subtract(&b);
        assert_eq!(only_a.iter().collect::<Vec<_>>(), [0, 63, 130]);
        assert_eq!(a.count(), 6);
        assert!(a.contains(63) && !a.contains(62) && !a.contains(1000));
    }

    #[test]
    fn ranges_count_and_list_what_the_whole_set_has_in_them() {
        let docs: Vec<DocId> = (0..300).filter(|d| d % 3 == 0 || d % 7 == 0).collect();
        let set = of(300, &docs);
        for start in [0, 1, 5, 63, 64, 65, 127, 128, 200, 299, 300] {
            for end in [0, 1, 6, 63, 64, 66, 128, 129, 250, 299, 300, 400] {
                let expected: Vec<DocId> = docs
                    .iter()
                    .copied()
                    .filter(|&d| d >= start && d < end)
                    .collect();
                let ranks = set.word_ranks();
                let below = |doc: DocId| set.count_before(&ranks, doc.min(300));
                assert_eq!(
                    below(end).saturating_sub(below(start)),
                    expected.len() as u32
                );
                assert_eq!(
                    set.next_from(start),
                    docs.iter().copied().find(|&d| d >= start)
                );
            }
        }
    }

    #[test]
    fn a_full_set_holds_exactly_the_segment() {
        for len in [0, 1, 63, 64, 65, 1000] {
            let full = DocBits::full(len);
            assert_eq!(full.count(), u64::from(len));
            assert_eq!(full.iter().last(), len.checked_sub(1));
            assert_eq!(full.is_empty(), len == 0);
        }
    }
}
