//! Which measures a query matches, as a set, before any is scored.
//!
//! Counting facets needs every match; ranking needs only the best few. So
//! the two are separated: the planner states what matches as an expression
//! over terms ([`Match`]), evaluated per segment into [`DocBits`] by reading
//! posting lists block by block, with no scores, no frequencies and no
//! per-document dispatch through nested scorers. A query matching a tenth
//! of a million measures is a few hundred thousand postings decoded into a
//! 125 KiB bitset.

use tantivy::query::{EnableScoring, Query};
use tantivy::schema::IndexRecordOption;
use tantivy::{COLLECT_BLOCK_BUFFER_LEN, DocSet, SegmentReader, Term};

use super::bits::DocBits;

/// A set of measures, stated in terms of the index.
#[derive(Debug)]
pub enum Match {
    /// Every measure.
    Everything,
    /// Measures with at least one of these terms.
    AnyTerm(Vec<Term>),
    /// Measures a query matches, run without scores: for phrases, which
    /// need positions.
    Query(Box<dyn Query>),
    /// Measures in every one of these sets.
    Every(Vec<Match>),
    /// Measures in any of these sets.
    Any(Vec<Match>),
    /// Measures in the first set and in none of the others.
    Except(Box<Match>, Vec<Match>),
}

impl Clone for Match {
    fn clone(&self) -> Self {
        match self {
            Match::Everything => Match::Everything,
            Match::AnyTerm(terms) => Match::AnyTerm(terms.clone()),
            Match::Query(query) => Match::Query(query.box_clone()),
            Match::Every(sets) => Match::Every(sets.clone()),
            Match::Any(sets) => Match::Any(sets.clone()),
            Match::Except(kept, removed) => Match::Except(kept.clone(), removed.clone()),
        }
    }
}

impl Match {
    /// The set in one segment, deleted measures left out.
    pub fn eval(
        &self,
        searcher: &tantivy::Searcher,
        reader: &SegmentReader,
    ) -> tantivy::Result<DocBits> {
        let mut bits = self.eval_including_deleted(searcher, reader)?;
        if let Some(alive) = reader.alive_bitset() {
            let mut deleted = DocBits::empty(reader.max_doc());
            for doc in 0..reader.max_doc() {
                if alive.is_deleted(doc) {
                    deleted.insert(doc);
                }
            }
            bits.subtract(&deleted);
        }
        Ok(bits)
    }

    fn eval_including_deleted(
        &self,
        searcher: &tantivy::Searcher,
        reader: &SegmentReader,
    ) -> tantivy::Result<DocBits> {
        let max_doc = reader.max_doc();
        Ok(match self {
            Match::Everything => DocBits::full(max_doc),
            Match::AnyTerm(terms) => {
                let mut bits = DocBits::empty(max_doc);
                for term in terms {
                    add_postings(reader, term, &mut bits)?;
                }
                bits
            }
            Match::Query(query) => {
                let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
                let mut scorer = weight.scorer(reader, 1.0)?;
                let mut bits = DocBits::empty(max_doc);
                let mut buffer = [0; COLLECT_BLOCK_BUFFER_LEN];
                loop {
                    let filled = scorer.fill_buffer(&mut buffer);
                    bits.extend(&buffer[..filled]);
                    if filled < buffer.len() {
                        break;
                    }
                }
                bits
            }
            Match::Every(sets) => {
                let mut sets = sets.iter();
                let Some(first) = sets.next() else {
                    return Ok(DocBits::full(max_doc));
                };
                let mut bits = first.eval_including_deleted(searcher, reader)?;
                for set in sets {
                    if bits.is_empty() {
                        break;
                    }
                    bits.intersect_with(&set.eval_including_deleted(searcher, reader)?);
                }
                bits
            }
            Match::Any(sets) => {
                let mut bits = DocBits::empty(max_doc);
                for set in sets {
                    match set {
                        // Straight into the union, without a set of its own.
                        Match::AnyTerm(terms) => {
                            for term in terms {
                                add_postings(reader, term, &mut bits)?;
                            }
                        }
                        _ => bits.union_with(&set.eval_including_deleted(searcher, reader)?),
                    }
                }
                bits
            }
            Match::Except(kept, removed) => {
                let mut bits = kept.eval_including_deleted(searcher, reader)?;
                for set in removed {
                    if bits.is_empty() {
                        break;
                    }
                    bits.subtract(&set.eval_including_deleted(searcher, reader)?);
                }
                bits
            }
        })
    }
}

/// Adds the measures with `term` to `bits`, a decoded block of postings at
/// a time.
fn add_postings(reader: &SegmentReader, term: &Term, bits: &mut DocBits) -> tantivy::Result<()> {
    let index = reader.inverted_index(term.field())?;
    let Some(mut block) = index.read_block_postings(term, IndexRecordOption::Basic)? else {
        return Ok(());
    };
    loop {
        let docs = block.docs();
        if docs.is_empty() {
            return Ok(());
        }
        bits.extend(docs);
        block.advance();
    }
}
