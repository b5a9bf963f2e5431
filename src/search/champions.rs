//! The best-scoring measures of a ranking, kept per segment: champion
//! lists (Manning, Raghavan and Schütze, *Introduction to Information
//! Retrieval*, 7.1.3).
//!
//! A query of one common word ("bydlení") matches a tenth of a large
//! collection, and the word's seven lists or more (exact, folded, stem,
//! root, places, key phrases, corrections) hold nearly the same measures
//! with nearly the same maxima, so MaxScore can skip none of them: ranking
//! such a query scored every match, most of a search at a million
//! measures, and the most common kind of query. Yet what the word's best measures are does
//! not change from one search to the next; only the filters do.
//!
//! So a ranking that is a plain sum of its terms (no all-words bonus) keeps,
//! per segment, its [`CHAMPIONS`] best measures with their scores, found
//! once by a MaxScore walk for the best one more than that (the last is
//! the best score left off the list). Five hundred deep, its bar is low,
//! but it still skips much of what scoring every measure with a term of
//! the ranking read, and walks the lists side by side rather than one
//! after another. A search offers
//! those that pass its filters, best first, and stops at the first that
//! scores below the worst hit it holds: nothing after it can enter. When
//! the list runs out before that point (filters left too few of its
//! measures, or a page lies deeper than the list), the search walks the
//! postings instead. The scores are the ones the walk computes, summed in
//! the same order, so the hits are the same to the last bit.

use std::sync::Arc;

use tantivy::index::SegmentId;
use tantivy::{DocId, Score, Term};

use super::bits::DocBits;
use super::facets::{Ranked, TopHits};
use super::kept::{Kept, Weighed};

/// How many measures a champion list keeps: enough for the first pages of
/// a query whose filters leave one measure in ten or more.
pub const CHAMPIONS: usize = 512;

/// How much memory the lists may take, in bytes (8 per measure: 4 KiB a
/// list).
const BUDGET_BYTES: usize = 32 << 20;

/// A segment and a ranking's terms with their weights.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub segment: SegmentId,
    /// Each term with its weight's bits.
    pub terms: Vec<(Term, u32)>,
}

/// The champion lists of a generation, least recently used first out.
pub struct Champions {
    kept: Kept<Key, Best>,
}

impl Default for Champions {
    fn default() -> Self {
        Champions {
            kept: Kept::new(BUDGET_BYTES),
        }
    }
}

impl Champions {
    /// The list of `key`, built by `build` if it is not kept.
    pub fn get_or_build(
        &self,
        key: Key,
        build: impl FnOnce() -> tantivy::Result<Best>,
    ) -> tantivy::Result<Arc<Best>> {
        if let Some(best) = self.kept.get(&key) {
            return Ok(best);
        }
        Ok(self.kept.put(key, build()?))
    }

    /// How many lists are kept, and their size in bytes.
    pub fn size(&self) -> (usize, usize) {
        self.kept.size()
    }
}

/// A ranking's best measures in one segment, best first.
#[derive(Debug)]
pub struct Best {
    best: Vec<(DocId, Score)>,
    /// The best score of a measure with a term of the ranking that is not
    /// in `best`; none when `best` holds them all.
    beyond: Option<Score>,
}

impl Best {
    /// The `size` best of `scored`, which holds the measures with a term
    /// of the ranking and their scores: all of them, or at least the
    /// `size + 1` best, none of those left out scoring more.
    pub fn of(mut scored: Vec<(DocId, Score)>, size: usize) -> Best {
        let better = |a: &(DocId, Score), b: &(DocId, Score)| b.1.total_cmp(&a.1);
        let mut beyond = None;
        if scored.len() > size {
            scored.select_nth_unstable_by(size, better);
            beyond = scored[size..]
                .iter()
                .map(|&(_, s)| s)
                .max_by(Score::total_cmp);
            scored.truncate(size);
        }
        scored.sort_unstable_by(|a, b| better(a, b).then(a.0.cmp(&b.0)));
        scored.shrink_to_fit();
        Best {
            best: scored,
            beyond,
        }
    }

