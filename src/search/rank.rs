//! Ranking a segment's hits by the sum of their weighted term scores.
//!
//! A query word is scored through seven posting lists or more (its exact,
//! folded, stemmed and root forms, places, key phrases, corrections) and
//! each pair of words through a list of stem pairs. The word lists are
//! long and hold nearly the same measures; the pair lists are short and
//! worth the most. tantivy's block-max WAND re-sorts every list at every
//! step, so it walks all of a common word's postings, several times over.
//!
//! The walk here is MaxScore (Turtle and Flood, 1995): terms are ordered by
//! the most they can add to a score, and those whose maxima together
//! cannot lift a measure above the bar are *non-essential*. Only a measure
//! with an essential term is a candidate; its non-essential terms are read
//! (a seek into their postings) only while they could still lift it over
//! the bar. Once the best hits are held, the essential terms are usually
//! the few pair terms, and the long lists are only probed. Candidates are
//! also only hits: the walk jumps over measures the filters removed, which
//! matters most in the pass over measures with every word.
//!
//! Whatever way a measure is found, its score is summed term by term in the
//! plan's order, so the pruned walk and scoring every hit agree to the last
//! bit, and ties fall to the listing order, not to rounding.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use tantivy::InvertedIndexReader;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::SegmentId;
use tantivy::postings::BlockSegmentPostings;
use tantivy::postings::TermInfo;
use tantivy::query::{Bm25StatisticsProvider, Bm25Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Score, SegmentReader, TERMINATED, Term};

use super::bits::DocBits;
use super::kept::Recent;

/// What a generation's terms are known to score, kept across searches: a
/// fresh query mostly repeats words other queries had, and looking a term
/// up in every segment's dictionary and computing its BM25 tables was most
/// of ranking a small collection. Nothing here changes during a
/// generation's life.
pub struct TermCache {
    known: Recent<Term, Arc<KnownTerm>>,
    /// Postings of at most this many measures in a segment are kept
    /// decoded ([`Short`]).
    short_up_to: u32,
    norms: SharedNorms,
    /// Tells this cache from any other, so that what a kept plan learnt
    /// from one is not used with another.
    id: u64,
}

/// The next [`TermCache::id`].
static NEXT_CACHE_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Terms kept at most (a few KiB each).
const TERMS_KEPT: usize = 16_384;

impl Default for TermCache {
    fn default() -> Self {
        TermCache::keeping_decoded_up_to(SHORT_UP_TO)
    }
}

