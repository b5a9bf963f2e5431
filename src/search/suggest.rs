//! Search-as-you-type: completions of the word being typed, as the corpus
//! spells it, read from the index itself.
//!
//! Completions of a word come from the term dictionary of the folded text
//! (so `prost` and `prošt` find the same words), completions of two words
//! from the dictionary of word pairs (`text_pairs`); both are sorted, so a
//! prefix is one range. The spelling shown is the accented form the corpus
//! uses most for the folded word, read once from the exact-form
//! dictionary. Earlier words of the query narrow the measures counted:
//! "asistent prev" completes to what stands in measures about assistants.
//! Nothing here holds a copy of the measures, so opening an index of a
//! million measures costs only a pass over its vocabulary.

use std::collections::HashMap;

use serde::Serialize;
use tantivy::collector::DocSetCollector;
use tantivy::query::{BooleanQuery, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocAddress, DocSet, TERMINATED, Term};

use super::plan::{Analyzers, is_stopword};
use crate::index::Fields;

/// One completion and the number of measures it occurs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub text: String,
    pub count: u64,
}

/// How many candidates, at most, are counted against the earlier words:
/// the most frequent ones, since counting means reading their postings.
const CANDIDATES: usize = 64;

/// The corpus spelling of every folded word.
#[derive(Debug, Default)]
pub struct Suggester {
    spellings: HashMap<String, String>,
}

impl Suggester {
    /// Reads the exact-form dictionary: for each folded word, the accented
    /// spelling found in the most measures.
    pub fn load(searcher: &tantivy::Searcher, fields: &Fields) -> tantivy::Result<Self> {
        let mut best: HashMap<String, (String, u32)> = HashMap::new();
        for segment in searcher.segment_readers() {
            let index = segment.inverted_index(fields.text_exact)?;
            let mut stream = index.terms().stream()?;
            while stream.advance() {
                let Ok(spelling) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                let count = stream.value().doc_freq;
                let entry = best
                    .entry(crate::ingest::text::fold(spelling))
                    .or_insert_with(|| (spelling.to_owned(), 0));
                if count > entry.1 || (count == entry.1 && spelling < entry.0.as_str()) {
                    *entry = (spelling.to_owned(), count);
                }
            }
        }
        Ok(Suggester {
            spellings: best
                .into_iter()
                .map(|(folded, (spelling, _))| (folded, spelling))
                .collect(),
        })
    }

    fn spell(&self, folded: &str) -> String {
        folded
            .split(' ')
            .map(|word| self.spellings.get(word).map_or(word, String::as_str))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Completions of `query`'s last word, at most `limit`, most frequent
    /// first. A query ending in a space completes the next word.
    pub fn suggest(
        &self,
        searcher: &tantivy::Searcher,
        fields: &Fields,
        analyzers: &Analyzers,
        query: &str,
        limit: usize,
    ) -> tantivy::Result<Vec<Suggestion>> {
        let words = analyzers.words(query);
        let finished = query.ends_with(char::is_whitespace) || words.is_empty();
        let (context, typing) = if finished {
            (&words[..], None)
        } else {
            (&words[..words.len() - 1], words.last())
        };
        let allowed = measures_with(searcher, fields, context.iter().map(|w| &w.slot))?;
        let typed = |ws: &[super::plan::Word]| -> String {
            ws.iter()
                .map(|w| format!("{} ", &query[w.range.clone()]))
                .collect()
        };

        // (folded completion, text shown before it) of every candidate.
        let mut candidates: Vec<(Field, String, String)> = Vec::new();
        match typing {
            Some(word) => {
                let before = typed(context);
                for field in [fields.text_folded, fields.text_pairs] {
                    for term in terms_with_prefix(searcher, field, &word.slot.folded)? {
                        candidates.push((field, term, before.clone()));
                    }
                }
            }
            // After a finished word: the pairs it begins, in any case.
            None => {
                if let Some(last) = context.last() {
                    let before = typed(&context[..context.len() - 1]);
                    for pair in terms_with_prefix(searcher, fields.text_pairs, &last.slot.stem)? {
                        let first = pair.split(' ').next().unwrap_or("");
                        if analyzers
                            .slots(first)
                            .first()
                            .is_some_and(|s| s.stem == last.slot.stem)
                        {
                            candidates.push((fields.text_pairs, pair, before.clone()));
                        }
                    }
                }
            }
        }

        let mut counted: Vec<(u64, Field, String, String)> = candidates
            .into_iter()
            .map(|(field, term, before)| {
                Ok((doc_freq(searcher, field, &term)?, field, term, before))
            })
            .collect::<tantivy::Result<_>>()?;
        counted.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)));
        if let Some(allowed) = &allowed {
            counted.truncate(CANDIDATES);
            for candidate in &mut counted {
                candidate.0 = count_in(searcher, candidate.1, &candidate.2, allowed)?;
            }
        }
        let mut found: Vec<Suggestion> = Vec::new();
        for (count, _, term, before) in counted {
            let text = format!("{before}{}", self.spell(&term));
            if count > 0 && !found.iter().any(|s| s.text == text) {
                found.push(Suggestion { text, count });
            }
        }
        found.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.text.chars().count().cmp(&b.text.chars().count()))
                .then(a.text.cmp(&b.text))
        });
        found.truncate(limit);
        Ok(found)
    }
}

