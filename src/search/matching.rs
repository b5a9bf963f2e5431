//! Which measures a query matches, as a set, before any is scored.
//!
//! Counting facets needs every match; ranking needs only the best few. So
//! the two are separated: the planner states what matches as an expression
//! over terms ([`Match`]), evaluated per segment into [`DocBits`] by reading
//! posting lists block by block, with no scores, no frequencies and no
//! per-document dispatch through nested scorers. A query matching a tenth
//! of a million measures is a few hundred thousand postings decoded into a
//! 125 KiB bitset.

use std::sync::Arc;

use tantivy::index::SegmentId;
use tantivy::query::{EnableScoring, PhraseQuery, Query};
use tantivy::schema::IndexRecordOption;
use tantivy::{COLLECT_BLOCK_BUFFER_LEN, DocSet, SegmentReader, Term};

use super::bits::DocBits;
use super::kept::Kept;
use super::rank::{KnownTerm, PerCache, TermCache};

/// One segment of a generation, where a [`Match`] is evaluated, and what
/// the searcher keeps of the generation's terms across searches.
pub struct InSegment<'a> {
    pub searcher: &'a tantivy::Searcher,
    pub reader: &'a SegmentReader,
    pub ordinal: usize,
    /// Where each term's postings are: looked up in the segment's term
    /// dictionary once per generation, not once per search.
    pub terms: &'a TermCache,
    pub dense: &'a DenseSets,
}

/// A set of measures, stated in terms of the index.
#[derive(Debug, Clone)]
pub enum Match {
    /// Every measure.
    Everything,
    /// Measures with at least one of these terms.
    AnyTerm(Terms),
    /// Measures with a phrase.
    Phrase(Phrase),
    /// Measures in every one of these sets.
    Every(Vec<Match>),
    /// Measures in any of these sets.
    Any(Vec<Match>),
    /// Measures in the first set and in none of the others.
    Except(Box<Match>, Vec<Match>),
}

/// Terms in a row: each at its offset from the first, with at most `slop`
/// positions more between them in all.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phrase {
    pub terms: Vec<(usize, Term)>,
    pub slop: u32,
}

impl Phrase {
    /// The measures of `at` with the phrase, deleted ones included, read
    /// from the terms' postings and positions.
    fn read(&self, at: &InSegment) -> tantivy::Result<DocBits> {
        let query = PhraseQuery::new_with_offset_and_slop(self.terms.clone(), self.slop);
        let weight = query.weight(EnableScoring::disabled_from_searcher(at.searcher))?;
        let mut scorer = weight.scorer(at.reader, 1.0)?;
        let mut bits = DocBits::empty(at.reader.max_doc());
        let mut buffer = [0; COLLECT_BLOCK_BUFFER_LEN];
        loop {
            let filled = scorer.fill_buffer(&mut buffer);
            bits.extend(&buffer[..filled]);
            if filled < buffer.len() {
                return Ok(bits);
            }
        }
    }
}

impl Match {
    /// The set in one segment, deleted measures left out.
    pub fn eval(&self, at: &InSegment) -> tantivy::Result<DocBits> {
        without_deleted(self.eval_including_deleted(at)?, at)
    }

    /// The measures in every one of `sets` in one segment, deleted
    /// measures left out: [`Match::Every`] without gathering the sets.
    pub fn eval_every(sets: &[Match], at: &InSegment) -> tantivy::Result<DocBits> {
        without_deleted(every_including_deleted(sets, at)?, at)
    }