impl TermCache {
    /// A cache that keeps decoded the postings of at most `short_up_to`
    /// measures in a segment: tests compare 0 (none) with the default.
    pub fn keeping_decoded_up_to(short_up_to: u32) -> Self {
        TermCache {
            known: Recent::new(TERMS_KEPT),
            short_up_to,
            norms: SharedNorms::default(),
            id: NEXT_CACHE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    pub fn get(
        &self,
        searcher: &tantivy::Searcher,
        term: &Term,
    ) -> tantivy::Result<Arc<KnownTerm>> {
        match self.known.get(term) {
            Some(known) => Ok(known),
            None => self.look_up(searcher, term),
        }
    }

    /// What is known of each of `terms`, in order. The kept ones are found
    /// under one lock: a query's twenty-odd terms each taking the lock
    /// that the other searches take too was most of finding them.
    pub fn get_all<'t, T>(
        &self,
        searcher: &tantivy::Searcher,
        terms: impl IntoIterator<Item = &'t Term> + Clone,
    ) -> tantivy::Result<T>
    where
        T: FromIterator<Arc<KnownTerm>>,
    {
        let kept = self.known.get_each(terms.clone());
        terms
            .into_iter()
            .zip(kept)
            .map(|(term, kept)| match kept {
                Some(known) => Ok(known),
                None => self.look_up(searcher, term),
            })
            .collect()
    }

    fn look_up(
        &self,
        searcher: &tantivy::Searcher,
        term: &Term,
    ) -> tantivy::Result<Arc<KnownTerm>> {
        let known = Arc::new(KnownTerm::look_up(
            searcher,
            term,
            self.short_up_to,
            &self.norms,
        )?);
        self.known.put(term.clone(), known.clone());
        Ok(known)
    }
}

/// Each field's lengths (fieldnorms) per segment, one reader for the
/// fields whose lengths are the same for every measure there.
///
/// The exact, folded, stemmed and root forms of a text are as many words,
/// so the four fields' lengths are four equal columns, and scoring a
/// measure read its length from each: at a million measures, a likely
/// cache miss apiece. Read from one column, they are one (queries of
/// several words at a million measures about 2% faster, paired runs).
/// Columns are compared, not assumed equal: a chain that dropped a word in
/// one form would make them differ, and each keeps its own.
#[derive(Default)]
struct SharedNorms {
    by_segment: Mutex<HashMap<SegmentId, SegmentNorms>>,
}

/// One segment's distinct length columns, and which one each field asked
/// for so far reads.
#[derive(Default)]
struct SegmentNorms {
    columns: Vec<FieldNormReader>,
    of_field: Vec<(Field, usize)>,
}

impl SharedNorms {
    fn of(&self, reader: &SegmentReader, field: Field) -> tantivy::Result<FieldNormReader> {
        let mut by_segment = self.by_segment.lock().unwrap_or_else(|e| e.into_inner());
        let segment = by_segment.entry(reader.segment_id()).or_default();
        let column = match segment.of_field.iter().find(|(f, _)| *f == field) {
            Some(&(_, column)) => column,
            None => {
                let own = reader.get_fieldnorms_reader(field)?;
                let docs = reader.max_doc();
                let same = |other: &FieldNormReader| {
                    (0..docs).all(|doc| other.fieldnorm_id(doc) == own.fieldnorm_id(doc))
                };
                let column = match segment.columns.iter().position(same) {
                    Some(column) => column,
                    None => {
                        segment.columns.push(own);
                        segment.columns.len() - 1
                    }
                };
                segment.of_field.push((field, column));
                column
            }
        };
        Ok(segment.columns[column].clone())
    }
}

/// What a kept plan worked out from a term cache, kept for the next search
/// against the same cache. A plan is kept while it is asked for, and
/// looking its twenty-odd terms up in the shared cache at every search
/// cost more than ranking a small collection's hits; a plan run against
/// another cache (another generation) works it out there anew.
pub struct PerCache<T: ?Sized>(OnceLock<(u64, Arc<T>)>);

impl<T: ?Sized> Default for PerCache<T> {
    fn default() -> Self {
        PerCache(OnceLock::new())
    }
}

impl<T: ?Sized> Clone for PerCache<T> {
    fn clone(&self) -> Self {
        PerCache(self.0.clone())
    }
}

impl<T: ?Sized> PerCache<T> {
    /// The value kept for `cache`, or `work`'s, kept if nothing is yet.
    pub fn get_or_try(
        &self,
        cache: &TermCache,
        work: impl FnOnce() -> tantivy::Result<Arc<T>>,
    ) -> tantivy::Result<Arc<T>> {
        if let Some((id, value)) = self.0.get()
            && *id == cache.id
        {
            return Ok(value.clone());
        }
        let value = work()?;
        let _ = self.0.set((cache.id, value.clone()));
        Ok(value)
    }
}

/// A ranking term of a plan, with what the term cache it was first ranked
/// against knows of it. Plans share the terms of the words they have in
/// common ([`crate::search::plan::FreeWords`]), so a word's terms are
/// found in the shared cache once, not once for every new query with the
/// word: finding them (a hash and a comparison each, under the cache's
/// lock) was a twentieth of searching a new query on a small collection.
pub struct PlannedTerm {
    term: Term,
    /// The term's hash, by which plans tell their terms apart before
    /// comparing them.
    hash: u64,
    /// The id of the cache and a weak reference to its entry: the words
    /// kept planned must not keep alive what the term cache let go (a
    /// couple of kilobytes a term). Once that is gone, the term is found
    /// in the cache again, as any term is.
    known: OnceLock<(u64, Weak<KnownTerm>)>,
}

impl PlannedTerm {
    pub fn new(term: Term) -> Self {
        PlannedTerm {
            hash: std::hash::BuildHasher::hash_one(&foldhash::fast::FixedState::default(), &term),
            term,
            known: OnceLock::new(),
        }
    }

    pub fn term(&self) -> &Term {
        &self.term
    }

    /// A hash of the term: equal terms have equal ones.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// What `cache` knows of the term, if it was found there before and
    /// the cache still keeps it.
    fn known(&self, cache: &TermCache) -> Option<Arc<KnownTerm>> {
        let (id, known) = self.known.get()?;
        (*id == cache.id).then(|| known.upgrade())?
    }

    fn keep(&self, cache: &TermCache, known: &Arc<KnownTerm>) {
        let _ = self.known.set((cache.id, Arc::downgrade(known)));
    }
}

impl PartialEq for PlannedTerm {
    fn eq(&self, other: &Self) -> bool {
        self.term == other.term
    }
}

impl Eq for PlannedTerm {}

impl std::fmt::Debug for PlannedTerm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.term.fmt(f)
    }
}