    /// Offers `hits`'s champions to `top`, best first, while they can still
    /// be kept. Returns whether `top` now holds the best of `hits`: false
    /// when the list ran out while a measure not on it might still be kept,
    /// and the caller must rank `hits` another way (`top` then holds only
    /// hits it would hold anyway).
    pub fn offer(
        &self,
        hits: &DocBits,
        top: &mut TopHits,
        ranked: impl Fn(DocId, Score) -> Ranked,
    ) -> bool {
        for &(doc, score) in &self.best {
            if top.threshold().is_some_and(|worst| score < worst) {
                return true;
            }
            if hits.contains(doc) {
                top.offer(ranked(doc, score));
            }
        }
        // The list ran out. A measure not on it scores at most `beyond`,
        // and one without any term of the ranking nothing: `top` is the
        // answer only when it is full and neither can enter it.
        top.threshold()
            .is_some_and(|worst| worst > 0.0 && self.beyond.is_none_or(|b| b < worst))
    }
}

impl Weighed for Best {
    fn bytes(&self) -> usize {
        self.best.len() * std::mem::size_of::<(DocId, Score)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::DocAddress;

    fn ranked(doc: DocId, score: Score) -> Ranked {
        Ranked {
            score,
            order: u64::from(doc),
            address: DocAddress::new(0, doc),
        }
    }

    fn best_of(top: TopHits) -> Vec<(DocId, Score)> {
        top.into_sorted()
            .into_iter()
            .map(|r| (r.address.doc_id, r.score))
            .collect()
    }

    /// Scores 0..100, descending with the document, ties in pairs.
    fn scored() -> Vec<(DocId, Score)> {
        (0..100)
            .map(|doc| (doc, (100 - doc / 2) as Score))
            .collect()
    }

    #[test]
    fn keeps_the_best_in_order_and_the_best_score_left_out() {
        let best = Best::of(scored(), 10);
        assert_eq!(best.best.len(), 10);
        assert_eq!(best.best[0], (0, 100.0));
        assert_eq!(best.best[9], (9, 96.0));
        assert_eq!(best.beyond, Some(95.0));
        assert_eq!(Best::of(scored(), 9).beyond, Some(96.0));
        assert_eq!(Best::of(scored(), 100).beyond, None);
    }

    #[test]
    fn offers_the_best_hits_or_says_it_cannot() {
        let best = Best::of(scored(), 10);
        let mut every = DocBits::empty(100);
        every.extend(&(0..100).collect::<Vec<_>>());
        // The three best of every measure: on the list.
        let mut top = TopHits::new(3);
        assert!(best.offer(&every, &mut top, ranked));
        assert_eq!(best_of(top), [(0, 100.0), (1, 100.0), (2, 99.0)]);
        // All ten: nothing left out scores as much as the tenth.
        let mut top = TopHits::new(10);
        assert!(best.offer(&every, &mut top, ranked));
        assert_eq!(best_of(top).len(), 10);
        // Nine of nine: the ninth (96) ties with the tenth, left out, which
        // the listing order might keep.
        let mut top = TopHits::new(9);
        assert!(!Best::of(scored(), 9).offer(&every, &mut top, ranked));
        // Filters that leave few of the list's measures.
        let mut odd = DocBits::empty(100);
        odd.extend(&(0..100).filter(|d| d % 2 == 1).collect::<Vec<_>>());
        let mut top = TopHits::new(5);
        assert!(best.offer(&odd, &mut top, ranked));
        assert_eq!(best_of(top).len(), 5);
        let mut top = TopHits::new(6);
        assert!(!best.offer(&odd, &mut top, ranked));
        // A complete list answers whenever it fills the page.
        let complete = Best::of(scored(), 100);
        let mut top = TopHits::new(50);
        assert!(complete.offer(&odd, &mut top, ranked));
        let mut top = TopHits::new(51);
        assert!(!complete.offer(&odd, &mut top, ranked), "50 odd measures");
    }
}