    fn eval_including_deleted(&self, at: &InSegment) -> tantivy::Result<DocBits> {
        let max_doc = at.reader.max_doc();
        Ok(match self {
            Match::Everything => DocBits::full(max_doc),
            Match::AnyTerm(terms) => {
                let mut bits = DocBits::empty(max_doc);
                terms.add_postings(at, &mut bits)?;
                bits
            }
            Match::Phrase(phrase) => at.dense.phrase(at, phrase)?,
            Match::Every(sets) => every_including_deleted(sets, at)?,
            Match::Any(sets) => {
                let mut bits = DocBits::empty(max_doc);
                for set in sets {
                    match set {
                        // Straight into the union, without a set of its own.
                        Match::AnyTerm(terms) => terms.add_postings(at, &mut bits)?,
                        _ => bits.union_with(&set.eval_including_deleted(at)?),
                    }
                }
                bits
            }
            Match::Except(kept, removed) => {
                let mut bits = kept.eval_including_deleted(at)?;
                for set in removed {
                    if bits.is_empty() {
                        break;
                    }
                    bits.subtract(&set.eval_including_deleted(at)?);
                }
                bits
            }
        })
    }
}

/// `bits` without the segment's deleted measures.
fn without_deleted(mut bits: DocBits, at: &InSegment) -> tantivy::Result<DocBits> {
    let reader = at.reader;
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

fn every_including_deleted(sets: &[Match], at: &InSegment) -> tantivy::Result<DocBits> {
    let mut sets = sets.iter();
    let Some(first) = sets.next() else {
        return Ok(DocBits::full(at.reader.max_doc()));
    };
    let mut bits = first.eval_including_deleted(at)?;
    for set in sets {
        if bits.is_empty() {
            break;
        }
        bits.intersect_with(&set.eval_including_deleted(at)?);
    }
    Ok(bits)
}

/// The terms of a [`Match::AnyTerm`], and what the term cache knows of
/// them ([`PerCache`]). Shared by its copies: a word's terms are planned
/// once and copied into every plan of a query with the word, and each
/// copy's search finding them in the term cache again was a tenth of
/// matching.
#[derive(Clone, Default)]
pub struct Terms(Arc<KnownTerms>);

#[derive(Default)]
struct KnownTerms {
    terms: Vec<Term>,
    known: PerCache<[Arc<KnownTerm>]>,
}

impl Terms {
    pub fn new(terms: Vec<Term>) -> Self {
        Terms(Arc::new(KnownTerms {
            terms,
            known: PerCache::default(),
        }))
    }

    /// What the cache of `at` knows of each term, in order.
    fn known(&self, at: &InSegment) -> tantivy::Result<Arc<[Arc<KnownTerm>]>> {
        self.0
            .known
            .get_or_try(at.terms, || at.terms.get_all(at.searcher, &self.0.terms))
    }

    /// Adds the measures of `at` with any of the terms to `bits`.
    fn add_postings(&self, at: &InSegment, bits: &mut DocBits) -> tantivy::Result<()> {
        for (term, known) in self.0.terms.iter().zip(self.known(at)?.iter()) {
            at.dense.add_postings(at, term, known, bits)?;
        }
        Ok(())
    }
}

impl std::ops::Deref for Terms {
    type Target = [Term];

    fn deref(&self) -> &[Term] {
        &self.0.terms
    }
}

impl From<Vec<Term>> for Terms {
    fn from(terms: Vec<Term>) -> Self {
        Terms::new(terms)
    }
}

impl std::fmt::Debug for Terms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.terms.fmt(f)
    }
}

/// A term is dense in a segment when at least one measure in this many has
/// it: its set as a bitset is then cheaper to add than its postings to
/// decode (a bitset word adds 64 measures; a posting, one), and takes
/// little more memory than the postings.
const DENSE_ONE_IN: u32 = 64;

/// Shorter postings are decoded every time: they cost little, and a set
/// would cost a lookup shared by every search thread.
const DENSE_FROM_DOCS: u32 = 4_096;

/// How much memory the sets of dense terms may take, in bytes.
const DENSE_BUDGET_BYTES: usize = 64 << 20;