/// One term of a generation: where its postings are, how it scores.
pub struct KnownTerm {
    /// The term itself, so that what holds the entry need not copy it.
    term: Term,
    /// Per segment ordinal: its postings there, if it has any.
    segments: Vec<Option<Posted>>,
    /// In how many measures of the generation the term is, deleted ones
    /// included (as tantivy counts).
    doc_freq: u64,
    /// BM25 over the whole collection, as tantivy's term queries compute it.
    bm25: Bm25Weight,
    /// The score in a measure that has the term once, by the measure's
    /// fieldnorm id: most postings, and a lookup instead of a division.
    once: [Score; 256],
    /// Per segment ordinal: how near the term's best posting comes to
    /// BM25's theoretical maximum, measured the first time it is needed.
    reach: Vec<OnceLock<Score>>,
}

/// A term's postings in one segment, with the readers of its field there:
/// finding a field's readers in a segment costs as much as opening a
/// short posting list, and a search did it for every field of its terms.
struct Posted {
    info: TermInfo,
    index: Arc<InvertedIndexReader>,
    /// `None` where the field keeps no lengths (it is never ranked).
    fieldnorms: Option<FieldNormReader>,
    /// The postings decoded, where they are short.
    short: Option<Short>,
}

impl Posted {
    /// The term's postings in `reader`, if it has any there.
    fn look_up(
        reader: &SegmentReader,
        term: &Term,
        short_up_to: u32,
        norms: &SharedNorms,
    ) -> tantivy::Result<Option<Self>> {
        let field = term.field();
        let index = reader.inverted_index(field)?;
        let Some(info) = index.get_term_info(term)? else {
            return Ok(None);
        };
        let short = if info.doc_freq <= short_up_to {
            Some(Short::decode(index.read_block_postings_from_terminfo(
                &info,
                IndexRecordOption::WithFreqs,
            )?))
        } else {
            None
        };
        let fieldnorms = if reader.schema().get_field_entry(field).has_fieldnorms() {
            Some(norms.of(reader, field)?)
        } else {
            None
        };
        Ok(Some(Posted {
            info,
            index,
            fieldnorms,
            short,
        }))
    }

    /// The postings for ranking: the decoded ones if short, else opened.
    fn postings(&self) -> std::io::Result<Postings<'_>> {
        match &self.short {
            Some(short) => Ok(Postings::Short(short)),
            None => Ok(Postings::Blocks(Box::new(
                self.open(IndexRecordOption::WithFreqs)?,
            ))),
        }
    }

    /// The postings opened from the index, read with `option`.
    fn open(&self, option: IndexRecordOption) -> std::io::Result<BlockSegmentPostings> {
        self.index
            .read_block_postings_from_terminfo(&self.info, option)
    }
}

/// A term's postings in a segment where few measures have it, decoded
/// when the term is first looked up. Opening a posting list fills a
/// kilobyte of decoding buffers, which costs more than a few postings do
/// to read; on a small collection every list is short, and opening
/// twenty-odd of them was a sixth of a fresh search.
struct Short {
    docs: Box<[DocId]>,
    /// Empty where the field keeps no frequencies.
    freqs: Box<[u32]>,
}

/// Postings of at most this many measures in a segment are kept decoded:
/// at most a kilobyte a term and segment.
const SHORT_UP_TO: u32 = 128;

impl Short {
    fn decode(mut postings: BlockSegmentPostings) -> Self {
        let (mut docs, mut freqs) = (Vec::new(), Vec::new());
        while !postings.docs().is_empty() {
            docs.extend_from_slice(postings.docs());
            freqs.extend_from_slice(postings.freqs());
            postings.advance();
        }
        Short {
            docs: docs.into(),
            freqs: freqs.into(),
        }
    }
}

impl KnownTerm {
    fn look_up(
        searcher: &tantivy::Searcher,
        term: &Term,
        short_up_to: u32,
        norms: &SharedNorms,
    ) -> tantivy::Result<Self> {
        let readers = searcher.segment_readers();
        let field = term.field();
        let segments = readers
            .iter()
            .map(|reader| Posted::look_up(reader, term, short_up_to, norms))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let documents: u64 = readers.iter().map(|r| u64::from(r.max_doc())).sum();
        let tokens = searcher.total_num_tokens(field)?;
        let average = tokens as Score / documents.max(1) as Score;
        let doc_freq: u64 = segments
            .iter()
            .flatten()
            .map(|p| u64::from(p.info.doc_freq))
            .sum();
        let bm25 = Bm25Weight::for_one_term(doc_freq, documents, average);
        Ok(KnownTerm {
            term: term.clone(),
            once: std::array::from_fn(|id| bm25.score(id as u8, 1)),
            bm25,
            reach: readers.iter().map(|_| OnceLock::new()).collect(),
            segments,
            doc_freq,
        })
    }