/// The terms of `field` that start with `prefix`, across segments.
fn terms_with_prefix(
    searcher: &tantivy::Searcher,
    field: Field,
    prefix: &str,
) -> tantivy::Result<Vec<String>> {
    let mut upper = prefix.as_bytes().to_vec();
    upper.push(0xFF);
    let mut terms = Vec::new();
    for segment in searcher.segment_readers() {
        let index = segment.inverted_index(field)?;
        let mut stream = index
            .terms()
            .range()
            .ge(prefix.as_bytes())
            .lt(&upper)
            .into_stream()?;
        while stream.advance() {
            if let Ok(term) = std::str::from_utf8(stream.key()) {
                terms.push(term.to_owned());
            }
        }
    }
    terms.sort();
    terms.dedup();
    Ok(terms)
}

fn doc_freq(searcher: &tantivy::Searcher, field: Field, term: &str) -> tantivy::Result<u64> {
    searcher.doc_freq(&Term::from_field_text(field, term))
}

/// The measures that contain every content word of `context` (by stem), or
/// `None` when there is no such word.
fn measures_with<'a>(
    searcher: &tantivy::Searcher,
    fields: &Fields,
    context: impl Iterator<Item = &'a super::plan::Slot>,
) -> tantivy::Result<Option<Vec<BitSet>>> {
    let terms: Vec<Box<dyn Query>> = context
        .filter(|slot| !is_stopword(&slot.folded))
        .map(|slot| {
            Box::new(TermQuery::new(
                Term::from_field_text(fields.text_stem, &slot.stem),
                IndexRecordOption::Basic,
            )) as Box<dyn Query>
        })
        .collect();
    if terms.is_empty() {
        return Ok(None);
    }
    let docs = searcher.search(&BooleanQuery::intersection(terms), &DocSetCollector)?;
    let mut sets: Vec<BitSet> = searcher
        .segment_readers()
        .iter()
        .map(|s| BitSet::with_max_value(s.max_doc()))
        .collect();
    for DocAddress {
        segment_ord,
        doc_id,
    } in docs
    {
        sets[segment_ord as usize].insert(doc_id);
    }
    Ok(Some(sets))
}

/// How many of the `allowed` measures contain `term`.
fn count_in(
    searcher: &tantivy::Searcher,
    field: Field,
    term: &str,
    allowed: &[BitSet],
) -> tantivy::Result<u64> {
    let term = Term::from_field_text(field, term);
    let mut count = 0;
    for (segment, allowed) in searcher.segment_readers().iter().zip(allowed) {
        let index = segment.inverted_index(field)?;
        if let Some(mut postings) = index.read_postings(&term, IndexRecordOption::Basic)? {
            let mut doc = postings.doc();
            while doc != TERMINATED {
                if allowed.contains(doc) {
                    count += 1;
                }
                doc = postings.advance();
            }
        }
    }
    Ok(count)
}