/// The sets of measures with a dense term, per segment, decoded once and
/// kept, least recently used first out.
///
/// A common word's postings are read whenever a query has the word, and
/// decoding them was most of the work of matching a search of a large
/// collection (a third of a search): "bydlení" alone is tens of thousands
/// of postings at a million measures. Lucene's query cache keeps the sets
/// of frequent clauses for the same reason. A generation never changes, so
/// a kept set stays right; a rebuild's searcher starts with none.
///
/// Phrases are kept too, in segments of every size: reading their terms'
/// positions makes them the costliest sets to find (a thousand-odd
/// instructions even in a segment of a hundred measures, where a lookup
/// is a tenth of that), and a synonym's phrases ("sociálně vyloučená
/// lokalita" for "SVL") come back with every query that has one of its
/// forms.
pub struct DenseSets {
    kept: Kept<(SegmentId, Clause), DocBits>,
    from_docs: u32,
}

/// What a kept set is the set of.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Clause {
    Term(Term),
    Phrase(Phrase),
}

impl Default for DenseSets {
    fn default() -> Self {
        DenseSets::new(DENSE_BUDGET_BYTES, DENSE_FROM_DOCS)
    }
}

impl DenseSets {
    /// Sets kept in at most `budget_bytes` of memory, of terms in at least
    /// `from_docs` measures of a segment (and one in [`DENSE_ONE_IN`]).
    pub fn new(budget_bytes: usize, from_docs: u32) -> Self {
        DenseSets {
            kept: Kept::new(budget_bytes),
            from_docs,
        }
    }

    /// Adds the measures with `term` to `bits`: a kept set, or the term's
    /// postings decoded a block at a time (and kept when dense).
    fn add_postings(
        &self,
        at: &InSegment,
        term: &Term,
        known: &KnownTerm,
        bits: &mut DocBits,
    ) -> tantivy::Result<()> {
        let Some(doc_freq) = known.doc_freq_in(at.ordinal) else {
            return Ok(());
        };
        if let Some(docs) = known.short_docs(at.ordinal) {
            bits.extend(docs);
            return Ok(());
        }
        let reader = at.reader;
        let dense =
            doc_freq >= self.from_docs && doc_freq.saturating_mul(DENSE_ONE_IN) >= reader.max_doc();
        let key = dense.then(|| (reader.segment_id(), Clause::Term(term.clone())));
        if let Some(set) = key.as_ref().and_then(|key| self.kept.get(key)) {
            bits.union_with(&set);
            return Ok(());
        }
        let Some(mut block) = known.open_postings(at.ordinal, IndexRecordOption::Basic)? else {
            return Ok(());
        };
        let Some(key) = key else {
            add_blocks(&mut block, bits);
            return Ok(());
        };
        let mut set = DocBits::empty(reader.max_doc());
        add_blocks(&mut block, &mut set);
        bits.union_with(&set);
        self.kept.put(key, set);
        Ok(())
    }

    /// The measures of `at` with `phrase`, deleted ones included: a kept
    /// set, or the phrase read (and kept).
    fn phrase(&self, at: &InSegment, phrase: &Phrase) -> tantivy::Result<DocBits> {
        let key = (at.reader.segment_id(), Clause::Phrase(phrase.clone()));
        if let Some(set) = self.kept.get(&key) {
            return Ok((*set).clone());
        }
        let set = phrase.read(at)?;
        self.kept.put(key, set.clone());
        Ok(set)
    }

    /// How many sets are kept, and their size in bytes.
    pub fn kept(&self) -> (usize, usize) {
        self.kept.size()
    }
}