    /// How near the term's best posting in the segment with `ordinal`
    /// comes to BM25's bound, measured on first use.
    fn reach<'a>(
        &'a self,
        ordinal: usize,
        postings: impl FnOnce() -> std::io::Result<Postings<'a>>,
        fieldnorms: &FieldNormReader,
    ) -> std::io::Result<Score> {
        let reach = &self.reach[ordinal];
        if let Some(reach) = reach.get() {
            return Ok(*reach);
        }
        let best = best_score(postings()?, fieldnorms, self);
        Ok(*reach.get_or_init(|| (best / self.bm25.max_score()).min(1.0)))
    }

    /// In how many measures of the generation the term is, deleted ones
    /// included.
    pub fn doc_freq(&self) -> u64 {
        self.doc_freq
    }

    fn posted(&self, ordinal: usize) -> Option<&Posted> {
        self.segments.get(ordinal)?.as_ref()
    }

    /// In how many measures of the segment with `ordinal` the term is
    /// (deleted ones included); `None` if in none.
    pub fn doc_freq_in(&self, ordinal: usize) -> Option<u32> {
        Some(self.posted(ordinal)?.info.doc_freq)
    }

    /// The measures of the segment with `ordinal` that have the term, if
    /// its postings there are short (kept decoded).
    pub fn short_docs(&self, ordinal: usize) -> Option<&[DocId]> {
        Some(&self.posted(ordinal)?.short.as_ref()?.docs)
    }

    /// The term's postings in the segment with `ordinal`, opened with
    /// `option`, if it has any there.
    pub fn open_postings(
        &self,
        ordinal: usize,
        option: IndexRecordOption,
    ) -> std::io::Result<Option<BlockSegmentPostings>> {
        self.posted(ordinal).map(|p| p.open(option)).transpose()
    }

    /// The term's score in a measure with `fieldnorm` that has it `freq`
    /// times, before the plan's weight.
    #[inline]
    fn score(&self, fieldnorm: u8, freq: u32) -> Score {
        match freq {
            1 => self.once[usize::from(fieldnorm)],
            freq => self.bm25.score(fieldnorm, freq),
        }
    }
}

/// A plan's ranking as a generation knows it: its terms, and per unit of
/// its all-words bonus, the positions among them of the terms a measure
/// without the unit cannot have.
pub struct KnownRanking {
    pub terms: ScoredTerms,
    pub lacking: Vec<Vec<usize>>,
}

impl KnownRanking {
    pub fn new(
        searcher: &tantivy::Searcher,
        cache: &TermCache,
        terms: &[(Arc<PlannedTerm>, f32)],
        lacking: &[Vec<Arc<PlannedTerm>>],
    ) -> tantivy::Result<Self> {
        let terms = ScoredTerms::planned(searcher, cache, terms)?;
        Ok(KnownRanking {
            lacking: lacking
                .iter()
                .map(|l| terms.positions(l.iter().map(|planned| planned.term())))
                .collect(),
            terms,
        })
    }
}

/// A query's ranking terms, each with its weight in the plan and what the
/// generation knows of it.
pub struct ScoredTerms {
    terms: Vec<(Score, Arc<KnownTerm>)>,
}

impl ScoredTerms {
    pub fn new(
        searcher: &tantivy::Searcher,
        cache: &TermCache,
        terms: &[(Term, f32)],
    ) -> tantivy::Result<Self> {
        let known: Vec<Arc<KnownTerm>> =
            cache.get_all(searcher, terms.iter().map(|(term, _)| term))?;
        let terms = terms
            .iter()
            .zip(known)
            .map(|((_, weight), known)| (*weight, known))
            .collect();
        Ok(ScoredTerms { terms })
    }

