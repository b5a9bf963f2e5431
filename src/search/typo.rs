//! Typo correction against the index's own vocabulary.
//!
//! A word the index has never seen ("kriminaity", "pdonik") is most likely
//! a typo of one it has. Instead of a fuzzy query, whose matches all score
//! alike however rare the word, the word is replaced by its neighbours one
//! edit away that the index does contain; they are then searched as terms,
//! with their real statistics, so a corrected rare word weighs what the
//! word meant would weigh. Words the index knows are never corrected.

use std::collections::{HashMap, HashSet};

use tantivy::schema::Field;

/// The distinct terms of one field, bucketed by length in characters.
#[derive(Debug, Default)]
pub struct Vocabulary {
    terms: HashSet<String>,
    by_length: HashMap<usize, Vec<String>>,
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
        let mut by_length: HashMap<usize, Vec<String>> = HashMap::new();
        for term in &terms {
            by_length
                .entry(term.chars().count())
                .or_default()
                .push(term.clone());
        }
        for bucket in by_length.values_mut() {
            bucket.sort();
        }
        Vocabulary { terms, by_length }
    }

    pub fn contains(&self, term: &str) -> bool {
        self.terms.contains(term)
    }

    /// The known terms one edit from `word`, when `word` itself is unknown
    /// and at least `min_chars` long; empty otherwise.
    pub fn corrections(&self, word: &str, min_chars: usize) -> Vec<String> {
        let length = word.chars().count();
        if length < min_chars || self.contains(word) {
            return Vec::new();
        }
        (length - 1..=length + 1)
            .filter_map(|l| self.by_length.get(&l))
            .flatten()
            .filter(|term| within_one_edit(word, term))
            .cloned()
            .collect()
    }
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
}
