//! Typo correction against the index's own vocabulary.
//!
//! A word the index has never seen ("kriminaity", "pdonik") is most likely
//! a typo of one it has. Instead of a fuzzy query, whose matches all score
//! alike however rare the word, the word is replaced by its neighbours one
//! edit away that the index does contain; they are then searched as terms,
//! with their real statistics, so a corrected rare word weighs what the
//! word meant would weigh. Words the index knows are never corrected.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use tantivy::schema::Field;

/// The distinct terms of one field, with an index of their one-deletion
/// variants for finding the terms one edit from a word.
///
/// Two words one edit apart always share a variant (the word itself, or
/// the word with one character deleted): a substitution or a swap of
/// neighbours deletes to the same string from both sides, an insertion
/// deletes to the other word. So a word's candidates are the terms sharing
/// one of its variants, a few binary searches, where scanning every term
/// of a similar length took a tenth of a fresh search of the bundled
/// collection and grows with the vocabulary.
#[derive(Debug, Default)]
pub struct Vocabulary {
    /// Sorted.
    terms: Vec<String>,
    /// The hash of every variant of every term, with the term's position
    /// in `terms`; sorted. A hash may collide, so candidates are checked.
    variants: Vec<(u64, u32)>,
}

impl Vocabulary {
    /// Reads the term dictionaries of `field` in every segment.
    pub fn load(searcher: &tantivy::Searcher, field: Field) -> tantivy::Result<Self> {
        let mut terms = HashSet::new();
        for segment in searcher.segment_readers() {
            let index = segment.inverted_index(field)?;
            let mut stream = index.terms().stream()?;
            while stream.advance() {
                if let Ok(term) = std::str::from_utf8(stream.key()) {
                    terms.insert(term.to_owned());
                }
            }
        }
        Ok(Vocabulary::from_terms(terms))
    }

    pub fn from_terms(terms: HashSet<String>) -> Self {
        let mut terms: Vec<String> = terms.into_iter().collect();
        terms.sort_unstable();
        let mut variants = Vec::new();
        let mut buffer = String::new();
        for (position, term) in terms.iter().enumerate() {
            let position = u32::try_from(position).expect("fewer than 2^32 terms");
            for_each_variant(term, &mut buffer, |variant| {
                variants.push((hash(variant), position));
            });
        }
        variants.sort_unstable();
        variants.dedup();
        Vocabulary { terms, variants }
    }

    pub fn contains(&self, term: &str) -> bool {
        self.terms
            .binary_search_by(|t| t.as_str().cmp(term))
            .is_ok()
    }

    /// The known terms one edit from `word`, when `word` itself is unknown
    /// and at least `min_chars` long; empty otherwise. Shorter terms come
    /// first, and terms of one length in alphabetical order.
    pub fn corrections(&self, word: &str, min_chars: usize) -> Vec<String> {
        if word.chars().count() < min_chars || self.contains(word) {
            return Vec::new();
        }
        let mut candidates: Vec<u32> = Vec::new();
        let mut buffer = String::new();
        for_each_variant(word, &mut buffer, |variant| {
            let hash = hash(variant);
            let from = self.variants.partition_point(|&(h, _)| h < hash);
            candidates.extend(
                self.variants[from..]
                    .iter()
                    .take_while(|&&(h, _)| h == hash)
                    .map(|&(_, position)| position),
            );
        });
        candidates.sort_unstable();
        candidates.dedup();
        let mut found: Vec<&String> = candidates
            .into_iter()
            .map(|position| &self.terms[position as usize])
            .filter(|term| within_one_edit(word, term))
            .collect();
        found.sort_by_cached_key(|term| (term.chars().count(), term.as_str()));
        found.into_iter().cloned().collect()
    }
}

/// Calls `f` with `word` and with `word` less each of its characters in
/// turn, built in `buffer`.
fn for_each_variant(word: &str, buffer: &mut String, mut f: impl FnMut(&str)) {
    f(word);
    for (at, c) in word.char_indices() {
        buffer.clear();
        buffer.push_str(&word[..at]);
        buffer.push_str(&word[at + c.len_utf8()..]);
        f(buffer);
    }
}

/// A hash that is the same in every process, so a vocabulary's order
/// does not depend on a random seed.
fn hash(variant: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    variant.hash(&mut hasher);
    hasher.finish()
}

/// Whether `a` becomes `b` by at most one insertion, deletion, substitution
/// or swap of neighbouring letters: the typos the search forgives.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    match (ra.len(), rb.len()) {
        (0, 0) => true,
        (x, y) if x == y => {
            ra[1..] == rb[1..] // substitution
                || (x >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..]) // swap
        }
        (x, y) if x > y => ra[1..] == *rb, // deletion
        _ => *ra == rb[1..],               // insertion
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_edit() {
        assert!(within_one_edit("kriminality", "kriminaity"));
        assert!(within_one_edit("psychologove", "psycholgove"));
        assert!(within_one_edit("bydleni", "bydelni"));
        assert!(within_one_edit("bydleni", "bydlenu"));
        assert!(!within_one_edit("bydleni", "bdyelni"));
        assert!(!within_one_edit("skola", "skolami"));
    }

    #[test]
    fn corrects_only_unknown_words() {
        let words = ["kriminality", "podnik", "podniku", "bydleni", "bydlenim"];
        let vocabulary = Vocabulary::from_terms(words.iter().map(|w| w.to_string()).collect());
        assert_eq!(vocabulary.corrections("kriminaity", 5), ["kriminality"]);
        assert_eq!(vocabulary.corrections("pdonik", 5), ["podnik"]);
        assert!(vocabulary.corrections("bydleni", 5).is_empty());
        assert!(vocabulary.corrections("byt", 5).is_empty());
    }

    /// The variant index finds exactly what comparing the word with every
    /// term finds, in the same order, on words of a small alphabet (so
    /// many are one edit apart) with a multibyte letter among them.
    #[test]
    fn finds_what_a_scan_of_every_term_finds() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let letters = ['a', 'b', 'č', 'd'];
        let word = |next: &mut dyn FnMut(u64) -> u64| -> String {
            let length = 3 + next(4);
            (0..length).map(|_| letters[next(4) as usize]).collect()
        };
        let terms: HashSet<String> = (0..400).map(|_| word(&mut next)).collect();
        let vocabulary = Vocabulary::from_terms(terms.clone());
        let mut sorted: Vec<&String> = terms.iter().collect();
        sorted.sort_by_key(|t| (t.chars().count(), t.as_str()));
        let mut corrected = 0;
        for _ in 0..2000 {
            let query = word(&mut next);
            let scanned: Vec<String> = if terms.contains(&query) {
                Vec::new()
            } else {
                sorted
                    .iter()
                    .filter(|t| within_one_edit(&query, t))
                    .map(|t| t.to_string())
                    .collect()
            };
            assert_eq!(vocabulary.corrections(&query, 1), scanned, "{query}");
            corrected += usize::from(!scanned.is_empty());
        }
        assert!(corrected > 100, "only {corrected} words had corrections");
    }
}