    /// [`ScoredTerms::new`] of a plan's terms: those `cache` was asked for
    /// before as a plan's are known already, the others are found under
    /// one lock and kept with the term.
    pub fn planned(
        searcher: &tantivy::Searcher,
        cache: &TermCache,
        terms: &[(Arc<PlannedTerm>, f32)],
    ) -> tantivy::Result<Self> {
        let kept: Vec<Option<Arc<KnownTerm>>> = terms
            .iter()
            .map(|(planned, _)| planned.known(cache))
            .collect();
        let missing = terms
            .iter()
            .zip(&kept)
            .filter(|(_, kept)| kept.is_none())
            .map(|((planned, _), _)| planned.term());
        let mut found = cache.get_all::<Vec<_>>(searcher, missing)?.into_iter();
        let mut scored = Vec::with_capacity(terms.len());
        for ((planned, weight), kept) in terms.iter().zip(kept) {
            let known = match kept {
                Some(known) => known,
                None => {
                    let known = found.next().ok_or_else(|| {
                        tantivy::TantivyError::InternalError(format!(
                            "the term cache found nothing for {:?}",
                            planned.term
                        ))
                    })?;
                    planned.keep(cache, &known);
                    known
                }
            };
            scored.push((*weight, known));
        }
        Ok(ScoredTerms { terms: scored })
    }

    /// The ranking terms with their weights in the plan, in plan order.
    pub fn weighted(&self) -> impl Iterator<Item = (&Term, Score)> {
        self.terms
            .iter()
            .map(|(weight, known)| (&known.term, *weight))
    }

    /// Where each of `terms` is among the ranking terms (terms that are not
    /// are left out).
    pub fn positions<'t>(&self, terms: impl IntoIterator<Item = &'t Term>) -> Vec<usize> {
        let mut positions: Vec<usize> = terms
            .into_iter()
            .filter_map(|term| self.terms.iter().position(|(_, known)| known.term == *term))
            .collect();
        positions.sort_unstable();
        positions.dedup();
        positions
    }

    /// Cursors over the postings of the terms the segment with `ordinal`
    /// has, in plan order.
    pub fn cursors(&self, ordinal: usize) -> tantivy::Result<Cursors<'_>> {
        let mut cursors = Vec::with_capacity(self.terms.len());
        for (position, (weight, known)) in self.terms.iter().enumerate() {
            let Some(posted) = known.posted(ordinal) else {
                continue;
            };
            let fieldnorms = posted.fieldnorms.as_ref().ok_or_else(|| {
                tantivy::TantivyError::SchemaError(format!(
                    "{:?} is ranked, but its field keeps no lengths",
                    known.term
                ))
            })?;
            let reach = if posted.info.doc_freq <= MEASURED_UP_TO {
                known.reach(ordinal, || posted.postings(), fieldnorms)?
            } else {
                1.0
            };
            cursors.push(Cursor {
                postings: posted.postings()?,
                at: 0,
                fieldnorms,
                known,
                weight: *weight,
                max: weight * known.bm25.max_score() * reach * (1.0 + MAX_MARGIN),
                position,
            });
        }
        Ok(Cursors(cursors))
    }
}

/// Terms in at most this many measures of a segment have their maximum
/// measured. A longer list costs more to read than it can save: its term
/// is common, so its maximum is small anyway.
const MEASURED_UP_TO: u32 = 1 << 16;

/// Raised by this share, a term's measured maximum stays a bound whatever
/// order its score is summed in.
const MAX_MARGIN: Score = 1e-4;

/// The best score among `postings`, before the plan's weight. BM25's
/// theoretical maximum (a term frequency without limit in the shortest
/// measure) is twice what measures of a sentence or two ever score, and
/// MaxScore prunes by maxima: the closer they are, the fewer terms are
/// essential.
fn best_score(mut postings: Postings, fieldnorms: &FieldNormReader, known: &KnownTerm) -> Score {
    let mut best: Score = 0.0;
    while !postings.docs().is_empty() {
        for (&doc, &freq) in postings.docs().iter().zip(postings.freqs()) {
            best = best.max(known.score(fieldnorms.fieldnorm_id(doc), freq));
        }
        if !postings.next_block() {
            break;
        }
    }
    best
}

/// A term's postings in a segment, a block at a time: a short list is one
/// block, already decoded. Block postings are a kilobyte of decoding
/// buffers, boxed: a cursor is moved into place, and a short list's would
/// copy the kilobyte too.
enum Postings<'a> {
    Blocks(Box<BlockSegmentPostings>),
    Short(&'a Short),
}

impl Postings<'_> {
    /// The current block's measures.
    #[inline]
    fn docs(&self) -> &[DocId] {
        match self {
            Postings::Blocks(blocks) => blocks.docs(),
            Postings::Short(short) => &short.docs,
        }
    }

    /// The current block's frequencies.
    #[inline]
    fn freqs(&self) -> &[u32] {
        match self {
            Postings::Blocks(blocks) => blocks.freqs(),
            Postings::Short(short) => &short.freqs,
        }
    }

    /// Moves to the next block; false when there is none to move to.
    fn next_block(&mut self) -> bool {
        match self {
            Postings::Blocks(blocks) => {
                blocks.advance();
                true
            }
            Postings::Short(_) => false,
        }
    }

    /// Moves to the block that may hold `target`, which is past the
    /// current block's last measure, and returns the place in it of the
    /// first measure at or after `target` (past the end if none).
    fn seek_block(&mut self, target: DocId) -> usize {
        match self {
            Postings::Blocks(blocks) => blocks.seek(target),
            Postings::Short(short) => short.docs.len(),
        }
    }
}