/// Adds every remaining block of `block`'s postings to `bits`.
fn add_blocks(block: &mut tantivy::postings::BlockSegmentPostings, bits: &mut DocBits) {
    loop {
        let docs = block.docs();
        if docs.is_empty() {
            return;
        }
        bits.extend(docs);
        block.advance();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every term of the bundled collection's stem and root fields, alone
    /// and in unions, gives the same set whether its postings are decoded
    /// on each use, kept decoded with the term, or kept as a set (and then
    /// reused).
    #[test]
    fn kept_sets_equal_decoded_postings() {
        let (_dir, generation) = crate::index::bundled_for_tests();
        let searcher = generation.index.reader().unwrap().searcher();
        let reader = searcher.segment_reader(0);
        let mut terms = Vec::new();
        for field in [generation.fields.text_stem, generation.fields.text_root] {
            let index = reader.inverted_index(field).unwrap();
            let mut stream = index.terms().stream().unwrap();
            while stream.advance() {
                terms.push(Term::from_field_bytes(field, stream.key()));
            }
        }
        assert!(terms.len() > 500, "{} terms", terms.len());
        let decoded = DenseSets::new(0, u32::MAX);
        let kept = DenseSets::new(usize::MAX, 1);
        let (opened, short) = (
            TermCache::keeping_decoded_up_to(0),
            TermCache::keeping_decoded_up_to(u32::MAX),
        );
        let at = |terms, dense| InSegment {
            searcher: &searcher,
            reader,
            ordinal: 0,
            terms,
            dense,
        };
        let sets = || {
            terms
                .chunks(3)
                .map(|chunk| {
                    let set = Match::AnyTerm(chunk.to_vec().into());
                    [
                        set.eval(&at(&opened, &decoded)).unwrap(),
                        set.eval(&at(&opened, &kept)).unwrap(),
                        set.eval(&at(&short, &decoded)).unwrap(),
                    ]
                    .map(|bits| bits.iter().collect::<Vec<_>>())
                })
                .collect::<Vec<_>>()
        };
        for [decoded, kept, short] in sets().into_iter().chain(sets()) {
            assert!(!decoded.is_empty());
            assert_eq!(decoded, kept);
            assert_eq!(decoded, short);
        }
        assert_eq!(decoded.kept().0, 0);
        assert!(kept.kept().0 > 100, "{} sets kept", kept.kept().0);
    }

    /// Phrases of two and three successive words of the bundled measures,
    /// exact and with a word of slop, give the same set whether read from
    /// the positions each time or kept (and then reused); a measure's own
    /// phrase matches it. The searcher's own sets keep them, though the
    /// bundled collection's one segment is far too small for any term's
    /// set to be kept.
    #[test]
    fn kept_phrase_sets_equal_read_ones() {
        let (_dir, generation) = crate::index::bundled_for_tests();
        let searcher = generation.index.reader().unwrap().searcher();
        let field = generation.fields.text_stem;
        let mut analyzer = generation.index.tokenizer_for_field(field).unwrap();
        let mut phrases = Vec::new();
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let corpus = crate::ingest::import(&data).unwrap();
        for measure in corpus.measures.iter().step_by(3) {
            let mut tokens = Vec::new();
            analyzer.token_stream(&measure.text).process(&mut |token| {
                tokens.push((token.position, Term::from_field_text(field, &token.text)));
            });
            for words in tokens.windows(3).step_by(2) {
                let (first, _) = words[0];
                for (length, slop) in [(2, 0), (3, 0), (3, 1)] {
                    let terms = words[..length]
                        .iter()
                        .map(|(position, term)| (position - first, term.clone()))
                        .collect();
                    phrases.push(Phrase { terms, slop });
                }
            }
        }
        assert!(phrases.len() > 300, "{} phrases", phrases.len());
        let (read, kept) = (DenseSets::new(0, u32::MAX), DenseSets::default());
        let terms = TermCache::default();
        let at = |dense| InSegment {
            searcher: &searcher,
            reader: searcher.segment_reader(0),
            ordinal: 0,
            terms: &terms,
            dense,
        };
        for round in 0..2 {
            for phrase in &phrases {
                let set = |dense| {
                    let bits = Match::Phrase(phrase.clone()).eval(&at(dense)).unwrap();
                    bits.iter().collect::<Vec<_>>()
                };
                let once = set(&read);
                assert!(!once.is_empty(), "{phrase:?} matches its own measure");
                assert_eq!(once, set(&kept), "{phrase:?}, round {round}");
            }
        }
        assert_eq!(read.kept().0, 0);
        assert!(kept.kept().0 > 300, "{} sets kept", kept.kept().0);
    }
}