/// One term's postings, read forward, with its scoring.
struct Cursor<'a> {
    postings: Postings<'a>,
    /// The current posting's place in the decoded block.
    at: usize,
    fieldnorms: &'a FieldNormReader,
    known: &'a KnownTerm,
    /// The term's weight in the plan.
    weight: Score,
    /// The most the term can add to a score.
    max: Score,
    /// The term's place among the ranking terms.
    position: usize,
}

impl Cursor<'_> {
    #[inline]
    fn doc(&self) -> DocId {
        self.postings
            .docs()
            .get(self.at)
            .copied()
            .unwrap_or(TERMINATED)
    }

    /// Moves to the first posting at or after `target`.
    #[inline]
    fn seek(&mut self, target: DocId) {
        let docs = self.postings.docs();
        match docs.last() {
            Some(&last) if last >= target => {
                // Walking, a cursor is mostly on the target or a step or
                // two short of it: look there before searching the block.
                let ahead = &docs[self.at..];
                match ahead.iter().take(4).position(|&d| d >= target) {
                    Some(steps) => self.at += steps,
                    None => self.at += ahead.partition_point(|&d| d < target),
                }
            }
            Some(_) => self.at = self.postings.seek_block(target),
            None => {}
        }
    }

    #[inline]
    fn advance(&mut self) {
        self.at += 1;
        if self.at >= self.postings.docs().len()
            && !self.postings.docs().is_empty()
            && self.postings.next_block()
        {
            self.at = 0;
        }
    }

    /// The score of the current posting.
    #[inline]
    fn score(&self) -> Score {
        let fieldnorm = self.fieldnorms.fieldnorm_id(self.doc());
        self.weight * self.known.score(fieldnorm, self.postings.freqs()[self.at])
    }
}

/// The cursors of one segment's terms, in plan order.
pub struct Cursors<'a>(Vec<Cursor<'a>>);

/// The score of `doc`, to which every cursor has been moved (or past):
/// the sum of its terms' scores in plan order.
fn score_at(cursors: &[Cursor], doc: DocId) -> Score {
    cursors
        .iter()
        .filter(|c| c.doc() == doc)
        .map(Cursor::score)
        .sum()
}

impl Cursors<'_> {
    /// The most a measure of the segment can score that lacks at least
    /// one unit, where `lacking[u]` are the positions of the terms a
    /// measure without unit `u` cannot have: every term's maximum but
    /// those of the unit that takes away least.
    pub fn most_lacking_one(&self, lacking: &[Vec<usize>]) -> Score {
        let all: Score = self.0.iter().map(|c| c.max).sum();
        let taken = |positions: &Vec<usize>| -> Score {
            self.0
                .iter()
                .filter(|c| positions.contains(&c.position))
                .map(|c| c.max)
                .sum()
        };
        let least = lacking
            .iter()
            .map(taken)
            .min_by(Score::total_cmp)
            .unwrap_or(0.0);
        all - least
    }

    /// Offers every measure of `docs` with its score.
    ///
    /// Term by term: each cursor leapfrogs with the measures, so a term in
    /// few of them (a pair, a place, a correction) is read only where it
    /// is, instead of every cursor being asked about every measure. Each
    /// measure's score is still summed in plan order, from the same zero
    /// as [`score_at`], so it is the same to the last bit.
    pub fn score_each(&mut self, docs: &DocBits, mut offer: impl FnMut(DocId, Score)) {
        let docs: Vec<DocId> = docs.iter().collect();
        let zero: Score = std::iter::empty::<Score>().sum();
        let mut scores = vec![zero; docs.len()];
        for cursor in &mut self.0 {
            let mut i = 0;
            while let Some(&doc) = docs.get(i) {
                cursor.seek(doc);
                match cursor.doc() {
                    TERMINATED => break,
                    at if at == doc => {
                        scores[i] += cursor.score();
                        i += 1;
                    }
                    at => i += docs[i..].partition_point(|&d| d < at),
                }
            }
        }
        for (doc, score) in docs.into_iter().zip(scores) {
            offer(doc, score);
        }
    }

    /// Offers the measures of `docs` whose score is above `bar`, skipping
    /// those that provably cannot be (MaxScore). `offer` returns the bar
    /// from then on, which only rises.
    pub fn walk(
        &mut self,
        docs: &DocBits,
        mut bar: Score,
        mut offer: impl FnMut(DocId, Score) -> Score,
    ) {
        let cursors = &mut self.0;
        // Terms by their maxima, least first, and the running sums of them.
        let mut by_max: Vec<usize> = (0..cursors.len()).collect();
        by_max.sort_by(|&a, &b| cursors[a].max.total_cmp(&cursors[b].max));
        let reach: Vec<Score> = by_max
            .iter()
            .scan(0.0, |sum, &c| {
                *sum += cursors[c].max;
                Some(*sum)
            })
            .collect();
        let essential_from = |bar: Score| reach.partition_point(|&r| r <= bar);

        let mut first_essential = essential_from(bar);
        while first_essential < by_max.len() {
            let essential = &by_max[first_essential..];
            let candidate = essential
                .iter()
                .map(|&c| cursors[c].doc())
                .min()
                .unwrap_or(TERMINATED);
            if candidate == TERMINATED {
                break;
            }
            let Some(hit) = docs.next_from(candidate) else {
                break;
            };
            if hit != candidate {
                for &c in essential {
                    cursors[c].seek(hit);
                }
                continue;
            }
            // While every term is essential, the score summed in plan
            // order is the whole score: summed once, not twice.
            let whole = first_essential == 0;
            let mut score: Score = if whole {
                score_at(cursors, candidate)
            } else {
                essential
                    .iter()
                    .map(|&c| &cursors[c])
                    .filter(|c| c.doc() == candidate)
                    .map(Cursor::score)
                    .sum()
            };
            let mut complete = true;
            for k in (0..first_essential).rev() {
                if score + reach[k] <= bar {
                    complete = false;
                    break;
                }
                let cursor = &mut cursors[by_max[k]];
                cursor.seek(candidate);
                if cursor.doc() == candidate {
                    score += cursor.score();
                }
            }
            if complete && score > bar {
                let score = if whole {
                    score
                } else {
                    score_at(cursors, candidate)
                };
                bar = offer(candidate, score);
                first_essential = essential_from(bar);
            }
            for &c in &by_max[first_essential.min(by_max.len())..] {
                if cursors[c].doc() == candidate {
                    cursors[c].advance();
                }
            }
            // Terms that just became non-essential may still stand on the
            // candidate; the next seek moves them on.
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field reads the lengths it has itself, and the four forms of
    /// the text (as many words each) read one column between them.
    #[test]
    fn fields_of_equal_lengths_share_one_column() {
        let (_dir, generation) = crate::index::bundled_for_tests();
        let searcher = generation.index.reader().unwrap().searcher();
        let reader = searcher.segment_reader(0);
        let schema = generation.index.schema();
        let norms = SharedNorms::default();
        let mut fields = 0;
        for (field, entry) in schema.fields() {
            if !entry.has_fieldnorms() {
                continue;
            }
            let (given, own) = (
                norms.of(reader, field).unwrap(),
                reader.get_fieldnorms_reader(field).unwrap(),
            );
            for doc in 0..reader.max_doc() {
                assert_eq!(given.fieldnorm_id(doc), own.fieldnorm_id(doc), "{field:?}");
            }
            fields += 1;
        }
        let by_segment = norms.by_segment.lock().unwrap();
        let segment = &by_segment[&reader.segment_id()];
        let column = |field| {
            segment
                .of_field
                .iter()
                .find(|(f, _)| *f == field)
                .unwrap()
                .1
        };
        let f = &generation.fields;
        let text = [f.text_exact, f.text_folded, f.text_stem, f.text_root].map(column);
        assert!(text.iter().all(|&c| c == text[0]), "{text:?}");
        assert_ne!(column(f.text_stem), column(f.text_stem_pairs));
        assert!(
            segment.columns.len() < fields,
            "{} columns",
            segment.columns.len()
        );
    }

    /// What a plan keeps is worked out once per cache, and never handed to
    /// a search against another cache.
    #[test]
    fn kept_per_cache_is_worked_out_once_for_each_cache() {
        let (one, other) = (TermCache::default(), TermCache::default());
        let kept: PerCache<&str> = PerCache::default();
        let mut runs = 0;
        let mut get = |cache: &TermCache, value: &'static str| {
            *kept
                .get_or_try(cache, || {
                    runs += 1;
                    Ok(Arc::new(value))
                })
                .unwrap()
        };
        assert_eq!(get(&one, "one"), "one");
        assert_eq!(get(&one, "again"), "one");
        assert_eq!(get(&other, "other"), "other");
        assert_eq!(get(&one, "again"), "one");
        assert_eq!(runs, 2);
    }

    /// A plan's term is found in a cache once and then known without it,
    /// but only while that cache keeps it, and never for another cache.
    #[test]
    fn a_planned_term_is_known_while_its_cache_keeps_it() {
        let (_dir, generation) = crate::index::bundled_for_tests();
        let searcher = generation.index.reader().unwrap().searcher();
        let field = generation.fields.text_stem;
        let index = searcher.segment_reader(0).inverted_index(field).unwrap();
        let mut stems = index.terms().stream().unwrap();
        assert!(stems.advance());
        let term = Term::from_field_bytes(field, stems.key());
        let planned = Arc::new(PlannedTerm::new(term));
        let (cache, other) = (TermCache::default(), TermCache::default());
        assert!(planned.known(&cache).is_none());
        let scored = ScoredTerms::planned(&searcher, &cache, &[(planned.clone(), 1.0)]).unwrap();
        let known = planned.known(&cache).expect("known once found");
        assert!(Arc::ptr_eq(&known, &scored.terms[0].1));
        assert!(known.doc_freq() > 0);
        assert!(planned.known(&other).is_none());
        ScoredTerms::planned(&searcher, &other, &[(planned.clone(), 1.0)]).unwrap();
        assert!(
            planned.known(&other).is_none(),
            "kept for the first cache only"
        );
        drop((known, scored, cache));
        let (_, weak) = planned.known.get().unwrap();
        assert!(
            weak.upgrade().is_none(),
            "kept alive after its cache let it go"
        );
    }

    /// Offers of a walk or a scoring of every measure: each measure with
    /// its score's bits.
    type Offers = Vec<(DocId, u32)>;

    /// Postings kept decoded score, seek and advance as the opened ones
    /// do: over every term of the bundled collection's ranked fields, in
    /// groups, scoring every measure and walking with bars low and high
    /// offer the same measures with the same scores, to the bit.
    #[test]
    fn decoded_postings_rank_as_opened_ones() {
        let (_dir, generation) = crate::index::bundled_for_tests();
        let searcher = generation.index.reader().unwrap().searcher();
        let reader = searcher.segment_reader(0);
        let fields = &generation.fields;
        let mut terms = Vec::new();
        for (field, weight) in [
            (fields.text_exact, 1.0),
            (fields.text_stem, 1.0),
            (fields.phrases_stem, 1.5),
            (fields.text_stem_pairs, 2.0),
        ] {
            let index = reader.inverted_index(field).unwrap();
            let mut stream = index.terms().stream().unwrap();
            while stream.advance() {
                terms.push((Term::from_field_bytes(field, stream.key()), weight));
            }
        }
        assert!(terms.len() > 1000, "{} terms", terms.len());
        let every = DocBits::full(reader.max_doc());
        let offers = |cache: &TermCache, group: &[(Term, Score)]| -> [Offers; 4] {
            let scored = ScoredTerms::new(&searcher, cache, group).unwrap();
            let cursors = || scored.cursors(0).unwrap();
            let mut each = Vec::new();
            cursors().score_each(&every, |doc, score| each.push((doc, score.to_bits())));
            let walk = |bar: Score| {
                let mut offered = Vec::new();
                cursors().walk(&every, bar, |doc, score| {
                    offered.push((doc, score.to_bits()));
                    bar
                });
                offered
            };
            let most = each
                .iter()
                .map(|&(_, s)| Score::from_bits(s))
                .fold(0.0, Score::max);
            // Where each cursor stands after seeking every third measure
            // and then past the last.
            let mut stands = Vec::new();
            let mut seeking = cursors();
            for target in (0..reader.max_doc()).step_by(3).chain([reader.max_doc()]) {
                for cursor in &mut seeking.0 {
                    cursor.seek(target);
                    assert!(cursor.doc() >= target);
                    stands.push((cursor.doc(), 0));
                }
            }
            [each, walk(0.0), walk(most / 2.0), stands]
        };
        let (opened, short) = (
            TermCache::keeping_decoded_up_to(0),
            TermCache::keeping_decoded_up_to(u32::MAX),
        );
        let mut offered = 0;
        for group in terms.chunks(7) {
            let expected = offers(&opened, group);
            assert_eq!(expected, offers(&short, group), "{group:?}");
            offered += expected[2].len();
        }
        assert!(offered > 100, "only {offered} measures over the high bars");
    }
}
